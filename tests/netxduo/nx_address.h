/*
 * The test programs' IPv4/IPv6 text to NXD_ADDRESS (NetX has no such call;
 * examples/netx_demo.c carries its own, to stay a program on its own).
 */
#ifndef NX_ADDRESS_H
#define NX_ADDRESS_H

#include <arpa/inet.h>
#include <string.h>

#include "nx_api.h"

/* 0 with `a` set, or -1 when `text` is no IP literal. */
static int nx_address_parse(const char *text, NXD_ADDRESS *a)
{
    unsigned char b[16];
    int i;

    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, text, b) == 1) {
        a->nxd_ip_version = NX_IP_VERSION_V4;
        a->nxd_ip_address.v4 = IP_ADDRESS(b[0], b[1], b[2], b[3]);
        return 0;
    }
    if (inet_pton(AF_INET6, text, b) == 1) {
        a->nxd_ip_version = NX_IP_VERSION_V6;
        for (i = 0; i < 4; i++)
            a->nxd_ip_address.v6[i] =
                IP_ADDRESS(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]);
        return 0;
    }
    return -1;
}

#endif
