/*
 * nx_send — drives the NetX Duo SMTP Client API (compat/netxduo) on the
 * host NetX layer, for tests/netxduo/test_netxduo.py.
 *
 *   nx_send --server ADDR --port N --to RCPT [--from F] [--domain D]
 *           [--auth none|plain|login|cram-md5] [--user U] [--password P]
 *           [--subject S] [--body TEXT | --body-file F] [--priority N]
 *           [--pool-payload N] [--pool-packets N] [--repeat N] [--threads N]
 *           [--client-pool-packets N] [--hold N]
 *
 * Like the user guide's flow: a packet pool, an IP instance with TCP, a
 * client created, mail sent (--repeat times, by --threads clients at once,
 * sharing the IP and the pool), the client deleted. Prints one line per
 * call, "create 0xNN", "send K: 0xNN reply CODE state S", "delete 0xNN",
 * and at the end "pool total T available A invalid_releases I", so the
 * test can check every status and that every packet came back. With
 * --client-pool-packets the client gets a pool of its own (the IP
 * instance's pool still receives), reported as "client pool ..."; --hold
 * takes that many of the client's packets away while mail is sent.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx_address.h"
#include "nx_host_driver.h"
#include "nxd_smtp_client.h"

#define MAX_THREADS 4
#define MAX_BODY (4 * 1024 * 1024)
#define MAX_HOLD 64

static struct {
    NXD_ADDRESS server;
    UINT port;
    CHAR *from, *domain, *to, *user, *password, *subject;
    UINT auth, priority;
    CHAR *body;
    UINT body_len;
    ULONG payload, packets, client_packets, hold;
    int repeat, threads;
} opt;

static NX_IP ip;
static NX_PACKET_POOL pool, own_pool;
static NX_PACKET_POOL *client_pool = &pool;
static ULONG ip_stack[1024];
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, unsigned a, unsigned b, unsigned c, unsigned d)
{
    pthread_mutex_lock(&print_lock);
    printf(fmt, a, b, c, d);
    fflush(stdout);
    pthread_mutex_unlock(&print_lock);
}

static int parse_address(const char *text, NXD_ADDRESS *a)
{
    if (strcmp(text, "none") == 0) { /* neither version: for the error test */
        memset(a, 0, sizeof *a);
        a->nxd_ip_version = 5;
        return 0;
    }
    return nx_address_parse(text, a);
}

static UINT auth_of(const char *s)
{
    if (strcmp(s, "none") == 0)
        return NX_SMTP_CLIENT_AUTH_NONE;
    if (strcmp(s, "plain") == 0)
        return NX_SMTP_CLIENT_AUTH_PLAIN;
    if (strcmp(s, "login") == 0)
        return NX_SMTP_CLIENT_AUTH_LOGIN;
    if (strcmp(s, "cram-md5") == 0)
        return NX_SMTP_CLIENT_AUTH_CRAM_MD5;
    return (UINT)strtoul(s, NULL, 0);
}

static CHAR *read_file(const char *path, UINT *len)
{
    FILE *f = fopen(path, "rb");
    CHAR *buf = malloc(MAX_BODY);
    size_t n;

    if (f == NULL || buf == NULL) {
        perror(path);
        exit(2);
    }
    n = fread(buf, 1, MAX_BODY, f);
    fclose(f);
    *len = (UINT)n;
    return buf;
}

static void *client_thread(void *arg)
{
    int id = (int)(long)arg, k;
    NX_SMTP_CLIENT *client = calloc(1, sizeof *client); /* large: not on the stack */
    UINT st;

    if (client == NULL)
        return NULL;
    st = nxd_smtp_client_create(client, &ip, client_pool, opt.user, opt.password, opt.from,
                                opt.domain, opt.auth, &opt.server, opt.port);
    say("create %u: 0x%02x\n", (unsigned)id, st, 0, 0);
    if (st == NX_SUCCESS) {
        for (k = 1; k <= opt.repeat; k++) {
            st = nx_smtp_mail_send(client, opt.to, opt.priority, opt.subject, opt.body,
                                   opt.body_len);
            say("send %u.%u: 0x%02x reply %u\n", (unsigned)id, (unsigned)k, st,
                client->nx_smtp_client_reply_code_status);
        }
        st = nx_smtp_client_delete(client);
        say("delete %u: 0x%02x\n", (unsigned)id, st, 0, 0);
    }
    free(client);
    return NULL;
}

int main(int argc, char **argv)
{
    static const char usage[] = "usage: nx_send --server ADDR --port N --to RCPT [options]\n";
    pthread_t th[MAX_THREADS];
    NX_PACKET *held[MAX_HOLD];
    void *pool_mem, *client_mem = NULL;
    ULONG k;
    ULONG pool_size;
    UINT st;
    int i;

    memset(&opt, 0, sizeof opt);
    opt.from = "a@example.org";
    opt.domain = "device.example";
    opt.subject = "hello";
    opt.body = "Hello from NetX.\r\n";
    opt.body_len = (UINT)strlen(opt.body);
    opt.auth = NX_SMTP_CLIENT_AUTH_NONE;
    opt.priority = NX_SMTP_MAIL_PRIORITY_NORMAL;
    opt.payload = 1536;
    opt.packets = 16;
    opt.repeat = 1;
    opt.threads = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (v == NULL) {
            fputs(usage, stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--server") == 0 && parse_address(v, &opt.server) == 0)
            continue;
        if (strcmp(a, "--port") == 0)
            opt.port = (UINT)strtoul(v, NULL, 10);
        else if (strcmp(a, "--to") == 0)
            opt.to = v;
        else if (strcmp(a, "--from") == 0)
            opt.from = v;
        else if (strcmp(a, "--domain") == 0)
            opt.domain = v;
        else if (strcmp(a, "--auth") == 0)
            opt.auth = auth_of(v);
        else if (strcmp(a, "--user") == 0)
            opt.user = v;
        else if (strcmp(a, "--password") == 0)
            opt.password = v;
        else if (strcmp(a, "--subject") == 0)
            opt.subject = v;
        else if (strcmp(a, "--body") == 0) {
            opt.body = v;
            opt.body_len = (UINT)strlen(v);
        } else if (strcmp(a, "--body-file") == 0)
            opt.body = read_file(v, &opt.body_len);
        else if (strcmp(a, "--priority") == 0)
            opt.priority = (UINT)strtoul(v, NULL, 0);
        else if (strcmp(a, "--pool-payload") == 0)
            opt.payload = strtoul(v, NULL, 10);
        else if (strcmp(a, "--pool-packets") == 0)
            opt.packets = strtoul(v, NULL, 10);
        else if (strcmp(a, "--client-pool-packets") == 0)
            opt.client_packets = strtoul(v, NULL, 10);
        else if (strcmp(a, "--hold") == 0)
            opt.hold = strtoul(v, NULL, 10);
        else if (strcmp(a, "--repeat") == 0)
            opt.repeat = atoi(v);
        else if (strcmp(a, "--threads") == 0 && atoi(v) >= 1 && atoi(v) <= MAX_THREADS)
            opt.threads = atoi(v);
        else {
            fprintf(stderr, "nx_send: bad option %s %s\n%s", a, v, usage);
            return 2;
        }
    }
    if (opt.to == NULL || opt.port == 0) {
        fputs(usage, stderr);
        return 2;
    }

    /* the getting-started flow: pool, IP instance, TCP */
    pool_size = opt.packets * (opt.payload + 128);
    pool_mem = malloc(pool_size);
    st = nx_packet_pool_create(&pool, "SMTP pool", opt.payload, pool_mem, pool_size);
    if (st == NX_SUCCESS)
        st = nx_ip_create(&ip, "SMTP IP", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                          nx_host_network_driver, ip_stack, sizeof ip_stack, 1);
    if (st == NX_SUCCESS)
        st = nx_tcp_enable(&ip);
    if (st != NX_SUCCESS) {
        fprintf(stderr, "nx_send: NetX setup failed: 0x%02x\n", st);
        return 2;
    }
    printf("pool total %lu\n", pool.nx_packet_pool_total);
    if (opt.client_packets > 0) {
        client_mem = malloc(opt.client_packets * (opt.payload + 128));
        st = nx_packet_pool_create(&own_pool, "SMTP client pool", opt.payload, client_mem,
                                   opt.client_packets * (opt.payload + 128));
        if (st != NX_SUCCESS)
            return 2;
        client_pool = &own_pool;
    }
    for (k = 0; k < opt.hold && k < MAX_HOLD; k++) {
        if (nx_packet_allocate(client_pool, &held[k], 0, NX_NO_WAIT) != NX_SUCCESS)
            return 2;
    }
    for (i = 0; i < opt.threads; i++)
        pthread_create(&th[i], NULL, client_thread, (void *)(long)(i + 1));
    for (i = 0; i < opt.threads; i++)
        pthread_join(th[i], NULL);
    while (k > 0)
        nx_packet_release(held[--k]);
    if (client_pool == &own_pool) {
        printf("client pool total %lu available %lu invalid_releases %lu\n",
               own_pool.nx_packet_pool_total, own_pool.nx_packet_pool_available,
               own_pool.nx_packet_pool_invalid_releases);
        nx_packet_pool_delete(&own_pool);
        free(client_mem);
    }
    printf("pool total %lu available %lu invalid_releases %lu\n", pool.nx_packet_pool_total,
           pool.nx_packet_pool_available, pool.nx_packet_pool_invalid_releases);
    st = nx_ip_delete(&ip);
    printf("ip delete 0x%02x\n", st);
    st = nx_packet_pool_delete(&pool);
    printf("pool delete 0x%02x\n", st);
    free(pool_mem);
    return 0;
}
