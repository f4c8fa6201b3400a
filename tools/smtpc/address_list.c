/*
 * RFC 5322 address lists, as they come in To:, Cc:, Bcc: and From: and on
 * sendmail's command line: display names, quoted strings, comments, angle
 * brackets, groups and obsolete routes, down to the bare addr-specs that go
 * in RCPT TO.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct item {
    char *bare;  /* the item outside angle brackets, comments and blanks removed */
    char *angle; /* inside the brackets */
    size_t bare_len, angle_len;
    int has_angle;
};

static int emit(struct item *it, cli_address_fn *each, void *ctx)
{
    const char *addr = it->has_angle ? it->angle : it->bare;
    size_t len = it->has_angle ? it->angle_len : it->bare_len;
    int rc = 0;

    if (it->has_angle && len > 0 && addr[0] == '@') { /* obsolete route: "<@a,@b:user@c>" */
        const char *colon = memchr(addr, ':', len);

        if (colon == NULL)
            return -1;
        len -= (size_t)(colon + 1 - addr);
        addr = colon + 1;
    }
    if (len > 0)
        rc = each(ctx, addr, len);
    it->bare_len = it->angle_len = 0;
    it->has_angle = 0;
    return rc;
}

int cli_address_list(const char *text, size_t len, cli_address_fn *each, void *ctx)
{
    struct item it = {NULL, NULL, 0, 0, 0};
    int in_angle = 0, in_group = 0, quoted = 0, comment = 0, rc = 0;
    size_t i;

    it.bare = malloc(len + 1);
    it.angle = malloc(len + 1);
    if (it.bare == NULL || it.angle == NULL) {
        free(it.bare);
        free(it.angle);
        return -1;
    }
    for (i = 0; i < len && rc == 0; i++) {
        char c = text[i];
        char *dst = in_angle ? it.angle : it.bare;
        size_t *dst_len = in_angle ? &it.angle_len : &it.bare_len;

        if (comment > 0) { /* comments nest and may hold quoted pairs */
            if (c == '\\' && i + 1 < len)
                i++;
            else if (c == '(')
                comment++;
            else if (c == ')')
                comment--;
            continue;
        }
        if (quoted) {
            dst[(*dst_len)++] = c;
            if (c == '\\' && i + 1 < len)
                dst[(*dst_len)++] = text[++i];
            else if (c == '"')
                quoted = 0;
            continue;
        }
        switch (c) {
        case '(':
            comment = 1;
            break;
        case '"':
            quoted = 1;
            dst[(*dst_len)++] = c;
            break;
        case '<':
            if (in_angle || it.has_angle)
                rc = -1;
            in_angle = it.has_angle = 1;
            it.angle_len = 0;
            break;
        case '>':
            if (!in_angle)
                rc = -1;
            in_angle = 0;
            break;
        case ',':
            if (in_angle) /* the route's commas */
                dst[(*dst_len)++] = c;
            else
                rc = emit(&it, each, ctx);
            break;
        case ':':
            if (in_angle || in_group || it.has_angle) {
                dst[(*dst_len)++] = c;
            } else { /* "group name:": what came before was the group's name */
                in_group = 1;
                it.bare_len = 0;
            }
            break;
        case ';':
            if (!in_group || in_angle) {
                rc = -1;
            } else {
                rc = emit(&it, each, ctx);
                in_group = 0;
            }
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            break; /* folding, and the blanks between a display name's words */
        default:
            dst[(*dst_len)++] = c;
            break;
        }
    }
    if (rc == 0 && (quoted || comment > 0 || in_angle))
        rc = -1;
    if (rc == 0)
        rc = emit(&it, each, ctx);
    free(it.bare);
    free(it.angle);
    return rc;
}
