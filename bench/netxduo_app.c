/*
 * The smallest firmware that uses the NetX Duo SMTP Client API: create,
 * one mail, delete. bench/netxduo_footprint.py links it for a Cortex-M4,
 * once with smtpc's drop-in and once with NetX Duo's own client, and
 * counts what each client brings into the image.
 */
#include "nx_api.h"
#include "nxd_smtp_client.h"

int main(void);

static NX_SMTP_CLIENT client;
static NX_IP ip;
static NX_PACKET_POOL pool;
static NXD_ADDRESS server;
static CHAR user[] = "user@example.org", password[] = "secret", from[] = "dev@example.org";
static CHAR domain[] = "example.org", rcpt[] = "ops@example.org", subject[] = "status";
static CHAR body[] = "All is well.\r\n";

int main(void)
{
    UINT status;

    server.nxd_ip_version = NX_IP_VERSION_V4;
#ifndef NX_DISABLE_IPV4
    server.nxd_ip_address.v4 = IP_ADDRESS(192, 0, 2, 25);
#endif
    status = nxd_smtp_client_create(&client, &ip, &pool, user, password, from, domain,
                                    NX_SMTP_CLIENT_AUTH_PLAIN, &server, 25);
    if (status == NX_SUCCESS)
        status = nx_smtp_mail_send(&client, rcpt, NX_SMTP_MAIL_PRIORITY_NORMAL, subject, body,
                                   sizeof body - 1);
    nx_smtp_client_delete(&client);
    return (int)status;
}
