/* Base64 for SASL. See inner.h. */
#include "inner.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Byte `i` of the concatenation of the parts. */
static uint8_t byte_at(const struct smtpc_b64_part *parts, size_t n, size_t i)
{
    size_t k;

    for (k = 0; k < n; k++) {
        if (i < parts[k].len)
            return parts[k].data[i];
        i -= parts[k].len;
    }
    return 0;
}

long smtpc_b64_encode_parts(const struct smtpc_b64_part *parts, size_t n, char *out, size_t cap)
{
    size_t i, o = 0, len = 0, k;

    for (k = 0; k < n; k++)
        len += parts[k].len;
    if (SMTPC_B64_LEN(len) + 1 > cap)
        return -1;
    for (i = 0; i < len; i += 3) {
        size_t left = len - i;
        uint32_t v = (uint32_t)byte_at(parts, n, i) << 16;

        if (left > 1)
            v |= (uint32_t)byte_at(parts, n, i + 1) << 8;
        if (left > 2)
            v |= byte_at(parts, n, i + 2);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = left > 2 ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return (long)o;
}

long smtpc_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    struct smtpc_b64_part part;

    part.data = in;
    part.len = len;
    return smtpc_b64_encode_parts(&part, 1, out, cap);
}

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long smtpc_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    size_t i, o = 0;

    if (len % 4 != 0)
        return -1;
    for (i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        size_t k;
        uint32_t w;

        for (k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad > 0)
                return -1; /* data after padding */
            v[k] = value_of(in[i + k]);
            if (v[k] < 0)
                return -1;
        }
        w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if (o + 3 - (size_t)pad > cap)
            return -1;
        out[o++] = (uint8_t)(w >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(w >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)w;
    }
    return (long)o;
}
