/*
 * smtpc command-line tool: shared declarations.
 */
#ifndef SMTPC_CLI_H
#define SMTPC_CLI_H

#include <stddef.h>
#include <stdio.h>

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

/* set_from_header, set_date_header, set_msgid_header */
#define CLI_SET_AUTO 0 /* add the header when the message has none */
#define CLI_SET_ON 1   /* always write it, replacing the message's own (From only) */
#define CLI_SET_OFF 2  /* never add it */

struct cli_options {
    int sendmail_mode;       /* invoked as "sendmail": -V and -h take sendmail's meanings */
    const char *config_file; /* -C */
    const char *account;     /* -a */
    char host[256];
    char port[32];
    int family;
    const char *from;        /* -f, -r, --from */
    const char *config_from; /* the configuration's from (--read-envelope-from overrides it) */
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
    int quiet;                         /* --quiet: no progress line */
    int serverinfo;                    /* -S, --serverinfo */
    int read_recipients;               /* -t */
    int read_envelope_from;            /* --read-envelope-from */
    const char *full_name;             /* -F */
    int body_type;                     /* -B: 0 not given, 7 (7BIT) or 8 (8BITMIME) */
    unsigned dsn_notify;               /* -N: SMTPC_DSN_NOTIFY_*; 0: not asked */
    int dsn_return;                    /* -R: SMTPC_DSN_RET_*; 0: not asked */
    const char *dsn_envid;             /* -V (sendmail mode), --dsn-envid */
    int no_aliases;                    /* -n */
    const char *aliases;               /* the aliases file */
    const char *qualify_domain;        /* for bare recipients after aliases */
    const char *logfile;               /* -X, --logfile ("-": standard output) */
    const char *logfile_time_format;   /* strftime format; NULL: "%b %d %H:%M:%S" */
    const char *syslog;                /* --syslog: on, off or a facility (LOG_MAIL) */
    int set_from, set_date, set_msgid; /* CLI_SET_* */
    int keep_bcc;                      /* remove_bcc_headers off */
    int undisclosed;                   /* undisclosed_recipients on */
    char **recipients;
    size_t recipient_count;
};

/* An addr-spec found in an address list. Returns 0 to go on. */
typedef int cli_address_fn(void *ctx, const char *addr, size_t len);

/* Calls `each` for every address of an RFC 5322 address list ("A <a@x>,
 * b@y (comment), group: c@z;"): display names, comments and blanks
 * dropped, angle brackets and obsolete routes taken off. Returns 0, -1 for
 * a list that does not parse (an open quote, comment or bracket), or what
 * `each` returned when not 0. */
int cli_address_list(const char *text, size_t len, cli_address_fn *each, void *ctx);

/* Looks `name` (a recipient without '@') up in the aliases file at path:
 * *list is its addresses (an address list, malloc'd; the "default" entry's
 * when the name is not listed), or NULL when neither is there. Returns 0,
 * or EXIT_CONFIG after printing why. */
int cli_aliases_lookup(const char *path, const char *name, char **list);

/* Reading the message (input.c). */
#define CLI_INPUT_HEAD_MAX (1024 * 1024)   /* a longer header block is refused */
#define CLI_INPUT_PREFIX_MAX (1024 * 1024) /* a pipe read ahead, to know its size */

struct cli_input_options {
    const char *path;    /* NULL or "-": standard input */
    int parse_headers;   /* 0: the whole input is body (after `prepend`) */
    const char *prepend; /* a header block made by smtpc (--subject), or NULL;
                            needed by cli_input_prepare only */
    size_t prepend_len;
    int read_recipients; /* -t: collect To, Cc and Bcc */
    int read_from;       /* --read-envelope-from: the first address of From: */
    int remove_bcc;      /* drop Bcc fields */
    int set_from;        /* CLI_SET_* */
    int undisclosed;     /* -t without To or Cc: add "To: undisclosed-recipients:;" */
};

/* Header values smtpc writes when the message lacks them (NULL: none). */
struct cli_added_headers {
    const char *from, *date, *message_id;
};

struct cli_input {
    /* out of cli_input_open */
    char **recipients; /* -t: the addresses in To, Cc and Bcc */
    size_t recipient_count;
    char *header_from; /* read_from: the first address in From:, or NULL */
    int has_from, has_date, has_msgid, has_to;
    /* out of cli_input_prepare */
    int known;               /* the size is exact: the whole input was measured */
    unsigned long long size; /* RFC 1870 size when known */
    int eight_bit, long_line;
    /* the transfer */
    unsigned long long sent; /* bytes handed to the client so far */
    int read_errno;          /* why cli_input_read failed */
    const char *name;        /* the input's name, for messages */
    /* private */
    int fd, close_fd, regular, eof;
    const char *bad_field;
    char *buf, *head;
    size_t len, cap, body_at, blank_at, head_len, head_cap, send_at;
};

/* Opens the input and reads its header block. Returns 0, or an exit status
 * after printing why (an empty message is EXIT_DATAERR). */
int cli_input_open(struct cli_input *in, const struct cli_input_options *o);

/* Writes the header block to send (with `add`'s fields where missing) and
 * measures what can be measured before connecting. Returns 0 or an exit
 * status after printing why. */
int cli_input_prepare(struct cli_input *in, const struct cli_input_options *o,
                      const struct cli_added_headers *add);

/* smtpc_body_read_fn over the prepared message: the header block, then the
 * body as it is read. */
long cli_input_read(void *ctx, uint8_t *buf, size_t cap);

void cli_input_free(struct cli_input *in);

/* The progress line on a terminal (progress.c). */
struct cli_progress {
    struct cli_input *in;
    int enabled, shown;
    double started, last;
};

void cli_progress_init(struct cli_progress *p, struct cli_input *in, int enabled);
/* cli_input_read, with the line brought up to date once a second. */
long cli_progress_read(void *ctx, uint8_t *buf, size_t cap);
/* Rubs the line out, if it was shown. */
void cli_progress_end(struct cli_progress *p);

/* Parses argv. Returns -1 to go on, or an exit status (0 after --help or
 * --version, EXIT_USAGE after an error already printed). */
int cli_parse(int argc, char **argv, struct cli_options *o);

/* What a log line tells of one message (log.c). */
struct cli_log_entry {
    const char *account; /* "" or NULL: none */
    const char *from;
    char **recipients;
    size_t recipient_count;
    unsigned long long size;         /* octets sent */
    const struct smtpc_reply *reply; /* the server's last word, or NULL */
    const char *error;               /* NULL after success */
    int tls, auth, status;
};

/* Writes the entry to the log file and to syslog, where configured. */
void cli_log(const struct cli_options *o, const struct cli_log_entry *e);

struct cli_config;

/* Fills what the command line left unset from the configuration. Returns
 * -1, or EXIT_USAGE after printing why. */
int cli_apply_config(struct cli_options *o, const struct cli_config *c);

/* After the configuration filled what the command line left: defaults, and
 * the checks of options against each other. Returns -1 or EXIT_USAGE. */
int cli_finish(struct cli_options *o);

/* Splits "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT". Returns 0 or -1. */
int cli_split_server(const char *arg, char *host, size_t host_cap, char *port, size_t port_cap);

/* Exit status for a client error. */
int cli_exit_status(int err, const struct smtpc_reply *reply);

/* Prints "smtpc: <what> failed at <step>: <error> (<detail>); server said:
 * <reply>" on stderr, as one line; detail may be NULL or "". */
void cli_report(const char *what, int err, const char *step, const char *detail,
                const struct smtpc_reply *reply);

/* cli_report for a client's failure: its step ("connect to HOST port
 * PORT" for the connection), `detail`, or when NULL the TLS layer's or the
 * socket's reason, and the server's reply. */
void cli_report_failure(const char *what, const struct cli_options *o, const struct smtpc_client *c,
                        int err, const char *detail);

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
void cli_print_safe_to(FILE *f, const char *prefix, const char *text, size_t len);

/* --serverinfo: connects, prints the greeting, the TLS session and the
 * capabilities on stdout, and quits. Returns the exit status. */
int cli_serverinfo(const struct cli_options *o, struct smtpc_client_options *co);

/* Trace callback for -v. */
void cli_trace(void *ctx, int direction, const char *line, size_t len);

#endif
