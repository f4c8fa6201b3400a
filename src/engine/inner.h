/*
 * smtpc engine — private declarations shared between engine files.
 * Not installed; not part of the API.
 */
#ifndef SMTPC_INNER_H
#define SMTPC_INNER_H

#include <stddef.h>
#include <stdint.h>

#include "smtpc/session.h"

/* Base64 (RFC 4648, with padding). Encoded length of n input bytes. */
#define SMTPC_B64_LEN(n) ((((n) + 2) / 3) * 4)

struct smtpc_b64_part {
    const uint8_t *data;
    size_t len;
};

/* Encodes the concatenation of `n` parts into `out` (NUL ended), so that
 * "authzid NUL user NUL password" never has to be assembled in memory.
 * Returns the encoded length, or -1 when `cap` cannot hold it and its NUL. */
long smtpc_b64_encode_parts(const struct smtpc_b64_part *parts, size_t n, char *out, size_t cap);
long smtpc_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* Decodes strictly (length a multiple of 4, padding only at the end, no
 * whitespace). Returns the decoded length, or -1 on bad input or when
 * `cap` is too small. */
long smtpc_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* A command line under construction, written straight into the output
 * buffer. `over` is set when it did not fit; nothing is committed then. */
struct smtpc_line {
    char *buf;
    size_t cap;
    size_t len;
    int over;
};

/* Opens a line at the end of the session's output buffer. */
void smtpc_line_open(struct smtpc_session *s, struct smtpc_line *l);
void smtpc_line_put(struct smtpc_line *l, const char *str);
void smtpc_line_put_n(struct smtpc_line *l, const char *p, size_t n);
void smtpc_line_put_ulong(struct smtpc_line *l, unsigned long long v);

/* Adds CRLF, traces the line (as `shown` when not NULL: a redacted form)
 * and commits it to the output, owed a reply that `awaits` (the state that
 * reads it). Returns 0 or SMTPC_ERR_TOO_LONG. */
int smtpc_line_commit(struct smtpc_session *s, struct smtpc_line *l, const char *shown,
                      enum smtpc_session_state awaits);

/* The command just queued is owed a reply, which `awaits` reads, once all
 * of it is written. */
void smtpc_session_owe(struct smtpc_session *s, enum smtpc_session_state awaits);

/* Moves [out_off, out_len) to the front of the output buffer. */
void smtpc_session_compact_out(struct smtpc_session *s);

/* Traces a line (SMTPC_TRACE_*). */
#if SMTPC_WITH_TRACE
void smtpc_session_trace(struct smtpc_session *s, int dir, const char *line, size_t len);
#else
static inline void smtpc_session_trace(struct smtpc_session *s, int dir, const char *line,
                                       size_t len)
{
    (void)s;
    (void)dir;
    (void)line;
    (void)len;
}
#endif

/* Commands go ahead of their replies (PIPELINING offered and allowed). */
static inline int smtpc_session_pipelining(const struct smtpc_session *s)
{
    return SMTPC_WITH_PIPELINING && (s->caps.flags & SMTPC_CAP_PIPELINING) &&
           !(s->cfg.flags & SMTPC_F_NO_PIPELINING);
}

/* Queues a complete command line made of `a` and `b` (b may be NULL). */
int smtpc_session_command(struct smtpc_session *s, const char *a, const char *b,
                          enum smtpc_session_state awaits);

/* Fails the session: error is sticky; `quit_ok` says whether a QUIT may
 * still be sent. A transaction under way ends with the same error. */
void smtpc_session_fail(struct smtpc_session *s, int err, int quit_ok);

/* The session is idle and usable. */
void smtpc_session_ready(struct smtpc_session *s);

/* Traces an engine note. */
#if SMTPC_WITH_TRACE
void smtpc_session_note(struct smtpc_session *s, const char *text);
/* "message data: N octets sent" and `how`, for the body just ended. */
void smtpc_session_note_sent(struct smtpc_session *s, const char *how);
#else
#define smtpc_session_note(s, text) ((void)(s))
#define smtpc_session_note_sent(s, how) ((void)(s))
#endif

/* CHUNKING (RFC 3030): the body in BDAT chunks. See bdat.c. */
#if SMTPC_WITH_CHUNKING
#define SMTPC_BDAT_ON(s) ((s)->bdat.on)
#define SMTPC_BDAT_BODY_OPEN(s) ((s)->bdat.body_open)
/* Whether this transaction will use BDAT (CHUNKING offered and allowed). */
int smtpc_bdat_offered(const struct smtpc_session *s);
/* The body may start: the encoder is set up, and with an exact size the
 * one "BDAT n LAST" is queued. 0, 1 (no room yet) or an error. */
int smtpc_bdat_open(struct smtpc_session *s, int binary);
/* Body bytes, as smtpc_session_body_write. */
long smtpc_bdat_write(struct smtpc_session *s, const uint8_t *data, size_t len);
/* Ends the body when there is room (called again until it is done). */
void smtpc_bdat_finish(struct smtpc_session *s);
/* No more chunks: the open one, unsent, is dropped (not with an exact
 * size, whose chunk must be completed). */
void smtpc_bdat_stop(struct smtpc_session *s);
/* Body bytes are wanted now. */
int smtpc_bdat_takes_body(const struct smtpc_session *s);
#else
#define SMTPC_BDAT_ON(s) 0
#define SMTPC_BDAT_BODY_OPEN(s) 0
#endif

/* DSN (RFC 3461): RET, ENVID, NOTIFY and ORCPT. See dsn.c. */
#if SMTPC_WITH_DSN
/* What RET= and ENVID= add to the longest MAIL FROM line. */
#define SMTPC_DSN_MAIL_EXTRA (9 + 7 + SMTPC_DSN_ENVID_MAX)
/* DSN parameters go out: the server offers DSN. */
static inline int smtpc_dsn_offered(const struct smtpc_session *s)
{
    return (s->caps.flags & SMTPC_CAP_DSN) != 0;
}
/* Checks the transaction's DSN fields (its addresses checked already) and
 * that each RCPT line with them fits the output buffer: 0, SMTPC_ERR_ARG,
 * SMTPC_ERR_ARG_CTL, SMTPC_ERR_ARG_ADDRESS or SMTPC_ERR_TOO_LONG. */
int smtpc_dsn_check(const struct smtpc_session *s, const struct smtpc_txn *t);
/* Append the parameters to a MAIL FROM or RCPT TO line (when offered). */
void smtpc_dsn_put_mail(struct smtpc_line *l, const struct smtpc_txn *t);
void smtpc_dsn_put_rcpt(struct smtpc_line *l, const struct smtpc_rcpt *r);
#else
#define SMTPC_DSN_MAIL_EXTRA 0
#endif

/* SASL: starts authentication after EHLO (or skips it), and handles the
 * replies of the exchange. See auth.c. */
void smtpc_auth_start(struct smtpc_session *s);
void smtpc_auth_on_reply(struct smtpc_session *s);

/* Mechanisms this build implements (smtpc/config.h). */
#define SMTPC_AUTH_IMPLEMENTED                                                                     \
    ((SMTPC_WITH_PLAIN ? SMTPC_AUTH_PLAIN : 0u) | (SMTPC_WITH_LOGIN ? SMTPC_AUTH_LOGIN : 0u) |     \
     (SMTPC_WITH_CRAM_MD5 ? SMTPC_AUTH_CRAM_MD5 : 0u))

/* md5.c: MD5 and HMAC-MD5, for CRAM-MD5. */
struct smtpc_md5 {
    uint32_t h[4];
    uint64_t len;
    uint8_t buf[64];
};
void smtpc_md5_init(struct smtpc_md5 *m);
void smtpc_md5_update(struct smtpc_md5 *m, const uint8_t *p, size_t n);
void smtpc_md5_final(struct smtpc_md5 *m, uint8_t out[16]);
void smtpc_hmac_md5(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[16]);

#endif
