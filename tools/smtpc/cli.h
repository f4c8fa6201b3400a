/*
 * smtpc command-line tool: shared declarations.
 */
#ifndef SMTPC_CLI_H
#define SMTPC_CLI_H

#include <stddef.h>

#include "smtpc/client.h"

/* sysexits.h values, as sendmail and msmtp use them. */
#define EXIT_SENT 0
#define EXIT_USAGE 64
#define EXIT_DATAERR 65
#define EXIT_NOHOST 68
#define EXIT_UNAVAILABLE 69
#define EXIT_SOFTWARE 70
#define EXIT_IOERR 74
#define EXIT_TEMPFAIL 75
#define EXIT_PROTOCOL 76
#define EXIT_NOPERM 77
#define EXIT_CONFIG 78 /* smtpc's own policy refused to go on (not the server) */

struct cli_options {
    char host[256];
    char port[32];
    int family;
    const char *from;
    const char *ehlo;
    const char *user;
    const char *password_file;
    const char *auth; /* none, plain, login, auto */
    int allow_plaintext_auth;
    int auth_optional;
    const char *subject;
    const char *body_file;
    const char *message_file;
    int priority;
    unsigned timeout_s;
    int verbose;
    int allow_partial;
    int long_lines_pass;
    const char *tls;         /* auto, none, starttls, starttls-opportunistic, implicit */
    const char *tls_backend; /* openssl, mbedtls; NULL: the first built */
    const char *cacert, *capath, *cert, *key;
    int tls_no_verify;
    char **recipients;
    size_t recipient_count;
};

/* Parses argv. Returns -1 to go on, or an exit status (0 after --help or
 * --version, EXIT_USAGE after an error already printed). */
int cli_parse(int argc, char **argv, struct cli_options *o);

/* Splits "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT". Returns 0 or -1. */
int cli_split_server(const char *arg, char *host, size_t host_cap, char *port, size_t port_cap);

/* Exit status for a client error. */
int cli_exit_status(int err, const struct smtpc_reply *reply);

/* Prints "smtpc: <what> failed at <step>: <error> (<detail>); server said:
 * <reply>" on stderr, as one line; detail may be NULL or "". */
void cli_report(const char *what, int err, const char *step, const char *detail,
                const struct smtpc_reply *reply);

/* The TLS backends this build has, in order of preference, NULL-ended. */
extern const char *const cli_tls_backends[];

/* Sets co->session.tls from --tls (auto: by port) and, when TLS may be
 * used, prepares the chosen backend as co->tls. Returns 0 or an exit
 * status after printing why. */
int cli_tls_setup(const struct cli_options *o, struct smtpc_client_options *co);

/* Frees what cli_tls_setup made. */
void cli_tls_free(void);

/* Writes text to stderr with control bytes made visible. */
void cli_print_safe(const char *prefix, const char *text, size_t len);

/* Trace callback for -v. */
void cli_trace(void *ctx, int direction, const char *line, size_t len);

#endif
