/*
 * TLS over any smtpc transport with OpenSSL. See smtpc/openssl.h.
 *
 * OpenSSL talks to the inner transport through a BIO of our own, so the
 * inner transport's deadlines (poll on a socket, NetX waits) bound every
 * read and write of the handshake and of the records. The deadline of the
 * operation under way is kept in the layer; the BIO passes what is left of
 * it to each inner read or write.
 *
 * Init only records the options: the SSL_CTX (and with it OpenSSL's own
 * initialisation), the trust store and the client certificate are made at
 * the first handshake (setup()), so a run that never starts TLS pays for
 * none of it. The context is kept for the layer's later connections.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "smtpc/error.h"
#include "smtpc/openssl.h"
#include "../tls_link.h"

#define T(base) ((struct smtpc_openssl *)(base))

static void set_detail(struct smtpc_openssl *t, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256];

    if (e != 0) {
        ERR_error_string_n(e, reason, sizeof reason);
        snprintf(t->link.detail, sizeof t->link.detail, "%s: %s", what, reason);
    } else {
        snprintf(t->link.detail, sizeof t->link.detail, "%s", what);
    }
    ERR_clear_error();
}

/* ---- the BIO over the inner transport ---- */

static int bio_read(BIO *b, char *buf, int len)
{
    struct smtpc_openssl *t = BIO_get_data(b);
    long n;

    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    n = smtpc_tls_link_read(&t->link, (uint8_t *)buf, (size_t)len);
    return n >= 0 ? (int)n : -1;
}

static int bio_write(BIO *b, const char *buf, int len)
{
    struct smtpc_openssl *t = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    return smtpc_tls_link_write(&t->link, (const uint8_t *)buf, (size_t)len) < 0 ? -1 : len;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* ---- the transport ---- */

static int setup(struct smtpc_openssl *t);

static void start_op(struct smtpc_openssl *t, int timeout_ms)
{
    smtpc_tls_link_begin(&t->link, timeout_ms);
    ERR_clear_error();
}

/* The smtpc error for a failed SSL_read/SSL_write/SSL_connect. */
static int failure(struct smtpc_openssl *t, int rc, const char *what)
{
    int e = SSL_get_error(t->ssl, rc), inner = smtpc_tls_link_inner_failure(&t->link, what);

    if (inner != 0)
        return inner;
    if (e == SSL_ERROR_ZERO_RETURN || t->link.inner_eof)
        return SMTPC_ERR_CLOSED;
    set_detail(t, what);
    return SMTPC_ERR_TLS;
}

static long tls_read(struct smtpc_transport *base, uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_openssl *t = T(base);
    int n;

    if (!t->active)
        return t->link.inner->ops->read(t->link.inner, buf, len, timeout_ms);
    start_op(t, timeout_ms);
    n = SSL_read(t->ssl, buf, len > 0x7fffffff ? 0x7fffffff : (int)len);
    if (n > 0)
        return n;
    n = failure(t, n, "TLS read");
    return n == SMTPC_ERR_CLOSED ? 0 : n; /* close_notify or EOF: the peer closed */
}

static long tls_write(struct smtpc_transport *base, const uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_openssl *t = T(base);
    int n;

    if (!t->active)
        return t->link.inner->ops->write(t->link.inner, buf, len, timeout_ms);
    start_op(t, timeout_ms);
    n = SSL_write(t->ssl, buf, len > 0x7fffffff ? 0x7fffffff : (int)len);
    if (n > 0)
        return n;
    return failure(t, n, "TLS write");
}

static void describe_peer(struct smtpc_openssl *t)
{
    X509 *peer = SSL_get1_peer_certificate(t->ssl);
    char subject[200] = "none";

    if (peer != NULL) {
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
        X509_free(peer);
    }
    snprintf(t->link.detail, sizeof t->link.detail, "%s %s, peer %s%s", SSL_get_version(t->ssl),
             SSL_get_cipher_name(t->ssl), subject, t->opt.no_verify ? " (NOT VERIFIED)" : "");
}

static int is_ip_literal(const char *host)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);

    if (ip == NULL)
        return 0;
    ASN1_OCTET_STRING_free(ip);
    return 1;
}

static int tls_start(struct smtpc_transport *base, const char *host, int timeout_ms)
{
    struct smtpc_openssl *t = T(base);
    BIO *bio;
    int rc;
    long verify;

    if (t->link.inner == NULL || t->ssl != NULL)
        return SMTPC_ERR_STATE;
    if (t->ctx == NULL && (rc = setup(t)) != 0)
        return rc;
    t->ssl = SSL_new(t->ctx);
    bio = t->ssl != NULL ? BIO_new(t->bio_method) : NULL;
    if (bio == NULL) {
        set_detail(t, "TLS setup");
        return SMTPC_ERR_TLS;
    }
    BIO_set_data(bio, t);
    BIO_set_init(bio, 1);
    SSL_set_bio(t->ssl, bio, bio);
    if (host != NULL && host[0] != '\0') {
        if (is_ip_literal(host)) {
            if (!t->opt.no_verify)
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host);
        } else {
            SSL_set_tlsext_host_name(t->ssl, host); /* SNI: names only (RFC 6066) */
            if (!t->opt.no_verify)
                SSL_set1_host(t->ssl, host);
        }
    } else if (!t->opt.no_verify) {
        snprintf(t->link.detail, sizeof t->link.detail,
                 "no server name to verify the certificate against");
        return SMTPC_ERR_TLS_VERIFY;
    }
    SSL_set_verify(t->ssl, t->opt.no_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);

    start_op(t, timeout_ms);
    rc = SSL_connect(t->ssl);
    if (rc == 1) {
        t->active = 1;
        describe_peer(t);
        return 0;
    }
    verify = SSL_get_verify_result(t->ssl);
    if (!t->opt.no_verify && verify != X509_V_OK) {
        snprintf(t->link.detail, sizeof t->link.detail, "certificate verify failed: %s",
                 X509_verify_cert_error_string(verify));
        ERR_clear_error();
        return SMTPC_ERR_TLS_VERIFY;
    }
    rc = failure(t, rc, "TLS handshake");
    return rc == SMTPC_ERR_CLOSED ? SMTPC_ERR_TLS : rc;
}

static void tls_close(struct smtpc_transport *base)
{
    struct smtpc_openssl *t = T(base);

    if (t->ssl != NULL) {
        if (t->active) {
            start_op(t, 1000); /* close_notify, without waiting for the peer's */
            SSL_shutdown(t->ssl);
        }
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    t->active = 0;
    if (t->link.inner != NULL)
        t->link.inner->ops->close(t->link.inner);
    if (t->ctx != NULL) /* else OpenSSL was never used: not even initialised */
        ERR_clear_error();
}

static long long tls_now_ms(struct smtpc_transport *base)
{
    return T(base)->link.inner->ops->now_ms(T(base)->link.inner);
}

static int tls_attach(struct smtpc_transport *base, struct smtpc_transport *inner)
{
    struct smtpc_openssl *t = T(base);

    if (t->ssl != NULL) {
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    smtpc_tls_link_attach(&t->link, inner);
    t->active = 0;
    return 0;
}

static const char *tls_describe(struct smtpc_transport *base)
{
    return T(base)->link.detail;
}

/* Drops a context setup() could not finish: SMTPC_ERR_TLS_SETUP. */
static int release(struct smtpc_openssl *t)
{
    SSL_CTX_free(t->ctx);
    t->ctx = NULL;
    ERR_clear_error();
    return SMTPC_ERR_TLS_SETUP;
}

/* CAs given as PEM text: every certificate in it joins the trust store. */
static int load_pem(struct smtpc_openssl *t, SSL_CTX *ctx, const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509 *x;
    int count = 0;

    if (b == NULL)
        return -1;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            count++;
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error(); /* the end of the text reads as an error */
    if (count == 0) {
        snprintf(t->link.detail, sizeof t->link.detail,
                 "cannot load the CA certificates: none in the text");
        return -1;
    }
    return 0;
}

/* The context the handshakes share: trust, client certificate, TLS 1.2
 * minimum, and the BIO method over the link. On failure nothing is kept
 * (the next handshake tries again) and the reason is the detail. */
static int setup(struct smtpc_openssl *t)
{
    const struct smtpc_tls_options *o = &t->opt;
    SSL_CTX *ctx;
    BIO_METHOD *m;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        set_detail(t, "TLS context");
        return SMTPC_ERR_TLS_SETUP;
    }
    t->ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
    if (o->ca_pem != NULL && load_pem(t, ctx, o->ca_pem) != 0)
        return release(t);
    if (o->ca_pem != NULL && o->ca_file == NULL && o->ca_path == NULL) {
        /* the caller's CAs only */
    } else if (o->ca_file != NULL || o->ca_path != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_path) != 1) {
            set_detail(t, o->ca_file != NULL ? "cannot load the CA file"
                                             : "cannot use the CA directory");
            return release(t);
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        set_detail(t, "cannot load the system trust store");
        return release(t);
    }
    if (o->cert_file != NULL) {
        const char *key = o->key_file != NULL ? o->key_file : o->cert_file;

        if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            set_detail(t, "cannot use the client certificate or key");
            return release(t);
        }
    }
    m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "smtpc transport");
    if (m == NULL || BIO_meth_set_read(m, bio_read) != 1 || BIO_meth_set_write(m, bio_write) != 1 ||
        BIO_meth_set_ctrl(m, bio_ctrl) != 1) {
        if (m != NULL)
            BIO_meth_free(m);
        set_detail(t, "TLS setup");
        return release(t);
    }
    t->bio_method = m;
    return 0;
}

static const struct smtpc_transport_ops openssl_ops = {
    tls_read, tls_write, tls_start, tls_close, tls_now_ms, tls_attach, tls_describe,
};

int smtpc_openssl_init(struct smtpc_openssl *t, const struct smtpc_tls_options *o)
{
    if (t == NULL)
        return SMTPC_ERR_ARG;
    memset(t, 0, sizeof *t);
    t->base.ops = &openssl_ops;
    t->link.deadline = -1;
    if (o != NULL)
        t->opt = *o;
    return 0;
}

void smtpc_openssl_free(struct smtpc_openssl *t)
{
    if (t->ssl != NULL)
        SSL_free(t->ssl);
    if (t->ctx != NULL)
        SSL_CTX_free(t->ctx);
    if (t->bio_method != NULL)
        BIO_meth_free(t->bio_method);
    t->ssl = NULL;
    t->ctx = NULL;
    t->bio_method = NULL;
}

const char *smtpc_openssl_detail(const struct smtpc_openssl *t)
{
    return t->link.detail;
}
