/*
 * Unit tests: a program built with other smtpc/config.h values than the
 * library it links is refused at init, its memory untouched. This file is
 * compiled with SMTPC_REPLY_TEXT_MAX 64 and SMTPC_OUT_BUF_DEFAULT 1024,
 * unlike the library (256 and 4096), so every struct it allocates has the
 * wrong size for smtpc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/client.h"

#if SMTPC_REPLY_TEXT_MAX != 64 || SMTPC_OUT_BUF_DEFAULT != 1024
#error "built with -DSMTPC_REPLY_TEXT_MAX=64 -DSMTPC_OUT_BUF_DEFAULT=1024"
#endif

#define GUARD 0xA5

static int untouched(const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++) {
        if (b[i] != GUARD)
            return 0;
    }
    return 1;
}

static void test_session_refused(void **state)
{
    static struct smtpc_session s;
    static uint8_t in[64], out[1024];
    struct smtpc_session_config cfg;
    (void)state;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "client.example";
    memset(&s, GUARD, sizeof s);
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out),
                     SMTPC_ERR_CONFIG);
    assert_true(untouched(&s, sizeof s));
}

static void test_client_refused(void **state)
{
    static struct smtpc_client c;
    struct smtpc_client_options o;
    (void)state;

    smtpc_client_options_default(&o);
    o.host = "127.0.0.1";
    o.session.ehlo_name = "client.example";
    memset(&c, GUARD, sizeof c);
    assert_int_equal(smtpc_client_init(&c, &o), SMTPC_ERR_CONFIG);
    assert_true(untouched(&c, sizeof c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_refused),
        cmocka_unit_test(test_client_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
