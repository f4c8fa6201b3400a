/*
 * Transport over a NetX Duo TCP socket. See smtpc/netxduo.h.
 *
 * Deadlines come to us in milliseconds and go to NetX in ticks of
 * NX_IP_PERIODIC_RATE, rounded up so that a wait is never shorter than
 * asked. The clock is ThreadX's tick counter, widened past its 32-bit wrap.
 */
#include <string.h>

#include "smtpc/error.h"
#include "smtpc/netxduo.h"

static ULONG ticks_of(int timeout_ms)
{
    unsigned long long t;

    if (timeout_ms < 0)
        return NX_WAIT_FOREVER;
    t = ((unsigned long long)timeout_ms * NX_IP_PERIODIC_RATE + 999) / 1000;
    return t >= 0xFFFFFFFEull ? (ULONG)0xFFFFFFFEul : (ULONG)t;
}

static long flush_tx(struct smtpc_netxduo *t, int timeout_ms);

static void release_rx(struct smtpc_netxduo *t)
{
    if (t->rx != NX_NULL)
        nx_packet_release(t->rx);
    t->rx = NX_NULL;
    t->rx_part = NX_NULL;
}

/* Steps over consumed packets of the chain; releases it once all is read. */
static void skip_consumed(struct smtpc_netxduo *t)
{
    while (t->rx_part != NX_NULL && t->rx_pos >= t->rx_part->nx_packet_append_ptr) {
#ifndef NX_DISABLE_PACKET_CHAIN
        t->rx_part = t->rx_part->nx_packet_next;
        if (t->rx_part != NX_NULL)
            t->rx_pos = t->rx_part->nx_packet_prepend_ptr;
#else
        t->rx_part = NX_NULL; /* every packet stands alone */
#endif
    }
    if (t->rx_part == NX_NULL)
        release_rx(t);
}

static long netxduo_read(struct smtpc_transport *base, uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_netxduo *t = (struct smtpc_netxduo *)base;
    size_t n = 0;
    long rc = flush_tx(t, timeout_ms); /* what was written goes before waiting */

    if (rc < 0)
        return rc;
    while (t->rx == NX_NULL) {
        NX_PACKET *p;
        UINT st = nx_tcp_socket_receive(t->socket, &p, ticks_of(timeout_ms));

        if (st == NX_NO_PACKET) {
            t->status = st;
            t->timed_out = 1;
            return SMTPC_ERR_TIMEOUT;
        }
        if (st == NX_NOT_CONNECTED) {
            t->status = st;
            return 0;
        }
        if (st != NX_SUCCESS) {
            t->status = st;
            return SMTPC_ERR_IO;
        }
        t->rx = p;
        t->rx_part = p;
        t->rx_pos = p->nx_packet_prepend_ptr;
        skip_consumed(t); /* an empty packet: receive again */
    }
    while (n < len && t->rx_part != NX_NULL) {
        size_t avail = (size_t)(t->rx_part->nx_packet_append_ptr - t->rx_pos);
        size_t k = len - n < avail ? len - n : avail;

        memcpy(buf + n, t->rx_pos, k);
        n += k;
        t->rx_pos += k;
        skip_consumed(t);
    }
    return (long)n;
}

/* The NetX status of a failed send as smtpc's error. */
static long send_error(struct smtpc_netxduo *t, UINT st)
{
    t->status = st;
    if (st == NX_NOT_CONNECTED)
        return SMTPC_ERR_CLOSED;
    return st == NX_WINDOW_OVERFLOW ? SMTPC_ERR_TIMEOUT : SMTPC_ERR_IO;
}

/* Sends the packet being filled, if any. Returns 0 or the error. */
static long flush_tx(struct smtpc_netxduo *t, int timeout_ms)
{
    NX_PACKET *p = t->tx;
    UINT st;

    if (p == NX_NULL)
        return 0;
    t->tx = NX_NULL;
    st = nx_tcp_socket_send(t->socket, p, ticks_of(timeout_ms));
    if (st != NX_SUCCESS) {
        nx_packet_release(p); /* NetX owns a packet only once it is sent */
        return send_error(t, st);
    }
    return 0;
}

static long netxduo_write(struct smtpc_transport *base, const uint8_t *buf, size_t len,
                          int timeout_ms)
{
    struct smtpc_netxduo *t = (struct smtpc_netxduo *)base;
    ULONG room, n;
    UINT st;
    long rc;

    /* a write never straddles two packets when it fits in one */
    if (t->tx != NX_NULL &&
        (size_t)(t->tx->nx_packet_data_end - t->tx->nx_packet_append_ptr) < len) {
        rc = flush_tx(t, timeout_ms);
        if (rc < 0)
            return rc;
    }
    if (t->tx == NX_NULL) {
        st = nx_packet_allocate(t->pool, &t->tx, t->header_room, t->packet_wait);
        if (st != NX_SUCCESS) {
            t->tx = NX_NULL;
            t->status = st;
            return SMTPC_ERR_IO;
        }
    }
    room = (ULONG)(t->tx->nx_packet_data_end - t->tx->nx_packet_append_ptr);
    if (room == 0) { /* the pool's payload is all header room */
        nx_packet_release(t->tx);
        t->tx = NX_NULL;
        t->status = NX_SIZE_ERROR;
        return SMTPC_ERR_IO;
    }
    n = len < room ? (ULONG)len : room;
    st = nx_packet_data_append(t->tx, (VOID *)buf, n, t->pool, t->packet_wait);
    if (st != NX_SUCCESS) {
        nx_packet_release(t->tx);
        t->tx = NX_NULL;
        return send_error(t, st);
    }
    if (n == room) { /* full: it goes now */
        rc = flush_tx(t, timeout_ms);
        if (rc < 0)
            return rc;
    }
    return (long)n;
}

static void netxduo_close(struct smtpc_transport *base)
{
    struct smtpc_netxduo *t = (struct smtpc_netxduo *)base;

    release_rx(t);
    if (t->tx != NX_NULL && (t->timed_out || !t->connected)) {
        nx_packet_release(t->tx);
        t->tx = NX_NULL;
    }
    if (t->connected) {
        (void)flush_tx(t, 0); /* what was written goes, as it would have unbuffered */
        /* a server that stopped answering gets no time to answer a FIN
         * either: the original closes at once after a reply timeout too */
        nx_tcp_socket_disconnect(t->socket, t->timed_out ? NX_NO_WAIT : t->disconnect_wait);
        t->connected = 0;
    }
}

static long long netxduo_now_ms(struct smtpc_transport *base)
{
    struct smtpc_netxduo *t = (struct smtpc_netxduo *)base;
    ULONG now = tx_time_get() & (ULONG)0xFFFFFFFFul;
    unsigned long long ticks;

    if (now < t->clock_last)
        t->clock_high++;
    t->clock_last = now;
    ticks = ((unsigned long long)t->clock_high << 32) | now;
    return (long long)(ticks * 1000 / NX_IP_PERIODIC_RATE);
}

static const struct smtpc_transport_ops netxduo_ops = {
    netxduo_read, netxduo_write, NULL, netxduo_close, netxduo_now_ms, NULL, NULL,
};

void smtpc_netxduo_init(struct smtpc_netxduo *t, NX_TCP_SOCKET *socket, NX_PACKET_POOL *pool,
                        ULONG header_room, ULONG packet_wait, ULONG disconnect_wait)
{
    memset(t, 0, sizeof *t);
    t->base.ops = &netxduo_ops;
    t->socket = socket;
    t->pool = pool;
    t->header_room = header_room;
    t->packet_wait = packet_wait;
    t->disconnect_wait = disconnect_wait;
    t->status = NX_SUCCESS;
    t->connected = 1;
    t->clock_last = tx_time_get() & (ULONG)0xFFFFFFFFul;
}

UINT smtpc_netxduo_status(const struct smtpc_netxduo *t)
{
    return t->status;
}
