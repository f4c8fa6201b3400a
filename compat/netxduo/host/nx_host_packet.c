/*
 * Host packet pools and packets (NetX Duo nx_packet_*).
 *
 * The pool carves the caller's memory into fixed blocks, each an NX_PACKET
 * header followed by its data area, so sizing the memory the NetX way,
 * N * (sizeof(NX_PACKET) + payload), gives N packets whenever the payload is
 * a multiple of sizeof(ULONG). Free packets are kept on a list linked
 * through nx_packet_queue_next; a pthread mutex guards it and a condition
 * variable on CLOCK_MONOTONIC wakes allocations waiting for a packet.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nx_host_internal.h"

/* The alignment an NX_PACKET header needs (C99 has no alignof). */
struct packet_align {
    char c;
    NX_PACKET p;
};
#define PACKET_ALIGN ((ULONG)offsetof(struct packet_align, p))

/* Payloads are rounded so the next header stays aligned. */
#define PAYLOAD_ROUND (PACKET_ALIGN > sizeof(ULONG) ? PACKET_ALIGN : (ULONG)sizeof(ULONG))

/* NetX checks the prepend offset against its ULONG, which is 4 bytes on
 * the devices it runs on; checking the host's 8 would reject
 * NX_IPv6_TCP_PACKET (76). */
#define DEVICE_ULONG_SIZE 4

static ULONG round_up(ULONG n, ULONG to)
{
    return (n + to - 1) / to * to;
}

UINT nx_packet_pool_create(NX_PACKET_POOL *pool_ptr, CHAR *name, ULONG payload_size,
                           VOID *memory_ptr, ULONG memory_size)
{
    pthread_condattr_t attr;
    uintptr_t start;
    ULONG skip, block, count, i;
    CHAR *at;

    if (pool_ptr == NX_NULL || memory_ptr == NX_NULL)
        return NX_PTR_ERROR;
    if (pool_ptr->nx_packet_pool_id == NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;
    /* Checked before rounding so a huge payload cannot overflow. */
    if (payload_size == 0 || payload_size > memory_size)
        return NX_SIZE_ERROR;

    start = ((uintptr_t)memory_ptr + PACKET_ALIGN - 1) / PACKET_ALIGN * PACKET_ALIGN;
    skip = (ULONG)(start - (uintptr_t)memory_ptr);
    block = (ULONG)sizeof(NX_PACKET) + round_up(payload_size, PAYLOAD_ROUND);
    if (skip >= memory_size || (memory_size - skip) / block == 0)
        return NX_SIZE_ERROR;
    count = (memory_size - skip) / block;

    if (pthread_mutex_init(&pool_ptr->nx_packet_pool_host_mutex, NULL) != 0)
        return NX_POOL_ERROR;
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&pool_ptr->nx_packet_pool_host_mutex);
        return NX_POOL_ERROR;
    }
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&pool_ptr->nx_packet_pool_host_cond, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&pool_ptr->nx_packet_pool_host_mutex);
        return NX_POOL_ERROR;
    }
    pthread_condattr_destroy(&attr);

    /* Build the free list in address order: the first block is handed out
     * first, which makes the pool's behaviour easy to follow in a debugger. */
    at = (CHAR *)start;
    pool_ptr->nx_packet_pool_available_list = NX_NULL;
    for (i = count; i-- > 0;) {
        NX_PACKET *p = (NX_PACKET *)(void *)(at + (size_t)i * block);

        memset(p, 0, sizeof *p);
        p->nx_packet_pool_owner = pool_ptr;
        p->nx_packet_data_start = (UCHAR *)p + sizeof(NX_PACKET);
        p->nx_packet_data_end = p->nx_packet_data_start + payload_size;
        p->nx_packet_prepend_ptr = p->nx_packet_data_start;
        p->nx_packet_append_ptr = p->nx_packet_data_start;
        p->nx_packet_host_state = NX_HOST_PACKET_FREE;
        p->nx_packet_queue_next = pool_ptr->nx_packet_pool_available_list;
        pool_ptr->nx_packet_pool_available_list = p;
    }

    pool_ptr->nx_packet_pool_name = name;
    pool_ptr->nx_packet_pool_available = count;
    pool_ptr->nx_packet_pool_total = count;
    pool_ptr->nx_packet_pool_empty_requests = 0;
    pool_ptr->nx_packet_pool_empty_suspensions = 0;
    pool_ptr->nx_packet_pool_invalid_releases = 0;
    pool_ptr->nx_packet_pool_start = (CHAR *)memory_ptr;
    pool_ptr->nx_packet_pool_size = memory_size;
    pool_ptr->nx_packet_pool_payload_size = payload_size;
    pool_ptr->nx_packet_pool_host_waiters = 0;
    pool_ptr->nx_packet_pool_id = NX_PACKET_POOL_ID;
    return NX_SUCCESS;
}

UINT nx_packet_pool_delete(NX_PACKET_POOL *pool_ptr)
{
    if (pool_ptr == NX_NULL || pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;

    pthread_mutex_lock(&pool_ptr->nx_packet_pool_host_mutex);
    if (pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID) {
        pthread_mutex_unlock(&pool_ptr->nx_packet_pool_host_mutex);
        return NX_PTR_ERROR;
    }
    pool_ptr->nx_packet_pool_id = 0;
    pthread_cond_broadcast(&pool_ptr->nx_packet_pool_host_cond);
    /* The waiters still use the mutex and condition variable: let them all
     * leave (each returns NX_POOL_DELETED) before destroying those. */
    while (pool_ptr->nx_packet_pool_host_waiters > 0)
        pthread_cond_wait(&pool_ptr->nx_packet_pool_host_cond,
                          &pool_ptr->nx_packet_pool_host_mutex);
    pthread_mutex_unlock(&pool_ptr->nx_packet_pool_host_mutex);
    pthread_cond_destroy(&pool_ptr->nx_packet_pool_host_cond);
    pthread_mutex_destroy(&pool_ptr->nx_packet_pool_host_mutex);
    return NX_SUCCESS;
}

/* Waits, mutex held, until a packet is free, the wait expires or the pool
 * is deleted. */
static UINT wait_for_packet(NX_PACKET_POOL *pool_ptr, ULONG wait_option)
{
    long long deadline = nx_host_deadline(wait_option);
    struct timespec ts;

    pool_ptr->nx_packet_pool_empty_suspensions++;
    pool_ptr->nx_packet_pool_host_waiters++;
    nx_host_timespec(deadline, &ts);
    while (pool_ptr->nx_packet_pool_available == 0 &&
           pool_ptr->nx_packet_pool_id == NX_PACKET_POOL_ID) {
        if (deadline < 0) {
            pthread_cond_wait(&pool_ptr->nx_packet_pool_host_cond,
                              &pool_ptr->nx_packet_pool_host_mutex);
        } else if (pthread_cond_timedwait(&pool_ptr->nx_packet_pool_host_cond,
                                          &pool_ptr->nx_packet_pool_host_mutex, &ts) == ETIMEDOUT) {
            break;
        }
    }
    pool_ptr->nx_packet_pool_host_waiters--;
    if (pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID) {
        /* nx_packet_pool_delete waits on the same condition variable. */
        pthread_cond_broadcast(&pool_ptr->nx_packet_pool_host_cond);
        return NX_POOL_DELETED;
    }
    return pool_ptr->nx_packet_pool_available > 0 ? NX_SUCCESS : NX_NO_PACKET;
}

UINT nx_packet_allocate(NX_PACKET_POOL *pool_ptr, NX_PACKET **packet_ptr, ULONG packet_type,
                        ULONG wait_option)
{
    NX_PACKET *p;
    UINT status = NX_SUCCESS;

    if (pool_ptr == NX_NULL || pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID ||
        packet_ptr == NX_NULL)
        return NX_PTR_ERROR;
    if (packet_type % DEVICE_ULONG_SIZE)
        return NX_OPTION_ERROR;
    if (packet_type > pool_ptr->nx_packet_pool_payload_size)
        return NX_INVALID_PARAMETERS;
    *packet_ptr = NX_NULL;

    pthread_mutex_lock(&pool_ptr->nx_packet_pool_host_mutex);
    if (pool_ptr->nx_packet_pool_available == 0) {
        pool_ptr->nx_packet_pool_empty_requests++;
        status = wait_option == NX_NO_WAIT ? NX_NO_PACKET : wait_for_packet(pool_ptr, wait_option);
    }
    if (status != NX_SUCCESS) {
        pthread_mutex_unlock(&pool_ptr->nx_packet_pool_host_mutex);
        return status;
    }
    p = pool_ptr->nx_packet_pool_available_list;
    pool_ptr->nx_packet_pool_available_list = p->nx_packet_queue_next;
    pool_ptr->nx_packet_pool_available--;
    p->nx_packet_host_state = NX_HOST_PACKET_ALLOCATED;
    pthread_mutex_unlock(&pool_ptr->nx_packet_pool_host_mutex);

    p->nx_packet_queue_next = NX_NULL;
    p->nx_packet_next = NX_NULL;
    p->nx_packet_last = NX_NULL;
    p->nx_packet_length = 0;
    p->nx_packet_prepend_ptr = p->nx_packet_data_start + packet_type;
    p->nx_packet_append_ptr = p->nx_packet_prepend_ptr;
    p->nx_packet_ip_version = NX_IP_VERSION_V4;
    *packet_ptr = p;
    return NX_SUCCESS;
}

/* Puts one packet back on its pool's free list; one that is not allocated
 * counts as an invalid release of its pool. */
static UINT release_one(NX_PACKET *p)
{
    NX_PACKET_POOL *pool = p->nx_packet_pool_owner;

    if (pool == NX_NULL || pool->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;
    pthread_mutex_lock(&pool->nx_packet_pool_host_mutex);
    /* Checked under the lock so two threads releasing the same packet
     * cannot both succeed. */
    if (p->nx_packet_host_state != NX_HOST_PACKET_ALLOCATED) {
        pool->nx_packet_pool_invalid_releases++;
        pthread_mutex_unlock(&pool->nx_packet_pool_host_mutex);
        return NX_PTR_ERROR;
    }
    p->nx_packet_host_state = NX_HOST_PACKET_FREE;
    p->nx_packet_queue_next = pool->nx_packet_pool_available_list;
    pool->nx_packet_pool_available_list = p;
    pool->nx_packet_pool_available++;
    pthread_cond_broadcast(&pool->nx_packet_pool_host_cond);
    pthread_mutex_unlock(&pool->nx_packet_pool_host_mutex);
    return NX_SUCCESS;
}

UINT nx_packet_release(NX_PACKET *packet_ptr)
{
    NX_PACKET *p = packet_ptr;

    if (packet_ptr == NX_NULL)
        return NX_PTR_ERROR;
    if (packet_ptr->nx_packet_prepend_ptr < packet_ptr->nx_packet_data_start)
        return NX_UNDERFLOW;
    if (packet_ptr->nx_packet_append_ptr > packet_ptr->nx_packet_data_end)
        return NX_OVERFLOW;

    while (p != NX_NULL) {
        /* Read the link first: once released, another thread may take p. */
        NX_PACKET *next = p->nx_packet_next;

        if (release_one(p) != NX_SUCCESS)
            return NX_PTR_ERROR;
        p = next;
    }
    return NX_SUCCESS;
}

UINT nx_packet_data_append(NX_PACKET *packet_ptr, VOID *data_start, ULONG data_size,
                           NX_PACKET_POOL *pool_ptr, ULONG wait_option)
{
    NX_PACKET *last, *first_new = NX_NULL, *tail_new = NX_NULL, *p;
    const UCHAR *src = (const UCHAR *)data_start;
    ULONG room, left, n;

    if (pool_ptr == NX_NULL || pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID ||
        packet_ptr == NX_NULL || data_start == NX_NULL)
        return NX_PTR_ERROR;
    if (data_size == 0)
        return NX_SIZE_ERROR;
    if (packet_ptr->nx_packet_prepend_ptr < packet_ptr->nx_packet_data_start)
        return NX_UNDERFLOW;
    if (packet_ptr->nx_packet_append_ptr > packet_ptr->nx_packet_data_end)
        return NX_OVERFLOW;
    if (packet_ptr->nx_packet_host_state != NX_HOST_PACKET_ALLOCATED)
        return NX_INVALID_PACKET;

    last = packet_ptr->nx_packet_last != NX_NULL ? packet_ptr->nx_packet_last : packet_ptr;
    room = (ULONG)(last->nx_packet_data_end - last->nx_packet_append_ptr);

    /* All or nothing: get every packet needed before copying a byte. */
    for (left = data_size > room ? data_size - room : 0; left > 0; left -= n) {
        UINT status = nx_packet_allocate(pool_ptr, &p, 0, wait_option);

        if (status != NX_SUCCESS) {
            if (first_new != NX_NULL)
                nx_packet_release(first_new);
            return status;
        }
        if (tail_new == NX_NULL)
            first_new = p;
        else
            tail_new->nx_packet_next = p;
        tail_new = p;
        n = (ULONG)(p->nx_packet_data_end - p->nx_packet_prepend_ptr);
        if (n > left)
            n = left;
    }

    n = data_size < room ? data_size : room;
    memcpy(last->nx_packet_append_ptr, src, n);
    last->nx_packet_append_ptr += n;
    src += n;
    left = data_size - n;
    for (p = first_new; p != NX_NULL; p = p->nx_packet_next) {
        n = (ULONG)(p->nx_packet_data_end - p->nx_packet_prepend_ptr);
        if (n > left)
            n = left;
        memcpy(p->nx_packet_append_ptr, src, n);
        p->nx_packet_append_ptr += n;
        src += n;
        left -= n;
    }
    if (first_new != NX_NULL) {
        last->nx_packet_next = first_new;
        packet_ptr->nx_packet_last = tail_new;
    }
    packet_ptr->nx_packet_length += data_size;
    return NX_SUCCESS;
}

UINT nx_packet_data_retrieve(NX_PACKET *packet_ptr, VOID *buffer_start, ULONG *bytes_copied)
{
    UCHAR *dst = (UCHAR *)buffer_start;
    ULONG left, total = 0;
    NX_PACKET *p;

    if (packet_ptr == NX_NULL || buffer_start == NX_NULL || bytes_copied == NX_NULL)
        return NX_PTR_ERROR;
    if (packet_ptr->nx_packet_host_state != NX_HOST_PACKET_ALLOCATED)
        return NX_INVALID_PACKET;

    /* Bounded by the head's length, which is what the caller sized the
     * buffer by, even if a packet's pointers claim more. */
    left = packet_ptr->nx_packet_length;
    for (p = packet_ptr; p != NX_NULL && left > 0; p = p->nx_packet_next) {
        ULONG n = (ULONG)(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr);

        if (n > left)
            n = left;
        memcpy(dst + total, p->nx_packet_prepend_ptr, n);
        total += n;
        left -= n;
    }
    *bytes_copied = total;
    return NX_SUCCESS;
}

UINT nx_packet_length_get(NX_PACKET *packet_ptr, ULONG *length)
{
    if (packet_ptr == NX_NULL || length == NX_NULL)
        return NX_PTR_ERROR;
    *length = packet_ptr->nx_packet_length;
    return NX_SUCCESS;
}
