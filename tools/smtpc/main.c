/*
 * smtpc — send one message through an SMTP server from the command line.
 *
 * This is the only part of smtpc that uses malloc and stdio freely: it
 * reads the message, builds the envelope and options, runs the blocking
 * client once and turns the outcome into one line and a sysexits status.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "smtpc/message.h"

struct buffer {
    char *data;
    size_t len, cap;
};

static int append(struct buffer *b, const void *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 65536;
        char *d;

        while (cap - b->len < n) {
            if (cap > ((size_t)-1) / 2)
                return -1;
            cap *= 2;
        }
        d = realloc(b->data, cap);
        if (d == NULL)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* Appends the whole of `path` ("-" or NULL: standard input). */
static int read_all(struct buffer *b, const char *path)
{
    FILE *f = (path == NULL || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "smtpc: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (append(b, chunk, n) != 0) {
            fprintf(stderr, "smtpc: out of memory reading the message\n");
            rc = -1;
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "smtpc: cannot read %s: %s\n", f == stdin ? "standard input" : path,
                strerror(errno));
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

/* The first line of the password file, or SMTPC_PASSWORD. */
static int read_password(const struct cli_options *o, char *pw, size_t cap)
{
    const char *env = getenv("SMTPC_PASSWORD");

    if (o->password_file != NULL) {
        FILE *f = fopen(o->password_file, "r");
        size_t n;

        if (f == NULL) {
            fprintf(stderr, "smtpc: cannot open %s: %s\n", o->password_file, strerror(errno));
            return EXIT_IOERR;
        }
        if (fgets(pw, (int)cap, f) == NULL) {
            int err = ferror(f) ? errno : 0;

            fclose(f);
            if (err != 0) { /* a directory, say */
                fprintf(stderr, "smtpc: cannot read %s: %s\n", o->password_file, strerror(err));
                return EXIT_IOERR;
            }
            fprintf(stderr, "smtpc: %s is empty\n", o->password_file);
            return EXIT_DATAERR;
        }
        fclose(f);
        n = strcspn(pw, "\r\n");
        pw[n] = '\0';
        return 0;
    }
    if (env == NULL) {
        fprintf(stderr, "smtpc: --user needs a password: --password-file FILE or SMTPC_PASSWORD\n");
        return EXIT_USAGE;
    }
    if (strlen(env) >= cap) {
        fprintf(stderr, "smtpc: SMTPC_PASSWORD is too long\n");
        return EXIT_DATAERR;
    }
    strcpy(pw, env);
    return 0;
}

/* This host's name for EHLO: the fully qualified name when the resolver
 * knows one (servers may refuse a bare "myhost"), else the plain name. */
static void default_ehlo_name(char *name, size_t cap)
{
    struct addrinfo hints, *res = NULL;

    if (gethostname(name, cap) != 0 || name[0] == '\0') {
        snprintf(name, cap, "localhost");
        return;
    }
    name[cap - 1] = '\0';
    if (strchr(name, '.') != NULL)
        return;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_CANONNAME;
    if (getaddrinfo(name, NULL, &hints, &res) == 0) {
        if (res->ai_canonname != NULL && strchr(res->ai_canonname, '.') != NULL &&
            strlen(res->ai_canonname) < cap)
            snprintf(name, cap, "%s", res->ai_canonname);
        freeaddrinfo(res);
    }
}

static int check_addresses(const struct cli_options *o)
{
    size_t i;

    if (smtpc_check_address(o->from, 1) != 0) {
        fprintf(stderr, "smtpc: invalid sender address\n");
        return EXIT_DATAERR;
    }
    for (i = 0; i < o->recipient_count; i++) {
        if (smtpc_check_address(o->recipients[i], 0) != 0) {
            cli_print_safe("smtpc: invalid recipient address: ", o->recipients[i],
                           strlen(o->recipients[i]));
            fputc('\n', stderr);
            return EXIT_DATAERR;
        }
    }
    return 0;
}

/* Builds the message: headers from the options and a body, or a file. */
static int load_message(const struct cli_options *o, struct buffer *msg)
{
    if (o->subject != NULL) {
        char headers[8192];
        struct smtpc_headers h;
        long n;

        memset(&h, 0, sizeof h);
        h.from = o->from;
        h.to = (const char *const *)o->recipients;
        h.to_count = o->recipient_count;
        h.subject = o->subject;
        h.priority = o->priority;
        n = smtpc_headers_build(&h, headers, sizeof headers);
        if (n < 0) {
            fprintf(stderr, "smtpc: cannot build the headers: %s\n", smtpc_strerror((int)n));
            return EXIT_DATAERR;
        }
        if (append(msg, headers, (size_t)n) != 0)
            return EXIT_IOERR;
        return read_all(msg, o->body_file) == 0 ? 0 : EXIT_IOERR;
    }
    if (read_all(msg, o->message_file) != 0)
        return EXIT_IOERR;
    if (msg->len == 0) { /* an empty input is a mistake, never a message */
        fprintf(stderr, "smtpc: the message is empty (%s)\n",
                o->message_file != NULL && strcmp(o->message_file, "-") != 0 ? o->message_file
                                                                             : "standard input");
        return EXIT_DATAERR;
    }
    return 0;
}

static void report_partial(const struct smtpc_txn *t)
{
    size_t i;

    for (i = 0; i < t->rcpt_count; i++) {
        const struct smtpc_rcpt *r = &t->rcpt[i];
        char code[16];

        if (r->accepted)
            continue;
        cli_print_safe("smtpc: recipient not accepted: ", r->address, strlen(r->address));
        snprintf(code, sizeof code, "%d ", r->reply.code);
        cli_print_safe(": ", code, strlen(code));
        cli_print_safe("", r->reply.text, strlen(r->reply.text));
        fputc('\n', stderr);
    }
}

int main(int argc, char **argv)
{
    static struct smtpc_client client;
    struct smtpc_client_options co;
    struct cli_options o;
    struct smtpc_txn txn;
    struct smtpc_body_measure measured;
    struct smtpc_rcpt *rcpts;
    struct buffer msg = {NULL, 0, 0};
    char password[SMTPC_CREDENTIAL_MAX + 2], hostname[256];
    size_t i;
    int rc, status;

    rc = cli_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    status = check_addresses(&o);
    if (status != 0)
        return status;
    smtpc_client_options_default(&co);
    co.host = o.host;
    co.port = o.port;
    co.family = o.family;
    if (o.ehlo != NULL) {
        co.session.ehlo_name = o.ehlo;
    } else {
        default_ehlo_name(hostname, sizeof hostname);
        co.session.ehlo_name = hostname;
    }
    if (smtpc_check_text(co.session.ehlo_name) != 0 || strchr(co.session.ehlo_name, ' ')) {
        fprintf(stderr, "smtpc: invalid --ehlo name\n");
        return EXIT_USAGE;
    }
    if (o.user != NULL && strcmp(o.auth, "none") != 0) {
        status = read_password(&o, password, sizeof password);
        if (status != 0)
            return status;
        co.session.username = o.user;
        co.session.password = password;
        if (strcmp(o.auth, "plain") == 0)
            co.session.auth_mechs = SMTPC_AUTH_PLAIN;
        else if (strcmp(o.auth, "login") == 0)
            co.session.auth_mechs = SMTPC_AUTH_LOGIN;
        else if (strcmp(o.auth, "cram-md5") == 0)
            co.session.auth_mechs = SMTPC_AUTH_CRAM_MD5;
    }
    if (o.allow_plaintext_auth)
        co.session.flags |= SMTPC_F_ALLOW_CLEARTEXT_AUTH;
    if (o.auth_optional)
        co.session.flags |= SMTPC_F_AUTH_OPTIONAL;
    if (o.long_lines_pass)
        co.session.long_lines = SMTPC_LONG_LINES_PASS;
    if (o.timeout_s != 0) {
        for (i = 1; i < SMTPC_TIMEOUT_CLASSES; i++)
            co.session.timeout_s[i] = o.timeout_s;
        co.connect_timeout_s = o.timeout_s;
        co.quit_timeout_s = o.timeout_s;
    }
    if (o.verbose)
        co.session.trace = cli_trace;
    status = cli_tls_setup(&o, &co);
    if (status != 0)
        return status;

    status = load_message(&o, &msg);
    /* the message is read once, here: the client trusts what is found */
    smtpc_body_measure_init(&measured);
    if (status == 0)
        smtpc_body_measure_add(&measured, (const uint8_t *)msg.data, msg.len);
    if (status == 0 && !o.long_lines_pass && measured.long_line) {
        fprintf(stderr, "smtpc: the message has a line longer than 998 octets "
                        "(RFC 5321 limit; --long-lines sends it anyway)\n");
        status = EXIT_DATAERR;
    }
    rcpts = status == 0 ? calloc(o.recipient_count, sizeof *rcpts) : NULL;
    if (status == 0 && rcpts == NULL) {
        fprintf(stderr, "smtpc: out of memory\n");
        status = EXIT_SOFTWARE;
    }
    if (status != 0) {
        free(msg.data);
        cli_tls_free();
        return status;
    }
    for (i = 0; i < o.recipient_count; i++)
        rcpts[i].address = o.recipients[i];
    memset(&txn, 0, sizeof txn);
    txn.from = o.from;
    txn.rcpt = rcpts;
    txn.rcpt_count = o.recipient_count;
    if (!o.allow_partial)
        txn.flags |= SMTPC_TXN_ALL_RCPTS;
    txn.size = smtpc_body_measure_end(&measured);
    txn.flags |= SMTPC_TXN_CHECKED | SMTPC_TXN_SIZE_EXACT;
    if (measured.eight_bit)
        txn.flags |= SMTPC_TXN_8BIT;
    if (measured.long_line) /* BODY=BINARYMIME where offered with CHUNKING */
        txn.flags |= SMTPC_TXN_BINARY;

    rc = smtpc_client_init(&client, &co);
    if (rc == 0)
        rc = smtpc_client_send_mail(&client, &txn, msg.data, msg.len);
    if (rc == 0) {
        if (txn.rcpt_accepted < txn.rcpt_count)
            report_partial(&txn);
        status = EXIT_SENT;
    } else {
        const char *step = smtpc_client_step(&client);
        char where[400];

        if (strcmp(step, "connect") == 0) {
            snprintf(where, sizeof where, "connect to %s port %s", o.host, o.port);
            step = where;
        }
        const char *detail = rc == SMTPC_ERR_TLS || rc == SMTPC_ERR_TLS_VERIFY
                                 ? smtpc_client_tls_detail(&client)
                                 : smtpc_client_connect_detail(&client);
        char sizes[96];

        if (rc == SMTPC_ERR_MESSAGE_TOO_BIG) { /* both sizes, as RFC 1870 counts them */
            snprintf(sizes, sizeof sizes, "%llu octets; the server takes at most %lu", txn.size,
                     smtpc_client_session(&client)->caps.size_max);
            detail = sizes;
        }
        cli_report("sending", rc, step, detail, smtpc_client_reply(&client));
        if (rc == SMTPC_ERR_REFUSED_RCPT && txn.rcpt_accepted > 0)
            report_partial(&txn);
        status = cli_exit_status(rc, smtpc_client_reply(&client));
    }
    memset(password, 0, sizeof password);
    free(rcpts);
    free(msg.data);
    cli_tls_free();
    return status;
}
