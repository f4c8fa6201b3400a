/*
 * smtpc — server capabilities, as announced in the EHLO reply.
 */
#ifndef SMTPC_CAPS_H
#define SMTPC_CAPS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SASL mechanisms, as bits. */
#define SMTPC_AUTH_PLAIN 0x01u
#define SMTPC_AUTH_LOGIN 0x02u
#define SMTPC_AUTH_CRAM_MD5 0x04u
#define SMTPC_AUTH_XOAUTH2 0x08u
#define SMTPC_AUTH_OAUTHBEARER 0x10u

/* Extensions, as bits. */
#define SMTPC_CAP_EHLO 0x0001u /* the server answered EHLO (not only HELO) */
#define SMTPC_CAP_PIPELINING 0x0002u
#define SMTPC_CAP_SIZE 0x0004u
#define SMTPC_CAP_8BITMIME 0x0008u
#define SMTPC_CAP_SMTPUTF8 0x0010u
#define SMTPC_CAP_STARTTLS 0x0020u
#define SMTPC_CAP_CHUNKING 0x0040u
#define SMTPC_CAP_DSN 0x0080u
#define SMTPC_CAP_ENHANCEDSTATUSCODES 0x0100u
#define SMTPC_CAP_AUTH 0x0200u /* an AUTH line was present (mechanisms in auth) */
#define SMTPC_CAP_BINARYMIME 0x0400u

struct smtpc_caps {
    unsigned flags;         /* SMTPC_CAP_* */
    unsigned auth;          /* SMTPC_AUTH_* offered */
    unsigned long size_max; /* SIZE value; 0 when absent or unlimited */
};

/* Clears every capability. */
void smtpc_caps_clear(struct smtpc_caps *c);

/* Reads one EHLO reply line after the first ("ddd-KEYWORD params" or
 * "ddd KEYWORD params", code included). Keywords and parameters are matched
 * case-insensitively and as whole tokens; unknown keywords are ignored.
 * "AUTH=..." (an old form) is read like "AUTH ...". */
void smtpc_caps_parse_line(struct smtpc_caps *c, const char *line, size_t len);

/* The name of one SMTPC_AUTH_* bit ("PLAIN", ...), or "" for none. */
const char *smtpc_auth_name(unsigned mech);

#ifdef __cplusplus
}
#endif
#endif
