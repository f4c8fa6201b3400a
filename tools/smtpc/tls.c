/* smtpc's TLS choices: the policy from --tls and the port, the backend.
 * Built without any backend, smtpc sends only where TLS is optional, in
 * clear, and refuses what would need TLS. The backend only records the
 * options here: trust store, certificate and key are read at the first
 * handshake, so that a run without TLS never pays for them, and a bad
 * --cacert or --key is reported then, at the "TLS setup" step. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpc/tls.h"
#ifdef SMTPC_HAVE_OPENSSL
#include "smtpc/openssl.h"
#endif
#ifdef SMTPC_HAVE_MBEDTLS
#include "smtpc/mbedtls.h"
#endif

const char *const cli_tls_backends[] = {
#ifdef SMTPC_HAVE_OPENSSL
    "openssl",
#endif
#ifdef SMTPC_HAVE_MBEDTLS
    "mbedtls",
#endif
    NULL,
};

#ifdef SMTPC_HAVE_OPENSSL
static struct smtpc_openssl openssl_layer;
#endif
#ifdef SMTPC_HAVE_MBEDTLS
static struct smtpc_mbedtls mbedtls_layer;
#endif
static void (*free_layer)(void);

#ifdef SMTPC_HAVE_OPENSSL
static void free_openssl(void)
{
    smtpc_openssl_free(&openssl_layer);
}
#endif
#ifdef SMTPC_HAVE_MBEDTLS
static void free_mbedtls(void)
{
    smtpc_mbedtls_free(&mbedtls_layer);
}
#endif

/* The policy --tls asks for; auto follows the port (RFC 8314: 465 is
 * implicit TLS, 587 submission must be protected, else when offered). */
static int policy_of(const struct cli_options *o, int *from_auto)
{
    *from_auto = 0;
    if (strcmp(o->tls, "none") == 0)
        return SMTPC_TLS_NONE;
    if (strcmp(o->tls, "starttls") == 0)
        return SMTPC_TLS_STARTTLS;
    if (strcmp(o->tls, "starttls-opportunistic") == 0)
        return SMTPC_TLS_OPPORTUNISTIC;
    if (strcmp(o->tls, "implicit") == 0)
        return SMTPC_TLS_IMPLICIT;
    *from_auto = 1;
    if (strcmp(o->port, "465") == 0 || strcmp(o->port, "smtps") == 0 ||
        strcmp(o->port, "submissions") == 0)
        return SMTPC_TLS_IMPLICIT;
    if (strcmp(o->port, "587") == 0 || strcmp(o->port, "submission") == 0)
        return SMTPC_TLS_STARTTLS;
    return SMTPC_TLS_OPPORTUNISTIC;
}

int cli_tls_setup(const struct cli_options *o, struct smtpc_client_options *co)
{
    struct smtpc_tls_options to;
    const char *backend = o->tls_backend != NULL ? o->tls_backend : cli_tls_backends[0];
    int from_auto, rc = SMTPC_ERR_TLS;

    co->session.tls = policy_of(o, &from_auto);
    if (co->session.tls == SMTPC_TLS_NONE)
        return 0;
    if (backend == NULL) {
        if (from_auto && co->session.tls == SMTPC_TLS_OPPORTUNISTIC) {
            co->session.tls = SMTPC_TLS_NONE; /* STARTTLS not used; AUTH stays refused in clear */
            return 0;
        }
        if (!from_auto) /* cli_parse refuses these already */
            fprintf(stderr, "smtpc: --tls %s: smtpc was built without TLS\n", o->tls);
        else if (co->session.tls == SMTPC_TLS_IMPLICIT)
            fprintf(stderr, "smtpc: port %s is implicit TLS, and smtpc was built without TLS\n",
                    o->port);
        else
            fprintf(stderr,
                    "smtpc: port %s requires STARTTLS, and smtpc was built without TLS "
                    "(--tls none sends in clear)\n",
                    o->port);
        return EXIT_USAGE;
    }
    memset(&to, 0, sizeof to);
    to.ca_file = o->cacert;
    to.ca_path = o->capath;
    to.cert_file = o->cert;
    to.key_file = o->key;
    to.no_verify = o->tls_no_verify;
    if (o->tls_no_verify)
        fprintf(stderr, "smtpc: WARNING: --tls-no-verify: the server's certificate is not "
                        "checked; anyone on the path can read and change this mail and the "
                        "password\n");
#ifdef SMTPC_HAVE_OPENSSL
    if (strcmp(backend, "openssl") == 0) {
        rc = smtpc_openssl_init(&openssl_layer, &to);
        co->tls = &openssl_layer.base;
        free_layer = free_openssl;
        if (rc != 0)
            fprintf(stderr, "smtpc: TLS setup failed: %s\n", smtpc_openssl_detail(&openssl_layer));
    }
#endif
#ifdef SMTPC_HAVE_MBEDTLS
    if (strcmp(backend, "mbedtls") == 0) {
        rc = smtpc_mbedtls_init(&mbedtls_layer, &to);
        co->tls = &mbedtls_layer.base;
        free_layer = free_mbedtls;
        if (rc != 0)
            fprintf(stderr, "smtpc: TLS setup failed: %s\n", smtpc_mbedtls_detail(&mbedtls_layer));
    }
#endif
    if (rc != 0) {
        cli_tls_free();
        co->tls = NULL;
        return EXIT_USAGE;
    }
    return 0;
}

void cli_tls_free(void)
{
    if (free_layer != NULL)
        free_layer();
    free_layer = NULL;
}
