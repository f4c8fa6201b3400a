/*
 * smtpc — the POSIX sockets transport (IPv4 and IPv6).
 */
#ifndef SMTPC_POSIX_H
#define SMTPC_POSIX_H

#include "smtpc/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Address families for smtpc_posix_connect. */
#define SMTPC_FAMILY_ANY 0
#define SMTPC_FAMILY_IPV4 4
#define SMTPC_FAMILY_IPV6 6

struct smtpc_posix {
    struct smtpc_transport base; /* first: the transport interface */
    int fd;                      /* the socket, -1 when closed */
    int connect_errno;           /* why the last address tried did not connect (ECONNREFUSED,
                                    ETIMEDOUT, ...), 0 when none failed */
};

/* Resolves `host` (a name, an IPv4 address or an IPv6 address without
 * brackets) and `port` (a number or a service name) with getaddrinfo and
 * tries each address in turn with a non-blocking connect, all within
 * `timeout_ms` (-1: no limit). The socket gets TCP_NODELAY and never raises
 * SIGPIPE. Returns 0, SMTPC_ERR_RESOLVE, SMTPC_ERR_CONNECT or
 * SMTPC_ERR_TIMEOUT. */
int smtpc_posix_connect(struct smtpc_posix *p, const char *host, const char *port, int family,
                        int timeout_ms);

/* Why the connection failed, in the system's words ("Connection refused",
 * "No route to host", "Connection timed out"), or "". */
const char *smtpc_posix_connect_detail(const struct smtpc_posix *p);

/* Milliseconds of CLOCK_MONOTONIC, for deadlines. */
long long smtpc_posix_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
