/*
 * One line per message, to a log file or syslog, in msmtp's format so that
 * the tools that read msmtp's logs read smtpc's:
 *
 *   Dec 02 16:04:05 host=H tls=on auth=on user=U from=F recipients=A,B
 *   mailsize=N smtpstatus=250 smtpmsg='250 ...' exitcode=EX_OK
 *
 * (one line; syslog gets it without the date). Control bytes from the
 * server are shown as '?'; no password ever reaches this line.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "cli.h"

struct line {
    char *p;
    size_t len, cap;
};

static void put(struct line *l, const char *s, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = (l->len + n + 1) * 2;
        char *p = realloc(l->p, cap);

        if (p == NULL)
            return;
        l->p = p;
        l->cap = cap;
    }
    memcpy(l->p + l->len, s, n);
    l->len += n;
    l->p[l->len] = '\0';
}

static void puts_(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* A value with control bytes as '?' and a quote escaped. */
static void put_clean(struct line *l, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if (c == '\n')
            puts_(l, " / ");
        else if ((unsigned char)c < 0x20 || c == 0x7f)
            puts_(l, "?");
        else if (c == '\'')
            puts_(l, "\\'");
        else
            put(l, &c, 1);
    }
}

static const char *exit_name(int status)
{
    static const struct {
        int status;
        const char *name;
    } names[] = {
        {EXIT_SENT, "EX_OK"},
        {EXIT_USAGE, "EX_USAGE"},
        {EXIT_DATAERR, "EX_DATAERR"},
        {EXIT_NOHOST, "EX_NOHOST"},
        {EXIT_UNAVAILABLE, "EX_UNAVAILABLE"},
        {EXIT_SOFTWARE, "EX_SOFTWARE"},
        {EXIT_IOERR, "EX_IOERR"},
        {EXIT_TEMPFAIL, "EX_TEMPFAIL"},
        {EXIT_PROTOCOL, "EX_PROTOCOL"},
        {EXIT_NOPERM, "EX_NOPERM"},
        {EXIT_CONFIG, "EX_CONFIG"},
    };
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].status == status)
            return names[i].name;
    }
    return "EX_SOFTWARE";
}

static int facility_of(const char *name)
{
    static const struct {
        const char *name;
        int facility;
    } table[] = {
        {"LOG_USER", LOG_USER},     {"LOG_MAIL", LOG_MAIL},     {"LOG_LOCAL0", LOG_LOCAL0},
        {"LOG_LOCAL1", LOG_LOCAL1}, {"LOG_LOCAL2", LOG_LOCAL2}, {"LOG_LOCAL3", LOG_LOCAL3},
        {"LOG_LOCAL4", LOG_LOCAL4}, {"LOG_LOCAL5", LOG_LOCAL5}, {"LOG_LOCAL6", LOG_LOCAL6},
        {"LOG_LOCAL7", LOG_LOCAL7},
    };
    size_t i;

    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(name, table[i].name) == 0)
            return table[i].facility;
    }
    return LOG_MAIL; /* "on" */
}

void cli_log(const struct cli_options *o, const struct cli_log_entry *e)
{
    struct line l = {NULL, 0, 0};
    char num[32];
    size_t i;

    if (o->logfile == NULL && (o->syslog == NULL || strcmp(o->syslog, "off") == 0))
        return;
    puts_(&l, "host=");
    put_clean(&l, o->host, strlen(o->host));
    puts_(&l, e->tls ? " tls=on" : " tls=off");
    puts_(&l, e->auth ? " auth=on" : " auth=off");
    if (e->auth && o->user != NULL) {
        puts_(&l, " user=");
        put_clean(&l, o->user, strlen(o->user));
    }
    if (e->account != NULL && e->account[0] != '\0') {
        puts_(&l, " account=");
        put_clean(&l, e->account, strlen(e->account));
    }
    puts_(&l, " from=");
    put_clean(&l, e->from, strlen(e->from));
    puts_(&l, " recipients=");
    for (i = 0; i < e->recipient_count; i++) {
        if (i > 0)
            puts_(&l, ",");
        put_clean(&l, e->recipients[i], strlen(e->recipients[i]));
    }
    snprintf(num, sizeof num, " mailsize=%llu", e->size);
    puts_(&l, num);
    if (e->reply != NULL && e->reply->code != 0) {
        snprintf(num, sizeof num, " smtpstatus=%d", e->reply->code);
        puts_(&l, num);
        snprintf(num, sizeof num, " smtpmsg='%d ", e->reply->code);
        puts_(&l, num);
        put_clean(&l, e->reply->text, strlen(e->reply->text));
        puts_(&l, "'");
    }
    if (e->error != NULL) {
        puts_(&l, " errormsg='");
        put_clean(&l, e->error, strlen(e->error));
        puts_(&l, "'");
    }
    puts_(&l, " exitcode=");
    puts_(&l, exit_name(e->status));
    if (l.p == NULL)
        return;

    if (o->logfile != NULL) {
        int out = strcmp(o->logfile, "-") == 0;
        FILE *f = out ? stdout : fopen(o->logfile, "a");
        char stamp[128] = "";
        time_t now = time(NULL);
        struct tm tm;

        localtime_r(&now, &tm);
        if (strftime(stamp, sizeof stamp,
                     o->logfile_time_format ? o->logfile_time_format : "%b %d %H:%M:%S", &tm) == 0)
            stamp[0] = '\0';
        if (f == NULL) {
            perror("smtpc: cannot open the log file");
        } else {
            fprintf(f, "%s%s%s\n", stamp, stamp[0] ? " " : "", l.p);
            if (!out)
                fclose(f);
        }
    }
    if (o->syslog != NULL && strcmp(o->syslog, "off") != 0) {
        openlog("smtpc", LOG_PID, facility_of(o->syslog));
        syslog(e->status == EXIT_SENT ? LOG_INFO : LOG_ERR, "%s", l.p);
        closelog();
    }
    free(l.p);
}
