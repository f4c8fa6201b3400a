/*
 * Unit tests: the header builder (smtpc/message.h).
 *
 * The header block is checked byte for byte for fixed dates and
 * Message-IDs; a made Message-ID and the current date are checked by form.
 * Encoded subjects are taken apart again: every word is decoded and must
 * hold whole UTF-8 sequences, and the words together must give back the
 * subject.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "inner.h"
#include "smtpc/error.h"
#include "smtpc/message.h"

#define OUT_MAX 8192
#define GUARD 'Z'

/* 2023-11-14 22:13:20 UTC, a Tuesday. */
#define FIXED_DATE ((time_t)1700000000)
#define FIXED_DATE_STR "1700000000"
#define FIXED_DATE_TEXT "Tue, 14 Nov 2023 22:13:20 +0000"

#define TAIL                                                                                       \
    "MIME-Version: 1.0\r\n"                                                                        \
    "Content-Type: text/plain; charset=utf-8\r\n"                                                  \
    "Content-Transfer-Encoding: 8bit\r\n"                                                          \
    "\r\n"

static char out[OUT_MAX];

static const char *const one_rcpt[] = {"bob@example.net"};

/* Headers with a fixed date and Message-ID. */
static void fixed(struct smtpc_headers *h)
{
    memset(h, 0, sizeof *h);
    h->from = "alice@example.org";
    h->to = one_rcpt;
    h->to_count = 1;
    h->subject = "Hello";
    h->priority = SMTPC_PRIORITY_NONE;
    h->date = FIXED_DATE;
    h->message_id = "<fixed.1@example.org>";
}

/* smtpc_headers_parts' pieces joined; returns the length. */
static long join_parts(const struct smtpc_headers *h, char *scratch, size_t cap, char *joined)
{
    struct smtpc_part parts[SMTPC_HEADER_PARTS_MAX];
    size_t count = 99, i, at = 0;
    long n = smtpc_headers_parts(h, scratch, cap, parts, &count);

    if (n < 0)
        return n;
    assert_true(count <= SMTPC_HEADER_PARTS_MAX);
    for (i = 0; i < count; i++) {
        assert_true(parts[i].len > 0);
        memcpy(joined + at, parts[i].data, parts[i].len);
        at += parts[i].len;
    }
    assert_int_equal(at, (size_t)n);
    joined[at] = '\0';
    return n;
}

/* The block, built whole and as parts: the same bytes. */
static void assert_block(const struct smtpc_headers *h, const char *expected)
{
    static char scratch[OUT_MAX], joined[OUT_MAX];
    long n;

    memset(out, GUARD, sizeof out);
    n = smtpc_headers_build(h, out, sizeof out);
    assert_int_equal(n, (long)strlen(expected));
    assert_string_equal(out, expected);
    assert_int_equal(join_parts(h, scratch, sizeof scratch, joined), n);
    assert_string_equal(joined, expected);
}

/* ---- the block ---- */

static void test_fixed_header_block(void **state)
{
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: bob@example.net\r\n"
                     "Subject: Hello\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n" TAIL);
}

static void test_dates(void **state)
{
    static const struct {
        time_t t;
        const char *text;
    } dates[] = {
        {1, "Thu, 01 Jan 1970 00:00:01 +0000"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 +0000"},
        {FIXED_DATE, FIXED_DATE_TEXT},
        {2147483647, "Tue, 19 Jan 2038 03:14:07 +0000"},
    };
    struct smtpc_headers h;
    char want[64];
    size_t i;
    (void)state;

    fixed(&h);
    for (i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        h.date = dates[i].t;
        assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
        snprintf(want, sizeof want, "Date: %s\r\n", dates[i].text);
        assert_memory_equal(out, want, strlen(want));
    }
}

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Date: ..." for `t`, with English names whatever the locale. */
static void date_line(time_t t, char *buf, size_t cap)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(buf, cap, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", day_names[tm.tm_wday],
             tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* The builder computes dates itself (no gmtime, for firmware): it must agree
 * with the C library over four centuries, leap days and centuries included. */
static void test_dates_agree_with_gmtime(void **state)
{
    struct smtpc_headers h;
    char want[64];
    long long t;
    unsigned long long x = 88172645463325252ull;
    int i;
    (void)state;

    fixed(&h);
    for (i = 0; i < 20000; i++) {
        /* xorshift: spread over 1970..2369, plus every day boundary nearby */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t = (long long)(x % 12622780800ull);
        if (i % 2 == 1)
            t = t - t % 86400 + (i % 4 == 1 ? 0 : 86399);
        if (t == 0)
            continue;
        h.date = (time_t)t;
        date_line(h.date, want, sizeof want);
        assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
        assert_memory_equal(out, want, strlen(want));
    }
}

static void test_date_none_writes_no_date(void **state)
{
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.date = SMTPC_DATE_NONE;
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    assert_memory_equal(out, "From: ", 6);
    assert_null(strstr(out, "Date:"));
}

static void test_date_zero_means_now(void **state)
{
    /* message.h: `date` 0 means now (so the epoch itself cannot be asked for) */
    struct smtpc_headers h;
    time_t before, after, t;
    char want[64];
    int found = 0;
    (void)state;

    fixed(&h);
    h.date = 0;
    before = time(NULL);
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    after = time(NULL);
    for (t = before; t <= after; t++) {
        date_line(t, want, sizeof want);
        if (strncmp(out, want, strlen(want)) == 0)
            found = 1;
    }
    assert_true(found);
}

static void test_several_recipients_are_folded(void **state)
{
    static const char *const to[] = {"a@x.example", "b@y.example", "c@z.example"};
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.to = to;
    h.to_count = 3;
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: a@x.example,\r\n b@y.example,\r\n c@z.example\r\n"
                     "Subject: Hello\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n" TAIL);
}

static void test_no_subject(void **state)
{
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.subject = NULL;
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: bob@example.net\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n" TAIL);
}

static void test_priorities(void **state)
{
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.priority = SMTPC_PRIORITY_HIGH;
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: bob@example.net\r\n"
                     "Subject: Hello\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n"
                     "X-Priority: 1 (Highest)\r\n"
                     "Importance: high\r\n" TAIL);
    h.priority = SMTPC_PRIORITY_NORMAL;
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: bob@example.net\r\n"
                     "Subject: Hello\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n"
                     "X-Priority: 3 (Normal)\r\n"
                     "Importance: normal\r\n" TAIL);
    h.priority = SMTPC_PRIORITY_LOW;
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: bob@example.net\r\n"
                     "Subject: Hello\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n"
                     "X-Priority: 5 (Lowest)\r\n"
                     "Importance: low\r\n" TAIL);
    h.priority = SMTPC_PRIORITY_NONE;
    memset(out, 0, sizeof out);
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    assert_null(strstr(out, "Priority"));
    assert_null(strstr(out, "Importance"));
}

/* ---- refused values ---- */

static void test_controls_in_values(void **state)
{
    static const char *const bad_to[] = {"bob@example.net", "eve@example.net\r\nBcc: x@y"};
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.subject = "Hello\r\nBcc: eve@example.net";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);
    h.subject = "a\rb";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);
    h.subject = "a\nb";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);
    h.subject = "a\x01z";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);
    h.subject = "a\x1b[1mz";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);
    h.subject = "a\x7f";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);

    fixed(&h);
    h.from = "alice@example.org\nBcc: eve@example.net";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);

    fixed(&h);
    h.to = bad_to;
    h.to_count = 2;
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);

    fixed(&h);
    h.message_id = "<a@b>\r\nX: y";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);

    fixed(&h);
    h.message_id = NULL;
    h.id_domain = "example.org\n";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_ARG_CTL);
}

static void test_missing_from(void **state)
{
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.from = NULL;
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_HEADER);
    h.from = "";
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_HEADER);
}

static void test_values_too_long(void **state)
{
    static char subject[1200], domain[300];
    struct smtpc_headers h;
    (void)state;

    /* a subject that could not stay under 998 octets on its line */
    memset(subject, 's', 1000);
    fixed(&h);
    h.subject = subject;
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_HEADER);

    /* a domain for the Message-ID over the 255 octets of a domain name */
    memset(domain, 'd', 256);
    fixed(&h);
    h.message_id = NULL;
    h.id_domain = domain;
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), SMTPC_ERR_HEADER);
}

/* ---- encoded subjects ---- */

/* Length of the UTF-8 sequence starting with `b`, 0 for a continuation. */
static size_t utf8_len(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if ((b & 0xe0) == 0xc0)
        return 2;
    if ((b & 0xf0) == 0xe0)
        return 3;
    if ((b & 0xf8) == 0xf0)
        return 4;
    return 0;
}

/* 1 when [p, p+n) is whole UTF-8 sequences. */
static int whole_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0, k, len;

    while (i < n) {
        len = utf8_len(p[i]);
        if (len == 0 || i + len > n)
            return 0;
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
        }
        i += len;
    }
    return 1;
}

/* The Subject field's body in `block` (from after "Subject: " to its end). */
static const char *subject_field(const char *block, size_t *len)
{
    const char *s = strstr(block, "\r\nSubject: "), *e;

    assert_non_null(s);
    s += 11;
    for (e = s; !(e[0] == '\r' && e[1] == '\n' && e[2] != ' '); e++)
        assert_true(*e != '\0');
    *len = (size_t)(e - s);
    return s;
}

/* Builds with `subject` and checks its encoded words; returns their number. */
static size_t check_encoded_subject(const char *subject)
{
    static uint8_t decoded[1024];
    struct smtpc_headers h;
    const char *field, *p, *end;
    size_t field_len, decoded_len = 0, words = 0;

    fixed(&h);
    h.subject = subject;
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    field = subject_field(out, &field_len);
    end = field + field_len;
    for (p = field; p < end;) {
        const char *word_end = strstr(p, "\r\n ");
        size_t wlen;
        long n;

        if (word_end == NULL || word_end > end)
            word_end = end;
        wlen = (size_t)(word_end - p);
        /* =?UTF-8?B?...?= of at most 75 characters (RFC 2047 §2) */
        assert_true(wlen <= 75);
        assert_true(wlen > 12);
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        assert_memory_equal(word_end - 2, "?=", 2);
        n = smtpc_b64_decode(p + 10, wlen - 12, decoded + decoded_len,
                             sizeof decoded - decoded_len);
        assert_true(n > 0);
        /* no word splits a multi-byte sequence */
        assert_true(whole_utf8(decoded + decoded_len, (size_t)n));
        decoded_len += (size_t)n;
        words++;
        p = word_end == end ? end : word_end + 3;
    }
    assert_int_equal(decoded_len, strlen(subject));
    assert_memory_equal(decoded, subject, decoded_len);
    return words;
}

static void test_short_utf8_subject(void **state)
{
    struct smtpc_headers h;
    (void)state;

    fixed(&h);
    h.subject = "Gr\xc3\xbc\xc3\x9f"
                "e"; /* Grüße */
    assert_block(&h, "Date: " FIXED_DATE_TEXT "\r\n"
                     "From: alice@example.org\r\n"
                     "To: bob@example.net\r\n"
                     "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"
                     "Message-ID: <fixed.1@example.org>\r\n" TAIL);
    assert_int_equal(check_encoded_subject(h.subject), 1);
}

static void test_long_utf8_subjects_are_split_on_characters(void **state)
{
    static const char *const chars[] = {
        "\xc3\xa9",                               /* é, 2 octets */
        "\xe2\x82\xac",                           /* €, 3 octets */
        "\xf0\x9f\x98\x80",                       /* 😀, 4 octets */
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e a", /* 日本語 a */
    };
    char subject[800];
    size_t c, shift, i;
    (void)state;

    /* every alignment of the sequences against any fixed word size */
    for (c = 0; c < sizeof chars / sizeof chars[0]; c++) {
        for (shift = 0; shift < 4; shift++) {
            size_t len = 0;

            for (i = 0; i < shift; i++)
                subject[len++] = 'x';
            for (i = 0; i < 60; i++) {
                memcpy(subject + len, chars[c], strlen(chars[c]));
                len += strlen(chars[c]);
            }
            subject[len] = '\0';
            assert_true(check_encoded_subject(subject) > 1);
        }
    }
}

static void test_mixed_subject_is_encoded_whole(void **state)
{
    (void)state;
    check_encoded_subject("Re: Ihre Bestellung bei M\xc3\xbcller & S\xc3\xb6hne vom 14. November "
                          "\xe2\x80\x94 Lieferung erfolgt in K\xc3\xbcrze");
}

/* Regression: RFC 2047 §2 limits each line of a header that holds an
 * encoded word to 76 characters; the first line also holds "Subject: ". */
static void test_encoded_subject_lines_within_76(void **state)
{
    char subject[200];
    const char *line, *next;
    size_t i, len = 0;
    (void)state;

    for (i = 0; i < 40; i++) {
        memcpy(subject + len, "\xc3\xa9", 2);
        len += 2;
    }
    subject[len] = '\0';
    check_encoded_subject(subject);
    line = strstr(out, "\r\nSubject: ") + 2;
    for (;;) {
        next = strstr(line, "\r\n");
        assert_non_null(next);
        assert_true(next - line <= 76);
        if (next[2] != ' ')
            break;
        line = next + 2;
    }
}

/* ---- Message-ID ---- */

/* The value of the made Message-ID in `block`; checks its form. */
static void check_made_id(const char *block, const char *domain, char *id, size_t cap)
{
    const char *s = strstr(block, "\r\nMessage-ID: <"), *e, *at;
    size_t dlen = strlen(domain), i;

    assert_non_null(s);
    s += 14;
    e = strstr(s, "\r\n");
    assert_non_null(e);
    assert_true((size_t)(e - s) < cap);
    memcpy(id, s, (size_t)(e - s));
    id[e - s] = '\0';
    /* <local@domain> with a non-empty local part of visible characters */
    assert_int_equal(id[0], '<');
    assert_int_equal(e[-1], '>');
    at = strchr(id, '@');
    assert_non_null(at);
    assert_true(at > id + 1);
    assert_int_equal(strlen(at + 1), dlen + 1);
    assert_memory_equal(at + 1, domain, dlen);
    for (i = 1; id + i < at; i++)
        assert_true(id[i] > ' ' && id[i] < 0x7f && id[i] != '<' && id[i] != '>' && id[i] != '@' &&
                    id[i] != '"');
}

static void test_made_message_id(void **state)
{
    struct smtpc_headers h;
    char first[320], second[320];
    (void)state;

    fixed(&h);
    h.message_id = NULL;
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    check_made_id(out, "example.org", first, sizeof first);
    /* a second message gets another ID */
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    check_made_id(out, "example.org", second, sizeof second);
    assert_string_not_equal(first, second);
}

static void test_made_message_id_domain(void **state)
{
    struct smtpc_headers h;
    char id[320];
    (void)state;

    fixed(&h);
    h.message_id = NULL;
    h.from = "alice@mail.example.co.uk";
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    check_made_id(out, "mail.example.co.uk", id, sizeof id);

    h.id_domain = "mx.example.com";
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    check_made_id(out, "mx.example.com", id, sizeof id);
}

static void test_made_message_id_carries_unique(void **state)
{
    struct smtpc_headers h;
    char id[320];
    (void)state;

    fixed(&h);
    h.message_id = NULL;
    h.id_unique = 0xabc123u;
    assert_true(smtpc_headers_build(&h, out, sizeof out) > 0);
    check_made_id(out, "example.org", id, sizeof id);
    /* "<date.unique..." : the date in decimal, then the caller's value in hex */
    assert_memory_equal(id, "<" FIXED_DATE_STR ".abc123", strlen("<" FIXED_DATE_STR ".abc123"));
}

/* ---- the block as parts ---- */

static void test_parts_point_at_the_values(void **state)
{
    struct smtpc_part parts[SMTPC_HEADER_PARTS_MAX];
    char scratch[64], joined[512];
    struct smtpc_headers h;
    size_t count, i, made = 0;
    int from_seen = 0, subject_seen = 0;
    long n;
    (void)state;

    fixed(&h);
    h.priority = SMTPC_PRIORITY_LOW;
    n = smtpc_headers_parts(&h, scratch, sizeof scratch, parts, &count);
    assert_true(n > 0);
    for (i = 0; i < count; i++) {
        const char *p = (const char *)parts[i].data;

        if (p >= scratch && p < scratch + sizeof scratch)
            made += parts[i].len;
        from_seen |= p == h.from;
        subject_seen |= p == h.subject;
    }
    /* the values are sent from where they are; only the date is made */
    assert_true(from_seen);
    assert_true(subject_seen);
    assert_int_equal(made, strlen(FIXED_DATE_TEXT "\r\n"));
    assert_int_equal(join_parts(&h, scratch, sizeof scratch, joined), n);
    assert_int_equal(smtpc_headers_build(&h, out, sizeof out), n);
    assert_string_equal(joined, out);
}

static void test_parts_scratch_too_small(void **state)
{
    char scratch[16], joined[512];
    struct smtpc_headers h;
    (void)state;

    fixed(&h); /* the date alone needs 34 bytes of scratch */
    assert_int_equal(join_parts(&h, scratch, sizeof scratch, joined), SMTPC_ERR_BUFFER);
    h.date = SMTPC_DATE_NONE; /* nothing to make: no scratch used */
    assert_true(join_parts(&h, scratch, sizeof scratch, joined) > 0);
}

/* ---- the output buffer ---- */

static void test_buffer_too_small(void **state)
{
    static char small[OUT_MAX];
    struct smtpc_headers h;
    long full;
    size_t cap, i;
    (void)state;

    fixed(&h);
    h.priority = SMTPC_PRIORITY_HIGH;
    full = smtpc_headers_build(&h, out, sizeof out);
    assert_true(full > 0);

    /* the block and its NUL fit exactly */
    memset(small, GUARD, sizeof small);
    assert_int_equal(smtpc_headers_build(&h, small, (size_t)full + 1), full);
    assert_string_equal(small, out);
    for (i = (size_t)full + 1; i < sizeof small; i++)
        assert_int_equal(small[i], GUARD);

    /* any less is refused, and nothing goes past the capacity */
    for (cap = 1; cap <= (size_t)full; cap++) {
        memset(small, GUARD, sizeof small);
        assert_int_equal(smtpc_headers_build(&h, small, cap), SMTPC_ERR_BUFFER);
        for (i = cap; i < sizeof small; i++)
            assert_int_equal(small[i], GUARD);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_header_block),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_date_zero_means_now),
        cmocka_unit_test(test_dates_agree_with_gmtime),
        cmocka_unit_test(test_date_none_writes_no_date),
        cmocka_unit_test(test_made_message_id_carries_unique),
        cmocka_unit_test(test_several_recipients_are_folded),
        cmocka_unit_test(test_no_subject),
        cmocka_unit_test(test_priorities),
        cmocka_unit_test(test_controls_in_values),
        cmocka_unit_test(test_missing_from),
        cmocka_unit_test(test_values_too_long),
        cmocka_unit_test(test_short_utf8_subject),
        cmocka_unit_test(test_long_utf8_subjects_are_split_on_characters),
        cmocka_unit_test(test_mixed_subject_is_encoded_whole),
        cmocka_unit_test(test_encoded_subject_lines_within_76),
        cmocka_unit_test(test_made_message_id),
        cmocka_unit_test(test_made_message_id_domain),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_parts_point_at_the_values),
        cmocka_unit_test(test_parts_scratch_too_small),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
