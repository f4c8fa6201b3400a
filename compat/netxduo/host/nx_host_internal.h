/*
 * Private helpers shared by the host NetX Duo files: wait options turned
 * into deadlines on CLOCK_MONOTONIC, and the lock that guards the IP and
 * socket bookkeeping. Not part of the API.
 */
#ifndef SMTPC_COMPAT_NX_HOST_INTERNAL_H
#define SMTPC_COMPAT_NX_HOST_INTERNAL_H

#include <time.h>

#include "nx_api.h"
#include "nx_ip.h"
#include "nx_packet.h"
#include "nx_tcp.h"
#include "nx_host_driver.h"

/* nx_packet_host_state values (NetX Duo's own markers). */
#define NX_HOST_PACKET_ALLOCATED ((ULONG)0xAAAAAAAA)
#define NX_HOST_PACKET_FREE ((ULONG)0xFFFFFFFF)

/* Milliseconds on CLOCK_MONOTONIC. */
long long nx_host_now_ms(void);

/* The deadline (monotonic ms) of a wait option; -1 for NX_WAIT_FOREVER.
 * NX_NO_WAIT gives "now", i.e. already expired. */
long long nx_host_deadline(ULONG wait_option);

/* Milliseconds left before `deadline`, for poll(): -1 forever, 0 expired. */
int nx_host_poll_ms(long long deadline);

/* What is left of `deadline` as a wait option (ticks, rounded up). */
ULONG nx_host_wait_left(long long deadline);

/* `deadline` as an absolute CLOCK_MONOTONIC time. */
void nx_host_timespec(long long deadline, struct timespec *ts);

/* Guards IP/socket creation, deletion and binding. */
void nx_host_lock(void);
void nx_host_unlock(void);

#endif /* SMTPC_COMPAT_NX_HOST_INTERNAL_H */
