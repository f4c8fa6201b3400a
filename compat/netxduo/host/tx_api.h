/*
 * Minimal ThreadX API for the host build of the NetX Duo subset
 * (compat/netxduo/host). Only the basic types, the wait constants and the
 * two time services an SMTP client needs; the tick comes from
 * CLOCK_MONOTONIC and wraps at 2^32 like ThreadX's 32-bit tick counter.
 */
#ifndef SMTPC_COMPAT_TX_API_H
#define SMTPC_COMPAT_TX_API_H

#ifdef __cplusplus
extern "C" {
#endif

#define VOID void
typedef char CHAR;
typedef unsigned char UCHAR;
typedef int INT;
typedef unsigned int UINT;
typedef long LONG;
typedef unsigned long ULONG;
typedef short SHORT;
typedef unsigned short USHORT;
typedef unsigned long long ULONG64;

#define TX_NO_WAIT 0
#define TX_WAIT_FOREVER ((ULONG)0xFFFFFFFFUL)

#ifndef TX_TIMER_TICKS_PER_SECOND
#define TX_TIMER_TICKS_PER_SECOND 100
#endif

/* Ticks since an arbitrary start, modulo 2^32. */
ULONG tx_time_get(VOID);

/* Sleeps at least `timer_ticks` ticks; returns 0 (TX_SUCCESS). */
UINT tx_thread_sleep(ULONG timer_ticks);

#ifdef __cplusplus
}
#endif

#endif /* SMTPC_COMPAT_TX_API_H */
