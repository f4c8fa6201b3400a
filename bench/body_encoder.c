/*
 * bench/body_encoder: bytes per second through the DATA body encoder
 * (CRLF normalisation and dot-stuffing) and through the body check that
 * runs before it (line lengths, 8-bit bytes), in memory, each beside
 * memcpy over the same buffers (the ratio is the figure to compare).
 *
 *   body_encoder [MEGABYTES]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpc/body.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 256, in_len = 1 << 20, i;
    static uint8_t in[1 << 20], out[4096];
    struct smtpc_body_encoder e;
    unsigned long long produced = 0;
    double t0, t1, enc, copy;
    volatile unsigned sink = 0;
    int eight = 0;

    /* text lines of 72 characters with LF endings; one line in 20 starts with '.' */
    for (i = 0; i < in_len; i++)
        in[i] = (i % 73 == 72) ? '\n' : (i % (73 * 20) == 0) ? '.' : (uint8_t)('a' + i % 26);
    smtpc_body_encoder_init(&e, SMTPC_LONG_LINES_FAIL);
    t0 = now();
    for (i = 0; i < mb; i++) {
        size_t off = 0;

        while (off < in_len) {
            size_t got;
            long n = smtpc_body_encode(&e, in + off, in_len - off, out, sizeof out, &got);

            if (n < 0)
                return 1;
            off += (size_t)n;
            produced += got;
        }
    }
    t1 = now();
    enc = (double)mb / (t1 - t0);
    printf("body encoder: %zu MiB in, %.1f MiB out, %.3f s, %.0f MiB/s (4 KiB output window)\n", mb,
           (double)produced / (1 << 20), t1 - t0, enc);

    t0 = now();
    for (i = 0; i < mb; i++) {
        size_t off;

        for (off = 0; off < in_len; off += sizeof out)
            memcpy(out, in + off, sizeof out);
        sink ^= out[i % sizeof out];
    }
    t1 = now();
    copy = (double)mb / (t1 - t0);
    printf("memcpy, same buffers: %.0f MiB/s; encoder / memcpy = %.2f\n", copy, enc / copy);

    t0 = now();
    for (i = 0; i < mb; i++) {
        if (smtpc_body_check(in, in_len, &eight) != 0)
            return 1;
        sink ^= (unsigned)eight;
    }
    t1 = now();
    printf("body check: %.0f MiB/s; check / memcpy = %.2f\n", (double)mb / (t1 - t0),
           (double)mb / (t1 - t0) / copy);
    return sink == 12345 ? 2 : 0;
}
