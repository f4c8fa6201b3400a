/*
 * The engine over a transport. See smtpc/drive.h.
 *
 * smtpc_drive() sends whatever the engine has queued, then reads while a
 * reply is awaited, until the engine wants something only the caller can
 * give or is finished. A reply's deadline starts when nothing is left to
 * send and is renewed with each complete reply, so a reply split over
 * many reads still has one deadline.
 *
 * Writing and reading take turns, and that does not deadlock with a
 * pipelining server: what it has to say before it reads on is bounded by
 * the engine (at most SMTPC_PIPELINE_WINDOW commands in flight, and
 * SMTPC_TXN_QUEUE transactions), a few KiB from a real server, which the
 * socket's receive buffer holds while a write is blocked; the replies are
 * read once the engine stops to wait for them. A server that stops
 * reading to fill that buffer on purpose meets the write's deadline.
 */
#include "smtpc/drive.h"

#define STOP (SMTPC_DONE | SMTPC_FAILED)

/* What the caller adds to the output when it is asked for, so that it
 * leaves in the write of what is queued: the next transaction, and the
 * body of a BDAT chunk (DATA's comes after its 354, with nothing queued). */
#define EARLY                                                                                      \
    ((SMTPC_WITH_PIPELINING ? SMTPC_WANT_NEXT : 0u) | (SMTPC_WITH_CHUNKING ? SMTPC_WANT_BODY : 0u))

/* smtpc_drive, returning before writing when the engine wants one of
 * `early`. */
static unsigned run(struct smtpc_session *s, struct smtpc_transport *t, unsigned until,
                    unsigned limit_s, unsigned early)
{
    unsigned long seen = smtpc_session_replies(s);
    long long deadline = -1;

    for (;;) {
        unsigned w = smtpc_session_wants(s);
        unsigned secs = smtpc_session_timeout_s(s);
        long n;

        if (w & until & early)
            return w; /* before writing: what the caller adds shares the write */
        if (limit_s != 0 && (secs == 0 || secs > limit_s))
            secs = limit_s;
        if (w & SMTPC_WANT_SEND) {
            size_t len;
            const uint8_t *p = smtpc_session_out_buf(s, &len);

            n = t->ops->write(t, p, len, secs == 0 ? -1 : (int)(secs * 1000));
            if (n < 0) {
                smtpc_session_abort(s, (int)n);
                continue;
            }
            smtpc_session_out_ack(s, (size_t)n);
            deadline = -1;
            continue;
        }
        if ((w & (until | STOP)) || !(w & SMTPC_WANT_RECV))
            return w;
        {
            size_t cap;
            uint8_t *p = smtpc_session_in_buf(s, &cap);
            long long left;

            if (smtpc_session_replies(s) != seen) {
                seen = smtpc_session_replies(s);
                deadline = -1;
            }
            if (deadline < 0)
                deadline = t->ops->now_ms(t) + (long long)secs * 1000;
            left = deadline - t->ops->now_ms(t);
            if (left < 0)
                left = 0;
            n = t->ops->read(t, p, cap, (int)left);
            if (n < 0)
                smtpc_session_abort(s, (int)n);
            else if (n == 0)
                smtpc_session_eof(s);
            else
                smtpc_session_in_ack(s, (size_t)n);
        }
    }
}

unsigned smtpc_drive(struct smtpc_session *s, struct smtpc_transport *t, unsigned until,
                     unsigned limit_s)
{
    return run(s, t, until, limit_s, EARLY);
}

int smtpc_drive_body(struct smtpc_session *s, struct smtpc_transport *t, const void *data,
                     size_t len)
{
    const uint8_t *buf = (const uint8_t *)data;
    size_t off = 0;

    while (off < len) {
        long n = smtpc_session_body_write(s, buf + off, len - off);

        if (n < 0)
            return -1;
        off += (size_t)n;
        /* the buffer (or the window of chunks) is full: write it, and read
         * until more body is taken */
        if (off < len && !(run(s, t, SMTPC_WANT_BODY, 0, 0) & SMTPC_WANT_BODY))
            return -1;
    }
    return 0;
}
