/*
 * smtpc — the one configuration header: every size and feature switch.
 *
 * Each setting below is `#ifndef X / #define X default`. To change one,
 * write your own file (say `smtpc_opts.h`) with the values you want and
 * build smtpc and every file that includes its headers with
 * -DSMTPC_CONFIG_FILE='"smtpc_opts.h"'; a -D on the command line works
 * too. lwIP's lwipopts.h and mbedTLS's MBEDTLS_CONFIG_FILE work the same
 * way.
 *
 * Sizes change the structs (struct smtpc_session, struct smtpc_client,
 * NX_SMTP_CLIENT), so smtpc and the program that allocates them must agree:
 * smtpc_session_init and smtpc_client_init are handed the caller's view
 * (SMTPC_CONFIG_ID and the struct's size) and refuse a mismatch with
 * SMTPC_ERR_CONFIG before touching the memory.
 */
#ifndef SMTPC_CONFIG_H
#define SMTPC_CONFIG_H

#ifdef SMTPC_CONFIG_FILE
#include SMTPC_CONFIG_FILE
#endif

/* ---- The profile ---- */

/* 1: every feature and host-sized buffers. smtpc's CMake library sets it
 * for itself and its users. 0 (the default of the plain source lists, as a
 * firmware build compiles them): the NetX Duo SMTP Client's feature set
 * (EHLO/HELO, AUTH PLAIN and LOGIN, one recipient, the guide's headers, the
 * body encoder) in small buffers; turn on what else you need below. */
#ifndef SMTPC_CONFIG_FULL
#define SMTPC_CONFIG_FULL 0
#endif

/* ---- Features (1 on, 0 off; an off feature costs no byte) ---- */

/* STARTTLS and implicit TLS in the engine and the blocking client (the
 * handshake itself is a TLS layer's: smtpc/openssl.h, smtpc/mbedtls.h).
 * Off, a session configured with a TLS policy is refused at init. */
#ifndef SMTPC_WITH_TLS
#define SMTPC_WITH_TLS SMTPC_CONFIG_FULL
#endif
/* The trace callback (config.trace: every line in and out, credentials
 * redacted). Off, a session configured with one is refused at init. */
#ifndef SMTPC_WITH_TRACE
#define SMTPC_WITH_TRACE SMTPC_CONFIG_FULL
#endif
/* AUTH PLAIN (RFC 4616) and AUTH LOGIN, each on its own. A session that
 * allows only mechanisms the build lacks is refused at init. */
#ifndef SMTPC_WITH_PLAIN
#define SMTPC_WITH_PLAIN 1
#endif
#ifndef SMTPC_WITH_LOGIN
#define SMTPC_WITH_LOGIN 1
#endif
/* AUTH CRAM-MD5 (RFC 2195), with MD5 and HMAC-MD5 of its own. */
#ifndef SMTPC_WITH_CRAM_MD5
#define SMTPC_WITH_CRAM_MD5 SMTPC_CONFIG_FULL
#endif
/* Subjects with non-ASCII bytes as RFC 2047 encoded words. Off, the header
 * builder refuses them (SMTPC_ERR_HEADER). */
#ifndef SMTPC_WITH_RFC2047
#define SMTPC_WITH_RFC2047 SMTPC_CONFIG_FULL
#endif
/* The header builder's Date header (RFC 5322 date from seconds since 1970).
 * Off, no Date is written: submission servers add one. */
#ifndef SMTPC_WITH_DATE
#define SMTPC_WITH_DATE SMTPC_CONFIG_FULL
#endif
/* The header builder's own Message-ID (a caller's message_id is written
 * whatever this is). Off, a message has none unless the caller gives one:
 * most submission servers add it, but not all (Postfix adds it only for
 * local clients unless always_add_missing_headers is set, and some large
 * providers refuse mail without one). */
#ifndef SMTPC_WITH_MESSAGE_ID
#define SMTPC_WITH_MESSAGE_ID SMTPC_CONFIG_FULL
#endif
/* SIZE (RFC 1870): the message size in MAIL FROM and the check against the
 * server's limit before sending. Off, a message over the limit is refused
 * by the server after its data. */
#ifndef SMTPC_WITH_SIZE
#define SMTPC_WITH_SIZE SMTPC_CONFIG_FULL
#endif
/* SMTPUTF8 (RFC 6531): non-ASCII addresses when the server offers it. Off,
 * every non-ASCII address is refused (SMTPC_ERR_SMTPUTF8) before sending. */
#ifndef SMTPC_WITH_SMTPUTF8
#define SMTPC_WITH_SMTPUTF8 SMTPC_CONFIG_FULL
#endif

/* More than one recipient per transaction. Off, a transaction with more
 * is refused (SMTPC_ERR_ARG) before anything is sent. */
#ifndef SMTPC_WITH_MULTI_RCPT
#define SMTPC_WITH_MULTI_RCPT SMTPC_CONFIG_FULL
#endif
/* smtpc_strerror's texts (about 1.6 KB on a Cortex-M). Off, it returns one
 * text for every error, and the number is what tells them apart. */
#ifndef SMTPC_WITH_ERROR_TEXTS
#define SMTPC_WITH_ERROR_TEXTS SMTPC_CONFIG_FULL
#endif
/* PIPELINING (RFC 2920): when the server offers it, MAIL, the RCPTs and
 * DATA leave in one write (see smtpc_session_txn_begin for what each
 * recipient policy costs). Off, every command waits for the reply before. */
#ifndef SMTPC_WITH_PIPELINING
#define SMTPC_WITH_PIPELINING SMTPC_CONFIG_FULL
#endif
/* CHUNKING (RFC 3030): when the server offers it, the message goes in BDAT
 * chunks instead of DATA: no dot-stuffing, no end-of-data line, and with
 * PIPELINING the whole message of known size in one write with MAIL and the
 * RCPTs; BODY=BINARYMIME for a body that needs it, when offered. Off, DATA
 * is always used. */
#ifndef SMTPC_WITH_CHUNKING
#define SMTPC_WITH_CHUNKING SMTPC_CONFIG_FULL
#endif
/* DSN (RFC 3461): delivery status notifications asked for, when the
 * server offers DSN: RET= and ENVID= in MAIL FROM, NOTIFY= and ORCPT= in
 * each RCPT TO, from the DSN fields of struct smtpc_txn and struct
 * smtpc_rcpt (which exist only with this on). Off, no DSN parameter is
 * ever sent. */
#ifndef SMTPC_WITH_DSN
#define SMTPC_WITH_DSN SMTPC_CONFIG_FULL
#endif
/* Enhanced status codes (RFC 3463): struct smtpc_reply.enhanced holds the
 * "5.1.1" of a reply's first line. Off, it is always "". */
#ifndef SMTPC_WITH_ENHANCED_CODES
#define SMTPC_WITH_ENHANCED_CODES SMTPC_CONFIG_FULL
#endif
/* Record in smtpc_session_caps the extensions this build does not use
 * itself (ENHANCEDSTATUSCODES; SIZE, SMTPUTF8, STARTTLS, PIPELINING,
 * CHUNKING, BINARYMIME and DSN when their switch is off; the SASL mechanisms
 * it does not implement), for the caller to read. Off, only what the build
 * uses is recorded. */
#ifndef SMTPC_WITH_CAPS_INFO
#define SMTPC_WITH_CAPS_INFO SMTPC_CONFIG_FULL
#endif

/* ---- Buffers ---- */

/* The blocking client's output buffer: holds the longest command line (an
 * AUTH PLAIN initial response for the longest credentials; MAIL or RCPT
 * with a 254-octet address) and the body as it is encoded. At least
 * SMTPC_OUT_BUF_MIN. */
#ifndef SMTPC_OUT_BUF_DEFAULT
#if SMTPC_CONFIG_FULL
#define SMTPC_OUT_BUF_DEFAULT 4096
#else
#define SMTPC_OUT_BUF_DEFAULT 320
#endif
#endif
/* The blocking client's input buffer. Replies are parsed as they arrive,
 * so any size of at least SMTPC_IN_BUF_MIN works; larger means fewer reads. */
#ifndef SMTPC_IN_BUF_DEFAULT
#if SMTPC_CONFIG_FULL
#define SMTPC_IN_BUF_DEFAULT 1024
#else
#define SMTPC_IN_BUF_DEFAULT 64
#endif
#endif
/* The blocking client's buffer for body bytes pulled from a reader
 * (smtpc_client_send_stream). 0: no stream API (bodies come from memory). */
#ifndef SMTPC_CHUNK_BUF
#if SMTPC_CONFIG_FULL
#define SMTPC_CHUNK_BUF 4096
#else
#define SMTPC_CHUNK_BUF 0
#endif
#endif
/* The longest reply line accepted, without CRLF (RFC 5321 allows 512 with
 * CRLF; real servers sometimes send more). Longer is a protocol error. */
#ifndef SMTPC_REPLY_LINE_MAX
#define SMTPC_REPLY_LINE_MAX 1000
#endif
/* Bytes of each reply line kept for reading it (capabilities, AUTH
 * challenges, the reply's text): longer lines are accepted, and read as far
 * as this. An EHLO capability cut short is ignored, never misread. */
#ifndef SMTPC_REPLY_LINE_KEEP
#if SMTPC_CONFIG_FULL
#define SMTPC_REPLY_LINE_KEEP SMTPC_REPLY_LINE_MAX
#else
#define SMTPC_REPLY_LINE_KEEP 96
#endif
#endif
/* Bytes of reply text kept for the caller in each struct smtpc_reply
 * (NUL included; 1 keeps none). */
#ifndef SMTPC_REPLY_TEXT_MAX
#if SMTPC_CONFIG_FULL
#define SMTPC_REPLY_TEXT_MAX 256
#else
#define SMTPC_REPLY_TEXT_MAX 1
#endif
#endif

#if SMTPC_REPLY_LINE_KEEP < 16 || SMTPC_REPLY_LINE_KEEP > SMTPC_REPLY_LINE_MAX
#error "SMTPC_REPLY_LINE_KEEP must be between 16 and SMTPC_REPLY_LINE_MAX"
#endif
#if SMTPC_REPLY_TEXT_MAX < 1
#error "SMTPC_REPLY_TEXT_MAX must be at least 1"
#endif
#if SMTPC_WITH_CRAM_MD5 && SMTPC_REPLY_LINE_KEEP < 200
#error "CRAM-MD5 reads its challenge from the reply line: SMTPC_REPLY_LINE_KEEP must be >= 200"
#endif

/* ---- Platform ---- */

/* 1: the blocking client can open a POSIX connection itself (host and
 * port). 0 (firmware, and the default for the plain source lists):
 * options.transport is required. smtpc's CMake library sets it to 1 on Unix
 * for itself and its users. */
#ifndef SMTPC_CLIENT_POSIX
#define SMTPC_CLIENT_POSIX 0
#endif
/* 1: the header builder may read the clock and the system's randomness
 * (hosts; set by the CMake library on Unix). 0: date 0 means no Date
 * header and a Message-ID relies on the caller's id_unique. */
#ifndef SMTPC_MESSAGE_POSIX
#define SMTPC_MESSAGE_POSIX 0
#endif

/* The blocking client's output buffer (struct smtpc_client), and so the
 * most it hands the transport in one write: on a host (SMTPC_CLIENT_POSIX)
 * 64 KiB, so that a large body costs a write per 64 KiB (and with CHUNKING
 * a chunk per 64 KiB when its size is unknown); elsewhere
 * SMTPC_OUT_BUF_DEFAULT. The NetX Duo drop-in keeps SMTPC_OUT_BUF_DEFAULT
 * (packet-sized writes). */
#ifndef SMTPC_CLIENT_OUT_BUF
#if SMTPC_CLIENT_POSIX
#define SMTPC_CLIENT_OUT_BUF 65536
#else
#define SMTPC_CLIENT_OUT_BUF SMTPC_OUT_BUF_DEFAULT
#endif
#endif
#if SMTPC_CLIENT_OUT_BUF < 320
#error "SMTPC_CLIENT_OUT_BUF must be at least SMTPC_OUT_BUF_MIN (320)"
#endif

/* Commands in flight at most (sent, reply not yet read): with PIPELINING,
 * more recipients wait for replies; without, 1 is all the engine uses.
 * 1 to 255. */
#ifndef SMTPC_PIPELINE_WINDOW
#if SMTPC_WITH_PIPELINING
#define SMTPC_PIPELINE_WINDOW 32
#else
#define SMTPC_PIPELINE_WINDOW 1
#endif
#endif
#if SMTPC_PIPELINE_WINDOW < 1 || SMTPC_PIPELINE_WINDOW > 255
#error "SMTPC_PIPELINE_WINDOW must be between 1 and 255"
#endif

/* Transactions in flight at most with PIPELINING: begun ahead of the
 * replies the ones before still owe (SMTPC_WANT_NEXT). 1 to 255. */
#ifndef SMTPC_TXN_QUEUE
#define SMTPC_TXN_QUEUE 8
#endif
#if SMTPC_TXN_QUEUE < 1 || SMTPC_TXN_QUEUE > 255
#error "SMTPC_TXN_QUEUE must be between 1 and 255"
#endif

/* ---- What the configuration is, for the check at init ---- */

/* A number that changes with the engine's features and with the sizes of
 * the shared structs' arrays (the reply text and the parser's line: struct
 * smtpc_reply sits in the caller's struct smtpc_txn); the struct sizes are
 * compared besides (SMTPC_CLIENT_POSIX shows in struct smtpc_client's, and
 * sizes the 15 bits of the fold confuse show in them too). */
#define SMTPC_CONFIG_ID                                                                            \
    (((unsigned long)(SMTPC_WITH_TLS != 0) << 0) | ((unsigned long)(SMTPC_WITH_TRACE != 0) << 1) | \
     ((unsigned long)(SMTPC_WITH_CRAM_MD5 != 0) << 2) |                                            \
     ((unsigned long)(SMTPC_WITH_RFC2047 != 0) << 3) |                                             \
     ((unsigned long)(SMTPC_WITH_DATE != 0) << 4) |                                                \
     ((unsigned long)(SMTPC_WITH_MESSAGE_ID != 0) << 5) |                                          \
     ((unsigned long)(SMTPC_WITH_SIZE != 0) << 6) |                                                \
     ((unsigned long)(SMTPC_WITH_SMTPUTF8 != 0) << 7) |                                            \
     ((unsigned long)(SMTPC_WITH_ENHANCED_CODES != 0) << 8) |                                      \
     ((unsigned long)(SMTPC_WITH_CAPS_INFO != 0) << 9) |                                           \
     ((unsigned long)(SMTPC_WITH_PLAIN != 0) << 10) |                                              \
     ((unsigned long)(SMTPC_WITH_LOGIN != 0) << 11) |                                              \
     ((unsigned long)(SMTPC_WITH_MULTI_RCPT != 0) << 12) |                                         \
     ((unsigned long)(SMTPC_WITH_ERROR_TEXTS != 0) << 13) |                                        \
     ((unsigned long)(SMTPC_WITH_PIPELINING != 0) << 14) |                                         \
     ((unsigned long)(SMTPC_WITH_CHUNKING != 0) << 15) |                                           \
     ((unsigned long)(SMTPC_WITH_DSN != 0) << 16) |                                                \
     ((((unsigned long)SMTPC_REPLY_TEXT_MAX * 1031ul + (unsigned long)SMTPC_REPLY_LINE_KEEP) &    \
       0x7FFFul)                                                                                   \
      << 17))

#endif
