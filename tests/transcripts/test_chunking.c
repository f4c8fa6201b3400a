/*
 * CHUNKING transcripts (RFC 3030): with the server offering it, the body
 * goes in BDAT chunks, its bytes as they are (no dot-stuffing, no end of
 * data line), line breaks as CRLF. A body of declared size is one
 * "BDAT n LAST" that leaves with MAIL and the RCPTs; one of unknown size
 * goes in chunks of the output buffer, each with its reply; without
 * PIPELINING each chunk waits for the reply before it. A refused chunk
 * stops the body, and RSET clears the transaction. Replayed at every read
 * and write size.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define EHLO_CHUNKING "250-mx.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 CHUNKING\r\n"
#define EHLO_LOCKSTEP "250-mx.example\r\n250-8BITMIME\r\n250 CHUNKING\r\n"
#define EHLO_BINARY "250-mx.example\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 BINARYMIME\r\n"
#define MAIL "MAIL FROM:<a@example.org>\r\n"
#define RCPT "RCPT TO:<b@example.net>\r\n"
#define SMALL_OUT 320 /* chunks of 320 - 34 octets */

static struct smtpc_rcpt rcpt;
static struct smtpc_txn txn;

static void hello(struct harness *h, const char *ehlo_reply)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
    h_wants(h, SMTPC_READY);
}

/* A transaction to b: `size` is the exact size when SMTPC_TXN_SIZE_EXACT. */
static void begin(struct harness *h, unsigned flags, unsigned long long size)
{
    memset(&txn, 0, sizeof txn);
    memset(&rcpt, 0, sizeof rcpt);
    rcpt.address = "b@example.net";
    txn.from = "a@example.org";
    txn.rcpt = &rcpt;
    txn.rcpt_count = 1;
    txn.flags = flags;
    txn.size = size;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
}

static void quit(struct harness *h)
{
    assert_int_equal(smtpc_session_quit(&h->s), 0);
    h_client(h, "QUIT\r\n");
    h_server(h, "221 bye\r\n");
    h_wants(h, SMTPC_DONE);
}

static void small_buffer(struct harness *h)
{
    h->out_cap = SMALL_OUT;
}

/* "hi" to b as one chunk of declared size, with MAIL and RCPT in one write. */
static void sent_hi(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT, 4);
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, MAIL RCPT "BDAT 4 LAST\r\nhi\r\n");
}

/* The body of known size, its chunk and the group: one write, one round
 * trip. Dots are not doubled; line breaks become CRLF; no end of data. */
static void t_exact_one_write(struct harness *h)
{
    static const char body[] = ".\n..x\r\nlast";

    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT, 14);
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV | SMTPC_WANT_BODY);
    h_body(h, body, sizeof body - 1);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, MAIL RCPT "BDAT 14 LAST\r\n.\r\n..x\r\nlast\r\n");
    h_wants(h, SMTPC_WANT_RECV | SMTPC_WANT_NEXT); /* the next may go ahead (test_stream.c) */
    h_server(h, "250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued as X\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, 0);
    assert_int_equal(txn.rcpt_accepted, 1);
    assert_int_equal(txn.end_reply.code, 250);
    assert_string_equal(txn.end_reply.text, "2.0.0 queued as X");
    assert_non_null(strstr(h->trace, "C: BDAT 14 LAST\n* message data: 14 octets sent in BDAT\n"));
    /* and the next message too */
    begin(h, SMTPC_TXN_SIZE_EXACT, 0);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, MAIL RCPT "BDAT 0 LAST\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n250 queued\r\n");
    assert_int_equal(txn.result, 0);
    quit(h);
}

/* A body longer than declared: the chunk can never be finished right, so
 * the session fails and only closing is left. */
static void t_exact_too_long(struct harness *h)
{
    long n;

    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT, 3);
    n = smtpc_session_body_write(&h->s, (const uint8_t *)"hello\r\n", 7);
    assert_int_equal(n, SMTPC_ERR_BODY_SIZE);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(smtpc_session_error(&h->s), SMTPC_ERR_BODY_SIZE);
    assert_int_equal(txn.result, SMTPC_ERR_BODY_SIZE);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

static void t_exact_too_short(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT, 10);
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(txn.result, SMTPC_ERR_BODY_SIZE);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

/* The verdict can come before body_end once every octet is written. */
static void t_exact_verdict_before_end(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT, 4);
    h_body(h, "hi\r\n", 4);
    h_client(h, MAIL RCPT "BDAT 4 LAST\r\nhi\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n250 queued\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, 0);
    assert_int_equal(smtpc_session_body_end(&h->s), SMTPC_ERR_STATE);
    quit(h);
}

/* Nobody to deliver to: the server refuses the chunk after the RCPT. */
static void t_exact_rcpt_refused(struct harness *h)
{
    sent_hi(h);
    h_server(h, "250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n");
    h_client(h, "RSET\r\n");
    h_server(h, "250 reset\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(rcpt.reply.code, 550);
    assert_int_equal(txn.end_reply.code, 554);
    quit(h);
}

static void t_exact_mail_refused(struct harness *h)
{
    sent_hi(h);
    h_server(h, "550 5.7.1 no\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n");
    h_wants(h, SMTPC_READY); /* no transaction is left: no RSET */
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_MAIL);
    assert_int_equal(txn.mail_reply.code, 550);
    quit(h);
}

/* A message accepted when no recipient was: the server is out of its
 * mind, and the caller hears of it. */
static void t_exact_accepted_for_nobody(struct harness *h)
{
    sent_hi(h);
    h_server(h, "250 ok\r\n550 no\r\n250 queued\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(txn.result, SMTPC_ERR_REPLY_UNEXPECTED);
    quit(h);
}

static void t_exact_421(struct harness *h)
{
    sent_hi(h);
    h_server(h, "250 ok\r\n421 4.3.2 shutting down\r\n");
    h_wants(h, SMTPC_FAILED);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(smtpc_session_quit(&h->s), SMTPC_ERR_STATE);
}

/* All or nothing: the chunk waits for the RCPT replies (2 round trips). */
static void t_exact_all_rcpts(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT | SMTPC_TXN_ALL_RCPTS, 4);
    h_client(h, MAIL RCPT);
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "250 ok\r\n250 ok\r\n");
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV | SMTPC_WANT_BODY);
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "BDAT 4 LAST\r\nhi\r\n");
    h_server(h, "250 queued\r\n");
    assert_int_equal(txn.result, 0);
    quit(h);
}

/* Body lines of any length with BINARYMIME, asked for and offered. */
static void t_binarymime(struct harness *h)
{
    static char body[1203];

    memset(body, 'x', 1200);
    memcpy(body + 1200, "\r\n", 3);
    hello(h, EHLO_BINARY);
    begin(h, SMTPC_TXN_SIZE_EXACT | SMTPC_TXN_BINARY, 1202);
    h_client(h, "MAIL FROM:<a@example.org> BODY=BINARYMIME\r\n" RCPT "BDAT 1202 LAST\r\n");
    h_body(h, body, 1202);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, body);
    h_server(h, "250 ok\r\n250 ok\r\n250 queued\r\n");
    assert_int_equal(txn.result, 0);
    quit(h);
}

/* BINARYMIME asked for and not offered: 8BITMIME as usual, and long lines
 * follow the session's policy. */
static void t_binary_not_offered(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT | SMTPC_TXN_BINARY | SMTPC_TXN_8BIT, 4);
    h_client(h, "MAIL FROM:<a@example.org> BODY=8BITMIME\r\n" RCPT "BDAT 4 LAST\r\n");
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "hi\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n250 queued\r\n");
    quit(h);
}

/* SMTPC_F_NO_CHUNKING: DATA, as without the extension. */
static void no_chunking(struct harness *h)
{
    h->cfg.flags |= SMTPC_F_NO_CHUNKING;
}

static void t_not_chunked(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, SMTPC_TXN_SIZE_EXACT, 4);
    h_client(h, MAIL RCPT "DATA\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n354 go\r\n");
    h_body(h, ".hi\r\n", 5);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "..hi\r\n.\r\n");
    h_server(h, "250 queued\r\n");
    assert_int_equal(txn.result, 0);
    quit(h);
}

/* ---- buffered: chunks of what the output buffer holds ---- */

/* Lines of 97 octets and CRLF: a chunk's end falls inside a line. */
static size_t make_lines(char *buf, size_t lines)
{
    size_t i, o = 0;

    for (i = 0; i < lines; i++) {
        memset(buf + o, 'a' + (char)(i % 26), 97);
        o += 97;
        buf[o++] = '\r';
        buf[o++] = '\n';
    }
    buf[o] = '\0';
    return o;
}

/* "BDAT n[ LAST]" CRLF and body[off, off + n) appended to `wire`. */
static size_t chunk(char *wire, size_t at, const char *body, size_t off, size_t n, int last)
{
    at += (size_t)sprintf(wire + at, "BDAT %zu%s\r\n", n, last ? " LAST" : "");
    memcpy(wire + at, body + off, n);
    wire[at + n] = '\0';
    return at + n;
}

static void t_buffered(struct harness *h)
{
    static char body[1200], wire[2000];
    size_t len = make_lines(body, 7), at; /* 693 octets: chunks of 286, 286, 121 */

    hello(h, EHLO_CHUNKING);
    begin(h, 0, 0);
    h_client(h, MAIL RCPT);
    h_body(h, body, len);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    at = chunk(wire, 0, body, 0, 286, 0);
    at = chunk(wire, at, body, 286, 286, 0);
    chunk(wire, at, body, 572, 121, 1);
    h_client(h, wire);
    h_server(h, "250 ok\r\n250 ok\r\n250 2.0.0 286 octets\r\n250 2.0.0 286 octets\r\n");
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "250 2.0.0 queued\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, 0);
    assert_string_equal(txn.end_reply.text, "2.0.0 queued");
    assert_non_null(strstr(h->trace, "C: BDAT 286\nC: BDAT 286\n"));
    quit(h);
}

/* Without PIPELINING: MAIL, RCPT, then each chunk after the reply before. */
static void t_buffered_lockstep(struct harness *h)
{
    static char body[1200], wire[1200];
    size_t len = make_lines(body, 4), off = 0; /* 396 octets: 286, then 110 */

    hello(h, EHLO_LOCKSTEP);
    begin(h, 0, 0);
    h_client(h, MAIL);
    h_server(h, "250 ok\r\n");
    h_client(h, RCPT);
    h_server(h, "250 ok\r\n");
    h_wants(h, SMTPC_WANT_BODY);
    while (off < len) {
        long n = smtpc_session_body_write(&h->s, (const uint8_t *)body + off, len - off);

        assert_true(n > 0);
        off += (size_t)n;
        if (!(smtpc_session_wants(&h->s) & SMTPC_WANT_BODY))
            break; /* the chunk is closed, and waits for its reply */
    }
    assert_int_equal(off, 286);
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV);
    assert_int_equal(smtpc_session_body_write(&h->s, (const uint8_t *)body + off, 1), 0);
    chunk(wire, 0, body, 0, 286, 0);
    h_client(h, wire);
    h_wants(h, SMTPC_WANT_RECV);
    h_server(h, "250 2.0.0 286 octets\r\n");
    h_wants(h, SMTPC_WANT_BODY);
    h_body(h, body + off, len - off);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    chunk(wire, 0, body, off, 110, 1);
    h_client(h, wire);
    h_server(h, "250 queued\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, 0);
    quit(h);
}

/* A refused chunk: no other goes, the open one is dropped, RSET. */
static void t_buffered_chunk_refused(struct harness *h)
{
    static char body[1200], first[400];
    size_t len = make_lines(body, 4);
    long n;

    hello(h, EHLO_CHUNKING);
    begin(h, 0, 0);
    h_client(h, MAIL RCPT);
    h_body(h, body, 300); /* one chunk of 286 closed, 14 octets in the next */
    memcpy(first, "BDAT 286\r\n", 10);
    memcpy(first + 10, body, 286);
    first[296] = '\0';
    h_client(h, first);
    h_server(h, "250 ok\r\n250 ok\r\n552 5.3.4 too big\r\n");
    h_client(h, "RSET\r\n");
    h_wants(h, SMTPC_WANT_RECV);
    n = smtpc_session_body_write(&h->s, (const uint8_t *)body + 300, len - 300);
    assert_int_equal(n, SMTPC_ERR_STATE);
    assert_int_equal(smtpc_session_body_end(&h->s), SMTPC_ERR_STATE);
    h_server(h, "250 reset\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_MESSAGE);
    assert_int_equal(txn.end_reply.code, 552);
    quit(h);
}

/* Nobody accepted before a chunk left: nothing of the body is sent. */
static void t_buffered_nobody(struct harness *h)
{
    hello(h, EHLO_CHUNKING);
    begin(h, 0, 0);
    h_client(h, MAIL RCPT);
    h_body(h, "hello\r\n", 7);
    h_server(h, "250 ok\r\n550 5.1.1 no such user\r\n");
    h_client(h, "RSET\r\n");
    h_server(h, "250 reset\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, SMTPC_ERR_REFUSED_RCPT);
    quit(h);
}

#define TRANSCRIPT(name, setup)                                                                    \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        run_transcript(t_##name, setup);                                                           \
    }

TRANSCRIPT(exact_one_write, NULL)
TRANSCRIPT(exact_too_long, NULL)
TRANSCRIPT(exact_too_short, NULL)
TRANSCRIPT(exact_verdict_before_end, NULL)
TRANSCRIPT(exact_rcpt_refused, NULL)
TRANSCRIPT(exact_mail_refused, NULL)
TRANSCRIPT(exact_accepted_for_nobody, NULL)
TRANSCRIPT(exact_421, NULL)
TRANSCRIPT(exact_all_rcpts, NULL)
TRANSCRIPT(binarymime, NULL)
TRANSCRIPT(binary_not_offered, NULL)
TRANSCRIPT(not_chunked, no_chunking)
TRANSCRIPT(buffered, small_buffer)
TRANSCRIPT(buffered_lockstep, small_buffer)
TRANSCRIPT(buffered_chunk_refused, small_buffer)
TRANSCRIPT(buffered_nobody, small_buffer)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_one_write),
        cmocka_unit_test(test_exact_too_long),
        cmocka_unit_test(test_exact_too_short),
        cmocka_unit_test(test_exact_verdict_before_end),
        cmocka_unit_test(test_exact_rcpt_refused),
        cmocka_unit_test(test_exact_mail_refused),
        cmocka_unit_test(test_exact_accepted_for_nobody),
        cmocka_unit_test(test_exact_421),
        cmocka_unit_test(test_exact_all_rcpts),
        cmocka_unit_test(test_binarymime),
        cmocka_unit_test(test_binary_not_offered),
        cmocka_unit_test(test_not_chunked),
        cmocka_unit_test(test_buffered),
        cmocka_unit_test(test_buffered_lockstep),
        cmocka_unit_test(test_buffered_chunk_refused),
        cmocka_unit_test(test_buffered_nobody),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
