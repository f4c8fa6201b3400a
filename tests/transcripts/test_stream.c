/*
 * A stream of messages over one connection (SMTPC_WANT_NEXT): with
 * PIPELINING, a transaction begins once all of the one before is queued,
 * ahead of that one's replies, so that its commands share a write with the
 * body's end: with DATA a message per round trip, with CHUNKING every
 * message of the stream in one write. Each transaction still gets exactly
 * its own replies; a refusal or a failure in the middle ends the ones it
 * touches and no other. Replayed at every read and write size.
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define EHLO_PIPE "250-mx.example\r\n250 PIPELINING\r\n"
#define EHLO_CHUNKING "250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n"
#define EHLO_PLAIN "250-mx.example\r\n250 8BITMIME\r\n"
#define MAIL "MAIL FROM:<a@example.org>\r\n"
#define RCPT "RCPT TO:<b@example.net>\r\n"
#define BDAT_HI "BDAT 4 LAST\r\nhi\r\n"
#define COUNT (SMTPC_TXN_QUEUE + 1)

static struct smtpc_rcpt rcpts[COUNT];
static struct smtpc_txn txns[COUNT];

static void hello(struct harness *h, const char *ehlo_reply)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
    h_wants(h, SMTPC_READY);
}

/* Transaction k to b; `flags` as for smtpc_txn (the size is "hi\r\n"'s). */
static int begin(struct harness *h, size_t k, unsigned flags)
{
    memset(&txns[k], 0, sizeof txns[k]);
    memset(&rcpts[k], 0, sizeof rcpts[k]);
    rcpts[k].address = "b@example.net";
    txns[k].from = "a@example.org";
    txns[k].rcpt = &rcpts[k];
    txns[k].rcpt_count = 1;
    txns[k].flags = flags;
    txns[k].size = 4;
    return smtpc_session_txn_begin(&h->s, &txns[k]);
}

static void body_hi(struct harness *h)
{
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
}

static void quit(struct harness *h)
{
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
}

/* DATA: the end of message 1 and message 2's MAIL, RCPT and DATA in one
 * write; 1's verdict and 2's replies in one read. */
static void t_data_stream(struct harness *h)
{
    hello(h, EHLO_PIPE);
    assert_int_equal(begin(h, 0, 0), 0);
    h_client(h, MAIL RCPT "DATA\r\n");
    h_wants(h, SMTPC_WANT_RECV); /* not before the body is queued */
    assert_int_equal(begin(h, 1, 0), SMTPC_ERR_STATE);
    h_server(h, "250 ok\r\n250 ok\r\n354 go\r\n");
    body_hi(h);
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV | SMTPC_WANT_NEXT);
    assert_int_equal(begin(h, 1, 0), 0);
    h_client(h, "hi\r\n.\r\n" MAIL RCPT "DATA\r\n");
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "250 2.0.0 queued as 1\r\n250 ok\r\n250 ok\r\n354 go\r\n");
    assert_int_equal(txns[0].done, 1);
    assert_int_equal(txns[0].result, 0);
    assert_string_equal(txns[0].end_reply.text, "2.0.0 queued as 1");
    assert_int_equal(txns[1].done, 0);
    assert_int_equal(txns[1].data_reply.code, 354);
    h_wants(h, SMTPC_WANT_BODY);
    body_hi(h);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 2.0.0 queued as 2\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txns[1].result, 0);
    assert_string_equal(txns[1].end_reply.text, "2.0.0 queued as 2");
    quit(h);
}

/* The first message refused at its end: the second is not touched. */
static void t_data_stream_first_refused(struct harness *h)
{
    hello(h, EHLO_PIPE);
    assert_int_equal(begin(h, 0, 0), 0);
    h_client(h, MAIL RCPT "DATA\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n354 go\r\n");
    body_hi(h);
    assert_int_equal(begin(h, 1, 0), 0);
    h_client(h, "hi\r\n.\r\n" MAIL RCPT "DATA\r\n");
    h_server(h, "554 5.7.1 spam\r\n250 ok\r\n");
    assert_int_equal(txns[0].result, SMTPC_ERR_REFUSED_MESSAGE);
    assert_int_equal(txns[0].done, 1);
    h_server(h, "250 ok\r\n354 go\r\n");
    body_hi(h);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 queued\r\n");
    assert_int_equal(txns[1].result, 0);
    quit(h);
}

/* All or nothing: the next one's DATA still waits for its RCPT reply. */
static void t_data_stream_all_rcpts(struct harness *h)
{
    hello(h, EHLO_PIPE);
    assert_int_equal(begin(h, 0, SMTPC_TXN_ALL_RCPTS), 0);
    h_client(h, MAIL RCPT);
    h_server(h, "250 ok\r\n250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    body_hi(h);
    assert_int_equal(begin(h, 1, SMTPC_TXN_ALL_RCPTS), 0);
    h_client(h, "hi\r\n.\r\n" MAIL RCPT);
    h_server(h, "250 queued\r\n250 ok\r\n");
    h_silent(h);
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    body_hi(h);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 queued\r\n");
    assert_int_equal(txns[0].result, 0);
    assert_int_equal(txns[1].result, 0);
    quit(h);
}

/* CHUNKING: every message of the stream in one write, each after the
 * first led by an RSET; at most SMTPC_TXN_QUEUE of them in flight. */
static void t_bdat_stream(struct harness *h)
{
    static char wire[4096], replies[2048];
    size_t k;

    hello(h, EHLO_CHUNKING);
    strcpy(wire, "");
    strcpy(replies, "");
    for (k = 0; k < SMTPC_TXN_QUEUE; k++) {
        assert_int_equal(begin(h, k, SMTPC_TXN_SIZE_EXACT), 0);
        body_hi(h);
        strcat(wire, k == 0 ? MAIL RCPT BDAT_HI : "RSET\r\n" MAIL RCPT BDAT_HI);
        strcat(replies, k == 0 ? "250 ok\r\n250 ok\r\n250 queued\r\n"
                               : "250 reset\r\n250 ok\r\n250 ok\r\n250 queued\r\n");
    }
    h_wants(h, SMTPC_WANT_RECV); /* the queue is full (h_body sent what was queued) */
    assert_int_equal(begin(h, k, SMTPC_TXN_SIZE_EXACT), SMTPC_ERR_STATE);
    assert_int_equal(smtpc_session_txns(&h->s), SMTPC_TXN_QUEUE);
    h_client(h, wire);
    h_server(h, "250 ok\r\n250 ok\r\n250 queued\r\n");
    assert_int_equal(txns[0].result, 0);
    assert_int_equal(txns[0].done, 1);
    assert_int_equal(txns[1].done, 0);
    h_wants(h, SMTPC_WANT_RECV | SMTPC_WANT_NEXT); /* a place is free again */
    h_server(h, replies + strlen("250 ok\r\n250 ok\r\n250 queued\r\n"));
    h_wants(h, SMTPC_READY);
    assert_int_equal(smtpc_session_txns(&h->s), 0);
    for (k = 0; k < SMTPC_TXN_QUEUE; k++) {
        assert_int_equal(txns[k].done, 1);
        assert_int_equal(txns[k].result, 0);
    }
    quit(h);
}

/* Two messages of declared size begun, the second ahead of the first's
 * replies. */
static void two_chunked(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    assert_int_equal(begin(h, 0, SMTPC_TXN_SIZE_EXACT), 0);
    body_hi(h);
    assert_int_equal(begin(h, 1, SMTPC_TXN_SIZE_EXACT), 0);
    body_hi(h);
}

/* The first has nobody to deliver to: it sends no RSET of its own (the
 * second's, already sent, clears it), and the second is delivered. */
static void t_bdat_stream_first_refused(struct harness *h)
{
    two_chunked(h);
    h_client(h, MAIL RCPT BDAT_HI "RSET\r\n" MAIL RCPT BDAT_HI);
    h_server(h, "250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n");
    assert_int_equal(txns[0].done, 1);
    assert_int_equal(txns[0].result, SMTPC_ERR_REFUSED_RCPT);
    h_silent(h);
    h_server(h, "250 reset\r\n250 ok\r\n250 ok\r\n250 queued\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txns[1].result, 0);
    quit(h);
}

/* The server closes in the middle: every transaction begun ends with the
 * error, and only closing is left. */
static void t_stream_421(struct harness *h)
{
    two_chunked(h);
    assert_int_equal(begin(h, 2, SMTPC_TXN_SIZE_EXACT), 0);
    h_client(h,
             MAIL RCPT BDAT_HI "RSET\r\n" MAIL RCPT BDAT_HI "RSET\r\n" MAIL RCPT "BDAT 4 LAST\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n250 queued\r\n250 reset\r\n421 4.3.2 going down\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(txns[0].result, 0);
    assert_int_equal(txns[1].result, SMTPC_ERR_REFUSED_MAIL);
    assert_int_equal(txns[1].done, 1);
    assert_int_equal(txns[2].result, SMTPC_ERR_REFUSED_MAIL);
    assert_int_equal(txns[2].done, 1);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

/* Without PIPELINING there is no stream: READY after each verdict. */
static void t_no_stream_without_pipelining(struct harness *h)
{
    hello(h, EHLO_PLAIN);
    assert_int_equal(begin(h, 0, 0), 0);
    h_client(h, MAIL);
    h_server(h, "250 ok\r\n");
    h_client(h, RCPT);
    h_server(h, "250 ok\r\n");
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    body_hi(h);
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV);
    assert_int_equal(begin(h, 1, 0), SMTPC_ERR_STATE);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 queued\r\n");
    h_wants(h, SMTPC_READY);
    quit(h);
}

/* QUIT with the end of the last message: a round trip less, the verdict
 * still read before QUIT's reply, and no transaction after it. */
static void t_quit_ahead(struct harness *h)
{
    hello(h, EHLO_PIPE);
    assert_int_equal(begin(h, 0, 0), 0);
    h_client(h, MAIL RCPT "DATA\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n354 go\r\n");
    body_hi(h);
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV); /* no NEXT after QUIT */
    assert_int_equal(begin(h, 1, 0), SMTPC_ERR_STATE);
    h_client(h, "hi\r\n.\r\nQUIT\r\n");
    h_server(h, "250 2.0.0 queued\r\n");
    assert_int_equal(txns[0].done, 1);
    assert_int_equal(txns[0].result, 0);
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
}

/* The last message refused with QUIT already sent: QUIT clears it, so no
 * RSET goes after it. */
static void t_quit_ahead_refused(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    assert_int_equal(begin(h, 0, SMTPC_TXN_SIZE_EXACT), 0);
    body_hi(h);
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, MAIL RCPT BDAT_HI "QUIT\r\n");
    h_server(h, "250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n");
    h_silent(h);
    assert_int_equal(txns[0].done, 1);
    assert_int_equal(txns[0].result, SMTPC_ERR_REFUSED_RCPT);
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
}

#define TRANSCRIPT(name)                                                                           \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        run_transcript(t_##name, NULL);                                                            \
    }

TRANSCRIPT(data_stream)
TRANSCRIPT(data_stream_first_refused)
TRANSCRIPT(data_stream_all_rcpts)
TRANSCRIPT(bdat_stream)
TRANSCRIPT(bdat_stream_first_refused)
TRANSCRIPT(stream_421)
TRANSCRIPT(no_stream_without_pipelining)
TRANSCRIPT(quit_ahead)
TRANSCRIPT(quit_ahead_refused)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_stream),
        cmocka_unit_test(test_data_stream_first_refused),
        cmocka_unit_test(test_data_stream_all_rcpts),
        cmocka_unit_test(test_bdat_stream),
        cmocka_unit_test(test_bdat_stream_first_refused),
        cmocka_unit_test(test_stream_421),
        cmocka_unit_test(test_no_stream_without_pipelining),
        cmocka_unit_test(test_quit_ahead),
        cmocka_unit_test(test_quit_ahead_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
