/*
 * PIPELINING transcripts (RFC 2920): with the server offering it, MAIL,
 * every RCPT and DATA leave in one write, and each reply is matched to its
 * command in order. Per-recipient results stay exact when some are
 * refused; the all-or-nothing policy sends DATA only once every RCPT reply
 * is in, so it never delivers to a subset; a refused MAIL or DATA and a 354
 * with nowhere to deliver end it without a message. Replayed at every read
 * and write size.
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define EHLO_PIPE "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
#define MAIL "MAIL FROM:<a@example.org>\r\n"
#define RCPTS "RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nRCPT TO:<d@example.net>\r\n"

static struct smtpc_rcpt rcpts[40];
static struct smtpc_txn txn;
static char addresses[40][24];

static void ready(struct harness *h)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, EHLO_PIPE);
    h_wants(h, SMTPC_READY);
}

/* A transaction to b, c and d (or `n` recipients r0..), begun. */
static void begin(struct harness *h, size_t n, unsigned flags)
{
    size_t i;

    memset(&txn, 0, sizeof txn);
    memset(rcpts, 0, sizeof rcpts);
    for (i = 0; i < n; i++) {
        if (n == 3) {
            addresses[i][0] = (char)('b' + i);
            strcpy(addresses[i] + 1, "@example.net");
        } else {
            strcpy(addresses[i], "r00@example.net");
            addresses[i][1] = (char)('0' + i / 10);
            addresses[i][2] = (char)('0' + i % 10);
        }
        rcpts[i].address = addresses[i];
    }
    txn.from = "a@example.org";
    txn.rcpt = rcpts;
    txn.rcpt_count = n;
    txn.flags = flags;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
}

static void body_and_end(struct harness *h)
{
    h_wants(h, SMTPC_WANT_BODY);
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 2.0.0 queued\r\n");
    h_wants(h, SMTPC_READY);
}

static void quit(struct harness *h)
{
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
}

/* A transaction to b, c and d: the group goes in one write, and
 * `replies` come back. */
static void group(struct harness *h, const char *replies)
{
    ready(h);
    begin(h, 3, 0);
    h_client(h, MAIL RCPTS "DATA\r\n");
    h_server(h, replies);
}

/* The transaction ended with the server still holding it: RSET. */
static void rset(struct harness *h)
{
    h_client(h, "RSET\r\n");
    h_server(h, "250 reset\r\n");
    h_wants(h, SMTPC_READY);
}

/* One write out, one write of replies back, one recipient refused. */
static void t_group(struct harness *h)
{
    ready(h);
    begin(h, 3, 0);
    h_client(h, MAIL RCPTS "DATA\r\n");
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go\r\n");
    assert_int_equal(rcpts[0].accepted, 1);
    assert_int_equal(rcpts[1].accepted, 0);
    assert_int_equal(rcpts[1].reply.code, 550);
    assert_int_equal(rcpts[2].accepted, 1);
    assert_int_equal(txn.rcpt_accepted, 2);
    assert_int_equal(txn.data_reply.code, 354);
    body_and_end(h);
    assert_int_equal(txn.result, 0);
    assert_int_equal(txn.end_reply.code, 250);
    /* the next transaction pipelines too */
    begin(h, 3, 0);
    h_client(h, MAIL RCPTS "DATA\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
    body_and_end(h);
    quit(h);
}

/* All or nothing: DATA waits for every RCPT reply (two round trips before
 * the body instead of one). One refused: RSET, nothing delivered. */
static void t_all_rcpts_one_refused(struct harness *h)
{
    ready(h);
    begin(h, 3, SMTPC_TXN_ALL_RCPTS);
    h_client(h, MAIL RCPTS);
    h_server(h, "250 ok\r\n250 ok\r\n450 4.2.1 later\r\n250 ok\r\n");
    rset(h);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(txn.rcpt_accepted, 2);
    quit(h);
}

static void t_all_rcpts_accepted(struct harness *h)
{
    ready(h);
    begin(h, 3, SMTPC_TXN_ALL_RCPTS);
    h_client(h, MAIL RCPTS);
    h_server(h, "250 ok\r\n250 ok\r\n250 ok\r\n");
    h_silent(h); /* not before the last RCPT reply */
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    body_and_end(h);
    assert_int_equal(txn.result, 0);
    quit(h);
}

/* MAIL refused: the replies to RCPT and DATA are still owed, and read;
 * the server holds no transaction, so no RSET. */
static void t_mail_refused(struct harness *h)
{
    group(h, "550 5.7.1 sender refused\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n"
                "503 5.5.1 no MAIL\r\n503 5.5.1 no valid recipients\r\n");
    h_wants(h, SMTPC_READY);
    h_silent(h);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_MAIL);
    assert_int_equal(txn.mail_reply.code, 550);
    assert_int_equal(txn.rcpt_accepted, 0);
    quit(h);
}

/* Every recipient refused: DATA is refused too, then RSET. */
static void t_no_rcpt_accepted(struct harness *h)
{
    group(h, "250 ok\r\n550 no\r\n550 no\r\n550 no\r\n554 5.5.1 no valid recipients\r\n");
    rset(h);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    quit(h);
}

/* DATA refused with recipients accepted: RSET, the DATA error. */
static void t_data_refused(struct harness *h)
{
    group(h, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n451 4.3.0 try later\r\n");
    rset(h);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_DATA);
    assert_int_equal(txn.rcpt_accepted, 3);
    quit(h);
}

/* A 354 when no recipient was accepted: no body, no end of data (an empty
 * message could go to nobody or, on a broken server, somebody): closing
 * is the only safe way out. */
static void t_354_with_nowhere_to_deliver(struct harness *h)
{
    group(h, "250 ok\r\n550 no\r\n550 no\r\n550 no\r\n354 go ahead anyway\r\n");
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_UNEXPECTED);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNEXPECTED);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

/* 421 in the middle of the group: the session ends there, at that RCPT. */
static void t_421_mid_group(struct harness *h)
{
    group(h, "250 ok\r\n250 ok\r\n421 4.3.2 shutting down\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(smtpc_session_step_id(&h->s), SMTPC_STEP_RCPT);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(rcpts[1].reply.code, 0); /* the 421 ends the session, not RCPT c */
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

/* The server closes in the middle of the group. */
static void t_close_mid_group(struct harness *h)
{
    group(h, "250 ok\r\n250 ok\r\n");
    smtpc_session_eof(&h->s);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_CLOSED);
    assert_int_equal(smtpc_session_step_id(&h->s), SMTPC_STEP_RCPT);
    assert_int_equal(txn.result, SMTPC_ERR_CLOSED);
}

/* A reply more than the group owes is unasked. */
static void t_one_reply_too_many(struct harness *h)
{
    group(h, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 stray\r\n");
    h_wants(h, SMTPC_FAILED);
    h_silent(h);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_UNASKED);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNASKED);
}

/* A failure with commands still in flight: their replies are still owed,
 * read and dropped, so QUIT's is the one after them, whether they come
 * before QUIT is said or after. */
static void t_failure_mid_group_then_quit(struct harness *h)
{
    group(h, "354 not a reply to MAIL\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_UNEXPECTED);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNEXPECTED);
    h_server(h, "503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n"); /* two RCPTs */
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_reply(&h->s)->code, 354); /* the failure's, still */
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "503 5.5.1 need MAIL\r\n503 5.5.1 no recipients\r\n"); /* RCPT d, DATA */
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "221 2.0.0 bye\r\n");
    h_wants(h, SMTPC_DONE);
    assert_int_equal(smtpc_session_reply(&h->s)->code, 221);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_REPLY_UNEXPECTED);
}

/* More recipients than commands in flight: MAIL and 31 RCPTs, then one
 * more RCPT for each reply, then DATA. */
static void t_window(struct harness *h)
{
    char expect[2048];
    size_t i;

    ready(h);
    begin(h, 33, 0);
    strcpy(expect, MAIL);
    for (i = 0; i < SMTPC_PIPELINE_WINDOW - 1; i++) {
        strcat(expect, "RCPT TO:<");
        strcat(expect, addresses[i]);
        strcat(expect, ">\r\n");
    }
    h_client(h, expect);
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<r31@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<r32@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    for (i = 2; i < 33; i++) /* r2 .. r32 */
        h_server(h, "250 ok\r\n");
    h_server(h, "354 go\r\n");
    assert_int_equal(txn.rcpt_accepted, 33);
    body_and_end(h);
    quit(h);
}

/* Commands too long to share the output buffer (its minimum, 320): each
 * goes once there is room, and the replies still match in order. */
static char long_from[80], long_b[250], long_c[250];

static void small_buffer(struct harness *h)
{
    h->out_cap = SMTPC_OUT_BUF_MIN;
}

static void t_small_output_buffer(struct harness *h)
{
    char mail[128], line_b[300], line_c[300];

    memset(long_from, 'a', sizeof long_from - 13);
    strcpy(long_from + sizeof long_from - 13, "@example.org");
    memset(long_b, 'b', sizeof long_b - 13);
    strcpy(long_b + sizeof long_b - 13, "@example.net");
    memset(long_c, 'c', sizeof long_c - 13);
    strcpy(long_c + sizeof long_c - 13, "@example.net");
    strcpy(mail, "MAIL FROM:<");
    strcat(mail, long_from);
    strcat(mail, ">\r\n");
    strcpy(line_b, "RCPT TO:<");
    strcat(line_b, long_b);
    strcat(line_b, ">\r\n");
    strcpy(line_c, "RCPT TO:<");
    strcat(line_c, long_c);
    strcat(line_c, ">\r\n");
    ready(h);
    memset(&txn, 0, sizeof txn);
    memset(rcpts, 0, sizeof rcpts);
    rcpts[0].address = long_b;
    rcpts[1].address = long_c;
    txn.from = long_from;
    txn.rcpt = rcpts;
    txn.rcpt_count = 2;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, mail); /* 82 + 261 octets: RCPT b waits */
    h_server(h, "250 ok\r\n");
    h_client(h, line_b); /* 261 + 261: RCPT c waits */
    h_server(h, "250 ok\r\n");
    strcat(line_c, "DATA\r\n"); /* 261 + 6 fit */
    h_client(h, line_c);
    h_server(h, "250 ok\r\n354 go\r\n");
    body_and_end(h);
    assert_int_equal(txn.rcpt_accepted, 2);
}

/* SMTPC_F_NO_PIPELINING: one command at a time even when offered. */
static void no_pipelining(struct harness *h)
{
    h->cfg.flags |= SMTPC_F_NO_PIPELINING;
}

static void t_not_pipelined(struct harness *h)
{
    ready(h);
    begin(h, 3, 0);
    h_client(h, MAIL);
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<c@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "RCPT TO:<d@example.net>\r\n");
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    body_and_end(h);
    quit(h);
}

#define TRANSCRIPT(name, setup)                                                                    \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        run_transcript(t_##name, setup);                                                           \
    }

TRANSCRIPT(group, NULL)
TRANSCRIPT(all_rcpts_one_refused, NULL)
TRANSCRIPT(all_rcpts_accepted, NULL)
TRANSCRIPT(mail_refused, NULL)
TRANSCRIPT(no_rcpt_accepted, NULL)
TRANSCRIPT(data_refused, NULL)
TRANSCRIPT(354_with_nowhere_to_deliver, NULL)
TRANSCRIPT(421_mid_group, NULL)
TRANSCRIPT(close_mid_group, NULL)
TRANSCRIPT(one_reply_too_many, NULL)
TRANSCRIPT(failure_mid_group_then_quit, NULL)
TRANSCRIPT(window, NULL)
TRANSCRIPT(small_output_buffer, small_buffer)
TRANSCRIPT(not_pipelined, no_pipelining)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group),
        cmocka_unit_test(test_all_rcpts_one_refused),
        cmocka_unit_test(test_all_rcpts_accepted),
        cmocka_unit_test(test_mail_refused),
        cmocka_unit_test(test_no_rcpt_accepted),
        cmocka_unit_test(test_data_refused),
        cmocka_unit_test(test_354_with_nowhere_to_deliver),
        cmocka_unit_test(test_421_mid_group),
        cmocka_unit_test(test_close_mid_group),
        cmocka_unit_test(test_one_reply_too_many),
        cmocka_unit_test(test_failure_mid_group_then_quit),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_small_output_buffer),
        cmocka_unit_test(test_not_pipelined),
    };

    return cmocka_run_group_tests_name("pipelining transcripts", tests, NULL, NULL);
}
