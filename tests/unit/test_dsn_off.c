/*
 * Unit tests: the engine built with every feature but DSN (SMTPC_CONFIG_FULL
 * 1, SMTPC_WITH_DSN 0). The transaction has no DSN fields to set; a server
 * offering DSN is still recorded as offering it (SMTPC_WITH_CAPS_INFO),
 * and nothing DSN is ever sent, pipelined or not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/session.h"

#if SMTPC_WITH_DSN || !SMTPC_CONFIG_FULL
#error "built with SMTPC_CONFIG_FULL=1 and SMTPC_WITH_DSN=0"
#endif

static uint8_t in[SMTPC_IN_BUF_DEFAULT], out[SMTPC_OUT_BUF_DEFAULT];
static struct smtpc_session s;

static void feed(const char *bytes)
{
    size_t cap, len = strlen(bytes);
    uint8_t *p = smtpc_session_in_buf(&s, &cap);

    assert_true(cap >= len);
    memcpy(p, bytes, len);
    smtpc_session_in_ack(&s, len);
}

/* What the engine queued, taken as written. */
static const char *sent(void)
{
    static char buf[512];
    size_t len;
    const uint8_t *p = smtpc_session_out_buf(&s, &len);

    assert_true(len < sizeof buf);
    memcpy(buf, p, len);
    buf[len] = '\0';
    smtpc_session_out_ack(&s, len);
    return buf;
}

static void ready_after(const char *ehlo_reply)
{
    struct smtpc_session_config cfg;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
    feed("220 mx\r\n");
    assert_string_equal(sent(), "EHLO device.example\r\n");
    feed(ehlo_reply);
    assert_true(smtpc_session_wants(&s) & SMTPC_READY);
}

static void test_offered_and_never_used(void **state)
{
    struct smtpc_rcpt rcpt = {.address = "to@example.org"};
    struct smtpc_txn txn = {.from = "me@example.org", .rcpt = &rcpt, .rcpt_count = 1};
    (void)state;

    ready_after("250-mx\r\n250 DSN\r\n");
    assert_true(smtpc_session_caps(&s)->flags & SMTPC_CAP_DSN);
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), 0);
    assert_string_equal(sent(), "MAIL FROM:<me@example.org>\r\n");
    feed("250 ok\r\n");
    assert_string_equal(sent(), "RCPT TO:<to@example.org>\r\n");
}

static void test_pipelined(void **state)
{
    struct smtpc_rcpt rcpt = {.address = "to@example.org"};
    struct smtpc_txn txn = {.from = "me@example.org", .rcpt = &rcpt, .rcpt_count = 1};
    (void)state;

    ready_after("250-mx\r\n250-PIPELINING\r\n250 DSN\r\n");
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), 0);
    assert_string_equal(sent(),
                        "MAIL FROM:<me@example.org>\r\nRCPT TO:<to@example.org>\r\nDATA\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offered_and_never_used),
        cmocka_unit_test(test_pipelined),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
