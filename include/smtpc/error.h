/*
 * smtpc — error codes.
 *
 * Every smtpc function that can fail returns 0 (or a non-negative count) on
 * success and one of the negative codes below on failure. The codes live in
 * documented ranges so a caller can classify an error without a table:
 *
 *   -1   .. -99   usage: a bad argument or a call in the wrong state; nothing
 *                 was sent because of it.
 *   -100 .. -199  protocol: the server broke the SMTP protocol (malformed,
 *                 over-long or unexpected reply, STARTTLS injection).
 *   -200 .. -299  refusal: the server answered a step with 4xx or 5xx. The
 *                 reply itself (code, enhanced code, text) is kept apart, in
 *                 struct smtpc_reply; look there for temporary vs permanent.
 *   -300 .. -399  policy: smtpc refused to go on to protect the user (no
 *                 usable AUTH mechanism, credentials over cleartext, ...).
 *   -400 .. -499  transport: name resolution, connect, I/O, timeout, TLS.
 *
 * The server's words are never folded into these codes.
 */
#ifndef SMTPC_ERROR_H
#define SMTPC_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define SMTPC_OK 0

/* usage */
#define SMTPC_ERR_ARG -1          /* a required argument is missing or out of range */
#define SMTPC_ERR_ARG_CTL -2      /* CR, LF, NUL or another control byte in an argument */
#define SMTPC_ERR_ARG_ADDRESS -3  /* a mail address is empty, too long or has '<' '>' */
#define SMTPC_ERR_STATE -4        /* the call is not allowed in the session's state */
#define SMTPC_ERR_BUFFER -5       /* a caller buffer is too small for its purpose */
#define SMTPC_ERR_TOO_LONG -6     /* a command would not fit in the output buffer */
#define SMTPC_ERR_BODY_LINE -7    /* a body line is over 998 octets (policy: fail) */
#define SMTPC_ERR_NO_RECIPIENT -8 /* a transaction with no recipient */
#define SMTPC_ERR_BODY_SOURCE -9  /* the caller's body source reported an error */
#define SMTPC_ERR_HEADER -10      /* a header value is invalid or does not fit */
#define SMTPC_ERR_CONFIG -11      /* the caller was built with another smtpc/config.h than smtpc */
#define SMTPC_ERR_BODY_SIZE -12   /* the body is not the size declared (SMTPC_TXN_SIZE_EXACT) */

/* protocol */
#define SMTPC_ERR_REPLY_SYNTAX -100       /* reply line is not "ddd", "ddd text" or "ddd-text" */
#define SMTPC_ERR_REPLY_TOO_LONG -101     /* a reply line is longer than the configured limit */
#define SMTPC_ERR_REPLY_LINES -102        /* a reply has more lines than the configured limit */
#define SMTPC_ERR_REPLY_MIXED -103        /* the lines of one reply carry different codes */
#define SMTPC_ERR_REPLY_UNEXPECTED -104   /* a well-formed reply that makes no sense here */
#define SMTPC_ERR_STARTTLS_INJECTION -105 /* bytes arrived after the 220 to STARTTLS */
#define SMTPC_ERR_AUTH_PROTOCOL -106      /* the server broke the SASL exchange */
#define SMTPC_ERR_REPLY_UNASKED -107      /* a reply arrived when none was owed: it answers
                                             nothing smtpc sent (smtpc_session_reply) */

/* refusal (see the reply for the code) */
#define SMTPC_ERR_REFUSED_GREETING -200 /* the greeting was not 220 */
#define SMTPC_ERR_REFUSED_HELLO -201    /* EHLO and HELO refused */
#define SMTPC_ERR_REFUSED_STARTTLS -202 /* STARTTLS refused */
#define SMTPC_ERR_REFUSED_AUTH -203     /* authentication refused (e.g. 535) */
#define SMTPC_ERR_REFUSED_MAIL -204     /* MAIL FROM refused */
#define SMTPC_ERR_REFUSED_RCPT                                                                     \
    -205 /* every recipient refused (or one, under the all-or-nothing policy) */
#define SMTPC_ERR_REFUSED_DATA -206    /* DATA refused */
#define SMTPC_ERR_REFUSED_MESSAGE -207 /* the message was refused after the end of data */
#define SMTPC_ERR_REFUSED_COMMAND -208 /* RSET or NOOP refused */

/* policy */
#define SMTPC_ERR_AUTH_NOT_OFFERED -300 /* credentials given but the server offers no AUTH */
#define SMTPC_ERR_AUTH_NO_MECH -301     /* no offered mechanism is allowed by the caller */
#define SMTPC_ERR_AUTH_CLEARTEXT                                                                   \
    -302 /* the mechanism reveals the password and the link is not encrypted */
#define SMTPC_ERR_MESSAGE_TOO_BIG -303 /* the message is larger than the server's SIZE */
#define SMTPC_ERR_SMTPUTF8 -304        /* a non-ASCII address and no SMTPUTF8 on the server */
#define SMTPC_ERR_TLS_REQUIRED -305    /* TLS required but not available */

/* transport */
#define SMTPC_ERR_RESOLVE -400    /* host name could not be resolved */
#define SMTPC_ERR_CONNECT -401    /* no address accepted the connection */
#define SMTPC_ERR_TIMEOUT -402    /* a deadline passed */
#define SMTPC_ERR_CLOSED -403     /* the server closed the connection */
#define SMTPC_ERR_IO -404         /* a read or write failed */
#define SMTPC_ERR_TLS -405        /* TLS handshake or record failure */
#define SMTPC_ERR_TLS_VERIFY -406 /* the server's certificate did not verify */
#define SMTPC_ERR_TLS_SETUP -407  /* TLS not set up: trust store, certificate or key unusable */

/* Class of an error code: one of the SMTPC_ERRCLASS_* values. */
#define SMTPC_ERRCLASS_NONE 0
#define SMTPC_ERRCLASS_USAGE 1
#define SMTPC_ERRCLASS_PROTOCOL 2
#define SMTPC_ERRCLASS_REFUSED 3
#define SMTPC_ERRCLASS_POLICY 4
#define SMTPC_ERRCLASS_TRANSPORT 5

/* A short English description of `err` ("unknown error" for an unknown code).
 * The string is static; never NULL. Without SMTPC_WITH_ERROR_TEXTS
 * (smtpc/config.h) every error has the same text. */
const char *smtpc_strerror(int err);

/* The SMTPC_ERRCLASS_* of `err`, from its range. */
int smtpc_error_class(int err);

/* 1 when the server's last reply explains `err` (a refusal, or a
 * well-formed reply that had no place where it came), so it is worth
 * showing; 0 for errors of smtpc's own or of the connection. */
int smtpc_error_has_reply(int err);

#ifdef __cplusplus
}
#endif
#endif
