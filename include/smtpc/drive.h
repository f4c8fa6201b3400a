/*
 * smtpc — the engine run over a transport: the loop of a blocking driver.
 *
 * The blocking client (smtpc/client.h) and the NetX Duo API are built on
 * these two calls; a program with its own blocking transport can use them
 * too instead of writing the loop of session.h again:
 *
 *   smtpc_session_init(&s, &cfg, in, sizeof in, out, sizeof out);
 *   if (smtpc_drive(&s, t, SMTPC_READY, 0) & SMTPC_READY)
 *       ... smtpc_session_txn_begin, smtpc_drive(&s, t, SMTPC_WANT_BODY | SMTPC_READY, 0),
 *           smtpc_drive_body, smtpc_session_body_end, smtpc_drive(&s, t, SMTPC_READY, 0) ...
 */
#ifndef SMTPC_DRIVE_H
#define SMTPC_DRIVE_H

#include <stddef.h>

#include "smtpc/session.h"
#include "smtpc/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the session over `t` until it wants one of `until` (SMTPC_READY,
 * SMTPC_WANT_BODY, SMTPC_WANT_TLS, SMTPC_WANT_NEXT) or something else only
 * the caller can give, or is DONE or FAILED; returns smtpc_session_wants
 * then. It writes what is queued, then reads while a reply is awaited;
 * SMTPC_WANT_NEXT and SMTPC_WANT_BODY, when asked for, return before
 * writing, so that the next transaction's commands, or a BDAT chunk's
 * body, leave in the same write as what is queued. Each reply has a
 * deadline from the engine's timeout class, started once its command was
 * written; each write has the same class's limit; `limit_s`, when not 0,
 * caps both (for QUIT). A transport error or a missed deadline fails the
 * session with that error. */
unsigned smtpc_drive(struct smtpc_session *s, struct smtpc_transport *t, unsigned until,
                     unsigned limit_s);

/* Gives `len` body bytes to the session (while it wants the body), writing
 * its output whenever the buffer is full, so that small pieces share
 * writes. Returns 0, or -1 when the session stopped wanting the body (it
 * failed: see smtpc_session_error). */
int smtpc_drive_body(struct smtpc_session *s, struct smtpc_transport *t, const void *data,
                     size_t len);

#ifdef __cplusplus
}
#endif
#endif
