/*
 * DSN transcripts (RFC 3461): with the server offering DSN, MAIL FROM
 * carries RET= and ENVID=, each RCPT TO NOTIFY= and ORCPT=, after the
 * other parameters and in that order, ENVID and ORCPT as xtext; without
 * DSN offered the same transaction goes without them. The fields are
 * checked before anything is queued, whether DSN is offered or not, and
 * a line that cannot fit the output buffer is refused up front. Replayed
 * at every read and write size.
 */
#include <string.h>

#include "harness.h"

#define GREETING "220 mx.example ESMTP\r\n"
#define EHLO "EHLO client.example\r\n"
#define EHLO_DSN "250-mx.example\r\n250 DSN\r\n"
#define EHLO_NO_DSN "250-mx.example\r\n250 8BITMIME\r\n"
#define EHLO_ALL "250-mx.example\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 DSN\r\n"
#define EHLO_PIPE_DSN "250-mx.example\r\n250-PIPELINING\r\n250-DSN\r\n250 8BITMIME\r\n"
#define SMALL_OUT 320

static struct smtpc_rcpt rcpts[3];
static struct smtpc_txn txn;

static void hello(struct harness *h, const char *ehlo_reply)
{
    h_server(h, GREETING);
    h_client(h, EHLO);
    h_server(h, ehlo_reply);
    h_wants(h, SMTPC_READY);
}

/* A transaction from a to b with RET=HDRS, ENVID "x+y", NOTIFY=SUCCESS,FAILURE
 * and b as ORCPT, not begun yet. */
static void prepare(void)
{
    memset(&txn, 0, sizeof txn);
    memset(rcpts, 0, sizeof rcpts);
    rcpts[0].address = "b";
    rcpts[0].notify = SMTPC_DSN_NOTIFY_SUCCESS | SMTPC_DSN_NOTIFY_FAILURE;
    rcpts[0].orcpt = "b";
    txn.from = "a";
    txn.rcpt = rcpts;
    txn.rcpt_count = 1;
    txn.envid = "x+y";
    txn.dsn_ret = SMTPC_DSN_RET_HDRS;
}

/* DATA, a one-line body and its end, accepted. */
static void data_hi(struct harness *h)
{
    h_client(h, "DATA\r\n");
    h_server(h, "354 go\r\n");
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 2.0.0 queued\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, 0);
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

/* The parameters, byte for byte, one command at a time. */
static void t_offered(struct harness *h)
{
    hello(h, EHLO_DSN);
    assert_true(smtpc_session_caps(&h->s)->flags & SMTPC_CAP_DSN);
    prepare();
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a> RET=HDRS ENVID=x+2By\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    assert_non_null(strstr(h->trace, "C: MAIL FROM:<a> RET=HDRS ENVID=x+2By\n"));
    quit(h);
}

/* Not offered: the same transaction goes without them, silently. */
static void t_not_offered(struct harness *h)
{
    hello(h, EHLO_NO_DSN);
    prepare();
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a>\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b>\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* Offered, nothing asked: no parameter, no stray space. */
static void t_nothing_asked(struct harness *h)
{
    hello(h, EHLO_DSN);
    prepare();
    rcpts[0].notify = 0;
    rcpts[0].orcpt = "";
    txn.envid = NULL;
    txn.dsn_ret = 0;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a>\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b>\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* With SIZE, BODY and SMTPUTF8: DSN's parameters come last. NOTIFY's keywords go in
 * RFC order whatever bits are set; NEVER goes alone; ORCPT without NOTIFY;
 * RET=FULL. */
static void t_with_other_params(struct harness *h)
{
    hello(h, EHLO_ALL);
    prepare();
    txn.from = "\xc3\xa4@example.org";
    txn.size = 1234;
    txn.flags = SMTPC_TXN_8BIT;
    txn.dsn_ret = SMTPC_DSN_RET_FULL;
    txn.envid = "Q1";
    rcpts[0].address = "b@example.net";
    rcpts[0].notify = SMTPC_DSN_NOTIFY_DELAY | SMTPC_DSN_NOTIFY_SUCCESS;
    rcpts[0].orcpt = NULL;
    rcpts[1].address = "c@example.net";
    rcpts[1].notify = SMTPC_DSN_NOTIFY_NEVER;
    rcpts[2].address = "d@example.net";
    rcpts[2].notify = SMTPC_DSN_NOTIFY_FAILURE | SMTPC_DSN_NOTIFY_DELAY | SMTPC_DSN_NOTIFY_SUCCESS;
    rcpts[2].orcpt = "D@example.net";
    txn.rcpt_count = 3;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<\xc3\xa4@example.org> SIZE=1234 BODY=8BITMIME SMTPUTF8 RET=FULL "
                "ENVID=Q1\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b@example.net> NOTIFY=SUCCESS,DELAY\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    h_client(h, "RCPT TO:<c@example.net> NOTIFY=NEVER\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    h_client(h,
             "RCPT TO:<d@example.net> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;D@example.net\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    assert_int_equal(txn.rcpt_accepted, 3);
    quit(h);
}

/* xtext: a space, "+" and "=" become +XX in upper-case hex; every other
 * printable byte, quotes and backslashes included, goes as it is. */
static void t_xtext(struct harness *h)
{
    hello(h, EHLO_DSN);
    prepare();
    txn.dsn_ret = 0;
    txn.envid = " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~";
    rcpts[0].address = "\"j doe\"+tag@example.net";
    rcpts[0].notify = 0;
    rcpts[0].orcpt = "\"j doe\"+tag=1@example.net";
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a> ENVID=+20!\"#$%&'()*+2B,-./09:;<+3D>?@AZ[\\]^_`az{|}~\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<\"j doe\"+tag@example.net> ORCPT=rfc822;\"j+20doe\"+2Btag+3D1"
                "@example.net\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* ENVID up to 100 characters as xtext: 33 "+" and one more is 100. */
static void t_envid_longest(struct harness *h)
{
    static char envid[40], wire[160];
    size_t i;

    hello(h, EHLO_DSN);
    for (i = 0; i < 33; i++)
        envid[i] = '+';
    envid[33] = 'z';
    envid[34] = '\0';
    strcpy(wire, "MAIL FROM:<a> ENVID=");
    for (i = 0; i < 33; i++)
        strcat(wire, "+2B");
    strcat(wire, "z\r\n");
    prepare();
    txn.dsn_ret = 0;
    txn.envid = envid;
    envid[33] = '+'; /* 102 */
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), SMTPC_ERR_TOO_LONG);
    h_silent(h);
    h_wants(h, SMTPC_READY);
    envid[33] = 'z';
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, wire);
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* One field wrong at a time: the error, nothing queued, still READY. */
static void refused(struct harness *h, int err)
{
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), err);
    h_silent(h);
    h_wants(h, SMTPC_READY);
    prepare();
}

/* Bad fields are refused whether the server offers DSN or not. */
static void argument_errors(struct harness *h)
{
    static char long_orcpt[SMTPC_ADDRESS_MAX + 2];

    prepare();
    txn.dsn_ret = 3;
    refused(h, SMTPC_ERR_ARG);
    txn.dsn_ret = -1;
    refused(h, SMTPC_ERR_ARG);
    rcpts[0].notify = SMTPC_DSN_NOTIFY_NEVER | SMTPC_DSN_NOTIFY_FAILURE;
    refused(h, SMTPC_ERR_ARG);
    rcpts[0].notify = 0x10;
    refused(h, SMTPC_ERR_ARG);
    txn.envid = "x\r\nRSET";
    refused(h, SMTPC_ERR_ARG_CTL);
    txn.envid = "x\ny";
    refused(h, SMTPC_ERR_ARG_CTL);
    txn.envid = "x\ty";
    refused(h, SMTPC_ERR_ARG_CTL);
    txn.envid = "x\x7fy";
    refused(h, SMTPC_ERR_ARG_CTL);
    txn.envid = "\xc3\xa4";
    refused(h, SMTPC_ERR_ARG);
    rcpts[0].orcpt = "b\r\nRCPT TO:<c>";
    refused(h, SMTPC_ERR_ARG_CTL);
    rcpts[0].orcpt = "b\x01";
    refused(h, SMTPC_ERR_ARG_CTL);
    rcpts[0].orcpt = "\xc3\xa4@example.org";
    refused(h, SMTPC_ERR_ARG);
    memset(long_orcpt, 'o', sizeof long_orcpt - 1);
    rcpts[0].orcpt = long_orcpt;
    refused(h, SMTPC_ERR_ARG_ADDRESS);
    /* the last of several recipients */
    txn.rcpt_count = 3;
    rcpts[1].address = "c";
    rcpts[2].address = "d";
    rcpts[2].notify = SMTPC_DSN_NOTIFY_NEVER | SMTPC_DSN_NOTIFY_DELAY;
    refused(h, SMTPC_ERR_ARG);
}

static void t_argument_errors(struct harness *h)
{
    hello(h, EHLO_DSN);
    argument_errors(h);
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a> RET=HDRS ENVID=x+2By\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

static void t_argument_errors_not_offered(struct harness *h)
{
    hello(h, EHLO_NO_DSN);
    argument_errors(h);
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a>\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b>\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* `n` copies of `c`, and the end. */
static char *repeat(char *buf, char c, size_t n, const char *end)
{
    memset(buf, c, n);
    strcpy(buf + n, end);
    return buf;
}

/* A 320-octet output buffer (SMTPC_OUT_BUF_MIN): a line that could never
 * fit is refused before anything goes, an RCPT's as well as MAIL's; one
 * of exactly 320 octets goes. */
static void t_lines_too_long(struct harness *h)
{
    static char orcpt[SMTPC_ADDRESS_MAX + 1], from[SMTPC_ADDRESS_MAX + 1], wire[400];
    size_t i;

    hello(h, EHLO_DSN);
    prepare();
    /* "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;" is 48 octets and
     * CRLF 2: 91 "=" as xtext is 273 more, 3 too many */
    rcpts[0].orcpt = repeat(orcpt, '=', 91, "");
    refused(h, SMTPC_ERR_TOO_LONG);
    txn.from = repeat(from, 'f', SMTPC_ADDRESS_MAX, "");
    txn.dsn_ret = SMTPC_DSN_RET_FULL;
    txn.envid = repeat(wire, 'e', 43, ""); /* 266 + 9 + 7 + 43 + 2 = 327 */
    refused(h, SMTPC_ERR_TOO_LONG);
    txn.from = from;
    txn.dsn_ret = SMTPC_DSN_RET_FULL;
    txn.envid = "e";                             /* 285 */
    rcpts[0].orcpt = repeat(orcpt, '=', 90, ""); /* 320 */
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    strcpy(wire, "MAIL FROM:<");
    strcat(wire, from);
    strcat(wire, "> RET=FULL ENVID=e\r\n");
    h_client(h, wire);
    h_server(h, "250 2.1.0 ok\r\n");
    strcpy(wire, "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;");
    for (i = 0; i < 90; i++)
        strcat(wire, "+3D");
    strcat(wire, "\r\n");
    assert_int_equal(strlen(wire), SMALL_OUT);
    h_client(h, wire);
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* Without DSN offered the same recipient goes: its line is short. */
static void t_lines_not_offered(struct harness *h)
{
    static char orcpt[SMTPC_ADDRESS_MAX + 1];

    hello(h, EHLO_NO_DSN);
    prepare();
    rcpts[0].orcpt = repeat(orcpt, '=', SMTPC_ADDRESS_MAX, "");
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a>\r\n");
    h_server(h, "250 2.1.0 ok\r\n");
    h_client(h, "RCPT TO:<b>\r\n");
    h_server(h, "250 2.1.5 ok\r\n");
    data_hi(h);
    quit(h);
}

/* PIPELINING: MAIL, the RCPTs with their parameters and DATA in one write;
 * a refused recipient keeps its own reply. */
static void t_pipelined(struct harness *h)
{
    hello(h, EHLO_PIPE_DSN);
    prepare();
    rcpts[1].address = "c";
    rcpts[1].notify = SMTPC_DSN_NOTIFY_NEVER;
    rcpts[1].orcpt = "c";
    txn.rcpt_count = 2;
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a> RET=HDRS ENVID=x+2By\r\n"
                "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b\r\n"
                "RCPT TO:<c> NOTIFY=NEVER ORCPT=rfc822;c\r\n"
                "DATA\r\n");
    h_server(h, "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no c\r\n354 go\r\n");
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 2.0.0 queued\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn.result, 0);
    assert_int_equal(txn.rcpt_accepted, 1);
    assert_int_equal(rcpts[1].reply.code, 550);
    quit(h);
}

/* In a stream, the next message's MAIL and RCPT, with their parameters,
 * share the write with the end of the one before. */
static void t_stream(struct harness *h)
{
    static struct smtpc_rcpt rcpt2;
    static struct smtpc_txn txn2;

    hello(h, EHLO_PIPE_DSN);
    prepare();
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn), 0);
    h_client(h, "MAIL FROM:<a> RET=HDRS ENVID=x+2By\r\n"
                "RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b\r\n"
                "DATA\r\n");
    h_server(h, "250 ok\r\n250 ok\r\n354 go\r\n");
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_wants(h, SMTPC_WANT_SEND | SMTPC_WANT_RECV | SMTPC_WANT_NEXT);
    memset(&txn2, 0, sizeof txn2);
    memset(&rcpt2, 0, sizeof rcpt2);
    rcpt2.address = "c";
    rcpt2.notify = SMTPC_DSN_NOTIFY_FAILURE;
    txn2.from = "a";
    txn2.rcpt = &rcpt2;
    txn2.rcpt_count = 1;
    txn2.envid = "m=2";
    assert_int_equal(smtpc_session_txn_begin(&h->s, &txn2), 0);
    h_client(h, "hi\r\n.\r\n"
                "MAIL FROM:<a> ENVID=m+3D2\r\n"
                "RCPT TO:<c> NOTIFY=FAILURE\r\n"
                "DATA\r\n");
    h_server(h, "250 queued as 1\r\n250 ok\r\n250 ok\r\n354 go\r\n");
    assert_int_equal(txn.result, 0);
    h_body(h, "hi\r\n", 4);
    assert_int_equal(smtpc_session_body_end(&h->s), 0);
    h_client(h, "hi\r\n.\r\n");
    h_server(h, "250 queued as 2\r\n");
    h_wants(h, SMTPC_READY);
    assert_int_equal(txn2.result, 0);
    quit(h);
}

#define TRANSCRIPT(name, setup)                                                                    \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        run_transcript(t_##name, setup);                                                           \
    }

TRANSCRIPT(offered, NULL)
TRANSCRIPT(not_offered, NULL)
TRANSCRIPT(nothing_asked, NULL)
TRANSCRIPT(with_other_params, NULL)
TRANSCRIPT(xtext, NULL)
TRANSCRIPT(envid_longest, NULL)
TRANSCRIPT(argument_errors, NULL)
TRANSCRIPT(argument_errors_not_offered, NULL)
TRANSCRIPT(lines_too_long, small_buffer)
TRANSCRIPT(lines_not_offered, small_buffer)
TRANSCRIPT(pipelined, NULL)
TRANSCRIPT(stream, NULL)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offered),         cmocka_unit_test(test_not_offered),
        cmocka_unit_test(test_nothing_asked),   cmocka_unit_test(test_with_other_params),
        cmocka_unit_test(test_xtext),           cmocka_unit_test(test_envid_longest),
        cmocka_unit_test(test_argument_errors), cmocka_unit_test(test_argument_errors_not_offered),
        cmocka_unit_test(test_lines_too_long),  cmocka_unit_test(test_lines_not_offered),
        cmocka_unit_test(test_pipelined),       cmocka_unit_test(test_stream),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
