/*
 * The blocking client. See smtpc/client.h.
 *
 * The I/O is smtpc_drive() (smtpc/drive.h), with the TLS handshakes the
 * engine asks for done here; this file adds the connection's setup, the
 * transactions and the record of where and why the last one failed.
 */
#include <string.h>

#include "smtpc/body.h"
#include "smtpc/client.h"
#include "smtpc/drive.h"

void smtpc_client_options_default(struct smtpc_client_options *o)
{
    memset(o, 0, sizeof *o);
    smtpc_session_config_default(&o->session);
}

int smtpc_client_init_as(struct smtpc_client *c, const struct smtpc_client_options *o,
                         unsigned long config_id, size_t client_size)
{
    if (config_id != SMTPC_CONFIG_ID || client_size != sizeof(struct smtpc_client))
        return SMTPC_ERR_CONFIG;
    if (c == NULL || o == NULL || (o->host == NULL && o->transport == NULL))
        return SMTPC_ERR_ARG;
#if !SMTPC_CLIENT_POSIX
    if (o->transport == NULL)
        return SMTPC_ERR_ARG;
#endif
    if (o->session.tls != SMTPC_TLS_NONE &&
        (o->tls == NULL || o->tls->ops->start_tls == NULL || o->tls->ops->attach == NULL))
        return SMTPC_ERR_ARG;
    memset(c, 0, sizeof *c);
    c->opt.host = o->host;
    c->opt.port = o->port;
    c->opt.family = o->family;
    c->opt.connect_timeout_s = o->connect_timeout_s;
    c->opt.quit_timeout_s = o->quit_timeout_s;
    c->opt.transport = o->transport;
    c->opt.tls = o->tls;
    c->session.cfg = o->session; /* kept once: smtpc_client_open starts the session from it */
    if (c->opt.port == NULL)
        c->opt.port = "25";
    if (c->opt.connect_timeout_s == 0)
        c->opt.connect_timeout_s = 30;
    if (c->opt.quit_timeout_s == 0)
        c->opt.quit_timeout_s = 10;
#if SMTPC_CLIENT_POSIX
    c->posix.fd = -1;
#endif
    return 0;
}

#if SMTPC_WITH_TLS
static void trace_info(struct smtpc_client *c, const char *text)
{
    const struct smtpc_session_config *cfg = &c->session.cfg;

    if (cfg->trace != NULL)
        cfg->trace(cfg->trace_ctx, SMTPC_TRACE_INFO, text, strlen(text));
}

/* The handshake the engine asks for, within the step's deadline. */
static void handshake(struct smtpc_client *c, unsigned secs)
{
    struct smtpc_session *s = &c->session;
    int rc = c->t->ops->start_tls(c->t, c->opt.host, secs == 0 ? -1 : (int)(secs * 1000));

    if (rc != 0) {
        smtpc_session_abort(s, rc);
        return;
    }
    if (c->t->ops->describe != NULL)
        trace_info(c, c->t->ops->describe(c->t));
    smtpc_session_tls_done(s);
}
#endif

/* Runs the engine until it wants one of `until` or stops, doing the TLS
 * handshakes it asks for on the way. `limit_s`, when non-zero, caps every
 * wait (used for QUIT). */
static void drive(struct smtpc_client *c, unsigned until, unsigned limit_s)
{
#if SMTPC_WITH_TLS
    while (smtpc_drive(&c->session, c->t, until | SMTPC_WANT_TLS, limit_s) & SMTPC_WANT_TLS) {
        unsigned secs = smtpc_session_timeout_s(&c->session);

        handshake(c, limit_s != 0 && (secs == 0 || secs > limit_s) ? limit_s : secs);
    }
#else
    smtpc_drive(&c->session, c->t, until, limit_s);
#endif
}

static void record(struct smtpc_client *c, int err, enum smtpc_step step,
                   const struct smtpc_reply *r)
{
    c->error = err;
    c->step = step;
    if (r != NULL)
        c->reply = *r;
    else
        memset(&c->reply, 0, sizeof c->reply);
}

/* Records the session's failure, says QUIT if the protocol still allows
 * it, and closes. */
static int fail_session(struct smtpc_client *c)
{
    struct smtpc_session *s = &c->session;
    int err = smtpc_session_error(s);
    /* a layer that could not load its trust store or certificate failed
     * before the handshake began: the step is its setup */
    enum smtpc_step step =
        err == SMTPC_ERR_TLS_SETUP ? SMTPC_STEP_TLS_SETUP : smtpc_session_step_id(s);

    record(c, err, step, smtpc_error_has_reply(err) ? smtpc_session_reply(s) : NULL);
    if (smtpc_session_quit(s) == 0)
        drive(c, 0, c->opt.quit_timeout_s);
    c->t->ops->close(c->t);
    c->t = NULL;
    return err;
}

int smtpc_client_open(struct smtpc_client *c)
{
    int rc;

    if (c->t != NULL)
        return SMTPC_ERR_STATE;
    record(c, 0, SMTPC_STEP_NONE, NULL);
    rc = smtpc_session_init(&c->session, &c->session.cfg, c->in, sizeof c->in, c->out,
                            sizeof c->out);
    if (rc != 0) {
        record(c, rc, SMTPC_STEP_SETUP, NULL);
        return rc;
    }
    c->t = c->opt.transport;
#if SMTPC_CLIENT_POSIX
    if (c->t == NULL) {
        rc = smtpc_posix_connect(&c->posix, c->opt.host, c->opt.port, c->opt.family,
                                 (int)(c->opt.connect_timeout_s * 1000));
        if (rc != 0) {
            record(c, rc, SMTPC_STEP_CONNECT, NULL);
            return rc;
        }
        c->t = &c->posix.base;
    }
#endif
#if SMTPC_WITH_TLS
    if (c->opt.tls != NULL) {
        rc = c->opt.tls->ops->attach(c->opt.tls, c->t);
        if (rc != 0) {
            c->t->ops->close(c->t);
            c->t = NULL;
            record(c, rc, SMTPC_STEP_TLS_SETUP, NULL);
            return rc;
        }
        c->t = c->opt.tls;
    }
#endif
    drive(c, SMTPC_READY, 0);
    if (smtpc_session_wants(&c->session) & SMTPC_READY)
        return 0;
    return fail_session(c);
}

/* Where a transaction failed and what the server said. */
static void record_txn(struct smtpc_client *c, const struct smtpc_txn *t)
{
    const struct smtpc_reply *r = NULL;
    enum smtpc_step step = SMTPC_STEP_NONE;
    size_t i;

    switch (t->result) {
    case SMTPC_ERR_REFUSED_MAIL:
        step = SMTPC_STEP_MAIL;
        r = &t->mail_reply;
        break;
    case SMTPC_ERR_REFUSED_RCPT:
        step = SMTPC_STEP_RCPT;
        for (i = 0; i < t->rcpt_count && r == NULL; i++) {
            if (!t->rcpt[i].accepted && t->rcpt[i].reply.code != 0)
                r = &t->rcpt[i].reply;
        }
        break;
    case SMTPC_ERR_REFUSED_DATA:
        step = SMTPC_STEP_DATA;
        r = &t->data_reply;
        break;
    case SMTPC_ERR_REFUSED_MESSAGE:
        step = SMTPC_STEP_END;
        r = &t->end_reply;
        break;
    default:
        break;
    }
    if (r == NULL || r->code == 0) {
        if (c->error != 0) /* fail_session recorded where and why, before any QUIT */
            return;
        r = smtpc_error_has_reply(t->result) ? smtpc_session_reply(&c->session) : NULL;
    }
    record(c, t->result, step != SMTPC_STEP_NONE ? step : smtpc_session_step_id(&c->session), r);
}

/* Feeds the body from `parts` or, when `read` is set, from the reader. */
static void run_body(struct smtpc_client *c, const struct smtpc_part *parts, size_t count,
                     smtpc_body_read_fn *read, void *ctx)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (smtpc_drive_body(&c->session, c->t, parts[i].data, parts[i].len) != 0)
            return;
    }
#if SMTPC_CHUNK_BUF > 0
    while (read != NULL) {
        long got = read(ctx, c->chunk, sizeof c->chunk);

        if (got < 0) {
            smtpc_session_abort(&c->session, SMTPC_ERR_BODY_SOURCE);
            return;
        }
        if (got == 0)
            break;
        if (smtpc_drive_body(&c->session, c->t, c->chunk, (size_t)got) != 0)
            return;
    }
#else
    (void)read;
    (void)ctx;
#endif
    smtpc_session_body_end(&c->session);
}

/* QUIT in the same write as the end of the last message, when the
 * engine allows it (PIPELINING), then everything to its reply; the wait
 * for QUIT's reply alone is the client's quit_timeout_s. Returns 0, or -1
 * when QUIT cannot go ahead (it is said after the verdict, by close). */
static int quit_ahead(struct smtpc_client *c)
{
    struct smtpc_session *s = &c->session;
    unsigned *command = &s->cfg.timeout_s[SMTPC_TIMEOUT_COMMAND], saved = *command;

    if (!(smtpc_session_wants(s) & SMTPC_WANT_NEXT) || smtpc_session_quit(s) != 0)
        return -1;
    if (c->opt.quit_timeout_s != 0 && c->opt.quit_timeout_s < saved)
        *command = c->opt.quit_timeout_s; /* only QUIT waits in that class now */
    drive(c, 0, 0);
    *command = saved;
    return 0;
}

static int send_txn(struct smtpc_client *c, struct smtpc_txn *t, const struct smtpc_part *parts,
                    size_t count, smtpc_body_read_fn *read, void *ctx, int then_quit)
{
    struct smtpc_session *s = &c->session;
    int rc;

    record(c, 0, SMTPC_STEP_NONE, NULL);
    if (c->t == NULL) {
        record(c, SMTPC_ERR_STATE, SMTPC_STEP_SEND, NULL);
        return SMTPC_ERR_STATE;
    }
    rc = smtpc_session_txn_begin(s, t);
    if (rc != 0) {
        record(c, rc, SMTPC_STEP_MAIL, NULL);
        return rc;
    }
    /* DATA's 354 comes first; BDAT takes the body at once (drive returns
     * before writing), so that it shares a write with MAIL and the RCPTs,
     * or, after the RCPT replies, with the chunk's header */
    drive(c, SMTPC_WANT_BODY | SMTPC_READY, 0);
    if (smtpc_session_wants(s) & SMTPC_WANT_BODY) {
        run_body(c, parts, count, read, ctx);
        if (!then_quit || quit_ahead(c) != 0)
            drive(c, SMTPC_READY, 0);
    }
    if (!t->done) {
        /* cannot happen: a transaction always ends in READY or FAILED */
        smtpc_session_abort(s, SMTPC_ERR_STATE);
    }
    if (smtpc_session_wants(s) & SMTPC_FAILED) {
        fail_session(c);
        record_txn(c, t);
        return t->result;
    }
    if (t->result != 0)
        record_txn(c, t);
    return t->result;
}

/* Whether the server takes BODY=BINARYMIME in BDAT. */
static int binarymime(const struct smtpc_client *c)
{
    unsigned need = SMTPC_CAP_CHUNKING | SMTPC_CAP_BINARYMIME;

    return SMTPC_WITH_CHUNKING && c->t != NULL && (c->session.caps.flags & need) == need &&
           !(c->session.cfg.flags & SMTPC_F_NO_CHUNKING);
}

/* Measures the message (unless the caller did) for txn's size and flags:
 * 0, or the error that keeps it from being sent. */
static int prepare(struct smtpc_client *c, struct smtpc_txn *txn, const struct smtpc_part *parts,
                   size_t count)
{
    struct smtpc_body_measure m;
    size_t i;

    if (txn == NULL || (parts == NULL && count > 0))
        return SMTPC_ERR_ARG;
    if (txn->flags & SMTPC_TXN_CHECKED)
        return 0;
    /* what the body is decides these, not an earlier message's */
    txn->flags &= ~(SMTPC_TXN_8BIT | SMTPC_TXN_SIZE_EXACT | SMTPC_TXN_BINARY);
    smtpc_body_measure_init(&m);
    for (i = 0; i < count; i++) {
        if (parts[i].data == NULL && parts[i].len > 0)
            return SMTPC_ERR_ARG;
        smtpc_body_measure_add(&m, (const uint8_t *)parts[i].data, parts[i].len);
    }
    txn->size = smtpc_body_measure_end(&m); /* RFC 1870's size, and BDAT's */
    txn->flags |= SMTPC_TXN_SIZE_EXACT;
    if (m.eight_bit)
        txn->flags |= SMTPC_TXN_8BIT;
    if ((m.long_line && c->session.cfg.long_lines == SMTPC_LONG_LINES_FAIL) ||
        (m.eight_bit && !(c->session.caps.flags & SMTPC_CAP_8BITMIME))) {
        if (binarymime(c)) {
            txn->flags |= SMTPC_TXN_BINARY; /* what it needs, in BDAT */
        } else if (m.long_line && c->session.cfg.long_lines == SMTPC_LONG_LINES_FAIL) {
            record(c, SMTPC_ERR_BODY_LINE, SMTPC_STEP_MESSAGE, NULL);
            return SMTPC_ERR_BODY_LINE;
        }
    }
    return 0;
}

int smtpc_client_send_parts(struct smtpc_client *c, struct smtpc_txn *txn,
                            const struct smtpc_part *parts, size_t count)
{
    int rc = prepare(c, txn, parts, count);

    return rc != 0 ? rc : send_txn(c, txn, parts, count, NULL, NULL, 0);
}

/* A message of the stream that never went: its own result. */
static void not_sent(struct smtpc_txn *txn, int rc)
{
    if (txn != NULL) {
        txn->result = rc;
        txn->done = 1;
    }
}

int smtpc_client_send_many(struct smtpc_client *c, struct smtpc_message *msgs, size_t n)
{
    struct smtpc_session *s = &c->session;
    size_t i;
    int rc;

    record(c, 0, SMTPC_STEP_NONE, NULL);
    if (msgs == NULL && n > 0)
        return SMTPC_ERR_ARG;
    if (c->t == NULL) {
        record(c, SMTPC_ERR_STATE, SMTPC_STEP_SEND, NULL);
        return SMTPC_ERR_STATE;
    }
    for (i = 0; i < n; i++) {
        struct smtpc_message *m = &msgs[i];

        rc = prepare(c, m->txn, m->parts, m->count);
        if (rc != 0) {
            not_sent(m->txn, rc);
            continue;
        }
        /* the one before is all queued: this one goes ahead of its replies */
        drive(c, SMTPC_READY | SMTPC_WANT_NEXT, 0);
        if (smtpc_session_wants(s) & SMTPC_FAILED)
            break;
        rc = smtpc_session_txn_begin(s, m->txn);
        if (rc != 0) {
            not_sent(m->txn, rc);
            continue;
        }
        drive(c, SMTPC_WANT_BODY | SMTPC_READY | SMTPC_WANT_NEXT, 0); /* DATA: its 354 first */
        if (smtpc_session_wants(s) & SMTPC_WANT_BODY)
            run_body(c, m->parts, m->count, NULL, NULL);
    }
    drive(c, SMTPC_READY, 0); /* every verdict */
    if (smtpc_session_wants(s) & SMTPC_FAILED) {
        rc = fail_session(c);
        for (; i < n; i++) /* those never begun */
            not_sent(msgs[i].txn, rc);
        return rc;
    }
    return 0;
}

int smtpc_client_send(struct smtpc_client *c, struct smtpc_txn *txn, const void *body, size_t len)
{
    struct smtpc_part part;

    part.data = body;
    part.len = len;
    return smtpc_client_send_parts(c, txn, &part, 1);
}

#if SMTPC_CHUNK_BUF > 0
int smtpc_client_send_stream(struct smtpc_client *c, struct smtpc_txn *txn,
                             smtpc_body_read_fn *read, void *ctx)
{
    if (txn == NULL || read == NULL)
        return SMTPC_ERR_ARG;
    return send_txn(c, txn, NULL, 0, read, ctx, 0);
}
#endif

int smtpc_client_close(struct smtpc_client *c)
{
    struct smtpc_session *s = &c->session;
    int rc = 0;

    if (c->t == NULL)
        return 0;
    if (smtpc_session_quit(s) == 0) {
        drive(c, 0, c->opt.quit_timeout_s);
        if (smtpc_session_wants(s) & SMTPC_FAILED)
            rc = smtpc_session_error(s);
    }
    c->t->ops->close(c->t);
    c->t = NULL;
    return rc;
}

int smtpc_client_send_mail(struct smtpc_client *c, struct smtpc_txn *txn, const void *body,
                           size_t len)
{
    struct smtpc_part part;
    int rc = smtpc_client_open(c);

    if (rc != 0)
        return rc;
    part.data = body;
    part.len = len;
    rc = prepare(c, txn, &part, 1);
    if (rc == 0) /* QUIT goes with the message's end where it may */
        rc = send_txn(c, txn, &part, 1, NULL, NULL, 1);
    smtpc_client_close(c); /* an accepted message stays accepted whatever QUIT gets */
    return rc;
}

#if SMTPC_CHUNK_BUF > 0
int smtpc_client_send_mail_stream(struct smtpc_client *c, struct smtpc_txn *txn,
                                  smtpc_body_read_fn *read, void *ctx)
{
    int rc;

    if (txn == NULL || read == NULL)
        return SMTPC_ERR_ARG;
    rc = smtpc_client_open(c);
    if (rc != 0)
        return rc;
    rc = send_txn(c, txn, NULL, 0, read, ctx, 1);
    smtpc_client_close(c);
    return rc;
}
#endif

int smtpc_client_error(const struct smtpc_client *c)
{
    return c->error;
}

enum smtpc_step smtpc_client_step_id(const struct smtpc_client *c)
{
    return c->step;
}

const char *smtpc_client_step(const struct smtpc_client *c)
{
    return smtpc_step_name(c->step);
}

const struct smtpc_reply *smtpc_client_reply(const struct smtpc_client *c)
{
    return &c->reply;
}

const char *smtpc_client_tls_detail(const struct smtpc_client *c)
{
    const struct smtpc_transport *tls = c->opt.tls;

    if (!SMTPC_WITH_TLS || tls == NULL || tls->ops->describe == NULL)
        return "";
    return tls->ops->describe((struct smtpc_transport *)tls);
}

const char *smtpc_client_connect_detail(const struct smtpc_client *c)
{
#if SMTPC_CLIENT_POSIX
    if (c->opt.transport == NULL && c->step == SMTPC_STEP_CONNECT)
        return smtpc_posix_connect_detail(&c->posix);
#else
    (void)c;
#endif
    return "";
}

const struct smtpc_session *smtpc_client_session(const struct smtpc_client *c)
{
    return &c->session;
}
