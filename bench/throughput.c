/*
 * bench/throughput: messages per second, round trips and write calls per
 * message, against a running SMTP server.
 *
 *   throughput [OPTIONS] HOST PORT [MESSAGES [SIZE]]
 *
 * Sends MESSAGES messages of SIZE bytes (default 2000 x 1024) to one
 * recipient and prints the figures. By default over one connection, one
 * message at a time (smtpc_client_send, each waiting for its verdict).
 * Options:
 *
 *   --stream          the messages as a stream (smtpc_client_send_many)
 *   --batch K         with --stream: K messages per smtpc_client_send_many
 *                     call (default: all in one call)
 *   --new-connection  a connection per message (smtpc_client_send_mail:
 *                     connect, EHLO, the message, QUIT, close)
 *   --no-chunking     never BDAT (SMTPC_F_NO_CHUNKING)
 *   --no-pipelining   never pipeline (SMTPC_F_NO_PIPELINING)
 *   --auth USER:PASS  authenticate; PLAIN and LOGIN are allowed in clear
 *                     (SMTPC_F_ALLOW_CLEARTEXT_AUTH: loopback benches only)
 *   --from ADDR, --to ADDR   the envelope (bench@example.org, sink@example.net)
 *   --body-file FILE  the body is FILE's bytes (SIZE is then its size)
 *
 * A round trip is a turn of the conversation: the client stops writing and
 * waits for the server (a read that follows a write; the greeting is not
 * one). It is counted, with the write calls, by a transport that wraps the
 * POSIX one.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc/client.h"

struct counting {
    struct smtpc_transport base;
    struct smtpc_posix posix;
    unsigned long turns; /* reads that follow a write */
    unsigned long writes;
    unsigned long long bytes_out;
    int last_was_write;
};

static long c_read(struct smtpc_transport *t, uint8_t *buf, size_t len, int timeout_ms)
{
    struct counting *c = (struct counting *)t;

    if (c->last_was_write)
        c->turns++;
    c->last_was_write = 0;
    return c->posix.base.ops->read(&c->posix.base, buf, len, timeout_ms);
}

static long c_write(struct smtpc_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
    struct counting *c = (struct counting *)t;
    long n = c->posix.base.ops->write(&c->posix.base, buf, len, timeout_ms);

    c->last_was_write = 1;
    c->writes++;
    if (n > 0)
        c->bytes_out += (unsigned long long)n;
    return n;
}

static void c_close(struct smtpc_transport *t)
{
    struct counting *c = (struct counting *)t;

    c->posix.base.ops->close(&c->posix.base);
}

static long long c_now_ms(struct smtpc_transport *t)
{
    (void)t;
    return smtpc_posix_now_ms();
}

static const struct smtpc_transport_ops counting_ops = {c_read,   c_write, NULL, c_close,
                                                        c_now_ms, NULL,    NULL};

struct bench {
    const char *host, *port, *from, *to;
    unsigned long messages, size, batch;
    int stream, new_connection;
    char *body;
};

static int usage(void)
{
    fprintf(stderr, "usage: throughput [--stream [--batch K] | --new-connection] [--no-chunking]\n"
                    "         [--no-pipelining] [--auth USER:PASS] [--from ADDR] [--to ADDR]\n"
                    "         [--body-file FILE] HOST PORT [MESSAGES [SIZE]]\n");
    return 64;
}

static char *read_file(const char *path, unsigned long *size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        free(buf);
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (unsigned long)n;
    return buf;
}

static void txn_prepare(const struct bench *b, struct smtpc_txn *txn, struct smtpc_rcpt *rcpt)
{
    memset(txn, 0, sizeof *txn);
    memset(rcpt, 0, sizeof *rcpt);
    rcpt->address = b->to;
    txn->from = b->from;
    txn->rcpt = rcpt;
    txn->rcpt_count = 1;
}

static int connect_counting(const struct bench *b, struct counting *tr)
{
    int rc = smtpc_posix_connect(&tr->posix, b->host, b->port, SMTPC_FAMILY_ANY, 10000);

    if (rc != 0) {
        fprintf(stderr, "connect: %s\n", smtpc_strerror(rc));
        return rc;
    }
    tr->last_was_write = 0;
    return 0;
}

static void failed(struct smtpc_client *c, const char *what, unsigned long i, int rc)
{
    fprintf(stderr, "%s %lu: %s at %s\n", what, i, smtpc_strerror(rc), smtpc_client_step(c));
}

/* Every message on its own connection. */
static int run_new_connections(const struct bench *b, struct smtpc_client *c, struct counting *tr)
{
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    unsigned long i;
    int rc;

    for (i = 0; i < b->messages; i++) {
        if (connect_counting(b, tr) != 0)
            return 1;
        txn_prepare(b, &txn, &rcpt);
        rc = smtpc_client_send_mail(c, &txn, b->body, b->size);
        if (rc != 0) {
            failed(c, "message", i, rc);
            return 1;
        }
    }
    return 0;
}

/* One connection: the messages one at a time, or as a stream. */
static int run_one_connection(const struct bench *b, struct smtpc_client *c, struct counting *tr,
                              unsigned long *turns_open)
{
    struct smtpc_message *msgs = NULL;
    struct smtpc_txn *txns = NULL;
    struct smtpc_rcpt *rcpts = NULL;
    struct smtpc_part part;
    unsigned long i, k;
    int rc;

    if (connect_counting(b, tr) != 0)
        return 1;
    rc = smtpc_client_open(c);
    if (rc != 0) {
        failed(c, "open", 0, rc);
        return 1;
    }
    *turns_open = tr->turns;
    if (!b->stream) {
        struct smtpc_rcpt rcpt;
        struct smtpc_txn txn;

        for (i = 0; i < b->messages; i++) {
            txn_prepare(b, &txn, &rcpt);
            rc = smtpc_client_send(c, &txn, b->body, b->size);
            if (rc != 0) {
                failed(c, "message", i, rc);
                return 1;
            }
        }
        smtpc_client_close(c);
        return 0;
    }
    msgs = calloc(b->messages, sizeof *msgs);
    txns = calloc(b->messages, sizeof *txns);
    rcpts = calloc(b->messages, sizeof *rcpts);
    if (msgs == NULL || txns == NULL || rcpts == NULL)
        return 1;
    part.data = b->body;
    part.len = b->size;
    for (i = 0; i < b->messages; i++) {
        txn_prepare(b, &txns[i], &rcpts[i]);
        msgs[i].txn = &txns[i];
        msgs[i].parts = &part;
        msgs[i].count = 1;
    }
    for (i = 0; i < b->messages; i += k) {
        k = b->messages - i < b->batch ? b->messages - i : b->batch;
        rc = smtpc_client_send_many(c, msgs + i, k);
        if (rc != 0) {
            failed(c, "stream from message", i, rc);
            return 1;
        }
    }
    for (i = 0; i < b->messages; i++) {
        if (txns[i].result != 0) {
            failed(c, "message", i, txns[i].result);
            return 1;
        }
    }
    smtpc_client_close(c);
    free(msgs);
    free(txns);
    free(rcpts);
    return 0;
}

int main(int argc, char **argv)
{
    static struct smtpc_client client;
    static struct counting tr;
    struct smtpc_client_options o;
    struct bench b;
    const char *body_file = NULL, *mode;
    char *user = NULL, *pass = NULL;
    unsigned long i, turns_open = 0;
    unsigned flags = 0, caps;
    long long t0, t1;
    double secs, per;
    int a, rc;

    memset(&b, 0, sizeof b);
    b.from = "bench@example.org";
    b.to = "sink@example.net";
    b.messages = 2000;
    b.size = 1024;
    for (a = 1; a < argc && argv[a][0] == '-' && argv[a][1] == '-'; a++) {
        const char *opt = argv[a];

        if (strcmp(opt, "--stream") == 0) {
            b.stream = 1;
        } else if (strcmp(opt, "--new-connection") == 0) {
            b.new_connection = 1;
        } else if (strcmp(opt, "--no-chunking") == 0) {
            flags |= SMTPC_F_NO_CHUNKING;
        } else if (strcmp(opt, "--no-pipelining") == 0) {
            flags |= SMTPC_F_NO_PIPELINING;
        } else if (a + 1 < argc && strcmp(opt, "--batch") == 0) {
            b.batch = strtoul(argv[++a], NULL, 10);
        } else if (a + 1 < argc && strcmp(opt, "--auth") == 0) {
            user = argv[++a];
            pass = strchr(user, ':');
            if (pass == NULL)
                return usage();
            *pass++ = '\0';
        } else if (a + 1 < argc && strcmp(opt, "--from") == 0) {
            b.from = argv[++a];
        } else if (a + 1 < argc && strcmp(opt, "--to") == 0) {
            b.to = argv[++a];
        } else if (a + 1 < argc && strcmp(opt, "--body-file") == 0) {
            body_file = argv[++a];
        } else {
            return usage();
        }
    }
    if (argc - a < 2 || argc - a > 4 || (b.stream && b.new_connection))
        return usage();
    b.host = argv[a];
    b.port = argv[a + 1];
    if (argc - a > 2)
        b.messages = strtoul(argv[a + 2], NULL, 10);
    if (argc - a > 3)
        b.size = strtoul(argv[a + 3], NULL, 10);
    if (b.batch == 0)
        b.batch = b.messages;
    if (body_file != NULL) {
        b.body = read_file(body_file, &b.size);
    } else {
        b.body = malloc(b.size ? b.size : 1);
        for (i = 0; b.body != NULL && i < b.size; i++)
            b.body[i] = (i % 72 == 71) ? '\n' : (char)('a' + i % 26);
    }
    if (b.body == NULL || b.messages == 0)
        return 1;

    tr.base.ops = &counting_ops;
    smtpc_client_options_default(&o);
    o.transport = &tr.base;
    o.session.ehlo_name = "bench.example";
    o.session.flags |= flags;
    if (user != NULL) {
        o.session.username = user;
        o.session.password = pass;
        o.session.flags |= SMTPC_F_ALLOW_CLEARTEXT_AUTH;
    }
    rc = smtpc_client_init(&client, &o);
    if (rc != 0) {
        fprintf(stderr, "init: %s\n", smtpc_strerror(rc));
        return 1;
    }

    t0 = smtpc_posix_now_ms();
    if (b.new_connection)
        rc = run_new_connections(&b, &client, &tr);
    else
        rc = run_one_connection(&b, &client, &tr, &turns_open);
    t1 = smtpc_posix_now_ms();
    if (rc != 0)
        return 1;
    /* what the last connection was offered: still there after close */
    caps = smtpc_session_caps(smtpc_client_session(&client))->flags;
    secs = (double)(t1 - t0) / 1000.0;
    per = (double)b.messages;
    mode = b.new_connection ? "a new connection each"
           : b.stream       ? "one connection, as a stream"
                            : "one connection, one at a time";
    printf("server %s:%s  messages %lu x %lu bytes, %s\n", b.host, b.port, b.messages, b.size,
           mode);
    if (b.stream && b.batch < b.messages)
        printf("  batch              %lu messages per smtpc_client_send_many\n", b.batch);
    printf("  offered / used     %s%s%s / %s, %s%s\n",
           caps & SMTPC_CAP_PIPELINING ? "PIPELINING " : "",
           caps & SMTPC_CAP_CHUNKING ? "CHUNKING " : "", caps & SMTPC_CAP_AUTH ? "AUTH" : "",
           (caps & SMTPC_CAP_CHUNKING) && !(flags & SMTPC_F_NO_CHUNKING) ? "BDAT" : "DATA",
           (caps & SMTPC_CAP_PIPELINING) && !(flags & SMTPC_F_NO_PIPELINING) ? "pipelined"
                                                                             : "lockstep",
           user != NULL ? ", AUTH" : "");
    printf("  elapsed            %.3f s\n", secs);
    printf("  messages/second    %.0f\n", secs > 0 ? per / secs : 0.0);
    printf("  round trips/msg    %.2f%s\n", (double)(tr.turns - turns_open) / per,
           b.new_connection ? "  (the whole connection but the greeting)" : "");
    printf("  client writes/msg  %.2f\n", (double)tr.writes / per);
    printf("  client bytes/msg   %.0f\n", (double)tr.bytes_out / per);
    free(b.body);
    return 0;
}
