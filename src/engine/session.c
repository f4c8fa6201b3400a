/*
 * The SMTP session state machine. See smtpc/session.h.
 *
 * Implementation notes.
 *
 * Buffers. The output buffer holds [out_off, out_len) unsent bytes; new
 * commands and encoded body bytes are appended at out_len, after moving the
 * unsent bytes to the front when that makes room. The input buffer holds
 * [in_off, in_len) bytes not yet parsed; bytes are parsed as they arrive.
 *
 * Owed replies. A reply may start only when one is owed (the greeting, or
 * the reply to the command queued last) and that command is all written:
 * the server cannot have answered bytes still in our buffer. Any other
 * reply answers nothing we sent (bytes after a refusal, after the answer to
 * STARTTLS, between a refusal and QUIT, during the body, or in the same
 * read as the reply before it): the server is out of step, so none of its
 * replies can be trusted as answers, and the session fails with
 * SMTPC_ERR_REPLY_UNASKED without sending another byte, QUIT included.
 * After a malformed reply, whose end cannot be told, what arrives until QUIT
 * is taken as its rest.
 *
 * States. Each state that sends a command waits for exactly one reply and
 * handles it in on_reply(). The table `steps` gives, for each state, the
 * name used in messages, the error for a refusal and the RFC 5321 timeout
 * class. A 421 reply in any state means the server is closing: the session
 * fails with that state's refusal and no QUIT is sent.
 *
 * Failure. smtpc_session_fail() is the single way into FAILED. It drops
 * unsent output (nothing more should reach a server we gave up on), ends a
 * transaction under way with the same error, and records whether the
 * connection is still in step so that a polite QUIT is possible.
 */
#include <string.h>

#include "inner.h"

/* Small types: the table is in every firmware image. */
struct step {
    short refusal;         /* the error of a 4xx/5xx here */
    unsigned char step;    /* enum smtpc_step */
    unsigned char timeout; /* enum smtpc_timeout_class */
};

static const struct step steps[] = {
    [SMTPC_S_GREETING] = {SMTPC_ERR_REFUSED_GREETING, SMTPC_STEP_GREETING, SMTPC_TIMEOUT_GREETING},
    [SMTPC_S_EHLO] = {SMTPC_ERR_REFUSED_HELLO, SMTPC_STEP_EHLO, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_HELO] = {SMTPC_ERR_REFUSED_HELLO, SMTPC_STEP_HELO, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_STARTTLS] = {SMTPC_ERR_REFUSED_STARTTLS, SMTPC_STEP_STARTTLS, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_TLS] = {SMTPC_ERR_TLS, SMTPC_STEP_TLS, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_AUTH] = {SMTPC_ERR_REFUSED_AUTH, SMTPC_STEP_AUTH, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_AUTH_CANCEL] = {SMTPC_ERR_REFUSED_AUTH, SMTPC_STEP_AUTH, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_READY] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_IDLE, SMTPC_TIMEOUT_NONE},
    [SMTPC_S_MAIL] = {SMTPC_ERR_REFUSED_MAIL, SMTPC_STEP_MAIL, SMTPC_TIMEOUT_MAIL},
    [SMTPC_S_RCPT] = {SMTPC_ERR_REFUSED_RCPT, SMTPC_STEP_RCPT, SMTPC_TIMEOUT_RCPT},
    [SMTPC_S_DATA] = {SMTPC_ERR_REFUSED_DATA, SMTPC_STEP_DATA, SMTPC_TIMEOUT_DATA_INIT},
    [SMTPC_S_BODY] = {SMTPC_ERR_REFUSED_MESSAGE, SMTPC_STEP_BODY, SMTPC_TIMEOUT_DATA_BLOCK},
    [SMTPC_S_END] = {SMTPC_ERR_REFUSED_MESSAGE, SMTPC_STEP_END, SMTPC_TIMEOUT_DATA_END},
    [SMTPC_S_RSET_ABORT] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_RSET, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_RSET] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_RSET, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_NOOP] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_NOOP, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_QUIT] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_QUIT, SMTPC_TIMEOUT_COMMAND},
    [SMTPC_S_DONE] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_CLOSED, SMTPC_TIMEOUT_NONE},
    [SMTPC_S_FAILED] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_FAILED, SMTPC_TIMEOUT_NONE},
#if SMTPC_WITH_CHUNKING
    [SMTPC_S_BDAT] = {SMTPC_ERR_REFUSED_MESSAGE, SMTPC_STEP_BODY, SMTPC_TIMEOUT_DATA_BLOCK},
    [SMTPC_S_BDAT_LAST] = {SMTPC_ERR_REFUSED_MESSAGE, SMTPC_STEP_END, SMTPC_TIMEOUT_DATA_END},
#if SMTPC_WITH_PIPELINING
    [SMTPC_S_RSET_NEXT] = {SMTPC_ERR_REFUSED_COMMAND, SMTPC_STEP_RSET, SMTPC_TIMEOUT_COMMAND},
#endif
#endif
};

/* In the ring of commands in flight, the first command of a transaction
 * begun while another's replies were still owed carries this mark. */
#define KIND_NEW_TXN 0x80u
#define KIND(k) ((enum smtpc_session_state)((k) & ~KIND_NEW_TXN))

static const unsigned default_timeouts[SMTPC_TIMEOUT_CLASSES] = {
    0, 300, 300, 300, 300, 120, 180, 600,
};

/* ---- configuration and arguments ---- */

void smtpc_session_config_default(struct smtpc_session_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->long_lines = SMTPC_LONG_LINES_FAIL;
}

static int has_high_bit(const char *str)
{
    for (; *str != '\0'; str++) {
        if ((unsigned char)*str >= 0x80)
            return 1;
    }
    return 0;
}

static int is_set(const char *str)
{
    return str != NULL && str[0] != '\0';
}

/* A fresh reply parser, as the configuration wants it. */
static void start_parser(struct smtpc_session *s)
{
    smtpc_reply_parser_init(&s->parser, s->cfg.max_reply_line, s->cfg.max_reply_lines);
    s->parser.lenient_blanks = (s->cfg.flags & SMTPC_F_LENIENT_REPLY_BLANKS) != 0;
}

int smtpc_session_init_as(struct smtpc_session *s, const struct smtpc_session_config *cfg,
                          uint8_t *in, size_t in_cap, uint8_t *out, size_t out_cap,
                          unsigned long config_id, size_t session_size)
{
    size_t cred = 0, i;
    int rc;

    if (config_id != SMTPC_CONFIG_ID || session_size != sizeof(struct smtpc_session))
        return SMTPC_ERR_CONFIG;
    if (s == NULL || cfg == NULL || in == NULL || out == NULL || !is_set(cfg->ehlo_name))
        return SMTPC_ERR_ARG;
    if (in_cap < SMTPC_IN_BUF_MIN || out_cap < SMTPC_OUT_BUF_MIN)
        return SMTPC_ERR_BUFFER;
    rc = smtpc_check_text(cfg->ehlo_name);
    if (rc != 0)
        return rc;
    if (strchr(cfg->ehlo_name, ' ') != NULL || strchr(cfg->ehlo_name, '\t') != NULL)
        return SMTPC_ERR_ARG;
    if (strlen(cfg->ehlo_name) > 255)
        return SMTPC_ERR_TOO_LONG;
#if !SMTPC_WITH_TLS
    if (cfg->tls != SMTPC_TLS_NONE)
        return SMTPC_ERR_ARG; /* built without TLS (SMTPC_WITH_TLS) */
#endif
#if !SMTPC_WITH_TRACE
    if (cfg->trace != NULL)
        return SMTPC_ERR_ARG; /* built without the trace (SMTPC_WITH_TRACE) */
#endif
    if (is_set(cfg->username)) {
        const char *parts[3];

        if (!((cfg->auth_mechs != 0 ? cfg->auth_mechs : ~0u) & SMTPC_AUTH_IMPLEMENTED))
            return SMTPC_ERR_ARG; /* none of the allowed mechanisms is built in */

        parts[0] = cfg->username;
        parts[1] = cfg->password != NULL ? cfg->password : "";
        parts[2] = cfg->authzid != NULL ? cfg->authzid : "";
        for (i = 0; i < 3; i++) {
            size_t n = strlen(parts[i]);

            rc = smtpc_check_text(parts[i]);
            if (rc != 0)
                return rc;
            if (n > SMTPC_CREDENTIAL_MAX)
                return SMTPC_ERR_TOO_LONG;
            cred += n;
        }
        /* "AUTH PLAIN " + base64(authzid NUL user NUL password) + CRLF */
        if (11 + SMTPC_B64_LEN(cred + 2) + 2 > out_cap)
            return SMTPC_ERR_TOO_LONG;
    } else if (is_set(cfg->password) || is_set(cfg->authzid)) {
        return SMTPC_ERR_ARG;
    }

    /* cfg may be the session's own (the blocking client restarts it so):
     * everything but the config is cleared, and the config read from s */
    if (cfg != &s->cfg)
        s->cfg = *cfg;
    memset((char *)s + sizeof s->cfg, 0, sizeof *s - sizeof s->cfg);
    for (i = 0; i < SMTPC_TIMEOUT_CLASSES; i++) {
        if (s->cfg.timeout_s[i] == 0)
            s->cfg.timeout_s[i] = default_timeouts[i];
    }
    start_parser(s);
    s->in = in;
    s->in_cap = in_cap;
    s->out = out;
    s->out_cap = out_cap;
    s->secure = (s->cfg.flags & SMTPC_F_SECURE) != 0;
    s->state = SMTPC_S_GREETING;
    s->greeting_owed = 1; /* the greeting answers the connection */
#if SMTPC_WITH_TLS
    if (s->cfg.tls == SMTPC_TLS_IMPLICIT && !s->secure) {
        s->state = SMTPC_S_TLS; /* the handshake first, then the greeting */
        s->tls_started = 1;
    }
#endif
    return 0;
}

/* ---- output ---- */

void smtpc_session_compact_out(struct smtpc_session *s)
{
    if (s->out_off == 0)
        return;
#if SMTPC_WITH_CHUNKING
    if (s->bdat.chunk_open)
        s->bdat.chunk_at -= s->out_off;
#endif
    memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
    s->out_len -= s->out_off;
    s->out_off = 0;
}

void smtpc_line_open(struct smtpc_session *s, struct smtpc_line *l)
{
    smtpc_session_compact_out(s);
    l->buf = (char *)s->out + s->out_len;
    l->cap = s->out_cap - s->out_len;
    l->len = 0;
    l->over = 0;
}

void smtpc_line_put_n(struct smtpc_line *l, const char *p, size_t n)
{
    if (l->over || n > l->cap - l->len) {
        l->over = 1;
        return;
    }
    memcpy(l->buf + l->len, p, n);
    l->len += n;
}

void smtpc_line_put(struct smtpc_line *l, const char *str)
{
    smtpc_line_put_n(l, str, strlen(str));
}

void smtpc_line_put_ulong(struct smtpc_line *l, unsigned long long v)
{
    char digits[24];
    size_t n = sizeof digits;

    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    smtpc_line_put_n(l, digits + n, sizeof digits - n);
}

/* One EHLO line after the first. Of a line longer than what the parser
 * keeps, only the whole words are read: "AUTH PLAIN LOG" is AUTH PLAIN. */
static void parse_capability(struct smtpc_session *s)
{
    size_t len = strlen(s->parser.line);

    if (s->parser.line_cut) {
        while (len > 4 && s->parser.line[len - 1] != ' ')
            len--;
        while (len > 4 && s->parser.line[len - 1] == ' ')
            len--;
    }
    smtpc_caps_parse_line(&s->caps, s->parser.line, len);
}

#if SMTPC_WITH_TRACE
void smtpc_session_trace(struct smtpc_session *s, int dir, const char *line, size_t len)
{
    if (s->cfg.trace != NULL)
        s->cfg.trace(s->cfg.trace_ctx, dir, line, len);
}

void smtpc_session_note(struct smtpc_session *s, const char *text)
{
    smtpc_session_trace(s, SMTPC_TRACE_INFO, text, strlen(text));
}

void smtpc_session_note_sent(struct smtpc_session *s, const char *how)
{
    char note[64];
    struct smtpc_line l;

    if (s->cfg.trace == NULL)
        return;
    l.buf = note;
    l.cap = sizeof note - 1;
    l.len = 0;
    l.over = 0;
    smtpc_line_put(&l, "message data: ");
    smtpc_line_put_ulong(&l, s->body.out_total);
    smtpc_line_put(&l, " octets sent");
    smtpc_line_put(&l, how);
    note[l.len] = '\0';
    smtpc_session_note(s, note);
}
#endif

void smtpc_session_owe(struct smtpc_session *s, enum smtpc_session_state awaits)
{
    unsigned i = ((unsigned)s->inflight_head + s->inflight_count) % SMTPC_PIPELINE_WINDOW;

    s->inflight_end[i] = s->sent_total + (unsigned long)(s->out_len - s->out_off);
    s->inflight_kind[i] = (unsigned char)awaits;
    s->inflight_count++;
}

int smtpc_line_commit(struct smtpc_session *s, struct smtpc_line *l, const char *shown,
                      enum smtpc_session_state awaits)
{
    size_t len = l->len;

    smtpc_line_put_n(l, "\r\n", 2);
    if (l->over)
        return SMTPC_ERR_TOO_LONG;
    if (s->inflight_count == SMTPC_PIPELINE_WINDOW)
        return SMTPC_ERR_STATE; /* never: callers keep within the window */
    if (shown != NULL)
        smtpc_session_trace(s, SMTPC_TRACE_OUT, shown, strlen(shown));
    else
        smtpc_session_trace(s, SMTPC_TRACE_OUT, l->buf, len);
    s->out_len += l->len;
    smtpc_session_owe(s, awaits);
    return 0;
}

int smtpc_session_command(struct smtpc_session *s, const char *a, const char *b,
                          enum smtpc_session_state awaits)
{
    struct smtpc_line l;

    smtpc_line_open(s, &l);
    smtpc_line_put(&l, a);
    if (b != NULL)
        smtpc_line_put(&l, b);
    return smtpc_line_commit(s, &l, NULL, awaits);
}

/* Queues a command and moves to `next`; fails the session if it cannot. */
static void send_command(struct smtpc_session *s, const char *a, const char *b,
                         enum smtpc_session_state next)
{
    int rc = smtpc_session_command(s, a, b, next);

    if (rc != 0) {
        smtpc_session_fail(s, rc, 1);
        return;
    }
    s->state = next;
}

/* The end of data waits for room after the last body bytes. */
static void queue_body_end(struct smtpc_session *s)
{
    long n;

    smtpc_session_compact_out(s);
    n = smtpc_body_finish(&s->body, s->out + s->out_len, s->out_cap - s->out_len);
    if (n < 0)
        return;
    s->out_len += (size_t)n;
    smtpc_session_owe(s, SMTPC_S_END);
    s->body_ending = 0;
    s->state = SMTPC_S_END;
    smtpc_session_note_sent(s, "");
    smtpc_session_trace(s, SMTPC_TRACE_OUT, ".", 1);
}

/* The end of data, or of the last chunk, once there is room for it. */
static void finish_body(struct smtpc_session *s)
{
#if SMTPC_WITH_CHUNKING
    if (s->bdat.on)
        smtpc_bdat_finish(s);
    else
#endif
        queue_body_end(s);
#if SMTPC_WITH_PIPELINING
    if (!s->body_ending && s->state != SMTPC_S_FAILED)
        s->tx = NULL; /* all of it is queued: the next may begin */
#endif
}

/* Bytes the driver may send now. While the body is being written, its last
 * two bytes are held back, so that the end of data always leaves in the
 * same write as the body's final line break ("\r\n.\r\n" in one segment:
 * one send fewer, and servers that look for the whole marker in a segment,
 * as NetX Duo's own tests do, find it). */
static size_t sendable(const struct smtpc_session *s)
{
    size_t pending = s->out_len - s->out_off;

#if SMTPC_WITH_CHUNKING
    if (s->bdat.chunk_open)
        return s->bdat.chunk_at - s->out_off; /* a chunk goes once its size is known */
    if (s->bdat.on)
        return pending;
#endif
    if (s->state == SMTPC_S_BODY)
        return pending > 2 ? pending - 2 : 0;
    return pending;
}

const uint8_t *smtpc_session_out_buf(const struct smtpc_session *s, size_t *len)
{
    *len = sendable(s);
    return s->out + s->out_off;
}

void smtpc_session_out_ack(struct smtpc_session *s, size_t n)
{
    if (n > sendable(s))
        n = sendable(s);
    s->out_off += n;
    s->sent_total += (unsigned long)n;
    if (s->out_off == s->out_len)
        s->out_off = s->out_len = 0;
    if (s->body_ending)
        finish_body(s);
}

/* ---- state ---- */

/* Of the commands in flight at a failure, those all written are still
 * owed their replies: when QUIT may follow, they stay in flight, marked to
 * be read and dropped, so that none of their replies is taken for QUIT's.
 * A command cut in the middle (part of it written) leaves no room for QUIT;
 * the rest is never sent. */
static void drain_inflight(struct smtpc_session *s)
{
    unsigned kept = 0, i;
    unsigned long start = s->answered_end;

    for (; kept < s->inflight_count; kept++) {
        i = ((unsigned)s->inflight_head + kept) % SMTPC_PIPELINE_WINDOW;
        if (s->sent_total - s->inflight_end[i] > (~0UL >> 1))
            break; /* not all written */
        start = s->inflight_end[i];
        s->inflight_kind[i] = (unsigned char)SMTPC_S_FAILED;
    }
    if (s->sent_total != start)
        s->quit_ok = 0; /* the next command is half written */
    s->inflight_count = s->quit_ok ? (unsigned char)kept : 0;
}

/* The transaction whose replies come is done: the next one begun, if
 * any, takes its place. */
static void finish_txn(struct smtpc_session *s)
{
    s->txn->done = 1;
#if SMTPC_WITH_PIPELINING
    s->rcpt_next = 0; /* the next one's replies start */
    s->mail_refused = s->data_refused = 0;
    if (s->tx == s->txn)
        s->tx = NULL;
    s->txq_head = (unsigned char)((s->txq_head + 1) % SMTPC_TXN_QUEUE);
    s->txq_count--;
    s->txn = s->txq_count > 0 ? s->txq[s->txq_head] : NULL;
#else
    s->txn = NULL;
#endif
}

void smtpc_session_fail(struct smtpc_session *s, int err, int quit_ok)
{
    if (s->state == SMTPC_S_FAILED || s->state == SMTPC_S_DONE)
        return;
    s->error = err;
    s->quit_ok = quit_ok != 0;
#if SMTPC_WITH_PIPELINING
    if (s->quit_queued)
        s->quit_ok = 0; /* it went already */
#endif
    s->fail_state = s->state;
    s->state = SMTPC_S_FAILED;
    s->greeting_owed = 0;
    s->body_ending = 0;
#if SMTPC_WITH_CHUNKING
    s->bdat.body_open = s->bdat.chunk_open = 0;
#endif
    drain_inflight(s);
    s->out_off = s->out_len = 0;
    while (s->txn != NULL) {
        if (s->txn->result == 0)
            s->txn->result = err;
        finish_txn(s);
    }
#if SMTPC_WITH_PIPELINING
    s->tx = NULL;
#endif
}

void smtpc_session_ready(struct smtpc_session *s)
{
    s->state = SMTPC_S_READY;
}

void smtpc_session_abort(struct smtpc_session *s, int err)
{
    smtpc_session_fail(s, err, 0);
}

/* A transaction may begin ahead of the replies still owed: with
 * PIPELINING, once all of the last one begun is queued, with room in the
 * queue and in flight (an RSET after BDAT, and MAIL). */
static int next_may_begin(const struct smtpc_session *s)
{
#if SMTPC_WITH_PIPELINING
    /* room for RSET and the longest MAIL besides what is queued */
    return s->txn != NULL && s->tx == NULL && !s->quit_queued && s->state != SMTPC_S_RSET_ABORT &&
           s->state != SMTPC_S_FAILED && s->txq_count < SMTPC_TXN_QUEUE &&
           s->inflight_count + 2 <= SMTPC_PIPELINE_WINDOW &&
           s->out_cap - (s->out_len - s->out_off) >= SMTPC_OUT_BUF_MIN + SMTPC_DSN_MAIL_EXTRA + 6 &&
           smtpc_session_pipelining(s);
#else
    (void)s;
    return 0;
#endif
}

unsigned smtpc_session_wants(const struct smtpc_session *s)
{
    unsigned w = sendable(s) > 0 ? SMTPC_WANT_SEND : 0;

    switch (s->state) {
    case SMTPC_S_READY:
        return w | SMTPC_READY;
    case SMTPC_S_BODY:
#if SMTPC_WITH_CHUNKING
        if (s->bdat.on) /* nothing in flight, the body open */
            return smtpc_bdat_takes_body(s) ? (w | SMTPC_WANT_BODY) : w;
#endif
        return s->body_ending ? w : (w | SMTPC_WANT_BODY);
    case SMTPC_S_TLS:
        return SMTPC_WANT_TLS;
    case SMTPC_S_DONE:
        return SMTPC_DONE;
    case SMTPC_S_FAILED:
        return SMTPC_FAILED;
    default:
#if SMTPC_WITH_CHUNKING
        if (smtpc_bdat_takes_body(s)) /* chunks go while replies come */
            w |= SMTPC_WANT_BODY;
#endif
        if (next_may_begin(s))
            w |= SMTPC_WANT_NEXT;
        return w | SMTPC_WANT_RECV;
    }
}

/* Another transaction was begun after the one whose replies come, or
 * QUIT queued. */
static int later_begun(const struct smtpc_session *s)
{
#if SMTPC_WITH_PIPELINING
    return s->txq_count > 1 || s->quit_queued; /* QUIT clears any transaction too */
#else
    (void)s;
    return 0;
#endif
}

/* Ends the transaction whose replies come with `result`; `rset` when the
 * server still holds it and it must be cleared first, unless a later one
 * was begun: that one starts with its own RSET (see txn_begin). */
static void end_txn(struct smtpc_session *s, int result, int rset)
{
    s->txn->result = result;
    if (rset && !later_begun(s)) {
        send_command(s, "RSET", NULL, SMTPC_S_RSET_ABORT);
        return;
    }
    finish_txn(s);
    if (s->txn == NULL)
        smtpc_session_ready(s);
}

/* The transaction being sent (the one whose replies come, without
 * PIPELINING), or NULL once all of it is queued. */
static struct smtpc_txn *tx_txn(const struct smtpc_session *s)
{
#if SMTPC_WITH_PIPELINING
    return s->tx;
#else
    return s->txn;
#endif
}

/* All of the commands in flight are the transaction's whose replies come:
 * none of a later one is (the first of each is marked). */
static int replies_in(const struct smtpc_session *s)
{
    return s->inflight_count == 0 ||
           (SMTPC_WITH_PIPELINING && (s->inflight_kind[s->inflight_head] & KIND_NEW_TXN));
}

/* Queues the command a b c (b, c may be NULL) and, with DSN offered, the
 * DSN parameters of recipient `r` (NULL: none) when the output buffer has
 * room for it. Returns 0, 1 when there is no room yet (it goes once what is
 * there is sent and answered), or the error when it can never fit. */
static int queue_when_room(struct smtpc_session *s, const char *a, const char *b, const char *c,
                           const struct smtpc_rcpt *r, enum smtpc_session_state awaits)
{
    struct smtpc_line l;

    smtpc_line_open(s, &l);
    smtpc_line_put(&l, a);
    if (b != NULL)
        smtpc_line_put(&l, b);
    if (c != NULL)
        smtpc_line_put(&l, c);
#if SMTPC_WITH_DSN
    if (r != NULL && smtpc_dsn_offered(s))
        smtpc_dsn_put_rcpt(&l, r);
#else
    (void)r;
#endif
    if ((l.over || l.cap - l.len < 2) && s->out_len > 0)
        return 1;
    return smtpc_line_commit(s, &l, NULL, awaits);
}

/* Moves the transaction on after its start or a reply to it: queues the
 * RCPTs and DATA that may go now (all of them with PIPELINING, else the
 * next one once nothing is in flight) and, once every reply owed is in,
 * ends it when it cannot deliver to the recipients the policy asks for. */
static void txn_step(struct smtpc_session *s)
{
    struct smtpc_txn *r = s->txn, *t = tx_txn(s);
    int ahead = smtpc_session_pipelining(s), rc, same = t == r;

    if (s->inflight_count > 0 && !ahead)
        return; /* one command at a time: its reply first */
    if (r != NULL && (s->mail_refused || s->data_refused ||
                      (SMTPC_BDAT_ON(s) && same && s->data_queued &&
                       s->rcpt_next == r->rcpt_count && r->rcpt_accepted == 0))) {
        if (same) { /* nowhere to deliver: nothing more of it goes (no more chunks) */
#if SMTPC_WITH_CHUNKING
            smtpc_bdat_stop(s);
#endif
            if (SMTPC_BDAT_BODY_OPEN(s))
                return; /* a chunk of declared size must be completed first */
            t = NULL;
#if SMTPC_WITH_PIPELINING
            s->tx = NULL;
#endif
        }
        if (replies_in(s)) /* every reply it is owed is in */
            end_txn(s,
                    s->mail_refused         ? SMTPC_ERR_REFUSED_MAIL
                    : r->rcpt_accepted == 0 ? SMTPC_ERR_REFUSED_RCPT
                    : SMTPC_BDAT_ON(s)      ? SMTPC_ERR_REFUSED_MESSAGE
                                            : SMTPC_ERR_REFUSED_DATA,
                    !s->mail_refused);
        same = t == s->txn; /* the refused one may have ended */
    }
    if (t == NULL)
        return;
    while (s->rcpt_sent < t->rcpt_count && s->inflight_count < SMTPC_PIPELINE_WINDOW &&
           (ahead || s->inflight_count == 0)) {
        rc = queue_when_room(s, "RCPT TO:<", t->rcpt[s->rcpt_sent].address, ">",
                             &t->rcpt[s->rcpt_sent], SMTPC_S_RCPT);
        if (rc < 0) {
            smtpc_session_fail(s, rc, 1);
            return;
        }
        if (rc > 0)
            break;
        s->rcpt_sent++;
    }
    if (s->rcpt_sent < t->rcpt_count || s->data_queued ||
        s->inflight_count == SMTPC_PIPELINE_WINDOW)
        return;
    if (!same || s->rcpt_next < t->rcpt_count) {
        /* replies to RCPT still to come: DATA goes with them, except
         * under the all-or-nothing policy, which must see them first */
        if (!ahead || (t->flags & SMTPC_TXN_ALL_RCPTS))
            return;
    } else if (t->rcpt_accepted == 0 ||
               (SMTPC_WITH_MULTI_RCPT && (t->flags & SMTPC_TXN_ALL_RCPTS) &&
                t->rcpt_accepted < t->rcpt_count)) {
        end_txn(s, SMTPC_ERR_REFUSED_RCPT, 1);
        return;
    }
#if SMTPC_WITH_CHUNKING
    if (s->bdat.on)
        rc = smtpc_bdat_open(s, (t->flags & SMTPC_TXN_BINARY) &&
                                    (s->caps.flags & SMTPC_CAP_BINARYMIME));
    else
#endif
        rc = queue_when_room(s, "DATA", NULL, NULL, NULL, SMTPC_S_DATA);
    if (rc < 0)
        smtpc_session_fail(s, rc, 1);
    s->data_queued = rc == 0;
}

/* Authenticates if asked to, else ready: what follows the hello, and TLS
 * when there is any. */
static void after_security(struct smtpc_session *s)
{
    if (is_set(s->cfg.username))
        smtpc_auth_start(s);
    else
        smtpc_session_ready(s);
}

static void after_hello(struct smtpc_session *s)
{
#if SMTPC_WITH_TLS
    int policy = s->cfg.tls;

    if (s->secure || (policy != SMTPC_TLS_STARTTLS && policy != SMTPC_TLS_OPPORTUNISTIC)) {
        after_security(s);
        return;
    }
    if (s->caps.flags & SMTPC_CAP_STARTTLS) {
        send_command(s, "STARTTLS", NULL, SMTPC_S_STARTTLS);
        return;
    }
    if (policy == SMTPC_TLS_STARTTLS) {
        s->state = SMTPC_S_STARTTLS; /* reported at this step, before any credential */
        smtpc_session_fail(s, SMTPC_ERR_TLS_REQUIRED, 1);
        return;
    }
    smtpc_session_note(s, "server offers no STARTTLS: going on in clear");
#endif
    after_security(s);
}

/* A complete reply for the current state. Each case returns when it
 * handled the reply; what falls out of the switch is a refusal (4xx, 5xx:
 * the state's error) or a reply that has no place here. */
static void on_reply(struct smtpc_session *s)
{
    int code = s->reply.code, cls = code / 100;
    int refused = cls == 4 || cls == 5;
    enum smtpc_session_state st = s->state;
    struct smtpc_txn *t = s->txn;

    if (code == 421 && st != SMTPC_S_QUIT) {
        smtpc_session_fail(s, steps[st].refusal, 0);
        return;
    }
    switch (st) {
    case SMTPC_S_GREETING:
        if (code != 220)
            break;
        if (s->cfg.flags & SMTPC_F_NO_EHLO)
            send_command(s, "HELO ", s->cfg.ehlo_name, SMTPC_S_HELO);
        else
            send_command(s, "EHLO ", s->cfg.ehlo_name, SMTPC_S_EHLO);
        return;
    case SMTPC_S_EHLO:
        if (cls == 2) {
            s->caps.flags |= SMTPC_CAP_EHLO;
            after_hello(s);
            return;
        }
        if (code == 500 || code == 502 || code == 504 || code == 550) {
            smtpc_caps_clear(&s->caps);
            send_command(s, "HELO ", s->cfg.ehlo_name, SMTPC_S_HELO);
            return;
        }
        break;
    case SMTPC_S_HELO:
        smtpc_caps_clear(&s->caps);
        if (cls != 2)
            break;
        after_hello(s);
        return;
#if SMTPC_WITH_TLS
    case SMTPC_S_STARTTLS:
        if (code == 220) {
            /* Anything after the 220 was sent before the handshake, so it
             * could be an attacker's (CVE-2021-22947 class): never parse it. */
            if (s->in_off < s->in_len) {
                s->in_off = s->in_len;
                smtpc_session_fail(s, SMTPC_ERR_STARTTLS_INJECTION, 0);
                return;
            }
            s->state = SMTPC_S_TLS;
            s->tls_started = 1;
            return;
        }
        if (refused && s->cfg.tls != SMTPC_TLS_STARTTLS) {
            smtpc_session_note(s, "STARTTLS refused: going on in clear");
            after_security(s);
            return;
        }
        break;
#endif
    case SMTPC_S_AUTH:
    case SMTPC_S_AUTH_CANCEL:
        smtpc_auth_on_reply(s);
        return;
    case SMTPC_S_MAIL:
        t->mail_reply = s->reply;
        if (cls != 2 && !refused)
            break;
        s->mail_refused = cls != 2; /* with PIPELINING, replies to RCPT and DATA still come */
        txn_step(s);
        return;
    case SMTPC_S_RCPT:
        t->rcpt[s->rcpt_next].reply = s->reply;
        if (cls == 2) {
            t->rcpt[s->rcpt_next].accepted = 1;
            t->rcpt_accepted++;
        } else if (!refused) {
            break;
        }
        s->rcpt_next++;
        txn_step(s);
        return;
    case SMTPC_S_DATA:
        t->data_reply = s->reply;
        if (code == 354 && (s->mail_refused || t->rcpt_accepted == 0)) {
            /* a pipelined DATA accepted with nowhere to deliver: closing
             * without an end of data is the only way that sends nothing */
            smtpc_session_fail(s, SMTPC_ERR_REPLY_UNEXPECTED, 0);
            return;
        }
        if (code == 354) {
            smtpc_body_encoder_init(&s->body, s->cfg.long_lines);
            s->state = SMTPC_S_BODY;
            return;
        }
        if (!refused)
            break;
        s->data_refused = 1;
        txn_step(s);
        return;
    case SMTPC_S_END:
        t->end_reply = s->reply;
        if (cls == 2) {
            end_txn(s, 0, 0);
            return;
        }
        break;
#if SMTPC_WITH_CHUNKING
    case SMTPC_S_BDAT:
    case SMTPC_S_BDAT_LAST:
        if (cls != 2 && !refused)
            break;
        if (refused || st == SMTPC_S_BDAT_LAST)
            t->end_reply = s->reply;
        if (refused) {
            s->data_refused = 1; /* no chunk after a refused one (RFC 3030 4.2) */
        } else if (st == SMTPC_S_BDAT_LAST) {
            if (s->mail_refused || t->rcpt_accepted == 0) {
                /* a message accepted for no recipient */
                smtpc_session_fail(s, SMTPC_ERR_REPLY_UNEXPECTED, 1);
                return;
            }
            if (tx_txn(s) == t) { /* all of it was written, before body_end */
                s->bdat.body_open = 0;
#if SMTPC_WITH_PIPELINING
                s->tx = NULL;
#endif
            }
            if (!s->data_refused) {
                end_txn(s, 0, 0);
                return;
            }
        }
        txn_step(s);
        return;
#endif
    case SMTPC_S_RSET_ABORT:
        finish_txn(s);
        if (s->txn == NULL)
            smtpc_session_ready(s);
        return;
#if SMTPC_WITH_PIPELINING && SMTPC_WITH_CHUNKING
    case SMTPC_S_RSET_NEXT:
        if (cls == 2)
            return; /* the transaction after it goes on */
        break;
#endif
    case SMTPC_S_RSET:
    case SMTPC_S_NOOP:
        if (cls != 2 && !refused)
            break;
        smtpc_session_ready(s);
        return;
    case SMTPC_S_QUIT:
        s->state = SMTPC_S_DONE;
        return;
    default:
        return;
    }
    if (!refused) {
        smtpc_session_fail(s, SMTPC_ERR_REPLY_UNEXPECTED, 1);
        return;
    }
    /* a refused end of data ends the transaction, not the session */
    if (st == SMTPC_S_END)
        end_txn(s, SMTPC_ERR_REFUSED_MESSAGE, 0);
    else
        smtpc_session_fail(s, steps[st].refusal, 1);
}

/* A reply may start now: the greeting, or the reply to the oldest command
 * in flight once all of that command is written. */
static int reply_may_start(const struct smtpc_session *s)
{
    if (s->greeting_owed)
        return 1;
    return s->inflight_count > 0 &&
           s->sent_total - s->inflight_end[s->inflight_head] <= (~0UL >> 1);
}

/* A complete reply answers the oldest command in flight: the session is in
 * the state that reads it, then in that of the next one in flight. */
static void answer(struct smtpc_session *s)
{
    enum smtpc_session_state kind = SMTPC_S_GREETING;

    if (s->greeting_owed) {
        s->greeting_owed = 0;
    } else {
        kind = KIND(s->inflight_kind[s->inflight_head]);
        s->answered_end = s->inflight_end[s->inflight_head];
        s->inflight_head = (unsigned char)((s->inflight_head + 1) % SMTPC_PIPELINE_WINDOW);
        s->inflight_count--;
    }
    s->replies++;
    if (kind == SMTPC_S_FAILED)
        return; /* owed to a command sent before a failure: dropped */
    s->state = kind;
    on_reply(s);
    kind = KIND(s->inflight_kind[s->inflight_head]);
    if (s->inflight_count > 0 && s->state != SMTPC_S_FAILED && kind != SMTPC_S_FAILED)
        s->state = kind;
#if SMTPC_WITH_CHUNKING
    else if (s->inflight_count == 0 && s->bdat.body_open && s->state != SMTPC_S_FAILED)
        s->state = SMTPC_S_BODY; /* nothing owed: the body goes on */
    if (s->body_ending && s->bdat.on)
        smtpc_bdat_finish(s); /* a reply made room in flight */
#endif
}

/* Bytes at in_off start a reply that answers nothing: the session fails,
 * over any earlier failure, and sends nothing more, not even QUIT. What
 * arrives of that reply, in this read and later ones, is still read into
 * s->reply (and traced) for the caller, until its end. */
static void unasked(struct smtpc_session *s)
{
    if (s->state == SMTPC_S_FAILED) {
        s->error = SMTPC_ERR_REPLY_UNASKED;
        s->quit_ok = 0;
    } else {
        smtpc_session_fail(s, SMTPC_ERR_REPLY_UNASKED, 0);
    }
    start_parser(s);
    s->showing_unasked = 1;
}

/* Reads the unasked reply on into s->reply; the rest is dropped. */
static void show_unasked(struct smtpc_session *s)
{
    while (s->showing_unasked && s->in_off < s->in_len) {
        size_t used = 0;
        int r = smtpc_reply_parse(&s->parser, &s->reply, s->in + s->in_off, s->in_len - s->in_off,
                                  &used);

        s->in_off += used;
        if (r == SMTPC_REPLY_LINE || r == SMTPC_REPLY_DONE)
            smtpc_session_trace(s, SMTPC_TRACE_IN, s->parser.line, strlen(s->parser.line));
        if (r != SMTPC_REPLY_LINE && r != SMTPC_REPLY_MORE)
            s->showing_unasked = 0;
    }
    s->in_off = s->in_len;
}

/* Parses what arrived: each reply is the answer owed, and what comes when
 * none is owed is unasked. A finished session reads nothing more, and a
 * failed one only to see whether the server is still in step for QUIT. */
static void pump(struct smtpc_session *s)
{
    struct smtpc_reply dropped; /* a reply owed to a command sent before a failure */

    memset(&dropped, 0, sizeof dropped);
    while (s->in_off < s->in_len) {
        size_t used = 0;
        int r;

        if (s->state == SMTPC_S_DONE || (s->state == SMTPC_S_FAILED && !s->quit_ok)) {
            show_unasked(s);
            break;
        }
        if (s->state == SMTPC_S_FAILED && s->framing_lost) {
            s->in_off = s->in_len; /* the rest of a malformed reply, until QUIT */
            break;
        }
        if (smtpc_reply_parser_idle(&s->parser) && !reply_may_start(s)) {
            unasked(s);
            continue;
        }
        /* the failure's reply stays the session's: what is dropped is read aside */
        r = smtpc_reply_parse(&s->parser,
                              !s->greeting_owed && s->inflight_count > 0 &&
                                      s->inflight_kind[s->inflight_head] == SMTPC_S_FAILED
                                  ? &dropped
                                  : &s->reply,
                              s->in + s->in_off, s->in_len - s->in_off, &used);
        s->in_off += used;
        if (r < 0) {
            /* The server is still there: QUIT is polite, and its reply is
             * parsed afresh. Where the malformed reply ends cannot be told
             * (the rest of a line too long, the later lines of a reply whose
             * first was bad), so what comes until QUIT is that reply's rest,
             * not an unasked one. */
            smtpc_session_fail(s, r, 1);
            s->framing_lost = 1;
            start_parser(s);
            continue;
        }
        if (r == SMTPC_REPLY_MORE)
            continue;
        smtpc_session_trace(s, SMTPC_TRACE_IN, s->parser.line, strlen(s->parser.line));
        if (s->state == SMTPC_S_EHLO && s->reply.lines > 1 && s->reply.code == 250)
            parse_capability(s);
        if (r == SMTPC_REPLY_DONE)
            answer(s);
    }
    if (s->in_off == s->in_len)
        s->in_off = s->in_len = 0;
}

uint8_t *smtpc_session_in_buf(struct smtpc_session *s, size_t *len)
{
    if (s->in_off > 0) {
        memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
        s->in_len -= s->in_off;
        s->in_off = 0;
    }
    *len = s->in_cap - s->in_len;
    return s->in + s->in_len;
}

void smtpc_session_in_ack(struct smtpc_session *s, size_t n)
{
    if (n > s->in_cap - s->in_len)
        n = s->in_cap - s->in_len;
#if SMTPC_WITH_TLS
    if (s->state == SMTPC_S_TLS && n > 0) {
        /* cleartext where the handshake belongs: see SMTPC_S_STARTTLS */
        smtpc_session_fail(s, SMTPC_ERR_STARTTLS_INJECTION, 0);
        return;
    }
#endif
    s->in_len += n;
    pump(s);
}

void smtpc_session_eof(struct smtpc_session *s)
{
    if (s->state == SMTPC_S_QUIT) {
        s->state = SMTPC_S_DONE;
        return;
    }
    smtpc_session_fail(s, SMTPC_ERR_CLOSED, 0);
}

/* ---- requests from the caller ---- */

int smtpc_session_txn_begin(struct smtpc_session *s, struct smtpc_txn *t)
{
    struct smtpc_line l;
    size_t i;
    int rc, utf8, ahead = SMTPC_WITH_PIPELINING && s->state != SMTPC_S_READY;
#if SMTPC_WITH_PIPELINING
    unsigned char inflight = s->inflight_count;
#endif
#if SMTPC_WITH_CHUNKING && SMTPC_WITH_PIPELINING
    size_t out_len;
#endif

    if (ahead ? !next_may_begin(s) : s->state != SMTPC_S_READY)
        return SMTPC_ERR_STATE;
    if (t == NULL || t->from == NULL || (t->rcpt == NULL && t->rcpt_count > 0))
        return SMTPC_ERR_ARG;
    if (t->rcpt_count == 0)
        return SMTPC_ERR_NO_RECIPIENT;
    if (!SMTPC_WITH_MULTI_RCPT && t->rcpt_count > 1)
        return SMTPC_ERR_ARG; /* built for one (SMTPC_WITH_MULTI_RCPT) */
    rc = smtpc_check_address(t->from, 1);
    if (rc != 0)
        return rc;
    utf8 = has_high_bit(t->from);
    for (i = 0; i < t->rcpt_count; i++) {
        rc = smtpc_check_address(t->rcpt[i].address, 0);
        if (rc != 0)
            return rc;
        utf8 |= has_high_bit(t->rcpt[i].address);
    }
#if SMTPC_WITH_DSN
    rc = smtpc_dsn_check(s, t);
    if (rc != 0)
        return rc;
#endif
    if (utf8 && (!SMTPC_WITH_SMTPUTF8 || !(s->caps.flags & SMTPC_CAP_SMTPUTF8)))
        return SMTPC_ERR_SMTPUTF8;
#if SMTPC_WITH_SIZE
    if ((s->caps.flags & SMTPC_CAP_SIZE) && s->caps.size_max > 0 && t->size > s->caps.size_max)
        return SMTPC_ERR_MESSAGE_TOO_BIG;
#endif

    memset(&t->mail_reply, 0, sizeof t->mail_reply);
    memset(&t->data_reply, 0, sizeof t->data_reply);
    memset(&t->end_reply, 0, sizeof t->end_reply);
    for (i = 0; i < t->rcpt_count; i++) {
        memset(&t->rcpt[i].reply, 0, sizeof t->rcpt[i].reply);
        t->rcpt[i].accepted = 0;
    }
    t->rcpt_accepted = 0;
    t->result = 0;
    t->done = 0;

#if SMTPC_WITH_CHUNKING && SMTPC_WITH_PIPELINING
    smtpc_session_compact_out(s);
    out_len = s->out_len;
    /* After BDAT the server may still hold the transaction before if its
     * last chunk is refused: the one begun ahead clears it first (and the
     * one before sends no RSET of its own, which would come too late). */
    if (ahead && smtpc_bdat_offered(s)) {
        rc = smtpc_session_command(s, "RSET", NULL, SMTPC_S_RSET_NEXT);
        if (rc != 0)
            return rc;
    }
#endif
    smtpc_line_open(s, &l);
    smtpc_line_put(&l, "MAIL FROM:<");
    smtpc_line_put(&l, t->from);
    smtpc_line_put(&l, ">");
#if SMTPC_WITH_SIZE
    if ((s->caps.flags & SMTPC_CAP_SIZE) && t->size > 0) {
        smtpc_line_put(&l, " SIZE=");
        smtpc_line_put_ulong(&l, t->size);
    }
#endif
#if SMTPC_WITH_CHUNKING
    memset(&s->bdat, 0, sizeof s->bdat);
    s->bdat.on = (unsigned char)smtpc_bdat_offered(s);
    s->bdat.exact = s->bdat.on && (t->flags & SMTPC_TXN_SIZE_EXACT);
    s->bdat.size = t->size;
    if (s->bdat.on && (t->flags & SMTPC_TXN_BINARY) && (s->caps.flags & SMTPC_CAP_BINARYMIME))
        smtpc_line_put(&l, " BODY=BINARYMIME");
    else
#endif
        if ((t->flags & SMTPC_TXN_8BIT) && (s->caps.flags & SMTPC_CAP_8BITMIME))
        smtpc_line_put(&l, " BODY=8BITMIME");
#if SMTPC_WITH_SMTPUTF8
    if (utf8)
        smtpc_line_put(&l, " SMTPUTF8");
#endif
#if SMTPC_WITH_DSN
    if (smtpc_dsn_offered(s))
        smtpc_dsn_put_mail(&l, t);
#endif
    rc = smtpc_line_commit(s, &l, NULL, SMTPC_S_MAIL);
    if (rc != 0) {
#if SMTPC_WITH_CHUNKING && SMTPC_WITH_PIPELINING
        s->out_len = out_len; /* the RSET before it too */
        s->inflight_count = inflight;
#endif
        return rc;
    }
    s->rcpt_sent = 0;
    s->data_queued = 0;
#if SMTPC_WITH_PIPELINING
    s->txq[(s->txq_head + s->txq_count) % SMTPC_TXN_QUEUE] = t;
    s->txq_count++;
    s->tx = t;
    if (ahead) { /* its replies come after those owed now */
        unsigned first = ((unsigned)s->inflight_head + inflight) % SMTPC_PIPELINE_WINDOW;

        s->inflight_kind[first] |= KIND_NEW_TXN;
        txn_step(s);
        return 0;
    }
#endif
    s->txn = t;
    s->state = SMTPC_S_MAIL;
    s->rcpt_next = 0;
    s->mail_refused = s->data_refused = 0;
    txn_step(s); /* with PIPELINING, the RCPTs and DATA go along */
    return 0;
}

long smtpc_session_body_write(struct smtpc_session *s, const uint8_t *data, size_t len)
{
    size_t produced = 0;
    long n;

#if SMTPC_WITH_CHUNKING
    if (s->bdat.on) {
        if (!smtpc_bdat_takes_body(s))
            return s->bdat.body_open && !s->body_ending ? 0 : SMTPC_ERR_STATE;
        return smtpc_bdat_write(s, data, len);
    }
#endif
    if (s->state != SMTPC_S_BODY || s->body_ending)
        return SMTPC_ERR_STATE;
    smtpc_session_compact_out(s);
    n = smtpc_body_encode(&s->body, data, len, s->out + s->out_len, s->out_cap - s->out_len,
                          &produced);
    if (n < 0) {
        /* Part of the message may be on the wire: only closing is safe. */
        smtpc_session_fail(s, (int)n, 0);
        return n;
    }
    s->out_len += produced;
    return n;
}

int smtpc_session_body_end(struct smtpc_session *s)
{
    if (SMTPC_BDAT_ON(s) ? !SMTPC_BDAT_BODY_OPEN(s) || s->state == SMTPC_S_FAILED
                         : s->state != SMTPC_S_BODY)
        return SMTPC_ERR_STATE;
    if (s->body_ending)
        return SMTPC_ERR_STATE;
    s->body_ending = 1;
    finish_body(s);
    return 0;
}

static int simple_command(struct smtpc_session *s, const char *cmd, enum smtpc_session_state next)
{
    int rc;

    if (s->state != SMTPC_S_READY)
        return SMTPC_ERR_STATE;
    rc = smtpc_session_command(s, cmd, NULL, next);
    if (rc != 0)
        return rc;
    s->state = next;
    return 0;
}

int smtpc_session_noop(struct smtpc_session *s)
{
    return simple_command(s, "NOOP", SMTPC_S_NOOP);
}

int smtpc_session_rset(struct smtpc_session *s)
{
    return simple_command(s, "RSET", SMTPC_S_RSET);
}

int smtpc_session_quit(struct smtpc_session *s)
{
    if (s->state == SMTPC_S_FAILED && s->quit_ok) {
        s->state = SMTPC_S_READY; /* the error stays recorded */
        s->quit_ok = 0;
    }
#if SMTPC_WITH_PIPELINING
    if (s->state != SMTPC_S_READY && next_may_begin(s)) {
        /* ahead of the replies owed: marked like a transaction's first
         * command, so that the one before can tell its own replies are in */
        unsigned at = ((unsigned)s->inflight_head + s->inflight_count) % SMTPC_PIPELINE_WINDOW;
        int rc = smtpc_session_command(s, "QUIT", NULL, SMTPC_S_QUIT);

        if (rc != 0)
            return rc;
        s->inflight_kind[at] |= KIND_NEW_TXN;
        s->quit_queued = 1;
        return 0;
    }
#endif
    return simple_command(s, "QUIT", SMTPC_S_QUIT);
}

int smtpc_session_tls_done(struct smtpc_session *s)
{
    if (s->state != SMTPC_S_TLS) {
        /* outside a handshake the engine asked for: only before anything
         * was said, for a link the caller secured itself */
        if (s->state != SMTPC_S_GREETING || s->replies != 0 || s->in_len != 0)
            return SMTPC_ERR_STATE;
        s->secure = 1;
        return 0;
    }
#if SMTPC_WITH_TLS
    s->secure = 1;
    if (s->replies == 0) { /* implicit TLS: now the greeting */
        s->state = SMTPC_S_GREETING;
        return 0;
    }
    /* RFC 3207 4.2: forget all that was learnt in clear and start over */
    smtpc_caps_clear(&s->caps);
    send_command(s, "EHLO ", s->cfg.ehlo_name, SMTPC_S_EHLO);
#endif
    return 0;
}

/* ---- accessors ---- */

int smtpc_session_error(const struct smtpc_session *s)
{
    return s->error;
}

const struct smtpc_reply *smtpc_session_reply(const struct smtpc_session *s)
{
    return &s->reply;
}

const struct smtpc_caps *smtpc_session_caps(const struct smtpc_session *s)
{
    return &s->caps;
}

int smtpc_session_secure(const struct smtpc_session *s)
{
    return s->secure;
}

enum smtpc_timeout_class smtpc_session_timeout_class(const struct smtpc_session *s)
{
    if ((s->state == SMTPC_S_END || (SMTPC_WITH_CHUNKING && s->state == SMTPC_S_BDAT_LAST)) &&
        (s->out_len > s->out_off || SMTPC_BDAT_BODY_OPEN(s)))
        return SMTPC_TIMEOUT_DATA_BLOCK; /* the body is still being written */
    return (enum smtpc_timeout_class)steps[s->state].timeout;
}

unsigned smtpc_session_timeout_s(const struct smtpc_session *s)
{
    return s->cfg.timeout_s[smtpc_session_timeout_class(s)];
}

unsigned long smtpc_session_replies(const struct smtpc_session *s)
{
    return s->replies;
}

unsigned smtpc_session_txns(const struct smtpc_session *s)
{
#if SMTPC_WITH_PIPELINING
    return s->txq_count;
#else
    return s->txn != NULL;
#endif
}

int smtpc_session_authenticated(const struct smtpc_session *s)
{
    return s->authenticated;
}

enum smtpc_step smtpc_session_step_id(const struct smtpc_session *s)
{
    return (enum smtpc_step)steps[s->state == SMTPC_S_FAILED ? s->fail_state : s->state].step;
}

const char *smtpc_session_step(const struct smtpc_session *s)
{
    return smtpc_step_name(smtpc_session_step_id(s));
}
