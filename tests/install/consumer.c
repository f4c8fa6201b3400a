/* A program built against an installed smtpc, through pkg-config and
 * through find_package: it must compile, link and run. */
#include <stdio.h>
#include <string.h>

#include "smtpc/client.h"
#include "smtpc/message.h"

int main(void)
{
    static struct smtpc_client client;
    struct smtpc_client_options o;
    struct smtpc_headers h;
    char buf[1024];

    memset(&h, 0, sizeof h);
    h.from = "a@example.org";
    smtpc_client_options_default(&o);
    o.host = "localhost";
    o.session.ehlo_name = "consumer.example";
    if (smtpc_client_init(&client, &o) != 0 || smtpc_headers_build(&h, buf, sizeof buf) <= 0)
        return 1;
    printf("%s\n", smtpc_strerror(SMTPC_ERR_REFUSED_RCPT));
    return 0;
}
