/*
 * smtpc — send one message through an SMTP server from the command line.
 *
 * This is the only part of smtpc that uses malloc and stdio freely: it
 * reads the options and the message's header block, builds the envelope,
 * runs the blocking client once with the body streamed from its input, and
 * turns the outcome into one line and a sysexits status.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "smtpc/message.h"

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

/* The recipients, as sendmail takes them: each argument an address list,
 * then (-t) the message's To, Cc and Bcc; bare names through the aliases
 * file and qualified; each address once. */
struct recipients {
    char **v;
    size_t n;
    const struct cli_options *o;
    const char *domain; /* for bare names */
    int failed;
};

static int add_one(struct recipients *r, const char *addr, size_t len)
{
    char **v, *copy;
    size_t i;

    for (i = 0; i < r->n; i++) {
        if (strlen(r->v[i]) == len && memcmp(r->v[i], addr, len) == 0)
            return 0;
    }
    v = realloc(r->v, (r->n + 1) * sizeof *v);
    if (v == NULL)
        return r->failed = EXIT_SOFTWARE;
    r->v = v;
    if (memchr(addr, '@', len) == NULL && len > 0) { /* "root" -> "root@domain" */
        copy = malloc(len + strlen(r->domain) + 2);
        if (copy != NULL)
            sprintf(copy, "%.*s@%s", (int)len, addr, r->domain);
    } else {
        copy = strndup(addr, len);
    }
    if (copy == NULL)
        return r->failed = EXIT_SOFTWARE;
    r->v[r->n++] = copy;
    return 0;
}

static int add_plain(void *ctx, const char *addr, size_t len)
{
    return add_one(ctx, addr, len);
}

static int add_address(void *ctx, const char *addr, size_t len)
{
    struct recipients *r = ctx;
    const struct cli_options *o = r->o;

    if (memchr(addr, '@', len) == NULL && o->aliases != NULL && !o->no_aliases) {
        char name[256], *list = NULL;
        int rc;

        if (len >= sizeof name)
            return add_one(r, addr, len);
        memcpy(name, addr, len);
        name[len] = '\0';
        rc = cli_aliases_lookup(o->aliases, name, &list);
        if (rc != 0)
            return r->failed = rc;
        if (list != NULL) { /* one level: what an alias names is not looked up again */
            rc = cli_address_list(list, strlen(list), add_plain, r);
            free(list);
            if (rc != 0 && r->failed == 0) {
                cli_print_safe("smtpc: the alias cannot be read: ", name, strlen(name));
                fputc('\n', stderr);
                r->failed = EXIT_CONFIG;
            }
            return r->failed;
        }
    }
    return add_one(r, addr, len);
}

/* Every recipient of the message, or an exit status after printing why. */
static int collect_recipients(const struct cli_options *o, const struct cli_input *in,
                              const char *domain, struct recipients *r)
{
    size_t i;

    memset(r, 0, sizeof *r);
    r->o = o;
    r->domain = domain;
    for (i = 0; i < o->recipient_count && r->failed == 0; i++) {
        const char *arg = o->recipients[i];

        /* a line break in an argument is never folding: refused, not joined */
        if (smtpc_check_text(arg) != 0 ||
            (cli_address_list(arg, strlen(arg), add_address, r) != 0 && r->failed == 0)) {
            cli_print_safe("smtpc: invalid recipient address: ", arg, strlen(arg));
            fputc('\n', stderr);
            return EXIT_DATAERR;
        }
    }
    for (i = 0; i < in->recipient_count && r->failed == 0; i++)
        add_address(r, in->recipients[i], strlen(in->recipients[i]));
    if (r->failed != 0)
        return r->failed;
    if (r->n == 0) {
        fprintf(stderr, o->read_recipients
                            ? "smtpc: no recipient: none given, and none in To:, Cc: or Bcc:\n"
                            : "smtpc: no recipient given\n");
        return EXIT_USAGE;
    }
    for (i = 0; i < r->n; i++) {
        if (smtpc_check_address(r->v[i], 0) != 0) {
            cli_print_safe("smtpc: invalid recipient address: ", r->v[i], strlen(r->v[i]));
            fputc('\n', stderr);
            return EXIT_DATAERR;
        }
    }
    return 0;
}

static void free_recipients(struct recipients *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->v[i]);
    free(r->v);
}

/* The domain for bare names: qualify_domain, else the sender's domain,
 * else this host's name. */
static const char *bare_name_domain(const struct cli_options *o, const char *sender,
                                    const char *hostname)
{
    const char *at = strrchr(sender, '@');

    if (o->qualify_domain != NULL)
        return o->qualify_domain;
    return at != NULL && at[1] != '\0' ? at + 1 : hostname;
}

/* "Full Name" <addr> for an added From:: a quoted string, or RFC 2047 "Q"
 * words when the name is not ASCII. */
static int from_value(const char *name, const char *addr, char *out, size_t cap)
{
    size_t n = 0, i;
    int ascii = 1;

    if (name == NULL || name[0] == '\0')
        return snprintf(out, cap, "%s", addr) < (int)cap ? 0 : -1;
    for (i = 0; name[i] != '\0'; i++)
        ascii &= (unsigned char)name[i] < 0x80;
    if (ascii) {
        out[n++] = '"';
        for (i = 0; name[i] != '\0' && n + 3 < cap; i++) {
            if (name[i] == '"' || name[i] == '\\')
                out[n++] = '\\';
            out[n++] = name[i];
        }
        out[n++] = '"';
    } else {
        n = (size_t)snprintf(out, cap, "=?UTF-8?Q?");
        for (i = 0; name[i] != '\0' && n + 4 < cap; i++) {
            unsigned char c = (unsigned char)name[i];

            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                out[n++] = (char)c;
            else if (c == ' ')
                out[n++] = '_';
            else
                n += (size_t)sprintf(out + n, "=%02X", c);
        }
        n += (size_t)snprintf(out + n, cap - n, "?=");
    }
    if (name[i] != '\0' || n + strlen(addr) + 4 > cap)
        return -1;
    snprintf(out + n, cap - n, " <%s>", addr);
    return 0;
}

/* Date: now, local time with its offset (RFC 5322 §3.3), English names. */
static void date_value(char *out, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    char zone[8];

    localtime_r(&now, &tm);
    strftime(zone, sizeof zone, "%z", &tm);
    snprintf(out, cap, "%s, %d %s %d %02d:%02d:%02d %s", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

/* Message-ID: <time.pid.random@domain>. */
static void message_id_value(char *out, size_t cap, const char *domain)
{
    unsigned long long r = 0;
    FILE *f = fopen("/dev/urandom", "rb");

    if (f != NULL) {
        if (fread(&r, sizeof r, 1, f) != 1)
            r = 0;
        fclose(f);
    }
    snprintf(out, cap, "<%lld.%ld.%016llx@%s>", (long long)time(NULL), (long)getpid(), r, domain);
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

/* The envelope sender: -f, else From: with --read-envelope-from, else the
 * configuration's from, else USER@HOST. "<>" is the null sender. */
static const char *envelope_sender(const struct cli_options *o, const struct cli_input *in,
                                   const char *hostname, char *made, size_t cap)
{
    const char *user = getenv("USER");

    if (o->from != NULL && strcmp(o->from, "<>") == 0)
        return "";
    if (o->from != NULL)
        return o->from;
    if (o->read_envelope_from && in->header_from != NULL)
        return in->header_from;
    if (o->config_from != NULL)
        return o->config_from;
    if (user == NULL || user[0] == '\0') {
        struct passwd *pw = getpwuid(getuid());

        user = pw != NULL ? pw->pw_name : "root";
    }
    snprintf(made, cap, "%s@%s", user, hostname);
    return made;
}

#if SMTPC_WITH_DSN
static int ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80)
            return 0;
    }
    return 1;
}
#endif

/* -N, -R and -V as DSN parameters (sent when the server offers DSN). */
static void set_dsn(const struct cli_options *o, struct smtpc_txn *t, struct smtpc_rcpt *r,
                    size_t n)
{
#if SMTPC_WITH_DSN
    size_t i;

    t->dsn_ret = o->dsn_return;
    t->envid = o->dsn_envid;
    for (i = 0; i < n; i++) {
        r[i].notify = o->dsn_notify;
        if ((o->dsn_notify != 0 || t->dsn_ret != 0 || t->envid != NULL) && ascii(r[i].address))
            r[i].orcpt = r[i].address; /* as sendmail (utf-8 ORCPT, RFC 6533: not yet) */
    }
#else
    (void)t;
    (void)r;
    (void)n;
    if (o->dsn_notify != 0 || o->dsn_return != 0 || o->dsn_envid != NULL)
        fprintf(stderr, "smtpc: warning: built without DSN; -N, -R and -V are ignored\n");
#endif
}

int main(int argc, char **argv)
{
    static struct smtpc_client client;
    struct smtpc_client_options co;
    struct cli_options o;
    struct cli_config cfg;
    struct cli_input_options io;
    struct cli_input in;
    struct cli_added_headers add;
    struct cli_progress progress;
    struct recipients rl = {NULL, 0, NULL, NULL, 0};
    struct smtpc_txn txn;
    struct smtpc_rcpt *rcpts = NULL;
    char password[SMTPC_CREDENTIAL_MAX + 2], hostname[256], sender_made[512];
    char from_header[1024], date[64], message_id[600], headers[8192];
    const char *sender;
    size_t i;
    int rc, status;

    rc = cli_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    status = cli_config_load(&cfg, o.config_file, o.account);
    if (status != 0)
        return status;
    rc = cli_apply_config(&o, &cfg);
    if (rc < 0)
        rc = cli_finish(&o);
    if (rc >= 0) {
        cli_config_free(&cfg);
        return rc;
    }
    smtpc_client_options_default(&co);
    co.host = o.host;
    co.port = o.port;
    co.family = o.family;
    default_ehlo_name(hostname, sizeof hostname);
    co.session.ehlo_name = o.ehlo != NULL ? o.ehlo : hostname;
    memset(&in, 0, sizeof in);
    if (smtpc_check_text(co.session.ehlo_name) != 0 || strchr(co.session.ehlo_name, ' ')) {
        fprintf(stderr, "smtpc: invalid --ehlo name\n");
        status = EXIT_USAGE;
        goto out;
    }
    if (o.full_name != NULL && smtpc_check_text(o.full_name) != 0) {
        fprintf(stderr, "smtpc: invalid -F name (control characters)\n");
        status = EXIT_USAGE;
        goto out;
    }

    if (o.serverinfo) {
        if (o.verbose)
            co.session.trace = cli_trace;
        status = cli_tls_setup(&o, &co);
        if (status == 0)
            status = cli_serverinfo(&o, &co);
        goto out;
    }

    /* the message's header block first: -t and --read-envelope-from need it */
    memset(&io, 0, sizeof io);
    io.path = o.subject != NULL ? o.body_file : o.message_file;
    io.parse_headers = o.subject == NULL;
    io.read_recipients = o.read_recipients;
    io.read_from = o.read_envelope_from;
    io.remove_bcc = !o.keep_bcc;
    io.set_from = o.set_from;
    io.undisclosed = o.undisclosed;
    status = cli_input_open(&in, &io);
    if (status != 0)
        goto out;
    sender = envelope_sender(&o, &in, hostname, sender_made, sizeof sender_made);
    if (smtpc_check_address(sender, 1) != 0) {
        cli_print_safe("smtpc: invalid sender address: ", sender, strlen(sender));
        fputc('\n', stderr);
        status = EXIT_DATAERR;
        goto out;
    }
    status = collect_recipients(&o, &in, bare_name_domain(&o, sender, hostname), &rl);
    if (status != 0)
        goto out;

    memset(&add, 0, sizeof add);
    if (o.subject != NULL) { /* the header block from the options */
        struct smtpc_headers h;
        long n;

        memset(&h, 0, sizeof h);
        h.from = sender[0] != '\0' ? sender : sender_made;
        h.to = (const char *const *)o.recipients;
        h.to_count = o.recipient_count;
        h.subject = o.subject;
        h.priority = o.priority;
        n = smtpc_headers_build(&h, headers, sizeof headers);
        if (n < 0) {
            fprintf(stderr, "smtpc: cannot build the headers: %s\n", smtpc_strerror((int)n));
            status = EXIT_DATAERR;
            goto out;
        }
        io.prepend = headers;
        io.prepend_len = (size_t)n;
    } else {
        const char *at = strrchr(sender, '@');

        if (o.set_from != CLI_SET_OFF && sender[0] != '\0') {
            if (from_value(o.full_name, sender, from_header, sizeof from_header) != 0) {
                fprintf(stderr, "smtpc: the -F name is too long\n");
                status = EXIT_USAGE;
                goto out;
            }
            add.from = from_header;
        }
        if (o.set_date != CLI_SET_OFF) {
            date_value(date, sizeof date);
            add.date = date;
        }
        if (o.set_msgid != CLI_SET_OFF) {
            message_id_value(message_id, sizeof message_id,
                             at != NULL && at[1] != '\0' ? at + 1 : hostname);
            add.message_id = message_id;
        }
    }
    status = cli_input_prepare(&in, &io, &add);
    if (status != 0)
        goto out;
    if (in.known && !o.long_lines_pass && in.long_line) {
        fprintf(stderr, "smtpc: the message has a line longer than 998 octets "
                        "(RFC 5321 limit; --long-lines sends it anyway)\n");
        status = EXIT_DATAERR;
        goto out;
    }

    if (o.user != NULL && strcmp(o.auth, "none") != 0) {
        status = cli_password_get(&cfg, o.password_file, o.host, o.user, password, sizeof password);
        if (status == 1) {
            fprintf(stderr,
                    "smtpc: no password for %s: --password-file FILE, the "
                    "configuration's password, passwordeval or password_file, "
                    "SMTPC_PASSWORD, or the keyring\n",
                    o.user);
            status = EXIT_USAGE;
        }
        if (status != 0)
            goto out;
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
        goto out;

    rcpts = calloc(rl.n, sizeof *rcpts);
    if (rcpts == NULL) {
        fprintf(stderr, "smtpc: out of memory\n");
        status = EXIT_SOFTWARE;
        goto out;
    }
    memset(&txn, 0, sizeof txn);
    for (i = 0; i < rl.n; i++)
        rcpts[i].address = rl.v[i];
    set_dsn(&o, &txn, rcpts, rl.n);
    txn.from = sender;
    txn.rcpt = rcpts;
    txn.rcpt_count = rl.n;
    txn.flags = SMTPC_TXN_CHECKED;
    if (!o.allow_partial)
        txn.flags |= SMTPC_TXN_ALL_RCPTS;
    if (in.known) { /* measured: SIZE=, and with CHUNKING one BDAT ... LAST */
        txn.size = in.size;
        txn.flags |= SMTPC_TXN_SIZE_EXACT;
        if (in.eight_bit)
            txn.flags |= SMTPC_TXN_8BIT;
        if (in.long_line) /* BODY=BINARYMIME where offered with CHUNKING */
            txn.flags |= SMTPC_TXN_BINARY;
    } else if (o.body_type != 7) { /* unseen bytes may be 8-bit */
        txn.flags |= SMTPC_TXN_8BIT;
    }
    if (o.body_type == 8)
        txn.flags |= SMTPC_TXN_8BIT;

    cli_progress_init(&progress, &in, !o.quiet && !o.verbose);
    rc = smtpc_client_init(&client, &co);
    if (rc == 0)
        rc = smtpc_client_send_mail_stream(&client, &txn, cli_progress_read, &progress);
    cli_progress_end(&progress);
    if (rc == 0) {
        if (txn.rcpt_accepted < txn.rcpt_count)
            report_partial(&txn);
        status = EXIT_SENT;
    } else {
        const char *detail = NULL;
        char sizes[96];

        if (rc == SMTPC_ERR_MESSAGE_TOO_BIG) { /* both sizes, as RFC 1870 counts them */
            snprintf(sizes, sizeof sizes, "%llu octets; the server takes at most %lu", txn.size,
                     smtpc_client_session(&client)->caps.size_max);
            detail = sizes;
        }
        if (rc == SMTPC_ERR_BODY_SOURCE && in.read_errno != 0)
            detail = strerror(in.read_errno);
        cli_report_failure("sending", &o, &client, rc, detail);
        if (rc == SMTPC_ERR_REFUSED_RCPT && txn.rcpt_accepted > 0)
            report_partial(&txn);
        status = cli_exit_status(rc, smtpc_client_reply(&client));
    }
    {
        struct cli_log_entry e;

        memset(&e, 0, sizeof e);
        e.account = cfg.account;
        e.from = sender;
        e.recipients = rl.v;
        e.recipient_count = rl.n;
        e.size = in.known ? in.size : in.sent;
        e.reply = rc == 0 ? &txn.end_reply : smtpc_client_reply(&client);
        e.error = rc == 0 ? NULL : smtpc_strerror(rc);
        e.tls = smtpc_client_tls_detail(&client)[0] != '\0' && rc != SMTPC_ERR_TLS &&
                rc != SMTPC_ERR_TLS_VERIFY;
        e.auth = co.session.username != NULL;
        e.status = status;
        cli_log(&o, &e);
    }
out:
    memset(password, 0, sizeof password);
    free(rcpts);
    free_recipients(&rl);
    cli_input_free(&in);
    cli_tls_free();
    cli_config_free(&cfg);
    return status;
}
