/*
 * Incremental reply parser. See smtpc/reply.h.
 *
 * The parser walks one byte at a time through the positions of a line:
 * three code digits, a separator (' ', '-', or the end of the line for a
 * bare "250"), text, then CRLF or LF. Because all of its state is in the
 * struct, a reply split at any byte parses exactly as one read would. It
 * returns at every line end so the session can read capability lines
 * without the parser having to keep more than one of them.
 *
 * A malformed line is reported when it ends (ST_BAD skips to its LF, still
 * bounded by the line limit): the server has then finished saying it, so a
 * QUIT does not land in the middle of its line, and a line cut short by a
 * closed connection is reported as the closed connection it is (as the
 * NetX Duo client does: "2200", then close).
 */
#include <string.h>

#include "smtpc/error.h"
#include "smtpc/reply.h"

enum { ST_CODE0, ST_CODE1, ST_CODE2, ST_SEP, ST_TEXT, ST_CR, ST_BAD };

void smtpc_reply_parser_init(struct smtpc_reply_parser *p, size_t max_line, size_t max_lines)
{
    memset(p, 0, sizeof *p);
    p->max_line =
        (max_line == 0 || max_line > SMTPC_REPLY_LINE_MAX) ? SMTPC_REPLY_LINE_MAX : max_line;
    p->max_lines = max_lines == 0 ? SMTPC_REPLY_LINES_DEFAULT : max_lines;
    p->state = ST_CODE0;
}

int smtpc_reply_parser_idle(const struct smtpc_reply_parser *p)
{
    return p->state == ST_CODE0 && p->line_len == 0 && p->lines == 0;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

#if SMTPC_WITH_ENHANCED_CODES
/* Reads "c.sss.ddd" at the start of text, where c is the code's class. */
static void parse_enhanced(struct smtpc_reply *r, const char *t, size_t len)
{
    size_t i = 0, n;
    int part;

    int cls = r->code / 100;

    if (cls == 3 || len < 5 || t[0] != (char)('0' + cls) || t[1] != '.')
        return;
    i = 2;
    for (part = 0; part < 2; part++) {
        for (n = 0; i < len && is_digit(t[i]) && n < 3; i++)
            n++;
        if (n == 0)
            return;
        if (part == 0) {
            if (i >= len || t[i] != '.')
                return;
            i++;
        }
    }
    if (i < len && t[i] != ' ')
        return;
    memcpy(r->enhanced, t, i);
    r->enhanced[i] = '\0';
}
#endif

static void append_text(struct smtpc_reply_parser *p, struct smtpc_reply *r, const char *t,
                        size_t len)
{
    size_t room;

    if (sizeof r->text == 1) { /* a build that keeps no text */
        if (len > 0 || p->lines > 0)
            r->truncated = 1;
        return;
    }
    if (p->lines > 0) {
        if (p->text_len + 1 >= sizeof r->text) {
            r->truncated = 1;
            return;
        }
        r->text[p->text_len++] = '\n';
    }
    room = sizeof r->text - 1 - p->text_len;
    if (len > room) {
        len = room;
        r->truncated = 1;
    }
    memcpy(r->text + p->text_len, t, len);
    p->text_len += len;
    r->text[p->text_len] = '\0';
}

/* A line is complete in p->line: check it and fold it into the reply. */
static int end_line(struct smtpc_reply_parser *p, struct smtpc_reply *r)
{
    int code = (p->line[0] - '0') * 100 + (p->line[1] - '0') * 10 + (p->line[2] - '0');
    size_t kept = p->line_len < SMTPC_REPLY_LINE_KEEP ? p->line_len : SMTPC_REPLY_LINE_KEEP;
    size_t text_off = kept > 4 ? 4 : kept;

    p->line_cut = kept < p->line_len;
    p->line[kept] = '\0';
    if (p->lines == 0) {
        p->code = code;
        r->code = code;
#if SMTPC_WITH_ENHANCED_CODES
        parse_enhanced(r, p->line + text_off, kept - text_off);
#endif
    } else if (code != p->code) {
        return SMTPC_ERR_REPLY_MIXED;
    }
    if (p->lines + 1 > p->max_lines)
        return SMTPC_ERR_REPLY_LINES;
    append_text(p, r, p->line + text_off, kept - text_off);
    if (p->line_cut)
        r->truncated = 1;
    p->lines++;
    r->lines = p->lines;
    p->state = ST_CODE0;
    p->line_len = 0;
    if (!p->last)
        return SMTPC_REPLY_LINE;
    p->lines = 0;
    p->text_len = 0;
    return SMTPC_REPLY_DONE;
}

int smtpc_reply_parse(struct smtpc_reply_parser *p, struct smtpc_reply *r, const uint8_t *data,
                      size_t len, size_t *consumed)
{
    size_t i;

    for (i = 0; i < len; i++) {
        int c = data[i];

        if (p->state == ST_CODE0 && p->line_len == 0 && p->lines == 0) {
            memset(r, 0, sizeof *r);
            p->text_len = 0;
        }
        switch (p->state) {
        case ST_CODE0:
            if (c == ' ' && p->lenient_blanks && p->lines > 0 && p->line_len == 0)
                continue;
            if (c < '2' || c > '5')
                goto bad;
            p->state = ST_CODE1;
            break;
        case ST_CODE1:
            if (c < '0' || c > '5')
                goto bad;
            p->state = ST_CODE2;
            break;
        case ST_CODE2:
            if (!is_digit(c))
                goto bad;
            p->state = ST_SEP;
            break;
        case ST_SEP:
            if (c == ' ' || c == '-') {
                p->last = c == ' ';
                p->state = ST_TEXT;
                break;
            }
            p->last = 1;
            if (c == '\r') {
                p->state = ST_CR;
                continue;
            }
            if (c == '\n') {
                *consumed = i + 1;
                return end_line(p, r);
            }
            goto bad;
        case ST_TEXT:
            if (c == '\r') {
                p->state = ST_CR;
                continue;
            }
            if (c == '\n') {
                *consumed = i + 1;
                return end_line(p, r);
            }
            if (c == '\0')
                goto bad;
            break;
        case ST_CR:
            if (c != '\n')
                goto bad;
            *consumed = i + 1;
            return end_line(p, r);
        bad: /* a malformed line is judged at its end */
            p->state = ST_BAD;
            /* fall through */
        case ST_BAD:
            if (c == '\n') {
                *consumed = i + 1;
                return SMTPC_ERR_REPLY_SYNTAX;
            }
            if (p->line_len >= p->max_line) {
                *consumed = i;
                return SMTPC_ERR_REPLY_TOO_LONG;
            }
            p->line_len++;
            continue;
        default:
            goto bad;
        }
        if (p->line_len >= p->max_line) {
            *consumed = i;
            return SMTPC_ERR_REPLY_TOO_LONG;
        }
        if (p->line_len < SMTPC_REPLY_LINE_KEEP)
            p->line[p->line_len] = (char)c;
        p->line_len++;
    }
    *consumed = len;
    return SMTPC_REPLY_MORE;
}
