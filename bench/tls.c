/*
 * bench/tls: what TLS costs, per backend, against a running server.
 *
 *   tls HOST PORT MODE BACKEND CAFILE [SESSIONS [MESSAGES]]
 *
 * MODE is none, starttls or implicit; BACKEND openssl or mbedtls. With
 * SMTPC_USER and SMTPC_PASSWORD set it authenticates (PLAIN). Prints:
 *  - full sessions per second: connect, TLS, EHLO, AUTH, one 1 KiB message,
 *    QUIT, SESSIONS times (default 100);
 *  - messages per second over one TLS connection (default 1000 x 1 KiB).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc/client.h"
#ifdef SMTPC_HAVE_OPENSSL
#include "smtpc/openssl.h"
#endif
#ifdef SMTPC_HAVE_MBEDTLS
#include "smtpc/mbedtls.h"
#endif

#define SIZE 1024

static struct smtpc_client client;
static char body[SIZE];

static void prepare(struct smtpc_txn *txn, struct smtpc_rcpt *rcpt)
{
    memset(txn, 0, sizeof *txn);
    memset(rcpt, 0, sizeof *rcpt);
    rcpt->address = "sink@interop.test";
    txn->from = "bench@interop.test";
    txn->rcpt = rcpt;
    txn->rcpt_count = 1;
}

static struct smtpc_transport *layer(const char *backend, const char *cafile)
{
    struct smtpc_tls_options to;

    memset(&to, 0, sizeof to);
    to.ca_file = cafile;
#ifdef SMTPC_HAVE_OPENSSL
    if (strcmp(backend, "openssl") == 0) {
        static struct smtpc_openssl t;

        if (smtpc_openssl_init(&t, &to) != 0) {
            fprintf(stderr, "openssl: %s\n", smtpc_openssl_detail(&t));
            return NULL;
        }
        return &t.base;
    }
#endif
#ifdef SMTPC_HAVE_MBEDTLS
    if (strcmp(backend, "mbedtls") == 0) {
        static struct smtpc_mbedtls t;

        if (smtpc_mbedtls_init(&t, &to) != 0) {
            fprintf(stderr, "mbedtls: %s\n", smtpc_mbedtls_detail(&t));
            return NULL;
        }
        return &t.base;
    }
#endif
    fprintf(stderr, "backend %s not built\n", backend);
    return NULL;
}

static void fail(const char *what, int rc)
{
    fprintf(stderr, "%s: %s at %s (%s)\n", what, smtpc_strerror(rc), smtpc_client_step(&client),
            smtpc_client_tls_detail(&client));
    exit(1);
}

int main(int argc, char **argv)
{
    struct smtpc_client_options o;
    struct smtpc_rcpt rcpt;
    struct smtpc_txn txn;
    unsigned long sessions = 100, messages = 1000, i;
    long long t0, t1;
    int rc;

    if (argc < 6) {
        fprintf(stderr, "usage: tls HOST PORT none|starttls|implicit openssl|mbedtls CAFILE "
                        "[SESSIONS [MESSAGES]]\n");
        return 64;
    }
    if (argc > 6)
        sessions = strtoul(argv[6], NULL, 10);
    if (argc > 7)
        messages = strtoul(argv[7], NULL, 10);
    for (i = 0; i < SIZE; i++)
        body[i] = (i % 72 == 71) ? '\n' : (char)('a' + i % 26);
    smtpc_client_options_default(&o);
    o.host = argv[1];
    o.port = argv[2];
    o.session.ehlo_name = "bench.example";
    o.session.username = getenv("SMTPC_USER");
    o.session.password = getenv("SMTPC_PASSWORD");
    o.session.auth_mechs = SMTPC_AUTH_PLAIN;
    if (strcmp(argv[3], "none") != 0) {
        o.session.tls = strcmp(argv[3], "implicit") == 0 ? SMTPC_TLS_IMPLICIT : SMTPC_TLS_STARTTLS;
        o.tls = layer(argv[4], argv[5]);
        if (o.tls == NULL)
            return 1;
    }
    if (smtpc_client_init(&client, &o) != 0)
        return 1;

    t0 = smtpc_posix_now_ms();
    for (i = 0; i < sessions; i++) {
        prepare(&txn, &rcpt);
        rc = smtpc_client_send_mail(&client, &txn, body, SIZE);
        if (rc != 0)
            fail("session", rc);
    }
    t1 = smtpc_posix_now_ms();
    printf("%s %s:%s %s: %lu sessions (connect, %sEHLO, %sone 1 KiB message, QUIT)\n",
           o.tls != NULL ? argv[4] : "no TLS", argv[1], argv[2], argv[3], sessions,
           o.tls != NULL ? "TLS, " : "", o.session.username != NULL ? "AUTH, " : "");
    printf("  sessions/second    %.1f  (%.2f ms each)\n",
           t1 > t0 ? (double)sessions * 1000.0 / (double)(t1 - t0) : 0.0,
           (double)(t1 - t0) / (double)sessions);

    rc = smtpc_client_open(&client);
    if (rc != 0)
        fail("open", rc);
    t0 = smtpc_posix_now_ms();
    for (i = 0; i < messages; i++) {
        prepare(&txn, &rcpt);
        rc = smtpc_client_send(&client, &txn, body, SIZE);
        if (rc != 0)
            fail("message", rc);
    }
    t1 = smtpc_posix_now_ms();
    smtpc_client_close(&client);
    printf("  messages/second    %.0f  (%lu x 1 KiB over one connection)\n",
           t1 > t0 ? (double)messages * 1000.0 / (double)(t1 - t0) : 0.0, messages);
    if (o.tls != NULL)
        printf("  negotiated         %s\n", smtpc_client_tls_detail(&client));
    return 0;
}
