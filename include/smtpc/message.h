/*
 * smtpc — a small RFC 5322 header builder for plain-text mail.
 *
 * Produces From, To, Subject, Date, Message-ID, MIME-Version,
 * Content-Type: text/plain; charset=utf-8, Content-Transfer-Encoding: 8bit,
 * and a priority header when one is asked for, followed by the blank line
 * that separates headers from the body. A subject with non-ASCII bytes is
 * written as RFC 2047 encoded words (SMTPC_WITH_RFC2047; without it such a
 * subject is refused), the Date only with SMTPC_WITH_DATE. Full MIME comes
 * later.
 */
#ifndef SMTPC_MESSAGE_H
#define SMTPC_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "smtpc/body.h"
#include "smtpc/config.h"

/* SMTPC_MESSAGE_POSIX (smtpc/config.h): whether the builder may read the
 * clock and the system's randomness (hosts). Without them (firmware), date 0
 * means no Date header and a made Message-ID relies on id_unique. */

/* A date meaning: write no Date header (the submission server adds one). */
#define SMTPC_DATE_NONE ((time_t)-1)

#ifdef __cplusplus
extern "C" {
#endif

/* Priorities (values of X-Priority). */
#define SMTPC_PRIORITY_NONE 0   /* no priority header */
#define SMTPC_PRIORITY_HIGH 1   /* X-Priority: 1 (Highest), Importance: high */
#define SMTPC_PRIORITY_NORMAL 3 /* X-Priority: 3 (Normal), Importance: normal */
#define SMTPC_PRIORITY_LOW 5    /* X-Priority: 5 (Lowest), Importance: low */

struct smtpc_headers {
    const char *from;      /* address for From:, required */
    const char *const *to; /* addresses for To: */
    size_t to_count;
    const char *subject;          /* NULL: no Subject */
    int priority;                 /* SMTPC_PRIORITY_* */
    time_t date;                  /* seconds since 1970; 0: now (no Date where there is no clock);
                                     SMTPC_DATE_NONE: no Date header */
    const char *message_id;       /* full "<id@domain>", or NULL to make one */
    const char *id_domain;        /* domain for a made Message-ID; NULL: from the From domain */
    unsigned long long id_unique; /* mixed into a made Message-ID: give each message its own
                                     (hosts add randomness, the process and a counter) */
};

/* Writes the header block (ending in an empty line) into `out` (NUL
 * ended). Returns its length, SMTPC_ERR_ARG_CTL for a CR, LF or other
 * control byte in any value, SMTPC_ERR_HEADER for a missing From or a
 * value too long, or SMTPC_ERR_BUFFER when `cap` is too small. */
long smtpc_headers_build(const struct smtpc_headers *h, char *out, size_t cap);

/* The same header block as pieces, without copying what the caller's
 * strings already hold: `parts` (room for SMTPC_HEADER_PARTS_MAX) point at
 * the caller's strings, at constant text, and into `scratch` for what is
 * made (the date, the Message-ID, an encoded subject); all of it must stay
 * as it is while the parts are used. Sets *count; returns the block's
 * length or the errors of smtpc_headers_build. */
#define SMTPC_HEADER_PARTS_MAX 24
long smtpc_headers_parts(const struct smtpc_headers *h, char *scratch, size_t cap,
                         struct smtpc_part *parts, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
