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

/* ---- Buffers ---- */

/* The blocking client's output buffer: holds the longest command line (an
 * AUTH PLAIN initial response for the longest credentials; MAIL or RCPT
 * with a 254-octet address) and the body as it is encoded. At least
 * SMTPC_OUT_BUF_MIN. */
#ifndef SMTPC_OUT_BUF_DEFAULT
#define SMTPC_OUT_BUF_DEFAULT 4096
#endif
/* The blocking client's input buffer. Replies are parsed as they arrive,
 * so any size of at least SMTPC_IN_BUF_MIN works; larger means fewer reads. */
#ifndef SMTPC_IN_BUF_DEFAULT
#define SMTPC_IN_BUF_DEFAULT 1024
#endif
/* The longest reply line the parser holds (RFC 5321 allows 512 with CRLF). */
#ifndef SMTPC_REPLY_LINE_MAX
#define SMTPC_REPLY_LINE_MAX 1000
#endif
/* Bytes of reply text kept for the caller in each struct smtpc_reply. */
#ifndef SMTPC_REPLY_TEXT_MAX
#define SMTPC_REPLY_TEXT_MAX 256
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

/* ---- What the configuration is, for the check at init ---- */

/* A number that changes with every setting that changes a struct. */
#define SMTPC_CONFIG_ID                                                                            \
    (((unsigned long)(SMTPC_CLIENT_POSIX != 0) << 0) |                                             \
     ((unsigned long)(SMTPC_MESSAGE_POSIX != 0) << 1))

#endif
