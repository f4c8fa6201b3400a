/*
 * What the TLS backends share: the connection under the layer, the
 * deadline of the operation under way, and the inner transport's answers
 * kept for the library's error paths. See smtpc/tls.h.
 */
#ifndef SMTPC_TLS_LINK_H
#define SMTPC_TLS_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "smtpc/tls.h"

/* Over `inner`, nothing pending, no detail. */
void smtpc_tls_link_attach(struct smtpc_tls_link *l, struct smtpc_transport *inner);

/* Starts an operation that must end within `timeout_ms` (-1: none). */
void smtpc_tls_link_begin(struct smtpc_tls_link *l, int timeout_ms);

/* Milliseconds left of the deadline (-1: none, 0: passed). */
int smtpc_tls_link_left_ms(const struct smtpc_tls_link *l);

/* One inner read within the deadline: > 0 bytes, 0 at the end of the
 * stream (inner_eof set), or a negative error (kept in inner_error). */
long smtpc_tls_link_read(struct smtpc_tls_link *l, uint8_t *buf, size_t len);

/* All of `len` through the inner transport within the deadline: `len`, or
 * a negative error (kept in inner_error). */
long smtpc_tls_link_write(struct smtpc_tls_link *l, const uint8_t *buf, size_t len);

/* When the inner transport failed inside the library's call: its error,
 * with "what: reason" as the detail. Else 0. */
int smtpc_tls_link_inner_failure(struct smtpc_tls_link *l, const char *what);

#endif
