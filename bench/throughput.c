/*
 * bench/throughput: messages per second over one connection, and round
 * trips per message, against a running SMTP server.
 *
 *   throughput HOST PORT [MESSAGES [SIZE]]
 *
 * Opens one connection, sends MESSAGES messages of SIZE bytes (default 2000
 * x 1024) to one recipient, closes, and prints the figures. A round trip is
 * a turn of the conversation: the client stops writing and waits for the
 * server. It is counted by a transport that wraps the POSIX one.
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
    unsigned long bytes_out;
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
    if (n > 0)
        c->bytes_out += (unsigned long)n;
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

int main(int argc, char **argv)
{
    static struct smtpc_client client;
    static struct counting tr;
    struct smtpc_client_options o;
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    unsigned long messages = 2000, size = 1024, i, turns_before;
    char *body;
    long long t0, t1;
    double secs;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: throughput HOST PORT [MESSAGES [SIZE]]\n");
        return 64;
    }
    if (argc > 3)
        messages = strtoul(argv[3], NULL, 10);
    if (argc > 4)
        size = strtoul(argv[4], NULL, 10);
    body = malloc(size);
    if (body == NULL || messages == 0)
        return 1;
    for (i = 0; i < size; i++)
        body[i] = (i % 72 == 71) ? '\n' : (char)('a' + i % 26);

    rc = smtpc_posix_connect(&tr.posix, argv[1], argv[2], SMTPC_FAMILY_ANY, 10000);
    if (rc != 0) {
        fprintf(stderr, "connect: %s\n", smtpc_strerror(rc));
        return 1;
    }
    tr.base.ops = &counting_ops;
    smtpc_client_options_default(&o);
    o.transport = &tr.base;
    o.session.ehlo_name = "bench.example";
    smtpc_client_init(&client, &o);

    t0 = smtpc_posix_now_ms();
    rc = smtpc_client_open(&client);
    if (rc != 0) {
        fprintf(stderr, "open: %s\n", smtpc_strerror(rc));
        return 1;
    }
    turns_before = tr.turns;
    for (i = 0; i < messages; i++) {
        memset(&txn, 0, sizeof txn);
        memset(&rcpt, 0, sizeof rcpt);
        rcpt.address = "sink@example.net";
        txn.from = "bench@example.org";
        txn.rcpt = &rcpt;
        txn.rcpt_count = 1;
        rc = smtpc_client_send(&client, &txn, body, size);
        if (rc != 0) {
            fprintf(stderr, "message %lu: %s at %s\n", i, smtpc_strerror(rc),
                    smtpc_client_step(&client));
            return 1;
        }
    }
    t1 = smtpc_posix_now_ms();
    smtpc_client_close(&client);
    secs = (double)(t1 - t0) / 1000.0;
    printf("server %s:%s  messages %lu x %lu bytes, one connection\n", argv[1], argv[2], messages,
           size);
    printf("  elapsed            %.3f s\n", secs);
    printf("  messages/second    %.0f\n", secs > 0 ? (double)messages / secs : 0.0);
    printf("  round trips/msg    %.2f\n", (double)(tr.turns - turns_before) / (double)messages);
    printf("  client bytes/msg   %.0f\n", (double)tr.bytes_out / (double)messages);
    free(body);
    return 0;
}
