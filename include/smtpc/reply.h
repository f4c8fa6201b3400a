/*
 * smtpc — SMTP replies and their incremental parser.
 *
 * A reply is one or more lines "ddd-text" ... "ddd text" (RFC 5321 §4.2).
 * The parser takes bytes as they arrive, split at any point, and never
 * needs more than one line of memory. Bounds on line length and line count
 * are enforced: past them it reports a protocol error, never overflows.
 */
#ifndef SMTPC_REPLY_H
#define SMTPC_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "smtpc/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SMTPC_REPLY_LINE_MAX (longest reply line held, without CRLF) and
 * SMTPC_REPLY_TEXT_MAX (reply text kept for the caller: lines joined by
 * '\n', NUL ended, truncated past it) are set in smtpc/config.h. */

/* Default limit on the number of lines in one reply. */
#define SMTPC_REPLY_LINES_DEFAULT 100

/* A complete reply as the caller sees it. */
struct smtpc_reply {
    int code;                        /* 200..599; 0 while there is none */
    char enhanced[SMTPC_WITH_ENHANCED_CODES ? 12 : 1]; /* "5.1.1" when the first line has one,
                                                          else "" (always without
                                                          SMTPC_WITH_ENHANCED_CODES) */
    char text[SMTPC_REPLY_TEXT_MAX]; /* the lines' text (code stripped), '\n' between lines */
    unsigned lines;                  /* number of lines */
    unsigned char truncated;         /* 1 when text was cut to fit */
};

/* Parser state. Treat as opaque; set up with smtpc_reply_parser_init. */
struct smtpc_reply_parser {
    char line[SMTPC_REPLY_LINE_KEEP + 1]; /* current line, code included, NUL ended: its first
                                             SMTPC_REPLY_LINE_KEEP bytes */
    size_t line_len;                      /* bytes of the current line so far (kept or not) */
    int line_cut;                         /* the line was longer than what is kept */
    int lenient_blanks;                   /* skip blanks before the code of a reply's later lines */
    size_t max_line;                      /* runtime line limit, <= SMTPC_REPLY_LINE_MAX */
    size_t max_lines;                     /* runtime line-count limit */
    int state;                            /* position within a line */
    int code;                             /* code of the reply under way (from its first line) */
    int last;                             /* the current line is the reply's last */
    unsigned lines;                       /* lines completed in the reply under way */
    size_t text_len;                      /* bytes used in reply->text */
};

/* What smtpc_reply_parse reports. */
#define SMTPC_REPLY_MORE 0 /* all input consumed; the reply is not complete */
#define SMTPC_REPLY_LINE 1 /* a non-final line is complete (see parser->line) */
#define SMTPC_REPLY_DONE 2 /* the final line is complete; *reply holds the reply */

/* Prepares a parser. `max_line` (0: SMTPC_REPLY_LINE_MAX) and `max_lines`
 * (0: SMTPC_REPLY_LINES_DEFAULT) are the runtime bounds; a max_line above
 * SMTPC_REPLY_LINE_MAX is clamped. */
void smtpc_reply_parser_init(struct smtpc_reply_parser *p, size_t max_line, size_t max_lines);

/* Feeds `len` bytes. Parsing stops at the end of each line so the caller can
 * look at it: *consumed tells how many bytes were used; feed the rest again.
 * Returns SMTPC_REPLY_MORE, SMTPC_REPLY_LINE, SMTPC_REPLY_DONE, or a negative
 * protocol error (SMTPC_ERR_REPLY_SYNTAX, _TOO_LONG, _LINES, _MIXED), after
 * which the parser must be re-initialised. `reply` receives the reply being
 * built; it is cleared when a new reply starts. A line may end in CRLF or in
 * a bare LF; a CR not followed by LF and a NUL byte are syntax errors.
 * On SMTPC_REPLY_LINE and _DONE, p->line holds the whole line (code
 * included, CRLF excluded) until the next call. */
int smtpc_reply_parse(struct smtpc_reply_parser *p, struct smtpc_reply *reply, const uint8_t *data,
                      size_t len, size_t *consumed);

/* 1 when the parser is between replies (no partial line held). */
int smtpc_reply_parser_idle(const struct smtpc_reply_parser *p);

#ifdef __cplusplus
}
#endif
#endif
