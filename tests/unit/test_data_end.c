/*
 * Unit tests: the end of data always leaves in the same write as the
 * body's last line break. The session holds back the body's last two
 * output bytes until the end of data is queued behind them, so the final
 * write is "\r\n.\r\n" whole (NetX Duo's own tests look for it in one
 * segment) whatever the output buffer's size and the body's length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/session.h"

static uint8_t in[64], out[SMTPC_OUT_BUF_MIN];

static void feed(struct smtpc_session *s, const char *bytes)
{
    size_t cap, len = strlen(bytes);
    uint8_t *p = smtpc_session_in_buf(s, &cap);

    assert_true(cap >= len);
    memcpy(p, bytes, len);
    smtpc_session_in_ack(s, len);
}

/* Writes everything sendable into `wire`; returns the last write's length. */
static size_t drain(struct smtpc_session *s, char *wire, size_t *wire_len)
{
    size_t len, last = 0;
    const uint8_t *p;

    while ((p = smtpc_session_out_buf(s, &len)) != NULL && len > 0) {
        memcpy(wire + *wire_len, p, len);
        *wire_len += len;
        last = len;
        smtpc_session_out_ack(s, len);
    }
    return last;
}

static void test_end_shares_the_last_write(void **state)
{
    static char wire[1 << 16], body[4096];
    size_t body_len;
    (void)state;

    /* every body length up to well past the buffer, ending in CRLF */
    for (body_len = 62; body_len < sizeof body; body_len += 62) {
        struct smtpc_session s;
        struct smtpc_session_config cfg;
        struct smtpc_rcpt rcpt = {.address = "b@example.org"};
        struct smtpc_txn txn = {.from = "a@example.org", .rcpt = &rcpt, .rcpt_count = 1};
        size_t wire_len = 0, off = 0, last = 0, data_at;

        for (off = 0; off < body_len; off++) /* 60-octet lines */
            body[off] = off % 62 == 60 ? '\r' : off % 62 == 61 ? '\n' : 'x';
        off = 0;
        smtpc_session_config_default(&cfg);
        cfg.ehlo_name = "client.example";
        assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
        feed(&s, "220 mx\r\n");
        drain(&s, wire, &wire_len);
        feed(&s, "250 mx\r\n");
        assert_int_equal(smtpc_session_txn_begin(&s, &txn), 0);
        drain(&s, wire, &wire_len);
        feed(&s, "250 ok\r\n");
        drain(&s, wire, &wire_len);
        feed(&s, "250 ok\r\n");
        drain(&s, wire, &wire_len);
        feed(&s, "354 go\r\n");
        assert_true(smtpc_session_wants(&s) & SMTPC_WANT_BODY);
        data_at = wire_len;
        while (off < body_len) {
            long n = smtpc_session_body_write(&s, (const uint8_t *)body + off, body_len - off);

            assert_true(n >= 0);
            off += (size_t)n;
            drain(&s, wire, &wire_len);
        }
        assert_int_equal(smtpc_session_body_end(&s), 0);
        last = drain(&s, wire, &wire_len);
        assert_true(last >= 5);
        assert_memory_equal(wire + wire_len - 5, "\r\n.\r\n", 5);
        /* and the body arrived whole before it */
        assert_int_equal(wire_len - data_at, body_len + 3);
        assert_memory_equal(wire + data_at, body, body_len);
        assert_true(smtpc_session_wants(&s) & SMTPC_WANT_RECV);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_end_shares_the_last_write),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
