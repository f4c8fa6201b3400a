/*
 * AUTH transcripts: every exchange byte for byte, the mechanism policy,
 * the cleartext rule, cancellation, and the trace that must never show a
 * credential.
 *
 * User "alice", password "s3cret": base64 of "\0alice\0s3cret" is
 * AGFsaWNlAHMzY3JldA==, of "alice" YWxpY2U=, of "s3cret" czNjcmV0.
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define PLAIN_B64 "AGFsaWNlAHMzY3JldA=="

static const char *ehlo_reply;

static void creds(struct harness *h)
{
    h->cfg.username = "alice";
    h->cfg.password = "s3cret";
    h->cfg.flags |= SMTPC_F_ALLOW_CLEARTEXT_AUTH;
}

static void hello(struct harness *h)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
}

static void no_secret_in_trace(struct harness *h)
{
    assert_null(strstr(h->trace, "s3cret"));
    assert_null(strstr(h->trace, PLAIN_B64));
    assert_null(strstr(h->trace, "YWxpY2U="));
    assert_null(strstr(h->trace, "czNjcmV0"));
}

static void t_plain_initial_response(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH PLAIN " PLAIN_B64 "\r\n");
    h_server(h, "235 2.7.0 ok\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_authenticated(&h->s), 1);
    assert_non_null(strstr(h->trace, "C: AUTH PLAIN <redacted>\n"));
    no_secret_in_trace(h);
}

static void test_plain_initial_response(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH LOGIN PLAIN\r\n";
    run_transcript(t_plain_initial_response, creds);
}

static void two_step(struct harness *h)
{
    creds(h);
    h->cfg.flags |= SMTPC_F_NO_INITIAL_RESPONSE;
}

static void t_plain_two_steps(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH PLAIN\r\n");
    h_server(h, "334 \r\n");
    h_client(h, PLAIN_B64 "\r\n");
    h_server(h, "235 ok\r\n");
    h_wants(h, SMTPC_READY);
    assert_non_null(strstr(h->trace, "C: AUTH PLAIN\nS: 334 \nC: <redacted>\n"));
    no_secret_in_trace(h);
}

static void test_plain_two_steps(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN\r\n";
    run_transcript(t_plain_two_steps, two_step);
}

static void login_only(struct harness *h)
{
    creds(h);
    h->cfg.auth_mechs = SMTPC_AUTH_LOGIN;
}

static void t_login(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH LOGIN\r\n");
    h_server(h, "334 VXNlcm5hbWU6\r\n");
    h_client(h, "YWxpY2U=\r\n");
    h_server(h, "334 UGFzc3dvcmQ6\r\n");
    h_client(h, "czNjcmV0\r\n");
    h_server(h, "235 2.7.0 Authentication successful\r\n");
    h_wants(h, SMTPC_READY);
    no_secret_in_trace(h);
}

static void test_login(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n";
    run_transcript(t_login, login_only);
}

/* LOGIN is chosen when it is all the server offers. */
static void test_login_when_only_offered(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH=LOGIN\r\n";
    run_transcript(t_login, creds);
}

static void t_refused(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH PLAIN " PLAIN_B64 "\r\n");
    h_server(h, "535 5.7.8 Authentication credentials invalid\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_AUTH);
    assert_int_equal(smtpc_session_reply(&h->s)->code, 535);
    assert_string_equal(smtpc_session_step(&h->s), "AUTH");
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
}

static void test_refused(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN\r\n";
    run_transcript(t_refused, creds);
}

/* A challenge after the initial response: cancel with "*". */
static void t_unexpected_challenge(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH PLAIN " PLAIN_B64 "\r\n");
    h_server(h, "334 what?\r\n");
    h_client(h, "*\r\n");
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "501 5.7.0 cancelled\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_AUTH_PROTOCOL);
}

static void test_unexpected_challenge(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN\r\n";
    run_transcript(t_unexpected_challenge, creds);
}

static void t_login_third_challenge(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH LOGIN\r\n");
    h_server(h, "334 VXNlcm5hbWU6\r\n");
    h_client(h, "YWxpY2U=\r\n");
    h_server(h, "334 UGFzc3dvcmQ6\r\n");
    h_client(h, "czNjcmV0\r\n");
    h_server(h, "334 UGFzc3dvcmQ6\r\n");
    h_client(h, "*\r\n");
    h_server(h, "501 cancelled\r\n");
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_AUTH_PROTOCOL);
    no_secret_in_trace(h);
}

static void test_login_third_challenge(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH LOGIN\r\n";
    run_transcript(t_login_third_challenge, creds);
}

/* ---- policy: nothing is sent when the rules say no ---- */

static int expected_error;

static void t_policy_refusal(struct harness *h)
{
    hello(h);
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(smtpc_session_error(&h->s), expected_error);
    assert_string_equal(smtpc_session_step(&h->s), "AUTH");
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
}

static void cleartext_not_allowed(struct harness *h)
{
    creds(h);
    h->cfg.flags &= ~SMTPC_F_ALLOW_CLEARTEXT_AUTH;
}

static void test_cleartext_refused(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n";
    expected_error = SMTPC_ERR_AUTH_CLEARTEXT;
    run_transcript(t_policy_refusal, cleartext_not_allowed);
}

static void test_not_offered(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 8BITMIME\r\n";
    expected_error = SMTPC_ERR_AUTH_NOT_OFFERED;
    run_transcript(t_policy_refusal, creds);
}

/* Mechanism names match as whole tokens only. */
static void test_no_usable_mechanism(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH XPLAIN PLAINX LOGINS CRAM-MD5X\r\n";
    expected_error = SMTPC_ERR_AUTH_NO_MECH;
    run_transcript(t_policy_refusal, creds);
}

static void plain_only(struct harness *h)
{
    creds(h);
    h->cfg.auth_mechs = SMTPC_AUTH_PLAIN;
}

static void test_named_mechanism_missing(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH LOGIN\r\n";
    expected_error = SMTPC_ERR_AUTH_NO_MECH;
    run_transcript(t_policy_refusal, plain_only);
}

static void auth_optional(struct harness *h)
{
    creds(h);
    h->cfg.flags |= SMTPC_F_AUTH_OPTIONAL;
}

static void t_optional(struct harness *h)
{
    hello(h);
    h_silent(h);
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_authenticated(&h->s), 0);
}

static void test_auth_optional(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 8BITMIME\r\n";
    run_transcript(t_optional, auth_optional);
}

/* An encrypted link needs no permission. */
static void secure_link(struct harness *h)
{
    cleartext_not_allowed(h);
    h->cfg.flags |= SMTPC_F_SECURE;
}

static void test_secure_link_allows(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH LOGIN PLAIN\r\n";
    run_transcript(t_plain_initial_response, secure_link);
}

/* With SMTPC_F_TRACE_SECRETS the caller asked to see the payloads. */
static void trace_secrets(struct harness *h)
{
    creds(h);
    h->cfg.flags |= SMTPC_F_TRACE_SECRETS;
}

static void t_trace_secrets(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH PLAIN " PLAIN_B64 "\r\n");
    assert_non_null(strstr(h->trace, "C: AUTH PLAIN " PLAIN_B64 "\n"));
}

static void test_trace_secrets(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN\r\n";
    run_transcript(t_trace_secrets, trace_secrets);
}

/* An authorisation identity goes first in PLAIN. */
static void with_authzid(struct harness *h)
{
    creds(h);
    h->cfg.authzid = "alice";
}

static void t_authzid(struct harness *h)
{
    hello(h);
    /* base64("alice\0alice\0s3cret") */
    h_client(h, "AUTH PLAIN YWxpY2UAYWxpY2UAczNjcmV0\r\n");
}

static void test_authzid(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN\r\n";
    run_transcript(t_authzid, with_authzid);
}

/* SMTPC_F_AUTH_FALLBACK_PLAIN: the NetX Duo client's rule. LOGIN asked for,
 * the server lists AUTH without it, or no AUTH at all: PLAIN anyway. */
static void login_or_plain(struct harness *h)
{
    login_only(h);
    h->cfg.flags |= SMTPC_F_AUTH_FALLBACK_PLAIN;
}

static void test_fallback_plain_when_mechanism_missing(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH CRAM-MD5\r\n";
    run_transcript(t_plain_initial_response, login_or_plain);
}

static void test_fallback_plain_when_no_auth(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 8BITMIME\r\n";
    run_transcript(t_plain_initial_response, login_or_plain);
}

/* The mechanism asked for still wins when it is offered. */
static void test_fallback_keeps_offered_mechanism(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n";
    run_transcript(t_login, login_or_plain);
}

/* The fallback does not lift the cleartext rule. */
static void fallback_in_cleartext(struct harness *h)
{
    login_or_plain(h);
    h->cfg.flags &= ~SMTPC_F_ALLOW_CLEARTEXT_AUTH;
}

static void test_fallback_keeps_cleartext_rule(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 8BITMIME\r\n";
    expected_error = SMTPC_ERR_AUTH_CLEARTEXT;
    run_transcript(t_policy_refusal, fallback_in_cleartext);
}

/* CRAM-MD5, RFC 2195's own example: user tim, password tanstaaftanstaaf. */
#define CRAM_CHALLENGE "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
#define CRAM_RESPONSE "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"

static void tim(struct harness *h)
{
    h->cfg.username = "tim";
    h->cfg.password = "tanstaaftanstaaf";
}

static void t_cram_md5(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH CRAM-MD5\r\n");
    h_server(h, "334 " CRAM_CHALLENGE "\r\n");
    h_client(h, CRAM_RESPONSE "\r\n");
    h_server(h, "235 2.7.0 ok\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_authenticated(&h->s), 1);
    assert_non_null(
        strstr(h->trace, "C: AUTH CRAM-MD5\nS: 334 " CRAM_CHALLENGE "\nC: <redacted>\n"));
    assert_null(strstr(h->trace, CRAM_RESPONSE));
    assert_null(strstr(h->trace, "tanstaaf"));
}

/* It does not reveal the password: no cleartext permission needed, and
 * in clear it is preferred to PLAIN and LOGIN. */
static void test_cram_md5_in_clear(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n";
    run_transcript(t_cram_md5, tim);
}

/* Over an encrypted link PLAIN comes first. */
static void tim_secure(struct harness *h)
{
    tim(h);
    h->cfg.flags |= SMTPC_F_SECURE;
}

static void t_plain_when_secure(struct harness *h)
{
    hello(h);
    /* base64("\0tim\0tanstaaftanstaaf") */
    h_client(h, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
}

static void test_plain_preferred_when_secure(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH CRAM-MD5 PLAIN\r\n";
    run_transcript(t_plain_when_secure, tim_secure);
}

static void cram_only(struct harness *h)
{
    tim_secure(h);
    h->cfg.auth_mechs = SMTPC_AUTH_CRAM_MD5;
}

static void test_cram_md5_asked_for(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH CRAM-MD5 PLAIN\r\n";
    run_transcript(t_cram_md5, cram_only);
}

/* A challenge that is not base64 is cancelled, never answered. */
static void t_cram_bad_challenge(struct harness *h)
{
    hello(h);
    h_client(h, "AUTH CRAM-MD5\r\n");
    h_server(h, "334 not*base64\r\n");
    h_client(h, "*\r\n");
    h_server(h, "501 5.7.0 cancelled\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_AUTH_PROTOCOL);
}

static void test_cram_md5_bad_challenge(void **state)
{
    (void)state;
    ehlo_reply = "250-mx.example\r\n250 AUTH CRAM-MD5\r\n";
    run_transcript(t_cram_bad_challenge, tim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_initial_response),
        cmocka_unit_test(test_plain_two_steps),
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_login_when_only_offered),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_unexpected_challenge),
        cmocka_unit_test(test_login_third_challenge),
        cmocka_unit_test(test_cleartext_refused),
        cmocka_unit_test(test_not_offered),
        cmocka_unit_test(test_no_usable_mechanism),
        cmocka_unit_test(test_named_mechanism_missing),
        cmocka_unit_test(test_auth_optional),
        cmocka_unit_test(test_secure_link_allows),
        cmocka_unit_test(test_trace_secrets),
        cmocka_unit_test(test_authzid),
        cmocka_unit_test(test_fallback_plain_when_mechanism_missing),
        cmocka_unit_test(test_fallback_plain_when_no_auth),
        cmocka_unit_test(test_fallback_keeps_offered_mechanism),
        cmocka_unit_test(test_fallback_keeps_cleartext_rule),
        cmocka_unit_test(test_cram_md5_in_clear),
        cmocka_unit_test(test_plain_preferred_when_secure),
        cmocka_unit_test(test_cram_md5_asked_for),
        cmocka_unit_test(test_cram_md5_bad_challenge),
    };

    return cmocka_run_group_tests_name("auth transcripts", tests, NULL, NULL);
}
