/*
 * POSIX sockets transport. See smtpc/posix.h.
 *
 * The socket is non-blocking from the start; every wait is a poll() with
 * what is left of the caller's deadline, so a server that stalls at any
 * point costs at most the timeout. Writes use MSG_NOSIGNAL so a peer that
 * closed gives EPIPE instead of killing the process.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "smtpc/error.h"
#include "smtpc/posix.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

long long smtpc_posix_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls `fd` for `events` until `deadline` (< 0: none). Returns 1 when
 * ready, 0 on timeout, -1 on error. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd pfd;
        int left = -1, rc;

        if (deadline >= 0) {
            long long d = deadline - smtpc_posix_now_ms();
            left = d < 0 ? 0 : (d > 0x7fffffff ? 0x7fffffff : (int)d);
        }
        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        rc = poll(&pfd, 1, left);
        if (rc > 0)
            return 1;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

static long long deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : smtpc_posix_now_ms() + timeout_ms;
}

static long posix_read(struct smtpc_transport *t, uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_posix *p = (struct smtpc_posix *)t;
    long long deadline = deadline_of(timeout_ms);

    if (p->fd < 0)
        return SMTPC_ERR_IO;
    for (;;) {
        ssize_t n = recv(p->fd, buf, len, 0);
        int w;

        if (n >= 0)
            return (long)n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == ECONNRESET ? SMTPC_ERR_CLOSED : SMTPC_ERR_IO;
        w = wait_fd(p->fd, POLLIN, deadline);
        if (w == 0)
            return SMTPC_ERR_TIMEOUT;
        if (w < 0)
            return SMTPC_ERR_IO;
    }
}

static long posix_write(struct smtpc_transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_posix *p = (struct smtpc_posix *)t;
    long long deadline = deadline_of(timeout_ms);

    if (p->fd < 0)
        return SMTPC_ERR_IO;
    for (;;) {
        ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL);
        int w;

        if (n >= 0)
            return (long)n;
        if (errno == EINTR)
            continue;
        if (errno == EPIPE || errno == ECONNRESET)
            return SMTPC_ERR_CLOSED;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return SMTPC_ERR_IO;
        w = wait_fd(p->fd, POLLOUT, deadline);
        if (w == 0)
            return SMTPC_ERR_TIMEOUT;
        if (w < 0)
            return SMTPC_ERR_IO;
    }
}

static void posix_close(struct smtpc_transport *t)
{
    struct smtpc_posix *p = (struct smtpc_posix *)t;

    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
}

static long long posix_now_ms(struct smtpc_transport *t)
{
    (void)t;
    return smtpc_posix_now_ms();
}

static const struct smtpc_transport_ops posix_ops = {
    posix_read, posix_write, NULL, posix_close, posix_now_ms, NULL, NULL,
};

/* One connect attempt. Returns 0, SMTPC_ERR_TIMEOUT or SMTPC_ERR_CONNECT. */
static int try_address(struct smtpc_posix *p, const struct addrinfo *ai, long long deadline)
{
    int fd, one = 1, flags, err = 0;
    socklen_t errlen = sizeof err;

    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        p->connect_errno = errno;
        return SMTPC_ERR_CONNECT;
    }
    flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        close(fd);
        return SMTPC_ERR_CONNECT;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int w;

        if (errno != EINPROGRESS && errno != EINTR) {
            p->connect_errno = errno;
            close(fd);
            return SMTPC_ERR_CONNECT;
        }
        w = wait_fd(fd, POLLOUT, deadline);
        if (w <= 0) {
            p->connect_errno = w == 0 ? ETIMEDOUT : errno;
            close(fd);
            return w == 0 ? SMTPC_ERR_TIMEOUT : SMTPC_ERR_CONNECT;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0) {
            p->connect_errno = err != 0 ? err : errno;
            close(fd);
            return SMTPC_ERR_CONNECT;
        }
    }
    p->fd = fd;
    return 0;
}

/* getaddrinfo takes "70000" and wraps it to 4464: refuse numbers outside
 * 1..65535 (service names pass through). */
static int port_in_range(const char *port)
{
    unsigned long v = 0;
    const char *p;

    for (p = port; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 65535)
            return 0;
    }
    return *p != '\0' || (p != port && v > 0);
}

int smtpc_posix_connect(struct smtpc_posix *p, const char *host, const char *port, int family,
                        int timeout_ms)
{
    struct addrinfo hints, *res = NULL, *ai;
    long long deadline = deadline_of(timeout_ms);
    int rc, result = SMTPC_ERR_CONNECT;

    p->base.ops = &posix_ops;
    p->fd = -1;
    p->connect_errno = 0;
    if (host == NULL || port == NULL || !port_in_range(port))
        return SMTPC_ERR_ARG;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family == SMTPC_FAMILY_IPV4   ? AF_INET
                      : family == SMTPC_FAMILY_IPV6 ? AF_INET6
                                                    : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return rc == EAI_SERVICE ? SMTPC_ERR_ARG : SMTPC_ERR_RESOLVE;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        result = try_address(p, ai, deadline);
        if (result == 0 || (deadline >= 0 && smtpc_posix_now_ms() >= deadline))
            break;
    }
    freeaddrinfo(res);
    return result;
}

const char *smtpc_posix_connect_detail(const struct smtpc_posix *p)
{
    return p->connect_errno != 0 ? strerror(p->connect_errno) : "";
}
