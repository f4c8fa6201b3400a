/*
 * The part of a TLS layer that is the same whatever the library: reads and
 * writes on the inner transport bounded by one deadline per operation. See
 * tls_link.h.
 */
#include <stdio.h>

#include "smtpc/error.h"
#include "tls_link.h"

void smtpc_tls_link_attach(struct smtpc_tls_link *l, struct smtpc_transport *inner)
{
    l->inner = inner;
    l->deadline = -1;
    l->inner_error = 0;
    l->inner_eof = 0;
    l->detail[0] = '\0';
}

void smtpc_tls_link_begin(struct smtpc_tls_link *l, int timeout_ms)
{
    l->deadline = timeout_ms < 0 ? -1 : l->inner->ops->now_ms(l->inner) + timeout_ms;
    l->inner_error = 0;
}

int smtpc_tls_link_left_ms(const struct smtpc_tls_link *l)
{
    long long left;

    if (l->deadline < 0)
        return -1;
    left = l->deadline - l->inner->ops->now_ms(l->inner);
    if (left < 0)
        return 0;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

long smtpc_tls_link_read(struct smtpc_tls_link *l, uint8_t *buf, size_t len)
{
    long n = l->inner->ops->read(l->inner, buf, len, smtpc_tls_link_left_ms(l));

    if (n == 0)
        l->inner_eof = 1;
    else if (n < 0)
        l->inner_error = (int)n;
    return n;
}

long smtpc_tls_link_write(struct smtpc_tls_link *l, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) { /* the inner transport may write part */
        long n = l->inner->ops->write(l->inner, buf + done, len - done, smtpc_tls_link_left_ms(l));

        if (n <= 0) {
            l->inner_error = n < 0 ? (int)n : SMTPC_ERR_IO;
            return l->inner_error;
        }
        done += (size_t)n;
    }
    return (long)done;
}

int smtpc_tls_link_inner_failure(struct smtpc_tls_link *l, const char *what)
{
    if (l->inner_error == 0)
        return 0;
    snprintf(l->detail, sizeof l->detail, "%s: %s", what, smtpc_strerror(l->inner_error));
    return l->inner_error;
}
