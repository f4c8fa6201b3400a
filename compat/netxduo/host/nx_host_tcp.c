/*
 * Host TCP client sockets (NetX Duo nx_tcp_socket_*, nx_tcp_client_socket_*,
 * nxd_tcp_client_socket_connect) over POSIX sockets.
 *
 * The POSIX socket exists from connect to disconnect (or until the peer
 * resets the connection) and is non-blocking throughout: every wait is a
 * poll() bounded by the caller's wait option, so no call blocks past it.
 * The NetX state is kept in nx_tcp_socket_state: CLOSED, SYN_SENT (only
 * inside connect), ESTABLISHED, and CLOSE_WAIT once the peer has closed its
 * side. A peer that resets the connection puts the socket back to CLOSED,
 * as in NetX.
 *
 * Unlike NetX there is no per-socket lock: one thread may use a socket at a
 * time (a reset seen by a receive closes the fd a concurrent send uses).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nx_host_internal.h"

/* NetX's limits on the socket create options (no window scaling). */
#define TOS_MASK 0x00FF0000UL
#define TTL_MASK 0x000000FFUL
#define WINDOW_MAX 0xFFFFUL

static int created(const NX_TCP_SOCKET *s)
{
    return s != NX_NULL && s->nx_tcp_socket_id == NX_TCP_ID;
}

/* Polls `fd` for `events` until `deadline`. 1: ready, 0: expired, -1: poll
 * failed. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd pfd;
        int rc;

        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;
        rc = poll(&pfd, 1, nx_host_poll_ms(deadline));
        if (rc > 0)
            return 1;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Closes the POSIX socket and returns to CLOSED, still bound. */
static void drop(NX_TCP_SOCKET *s)
{
    if (s->nx_tcp_socket_host_fd >= 0)
        close(s->nx_tcp_socket_host_fd);
    s->nx_tcp_socket_host_fd = -1;
    s->nx_tcp_socket_state = NX_TCP_CLOSED;
    s->nx_tcp_socket_port = s->nx_tcp_socket_host_bind_port;
    memset(&s->nx_tcp_socket_connect_ip, 0, sizeof s->nx_tcp_socket_connect_ip);
    s->nx_tcp_socket_connect_port = 0;
}

/* The peer reset the connection. NetX calls the disconnect callback when
 * that happens to an established connection; here it is called from the
 * send or receive that found out. */
static void peer_reset(NX_TCP_SOCKET *s)
{
    UINT was = s->nx_tcp_socket_state;

    drop(s);
    if (was == NX_TCP_ESTABLISHED && s->nx_tcp_disconnect_callback != NX_NULL)
        s->nx_tcp_disconnect_callback(s);
}

/* The peer closed its side (FIN): NetX moves to CLOSE_WAIT and calls the
 * disconnect callback. */
static void peer_closed(NX_TCP_SOCKET *s)
{
    UINT was = s->nx_tcp_socket_state;

    s->nx_tcp_socket_state = NX_TCP_CLOSE_WAIT;
    if (was == NX_TCP_ESTABLISHED && s->nx_tcp_disconnect_callback != NX_NULL)
        s->nx_tcp_disconnect_callback(s);
}

UINT nx_tcp_socket_create(NX_IP *ip_ptr, NX_TCP_SOCKET *socket_ptr, CHAR *name,
                          ULONG type_of_service, ULONG fragment, UINT time_to_live,
                          ULONG window_size,
                          VOID (*tcp_urgent_data_callback)(NX_TCP_SOCKET *socket_ptr),
                          VOID (*tcp_disconnect_callback)(NX_TCP_SOCKET *socket_ptr))
{
    UINT status = NX_SUCCESS;

    if (ip_ptr == NX_NULL || socket_ptr == NX_NULL)
        return NX_PTR_ERROR;
    nx_host_lock();
    /* NetX searches its list of created sockets; the ID is the host's
     * record of the same thing. */
    if (ip_ptr->nx_ip_id != NX_IP_ID || socket_ptr->nx_tcp_socket_id == NX_TCP_ID)
        status = NX_PTR_ERROR;
    else if (!ip_ptr->nx_ip_host_tcp_enabled)
        status = NX_NOT_ENABLED;
    else if ((type_of_service & ~TOS_MASK) != 0 ||
             (fragment != NX_FRAGMENT_OKAY && fragment != NX_DONT_FRAGMENT) ||
             (ULONG)time_to_live > TTL_MASK || window_size == 0 || window_size > WINDOW_MAX)
        status = NX_OPTION_ERROR;
    if (status != NX_SUCCESS) {
        nx_host_unlock();
        return status;
    }

    memset(socket_ptr, 0, sizeof *socket_ptr);
    socket_ptr->nx_tcp_socket_name = name;
    socket_ptr->nx_tcp_socket_ip_ptr = ip_ptr;
    socket_ptr->nx_tcp_socket_state = NX_TCP_CLOSED;
    socket_ptr->nx_tcp_socket_rx_window_default = window_size;
    socket_ptr->nx_tcp_urgent_data_callback = tcp_urgent_data_callback;
    socket_ptr->nx_tcp_disconnect_callback = tcp_disconnect_callback;
    socket_ptr->nx_tcp_socket_host_fd = -1;
    socket_ptr->nx_tcp_socket_id = NX_TCP_ID;
    ip_ptr->nx_ip_host_tcp_sockets++;
    nx_host_unlock();
    return NX_SUCCESS;
}

UINT nx_tcp_socket_delete(NX_TCP_SOCKET *socket_ptr)
{
    UINT status = NX_SUCCESS;

    nx_host_lock();
    if (!created(socket_ptr))
        status = NX_PTR_ERROR;
    else if (socket_ptr->nx_tcp_socket_host_bound ||
             socket_ptr->nx_tcp_socket_state != NX_TCP_CLOSED)
        status = NX_STILL_BOUND;
    else {
        socket_ptr->nx_tcp_socket_id = 0;
        socket_ptr->nx_tcp_socket_ip_ptr->nx_ip_host_tcp_sockets--;
    }
    nx_host_unlock();
    return status;
}

/* The POSIX bind happens at connect, once the address family is known; a
 * port in use shows up there as NX_PORT_UNAVAILABLE. So wait_option is
 * unused, and after binding NX_ANY_PORT nx_tcp_socket_port is 0 until a
 * connect picks the port. */
UINT nx_tcp_client_socket_bind(NX_TCP_SOCKET *socket_ptr, UINT port, ULONG wait_option)
{
    UINT status = NX_SUCCESS;

    (void)wait_option;
    if (!created(socket_ptr))
        return NX_PTR_ERROR;
    if ((ULONG)port > (ULONG)NX_MAX_PORT)
        return NX_INVALID_PORT;
    nx_host_lock();
    if (socket_ptr->nx_tcp_socket_host_bound) {
        status = NX_ALREADY_BOUND;
    } else {
        socket_ptr->nx_tcp_socket_host_bound = NX_TRUE;
        socket_ptr->nx_tcp_socket_host_bind_port = port;
        socket_ptr->nx_tcp_socket_port = port;
    }
    nx_host_unlock();
    return status;
}

UINT nx_tcp_client_socket_unbind(NX_TCP_SOCKET *socket_ptr)
{
    UINT status = NX_SUCCESS;

    if (!created(socket_ptr))
        return NX_PTR_ERROR;
    nx_host_lock();
    if (!socket_ptr->nx_tcp_socket_host_bound) {
        status = NX_NOT_BOUND;
    } else if (socket_ptr->nx_tcp_socket_state != NX_TCP_CLOSED) {
        status = NX_NOT_CLOSED;
    } else {
        socket_ptr->nx_tcp_socket_host_bound = NX_FALSE;
        socket_ptr->nx_tcp_socket_host_bind_port = 0;
        socket_ptr->nx_tcp_socket_port = 0;
    }
    nx_host_unlock();
    return status;
}

/* NetX refuses what is not a class A, B or C unicast address. */
static int valid_server(const NXD_ADDRESS *a)
{
    ULONG v4 = a->nxd_ip_address.v4;

    if (a->nxd_ip_version == NX_IP_VERSION_V4)
        return v4 != 0 && ((v4 & 0x80000000UL) == 0 || (v4 & 0xC0000000UL) == 0x80000000UL ||
                           (v4 & 0xE0000000UL) == 0xC0000000UL);
    if (a->nxd_ip_version == NX_IP_VERSION_V6)
        return (a->nxd_ip_address.v6[0] | a->nxd_ip_address.v6[1] | a->nxd_ip_address.v6[2] |
                a->nxd_ip_address.v6[3]) != 0;
    return 0;
}

/* Fills `ss` with the address and port (network order on the wire). */
static socklen_t make_sockaddr(const NXD_ADDRESS *a, UINT port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->nxd_ip_version == NX_IP_VERSION_V4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        sin->sin_addr.s_addr = htonl((uint32_t)a->nxd_ip_address.v4);
        return (socklen_t)sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;
        int i;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        for (i = 0; i < 16; i++)
            sin6->sin6_addr.s6_addr[i] =
                (unsigned char)(a->nxd_ip_address.v6[i / 4] >> (24 - 8 * (i % 4)));
        return (socklen_t)sizeof *sin6;
    }
}

/* The local port the kernel picked, or 0. */
static UINT local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    return 0;
}

/* A new non-blocking, close-on-exec socket bound to `port` if not 0.
 * Returns the fd, or -1 with *status set. */
static int open_socket(int family, UINT port, UINT *status)
{
    struct sockaddr_storage ss;
    NXD_ADDRESS any;
    int fd, flags;

    *status = NX_NOT_CONNECTED;
    fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        close(fd);
        return -1;
    }
    if (port != NX_ANY_PORT) {
        socklen_t len;

        memset(&any, 0, sizeof any);
        any.nxd_ip_version = family == AF_INET ? NX_IP_VERSION_V4 : NX_IP_VERSION_V6;
        len = make_sockaddr(&any, port, &ss);
        if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
            if (errno == EADDRINUSE || errno == EACCES)
                *status = NX_PORT_UNAVAILABLE;
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* With NX_NO_WAIT NetX returns NX_IN_PROGRESS and carries on connecting in
 * the background. The host has no background: if the connection is not
 * up at once it gives up, returns NX_IN_PROGRESS, and the socket is back
 * in CLOSED. */
UINT nxd_tcp_client_socket_connect(NX_TCP_SOCKET *socket_ptr, NXD_ADDRESS *server_ip,
                                   UINT server_port, ULONG wait_option)
{
    long long deadline = nx_host_deadline(wait_option);
    struct sockaddr_storage ss;
    socklen_t len;
    UINT status;
    int fd, one = 1;

    if (!created(socket_ptr))
        return NX_PTR_ERROR;
    if (server_ip == NX_NULL || !valid_server(server_ip))
        return NX_IP_ADDRESS_ERROR;
    if (server_port == 0 || (ULONG)server_port > (ULONG)NX_MAX_PORT)
        return NX_INVALID_PORT;
    if (!socket_ptr->nx_tcp_socket_host_bound)
        return NX_NOT_BOUND;
    if (socket_ptr->nx_tcp_socket_state != NX_TCP_CLOSED)
        return NX_NOT_CLOSED;

    len = make_sockaddr(server_ip, server_port, &ss);
    fd = open_socket(ss.ss_family, socket_ptr->nx_tcp_socket_host_bind_port, &status);
    if (fd < 0)
        return status;
    socket_ptr->nx_tcp_socket_host_fd = fd;
    socket_ptr->nx_tcp_socket_state = NX_TCP_SYN_SENT;

    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        int err = errno, ready;
        socklen_t elen = sizeof err;

        /* After EINTR the connection goes on as after EINPROGRESS. */
        if (err != EINPROGRESS && err != EINTR) {
            drop(socket_ptr);
            return NX_NOT_CONNECTED;
        }
        ready = wait_fd(fd, POLLOUT, deadline);
        if (ready == 0) {
            drop(socket_ptr);
            return wait_option == NX_NO_WAIT ? NX_IN_PROGRESS : NX_NOT_CONNECTED;
        }
        if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
            drop(socket_ptr);
            return NX_NOT_CONNECTED;
        }
    }

    /* NetX sends each packet as it is given (no Nagle); so does the host. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    socket_ptr->nx_tcp_socket_port = local_port(fd);
    socket_ptr->nx_tcp_socket_connect_ip = *server_ip;
    socket_ptr->nx_tcp_socket_connect_port = server_port;
    socket_ptr->nx_tcp_socket_state = NX_TCP_ESTABLISHED;
    return NX_SUCCESS;
}

/* Writes all of [data, data + size) before `deadline`. */
static UINT send_all(NX_TCP_SOCKET *s, const UCHAR *data, size_t size, long long deadline)
{
    while (size > 0) {
        ssize_t n = send(s->nx_tcp_socket_host_fd, data, size, MSG_NOSIGNAL);
        int ready;

        if (n > 0) {
            data += n;
            size -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            peer_reset(s);
            return NX_NOT_CONNECTED;
        }
        ready = wait_fd(s->nx_tcp_socket_host_fd, POLLOUT, deadline);
        if (ready == 0)
            return NX_WINDOW_OVERFLOW;
        if (ready < 0)
            return NX_NOT_CONNECTED;
    }
    return NX_SUCCESS;
}

/* On success the chain is released (NetX owns it once sent). On any error
 * the caller still owns it. The host cannot take back bytes the kernel
 * already accepted: after NX_WINDOW_OVERFLOW part of the packet may have
 * gone out, so the connection should be treated as broken. */
UINT nx_tcp_socket_send(NX_TCP_SOCKET *socket_ptr, NX_PACKET *packet_ptr, ULONG wait_option)
{
    long long deadline = nx_host_deadline(wait_option);
    ULONG need, total = 0;
    NX_PACKET *p;

    if (!created(socket_ptr))
        return NX_PTR_ERROR;
    if (packet_ptr == NX_NULL || packet_ptr->nx_packet_host_state != NX_HOST_PACKET_ALLOCATED)
        return NX_INVALID_PACKET;
    if (socket_ptr->nx_tcp_socket_state != NX_TCP_ESTABLISHED &&
        socket_ptr->nx_tcp_socket_state != NX_TCP_CLOSE_WAIT)
        return NX_NOT_CONNECTED;
    /* Room for the link, IP and TCP headers a device puts in front. */
    need = socket_ptr->nx_tcp_socket_connect_ip.nxd_ip_version == NX_IP_VERSION_V6
               ? NX_IPv6_TCP_PACKET
               : NX_IPv4_TCP_PACKET;
    if (packet_ptr->nx_packet_prepend_ptr < packet_ptr->nx_packet_data_start ||
        (ULONG)(packet_ptr->nx_packet_prepend_ptr - packet_ptr->nx_packet_data_start) < need)
        return NX_UNDERFLOW;
    if (packet_ptr->nx_packet_append_ptr > packet_ptr->nx_packet_data_end)
        return NX_OVERFLOW;
    /* An empty packet, or a length that does not match the chain's bytes,
     * is a caller bug the device would hide. */
    for (p = packet_ptr; p != NX_NULL; p = p->nx_packet_next)
        total += (ULONG)(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr);
    if (packet_ptr->nx_packet_length == 0 || total != packet_ptr->nx_packet_length)
        return NX_INVALID_PACKET;

    for (p = packet_ptr; p != NX_NULL; p = p->nx_packet_next) {
        UINT status =
            send_all(socket_ptr, p->nx_packet_prepend_ptr,
                     (size_t)(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr), deadline);

        if (status != NX_SUCCESS)
            return status;
    }
    nx_packet_release(packet_ptr);
    return NX_SUCCESS;
}

/* One packet from the IP's default pool holding what recv() gave, at most
 * the pool's payload size. The packet has no header room (offset 0). */
UINT nx_tcp_socket_receive(NX_TCP_SOCKET *socket_ptr, NX_PACKET **packet_ptr, ULONG wait_option)
{
    long long deadline = nx_host_deadline(wait_option);
    NX_PACKET *pkt = NX_NULL;

    if (!created(socket_ptr) || packet_ptr == NX_NULL)
        return NX_PTR_ERROR;
    *packet_ptr = NX_NULL;
    if (!socket_ptr->nx_tcp_socket_host_bound)
        return NX_NOT_BOUND;
    /* NetX: nothing to receive once the peer has closed (CLOSE_WAIT). */
    if (socket_ptr->nx_tcp_socket_state != NX_TCP_ESTABLISHED)
        return NX_NOT_CONNECTED;

    for (;;) {
        int fd = socket_ptr->nx_tcp_socket_host_fd;
        int ready = wait_fd(fd, POLLIN, deadline);
        ssize_t n;

        if (ready <= 0)
            break;
        if (pkt == NX_NULL &&
            nx_packet_allocate(socket_ptr->nx_tcp_socket_ip_ptr->nx_ip_default_packet_pool, &pkt, 0,
                               nx_host_wait_left(deadline)) != NX_SUCCESS)
            return NX_NO_PACKET;
        n = recv(fd, pkt->nx_packet_prepend_ptr,
                 (size_t)(pkt->nx_packet_data_end - pkt->nx_packet_prepend_ptr), 0);
        if (n > 0) {
            pkt->nx_packet_append_ptr = pkt->nx_packet_prepend_ptr + n;
            pkt->nx_packet_length = (ULONG)n;
            pkt->nx_packet_ip_version = (UCHAR)socket_ptr->nx_tcp_socket_connect_ip.nxd_ip_version;
            *packet_ptr = pkt;
            return NX_SUCCESS;
        }
        if (n == 0) {
            nx_packet_release(pkt);
            peer_closed(socket_ptr);
            return NX_NOT_CONNECTED;
        }
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            nx_packet_release(pkt);
            peer_reset(socket_ptr);
            return NX_NOT_CONNECTED;
        }
    }
    if (pkt != NX_NULL)
        nx_packet_release(pkt);
    return NX_NO_PACKET;
}

/* As NetX: NX_NO_WAIT resets the connection and returns NX_IN_PROGRESS;
 * otherwise our FIN goes out and the call waits for the peer's (data still
 * arriving is discarded). If the wait expires or the peer resets first it
 * returns NX_DISCONNECT_FAILED. Either way the socket ends up CLOSED and
 * still bound. */
UINT nx_tcp_socket_disconnect(NX_TCP_SOCKET *socket_ptr, ULONG wait_option)
{
    long long deadline = nx_host_deadline(wait_option);
    UINT status = NX_SUCCESS;
    int fd;

    if (!created(socket_ptr))
        return NX_PTR_ERROR;
    if (socket_ptr->nx_tcp_socket_state != NX_TCP_ESTABLISHED &&
        socket_ptr->nx_tcp_socket_state != NX_TCP_CLOSE_WAIT)
        return NX_NOT_CONNECTED;
    fd = socket_ptr->nx_tcp_socket_host_fd;

    if (wait_option == NX_NO_WAIT) {
        struct linger lg;

        /* A zero linger time makes close() send a RST. */
        lg.l_onoff = 1;
        lg.l_linger = 0;
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        drop(socket_ptr);
        return NX_IN_PROGRESS;
    }

    shutdown(fd, SHUT_WR);
    /* In CLOSE_WAIT the peer's FIN has already been seen. */
    while (socket_ptr->nx_tcp_socket_state == NX_TCP_ESTABLISHED) {
        UCHAR discard[512];
        int ready = wait_fd(fd, POLLIN, deadline);
        ssize_t n;

        if (ready <= 0) {
            status = NX_DISCONNECT_FAILED;
            break;
        }
        n = recv(fd, discard, sizeof discard, 0);
        if (n == 0)
            break;
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            status = NX_DISCONNECT_FAILED;
            break;
        }
    }
    drop(socket_ptr);
    return status;
}
