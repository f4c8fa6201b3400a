/*
 * SASL authentication (RFC 4954): choosing a mechanism and running its
 * exchange. PLAIN (RFC 4616) with or without an initial response, LOGIN
 * (the de-facto "Username:"/"Password:" exchange) and CRAM-MD5 (RFC 2195:
 * the password never leaves the client, only an HMAC of the server's
 * challenge keyed with it).
 *
 * Every line that carries a credential is traced as "<redacted>" unless
 * the caller set SMTPC_F_TRACE_SECRETS. Credentials are base64-encoded
 * straight into the output buffer; they are never copied elsewhere.
 *
 * A server that breaks the exchange (a challenge where none belongs, one
 * challenge too many) gets "*", which cancels it (RFC 4954 §4); the session
 * fails once the server has answered the cancellation.
 */
#include <string.h>

#include "inner.h"

#if SMTPC_AUTH_IMPLEMENTED != 0
static const char redacted[] = "<redacted>";
#endif

static const char *shown(const struct smtpc_session *s, const char *redacted_form)
{
    return (s->cfg.flags & SMTPC_F_TRACE_SECRETS) ? NULL : redacted_form;
}

#if SMTPC_AUTH_IMPLEMENTED != 0
/* Points `p` at `str` (NULL: empty). Fills in place: NetX's warning flags
 * include -Waggregate-return. */
static void part(struct smtpc_b64_part *p, const char *str)
{
    p->data = (const uint8_t *)(str != NULL ? str : "");
    p->len = str != NULL ? strlen(str) : 0;
}
#endif

#if SMTPC_WITH_PLAIN
/* Appends base64(authzid NUL user NUL password) to the line. */
static void put_plain_response(const struct smtpc_session *s, struct smtpc_line *l)
{
    static const uint8_t nul = 0;
    struct smtpc_b64_part parts[5];
    long n;

    part(&parts[0], s->cfg.authzid);
    parts[1].data = &nul;
    parts[1].len = 1;
    part(&parts[2], s->cfg.username);
    parts[3].data = &nul;
    parts[3].len = 1;
    part(&parts[4], s->cfg.password);
    if (l->over)
        return;
    n = smtpc_b64_encode_parts(parts, 5, l->buf + l->len, l->cap - l->len);
    if (n < 0)
        l->over = 1;
    else
        l->len += (size_t)n;
}
#endif

#if SMTPC_WITH_LOGIN
static void put_b64(struct smtpc_line *l, const char *str)
{
    struct smtpc_b64_part p;
    long n;

    part(&p, str);
    if (l->over)
        return;
    n = smtpc_b64_encode_parts(&p, 1, l->buf + l->len, l->cap - l->len);
    if (n < 0)
        l->over = 1;
    else
        l->len += (size_t)n;
}
#endif

static int reveals_password(unsigned mech)
{
    return mech == SMTPC_AUTH_PLAIN || mech == SMTPC_AUTH_LOGIN;
}

/* Over an encrypted link PLAIN is the simplest and lets the server keep
 * only hashes; in clear, CRAM-MD5 first, since it does not reveal the
 * password. */
static unsigned choose(unsigned usable, int secure)
{
    if (!secure && (usable & SMTPC_AUTH_CRAM_MD5))
        return SMTPC_AUTH_CRAM_MD5;
    if (usable & SMTPC_AUTH_PLAIN)
        return SMTPC_AUTH_PLAIN;
    if (usable & SMTPC_AUTH_LOGIN)
        return SMTPC_AUTH_LOGIN;
    if (usable & SMTPC_AUTH_CRAM_MD5)
        return SMTPC_AUTH_CRAM_MD5;
    return 0;
}

static void commit(struct smtpc_session *s, struct smtpc_line *l, const char *redacted_form)
{
    int rc = smtpc_line_commit(s, l, shown(s, redacted_form), SMTPC_S_AUTH);

    if (rc != 0)
        smtpc_session_fail(s, rc, 1);
}

void smtpc_auth_start(struct smtpc_session *s)
{
    unsigned allowed = s->cfg.auth_mechs != 0 ? s->cfg.auth_mechs : SMTPC_AUTH_IMPLEMENTED;
    unsigned mech;
    struct smtpc_line l;

    s->state = SMTPC_S_AUTH; /* a refusal below is reported at this step */
    mech = choose(allowed & SMTPC_AUTH_IMPLEMENTED & s->caps.auth, s->secure);
    if (SMTPC_WITH_PLAIN && mech == 0 && (s->cfg.flags & SMTPC_F_AUTH_FALLBACK_PLAIN))
        mech = SMTPC_AUTH_PLAIN;
    if (mech == 0 && !(s->caps.flags & SMTPC_CAP_AUTH)) {
        if (s->cfg.flags & SMTPC_F_AUTH_OPTIONAL) {
            smtpc_session_note(s, "server offers no AUTH: sending without authentication");
            smtpc_session_ready(s);
        } else {
            smtpc_session_fail(s, SMTPC_ERR_AUTH_NOT_OFFERED, 1);
        }
        return;
    }
    if (mech == 0) {
        smtpc_session_fail(s, SMTPC_ERR_AUTH_NO_MECH, 1);
        return;
    }
    if (reveals_password(mech) && !s->secure && !(s->cfg.flags & SMTPC_F_ALLOW_CLEARTEXT_AUTH)) {
        smtpc_session_fail(s, SMTPC_ERR_AUTH_CLEARTEXT, 1);
        return;
    }
    s->auth_mech = (int)mech;
    s->auth_step = 0;
    smtpc_line_open(s, &l);
#if SMTPC_WITH_PLAIN
    if (mech == SMTPC_AUTH_PLAIN && !(s->cfg.flags & SMTPC_F_NO_INITIAL_RESPONSE)) {
        smtpc_line_put(&l, "AUTH PLAIN ");
        put_plain_response(s, &l);
        s->auth_step = 1; /* the credentials are already sent */
        commit(s, &l, "AUTH PLAIN <redacted>");
        return;
    }
#endif
    smtpc_line_put(&l, "AUTH ");
    smtpc_line_put(&l, smtpc_auth_name(mech));
    commit(s, &l, NULL);
}

/* The server broke the exchange: cancel it with "*". */
static void cancel(struct smtpc_session *s)
{
    int rc = smtpc_session_command(s, "*", NULL, SMTPC_S_AUTH_CANCEL);

    if (rc != 0) {
        smtpc_session_fail(s, rc, 0);
        return;
    }
    s->state = SMTPC_S_AUTH_CANCEL;
}

#if SMTPC_WITH_CRAM_MD5
/* CRAM-MD5's answer to the challenge in the 334 reply: base64(user SP
 * hex(HMAC-MD5(password, challenge))). Returns 0, or -1 for a challenge
 * that is not base64 (the exchange is then cancelled). */
static int put_cram_response(struct smtpc_session *s, struct smtpc_line *l)
{
    static const char hexdigits[] = "0123456789abcdef";
    uint8_t challenge[SMTPC_REPLY_LINE_KEEP], digest[16];
    char hex[32];
    struct smtpc_b64_part parts[3];
    /* the reply's one line, as the parser keeps it: "334 <base64>" */
    const char *text = s->parser.line[3] == ' ' ? s->parser.line + 4 : "";
    size_t len = strcspn(text, " ");
    long n;
    int i;

    if (s->parser.line_cut || s->reply.lines != 1 || len == 0)
        return -1;
    n = smtpc_b64_decode(text, len, challenge, sizeof challenge);
    if (n <= 0)
        return -1;
    smtpc_hmac_md5((const uint8_t *)(s->cfg.password != NULL ? s->cfg.password : ""),
                   s->cfg.password != NULL ? strlen(s->cfg.password) : 0, challenge, (size_t)n,
                   digest);
    for (i = 0; i < 16; i++) {
        hex[2 * i] = hexdigits[digest[i] >> 4];
        hex[2 * i + 1] = hexdigits[digest[i] & 15];
    }
    part(&parts[0], s->cfg.username);
    parts[1].data = (const uint8_t *)" ";
    parts[1].len = 1;
    parts[2].data = (const uint8_t *)hex;
    parts[2].len = sizeof hex;
    if (!l->over) {
        n = smtpc_b64_encode_parts(parts, 3, l->buf + l->len, l->cap - l->len);
        if (n < 0)
            l->over = 1;
        else
            l->len += (size_t)n;
    }
    memset(digest, 0, sizeof digest);
    return 0;
}
#endif

/* Answers a 334 challenge. */
static void respond(struct smtpc_session *s)
{
    struct smtpc_line l;
    const char *value = NULL;

#if SMTPC_WITH_CRAM_MD5
    if (s->auth_mech == (int)SMTPC_AUTH_CRAM_MD5 && s->auth_step == 0) {
        smtpc_line_open(s, &l);
        if (put_cram_response(s, &l) != 0) {
            cancel(s);
            return;
        }
        s->auth_step++;
        commit(s, &l, redacted);
        return;
    }
#endif

#if SMTPC_WITH_PLAIN
    if (s->auth_mech == (int)SMTPC_AUTH_PLAIN && s->auth_step == 0) {
        smtpc_line_open(s, &l);
        put_plain_response(s, &l);
        s->auth_step++;
        commit(s, &l, redacted);
        return;
    }
#endif
#if SMTPC_WITH_LOGIN
    if (s->auth_mech == (int)SMTPC_AUTH_LOGIN && s->auth_step < 2)
        value = s->auth_step == 0 ? s->cfg.username : s->cfg.password;
    if (value != NULL) {
        smtpc_line_open(s, &l);
        put_b64(&l, value);
        s->auth_step++;
        commit(s, &l, redacted);
        return;
    }
#endif
    (void)value;
    (void)l;
    cancel(s);
}

void smtpc_auth_on_reply(struct smtpc_session *s)
{
    int code = s->reply.code;

    if (s->state == SMTPC_S_AUTH_CANCEL) {
        smtpc_session_fail(s, SMTPC_ERR_AUTH_PROTOCOL, 1);
        return;
    }
    if (code == 235) {
        s->authenticated = 1;
        smtpc_session_ready(s);
    } else if (code == 334) {
        respond(s);
    } else if (code / 100 == 4 || code / 100 == 5) {
        smtpc_session_fail(s, SMTPC_ERR_REFUSED_AUTH, 1);
    } else {
        smtpc_session_fail(s, SMTPC_ERR_AUTH_PROTOCOL, 1);
    }
}
