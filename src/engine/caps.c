/*
 * EHLO capability lines. See smtpc/caps.h.
 *
 * Keywords and AUTH mechanisms are compared as whole tokens, case-
 * insensitively: "AUTH XPLAINX" must not read as PLAIN.
 */
#include <string.h>

#include "smtpc/caps.h"
#include "smtpc/config.h"

struct keyword {
    const char *name;
    unsigned bit;
};

/* What the build uses, and with SMTPC_WITH_CAPS_INFO what it only records
 * for the caller (smtpc/config.h). */
static const struct keyword extensions[] = {
#if SMTPC_WITH_SIZE || SMTPC_WITH_CAPS_INFO
    {"SIZE", SMTPC_CAP_SIZE},
#endif
    {"8BITMIME", SMTPC_CAP_8BITMIME},
#if SMTPC_WITH_SMTPUTF8 || SMTPC_WITH_CAPS_INFO
    {"SMTPUTF8", SMTPC_CAP_SMTPUTF8},
#endif
#if SMTPC_WITH_TLS || SMTPC_WITH_CAPS_INFO
    {"STARTTLS", SMTPC_CAP_STARTTLS},
#endif
#if SMTPC_WITH_PIPELINING || SMTPC_WITH_CAPS_INFO
    {"PIPELINING", SMTPC_CAP_PIPELINING},
#endif
#if SMTPC_WITH_CHUNKING || SMTPC_WITH_CAPS_INFO
    {"CHUNKING", SMTPC_CAP_CHUNKING},
    {"BINARYMIME", SMTPC_CAP_BINARYMIME},
#endif
#if SMTPC_WITH_DSN || SMTPC_WITH_CAPS_INFO
    {"DSN", SMTPC_CAP_DSN},
#endif
#if SMTPC_WITH_CAPS_INFO
    {"ENHANCEDSTATUSCODES", SMTPC_CAP_ENHANCEDSTATUSCODES},
#endif
    {"AUTH", SMTPC_CAP_AUTH},
};

/* The SASL mechanisms recorded: the build's, or with SMTPC_WITH_CAPS_INFO
 * all that smtpc knows. */
#define WITH_MECHANISMS (SMTPC_WITH_PLAIN || SMTPC_WITH_LOGIN || SMTPC_WITH_CRAM_MD5 || \
                         SMTPC_WITH_CAPS_INFO)
#if WITH_MECHANISMS
static const struct keyword mechanisms[] = {
#if SMTPC_WITH_PLAIN || SMTPC_WITH_CAPS_INFO
    {"PLAIN", SMTPC_AUTH_PLAIN},
#endif
#if SMTPC_WITH_LOGIN || SMTPC_WITH_CAPS_INFO
    {"LOGIN", SMTPC_AUTH_LOGIN},
#endif
#if SMTPC_WITH_CRAM_MD5 || SMTPC_WITH_CAPS_INFO
    {"CRAM-MD5", SMTPC_AUTH_CRAM_MD5},
#endif
#if SMTPC_WITH_CAPS_INFO
    {"XOAUTH2", SMTPC_AUTH_XOAUTH2},
    {"OAUTHBEARER", SMTPC_AUTH_OAUTHBEARER},
#endif
};
#endif

void smtpc_caps_clear(struct smtpc_caps *c)
{
    memset(c, 0, sizeof *c);
}

static int upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* 1 when the token [t, t+len) equals `name`, ignoring case. */
static int token_is(const char *t, size_t len, const char *name)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (name[i] == '\0' || upper((unsigned char)t[i]) != name[i])
            return 0;
    }
    return name[len] == '\0';
}

static unsigned lookup(const struct keyword *k, size_t n, const char *t, size_t len)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (token_is(t, len, k[i].name))
            return k[i].bit;
    }
    return 0;
}

#if WITH_MECHANISMS || SMTPC_WITH_SIZE
/* Next space-separated token at or after *pos; returns its length. */
static size_t next_token(const char *line, size_t len, size_t *pos, const char **tok)
{
    size_t i = *pos, start;

    while (i < len && line[i] == ' ')
        i++;
    start = i;
    while (i < len && line[i] != ' ')
        i++;
    *tok = line + start;
    *pos = i;
    return i - start;
}
#endif

#if SMTPC_WITH_SIZE
static unsigned long parse_size(const char *t, size_t len)
{
    unsigned long v = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        if (t[i] < '0' || t[i] > '9')
            return 0;
        if (v > (~0UL - 9) / 10)
            return ~0UL; /* larger than we can count: as good as unlimited */
        v = v * 10 + (unsigned long)(t[i] - '0');
    }
    return v;
}
#endif

void smtpc_caps_parse_line(struct smtpc_caps *c, const char *line, size_t len)
{
    size_t pos = 4, klen, tlen;
    const char *kw, *tok;
    unsigned bit;

    if (len <= 4)
        return;
    /* The keyword ends at a space, or at '=' in the old "AUTH=PLAIN" form. */
    kw = line + pos;
    for (klen = 0; pos + klen < len && kw[klen] != ' ' && kw[klen] != '='; klen++)
        ;
    bit = lookup(extensions, sizeof extensions / sizeof extensions[0], kw, klen);
    if (bit == 0)
        return;
    c->flags |= bit;
    pos += klen;
    if (pos < len && line[pos] == '=')
        pos++;
#if SMTPC_WITH_SIZE
    if (bit == SMTPC_CAP_SIZE) {
        tlen = next_token(line, len, &pos, &tok);
        c->size_max = parse_size(tok, tlen);
    }
#endif
#if WITH_MECHANISMS
    if (bit == SMTPC_CAP_AUTH) {
        while ((tlen = next_token(line, len, &pos, &tok)) > 0)
            c->auth |= lookup(mechanisms, sizeof mechanisms / sizeof mechanisms[0], tok, tlen);
    }
#endif
    (void)tok;
    (void)tlen;
}

const char *smtpc_auth_name(unsigned mech)
{
#if WITH_MECHANISMS
    size_t i;

    for (i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; i++) {
        if (mechanisms[i].bit == mech)
            return mechanisms[i].name;
    }
#endif
    (void)mech;
    return "";
}
