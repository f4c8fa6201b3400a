/*
 * TLS over any smtpc transport with mbedTLS 2.28. See smtpc/mbedtls.h.
 *
 * The twin of the OpenSSL backend (src/transport/openssl/openssl.c): same
 * structure, same errors, same words in the details, so a caller or a test
 * cannot tell which backend failed. mbedTLS talks to the inner transport
 * through our send/receive callbacks, so the inner transport's deadlines
 * bound every read and write of the handshake and of the records. The
 * deadline of the operation under way is kept in the layer; the callbacks
 * pass what is left of it to each inner read or write.
 *
 * mbedTLS 2.28 checks DNS names only. For an IP literal the layer sends no
 * SNI (RFC 6066 forbids it) and checks the subjectAltName iPAddress entries
 * itself, in the verify callback, so a mismatch fails the handshake as it
 * does with OpenSSL. Nothing here needs POSIX: the IP parser is our own.
 *
 * Init only records the options. The entropy source, the random generator,
 * the configuration, the trust store and the client certificate are set up
 * at the first handshake (setup()), so a session that never starts TLS pays
 * for none of it, and kept for the layer's later connections.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/version.h>
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

#include "smtpc/error.h"
#include "smtpc/mbedtls.h"
#include "../tls_link.h"

#if MBEDTLS_VERSION_MAJOR != 2
#error "smtpc's mbedTLS backend is written for mbedTLS 2.28"
#endif
#if !defined(MBEDTLS_SSL_CLI_C) || !defined(MBEDTLS_X509_CRT_PARSE_C) ||                           \
    !defined(MBEDTLS_CTR_DRBG_C) || !defined(MBEDTLS_ENTROPY_C)
#error "smtpc's mbedTLS backend needs MBEDTLS_SSL_CLI_C, _X509_CRT_PARSE_C, _CTR_DRBG_C, _ENTROPY_C"
#endif

/* The system trust store, when the caller names none (Debian layout);
 * a device's build may point these elsewhere. */
#ifndef SMTPC_MBEDTLS_CA_BUNDLE
#define SMTPC_MBEDTLS_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#endif
#ifndef SMTPC_MBEDTLS_CA_DIR
#define SMTPC_MBEDTLS_CA_DIR "/etc/ssl/certs"
#endif

/* GeneralName iPAddress [7] in a subjectAltName (RFC 5280 4.2.1.6); 2.28
 * keeps every entry, raw, in subject_alt_names but has no name for it. */
#define SAN_IP_ADDRESS (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)

#define T(base) ((struct smtpc_mbedtls *)(base))

static void error_text(int err, char *buf, size_t len)
{
#if defined(MBEDTLS_ERROR_C)
    mbedtls_strerror(err, buf, len);
#else
    snprintf(buf, len, "mbedTLS error -0x%04X", (unsigned)-err);
#endif
}

static void set_detail(struct smtpc_mbedtls *t, const char *what, int err)
{
    char reason[200];

    if (err < 0) {
        error_text(err, reason, sizeof reason);
        snprintf(t->link.detail, sizeof t->link.detail, "%s: %s", what, reason);
    } else {
        snprintf(t->link.detail, sizeof t->link.detail, "%s", what);
    }
}

/* ---- IP literals, without inet_pton ---- */

/* Dotted-quad IPv4 as inet_pton takes it: four decimal parts of 0..255,
 * no leading zeros, nothing after. */
static int parse_ipv4(const char *s, unsigned char *out)
{
    int part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        int digits = 0;

        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[-digits] == '0'))
            return 0; /* a leading 0 is octal to inet_aton: refuse it, as inet_pton does */
        out[part] = (unsigned char)v;
        if (part < 3 && *s++ != '.')
            return 0;
    }
    return *s == '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 4291 text: hex groups, one "::", an IPv4 tail. No zone ("%eth0"):
 * OpenSSL does not take it for an IP either. */
static int parse_ipv6(const char *s, unsigned char *out)
{
    unsigned char b[16];
    int n = 0, gap = -1;

    if (s[0] == ':') {
        if (s[1] != ':')
            return 0;
        gap = 0;
        s += 2;
    }
    while (*s != '\0') {
        const char *start = s;
        unsigned v = 0;
        int digits = 0;

        while (hex_value(*s) >= 0 && digits < 5) {
            v = v * 16 + (unsigned)hex_value(*s++);
            digits++;
        }
        if (*s == '.') { /* the last 32 bits as IPv4 */
            if (n > 12 || !parse_ipv4(start, b + n))
                return 0;
            n += 4;
            break;
        }
        if (digits == 0 || digits > 4 || n > 14)
            return 0;
        b[n++] = (unsigned char)(v >> 8);
        b[n++] = (unsigned char)v;
        if (*s == '\0')
            break;
        if (*s++ != ':')
            return 0;
        if (*s == ':') {
            if (gap >= 0)
                return 0;
            gap = n;
            s++;
        } else if (*s == '\0') {
            return 0; /* a trailing single ':' */
        }
    }
    if (gap < 0) {
        if (n != 16)
            return 0;
        memcpy(out, b, 16);
        return 1;
    }
    if (n == 16)
        return 0; /* "::" stands for at least one group */
    memset(out, 0, 16);
    memcpy(out, b, (size_t)gap);
    memcpy(out + 16 - (n - gap), b + gap, (size_t)(n - gap));
    return 1;
}

/* 4 or 16 with the address in `out` when `host` is an IP literal, else 0. */
static size_t parse_ip(const char *host, unsigned char *out)
{
    if (strchr(host, ':') != NULL)
        return parse_ipv6(host, out) ? 16 : 0;
    return parse_ipv4(host, out) ? 4 : 0;
}

static int has_ip_san(const mbedtls_x509_crt *crt, const unsigned char *ip, size_t len)
{
    const mbedtls_x509_sequence *s;

    for (s = &crt->subject_alt_names; s != NULL; s = s->next) {
        if (s->buf.tag == SAN_IP_ADDRESS && s->buf.len == len && memcmp(s->buf.p, ip, len) == 0)
            return 1;
    }
    return 0;
}

/* ---- the bio over the inner transport ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct smtpc_mbedtls *t = ctx;
    long n;

    if (len > 0x7fffffff)
        len = 0x7fffffff;
    n = smtpc_tls_link_write(&t->link, buf, len);
    if (n >= 0)
        return (int)n;
    return n == SMTPC_ERR_TIMEOUT ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_SEND_FAILED;
}

/* mbedTLS's own `timeout` is its read_timeout setting, unused: the
 * layer's deadline is the one that counts. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len, uint32_t timeout)
{
    struct smtpc_mbedtls *t = ctx;
    long n;

    (void)timeout;
    if (len > 0x7fffffff)
        len = 0x7fffffff;
    n = smtpc_tls_link_read(&t->link, buf, len);
    if (n >= 0)
        return (int)n;
    if (n == SMTPC_ERR_TIMEOUT)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    return n == SMTPC_ERR_CLOSED ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* Called for each certificate of the chain, the server's last (depth 0):
 * notes what the failure message needs, and checks an IP literal. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct smtpc_mbedtls *t = ctx;

    if (depth != 0)
        return 0;
    t->peer_self_signed = crt->subject_raw.len == crt->issuer_raw.len &&
                          memcmp(crt->subject_raw.p, crt->issuer_raw.p, crt->issuer_raw.len) == 0;
    if (t->ip_len != 0 && !has_ip_san(crt, t->ip, t->ip_len))
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

/* ---- the transport ---- */

static int setup(struct smtpc_mbedtls *t);

/* mbedTLS asks to be called again: only while the deadline allows. */
static int again(struct smtpc_mbedtls *t, int rc)
{
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    return t->link.deadline < 0 || smtpc_tls_link_left_ms(&t->link) > 0;
}

/* The smtpc error for a failed mbedtls_ssl_read/_write/_handshake. */
static int failure(struct smtpc_mbedtls *t, int rc, const char *what)
{
    int inner = smtpc_tls_link_inner_failure(&t->link, what);

    if (inner != 0)
        return inner;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF ||
        t->link.inner_eof)
        return SMTPC_ERR_CLOSED;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
        rc == MBEDTLS_ERR_SSL_TIMEOUT) {
        snprintf(t->link.detail, sizeof t->link.detail, "%s: %s", what,
                 smtpc_strerror(SMTPC_ERR_TIMEOUT));
        return SMTPC_ERR_TIMEOUT;
    }
    set_detail(t, what, rc);
    return SMTPC_ERR_TLS;
}

static long tls_read(struct smtpc_transport *base, uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_mbedtls *t = T(base);
    int n;

    if (!t->active)
        return t->link.inner->ops->read(t->link.inner, buf, len, timeout_ms);
    smtpc_tls_link_begin(&t->link, timeout_ms);
    do
        n = mbedtls_ssl_read(&t->ssl, buf, len);
    while (again(t, n));
    if (n > 0)
        return n;
    n = failure(t, n, "TLS read");
    return n == SMTPC_ERR_CLOSED ? 0 : n; /* close_notify or EOF: the peer closed */
}

static long tls_write(struct smtpc_transport *base, const uint8_t *buf, size_t len, int timeout_ms)
{
    struct smtpc_mbedtls *t = T(base);
    size_t done = 0;

    if (!t->active)
        return t->link.inner->ops->write(t->link.inner, buf, len, timeout_ms);
    smtpc_tls_link_begin(&t->link, timeout_ms);
    if (len > 0x7fffffff)
        len = 0x7fffffff;
    while (done < len) { /* a record at a time: all of it, as SSL_write does */
        int n = mbedtls_ssl_write(&t->ssl, buf + done, len - done);

        if (n > 0)
            done += (size_t)n;
        else if (!again(t, n))
            return failure(t, n, "TLS write");
    }
    return (long)done;
}

static void describe_peer(struct smtpc_mbedtls *t)
{
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&t->ssl);
    char subject[200] = "none";

    if (peer != NULL && mbedtls_x509_dn_gets(subject, sizeof subject, &peer->subject) < 0)
        subject[sizeof subject - 1] = '\0'; /* too long: what fitted */
    snprintf(t->link.detail, sizeof t->link.detail, "%s %s, peer %s%s",
             mbedtls_ssl_get_version(&t->ssl), mbedtls_ssl_get_ciphersuite(&t->ssl), subject,
             t->opt.no_verify ? " (NOT VERIFIED)" : "");
}

/* The reason in OpenSSL's words where the two overlap, in the order
 * OpenSSL checks (chain, then name, then dates), so tests match either. */
static void verify_detail(struct smtpc_mbedtls *t, uint32_t flags)
{
    char info[256];
    const char *why = info;

    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        why = t->peer_self_signed ? "self-signed certificate"
                                  : "unable to get local issuer certificate";
    } else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        why = t->ip_len != 0 ? "IP address mismatch" : "hostname mismatch";
    } else if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
        why = "certificate has expired";
    } else if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
        why = "certificate is not yet valid";
    } else {
        char lines[256];
        const char *p = lines;
        size_t used = 0;

        if (mbedtls_x509_crt_verify_info(lines, sizeof lines, "", flags) <= 0)
            snprintf(lines, sizeof lines, "verify flags 0x%lx\n", (unsigned long)flags);
        info[0] = '\0';
        while (*p != '\0' && used < sizeof info) { /* a line per flag: "a; b" */
            const char *nl = strchr(p, '\n');
            int len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
            int w =
                snprintf(info + used, sizeof info - used, "%s%.*s", used > 0 ? "; " : "", len, p);

            if (w < 0)
                break;
            used += (size_t)w;
            p += len + (nl != NULL);
        }
    }
    snprintf(t->link.detail, sizeof t->link.detail, "certificate verify failed: %s", why);
}

static int tls_start(struct smtpc_transport *base, const char *host, int timeout_ms)
{
    struct smtpc_mbedtls *t = T(base);
    uint32_t flags;
    int rc;

    if (t->link.inner == NULL || t->ssl_live)
        return SMTPC_ERR_STATE;
    if (!t->ready && (rc = setup(t)) != 0)
        return rc;
    mbedtls_ssl_init(&t->ssl);
    t->ssl_live = 1;
    t->ip_len = 0;
    t->peer_self_signed = 0;
    rc = mbedtls_ssl_setup(&t->ssl, &t->conf);
    if (rc != 0) {
        set_detail(t, "TLS setup", rc);
        return SMTPC_ERR_TLS;
    }
    if (host != NULL && host[0] != '\0') {
        size_t ip_len = parse_ip(host, t->ip);

        if (ip_len != 0) {
            if (!t->opt.no_verify)
                t->ip_len = ip_len; /* checked by verify_cb; no SNI for addresses */
        } else if ((rc = mbedtls_ssl_set_hostname(&t->ssl, host)) != 0) { /* SNI and the check */
            set_detail(t, "TLS setup", rc);
            return SMTPC_ERR_TLS;
        }
    } else if (!t->opt.no_verify) {
        snprintf(t->link.detail, sizeof t->link.detail,
                 "no server name to verify the certificate against");
        return SMTPC_ERR_TLS_VERIFY;
    }
    mbedtls_ssl_set_verify(&t->ssl, verify_cb, t);
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, NULL, bio_recv);

    smtpc_tls_link_begin(&t->link, timeout_ms);
    do
        rc = mbedtls_ssl_handshake(&t->ssl);
    while (again(t, rc));
    if (rc == 0) {
        t->active = 1;
        describe_peer(t);
        return 0;
    }
    flags = mbedtls_ssl_get_verify_result(&t->ssl);
    if (!t->opt.no_verify && flags != 0 && flags != (uint32_t)-1) {
        verify_detail(t, flags);
        return SMTPC_ERR_TLS_VERIFY;
    }
    rc = failure(t, rc, "TLS handshake");
    return rc == SMTPC_ERR_CLOSED ? SMTPC_ERR_TLS : rc;
}

static void tls_close(struct smtpc_transport *base)
{
    struct smtpc_mbedtls *t = T(base);

    if (t->ssl_live) {
        if (t->active) {
            smtpc_tls_link_begin(&t->link, 1000); /* close_notify, without waiting for the peer's */
            mbedtls_ssl_close_notify(&t->ssl);
        }
        mbedtls_ssl_free(&t->ssl);
        t->ssl_live = 0;
    }
    t->active = 0;
    if (t->link.inner != NULL)
        t->link.inner->ops->close(t->link.inner);
}

static long long tls_now_ms(struct smtpc_transport *base)
{
    return T(base)->link.inner->ops->now_ms(T(base)->link.inner);
}

static int tls_attach(struct smtpc_transport *base, struct smtpc_transport *inner)
{
    struct smtpc_mbedtls *t = T(base);

    if (t->ssl_live) {
        mbedtls_ssl_free(&t->ssl);
        t->ssl_live = 0;
    }
    smtpc_tls_link_attach(&t->link, inner);
    t->active = 0;
    return 0;
}

static const char *tls_describe(struct smtpc_transport *base)
{
    return T(base)->link.detail;
}

#if defined(MBEDTLS_FS_IO)
/* The CAs to trust: the caller's, else the system's. mbedTLS returns a
 * positive count when some certificates of a file did not parse (a bundle
 * may hold kinds it does not know); those are skipped, as long as one did. */
static int load_trust(struct smtpc_mbedtls *t, const struct smtpc_tls_options *o)
{
    int rc;

    if (o->ca_file != NULL || o->ca_path != NULL || o->ca_pem != NULL) {
        if (o->ca_file != NULL && (rc = mbedtls_x509_crt_parse_file(&t->ca, o->ca_file)) < 0) {
            set_detail(t, "cannot load the CA file", rc);
            return SMTPC_ERR_TLS_SETUP;
        }
        if (o->ca_path != NULL && (rc = mbedtls_x509_crt_parse_path(&t->ca, o->ca_path)) < 0) {
            set_detail(t, "cannot use the CA directory", rc);
            return SMTPC_ERR_TLS_SETUP;
        }
        return 0;
    }
    rc = mbedtls_x509_crt_parse_file(&t->ca, SMTPC_MBEDTLS_CA_BUNDLE);
    if (rc < 0)
        rc = mbedtls_x509_crt_parse_path(&t->ca, SMTPC_MBEDTLS_CA_DIR);
    if (rc < 0 && !o->no_verify) { /* without verification no CA is needed */
        set_detail(t, "cannot load the system trust store", rc);
        return SMTPC_ERR_TLS_SETUP;
    }
    return 0;
}

static int load_client_cert(struct smtpc_mbedtls *t, const struct smtpc_tls_options *o)
{
    const char *key = o->key_file != NULL ? o->key_file : o->cert_file;
    int rc = mbedtls_x509_crt_parse_file(&t->own_cert, o->cert_file);

    if (rc > 0) /* all of the chain is sent: none may be missing */
        rc = MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;
    if (rc == 0)
        rc = mbedtls_pk_parse_keyfile(&t->own_key, key, NULL); /* 2.28: no RNG arguments */
    if (rc == 0 && mbedtls_pk_check_pair(&t->own_cert.pk, &t->own_key) != 0) {
        /* its own error ("bad input data") would hide what is wrong */
        set_detail(t, "cannot use the client certificate or key: key values mismatch", 0);
        return SMTPC_ERR_TLS_SETUP;
    }
    if (rc == 0)
        rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->own_cert, &t->own_key);
    if (rc != 0) {
        set_detail(t, "cannot use the client certificate or key", rc);
        return SMTPC_ERR_TLS_SETUP;
    }
    return 0;
}
#else
/* No file system in this mbedTLS build: nothing can be loaded by name. */
static int load_trust(struct smtpc_mbedtls *t, const struct smtpc_tls_options *o)
{
    if (o->ca_pem != NULL)
        return 0; /* loaded by load_pem_trust */
    if (o->ca_file != NULL || o->ca_path != NULL) {
        set_detail(t,
                   o->ca_file != NULL ? "cannot load the CA file: no MBEDTLS_FS_IO"
                                      : "cannot use the CA directory: no MBEDTLS_FS_IO",
                   0);
        return SMTPC_ERR_TLS_SETUP;
    }
    if (!o->no_verify) {
        set_detail(t, "cannot load the system trust store: no MBEDTLS_FS_IO", 0);
        return SMTPC_ERR_TLS_SETUP;
    }
    return 0;
}

static int load_client_cert(struct smtpc_mbedtls *t, const struct smtpc_tls_options *o)
{
    (void)o;
    set_detail(t, "cannot use the client certificate or key: no MBEDTLS_FS_IO", 0);
    return SMTPC_ERR_TLS_SETUP;
}
#endif

/* CAs given as PEM text (firmware without a file system). */
static int load_pem_trust(struct smtpc_mbedtls *t, const char *pem)
{
    int rc = mbedtls_x509_crt_parse(&t->ca, (const unsigned char *)pem, strlen(pem) + 1);

    if (rc < 0 || t->ca.version == 0) {
        set_detail(t, "cannot load the CA certificates", rc < 0 ? rc : 0);
        return SMTPC_ERR_TLS_SETUP;
    }
    return 0;
}

/* Frees the contexts setup() made (not `ssl`). */
static void release(struct smtpc_mbedtls *t)
{
    if (!t->ready)
        return;
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_pk_free(&t->own_key);
    mbedtls_x509_crt_free(&t->own_cert);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    t->ready = 0;
}

/* Seeds the random generator, sets up the configuration: trust, client
 * certificate, TLS 1.2 minimum. On failure nothing is kept (the next
 * handshake tries again) and the reason is the detail. */
static int setup(struct smtpc_mbedtls *t)
{
    static const unsigned char personal[] = "smtpc";
    const struct smtpc_tls_options *o = &t->opt;
    int rc;

    /* all contexts at once, so that release() is right whatever fails next */
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_x509_crt_init(&t->own_cert);
    mbedtls_pk_init(&t->own_key);
    t->ready = 1;

    rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, personal,
                               sizeof personal - 1);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
        set_detail(t, "TLS context", rc);
        release(t);
        return SMTPC_ERR_TLS_SETUP;
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
    mbedtls_ssl_conf_authmode(&t->conf,
                              o->no_verify ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
    if ((o->ca_pem != NULL && load_pem_trust(t, o->ca_pem) != 0) || load_trust(t, o) != 0 ||
        (o->cert_file != NULL && load_client_cert(t, o) != 0)) {
        release(t);
        return SMTPC_ERR_TLS_SETUP;
    }
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    return 0;
}

static const struct smtpc_transport_ops mbedtls_ops = {
    tls_read, tls_write, tls_start, tls_close, tls_now_ms, tls_attach, tls_describe,
};

int smtpc_mbedtls_init(struct smtpc_mbedtls *t, const struct smtpc_tls_options *o)
{
    if (t == NULL)
        return SMTPC_ERR_ARG;
    memset(t, 0, sizeof *t);
    t->base.ops = &mbedtls_ops;
    t->link.deadline = -1;
    if (o != NULL)
        t->opt = *o;
    return 0;
}

void smtpc_mbedtls_free(struct smtpc_mbedtls *t)
{
    if (t->ssl_live)
        mbedtls_ssl_free(&t->ssl);
    t->ssl_live = 0;
    t->active = 0;
    release(t);
}

const char *smtpc_mbedtls_detail(const struct smtpc_mbedtls *t)
{
    return t->link.detail;
}
