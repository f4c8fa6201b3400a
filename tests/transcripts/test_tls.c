/*
 * TLS transcripts: STARTTLS (RFC 3207) under each policy, implicit TLS
 * (RFC 8314), the response-injection defence, and the cleartext rule
 * around them, byte for byte at every split of the stream.
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define EHLO_TLS "250-mx.example\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"
#define EHLO_NO_TLS "250-mx.example\r\n250 AUTH PLAIN\r\n"
#define EHLO_SECURE "250-mx.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
#define PLAIN_LINE "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"

static int expected_error;

static void starttls(struct harness *h)
{
    h->cfg.tls = SMTPC_TLS_STARTTLS;
}

static void starttls_creds(struct harness *h)
{
    starttls(h);
    h->cfg.username = "alice";
    h->cfg.password = "s3cret";
}

static void opportunistic(struct harness *h)
{
    h->cfg.tls = SMTPC_TLS_OPPORTUNISTIC;
}

static void opportunistic_creds(struct harness *h)
{
    opportunistic(h);
    h->cfg.username = "alice";
    h->cfg.password = "s3cret";
}

static void implicit(struct harness *h)
{
    h->cfg.tls = SMTPC_TLS_IMPLICIT;
}

static void hello(struct harness *h, const char *ehlo_reply)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
}

/* STARTTLS offered: STARTTLS, 220, handshake, EHLO again, then AUTH over
 * the encrypted link without any cleartext permission. */
static void t_starttls(struct harness *h)
{
    hello(h, EHLO_TLS);
    h_client(h, "STARTTLS\r\n");
    h_server(h, "220 2.0.0 go ahead\r\n");
    h_wants(h, SMTPC_WANT_TLS);
    h_silent(h);
    assert_int_equal(smtpc_session_secure(&h->s), 0);
    assert_int_equal(smtpc_session_tls_done(&h->s), 0);
    assert_int_equal(smtpc_session_secure(&h->s), 1);
    /* what was learnt in clear is forgotten */
    assert_int_equal(smtpc_session_caps(&h->s)->flags & SMTPC_CAP_STARTTLS, 0);
    assert_int_equal(smtpc_session_caps(&h->s)->size_max, 0);
    h_client(h, EHLO);
    h_server(h, EHLO_SECURE);
    h_client(h, PLAIN_LINE);
    h_server(h, "235 2.7.0 ok\r\n");
    h_wants(h, SMTPC_READY);
    assert_true(smtpc_session_caps(&h->s)->flags & SMTPC_CAP_8BITMIME);
}

static void test_starttls(void **state)
{
    (void)state;
    run_transcript(t_starttls, starttls_creds);
}

static void test_opportunistic_offered(void **state)
{
    (void)state;
    run_transcript(t_starttls, opportunistic_creds);
}

/* A required STARTTLS that cannot happen fails before AUTH and MAIL, with a
 * polite QUIT. */
static void t_required_fails(struct harness *h, const char *ehlo_reply, const char *refusal)
{
    hello(h, ehlo_reply);
    if (refusal != NULL) {
        h_client(h, "STARTTLS\r\n");
        h_server(h, refusal);
    }
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), expected_error);
    assert_string_equal(smtpc_session_step(&h->s), "STARTTLS");
    h_silent(h);
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
}

static void t_not_offered(struct harness *h)
{
    t_required_fails(h, EHLO_NO_TLS, NULL);
}

static void test_required_not_offered(void **state)
{
    (void)state;
    expected_error = SMTPC_ERR_TLS_REQUIRED;
    run_transcript(t_not_offered, starttls_creds);
}

static void t_refused(struct harness *h)
{
    t_required_fails(h, EHLO_TLS, "454 4.7.0 TLS not available\r\n");
    assert_int_equal(smtpc_session_reply(&h->s)->code, 454);
}

static void test_required_refused(void **state)
{
    (void)state;
    expected_error = SMTPC_ERR_REFUSED_STARTTLS;
    run_transcript(t_refused, starttls_creds);
}

/* HELO knows no STARTTLS: required TLS fails there too. */
static void t_helo_fallback_first(struct harness *h)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, "502 5.5.2 no EHLO\r\n");
    h_client(h, "HELO client.example\r\n");
    h_server(h, "250 mx.example\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_TLS_REQUIRED);
}

static void test_required_helo_fallback(void **state)
{
    (void)state;
    run_transcript(t_helo_fallback_first, starttls);
}

/* Opportunistic: on in clear when not offered or refused... */
static void t_clear(struct harness *h, const char *ehlo_reply, const char *refusal)
{
    hello(h, ehlo_reply);
    if (refusal != NULL) {
        h_client(h, "STARTTLS\r\n");
        h_server(h, refusal);
    }
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_secure(&h->s), 0);
}

static void t_opportunistic_not_offered(struct harness *h)
{
    t_clear(h, EHLO_NO_TLS, NULL);
    assert_non_null(strstr(h->trace, "* server offers no STARTTLS: going on in clear\n"));
}

static void test_opportunistic_not_offered(void **state)
{
    (void)state;
    run_transcript(t_opportunistic_not_offered, opportunistic);
}

static void t_opportunistic_refused(struct harness *h)
{
    t_clear(h, EHLO_TLS, "454 4.7.0 not now\r\n");
}

static void test_opportunistic_refused(void **state)
{
    (void)state;
    run_transcript(t_opportunistic_refused, opportunistic);
}

/* ...but a password still never goes out in clear. */
static void t_opportunistic_no_cleartext_auth(struct harness *h)
{
    hello(h, EHLO_NO_TLS);
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_AUTH_CLEARTEXT);
}

static void test_opportunistic_keeps_cleartext_rule(void **state)
{
    (void)state;
    run_transcript(t_opportunistic_no_cleartext_auth, opportunistic_creds);
}

/* No policy: STARTTLS is never sent, even when offered. */
static void t_none(struct harness *h)
{
    t_clear(h, EHLO_TLS, NULL);
}

static void test_none_ignores_offer(void **state)
{
    (void)state;
    run_transcript(t_none, NULL);
}

/* CVE-2021-22947 class: a reply smuggled after the 220, in the same write. */
static void t_injection(struct harness *h)
{
    hello(h, EHLO_TLS);
    h_client(h, "STARTTLS\r\n");
    h_server(h, "220 go ahead\r\n250-mx.example\r\n250 AUTH PLAIN\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_STARTTLS_INJECTION);
    h_silent(h);
    /* nothing more may be said on this connection */
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
    assert_int_equal(smtpc_session_tls_done(&h->s), SMTPC_ERR_STATE);
    h_silent(h);
}

static void test_injection(void **state)
{
    (void)state;
    run_transcript(t_injection, starttls_creds);
}

/* The handshake failed: the driver aborts; no QUIT in clear after it. */
static void t_handshake_fails(struct harness *h)
{
    hello(h, EHLO_TLS);
    h_client(h, "STARTTLS\r\n");
    h_server(h, "220 go ahead\r\n");
    h_wants(h, SMTPC_WANT_TLS);
    smtpc_session_abort(&h->s, SMTPC_ERR_TLS_VERIFY);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_TLS_VERIFY);
    assert_string_equal(smtpc_session_step(&h->s), "TLS handshake");
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
    h_silent(h);
}

static void test_handshake_fails(void **state)
{
    (void)state;
    run_transcript(t_handshake_fails, starttls_creds);
}

/* Implicit TLS: the handshake before anything; then greeting, EHLO, no
 * STARTTLS even when listed, and AUTH allowed. */
static void t_implicit(struct harness *h)
{
    h_wants(h, SMTPC_WANT_TLS);
    h_silent(h);
    assert_int_equal(smtpc_session_tls_done(&h->s), 0);
    h_wants(h, SMTPC_WANT_RECV);
    h_silent(h);
    hello(h, EHLO_TLS);
    h_client(h, PLAIN_LINE);
    h_server(h, "235 ok\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_secure(&h->s), 1);
}

static void implicit_creds(struct harness *h)
{
    implicit(h);
    h->cfg.username = "alice";
    h->cfg.password = "s3cret";
}

static void test_implicit(void **state)
{
    (void)state;
    run_transcript(t_implicit, implicit_creds);
}

/* Cleartext bytes where the handshake belongs are never taken as SMTP. */
static void t_implicit_cleartext(struct harness *h)
{
    h_server(h, GREETING);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_STARTTLS_INJECTION);
    h_silent(h);
}

static void test_implicit_cleartext_greeting(void **state)
{
    (void)state;
    run_transcript(t_implicit_cleartext, implicit);
}

/* tls_done outside a handshake: only before anything was read. */
static void t_tls_done_states(struct harness *h)
{
    hello(h, EHLO_NO_TLS);
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_tls_done(&h->s), SMTPC_ERR_STATE);
    assert_int_equal(smtpc_session_secure(&h->s), 0);
}

static void test_tls_done_out_of_place(void **state)
{
    (void)state;
    run_transcript(t_tls_done_states, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_opportunistic_offered),
        cmocka_unit_test(test_required_not_offered),
        cmocka_unit_test(test_required_refused),
        cmocka_unit_test(test_required_helo_fallback),
        cmocka_unit_test(test_opportunistic_not_offered),
        cmocka_unit_test(test_opportunistic_refused),
        cmocka_unit_test(test_opportunistic_keeps_cleartext_rule),
        cmocka_unit_test(test_none_ignores_offer),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_handshake_fails),
        cmocka_unit_test(test_implicit),
        cmocka_unit_test(test_implicit_cleartext_greeting),
        cmocka_unit_test(test_tls_done_out_of_place),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
