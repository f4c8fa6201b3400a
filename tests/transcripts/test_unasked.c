/*
 * Unasked replies: every reply answers the command it is owed to, and a
 * reply that arrives when none is owed (in the same read as the reply
 * before it, after a refusal, after the answer to STARTTLS, during the
 * body) fails the session with SMTPC_ERR_REPLY_UNASKED. Nothing more is
 * sent, not even QUIT; the unasked reply is what smtpc_session_reply shows.
 * Each stream is replayed at every read size (the harness feeds a server
 * write in reads with no client write between them, as a client that reads
 * what has arrived before answering does).
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define EHLO_OK "250-mx.example\r\n250 8BITMIME\r\n"

static struct smtpc_rcpt rcpt;
static struct smtpc_txn txn;

static void ready(struct harness *h, const char *ehlo_reply)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
    h_wants(h, SMTPC_READY);
}

static void begin(struct harness *h)
{
    memset(&txn, 0, sizeof txn);
    memset(&rcpt, 0, sizeof rcpt);
    rcpt.address = "b@example.net";
    txn.from = "a@example.org";
    txn.rcpt = &rcpt;
    txn.rcpt_count = 1;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
}

/* The session failed on an unasked reply with this code: nothing is queued
 * and no QUIT is allowed. */
static void failed_unasked(struct harness *h, int code)
{
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_UNASKED);
    assert_int_equal(smtpc_session_reply(&h->s)->code, code);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
    h_silent(h);
}

/* A second reply in the same write as MAIL's: no RCPT goes, and the
 * transaction ends with the error. */
static void t_after_mail(struct harness *h)
{
    ready(h, EHLO_OK);
    begin(h);
    h_server(h, "250 2.1.0 ok\r\n250 2.1.5 stray\r\n");
    failed_unasked(h, 250);
    assert_int_equal(txn.done, 1);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNASKED);
    assert_int_equal(txn.mail_reply.code, 250);
    assert_int_equal(rcpt.reply.code, 0);
}

/* The greeting and an EHLO reply before EHLO was sent. */
static void t_before_ehlo(struct harness *h)
{
    h_server(h, GREETING "250 mx.example\r\n");
    failed_unasked(h, 250);
}

/* A refusal, then a stray: QUIT would take the stray as its answer. */
static void t_after_refusal(struct harness *h)
{
    h_server(h, "554 5.7.1 go away\r\n250 stray\r\n");
    failed_unasked(h, 250);
}

/* The same once the refusal was answered by QUIT's queueing: the stray
 * comes in a later read, still before QUIT was written. */
static void t_between_refusal_and_quit(struct harness *h)
{
    h_server(h, "554 5.7.1 go away\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_GREETING);
    assert_int_equal(smtpc_session_quit(&h->s), 0); /* queued, not written */
    h_server(h, "221 bye\r\n");
    failed_unasked(h, 221);
}

/* MAIL, RCPT, DATA answered, and a body line given. */
static void up_to_body(struct harness *h)
{
    ready(h, EHLO_OK);
    begin(h);
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go ahead\r\n");
    h_body(h, "hello\r\n", 7);
    h_client(h, "hello"); /* the line break waits for the end of data */
}

/* A reply while the body is being written: no end of data follows. */
static void t_during_body(struct harness *h)
{
    up_to_body(h);
    h_server(h, "554 5.3.4 stop\r\n");
    failed_unasked(h, 554);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNASKED);
    assert_int_equal(smtpc_session_body_end(&h->s), SMTPC_ERR_STATE);
    h_silent(h);
}

/* The answer to the end of data, then more: the message was accepted (the
 * 250 came after the end of data was written), the session is over. */
static void t_after_end_of_data(struct harness *h)
{
    up_to_body(h);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "\r\n.\r\n");
    h_server(h, "250 2.0.0 queued\r\n250 2.0.0 queued again\r\n");
    assert_int_equal(txn.result, 0);
    assert_int_equal(txn.end_reply.code, 250);
    failed_unasked(h, 250);
}

/* An unasked reply split over reads is still shown whole. */
static void t_shown_whole(struct harness *h)
{
    ready(h, EHLO_OK);
    begin(h);
    h_server(h, "250 ok\r\n550-5.1.1 first\r\n");
    h_server(h, "550 5.1.1 second\r\n");
    failed_unasked(h, 550);
    assert_int_equal(smtpc_session_reply(&h->s)->lines, 2);
}

/* A reply split over reads with the client's write between them is its
 * answer, whatever the split: only replies that come before their command
 * was written are unasked. */
static void t_owed_across_reads(struct harness *h)
{
    ready(h, EHLO_OK);
    begin(h);
    h_server(h, "25");
    h_silent(h);
    h_server(h, "0 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_wants(h, SMTPC_WANT_RECV);
}

/* STARTTLS refused under the opportunistic policy, with the replies to the
 * AUTH, MAIL, RCPT, DATA and end of data that would follow in the same
 * write: nothing follows, no message can be reported sent. */
static void opportunistic_creds(struct harness *h)
{
    h->cfg.tls = SMTPC_TLS_OPPORTUNISTIC;
    h->cfg.username = "alice";
    h->cfg.password = "s3cret";
    h->cfg.flags = SMTPC_F_ALLOW_CLEARTEXT_AUTH;
}

static void t_starttls_refused_then_replies(struct harness *h)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, "250-mx.example\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
    h_client(h, "STARTTLS\r\n");
    h_server(h, "454 4.7.0 TLS not available\r\n235 2.7.0 ok\r\n250 ok\r\n250 ok\r\n"
                "354 go\r\n250 queued\r\n");
    failed_unasked(h, 235);
    assert_int_equal(smtpc_session_authenticated(&h->s), 0);
}

#define TRANSCRIPT(name, setup)                                                                    \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        run_transcript(t_##name, setup);                                                           \
    }

TRANSCRIPT(after_mail, NULL)
TRANSCRIPT(before_ehlo, NULL)
TRANSCRIPT(after_refusal, NULL)
TRANSCRIPT(between_refusal_and_quit, NULL)
TRANSCRIPT(during_body, NULL)
TRANSCRIPT(after_end_of_data, NULL)
TRANSCRIPT(shown_whole, NULL)
TRANSCRIPT(owed_across_reads, NULL)
TRANSCRIPT(starttls_refused_then_replies, opportunistic_creds)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_mail),
        cmocka_unit_test(test_before_ehlo),
        cmocka_unit_test(test_after_refusal),
        cmocka_unit_test(test_between_refusal_and_quit),
        cmocka_unit_test(test_during_body),
        cmocka_unit_test(test_after_end_of_data),
        cmocka_unit_test(test_shown_whole),
        cmocka_unit_test(test_owed_across_reads),
        cmocka_unit_test(test_starttls_refused_then_replies),
    };

    return cmocka_run_group_tests_name("unasked replies", tests, NULL, NULL);
}
