/*
 * Host stand-in for NetX Duo's nx_tcp.h: what the SMTP client takes from it,
 * the ID a created control block of a TCP socket holds. NetX keeps it out
 * of nx_api.h, and so does the stand-in.
 */
#ifndef SMTPC_COMPAT_NX_TCP_H
#define SMTPC_COMPAT_NX_TCP_H

#include "nx_api.h"

#define NX_TCP_ID ((ULONG)0x54435020)

#endif
