/*
 * smtpc — TLS with mbedTLS 2.28, for devices (and hosts).
 *
 *   static struct smtpc_mbedtls tls;       // caller's storage: no malloc by smtpc
 *   struct smtpc_tls_options to = {0};     // defaults: system trust store, verify
 *   to.ca_file = "/etc/my-ca.pem";         // optional; must outlive the layer
 *   smtpc_mbedtls_init(&tls, &to);         // records the options: nothing loaded yet
 *   client_options.tls = &tls.base;        // the client attaches it over its connection
 *   ...                                    // the first handshake seeds and loads
 *   smtpc_mbedtls_free(&tls);
 *
 * The layer reads and writes through the transport it is attached to, so
 * every deadline of that transport holds during the handshake too. Each
 * layer has its own entropy, random generator and configuration: layers in
 * different threads share nothing.
 *
 * The mbedTLS contexts are held by value, so their size follows the
 * mbedTLS configuration: build smtpc and the code that includes this
 * header with the same one (MBEDTLS_CONFIG_FILE). About 3 KB on a device
 * configuration, 41 KB with Debian's (MBEDTLS_HAVEGE_C puts a 32 KB pool in
 * the entropy context): keep it off small stacks. mbedTLS itself allocates
 * the record buffers of each connection.
 */
#ifndef SMTPC_MBEDTLS_H
#define SMTPC_MBEDTLS_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "smtpc/tls.h"
#include "smtpc/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smtpc_mbedtls {
    struct smtpc_transport base;  /* private from here on */
    struct smtpc_tls_link link;   /* the connection under the layer */
    struct smtpc_tls_options opt; /* as given to init */
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;       /* trusted CAs */
    mbedtls_x509_crt own_cert; /* client certificate chain, if any */
    mbedtls_pk_context own_key;
    mbedtls_ssl_context ssl; /* while a connection is attached (ssl_live) */
    int active;              /* the handshake succeeded */
    int ready;               /* the first handshake set up the contexts above */
    int ssl_live;            /* `ssl` is initialised */
    int peer_self_signed;    /* the server's certificate names itself as issuer */
    size_t ip_len;           /* 4 or 16 when the host is an IP literal to verify */
    unsigned char ip[16];
};

/* Records the options (NULL: the defaults); nothing is seeded, loaded or
 * allocated. The first handshake seeds the random generator and sets up the
 * configuration (trust, client certificate, TLS 1.2 minimum), and fails
 * with SMTPC_ERR_TLS_SETUP, the reason in smtpc_mbedtls_detail, when it
 * cannot; the strings in `o` must stay valid until smtpc_mbedtls_free.
 * Returns 0, or SMTPC_ERR_ARG when `t` is NULL. */
int smtpc_mbedtls_init(struct smtpc_mbedtls *t, const struct smtpc_tls_options *o);

/* Frees everything; the layer must be closed (the client does that). Safe
 * to call twice, and whether or not a handshake was tried. */
void smtpc_mbedtls_free(struct smtpc_mbedtls *t);

/* The negotiated protocol, cipher and peer, or why TLS failed. */
const char *smtpc_mbedtls_detail(const struct smtpc_mbedtls *t);

#ifdef __cplusplus
}
#endif
#endif
