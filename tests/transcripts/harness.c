/* Transcript harness. See harness.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void trace_cb(void *ctx, int dir, const char *line, size_t len)
{
    struct harness *h = ctx;
    const char *tag = dir == SMTPC_TRACE_IN ? "S: " : dir == SMTPC_TRACE_OUT ? "C: " : "* ";

    assert_true(h->trace_len + len + 4 < sizeof h->trace);
    memcpy(h->trace + h->trace_len, tag, strlen(tag));
    h->trace_len += strlen(tag);
    memcpy(h->trace + h->trace_len, line, len);
    h->trace_len += len;
    h->trace[h->trace_len++] = '\n';
    h->trace[h->trace_len] = '\0';
}

void h_config(struct harness *h)
{
    smtpc_session_config_default(&h->cfg);
    h->cfg.ehlo_name = "client.example";
    h->cfg.trace = trace_cb;
    h->cfg.trace_ctx = h;
}

void h_start(struct harness *h)
{
    size_t cap = h->out_cap ? h->out_cap : sizeof h->out;

    assert_int_equal(smtpc_session_init(&h->s, &h->cfg, h->in, sizeof h->in, h->out, cap), 0);
}

void h_server(struct harness *h, const char *bytes)
{
    size_t len = strlen(bytes), off = 0;

    while (off < len) {
        size_t cap, n = len - off;
        uint8_t *p = smtpc_session_in_buf(&h->s, &cap);

        assert_true(cap > 0);
        if (n > cap)
            n = cap;
        if (n > h->chunk)
            n = h->chunk;
        memcpy(p, bytes + off, n);
        smtpc_session_in_ack(&h->s, n);
        off += n;
    }
}

static void drain(struct harness *h)
{
    for (;;) {
        size_t len;
        const uint8_t *p = smtpc_session_out_buf(&h->s, &len);

        if (len == 0)
            return;
        if (len > h->chunk)
            len = h->chunk;
        assert_true(h->sent_len + len < sizeof h->sent);
        memcpy(h->sent + h->sent_len, p, len);
        h->sent_len += len;
        smtpc_session_out_ack(&h->s, len);
    }
}

void h_client(struct harness *h, const char *expected)
{
    size_t len = strlen(expected);

    drain(h);
    h->sent[h->sent_len] = '\0';
    if (h->sent_len != len || memcmp(h->sent, expected, len) != 0) {
        fprintf(stderr, "chunk %zu: client sent [%s]\nexpected [%s]\n", h->chunk, h->sent,
                expected);
        fail();
    }
    h->sent_len = 0;
}

void h_silent(struct harness *h)
{
    h_client(h, "");
}

void h_body(struct harness *h, const char *bytes, size_t len)
{
    size_t off = 0;

    while (off < len) {
        size_t n = len - off;
        long took;

        if (n > h->chunk)
            n = h->chunk;
        took = smtpc_session_body_write(&h->s, (const uint8_t *)bytes + off, n);
        assert_true(took >= 0);
        off += (size_t)took;
        if (took == 0 || (smtpc_session_wants(&h->s) & SMTPC_WANT_SEND))
            drain(h);
    }
}

void h_wants(struct harness *h, unsigned w)
{
    unsigned got = smtpc_session_wants(&h->s);

    if (got != w) {
        fprintf(stderr, "chunk %zu: wants 0x%x, expected 0x%x (error %d)\n", h->chunk, got, w,
                smtpc_session_error(&h->s));
        fail();
    }
}

void run_transcript(transcript_fn *fn, void (*setup)(struct harness *h))
{
    static struct harness h;
    size_t chunk;

    for (chunk = 1; chunk <= 65; chunk++) {
        memset(&h, 0, sizeof h);
        h.chunk = chunk == 65 ? (size_t)-1 : chunk;
        h_config(&h);
        if (setup != NULL)
            setup(&h);
        h_start(&h);
        fn(&h);
    }
}
