/*
 * examples/send_mail: the library in twenty lines.
 *
 *   send_mail HOST PORT FROM TO [MESSAGE_FILE...]
 *
 * Sends a short message built with the header builder, or the complete
 * message in MESSAGE_FILE, with the blocking client and prints what the
 * server said. Several files go over one connection as a stream
 * (smtpc_client_send_many): each begins ahead of the replies to the one
 * before, and each gets its own verdict. The environment chooses the rest:
 *
 *   SMTPC_USER, SMTPC_PASSWORD   authenticate (SMTPC_AUTH=plain, login or
 *                                cram-md5 to choose the mechanism)
 *   SMTPC_TLS                    starttls (required), implicit (port 465),
 *                                none, or by default STARTTLS when offered
 *   SMTPC_CACERT                 trust the CAs in this file instead of the
 *                                system's (read into memory and given as
 *                                ca_pem, as firmware with compiled-in CAs does)
 *   SMTPC_TLS_BACKEND            openssl or mbedtls, when both are built
 *   SMTPC_ALLOW_PLAINTEXT=1      allow the password over an unencrypted link
 *
 * Built without a TLS backend it sends in clear (the password still only
 * with SMTPC_ALLOW_PLAINTEXT=1) and refuses SMTPC_TLS=starttls or implicit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc/client.h"
#include "smtpc/message.h"
#include "smtpc/tls.h"
#ifdef SMTPC_HAVE_OPENSSL
#include "smtpc/openssl.h"
#endif
#ifdef SMTPC_HAVE_MBEDTLS
#include "smtpc/mbedtls.h"
#endif

#if defined(SMTPC_HAVE_OPENSSL) || defined(SMTPC_HAVE_MBEDTLS)
/* The whole of a small file, NUL-ended, or NULL. */
static const char *slurp(const char *path)
{
    static char text[1 << 16];
    FILE *f = path != NULL ? fopen(path, "rb") : NULL;
    size_t n;

    if (f == NULL)
        return NULL;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}
#endif

#define STREAM_MAX 8

/* Several messages over one connection: an exit status, 0 when every one
 * was accepted. */
static int send_stream(const struct smtpc_client_options *opt, const char *from, const char *to,
                       char **files, size_t count)
{
    static struct smtpc_client client;
    static char text[STREAM_MAX][1 << 16];
    struct smtpc_rcpt rcpt[STREAM_MAX];
    struct smtpc_txn txn[STREAM_MAX];
    struct smtpc_part part[STREAM_MAX];
    struct smtpc_message msg[STREAM_MAX];
    size_t i, accepted = 0;
    int rc;

    for (i = 0; i < count; i++) {
        FILE *f = fopen(files[i], "rb");

        if (f == NULL) {
            perror(files[i]);
            return 66;
        }
        part[i].data = text[i];
        part[i].len = fread(text[i], 1, sizeof text[i], f);
        fclose(f);
        memset(&rcpt[i], 0, sizeof rcpt[i]);
        rcpt[i].address = to;
        memset(&txn[i], 0, sizeof txn[i]);
        txn[i].from = from;
        txn[i].rcpt = &rcpt[i];
        txn[i].rcpt_count = 1;
        msg[i].txn = &txn[i];
        msg[i].parts = &part[i];
        msg[i].count = 1;
    }
    smtpc_client_init(&client, opt);
    rc = smtpc_client_open(&client);
    if (rc == 0)
        rc = smtpc_client_send_many(&client, msg, count);
    for (i = 0; i < count; i++) {
        if (txn[i].done && txn[i].result == 0) {
            printf("accepted: %d %s\n", txn[i].end_reply.code, txn[i].end_reply.text);
            accepted++;
        } else {
            printf("refused: %s\n", smtpc_strerror(txn[i].result != 0 ? txn[i].result : rc));
        }
    }
    if (smtpc_client_tls_detail(&client)[0] != '\0')
        printf("tls: %s\n", smtpc_client_tls_detail(&client));
    smtpc_client_close(&client);
    return accepted == count ? 0 : 1;
}

/* The TLS policy and layer the environment asks for. Returns 0 or -1. */
static int setup_tls(struct smtpc_client_options *opt)
{
    const char *mode = getenv("SMTPC_TLS"), *backend = getenv("SMTPC_TLS_BACKEND");

    opt->session.tls = SMTPC_TLS_OPPORTUNISTIC;
    if (mode != NULL && strcmp(mode, "none") == 0)
        opt->session.tls = SMTPC_TLS_NONE;
    else if (mode != NULL && strcmp(mode, "starttls") == 0)
        opt->session.tls = SMTPC_TLS_STARTTLS;
    else if (mode != NULL && strcmp(mode, "implicit") == 0)
        opt->session.tls = SMTPC_TLS_IMPLICIT;
    if (opt->session.tls == SMTPC_TLS_NONE)
        return 0;
#if defined(SMTPC_HAVE_OPENSSL) || defined(SMTPC_HAVE_MBEDTLS)
    {
        struct smtpc_tls_options to;
        int rc;

        memset(&to, 0, sizeof to);
        if (getenv("SMTPC_CACERT") != NULL) {
            to.ca_pem = slurp(getenv("SMTPC_CACERT"));
            if (to.ca_pem == NULL) {
                perror(getenv("SMTPC_CACERT"));
                return -1;
            }
        }
#ifdef SMTPC_HAVE_MBEDTLS
#ifndef SMTPC_HAVE_OPENSSL
        if (backend == NULL)
            backend = "mbedtls"; /* the only one built */
#endif
        if (backend != NULL && strcmp(backend, "mbedtls") == 0) {
            static struct smtpc_mbedtls mbedtls;

            rc = smtpc_mbedtls_init(&mbedtls, &to);
            if (rc != 0)
                fprintf(stderr, "TLS: %s\n", smtpc_mbedtls_detail(&mbedtls));
            opt->tls = &mbedtls.base;
            return rc == 0 ? 0 : -1;
        }
#endif
#ifdef SMTPC_HAVE_OPENSSL
        if (backend == NULL || strcmp(backend, "openssl") == 0) {
            static struct smtpc_openssl openssl;

            rc = smtpc_openssl_init(&openssl, &to);
            if (rc != 0)
                fprintf(stderr, "TLS: %s\n", smtpc_openssl_detail(&openssl));
            opt->tls = &openssl.base;
            return rc == 0 ? 0 : -1;
        }
#endif
        fprintf(stderr, "TLS: backend %s not built\n", backend != NULL ? backend : "(any)");
        return -1;
    }
#else
    /* No TLS at all: "STARTTLS when offered" means never; anything that
     * asks for TLS is refused. */
    if (mode == NULL && backend == NULL && getenv("SMTPC_CACERT") == NULL) {
        opt->session.tls = SMTPC_TLS_NONE;
        return 0;
    }
    fprintf(stderr, "TLS: send_mail was built without TLS\n");
    return -1;
#endif
}

int main(int argc, char **argv)
{
    static struct smtpc_client client; /* large: keep it off small stacks */
    struct smtpc_client_options opt;
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    struct smtpc_headers h;
    const char *to[1];
    static char message[1 << 16];
    const char *mech = getenv("SMTPC_AUTH");
    size_t len;
    long n;
    int rc;

    if (argc < 5 || argc > 5 + STREAM_MAX) {
        fprintf(stderr, "usage: send_mail HOST PORT FROM TO [MESSAGE_FILE...] (at most %d)\n",
                STREAM_MAX);
        return 64;
    }
    smtpc_client_options_default(&opt);
    opt.host = argv[1];
    opt.port = argv[2];
    opt.session.ehlo_name = "example.localhost";
    opt.session.username = getenv("SMTPC_USER");
    opt.session.password = getenv("SMTPC_PASSWORD");
    if (getenv("SMTPC_ALLOW_PLAINTEXT") != NULL)
        opt.session.flags |= SMTPC_F_ALLOW_CLEARTEXT_AUTH;
    if (setup_tls(&opt) != 0)
        return 69;
    if (mech != NULL && strcmp(mech, "login") == 0)
        opt.session.auth_mechs = SMTPC_AUTH_LOGIN;
    else if (mech != NULL && strcmp(mech, "plain") == 0)
        opt.session.auth_mechs = SMTPC_AUTH_PLAIN;
    else if (mech != NULL && strcmp(mech, "cram-md5") == 0)
        opt.session.auth_mechs = SMTPC_AUTH_CRAM_MD5;

    if (argc > 6)
        return send_stream(&opt, argv[3], argv[4], argv + 5, (size_t)(argc - 5));
    if (argc == 6) {
        FILE *f = fopen(argv[5], "rb");

        if (f == NULL) {
            perror(argv[5]);
            return 66;
        }
        len = fread(message, 1, sizeof message, f);
        fclose(f);
    } else {
        /* headers from the builder, then the body right after them */
        memset(&h, 0, sizeof h);
        to[0] = argv[4];
        h.from = argv[3];
        h.to = to;
        h.to_count = 1;
        h.subject = "Hello from the smtpc library";
        n = smtpc_headers_build(&h, message, sizeof message);
        if (n < 0) {
            fprintf(stderr, "headers: %s\n", smtpc_strerror((int)n));
            return 65;
        }
        strncat(message, "This message was sent by examples/send_mail.c.\n",
                sizeof message - (size_t)n - 1);
        len = strlen(message);
    }

    memset(&rcpt, 0, sizeof rcpt);
    rcpt.address = argv[4];
    memset(&txn, 0, sizeof txn);
    txn.from = argv[3];
    txn.rcpt = &rcpt;
    txn.rcpt_count = 1;

    smtpc_client_init(&client, &opt);
    rc = smtpc_client_send_mail(&client, &txn, message, len);
    if (rc != 0) {
        const struct smtpc_reply *r = smtpc_client_reply(&client);

        fprintf(stderr, "failed at %s: %s (server: %d %s) %s\n", smtpc_client_step(&client),
                smtpc_strerror(rc), r->code, r->text, smtpc_client_tls_detail(&client));
        return 1;
    }
    printf("accepted: %d %s\n", txn.end_reply.code, txn.end_reply.text);
    if (smtpc_client_tls_detail(&client)[0] != '\0')
        printf("tls: %s\n", smtpc_client_tls_detail(&client));
    return 0;
}
