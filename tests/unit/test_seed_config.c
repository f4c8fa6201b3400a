/*
 * Unit tests: the engine built as the plain source lists build it, with
 * smtpc/config.h's defaults (the NetX Duo client's feature set). What is
 * left out is refused with a clear error, never half-done: a TLS policy or
 * a trace at init, CRAM-MD5 never chosen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/session.h"

#if SMTPC_CONFIG_FULL || SMTPC_WITH_TLS || SMTPC_WITH_TRACE || SMTPC_WITH_CRAM_MD5
#error "built with smtpc/config.h's defaults"
#endif

static uint8_t in[SMTPC_IN_BUF_DEFAULT], out[SMTPC_OUT_BUF_DEFAULT];
static struct smtpc_session s;

static void no_trace(void *ctx, int dir, const char *line, size_t len)
{
    (void)ctx;
    (void)dir;
    (void)line;
    (void)len;
    fail();
}

static void test_left_out_is_refused(void **state)
{
    struct smtpc_session_config cfg;
    (void)state;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    cfg.tls = SMTPC_TLS_STARTTLS;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), SMTPC_ERR_ARG);
    cfg.tls = SMTPC_TLS_IMPLICIT;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), SMTPC_ERR_ARG);
    cfg.tls = SMTPC_TLS_NONE;
    cfg.trace = no_trace;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), SMTPC_ERR_ARG);
    cfg.trace = NULL;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
}

static void feed(const char *bytes)
{
    size_t cap, len = strlen(bytes);
    uint8_t *p = smtpc_session_in_buf(&s, &cap);

    assert_true(cap >= len);
    memcpy(p, bytes, len);
    smtpc_session_in_ack(&s, len);
}

static void test_cram_md5_never_chosen(void **state)
{
    struct smtpc_session_config cfg;
    const uint8_t *p;
    size_t len;
    (void)state;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    cfg.username = "user";
    cfg.password = "secret";
    cfg.flags = SMTPC_F_ALLOW_CLEARTEXT_AUTH;
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
    feed("220 mx\r\n");
    p = smtpc_session_out_buf(&s, &len);
    smtpc_session_out_ack(&s, len);
    feed("250-mx\r\n250 AUTH CRAM-MD5 LOGIN\r\n");
    p = smtpc_session_out_buf(&s, &len);
    assert_int_equal(len, strlen("AUTH LOGIN\r\n"));
    assert_memory_equal(p, "AUTH LOGIN\r\n", len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_left_out_is_refused),
        cmocka_unit_test(test_cram_md5_never_chosen),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
