/*
 * Unit tests: the engine built as the plain source lists build it, with
 * smtpc/config.h's defaults (the NetX Duo client's feature set). What is
 * left out is refused with a clear error, never half-done: a TLS policy or
 * a trace at init, CRAM-MD5 never chosen, a non-ASCII address refused
 * before anything is sent; SIZE is neither sent nor checked; the header
 * builder makes no Message-ID (a caller's is still written); only the
 * capabilities the build uses are recorded, and no enhanced status code;
 * one recipient per transaction; one text for every error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/message.h"
#include "smtpc/session.h"

#if SMTPC_CONFIG_FULL || SMTPC_WITH_TLS || SMTPC_WITH_TRACE || SMTPC_WITH_CRAM_MD5 ||             \
    SMTPC_WITH_SIZE || SMTPC_WITH_SMTPUTF8 || SMTPC_WITH_MESSAGE_ID || SMTPC_WITH_ENHANCED_CODES ||    \
    SMTPC_WITH_CAPS_INFO || SMTPC_WITH_MULTI_RCPT || SMTPC_WITH_ERROR_TEXTS
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

/* Feeds `bytes` as reads of the input buffer's size. */
static void feed(const char *bytes)
{
    size_t len = strlen(bytes);

    while (len > 0) {
        size_t cap;
        uint8_t *p = smtpc_session_in_buf(&s, &cap);
        size_t n = len < cap ? len : cap;

        assert_true(n > 0);
        memcpy(p, bytes, n);
        smtpc_session_in_ack(&s, n);
        bytes += n;
        len -= n;
    }
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

/* A session past the greeting and `ehlo_reply`: READY. */
static void ready_after(const char *ehlo_reply)
{
    struct smtpc_session_config cfg;
    size_t len;

    smtpc_session_config_default(&cfg);
    cfg.ehlo_name = "device.example";
    assert_int_equal(smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out), 0);
    feed("220 mx\r\n");
    smtpc_session_out_buf(&s, &len);
    smtpc_session_out_ack(&s, len);
    feed(ehlo_reply);
    assert_true(smtpc_session_wants(&s) & SMTPC_READY);
}

static void test_size_left_out(void **state)
{
    struct smtpc_rcpt rcpt = {.address = "to@example.org"};
    struct smtpc_txn txn = {.from = "me@example.org", .rcpt = &rcpt, .rcpt_count = 1};
    static const char want[] = "MAIL FROM:<me@example.org> BODY=8BITMIME\r\n";
    const uint8_t *p;
    size_t len;
    (void)state;

    ready_after("250-mx\r\n250-SIZE 100\r\n250 8BITMIME\r\n");
    txn.size = 5000; /* over the server's 100: the server is left to judge */
    txn.flags = SMTPC_TXN_8BIT;
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), 0);
    p = smtpc_session_out_buf(&s, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
}

static void test_smtputf8_left_out(void **state)
{
    struct smtpc_rcpt rcpt = {.address = "j\xc3\xb6rg@example.org"};
    struct smtpc_txn txn = {.from = "me@example.org", .rcpt = &rcpt, .rcpt_count = 1};
    size_t len;
    (void)state;

    ready_after("250-mx\r\n250 SMTPUTF8\r\n");
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), SMTPC_ERR_SMTPUTF8);
    smtpc_session_out_buf(&s, &len);
    assert_int_equal(len, 0);
    assert_true(smtpc_session_wants(&s) & SMTPC_READY);
}

static void test_no_message_id_made(void **state)
{
    static const char *to[] = {"to@example.org"};
    struct smtpc_headers h = {.from = "me@example.org", .to = to, .to_count = 1,
                              .subject = "hi", .id_unique = 42};
    static const char tail[] = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 8bit\r\n\r\n";
    static const char head[] = "From: me@example.org\r\nTo: to@example.org\r\nSubject: hi\r\n";
    char buf[512], want[512];
    (void)state;

    strcpy(want, head);
    strcat(want, tail);
    assert_int_equal(smtpc_headers_build(&h, buf, sizeof buf), (long)strlen(want));
    assert_string_equal(buf, want);
    h.message_id = "<1@device.example>";
    strcpy(want, head);
    strcat(want, "Message-ID: <1@device.example>\r\n");
    strcat(want, tail);
    assert_int_equal(smtpc_headers_build(&h, buf, sizeof buf), (long)strlen(want));
    assert_string_equal(buf, want);
}

static void test_caps_and_codes_of_the_build_only(void **state)
{
    struct smtpc_rcpt rcpt = {.address = "to@example.org"};
    struct smtpc_txn txn = {.from = "me@example.org", .rcpt = &rcpt, .rcpt_count = 1};
    const struct smtpc_caps *caps;
    size_t len;
    (void)state;

    ready_after("250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-DSN\r\n250-8BITMIME\r\n"
                "250 AUTH XOAUTH2 CRAM-MD5 LOGIN\r\n");
    caps = smtpc_session_caps(&s);
    assert_int_equal(caps->flags, SMTPC_CAP_EHLO | SMTPC_CAP_8BITMIME | SMTPC_CAP_AUTH);
    assert_int_equal(caps->auth, SMTPC_AUTH_LOGIN);
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), 0);
    smtpc_session_out_buf(&s, &len);
    smtpc_session_out_ack(&s, len);
    feed("550 5.1.1 no such sender\r\n");
    assert_true(smtpc_session_wants(&s) & SMTPC_READY);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_MAIL);
    assert_int_equal(txn.mail_reply.code, 550);
    assert_int_equal(sizeof txn.mail_reply.enhanced, 1);
    assert_string_equal(txn.mail_reply.enhanced, "");
}

static void test_one_recipient_and_one_text(void **state)
{
    struct smtpc_rcpt rcpts[2] = {{.address = "a@example.org"}, {.address = "b@example.org"}};
    struct smtpc_txn txn = {.from = "me@example.org", .rcpt = rcpts, .rcpt_count = 2};
    size_t len;
    (void)state;

    ready_after("250 mx\r\n");
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), SMTPC_ERR_ARG);
    smtpc_session_out_buf(&s, &len);
    assert_int_equal(len, 0);
    txn.rcpt_count = 1;
    assert_int_equal(smtpc_session_txn_begin(&s, &txn), 0);
    assert_string_equal(smtpc_strerror(0), "success");
    assert_string_equal(smtpc_strerror(SMTPC_ERR_ARG), smtpc_strerror(SMTPC_ERR_TIMEOUT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_left_out_is_refused),
        cmocka_unit_test(test_cram_md5_never_chosen),
        cmocka_unit_test(test_size_left_out),
        cmocka_unit_test(test_smtputf8_left_out),
        cmocka_unit_test(test_no_message_id_made),
        cmocka_unit_test(test_caps_and_codes_of_the_build_only),
        cmocka_unit_test(test_one_recipient_and_one_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
