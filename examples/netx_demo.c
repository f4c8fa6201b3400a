/*
 * netx_demo — the NetX Duo SMTP Client user guide's getting-started flow,
 * unchanged NetX code:
 *
 *   a packet pool, an IP instance, TCP enabled, an SMTP client created,
 *   one mail sent, the client deleted.
 *
 * netx_demo_send() is that flow and builds for any NetX Duo target (the
 * test suite compiles it for a Cortex-M4 against NetX Duo's own headers).
 * On a device, call it from a thread with the board's network driver.
 * On a PC, over compat/netxduo/host, main() below runs it (built with
 * NETX_DEMO_MAIN defined):
 *
 *   netx_demo SERVER-IP PORT FROM RCPT
 *
 * SERVER-IP is an IPv4 or IPv6 literal. With SMTPC_USER and SMTPC_PASSWORD
 * in the environment it authenticates, with SMTPC_AUTH=plain (default) or
 * login. Prints the status of each call; exits 0 once the mail is sent.
 */
#ifdef NETX_DEMO_MAIN /* set by the host build (examples/CMakeLists.txt) */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#define SAY(name, status) printf("%s: 0x%02x\n", name, (unsigned)(status))
#else
#define SAY(name, status) ((void)(status))
#endif
#include <string.h>

#include "nx_api.h"
#include "nxd_smtp_client.h"
#ifdef NETX_DEMO_MAIN
#include "nx_host_driver.h"
#endif

UINT netx_demo_send(VOID (*driver)(NX_IP_DRIVER *), NXD_ADDRESS *server, UINT port, CHAR *from,
                    CHAR *rcpt, CHAR *user, CHAR *password, UINT auth);

#define PACKET_PAYLOAD 1536
#define PACKET_COUNT 16

static ULONG pool_memory[PACKET_COUNT * (PACKET_PAYLOAD + 128) / sizeof(ULONG)];
static ULONG ip_stack[2048 / sizeof(ULONG)];
static NX_PACKET_POOL pool;
static NX_IP ip;
static NX_SMTP_CLIENT client; /* 1.5 KiB on a device, 12 KiB on the host: static */

static CHAR pool_name[] = "SMTP packet pool", ip_name[] = "SMTP IP instance";
static CHAR domain[] = "netx-demo.example";
static CHAR subject[] = "Hello from NetX Duo";
static CHAR body[] = "This message was sent by examples/netx_demo.c\r\n"
                     "through the NetX Duo SMTP Client API.\r\n"
                     ".\r\n"
                     "(The line above is a lone dot: it arrives intact.)\r\n";

/* The guide's flow. Returns NX_SUCCESS once the mail is sent. */
UINT netx_demo_send(VOID (*driver)(NX_IP_DRIVER *), NXD_ADDRESS *server, UINT port, CHAR *from,
                    CHAR *rcpt, CHAR *user, CHAR *password, UINT auth)
{
    UINT status;

    status =
        nx_packet_pool_create(&pool, pool_name, PACKET_PAYLOAD, pool_memory, sizeof pool_memory);
    SAY("nx_packet_pool_create", status);
    if (status == NX_SUCCESS) {
        status = nx_ip_create(&ip, ip_name, IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool, driver,
                              ip_stack, sizeof ip_stack, 1);
        SAY("nx_ip_create", status);
    }
    if (status == NX_SUCCESS) {
        status = nx_tcp_enable(&ip);
        SAY("nx_tcp_enable", status);
    }
    if (status == NX_SUCCESS) {
        status = nxd_smtp_client_create(&client, &ip, &pool, user, password, from, domain, auth,
                                        server, port);
        SAY("nxd_smtp_client_create", status);
    }
    if (status == NX_SUCCESS) {
        UINT sent = nx_smtp_mail_send(&client, rcpt, NX_SMTP_MAIL_PRIORITY_NORMAL, subject, body,
                                      (UINT)strlen(body));

#ifdef NETX_DEMO_MAIN
        printf("nx_smtp_mail_send: 0x%02x (server reply %u)\n", sent,
               client.nx_smtp_client_reply_code_status);
#endif
        status = nx_smtp_client_delete(&client);
        SAY("nx_smtp_client_delete", status);
        if (status == NX_SUCCESS)
            status = sent;
    }
    nx_ip_delete(&ip);
    nx_packet_pool_delete(&pool);
    return status;
}

#ifdef NETX_DEMO_MAIN
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
    UINT auth = NX_SMTP_CLIENT_AUTH_NONE;
    NXD_ADDRESS server;

    if (argc != 5 || server_address(argv[1], &server) != 0) {
        fprintf(stderr, "usage: netx_demo SERVER-IP PORT FROM RCPT\n");
        return 2;
    }
    if (user != NULL && password != NULL)
        auth = mech != NULL && strcmp(mech, "login") == 0 ? NX_SMTP_CLIENT_AUTH_LOGIN
                                                          : NX_SMTP_CLIENT_AUTH_PLAIN;
    return netx_demo_send(nx_host_network_driver, &server, (UINT)atoi(argv[2]), argv[3], argv[4],
                          user, password, auth) == NX_SUCCESS
               ? 0
               : 1;
}
#endif
