/*
 * smtpc — TLS with OpenSSL (1.1.1 or 3.x), for hosts.
 *
 *   struct smtpc_openssl tls;
 *   struct smtpc_tls_options to = {0};      // defaults: system trust store, verify
 *   to.ca_file = "/etc/my-ca.pem";         // optional; must outlive the layer
 *   smtpc_openssl_init(&tls, &to);         // records the options: nothing loaded yet
 *   client_options.tls = &tls.base;        // the client attaches it over its connection
 *   ...                                    // the first handshake loads the trust store
 *   smtpc_openssl_free(&tls);
 *
 * The layer reads and writes through the transport it is attached to, so
 * every deadline of that transport holds during the handshake too.
 */
#ifndef SMTPC_OPENSSL_H
#define SMTPC_OPENSSL_H

#include "smtpc/tls.h"
#include "smtpc/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct smtpc_openssl {
    struct smtpc_transport base;  /* private from here on */
    struct smtpc_tls_link link;   /* the connection under the layer */
    struct smtpc_tls_options opt; /* as given to init */
    void *ctx;                    /* SSL_CTX, from the first handshake on */
    void *ssl;                    /* SSL, while a connection is attached */
    void *bio_method;             /* BIO_METHOD over the link, with ctx */
    int active;                   /* the handshake succeeded */
};

/* Records the options (NULL: the defaults); nothing is loaded or
 * allocated. The first handshake creates the context (trust, client
 * certificate, TLS 1.2 minimum) and fails with SMTPC_ERR_TLS_SETUP, the
 * reason in smtpc_openssl_detail, when it cannot; the strings in `o` must
 * stay valid until smtpc_openssl_free. Returns 0, or SMTPC_ERR_ARG when
 * `t` is NULL. */
int smtpc_openssl_init(struct smtpc_openssl *t, const struct smtpc_tls_options *o);

/* Frees everything; the layer must be closed (the client does that). */
void smtpc_openssl_free(struct smtpc_openssl *t);

/* The negotiated protocol, cipher and peer, or why TLS failed. */
const char *smtpc_openssl_detail(const struct smtpc_openssl *t);

#ifdef __cplusplus
}
#endif
#endif
