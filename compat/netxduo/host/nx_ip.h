/*
 * Host stand-in for NetX Duo's nx_ip.h: what the SMTP client takes from it,
 * the ID a created control block of the IP instance holds. NetX keeps it out
 * of nx_api.h, and so does the stand-in.
 */
#ifndef SMTPC_COMPAT_NX_IP_H
#define SMTPC_COMPAT_NX_IP_H

#include "nx_api.h"

#define NX_IP_ID ((ULONG)0x49502020)

#endif
