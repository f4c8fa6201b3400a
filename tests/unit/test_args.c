/*
 * Unit tests: argument checks (smtpc/session.h) and error codes
 * (smtpc/error.h).
 *
 * Nothing a caller passes may put a CR or LF on the wire, so the checks on
 * text, addresses and the session configuration come first; then the
 * promise that every error code has its own description and class.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/error.h"
#include "smtpc/session.h"

/* ---- smtpc_check_text ---- */

static void test_text_without_controls_is_fine(void **state)
{
    (void)state;
    assert_int_equal(smtpc_check_text(""), 0);
    assert_int_equal(smtpc_check_text("hello world"), 0);
    assert_int_equal(smtpc_check_text("a\tb"), 0); /* TAB is allowed in text */
    assert_int_equal(smtpc_check_text("caf\xc3\xa9 \xe2\x82\xac"), 0);
    assert_int_equal(smtpc_check_text(" !~"), 0);
}

static void test_text_with_controls_is_refused(void **state)
{
    static const char *const bad[] = {
        "\r",   "\n",    "a\rb",    "a\nb", "a\r\nb", "\x01",  "a\x1f",
        "\x7f", "x\x7f", "\x1b[0m", "\x0b", "\x0c",   "abc\r",
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(smtpc_check_text(bad[i]), SMTPC_ERR_ARG_CTL);
}

static void test_every_control_byte_is_refused(void **state)
{
    char s[4] = {'a', 0, 'b', 0};
    int c;
    (void)state;

    for (c = 1; c < 0x20; c++) {
        s[1] = (char)c;
        assert_int_equal(smtpc_check_text(s), c == '\t' ? 0 : SMTPC_ERR_ARG_CTL);
    }
    s[1] = 0x7f;
    assert_int_equal(smtpc_check_text(s), SMTPC_ERR_ARG_CTL);
    for (c = 0x20; c < 0x7f; c++) {
        s[1] = (char)c;
        assert_int_equal(smtpc_check_text(s), 0);
    }
}

/* ---- smtpc_check_address ---- */

static void test_plain_addresses(void **state)
{
    (void)state;
    assert_int_equal(smtpc_check_address("a@b", 0), 0);
    assert_int_equal(smtpc_check_address("john.doe+tag@mail.example.org", 0), 0);
    assert_int_equal(smtpc_check_address("postmaster", 0), 0);
    assert_int_equal(smtpc_check_address("user@[192.0.2.1]", 0), 0);
}

static void test_empty_address(void **state)
{
    (void)state;
    /* the null reverse-path "<>" is allowed only where asked for */
    assert_int_equal(smtpc_check_address("", 1), 0);
    assert_int_equal(smtpc_check_address("", 0), SMTPC_ERR_ARG_ADDRESS);
}

static void test_address_syntax_that_would_inject(void **state)
{
    (void)state;
    assert_int_equal(smtpc_check_address("<a@b>", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address("a@b> SIZE=1", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address("a@b>", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address("<a@b", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address("a b@c", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address("a@b ", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address(" a@b", 1), SMTPC_ERR_ARG_ADDRESS);
}

static void test_address_controls(void **state)
{
    (void)state;
    assert_int_equal(smtpc_check_address("a@b\r\nRCPT TO:<c@d>", 0), SMTPC_ERR_ARG_CTL);
    assert_int_equal(smtpc_check_address("a\r@b", 0), SMTPC_ERR_ARG_CTL);
    assert_int_equal(smtpc_check_address("a@b\n", 0), SMTPC_ERR_ARG_CTL);
    assert_int_equal(smtpc_check_address("a\x01@b", 0), SMTPC_ERR_ARG_CTL);
    assert_int_equal(smtpc_check_address("a\x7f@b", 0), SMTPC_ERR_ARG_CTL);
    /* TAB is fine in text, not in an address */
    assert_int_equal(smtpc_check_address("a\t@b", 0), SMTPC_ERR_ARG_CTL);
    assert_int_equal(smtpc_check_address("\"a\tb\"@c", 0), SMTPC_ERR_ARG_CTL);
}

static void test_quoted_local_parts(void **state)
{
    (void)state;
    assert_int_equal(smtpc_check_address("\"john doe\"@x", 0), 0);
    assert_int_equal(smtpc_check_address("\"a\\\"b\"@x", 0), 0); /* "a\"b"@x */
    assert_int_equal(smtpc_check_address("\"john doe@x", 0), SMTPC_ERR_ARG_ADDRESS);
    assert_int_equal(smtpc_check_address("\"a\\\"@x", 0), SMTPC_ERR_ARG_ADDRESS); /* "a\"@x */
    assert_int_equal(smtpc_check_address("\"a\\", 0), SMTPC_ERR_ARG_ADDRESS);
    /* a space after the closing quote is outside it again */
    assert_int_equal(smtpc_check_address("\"a\" b@x", 0), SMTPC_ERR_ARG_ADDRESS);
}

static void test_address_length(void **state)
{
    char addr[SMTPC_ADDRESS_MAX + 2];
    (void)state;

    assert_int_equal(SMTPC_ADDRESS_MAX, 254);
    memset(addr, 'a', sizeof addr);
    addr[1] = '@';
    addr[SMTPC_ADDRESS_MAX] = '\0';
    assert_int_equal(smtpc_check_address(addr, 0), 0);
    addr[SMTPC_ADDRESS_MAX] = 'a';
    addr[SMTPC_ADDRESS_MAX + 1] = '\0';
    assert_int_equal(smtpc_check_address(addr, 0), SMTPC_ERR_ARG_ADDRESS);
}

static void test_non_ascii_addresses(void **state)
{
    (void)state;
    assert_int_equal(smtpc_check_address("j\xc3\xb6rg@m\xc3\xbcller.example", 0), 0);
    assert_int_equal(smtpc_check_address("\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.example", 0), 0);
}

/* ---- smtpc_session_init ---- */

static struct smtpc_session session;
static uint8_t in_buf[SMTPC_IN_BUF_DEFAULT];
static uint8_t out_buf[SMTPC_OUT_BUF_DEFAULT];

static int init_with(const struct smtpc_session_config *cfg)
{
    return smtpc_session_init(&session, cfg, in_buf, sizeof in_buf, out_buf, sizeof out_buf);
}

static void config(struct smtpc_session_config *cfg)
{
    smtpc_session_config_default(cfg);
    cfg->ehlo_name = "client.example";
}

static void test_init_queues_nothing(void **state)
{
    struct smtpc_session_config cfg;
    size_t len = 99;
    (void)state;

    config(&cfg);
    assert_int_equal(init_with(&cfg), 0);
    (void)smtpc_session_out_buf(&session, &len);
    assert_int_equal(len, 0);
    assert_int_equal(smtpc_session_wants(&session), SMTPC_WANT_RECV);
    assert_int_equal(smtpc_session_error(&session), 0);

    /* with credentials too: nothing until the greeting */
    cfg.username = "user";
    cfg.password = "secret";
    assert_int_equal(init_with(&cfg), 0);
    (void)smtpc_session_out_buf(&session, &len);
    assert_int_equal(len, 0);
    assert_int_equal(smtpc_session_wants(&session), SMTPC_WANT_RECV);
}

static void test_init_ehlo_name(void **state)
{
    static const char *const good[] = {"client.example", "[192.0.2.1]", "[IPv6:2001:db8::1]"};
    struct smtpc_session_config cfg;
    size_t i;
    int rc;
    (void)state;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        config(&cfg);
        cfg.ehlo_name = good[i];
        assert_int_equal(init_with(&cfg), 0);
    }
    config(&cfg);
    cfg.ehlo_name = NULL;
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG);
    cfg.ehlo_name = "";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG);
    cfg.ehlo_name = "client.example\r\nMAIL FROM:<e@vil>";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.ehlo_name = "client\r";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.ehlo_name = "client\n";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.ehlo_name = "client\x01";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    /* a space or TAB would add a parameter to EHLO: a usage error */
    cfg.ehlo_name = "client.example AUTH";
    rc = init_with(&cfg);
    assert_true(rc == SMTPC_ERR_ARG || rc == SMTPC_ERR_ARG_CTL);
    cfg.ehlo_name = "client\t.example";
    rc = init_with(&cfg);
    assert_true(rc == SMTPC_ERR_ARG || rc == SMTPC_ERR_ARG_CTL);
}

static void test_init_credentials_with_controls(void **state)
{
    struct smtpc_session_config cfg;
    (void)state;

    config(&cfg);
    cfg.username = "user\r\n";
    cfg.password = "secret";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.username = "us\ner";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.username = "user";
    cfg.password = "sec\rret";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.password = "secret\n";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.password = "secret";
    cfg.authzid = "admin\r\n";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG_CTL);
    cfg.authzid = "admin";
    assert_int_equal(init_with(&cfg), 0);
}

static void test_init_password_without_user(void **state)
{
    struct smtpc_session_config cfg;
    (void)state;

    config(&cfg);
    cfg.password = "secret";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG);
    cfg.username = "";
    assert_int_equal(init_with(&cfg), SMTPC_ERR_ARG);
}

static void test_init_buffer_minimums(void **state)
{
    struct smtpc_session_config cfg;
    (void)state;

    config(&cfg);
    assert_int_equal(
        smtpc_session_init(&session, &cfg, in_buf, SMTPC_IN_BUF_MIN, out_buf, SMTPC_OUT_BUF_MIN),
        0);
    assert_int_equal(smtpc_session_init(&session, &cfg, in_buf, SMTPC_IN_BUF_MIN - 1, out_buf,
                                        SMTPC_OUT_BUF_MIN),
                     SMTPC_ERR_BUFFER);
    assert_int_equal(smtpc_session_init(&session, &cfg, in_buf, SMTPC_IN_BUF_MIN, out_buf,
                                        SMTPC_OUT_BUF_MIN - 1),
                     SMTPC_ERR_BUFFER);
    assert_int_equal(smtpc_session_init(&session, &cfg, in_buf, 0, out_buf, 0), SMTPC_ERR_BUFFER);
}

/* The longest MAIL FROM fits the smallest output buffer. */
static void test_longest_mail_fits_the_minimum(void **state)
{
    static uint8_t small_out[SMTPC_OUT_BUF_MIN];
    static char from[SMTPC_ADDRESS_MAX + 1];
    static const char greeting[] = "220 mx\r\n";
    static const char ehlo_reply[] = "250-mx\r\n250-SIZE\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
    struct smtpc_session_config cfg;
    struct smtpc_rcpt rcpt = {.address = "b@example.org"};
    struct smtpc_txn txn = {.rcpt = &rcpt, .rcpt_count = 1};
    const uint8_t *p;
    size_t len, cap;
    uint8_t *in;
    (void)state;

    /* 254 octets with UTF-8 in them, so SMTPUTF8 goes too */
    memset(from, 'a', SMTPC_ADDRESS_MAX);
    memcpy(from, "\xc3\xa9", 2);
    memcpy(from + SMTPC_ADDRESS_MAX - 12, "@example.org", 12);
    txn.from = from;
    txn.size = 18446744073709551615ull; /* 20 digits */
    txn.flags = SMTPC_TXN_8BIT;
    config(&cfg);
    assert_int_equal(
        smtpc_session_init(&session, &cfg, in_buf, sizeof in_buf, small_out, sizeof small_out), 0);
    in = smtpc_session_in_buf(&session, &cap);
    assert_true(cap >= sizeof greeting - 1);
    memcpy(in, greeting, sizeof greeting - 1);
    smtpc_session_in_ack(&session, sizeof greeting - 1);
    p = smtpc_session_out_buf(&session, &len); /* EHLO */
    smtpc_session_out_ack(&session, len);
    in = smtpc_session_in_buf(&session, &cap);
    assert_true(cap >= sizeof ehlo_reply - 1);
    memcpy(in, ehlo_reply, sizeof ehlo_reply - 1);
    smtpc_session_in_ack(&session, sizeof ehlo_reply - 1);
    assert_true(smtpc_session_wants(&session) & SMTPC_READY);
    assert_int_equal(smtpc_session_txn_begin(&session, &txn), 0);
    p = smtpc_session_out_buf(&session, &len);
    assert_int_equal(len, 317);
    assert_memory_equal(p + 266, " SIZE=18446744073709551615 BODY=8BITMIME SMTPUTF8\r\n", 51);
}

static void test_init_credential_lengths(void **state)
{
    static char longest[SMTPC_CREDENTIAL_MAX + 1], over[SMTPC_CREDENTIAL_MAX + 2];
    struct smtpc_session_config cfg;
    (void)state;

    memset(longest, 'u', SMTPC_CREDENTIAL_MAX);
    memset(over, 'u', SMTPC_CREDENTIAL_MAX + 1);

    config(&cfg);
    cfg.username = longest;
    cfg.password = longest;
    assert_int_equal(init_with(&cfg), 0);
    cfg.username = over;
    assert_int_equal(init_with(&cfg), SMTPC_ERR_TOO_LONG);
    cfg.username = longest;
    cfg.password = over;
    assert_int_equal(init_with(&cfg), SMTPC_ERR_TOO_LONG);
    cfg.password = longest;
    cfg.authzid = over;
    assert_int_equal(init_with(&cfg), SMTPC_ERR_TOO_LONG);
}

static void test_init_credentials_must_fit_the_output_buffer(void **state)
{
    /* three 255-octet credentials: "AUTH PLAIN " + 1024 base64 + CRLF */
    static char longest[SMTPC_CREDENTIAL_MAX + 1];
    struct smtpc_session_config cfg;
    (void)state;

    memset(longest, 'u', SMTPC_CREDENTIAL_MAX);
    config(&cfg);
    cfg.username = longest;
    cfg.password = longest;
    cfg.authzid = longest;
    assert_int_equal(
        smtpc_session_init(&session, &cfg, in_buf, sizeof in_buf, out_buf, SMTPC_OUT_BUF_MIN),
        SMTPC_ERR_TOO_LONG);
    assert_int_equal(
        smtpc_session_init(&session, &cfg, in_buf, sizeof in_buf, out_buf, 11 + 1024 + 2), 0);
    assert_int_equal(
        smtpc_session_init(&session, &cfg, in_buf, sizeof in_buf, out_buf, 11 + 1024 + 1),
        SMTPC_ERR_TOO_LONG);
}

/* ---- error codes ---- */

static const int all_codes[] = {
    SMTPC_OK,
    SMTPC_ERR_ARG,
    SMTPC_ERR_ARG_CTL,
    SMTPC_ERR_ARG_ADDRESS,
    SMTPC_ERR_STATE,
    SMTPC_ERR_BUFFER,
    SMTPC_ERR_TOO_LONG,
    SMTPC_ERR_BODY_LINE,
    SMTPC_ERR_NO_RECIPIENT,
    SMTPC_ERR_BODY_SOURCE,
    SMTPC_ERR_HEADER,
    SMTPC_ERR_CONFIG,
    SMTPC_ERR_BODY_SIZE,
    SMTPC_ERR_REPLY_SYNTAX,
    SMTPC_ERR_REPLY_TOO_LONG,
    SMTPC_ERR_REPLY_LINES,
    SMTPC_ERR_REPLY_MIXED,
    SMTPC_ERR_REPLY_UNEXPECTED,
    SMTPC_ERR_STARTTLS_INJECTION,
    SMTPC_ERR_AUTH_PROTOCOL,
    SMTPC_ERR_REFUSED_GREETING,
    SMTPC_ERR_REFUSED_HELLO,
    SMTPC_ERR_REFUSED_STARTTLS,
    SMTPC_ERR_REFUSED_AUTH,
    SMTPC_ERR_REFUSED_MAIL,
    SMTPC_ERR_REFUSED_RCPT,
    SMTPC_ERR_REFUSED_DATA,
    SMTPC_ERR_REFUSED_MESSAGE,
    SMTPC_ERR_REFUSED_COMMAND,
    SMTPC_ERR_AUTH_NOT_OFFERED,
    SMTPC_ERR_AUTH_NO_MECH,
    SMTPC_ERR_AUTH_CLEARTEXT,
    SMTPC_ERR_MESSAGE_TOO_BIG,
    SMTPC_ERR_SMTPUTF8,
    SMTPC_ERR_TLS_REQUIRED,
    SMTPC_ERR_RESOLVE,
    SMTPC_ERR_CONNECT,
    SMTPC_ERR_TIMEOUT,
    SMTPC_ERR_CLOSED,
    SMTPC_ERR_IO,
    SMTPC_ERR_TLS,
    SMTPC_ERR_TLS_VERIFY,
    SMTPC_ERR_TLS_SETUP,
};

#define NCODES (sizeof all_codes / sizeof all_codes[0])

static void test_every_code_has_its_own_description(void **state)
{
    size_t i, j;
    (void)state;

    for (i = 0; i < NCODES; i++) {
        const char *s = smtpc_strerror(all_codes[i]);

        assert_non_null(s);
        assert_true(s[0] != '\0');
        assert_string_not_equal(s, "unknown error");
        for (j = 0; j < i; j++)
            assert_string_not_equal(s, smtpc_strerror(all_codes[j]));
    }
}

static void test_unknown_codes(void **state)
{
    static const int unknown[] = {1,    42,   -13,  -99,  -108, -150,  -199,    -209,   -299,
                                  -306, -399, -408, -499, -500, -1000, INT_MIN, INT_MAX};
    size_t i;
    (void)state;

    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        assert_string_equal(smtpc_strerror(unknown[i]), "unknown error");
}

static int class_of_range(int err)
{
    if (err >= 0)
        return SMTPC_ERRCLASS_NONE;
    if (err >= -99)
        return SMTPC_ERRCLASS_USAGE;
    if (err >= -199)
        return SMTPC_ERRCLASS_PROTOCOL;
    if (err >= -299)
        return SMTPC_ERRCLASS_REFUSED;
    if (err >= -399)
        return SMTPC_ERRCLASS_POLICY;
    return SMTPC_ERRCLASS_TRANSPORT;
}

static void test_error_classes(void **state)
{
    size_t i;
    int err;
    (void)state;

    /* every documented code is in its range */
    for (i = 0; i < NCODES; i++)
        assert_int_equal(smtpc_error_class(all_codes[i]), class_of_range(all_codes[i]));
    /* and every value of every range, edges included */
    for (err = 0; err >= -499; err--)
        assert_int_equal(smtpc_error_class(err), class_of_range(err));
    assert_int_equal(smtpc_error_class(-1), SMTPC_ERRCLASS_USAGE);
    assert_int_equal(smtpc_error_class(-99), SMTPC_ERRCLASS_USAGE);
    assert_int_equal(smtpc_error_class(-100), SMTPC_ERRCLASS_PROTOCOL);
    assert_int_equal(smtpc_error_class(-199), SMTPC_ERRCLASS_PROTOCOL);
    assert_int_equal(smtpc_error_class(-200), SMTPC_ERRCLASS_REFUSED);
    assert_int_equal(smtpc_error_class(-299), SMTPC_ERRCLASS_REFUSED);
    assert_int_equal(smtpc_error_class(-300), SMTPC_ERRCLASS_POLICY);
    assert_int_equal(smtpc_error_class(-399), SMTPC_ERRCLASS_POLICY);
    assert_int_equal(smtpc_error_class(-400), SMTPC_ERRCLASS_TRANSPORT);
    assert_int_equal(smtpc_error_class(-499), SMTPC_ERRCLASS_TRANSPORT);
    assert_int_equal(smtpc_error_class(0), SMTPC_ERRCLASS_NONE);
    assert_int_equal(smtpc_error_class(5), SMTPC_ERRCLASS_NONE);
    assert_int_equal(smtpc_error_class(SMTPC_ERR_REFUSED_RCPT), SMTPC_ERRCLASS_REFUSED);
    assert_int_equal(smtpc_error_class(SMTPC_ERR_TLS_VERIFY), SMTPC_ERRCLASS_TRANSPORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_without_controls_is_fine),
        cmocka_unit_test(test_text_with_controls_is_refused),
        cmocka_unit_test(test_every_control_byte_is_refused),
        cmocka_unit_test(test_plain_addresses),
        cmocka_unit_test(test_empty_address),
        cmocka_unit_test(test_address_syntax_that_would_inject),
        cmocka_unit_test(test_address_controls),
        cmocka_unit_test(test_quoted_local_parts),
        cmocka_unit_test(test_address_length),
        cmocka_unit_test(test_non_ascii_addresses),
        cmocka_unit_test(test_init_queues_nothing),
        cmocka_unit_test(test_init_ehlo_name),
        cmocka_unit_test(test_init_credentials_with_controls),
        cmocka_unit_test(test_init_password_without_user),
        cmocka_unit_test(test_init_buffer_minimums),
        cmocka_unit_test(test_longest_mail_fits_the_minimum),
        cmocka_unit_test(test_init_credential_lengths),
        cmocka_unit_test(test_init_credentials_must_fit_the_output_buffer),
        cmocka_unit_test(test_every_code_has_its_own_description),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_error_classes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
