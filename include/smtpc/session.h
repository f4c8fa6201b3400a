/*
 * smtpc — the sans-IO SMTP session engine.
 *
 * The engine is the whole client side of SMTP as a state machine over
 * caller-owned memory. It never allocates, reads a clock or touches a
 * socket; any number of sessions can run at once. A driver (the blocking
 * client in client.h, an event loop, an RTOS task) moves bytes:
 *
 *   for (;;) {
 *       unsigned w = smtpc_session_wants(s);
 *       if (w & SMTPC_WANT_SEND) {
 *           p = smtpc_session_out_buf(s, &n);  write up to n bytes;  smtpc_session_out_ack(s, k);
 *       } else if (w & SMTPC_WANT_TLS) {
 *           handshake;  smtpc_session_tls_done(s)  (or _abort(s, SMTPC_ERR_TLS...) on failure);
 *       } else if (w & SMTPC_WANT_RECV) {
 *           p = smtpc_session_in_buf(s, &n);  read;  smtpc_session_in_ack(s, k) or _eof(s);
 *       } else if (w & SMTPC_WANT_BODY) {
 *           smtpc_session_body_write(s, ...) until the end, then smtpc_session_body_end(s);
 *       } else if (w & (SMTPC_READY | SMTPC_WANT_NEXT)) {
 *           start a transaction (or, when READY, NOOP, RSET or QUIT);
 *       } else {
 *           break;  // SMTPC_DONE or SMTPC_FAILED
 *       }
 *   }
 *
 * After init, the engine reads the greeting (after the TLS handshake with
 * SMTPC_TLS_IMPLICIT), says EHLO (HELO when EHLO is refused with 500, 502,
 * 504 or 550), runs STARTTLS and says EHLO again when the TLS policy asks
 * for it, authenticates when credentials are configured, then reports
 * SMTPC_READY. Each transaction is MAIL, RCPT for
 * every recipient, DATA, the body, end of data (or the body in BDAT chunks
 * with CHUNKING); the session is READY again afterwards, whatever the
 * outcome, and the transaction's struct holds the result. With PIPELINING
 * the next transaction may begin before that (SMTPC_WANT_NEXT), once all
 * of the one before is queued: a stream of messages, each struct's result
 * filled in (and `done` set) as its replies come. QUIT ends the session.
 *
 * Every pointer handed to the engine (config strings, the transaction and
 * its recipients, the buffers) must stay valid until the session is DONE or
 * FAILED, or, for a transaction, until the session is READY again.
 */
#ifndef SMTPC_SESSION_H
#define SMTPC_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "smtpc/body.h"
#include "smtpc/caps.h"
#include "smtpc/error.h"
#include "smtpc/reply.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Buffer sizes. The output buffer must hold the longest command line: MAIL
 * FROM with a 254-octet address, SIZE= of 20 digits, BODY=8BITMIME and
 * SMTPUTF8 is 317 octets with CRLF (smtpc_session_init also checks that the
 * AUTH PLAIN response for the credentials given fits). DSN parameters make
 * lines longer: MAIL up to 433 octets (RET= and ENVID=), RCPT up to 1071
 * (NOTIFY= and an ORCPT= of 254 octets, every one encoded); a transaction
 * whose lines do not fit is refused before anything is queued. The input
 * buffer only needs to be non-empty, since replies are parsed as they
 * arrive, but a larger one means fewer reads. */
#define SMTPC_OUT_BUF_MIN 320
#define SMTPC_IN_BUF_MIN 16
/* SMTPC_OUT_BUF_DEFAULT and SMTPC_IN_BUF_DEFAULT: smtpc/config.h. */

/* Longest user name and password accepted. */
#define SMTPC_CREDENTIAL_MAX 255

/* Longest mail address accepted (RFC 5321 path limit). */
#define SMTPC_ADDRESS_MAX 254

/* What the engine wants now (bits of smtpc_session_wants). */
#define SMTPC_WANT_SEND 0x01u /* output is pending: write it */
#define SMTPC_WANT_RECV 0x02u /* a reply is awaited: read */
#define SMTPC_WANT_TLS 0x04u  /* perform the TLS handshake, then smtpc_session_tls_done */
#define SMTPC_WANT_BODY 0x08u /* give body bytes, then smtpc_session_body_end */
#define SMTPC_READY 0x10u     /* idle: start a transaction, NOOP, RSET or QUIT */
#define SMTPC_DONE 0x20u      /* QUIT completed: close the connection */
#define SMTPC_FAILED 0x40u    /* see smtpc_session_error; close (after QUIT if allowed) */
/* A transaction may begin now, ahead of the replies the ones before still
 * owe (PIPELINING offered and allowed): its commands then share a write
 * with what is queued, so a stream of messages costs about one round trip
 * each (less with CHUNKING). Comes with RECV; READY still means idle. */
#define SMTPC_WANT_NEXT 0x80u

/* Timeout classes (RFC 5321 §4.5.3.2), reported to the driver. */
enum smtpc_timeout_class {
    SMTPC_TIMEOUT_NONE = 0,   /* nothing awaited from the server */
    SMTPC_TIMEOUT_GREETING,   /* initial 220: 5 minutes */
    SMTPC_TIMEOUT_COMMAND,    /* EHLO, HELO, AUTH, RSET, NOOP, QUIT, STARTTLS: 5 minutes */
    SMTPC_TIMEOUT_MAIL,       /* MAIL: 5 minutes */
    SMTPC_TIMEOUT_RCPT,       /* RCPT: 5 minutes */
    SMTPC_TIMEOUT_DATA_INIT,  /* DATA until 354: 2 minutes */
    SMTPC_TIMEOUT_DATA_BLOCK, /* each write of body data: 3 minutes */
    SMTPC_TIMEOUT_DATA_END,   /* end of data until its reply: 10 minutes */
    SMTPC_TIMEOUT_CLASSES
};

/* Session flags (struct smtpc_session_config.flags). */
#define SMTPC_F_ALLOW_CLEARTEXT_AUTH                                                               \
    0x01u /* allow PLAIN/LOGIN on an unencrypted link. DANGEROUS: the password crosses the network \
             readable */
#define SMTPC_F_AUTH_OPTIONAL                                                                      \
    0x02u /* credentials set but no AUTH offered: send without (default: fail) */
#define SMTPC_F_NO_INITIAL_RESPONSE                                                                \
    0x04u /* AUTH PLAIN in two steps (AUTH PLAIN, 334, credentials) */
#define SMTPC_F_TRACE_SECRETS                                                                      \
    0x08u                     /* show AUTH payloads in the trace. DANGEROUS: leaks the password */
#define SMTPC_F_NO_EHLO 0x10u /* say HELO without trying EHLO */
#define SMTPC_F_SECURE 0x20u  /* the link is already encrypted (implicit TLS) */
/* When the server lists none of the allowed mechanisms, or no AUTH at all,
 * authenticate with PLAIN anyway (the NetX Duo client's behaviour). The
 * cleartext rule still applies. */
#define SMTPC_F_AUTH_FALLBACK_PLAIN 0x40u
/* Skip blanks before the code of a multi-line reply's later lines
 * (" 250 SIZE"), as the NetX Duo client does and some embedded servers
 * need. Drops a syntax check: lines that are not replies start being read
 * as replies. USE WITH CAUTION. */
#define SMTPC_F_LENIENT_REPLY_BLANKS 0x80u
/* Never pipeline, even when the server offers PIPELINING: one command per
 * write, each after the reply before (the NetX Duo API's behaviour). */
#define SMTPC_F_NO_PIPELINING 0x100u
/* Never use CHUNKING (BDAT), even when the server offers it: DATA, as
 * without SMTPC_WITH_CHUNKING (the NetX Duo API's behaviour). */
#define SMTPC_F_NO_CHUNKING 0x200u

/* TLS policies (config.tls). */
#define SMTPC_TLS_NONE 0 /* never: STARTTLS is not used even when offered */
#define SMTPC_TLS_STARTTLS                                                                         \
    1 /* required (RFC 3207): no STARTTLS offered, or refused, fails the session before AUTH and   \
         MAIL */
#define SMTPC_TLS_OPPORTUNISTIC                                                                    \
    2 /* STARTTLS when offered, else on in clear (explicit opt-in; the cleartext AUTH rule         \
         still holds) */
#define SMTPC_TLS_IMPLICIT 3 /* RFC 8314 (port 465): the handshake before the greeting */

/* Trace directions. */
#define SMTPC_TRACE_IN 0   /* a reply line from the server */
#define SMTPC_TRACE_OUT 1  /* a command line to the server (CRLF excluded) */
#define SMTPC_TRACE_INFO 2 /* a note from the engine (e.g. body size) */

typedef void smtpc_trace_fn(void *ctx, int direction, const char *line, size_t len);

struct smtpc_session_config {
    const char *ehlo_name;  /* our domain or address literal, e.g. "host.example" or "[192.0.2.1]";
                               required */
    const char *username;   /* NULL or "": no authentication */
    const char *password;   /* with username */
    const char *authzid;    /* PLAIN authorisation identity; NULL: empty */
    unsigned auth_mechs;    /* SMTPC_AUTH_* allowed; 0: every mechanism smtpc implements */
    unsigned flags;         /* SMTPC_F_* */
    int long_lines;         /* SMTPC_LONG_LINES_* for body lines over 998 octets */
    int tls;                /* SMTPC_TLS_*; the driver does the handshake on SMTPC_WANT_TLS */
    size_t max_reply_line;  /* 0: SMTPC_REPLY_LINE_MAX */
    size_t max_reply_lines; /* 0: SMTPC_REPLY_LINES_DEFAULT */
    unsigned
        timeout_s[SMTPC_TIMEOUT_CLASSES]; /* seconds per class; 0 entries take the RFC default */
    smtpc_trace_fn *trace;                /* NULL: no trace */
    void *trace_ctx;
};

/* One recipient of a transaction: the address in, the server's answer out. */
struct smtpc_rcpt {
    const char *address;      /* in: mailbox without angle brackets */
    struct smtpc_reply reply; /* out: the reply to RCPT TO */
    int accepted;             /* out: 1 when the server accepted it (2xx) */
#if SMTPC_WITH_DSN
    unsigned notify;   /* in: SMTPC_DSN_NOTIFY_* for NOTIFY=; 0: none (the server decides) */
    const char *orcpt; /* in: ORCPT=rfc822;<orcpt>: the address as the sender first gave it
                          (usually `address`), at most SMTPC_ADDRESS_MAX octets; NULL or "":
                          none */
#endif
};

/* Transaction flags. */
#define SMTPC_TXN_ALL_RCPTS 0x01u /* fail (and RSET) unless every recipient is accepted */
#define SMTPC_TXN_8BIT 0x02u      /* the body holds 8-bit bytes: BODY=8BITMIME when offered */
/* The caller checked the body (smtpc_body_check) and set SMTPC_TXN_8BIT
 * and size: smtpc_client_send and _send_parts do not scan it again. */
#define SMTPC_TXN_CHECKED 0x04u
/* txn->size is the message's exact size as smtpc_body_measure gives it
 * (line breaks as CRLF, the final one included). With CHUNKING the whole
 * message then goes as one "BDAT size LAST" chunk, in the same write as
 * MAIL and the RCPTs when PIPELINING is offered too. A body that comes out
 * at another size fails the session with SMTPC_ERR_BODY_SIZE, the chunk
 * unfinished: the connection must be closed, and the server discards it. */
#define SMTPC_TXN_SIZE_EXACT 0x08u
/* The body needs BINARYMIME (RFC 3030): a line over 998 octets, or 8-bit
 * bytes with no 8BITMIME. With CHUNKING and BINARYMIME offered, MAIL says
 * BODY=BINARYMIME and lines of any length go; otherwise the flag is
 * ignored and the body follows the session's long-line policy. Line breaks
 * are sent as CRLF either way. */
#define SMTPC_TXN_BINARY 0x10u

/* DSN (RFC 3461): the delivery status notifications a transaction asks
 * for, in the fields txn.envid, txn.dsn_ret, rcpt.notify and rcpt.orcpt,
 * which exist only with SMTPC_WITH_DSN (smtpc/config.h: test it where a
 * program must build either way). They are sent only when the server
 * offers DSN, and silently left out when it does not, as sendmail does
 * (the server then notifies as it sees fit); they are checked either way.
 * ENVID and ORCPT are printable ASCII (a space is fine; a tab, another
 * control byte or a byte over 127 is not), sent as xtext: a space, "+" and
 * "=" become "+" and two hex digits. So "x+y" to b, notify on success and
 * failure, headers only:
 *   MAIL FROM:<a> RET=HDRS ENVID=x+2By
 *   RCPT TO:<b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b
 *
 * txn.dsn_ret: how much of the message a DSN returns (0: RET= not sent). */
#define SMTPC_DSN_RET_FULL 1 /* RET=FULL: all of it */
#define SMTPC_DSN_RET_HDRS 2 /* RET=HDRS: its headers only */
/* rcpt.notify: NEVER alone, or any of SUCCESS, FAILURE and DELAY (sent in
 * that order); 0 sends no NOTIFY=. */
#define SMTPC_DSN_NOTIFY_SUCCESS 0x01u /* on delivery */
#define SMTPC_DSN_NOTIFY_FAILURE 0x02u /* on failure */
#define SMTPC_DSN_NOTIFY_DELAY 0x04u   /* when delayed */
#define SMTPC_DSN_NOTIFY_NEVER 0x08u   /* never */
/* The longest txn.envid, as xtext (RFC 3461 §4.4). */
#define SMTPC_DSN_ENVID_MAX 100

struct smtpc_txn {
    const char *from;              /* in: reverse-path without brackets; "" for the null sender */
    struct smtpc_rcpt *rcpt;       /* in/out: recipients */
    size_t rcpt_count;             /* in: at least 1 */
    unsigned long long size;       /* in: message size for SIZE=; 0 when unknown */
    unsigned flags;                /* in: SMTPC_TXN_* */
    struct smtpc_reply mail_reply; /* out: reply to MAIL FROM */
    struct smtpc_reply data_reply; /* out: reply to DATA */
    struct smtpc_reply end_reply;  /* out: reply to the end of data */
    size_t rcpt_accepted;          /* out: recipients accepted */
    int result; /* out: 0 when the server accepted the message, else SMTPC_ERR_* */
    int done;   /* out: 1 once the transaction is over */
#if SMTPC_WITH_DSN
    const char *envid; /* in: ENVID=, the sender's id for this message, returned in every
                          DSN; NULL or "": none */
    int dsn_ret;       /* in: SMTPC_DSN_RET_* for RET=; 0: none */
#endif
};

/* Where a session or a client is, or where it failed: for messages
 * (smtpc_step_name) and for callers that map steps to their own codes. */
enum smtpc_step {
    SMTPC_STEP_NONE = 0,  /* "" */
    SMTPC_STEP_SETUP,     /* "setup": the client's own setup */
    SMTPC_STEP_CONNECT,   /* "connect" */
    SMTPC_STEP_TLS_SETUP, /* "TLS setup" */
    SMTPC_STEP_GREETING,  /* "greeting" */
    SMTPC_STEP_EHLO,      /* "EHLO" */
    SMTPC_STEP_HELO,      /* "HELO" */
    SMTPC_STEP_STARTTLS,  /* "STARTTLS" */
    SMTPC_STEP_TLS,       /* "TLS handshake" */
    SMTPC_STEP_AUTH,      /* "AUTH" */
    SMTPC_STEP_IDLE,      /* "idle" */
    SMTPC_STEP_SEND,      /* "send": a transaction asked for on a closed client */
    SMTPC_STEP_MAIL,      /* "MAIL FROM" */
    SMTPC_STEP_RCPT,      /* "RCPT TO" */
    SMTPC_STEP_DATA,      /* "DATA" */
    SMTPC_STEP_MESSAGE,   /* "message": the body, checked before sending */
    SMTPC_STEP_BODY,      /* "message data" */
    SMTPC_STEP_END,       /* "end of data" */
    SMTPC_STEP_RSET,      /* "RSET" */
    SMTPC_STEP_NOOP,      /* "NOOP" */
    SMTPC_STEP_QUIT,      /* "QUIT" */
    SMTPC_STEP_CLOSED,    /* "closed" */
    SMTPC_STEP_FAILED     /* "failed" */
};

/* The step's name, as above ("" for SMTPC_STEP_NONE or an unknown value). */
const char *smtpc_step_name(enum smtpc_step step);

/* Internal states; the driver reads smtpc_session_wants instead. */
enum smtpc_session_state {
    SMTPC_S_GREETING,
    SMTPC_S_EHLO,
    SMTPC_S_HELO,
    SMTPC_S_STARTTLS,
    SMTPC_S_TLS,
    SMTPC_S_AUTH,
    SMTPC_S_AUTH_CANCEL,
    SMTPC_S_READY,
    SMTPC_S_MAIL,
    SMTPC_S_RCPT,
    SMTPC_S_DATA,
    SMTPC_S_BODY,
    SMTPC_S_END,
    SMTPC_S_RSET_ABORT,
    SMTPC_S_RSET,
    SMTPC_S_NOOP,
    SMTPC_S_QUIT,
    SMTPC_S_DONE,
    SMTPC_S_FAILED,
    SMTPC_S_BDAT,      /* a chunk's reply (last: without SMTPC_WITH_CHUNKING, never) */
    SMTPC_S_BDAT_LAST, /* the last chunk's reply: the verdict */
    SMTPC_S_RSET_NEXT  /* RSET before a transaction begun ahead, after BDAT */
};

/* The session. Caller-allocated; every field is private. */
struct smtpc_session {
    struct smtpc_session_config cfg; /* first: smtpc_session_init clears what follows it */
    struct smtpc_reply_parser parser;
    struct smtpc_reply reply; /* the reply being parsed / last complete reply */
    struct smtpc_caps caps;
    struct smtpc_body_encoder body;
    uint8_t *in; /* input buffer: [in_off, in_len) unparsed */
    size_t in_cap, in_off, in_len;
    uint8_t *out; /* output buffer: [out_off, out_len) unsent */
    size_t out_cap, out_off, out_len;
    struct smtpc_txn *txn; /* the transaction whose replies come, or NULL */
    size_t rcpt_next;      /* index of its recipient whose reply is awaited */
    size_t rcpt_sent;      /* RCPT commands of the one being sent queued so far */
#if SMTPC_WITH_PIPELINING
    struct smtpc_txn *tx; /* the transaction being sent (commands, body), NULL once all is */
    /* the transactions begun and not done, oldest (txn) first: a ring */
    struct smtpc_txn *txq[SMTPC_TXN_QUEUE];
    unsigned char txq_head, txq_count;
    unsigned char quit_queued; /* QUIT went after the last transaction, ahead of its replies */
#endif
    /* Commands queued and not yet answered, oldest first (a ring): what each
     * awaits (SMTPC_S_*) and the sent_total once it is all written, since
     * only then can its reply come. */
    unsigned long inflight_end[SMTPC_PIPELINE_WINDOW];
    unsigned char inflight_kind[SMTPC_PIPELINE_WINDOW];
    unsigned char inflight_head, inflight_count;
    unsigned long answered_end; /* where the command answered last ends (sent_total) */
    enum smtpc_session_state state;
    enum smtpc_session_state fail_state; /* the state that failed */
    int error;                           /* sticky error once FAILED */
    int auth_mech;                       /* the mechanism in use, SMTPC_AUTH_* */
    unsigned long replies;               /* complete replies handled so far */
    unsigned long sent_total;            /* output bytes acked so far (modulo 2^bits) */
    /* flags, a byte each */
    unsigned char greeting_owed;   /* the greeting has not come yet */
    unsigned char mail_refused;    /* txn's MAIL was refused (replies still owed) */
    unsigned char data_refused;    /* its DATA, or a chunk, was refused */
    unsigned char data_queued;     /* the DATA of the one being sent was queued (or its body
                                      opened) */
    unsigned char quit_ok;         /* a QUIT may still be sent after the failure */
    unsigned char auth_step;       /* challenges answered so far */
    unsigned char authenticated;   /* AUTH succeeded */
    unsigned char secure;          /* the link is encrypted */
    unsigned char tls_started;     /* a handshake was asked for (STARTTLS or implicit) */
    unsigned char body_ending;     /* end of data asked for, not yet queued */
    unsigned char framing_lost;    /* failed on a malformed reply: what follows, until QUIT, is
                                      its rest */
    unsigned char showing_unasked; /* an unasked reply is being read into `reply` */
#if SMTPC_WITH_CHUNKING
    struct smtpc_session_bdat {
        unsigned long long size;  /* exact: the size declared in the one chunk */
        size_t chunk_at;          /* where the open chunk's header room starts in `out` */
        unsigned char on;         /* the transaction sends BDAT, not DATA */
        unsigned char exact;      /* in one chunk of the declared size */
        unsigned char body_open;  /* body bytes are taken */
        unsigned char chunk_open; /* a chunk is being filled (not sendable yet) */
    } bdat;
#endif
};

/* Fills `cfg` with defaults: no credentials, every mechanism, RFC timeouts. */
void smtpc_session_config_default(struct smtpc_session_config *cfg);

/* Prepares a session over the caller's buffers; copies `cfg` (its strings
 * are referenced, not copied; it may be the session's own config, to start
 * the session again with it). Returns 0, SMTPC_ERR_ARG (missing EHLO name,
 * password without user), SMTPC_ERR_ARG_CTL (CR, LF or another control byte
 * in the EHLO name or credentials), SMTPC_ERR_BUFFER (buffers below the
 * minimums) or SMTPC_ERR_TOO_LONG (credentials longer than
 * SMTPC_CREDENTIAL_MAX or too long for the output buffer) or SMTPC_ERR_CONFIG.
 * No byte is queued: the engine first waits for the greeting. */
int smtpc_session_init_as(struct smtpc_session *s, const struct smtpc_session_config *cfg,
                          uint8_t *in, size_t in_cap, uint8_t *out, size_t out_cap,
                          unsigned long config_id, size_t session_size);
/* The caller's view of the configuration goes along: a program built with
 * other smtpc/config.h values than the library gets SMTPC_ERR_CONFIG, and
 * `s` is not touched. */
#define smtpc_session_init(s, cfg, in, in_cap, out, out_cap)                                       \
    smtpc_session_init_as((s), (cfg), (in), (in_cap), (out), (out_cap), SMTPC_CONFIG_ID,           \
                          sizeof(struct smtpc_session))

/* What the engine wants now: SMTPC_WANT_* / SMTPC_READY / SMTPC_DONE /
 * SMTPC_FAILED bits. SEND may come with RECV, BODY or READY; send first. */
unsigned smtpc_session_wants(const struct smtpc_session *s);

/* Output: a pointer to the pending bytes and their count (0 when none).
 * Valid until the next call on the session. Ack the bytes written. */
const uint8_t *smtpc_session_out_buf(const struct smtpc_session *s, size_t *len);
void smtpc_session_out_ack(struct smtpc_session *s, size_t n);

/* Input: free space to read into, then ack the bytes read; the engine
 * parses them at once and moves on. smtpc_session_eof reports that the
 * server closed the connection.
 *
 * Each reply must answer the command it is owed to: a reply counts as owed
 * only once all of its command was acked with smtpc_session_out_ack (ack
 * what you wrote before you give what you read). A reply that starts when
 * none is owed (a second reply in the same read, bytes after a refusal or
 * after the answer to STARTTLS, a reply during the body) answers nothing:
 * the session fails with SMTPC_ERR_REPLY_UNASKED, queues nothing more, not
 * even QUIT, and smtpc_session_reply shows that reply (read on to its end
 * as it arrives). The step reported is the one whose answer it would have
 * been taken for. */
uint8_t *smtpc_session_in_buf(struct smtpc_session *s, size_t *len);
void smtpc_session_in_ack(struct smtpc_session *s, size_t n);
void smtpc_session_eof(struct smtpc_session *s);

/* Starts a transaction (when READY, or when SMTPC_WANT_NEXT says it may go
 * ahead of the replies owed: then `t` is done later than the ones begun
 * before it; keep it valid until its `done` is set). With PIPELINING offered (and
 * SMTPC_WITH_PIPELINING, without SMTPC_F_NO_PIPELINING), commands go ahead
 * of their replies, at most SMTPC_PIPELINE_WINDOW in flight, and every
 * reply is still matched to its command, so each recipient's result is
 * exact:
 *   - default policy (partial delivery): MAIL, every RCPT and DATA in one
 *     write; round trips to a small message's verdict: 2 (the group, then
 *     the body with the end of data); with CHUNKING and a size declared
 *     (SMTPC_TXN_SIZE_EXACT) 1: the message goes with the group as one
 *     BDAT chunk;
 *   - SMTPC_TXN_ALL_RCPTS: MAIL and every RCPT in one write, DATA (or the
 *     BDAT chunk) only once every RCPT reply is in (a DATA sent ahead could
 *     be answered 354 for a subset, a chunk delivered to one): 3 round
 *     trips, 2 with CHUNKING;
 *   - without PIPELINING, a command per round trip: MAIL, each RCPT, DATA
 *     and the body: 3 + rcpts (2 + rcpts with BDAT; then each chunk of a
 *     body of unknown size waits for the reply to the one before).
 * In a stream (SMTPC_WANT_NEXT) a message's first write is the one before's
 * last: a round trip less each; QUIT may go the same way.
 * A refused MAIL or DATA ends the transaction once the replies still owed
 * are read; a 354 when no recipient was accepted fails the session without
 * sending a body (SMTPC_ERR_REPLY_UNEXPECTED), since only closing sends
 * nothing. Checks every address first:
 * returns SMTPC_ERR_ARG_CTL / SMTPC_ERR_ARG_ADDRESS / SMTPC_ERR_NO_RECIPIENT
 * before queueing anything, SMTPC_ERR_MESSAGE_TOO_BIG when txn->size is over
 * the server's SIZE, SMTPC_ERR_SMTPUTF8 for a non-ASCII address when the
 * server lacks SMTPUTF8. With SMTPC_WITH_DSN the DSN fields are checked as
 * well, whether the server offers DSN or not: SMTPC_ERR_ARG for a dsn_ret
 * or notify out of range (NEVER with another bit) or a byte over 127 in
 * envid or orcpt, SMTPC_ERR_ARG_CTL for a control byte in them,
 * SMTPC_ERR_ARG_ADDRESS for an orcpt over SMTPC_ADDRESS_MAX octets,
 * SMTPC_ERR_TOO_LONG for an envid over SMTPC_DSN_ENVID_MAX as xtext and,
 * when DSN is offered, a MAIL or RCPT line longer than the output buffer.
 * On those errors the session stays READY. */
int smtpc_session_txn_begin(struct smtpc_session *s, struct smtpc_txn *txn);

/* Body (only while SMTPC_WANT_BODY): encodes up to `len` bytes into the
 * output buffer; returns how many were taken (fewer when the buffer is
 * full: send, then call again) or a negative error. SMTPC_ERR_BODY_LINE is
 * fatal: part of the message is on the wire and the only safe way out is to
 * close the connection without ending the data, which the session reports
 * as FAILED with quit_ok 0. */
long smtpc_session_body_write(struct smtpc_session *s, const uint8_t *data, size_t len);

/* Ends the body: the engine queues the end of data as soon as there is room
 * and then awaits the server's verdict. Returns 0 or SMTPC_ERR_STATE. */
int smtpc_session_body_end(struct smtpc_session *s);

/* NOOP and RSET (only when READY); the session is READY again after the
 * reply. Return 0 or SMTPC_ERR_STATE. */
int smtpc_session_noop(struct smtpc_session *s);
int smtpc_session_rset(struct smtpc_session *s);

/* QUIT: allowed when READY, and after a failure with the server still
 * there and in step (a refusal, or a malformed or unexpected reply: what is
 * left of a malformed one is dropped). Not after 421, an unasked reply, a
 * timeout, a lost connection or a broken body. With PIPELINING also when
 * SMTPC_WANT_NEXT is wanted: QUIT then leaves with the end of the last
 * transaction, ahead of its replies (a round trip less for the last
 * message), which still come and are matched; no transaction may begin
 * after it, and none of those still owed sends RSET. Returns 0, or
 * SMTPC_ERR_STATE when the connection must simply be closed. */
int smtpc_session_quit(struct smtpc_session *s);

/* The driver's handshake succeeded (SMTPC_WANT_TLS): the session goes on
 * encrypted, with the greeting (implicit TLS) or a new EHLO (STARTTLS), all
 * capabilities learnt in clear forgotten. Also allowed before anything was
 * read, for a link the caller encrypted itself. Returns 0 or
 * SMTPC_ERR_STATE. A failed handshake is smtpc_session_abort(s,
 * SMTPC_ERR_TLS, SMTPC_ERR_TLS_VERIFY or SMTPC_ERR_TLS_SETUP). */
int smtpc_session_tls_done(struct smtpc_session *s);

/* The driver gave up (timeout, I/O error): the session is FAILED with `err`
 * and a transaction under way gets it as its result. */
void smtpc_session_abort(struct smtpc_session *s, int err);

/* Accessors. */
int smtpc_session_error(const struct smtpc_session *s); /* 0 or the sticky error */
const struct smtpc_reply *smtpc_session_reply(const struct smtpc_session *s); /* last reply */
const struct smtpc_caps *smtpc_session_caps(const struct smtpc_session *s);
/* 1 once the link is encrypted (after the handshake, or SMTPC_F_SECURE). */
int smtpc_session_secure(const struct smtpc_session *s);
enum smtpc_timeout_class smtpc_session_timeout_class(const struct smtpc_session *s);
unsigned smtpc_session_timeout_s(const struct smtpc_session *s); /* seconds for the current class */
int smtpc_session_authenticated(const struct smtpc_session *s);
unsigned long smtpc_session_replies(const struct smtpc_session *s); /* replies handled so far */
/* The transactions begun and not done yet (their replies still owed). */
unsigned smtpc_session_txns(const struct smtpc_session *s);
/* Where the session is, or failed: the step and its name ("greeting",
 * "EHLO", ...). */
enum smtpc_step smtpc_session_step_id(const struct smtpc_session *s);
const char *smtpc_session_step(const struct smtpc_session *s);

/* Checks a string for CR, LF and other control bytes: 0 or SMTPC_ERR_ARG_CTL. */
int smtpc_check_text(const char *s);
/* Checks a mail address (see smtpc_session_txn_begin); `empty_ok` allows "". */
int smtpc_check_address(const char *addr, int empty_ok);

#ifdef __cplusplus
}
#endif
#endif
