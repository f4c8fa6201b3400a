/*
 * smtpc — what every TLS backend takes.
 *
 * A TLS backend (smtpc/openssl.h, smtpc/mbedtls.h) is a transport layer:
 * attached over a connected transport it passes bytes through in clear
 * until the client asks for the handshake (STARTTLS, or at once for
 * implicit TLS), then carries them encrypted. The defaults are the safe
 * ones: the server's certificate is verified against the system's trust
 * store, its name must match the host connected to (DNS name or IP
 * literal), SNI is sent for names, and TLS 1.2 is the minimum.
 *
 * TLS costs nothing until it happens: a backend's init only records the
 * options. The library's context, the trust store (the system's is a few
 * hundred certificates: most of a short run's work), the client certificate
 * and its key are loaded at the first handshake, and kept for the next
 * connections. A session that never starts TLS (opportunistic STARTTLS to a
 * server that does not offer it) loads nothing. What used to fail at init
 * (a CA file that does not exist, a key that does not match) fails that
 * handshake with SMTPC_ERR_TLS_SETUP, before a byte of TLS is sent, the
 * reason in the layer's detail; the client reports it at its "TLS setup"
 * step. The next handshake tries again.
 */
#ifndef SMTPC_TLS_H
#define SMTPC_TLS_H

#include "smtpc/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copied by the backends' init; the strings it points to are read at the
 * first handshake (or a later one, after a failed setup), so they must stay
 * valid until the layer is freed. */
struct smtpc_tls_options {
    const char *ca_file;   /* PEM file of trusted CAs; with ca_path and ca_pem NULL too: the
                              system store */
    const char *ca_path;   /* directory of hashed CA certificates (c_rehash layout) */
    const char *ca_pem;    /* trusted CAs as PEM text in memory (NUL-ended): firmware without a
                              file system compiles them in */
    const char *cert_file; /* client certificate chain (PEM), NULL: none */
    const char *key_file;  /* its private key (PEM); NULL: in cert_file */
    int no_verify;         /* DANGEROUS: accept any certificate for any name */
};

/* Length of a backend's description buffer (see the transport's describe
 * op): "TLSv1.3 TLS_AES_256_GCM_SHA384, peer CN=mail.example" or why the
 * handshake or the setup failed. */
#define SMTPC_TLS_DETAIL_MAX 384

/* What every TLS layer keeps of the connection under it (private to the
 * backends; src/transport/tls_link.c). */
struct smtpc_tls_link {
    struct smtpc_transport *inner; /* the connection the records travel over */
    long long deadline;            /* of the operation under way, -1: none */
    int inner_error;               /* what `inner` reported inside the library's call */
    int inner_eof;                 /* `inner` reached the end of the stream */
    char detail[SMTPC_TLS_DETAIL_MAX];
};

#ifdef __cplusplus
}
#endif
#endif
