/*
 * smtpc — the blocking client: the engine driven over a transport, with
 * every RFC 5321 deadline enforced.
 *
 *   struct smtpc_client c;            // large: static or heap on small stacks
 *   struct smtpc_client_options o;
 *   smtpc_client_options_default(&o);
 *   o.host = "mail.example"; o.port = "587";
 *   o.session.ehlo_name = "me.example";
 *   smtpc_client_init(&c, &o);
 *   rc = smtpc_client_send_mail(&c, &txn, body, body_len);   // connect, send, QUIT, close
 *
 * or, for several messages over one connection: smtpc_client_open, then
 * smtpc_client_send for each, then smtpc_client_close. After close, or
 * after any failure, the client is back in its initial state and can open
 * again.
 */
#ifndef SMTPC_CLIENT_H
#define SMTPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "smtpc/session.h"
#include "smtpc/transport.h"

/* SMTPC_CLIENT_POSIX (smtpc/config.h): whether the client can open a POSIX
 * connection itself (host/port). Without it (firmware), options.transport
 * is required. */
#if SMTPC_CLIENT_POSIX
#include "smtpc/posix.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Pulls body bytes: returns the count written into buf (0 at the end), or
 * a negative value on error (the message is then abandoned: the connection
 * is closed without ending the data, so the server discards it). */
typedef long smtpc_body_read_fn(void *ctx, uint8_t *buf, size_t cap);

struct smtpc_client_options {
    const char *host;           /* server name or address; required unless transport is set (or when
                                   SMTPC_CLIENT_POSIX is 0) */
    const char *port;           /* number or service name; NULL: "25" */
    int family;                 /* SMTPC_FAMILY_ANY, _IPV4 or _IPV6 */
    unsigned connect_timeout_s; /* 0: 30 seconds */
    unsigned quit_timeout_s;    /* wait for the reply to QUIT; 0: 10 seconds */
    struct smtpc_session_config session; /* EHLO name, credentials, policies, trace, timeouts */
    struct smtpc_transport *transport;   /* NULL: a POSIX connection to host:port; else an already
                                            connected transport (closed by smtpc_client_close) */
    struct smtpc_transport *tls; /* a TLS layer (smtpc/openssl.h, smtpc/mbedtls.h), attached over
                                    the connection; required when session.tls is not
                                    SMTPC_TLS_NONE. The certificate must name `host`. */
};

struct smtpc_client {
    struct smtpc_client_conn { /* private from here on: the options but the session's, */
        const char *host;      /* which live in session.cfg alone */
        const char *port;
        int family;
        unsigned connect_timeout_s;
        unsigned quit_timeout_s;
        struct smtpc_transport *transport;
        struct smtpc_transport *tls;
    } opt;
    struct smtpc_session session;
#if SMTPC_CLIENT_POSIX
    struct smtpc_posix posix;
#endif
    struct smtpc_transport *t; /* the open connection, NULL when closed */
    uint8_t in[SMTPC_IN_BUF_DEFAULT];
    uint8_t out[SMTPC_CLIENT_OUT_BUF];
#if SMTPC_CHUNK_BUF > 0
    uint8_t chunk[SMTPC_CHUNK_BUF]; /* body bytes pulled from a reader */
#endif
    int error;                /* last error, 0 after success */
    enum smtpc_step step;     /* where it happened */
    struct smtpc_reply reply; /* the server's words for it (code 0: none) */
};

void smtpc_client_options_default(struct smtpc_client_options *o);

/* Copies the options (strings are referenced and must outlive the
 * client). Returns 0, SMTPC_ERR_ARG or SMTPC_ERR_CONFIG. */
int smtpc_client_init_as(struct smtpc_client *c, const struct smtpc_client_options *o,
                         unsigned long config_id, size_t client_size);
/* The caller's view of the configuration goes along: SMTPC_ERR_CONFIG, with
 * `c` untouched, when the program was built with other smtpc/config.h
 * values than the library. */
#define smtpc_client_init(c, o)                                                                    \
    smtpc_client_init_as((c), (o), SMTPC_CONFIG_ID, sizeof(struct smtpc_client))

/* Connects, reads the greeting, says EHLO/HELO and authenticates. Returns 0
 * when ready for transactions, else the error (the connection is then
 * closed, after a QUIT where the protocol allows one). */
int smtpc_client_open(struct smtpc_client *c);

/* One transaction on an open connection, the body from a buffer. The body
 * is measured first (smtpc_body_measure): its exact size goes in txn->size
 * (for SIZE=, and with CHUNKING for one BDAT chunk that leaves with MAIL
 * and the RCPTs), its 8-bit content and size set txn->flags
 * (SMTPC_TXN_8BIT, SMTPC_TXN_SIZE_EXACT). Lines over 998 octets under the
 * fail policy, or 8-bit bytes with no 8BITMIME, go with BODY=BINARYMIME
 * when the server offers it with CHUNKING (SMTPC_TXN_BINARY); otherwise
 * long lines give SMTPC_ERR_BODY_LINE before any byte is sent. Returns
 * txn->result (0: accepted for txn->rcpt_accepted recipients), or a
 * connection error, after which the connection is closed. */
int smtpc_client_send(struct smtpc_client *c, struct smtpc_txn *txn, const void *body, size_t len);

/* The same with the message in `count` pieces sent one after the other
 * (headers from smtpc_headers_parts, then the body, say): nothing is
 * copied together. Each piece is checked as smtpc_client_send checks its
 * body. */
int smtpc_client_send_parts(struct smtpc_client *c, struct smtpc_txn *txn,
                            const struct smtpc_part *parts, size_t count);

/* One message of a stream (smtpc_client_send_many). */
struct smtpc_message {
    struct smtpc_txn *txn;          /* in/out, as for smtpc_client_send_parts */
    const struct smtpc_part *parts; /* the message in pieces */
    size_t count;
};

/* Sends `n` messages over the open connection, each begun as soon as the
 * engine allows (SMTPC_WANT_NEXT), ahead of the replies the ones before
 * still owe: with PIPELINING about one round trip per message with DATA;
 * with CHUNKING too, up to SMTPC_TXN_QUEUE messages in one write. Each
 * message is measured as smtpc_client_send_parts does, and each txn gets
 * its own verdict (result, done). Returns 0 when the connection is still
 * open, whatever the verdicts (a message that could not go, such as one
 * with a line over 998 octets, has its error as its result), or the error
 * that closed the connection, which every message not accepted by then has
 * as its result. */
int smtpc_client_send_many(struct smtpc_client *c, struct smtpc_message *msgs, size_t n);

#if SMTPC_CHUNK_BUF > 0
/* The same with the body pulled from `read` as it is sent (into a buffer of
 * SMTPC_CHUNK_BUF bytes; the call exists when that is not 0). txn->flags
 * and txn->size are the caller's: with CHUNKING, a body of unknown size
 * goes in chunks of the output buffer's size, each with its reply. */
int smtpc_client_send_stream(struct smtpc_client *c, struct smtpc_txn *txn,
                             smtpc_body_read_fn *read, void *ctx);
#endif

/* Sends QUIT when possible, waits for its reply and closes. Always leaves
 * the client closed; returns 0 or the error met on the way (which does not
 * undo messages already accepted). */
int smtpc_client_close(struct smtpc_client *c);

/* open + send + close. Returns 0 when the server accepted the message, even
 * if the QUIT that follows goes unanswered. */
int smtpc_client_send_mail(struct smtpc_client *c, struct smtpc_txn *txn, const void *body,
                           size_t len);

#if SMTPC_CHUNK_BUF > 0
/* open + send_stream + close, QUIT going with the message's end where the
 * server allows it: one message on its own connection, read as it is
 * sent. txn->flags and txn->size are the caller's, as for
 * smtpc_client_send_stream. Returns as smtpc_client_send_mail does. */
int smtpc_client_send_mail_stream(struct smtpc_client *c, struct smtpc_txn *txn,
                                  smtpc_body_read_fn *read, void *ctx);
#endif

/* About the last failure: the error, the step ("RCPT TO", "end of data",
 * ...) and the server's reply (code 0 when the server said nothing). */
int smtpc_client_error(const struct smtpc_client *c);
const char *smtpc_client_step(const struct smtpc_client *c);
enum smtpc_step smtpc_client_step_id(const struct smtpc_client *c); /* the same as a value */
const struct smtpc_reply *smtpc_client_reply(const struct smtpc_client *c);
/* The TLS layer's words: protocol, cipher and peer once negotiated, or why
 * TLS failed ("certificate verify failed: ..."); "" without TLS. */
const char *smtpc_client_tls_detail(const struct smtpc_client *c);

/* Why the connection the client opened itself failed ("Connection
 * refused", ...; smtpc_posix_connect_detail), or "". */
const char *smtpc_client_connect_detail(const struct smtpc_client *c);

/* The session, for capabilities and the like, while open. */
const struct smtpc_session *smtpc_client_session(const struct smtpc_client *c);

#ifdef __cplusplus
}
#endif
#endif
