/*
 * Argument checks at the API boundary. Every string that goes on the wire
 * passes here first: a CR or LF inside one would end the command early and
 * start another (command injection), a NUL would cut it.
 */
#include <string.h>

#include "smtpc/session.h"

int smtpc_check_text(const char *str)
{
    const unsigned char *p;

    if (str == NULL)
        return SMTPC_ERR_ARG;
    for (p = (const unsigned char *)str; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return SMTPC_ERR_ARG_CTL;
    }
    return 0;
}

int smtpc_check_address(const char *addr, int empty_ok)
{
    const unsigned char *p;
    int quoted = 0, escaped = 0;
    size_t len;

    if (addr == NULL)
        return SMTPC_ERR_ARG;
    if (smtpc_check_text(addr) != 0)
        return SMTPC_ERR_ARG_CTL;
    len = strlen(addr);
    if ((len == 0 && !empty_ok) || len > SMTPC_ADDRESS_MAX)
        return SMTPC_ERR_ARG_ADDRESS;
    for (p = (const unsigned char *)addr; *p != '\0'; p++) {
        if (*p == '\t')
            return SMTPC_ERR_ARG_CTL;
        if (escaped) {
            escaped = 0;
        } else if (quoted) {
            if (*p == '\\')
                escaped = 1;
            else if (*p == '"')
                quoted = 0;
        } else if (*p == '"') {
            quoted = 1;
        } else if (*p == ' ' || *p == '<' || *p == '>') {
            return SMTPC_ERR_ARG_ADDRESS;
        }
    }
    return quoted || escaped ? SMTPC_ERR_ARG_ADDRESS : 0;
}
