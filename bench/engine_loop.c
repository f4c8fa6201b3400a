/*
 * bench/engine_loop: the engine alone, no I/O. One session, MESSAGES
 * transactions of a 1 KiB body against canned replies, all in memory.
 * Prints messages per second; bench/run also runs it under callgrind to
 * count instructions per message (repeatable, unlike time).
 *
 *   engine_loop [MESSAGES]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpc/session.h"

static struct smtpc_session s;
static uint8_t in_buf[SMTPC_IN_BUF_DEFAULT], out_buf[SMTPC_OUT_BUF_DEFAULT];
static unsigned long long wire_bytes;

static void feed(const char *reply)
{
    size_t len = strlen(reply), cap;
    uint8_t *p = smtpc_session_in_buf(&s, &cap);

    if (len > cap)
        abort();
    memcpy(p, reply, len);
    smtpc_session_in_ack(&s, len);
}

static void drain(void)
{
    size_t len;

    smtpc_session_out_buf(&s, &len);
    wire_bytes += len;
    smtpc_session_out_ack(&s, len);
}

int main(int argc, char **argv)
{
    unsigned long messages = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, i;
    static uint8_t body[1024];
    struct smtpc_session_config cfg;
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    struct timespec t0, t1;
    double secs;

    for (i = 0; i < sizeof body; i++)
        body[i] = (i % 72 == 71) ? '\n' : (uint8_t)('a' + i % 26);
    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "bench.example";
    if (smtpc_session_init(&s, &cfg, in_buf, sizeof in_buf, out_buf, sizeof out_buf) != 0)
        return 1;
    feed("220 mx ESMTP\r\n");
    drain();
    feed("250-mx\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250 8BITMIME\r\n");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < messages; i++) {
        memset(&rcpt, 0, sizeof rcpt);
        memset(&txn, 0, sizeof txn);
        rcpt.address = "sink@example.net";
        txn.from = "bench@example.org";
        txn.rcpt = &rcpt;
        txn.rcpt_count = 1;
        txn.size = sizeof body;
        if (smtpc_session_txn_begin(&s, &txn) != 0)
            return 1;
        drain();
        feed("250 2.1.0 Ok\r\n");
        drain();
        feed("250 2.1.5 Ok\r\n");
        drain();
        feed("354 End data with <CR><LF>.<CR><LF>\r\n");
        if (smtpc_session_body_write(&s, body, sizeof body) != (long)sizeof body)
            return 1;
        smtpc_session_body_end(&s);
        drain();
        feed("250 2.0.0 Ok: queued as ABC123\r\n");
        if (txn.result != 0 || !(smtpc_session_wants(&s) & SMTPC_READY))
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf(
        "engine alone: %lu messages of %zu bytes in %.3f s: %.0f messages/s, %.0f wire bytes/msg\n",
        messages, sizeof body, secs, (double)messages / secs,
        (double)wire_bytes / (double)messages);
    return 0;
}
