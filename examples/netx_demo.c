/*
 * netx_demo — the NetX Duo SMTP Client user guide's getting-started flow,
 * unchanged NetX code, running on a PC over compat/netxduo/host:
 *
 *   a packet pool, an IP instance, TCP enabled, an SMTP client created,
 *   one mail sent, the client deleted.
 *
 *   netx_demo SERVER-IP PORT FROM RCPT
 *
 * SERVER-IP is an IPv4 or IPv6 literal. With SMTPC_USER and SMTPC_PASSWORD
 * in the environment it authenticates, with SMTPC_AUTH=plain (default) or
 * login. Prints the status of each call; exits 0 once the mail is sent.
 *
 * On a device the same code runs from tx_application_define or a thread,
 * with the board's network driver instead of nx_host_network_driver.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx_api.h"
#include "nxd_smtp_client.h"

#define PACKET_PAYLOAD 1536
#define PACKET_COUNT 16

static ULONG pool_memory[PACKET_COUNT * (PACKET_PAYLOAD + 128) / sizeof(ULONG)];
static ULONG ip_stack[2048 / sizeof(ULONG)];
static NX_PACKET_POOL pool;
static NX_IP ip;
static NX_SMTP_CLIENT client; /* about 12 KiB: static, not on a thread's stack */

static CHAR pool_name[] = "SMTP packet pool", ip_name[] = "SMTP IP instance";
static CHAR domain[] = "netx-demo.example";
static CHAR subject[] = "Hello from NetX Duo";
static CHAR body[] = "This message was sent by examples/netx_demo.c\r\n"
                     "through the NetX Duo SMTP Client API.\r\n"
                     ".\r\n"
                     "(The line above is a lone dot: it arrives intact.)\r\n";

static int server_address(const char *text, NXD_ADDRESS *a)
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

int main(int argc, char **argv)
{
    CHAR *user = getenv("SMTPC_USER"), *password = getenv("SMTPC_PASSWORD");
    const char *mech = getenv("SMTPC_AUTH");
    UINT auth = NX_SMTP_CLIENT_AUTH_NONE, status;
    NXD_ADDRESS server;

    if (argc != 5 || server_address(argv[1], &server) != 0) {
        fprintf(stderr, "usage: netx_demo SERVER-IP PORT FROM RCPT\n");
        return 2;
    }
    if (user != NULL && password != NULL)
        auth = mech != NULL && strcmp(mech, "login") == 0 ? NX_SMTP_CLIENT_AUTH_LOGIN
                                                          : NX_SMTP_CLIENT_AUTH_PLAIN;

    status =
        nx_packet_pool_create(&pool, pool_name, PACKET_PAYLOAD, pool_memory, sizeof pool_memory);
    printf("nx_packet_pool_create: 0x%02x\n", status);
    if (status == NX_SUCCESS) {
        status = nx_ip_create(&ip, ip_name, IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                              nx_host_network_driver, ip_stack, sizeof ip_stack, 1);
        printf("nx_ip_create: 0x%02x\n", status);
    }
    if (status == NX_SUCCESS) {
        status = nx_tcp_enable(&ip);
        printf("nx_tcp_enable: 0x%02x\n", status);
    }
    if (status == NX_SUCCESS) {
        status = nxd_smtp_client_create(&client, &ip, &pool, user, password, argv[3], domain, auth,
                                        &server, (UINT)atoi(argv[2]));
        printf("nxd_smtp_client_create: 0x%02x\n", status);
    }
    if (status == NX_SUCCESS) {
        UINT sent = nx_smtp_mail_send(&client, argv[4], NX_SMTP_MAIL_PRIORITY_NORMAL, subject, body,
                                      (UINT)strlen(body));

        printf("nx_smtp_mail_send: 0x%02x (server reply %u)\n", sent,
               client.nx_smtp_client_reply_code_status);
        status = nx_smtp_client_delete(&client);
        printf("nx_smtp_client_delete: 0x%02x\n", status);
        if (status == NX_SUCCESS)
            status = sent;
    }
    nx_ip_delete(&ip);
    nx_packet_pool_delete(&pool);
    return status == NX_SUCCESS ? 0 : 1;
}
