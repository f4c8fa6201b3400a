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

/* A value with control bytes as '?' and a quote escaped. */
static void put_clean(FILE *l, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n')
            fputs(" / ", l);
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            fputc('?', l);
        else if (*s == '\'')
            fputs("\\'", l);
        else
            fputc(*s, l);
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
    char *text = NULL;
    size_t len = 0, i;
    FILE *l;

    if (o->logfile == NULL && (o->syslog == NULL || strcmp(o->syslog, "off") == 0))
        return;
    l = open_memstream(&text, &len);
    if (l == NULL)
        return;
    fputs("host=", l);
    put_clean(l, o->host);
    fputs(e->tls ? " tls=on" : " tls=off", l);
    fputs(e->auth ? " auth=on" : " auth=off", l);
    if (e->auth && o->user != NULL) {
        fputs(" user=", l);
        put_clean(l, o->user);
    }
    if (e->account != NULL && e->account[0] != '\0') {
        fputs(" account=", l);
        put_clean(l, e->account);
    }
    fputs(" from=", l);
    put_clean(l, e->from);
    fputs(" recipients=", l);
    for (i = 0; i < e->recipient_count; i++) {
        if (i > 0)
            fputc(',', l);
        put_clean(l, e->recipients[i]);
    }
    fprintf(l, " mailsize=%llu", e->size);
    if (e->reply != NULL && e->reply->code != 0) {
        fprintf(l, " smtpstatus=%d smtpmsg='%d ", e->reply->code, e->reply->code);
        put_clean(l, e->reply->text);
        fputc('\'', l);
    }
    if (e->error != NULL) {
        fputs(" errormsg='", l);
        put_clean(l, e->error);
        fputc('\'', l);
    }
    fprintf(l, " exitcode=%s", exit_name(e->status));
    if (fclose(l) != 0 || text == NULL) {
        free(text);
        return;
    }

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
            fprintf(f, "%s%s%s\n", stamp, stamp[0] ? " " : "", text);
            if (!out)
                fclose(f);
        }
    }
    if (o->syslog != NULL && strcmp(o->syslog, "off") != 0) {
        openlog("smtpc", LOG_PID, facility_of(o->syslog));
        syslog(e->status == EXIT_SENT ? LOG_INFO : LOG_ERR, "%s", text);
        closelog();
    }
    free(text);
}
