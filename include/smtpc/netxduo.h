/*
 * smtpc — transport over a NetX Duo TCP socket, for the blocking client on
 * a device (or on a host through compat/netxduo/host).
 *
 * The caller creates, binds and connects the socket; the transport carries
 * the client's bytes over it. Writes are appended to a packet from `pool`
 * (after `header_room`: NX_IPv4_TCP_PACKET or NX_IPv6_TCP_PACKET), which
 * goes with one nx_tcp_socket_send when it is full, before a read (so each
 * command, followed by the wait for its reply, is one segment) and at
 * close. A write that fits in a packet never straddles two: the packet
 * under way goes first. The packet is the buffer, so a small output buffer
 * still sends full segments. Received
 * packets are copied out and released as soon as they are consumed. close
 * releases what is held and disconnects (at once after a receive timed
 * out, else waiting up to disconnect_wait); it does not unbind or delete.
 *
 * When an operation fails, smtpc_netxduo_status tells the NetX status that
 * caused it (NX_NO_PACKET for an empty pool or a receive timeout,
 * NX_NOT_CONNECTED for a lost connection, ...).
 *
 * Needs NetX Duo's nx_api.h on the include path.
 */
#ifndef SMTPC_NETXDUO_H
#define SMTPC_NETXDUO_H

#include "nx_api.h"
#include "smtpc/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smtpc_netxduo {
    struct smtpc_transport base; /* private from here on */
    NX_TCP_SOCKET *socket;
    NX_PACKET_POOL *pool;
    ULONG header_room;     /* front room each packet keeps for TCP/IP headers */
    ULONG packet_wait;     /* ticks to wait for a free packet */
    ULONG disconnect_wait; /* ticks nx_tcp_socket_disconnect may take */
    NX_PACKET *tx;         /* packet being filled, or NX_NULL */
    NX_PACKET *rx;         /* received chain being consumed, or NX_NULL */
    NX_PACKET *rx_part;    /* the packet of the chain being read */
    UCHAR *rx_pos;         /* next byte in rx_part */
    ULONG clock_high;      /* tx_time_get extended past its 32-bit wrap */
    ULONG clock_last;
    UINT status; /* the NetX status of the last failure, NX_SUCCESS if none */
    int connected;
    int timed_out; /* a reply did not come in time: close without waiting */
};

/* Prepares `t` over a connected socket. */
void smtpc_netxduo_init(struct smtpc_netxduo *t, NX_TCP_SOCKET *socket, NX_PACKET_POOL *pool,
                        ULONG header_room, ULONG packet_wait, ULONG disconnect_wait);

/* The NetX status behind the last failed operation (NX_SUCCESS if none). */
UINT smtpc_netxduo_status(const struct smtpc_netxduo *t);

#ifdef __cplusplus
}
#endif
#endif
