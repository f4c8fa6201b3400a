/*
 * --serverinfo: what a server says of itself, without sending mail. smtpc
 * connects as for a message (TLS as configured), reads the greeting and
 * the capabilities of the last EHLO (the one over TLS after STARTTLS),
 * prints them with the TLS session, and says QUIT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct seen {
    char greeting[2048]; /* its lines, '\n' after each */
    char caps[8192];     /* the last EHLO's lines after the first, '\n' after each */
    size_t greeting_len, caps_len;
    int greeting_done, in_ehlo, first, verbose;
};

static void keep(char *dst, size_t cap, size_t *at, const char *line, size_t len)
{
    if (*at + len + 2 > cap)
        return;
    memcpy(dst + *at, line, len);
    *at += len;
    dst[(*at)++] = '\n';
    dst[*at] = '\0';
}

static void watch(void *ctx, int direction, const char *line, size_t len)
{
    struct seen *s = ctx;

    if (s->verbose)
        cli_trace(NULL, direction, line, len);
    if (direction == SMTPC_TRACE_OUT) {
        s->in_ehlo = len >= 4 && strncmp(line, "EHLO", 4) == 0;
        if (s->in_ehlo) {
            s->first = 1;
            s->caps_len = 0;
            s->caps[0] = '\0';
        }
        return;
    }
    if (direction != SMTPC_TRACE_IN || len < 4)
        return;
    if (!s->greeting_done) {
        keep(s->greeting, sizeof s->greeting, &s->greeting_len, line + 4, len - 4);
        s->greeting_done = line[3] == ' ';
        return;
    }
    if (!s->in_ehlo)
        return;
    if (!s->first) /* the first line is the server's name */
        keep(s->caps, sizeof s->caps, &s->caps_len, line + 4, len - 4);
    s->first = 0;
    if (line[3] == ' ')
        s->in_ehlo = 0;
}

/* Each kept line, indented, control bytes shown as '?'. */
static void print_lines(const char *text, const char *none)
{
    const char *line = text, *nl;

    if (text[0] == '\0')
        printf("    %s\n", none);
    while ((nl = strchr(line, '\n')) != NULL) {
        cli_print_safe_to(stdout, "    ", line, (size_t)(nl - line));
        fputc('\n', stdout);
        line = nl + 1;
    }
}

int cli_serverinfo(const struct cli_options *o, struct smtpc_client_options *co)
{
    static struct smtpc_client client;
    static struct seen seen;
    const char *tls;
    int rc;

    memset(&seen, 0, sizeof seen);
    seen.verbose = o->verbose;
    co->session.trace = watch;
    co->session.trace_ctx = &seen;
    co->session.username = NULL; /* information only: no password goes */
    rc = smtpc_client_init(&client, co);
    if (rc == 0)
        rc = smtpc_client_open(&client);
    if (rc != 0) {
        cli_report_failure("--serverinfo", o, &client, rc, NULL);
        return cli_exit_status(rc, smtpc_client_reply(&client));
    }
    tls = smtpc_client_tls_detail(&client);
    printf("SMTP server at %s, port %s:\n", o->host, o->port);
    print_lines(seen.greeting, "");
    printf("TLS:\n");
    if (tls[0] != '\0') {
        cli_print_safe_to(stdout, "    ", tls, strlen(tls));
        fputc('\n', stdout);
    } else {
        printf("    none: the connection is not encrypted\n");
    }
    printf("Capabilities:\n");
    print_lines(seen.caps, "none (the server answered HELO only, or EHLO with no extension)");
    smtpc_client_close(&client);
    return EXIT_SENT;
}
