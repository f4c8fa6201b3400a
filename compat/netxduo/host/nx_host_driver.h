/*
 * The host's network driver, to pass to nx_ip_create on a PC: where a
 * board's firmware passes its Ethernet or Wi-Fi driver. A no-op: the host
 * layer's TCP runs over POSIX sockets. Not part of NetX Duo's nx_api.h,
 * so it has a header of its own.
 */
#ifndef SMTPC_COMPAT_NX_HOST_DRIVER_H
#define SMTPC_COMPAT_NX_HOST_DRIVER_H

#include "nx_api.h"

#ifdef __cplusplus
extern "C" {
#endif

VOID nx_host_network_driver(NX_IP_DRIVER *driver_req_ptr);

#ifdef __cplusplus
}
#endif
#endif
