/*
 * nx_tls_send — the device path for TLS, run on the host: smtpc's client
 * over a NetX Duo TCP socket (host NetX layer) with the mbedTLS layer on
 * top, STARTTLS or implicit TLS, the certificate verified against CAs held
 * in memory (as firmware without a file system has them). For
 * tests/netxduo/test_netxduo.py.
 *
 *   nx_tls_send SERVER-IP PORT starttls|implicit CAFILE RCPT
 *
 * Prints "send: <smtpc error> <tls detail>" and the pool line, like nx_send.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx_address.h"
#include "nx_api.h"
#include "nx_host_driver.h"
#include "smtpc/client.h"
#include "smtpc/mbedtls.h"
#include "smtpc/netxduo.h"

#define PAYLOAD 1536
#define PACKETS 16

static ULONG pool_memory[PACKETS * (PAYLOAD + 128) / sizeof(ULONG)];
static ULONG ip_stack[256];
static NX_PACKET_POOL pool;
static NX_IP ip;
static NX_TCP_SOCKET sock;
static struct smtpc_netxduo link;
static struct smtpc_mbedtls tls;
static struct smtpc_client client;

static const char body[] =
    "Subject: NetX and mbedTLS\r\n\r\nSent over NetX Duo TCP with mbedTLS.\r\n"
    ".\r\nend\r\n";

int main(int argc, char **argv)
{
    struct smtpc_client_options o;
    struct smtpc_tls_options to;
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    NXD_ADDRESS server;
    UINT st;
    int rc;

    if (argc != 6) {
        fprintf(stderr, "usage: nx_tls_send SERVER-IP PORT starttls|implicit CAFILE RCPT\n");
        return 2;
    }
    if (nx_address_parse(argv[1], &server) != 0)
        return 2;
    st = nx_packet_pool_create(&pool, "pool", PAYLOAD, pool_memory, sizeof pool_memory);
    if (st == NX_SUCCESS)
        st = nx_ip_create(&ip, "ip", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                          nx_host_network_driver, ip_stack, sizeof ip_stack, 1);
    if (st == NX_SUCCESS)
        st = nx_tcp_enable(&ip);
    if (st == NX_SUCCESS)
        st = nx_tcp_socket_create(&ip, &sock, "smtp", NX_IP_NORMAL, NX_FRAGMENT_OKAY,
                                  NX_IP_TIME_TO_LIVE, 8192, NX_NULL, NX_NULL);
    if (st == NX_SUCCESS)
        st = nx_tcp_client_socket_bind(&sock, NX_ANY_PORT, NX_WAIT_FOREVER);
    if (st == NX_SUCCESS)
        st = nxd_tcp_client_socket_connect(&sock, &server, (UINT)atoi(argv[2]),
                                           5 * NX_IP_PERIODIC_RATE);
    if (st != NX_SUCCESS) {
        printf("netx: 0x%02x\n", st);
        return 1;
    }

    smtpc_netxduo_init(&link, &sock, &pool,
                       server.nxd_ip_version == NX_IP_VERSION_V6 ? NX_IPv6_TCP_PACKET
                                                                 : NX_IPv4_TCP_PACKET,
                       NX_IP_PERIODIC_RATE, NX_IP_PERIODIC_RATE);
    memset(&to, 0, sizeof to);
    {
        static char pem[1 << 14];
        FILE *f = fopen(argv[4], "rb");
        size_t n = f != NULL ? fread(pem, 1, sizeof pem - 1, f) : 0;

        if (f != NULL)
            fclose(f);
        pem[n] = '\0';
        to.ca_pem = pem;
    }
    if (smtpc_mbedtls_init(&tls, &to) != 0) {
        printf("tls setup: %s\n", smtpc_mbedtls_detail(&tls));
        return 1;
    }
    smtpc_client_options_default(&o);
    o.transport = &link.base;
    o.host = "localhost"; /* the name the certificate must carry */
    o.tls = &tls.base;
    o.session.tls = strcmp(argv[3], "implicit") == 0 ? SMTPC_TLS_IMPLICIT : SMTPC_TLS_STARTTLS;
    o.session.ehlo_name = "device.example";
    memset(&rcpt, 0, sizeof rcpt);
    rcpt.address = argv[5];
    memset(&txn, 0, sizeof txn);
    txn.from = "device@example.org";
    txn.rcpt = &rcpt;
    txn.rcpt_count = 1;
    rc = smtpc_client_init(&client, &o);
    if (rc == 0)
        rc = smtpc_client_send_mail(&client, &txn, body, sizeof body - 1);
    printf("send: %d %s at %s; %s\n", rc, smtpc_strerror(rc), smtpc_client_step(&client),
           smtpc_client_tls_detail(&client));
    smtpc_mbedtls_free(&tls);
    nx_tcp_client_socket_unbind(&sock);
    nx_tcp_socket_delete(&sock);
    printf("pool total %lu available %lu invalid_releases %lu\n", pool.nx_packet_pool_total,
           pool.nx_packet_pool_available, pool.nx_packet_pool_invalid_releases);
    printf("ip delete 0x%02x\n", nx_ip_delete(&ip));
    printf("pool delete 0x%02x\n", nx_packet_pool_delete(&pool));
    return rc == 0 ? 0 : 1;
}
