/*
 * CHUNKING (RFC 3030): the message in BDAT chunks. See smtpc/session.h.
 *
 * A BDAT chunk is "BDAT n[ LAST]" CRLF and then exactly n octets, taken as
 * they are: no dot-stuffing, no end-of-data line. Line breaks are still
 * sent as CRLF (RFC 5322), by the same encoder as DATA's.
 *
 * Two ways to frame the body:
 *
 *  - exact (SMTPC_TXN_SIZE_EXACT): the caller knows the size the encoder
 *    will produce (smtpc_body_measure), so the whole message is one
 *    "BDAT size LAST", queued when the body opens, and every body byte is
 *    sendable at once: with PIPELINING, MAIL, the RCPTs, BDAT and the body
 *    leave in one write, and the message costs one round trip. A body of
 *    another size fails the session (the server would wait for the missing
 *    octets, or read the extra ones as commands).
 *
 *  - buffered: each chunk is what the output buffer holds. A chunk opens
 *    with room for its header reserved (BDAT_HEAD_MAX); body bytes are
 *    encoded after it and held back (not sendable) until the chunk closes,
 *    when the buffer is full or at the end. Then the header, now that n is
 *    known, is written right-aligned in its room, and the bytes queued
 *    before the chunk (MAIL and RCPT, at the first) are moved up to meet
 *    it: a few bytes moved, never the chunk.
 *
 * Each chunk is a command in flight, owed its own reply. Without
 * PIPELINING a chunk waits for the reply to the one before (RFC 3030 says
 * no more than RFC 2920 about it, so the engine keeps to lockstep). After a
 * refused chunk no other is sent (RFC 3030 §4.2), the transaction ends once
 * the replies owed are in, and RSET clears it.
 */
#include <string.h>

#include "inner.h"

#if SMTPC_WITH_CHUNKING

/* "BDAT " 20 digits " LAST" CRLF */
#define BDAT_HEAD_MAX 32

int smtpc_bdat_offered(const struct smtpc_session *s)
{
    return (s->caps.flags & SMTPC_CAP_CHUNKING) && !(s->cfg.flags & SMTPC_F_NO_CHUNKING);
}

/* "BDAT n[ LAST]" CRLF into `head`; returns its length. */
static size_t format_head(char *head, unsigned long long n, int last)
{
    struct smtpc_line l;

    l.buf = head;
    l.cap = BDAT_HEAD_MAX;
    l.len = 0;
    l.over = 0;
    smtpc_line_put(&l, "BDAT ");
    smtpc_line_put_ulong(&l, n);
    if (last)
        smtpc_line_put(&l, " LAST");
    smtpc_line_put(&l, "\r\n");
    return l.len;
}

/* The session awaits the reply to the oldest command in flight. */
static void await_head(struct smtpc_session *s)
{
    if (s->state == SMTPC_S_BODY && s->inflight_count > 0) /* 0x80: KIND_NEW_TXN */
        s->state = (enum smtpc_session_state)(s->inflight_kind[s->inflight_head] & 0x7fu);
}

int smtpc_bdat_open(struct smtpc_session *s, int binary)
{
    struct smtpc_session_bdat *b = &s->bdat;

    if (b->exact) {
        char head[BDAT_HEAD_MAX];
        size_t n = format_head(head, b->size, 1);
        struct smtpc_line l;
        int rc;
        unsigned last;

        smtpc_line_open(s, &l);
        smtpc_line_put_n(&l, head, n - 2);
        if ((l.over || l.cap - l.len < 2) && s->out_len > 0)
            return 1; /* once what is queued is sent */
        rc = smtpc_line_commit(s, &l, NULL, SMTPC_S_BDAT_LAST);
        if (rc != 0)
            return rc;
        /* its reply comes after the body, not after the header */
        last = ((unsigned)s->inflight_head + s->inflight_count - 1u) % SMTPC_PIPELINE_WINDOW;
        s->inflight_end[last] += (unsigned long)b->size;
    }
    smtpc_body_encoder_init(&s->body, binary ? SMTPC_LONG_LINES_PASS : s->cfg.long_lines);
    s->body.no_stuffing = 1;
    b->body_open = 1;
    if (s->inflight_count == 0)
        s->state = SMTPC_S_BODY;
    return 0;
}

/* A new chunk has a place in flight: with PIPELINING, while the window
 * has room; without, once the chunk before is answered. */
static int chunk_may_go(const struct smtpc_session *s)
{
    return s->inflight_count < (smtpc_session_pipelining(s) ? SMTPC_PIPELINE_WINDOW : 1);
}

int smtpc_bdat_takes_body(const struct smtpc_session *s)
{
    const struct smtpc_session_bdat *b = &s->bdat;

    if (!b->on || !b->body_open || s->body_ending)
        return 0;
    return b->exact || b->chunk_open || chunk_may_go(s);
}

/* Opens a chunk at the end of the output: 0 when there is no room for its
 * header, a byte and the final line break yet. */
static int open_chunk(struct smtpc_session *s)
{
    smtpc_session_compact_out(s);
    if (s->out_cap - s->out_len < BDAT_HEAD_MAX + 3)
        return 0;
    s->bdat.chunk_at = s->out_len;
    s->out_len += BDAT_HEAD_MAX;
    s->bdat.chunk_open = 1;
    return 1;
}

/* Closes the open chunk: its header goes in, and it is sendable. */
static void close_chunk(struct smtpc_session *s, int last)
{
    struct smtpc_session_bdat *b = &s->bdat;
    size_t n = s->out_len - b->chunk_at - BDAT_HEAD_MAX, gap, h;
    char head[BDAT_HEAD_MAX];

    b->chunk_open = 0;
    if (n == 0 && !last) {
        s->out_len = b->chunk_at; /* nothing in it */
        return;
    }
    h = format_head(head, n, last);
    gap = BDAT_HEAD_MAX - h;
    memmove(s->out + s->out_off + gap, s->out + s->out_off, b->chunk_at - s->out_off);
    s->out_off += gap;
    memcpy(s->out + b->chunk_at + gap, head, h);
    smtpc_session_trace(s, SMTPC_TRACE_OUT, head, h - 2);
    smtpc_session_owe(s, last ? SMTPC_S_BDAT_LAST : SMTPC_S_BDAT);
    await_head(s);
}

long smtpc_bdat_write(struct smtpc_session *s, const uint8_t *data, size_t len)
{
    struct smtpc_session_bdat *b = &s->bdat;
    size_t produced = 0, room;
    long n;

    if (!b->exact && !b->chunk_open && !open_chunk(s))
        return 0; /* send what is queued first */
    smtpc_session_compact_out(s);
    room = s->out_cap - s->out_len;
    if (b->exact) {
        /* one octet over the size is enough to tell */
        unsigned long long left = b->size - s->body.out_total + 2;

        if (left < room)
            room = (size_t)left;
    } else {
        room -= 2; /* the final line break fits in the chunk */
    }
    n = smtpc_body_encode(&s->body, data, len, s->out + s->out_len, room, &produced);
    s->out_len += produced;
    if (n < 0) {
        /* part of the message may be on the wire: only closing is safe */
        smtpc_session_fail(s, (int)n, 0);
        return n;
    }
    if (b->exact && s->body.out_total > b->size) {
        smtpc_session_fail(s, SMTPC_ERR_BODY_SIZE, 0);
        return SMTPC_ERR_BODY_SIZE;
    }
    if (!b->exact && (size_t)n < len)
        close_chunk(s, 0); /* the buffer is full */
    return n;
}

void smtpc_bdat_finish(struct smtpc_session *s)
{
    struct smtpc_session_bdat *b = &s->bdat;
    size_t need = s->body.at_line_start ? 0 : 2;

    if (b->exact) {
        if (s->body.out_total + need != b->size) {
            smtpc_session_fail(s, SMTPC_ERR_BODY_SIZE, 0);
            return;
        }
        smtpc_session_compact_out(s);
        if (s->out_cap - s->out_len < need)
            return; /* once there is room */
    } else if (!b->chunk_open && (!chunk_may_go(s) || !open_chunk(s))) {
        return; /* once a reply or a write makes room */
    }
    if (need) {
        s->out[s->out_len++] = '\r';
        s->out[s->out_len++] = '\n';
        s->body.out_total += 2;
        s->body.at_line_start = 1;
    }
    s->body_ending = 0;
    b->body_open = 0;
    if (!b->exact)
        close_chunk(s, 1);
    smtpc_session_note_sent(s, " in BDAT");
}

void smtpc_bdat_stop(struct smtpc_session *s)
{
    struct smtpc_session_bdat *b = &s->bdat;

    if (!b->on || b->exact || !b->body_open)
        return;
    if (b->chunk_open) {
        s->out_len = b->chunk_at;
        b->chunk_open = 0;
    }
    b->body_open = 0;
    s->body_ending = 0;
}

#endif
