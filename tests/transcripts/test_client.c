/*
 * Client transcripts: the blocking client over a scripted transport, for
 * the paths the engine alone cannot show: deadlines handed to the
 * transport, timeouts, lost connections, the accepted-then-QUIT-lost case,
 * and the client's return to its initial state after every outcome.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/client.h"

enum { S_BYTES, S_TIMEOUT, S_EOF, S_END };

struct step {
    int kind;
    const char *bytes;
};

struct fake {
    struct smtpc_transport base;
    const struct step *steps;
    size_t next;
    char written[16384];
    size_t wlen;
    size_t writes; /* write calls */
    int closed;
    int read_timeouts[64]; /* timeout_ms of each read */
    size_t reads;
    int read_waits[64]; /* how long each read takes, on the fake clock */
    long long now_ms;   /* the clock: moves only in reads, by read_waits */
};

static long fake_read(struct smtpc_transport *t, uint8_t *buf, size_t len, int timeout_ms)
{
    struct fake *f = (struct fake *)t;
    const struct step *s = &f->steps[f->next];
    size_t n;

    if (f->reads < 64) {
        f->read_timeouts[f->reads] = timeout_ms;
        f->now_ms += f->read_waits[f->reads];
    }
    f->reads++;
    switch (s->kind) {
    case S_BYTES:
        n = strlen(s->bytes);
        assert_true(n <= len);
        memcpy(buf, s->bytes, n);
        f->next++;
        return (long)n;
    case S_EOF:
        return 0;
    default:
        return SMTPC_ERR_TIMEOUT;
    }
}

static long fake_write(struct smtpc_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
    struct fake *f = (struct fake *)t;

    assert_true(timeout_ms > 0);
    assert_true(f->wlen + len < sizeof f->written);
    memcpy(f->written + f->wlen, buf, len);
    f->wlen += len;
    f->writes++;
    f->written[f->wlen] = '\0';
    return (long)len;
}

static void fake_close(struct smtpc_transport *t)
{
    ((struct fake *)t)->closed++;
}

/* A clock of its own, so that the deadlines checked below are exact and
 * no test depends on how fast it runs. */
static long long fake_now_ms(struct smtpc_transport *t)
{
    return ((struct fake *)t)->now_ms;
}

static const struct smtpc_transport_ops fake_ops = {fake_read,   fake_write, NULL, fake_close,
                                                    fake_now_ms, NULL,       NULL};

static struct fake fake;
static struct smtpc_client client;
static struct smtpc_rcpt rcpt[2];
static struct smtpc_txn txn;

static void setup_client(const struct step *steps)
{
    struct smtpc_client_options o;

    memset(&fake, 0, sizeof fake);
    fake.base.ops = &fake_ops;
    fake.steps = steps;
    smtpc_client_options_default(&o);
    o.transport = &fake.base;
    o.session.ehlo_name = "client.example";
    assert_int_equal(smtpc_client_init(&client, &o), 0);
    memset(&txn, 0, sizeof txn);
    memset(rcpt, 0, sizeof rcpt);
    rcpt[0].address = "b@example.net";
    txn.from = "a@example.org";
    txn.rcpt = rcpt;
    txn.rcpt_count = 1;
}

/* Points the same client at a fresh script (the transport is reused). */
static void rescript(const struct step *steps)
{
    memset(&fake, 0, sizeof fake);
    fake.base.ops = &fake_ops;
    fake.steps = steps;
}

#define WIRE_TO_DOT                                                                                \
    "EHLO client.example\r\nMAIL FROM:<a@example.org> SIZE=7\r\nRCPT TO:<b@example.net>\r\n"       \
    "DATA\r\nhello\r\n.\r\n"

static const struct step happy[] = {
    {S_BYTES, "220 mx ESMTP\r\n"}, {S_BYTES, "250-mx\r\n250 SIZE 100\r\n"},
    {S_BYTES, "250 ok\r\n"},       {S_BYTES, "250 ok\r\n"},
    {S_BYTES, "354 go\r\n"},       {S_BYTES, "250 queued\r\n"},
    {S_BYTES, "221 bye\r\n"},      {S_END, NULL},
};

static void test_send_mail(void **state)
{
    (void)state;
    setup_client(happy);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "hello\n", 6), 0);
    assert_string_equal(fake.written, WIRE_TO_DOT "QUIT\r\n");
    assert_int_equal(fake.closed, 1);
    assert_int_equal(txn.end_reply.code, 250);
    assert_int_equal(smtpc_client_error(&client), 0);
}

/* The deadline handed to each read is the RFC class of the awaited reply. */
static void test_deadlines(void **state)
{
    static const int expected_s[] = {300, 300, 300, 300, 120, 600, 10};
    size_t i;

    (void)state;
    setup_client(happy);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "hello\n", 6), 0);
    assert_int_equal(fake.reads, 7);
    for (i = 0; i < 7; i++)
        assert_int_equal(fake.read_timeouts[i], expected_s[i] * 1000);
}

/* One deadline per reply: a reply that arrives in pieces gets what is left
 * of it, the next reply a whole one again. */
static void test_deadline_spans_a_reply(void **state)
{
    static const struct step pieces[] = {
        {S_BYTES, "220 mx"},      {S_BYTES, " ESMTP\r\n"},
        {S_BYTES, "250-mx\r\n"},  {S_BYTES, "250 SIZE 100\r\n"},
        {S_BYTES, "250 ok\r\n"},  {S_BYTES, "250 ok\r\n"},
        {S_BYTES, "354 go\r\n"},  {S_BYTES, "250 queued\r\n"},
        {S_BYTES, "221 bye\r\n"}, {S_END, NULL},
    };
    static const int expected_ms[] = {300000, 297500, 300000, 1000, 300000,
                                      300000, 120000, 600000, 10000};
    size_t i;

    (void)state;
    setup_client(pieces);
    fake.read_waits[0] = 2500;   /* the greeting's first piece after 2.5 s */
    fake.read_waits[2] = 299000; /* EHLO's first line after 299 s */
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "hello\n", 6), 0);
    assert_int_equal(fake.reads, 9);
    for (i = 0; i < 9; i++)
        assert_int_equal(fake.read_timeouts[i], expected_ms[i]);
}

/* Accepted is accepted, whatever happens to QUIT. */
static void test_quit_unanswered(void **state)
{
    static const struct step quit_timeout[] = {
        {S_BYTES, "220 mx\r\n"}, {S_BYTES, "250 mx\r\n"}, {S_BYTES, "250 ok\r\n"},
        {S_BYTES, "250 ok\r\n"}, {S_BYTES, "354 go\r\n"}, {S_BYTES, "250 queued\r\n"},
        {S_TIMEOUT, NULL},
    };
    static const struct step quit_eof[] = {
        {S_BYTES, "220 mx\r\n"}, {S_BYTES, "250 mx\r\n"}, {S_BYTES, "250 ok\r\n"},
        {S_BYTES, "250 ok\r\n"}, {S_BYTES, "354 go\r\n"}, {S_BYTES, "250 queued\r\n"},
        {S_EOF, NULL},
    };

    (void)state;
    setup_client(quit_timeout);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "x", 1), 0);
    assert_int_equal(fake.closed, 1);
    setup_client(quit_eof);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "x", 1), 0);
    assert_int_equal(fake.closed, 1);
}

static void test_timeout_at_data(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx\r\n"}, {S_BYTES, "250 mx\r\n"}, {S_BYTES, "250 ok\r\n"},
        {S_BYTES, "250 ok\r\n"}, {S_TIMEOUT, NULL},
    };

    (void)state;
    setup_client(steps);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "x", 1), SMTPC_ERR_TIMEOUT);
    assert_string_equal(smtpc_client_step(&client), "DATA");
    assert_int_equal(smtpc_client_reply(&client)->code, 0);
    /* nothing after DATA: a timed-out connection gets no QUIT */
    assert_string_equal(fake.written, "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
                                      "RCPT TO:<b@example.net>\r\nDATA\r\n");
    assert_int_equal(fake.closed, 1);
}

/* The connection is lost at each step in turn. */
static void test_disconnect_each_step(void **state)
{
    static const char *const replies[] = {"220 mx\r\n", "250 mx\r\n", "250 ok\r\n", "250 ok\r\n",
                                          "354 go\r\n"};
    static const char *const steps_at[] = {"greeting", "EHLO", "MAIL FROM",
                                           "RCPT TO",  "DATA", "end of data"};
    struct step steps[8];
    size_t drop, i;

    (void)state;
    for (drop = 0; drop <= 5; drop++) {
        for (i = 0; i < drop; i++) {
            steps[i].kind = S_BYTES;
            steps[i].bytes = replies[i];
        }
        steps[drop].kind = S_EOF;
        steps[drop].bytes = NULL;
        setup_client(steps);
        assert_int_equal(smtpc_client_send_mail(&client, &txn, "x", 1), SMTPC_ERR_CLOSED);
        assert_string_equal(smtpc_client_step(&client), steps_at[drop]);
        assert_int_equal(fake.closed, 1);
        assert_null(strstr(fake.written, "QUIT"));
    }
}

static void test_refusal_then_reuse(void **state)
{
    static const struct step refused[] = {
        {S_BYTES, "554 5.7.1 not you\r\n"}, {S_BYTES, "221 bye\r\n"}, {S_END, NULL}};

    (void)state;
    setup_client(refused);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "x", 1), SMTPC_ERR_REFUSED_GREETING);
    assert_string_equal(smtpc_client_step(&client), "greeting");
    assert_int_equal(smtpc_client_reply(&client)->code, 554);
    assert_string_equal(smtpc_client_reply(&client)->text, "5.7.1 not you");
    assert_string_equal(fake.written, "QUIT\r\n");
    assert_int_equal(fake.closed, 1);

    /* back in its initial state: the same client sends again */
    rescript(happy);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "hello\n", 6), 0);
    assert_string_equal(fake.written, WIRE_TO_DOT "QUIT\r\n");
    assert_int_equal(smtpc_client_error(&client), 0);
}

static void test_rcpt_refused_names_step(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx\r\n"},
        {S_BYTES, "250 mx\r\n"},
        {S_BYTES, "250 ok\r\n"},
        {S_BYTES, "550 5.1.1 <b@example.net> unknown\r\n"},
        {S_BYTES, "250 reset\r\n"},
        {S_BYTES, "221 bye\r\n"},
        {S_END, NULL},
    };

    (void)state;
    setup_client(steps);
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "x", 1), SMTPC_ERR_REFUSED_RCPT);
    assert_string_equal(smtpc_client_step(&client), "RCPT TO");
    assert_int_equal(smtpc_client_reply(&client)->code, 550);
    assert_string_equal(smtpc_client_reply(&client)->enhanced, "5.1.1");
    assert_string_equal(fake.written, "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
                                      "RCPT TO:<b@example.net>\r\nRSET\r\nQUIT\r\n");
}

/* A body line over 998 octets is refused before MAIL. */
static void test_long_line_before_mail(void **state)
{
    static char body[1200];

    (void)state;
    memset(body, 'y', sizeof body);
    setup_client(happy);
    assert_int_equal(smtpc_client_open(&client), 0);
    assert_int_equal(smtpc_client_send(&client, &txn, body, sizeof body), SMTPC_ERR_BODY_LINE);
    assert_string_equal(fake.written, "EHLO client.example\r\n");
    smtpc_client_close(&client);
}

/* Several messages over one connection. */
static void test_two_messages(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx\r\n"},  {S_BYTES, "250 mx\r\n"},  {S_BYTES, "250 ok\r\n"},
        {S_BYTES, "250 ok\r\n"},  {S_BYTES, "354 go\r\n"},  {S_BYTES, "250 one\r\n"},
        {S_BYTES, "250 ok\r\n"},  {S_BYTES, "250 ok\r\n"},  {S_BYTES, "354 go\r\n"},
        {S_BYTES, "250 two\r\n"}, {S_BYTES, "221 bye\r\n"}, {S_END, NULL},
    };

    (void)state;
    setup_client(steps);
    assert_int_equal(smtpc_client_open(&client), 0);
    assert_int_equal(smtpc_client_send(&client, &txn, "1", 1), 0);
    assert_string_equal(txn.end_reply.text, "one");
    assert_int_equal(smtpc_client_send(&client, &txn, "2", 1), 0);
    assert_string_equal(txn.end_reply.text, "two");
    assert_int_equal(smtpc_client_close(&client), 0);
    assert_string_equal(
        fake.written,
        "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n"
        "DATA\r\n1\r\n.\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n"
        "DATA\r\n2\r\n.\r\nQUIT\r\n");
}

struct reader {
    const char *text;
    size_t off;
    int fail_after; /* calls before an error; -1: never */
};

static long read_body(void *ctx, uint8_t *buf, size_t cap)
{
    struct reader *r = ctx;
    size_t n = strlen(r->text + r->off);

    if (r->fail_after == 0)
        return -1;
    if (r->fail_after > 0)
        r->fail_after--;
    if (n > 3)
        n = 3; /* small pieces */
    if (n > cap)
        n = cap;
    memcpy(buf, r->text + r->off, n);
    r->off += n;
    return (long)n;
}

static void test_stream_body(void **state)
{
    struct reader r = {"line one\n.line two\n", 0, -1};

    (void)state;
    setup_client(happy);
    assert_int_equal(smtpc_client_open(&client), 0);
    assert_int_equal(smtpc_client_send_stream(&client, &txn, read_body, &r), 0);
    smtpc_client_close(&client);
    assert_string_equal(fake.written, "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
                                      "RCPT TO:<b@example.net>\r\nDATA\r\n"
                                      "line one\r\n..line two\r\n.\r\nQUIT\r\n");
}

/* The same with CHUNKING: a body of unknown size goes in chunks of the
 * output buffer, here one, in the write of MAIL and RCPT; no dot-stuffing. */
static void test_stream_body_chunking(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx ESMTP\r\n"},
        {S_BYTES, "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"},
        {S_BYTES, "250 ok\r\n250 ok\r\n250 queued\r\n"},
        {S_BYTES, "221 bye\r\n"},
        {S_END, NULL},
    };
    struct reader r = {"line one\n.line two\n", 0, -1};

    (void)state;
    setup_client(steps);
    assert_int_equal(smtpc_client_open(&client), 0);
    assert_int_equal(smtpc_client_send_stream(&client, &txn, read_body, &r), 0);
    assert_int_equal(fake.writes, 2);
    smtpc_client_close(&client);
    assert_string_equal(fake.written, "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
                                      "RCPT TO:<b@example.net>\r\nBDAT 21 LAST\r\n"
                                      "line one\r\n.line two\r\nQUIT\r\n");
}

/* All or nothing with CHUNKING: MAIL and RCPT, then, after the RCPT reply,
 * the chunk's header, the message and QUIT in one write (3 writes in all,
 * whatever the timing: the client adds the body before it writes). */
static void test_all_rcpts_chunk_one_write(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx ESMTP\r\n"},
        {S_BYTES, "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"},
        {S_BYTES, "250 ok\r\n250 ok\r\n"},
        {S_BYTES, "250 queued\r\n221 bye\r\n"},
        {S_END, NULL},
    };

    (void)state;
    setup_client(steps);
    txn.flags = SMTPC_TXN_ALL_RCPTS;
    assert_int_equal(smtpc_client_send_mail(&client, &txn, "hi\n", 3), 0);
    assert_string_equal(fake.written, "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
                                      "RCPT TO:<b@example.net>\r\nBDAT 4 LAST\r\nhi\r\nQUIT\r\n");
    assert_int_equal(fake.writes, 3);
}

/* A reader that fails mid-body: the data is never ended, the connection
 * is closed, so the server discards the partial message. */
static void test_stream_failure(void **state)
{
    struct reader r = {"line one\nline two\n", 0, 2};

    (void)state;
    setup_client(happy);
    assert_int_equal(smtpc_client_open(&client), 0);
    assert_int_equal(smtpc_client_send_stream(&client, &txn, read_body, &r), SMTPC_ERR_BODY_SOURCE);
    assert_null(strstr(fake.written, "\r\n.\r\n"));
    assert_null(strstr(fake.written, "QUIT"));
    assert_int_equal(fake.closed, 1);
}

/* ---- a stream of messages (smtpc_client_send_many) ---- */

static struct smtpc_rcpt stream_rcpt[3];
static struct smtpc_txn stream_txn[3];
static struct smtpc_part stream_part[3];
static struct smtpc_message stream_msg[3];

static void stream_setup(const struct step *steps)
{
    size_t i;

    setup_client(steps);
    for (i = 0; i < 3; i++) {
        memset(&stream_txn[i], 0, sizeof stream_txn[i]);
        memset(&stream_rcpt[i], 0, sizeof stream_rcpt[i]);
        stream_rcpt[i].address = "b@example.net";
        stream_txn[i].from = "a@example.org";
        stream_txn[i].rcpt = &stream_rcpt[i];
        stream_txn[i].rcpt_count = 1;
        stream_part[i].data = "hi\n";
        stream_part[i].len = 3;
        stream_msg[i].txn = &stream_txn[i];
        stream_msg[i].parts = &stream_part[i];
        stream_msg[i].count = 1;
    }
    assert_int_equal(smtpc_client_open(&client), 0);
}

#define S_MSG "MAIL FROM:<a@example.org> SIZE=4\r\nRCPT TO:<b@example.net>\r\n"

/* CHUNKING: the three messages in one write, their replies (and the two
 * RSETs' that lead the later ones) in one read; the last has nobody to
 * deliver to and clears its transaction with an RSET of its own. */
static void test_stream_chunking(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx ESMTP\r\n"},
        {S_BYTES, "250-mx\r\n250-PIPELINING\r\n250-SIZE 100\r\n250 CHUNKING\r\n"},
        {S_BYTES, "250 ok\r\n250 ok\r\n250 q1\r\n250 reset\r\n250 ok\r\n250 ok\r\n250 q2\r\n"
                  "250 reset\r\n250 ok\r\n550 no such user\r\n554 no valid recipients\r\n"},
        {S_BYTES, "250 reset\r\n"},
        {S_BYTES, "221 bye\r\n"},
        {S_END, NULL},
    };
    (void)state;

    stream_setup(steps);
    assert_int_equal(smtpc_client_send_many(&client, stream_msg, 3), 0);
    assert_string_equal(fake.written, "EHLO client.example\r\n" S_MSG "BDAT 4 LAST\r\nhi\r\n"
                                      "RSET\r\n" S_MSG "BDAT 4 LAST\r\nhi\r\n"
                                      "RSET\r\n" S_MSG "BDAT 4 LAST\r\nhi\r\n"
                                      "RSET\r\n");
    assert_int_equal(fake.writes, 3); /* EHLO, the stream, the last one's RSET */
    assert_int_equal(stream_txn[0].result, 0);
    assert_string_equal(stream_txn[0].end_reply.text, "q1");
    assert_int_equal(stream_txn[1].result, 0);
    assert_string_equal(stream_txn[1].end_reply.text, "q2");
    assert_int_equal(stream_txn[2].result, SMTPC_ERR_REFUSED_RCPT);
    assert_int_equal(stream_rcpt[2].reply.code, 550);
    assert_int_equal(smtpc_client_close(&client), 0);
    assert_int_equal(fake.writes, 4);
}

/* DATA: each message's end shares a write with the next one's commands:
 * a round trip per message and one more. */
static void test_stream_data(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx ESMTP\r\n"},
        {S_BYTES, "250-mx\r\n250-PIPELINING\r\n250 SIZE 100\r\n"},
        {S_BYTES, "250 ok\r\n250 ok\r\n354 go\r\n"},
        {S_BYTES, "250 q1\r\n250 ok\r\n250 ok\r\n354 go\r\n"},
        {S_BYTES, "250 q2\r\n250 ok\r\n250 ok\r\n354 go\r\n"},
        {S_BYTES, "250 q3\r\n"},
        {S_BYTES, "221 bye\r\n"},
        {S_END, NULL},
    };
    (void)state;

    stream_setup(steps);
    assert_int_equal(smtpc_client_send_many(&client, stream_msg, 3), 0);
    assert_string_equal(fake.written, "EHLO client.example\r\n" S_MSG "DATA\r\n"
                                      "hi\r\n.\r\n" S_MSG "DATA\r\n"
                                      "hi\r\n.\r\n" S_MSG "DATA\r\n"
                                      "hi\r\n.\r\n");
    assert_int_equal(fake.writes, 5);
    assert_string_equal(stream_txn[0].end_reply.text, "q1");
    assert_string_equal(stream_txn[1].end_reply.text, "q2");
    assert_string_equal(stream_txn[2].end_reply.text, "q3");
    assert_int_equal(stream_txn[2].result, 0);
    assert_int_equal(smtpc_client_close(&client), 0);
}

/* The connection lost in the middle: every message not accepted has the
 * error, the client is closed. */
static void test_stream_lost(void **state)
{
    static const struct step steps[] = {
        {S_BYTES, "220 mx ESMTP\r\n"},
        {S_BYTES, "250-mx\r\n250-PIPELINING\r\n250 SIZE 100\r\n"},
        {S_BYTES, "250 ok\r\n250 ok\r\n354 go\r\n"},
        {S_BYTES, "250 q1\r\n250 ok\r\n"},
        {S_EOF, NULL},
    };
    (void)state;

    stream_setup(steps);
    assert_int_equal(smtpc_client_send_many(&client, stream_msg, 3), SMTPC_ERR_CLOSED);
    assert_int_equal(stream_txn[0].result, 0);
    assert_int_equal(stream_txn[1].result, SMTPC_ERR_CLOSED);
    assert_int_equal(stream_txn[1].done, 1);
    assert_int_equal(stream_txn[2].result, SMTPC_ERR_CLOSED);
    assert_int_equal(stream_txn[2].done, 1);
    assert_int_equal(fake.closed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_chunking),
        cmocka_unit_test(test_stream_data),
        cmocka_unit_test(test_stream_lost),
        cmocka_unit_test(test_send_mail),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_deadline_spans_a_reply),
        cmocka_unit_test(test_quit_unanswered),
        cmocka_unit_test(test_timeout_at_data),
        cmocka_unit_test(test_disconnect_each_step),
        cmocka_unit_test(test_refusal_then_reuse),
        cmocka_unit_test(test_rcpt_refused_names_step),
        cmocka_unit_test(test_long_line_before_mail),
        cmocka_unit_test(test_two_messages),
        cmocka_unit_test(test_stream_body),
        cmocka_unit_test(test_stream_failure),
        cmocka_unit_test(test_stream_body_chunking),
        cmocka_unit_test(test_all_rcpts_chunk_one_write),
    };

    return cmocka_run_group_tests_name("client transcripts", tests, NULL, NULL);
}
