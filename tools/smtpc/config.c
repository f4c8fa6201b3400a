/*
 * The configuration file (see config.h).
 *
 * The file is read whole into memory, then line by line: each line is cut
 * in place (its end becomes a NUL), a quoted value is decoded in place
 * (it only shrinks), and only what grows (a "~" made $HOME, an expanded
 * `from`) gets new storage. Every string the caller sees lives in one
 * list of blocks (struct cli_config_mem) freed, and wiped, together: the
 * file may hold a password.
 *
 * msmtp's model is kept: the defaults are one set of settings that each
 * `defaults` section changes and that each `account` line copies as it
 * is then; an account inheriting from another takes what that account set
 * (its own lines and, through it, its parents), not the defaults that
 * filled it, which are the new account's own defaults.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

struct cli_config_mem {
    struct cli_config_mem *next;
    size_t size;
    char data[];
};

enum kind {
    K_ONOFF,   /* on, off; empty: on */
    K_STRING,  /* anything; empty: not set */
    K_FILE,    /* a file name, ~ expanded; empty: not set */
    K_NAME,    /* a host or domain name: no blanks; empty: not set */
    K_HOST,    /* the same, a value needed */
    K_PORT,    /* 1..65535 or a service name */
    K_AUTH,    /* on, off, plain, login, cram-md5; empty: on */
    K_TIMEOUT, /* off, 1..86400 */
    K_SYSLOG,  /* on, off, a facility; empty: on */
    K_DSN_NOTIFY,
    K_DSN_RETURN,
    K_SET_FROM, /* auto, on, off; empty: on */
    K_AUTO_OFF, /* auto, off */
    K_PROTOCOL, /* smtp */
    K_TRUST,    /* system, or a file */
    K_BACKEND,  /* openssl, mbedtls; empty: not set */
    K_FROM,     /* %U %H %C %% checked; empty: not set */
};

static const struct {
    const char *name;
    enum kind kind;
} keys[CLI_KEY_COUNT] = {
    [CLI_KEY_HOST] = {"host", K_HOST},
    [CLI_KEY_PORT] = {"port", K_PORT},
    [CLI_KEY_FROM] = {"from", K_FROM},
    [CLI_KEY_AUTH] = {"auth", K_AUTH},
    [CLI_KEY_USER] = {"user", K_STRING},
    [CLI_KEY_PASSWORD] = {"password", K_STRING},
    [CLI_KEY_PASSWORDEVAL] = {"passwordeval", K_STRING},
    [CLI_KEY_TLS] = {"tls", K_ONOFF},
    [CLI_KEY_TLS_STARTTLS] = {"tls_starttls", K_ONOFF},
    [CLI_KEY_TLS_TRUST_FILE] = {"tls_trust_file", K_TRUST},
    [CLI_KEY_TLS_CERTCHECK] = {"tls_certcheck", K_ONOFF},
    [CLI_KEY_TLS_CERT_FILE] = {"tls_cert_file", K_FILE},
    [CLI_KEY_TLS_KEY_FILE] = {"tls_key_file", K_FILE},
    [CLI_KEY_DOMAIN] = {"domain", K_NAME},
    [CLI_KEY_TIMEOUT] = {"timeout", K_TIMEOUT},
    [CLI_KEY_ALIASES] = {"aliases", K_FILE},
    [CLI_KEY_LOGFILE] = {"logfile", K_FILE},
    [CLI_KEY_LOGFILE_TIME_FORMAT] = {"logfile_time_format", K_STRING},
    [CLI_KEY_SYSLOG] = {"syslog", K_SYSLOG},
    [CLI_KEY_DSN_NOTIFY] = {"dsn_notify", K_DSN_NOTIFY},
    [CLI_KEY_DSN_RETURN] = {"dsn_return", K_DSN_RETURN},
    [CLI_KEY_SET_FROM_HEADER] = {"set_from_header", K_SET_FROM},
    [CLI_KEY_SET_DATE_HEADER] = {"set_date_header", K_AUTO_OFF},
    [CLI_KEY_SET_MSGID_HEADER] = {"set_msgid_header", K_AUTO_OFF},
    [CLI_KEY_REMOVE_BCC_HEADERS] = {"remove_bcc_headers", K_ONOFF},
    [CLI_KEY_UNDISCLOSED_RECIPIENTS] = {"undisclosed_recipients", K_ONOFF},
    [CLI_KEY_ALLOW_FROM_OVERRIDE] = {"allow_from_override", K_ONOFF},
    [CLI_KEY_PROTOCOL] = {"protocol", K_PROTOCOL},
    [CLI_KEY_QUALIFY_DOMAIN] = {"qualify_domain", K_NAME},
    [CLI_KEY_PASSWORD_FILE] = {"password_file", K_FILE},
    [CLI_KEY_ALLOW_PLAINTEXT_AUTH] = {"allow_plaintext_auth", K_ONOFF},
    [CLI_KEY_AUTH_OPTIONAL] = {"auth_optional", K_ONOFF},
    [CLI_KEY_TLS_BACKEND] = {"tls_backend", K_BACKEND},
};

/* msmtp's keys (current and former) that smtpc does not implement: named
 * as such rather than "unknown", so that nobody hunts for a typo. */
static const char *const unsupported_keys[] = {
    "proxy_host",
    "proxy_port",
    "socket",
    "source_ip",
    "tls_fingerprint",
    "tls_crl_file",
    "tls_priorities",
    "tls_host_override",
    "tls_min_dh_prime_bits",
    "eval",
    "ntlmdomain",
    "auto_from",
    "maildomain",
    "keepbcc",
    "add_missing_from_header",
    "add_missing_date_header",
    "tls_nocertcheck",
    "tls_nostarttls",
    "tls_force_sslv3",
};

/* msmtp's authentication methods that smtpc does not implement. */
static const char *const unsupported_auth[] = {
    "scram-sha-1", "scram-sha-256", "gssapi",      "external",
    "digest-md5",  "ntlm",          "oauthbearer", "xoauth2",
};

struct account {
    const char *name;
    unsigned line;
    int implicit; /* made by the lines before any section */
    struct cli_setting set[CLI_KEY_COUNT];
    unsigned char own[CLI_KEY_COUNT]; /* set by its lines or a parent's: inherited */
};

struct parser {
    const char *file;
    unsigned line;
    struct cli_config_mem **mem;
    struct account defaults;
    struct account *accounts;
    size_t count, cap;
    long current;     /* an index in accounts, or SECTION_* */
    int has_password; /* some line sets a password */
};

#define ACCOUNT_CAP sizeof(((struct cli_config *)0)->account)
#define SECTION_NONE (-2L)
#define SECTION_DEFAULTS (-1L)

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n-- > 0)
        *v++ = 0;
}

static char *mem_alloc(struct cli_config_mem **head, size_t n)
{
    struct cli_config_mem *m = malloc(sizeof *m + n);

    if (m == NULL)
        return NULL;
    m->next = *head;
    m->size = n;
    *head = m;
    return m->data;
}

static void mem_free(struct cli_config_mem *m)
{
    while (m != NULL) {
        struct cli_config_mem *next = m->next;

        wipe(m->data, m->size);
        free(m);
        m = next;
    }
}

static char *mem_strdup(struct cli_config_mem **head, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = mem_alloc(head, la + lb + 1);

    if (s != NULL) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

static int fail(const struct parser *p, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* "smtpc: FILE:LINE: why" */
static int fail(const struct parser *p, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "smtpc: %s:%u: ", p->file, p->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_CONFIG;
}

static int out_of_memory(void)
{
    fprintf(stderr, "smtpc: out of memory reading the configuration\n");
    return EXIT_SOFTWARE;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* $HOME, else the password database's home directory, else NULL. */
static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    struct passwd *pw;

    if (home != NULL && home[0] != '\0')
        return home;
    pw = getpwuid(getuid());
    return pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] != '\0' ? pw->pw_dir : NULL;
}

static const char *user_name(void)
{
    const char *name = getenv("USER");
    struct passwd *pw;

    if (name != NULL && name[0] != '\0')
        return name;
    name = getenv("LOGNAME");
    if (name != NULL && name[0] != '\0')
        return name;
    pw = getpwuid(getuid());
    return pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0' ? pw->pw_name : NULL;
}

/* "~" and "~/..." start with the home directory. */
static int expand_tilde(struct parser *p, enum cli_key k, const char *v, const char **out)
{
    const char *home;

    *out = v;
    if (v[0] != '~')
        return 0;
    if (v[1] != '\0' && v[1] != '/')
        return fail(p, "%s: only ~/ is expanded, not ~user (write the whole path)", keys[k].name);
    home = home_dir();
    if (home == NULL)
        return fail(p, "%s: cannot expand ~: HOME is not set", keys[k].name);
    *out = mem_strdup(p->mem, home, v + 1);
    return *out != NULL ? 0 : out_of_memory();
}

static int one_of(const char *v, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(v, list[i]) == 0)
            return 1;
    }
    return 0;
}

/* 1 to 65535, or a service name ("submission": letters, digits, '-',
 * starting with a letter), which getaddrinfo resolves. */
static int valid_port(const char *v)
{
    const char *s;
    unsigned long n = 0;

    if ((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')) {
        for (s = v; *s != '\0'; s++) {
            if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                  (*s >= '0' && *s <= '9') || *s == '-'))
                return 0;
        }
        return 1;
    }
    for (s = v; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        if (n <= 65535)
            n = n * 10 + (unsigned long)(*s - '0');
    }
    return n >= 1 && n <= 65535;
}

static int valid_timeout(const char *v)
{
    unsigned long n = 0;
    const char *s;

    if (strcmp(v, "off") == 0)
        return 1;
    if (v[0] == '\0')
        return 0;
    for (s = v; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        if (n <= 86400)
            n = n * 10 + (unsigned long)(*s - '0');
    }
    return n >= 1 && n <= 86400;
}

static int valid_syslog(const char *v)
{
    static const char *const facilities[] = {
        "on",         "off",        "LOG_USER",   "LOG_MAIL",   "LOG_LOCAL0", "LOG_LOCAL1",
        "LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7",
    };

    return one_of(v, facilities, sizeof facilities / sizeof facilities[0]);
}

/* off, never, or a comma list (no blanks, none empty, none twice) of
 * success, failure, delay. */
static int valid_dsn_notify(const char *v)
{
    static const char *const words[] = {"success", "failure", "delay"};
    int seen[3] = {0, 0, 0};

    if (strcmp(v, "off") == 0 || strcmp(v, "never") == 0)
        return 1;
    for (;;) {
        size_t n = strcspn(v, ","), i;

        for (i = 0; i < 3; i++) {
            if (strlen(words[i]) == n && strncmp(v, words[i], n) == 0)
                break;
        }
        if (i == 3 || seen[i])
            return 0;
        seen[i] = 1;
        if (v[n] == '\0')
            return 1;
        v += n + 1;
    }
}

/* The method names, lower-cased in place; "on" for an empty value. */
static int check_auth(struct parser *p, char *v, const char **out)
{
    static const char *const methods[] = {"on", "off", "plain", "login", "cram-md5"};
    char *s;

    if (v[0] == '\0') {
        *out = "on";
        return 0;
    }
    for (s = v; *s != '\0'; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
    }
    if (one_of(v, methods, sizeof methods / sizeof methods[0])) {
        *out = v;
        return 0;
    }
    if (one_of(v, unsupported_auth, sizeof unsupported_auth / sizeof unsupported_auth[0]))
        return fail(p, "auth %s is not supported by smtpc (on, off, plain, login or cram-md5)", v);
    return fail(p, "invalid value '%s' for auth (on, off, plain, login or cram-md5)", v);
}

static int check_from(struct parser *p, const char *v)
{
    const char *s;

    for (s = strchr(v, '%'); s != NULL; s = strchr(s + 2, '%')) {
        if (s[1] == '\0')
            return fail(p, "from: a '%%' at the end (write %%%% for a percent sign)");
        if (s[1] != 'U' && s[1] != 'H' && s[1] != 'C' && s[1] != '%')
            return fail(p, "from: unknown expansion '%%%c' (%%U, %%H, %%C or %%%%)", s[1]);
    }
    return 0;
}

/* Checks the value v (decoded, in the file's buffer) for k; *out is what
 * is stored: v, a constant, new storage, or NULL (the setting unset). */
static int check_value(struct parser *p, enum cli_key k, char *v, const char **out)
{
    const char *name = keys[k].name;
    const char *allowed = NULL;
    int ok = 1;

    *out = v;
    switch (keys[k].kind) {
    case K_ONOFF:
        if (v[0] == '\0')
            *out = "on";
        ok = strcmp(*out, "on") == 0 || strcmp(*out, "off") == 0;
        allowed = "on or off";
        break;
    case K_STRING:
        if (v[0] == '\0')
            *out = NULL;
        break;
    case K_FILE:
        if (v[0] == '\0') {
            *out = NULL;
            return 0;
        }
        return expand_tilde(p, k, v, out);
    case K_HOST:
    case K_NAME:
        if (v[0] == '\0') {
            if (keys[k].kind == K_HOST)
                return fail(p, "%s needs a value", name);
            *out = NULL;
            return 0;
        }
        ok = strpbrk(v, " \t") == NULL;
        allowed = k == CLI_KEY_HOST ? "a host name or address, without blanks"
                                    : "a domain name, without blanks";
        break;
    case K_PORT:
        if (v[0] == '\0')
            return fail(p, "%s needs a value", name);
        ok = valid_port(v);
        allowed = "1 to 65535 or a service name";
        break;
    case K_AUTH:
        return check_auth(p, v, out);
    case K_TIMEOUT:
        if (v[0] == '\0')
            return fail(p, "%s needs a value", name);
        ok = valid_timeout(v);
        allowed = "off or seconds from 1 to 86400";
        break;
    case K_SYSLOG:
        if (v[0] == '\0')
            *out = "on";
        ok = valid_syslog(*out);
        allowed = "on, off, LOG_USER, LOG_MAIL or LOG_LOCAL0 to LOG_LOCAL7";
        break;
    case K_DSN_NOTIFY:
        if (v[0] == '\0')
            return fail(p, "%s needs a value", name);
        ok = valid_dsn_notify(v);
        allowed = "off, never, or a comma list of success, failure, delay";
        break;
    case K_DSN_RETURN:
        if (v[0] == '\0')
            return fail(p, "%s needs a value", name);
        ok = strcmp(v, "off") == 0 || strcmp(v, "headers") == 0 || strcmp(v, "full") == 0;
        allowed = "off, headers or full";
        break;
    case K_SET_FROM:
        if (v[0] == '\0')
            *out = "on";
        ok = strcmp(*out, "auto") == 0 || strcmp(*out, "on") == 0 || strcmp(*out, "off") == 0;
        allowed = "auto, on or off";
        break;
    case K_AUTO_OFF:
        if (v[0] == '\0')
            return fail(p, "%s needs a value", name);
        ok = strcmp(v, "auto") == 0 || strcmp(v, "off") == 0;
        allowed = "auto or off";
        break;
    case K_PROTOCOL:
        if (v[0] == '\0')
            return fail(p, "%s needs a value", name);
        if (strcmp(v, "lmtp") == 0)
            return fail(p, "protocol lmtp is not supported by smtpc");
        ok = strcmp(v, "smtp") == 0;
        allowed = "smtp";
        break;
    case K_TRUST:
        if (v[0] == '\0') {
            *out = NULL;
            return 0;
        }
        if (strcmp(v, "system") == 0)
            return 0;
        return expand_tilde(p, k, v, out);
    case K_BACKEND:
        if (v[0] == '\0') {
            *out = NULL;
            return 0;
        }
        ok = strcmp(v, "openssl") == 0 || strcmp(v, "mbedtls") == 0;
        allowed = "openssl or mbedtls";
        break;
    case K_FROM:
        if (v[0] == '\0') {
            *out = NULL;
            return 0;
        }
        return check_from(p, v);
    }
    if (!ok)
        return fail(p, "invalid value '%s' for %s (%s)", v, name, allowed);
    return 0;
}

/* Decodes a value in place: "..." with \" and \\, or the text as it is
 * (blanks at both ends already cut). */
static int unquote(struct parser *p, char *v)
{
    char *r, *w;

    if (v[0] != '"')
        return 0;
    for (r = v + 1, w = v; *r != '"'; r++) {
        if (*r == '\0')
            return fail(p, "unterminated quoted value");
        if (*r == '\\') {
            r++;
            if (*r != '"' && *r != '\\')
                return fail(p, "invalid backslash escape in a quoted value (only \\\" and \\\\)");
        }
        *w++ = *r;
    }
    if (r[1] != '\0')
        return fail(p, "text after the closing quote");
    *w = '\0';
    return 0;
}

static struct account *find_account(struct parser *p, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < p->count; i++) {
        if (strlen(p->accounts[i].name) == n && strncmp(p->accounts[i].name, name, n) == 0)
            return &p->accounts[i];
    }
    return NULL;
}

static struct account *new_account(struct parser *p, const char *name)
{
    struct account *a;

    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct account *grown = realloc(p->accounts, cap * sizeof *grown);

        if (grown == NULL)
            return NULL;
        p->accounts = grown;
        p->cap = cap;
    }
    a = &p->accounts[p->count++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->line = p->line;
    memcpy(a->set, p->defaults.set, sizeof a->set); /* the defaults as they are now */
    p->current = (long)(p->count - 1);
    return a;
}

static void trim(char **s, char **end)
{
    while (*s < *end && is_blank(**s))
        (*s)++;
    while (*end > *s && is_blank((*end)[-1]))
        (*end)--;
}

/* account NAME [: PARENT[, PARENT...]] */
static int account_line(struct parser *p, char *arg)
{
    char *colon = strchr(arg, ':');
    char *name = arg, *name_end = colon != NULL ? colon : arg + strlen(arg);
    struct account *a, *dup;
    char *s;

    trim(&name, &name_end);
    if (name == name_end)
        return fail(p, "account needs a name");
    for (s = name; s < name_end; s++) {
        if (is_blank(*s) || *s == '"' || *s == ',')
            break;
    }
    *name_end = '\0';
    if (s < name_end)
        return fail(p, "invalid account name '%s' (no blanks, quotes or commas)", name);
    if (strlen(name) >= ACCOUNT_CAP)
        return fail(p, "the account name is longer than %u bytes", (unsigned)ACCOUNT_CAP - 1);
    dup = find_account(p, name, strlen(name));
    if (dup != NULL)
        return fail(p, "account '%s' is already defined at line %u%s", name, dup->line,
                    dup->implicit ? " (by the lines before the first account or defaults line)"
                                  : "");
    if (colon != NULL) { /* check the parents before making the account */
        char *item = colon + 1;

        for (;;) {
            char *item_end = item + strcspn(item, ","), *t = item, *t_end = item_end;

            trim(&t, &t_end);
            if (t == t_end)
                return fail(p, "an empty account name in the list after ':'");
            if (find_account(p, t, (size_t)(t_end - t)) == NULL) {
                *t_end = '\0';
                return fail(p, "account '%s' is not defined before this line", t);
            }
            if (*item_end == '\0')
                break;
            item = item_end + 1;
        }
    }
    a = new_account(p, name);
    if (a == NULL)
        return out_of_memory();
    if (colon != NULL) {
        char *item = colon + 1;

        for (;;) {
            char *item_end = item + strcspn(item, ","), *t = item, *t_end = item_end;
            const struct account *parent;
            int k;

            trim(&t, &t_end);
            parent = find_account(p, t, (size_t)(t_end - t));
            for (k = 0; k < CLI_KEY_COUNT; k++) {
                if (parent->own[k]) {
                    a->set[k] = parent->set[k];
                    a->own[k] = 1;
                }
            }
            if (*item_end == '\0')
                break;
            item = item_end + 1;
        }
    }
    return 0;
}

static int key_line(struct parser *p, const char *key, char *arg)
{
    struct account *target;
    const char *value;
    size_t i;
    int k, rc;

    for (k = 0; k < CLI_KEY_COUNT; k++) {
        if (strcmp(key, keys[k].name) == 0)
            break;
    }
    if (k == CLI_KEY_COUNT) {
        for (i = 0; i < sizeof unsupported_keys / sizeof unsupported_keys[0]; i++) {
            if (strcmp(key, unsupported_keys[i]) == 0)
                return fail(p, "%s is not supported by smtpc", key);
        }
        return fail(p, "unknown key '%s'", key);
    }
    rc = unquote(p, arg);
    if (rc == 0)
        rc = check_value(p, (enum cli_key)k, arg, &value);
    if (rc != 0)
        return rc;
    if (p->current == SECTION_NONE) { /* msmtp: these lines are the account "default" */
        target = new_account(p, "default");
        if (target == NULL)
            return out_of_memory();
        target->implicit = 1;
    }
    target = p->current == SECTION_DEFAULTS ? &p->defaults : &p->accounts[p->current];
    target->set[k].value = value;
    target->set[k].file = value != NULL ? p->file : NULL;
    target->set[k].line = value != NULL ? p->line : 0;
    target->own[k] = 1;
    if (k == CLI_KEY_PASSWORD && value != NULL)
        p->has_password = 1;
    return 0;
}

/* One line, NUL-terminated in place without its end of line. */
static int parse_line(struct parser *p, char *s, size_t len)
{
    char *end = s + len, *key, *arg;
    const char *c;

    for (c = s; c < end; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\t')
            break;
        if ((unsigned char)*c == 0x7f)
            break;
    }
    while (s < end && is_blank(*s))
        s++;
    if (s == end || *s == '#')
        return 0; /* control bytes in comments harm nobody */
    if (c < end)
        return fail(p, "control character 0x%02x (only tab is allowed)", (unsigned char)*c);
    key = s;
    while (s < end && !is_blank(*s))
        s++;
    arg = s;
    trim(&arg, &end);
    *s = '\0'; /* ends the key (a blank, or the line's end) */
    *end = '\0';
    if (strcmp(key, "defaults") == 0) {
        if (arg[0] != '\0')
            return fail(p, "defaults takes no value");
        p->current = SECTION_DEFAULTS;
        return 0;
    }
    if (strcmp(key, "account") == 0)
        return account_line(p, arg);
    return key_line(p, key, arg);
}

static int parse(struct parser *p, char *text, size_t len)
{
    char *s = text, *end = text + len;
    int rc;

    for (p->line = 1; s < end; p->line++) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *line_end = nl != NULL ? nl : end;

        if (line_end > s && line_end[-1] == '\r')
            line_end--;
        rc = parse_line(p, s, (size_t)(line_end - s));
        if (rc != 0)
            return rc;
        if (nl == NULL)
            break;
        s = nl + 1;
    }
    return 0;
}

/* Expands %U, %H, %C, %% in the chosen `from`. */
static int expand_from(struct parser *p, struct cli_setting *set)
{
    char host[256], canon[256], *out = NULL;
    const char *s, *user = NULL;
    int need_user = 0, need_host = 0, need_canon = 0, pass;
    size_t n = 0;

    if (set->value == NULL || strchr(set->value, '%') == NULL)
        return 0;
    p->line = set->line;
    for (s = strchr(set->value, '%'); s != NULL; s = strchr(s + 2, '%')) {
        need_user |= s[1] == 'U';
        need_host |= s[1] == 'H' || s[1] == 'C';
        need_canon |= s[1] == 'C';
    }
    if (need_user && (user = user_name()) == NULL)
        return fail(p, "from: %%U: cannot find the user name");
    host[0] = canon[0] = '\0';
    if (need_host) {
        if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
            return fail(p, "from: cannot find this host's name");
        host[sizeof host - 1] = '\0';
        snprintf(canon, sizeof canon, "%s", host);
    }
    if (need_canon) {
        struct addrinfo hints, *res = NULL;

        memset(&hints, 0, sizeof hints);
        hints.ai_flags = AI_CANONNAME;
        if (getaddrinfo(host, NULL, &hints, &res) == 0) {
            if (res->ai_canonname != NULL && res->ai_canonname[0] != '\0')
                snprintf(canon, sizeof canon, "%s", res->ai_canonname);
            freeaddrinfo(res);
        }
    }
    for (pass = 0; pass < 2; pass++) { /* measure, then write */
        n = 0;
        for (s = set->value; *s != '\0'; s++) {
            const char *piece = NULL;
            size_t len;

            if (*s == '%') {
                s++;
                piece = *s == 'U' ? user : *s == 'H' ? host : *s == 'C' ? canon : "%";
            }
            len = piece != NULL ? strlen(piece) : 1;
            if (out != NULL)
                memcpy(out + n, piece != NULL ? piece : s, len);
            n += len;
        }
        if (out == NULL && (out = mem_alloc(p->mem, n + 1)) == NULL)
            return out_of_memory();
    }
    out[n] = '\0';
    set->value = out;
    return 0;
}

/* Opens the file to read: 0 with *fd, -1 when an optional file does not
 * exist, or an exit status after printing why. */
static int open_config(const char *file, int optional, int *fd)
{
    int err;

    *fd = open(file, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (*fd >= 0)
        return 0;
    err = errno;
    if (optional && (err == ENOENT || err == ENOTDIR))
        return -1;
    fprintf(stderr, "smtpc: %s: cannot open: %s\n", file, strerror(err));
    return err == ENOENT || err == ENOTDIR ? EXIT_CONFIG : EXIT_IOERR;
}

/* Finds the file: 0 with c->file and *fd, 0 with c->file "" when there is
 * none, or an exit status. */
static int find_config(struct cli_config *c, const char *path, int *fd)
{
    const char *env = getenv("SMTPC_CONFIG"), *base;
    char user_file[4096];
    int rc, n;

    *fd = -1;
    if (path == NULL && env != NULL && env[0] != '\0')
        path = env;
    if (path != NULL) {
        if (strlen(path) >= sizeof c->file) {
            fprintf(stderr, "smtpc: %.100s...: the path is longer than %u bytes\n", path,
                    (unsigned)sizeof c->file - 1);
            return EXIT_CONFIG;
        }
        strcpy(c->file, path);
        return open_config(c->file, 0, fd);
    }
    base = getenv("XDG_CONFIG_HOME");
    if (base != NULL && base[0] == '/') {
        n = snprintf(user_file, sizeof user_file, "%s/smtpc/config", base);
    } else {
        base = home_dir();
        n = base != NULL ? snprintf(user_file, sizeof user_file, "%s/.config/smtpc/config", base)
                         : -1;
    }
    if (n > 0 && (size_t)n < sizeof user_file) {
        strcpy(c->file, user_file);
        rc = open_config(c->file, 1, fd);
        if (rc >= 0)
            return rc;
    }
    snprintf(c->file, sizeof c->file, "%s", SMTPC_CLI_SYSTEM_CONFIG);
    rc = open_config(c->file, 1, fd);
    if (rc >= 0)
        return rc;
    c->file[0] = '\0';
    return 0;
}

/* Reads the whole file into new storage, NUL-terminated. */
static int read_config(struct cli_config *c, int fd, const struct stat *st, char **text,
                       size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (S_ISDIR(st->st_mode)) {
        fprintf(stderr, "smtpc: %s: cannot read: %s\n", c->file, strerror(EISDIR));
        return EXIT_IOERR;
    }
    for (;;) {
        ssize_t got;

        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 4096;
            char *grown;

            if (cap > SMTPC_CLI_CONFIG_MAX) {
                fprintf(stderr, "smtpc: %s: larger than %u bytes\n", c->file,
                        (unsigned)SMTPC_CLI_CONFIG_MAX);
                wipe(buf, n);
                free(buf);
                return EXIT_CONFIG;
            }
            grown = malloc(grown_cap); /* not realloc: what is left behind is wiped */
            if (grown == NULL) {
                wipe(buf, n);
                free(buf);
                return out_of_memory();
            }
            if (n > 0)
                memcpy(grown, buf, n);
            wipe(buf, n);
            free(buf);
            buf = grown;
            cap = grown_cap;
        }
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;

            wipe(buf, n);
            free(buf);
            fprintf(stderr, "smtpc: %s: cannot read: %s\n", c->file, strerror(err));
            return EXIT_IOERR;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > SMTPC_CLI_CONFIG_MAX) {
        fprintf(stderr, "smtpc: %s: larger than %u bytes\n", c->file,
                (unsigned)SMTPC_CLI_CONFIG_MAX);
        wipe(buf, n);
        free(buf);
        return EXIT_CONFIG;
    }
    *text = mem_alloc(&c->mem_, n + 1);
    if (*text == NULL) {
        wipe(buf, n);
        free(buf);
        return out_of_memory();
    }
    if (n > 0)
        memcpy(*text, buf, n);
    (*text)[n] = '\0';
    *len = n;
    wipe(buf, n);
    free(buf);
    return 0;
}

/* A file holding a password must be the user's own, closed to others. */
static int check_private(const struct cli_config *c, const struct stat *st)
{
    if (st->st_uid != geteuid()) {
        fprintf(stderr,
                "smtpc: %s: holds a password but is owned by uid %lu, not by you (uid %lu); "
                "it must be your own file, with mode 600\n",
                c->file, (unsigned long)st->st_uid, (unsigned long)geteuid());
        return EXIT_CONFIG;
    }
    if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        fprintf(stderr,
                "smtpc: %s: holds a password but group or others may access it (mode %04o); "
                "run: chmod 600 %s\n",
                c->file, (unsigned)(st->st_mode & 07777), c->file);
        return EXIT_CONFIG;
    }
    return 0;
}

static int choose(struct cli_config *c, struct parser *p, const char *account)
{
    const struct account *a = NULL;

    if (account != NULL) {
        a = find_account(p, account, strlen(account));
        if (a == NULL) {
            fprintf(stderr, "smtpc: %s: no account '%s'\n", c->file, account);
            return EXIT_CONFIG;
        }
    } else {
        a = find_account(p, "default", 7);
        if (a == NULL && p->count > 0) {
            fprintf(stderr,
                    "smtpc: %s: no account chosen: use -a NAME, or add 'account default : "
                    "NAME'\n",
                    c->file);
            return EXIT_CONFIG;
        }
    }
    if (a == NULL) {
        memcpy(c->set, p->defaults.set, sizeof c->set);
        c->account[0] = '\0';
    } else {
        memcpy(c->set, a->set, sizeof c->set);
        snprintf(c->account, sizeof c->account, "%s", a->name);
    }
    c->holds_password = c->set[CLI_KEY_PASSWORD].value != NULL;
    return expand_from(p, &c->set[CLI_KEY_FROM]);
}

int cli_config_load(struct cli_config *c, const char *path, const char *account)
{
    struct parser p;
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int fd, rc;

    memset(c, 0, sizeof *c);
    if (account != NULL && strlen(account) >= sizeof c->account) {
        fprintf(stderr, "smtpc: the account name is longer than %u bytes\n",
                (unsigned)sizeof c->account - 1);
        return EXIT_CONFIG;
    }
    rc = find_config(c, path, &fd);
    if (rc != 0)
        return rc;
    if (c->file[0] == '\0') {
        if (account != NULL) {
            fprintf(stderr, "smtpc: account '%s' given but no configuration file was found\n",
                    account);
            return EXIT_CONFIG;
        }
        return 0;
    }
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "smtpc: %s: cannot read: %s\n", c->file, strerror(errno));
        close(fd);
        return EXIT_IOERR;
    }
    rc = read_config(c, fd, &st, &text, &len);
    close(fd);
    memset(&p, 0, sizeof p);
    p.mem = &c->mem_;
    p.current = SECTION_NONE;
    if (rc == 0) {
        p.file = mem_strdup(&c->mem_, c->file, "");
        rc = p.file != NULL ? parse(&p, text, len) : out_of_memory();
    }
    if (rc == 0 && p.has_password)
        rc = check_private(c, &st);
    if (rc == 0)
        rc = choose(c, &p, account);
    if (p.accounts != NULL) {
        wipe(p.accounts, p.cap * sizeof *p.accounts);
        free(p.accounts);
    }
    if (rc != 0) {
        char file[sizeof c->file];

        memcpy(file, c->file, sizeof file);
        cli_config_free(c);
        memcpy(c->file, file, sizeof file); /* still says which file */
    }
    return rc;
}

void cli_config_free(struct cli_config *c)
{
    mem_free(c->mem_);
    memset(c, 0, sizeof *c);
}

const char *cli_config_get(const struct cli_config *c, enum cli_key k)
{
    if ((int)k < 0 || k >= CLI_KEY_COUNT)
        return NULL;
    return c->set[k].value;
}

int cli_config_on(const struct cli_config *c, enum cli_key k, int dflt)
{
    const char *v = cli_config_get(c, k);

    if (v == NULL || strcmp(v, "auto") == 0)
        return dflt;
    return strcmp(v, "off") != 0;
}

const char *cli_key_name(enum cli_key k)
{
    if ((int)k < 0 || k >= CLI_KEY_COUNT)
        return "?";
    return keys[k].name;
}
