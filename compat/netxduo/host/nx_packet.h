/*
 * Host stand-in for NetX Duo's nx_packet.h: what the SMTP client takes from it,
 * the ID a created control block of a packet pool holds. NetX keeps it out
 * of nx_api.h, and so does the stand-in.
 */
#ifndef SMTPC_COMPAT_NX_PACKET_H
#define SMTPC_COMPAT_NX_PACKET_H

#include "nx_api.h"

#define NX_PACKET_POOL_ID ((ULONG)0x5041434B)

#endif
