/*
 * Unit tests: the DATA body encoder (smtpc/body.h).
 *
 * The encoder's promise is that no body, however it is cut into pieces and
 * whatever output window it is given, can end the DATA phase early: every
 * line ending goes out as CRLF, every line starting with '.' gets another,
 * and the wire ends in exactly one CRLF.CRLF. Each expected wire string
 * below is checked with the input fed at every chunk size and with output
 * windows of every size from 3 to 16 and one large one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtpc/body.h"
#include "smtpc/error.h"

#define GUARD 0xee
#define BIG_WINDOW 4096
#define WIRE_MAX 8192
#define RANDOM_CHUNKS 0 /* a `chunk` of 0: a random size for every piece */

static uint32_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

struct wire {
    uint8_t bytes[WIRE_MAX];
    size_t len;
};

static void assert_untouched(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        assert_int_equal(p[i], GUARD);
}

/* Feeds `in` to a fresh encoder `chunk` bytes at a time through output
 * windows of `window` bytes (each followed by guard bytes that must stay
 * untouched), then finishes. Returns 0 with the wire bytes in *w, or the
 * encoder's error with *w holding what was written before it. */
static int encode_stream(const uint8_t *in, size_t len, size_t chunk, size_t window, int policy,
                         struct wire *w)
{
    static uint8_t win[BIG_WINDOW + 16];
    struct smtpc_body_encoder e;
    size_t off = 0;
    long fin;

    w->len = 0;
    smtpc_body_encoder_init(&e, policy);
    while (off < len) {
        size_t piece = chunk == RANDOM_CHUNKS ? 1 + rnd() % 17 : chunk;
        size_t pos = 0;

        if (piece > len - off)
            piece = len - off;
        while (pos < piece) {
            size_t out_len = (size_t)-1;
            long n;

            memset(win, GUARD, window + 16);
            n = smtpc_body_encode(&e, in + off + pos, piece - pos, win, window, &out_len);
            assert_true(out_len <= window);
            assert_untouched(win + window, 16);
            assert_true(w->len + out_len <= sizeof w->bytes);
            memcpy(w->bytes + w->len, win, out_len);
            w->len += out_len;
            if (n < 0)
                return (int)n;
            assert_true(n > 0); /* a window of 3 or more always makes progress */
            assert_true((size_t)n <= piece - pos);
            pos += (size_t)n;
        }
        off += piece;
    }
    assert_int_equal(e.in_total, len);

    memset(win, GUARD, window + 16);
    fin = smtpc_body_finish(&e, win, window);
    if (fin == SMTPC_ERR_BUFFER) {
        /* a small window: nothing written; a full-size one must do */
        assert_true(window < SMTPC_BODY_END_MAX);
        assert_untouched(win, window + 16);
        fin = smtpc_body_finish(&e, win, SMTPC_BODY_END_MAX);
    }
    assert_true(fin == 3 || fin == 5);
    memcpy(w->bytes + w->len, win, (size_t)fin);
    w->len += (size_t)fin;
    assert_int_equal(e.out_total, w->len);
    return 0;
}

static void assert_wire(const struct wire *w, const void *expected, size_t expected_len)
{
    assert_int_equal(w->len, expected_len);
    assert_memory_equal(w->bytes, expected, expected_len);
}

/* The windows every expectation is checked with. */
static const size_t windows[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, BIG_WINDOW};
#define NWINDOWS (sizeof windows / sizeof windows[0])

/* Chunk sizes: all of them for short inputs, a spread for long ones. */
static size_t chunk_sizes(size_t len, size_t *sizes)
{
    static const size_t spread[] = {1, 2, 3, 5, 8, 64, 997, 998, 999, 1000, 1001};
    size_t n = 0, i;

    if (len <= 64) {
        for (i = 1; i <= len; i++)
            sizes[n++] = i;
    } else {
        for (i = 0; i < sizeof spread / sizeof spread[0]; i++) {
            if (spread[i] <= len)
                sizes[n++] = spread[i];
        }
        sizes[n++] = len;
    }
    if (n == 0)
        sizes[n++] = 1;
    return n;
}

static void check_encoding_n(const void *in, size_t len, int policy, const void *expected,
                             size_t expected_len)
{
    static struct wire w;
    size_t sizes[80], ns, c, k;

    ns = chunk_sizes(len, sizes);
    for (c = 0; c < ns; c++) {
        for (k = 0; k < NWINDOWS; k++) {
            assert_int_equal(encode_stream(in, len, sizes[c], windows[k], policy, &w), 0);
            assert_wire(&w, expected, expected_len);
        }
    }
}

/* Input and expected wire are string literals (NUL-free). */
#define CHECK(in, expected)                                                                        \
    check_encoding_n(in, sizeof in - 1, SMTPC_LONG_LINES_FAIL, expected, sizeof expected - 1)

/* ---- line endings and the end of data ---- */

static void test_empty_body(void **state)
{
    (void)state;
    CHECK("", ".\r\n");
}

static void test_body_without_line_break(void **state)
{
    (void)state;
    CHECK("a", "a\r\n.\r\n");
    CHECK("hello world", "hello world\r\n.\r\n");
}

static void test_final_line_break_is_not_doubled(void **state)
{
    (void)state;
    CHECK("a\r\n", "a\r\n.\r\n");
    CHECK("a\n", "a\r\n.\r\n");
    CHECK("a\r", "a\r\n.\r\n");
}

static void test_empty_lines_are_kept(void **state)
{
    (void)state;
    CHECK("a\n\n", "a\r\n\r\n.\r\n");
    CHECK("a\r\r\n", "a\r\n\r\n.\r\n");
    CHECK("a\r\n\r\n", "a\r\n\r\n.\r\n");
    CHECK("\n", "\r\n.\r\n");
    CHECK("\r\n", "\r\n.\r\n");
    CHECK("\r", "\r\n.\r\n");
    /* LF then CR are two line endings, not one */
    CHECK("\n\r", "\r\n\r\n.\r\n");
}

static void test_mixed_line_endings(void **state)
{
    (void)state;
    CHECK("a\rb\nc\r\nd", "a\r\nb\r\nc\r\nd\r\n.\r\n");
    CHECK("a\n\rb", "a\r\n\r\nb\r\n.\r\n");
    CHECK("a\r\r\rb", "a\r\n\r\n\r\nb\r\n.\r\n");
}

/* ---- dot-stuffing and smuggling ---- */

static void test_smuggling_vectors_are_stuffed(void **state)
{
    (void)state;
    /* every spelling of "line break, dot, line break" inside a body */
    CHECK("x\n.\ny", "x\r\n..\r\ny\r\n.\r\n");
    CHECK("x\r.\ry", "x\r\n..\r\ny\r\n.\r\n");
    CHECK("x\n.\r\ny", "x\r\n..\r\ny\r\n.\r\n");
    CHECK("x\r\n.\r\ny", "x\r\n..\r\ny\r\n.\r\n");
    CHECK("x\r\n.\ny", "x\r\n..\r\ny\r\n.\r\n");
    CHECK("x\n.\ry", "x\r\n..\r\ny\r\n.\r\n");
    CHECK("x\r.\r\ny", "x\r\n..\r\ny\r\n.\r\n");
    /* and a forged end of data followed by a forged transaction */
    CHECK("x\n.\nMAIL FROM:<e@vil>\n", "x\r\n..\r\nMAIL FROM:<e@vil>\r\n.\r\n");
}

static void test_leading_dot(void **state)
{
    (void)state;
    CHECK(".", "..\r\n.\r\n");
    CHECK(".\r\n", "..\r\n.\r\n");
    CHECK(".\n", "..\r\n.\r\n");
    CHECK(".x", "..x\r\n.\r\n");
}

static void test_body_ending_in_a_dot_line(void **state)
{
    (void)state;
    CHECK("a\r\n.", "a\r\n..\r\n.\r\n");
    CHECK("a\n.", "a\r\n..\r\n.\r\n");
    CHECK("a\r\n.\r\n", "a\r\n..\r\n.\r\n");
}

static void test_only_the_first_dot_is_doubled(void **state)
{
    (void)state;
    CHECK("..x", "...x\r\n.\r\n");
    CHECK("...", "....\r\n.\r\n");
    CHECK("a\n..\n", "a\r\n...\r\n.\r\n");
}

static void test_dots_not_at_line_start_are_untouched(void **state)
{
    (void)state;
    CHECK("a.b", "a.b\r\n.\r\n");
    CHECK("a.", "a.\r\n.\r\n");
    CHECK(" .", " .\r\n.\r\n");
    CHECK("a\n b.\n", "a\r\n b.\r\n.\r\n");
}

static void test_other_bytes_pass_through(void **state)
{
    static const uint8_t in[] = {'a', 0x00, 0x80, 0xff, '\t', 0x1b, 'z'};
    static const uint8_t out[] = {'a', 0x00, 0x80, 0xff, '\t', 0x1b,
                                  'z', '\r', '\n', '.',  '\r', '\n'};
    (void)state;

    check_encoding_n(in, sizeof in, SMTPC_LONG_LINES_FAIL, out, sizeof out);
}

/* ---- the output window ---- */

static void test_encode_stops_when_the_window_is_full(void **state)
{
    struct smtpc_body_encoder e;
    uint8_t out[8];
    size_t out_len = 0;
    (void)state;

    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    assert_int_equal(smtpc_body_encode(&e, (const uint8_t *)"abcdef", 6, out, 3, &out_len), 3);
    assert_int_equal(out_len, 3);
    assert_memory_equal(out, "abc", 3);

    /* a CRLF is never split across windows */
    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    assert_int_equal(smtpc_body_encode(&e, (const uint8_t *)"ab\ncd", 5, out, 3, &out_len), 2);
    assert_int_equal(out_len, 2);
    assert_memory_equal(out, "ab", 2);
    assert_int_equal(smtpc_body_encode(&e, (const uint8_t *)"\ncd", 3, out, 3, &out_len), 2);
    assert_int_equal(out_len, 3);
    assert_memory_equal(out, "\r\nc", 3);

    /* nor a stuffed dot */
    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    assert_int_equal(smtpc_body_encode(&e, (const uint8_t *)"\n.", 2, out, 3, &out_len), 1);
    assert_int_equal(out_len, 2);
    assert_memory_equal(out, "\r\n", 2);
}

static void test_finish_with_a_small_window(void **state)
{
    struct smtpc_body_encoder e;
    uint8_t out[16];
    size_t out_len;
    (void)state;

    /* mid-line: CRLF . CRLF needs 5 */
    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    assert_int_equal(smtpc_body_encode(&e, (const uint8_t *)"a", 1, out, sizeof out, &out_len), 1);
    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_body_finish(&e, out, 4), SMTPC_ERR_BUFFER);
    assert_untouched(out, sizeof out);
    assert_int_equal(smtpc_body_finish(&e, out, 0), SMTPC_ERR_BUFFER);
    assert_untouched(out, sizeof out);
    assert_int_equal(smtpc_body_finish(&e, out, 5), 5);
    assert_memory_equal(out, "\r\n.\r\n", 5);
    assert_untouched(out + 5, sizeof out - 5);

    /* at a line start: . CRLF needs 3 */
    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    assert_int_equal(smtpc_body_encode(&e, (const uint8_t *)"a\n", 2, out, sizeof out, &out_len),
                     2);
    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_body_finish(&e, out, 2), SMTPC_ERR_BUFFER);
    assert_untouched(out, sizeof out);
    assert_int_equal(smtpc_body_finish(&e, out, 3), 3);
    assert_memory_equal(out, ".\r\n", 3);
    assert_untouched(out + 3, sizeof out - 3);
}

/* ---- line length ---- */

/* `prefix`, then `n` copies of `fill`. */
static size_t make_line(uint8_t *buf, const char *prefix, size_t n, char fill)
{
    size_t p = strlen(prefix);

    memcpy(buf, prefix, p);
    memset(buf + p, fill, n);
    return p + n;
}

/* Encodes with the fail policy at several chunk sizes and windows and
 * asserts SMTPC_ERR_BODY_LINE after exactly `before` (of `in`'s wire). */
static void check_line_error(const uint8_t *in, size_t len, const uint8_t *before,
                             size_t before_len)
{
    static struct wire w;
    size_t sizes[80], ns, c, k;

    ns = chunk_sizes(len, sizes);
    for (c = 0; c < ns; c++) {
        for (k = 0; k < NWINDOWS; k++) {
            assert_int_equal(
                encode_stream(in, len, sizes[c], windows[k], SMTPC_LONG_LINES_FAIL, &w),
                SMTPC_ERR_BODY_LINE);
            assert_wire(&w, before, before_len);
        }
    }
}

static void test_998_octet_line_passes(void **state)
{
    static uint8_t in[1200], out[1200];
    size_t n;
    int eight_bit = 7;
    (void)state;

    n = make_line(in, "", SMTPC_BODY_LINE_MAX, 'a');
    memcpy(out, in, n);
    memcpy(out + n, "\r\n.\r\n", 5);
    check_encoding_n(in, n, SMTPC_LONG_LINES_FAIL, out, n + 5);
    assert_int_equal(smtpc_body_check(in, n, &eight_bit), 0);
    assert_int_equal(eight_bit, 0);

    /* with its line break */
    memcpy(in + n, "\r\n", 2);
    check_encoding_n(in, n + 2, SMTPC_LONG_LINES_FAIL, out, n + 5);
    assert_int_equal(smtpc_body_check(in, n + 2, NULL), 0);
}

static void test_999_octet_line_fails(void **state)
{
    static uint8_t in[1200];
    struct smtpc_body_encoder e;
    static uint8_t out[2048];
    size_t n, out_len = (size_t)-1;
    (void)state;

    n = make_line(in, "", SMTPC_BODY_LINE_MAX + 1, 'a');

    /* in one call: only the octets within the limit are written */
    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    assert_int_equal(smtpc_body_encode(&e, in, n, out, sizeof out, &out_len), SMTPC_ERR_BODY_LINE);
    assert_int_equal(out_len, SMTPC_BODY_LINE_MAX);
    assert_memory_equal(out, in, SMTPC_BODY_LINE_MAX);

    /* at any chunk size and window */
    check_line_error(in, n, in, SMTPC_BODY_LINE_MAX);
    assert_int_equal(smtpc_body_check(in, n, NULL), SMTPC_ERR_BODY_LINE);
}

static void test_long_line_after_short_ones(void **state)
{
    static uint8_t in[1200], before[1200];
    size_t n;
    (void)state;

    /* earlier lines do not count towards the limit... */
    n = make_line(in, "abc\n", SMTPC_BODY_LINE_MAX, 'a');
    assert_int_equal(smtpc_body_check(in, n, NULL), 0);
    memcpy(before, "abc\r\n", 5);
    memset(before + 5, 'a', SMTPC_BODY_LINE_MAX);
    memcpy(before + 5 + SMTPC_BODY_LINE_MAX, "\r\n.\r\n", 5);
    check_encoding_n(in, n, SMTPC_LONG_LINES_FAIL, before, SMTPC_BODY_LINE_MAX + 10);

    /* ...but the new line is held to it */
    n = make_line(in, "abc\r", SMTPC_BODY_LINE_MAX + 1, 'a');
    assert_int_equal(smtpc_body_check(in, n, NULL), SMTPC_ERR_BODY_LINE);
    check_line_error(in, n, before, SMTPC_BODY_LINE_MAX + 5);
}

static void test_long_lines_pass_under_pass_policy(void **state)
{
    static uint8_t in[5000], out[5100];
    size_t n;
    (void)state;

    n = make_line(in, "", SMTPC_BODY_LINE_MAX + 1, 'a');
    memcpy(out, in, n);
    memcpy(out + n, "\r\n.\r\n", 5);
    check_encoding_n(in, n, SMTPC_LONG_LINES_PASS, out, n + 5);

    n = make_line(in, ".", 4000, 'b');
    out[0] = '.';
    memcpy(out + 1, in, n);
    memcpy(out + 1 + n, "\r\n.\r\n", 5);
    check_encoding_n(in, n, SMTPC_LONG_LINES_PASS, out, n + 6);
}

static void test_stuffed_dot_counts_toward_the_limit(void **state)
{
    static uint8_t in[1200], out[1200];
    size_t n;
    (void)state;

    /* 998 input octets starting with '.' are 999 on the wire */
    n = make_line(in, ".", SMTPC_BODY_LINE_MAX - 1, 'a');
    assert_int_equal(n, SMTPC_BODY_LINE_MAX);
    out[0] = '.';
    memcpy(out + 1, in, SMTPC_BODY_LINE_MAX - 1);
    check_line_error(in, n, out, SMTPC_BODY_LINE_MAX);
    assert_int_equal(smtpc_body_check(in, n, NULL), SMTPC_ERR_BODY_LINE);

    /* 997 input octets starting with '.' are 998: fine */
    n = make_line(in, ".", SMTPC_BODY_LINE_MAX - 2, 'a');
    out[0] = '.';
    memcpy(out + 1, in, n);
    memcpy(out + 1 + n, "\r\n.\r\n", 5);
    check_encoding_n(in, n, SMTPC_LONG_LINES_FAIL, out, n + 6);
    assert_int_equal(smtpc_body_check(in, n, NULL), 0);
}

/* ---- smtpc_body_check ---- */

static void test_check_reports_eight_bit(void **state)
{
    int eight_bit;
    (void)state;

    eight_bit = 7;
    assert_int_equal(smtpc_body_check((const uint8_t *)"plain ascii\r\n.\r\n", 16, &eight_bit), 0);
    assert_int_equal(eight_bit, 0);
    eight_bit = 7;
    assert_int_equal(smtpc_body_check((const uint8_t *)"caf\xc3\xa9\n", 6, &eight_bit), 0);
    assert_int_equal(eight_bit, 1);
    eight_bit = 7;
    assert_int_equal(smtpc_body_check((const uint8_t *)"\x80", 1, &eight_bit), 0);
    assert_int_equal(eight_bit, 1);
    eight_bit = 7;
    assert_int_equal(smtpc_body_check((const uint8_t *)"\x7f", 1, &eight_bit), 0);
    assert_int_equal(eight_bit, 0);
    eight_bit = 7;
    assert_int_equal(smtpc_body_check((const uint8_t *)"", 0, &eight_bit), 0);
    assert_int_equal(eight_bit, 0);
    assert_int_equal(smtpc_body_check((const uint8_t *)"\xff", 1, NULL), 0);
}

/* 8-bit bytes after a line too long are still seen (the pass policy sends
 * the body, with BODY=8BITMIME), and lines long only across the windows the
 * check reads in are measured whole. */
static void test_check_reads_past_a_long_line(void **state)
{
    static uint8_t in[5000];
    int eight_bit = 7;
    size_t i;
    (void)state;

    memset(in, 'x', sizeof in);
    in[2000] = '\n';
    in[3000] = 0xe9;
    assert_int_equal(smtpc_body_check(in, sizeof in, &eight_bit), SMTPC_ERR_BODY_LINE);
    assert_int_equal(eight_bit, 1);
    /* CR-only line breaks every 998 octets: fine; one octet more: too long */
    memset(in, 'y', sizeof in);
    for (i = 998; i < sizeof in; i += 999)
        in[i] = '\r';
    assert_int_equal(smtpc_body_check(in, sizeof in, &eight_bit), 0);
    assert_int_equal(eight_bit, 0);
    in[998] = 'y';
    assert_int_equal(smtpc_body_check(in, sizeof in, NULL), SMTPC_ERR_BODY_LINE);
    /* the leading dot counts: 997 + '.' is 998 on the wire with the stuffing */
    memset(in, 'z', sizeof in);
    in[0] = '.';
    in[997] = '\n';
    assert_int_equal(smtpc_body_check(in, 998, NULL), 0);
    in[997] = 'z';
    in[998] = '\n';
    assert_int_equal(smtpc_body_check(in, 999, NULL), SMTPC_ERR_BODY_LINE);
}

static void test_check_agrees_with_encoder(void **state)
{
    /* bodies of a few lines of 990..1000 octets, some starting with '.',
     * some with 8-bit bytes, with random line endings */
    static const char *const endings[] = {"\r\n", "\n", "\r"};
    static uint8_t in[4200];
    static struct wire w;
    int round;
    (void)state;

    rng_state = 99;
    for (round = 0; round < 400; round++) {
        size_t len = 0, lines = 1 + rnd() % 4, i;
        int want_high = 0, eight_bit = 7, rc_check, rc_enc;

        for (i = 0; i < lines; i++) {
            size_t n = 990 + rnd() % 11;
            const char *end = endings[rnd() % 3];

            memset(in + len, 'x', n);
            if (rnd() % 3 == 0)
                in[len] = '.';
            if (rnd() % 5 == 0) {
                in[len + n / 2] = 0xc3;
                want_high = 1;
            }
            len += n;
            if (i + 1 < lines || rnd() % 2 == 0) {
                memcpy(in + len, end, strlen(end));
                len += strlen(end);
            }
        }
        rc_check = smtpc_body_check(in, len, &eight_bit);
        rc_enc = encode_stream(in, len, RANDOM_CHUNKS, rnd() % 2 ? 16 : BIG_WINDOW,
                               SMTPC_LONG_LINES_FAIL, &w);
        assert_int_equal(rc_check, rc_enc);
        assert_int_equal(eight_bit, want_high); /* for the whole body, long line or not */
        assert_int_equal(encode_stream(in, len, RANDOM_CHUNKS, 7, SMTPC_LONG_LINES_PASS, &w), 0);
    }
}

/* ---- property: nothing can end the data early ---- */

/* The input with every line ending as CRLF, and a final CRLF if missing. */
static size_t normalise(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t i, o = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == '\r' || in[i] == '\n') {
            if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
                i++;
            out[o++] = '\r';
            out[o++] = '\n';
        } else {
            out[o++] = in[i];
        }
    }
    if (len > 0 && in[len - 1] != '\r' && in[len - 1] != '\n') {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}

/* What a server makes of the wire: the terminator removed and each line's
 * stuffed dot dropped. */
static size_t unstuff(const uint8_t *wire, size_t len, uint8_t *out)
{
    size_t i = 0, o = 0;

    assert_true(len >= 3);
    assert_memory_equal(wire + len - 3, ".\r\n", 3);
    len -= 3;
    while (i < len) {
        if (wire[i] == '.')
            i++;
        while (i < len) {
            out[o++] = wire[i];
            if (wire[i++] == '\n')
                break;
        }
    }
    return o;
}

static void assert_safe_wire(const uint8_t *wire, size_t len)
{
    size_t i;

    /* (2) no bare CR, no bare LF */
    for (i = 0; i < len; i++) {
        if (wire[i] == '\r')
            assert_true(i + 1 < len && wire[i + 1] == '\n');
        if (wire[i] == '\n')
            assert_true(i > 0 && wire[i - 1] == '\r');
    }
    /* (1) CRLF.CRLF only at the very end, counting the CRLF that ended
     * the DATA command before the first byte */
    if (len == 3) {
        assert_memory_equal(wire, ".\r\n", 3);
        return;
    }
    assert_true(len >= 5);
    assert_memory_equal(wire + len - 5, "\r\n.\r\n", 5);
    assert_false(wire[0] == '.' && wire[1] == '\r');
    for (i = 0; i + 5 < len; i++)
        assert_false(memcmp(wire + i, "\r\n.\r\n", 5) == 0);
}

static void test_random_bodies_cannot_end_data_early(void **state)
{
    static const uint8_t alphabet[] = {'.', '\r', '\n', 'a', 0x80};
    static struct wire w, w_again;
    uint8_t in[64], want[160], got[160];
    int round;
    (void)state;

    rng_state = 12345;
    for (round = 0; round < 10000; round++) {
        size_t len = rnd() % 41, i, want_len, got_len;
        size_t window = rnd() % 4 == 0 ? BIG_WINDOW : 3 + rnd() % 14;

        for (i = 0; i < len; i++)
            in[i] = alphabet[rnd() % sizeof alphabet];
        assert_int_equal(encode_stream(in, len, RANDOM_CHUNKS, window, SMTPC_LONG_LINES_FAIL, &w),
                         0);
        assert_safe_wire(w.bytes, w.len);
        want_len = normalise(in, len, want);
        got_len = unstuff(w.bytes, w.len, got);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        if (len == 0)
            assert_int_equal(w.len, 3);
        /* whole input, whole window: the same wire */
        assert_int_equal(
            encode_stream(in, len, len + 1, BIG_WINDOW, SMTPC_LONG_LINES_FAIL, &w_again), 0);
        assert_wire(&w_again, w.bytes, w.len);
    }
}

/* The measured size is what the BDAT encoder produces, wherever the
 * body is split (a CR at a piece's end, its LF at the next's start). */
static void test_measure_size_at_every_split(void **state)
{
    static const char *const bodies[] = {
        "",
        "a",
        "a\n",
        "a\r\n",
        "a\r",
        "\r\n\r\n",
        "\n\n",
        "\r\r",
        ".\n..\r\nx",
        "line\rnext\n\rlast",
        "caf\xc3\xa9\r\n",
    };
    size_t b, cut;
    (void)state;

    for (b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
        const uint8_t *in = (const uint8_t *)bodies[b];
        size_t len = strlen(bodies[b]), produced = 0;
        struct smtpc_body_encoder e;
        uint8_t out[64];
        unsigned long long want;

        smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
        e.no_stuffing = 1;
        assert_int_equal(smtpc_body_encode(&e, in, len, out, sizeof out, &produced), (long)len);
        want = produced + (e.at_line_start ? 0 : 2);
        for (cut = 0; cut <= len; cut++) {
            struct smtpc_body_measure m;

            smtpc_body_measure_init(&m);
            smtpc_body_measure_add(&m, in, cut);
            smtpc_body_measure_add(&m, in + cut, len - cut);
            assert_int_equal(smtpc_body_measure_end(&m), want);
            assert_int_equal(m.eight_bit, b == 10);
            assert_int_equal(m.long_line, 0);
        }
    }
}

/* A long line in the second piece and 8-bit bytes in the first: both
 * hold for the whole body. */
static void test_measure_across_pieces(void **state)
{
    static uint8_t line[1000];
    struct smtpc_body_measure m;
    (void)state;

    memset(line, 'x', sizeof line);
    smtpc_body_measure_init(&m);
    smtpc_body_measure_add(&m, (const uint8_t *)"\xff\n", 2);
    smtpc_body_measure_add(&m, line, 500);
    smtpc_body_measure_add(&m, line, 499);
    assert_int_equal(m.long_line, 1);
    assert_int_equal(m.eight_bit, 1);
    assert_int_equal(smtpc_body_measure_end(&m), 3 + 999 + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_body_without_line_break),
        cmocka_unit_test(test_final_line_break_is_not_doubled),
        cmocka_unit_test(test_empty_lines_are_kept),
        cmocka_unit_test(test_mixed_line_endings),
        cmocka_unit_test(test_smuggling_vectors_are_stuffed),
        cmocka_unit_test(test_leading_dot),
        cmocka_unit_test(test_body_ending_in_a_dot_line),
        cmocka_unit_test(test_only_the_first_dot_is_doubled),
        cmocka_unit_test(test_dots_not_at_line_start_are_untouched),
        cmocka_unit_test(test_other_bytes_pass_through),
        cmocka_unit_test(test_encode_stops_when_the_window_is_full),
        cmocka_unit_test(test_finish_with_a_small_window),
        cmocka_unit_test(test_998_octet_line_passes),
        cmocka_unit_test(test_999_octet_line_fails),
        cmocka_unit_test(test_long_line_after_short_ones),
        cmocka_unit_test(test_long_lines_pass_under_pass_policy),
        cmocka_unit_test(test_stuffed_dot_counts_toward_the_limit),
        cmocka_unit_test(test_check_reports_eight_bit),
        cmocka_unit_test(test_check_reads_past_a_long_line),
        cmocka_unit_test(test_check_agrees_with_encoder),
        cmocka_unit_test(test_random_bodies_cannot_end_data_early),
        cmocka_unit_test(test_measure_size_at_every_split),
        cmocka_unit_test(test_measure_across_pieces),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
