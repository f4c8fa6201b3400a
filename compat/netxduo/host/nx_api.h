/*
 * Host (POSIX) implementation of the NetX Duo API subset an SMTP client
 * uses: packet pools, an IP instance and TCP client sockets. Names, types,
 * signatures and status values are NetX Duo's, so code written for NetX Duo
 * builds and runs unchanged on a PC; the sockets are POSIX sockets (IPv4 and
 * IPv6) and the pool's blocking waits use pthreads.
 *
 * Nothing is allocated: every object lives in caller memory, packets
 * (headers included) in the pool's memory area as on a device.
 *
 * Fields whose names contain "_host_" are private to this implementation.
 * The other fields have NetX Duo's names and meanings, but not its layout.
 */
#ifndef SMTPC_COMPAT_NX_API_H
#define SMTPC_COMPAT_NX_API_H

#include "tx_api.h"
#include <pthread.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Newlib ships <pthread.h> without the types on bare-metal targets; this
 * header still compiles there (for syntax checks), minus the pool's lock. */
#if defined(PTHREAD_MUTEX_INITIALIZER)
#define NX_HOST_HAVE_PTHREAD 1
#endif

#ifndef NX_IP_PERIODIC_RATE
#define NX_IP_PERIODIC_RATE TX_TIMER_TICKS_PER_SECOND
#endif

#define NX_NO_WAIT 0
#define NX_WAIT_FOREVER ((ULONG)0xFFFFFFFF)
#define NX_TRUE 1
#define NX_FALSE 0
#define NX_NULL 0
#define NX_ANY_PORT 0
#define NX_MAX_PORT 0xFFFF

/* The host supports both address families. */
#ifndef FEATURE_NX_IPV6
#define FEATURE_NX_IPV6
#endif

#define NX_IP_VERSION_V4 0x4
#define NX_IP_VERSION_V6 0x6

#define IP_ADDRESS(a, b, c, d)                                                                     \
    ((((ULONG)(a)) << 24) | (((ULONG)(b)) << 16) | (((ULONG)(c)) << 8) | ((ULONG)(d)))

/* Header room to reserve in front of the data of a packet to send. */
#ifndef NX_PHYSICAL_HEADER
#define NX_PHYSICAL_HEADER 16
#endif
#define NX_IPv4_PACKET (NX_PHYSICAL_HEADER + 20)
#define NX_IPv4_TCP_PACKET (NX_IPv4_PACKET + 20)
#define NX_IPv4_UDP_PACKET (NX_IPv4_PACKET + 8)
#define NX_IPv6_PACKET (NX_PHYSICAL_HEADER + 40)
#define NX_IPv6_TCP_PACKET (NX_IPv6_PACKET + 20)
#define NX_IPv6_UDP_PACKET (NX_IPv6_PACKET + 8)
#define NX_IP_PACKET NX_IPv6_PACKET
#define NX_TCP_PACKET NX_IPv6_TCP_PACKET
#define NX_UDP_PACKET NX_IPv6_UDP_PACKET
#define NX_RECEIVE_PACKET 0

#define NX_IP_NORMAL ((ULONG)0x00000000)
#define NX_FRAGMENT_OKAY ((ULONG)0)
#define NX_DONT_FRAGMENT ((ULONG)0x00004000)
#define NX_IP_TIME_TO_LIVE ((ULONG)0x00000080)

/* TCP connection states. */
#define NX_TCP_CLOSED 1
#define NX_TCP_LISTEN_STATE 2
#define NX_TCP_SYN_SENT 3
#define NX_TCP_SYN_RECEIVED 4
#define NX_TCP_ESTABLISHED 5
#define NX_TCP_CLOSE_WAIT 6
#define NX_TCP_FIN_WAIT_1 7
#define NX_TCP_FIN_WAIT_2 8
#define NX_TCP_CLOSING 9
#define NX_TCP_TIMED_WAIT 10
#define NX_TCP_LAST_ACK 11

/* API return values. */
#define NX_SUCCESS 0x00
#define NX_NO_PACKET 0x01
#define NX_UNDERFLOW 0x02
#define NX_OVERFLOW 0x03
#define NX_NO_MAPPING 0x04
#define NX_DELETED 0x05
#define NX_POOL_ERROR 0x06
#define NX_PTR_ERROR 0x07
#define NX_WAIT_ERROR 0x08
#define NX_SIZE_ERROR 0x09
#define NX_OPTION_ERROR 0x0a
#define NX_DELETE_ERROR 0x10
#define NX_CALLER_ERROR 0x11
#define NX_INVALID_PACKET 0x12
#define NX_INVALID_SOCKET 0x13
#define NX_NOT_ENABLED 0x14
#define NX_ALREADY_ENABLED 0x15
#define NX_ENTRY_NOT_FOUND 0x16
#define NX_NO_MORE_ENTRIES 0x17
#define NX_WAIT_ABORTED 0x1A
#define NX_IP_INTERNAL_ERROR 0x20
#define NX_IP_ADDRESS_ERROR 0x21
#define NX_ALREADY_BOUND 0x22
#define NX_PORT_UNAVAILABLE 0x23
#define NX_NOT_BOUND 0x24
#define NX_SOCKET_UNBOUND 0x26
#define NX_NOT_CREATED 0x27
#define NX_SOCKETS_BOUND 0x28
#define NX_NO_RESPONSE 0x29
#define NX_POOL_DELETED 0x30
#define NX_ALREADY_RELEASED 0x31
#define NX_MAX_LISTEN 0x33
#define NX_DUPLICATE_LISTEN 0x34
#define NX_NOT_CLOSED 0x35
#define NX_NOT_LISTEN_STATE 0x36
#define NX_IN_PROGRESS 0x37
#define NX_NOT_CONNECTED 0x38
#define NX_WINDOW_OVERFLOW 0x39
#define NX_ALREADY_SUSPENDED 0x40
#define NX_DISCONNECT_FAILED 0x41
#define NX_STILL_BOUND 0x42
#define NX_NOT_SUCCESSFUL 0x43
#define NX_UNHANDLED_COMMAND 0x44
#define NX_NO_FREE_PORTS 0x45
#define NX_INVALID_PORT 0x46
#define NX_INVALID_RELISTEN 0x47
#define NX_CONNECTION_PENDING 0x48
#define NX_TX_QUEUE_DEPTH 0x49
#define NX_NOT_IMPLEMENTED 0x4A
#define NX_NOT_SUPPORTED 0x4B
#define NX_INVALID_INTERFACE 0x4C
#define NX_INVALID_PARAMETERS 0x4D
#define NX_NOT_FOUND 0x4E
#define NX_CANNOT_START 0x4F

/* Control block IDs are in nx_ip.h, nx_packet.h and nx_tcp.h, as in NetX. */

/* An IPv4 or IPv6 address. v4 is in host byte order (IP_ADDRESS(127, 0, 0,
 * 1)); v6[0] holds the most significant 32 bits, each word in host order. */
typedef struct NXD_ADDRESS_STRUCT {
    ULONG nxd_ip_version;
    union {
        ULONG v4;
        ULONG v6[4];
    } nxd_ip_address;
} NXD_ADDRESS;

struct NX_PACKET_POOL_STRUCT;

/* A packet: a header followed by its data area in the pool's memory.
 * nx_packet_length is the length of the whole chain and only meaningful in
 * the chain's head; nx_packet_last is set in the head of a chain of more
 * than one packet (NX_NULL for a single packet, as in NetX Duo). */
typedef struct NX_PACKET_STRUCT {
    struct NX_PACKET_POOL_STRUCT *nx_packet_pool_owner;
    struct NX_PACKET_STRUCT *nx_packet_queue_next;
    struct NX_PACKET_STRUCT *nx_packet_next;
    struct NX_PACKET_STRUCT *nx_packet_last;
    ULONG nx_packet_length;
    UCHAR *nx_packet_prepend_ptr;
    UCHAR *nx_packet_append_ptr;
    UCHAR *nx_packet_data_start;
    UCHAR *nx_packet_data_end;
    UCHAR nx_packet_ip_version;
    /* Private: allocated/free marker, to catch a double release. */
    ULONG nx_packet_host_state;
} NX_PACKET;

typedef struct NX_PACKET_POOL_STRUCT {
    ULONG nx_packet_pool_id;
    CHAR *nx_packet_pool_name;
    ULONG nx_packet_pool_available;
    ULONG nx_packet_pool_total;
    ULONG nx_packet_pool_empty_requests;
    ULONG nx_packet_pool_empty_suspensions;
    ULONG nx_packet_pool_invalid_releases;
    NX_PACKET *nx_packet_pool_available_list;
    CHAR *nx_packet_pool_start;
    ULONG nx_packet_pool_size;
    ULONG nx_packet_pool_payload_size;
#ifdef NX_HOST_HAVE_PTHREAD
    /* Private: guards the free list and counters; the condition variable
     * (on CLOCK_MONOTONIC) wakes allocations waiting for a packet. */
    pthread_mutex_t nx_packet_pool_host_mutex;
    pthread_cond_t nx_packet_pool_host_cond;
#endif
    /* Private: threads waiting in nx_packet_allocate. */
    ULONG nx_packet_pool_host_waiters;
} NX_PACKET_POOL;

struct NX_IP_STRUCT;

typedef struct NX_IP_DRIVER_STRUCT {
    UINT nx_ip_driver_command;
    UINT nx_ip_driver_status;
    struct NX_IP_STRUCT *nx_ip_driver_ptr;
} NX_IP_DRIVER;

typedef struct NX_IP_STRUCT {
    ULONG nx_ip_id;
    CHAR *nx_ip_name;
    ULONG nx_ip_address;
    ULONG nx_ip_network_mask;
    NX_PACKET_POOL *nx_ip_default_packet_pool;
    /* Private: nx_tcp_enable was called; TCP sockets created on this IP. */
    UINT nx_ip_host_tcp_enabled;
    ULONG nx_ip_host_tcp_sockets;
} NX_IP;

typedef struct NX_TCP_SOCKET_STRUCT {
    ULONG nx_tcp_socket_id;
    CHAR *nx_tcp_socket_name;
    NX_IP *nx_tcp_socket_ip_ptr;
    UINT nx_tcp_socket_port;
    UINT nx_tcp_socket_state;
    NXD_ADDRESS nx_tcp_socket_connect_ip;
    UINT nx_tcp_socket_connect_port;
    ULONG nx_tcp_socket_rx_window_default;
    VOID (*nx_tcp_urgent_data_callback)(struct NX_TCP_SOCKET_STRUCT *socket_ptr);
    VOID (*nx_tcp_disconnect_callback)(struct NX_TCP_SOCKET_STRUCT *socket_ptr);
    /* Private: the POSIX socket (-1 unless connected), whether
     * nx_tcp_client_socket_bind was called, and the port it asked for. */
    INT nx_tcp_socket_host_fd;
    UINT nx_tcp_socket_host_bound;
    UINT nx_tcp_socket_host_bind_port;
} NX_TCP_SOCKET;

UINT nx_packet_pool_create(NX_PACKET_POOL *pool_ptr, CHAR *name, ULONG payload_size,
                           VOID *memory_ptr, ULONG memory_size);
UINT nx_packet_pool_delete(NX_PACKET_POOL *pool_ptr);
UINT nx_packet_allocate(NX_PACKET_POOL *pool_ptr, NX_PACKET **packet_ptr, ULONG packet_type,
                        ULONG wait_option);
UINT nx_packet_release(NX_PACKET *packet_ptr);
UINT nx_packet_data_append(NX_PACKET *packet_ptr, VOID *data_start, ULONG data_size,
                           NX_PACKET_POOL *pool_ptr, ULONG wait_option);
UINT nx_packet_data_retrieve(NX_PACKET *packet_ptr, VOID *buffer_start, ULONG *bytes_copied);
UINT nx_packet_length_get(NX_PACKET *packet_ptr, ULONG *length);

UINT nx_ip_create(NX_IP *ip_ptr, CHAR *name, ULONG ip_address, ULONG network_mask,
                  NX_PACKET_POOL *default_pool, VOID (*ip_link_driver)(NX_IP_DRIVER *),
                  VOID *memory_ptr, ULONG memory_size, UINT priority);
UINT nx_ip_delete(NX_IP *ip_ptr);
UINT nx_tcp_enable(NX_IP *ip_ptr);

UINT nx_tcp_socket_create(NX_IP *ip_ptr, NX_TCP_SOCKET *socket_ptr, CHAR *name,
                          ULONG type_of_service, ULONG fragment, UINT time_to_live,
                          ULONG window_size,
                          VOID (*tcp_urgent_data_callback)(NX_TCP_SOCKET *socket_ptr),
                          VOID (*tcp_disconnect_callback)(NX_TCP_SOCKET *socket_ptr));
UINT nx_tcp_socket_delete(NX_TCP_SOCKET *socket_ptr);
UINT nx_tcp_client_socket_bind(NX_TCP_SOCKET *socket_ptr, UINT port, ULONG wait_option);
UINT nx_tcp_client_socket_unbind(NX_TCP_SOCKET *socket_ptr);
UINT nxd_tcp_client_socket_connect(NX_TCP_SOCKET *socket_ptr, NXD_ADDRESS *server_ip,
                                   UINT server_port, ULONG wait_option);
UINT nx_tcp_socket_send(NX_TCP_SOCKET *socket_ptr, NX_PACKET *packet_ptr, ULONG wait_option);
UINT nx_tcp_socket_receive(NX_TCP_SOCKET *socket_ptr, NX_PACKET **packet_ptr, ULONG wait_option);
UINT nx_tcp_socket_disconnect(NX_TCP_SOCKET *socket_ptr, ULONG wait_option);

#ifdef __cplusplus
}
#endif

#endif /* SMTPC_COMPAT_NX_API_H */
