/*
 * Host IP instance (NetX Duo nx_ip_create, nx_ip_delete, nx_tcp_enable) and
 * the no-op link driver. On the host the operating system owns the
 * interfaces, so the instance only records its settings and its default
 * packet pool (the one nx_tcp_socket_receive allocates from); there is no
 * IP thread and the driver is never called.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "nx_host_internal.h"

/* NetX's IP thread priority must be below TX_MAX_PRIORITIES (32 by
 * default); the stack must be at least this big (the real minimum is port
 * specific, a few hundred bytes). */
#define HOST_MAX_PRIORITIES 32u
#define HOST_MIN_STACK 1024u

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void nx_host_lock(void)
{
    pthread_mutex_lock(&lock);
}

void nx_host_unlock(void)
{
    pthread_mutex_unlock(&lock);
}

/* NetX accepts 0 (an interface waiting for DHCP) and class A, B and C
 * addresses, not multicast or reserved ones. */
static int valid_address(ULONG a)
{
    return a == 0 || (a & 0x80000000UL) == 0 || (a & 0xC0000000UL) == 0x80000000UL ||
           (a & 0xE0000000UL) == 0xC0000000UL;
}

VOID nx_host_network_driver(NX_IP_DRIVER *driver_req_ptr)
{
    if (driver_req_ptr != NX_NULL)
        driver_req_ptr->nx_ip_driver_status = NX_SUCCESS;
}

UINT nx_ip_create(NX_IP *ip_ptr, CHAR *name, ULONG ip_address, ULONG network_mask,
                  NX_PACKET_POOL *default_pool, VOID (*ip_link_driver)(NX_IP_DRIVER *),
                  VOID *memory_ptr, ULONG memory_size, UINT priority)
{
    if (ip_ptr == NX_NULL || default_pool == NX_NULL ||
        default_pool->nx_packet_pool_id != NX_PACKET_POOL_ID || ip_link_driver == NX_NULL ||
        memory_ptr == NX_NULL)
        return NX_PTR_ERROR;
    /* The memory is the IP thread's stack on a device; unused here, but a
     * size a device would refuse is refused. */
    if (memory_size < HOST_MIN_STACK)
        return NX_SIZE_ERROR;
    if (priority >= HOST_MAX_PRIORITIES)
        return NX_OPTION_ERROR;

    nx_host_lock();
    if (ip_ptr->nx_ip_id == NX_IP_ID) {
        nx_host_unlock();
        return NX_PTR_ERROR;
    }
    if (!valid_address(ip_address)) {
        nx_host_unlock();
        return NX_IP_ADDRESS_ERROR;
    }
    ip_ptr->nx_ip_name = name;
    ip_ptr->nx_ip_address = ip_address;
    ip_ptr->nx_ip_network_mask = network_mask;
    ip_ptr->nx_ip_default_packet_pool = default_pool;
    ip_ptr->nx_ip_host_tcp_enabled = NX_FALSE;
    ip_ptr->nx_ip_host_tcp_sockets = 0;
    ip_ptr->nx_ip_id = NX_IP_ID;
    nx_host_unlock();
    return NX_SUCCESS;
}

UINT nx_ip_delete(NX_IP *ip_ptr)
{
    UINT status = NX_SUCCESS;

    if (ip_ptr == NX_NULL)
        return NX_PTR_ERROR;
    nx_host_lock();
    if (ip_ptr->nx_ip_id != NX_IP_ID)
        status = NX_PTR_ERROR;
    else if (ip_ptr->nx_ip_host_tcp_sockets > 0)
        status = NX_SOCKETS_BOUND;
    else
        ip_ptr->nx_ip_id = 0;
    nx_host_unlock();
    return status;
}

UINT nx_tcp_enable(NX_IP *ip_ptr)
{
    UINT status = NX_SUCCESS;

    if (ip_ptr == NX_NULL)
        return NX_PTR_ERROR;
    nx_host_lock();
    if (ip_ptr->nx_ip_id != NX_IP_ID)
        status = NX_PTR_ERROR;
    else if (ip_ptr->nx_ip_host_tcp_enabled)
        status = NX_ALREADY_ENABLED;
    else
        ip_ptr->nx_ip_host_tcp_enabled = NX_TRUE;
    nx_host_unlock();
    return status;
}
