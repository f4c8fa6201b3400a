/*
 * The DATA body encoder. See smtpc/body.h.
 *
 * State is two bits and a counter: whether the output line is empty (so a
 * '.' here must be doubled), whether the previous input byte was a CR (so
 * an LF now completes a CRLF that was already written), and the output
 * line's length. Every input line ending (CR, LF or CRLF) is written as
 * CRLF the moment its first byte is seen; that is what makes the encoder
 * indifferent to where the input is split.
 *
 * The common case, a run of ordinary bytes inside a line, is copied in
 * one go.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "smtpc/body.h"
#include "smtpc/error.h"

void smtpc_body_encoder_init(struct smtpc_body_encoder *e, int long_lines)
{
    memset(e, 0, sizeof *e);
    e->at_line_start = 1;
    e->long_lines = long_lines;
}

/* Length of the run of bytes other than CR and LF at the start of p (n is
 * already bounded by the output room, so no byte is scanned twice for
 * long). memchr is the C library's fastest scan. */
static size_t plain_run(const uint8_t *p, size_t n)
{
    const uint8_t *lf = memchr(p, '\n', n);
    const uint8_t *cr;

    if (lf != NULL)
        n = (size_t)(lf - p);
    cr = memchr(p, '\r', n);
    return cr != NULL ? (size_t)(cr - p) : n;
}

#if defined(__SSE2__)
/* Sixteen bytes at a time (x86-64 always has SSE2): a mask of the CRs and
 * LFs among them. */
static unsigned breaks16(__m128i v)
{
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
}
#endif

/* Copies the run of bytes other than CR and LF at the start of `in` (at
 * most n) to `out` and returns its length. With SSE2 the copy and the scan
 * are one pass, sixteen bytes at a time: a block is stored before it is
 * known to be all plain (`out` has room for n bytes, and what lies past the
 * run is written over later); elsewhere memchr finds the run and memcpy
 * copies it. */
static size_t copy_plain(const uint8_t *in, uint8_t *out, size_t n)
{
    size_t i = 0, run;

#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
        unsigned m = breaks16(v);

        _mm_storeu_si128((__m128i *)(void *)(out + i), v);
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    run = plain_run(in + i, n - i);
    memcpy(out + i, in + i, run);
    return i + run;
}

/* plain_run, and whether a byte of the run has its high bit set (ORed
 * into *high; once it is set, without SSE2, the run is not read for it).
 * The OR over the bytes stays small on devices. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t
scan_plain(const uint8_t *p, size_t n, int *high)
{
    size_t i = 0, run;
    unsigned acc = 0;

#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned m = breaks16(v);

        if (m != 0) {
            unsigned before = (1u << __builtin_ctz(m)) - 1u; /* the plain bytes */

            *high |= (acc | ((unsigned)_mm_movemask_epi8(v) & before)) != 0;
            return i + (size_t)__builtin_ctz(m);
        }
        acc |= (unsigned)_mm_movemask_epi8(v);
    }
#endif
    run = plain_run(p + i, n - i);
    *high |= acc != 0;
    if (!*high) {
        size_t k;

        for (k = i; k < i + run; k++) /* a plain OR: compilers vectorise it */
            acc |= p[k];
        *high = (acc & 0x80u) != 0;
    }
    return i + run;
}

long smtpc_body_encode(struct smtpc_body_encoder *e, const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t out_cap, size_t *out_len)
{
    size_t i = 0, o = 0;

    while (i < in_len) {
        uint8_t c = in[i];

        if (c == '\n' && e->after_cr) {
            /* second half of a CRLF already written */
            e->after_cr = 0;
            i++;
            continue;
        }
        e->after_cr = 0;
        if (c == '\r' || c == '\n') {
            if (out_cap - o < 2)
                break;
            out[o++] = '\r';
            out[o++] = '\n';
            e->after_cr = c == '\r';
            e->at_line_start = 1;
            e->line_len = 0;
            i++;
            continue;
        }
        if (e->at_line_start && c == '.' && !e->no_stuffing) {
            if (out_cap - o < 2)
                break;
            out[o++] = '.';
            out[o++] = '.';
            e->line_len = 2;
            e->at_line_start = 0;
            i++;
            continue;
        }
        {
            size_t avail = in_len - i < out_cap - o ? in_len - i : out_cap - o;
            size_t run = copy_plain(in + i, out + o, avail);

            if (run == 0)
                break;
            if (e->long_lines == SMTPC_LONG_LINES_FAIL && e->line_len + run > SMTPC_BODY_LINE_MAX) {
                size_t fit = SMTPC_BODY_LINE_MAX - e->line_len;

                o += fit; /* copied: what went over is not counted */
                e->in_total += i + fit;
                e->out_total += o;
                *out_len = o;
                return SMTPC_ERR_BODY_LINE;
            }
            o += run;
            i += run;
            e->line_len += run;
            e->at_line_start = 0;
        }
    }
    e->in_total += i;
    e->out_total += o;
    *out_len = o;
    return (long)i;
}

long smtpc_body_finish(struct smtpc_body_encoder *e, uint8_t *out, size_t out_cap)
{
    size_t o = 0, need = e->at_line_start ? 3 : 5;

    if (out_cap < need)
        return SMTPC_ERR_BUFFER;
    if (!e->at_line_start) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    out[o++] = '.';
    out[o++] = '\r';
    out[o++] = '\n';
    e->out_total += o;
    e->at_line_start = 1;
    e->line_len = 0;
    return (long)o;
}

void smtpc_body_measure_init(struct smtpc_body_measure *m)
{
    memset(m, 0, sizeof *m);
    m->at_line_start = 1;
}

/* The body is read a run of ordinary bytes at a time (scan_plain, never
 * more than a line's limit ahead, so a body with no line break is still
 * read once), its 8-bit bytes found in the same pass.
 * A long line is remembered, not returned at once, so that eight_bit
 * holds for the whole body whatever the line policy. Without `sized`
 * (smtpc_body_check, all a device's drop-in needs), the size is not
 * counted and the code that counts it is left out. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void
measure(struct smtpc_body_measure *m, const uint8_t *p, size_t n, int sized)
{
    size_t i = 0;

    while (i < n) {
        size_t window = n - i < SMTPC_BODY_LINE_MAX + 2 ? n - i : SMTPC_BODY_LINE_MAX + 2;
        size_t run = scan_plain(p + i, window, &m->eight_bit);

        if (run > 0) {
            m->line += run + (m->at_line_start && p[i] == '.'); /* a leading dot is doubled */
            if (m->line > SMTPC_BODY_LINE_MAX)
                m->long_line = 1;
            m->at_line_start = 0;
            if (sized) {
                m->after_cr = 0;
                m->size += run;
            }
            i += run;
        }
        if (i < n && run < window) { /* a CR or LF ends the line: CRLF on the wire */
            if (sized) {
                if (!(p[i] == '\n' && m->after_cr))
                    m->size += 2;
                m->after_cr = p[i] == '\r';
            }
            m->line = 0;
            m->at_line_start = 1;
            i++;
        }
    }
}

void smtpc_body_measure_add(struct smtpc_body_measure *m, const uint8_t *p, size_t n)
{
    measure(m, p, n, 1);
}

unsigned long long smtpc_body_measure_end(struct smtpc_body_measure *m)
{
    if (!m->at_line_start)
        m->size += 2;
    m->at_line_start = 1;
    m->line = 0;
    return m->size;
}

int smtpc_body_check(const uint8_t *body, size_t len, int *eight_bit)
{
    struct smtpc_body_measure m;

    memset(&m, 0, sizeof m); /* smtpc_body_measure_init, without its call */
    m.at_line_start = 1;
    measure(&m, body, len, 0);
    if (eight_bit != NULL)
        *eight_bit = m.eight_bit;
    return m.long_line ? SMTPC_ERR_BODY_LINE : 0;
}
