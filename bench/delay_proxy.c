/*
 * bench/delay_proxy: a TCP forwarder on loopback that delays every chunk,
 * so that a client on 127.0.0.1 sees a network with a round trip.
 *
 *   delay_proxy TARGET_PORT DELAY_MS PORT_FILE STATS_FILE
 *
 * Listens on 127.0.0.1 (an ephemeral port, written to PORT_FILE); for each
 * connection opens one to 127.0.0.1:TARGET_PORT and forwards the bytes both
 * ways, each chunk delivered DELAY_MS after it was read (reads go on while
 * chunks wait, so delays never add up): a round trip of twice DELAY_MS,
 * whatever the client. The TCP handshake itself is local and not delayed,
 * so a server's greeting costs half a round trip.
 *
 * It counts what the bench reports, for any client (smtpc, smtp-source,
 * msmtp), and rewrites the totals into STATS_FILE (one line of
 * "name value" pairs, atomically) at start and whenever a connection ends:
 *
 *   connections   connections ended
 *   active        connections still open
 *   changes       times the direction of the traffic changed, chunk after
 *                 chunk in the order the proxy read them
 *   server_first  connections where the server spoke first (a greeting)
 *   bytes_c2s, bytes_s2c, chunks_c2s, chunks_s2c
 *   busy_us       the sum over connections of the time from accept to the
 *                 last chunk delivered to the client
 *
 * A conversation of R exchanges after a greeting has 2R changes: round
 * trips are (changes + server_first) / 2. A client that keeps a window of
 * messages in flight may interleave its writes with replies, which counts
 * changes that cost no wait; busy_us over the round trip is the figure
 * that cannot be fooled. Single-threaded (poll), so its own cost per chunk
 * stays in microseconds. Only 127.0.0.1 is ever used.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define CHUNK_MAX 65536

struct chunk {
    struct chunk *next;
    long long due_ns;
    size_t len, off; /* len 0: the end (shut the write side down) */
    unsigned char data[];
};

struct dir {
    int src, dst;
    struct chunk *head, *tail;
    int reading; /* src not at its end */
    int done;    /* the end was delivered */
};

struct conn {
    int used;
    struct dir d[2]; /* 0: client to server, 1: server to client */
    int last_dir, first_dir;
    unsigned long long changes, bytes[2], chunks[2];
    long long accepted_ns, last_delivery_ns;
};

static struct conn conns[MAX_CONNS];
static struct {
    unsigned long long connections, active, changes, server_first, bytes[2], chunks[2], busy_us;
} totals;
static const char *stats_path;
static long long delay_ns;

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void write_stats(void)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp", stats_path);
    f = fopen(tmp, "w");
    if (f == NULL)
        return;
    fprintf(f,
            "connections %llu active %llu changes %llu server_first %llu bytes_c2s %llu "
            "bytes_s2c %llu chunks_c2s %llu chunks_s2c %llu busy_us %llu\n",
            totals.connections, totals.active, totals.changes, totals.server_first, totals.bytes[0],
            totals.bytes[1], totals.chunks[0], totals.chunks[1], totals.busy_us);
    fclose(f);
    rename(tmp, stats_path);
}

static void nodelay(int fd)
{
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void conn_close(struct conn *c)
{
    int i;

    for (i = 0; i < 2; i++) {
        struct chunk *k = c->d[i].head;

        while (k != NULL) {
            struct chunk *next = k->next;

            free(k);
            k = next;
        }
    }
    close(c->d[0].src);
    close(c->d[0].dst);
    totals.connections++;
    totals.active--;
    totals.changes += c->changes;
    totals.server_first += c->first_dir == 1;
    for (i = 0; i < 2; i++) {
        totals.bytes[i] += c->bytes[i];
        totals.chunks[i] += c->chunks[i];
    }
    if (c->last_delivery_ns > c->accepted_ns)
        totals.busy_us += (unsigned long long)((c->last_delivery_ns - c->accepted_ns) / 1000);
    memset(c, 0, sizeof *c);
    write_stats();
}

static void conn_open(int client, unsigned short target)
{
    struct sockaddr_in a;
    struct conn *c = NULL;
    int server, i;

    for (i = 0; i < MAX_CONNS && c == NULL; i++) {
        if (!conns[i].used)
            c = &conns[i];
    }
    server = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(target);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c == NULL || server < 0 || connect(server, (struct sockaddr *)&a, sizeof a) != 0) {
        close(client);
        if (server >= 0)
            close(server);
        return;
    }
    nodelay(client);
    nodelay(server);
    memset(c, 0, sizeof *c);
    c->used = 1;
    c->d[0].src = client;
    c->d[0].dst = server;
    c->d[1].src = server;
    c->d[1].dst = client;
    c->d[0].reading = c->d[1].reading = 1;
    c->last_dir = c->first_dir = -1;
    c->accepted_ns = now_ns();
    totals.active++;
    write_stats();
}

static void enqueue(struct dir *d, const unsigned char *data, size_t len, long long due)
{
    struct chunk *k = malloc(sizeof *k + len);

    if (k == NULL) {
        perror("delay_proxy");
        exit(1);
    }
    k->next = NULL;
    k->due_ns = due;
    k->len = len;
    k->off = 0;
    if (len > 0)
        memcpy(k->data, data, len);
    if (d->tail != NULL)
        d->tail->next = k;
    else
        d->head = k;
    d->tail = k;
}

static void read_side(struct conn *c, int i)
{
    static unsigned char buf[CHUNK_MAX];
    struct dir *d = &c->d[i];
    ssize_t n;

    if (!d->reading)
        return;
    n = recv(d->src, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        d->reading = 0;
        enqueue(d, NULL, 0, now_ns() + delay_ns);
        return;
    }
    if (c->last_dir < 0)
        c->first_dir = i;
    else if (c->last_dir != i)
        c->changes++;
    c->last_dir = i;
    c->bytes[i] += (unsigned long long)n;
    c->chunks[i]++;
    enqueue(d, buf, (size_t)n, now_ns() + delay_ns);
}

/* Delivers what is due; returns -1 when the connection broke. */
static int write_side(struct conn *c, int i, long long now)
{
    struct dir *d = &c->d[i];

    while (d->head != NULL && d->head->due_ns <= now) {
        struct chunk *k = d->head;

        if (k->len == 0) {
            shutdown(d->dst, SHUT_WR);
            d->done = 1;
        } else {
            ssize_t n = send(d->dst, k->data + k->off, k->len - k->off, MSG_NOSIGNAL);

            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0; /* POLLOUT next time */
            if (n < 0)
                return -1;
            k->off += (size_t)n;
            if (k->off < k->len)
                return 0;
            if (i == 1)
                c->last_delivery_ns = now_ns();
        }
        d->head = k->next;
        if (d->head == NULL)
            d->tail = NULL;
        free(k);
    }
    return 0;
}

/* What each polled descriptor stands for: the listener (conn -1), or one
 * direction of a connection, read from or written to. */
struct polled {
    int conn, dir, writing;
};

static void watch(struct pollfd *pfd, struct polled *what, int *n, int fd, short events, int conn,
                  int dir, int writing)
{
    pfd[*n].fd = fd;
    pfd[*n].events = events;
    what[*n].conn = conn;
    what[*n].dir = dir;
    what[*n].writing = writing;
    (*n)++;
}

int main(int argc, char **argv)
{
    struct pollfd pfd[1 + 2 * MAX_CONNS];
    struct polled what[1 + 2 * MAX_CONNS];
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    unsigned short target;
    int ls, one = 1;
    FILE *f;
    char tmp[4096];

    if (argc != 5) {
        fprintf(stderr, "usage: delay_proxy TARGET_PORT DELAY_MS PORT_FILE STATS_FILE\n");
        return 64;
    }
    target = (unsigned short)atoi(argv[1]);
    delay_ns = (long long)(atof(argv[2]) * 1e6);
    stats_path = argv[4];
    signal(SIGPIPE, SIG_IGN);
    ls = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 64) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
        perror("delay_proxy: listen");
        return 1;
    }
    write_stats();
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 ||
        rename(tmp, argv[3]) != 0) {
        perror(argv[3]);
        return 1;
    }
    for (;;) {
        long long now = now_ns(), next = -1;
        struct timespec ts, *tp = NULL;
        int n = 0, i, j, r;

        watch(pfd, what, &n, ls, POLLIN, -1, 0, 0);
        for (i = 0; i < MAX_CONNS; i++) {
            if (!conns[i].used)
                continue;
            for (j = 0; j < 2; j++) {
                struct dir *d = &conns[i].d[j];
                int ev = 0, writing = 0;

                if (d->reading)
                    ev |= POLLIN;
                if (d->head != NULL) {
                    if (d->head->due_ns <= now && d->head->off > 0) {
                        ev |= POLLOUT; /* a partial write waits for room */
                        writing = 1;
                    } else if (next < 0 || d->head->due_ns < next) {
                        next = d->head->due_ns;
                    }
                }
                if (ev & POLLIN)
                    watch(pfd, what, &n, d->src, POLLIN, i, j, 0);
                if (writing)
                    watch(pfd, what, &n, d->dst, POLLOUT, i, j, 1);
            }
        }
        if (next >= 0) {
            long long wait = next > now ? next - now : 0;

            ts.tv_sec = (time_t)(wait / 1000000000LL);
            ts.tv_nsec = (long)(wait % 1000000000LL);
            tp = &ts;
        }
        r = ppoll(pfd, (nfds_t)n, tp, NULL);
        if (r < 0 && errno != EINTR) {
            perror("delay_proxy: poll");
            return 1;
        }
        for (i = 0; r > 0 && i < n; i++) {
            if (pfd[i].revents == 0)
                continue;
            if (what[i].conn < 0) {
                int fd = accept(ls, NULL, NULL);

                if (fd >= 0)
                    conn_open(fd, target);
            } else if (!what[i].writing && conns[what[i].conn].used) {
                read_side(&conns[what[i].conn], what[i].dir);
            }
        }
        now = now_ns();
        for (i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &conns[i];

            if (!c->used)
                continue;
            if (write_side(c, 0, now) != 0 || write_side(c, 1, now) != 0 ||
                (c->d[0].done && c->d[1].done))
                conn_close(c);
        }
    }
}
