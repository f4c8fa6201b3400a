/*
 * DSN (RFC 3461): the parameters of MAIL FROM and RCPT TO. See
 * smtpc/session.h.
 *
 * ENVID and ORCPT travel as xtext (RFC 3461 §4): a byte outside "!" to "~",
 * and "+" and "=" themselves, is "+" and two upper-case hex digits. Their
 * decoded values must be printable ASCII (§4.2, §4.4), since a DSN quotes
 * them in its own text: a space is encoded, a tab or another control byte
 * is refused as in every other argument, and so is a byte over 127 (an
 * address in UTF-8 needs RFC 6533's "utf-8" type, which smtpc does not
 * write). Everything is checked before the first byte of a transaction is
 * queued, and the longest RCPT line measured against the output buffer: a
 * recipient's line can never fail to fit halfway through the transaction.
 */
#include <string.h>

#include "inner.h"

#if SMTPC_WITH_DSN

/* NOTIFY's keywords, in the order sent and in the order of their bits. */
static const char *const notify_names[] = {"SUCCESS", "FAILURE", "DELAY", "NEVER"};

#define NOTIFY_KNOWN                                                                               \
    (SMTPC_DSN_NOTIFY_SUCCESS | SMTPC_DSN_NOTIFY_FAILURE | SMTPC_DSN_NOTIFY_DELAY |                \
     SMTPC_DSN_NOTIFY_NEVER)

/* " ORCPT=rfc822;" */
#define ORCPT_HEAD 14

static int is_set(const char *str)
{
    return str != NULL && str[0] != '\0';
}

static int needs_hex(unsigned char c)
{
    return c < '!' || c > '~' || c == '+' || c == '=';
}

/* Checks an ENVID or ORCPT value; returns its length as xtext or the error. */
static long check_value(const char *str)
{
    const unsigned char *p;
    long n = 0;
    int rc = smtpc_check_text(str);

    if (rc != 0)
        return rc;
    for (p = (const unsigned char *)str; *p != '\0'; p++) {
        if (*p == '\t')
            return SMTPC_ERR_ARG_CTL;
        if (*p >= 0x80)
            return SMTPC_ERR_ARG;
        n += needs_hex(*p) ? 3 : 1;
    }
    return n;
}

static void put_xtext(struct smtpc_line *l, const char *str)
{
    static const char hex[] = "0123456789ABCDEF";
    char enc[3];

    for (; *str != '\0'; str++) {
        unsigned char c = (unsigned char)*str;

        if (!needs_hex(c)) {
            smtpc_line_put_n(l, str, 1);
            continue;
        }
        enc[0] = '+';
        enc[1] = hex[c >> 4];
        enc[2] = hex[c & 0x0f];
        smtpc_line_put_n(l, enc, 3);
    }
}

/* Length of " NOTIFY=..." for `notify` (0 for none). */
static size_t notify_len(unsigned notify)
{
    size_t n = 0, i;

    for (i = 0; i < sizeof notify_names / sizeof notify_names[0]; i++) {
        if (notify & (1u << i))
            n += 1 + strlen(notify_names[i]); /* "=" or ",", then the keyword */
    }
    return n > 0 ? n + 7 : 0; /* " NOTIFY" */
}

int smtpc_dsn_check(const struct smtpc_session *s, const struct smtpc_txn *t)
{
    size_t i, line;
    long n;

    if (t->dsn_ret != 0 && t->dsn_ret != SMTPC_DSN_RET_FULL && t->dsn_ret != SMTPC_DSN_RET_HDRS)
        return SMTPC_ERR_ARG;
    if (is_set(t->envid)) {
        n = check_value(t->envid);
        if (n < 0)
            return (int)n;
        if (n > SMTPC_DSN_ENVID_MAX)
            return SMTPC_ERR_TOO_LONG;
    }
    for (i = 0; i < t->rcpt_count; i++) {
        const struct smtpc_rcpt *r = &t->rcpt[i];

        if ((r->notify & ~NOTIFY_KNOWN) != 0 ||
            ((r->notify & SMTPC_DSN_NOTIFY_NEVER) && r->notify != SMTPC_DSN_NOTIFY_NEVER))
            return SMTPC_ERR_ARG;
        /* "RCPT TO:<" address ">" NOTIFY ORCPT CRLF */
        line = 9 + strlen(r->address) + 1 + notify_len(r->notify) + 2;
        if (is_set(r->orcpt)) {
            if (strlen(r->orcpt) > SMTPC_ADDRESS_MAX)
                return SMTPC_ERR_ARG_ADDRESS;
            n = check_value(r->orcpt);
            if (n < 0)
                return (int)n;
            line += ORCPT_HEAD + (size_t)n;
        }
        /* only sent when offered: a server without DSN gets the line that
         * SMTPC_OUT_BUF_MIN always holds */
        if (smtpc_dsn_offered(s) && line > s->out_cap)
            return SMTPC_ERR_TOO_LONG;
    }
    return 0;
}

void smtpc_dsn_put_mail(struct smtpc_line *l, const struct smtpc_txn *t)
{
    if (t->dsn_ret != 0)
        smtpc_line_put(l, t->dsn_ret == SMTPC_DSN_RET_FULL ? " RET=FULL" : " RET=HDRS");
    if (is_set(t->envid)) {
        smtpc_line_put(l, " ENVID=");
        put_xtext(l, t->envid);
    }
}

void smtpc_dsn_put_rcpt(struct smtpc_line *l, const struct smtpc_rcpt *r)
{
    const char *sep = " NOTIFY=";
    size_t i;

    for (i = 0; i < sizeof notify_names / sizeof notify_names[0]; i++) {
        if (r->notify & (1u << i)) {
            smtpc_line_put(l, sep);
            smtpc_line_put(l, notify_names[i]);
            sep = ",";
        }
    }
    if (is_set(r->orcpt)) {
        smtpc_line_put(l, " ORCPT=rfc822;");
        put_xtext(l, r->orcpt);
    }
}

#endif
