/*
 * Host time: the ThreadX tick (tx_time_get, tx_thread_sleep) and the
 * conversion of NetX wait options (ticks) into CLOCK_MONOTONIC deadlines.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <time.h>

#include "nx_host_internal.h"

long long nx_host_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ULONG tx_time_get(VOID)
{
    ULONG64 ms = (ULONG64)nx_host_now_ms();

    /* ThreadX's tick counter is 32 bits wide and wraps. */
    return (ULONG)((ms * TX_TIMER_TICKS_PER_SECOND / 1000) & 0xFFFFFFFFULL);
}

/* Rounded up, so a wait of one tick is never a wait of nothing. */
static long long ticks_to_ms(ULONG ticks)
{
    return ((long long)ticks * 1000 + NX_IP_PERIODIC_RATE - 1) / NX_IP_PERIODIC_RATE;
}

UINT tx_thread_sleep(ULONG timer_ticks)
{
    long long ms = ticks_to_ms(timer_ticks);
    struct timespec ts;

    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    /* nanosleep leaves the remainder in ts when a signal cuts it short. */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

long long nx_host_deadline(ULONG wait_option)
{
    if (wait_option == NX_WAIT_FOREVER)
        return -1;
    return nx_host_now_ms() + ticks_to_ms(wait_option);
}

int nx_host_poll_ms(long long deadline)
{
    long long left;

    if (deadline < 0)
        return -1;
    left = deadline - nx_host_now_ms();
    if (left <= 0)
        return 0;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

ULONG nx_host_wait_left(long long deadline)
{
    long long left;

    if (deadline < 0)
        return NX_WAIT_FOREVER;
    left = deadline - nx_host_now_ms();
    if (left <= 0)
        return NX_NO_WAIT;
    return (ULONG)((left * NX_IP_PERIODIC_RATE + 999) / 1000);
}

void nx_host_timespec(long long deadline, struct timespec *ts)
{
    ts->tv_sec = (time_t)(deadline / 1000);
    ts->tv_nsec = (long)(deadline % 1000) * 1000000L;
}
