/*
 * Header builder. See smtpc/message.h.
 *
 * Everything is written through one bounded appender, so a value that does
 * not fit reports SMTPC_ERR_BUFFER instead of producing a cut header. The
 * appender either copies all into one buffer or, for smtpc_headers_parts,
 * lists pieces: text that outlives the call (put_ref: constants, the
 * caller's values) is pointed at, and only what is made here is copied,
 * into the scratch buffer.
 */
#include <string.h>

#include "smtpc/message.h"

#if SMTPC_MESSAGE_POSIX
#include <stdio.h>
#include <unistd.h>
#endif

#include "engine/inner.h"
#include "smtpc/error.h"
#include "smtpc/session.h"

#define SUBJECT_MAX 900

struct out {
    char *buf;
    size_t cap, len;
    int over;
    struct smtpc_part *parts; /* NULL: everything into buf */
    size_t count;             /* parts listed */
    size_t total;             /* bytes in the parts */
};

/* Lists `n` bytes at `p` as the next piece, joined to the last one when
 * it follows it in memory. */
static void add_part(struct out *o, const char *p, size_t n)
{
    struct smtpc_part *last = o->count > 0 ? &o->parts[o->count - 1] : NULL;

    if (n == 0)
        return;
    o->total += n;
    if (last != NULL && (const char *)last->data + last->len == p) {
        last->len += n;
        return;
    }
    if (o->count == SMTPC_HEADER_PARTS_MAX) {
        o->over = 1;
        return;
    }
    o->parts[o->count].data = p;
    o->parts[o->count].len = n;
    o->count++;
}

/* Copies: text made here. */
static void put_n(struct out *o, const char *p, size_t n)
{
    if (o->over || n + 1 > o->cap - o->len) {
        o->over = 1;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    if (o->parts != NULL)
        add_part(o, o->buf + o->len, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* Text that stays valid while the parts are used. */
static void put_ref(struct out *o, const char *s)
{
    if (o->parts == NULL)
        put_n(o, s, strlen(s));
    else if (!o->over)
        add_part(o, s, strlen(s));
}

#if SMTPC_WITH_DATE || SMTPC_WITH_MESSAGE_ID || SMTPC_WITH_RFC2047
static void put(struct out *o, const char *s)
{
    put_n(o, s, strlen(s));
}
#endif

static int needs_encoding(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80)
            return 1;
    }
    return 0;
}

#if SMTPC_WITH_RFC2047
/* Subject as RFC 2047 "B" encoded words, folded so that no line is over
 * 76 characters (RFC 2047 §2): the first line also holds "Subject: ", so
 * its word carries at most 39 bytes (52 base64 characters), the others 45.
 * A word never splits a UTF-8 sequence. */
static void put_encoded(struct out *o, const char *s)
{
    size_t len = strlen(s), off = 0;

    while (off < len) {
        size_t max = off == 0 ? 39 : 45;
        size_t n = len - off < max ? len - off : max;
        char word[64];

        /* back off to the start of a UTF-8 sequence */
        while (n < len - off && n > 0 && ((unsigned char)s[off + n] & 0xc0) == 0x80)
            n--;
        if (n == 0)
            n = len - off < max ? len - off : max;
        if (off > 0)
            put(o, "\r\n ");
        put(o, "=?UTF-8?B?");
        smtpc_b64_encode((const uint8_t *)s + off, n, word, sizeof word);
        put(o, word);
        put(o, "?=");
        off += n;
    }
}

#endif

#if SMTPC_WITH_DATE || SMTPC_WITH_MESSAGE_ID
static void put_uint(struct out *o, unsigned long long v, int min_digits, unsigned base)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0 && n < (int)sizeof tmp);
    while (n < min_digits && n < (int)sizeof tmp)
        tmp[n++] = '0';
    while (n > 0)
        put_n(o, &tmp[--n], 1);
}

#endif

#if SMTPC_WITH_DATE
/* RFC 5322 date in UTC, with English names whatever the locale, computed
 * without gmtime (days to civil date, as in Howard Hinnant's algorithm) so
 * that firmware needs no C library time support. */
static void put_date(struct out *o, long long t)
{
    static const char days[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long long day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long long secs = t - day * 86400;
    long long z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long mday = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2);

    put(o, days[((day % 7) + 7) % 7]);
    put(o, ", ");
    put_uint(o, (unsigned long long)mday, 2, 10);
    put(o, " ");
    put(o, months[month - 1]);
    put(o, " ");
    put_uint(o, year > 0 ? (unsigned long long)year : 0, 4, 10);
    put(o, " ");
    put_uint(o, (unsigned long long)(secs / 3600), 2, 10);
    put(o, ":");
    put_uint(o, (unsigned long long)(secs / 60 % 60), 2, 10);
    put(o, ":");
    put_uint(o, (unsigned long long)(secs % 60), 2, 10);
    put(o, " +0000");
}

#endif

#if SMTPC_WITH_MESSAGE_ID
#if SMTPC_MESSAGE_POSIX
/* Randomness, the process and a per-process counter, so that two
 * processes (or threads) in the same second never make the same id. */
static void put_host_unique(struct out *o)
{
    static unsigned long counter;
    unsigned long long r = 0;
    FILE *f = fopen("/dev/urandom", "rb");

    if (f != NULL) {
        if (fread(&r, sizeof r, 1, f) != 1)
            r = 0;
        fclose(f);
    }
    put(o, ".");
    put_uint(o, (unsigned long long)getpid(), 1, 10);
    put(o, ".");
    put_uint(o, __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED), 1, 10);
    put(o, ".");
    put_uint(o, r, 1, 16);
}
#endif

static void put_id(struct out *o, const struct smtpc_headers *h, long long t, const char *domain)
{
    put(o, "<");
    put_uint(o, t > 0 ? (unsigned long long)t : 0, 1, 10);
    put(o, ".");
    put_uint(o, h->id_unique, 1, 16);
#if SMTPC_MESSAGE_POSIX
    put_host_unique(o);
#endif
    put(o, "@");
    put_ref(o, domain);
    put(o, ">");
}
#endif

/* Writes the header block through `o`. Returns 0 or the error. */
static long emit(const struct smtpc_headers *h, struct out *o)
{
    long long t;
    size_t i;

    if (h->from == NULL || h->from[0] == '\0')
        return SMTPC_ERR_HEADER;
    if (smtpc_check_text(h->from) != 0 ||
        (h->subject != NULL && smtpc_check_text(h->subject) != 0) ||
        (h->message_id != NULL && smtpc_check_text(h->message_id) != 0) ||
        (h->id_domain != NULL && smtpc_check_text(h->id_domain) != 0))
        return SMTPC_ERR_ARG_CTL;
    for (i = 0; i < h->to_count; i++) {
        if (smtpc_check_text(h->to[i]) != 0)
            return SMTPC_ERR_ARG_CTL;
    }
    if (h->subject != NULL && strlen(h->subject) > SUBJECT_MAX)
        return SMTPC_ERR_HEADER;
#if !SMTPC_WITH_RFC2047
    if (h->subject != NULL && needs_encoding(h->subject))
        return SMTPC_ERR_HEADER;
#endif

    t = (long long)h->date;
#if SMTPC_MESSAGE_POSIX
    if (t == 0)
        t = (long long)time(NULL);
#endif
    if (t != 0 && h->date != SMTPC_DATE_NONE) {
#if SMTPC_WITH_DATE
        put_ref(o, "Date: ");
        put_date(o, t);
        put(o, "\r\n");
#else
        return SMTPC_ERR_HEADER; /* a date asked for, and no Date in this build */
#endif
    }
    put_ref(o, "From: ");
    put_ref(o, h->from);
    if (h->to_count > 0) {
        put_ref(o, "\r\nTo: ");
        for (i = 0; i < h->to_count; i++) {
            if (i > 0)
                put_ref(o, ",\r\n ");
            put_ref(o, h->to[i]);
        }
    }
    if (h->subject != NULL) {
        put_ref(o, "\r\nSubject: ");
#if SMTPC_WITH_RFC2047
        if (needs_encoding(h->subject))
            put_encoded(o, h->subject);
        else
#endif
            put_ref(o, h->subject);
    }
    if (h->message_id != NULL) {
        put_ref(o, "\r\nMessage-ID: ");
        put_ref(o, h->message_id);
    }
#if SMTPC_WITH_MESSAGE_ID
    else {
        const char *domain = h->id_domain;

        put_ref(o, "\r\nMessage-ID: ");
        if (domain == NULL) {
            domain = strrchr(h->from, '@');
            domain = domain != NULL ? domain + 1 : "localhost";
        }
        if (strlen(domain) > 255 || strchr(domain, '>') != NULL || strchr(domain, ' ') != NULL)
            return SMTPC_ERR_HEADER;
        put_id(o, h, t, domain);
    }
#endif
    switch (h->priority) {
    case SMTPC_PRIORITY_HIGH:
        put_ref(o, "\r\nX-Priority: 1 (Highest)\r\nImportance: high");
        break;
    case SMTPC_PRIORITY_NORMAL:
        put_ref(o, "\r\nX-Priority: 3 (Normal)\r\nImportance: normal");
        break;
    case SMTPC_PRIORITY_LOW:
        put_ref(o, "\r\nX-Priority: 5 (Lowest)\r\nImportance: low");
        break;
    default:
        break;
    }
    put_ref(o, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n");
    return o->over ? SMTPC_ERR_BUFFER : 0;
}

static long start(struct out *o, char *buf, size_t cap, struct smtpc_part *parts)
{
    if (buf == NULL)
        return SMTPC_ERR_ARG;
    if (cap == 0)
        return SMTPC_ERR_BUFFER;
    memset(o, 0, sizeof *o);
    o->buf = buf;
    o->cap = cap;
    o->parts = parts;
    buf[0] = '\0';
    return 0;
}

long smtpc_headers_build(const struct smtpc_headers *h, char *buf, size_t cap)
{
    struct out o;
    long rc = h == NULL ? SMTPC_ERR_ARG : start(&o, buf, cap, NULL);

    if (rc == 0)
        rc = emit(h, &o);
    return rc != 0 ? rc : (long)o.len;
}

long smtpc_headers_parts(const struct smtpc_headers *h, char *scratch, size_t cap,
                         struct smtpc_part *parts, size_t *count)
{
    struct out o;
    long rc = h == NULL || parts == NULL || count == NULL ? SMTPC_ERR_ARG
                                                          : start(&o, scratch, cap, parts);

    if (rc == 0)
        rc = emit(h, &o);
    if (rc != 0)
        return rc;
    *count = o.count;
    return (long)o.total;
}
