/*
 * Fuzz target: a whole session against arbitrary server bytes.
 *
 * Input: byte 0 picks the read size (1..64), byte 1 the session options,
 * the rest is what the "server" sends; the top two bits of byte 0 pick the
 * TLS policy, and every handshake asked for succeeds. The engine runs a
 * full transaction (credentials, three recipients, a body with smuggling
 * vectors) and must never crash, never overflow, never send a byte after
 * failing, never put an end-of-data line on the wire other than the one it
 * owes, and under required TLS never send AUTH or MAIL before the
 * handshake.
 *
 * Built two ways: with -fsanitize=fuzzer (SMTPC_FUZZ=ON, clang) for
 * libFuzzer, or with fuzz_main.c as a deterministic CTest smoke run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc/session.h"

static const char body[] = "Subject: fuzz\n\n.\r\n.\n\r.\rline\r\n..\r\n.";

static size_t count_end_of_data(const uint8_t *p, size_t n)
{
    size_t i, count = 0;

    for (i = 0; i + 5 <= n; i++) {
        if (memcmp(p + i, "\r\n.\r\n", 5) == 0)
            count++;
    }
    return count;
}

static int find(const uint8_t *p, size_t n, const char *what)
{
    size_t i, k = strlen(what);

    for (i = 0; i + k <= n; i++) {
        if (memcmp(p + i, what, k) == 0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct smtpc_session s;
    static uint8_t in[64], out[SMTPC_OUT_BUF_MIN], wire[1 << 16];
    struct smtpc_session_config cfg;
    struct smtpc_rcpt rcpt[3];
    struct smtpc_txn txn;
    size_t chunk, off = 2, wire_len = 0, steps = 0, clear_len = (size_t)-1;
    int body_sent = 0, failed_seen = 0;

    if (size < 2)
        return 0;
    chunk = (size_t)(data[0] % 64) + 1;
    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "fuzz.example";
    if (data[1] & 1) {
        cfg.username = "user";
        cfg.password = "password";
        cfg.flags |= SMTPC_F_ALLOW_CLEARTEXT_AUTH;
    }
    if (data[1] & 2)
        cfg.flags |= SMTPC_F_NO_INITIAL_RESPONSE;
    if (data[1] & 4)
        cfg.auth_mechs = SMTPC_AUTH_LOGIN;
    cfg.max_reply_lines = (size_t)(data[1] >> 4) + 1;
    cfg.tls = data[0] >> 6; /* SMTPC_TLS_NONE .. _IMPLICIT */
    if (smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out) != 0)
        abort();
    memset(rcpt, 0, sizeof rcpt);
    rcpt[0].address = "a@example.net";
    rcpt[1].address = "b@example.net";
    rcpt[2].address = "c@example.net";
    memset(&txn, 0, sizeof txn);
    txn.from = "from@example.org";
    txn.rcpt = rcpt;
    txn.rcpt_count = 3;

    while (steps++ < 100000) {
        unsigned w = smtpc_session_wants(&s);

        if (w & SMTPC_FAILED) {
            size_t n;

            smtpc_session_out_buf(&s, &n);
            if (n != 0)
                abort(); /* nothing may be sent after a failure */
            failed_seen = 1;
            if (smtpc_session_quit(&s) != 0)
                break;
            continue;
        }
        if (w & SMTPC_WANT_SEND) {
            size_t n;
            const uint8_t *p = smtpc_session_out_buf(&s, &n);

            if (n > chunk)
                n = chunk;
            if (wire_len + n <= sizeof wire) {
                memcpy(wire + wire_len, p, n);
                wire_len += n;
            }
            smtpc_session_out_ack(&s, n);
        } else if (w & SMTPC_WANT_TLS) {
            clear_len = wire_len; /* the handshake succeeds: all after is encrypted */
            if (smtpc_session_tls_done(&s) != 0)
                abort();
        } else if (w & SMTPC_WANT_BODY) {
            if (!body_sent) {
                size_t done = 0;

                while (done < sizeof body - 1) {
                    long n = smtpc_session_body_write(&s, (const uint8_t *)body + done,
                                                      sizeof body - 1 - done);
                    if (n <= 0)
                        break;
                    done += (size_t)n;
                }
                body_sent = 1;
            }
            smtpc_session_body_end(&s);
        } else if (w & SMTPC_WANT_RECV) {
            size_t cap, n = size - off;
            uint8_t *p;

            if (n == 0) {
                smtpc_session_eof(&s);
                continue;
            }
            p = smtpc_session_in_buf(&s, &cap);
            if (cap == 0)
                abort();
            if (n > cap)
                n = cap;
            if (n > chunk)
                n = chunk;
            memcpy(p, data + off, n);
            off += n;
            smtpc_session_in_ack(&s, n);
        } else if (w & SMTPC_READY) {
            if (!txn.done && smtpc_session_txn_begin(&s, &txn) == 0)
                continue;
            if (smtpc_session_quit(&s) != 0)
                break;
        } else {
            break;
        }
    }
    if (count_end_of_data(wire, wire_len) > 1)
        abort(); /* the body ended DATA early */
    if (cfg.tls == SMTPC_TLS_STARTTLS || cfg.tls == SMTPC_TLS_IMPLICIT) {
        /* required TLS: no credential and no mail before the handshake */
        size_t clear = clear_len < wire_len ? clear_len : wire_len;

        if (find(wire, clear, "AUTH ") || find(wire, clear, "MAIL FROM"))
            abort();
    }
    (void)failed_seen;
    return 0;
}
