/*
 * Header builder. See smtpc/message.h.
 *
 * Everything is written through one bounded appender, so a value that does
 * not fit reports SMTPC_ERR_BUFFER instead of producing a cut header.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/inner.h"
#include "smtpc/error.h"
#include "smtpc/message.h"
#include "smtpc/session.h"

#define SUBJECT_MAX 900

struct out {
    char *buf;
    size_t cap, len;
    int over;
};

static void put_n(struct out *o, const char *p, size_t n)
{
    if (o->over || n + 1 > o->cap - o->len) {
        o->over = 1;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void put(struct out *o, const char *s)
{
    put_n(o, s, strlen(s));
}

static int needs_encoding(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80)
            return 1;
    }
    return 0;
}

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

/* RFC 5322 date in UTC, with English names whatever the locale. */
static void format_date(time_t t, char *out, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void make_id(char *id, size_t cap, const char *domain)
{
    static unsigned long counter;
    struct timespec ts;
    unsigned long long r = 0;
    FILE *f = fopen("/dev/urandom", "rb");

    if (f != NULL) {
        if (fread(&r, sizeof r, 1, f) != 1)
            r = 0;
        fclose(f);
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(id, cap, "<%lld.%ld.%lu.%llx@%s>", (long long)ts.tv_sec, (long)getpid(), ++counter, r,
             domain);
}

long smtpc_headers_build(const struct smtpc_headers *h, char *buf, size_t cap)
{
    struct out o;
    char date[64], id[320];
    const char *domain;
    time_t t;
    size_t i;

    if (h == NULL || buf == NULL)
        return SMTPC_ERR_ARG;
    if (cap == 0)
        return SMTPC_ERR_BUFFER;
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

    o.buf = buf;
    o.cap = cap;
    o.len = 0;
    o.over = 0;
    buf[0] = '\0';

    t = h->date != 0 ? h->date : time(NULL);
    format_date(t, date, sizeof date);
    put(&o, "Date: ");
    put(&o, date);
    put(&o, "\r\nFrom: ");
    put(&o, h->from);
    if (h->to_count > 0) {
        put(&o, "\r\nTo: ");
        for (i = 0; i < h->to_count; i++) {
            if (i > 0)
                put(&o, ",\r\n ");
            put(&o, h->to[i]);
        }
    }
    if (h->subject != NULL) {
        put(&o, "\r\nSubject: ");
        if (needs_encoding(h->subject))
            put_encoded(&o, h->subject);
        else
            put(&o, h->subject);
    }
    if (h->message_id != NULL) {
        put(&o, "\r\nMessage-ID: ");
        put(&o, h->message_id);
    } else {
        domain = h->id_domain;
        if (domain == NULL) {
            domain = strrchr(h->from, '@');
            domain = domain != NULL ? domain + 1 : "localhost";
        }
        if (strlen(domain) > 255 || strchr(domain, '>') != NULL || strchr(domain, ' ') != NULL)
            return SMTPC_ERR_HEADER;
        make_id(id, sizeof id, domain);
        put(&o, "\r\nMessage-ID: ");
        put(&o, id);
    }
    switch (h->priority) {
    case SMTPC_PRIORITY_HIGH:
        put(&o, "\r\nX-Priority: 1 (Highest)\r\nImportance: high");
        break;
    case SMTPC_PRIORITY_NORMAL:
        put(&o, "\r\nX-Priority: 3 (Normal)\r\nImportance: normal");
        break;
    case SMTPC_PRIORITY_LOW:
        put(&o, "\r\nX-Priority: 5 (Lowest)\r\nImportance: low");
        break;
    default:
        break;
    }
    put(&o, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n");
    if (o.over)
        return SMTPC_ERR_BUFFER;
    return (long)o.len;
}
