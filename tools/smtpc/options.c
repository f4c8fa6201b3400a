/* Command-line parsing for smtpc. */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "config.h"
#include "smtpc/message.h"

#ifndef SMTPC_VERSION
#define SMTPC_VERSION "0.0.0"
#endif

static const char usage_text[] =
    "Usage: smtpc [OPTIONS] [--] RECIPIENT...\n"
    "       smtpc [OPTIONS] -t [RECIPIENT...]\n"
    "Send one message to every RECIPIENT through an SMTP server. smtpc takes\n"
    "sendmail's options too; installed or linked as 'sendmail', it is the sendmail\n"
    "of a machine without a mail server (cron, mail, git send-email, PHP ...).\n"
    "Settings come from a configuration file in msmtp's format: -C FILE, else\n"
    "$SMTPC_CONFIG, else $XDG_CONFIG_HOME/smtpc/config (~/.config/smtpc/config),\n"
    "else /etc/smtpc.conf (see smtpc.conf(5)); options override it.\n"
    "\n"
    "Configuration:\n"
    "  -C, --config FILE          read FILE as the configuration\n"
    "  -a, --account NAME         use the account NAME of the configuration\n"
    "Server:\n"
    "  -s, --server HOST[:PORT]   server (default localhost:25); [IPv6]:PORT accepted\n"
    "  -4, --ipv4 / -6, --ipv6    use only IPv4 / only IPv6\n"
    "      --ehlo NAME            name to greet with (default: this host's name)\n"
    "      --timeout SECONDS      limit for every wait (default: RFC 5321 values)\n"
    "Authentication:\n"
    "  -u, --user NAME            authenticate as NAME\n"
    "      --password-file FILE   password from the first line of FILE (default:\n"
    "                             the environment variable SMTPC_PASSWORD)\n"
    "      --auth none|plain|login|cram-md5|auto\n"
    "                             mechanism (default auto: PLAIN over TLS; in clear\n"
    "                             CRAM-MD5, which does not reveal the password)\n"
    "      --allow-plaintext-auth allow the password over an unencrypted connection\n"
    "                             (DANGEROUS: anyone on the path can read it)\n"
    "      --auth-optional        send without authenticating when the server\n"
    "                             offers no AUTH (default: fail)\n"
    "TLS:\n"
    "      --tls auto|none|starttls|starttls-opportunistic|implicit\n"
    "                             auto (default): implicit on port 465, required\n"
    "                             STARTTLS on 587, else STARTTLS when offered\n"
    "      --cacert FILE          trust the CAs in FILE (default: the system's)\n"
    "      --capath DIR           trust the CAs in DIR (hashed names)\n"
    "      --cert FILE            client certificate (PEM)\n"
    "      --key FILE             its private key (default: in --cert)\n"
    "      --tls-no-verify        accept any certificate (DANGEROUS: anyone on\n"
    "                             the path can read and change the mail)\n"
    "      --tls-backend NAME     openssl or mbedtls, when both are built\n";

static const char usage_text_message[] =
    "Message:\n"
    "  -f, -r, --from ADDR        envelope sender ('' or <>: none); default: the\n"
    "                             configuration's from, else USER@HOST\n"
    "      --read-envelope-from   envelope sender from the message's From:\n"
    "  -t, --read-recipients      recipients also from To:, Cc: and Bcc:\n"
    "                             (Bcc: is never sent)\n"
    "  -F NAME                    full name for the From: smtpc adds\n"
    "  -B 7BIT|8BITMIME           the body's type (8BITMIME: BODY=8BITMIME)\n"
    "  -N never|success,failure,delay\n"
    "                             delivery status notifications (DSN) asked for\n"
    "  -R full|hdrs               what a DSN returns of the message\n"
    "      --dsn-envid ID         envelope id for DSNs (-V ID as 'sendmail')\n"
    "  -n                         no aliases file for bare recipients\n"
    "      --subject TEXT         build the message: headers from the options,\n"
    "                             body from --body-file or standard input\n"
    "      --body-file FILE       body for --subject\n"
    "      --priority high|normal|low\n"
    "                             priority header for --subject\n"
    "      --message FILE         a complete RFC 5322 message ('-': standard input;\n"
    "                             the default when --subject is absent); Date:,\n"
    "                             Message-ID: and From: added when missing\n"
    "      --allow-partial        deliver to the accepted recipients even if some\n"
    "                             are refused (default: all or nothing)\n"
    "      --long-lines           send lines over 998 octets (default: refuse)\n"
    "Other:\n"
    "  -v, --verbose              protocol trace on stderr (passwords redacted)\n"
    "      --quiet                no progress line (shown on a terminal for sends\n"
    "                             that take more than a second)\n"
    "  -S, --serverinfo           print the server's greeting, TLS session and\n"
    "                             capabilities; send nothing\n"
    "  -X, --logfile FILE         one line per message appended to FILE\n"
    "      --syslog[=FACILITY]    the same line to syslog (default LOG_MAIL)\n"
    "  -h, --help                 this help\n"
    "  -V, --version              version\n"
    "sendmail's options without meaning for smtpc (there is no local queue):\n"
    "  -i, -oi (input always ends at its end, never at a '.' line), every other\n"
    "  -oX, -bm, -U, -G, -m, -Ac, -Am, -L TAG, -O OPT=VAL, -e X, and as\n"
    "  'sendmail' -h N are accepted and ignored; -bp, -bs, -bd ... and -q are\n"
    "  refused (smtpc keeps no queue).\n"
    "\n"
    "Exit status (sysexits.h): 0 sent, 64 usage, 65 bad message or address,\n"
    "68 host unknown, 69 refused permanently, 74 I/O error, 75 temporary\n"
    "failure, 76 protocol or TLS error, 77 authentication refused by the server,\n"
    "78 a configuration error, or smtpc's own rule stopped it (no AUTH offered,\n"
    "no allowed mechanism, a password that would cross in clear); a certificate\n"
    "that does not verify gives 69.\n";

enum {
    OPT_EHLO = 256,
    OPT_PASSWORD_FILE,
    OPT_AUTH,
    OPT_ALLOW_PLAINTEXT,
    OPT_AUTH_OPTIONAL,
    OPT_SUBJECT,
    OPT_BODY_FILE,
    OPT_MESSAGE,
    OPT_PRIORITY,
    OPT_TIMEOUT,
    OPT_ALLOW_PARTIAL,
    OPT_LONG_LINES,
    OPT_TLS,
    OPT_CACERT,
    OPT_CAPATH,
    OPT_CERT,
    OPT_KEY,
    OPT_TLS_NO_VERIFY,
    OPT_TLS_BACKEND,
    OPT_READ_ENVELOPE_FROM,
    OPT_DSN_ENVID,
    OPT_HELP,
    OPT_VERSION,
    OPT_SYSLOG,
    OPT_QUIET,
};

static const struct option long_options[] = {
    {"server", required_argument, NULL, 's'},
    {"ipv4", no_argument, NULL, '4'},
    {"ipv6", no_argument, NULL, '6'},
    {"from", required_argument, NULL, 'f'},
    {"ehlo", required_argument, NULL, OPT_EHLO},
    {"user", required_argument, NULL, 'u'},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"auth", required_argument, NULL, OPT_AUTH},
    {"allow-plaintext-auth", no_argument, NULL, OPT_ALLOW_PLAINTEXT},
    {"auth-optional", no_argument, NULL, OPT_AUTH_OPTIONAL},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"body-file", required_argument, NULL, OPT_BODY_FILE},
    {"message", required_argument, NULL, OPT_MESSAGE},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL},
    {"long-lines", no_argument, NULL, OPT_LONG_LINES},
    {"tls", required_argument, NULL, OPT_TLS},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"capath", required_argument, NULL, OPT_CAPATH},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"tls-no-verify", no_argument, NULL, OPT_TLS_NO_VERIFY},
    {"tls-backend", required_argument, NULL, OPT_TLS_BACKEND},
    {"config", required_argument, NULL, 'C'},
    {"account", required_argument, NULL, 'a'},
    {"read-recipients", no_argument, NULL, 't'},
    {"read-envelope-from", no_argument, NULL, OPT_READ_ENVELOPE_FROM},
    {"dsn-notify", required_argument, NULL, 'N'},
    {"dsn-return", required_argument, NULL, 'R'},
    {"dsn-envid", required_argument, NULL, OPT_DSN_ENVID},
    {"logfile", required_argument, NULL, 'X'},
    {"serverinfo", no_argument, NULL, 'S'},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"syslog", optional_argument, NULL, OPT_SYSLOG},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "smtpc: %s%s%s\nTry 'smtpc --help'.\n", msg, arg ? ": " : "", arg ? arg : "");
    return EXIT_USAGE;
}

/* Without a TLS backend: the first option given that needs TLS, or NULL.
 * Refused rather than ignored, so that nobody believes a mail went out
 * encrypted or verified. */
static const char *needs_tls(const struct cli_options *o)
{
    if (strcmp(o->tls, "auto") != 0 && strcmp(o->tls, "none") != 0)
        return "--tls";
    if (o->cacert != NULL)
        return "--cacert";
    if (o->capath != NULL)
        return "--capath";
    if (o->cert != NULL)
        return "--cert";
    if (o->key != NULL)
        return "--key";
    if (o->tls_no_verify)
        return "--tls-no-verify";
    return NULL;
}

/* "smtpc: --tls starttls: smtpc was built without TLS", as a usage error. */
static int without_tls(const char *option, const char *value)
{
    fprintf(stderr, "smtpc: %s%s%s: smtpc was built without TLS\nTry 'smtpc --help'.\n", option,
            value != NULL ? " " : "", value != NULL ? value : "");
    return EXIT_USAGE;
}

static void print_usage(void)
{
    size_t i;

    fputs(usage_text, stdout);
    fputs(usage_text_message, stdout);
    if (cli_tls_backends[0] == NULL) {
        fputs("\nThis smtpc was built without TLS: it never uses STARTTLS, refuses the TLS\n"
              "options, and with --tls auto refuses ports 465 and 587, where TLS is required.\n",
              stdout);
        return;
    }
    fputs("\nTLS backends in this build:", stdout);
    for (i = 0; cli_tls_backends[i] != NULL; i++)
        printf(" %s", cli_tls_backends[i]);
    fputs("\n", stdout);
}

static int copy(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

/* A port is a number from 1 to 65535 or a service name ("submission"). */
static int valid_port(const char *port)
{
    const char *p;
    unsigned long v = 0;

    if (port[0] == '\0')
        return 0;
    for (p = port; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return p == port; /* a name: getaddrinfo decides */
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 65535)
            return 0;
    }
    return v > 0;
}

static int split_server(const char *arg, char *host, size_t host_cap, char *port, size_t port_cap)
{
    const char *colon;

    if (arg[0] == '[') {
        const char *end = strchr(arg, ']');

        if (end == NULL || end == arg + 1 || copy(host, host_cap, arg + 1, (size_t)(end - arg - 1)))
            return -1;
        if (end[1] == '\0')
            return copy(port, port_cap, "25", 2);
        if (end[1] != ':' || end[2] == '\0')
            return -1;
        return copy(port, port_cap, end + 2, strlen(end + 2));
    }
    colon = strchr(arg, ':');
    if (colon != NULL && strchr(colon + 1, ':') != NULL) /* bare IPv6 address */
        colon = NULL;
    if (colon == NULL) {
        if (arg[0] == '\0' || copy(host, host_cap, arg, strlen(arg)))
            return -1;
        return copy(port, port_cap, "25", 2);
    }
    if (colon == arg || colon[1] == '\0' || copy(host, host_cap, arg, (size_t)(colon - arg)))
        return -1;
    return copy(port, port_cap, colon + 1, strlen(colon + 1));
}

int cli_split_server(const char *arg, char *host, size_t host_cap, char *port, size_t port_cap)
{
    if (split_server(arg, host, host_cap, port, port_cap) != 0 || !valid_port(port))
        return -1;
    return 0;
}

/* The option getopt stopped at, as the user wrote it. A letter is named on
 * its own: inside a cluster ("-vx") argv[optind - 1] may be the argument
 * before. A long option is argv[optind - 1], consumed whole: an unknown
 * one has no optopt, and one without its value (`missing`) was the
 * argument just read. */
static const char *offending(char **argv, int missing, char *short_name)
{
    const char *last = argv[optind - 1];

    if (missing && strncmp(last, "--", 2) == 0)
        return last;
    if (optopt > 0 && optopt < 128 && isalnum(optopt)) {
        short_name[0] = '-';
        short_name[1] = (char)optopt;
        short_name[2] = '\0';
        return short_name;
    }
    return last;
}

/* Invoked as "sendmail" (a link to smtpc, or a copy of it so named). */
static int invoked_as_sendmail(const char *argv0)
{
    const char *base = argv0 != NULL ? strrchr(argv0, '/') : NULL;

    base = base != NULL ? base + 1 : argv0;
    return base != NULL && strcmp(base, "sendmail") == 0;
}

/* -N: "never", or a comma list of success, failure and delay, as
 * SMTPC_DSN_NOTIFY_* bits (0 for anything else). */
static unsigned notify_bits(const char *v)
{
    static const struct {
        const char *word;
        unsigned bit;
    } words[] = {
        {"success", SMTPC_DSN_NOTIFY_SUCCESS},
        {"failure", SMTPC_DSN_NOTIFY_FAILURE},
        {"delay", SMTPC_DSN_NOTIFY_DELAY},
    };
    unsigned bits = 0;

    if (strcasecmp(v, "never") == 0)
        return SMTPC_DSN_NOTIFY_NEVER;
    for (;;) {
        size_t n = strcspn(v, ","), i;

        for (i = 0; i < sizeof words / sizeof words[0]; i++) {
            if (n == strlen(words[i].word) && strncasecmp(v, words[i].word, n) == 0)
                break;
        }
        if (i == sizeof words / sizeof words[0])
            return 0; /* an unknown word, or an empty one (",,", a comma at either end) */
        bits |= words[i].bit;
        if (v[n] == '\0')
            return bits;
        v += n + 1;
    }
}

/* -R, dsn_return: full, or hdrs (the configuration's "headers"). */
static int ret_value(const char *v)
{
    return strcasecmp(v, "full") == 0 ? SMTPC_DSN_RET_FULL : SMTPC_DSN_RET_HDRS;
}

/* sendmail's -b modes: only -bm (deliver a message, the default) means
 * something without a local MTA. */
static int refuse_mode(const char *flag, const char *value)
{
    fprintf(stderr, "smtpc: -%s%s: not supported (smtpc sends at once and keeps no queue)\n", flag,
            value);
    return EXIT_USAGE;
}

int cli_parse(int argc, char **argv, struct cli_options *o)
{
    int c;
    char short_name[3];
    const char *shorts;

    memset(o, 0, sizeof *o);
    o->sendmail_mode = invoked_as_sendmail(argv[0]);
    /* sendmail's letters and smtpc's: as "sendmail", -V is the DSN envelope
     * id and -h the hop count; otherwise version and help */
    shorts = o->sendmail_mode ? ":s:46f:r:u:vh:V:StiF:B:N:R:o:b:C:a:nUGmA:L:O:e:q::X:"
                              : ":s:46f:r:u:vhVStiF:B:N:R:o:b:C:a:nUGmA:L:O:e:q::X:";
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, long_options, NULL)) != -1) {
        switch (c) {
        case 'C':
            o->config_file = optarg;
            break;
        case 'a':
            o->account = optarg;
            break;
        case 't':
            o->read_recipients = 1;
            break;
        case 'i': /* input ends at its end, never at a "." line */
            break;
        case OPT_READ_ENVELOPE_FROM:
            o->read_envelope_from = 1;
            break;
        case 'F':
            o->full_name = optarg;
            break;
        case 'B':
            if (strcasecmp(optarg, "7BIT") == 0)
                o->body_type = 7;
            else if (strcasecmp(optarg, "8BITMIME") == 0)
                o->body_type = 8;
            else
                return usage_error("-B takes 7BIT or 8BITMIME", optarg);
            break;
        case 'N':
            o->dsn_notify = notify_bits(optarg);
            if (o->dsn_notify == 0)
                return usage_error("-N takes never, or a list of success, failure and delay",
                                   optarg);
            break;
        case 'R':
            if (strcasecmp(optarg, "full") && strcasecmp(optarg, "hdrs"))
                return usage_error("-R takes full or hdrs", optarg);
            o->dsn_return = ret_value(optarg);
            break;
        case OPT_DSN_ENVID:
            o->dsn_envid = optarg;
            break;
        case 'n':
            o->no_aliases = 1;
            break;
        case 'o': /* -oi, -oem, -odi, -oQ/dir ...: a local MTA's settings */
        case 'U': /* initial submission */
        case 'G': /* gateway submission */
        case 'm': /* "me too" */
        case 'A': /* -Ac, -Am: which submit.cf */
        case 'L': /* syslog tag */
        case 'O': /* -O option=value */
        case 'e': /* obsolete error mode */
            break;
        case 'X':
            o->logfile = optarg;
            break;
        case 'S':
            o->serverinfo = 1;
            break;
        case OPT_QUIET:
            o->quiet = 1;
            break;
        case OPT_SYSLOG:
            o->syslog = optarg != NULL ? optarg : "on";
            break;
        case 'b':
            if (strcmp(optarg, "m") != 0)
                return refuse_mode("b", optarg);
            break;
        case 'q':
            return refuse_mode("q", optarg != NULL ? optarg : "");
        case 's':
            if (cli_split_server(optarg, o->host, sizeof o->host, o->port, sizeof o->port) != 0)
                return usage_error("bad --server value", optarg);
            break;
        case '4':
            o->family = SMTPC_FAMILY_IPV4;
            break;
        case '6':
            o->family = SMTPC_FAMILY_IPV6;
            break;
        case 'f':
        case 'r':
            o->from = optarg;
            break;
        case OPT_EHLO:
            o->ehlo = optarg;
            break;
        case 'u':
            o->user = optarg;
            break;
        case OPT_PASSWORD_FILE:
            o->password_file = optarg;
            break;
        case OPT_AUTH:
            if (strcmp(optarg, "none") && strcmp(optarg, "plain") && strcmp(optarg, "login") &&
                strcmp(optarg, "cram-md5") && strcmp(optarg, "auto"))
                return usage_error("--auth takes none, plain, login, cram-md5 or auto", optarg);
            o->auth = optarg;
            break;
        case OPT_ALLOW_PLAINTEXT:
            o->allow_plaintext_auth = 1;
            break;
        case OPT_AUTH_OPTIONAL:
            o->auth_optional = 1;
            break;
        case OPT_SUBJECT:
            o->subject = optarg;
            break;
        case OPT_BODY_FILE:
            o->body_file = optarg;
            break;
        case OPT_MESSAGE:
            o->message_file = optarg;
            break;
        case OPT_PRIORITY:
            if (strcmp(optarg, "high") == 0)
                o->priority = SMTPC_PRIORITY_HIGH;
            else if (strcmp(optarg, "normal") == 0)
                o->priority = SMTPC_PRIORITY_NORMAL;
            else if (strcmp(optarg, "low") == 0)
                o->priority = SMTPC_PRIORITY_LOW;
            else
                return usage_error("--priority takes high, normal or low", optarg);
            break;
        case OPT_TIMEOUT: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);

            if (*end != '\0' || v == 0 || v > 86400 || optarg[0] == '-')
                return usage_error("--timeout takes seconds from 1 to 86400", optarg);
            o->timeout_s = (unsigned)v;
            break;
        }
        case OPT_ALLOW_PARTIAL:
            o->allow_partial = 1;
            break;
        case OPT_LONG_LINES:
            o->long_lines_pass = 1;
            break;
        case OPT_TLS:
            if (strcmp(optarg, "auto") && strcmp(optarg, "none") && strcmp(optarg, "starttls") &&
                strcmp(optarg, "starttls-opportunistic") && strcmp(optarg, "implicit"))
                return usage_error(
                    "--tls takes auto, none, starttls, starttls-opportunistic or implicit", optarg);
            o->tls = optarg;
            break;
        case OPT_CACERT:
            o->cacert = optarg;
            break;
        case OPT_CAPATH:
            o->capath = optarg;
            break;
        case OPT_CERT:
            o->cert = optarg;
            break;
        case OPT_KEY:
            o->key = optarg;
            break;
        case OPT_TLS_NO_VERIFY:
            o->tls_no_verify = 1;
            break;
        case OPT_TLS_BACKEND: {
            size_t i;

            if (cli_tls_backends[0] == NULL)
                return without_tls("--tls-backend", optarg);
            for (i = 0; cli_tls_backends[i] != NULL; i++) {
                if (strcmp(optarg, cli_tls_backends[i]) == 0)
                    break;
            }
            if (cli_tls_backends[i] == NULL)
                return usage_error("--tls-backend: not built with this backend", optarg);
            o->tls_backend = optarg;
            break;
        }
        case 'v':
            o->verbose = 1;
            break;
        case 'h':
            if (o->sendmail_mode) /* the hop count */
                break;
            print_usage();
            return 0;
        case 'V':
            if (o->sendmail_mode) { /* the DSN envelope id */
                o->dsn_envid = optarg;
                break;
            }
            printf("smtpc %s\n", SMTPC_VERSION);
            return 0;
        case OPT_HELP:
            print_usage();
            return 0;
        case OPT_VERSION:
            printf("smtpc %s\n", SMTPC_VERSION);
            return 0;
        case ':':
            return usage_error("option needs a value", offending(argv, 1, short_name));
        default:
            return usage_error("unknown option", offending(argv, 0, short_name));
        }
    }
    if (optind >= argc && !o->read_recipients && !o->serverinfo)
        return usage_error("no recipient given (name one, or -t to take them from the message)",
                           NULL);
    o->recipients = argv + optind;
    o->recipient_count = (size_t)(argc - optind);
    return -1;
}

/* A set_*_header value as CLI_SET_*. */
static int set_mode(const struct cli_config *c, enum cli_key k)
{
    const char *v = cli_config_get(c, k);

    if (v == NULL || strcmp(v, "auto") == 0)
        return CLI_SET_AUTO;
    return strcmp(v, "off") == 0 ? CLI_SET_OFF : CLI_SET_ON;
}

/* What the configuration says, where the command line said nothing. */
int cli_apply_config(struct cli_options *o, const struct cli_config *c)
{
    const char *v;

#define GET(key) cli_config_get(c, CLI_KEY_##key)
#define FILL(field, key)                                                                           \
    do {                                                                                           \
        if (o->field == NULL)                                                                      \
            o->field = GET(key);                                                                   \
    } while (0)
    if (o->host[0] == '\0' && GET(HOST) != NULL &&
        copy(o->host, sizeof o->host, GET(HOST), strlen(GET(HOST))) != 0)
        return usage_error("host name too long", NULL);
    if (o->port[0] == '\0' && GET(PORT) != NULL &&
        copy(o->port, sizeof o->port, GET(PORT), strlen(GET(PORT))) != 0)
        return usage_error("port too long", NULL);
    o->config_from = GET(FROM);
    if (o->config_from != NULL && !cli_config_on(c, CLI_KEY_ALLOW_FROM_OVERRIDE, 1))
        o->from = NULL; /* allow_from_override off: the account's sender only */
    v = GET(AUTH);
    if (o->auth == NULL && v != NULL)
        o->auth = strcmp(v, "on") == 0 ? "auto" : strcmp(v, "off") == 0 ? "none" : v;
    FILL(user, USER);
    v = GET(TLS);
    if (o->tls == NULL && v != NULL) /* msmtp: tls on is STARTTLS unless tls_starttls off */
        o->tls = strcmp(v, "off") == 0                       ? "none"
                 : cli_config_on(c, CLI_KEY_TLS_STARTTLS, 1) ? "starttls"
                                                             : "implicit";
    v = GET(TLS_TRUST_FILE);
    if (o->cacert == NULL && o->capath == NULL && v != NULL && strcmp(v, "system") != 0)
        o->cacert = v;
    if (!cli_config_on(c, CLI_KEY_TLS_CERTCHECK, 1))
        o->tls_no_verify = 1;
    FILL(cert, TLS_CERT_FILE);
    FILL(key, TLS_KEY_FILE);
    FILL(ehlo, DOMAIN);
    v = GET(TIMEOUT);
    if (o->timeout_s == 0 && v != NULL && strcmp(v, "off") != 0)
        o->timeout_s = (unsigned)strtoul(v, NULL, 10);
    FILL(aliases, ALIASES);
    FILL(logfile, LOGFILE);
    FILL(logfile_time_format, LOGFILE_TIME_FORMAT);
    FILL(syslog, SYSLOG);
    FILL(qualify_domain, QUALIFY_DOMAIN);
    FILL(tls_backend, TLS_BACKEND);
    v = GET(DSN_NOTIFY);
    if (o->dsn_notify == 0 && v != NULL && strcmp(v, "off") != 0)
        o->dsn_notify = notify_bits(v); /* checked as the file was read */
    v = GET(DSN_RETURN);
    if (o->dsn_return == 0 && v != NULL && strcmp(v, "off") != 0)
        o->dsn_return = ret_value(v);
    o->set_from = set_mode(c, CLI_KEY_SET_FROM_HEADER);
    o->set_date = set_mode(c, CLI_KEY_SET_DATE_HEADER);
    o->set_msgid = set_mode(c, CLI_KEY_SET_MSGID_HEADER);
    o->keep_bcc = !cli_config_on(c, CLI_KEY_REMOVE_BCC_HEADERS, 1);
    o->undisclosed = cli_config_on(c, CLI_KEY_UNDISCLOSED_RECIPIENTS, 0);
    if (cli_config_on(c, CLI_KEY_ALLOW_PLAINTEXT_AUTH, 0))
        o->allow_plaintext_auth = 1;
    if (cli_config_on(c, CLI_KEY_AUTH_OPTIONAL, 0))
        o->auth_optional = 1;
#undef FILL
#undef GET
    return -1;
}

int cli_finish(struct cli_options *o)
{
    if (o->host[0] == '\0')
        strcpy(o->host, "localhost");
    if (o->auth == NULL)
        o->auth = "auto";
    if (o->tls == NULL)
        o->tls = "auto";
    if (o->port[0] == '\0') /* as msmtp: 465 for TLS from the start, else 25 */
        strcpy(o->port, strcmp(o->tls, "implicit") == 0 ? "465" : "25");
    if (o->subject != NULL && o->message_file != NULL)
        return usage_error("--subject and --message exclude each other", NULL);
    if (o->subject != NULL && o->read_recipients)
        return usage_error("-t reads a message's headers, and --subject builds them", NULL);
    if (o->body_file != NULL && o->subject == NULL)
        return usage_error("--body-file needs --subject", NULL);
    if (o->priority != 0 && o->subject == NULL)
        return usage_error("--priority needs --subject", NULL);
    if (o->password_file != NULL && o->user == NULL)
        return usage_error("--password-file needs --user", NULL);
    if (o->key != NULL && o->cert == NULL)
        return usage_error("--key needs --cert", NULL);
    if (o->tls_backend != NULL) {
        size_t i;

        for (i = 0; cli_tls_backends[i] != NULL; i++) {
            if (strcmp(o->tls_backend, cli_tls_backends[i]) == 0)
                break;
        }
        if (cli_tls_backends[i] == NULL)
            return usage_error("tls_backend: not built with this backend", o->tls_backend);
    }
    if (cli_tls_backends[0] == NULL && needs_tls(o) != NULL)
        return without_tls(needs_tls(o), strcmp(needs_tls(o), "--tls") == 0 ? o->tls : NULL);
    return -1;
}
