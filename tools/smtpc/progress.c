/*
 * The progress line: for a send that lasts, on standard error when it is a
 * terminal, at most once a second, "smtpc: sent 12.0 MiB of 100.0 MiB
 * (12%)" (without "of ..." when the size is not known), rubbed out when
 * the message has gone. --quiet and -v turn it off.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(struct cli_progress *p, struct cli_input *in, int enabled)
{
    p->in = in;
    p->enabled = enabled && isatty(STDERR_FILENO);
    p->shown = 0;
    p->started = p->enabled ? now() : 0;
    p->last = p->started;
}

long cli_progress_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct cli_progress *p = ctx;
    long n = cli_input_read(p->in, buf, cap);
    double t;

    if (!p->enabled || n <= 0)
        return n;
    t = now();
    if (t - p->last < 1.0)
        return n;
    p->last = t;
    p->shown = 1;
    if (p->in->known && p->in->size > 0)
        fprintf(stderr, "\rsmtpc: sent %.1f MiB of %.1f MiB (%d%%) ",
                (double)p->in->sent / 1048576.0, (double)p->in->size / 1048576.0,
                (int)(p->in->sent * 100 / p->in->size));
    else
        fprintf(stderr, "\rsmtpc: sent %.1f MiB ", (double)p->in->sent / 1048576.0);
    return n;
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->shown) /* rub the line out: what follows (an error, the prompt) starts clean */
        fputs("\r\033[K", stderr);
    p->shown = 0;
}
