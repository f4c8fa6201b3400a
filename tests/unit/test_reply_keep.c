/*
 * Unit tests: a build that keeps only the first SMTPC_REPLY_LINE_KEEP (32
 * here) bytes of each reply line, as firmware builds do. Longer lines are
 * still accepted up to SMTPC_REPLY_LINE_MAX, flagged as cut, and an EHLO
 * capability cut short is ignored, never misread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/session.h"

#if SMTPC_REPLY_LINE_KEEP != 32
#error "built with -DSMTPC_REPLY_LINE_KEEP=32"
#endif

static uint8_t in[64], out[1024];

static void feed(struct smtpc_session *s, const char *bytes)
{
    size_t len = strlen(bytes), off = 0;

    while (off < len) { /* one byte at a time: every split point */
        size_t cap;
        uint8_t *p = smtpc_session_in_buf(s, &cap);

        assert_true(cap > 0);
        p[0] = (uint8_t)bytes[off++];
        smtpc_session_in_ack(s, 1);
    }
}

static void drain(struct smtpc_session *s)
{
    size_t len;

    (void)smtpc_session_out_buf(s, &len);
    smtpc_session_out_ack(s, len);
}

static void start(struct smtpc_session *s)
{
    struct smtpc_session_config cfg;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "client.example";
    assert_int_equal(smtpc_session_init(s, &cfg, in, sizeof in, out, sizeof out), 0);
    feed(s, "220 mx.example ESMTP\r\n");
    drain(s); /* EHLO */
}

static void test_cut_capability_is_ignored(void **state)
{
    struct smtpc_session s;
    (void)state;

    start(&s);
    /* kept: "250-AUTH XOAUTH2 GSSAPI NT PLAIN", where PLAIN is the start of
     * PLAIN-CLIENTTOKEN: read as PLAIN, it would be a misreading */
    feed(&s, "250-mx.example\r\n"
             "250-AUTH XOAUTH2 GSSAPI NT PLAIN-CLIENTTOKEN LOGIN\r\n"
             "250-SIZE 10240000\r\n"
             "250-PIPELINING-AND-A-VERY-LONG-KEYWORD-NOBODY-KNOWS\r\n"
             "250 8BITMIME\r\n");
    assert_true(smtpc_session_wants(&s) & SMTPC_READY);
    assert_int_equal(smtpc_session_caps(&s)->auth, SMTPC_AUTH_XOAUTH2);
    assert_int_equal(smtpc_session_caps(&s)->size_max, 10240000);
    assert_false(smtpc_session_caps(&s)->flags & SMTPC_CAP_PIPELINING);
    assert_true(smtpc_session_caps(&s)->flags & SMTPC_CAP_8BITMIME);
}

static void test_long_line_accepted_and_flagged(void **state)
{
    struct smtpc_reply_parser p;
    struct smtpc_reply r;
    char line[SMTPC_REPLY_LINE_MAX + 8];
    size_t used;

    (void)state;
    smtpc_reply_parser_init(&p, 0, 0);
    memset(line, 'x', sizeof line);
    memcpy(line, "550 ", 4);
    memcpy(line + SMTPC_REPLY_LINE_MAX, "\r\n", 2); /* exactly the longest line */
    assert_int_equal(
        smtpc_reply_parse(&p, &r, (const uint8_t *)line, SMTPC_REPLY_LINE_MAX + 2, &used),
        SMTPC_REPLY_DONE);
    assert_int_equal(r.code, 550);
    assert_true(p.line_cut);
    assert_true(r.truncated);
    assert_int_equal(strlen(p.line), SMTPC_REPLY_LINE_KEEP);

    /* one byte more is over the protocol's bound: still an error */
    smtpc_reply_parser_init(&p, 0, 0);
    memset(line, 'x', sizeof line);
    memcpy(line, "550 ", 4);
    assert_int_equal(
        smtpc_reply_parse(&p, &r, (const uint8_t *)line, SMTPC_REPLY_LINE_MAX + 1, &used),
        SMTPC_ERR_REPLY_TOO_LONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_capability_is_ignored),
        cmocka_unit_test(test_long_line_accepted_and_flagged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
