/*
 * Engine transcripts: every path of a session, byte for byte, replayed at
 * every split of the server's and the client's bytes.
 *
 *   S: lines are what the scripted server sends,
 *   C: lines what the engine must send in answer.
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
/* No PIPELINING here: these are the transcripts of one command at a time
 * (test_pipelining.c has the others). */
#define EHLO_OK                                                                                    \
    "250-mx.example\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
#define EHLO_AUTH "250-mx.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
#define EHLO_UTF8 "250-mx.example\r\n250 SMTPUTF8\r\n"

static struct smtpc_rcpt rcpts[3];
static struct smtpc_txn txn;

static void one_rcpt(const char *from, const char *to)
{
    memset(&txn, 0, sizeof txn);
    memset(rcpts, 0, sizeof rcpts);
    rcpts[0].address = to;
    txn.from = from;
    txn.rcpt = rcpts;
    txn.rcpt_count = 1;
}

static void three_rcpts(void)
{
    one_rcpt("a@example.org", "b@example.net");
    rcpts[1].address = "c@example.net";
    rcpts[2].address = "d@example.net";
    txn.rcpt_count = 3;
}

/* greeting and EHLO up to READY */
static void hello(struct harness *h, const char *ehlo_reply)
{
    h_wants(h, SMTPC_WANT_RECV);
    h_silent(h);
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
}

static void quit(struct harness *h)
{
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "221 2.0.0 bye\r\n");
    h_wants(h, SMTPC_DONE);
}

/* greeting, EHLO, MAIL, one RCPT, DATA: up to the point where `data_reply`
 * answers DATA */
static void up_to_data(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net");
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
}

/* ---- the plain path ---- */

static void t_success(struct harness *h)
{
    const struct smtpc_caps *caps;

    hello(h, EHLO_OK);
    h_wants(h, SMTPC_READY);
    caps = smtpc_session_caps(&h->s);
    assert_false(caps->flags & SMTPC_CAP_PIPELINING);
    assert_true(caps->flags & SMTPC_CAP_ENHANCEDSTATUSCODES);
    assert_true(caps->flags & SMTPC_CAP_8BITMIME);
    assert_int_equal(caps->size_max, 1000);
    one_rcpt("a@example.org", "b@example.net");
    txn.size = 20;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a@example.org> SIZE=20\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go ahead\r\n");
    h_wants(h, SMTPC_WANT_BODY);
    h_body(h, "Subject: x\n\nhello\n", 18);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "Subject: x\r\n\r\nhello\r\n.\r\n");
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "250 2.0.0 queued as 1\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.done, 1);
    assert_int_equal(txn.result, 0);
    assert_int_equal(txn.rcpt_accepted, 1);
    assert_int_equal(txn.end_reply.code, 250);
    assert_string_equal(txn.end_reply.enhanced, "2.0.0");
    assert_string_equal(txn.end_reply.text, "2.0.0 queued as 1");
    assert_int_equal(rcpts[0].reply.code, 250);
    assert_string_equal(rcpts[0].reply.enhanced, "2.1.5");
    quit(h);
    assert_int_equal(smtpc_session_error(&h->s), 0);
}

static void test_success(void **state)
{
    (void)state;
    run_transcript(t_success, NULL);
}

/* Two transactions over one connection, the second with the null sender. */
static void t_two_transactions(struct harness *h)
{
    int i;

    hello(h, EHLO_OK);
    for (i = 0; i < 2; i++) {
        one_rcpt(i == 0 ? "a@example.org" : "", "b@example.net");
        assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
        h_client(h, i == 0 ? "MAIL FROM:<a@example.org>\r\n" : "MAIL FROM:<>\r\n");
        h_server(h, "250 ok\r\n");
        h_client(h, "RCPT TO:<b@example.net>\r\n");
        h_server(h, "251 will forward\r\n");
        h_client(h, "DATA\r\n");
        h_server(h, "354 go\r\n");
        h_body(h, "x", 1);
        smtpc_session_body_end(&h->s);
        h_client(h, "x\r\n.\r\n");
        h_server(h, "250 ok\r\n");
        assert_int_equal(txn.result, 0);
    }
    quit(h);
}

static void test_two_transactions(void **state)
{
    (void)state;
    run_transcript(t_two_transactions, NULL);
}

static void t_noop_rset(struct harness *h)
{
    hello(h, EHLO_OK);
    assert_int_equal(smtpc_session_noop(&h->s), 0);
    assert_int_equal(smtpc_session_noop(&h->s), SMTPC_ERR_STATE);
    h_client(h, "NOOP\r\n");
    h_server(h, "250 ok\r\n");
    assert_int_equal(smtpc_session_rset(&h->s), 0);
    h_client(h, "RSET\r\n");
    h_server(h, "250 ok\r\n");
    quit(h);
}

static void test_noop_rset(void **state)
{
    (void)state;
    run_transcript(t_noop_rset, NULL);
}

/* ---- greeting and hello ---- */

static int ehlo_refusal;

static void t_helo_fallback(struct harness *h)
{
    char reply[64];

    h_server(h, GREETING);
    h_client(h, EHLO);
    memcpy(reply, "500 unrecognised\r\n", 19);
    reply[0] = (char)('0' + ehlo_refusal / 100);
    reply[1] = (char)('0' + ehlo_refusal / 10 % 10);
    reply[2] = (char)('0' + ehlo_refusal % 10);
    h_server(h, reply);
    h_client(h, "HELO client.example\r\n");
    h_server(h, "250 mx.example\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_caps(&h->s)->flags, 0);
    quit(h);
}

static void test_helo_fallback(void **state)
{
    static const int codes[] = {500, 502, 504, 550};
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        ehlo_refusal = codes[i];
        run_transcript(t_helo_fallback, NULL);
    }
}

static void t_ehlo_refused(struct harness *h)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, "554 5.7.1 go away\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_HELLO);
    assert_string_equal(smtpc_session_step(&h->s), "EHLO");
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_HELLO);
}

static void test_ehlo_refused(void **state)
{
    (void)state;
    run_transcript(t_ehlo_refused, NULL);
}

static void t_helo_refused(struct harness *h)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, "502 no\r\n");
    h_client(h, "HELO client.example\r\n");
    h_server(h, "501 bad name\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_HELLO);
    assert_string_equal(smtpc_session_step(&h->s), "HELO");
}

static void test_helo_refused(void **state)
{
    (void)state;
    run_transcript(t_helo_refused, NULL);
}

static void t_greeting_554(struct harness *h)
{
    h_server(h, "554 5.3.2 no service\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_GREETING);
    assert_int_equal(smtpc_session_reply(&h->s)->code, 554);
    assert_string_equal(smtpc_session_reply(&h->s)->enhanced, "5.3.2");
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
}

static void test_greeting_554(void **state)
{
    (void)state;
    run_transcript(t_greeting_554, NULL);
}

/* 421 anywhere: the server is closing; no QUIT is sent. */
static void t_greeting_421(struct harness *h)
{
    h_server(h, "421 4.3.2 busy\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_GREETING);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
    h_silent(h);
}

static void test_greeting_421(void **state)
{
    (void)state;
    run_transcript(t_greeting_421, NULL);
}

static void t_rcpt_421(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net");
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "421 4.4.2 timeout\r\n");
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(txn.done, 1);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

static void test_rcpt_421(void **state)
{
    (void)state;
    run_transcript(t_rcpt_421, NULL);
}

/* ---- transaction refusals ---- */

static void t_mail_refused(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net");
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "550 5.7.1 sender rejected\r\n");
    h_silent(h); /* no transaction is open: no RSET */
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_MAIL);
    assert_int_equal(txn.mail_reply.code, 550);
    assert_string_equal(txn.mail_reply.text, "5.7.1 sender rejected");
    quit(h);
}

static void test_mail_refused(void **state)
{
    (void)state;
    run_transcript(t_mail_refused, NULL);
}

static void t_partial_rcpt(struct harness *h)
{
    hello(h, EHLO_OK);
    three_rcpts();
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<c@example.net>\r\n");
    h_server(h, "550 5.1.1 no such user\r\n");
    h_client(h, "RCPT TO:<d@example.net>\r\n");
    /* a reply to a command never sent answers nothing: no DATA, no QUIT */
    h_server(h, "450 4.2.1 try later\r\n250 stray\r\n");
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_UNASKED);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNASKED);
    assert_int_equal(rcpts[2].reply.code, 450);
    assert_int_equal(smtpc_session_reply(&h->s)->code, 250); /* the one that came unasked */
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

static void test_partial_rcpt_stray(void **state)
{
    (void)state;
    run_transcript(t_partial_rcpt, NULL);
}

static void t_partial_rcpt_sent(struct harness *h)
{
    hello(h, EHLO_OK);
    three_rcpts();
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<c@example.net>\r\n");
    h_server(h, "550 5.1.1 no such user\r\n");
    h_client(h, "RCPT TO:<d@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    h_body(h, "hi\r\n", 4);
    smtpc_session_body_end(&h->s);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 ok\r\n");
    assert_int_equal(txn.result, 0);
    assert_int_equal(txn.rcpt_accepted, 2);
    assert_int_equal(rcpts[0].accepted, 1);
    assert_int_equal(rcpts[1].accepted, 0);
    assert_int_equal(rcpts[1].reply.code, 550);
    assert_string_equal(rcpts[1].reply.enhanced, "5.1.1");
    assert_int_equal(rcpts[2].accepted, 1);
    quit(h);
}

static void test_partial_rcpt(void **state)
{
    (void)state;
    run_transcript(t_partial_rcpt_sent, NULL);
}

static void t_all_rcpts_policy(struct harness *h)
{
    hello(h, EHLO_OK);
    three_rcpts();
    txn.flags = SMTPC_TXN_ALL_RCPTS;
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<c@example.net>\r\n");
    h_server(h, "550 no\r\n");
    h_client(h, "RCPT TO:<d@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RSET\r\n");
    assert_int_equal(txn.done, 0);
    h_server(h, "250 flushed\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.done, 1);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    quit(h);
}

static void test_all_rcpts_policy(void **state)
{
    (void)state;
    run_transcript(t_all_rcpts_policy, NULL);
}

static void t_no_rcpt_accepted(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net");
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "550 5.1.1 unknown\r\n");
    h_client(h, "RSET\r\n");
    h_server(h, "250 ok\r\n");
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    quit(h);
}

static void test_no_rcpt_accepted(void **state)
{
    (void)state;
    run_transcript(t_no_rcpt_accepted, NULL);
}

static void t_data_refused(struct harness *h)
{
    up_to_data(h);
    h_server(h, "554 5.5.1 no valid recipients\r\n");
    h_client(h, "RSET\r\n");
    h_server(h, "250 ok\r\n");
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_DATA);
    assert_int_equal(txn.data_reply.code, 554);
    quit(h);
}

static void test_data_refused(void **state)
{
    (void)state;
    run_transcript(t_data_refused, NULL);
}

static void t_message_refused(struct harness *h)
{
    up_to_data(h);
    h_server(h, "354 go\r\n");
    h_body(h, "spam", 4);
    smtpc_session_body_end(&h->s);
    h_client(h, "spam\r\n.\r\n");
    h_server(h, "552-5.3.4 message too big\r\n552 5.3.4 really\r\n");
    h_silent(h);
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_MESSAGE);
    assert_int_equal(txn.end_reply.code, 552);
    assert_string_equal(txn.end_reply.text, "5.3.4 message too big\n5.3.4 really");
    assert_int_equal(txn.end_reply.lines, 2);
    quit(h);
}

static void test_message_refused(void **state)
{
    (void)state;
    run_transcript(t_message_refused, NULL);
}

/* ---- arguments and extensions ---- */

static void t_bad_arguments(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net\r\nRCPT TO:<evil@example.net>");
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_ARG_CTL);
    one_rcpt("a@example.org>\r\nRSET", "b@example.net");
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_ARG_CTL);
    one_rcpt("a@example.org> SIZE=1", "b@example.net");
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_ARG_ADDRESS);
    one_rcpt("a@example.org", "");
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_ARG_ADDRESS);
    one_rcpt("a@example.org", "b@example.net");
    txn.rcpt_count = 0;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_NO_RECIPIENT);
    one_rcpt("a@example.org", "b@example.net");
    txn.size = 1001; /* over SIZE 1000 */
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_MESSAGE_TOO_BIG);
    one_rcpt("a@example.org", "jos\xc3\xa9@example.net");
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_SMTPUTF8);
    h_silent(h);
    h_wants(h, SMTPC_READY);
    quit(h);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    run_transcript(t_bad_arguments, NULL);
}

static void t_mail_parameters(struct harness *h)
{
    hello(h, EHLO_UTF8);
    one_rcpt("a@example.org", "jos\xc3\xa9@example.net");
    txn.size = 99;              /* no SIZE offered: no SIZE= */
    txn.flags = SMTPC_TXN_8BIT; /* no 8BITMIME offered: no BODY= */
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a@example.org> SMTPUTF8\r\n");
}

static void test_mail_parameters(void **state)
{
    (void)state;
    run_transcript(t_mail_parameters, NULL);
}

static void t_8bitmime(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net");
    txn.size = 1000;
    txn.flags = SMTPC_TXN_8BIT;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME\r\n");
}

static void test_8bitmime(void **state)
{
    (void)state;
    run_transcript(t_8bitmime, NULL);
}

/* ---- the body can never end DATA early ---- */

static const char *body_in;
static const char *body_wire;

static void t_smuggling(struct harness *h)
{
    up_to_data(h);
    h_server(h, "354 go\r\n");
    h_body(h, body_in, strlen(body_in));
    smtpc_session_body_end(&h->s);
    h_client(h, body_wire);
    h_server(h, "250 ok\r\n");
    assert_int_equal(txn.result, 0);
}

static void test_smuggling(void **state)
{
    static const char *const cases[][2] = {
        {"a\n.\nMAIL FROM:<x@y>\n", "a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n"},
        {"a\r.\rRSET\r", "a\r\n..\r\nRSET\r\n.\r\n"},
        {"a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n"},
        {"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
        {".leading", "..leading\r\n.\r\n"},
        {"ends with\r\n.", "ends with\r\n..\r\n.\r\n"},
        {"ends with\r\n", "ends with\r\n.\r\n"},
        {"", ".\r\n"},
        {"\r\n", "\r\n.\r\n"},
        {"x\r\r\n.\n\n", "x\r\n\r\n..\r\n\r\n.\r\n"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        body_in = cases[i][0];
        body_wire = cases[i][1];
        run_transcript(t_smuggling, NULL);
    }
}

/* A body larger than the output buffer goes through in pieces. */
static void small_out(struct harness *h)
{
    h->out_cap = SMTPC_OUT_BUF_MIN;
}

static void t_big_body(struct harness *h)
{
    static char body[5000], wire[6000];
    size_t i, w = 0;

    for (i = 0; i < sizeof body - 1; i++)
        body[i] = (i % 50 == 49) ? '\n' : (char)('a' + i % 26);
    body[i] = '\0';
    for (i = 0; body[i] != '\0'; i++) {
        if (body[i] == '\n')
            wire[w++] = '\r';
        wire[w++] = body[i];
    }
    memcpy(wire + w, "\r\n.\r\n", 6);
    up_to_data(h);
    h_server(h, "354 go\r\n");
    h_body(h, body, strlen(body));
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_DATA_BLOCK);
    h_client(h, wire);
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_DATA_END);
    h_server(h, "250 ok\r\n");
    assert_int_equal(txn.result, 0);
}

static void test_big_body(void **state)
{
    (void)state;
    run_transcript(t_big_body, small_out);
}

static void t_long_line(struct harness *h)
{
    static char line[1000];

    memset(line, 'x', 999);
    up_to_data(h);
    h_server(h, "354 go\r\n");
    assert_int_equal(smtpc_session_body_write(&h->s, (const uint8_t *)line, 999),
                     SMTPC_ERR_BODY_LINE);
    /* never an end of data after a half-sent body: only closing is safe */
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(txn.result, SMTPC_ERR_BODY_LINE);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

static void test_long_line(void **state)
{
    (void)state;
    run_transcript(t_long_line, NULL);
}

/* ---- protocol violations and disconnects ---- */

static const char *bad_reply;
static int bad_error;

/* A malformed reply fails the session, but the server is still there: a
 * QUIT may follow, and its reply is parsed afresh, whatever was left of
 * the bad one dropped. The first error stays the session's. */
static void t_bad_greeting(struct harness *h)
{
    h_server(h, bad_reply);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), bad_error);
    h_silent(h);
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
    assert_int_equal(smtpc_session_error(&h->s), bad_error);
}

static void test_malformed_replies(void **state)
{
    static char long_line[SMTPC_REPLY_LINE_MAX + 10];
    size_t i;
    struct {
        const char *reply;
        int error;
    } cases[] = {
        {"2200 hello\r\n", SMTPC_ERR_REPLY_SYNTAX},
        {"22 hello\r\n", SMTPC_ERR_REPLY_SYNTAX},
        {"hello\r\n", SMTPC_ERR_REPLY_SYNTAX},
        {"220-a\r\n250 b\r\n", SMTPC_ERR_REPLY_MIXED},
        {"220 a\rb\r\n", SMTPC_ERR_REPLY_SYNTAX},
        {"\xff\xfe\r\n", SMTPC_ERR_REPLY_SYNTAX},
        {"250 not a greeting\r\n", SMTPC_ERR_REPLY_UNEXPECTED},
        {"354 not a greeting\r\n", SMTPC_ERR_REPLY_UNEXPECTED},
        {NULL, SMTPC_ERR_REPLY_TOO_LONG},
    };

    (void)state;
    memcpy(long_line, "220 ", 4);
    memset(long_line + 4, 'x', SMTPC_REPLY_LINE_MAX);
    memcpy(long_line + 4 + SMTPC_REPLY_LINE_MAX, "\r\n", 3);
    cases[8].reply = long_line;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad_reply = cases[i].reply;
        bad_error = cases[i].error;
        run_transcript(t_bad_greeting, NULL);
    }
}

static void t_too_many_lines(struct harness *h)
{
    int i;

    h_server(h, GREETING);
    h_client(h, EHLO);
    for (i = 0; i < 4; i++)
        h_server(h, "250-X\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_LINES);
}

static void three_lines(struct harness *h)
{
    h->cfg.max_reply_lines = 3;
}

static void test_too_many_lines(void **state)
{
    (void)state;
    run_transcript(t_too_many_lines, three_lines);
}

static void t_data_250(struct harness *h)
{
    up_to_data(h);
    h_server(h, "250 ok\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNEXPECTED);
}

static void test_data_250(void **state)
{
    (void)state;
    run_transcript(t_data_250, NULL);
}

static void drain_all(struct harness *h)
{
    size_t len;

    while (smtpc_session_out_buf(&h->s, &len), len > 0)
        smtpc_session_out_ack(&h->s, len);
}

static void test_disconnect_each_step(void **state)
{
    static const char *const server[] = {GREETING,     EHLO_OK,      "250 ok\r\n", "250 ok\r\n",
                                         "354 go\r\n", "250 ok\r\n", "221 bye\r\n"};
    static struct harness h;
    int drop, step;

    (void)state;
    for (drop = 0; drop <= 6; drop++) {
        memset(&h, 0, sizeof h);
        h.chunk = (size_t)-1;
        h_config(&h);
        h_start(&h);
        one_rcpt("a@example.org", "b@example.net");
        for (step = 0; step < drop; step++) {
            h_server(&h, server[step]);
            drain_all(&h);
            if (step == 1)
                assert_int_equal(smtpc_session_txn_begin(&h.s, &txn), 0);
            if (step == 4) {
                smtpc_session_body_write(&h.s, (const uint8_t *)"x", 1);
                smtpc_session_body_end(&h.s);
            }
            if (step == 5)
                assert_int_equal(smtpc_session_quit(&h.s), 0);
            drain_all(&h);
        }
        smtpc_session_eof(&h.s);
        if (drop == 6) {
            /* the connection closing after QUIT is the normal end */
            assert_int_equal(smtpc_session_wants(&h.s), SMTPC_DONE);
            assert_int_equal(txn.result, 0);
            continue;
        }
        assert_int_equal(smtpc_session_wants(&h.s), SMTPC_FAILED);
        assert_int_equal(smtpc_session_error(&h.s), SMTPC_ERR_CLOSED);
        assert_int_equal(smtpc_session_quit(&h.s), SMTPC_ERR_STATE);
        if (drop >= 2) {
            assert_int_equal(txn.done, 1);
            assert_int_equal(txn.result, SMTPC_ERR_CLOSED);
        }
    }
}

/* ---- timeout classes ---- */

static void t_timeouts(struct harness *h)
{
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_GREETING);
    assert_int_equal(smtpc_session_timeout_s(&h->s), 300);
    h_server(h, GREETING);
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_COMMAND);
    h_client(h, EHLO);
    h_server(h, EHLO_OK);
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_NONE);
    one_rcpt("a@example.org", "b@example.net");
    smtpc_session_txn_begin(&h->s, &txn);
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_MAIL);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    h_server(h, "250 ok\r\n");
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_RCPT);
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_DATA_INIT);
    assert_int_equal(smtpc_session_timeout_s(&h->s), 120);
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_DATA_BLOCK);
    assert_int_equal(smtpc_session_timeout_s(&h->s), 180);
    smtpc_session_body_end(&h->s);
    h_client(h, ".\r\n");
    assert_int_equal(smtpc_session_timeout_class(&h->s), SMTPC_TIMEOUT_DATA_END);
    assert_int_equal(smtpc_session_timeout_s(&h->s), 7); /* configured below */
}

static void data_end_7(struct harness *h)
{
    h->cfg.timeout_s[SMTPC_TIMEOUT_DATA_END] = 7;
}

static void test_timeouts(void **state)
{
    (void)state;
    run_transcript(t_timeouts, data_end_7);
}

static void t_abort(struct harness *h)
{
    hello(h, EHLO_OK);
    one_rcpt("a@example.org", "b@example.net");
    smtpc_session_txn_begin(&h->s, &txn);
    h_client(h, "MAIL FROM:<a@example.org>\r\n");
    smtpc_session_abort(&h->s, SMTPC_ERR_TIMEOUT);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(txn.result, SMTPC_ERR_TIMEOUT);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_TIMEOUT);
    assert_string_equal(smtpc_session_step(&h->s), "MAIL FROM");
}

static void test_abort(void **state)
{
    (void)state;
    run_transcript(t_abort, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success),
        cmocka_unit_test(test_two_transactions),
        cmocka_unit_test(test_noop_rset),
        cmocka_unit_test(test_helo_fallback),
        cmocka_unit_test(test_ehlo_refused),
        cmocka_unit_test(test_helo_refused),
        cmocka_unit_test(test_greeting_554),
        cmocka_unit_test(test_greeting_421),
        cmocka_unit_test(test_rcpt_421),
        cmocka_unit_test(test_mail_refused),
        cmocka_unit_test(test_partial_rcpt_stray),
        cmocka_unit_test(test_partial_rcpt),
        cmocka_unit_test(test_all_rcpts_policy),
        cmocka_unit_test(test_no_rcpt_accepted),
        cmocka_unit_test(test_data_refused),
        cmocka_unit_test(test_message_refused),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_mail_parameters),
        cmocka_unit_test(test_8bitmime),
        cmocka_unit_test(test_smuggling),
        cmocka_unit_test(test_big_body),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_malformed_replies),
        cmocka_unit_test(test_too_many_lines),
        cmocka_unit_test(test_data_250),
        cmocka_unit_test(test_disconnect_each_step),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_abort),
    };

    return cmocka_run_group_tests_name("session transcripts", tests, NULL, NULL);
}
