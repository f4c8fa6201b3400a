/*
 * smtpc command-line tool: the configuration file and the password
 * sources.
 *
 * The file has msmtp's format and key names, so that an msmtprc works
 * with few changes:
 *
 *   # a comment (a line whose first non-blank character is '#')
 *   defaults                       the settings below apply to every
 *   tls on                         account defined after them
 *   account work                   a new account: the defaults so far,
 *   host smtp.example.org          then its own lines
 *   account work2 : work           inherits what `work` set (in its own
 *   from me2@example.org           lines or from its parents), over the
 *                                  defaults current at this line
 *   account default : work         the account used without -a
 *
 * A line is a key, blanks, and a value up to the end of the line, blanks
 * around it dropped. A value may be double-quoted (to keep blanks at its
 * ends); inside the quotes \" is a quote and \\ a backslash, nothing else
 * may follow a backslash, and nothing but blanks the closing quote. A '#'
 * inside a value is part of it. An empty value means "on" for the keys
 * that take on/off, and unsets the setting for the keys that take a
 * string or a file name (so an account can drop what the defaults set);
 * the other keys need a value. A file name starting with "~/" (or just
 * "~") starts with $HOME. Lines before the first `defaults` or `account`
 * line form an account named "default", as in msmtp.
 *
 * Everything is checked while the file is read, so that each error names
 * its line: unknown keys, the msmtp keys smtpc does not support, values,
 * control characters (only tab is allowed), accounts defined twice or
 * inheriting from an account not defined before them.
 *
 * Everything here prints its own errors: one line on stderr, "smtpc:
 * FILE:LINE: why" or "smtpc: FILE: why", never a password.
 */
#ifndef SMTPC_CLI_CONFIG_H
#define SMTPC_CLI_CONFIG_H

#include <stddef.h>

/* The system-wide file, the last one looked for. */
#ifndef SMTPC_CLI_SYSTEM_CONFIG
#define SMTPC_CLI_SYSTEM_CONFIG "/etc/smtpc.conf"
#endif

/* Larger files are refused (a configuration is a few hundred bytes). */
#define SMTPC_CLI_CONFIG_MAX (1024 * 1024)

/* The keys, in the order of cli_key_name's table. The values stored are
 * checked and normalised as said here; "on/off" keys store "on" or "off". */
enum cli_key {
    /* keys shared with msmtp */
    CLI_KEY_HOST,                   /* host: a host name or address, no blanks */
    CLI_KEY_PORT,                   /* port: 1..65535 or a service name */
    CLI_KEY_FROM,                   /* from: %U %H %C %% expanded, see below */
    CLI_KEY_AUTH,                   /* auth: on, off, plain, login, cram-md5 */
    CLI_KEY_USER,                   /* user */
    CLI_KEY_PASSWORD,               /* password (see holds_password) */
    CLI_KEY_PASSWORDEVAL,           /* passwordeval: a /bin/sh command */
    CLI_KEY_TLS,                    /* tls: on/off */
    CLI_KEY_TLS_STARTTLS,           /* tls_starttls: on/off */
    CLI_KEY_TLS_TRUST_FILE,         /* tls_trust_file: a file, or "system" */
    CLI_KEY_TLS_CERTCHECK,          /* tls_certcheck: on/off */
    CLI_KEY_TLS_CERT_FILE,          /* tls_cert_file: a file */
    CLI_KEY_TLS_KEY_FILE,           /* tls_key_file: a file */
    CLI_KEY_DOMAIN,                 /* domain: the EHLO name, no blanks */
    CLI_KEY_TIMEOUT,                /* timeout: off or 1..86400 (seconds) */
    CLI_KEY_ALIASES,                /* aliases: a file */
    CLI_KEY_LOGFILE,                /* logfile: a file ("-": standard output) */
    CLI_KEY_LOGFILE_TIME_FORMAT,    /* logfile_time_format: a strftime format */
    CLI_KEY_SYSLOG,                 /* syslog: on, off, LOG_USER, LOG_MAIL, LOG_LOCAL0..7 */
    CLI_KEY_DSN_NOTIFY,             /* dsn_notify: off, never, or success,failure,delay */
    CLI_KEY_DSN_RETURN,             /* dsn_return: off, headers, full */
    CLI_KEY_SET_FROM_HEADER,        /* set_from_header: auto, on, off */
    CLI_KEY_SET_DATE_HEADER,        /* set_date_header: auto, off */
    CLI_KEY_SET_MSGID_HEADER,       /* set_msgid_header: auto, off */
    CLI_KEY_REMOVE_BCC_HEADERS,     /* remove_bcc_headers: on/off */
    CLI_KEY_UNDISCLOSED_RECIPIENTS, /* undisclosed_recipients: on/off */
    CLI_KEY_ALLOW_FROM_OVERRIDE,    /* allow_from_override: on/off */
    CLI_KEY_PROTOCOL,               /* protocol: smtp */
    /* smtpc's own keys */
    CLI_KEY_QUALIFY_DOMAIN,       /* qualify_domain: a domain, no blanks */
    CLI_KEY_PASSWORD_FILE,        /* password_file: a file */
    CLI_KEY_ALLOW_PLAINTEXT_AUTH, /* allow_plaintext_auth: on/off */
    CLI_KEY_AUTH_OPTIONAL,        /* auth_optional: on/off */
    CLI_KEY_TLS_BACKEND,          /* tls_backend: openssl, mbedtls */
    CLI_KEY_COUNT
};

struct cli_setting {
    const char *value; /* NULL: not set (then file is NULL and line 0) */
    const char *file;  /* the file whose line set it */
    unsigned line;     /* that line, from 1 */
};

struct cli_config_mem; /* private */

struct cli_config {
    char file[4096];                       /* the file read, "" when none was found */
    char account[128];                     /* the account chosen, "" when only defaults applied */
    struct cli_setting set[CLI_KEY_COUNT]; /* the chosen account's settings */
    int holds_password;                    /* the chosen account has a `password` */
    struct cli_config_mem *mem_;           /* private: the strings pointed to */
};

/* Finds the configuration file and reads it whole.
 *
 * Where: `path` (-C) when not NULL; else $SMTPC_CONFIG when set and not
 * empty; else $XDG_CONFIG_HOME/smtpc/config ($XDG_CONFIG_HOME when it is
 * an absolute path, else $HOME/.config); else SMTPC_CLI_SYSTEM_CONFIG.
 * The first that exists is read, alone. A -C or $SMTPC_CONFIG file that
 * does not exist is an error; a missing user or system file means no
 * configuration (c->file ""), which is fine unless `account` was given.
 *
 * Which account: `account` (-a) when not NULL; else the account named
 * "default"; else, when the file defines no account, the defaults alone
 * (c->account ""); else an error saying to use -a or to add `account
 * default : NAME`.
 *
 * A file holding a `password` line (for any account) must belong to the
 * user running smtpc and give no access to group or others (chmod 600),
 * else it is refused.
 *
 * `from` comes back expanded: %U the user name ($USER, else $LOGNAME,
 * else the password database), %H this host's name, %C its canonical name
 * (%H when the resolver knows none), %% a '%'.
 *
 * Returns 0, or an exit status after printing why: EXIT_CONFIG (78) for
 * every error in the file, a missing -C or $SMTPC_CONFIG file, an
 * account not found, a file refused for its permissions; EXIT_IOERR (74)
 * for a file that exists but cannot be read (a directory, say);
 * EXIT_SOFTWARE (70) when out of memory. On error
 * c->file still names the file ("" before one was found), nothing else is
 * set and nothing needs freeing (cli_config_free is harmless). The strings
 * stay valid until cli_config_free; the struct may be moved or copied. */
int cli_config_load(struct cli_config *c, const char *path, const char *account);

/* Frees what cli_config_load kept and clears *c. */
void cli_config_free(struct cli_config *c);

/* The chosen account's value for k, NULL when not set. */
const char *cli_config_get(const struct cli_config *c, enum cli_key k);

/* For the on/off keys (and auth, syslog, set_*_header): dflt when k is not
 * set or is "auto", 0 when it is "off", else 1. */
int cli_config_on(const struct cli_config *c, enum cli_key k, int dflt);

/* The key's name in the file ("tls_trust_file"), for messages. */
const char *cli_key_name(enum cli_key k);

/* The password for `user` at `host`, from the first source that has one:
 *
 *   1. password_file (--password-file) when not NULL;
 *   2. the configuration's password_file;
 *   3. its password;
 *   4. its passwordeval: run as /bin/sh -c COMMAND, standard input from
 *      /dev/null, standard error inherited; the first line it prints;
 *   5. $SMTPC_PASSWORD, when set and not empty;
 *   6. the desktop keyring: `secret-tool lookup host HOST user USER`, run
 *      without a shell, when a secret-tool is found on $PATH (absolute
 *      directories only) and host and user are not NULL; absent, failing
 *      or printing nothing: there is no password from it.
 *
 * From a file or a command only the first line counts: up to the first
 * CR or LF.
 * A password file must be the user's own with no access for group or
 * others. cfg may be NULL (no configuration).
 *
 * Returns 0 with the password in pw (NUL-terminated, at most cap - 1
 * bytes), 1 when no source has one, or an exit status after printing why
 * (never the password): EXIT_IOERR (74) for a password file that cannot
 * be opened or read (a directory) or a command that cannot be started;
 * EXIT_CONFIG (78) for a password file refused for its permissions, a
 * passwordeval that fails, is killed or prints nothing; EXIT_DATAERR (65)
 * for an empty password file or first line, a NUL byte, or a password of
 * cap bytes or more. */
int cli_password_get(const struct cli_config *cfg, const char *password_file, const char *host,
                     const char *user, char *pw, size_t cap);

#endif
