/*
 * Unit tests: the engine built without AUTH PLAIN (SMTPC_WITH_PLAIN 0,
 * LOGIN kept). A session that allows only PLAIN is refused at init; PLAIN
 * is never chosen, not even as the NetX Duo client's fallback, so nothing
 * is sent that the build was meant to leave out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/session.h"

#if SMTPC_WITH_PLAIN || !SMTPC_WITH_LOGIN
#error "built with SMTPC_WITH_PLAIN=0 and SMTPC_WITH_LOGIN=1"
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

/* Init with credentials and `mechs`, then the greeting and `ehlo_reply`;
 * returns what the engine queued after it. */
static const char *after_ehlo(unsigned mechs, unsigned flags, const char *ehlo_reply)
{
    static char sent[256];
    struct smtpc_session_config cfg;
    const uint8_t *p;
    size_t len;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    cfg.username = "user";
    cfg.password = "secret";
    cfg.auth_mechs = mechs;
    cfg.flags = SMTPC_F_ALLOW_CLEARTEXT_AUTH | flags;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
    feed("220 mx\r\n");
    p = smtpc_session_out_buf(&s, &len);
    smtpc_session_out_ack(&s, len);
    feed(ehlo_reply);
    p = smtpc_session_out_buf(&s, &len);
    assert_true(len < sizeof sent);
    memcpy(sent, p, len);
    sent[len] = '\0';
    return sent;
}

static void test_plain_only_refused_at_init(void **state)
{
    struct smtpc_session_config cfg;
    (void)state;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    cfg.username = "user";
    cfg.password = "secret";
    cfg.auth_mechs = SMTPC_AUTH_PLAIN;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), SMTPC_ERR_ARG);
    cfg.auth_mechs = SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
}

static void test_login_chosen_over_offered_plain(void **state)
{
    (void)state;
    assert_string_equal(after_ehlo(0, 0, "250-mx\r\n250 AUTH PLAIN LOGIN\r\n"),
                        "AUTH LOGIN\r\n");
}

static void test_no_plain_fallback(void **state)
{
    (void)state;
    assert_string_equal(after_ehlo(SMTPC_AUTH_LOGIN, SMTPC_F_AUTH_FALLBACK_PLAIN,
                                   "250-mx\r\n250 AUTH PLAIN\r\n"),
                        "");
    assert_int_equal(smtpc_session_error(&s), SMTPC_ERR_AUTH_NO_MECH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_only_refused_at_init),
        cmocka_unit_test(test_login_chosen_over_offered_plain),
        cmocka_unit_test(test_no_plain_fallback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
