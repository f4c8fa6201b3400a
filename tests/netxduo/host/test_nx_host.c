/*
 * Tests: the host NetX Duo subset (compat/netxduo/host/nx_api.h).
 *
 * Packet pools are checked for their exact sizing, counters, chaining and
 * blocking waits; the IP and TCP socket calls for NetX Duo's status values
 * in each state; and the sockets end to end against POSIX peers this
 * program opens on loopback (IPv4, and IPv6 when ::1 is available). Every
 * test ends with every packet back in its pool.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nx_api.h"
#include "nx_host_driver.h"
#include "nx_ip.h"
#include "nx_packet.h"
#include "nx_tcp.h"

/* Big enough for IPv6 header room (76) with data after it. */
#define PAYLOAD 96
#define PACKETS 8
#define BLOCK (sizeof(NX_PACKET) + PAYLOAD)
#define POOL_BYTES (PACKETS * BLOCK)
#define STACK_BYTES 1024
#define SECOND NX_IP_PERIODIC_RATE
#define PEER_MS 2000

/* Aligned for packet headers, as a device would declare it. */
union pool_memory {
    NX_PACKET align;
    UCHAR bytes[POOL_BYTES];
};

static CHAR pool_name[] = "test pool";
static CHAR ip_name[] = "test ip";
static CHAR sock_name[] = "test socket";

static NX_PACKET_POOL pool;
static union pool_memory mem;
static NX_IP ip;
static ULONG stack[STACK_BYTES / sizeof(ULONG)];
static NX_TCP_SOCKET sock;
static int listener = -1, peer = -1;
static int disconnects;

static void fill(UCHAR *b, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        b[i] = (UCHAR)(i * 7 + seed);
}

static ULONG chain_count(const NX_PACKET *p)
{
    ULONG n = 0;

    for (; p != NX_NULL; p = p->nx_packet_next)
        n++;
    return n;
}

/* The pool's suspension counter, read under its lock. */
static ULONG suspensions(NX_PACKET_POOL *p)
{
    ULONG n;

    pthread_mutex_lock(&p->nx_packet_pool_host_mutex);
    n = p->nx_packet_pool_empty_suspensions;
    pthread_mutex_unlock(&p->nx_packet_pool_host_mutex);
    return n;
}

static void wait_for_suspension(NX_PACKET_POOL *p, ULONG n)
{
    int i;

    for (i = 0; i < 2000 && suspensions(p) < n; i++)
        tx_thread_sleep(1);
    assert_int_equal(suspensions(p), n);
}

static int pool_setup(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof pool);
    assert_int_equal(nx_packet_pool_create(&pool, pool_name, PAYLOAD, &mem, POOL_BYTES),
                     NX_SUCCESS);
    return 0;
}

static int pool_teardown(void **state)
{
    (void)state;
    assert_int_equal(pool.nx_packet_pool_available, pool.nx_packet_pool_total);
    assert_int_equal(nx_packet_pool_delete(&pool), NX_SUCCESS);
    return 0;
}

/* ---- packet pool ---- */

static void test_pool_create_errors(void **state)
{
    NX_PACKET_POOL p;

    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(nx_packet_pool_create(NX_NULL, pool_name, PAYLOAD, &mem, POOL_BYTES),
                     NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, NX_NULL, POOL_BYTES),
                     NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, 0, &mem, POOL_BYTES), NX_SIZE_ERROR);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, &mem, BLOCK - 1), NX_SIZE_ERROR);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, 0xFFFFFFFFUL, &mem, POOL_BYTES),
                     NX_SIZE_ERROR);
    assert_int_equal(p.nx_packet_pool_id, 0);

    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, &mem, BLOCK), NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_id, NX_PACKET_POOL_ID);
    assert_int_equal(p.nx_packet_pool_total, 1);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, &mem, BLOCK), NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_delete(&p), NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_id, 0);
    assert_int_equal(nx_packet_pool_delete(&p), NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_delete(NX_NULL), NX_PTR_ERROR);
}

/* N * (sizeof(NX_PACKET) + payload) bytes hold exactly N packets, each
 * header followed by its data, all inside the memory. */
static void test_pool_sizing(void **state)
{
    NX_PACKET_POOL p;
    NX_PACKET *pk[5];
    UCHAR *lo = mem.bytes, *hi = mem.bytes + 5 * BLOCK;
    int i;

    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, &mem, 5 * BLOCK), NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_total, 5);
    assert_int_equal(p.nx_packet_pool_available, 5);
    assert_int_equal(p.nx_packet_pool_payload_size, PAYLOAD);
    assert_ptr_equal(p.nx_packet_pool_start, (CHAR *)mem.bytes);
    assert_int_equal(p.nx_packet_pool_size, 5 * BLOCK);
    assert_ptr_equal(p.nx_packet_pool_name, pool_name);
    assert_int_equal(p.nx_packet_pool_empty_requests, 0);
    assert_int_equal(p.nx_packet_pool_empty_suspensions, 0);
    assert_int_equal(p.nx_packet_pool_invalid_releases, 0);
    for (i = 0; i < 5; i++) {
        assert_int_equal(nx_packet_allocate(&p, &pk[i], 0, NX_NO_WAIT), NX_SUCCESS);
        assert_ptr_equal(pk[i]->nx_packet_pool_owner, &p);
        assert_ptr_equal(pk[i]->nx_packet_data_start, (UCHAR *)pk[i] + sizeof(NX_PACKET));
        assert_int_equal(pk[i]->nx_packet_data_end - pk[i]->nx_packet_data_start, PAYLOAD);
        assert_true((UCHAR *)pk[i] >= lo && pk[i]->nx_packet_data_end <= hi);
        /* Blocks are handed out in address order and do not overlap. */
        if (i > 0)
            assert_ptr_equal((UCHAR *)pk[i], pk[i - 1]->nx_packet_data_end);
    }
    assert_int_equal(p.nx_packet_pool_available, 0);
    for (i = 0; i < 5; i++)
        assert_int_equal(nx_packet_release(pk[i]), NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_available, 5);
    assert_int_equal(nx_packet_pool_delete(&p), NX_SUCCESS);

    /* One byte short of N blocks: N - 1 packets. */
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, &mem, 5 * BLOCK - 1),
                     NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_total, 4);
    assert_int_equal(nx_packet_pool_delete(&p), NX_SUCCESS);

    /* Any multiple of sizeof(ULONG) is used as is. */
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD - sizeof(ULONG), &mem,
                                           5 * (BLOCK - sizeof(ULONG))),
                     NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_total, 5);
    assert_int_equal(nx_packet_pool_delete(&p), NX_SUCCESS);

    /* Other payloads are rounded up to one in the block, but the data
     * area is what was asked for. */
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD - sizeof(ULONG) - 3, &mem,
                                           5 * (BLOCK - sizeof(ULONG))),
                     NX_SUCCESS);
    assert_int_equal(p.nx_packet_pool_total, 5);
    assert_int_equal(nx_packet_allocate(&p, &pk[0], 0, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(pk[0]->nx_packet_data_end - pk[0]->nx_packet_data_start,
                     PAYLOAD - sizeof(ULONG) - 3);
    assert_int_equal(nx_packet_release(pk[0]), NX_SUCCESS);
    assert_int_equal(nx_packet_pool_delete(&p), NX_SUCCESS);
}

static void test_allocate(void **state)
{
    NX_PACKET_POOL never;
    NX_PACKET *pk = NX_NULL;

    (void)state;
    memset(&never, 0, sizeof never);
    assert_int_equal(nx_packet_allocate(NX_NULL, &pk, 0, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_allocate(&pool, NX_NULL, 0, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_allocate(&never, &pk, 0, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_allocate(&pool, &pk, PAYLOAD + 4, NX_NO_WAIT),
                     NX_INVALID_PARAMETERS);
    assert_int_equal(nx_packet_allocate(&pool, &pk, 2, NX_NO_WAIT), NX_OPTION_ERROR);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);

    assert_int_equal(nx_packet_allocate(&pool, &pk, NX_IPv4_TCP_PACKET, NX_NO_WAIT), NX_SUCCESS);
    assert_ptr_equal(pk->nx_packet_prepend_ptr, pk->nx_packet_data_start + NX_IPv4_TCP_PACKET);
    assert_ptr_equal(pk->nx_packet_append_ptr, pk->nx_packet_prepend_ptr);
    assert_int_equal(pk->nx_packet_length, 0);
    assert_null(pk->nx_packet_next);
    assert_null(pk->nx_packet_last);
    assert_null(pk->nx_packet_queue_next);
    assert_int_equal(pk->nx_packet_ip_version, NX_IP_VERSION_V4);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS - 1);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);

    /* The whole payload may be reserved as header room. */
    assert_int_equal(nx_packet_allocate(&pool, &pk, PAYLOAD, NX_NO_WAIT), NX_SUCCESS);
    assert_ptr_equal(pk->nx_packet_prepend_ptr, pk->nx_packet_data_end);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);
}

static void test_allocate_until_empty(void **state)
{
    NX_PACKET *pk[PACKETS], *extra;
    int i;

    (void)state;
    for (i = 0; i < PACKETS; i++)
        assert_int_equal(nx_packet_allocate(&pool, &pk[i], 0, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(pool.nx_packet_pool_available, 0);

    extra = pk[0];
    assert_int_equal(nx_packet_allocate(&pool, &extra, 0, NX_NO_WAIT), NX_NO_PACKET);
    assert_null(extra);
    assert_int_equal(pool.nx_packet_pool_empty_requests, 1);
    assert_int_equal(pool.nx_packet_pool_empty_suspensions, 0);

    assert_int_equal(nx_packet_allocate(&pool, &extra, 0, 20), NX_NO_PACKET);
    assert_null(extra);
    assert_int_equal(pool.nx_packet_pool_empty_requests, 2);
    assert_int_equal(pool.nx_packet_pool_empty_suspensions, 1);

    for (i = 0; i < PACKETS; i++)
        assert_int_equal(nx_packet_release(pk[i]), NX_SUCCESS);
}

struct waiter {
    NX_PACKET_POOL *pool;
    NX_PACKET *packet;
    UINT status;
    int done;
    pthread_mutex_t lock;
    pthread_t thread;
};

static void *allocate_forever(void *arg)
{
    struct waiter *w = arg;
    NX_PACKET *pk = NX_NULL;
    UINT status = nx_packet_allocate(w->pool, &pk, 0, NX_WAIT_FOREVER);

    pthread_mutex_lock(&w->lock);
    w->packet = pk;
    w->status = status;
    w->done = 1;
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Starts a thread allocating from `p` with NX_WAIT_FOREVER and returns
 * once it is waiting. */
static void start_waiter(struct waiter *w, NX_PACKET_POOL *p)
{
    w->pool = p;
    w->packet = NX_NULL;
    w->status = 0xFFFF;
    w->done = 0;
    assert_int_equal(pthread_mutex_init(&w->lock, NULL), 0);
    assert_int_equal(pthread_create(&w->thread, NULL, allocate_forever, w), 0);
    wait_for_suspension(p, 1);
}

/* The waiter must finish within seconds: a lost wake-up fails the test
 * instead of hanging it (the stuck thread is then left behind). */
static void join_waiter(struct waiter *w)
{
    int i, done = 0;

    for (i = 0; i < 500 && !done; i++) {
        pthread_mutex_lock(&w->lock);
        done = w->done;
        pthread_mutex_unlock(&w->lock);
        if (!done)
            tx_thread_sleep(1);
    }
    assert_true(done);
    assert_int_equal(pthread_join(w->thread, NULL), 0);
    pthread_mutex_destroy(&w->lock);
}

static void test_release_wakes_waiter(void **state)
{
    NX_PACKET *pk[PACKETS];
    struct waiter w;
    int i;

    (void)state;
    for (i = 0; i < PACKETS; i++)
        assert_int_equal(nx_packet_allocate(&pool, &pk[i], 0, NX_NO_WAIT), NX_SUCCESS);
    start_waiter(&w, &pool);

    assert_int_equal(nx_packet_release(pk[3]), NX_SUCCESS);
    join_waiter(&w);
    assert_int_equal(w.status, NX_SUCCESS);
    assert_ptr_equal(w.packet, pk[3]);
    assert_int_equal(pool.nx_packet_pool_available, 0);

    for (i = 0; i < PACKETS; i++)
        assert_int_equal(nx_packet_release(pk[i]), NX_SUCCESS);
}

static void test_delete_wakes_waiter(void **state)
{
    static union pool_memory m;
    NX_PACKET_POOL p;
    NX_PACKET *only;
    struct waiter w;

    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(nx_packet_pool_create(&p, pool_name, PAYLOAD, &m, BLOCK), NX_SUCCESS);
    assert_int_equal(nx_packet_allocate(&p, &only, 0, NX_NO_WAIT), NX_SUCCESS);
    start_waiter(&w, &p);

    assert_int_equal(nx_packet_pool_delete(&p), NX_SUCCESS);
    join_waiter(&w);
    assert_int_equal(w.status, NX_POOL_DELETED);
    assert_null(w.packet);
    /* The packet's pool is gone. */
    assert_int_equal(nx_packet_release(only), NX_PTR_ERROR);
}

static void test_double_release(void **state)
{
    NX_PACKET *pk;

    (void)state;
    assert_int_equal(nx_packet_release(NX_NULL), NX_PTR_ERROR);
    assert_int_equal(nx_packet_allocate(&pool, &pk, 0, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);
    assert_int_equal(nx_packet_release(pk), NX_PTR_ERROR);
    assert_int_equal(pool.nx_packet_pool_invalid_releases, 1);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);
}

static void test_data_append_chain(void **state)
{
    /* The room after NX_IPv4_TCP_PACKET, then two full packets and one
     * byte: four packets; then ten more bytes that fit in the last. */
    enum { FIRST = PAYLOAD - NX_IPv4_TCP_PACKET, SIZE1 = FIRST + 2 * PAYLOAD + 1 };
    UCHAR data[SIZE1 + 10], out[sizeof data + 16];
    NX_PACKET *head, *p;
    ULONG copied = 0, len = 0;

    (void)state;
    fill(data, sizeof data, 3);
    assert_int_equal(nx_packet_allocate(&pool, &head, NX_IPv4_TCP_PACKET, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(nx_packet_data_append(NX_NULL, data, 1, &pool, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_data_append(head, NX_NULL, 1, &pool, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_data_append(head, data, 1, NX_NULL, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_data_append(head, data, 0, &pool, NX_NO_WAIT), NX_SIZE_ERROR);

    assert_int_equal(nx_packet_data_append(head, data, SIZE1, &pool, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(head->nx_packet_length, SIZE1);
    assert_int_equal(chain_count(head), 4);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS - 4);
    assert_ptr_equal(head->nx_packet_append_ptr, head->nx_packet_data_end);
    for (p = head->nx_packet_next; p->nx_packet_next != NX_NULL; p = p->nx_packet_next) {
        assert_ptr_equal(p->nx_packet_prepend_ptr, p->nx_packet_data_start);
        assert_int_equal(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr, PAYLOAD);
    }
    assert_ptr_equal(head->nx_packet_last, p);
    assert_int_equal(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr, 1);

    assert_int_equal(nx_packet_data_append(head, data + SIZE1, 10, &pool, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(chain_count(head), 4);
    assert_ptr_equal(head->nx_packet_last, p);
    assert_int_equal(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr, 11);
    assert_int_equal(nx_packet_length_get(head, &len), NX_SUCCESS);
    assert_int_equal(len, sizeof data);
    assert_int_equal(nx_packet_length_get(head, NX_NULL), NX_PTR_ERROR);
    assert_int_equal(nx_packet_length_get(NX_NULL, &len), NX_PTR_ERROR);

    memset(out, 0xee, sizeof out);
    assert_int_equal(nx_packet_data_retrieve(head, out, &copied), NX_SUCCESS);
    assert_int_equal(copied, sizeof data);
    assert_memory_equal(out, data, sizeof data);
    assert_int_equal(out[sizeof data], 0xee);
    assert_int_equal(nx_packet_data_retrieve(NX_NULL, out, &copied), NX_PTR_ERROR);
    assert_int_equal(nx_packet_data_retrieve(head, NX_NULL, &copied), NX_PTR_ERROR);
    assert_int_equal(nx_packet_data_retrieve(head, out, NX_NULL), NX_PTR_ERROR);

    /* The head's length bounds the copy (the caller sized the buffer by
     * it), whatever the packets hold. */
    head->nx_packet_length = 5;
    memset(out, 0xee, sizeof out);
    assert_int_equal(nx_packet_data_retrieve(head, out, &copied), NX_SUCCESS);
    assert_int_equal(copied, 5);
    assert_memory_equal(out, data, 5);
    assert_int_equal(out[5], 0xee);

    assert_int_equal(nx_packet_release(head), NX_SUCCESS);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);
    assert_int_equal(nx_packet_data_retrieve(head, out, &copied), NX_INVALID_PACKET);
}

static void test_data_append_all_or_nothing(void **state)
{
    UCHAR data[4 * PAYLOAD + 1], sentinel[PAYLOAD];
    NX_PACKET *head, *held[4];
    int i;

    (void)state;
    fill(data, sizeof data, 9);
    memset(sentinel, 0x5a, sizeof sentinel);
    assert_int_equal(nx_packet_allocate(&pool, &head, 0, NX_NO_WAIT), NX_SUCCESS);
    memcpy(head->nx_packet_data_start, sentinel, PAYLOAD);
    for (i = 0; i < 4; i++)
        assert_int_equal(nx_packet_allocate(&pool, &held[i], 0, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(pool.nx_packet_pool_available, 3);

    /* 4 * PAYLOAD + 1 bytes need the head plus four more; only three are
     * free. */
    assert_int_equal(nx_packet_data_append(head, data, sizeof data, &pool, NX_NO_WAIT),
                     NX_NO_PACKET);
    assert_int_equal(head->nx_packet_length, 0);
    assert_null(head->nx_packet_next);
    assert_null(head->nx_packet_last);
    assert_ptr_equal(head->nx_packet_append_ptr, head->nx_packet_prepend_ptr);
    assert_memory_equal(head->nx_packet_data_start, sentinel, PAYLOAD);
    assert_int_equal(pool.nx_packet_pool_available, 3);

    /* 4 * PAYLOAD bytes need exactly the three. */
    assert_int_equal(nx_packet_data_append(head, data, 4 * PAYLOAD, &pool, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(head->nx_packet_length, 4 * PAYLOAD);
    assert_int_equal(chain_count(head), 4);
    assert_int_equal(pool.nx_packet_pool_available, 0);

    assert_int_equal(nx_packet_release(head), NX_SUCCESS);
    for (i = 0; i < 4; i++)
        assert_int_equal(nx_packet_release(held[i]), NX_SUCCESS);
}

static void test_time(void **state)
{
    ULONG before, after;

    (void)state;
    before = tx_time_get();
    assert_int_equal(tx_thread_sleep(5), 0);
    after = tx_time_get();
    /* Modulo 2^32, as ThreadX's tick wraps. */
    assert_true(((after - before) & 0xFFFFFFFFUL) >= 5);
}

/* ---- IP and socket bookkeeping ---- */

static void count_disconnect(NX_TCP_SOCKET *s)
{
    (void)s;
    disconnects++;
}

static void test_ip_create_delete(void **state)
{
    NX_PACKET_POOL never;
    NX_IP_DRIVER req;
    NX_TCP_SOCKET s;

    (void)state;
    memset(&never, 0, sizeof never);
    memset(&ip, 0, sizeof ip);
    memset(&s, 0, sizeof s);
    assert_int_equal(nx_ip_create(NX_NULL, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_PTR_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, NX_NULL,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_PTR_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &never,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_PTR_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  NX_NULL, stack, sizeof stack, 1),
                     NX_PTR_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, NX_NULL, sizeof stack, 1),
                     NX_PTR_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack - 1, 1),
                     NX_SIZE_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack, 32),
                     NX_OPTION_ERROR);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(224, 0, 0, 1), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_IP_ADDRESS_ERROR);
    assert_int_equal(ip.nx_ip_id, 0);

    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_SUCCESS);
    assert_int_equal(ip.nx_ip_id, NX_IP_ID);
    assert_ptr_equal(ip.nx_ip_name, ip_name);
    assert_int_equal(ip.nx_ip_address, 0x0A000002UL);
    assert_int_equal(ip.nx_ip_network_mask, 0xFFFFFF00UL);
    assert_ptr_equal(ip.nx_ip_default_packet_pool, &pool);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(10, 0, 0, 2), 0xFFFFFF00UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_PTR_ERROR);

    /* Sockets need TCP enabled, once. */
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_NOT_ENABLED);
    assert_int_equal(nx_tcp_enable(&ip), NX_SUCCESS);
    assert_int_equal(nx_tcp_enable(&ip), NX_ALREADY_ENABLED);
    assert_int_equal(nx_tcp_enable(NX_NULL), NX_PTR_ERROR);

    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_SUCCESS);
    assert_int_equal(nx_ip_delete(&ip), NX_SOCKETS_BOUND);
    assert_int_equal(nx_tcp_socket_delete(&s), NX_SUCCESS);
    assert_int_equal(nx_ip_delete(&ip), NX_SUCCESS);
    assert_int_equal(ip.nx_ip_id, 0);
    assert_int_equal(nx_ip_delete(&ip), NX_PTR_ERROR);
    assert_int_equal(nx_ip_delete(NX_NULL), NX_PTR_ERROR);
    assert_int_equal(nx_tcp_enable(&ip), NX_PTR_ERROR);

    req.nx_ip_driver_command = 1;
    req.nx_ip_driver_status = 0xFFFF;
    req.nx_ip_driver_ptr = &ip;
    nx_host_network_driver(&req);
    assert_int_equal(req.nx_ip_driver_status, NX_SUCCESS);
}

static int ip_setup(void **state)
{
    pool_setup(state);
    memset(&ip, 0, sizeof ip);
    memset(&sock, 0, sizeof sock);
    assert_int_equal(nx_ip_create(&ip, ip_name, IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                                  nx_host_network_driver, stack, sizeof stack, 1),
                     NX_SUCCESS);
    assert_int_equal(nx_tcp_enable(&ip), NX_SUCCESS);
    return 0;
}

static int ip_teardown(void **state)
{
    assert_int_equal(nx_ip_delete(&ip), NX_SUCCESS);
    return pool_teardown(state);
}

static void test_socket_create(void **state)
{
    NX_TCP_SOCKET s;
    NX_IP never;

    (void)state;
    memset(&s, 0, sizeof s);
    memset(&never, 0, sizeof never);
    assert_int_equal(nx_tcp_socket_create(NX_NULL, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, NX_NULL, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_create(&never, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 0, NX_NULL, NX_NULL),
                     NX_OPTION_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 0x10000, NX_NULL, NX_NULL),
                     NX_OPTION_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, 1, NX_IP_TIME_TO_LIVE,
                                          8192, NX_NULL, NX_NULL),
                     NX_OPTION_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY, 256,
                                          8192, NX_NULL, NX_NULL),
                     NX_OPTION_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, 1, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_OPTION_ERROR);
    assert_int_equal(s.nx_tcp_socket_id, 0);

    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_DONT_FRAGMENT,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, count_disconnect),
                     NX_SUCCESS);
    assert_int_equal(s.nx_tcp_socket_id, NX_TCP_ID);
    assert_ptr_equal(s.nx_tcp_socket_name, sock_name);
    assert_ptr_equal(s.nx_tcp_socket_ip_ptr, &ip);
    assert_int_equal(s.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(s.nx_tcp_socket_port, 0);
    assert_int_equal(s.nx_tcp_socket_rx_window_default, 8192);
    assert_true(s.nx_tcp_disconnect_callback == count_disconnect);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_delete(&s), NX_SUCCESS);
    assert_int_equal(nx_tcp_socket_delete(&s), NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_delete(NX_NULL), NX_PTR_ERROR);
}

static void test_socket_bind_states(void **state)
{
    NXD_ADDRESS server;
    NX_TCP_SOCKET s;

    (void)state;
    memset(&s, 0, sizeof s);
    memset(&server, 0, sizeof server);
    server.nxd_ip_version = NX_IP_VERSION_V4;
    server.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    assert_int_equal(nx_tcp_client_socket_bind(&s, NX_ANY_PORT, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_create(&ip, &s, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL),
                     NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_unbind(&s), NX_NOT_BOUND);
    assert_int_equal(nxd_tcp_client_socket_connect(&s, &server, 25, NX_NO_WAIT), NX_NOT_BOUND);
    assert_int_equal(nx_tcp_socket_disconnect(&s, NX_NO_WAIT), NX_NOT_CONNECTED);
    assert_int_equal(nx_tcp_client_socket_bind(&s, 0x10000, NX_NO_WAIT), NX_INVALID_PORT);
    assert_int_equal(nx_tcp_client_socket_bind(&s, NX_ANY_PORT, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_bind(&s, NX_ANY_PORT, NX_NO_WAIT), NX_ALREADY_BOUND);
    assert_int_equal(nx_tcp_socket_delete(&s), NX_STILL_BOUND);
    assert_int_equal(nx_tcp_client_socket_unbind(&s), NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_unbind(&s), NX_NOT_BOUND);
    assert_int_equal(nx_tcp_socket_delete(&s), NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_unbind(&s), NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_disconnect(&s, NX_NO_WAIT), NX_PTR_ERROR);
}

/* ---- TCP over loopback ---- */

/* A listening socket on the loopback address of `family`, or -1. */
static int listen_on(int family, UINT *port, int rcvbuf, int backlog)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = socket(family, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = in6addr_loopback;
        len = sizeof *sin6;
    }
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)(void *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    return fd;
}

static int wait_readable(int fd)
{
    struct pollfd pfd;

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    return poll(&pfd, 1, PEER_MS) == 1;
}

static int accept_peer(int lfd)
{
    int fd;

    assert_true(wait_readable(lfd));
    fd = accept(lfd, NULL, NULL);
    assert_true(fd >= 0);
    return fd;
}

static void peer_read_exact(UCHAR *buf, size_t n)
{
    while (n > 0) {
        ssize_t got;

        assert_true(wait_readable(peer));
        got = recv(peer, buf, n, 0);
        assert_true(got > 0);
        buf += got;
        n -= (size_t)got;
    }
}

static void peer_write(const void *buf, size_t n)
{
    assert_int_equal(send(peer, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

static UINT peer_port(void)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    assert_int_equal(getpeername(peer, (struct sockaddr *)&ss, &len), 0);
    return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)(void *)&ss)->sin_port
                                         : ((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
}

static NXD_ADDRESS loopback(ULONG version)
{
    NXD_ADDRESS a;

    memset(&a, 0, sizeof a);
    a.nxd_ip_version = version;
    if (version == NX_IP_VERSION_V4)
        a.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    else
        a.nxd_ip_address.v6[3] = 1;
    return a;
}

static int tcp_setup(void **state)
{
    ip_setup(state);
    disconnects = 0;
    listener = peer = -1;
    assert_int_equal(nx_tcp_socket_create(&ip, &sock, sock_name, NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                          NX_IP_TIME_TO_LIVE, 8192, NX_NULL, count_disconnect),
                     NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_bind(&sock, NX_ANY_PORT, NX_WAIT_FOREVER), NX_SUCCESS);
    return 0;
}

static int tcp_teardown(void **state)
{
    if (sock.nx_tcp_socket_state != NX_TCP_CLOSED)
        nx_tcp_socket_disconnect(&sock, NX_NO_WAIT);
    assert_int_equal(sock.nx_tcp_socket_host_fd, -1);
    assert_int_equal(nx_tcp_client_socket_unbind(&sock), NX_SUCCESS);
    assert_int_equal(nx_tcp_socket_delete(&sock), NX_SUCCESS);
    if (peer >= 0)
        close(peer);
    if (listener >= 0)
        close(listener);
    return ip_teardown(state);
}

/* Connects `sock` to a new loopback listener and accepts the peer. */
static int connect_peer(int family, int rcvbuf)
{
    NXD_ADDRESS server;
    UINT port = 0;

    listener = listen_on(family, &port, rcvbuf, 4);
    if (listener < 0)
        return 0;
    server = loopback(family == AF_INET ? NX_IP_VERSION_V4 : NX_IP_VERSION_V6);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, port, 2 * SECOND), NX_SUCCESS);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_ESTABLISHED);
    assert_int_equal(sock.nx_tcp_socket_connect_port, port);
    assert_memory_equal(&sock.nx_tcp_socket_connect_ip, &server, sizeof server);
    peer = accept_peer(listener);
    assert_int_equal(sock.nx_tcp_socket_port, peer_port());
    return 1;
}

/* A packet with `room` bytes of header room holding `n` bytes of data. */
static NX_PACKET *packet_with(ULONG room, const UCHAR *data, ULONG n)
{
    NX_PACKET *pk;

    assert_int_equal(nx_packet_allocate(&pool, &pk, room, NX_NO_WAIT), NX_SUCCESS);
    if (n > 0)
        assert_int_equal(nx_packet_data_append(pk, (VOID *)data, n, &pool, NX_NO_WAIT), NX_SUCCESS);
    return pk;
}

static void *drain_then_close(void *arg)
{
    int fd = *(int *)arg;
    char buf[256];

    while (wait_readable(fd) && recv(fd, buf, sizeof buf, 0) > 0)
        ;
    close(fd);
    return NULL;
}

/* Sends a chain, receives, times out a receive, disconnects cleanly. */
static void exchange(ULONG room, UCHAR version)
{
    static const char greeting[] = "220 host ESMTP ready\r\n";
    UCHAR data[150], got[sizeof data];
    NX_PACKET *pk, *rx;
    pthread_t t;

    fill(data, sizeof data, 1);
    pk = packet_with(room, data, sizeof data);
    assert_true(chain_count(pk) > 1);
    assert_int_equal(nx_tcp_socket_send(&sock, pk, 2 * SECOND), NX_SUCCESS);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);
    peer_read_exact(got, sizeof got);
    assert_memory_equal(got, data, sizeof data);

    peer_write(greeting, sizeof greeting - 1);
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 2 * SECOND), NX_SUCCESS);
    assert_int_equal(rx->nx_packet_length, sizeof greeting - 1);
    assert_ptr_equal(rx->nx_packet_prepend_ptr, rx->nx_packet_data_start);
    assert_memory_equal(rx->nx_packet_prepend_ptr, greeting, sizeof greeting - 1);
    assert_int_equal(rx->nx_packet_ip_version, version);
    assert_ptr_equal(rx->nx_packet_pool_owner, &pool);
    assert_int_equal(nx_packet_release(rx), NX_SUCCESS);

    rx = pk;
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 5), NX_NO_PACKET);
    assert_null(rx);
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, NX_NO_WAIT), NX_NO_PACKET);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);

    assert_int_equal(nx_tcp_client_socket_unbind(&sock), NX_NOT_CLOSED);
    assert_int_equal(nx_tcp_socket_delete(&sock), NX_STILL_BOUND);

    /* The peer answers our FIN with its own. */
    assert_int_equal(pthread_create(&t, NULL, drain_then_close, &peer), 0);
    assert_int_equal(nx_tcp_socket_disconnect(&sock, 2 * SECOND), NX_SUCCESS);
    assert_int_equal(pthread_join(t, NULL), 0);
    peer = -1;
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(sock.nx_tcp_socket_port, NX_ANY_PORT);
    assert_int_equal(nx_tcp_socket_disconnect(&sock, 2 * SECOND), NX_NOT_CONNECTED);
    assert_int_equal(disconnects, 0);
}

static void test_tcp_v4(void **state)
{
    NXD_ADDRESS server = loopback(NX_IP_VERSION_V4);

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, 25, NX_NO_WAIT), NX_NOT_CLOSED);
    exchange(NX_IPv4_TCP_PACKET, NX_IP_VERSION_V4);
}

static void test_tcp_v6(void **state)
{
    UCHAR data[4] = {1, 2, 3, 4};
    NX_PACKET *pk;

    (void)state;
    if (!connect_peer(AF_INET6, 0))
        skip();
    /* IPv6 needs more header room than IPv4. */
    pk = packet_with(NX_IPv4_TCP_PACKET, data, sizeof data);
    assert_int_equal(nx_tcp_socket_send(&sock, pk, NX_NO_WAIT), NX_UNDERFLOW);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);
    exchange(NX_IPv6_TCP_PACKET, NX_IP_VERSION_V6);
}

static void test_send_errors(void **state)
{
    UCHAR data[4] = {'Q', 'U', 'I', 'T'};
    NX_PACKET *pk, *freed;

    (void)state;
    pk = packet_with(NX_IPv4_TCP_PACKET, data, sizeof data);
    assert_int_equal(nx_tcp_socket_send(&sock, pk, NX_NO_WAIT), NX_NOT_CONNECTED);
    assert_true(connect_peer(AF_INET, 0));
    assert_int_equal(nx_tcp_socket_send(NX_NULL, pk, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_tcp_socket_send(&sock, NX_NULL, NX_NO_WAIT), NX_INVALID_PACKET);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);

    /* NetX needs room in front for its headers. */
    pk = packet_with(NX_IPv4_TCP_PACKET - 4, data, sizeof data);
    assert_int_equal(nx_tcp_socket_send(&sock, pk, NX_NO_WAIT), NX_UNDERFLOW);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS - 1);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);

    pk = packet_with(NX_IPv4_TCP_PACKET, data, 0);
    assert_int_equal(nx_tcp_socket_send(&sock, pk, NX_NO_WAIT), NX_INVALID_PACKET);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);

    freed = packet_with(NX_IPv4_TCP_PACKET, data, sizeof data);
    assert_int_equal(nx_packet_release(freed), NX_SUCCESS);
    assert_int_equal(nx_tcp_socket_send(&sock, freed, NX_NO_WAIT), NX_INVALID_PACKET);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);

    /* Nothing reached the peer. */
    {
        struct pollfd pfd;

        pfd.fd = peer;
        pfd.events = POLLIN;
        pfd.revents = 0;
        assert_int_equal(poll(&pfd, 1, 50), 0);
    }
}

static void test_receive_chunks(void **state)
{
    UCHAR data[300], got[sizeof data];
    ULONG have = 0;

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    fill(data, sizeof data, 5);
    peer_write(data, sizeof data);
    while (have < sizeof data) {
        NX_PACKET *rx;
        ULONG n = 0;

        assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 2 * SECOND), NX_SUCCESS);
        assert_true(rx->nx_packet_length > 0 && rx->nx_packet_length <= PAYLOAD);
        assert_true(have + rx->nx_packet_length <= sizeof data);
        assert_int_equal(nx_packet_data_retrieve(rx, got + have, &n), NX_SUCCESS);
        assert_int_equal(n, rx->nx_packet_length);
        have += n;
        assert_int_equal(nx_packet_release(rx), NX_SUCCESS);
    }
    assert_memory_equal(got, data, sizeof data);
}

static void test_receive_pool_empty(void **state)
{
    static const char line[] = "250 OK\r\n";
    NX_PACKET *held[PACKETS], *rx;
    int i;

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    for (i = 0; i < PACKETS; i++)
        assert_int_equal(nx_packet_allocate(&pool, &held[i], 0, NX_NO_WAIT), NX_SUCCESS);
    peer_write(line, sizeof line - 1);
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 5), NX_NO_PACKET);
    assert_null(rx);
    for (i = 0; i < PACKETS; i++)
        assert_int_equal(nx_packet_release(held[i]), NX_SUCCESS);
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 2 * SECOND), NX_SUCCESS);
    assert_int_equal(rx->nx_packet_length, sizeof line - 1);
    assert_memory_equal(rx->nx_packet_prepend_ptr, line, sizeof line - 1);
    assert_int_equal(nx_packet_release(rx), NX_SUCCESS);
}

static void test_peer_closes(void **state)
{
    NX_PACKET *rx;

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    close(peer);
    peer = -1;
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 2 * SECOND), NX_NOT_CONNECTED);
    assert_null(rx);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSE_WAIT);
    assert_int_equal(disconnects, 1);
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 2 * SECOND), NX_NOT_CONNECTED);
    assert_int_equal(nx_tcp_client_socket_unbind(&sock), NX_NOT_CLOSED);
    assert_int_equal(nx_tcp_socket_disconnect(&sock, 2 * SECOND), NX_SUCCESS);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(disconnects, 1);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);
}

/* Makes the peer reset the connection when closed. */
static void peer_reset(void)
{
    struct linger lg;

    lg.l_onoff = 1;
    lg.l_linger = 0;
    assert_int_equal(setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    close(peer);
    peer = -1;
}

static void test_peer_resets_send(void **state)
{
    UCHAR data[8] = "RSET\r\n";
    NX_PACKET *pk;

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    peer_reset();
    tx_thread_sleep(2);
    pk = packet_with(NX_IPv4_TCP_PACKET, data, 6);
    assert_int_equal(nx_tcp_socket_send(&sock, pk, 2 * SECOND), NX_NOT_CONNECTED);
    /* Still the caller's. */
    assert_int_equal(pool.nx_packet_pool_available, PACKETS - 1);
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(disconnects, 1);
    assert_int_equal(nx_tcp_socket_disconnect(&sock, NX_NO_WAIT), NX_NOT_CONNECTED);
}

static void test_peer_resets_receive(void **state)
{
    NX_PACKET *rx;

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    peer_reset();
    assert_int_equal(nx_tcp_socket_receive(&sock, &rx, 2 * SECOND), NX_NOT_CONNECTED);
    assert_null(rx);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(disconnects, 1);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS);
}

static void test_connect_refused(void **state)
{
    NXD_ADDRESS server = loopback(NX_IP_VERSION_V4);
    UINT port = 0;
    int fd;

    (void)state;
    /* A port nothing listens on: take one, then let it go. */
    fd = listen_on(AF_INET, &port, 0, 4);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, port, 2 * SECOND),
                     NX_NOT_CONNECTED);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(sock.nx_tcp_socket_host_fd, -1);
}

/* Linux drops SYNs to a listener whose accept queue is full: with a
 * backlog of 0 and one connection queued, the next connect stays pending. */
static void test_connect_times_out(void **state)
{
    NXD_ADDRESS server = loopback(NX_IP_VERSION_V4);
    struct sockaddr_in sin;
    struct pollfd pfd;
    UINT port = 0;
    int filler;

    (void)state;
    listener = listen_on(AF_INET, &port, 0, 0);
    assert_true(listener >= 0);
    filler = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(filler >= 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons((uint16_t)port);
    assert_int_equal(connect(filler, (struct sockaddr *)&sin, sizeof sin), 0);
    pfd.fd = filler;
    pfd.events = POLLOUT;
    pfd.revents = 0;
    assert_int_equal(poll(&pfd, 1, PEER_MS), 1);

    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, port, 5), NX_NOT_CONNECTED);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(sock.nx_tcp_socket_host_fd, -1);
    /* Host simplification: no background connect, back to CLOSED. */
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, port, NX_NO_WAIT),
                     NX_IN_PROGRESS);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(sock.nx_tcp_socket_host_fd, -1);
    close(filler);
}

static void test_connect_bad_arguments(void **state)
{
    NXD_ADDRESS server = loopback(NX_IP_VERSION_V4);
    NXD_ADDRESS bad;

    (void)state;
    assert_int_equal(nxd_tcp_client_socket_connect(NX_NULL, &server, 25, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, NX_NULL, 25, NX_NO_WAIT),
                     NX_IP_ADDRESS_ERROR);
    bad = server;
    bad.nxd_ip_version = 5;
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &bad, 25, NX_NO_WAIT),
                     NX_IP_ADDRESS_ERROR);
    bad.nxd_ip_version = NX_IP_VERSION_V4;
    bad.nxd_ip_address.v4 = 0;
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &bad, 25, NX_NO_WAIT),
                     NX_IP_ADDRESS_ERROR);
    bad.nxd_ip_address.v4 = IP_ADDRESS(224, 0, 0, 1);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &bad, 25, NX_NO_WAIT),
                     NX_IP_ADDRESS_ERROR);
    memset(&bad, 0, sizeof bad);
    bad.nxd_ip_version = NX_IP_VERSION_V6;
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &bad, 25, NX_NO_WAIT),
                     NX_IP_ADDRESS_ERROR);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, 0, NX_NO_WAIT), NX_INVALID_PORT);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, 0x10000, NX_NO_WAIT),
                     NX_INVALID_PORT);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
}

static void test_bind_port(void **state)
{
    NXD_ADDRESS server = loopback(NX_IP_VERSION_V4);
    UINT port = 0, free_port = 0;
    int fd;

    (void)state;
    listener = listen_on(AF_INET, &port, 0, 4);
    assert_true(listener >= 0);

    /* The listener holds its port: binding it fails at connect. */
    assert_int_equal(nx_tcp_client_socket_unbind(&sock), NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_bind(&sock, port, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(sock.nx_tcp_socket_port, port);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, port, 2 * SECOND),
                     NX_PORT_UNAVAILABLE);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);

    /* A free port is used as the local port. */
    fd = listen_on(AF_INET, &free_port, 0, 4);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(nx_tcp_client_socket_unbind(&sock), NX_SUCCESS);
    assert_int_equal(nx_tcp_client_socket_bind(&sock, free_port, NX_NO_WAIT), NX_SUCCESS);
    assert_int_equal(nxd_tcp_client_socket_connect(&sock, &server, port, 2 * SECOND), NX_SUCCESS);
    peer = accept_peer(listener);
    assert_int_equal(peer_port(), free_port);
    assert_int_equal(sock.nx_tcp_socket_port, free_port);
}

static void test_disconnect_times_out(void **state)
{
    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    /* The peer never sends its FIN. */
    assert_int_equal(nx_tcp_socket_disconnect(&sock, 5), NX_DISCONNECT_FAILED);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_int_equal(sock.nx_tcp_socket_host_fd, -1);
}

static void test_disconnect_no_wait_resets(void **state)
{
    char c;

    (void)state;
    assert_true(connect_peer(AF_INET, 0));
    assert_int_equal(nx_tcp_socket_disconnect(&sock, NX_NO_WAIT), NX_IN_PROGRESS);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_CLOSED);
    assert_true(wait_readable(peer));
    assert_int_equal(recv(peer, &c, 1, 0), -1);
    assert_int_equal(errno, ECONNRESET);
}

/* A peer that does not read: sends with no wait end in
 * NX_WINDOW_OVERFLOW, and the packet stays the caller's. */
static void test_send_window_full(void **state)
{
    UCHAR data[4 * PAYLOAD];
    UINT status = NX_SUCCESS;
    NX_PACKET *pk = NX_NULL;
    long i;

    (void)state;
    assert_true(connect_peer(AF_INET, 4096));
    fill(data, sizeof data, 7);
    for (i = 0; i < 200000 && status == NX_SUCCESS; i++) {
        pk = packet_with(NX_IPv4_TCP_PACKET, data, sizeof data);
        status = nx_tcp_socket_send(&sock, pk, NX_NO_WAIT);
    }
    assert_int_equal(status, NX_WINDOW_OVERFLOW);
    assert_int_equal(pool.nx_packet_pool_available, PACKETS - chain_count(pk));
    assert_int_equal(nx_packet_release(pk), NX_SUCCESS);
    assert_int_equal(sock.nx_tcp_socket_state, NX_TCP_ESTABLISHED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_create_errors),
        cmocka_unit_test(test_pool_sizing),
        cmocka_unit_test_setup_teardown(test_allocate, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_allocate_until_empty, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_release_wakes_waiter, pool_setup, pool_teardown),
        cmocka_unit_test(test_delete_wakes_waiter),
        cmocka_unit_test_setup_teardown(test_double_release, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_data_append_chain, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_data_append_all_or_nothing, pool_setup, pool_teardown),
        cmocka_unit_test(test_time),
        cmocka_unit_test_setup_teardown(test_ip_create_delete, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_socket_create, ip_setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_socket_bind_states, ip_setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_v4, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_v6, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_send_errors, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_receive_chunks, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_receive_pool_empty, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_peer_closes, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_peer_resets_send, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_peer_resets_receive, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_connect_refused, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_connect_times_out, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_connect_bad_arguments, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_bind_port, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_disconnect_times_out, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_disconnect_no_wait_resets, tcp_setup, tcp_teardown),
        cmocka_unit_test_setup_teardown(test_send_window_full, tcp_setup, tcp_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
