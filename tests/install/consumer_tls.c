/* A program that sends through an installed smtpc's TLS layer, built
 * through pkg-config (smtpc_openssl, smtpc_mbedtls) and through
 * find_package (smtpc::smtpc_openssl, ...): it must compile, link and run.
 * CONSUMER_MBEDTLS picks mbedTLS, else OpenSSL. */
#include <stdio.h>

#include "smtpc/client.h"
#ifdef CONSUMER_MBEDTLS
#include "smtpc/mbedtls.h"
#define TLS_STRUCT smtpc_mbedtls
#define TLS_INIT smtpc_mbedtls_init
#define TLS_FREE smtpc_mbedtls_free
#else
#include "smtpc/openssl.h"
#define TLS_STRUCT smtpc_openssl
#define TLS_INIT smtpc_openssl_init
#define TLS_FREE smtpc_openssl_free
#endif

int main(void)
{
    static struct smtpc_client client;
    static struct TLS_STRUCT tls;
    struct smtpc_tls_options to = {0};
    struct smtpc_client_options o;

    smtpc_client_options_default(&o);
    o.host = "localhost";
    o.session.ehlo_name = "consumer.example";
    o.session.tls = SMTPC_TLS_STARTTLS;
    if (TLS_INIT(&tls, &to) != 0)
        return 1;
    o.tls = &tls.base;
    if (smtpc_client_init(&client, &o) != 0)
        return 1;
    TLS_FREE(&tls);
    printf("%s\n", smtpc_strerror(SMTPC_ERR_REFUSED_RCPT));
    return 0;
}
