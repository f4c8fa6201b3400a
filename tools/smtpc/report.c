/* What smtpc tells the user: exit status, the error line, the trace. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_exit_status(int err, const struct smtpc_reply *reply)
{
    int temporary = reply != NULL && reply->code / 100 == 4;

    switch (err) {
    case SMTPC_OK:
        return EXIT_SENT;
    case SMTPC_ERR_ARG_CTL:
    case SMTPC_ERR_ARG_ADDRESS:
    case SMTPC_ERR_BODY_LINE:
    case SMTPC_ERR_NO_RECIPIENT:
    case SMTPC_ERR_HEADER:
    case SMTPC_ERR_SMTPUTF8:
    case SMTPC_ERR_MESSAGE_TOO_BIG:
        return EXIT_DATAERR;
    case SMTPC_ERR_BODY_SOURCE:
    case SMTPC_ERR_IO:
        return EXIT_IOERR;
    case SMTPC_ERR_RESOLVE:
        return EXIT_NOHOST;
    case SMTPC_ERR_REFUSED_AUTH:
        return temporary ? EXIT_TEMPFAIL : EXIT_NOPERM;
    case SMTPC_ERR_AUTH_NOT_OFFERED:
    case SMTPC_ERR_AUTH_NO_MECH:
    case SMTPC_ERR_AUTH_CLEARTEXT:
        return EXIT_CONFIG; /* smtpc's own rule, not the server's refusal (77) */
    case SMTPC_ERR_AUTH_PROTOCOL:
        return EXIT_PROTOCOL;
    case SMTPC_ERR_CONNECT:
    case SMTPC_ERR_TIMEOUT:
    case SMTPC_ERR_CLOSED:
        return EXIT_TEMPFAIL;
    case SMTPC_ERR_TLS:
        return EXIT_PROTOCOL;
    case SMTPC_ERR_TLS_VERIFY:
        return EXIT_UNAVAILABLE;
    case SMTPC_ERR_TLS_SETUP: /* --cacert, --capath, --cert or --key unusable */
        return EXIT_USAGE;
    default:
        break;
    }
    switch (smtpc_error_class(err)) {
    case SMTPC_ERRCLASS_REFUSED:
        return temporary ? EXIT_TEMPFAIL : EXIT_UNAVAILABLE;
    case SMTPC_ERRCLASS_PROTOCOL:
        return EXIT_PROTOCOL;
    case SMTPC_ERRCLASS_USAGE:
        return EXIT_USAGE;
    case SMTPC_ERRCLASS_POLICY:
        return EXIT_UNAVAILABLE;
    default:
        return EXIT_SOFTWARE;
    }
}

/* Control bytes (and DEL) from a hostile server must not reach the
 * terminal: they are shown as '?'. Lines of a reply are joined by " / ". */
void cli_print_safe_to(FILE *f, const char *prefix, const char *text, size_t len)
{
    size_t i;

    fputs(prefix, f);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '\n')
            fputs(" / ", f);
        else if (c < 0x20 || c == 0x7f)
            fputc('?', f);
        else
            fputc(c, f);
    }
}

void cli_print_safe(const char *prefix, const char *text, size_t len)
{
    cli_print_safe_to(stderr, prefix, text, len);
}

void cli_report(const char *what, int err, const char *step, const char *detail,
                const struct smtpc_reply *reply)
{
    fprintf(stderr, "smtpc: %s failed", what);
    if (step != NULL && step[0] != '\0')
        fprintf(stderr, " at %s", step);
    fprintf(stderr, ": %s", smtpc_strerror(err));
    if (detail != NULL && detail[0] != '\0') {
        cli_print_safe(" (", detail, strlen(detail));
        fputc(')', stderr);
    }
    if (reply != NULL && reply->code != 0) {
        char code[16];

        snprintf(code, sizeof code, "%d ", reply->code);
        cli_print_safe("; server said: ", code, strlen(code));
        cli_print_safe("", reply->text, strlen(reply->text));
        if (reply->truncated)
            fputs(" [...]", stderr);
    }
    fputc('\n', stderr);
}

void cli_report_failure(const char *what, const struct cli_options *o, const struct smtpc_client *c,
                        int err, const char *detail)
{
    const char *step = smtpc_client_step(c);
    char where[400];

    if (strcmp(step, "connect") == 0) {
        snprintf(where, sizeof where, "connect to %s port %s", o->host, o->port);
        step = where;
    }
    if (detail == NULL) /* the TLS layer's words for a TLS failure, else the socket's */
        detail = err == SMTPC_ERR_TLS || err == SMTPC_ERR_TLS_VERIFY || err == SMTPC_ERR_TLS_SETUP
                     ? smtpc_client_tls_detail(c)
                     : smtpc_client_connect_detail(c);
    cli_report(what, err, step, detail, smtpc_client_reply(c));
}

void cli_trace(void *ctx, int direction, const char *line, size_t len)
{
    (void)ctx;
    cli_print_safe(direction == SMTPC_TRACE_IN    ? "S: "
                   : direction == SMTPC_TRACE_OUT ? "C: "
                                                  : "* ",
                   line, len);
    fputc('\n', stderr);
}
