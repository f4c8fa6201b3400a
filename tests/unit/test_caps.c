/*
 * Unit tests: EHLO capability lines (smtpc/caps.h).
 *
 * Each test is an EHLO reply as a server would send it (S: lines below);
 * every line after the first goes through smtpc_caps_parse_line, as the
 * session does, and the resulting flags, mechanisms and SIZE are checked
 * exactly. Keywords and mechanisms are whole tokens: a prefix or a longer
 * name never counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/caps.h"

/* Parses the EHLO reply `lines` (NULL ended; the first is the greeting
 * line and is skipped) into a cleared *c. */
static void parse_ehlo(struct smtpc_caps *c, const char *const *lines)
{
    size_t i;

    memset(c, 0xa5, sizeof *c);
    smtpc_caps_clear(c);
    assert_int_equal(c->flags, 0);
    assert_int_equal(c->auth, 0);
    assert_int_equal(c->size_max, 0);
    for (i = 1; lines[i] != NULL; i++)
        smtpc_caps_parse_line(c, lines[i], strlen(lines[i]));
}

/* Parses a single capability line into a cleared *c. */
static void parse_one(struct smtpc_caps *c, const char *line)
{
    smtpc_caps_clear(c);
    smtpc_caps_parse_line(c, line, strlen(line));
}

static void assert_caps(const struct smtpc_caps *c, unsigned flags, unsigned auth,
                        unsigned long size_max)
{
    assert_int_equal(c->flags, flags);
    assert_int_equal(c->auth, auth);
    assert_int_equal(c->size_max, size_max);
}

/* ---- realistic servers ---- */

static void test_postfix(void **state)
{
    static const char *const ehlo[] = {
        "250-mail.example.org",
        "250-PIPELINING",
        "250-SIZE 10240000",
        "250-VRFY",
        "250-ETRN",
        "250-STARTTLS",
        "250-ENHANCEDSTATUSCODES",
        "250-8BITMIME",
        "250-DSN",
        "250-SMTPUTF8",
        "250 CHUNKING",
        NULL,
    };
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c,
                SMTPC_CAP_PIPELINING | SMTPC_CAP_SIZE | SMTPC_CAP_STARTTLS |
                    SMTPC_CAP_ENHANCEDSTATUSCODES | SMTPC_CAP_8BITMIME | SMTPC_CAP_DSN |
                    SMTPC_CAP_SMTPUTF8 | SMTPC_CAP_CHUNKING,
                0, 10240000UL);
}

static void test_postfix_after_starttls(void **state)
{
    static const char *const ehlo[] = {
        "250-mail.example.org",
        "250-PIPELINING",
        "250-SIZE 10240000",
        "250-AUTH PLAIN LOGIN",
        "250-AUTH=PLAIN LOGIN",
        "250-ENHANCEDSTATUSCODES",
        "250-8BITMIME",
        "250 DSN",
        NULL,
    };
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c,
                SMTPC_CAP_PIPELINING | SMTPC_CAP_SIZE | SMTPC_CAP_AUTH |
                    SMTPC_CAP_ENHANCEDSTATUSCODES | SMTPC_CAP_8BITMIME | SMTPC_CAP_DSN,
                SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN, 10240000UL);
}

static void test_exim(void **state)
{
    static const char *const ehlo[] = {
        "250-mx.example.net Hello client.example [192.0.2.1]",
        "250-SIZE 52428800",
        "250-8BITMIME",
        "250-PIPELINING",
        "250-PIPE_CONNECT",
        "250-AUTH PLAIN LOGIN CRAM-MD5",
        "250-CHUNKING",
        "250-PRDR",
        "250 HELP",
        NULL,
    };
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c,
                SMTPC_CAP_SIZE | SMTPC_CAP_8BITMIME | SMTPC_CAP_PIPELINING | SMTPC_CAP_AUTH |
                    SMTPC_CAP_CHUNKING,
                SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN | SMTPC_AUTH_CRAM_MD5, 52428800UL);
}

static void test_gmail_like(void **state)
{
    static const char *const ehlo[] = {
        "250-smtp.example.com at your service, [192.0.2.1]",
        "250-SIZE 35882577",
        "250-8BITMIME",
        "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
        "250-ENHANCEDSTATUSCODES",
        "250-PIPELINING",
        "250-CHUNKING",
        "250 SMTPUTF8",
        NULL,
    };
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c,
                SMTPC_CAP_SIZE | SMTPC_CAP_8BITMIME | SMTPC_CAP_AUTH |
                    SMTPC_CAP_ENHANCEDSTATUSCODES | SMTPC_CAP_PIPELINING | SMTPC_CAP_CHUNKING |
                    SMTPC_CAP_SMTPUTF8,
                SMTPC_AUTH_LOGIN | SMTPC_AUTH_PLAIN | SMTPC_AUTH_XOAUTH2 | SMTPC_AUTH_OAUTHBEARER,
                35882577UL);
}

static void test_office365_like(void **state)
{
    static const char *const before_tls[] = {
        "250-XX1P123CA0001.outlook.example Hello [192.0.2.1]",
        "250-SIZE 157286400",
        "250-PIPELINING",
        "250-DSN",
        "250-ENHANCEDSTATUSCODES",
        "250-STARTTLS",
        "250-8BITMIME",
        "250-BINARYMIME",
        "250-CHUNKING",
        "250 SMTPUTF8",
        NULL,
    };
    static const char *const after_tls[] = {
        "250-XX1P123CA0001.outlook.example Hello [192.0.2.1]",
        "250-SIZE 157286400",
        "250-PIPELINING",
        "250-DSN",
        "250-ENHANCEDSTATUSCODES",
        "250-AUTH LOGIN XOAUTH2",
        "250-8BITMIME",
        "250-BINARYMIME",
        "250-CHUNKING",
        "250 SMTPUTF8",
        NULL,
    };
    const unsigned common = SMTPC_CAP_SIZE | SMTPC_CAP_PIPELINING | SMTPC_CAP_DSN |
                            SMTPC_CAP_ENHANCEDSTATUSCODES | SMTPC_CAP_8BITMIME |
                            SMTPC_CAP_BINARYMIME | SMTPC_CAP_CHUNKING | SMTPC_CAP_SMTPUTF8;
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, before_tls);
    assert_caps(&c, common | SMTPC_CAP_STARTTLS, 0, 157286400UL);
    parse_ehlo(&c, after_tls);
    assert_caps(&c, common | SMTPC_CAP_AUTH, SMTPC_AUTH_LOGIN | SMTPC_AUTH_XOAUTH2, 157286400UL);
}

static void test_opensmtpd_like(void **state)
{
    static const char *const ehlo[] = {
        "250-mail.example.com Hello client.example [192.0.2.1], pleased to meet you",
        "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES",
        "250-SIZE 36700160",
        "250-DSN",
        "250-AUTH PLAIN LOGIN",
        "250 HELP",
        NULL,
    };
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c,
                SMTPC_CAP_8BITMIME | SMTPC_CAP_ENHANCEDSTATUSCODES | SMTPC_CAP_SIZE |
                    SMTPC_CAP_DSN | SMTPC_CAP_AUTH,
                SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN, 36700160UL);
}

static void test_greeting_only(void **state)
{
    /* S: 250 mail.example.org: an EHLO reply with no extension */
    static const char *const ehlo[] = {"250 mail.example.org", NULL};
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c, 0, 0, 0);
}

/* ---- each extension keyword ---- */

static void test_each_keyword_sets_only_its_bit(void **state)
{
    static const struct {
        const char *line;
        unsigned bit;
    } cases[] = {
        {"250-PIPELINING", SMTPC_CAP_PIPELINING},
        {"250-SIZE", SMTPC_CAP_SIZE},
        {"250-8BITMIME", SMTPC_CAP_8BITMIME},
        {"250-SMTPUTF8", SMTPC_CAP_SMTPUTF8},
        {"250-STARTTLS", SMTPC_CAP_STARTTLS},
        {"250-CHUNKING", SMTPC_CAP_CHUNKING},
        {"250-DSN", SMTPC_CAP_DSN},
        {"250-ENHANCEDSTATUSCODES", SMTPC_CAP_ENHANCEDSTATUSCODES},
        {"250-BINARYMIME", SMTPC_CAP_BINARYMIME},
        {"250-AUTH", SMTPC_CAP_AUTH},
        {"250 PIPELINING", SMTPC_CAP_PIPELINING},
        {"250 STARTTLS", SMTPC_CAP_STARTTLS},
    };
    struct smtpc_caps c;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parse_one(&c, cases[i].line);
        assert_caps(&c, cases[i].bit, 0, 0);
    }
}

static void test_keywords_ignore_case(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-pipelining");
    assert_caps(&c, SMTPC_CAP_PIPELINING, 0, 0);
    parse_one(&c, "250-StartTLS");
    assert_caps(&c, SMTPC_CAP_STARTTLS, 0, 0);
    parse_one(&c, "250-size 1000");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 1000);
    parse_one(&c, "250-8bitmime");
    assert_caps(&c, SMTPC_CAP_8BITMIME, 0, 0);
}

static void test_parameters_after_a_keyword(void **state)
{
    struct smtpc_caps c;
    (void)state;

    /* a keyword is recognised whatever parameters follow it */
    parse_one(&c, "250-DSN NOTIFY RET");
    assert_caps(&c, SMTPC_CAP_DSN, 0, 0);
    parse_one(&c, "250-CHUNKING 1");
    assert_caps(&c, SMTPC_CAP_CHUNKING, 0, 0);
}

/* ---- SIZE ---- */

static void test_size_value(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-SIZE 10240000");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 10240000UL);
    parse_one(&c, "250 SIZE 1");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 1);
    parse_one(&c, "250-SIZE   35882577");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 35882577UL);
}

static void test_size_without_value(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-SIZE");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 0);
    parse_one(&c, "250-SIZE ");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 0);
    /* RFC 1870: 0 means no fixed limit */
    parse_one(&c, "250-SIZE 0");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 0);
}

static void test_huge_size_saturates(void **state)
{
    char line[64];
    struct smtpc_caps c;
    (void)state;

    snprintf(line, sizeof line, "250-SIZE %lu", ULONG_MAX);
    parse_one(&c, line);
    assert_caps(&c, SMTPC_CAP_SIZE, 0, ULONG_MAX);
    snprintf(line, sizeof line, "250-SIZE %lu0", ULONG_MAX);
    parse_one(&c, line);
    assert_caps(&c, SMTPC_CAP_SIZE, 0, ULONG_MAX);
    parse_one(&c, "250-SIZE 999999999999999999999999999999999999999999");
    assert_caps(&c, SMTPC_CAP_SIZE, 0, ULONG_MAX);
    /* just under the largest value is read exactly */
    snprintf(line, sizeof line, "250-SIZE %lu", ULONG_MAX / 10);
    parse_one(&c, line);
    assert_caps(&c, SMTPC_CAP_SIZE, 0, ULONG_MAX / 10);
}

/* ---- AUTH ---- */

static void test_auth_mechanisms(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-AUTH PLAIN LOGIN CRAM-MD5");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN | SMTPC_AUTH_CRAM_MD5, 0);
    parse_one(&c, "250-AUTH LOGIN XOAUTH2 OAUTHBEARER");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_LOGIN | SMTPC_AUTH_XOAUTH2 | SMTPC_AUTH_OAUTHBEARER,
                0);
    parse_one(&c, "250 AUTH PLAIN");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN, 0);
}

static void test_auth_old_form(void **state)
{
    struct smtpc_caps c;
    (void)state;

    /* S: 250-AUTH=LOGIN PLAIN (pre-RFC 2554 clients' form) */
    parse_one(&c, "250-AUTH=LOGIN PLAIN");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_LOGIN | SMTPC_AUTH_PLAIN, 0);
    parse_one(&c, "250-AUTH=PLAIN");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN, 0);
}

static void test_auth_lower_case(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-auth plain");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN, 0);
    parse_one(&c, "250-Auth Login cram-md5 XOauth2 oauthbearer");
    assert_caps(
        &c, SMTPC_CAP_AUTH,
        SMTPC_AUTH_LOGIN | SMTPC_AUTH_CRAM_MD5 | SMTPC_AUTH_XOAUTH2 | SMTPC_AUTH_OAUTHBEARER, 0);
}

static void test_auth_mechanisms_are_whole_tokens(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-AUTH XPLAIN PLAINX LOGINS");
    assert_caps(&c, SMTPC_CAP_AUTH, 0, 0);
    parse_one(&c, "250-AUTH PLAIN-CLIENTTOKEN XOAUTH CRAM-MD5X OAUTHBEARER2 LOGI PLAI");
    assert_caps(&c, SMTPC_CAP_AUTH, 0, 0);
    parse_one(&c, "250-AUTH SCRAM-SHA-256 GSSAPI NTLM");
    assert_caps(&c, SMTPC_CAP_AUTH, 0, 0);
}

static void test_auth_with_extra_spaces(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-AUTH  PLAIN   LOGIN ");
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN, 0);
}

static void test_auth_without_mechanisms(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-AUTH");
    assert_caps(&c, SMTPC_CAP_AUTH, 0, 0);
    parse_one(&c, "250-AUTH ");
    assert_caps(&c, SMTPC_CAP_AUTH, 0, 0);
}

static void test_auth_lines_accumulate(void **state)
{
    static const char *const ehlo[] = {
        "250-mail.example.org", "250-AUTH LOGIN", "250-AUTH=PLAIN", "250 AUTH CRAM-MD5", NULL,
    };
    struct smtpc_caps c;
    (void)state;

    parse_ehlo(&c, ehlo);
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_LOGIN | SMTPC_AUTH_PLAIN | SMTPC_AUTH_CRAM_MD5, 0);
}

static void test_auth_names(void **state)
{
    (void)state;
    assert_string_equal(smtpc_auth_name(SMTPC_AUTH_PLAIN), "PLAIN");
    assert_string_equal(smtpc_auth_name(SMTPC_AUTH_LOGIN), "LOGIN");
    assert_string_equal(smtpc_auth_name(SMTPC_AUTH_CRAM_MD5), "CRAM-MD5");
    assert_string_equal(smtpc_auth_name(SMTPC_AUTH_XOAUTH2), "XOAUTH2");
    assert_string_equal(smtpc_auth_name(SMTPC_AUTH_OAUTHBEARER), "OAUTHBEARER");
    assert_string_equal(smtpc_auth_name(0), "");
    assert_string_equal(smtpc_auth_name(SMTPC_AUTH_PLAIN | SMTPC_AUTH_LOGIN), "");
    assert_string_equal(smtpc_auth_name(0x20u), "");
}

/* ---- what is ignored ---- */

static void test_unknown_keywords_are_ignored(void **state)
{
    static const char *const lines[] = {
        "250-VRFY",
        "250-ETRN",
        "250-HELP",
        "250-PRDR",
        "250-XCLIENT NAME ADDR PORT PROTO HELO",
        "250-X-EXPS GSSAPI NTLM",
        "250-DELIVERBY 300",
        "250-MTRK",
        "250-REQUIRETLS",
        "250-XXXA",
        "250-SIZE_",
        "250 PIPE_CONNECT",
    };
    struct smtpc_caps c;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        parse_one(&c, lines[i]);
        assert_caps(&c, 0, 0, 0);
    }
}

static void test_keyword_prefixes_are_ignored(void **state)
{
    static const char *const lines[] = {
        "250-PIPELININGX", "250-PIPELININ",   "250-SIZEX 10",  "250-SIZ 10",      "250-XSIZE 10",
        "250-8BITMIMEX",   "250-STARTTLS2",   "250-DSNX",      "250-CHUNK",       "250-SMTPUTF",
        "250-AUTHX PLAIN", "250-XAUTH PLAIN", "250-AUTHPLAIN", "250-BINARYMIMES",
    };
    struct smtpc_caps c;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        parse_one(&c, lines[i]);
        assert_caps(&c, 0, 0, 0);
    }
}

static void test_short_lines_are_ignored(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "");
    assert_caps(&c, 0, 0, 0);
    parse_one(&c, "250");
    assert_caps(&c, 0, 0, 0);
    parse_one(&c, "250-");
    assert_caps(&c, 0, 0, 0);
    parse_one(&c, "250 ");
    assert_caps(&c, 0, 0, 0);
}

static void test_only_len_bytes_are_read(void **state)
{
    /* the line need not be NUL ended: only `len` bytes count */
    static const char buf[] = "250-PIPELININGX";
    static const char size[] = "250-SIZE 123456";
    static const char auth[] = "250-AUTH PLAINX LOGIN";
    struct smtpc_caps c;
    (void)state;

    smtpc_caps_clear(&c);
    smtpc_caps_parse_line(&c, buf, 14);
    assert_caps(&c, SMTPC_CAP_PIPELINING, 0, 0);
    smtpc_caps_clear(&c);
    smtpc_caps_parse_line(&c, size, 12);
    assert_caps(&c, SMTPC_CAP_SIZE, 0, 123);
    smtpc_caps_clear(&c);
    smtpc_caps_parse_line(&c, auth, 14);
    assert_caps(&c, SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN, 0);
}

static void test_clear_forgets_everything(void **state)
{
    struct smtpc_caps c;
    (void)state;

    parse_one(&c, "250-SIZE 1000");
    smtpc_caps_parse_line(&c, "250-AUTH PLAIN", 14);
    assert_caps(&c, SMTPC_CAP_SIZE | SMTPC_CAP_AUTH, SMTPC_AUTH_PLAIN, 1000);
    smtpc_caps_clear(&c);
    assert_caps(&c, 0, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postfix),
        cmocka_unit_test(test_postfix_after_starttls),
        cmocka_unit_test(test_exim),
        cmocka_unit_test(test_gmail_like),
        cmocka_unit_test(test_office365_like),
        cmocka_unit_test(test_opensmtpd_like),
        cmocka_unit_test(test_greeting_only),
        cmocka_unit_test(test_each_keyword_sets_only_its_bit),
        cmocka_unit_test(test_keywords_ignore_case),
        cmocka_unit_test(test_parameters_after_a_keyword),
        cmocka_unit_test(test_size_value),
        cmocka_unit_test(test_size_without_value),
        cmocka_unit_test(test_huge_size_saturates),
        cmocka_unit_test(test_auth_mechanisms),
        cmocka_unit_test(test_auth_old_form),
        cmocka_unit_test(test_auth_lower_case),
        cmocka_unit_test(test_auth_mechanisms_are_whole_tokens),
        cmocka_unit_test(test_auth_with_extra_spaces),
        cmocka_unit_test(test_auth_without_mechanisms),
        cmocka_unit_test(test_auth_lines_accumulate),
        cmocka_unit_test(test_auth_names),
        cmocka_unit_test(test_unknown_keywords_are_ignored),
        cmocka_unit_test(test_keyword_prefixes_are_ignored),
        cmocka_unit_test(test_short_lines_are_ignored),
        cmocka_unit_test(test_only_len_bytes_are_read),
        cmocka_unit_test(test_clear_forgets_everything),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
