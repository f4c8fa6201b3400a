/*
 * Unit tests: the incremental reply parser (smtpc/reply.h).
 *
 * Every case is a server byte stream and the exact sequence of events the
 * parser must report for it: each LINE and DONE with the offset just past
 * its line, the line as p->line holds it, and at DONE the reply. The stream
 * is fed whole, split in two at every point, one byte at a time and in
 * chunks of every size; every feeding must give the same events, since the
 * network may cut a reply anywhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/error.h"
#include "smtpc/reply.h"

#define MAX_EVENTS 8
#define ANY_OFFSET ((size_t)-1) /* an error's offset is not part of the contract */

/* What the test expects at one event. */
struct expect {
    int ret;          /* SMTPC_REPLY_LINE, SMTPC_REPLY_DONE or a negative error */
    size_t at;        /* stream offset just after the event, or ANY_OFFSET */
    const char *line; /* p->line at LINE and DONE */
    int code;         /* at DONE: the reply */
    const char *enhanced;
    const char *text;
    unsigned lines;
};

/* What the parser reported at one event. */
struct event {
    int ret;
    size_t at;
    char line[SMTPC_REPLY_LINE_MAX + 1];
    struct smtpc_reply reply;
};

struct run {
    struct event ev[MAX_EVENTS];
    size_t n;
    int idle_at_end; /* smtpc_reply_parser_idle after the last byte (no error) */
};

struct limits {
    size_t max_line;
    size_t max_lines;
};

static const struct limits defaults = {0, 0};

static void record(struct run *r, int ret, size_t at, const struct smtpc_reply_parser *p,
                   const struct smtpc_reply *reply)
{
    struct event *e;

    assert_true(r->n < MAX_EVENTS);
    e = &r->ev[r->n++];
    e->ret = ret;
    e->at = at;
    if (ret == SMTPC_REPLY_LINE || ret == SMTPC_REPLY_DONE) {
        assert_true(strlen(p->line) <= SMTPC_REPLY_LINE_MAX);
        strcpy(e->line, p->line);
    }
    if (ret == SMTPC_REPLY_DONE)
        e->reply = *reply;
}

/* Feeds `data` as pieces ending at each of cuts[0..ncuts) and at len. */
static void feed(const struct limits *lim, const uint8_t *data, size_t len, const size_t *cuts,
                 size_t ncuts, struct run *r)
{
    static struct smtpc_reply_parser p;
    struct smtpc_reply reply;
    size_t start = 0, k;

    memset(r, 0, sizeof *r);
    memset(&reply, 0, sizeof reply);
    smtpc_reply_parser_init(&p, lim->max_line, lim->max_lines);
    for (k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        size_t off = start;

        while (off < end) {
            size_t used = (size_t)-1;
            int ret = smtpc_reply_parse(&p, &reply, data + off, end - off, &used);

            assert_true(used <= end - off);
            if (ret < 0) {
                record(r, ret, off + used, &p, &reply);
                return;
            }
            off += used;
            if (ret == SMTPC_REPLY_MORE) {
                assert_int_equal(off, end);
                continue;
            }
            assert_true(ret == SMTPC_REPLY_LINE || ret == SMTPC_REPLY_DONE);
            assert_true(used > 0);
            record(r, ret, off, &p, &reply);
        }
        start = end;
    }
    r->idle_at_end = smtpc_reply_parser_idle(&p);
}

static void feed_chunks(const struct limits *lim, const uint8_t *data, size_t len, size_t chunk,
                        struct run *r)
{
    static size_t cuts[4096];
    size_t n = 0, at;

    for (at = chunk; at < len; at += chunk) {
        assert_true(n < sizeof cuts / sizeof cuts[0]);
        cuts[n++] = at;
    }
    feed(lim, data, len, cuts, n, r);
}

static void assert_same_run(const struct run *a, const struct run *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    assert_int_equal(a->idle_at_end, b->idle_at_end);
    for (i = 0; i < a->n; i++) {
        const struct event *x = &a->ev[i], *y = &b->ev[i];

        assert_int_equal(x->ret, y->ret);
        assert_int_equal(x->at, y->at);
        if (x->ret == SMTPC_REPLY_LINE || x->ret == SMTPC_REPLY_DONE)
            assert_string_equal(x->line, y->line);
        if (x->ret == SMTPC_REPLY_DONE) {
            assert_int_equal(x->reply.code, y->reply.code);
            assert_string_equal(x->reply.enhanced, y->reply.enhanced);
            assert_string_equal(x->reply.text, y->reply.text);
            assert_int_equal(x->reply.lines, y->reply.lines);
            assert_int_equal(x->reply.truncated, y->reply.truncated);
        }
    }
}

static void assert_run_is(const struct run *r, const struct expect *ex, size_t n)
{
    size_t i;

    assert_int_equal(r->n, n);
    for (i = 0; i < n; i++) {
        const struct event *e = &r->ev[i];

        assert_int_equal(e->ret, ex[i].ret);
        if (ex[i].at != ANY_OFFSET)
            assert_int_equal(e->at, ex[i].at);
        if (ex[i].ret == SMTPC_REPLY_LINE || ex[i].ret == SMTPC_REPLY_DONE)
            assert_string_equal(e->line, ex[i].line);
        if (ex[i].ret == SMTPC_REPLY_DONE) {
            assert_int_equal(e->reply.code, ex[i].code);
            assert_string_equal(e->reply.enhanced, ex[i].enhanced);
            assert_string_equal(e->reply.text, ex[i].text);
            assert_int_equal(e->reply.lines, ex[i].lines);
            assert_int_equal(e->reply.truncated, 0);
        }
    }
    /* A stream that ends on a reply boundary leaves the parser idle. */
    if (n > 0 && ex[n - 1].ret == SMTPC_REPLY_DONE)
        assert_int_equal(r->idle_at_end, 1);
}

/* Feeds `data` whole, split in two at every point, one byte at a time and
 * in chunks of every size; all must agree. Returns the whole-feed run. */
static const struct run *replay_everywhere(const struct limits *lim, const uint8_t *data,
                                           size_t len)
{
    static struct run whole, other;
    size_t k;

    feed(lim, data, len, NULL, 0, &whole);
    for (k = 1; k < len; k++) {
        feed(lim, data, len, &k, 1, &other);
        assert_same_run(&whole, &other);
    }
    for (k = 1; k <= len; k++) {
        feed_chunks(lim, data, len, k, &other);
        assert_same_run(&whole, &other);
    }
    return &whole;
}

static void check_lim(const struct limits *lim, const void *data, size_t len,
                      const struct expect *ex, size_t n)
{
    assert_run_is(replay_everywhere(lim, (const uint8_t *)data, len), ex, n);
}

#define CHECK(stream, ...)                                                                         \
    do {                                                                                           \
        static const struct expect ex_[] = {__VA_ARGS__};                                          \
        check_lim(&defaults, stream, sizeof stream - 1, ex_, sizeof ex_ / sizeof ex_[0]);          \
    } while (0)

#define CHECK_LIM(lim, data, len, ...)                                                             \
    do {                                                                                           \
        static const struct expect ex_[] = {__VA_ARGS__};                                          \
        check_lim(lim, data, len, ex_, sizeof ex_ / sizeof ex_[0]);                                \
    } while (0)

/* clang-format off */
#define LINE(at, line) {SMTPC_REPLY_LINE, at, line, 0, NULL, NULL, 0}
#define DONE(at, line, code, enh, text, lines) {SMTPC_REPLY_DONE, at, line, code, enh, text, lines}
#define FAIL(err) {err, ANY_OFFSET, NULL, 0, NULL, NULL, 0}
/* clang-format on */

/* ---- well-formed replies ---- */

static void test_single_line(void **state)
{
    (void)state;
    /* S: 250 ok */
    CHECK("250 ok\r\n", DONE(8, "250 ok", 250, "", "ok", 1));
}

static void test_code_without_text(void **state)
{
    (void)state;
    /* S: 250 */
    CHECK("250\r\n", DONE(5, "250", 250, "", "", 1));
}

static void test_code_and_space_without_text(void **state)
{
    (void)state;
    CHECK("221 \r\n", DONE(6, "221 ", 221, "", "", 1));
}

static void test_multi_line(void **state)
{
    (void)state;
    /* S: 250-a / 250-b / 250 c */
    CHECK("250-a\r\n250-b\r\n250 c\r\n", LINE(7, "250-a"), LINE(14, "250-b"),
          DONE(21, "250 c", 250, "", "a\nb\nc", 3));
}

static void test_multi_line_with_empty_first_text(void **state)
{
    (void)state;
    CHECK("250-\r\n250 x\r\n", LINE(6, "250-"), DONE(13, "250 x", 250, "", "\nx", 2));
}

static void test_multi_line_ending_in_bare_code(void **state)
{
    (void)state;
    CHECK("250-a\r\n250\r\n", LINE(7, "250-a"), DONE(12, "250", 250, "", "a\n", 2));
}

static void test_bare_lf_line_ends(void **state)
{
    (void)state;
    CHECK("250 ok\n", DONE(7, "250 ok", 250, "", "ok", 1));
    CHECK("250-a\n250 b\n", LINE(6, "250-a"), DONE(12, "250 b", 250, "", "a\nb", 2));
    CHECK("250\n", DONE(4, "250", 250, "", "", 1));
}

static void test_mixed_line_ends_in_one_reply(void **state)
{
    (void)state;
    CHECK("250-a\n250-b\r\n250 c\n", LINE(6, "250-a"), LINE(13, "250-b"),
          DONE(19, "250 c", 250, "", "a\nb\nc", 3));
}

static void test_every_class(void **state)
{
    (void)state;
    CHECK("220 ready\r\n", DONE(11, "220 ready", 220, "", "ready", 1));
    CHECK("354 go\r\n", DONE(8, "354 go", 354, "", "go", 1));
    CHECK("421 bye\r\n", DONE(9, "421 bye", 421, "", "bye", 1));
    CHECK("559 x\r\n", DONE(7, "559 x", 559, "", "x", 1));
}

static void test_text_keeps_inner_bytes(void **state)
{
    (void)state;
    /* TAB, 8-bit bytes, '-' and spaces inside the text are the server's words */
    CHECK("250 a\tb -c  \xc3\xa9\r\n",
          DONE(16, "250 a\tb -c  \xc3\xa9", 250, "", "a\tb -c  \xc3\xa9", 1));
}

/* ---- enhanced status codes (RFC 3463) ---- */

static void test_enhanced_code(void **state)
{
    (void)state;
    CHECK("550 5.1.1 user unknown\r\n",
          DONE(24, "550 5.1.1 user unknown", 550, "5.1.1", "5.1.1 user unknown", 1));
    CHECK("451 4.3.0 x\r\n", DONE(13, "451 4.3.0 x", 451, "4.3.0", "4.3.0 x", 1));
    CHECK("250 2.000.000 x\r\n", DONE(17, "250 2.000.000 x", 250, "2.000.000", "2.000.000 x", 1));
}

static void test_enhanced_code_at_end_of_line(void **state)
{
    (void)state;
    CHECK("250 2.0.0\r\n", DONE(11, "250 2.0.0", 250, "2.0.0", "2.0.0", 1));
}

static void test_enhanced_code_comes_from_first_line(void **state)
{
    (void)state;
    CHECK("250-2.1.5 a\r\n250 2.1.0 b\r\n", LINE(13, "250-2.1.5 a"),
          DONE(26, "250 2.1.0 b", 250, "2.1.5", "2.1.5 a\n2.1.0 b", 2));
    CHECK("250-a\r\n250 2.1.0 b\r\n", LINE(7, "250-a"),
          DONE(20, "250 2.1.0 b", 250, "", "a\n2.1.0 b", 2));
}

static void test_not_enhanced_codes(void **state)
{
    (void)state;
    /* the class must match the reply code */
    CHECK("250 5.1.1 x\r\n", DONE(13, "250 5.1.1 x", 250, "", "5.1.1 x", 1));
    /* three parts */
    CHECK("250 2.1 x\r\n", DONE(11, "250 2.1 x", 250, "", "2.1 x", 1));
    /* followed by a space or the end of the line */
    CHECK("250 2.1.1x\r\n", DONE(12, "250 2.1.1x", 250, "", "2.1.1x", 1));
    /* at most three digits per part */
    CHECK("250 2.1000.0 x\r\n", DONE(16, "250 2.1000.0 x", 250, "", "2.1000.0 x", 1));
    CHECK("250 2.0.0000 x\r\n", DONE(16, "250 2.0.0000 x", 250, "", "2.0.0000 x", 1));
    /* no empty part */
    CHECK("250 2..0 x\r\n", DONE(12, "250 2..0 x", 250, "", "2..0 x", 1));
    /* 3xx replies carry no enhanced code: a base64 challenge is only text */
    CHECK("334 VXNlcm5hbWU6\r\n", DONE(18, "334 VXNlcm5hbWU6", 334, "", "VXNlcm5hbWU6", 1));
    CHECK("354 3.0.0 go\r\n", DONE(14, "354 3.0.0 go", 354, "", "3.0.0 go", 1));
}

/* ---- streams of several replies ---- */

static void test_two_replies_in_one_buffer(void **state)
{
    (void)state;
    /* S: 250 a / 354 go, in one read: the first DONE stops at its line end */
    CHECK("250 a\r\n354 go\r\n", DONE(7, "250 a", 250, "", "a", 1),
          DONE(15, "354 go", 354, "", "go", 1));
}

static void test_pipelined_replies(void **state)
{
    (void)state;
    CHECK("250 2.1.0 ok\r\n550-5.1.1 no\r\n550 5.1.1 such user\r\n250 2.1.5 ok\n",
          DONE(14, "250 2.1.0 ok", 250, "2.1.0", "2.1.0 ok", 1), LINE(28, "550-5.1.1 no"),
          DONE(49, "550 5.1.1 such user", 550, "5.1.1", "5.1.1 no\n5.1.1 such user", 2),
          DONE(62, "250 2.1.5 ok", 250, "2.1.5", "2.1.5 ok", 1));
}

static void test_new_reply_clears_the_previous(void **state)
{
    (void)state;
    /* the second reply has no enhanced code and one line: nothing leaks */
    CHECK("550-5.7.1 a\r\n550 5.7.1 b\r\n250\r\n", LINE(13, "550-5.7.1 a"),
          DONE(26, "550 5.7.1 b", 550, "5.7.1", "5.7.1 a\n5.7.1 b", 2),
          DONE(31, "250", 250, "", "", 1));
}

static void test_incomplete_reply_is_more(void **state)
{
    static struct run r;
    static const char stream[] = "250-a\r\n250 b";
    size_t used = 0;
    struct smtpc_reply_parser p;
    struct smtpc_reply reply;
    (void)state;

    feed(&defaults, (const uint8_t *)stream, sizeof stream - 1, NULL, 0, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].ret, SMTPC_REPLY_LINE);
    assert_int_equal(r.idle_at_end, 0);

    smtpc_reply_parser_init(&p, 0, 0);
    assert_int_equal(smtpc_reply_parser_idle(&p), 1);
    assert_int_equal(smtpc_reply_parse(&p, &reply, (const uint8_t *)"25", 2, &used),
                     SMTPC_REPLY_MORE);
    assert_int_equal(used, 2);
    assert_int_equal(smtpc_reply_parser_idle(&p), 0);
}

/* ---- syntax errors ---- */

static void test_four_digit_code(void **state)
{
    (void)state;
    CHECK("2500 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
}

static void test_malformed_codes(void **state)
{
    (void)state;
    CHECK("25 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("abc\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("650 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("160 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("2x0 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("250x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    /* RFC 5321 §4.2: the second digit is 0..5 */
    CHECK("260 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("599 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("25\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK(" 250 x\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
}

static void test_syntax_error_on_a_later_line(void **state)
{
    (void)state;
    CHECK("250-a\r\n25\r\n", LINE(7, "250-a"), FAIL(SMTPC_ERR_REPLY_SYNTAX));
}

static void test_mixed_codes(void **state)
{
    (void)state;
    CHECK("250-a\r\n251 b\r\n", LINE(7, "250-a"), FAIL(SMTPC_ERR_REPLY_MIXED));
    CHECK("250-a\r\n550-b\r\n250 c\r\n", LINE(7, "250-a"), FAIL(SMTPC_ERR_REPLY_MIXED));
}

static void test_cr_not_followed_by_lf(void **state)
{
    (void)state;
    CHECK("250 a\rb\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("250\rb\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK("250 a\r\r\n", FAIL(SMTPC_ERR_REPLY_SYNTAX));
}

static void test_nul_byte(void **state)
{
    static const char in_text[] = "250 a\0b\r\n";
    static const char in_sep[] = "250\0\r\n";
    static const char in_code[] = "2\00050 x\r\n";
    (void)state;

    CHECK_LIM(&defaults, in_text, sizeof in_text - 1, FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK_LIM(&defaults, in_sep, sizeof in_sep - 1, FAIL(SMTPC_ERR_REPLY_SYNTAX));
    CHECK_LIM(&defaults, in_code, sizeof in_code - 1, FAIL(SMTPC_ERR_REPLY_SYNTAX));
}

/* ---- bounds ---- */

/* "250 " followed by `text_len` copies of 'x', then `end`. */
static size_t long_line(char *buf, size_t text_len, const char *end)
{
    memcpy(buf, "250 ", 4);
    memset(buf + 4, 'x', text_len);
    strcpy(buf + 4 + text_len, end);
    return 4 + text_len + strlen(end);
}

static void test_line_of_max_line_bytes_at_small_limit(void **state)
{
    static const struct limits lim16 = {16, 0};
    char buf[64];
    size_t n;
    (void)state;

    n = long_line(buf, 12, "\r\n"); /* 16 bytes before CRLF */
    CHECK_LIM(&lim16, buf, n, DONE(18, "250 xxxxxxxxxxxx", 250, "", "xxxxxxxxxxxx", 1));
    n = long_line(buf, 12, "\n");
    CHECK_LIM(&lim16, buf, n, DONE(17, "250 xxxxxxxxxxxx", 250, "", "xxxxxxxxxxxx", 1));
    n = long_line(buf, 13, "\r\n"); /* 17 bytes */
    CHECK_LIM(&lim16, buf, n, FAIL(SMTPC_ERR_REPLY_TOO_LONG));
    n = long_line(buf, 13, "\n");
    CHECK_LIM(&lim16, buf, n, FAIL(SMTPC_ERR_REPLY_TOO_LONG));
    /* the bound holds even if the line never ends */
    n = long_line(buf, 40, "");
    CHECK_LIM(&lim16, buf, n, FAIL(SMTPC_ERR_REPLY_TOO_LONG));
}

static void test_limit_applies_to_every_line(void **state)
{
    static const struct limits lim8 = {8, 0};
    static const char ok[] = "250-abcd\r\n250 efgh\r\n";
    static const char over[] = "250-abcd\r\n250 efghi\r\n";
    (void)state;

    CHECK_LIM(&lim8, ok, sizeof ok - 1, LINE(10, "250-abcd"),
              DONE(20, "250 efgh", 250, "", "abcd\nefgh", 2));
    CHECK_LIM(&lim8, over, sizeof over - 1, LINE(10, "250-abcd"), FAIL(SMTPC_ERR_REPLY_TOO_LONG));
}

static void test_line_of_default_max_line_bytes(void **state)
{
    static const struct limits huge = {SMTPC_REPLY_LINE_MAX * 4, 0};
    static char buf[SMTPC_REPLY_LINE_MAX + 16];
    const struct run *r;
    size_t n;
    (void)state;

    n = long_line(buf, SMTPC_REPLY_LINE_MAX - 4, "\r\n");
    assert_int_equal(n, SMTPC_REPLY_LINE_MAX + 2);
    r = replay_everywhere(&defaults, (const uint8_t *)buf, n);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].ret, SMTPC_REPLY_DONE);
    assert_int_equal(r->ev[0].at, n);
    assert_int_equal(strlen(r->ev[0].line), SMTPC_REPLY_LINE_MAX);
    assert_memory_equal(r->ev[0].line, buf, SMTPC_REPLY_LINE_MAX);
    assert_int_equal(r->ev[0].reply.code, 250);
    assert_int_equal(r->ev[0].reply.lines, 1);

    /* one more octet is too long, also when the runtime limit asked for
     * is above the build-time maximum (it is clamped) */
    n = long_line(buf, SMTPC_REPLY_LINE_MAX - 3, "\r\n");
    CHECK_LIM(&defaults, buf, n, FAIL(SMTPC_ERR_REPLY_TOO_LONG));
    CHECK_LIM(&huge, buf, n, FAIL(SMTPC_ERR_REPLY_TOO_LONG));
}

static void test_line_count_limit(void **state)
{
    static const struct limits three = {0, 3};
    static const char ok[] = "250-a\r\n250-b\r\n250 c\r\n";
    static const char over[] = "250-a\r\n250-b\r\n250-c\r\n250 d\r\n";
    (void)state;

    CHECK_LIM(&three, ok, sizeof ok - 1, LINE(7, "250-a"), LINE(14, "250-b"),
              DONE(21, "250 c", 250, "", "a\nb\nc", 3));
    CHECK_LIM(&three, over, sizeof over - 1, LINE(7, "250-a"), LINE(14, "250-b"), LINE(21, "250-c"),
              FAIL(SMTPC_ERR_REPLY_LINES));
}

static void test_line_count_limit_is_per_reply(void **state)
{
    static const struct limits two = {0, 2};
    static const char stream[] = "250-a\r\n250 b\r\n250-c\r\n250 d\r\n";
    (void)state;

    CHECK_LIM(&two, stream, sizeof stream - 1, LINE(7, "250-a"),
              DONE(14, "250 b", 250, "", "a\nb", 2), LINE(21, "250-c"),
              DONE(28, "250 d", 250, "", "c\nd", 2));
}

static void test_default_line_count_limit(void **state)
{
    static uint8_t buf[(SMTPC_REPLY_LINES_DEFAULT + 1) * 6];
    struct smtpc_reply_parser p;
    struct smtpc_reply reply;
    size_t i, off = 0, used;
    int ret = 0, lines;
    (void)state;

    for (lines = SMTPC_REPLY_LINES_DEFAULT; lines <= SMTPC_REPLY_LINES_DEFAULT + 1; lines++) {
        size_t len = 0;

        for (i = 0; i < (size_t)lines; i++) {
            memcpy(buf + len, i + 1 < (size_t)lines ? "250-\r\n" : "250 \r\n", 6);
            len += 6;
        }
        smtpc_reply_parser_init(&p, 0, 0);
        for (off = 0; off < len; off += used) {
            ret = smtpc_reply_parse(&p, &reply, buf + off, len - off, &used);
            if (ret < 0 || ret == SMTPC_REPLY_DONE)
                break;
        }
        if (lines == SMTPC_REPLY_LINES_DEFAULT) {
            assert_int_equal(ret, SMTPC_REPLY_DONE);
            assert_int_equal(reply.lines, SMTPC_REPLY_LINES_DEFAULT);
        } else {
            assert_int_equal(ret, SMTPC_ERR_REPLY_LINES);
        }
    }
}

/* Regression: the line count of a reply must not wrap, whatever limit the
 * caller sets (it once lived in an unsigned short). */
static void test_line_count_does_not_wrap(void **state)
{
    struct smtpc_reply_parser p;
    struct smtpc_reply reply;
    unsigned long i, total = 65537;
    size_t used;
    int ret = 0;
    (void)state;

    smtpc_reply_parser_init(&p, 0, 70000);
    for (i = 0; i < total; i++) {
        const char *line = i + 1 < total ? "250-\n" : "250 \n";

        ret = smtpc_reply_parse(&p, &reply, (const uint8_t *)line, 5, &used);
        assert_int_equal(used, 5);
        if (ret < 0)
            break;
    }
    if (ret != SMTPC_ERR_REPLY_LINES) {
        assert_int_equal(ret, SMTPC_REPLY_DONE);
        assert_int_equal(reply.lines, total);
    }
}

/* ---- text truncation ---- */

/* Parses `stream` (one reply) whole and at every chunk size; all must
 * agree; returns the reply. */
static const struct smtpc_reply *parse_one(const char *stream)
{
    const struct run *r = replay_everywhere(&defaults, (const uint8_t *)stream, strlen(stream));

    assert_true(r->n >= 1);
    assert_int_equal(r->ev[r->n - 1].ret, SMTPC_REPLY_DONE);
    return &r->ev[r->n - 1].reply;
}

static void assert_text_sane(const struct smtpc_reply *r)
{
    assert_non_null(memchr(r->text, '\0', sizeof r->text));
}

static void test_text_that_just_fits(void **state)
{
    static char stream[SMTPC_REPLY_TEXT_MAX + 16];
    const struct smtpc_reply *r;
    (void)state;

    long_line(stream, SMTPC_REPLY_TEXT_MAX - 1, "\r\n");
    r = parse_one(stream);
    assert_int_equal(r->truncated, 0);
    assert_int_equal(strlen(r->text), SMTPC_REPLY_TEXT_MAX - 1);
    assert_memory_equal(r->text, stream + 4, SMTPC_REPLY_TEXT_MAX - 1);
}

static void test_long_line_is_truncated(void **state)
{
    static char stream[SMTPC_REPLY_TEXT_MAX + 64];
    const struct smtpc_reply *r;
    (void)state;

    long_line(stream, SMTPC_REPLY_TEXT_MAX, "\r\n");
    r = parse_one(stream);
    assert_int_equal(r->truncated, 1);
    assert_text_sane(r);
    assert_int_equal(strlen(r->text), SMTPC_REPLY_TEXT_MAX - 1);
    assert_memory_equal(r->text, stream + 4, SMTPC_REPLY_TEXT_MAX - 1);
    assert_int_equal(r->code, 250);
    assert_int_equal(r->lines, 1);
}

static void test_joined_lines_are_truncated(void **state)
{
    /* three lines of 100 octets joined by '\n' are 302 octets: the text
     * keeps what fits */
    static char stream[512], want[512];
    const struct smtpc_reply *r;
    size_t len = 0, w = 0, i;
    (void)state;

    for (i = 0; i < 3; i++) {
        memcpy(stream + len, i < 2 ? "250-" : "250 ", 4);
        memset(stream + len + 4, 'a' + (int)i, 100);
        memcpy(stream + len + 104, "\r\n", 3);
        len += 106;
        if (i > 0)
            want[w++] = '\n';
        memset(want + w, 'a' + (int)i, 100);
        w += 100;
    }
    assert_true(w > SMTPC_REPLY_TEXT_MAX - 1);
    want[SMTPC_REPLY_TEXT_MAX - 1] = '\0';

    r = parse_one(stream);
    assert_int_equal(r->lines, 3);
    assert_int_equal(r->truncated, 1);
    assert_string_equal(r->text, want);
}

static void test_separator_that_does_not_fit(void **state)
{
    /* the first line fills the text; the '\n' before the second cannot fit */
    static char stream[SMTPC_REPLY_TEXT_MAX + 64];
    const struct smtpc_reply *r;
    size_t n;
    (void)state;

    n = long_line(stream, SMTPC_REPLY_TEXT_MAX - 1, "\r\n");
    stream[3] = '-';
    strcpy(stream + n, "250 more\r\n");
    r = parse_one(stream);
    assert_int_equal(r->truncated, 1);
    assert_int_equal(r->lines, 2);
    assert_int_equal(strlen(r->text), SMTPC_REPLY_TEXT_MAX - 1);
    assert_memory_equal(r->text, stream + 4, SMTPC_REPLY_TEXT_MAX - 1);
}

static void test_truncation_flag_resets_for_next_reply(void **state)
{
    static char stream[SMTPC_REPLY_TEXT_MAX + 64];
    const struct run *r;
    size_t n;
    (void)state;

    n = long_line(stream, SMTPC_REPLY_TEXT_MAX + 10, "\r\n");
    strcpy(stream + n, "250 ok\r\n");
    r = replay_everywhere(&defaults, (const uint8_t *)stream, strlen(stream));
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].reply.truncated, 1);
    assert_int_equal(r->ev[1].reply.truncated, 0);
    assert_string_equal(r->ev[1].reply.text, "ok");
}

/* ---- garbage ---- */

static uint32_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Feeds `len` bytes in random pieces, re-initialising after each error.
 * Asserts bounds after every call; returns the number of replies. */
static size_t churn(const uint8_t *data, size_t len, size_t max_line, size_t max_lines)
{
    struct smtpc_reply_parser p;
    struct smtpc_reply reply;
    size_t off = 0, done = 0;

    smtpc_reply_parser_init(&p, max_line, max_lines);
    memset(&reply, 0, sizeof reply);
    while (off < len) {
        size_t piece = 1 + rnd() % 700, used = (size_t)-1;
        int ret;

        if (piece > len - off)
            piece = len - off;
        ret = smtpc_reply_parse(&p, &reply, data + off, piece, &used);
        assert_true(used <= piece);
        assert_true(p.line_len <= p.max_line);
        assert_true(p.max_line <= SMTPC_REPLY_LINE_MAX);
        assert_non_null(memchr(reply.text, '\0', sizeof reply.text));
        assert_non_null(memchr(reply.enhanced, '\0', sizeof reply.enhanced));
        if (ret < 0) {
            assert_true(ret == SMTPC_ERR_REPLY_SYNTAX || ret == SMTPC_ERR_REPLY_TOO_LONG ||
                        ret == SMTPC_ERR_REPLY_LINES || ret == SMTPC_ERR_REPLY_MIXED);
            smtpc_reply_parser_init(&p, max_line, max_lines);
            used = used > 0 ? used : 1;
        } else if (ret == SMTPC_REPLY_DONE) {
            assert_true(reply.code >= 200 && reply.code <= 599);
            assert_true(reply.lines >= 1 && reply.lines <= p.max_lines);
            assert_true(strlen(reply.text) < SMTPC_REPLY_TEXT_MAX);
            done++;
        } else if (ret == SMTPC_REPLY_LINE) {
            assert_true(strlen(p.line) <= p.max_line);
        } else {
            assert_int_equal(ret, SMTPC_REPLY_MORE);
            assert_int_equal(used, piece);
        }
        off += used;
    }
    return done;
}

static void test_random_garbage_never_overflows(void **state)
{
    static uint8_t buf[1 << 20];
    size_t i;
    (void)state;

    rng_state = 1;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rnd();
    churn(buf, sizeof buf, 0, 0);
    churn(buf, sizeof buf, 16, 3);
}

static void test_reply_shaped_garbage_never_overflows(void **state)
{
    /* bytes that often form valid codes, separators and line ends, with
     * long runs of text, so that every bound is reached */
    static const char alphabet[] = "2255500- -\r\n\nxx.";
    static uint8_t buf[1 << 20];
    size_t i = 0, done;
    (void)state;

    rng_state = 7;
    while (i < sizeof buf) {
        uint32_t r = rnd();

        if (r % 64 == 0) {
            size_t run = rnd() % 1500;

            while (run-- > 0 && i < sizeof buf)
                buf[i++] = 'y';
        } else if (r % 8 == 1 && i + 6 <= sizeof buf) {
            memcpy(buf + i, r % 16 == 1 ? "250-x\n" : "250 x\n", 6);
            i += 6;
        } else {
            buf[i++] = (uint8_t)alphabet[r % (sizeof alphabet - 1)];
        }
    }
    done = churn(buf, sizeof buf, 0, 0);
    assert_true(done > 0);
    churn(buf, sizeof buf, 16, 3);
}

/* The NetX Duo client's leniency (SMTPC_F_LENIENT_REPLY_BLANKS): blanks
 * before the code of a later line are skipped; off, they are an error. */
static void test_lenient_blanks_before_a_later_code(void **state)
{
    static const char in[] = "250-AUTH LOGIN\r\n 250 SIZE\r\n";
    struct smtpc_reply_parser p;
    struct smtpc_reply r;
    size_t used, off = 0;
    int rc;
    (void)state;

    smtpc_reply_parser_init(&p, 0, 0);
    p.lenient_blanks = 1;
    do {
        rc = smtpc_reply_parse(&p, &r, (const uint8_t *)in + off, 1, &used);
        off += used;
    } while (rc == SMTPC_REPLY_MORE || rc == SMTPC_REPLY_LINE);
    assert_int_equal(rc, SMTPC_REPLY_DONE);
    assert_int_equal(off, strlen(in));
    assert_int_equal(r.code, 250);
    assert_int_equal(r.lines, 2);
    assert_string_equal(p.line, "250 SIZE");

    /* a blank before the first line's code is never skipped */
    smtpc_reply_parser_init(&p, 0, 0);
    p.lenient_blanks = 1;
    assert_int_equal(smtpc_reply_parse(&p, &r, (const uint8_t *)" 250 ok\r\n", 9, &used),
                     SMTPC_ERR_REPLY_SYNTAX);
    /* and by default not at all */
    smtpc_reply_parser_init(&p, 0, 0);
    off = 0;
    do {
        rc = smtpc_reply_parse(&p, &r, (const uint8_t *)in + off, strlen(in) - off, &used);
        off += used;
    } while (rc == SMTPC_REPLY_LINE);
    assert_int_equal(rc, SMTPC_ERR_REPLY_SYNTAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_line),
        cmocka_unit_test(test_code_without_text),
        cmocka_unit_test(test_code_and_space_without_text),
        cmocka_unit_test(test_multi_line),
        cmocka_unit_test(test_multi_line_with_empty_first_text),
        cmocka_unit_test(test_multi_line_ending_in_bare_code),
        cmocka_unit_test(test_bare_lf_line_ends),
        cmocka_unit_test(test_mixed_line_ends_in_one_reply),
        cmocka_unit_test(test_every_class),
        cmocka_unit_test(test_text_keeps_inner_bytes),
        cmocka_unit_test(test_enhanced_code),
        cmocka_unit_test(test_enhanced_code_at_end_of_line),
        cmocka_unit_test(test_enhanced_code_comes_from_first_line),
        cmocka_unit_test(test_not_enhanced_codes),
        cmocka_unit_test(test_two_replies_in_one_buffer),
        cmocka_unit_test(test_pipelined_replies),
        cmocka_unit_test(test_new_reply_clears_the_previous),
        cmocka_unit_test(test_incomplete_reply_is_more),
        cmocka_unit_test(test_four_digit_code),
        cmocka_unit_test(test_malformed_codes),
        cmocka_unit_test(test_syntax_error_on_a_later_line),
        cmocka_unit_test(test_mixed_codes),
        cmocka_unit_test(test_cr_not_followed_by_lf),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_line_of_max_line_bytes_at_small_limit),
        cmocka_unit_test(test_limit_applies_to_every_line),
        cmocka_unit_test(test_line_of_default_max_line_bytes),
        cmocka_unit_test(test_line_count_limit),
        cmocka_unit_test(test_line_count_limit_is_per_reply),
        cmocka_unit_test(test_default_line_count_limit),
        cmocka_unit_test(test_line_count_does_not_wrap),
        cmocka_unit_test(test_text_that_just_fits),
        cmocka_unit_test(test_long_line_is_truncated),
        cmocka_unit_test(test_joined_lines_are_truncated),
        cmocka_unit_test(test_separator_that_does_not_fit),
        cmocka_unit_test(test_truncation_flag_resets_for_next_reply),
        cmocka_unit_test(test_random_garbage_never_overflows),
        cmocka_unit_test(test_reply_shaped_garbage_never_overflows),
        cmocka_unit_test(test_lenient_blanks_before_a_later_code),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
