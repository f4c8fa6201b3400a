/*
 * smtpc — the transport interface the blocking client drives.
 *
 * A transport is a connected byte stream with deadlines, and the clock
 * they are measured on: POSIX sockets, TLS over them, NetX Duo TCP. Each
 * is its own link target; the engine never sees one. Every operation takes a timeout in
 * milliseconds (-1: wait forever) and returns a negative SMTPC_ERR_* on failure.
 */
#ifndef SMTPC_TRANSPORT_H
#define SMTPC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct smtpc_transport;

struct smtpc_transport_ops {
    /* Reads at most `len` bytes. Returns the count (> 0), 0 when the peer
     * closed, or SMTPC_ERR_TIMEOUT / SMTPC_ERR_IO. */
    long (*read)(struct smtpc_transport *t, uint8_t *buf, size_t len, int timeout_ms);
    /* Writes at most `len` bytes (at least one). Returns the count, or
     * SMTPC_ERR_TIMEOUT / SMTPC_ERR_IO / SMTPC_ERR_CLOSED. */
    long (*write)(struct smtpc_transport *t, const uint8_t *buf, size_t len, int timeout_ms);
    /* Starts TLS on the connection, verifying `host`. NULL when the
     * transport cannot. Returns 0 or SMTPC_ERR_TLS / _TLS_VERIFY / _TIMEOUT,
     * or SMTPC_ERR_TLS_SETUP when the layer could not be set up (a TLS
     * layer loads its trust store and client certificate here, the first
     * time). */
    int (*start_tls)(struct smtpc_transport *t, const char *host, int timeout_ms);
    /* Closes the connection; safe to call twice. */
    void (*close)(struct smtpc_transport *t);
    /* Milliseconds on a clock that never goes back (any origin): the
     * client measures each reply's deadline with it. */
    long long (*now_ms)(struct smtpc_transport *t);
    /* Layers only (TLS), else NULL: carry this transport's bytes over
     * `inner`, in clear until start_tls. Returns 0 or a negative error. */
    int (*attach)(struct smtpc_transport *t, struct smtpc_transport *inner);
    /* NULL, or a short text on the link's security: the negotiated
     * protocol, cipher and peer, or why TLS failed. Never NULL when set. */
    const char *(*describe)(struct smtpc_transport *t);
};

/* Embed this first in a transport's own struct. */
struct smtpc_transport {
    const struct smtpc_transport_ops *ops;
};

#ifdef __cplusplus
}
#endif
#endif
