/*
 * smtpc — the DATA body encoder.
 *
 * Turns any byte stream into a body that can never end the DATA phase early
 * (SMTP smuggling): every bare CR, bare LF and CRLF becomes CRLF; every line
 * that starts with '.' gets a second '.'; the end is exactly one
 * "CRLF.CRLF" whatever the body's last bytes were (a body that ends in a line
 * break gets no extra blank line; one that does not gets a line break).
 * Input arrives in pieces of any size; output goes into the caller's window.
 */
#ifndef SMTPC_BODY_H
#define SMTPC_BODY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line RFC 5321 allows in DATA, without CRLF. */
#define SMTPC_BODY_LINE_MAX 998

/* Bytes the end of data may need in the output window. */
#define SMTPC_BODY_END_MAX 5

/* Policy for lines over SMTPC_BODY_LINE_MAX. */
#define SMTPC_LONG_LINES_FAIL 0 /* stop with SMTPC_ERR_BODY_LINE (default) */
#define SMTPC_LONG_LINES_PASS 1 /* send them as they are (servers may refuse) */

struct smtpc_body_encoder {
    unsigned long line_len;       /* octets on the current output line */
    unsigned long long in_total;  /* input bytes consumed */
    unsigned long long out_total; /* output bytes produced */
    int at_line_start;            /* nothing on the current line yet */
    int after_cr;                 /* last input byte was CR (an LF now is its pair) */
    int long_lines;               /* SMTPC_LONG_LINES_* */
    int no_stuffing;              /* BDAT: lines starting with '.' go as they are */
};

void smtpc_body_encoder_init(struct smtpc_body_encoder *e, int long_lines);

/* Encodes from `in` into `out` (capacity `out_cap`). Returns the number of
 * input bytes consumed (stops early when the output window is full; call
 * again with the rest), or SMTPC_ERR_BODY_LINE under the fail policy, with
 * *out_len set to what was written before the bad line went over. */
long smtpc_body_encode(struct smtpc_body_encoder *e, const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t out_cap, size_t *out_len);

/* Writes the end of data (line break if needed, then ".\r\n") into `out`.
 * Returns the number of bytes written, or SMTPC_ERR_BUFFER when `out_cap`
 * is below what is needed (at most SMTPC_BODY_END_MAX). */
long smtpc_body_finish(struct smtpc_body_encoder *e, uint8_t *out, size_t out_cap);

/* A piece of a message held in memory (headers, then body...). */
struct smtpc_part {
    const void *data;
    size_t len;
};

/* What a body is, measured before it is sent, in as many pieces as it
 * comes (a piece may end between the CR and the LF of a line break):
 * smtpc_body_measure_init, _add for each piece, _end. */
struct smtpc_body_measure {
    unsigned long long size; /* octets the message is on the wire without dot-stuffing: line
                                breaks as CRLF, a final CRLF added when missing (RFC 1870's SIZE,
                                and exactly what BDAT sends) */
    int eight_bit;           /* a byte >= 0x80 appears */
    int long_line;           /* a line is over SMTPC_BODY_LINE_MAX octets once dot-stuffed */
    unsigned long line;      /* private: the current line's length so far */
    int at_line_start;       /* private */
    int after_cr;            /* private */
};

void smtpc_body_measure_init(struct smtpc_body_measure *m);
void smtpc_body_measure_add(struct smtpc_body_measure *m, const uint8_t *p, size_t n);
/* Counts the final line break the encoders add; returns m->size. */
unsigned long long smtpc_body_measure_end(struct smtpc_body_measure *m);

/* Checks a whole body against the line-length limit before anything is
 * sent: returns 0, or SMTPC_ERR_BODY_LINE. Counts as the encoder does
 * (a dot-stuffed line is one octet longer). Sets *eight_bit to 1 when a
 * byte >= 0x80 appears, else to 0 (eight_bit may be NULL). A body in one
 * piece, measured. */
int smtpc_body_check(const uint8_t *body, size_t len, int *eight_bit);

#ifdef __cplusplus
}
#endif
#endif
