/*
 * MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for AUTH CRAM-MD5 (RFC 2195).
 *
 * MD5 is broken for collisions, not for HMAC's use here; CRAM-MD5 needs
 * exactly this and nothing more, so it lives in the engine rather than
 * pulling a crypto library into firmware.
 */
#include <string.h>

#include "inner.h"

#if SMTPC_WITH_CRAM_MD5

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static const uint32_t K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

static const unsigned char R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                    5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void block(struct smtpc_md5 *m, const uint8_t *p)
{
    uint32_t w[16], a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3];
    int i;

    for (i = 0; i < 16; i++) /* little-endian words, whatever the CPU */
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    for (i = 0; i < 64; i++) {
        uint32_t f, t;
        int g;

        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        t = d;
        d = c;
        c = b;
        b = b + ROTL(a + f + K[i] + w[g], R[i]);
        a = t;
    }
    m->h[0] += a;
    m->h[1] += b;
    m->h[2] += c;
    m->h[3] += d;
}

void smtpc_md5_init(struct smtpc_md5 *m)
{
    m->h[0] = 0x67452301;
    m->h[1] = 0xefcdab89;
    m->h[2] = 0x98badcfe;
    m->h[3] = 0x10325476;
    m->len = 0;
}

void smtpc_md5_update(struct smtpc_md5 *m, const uint8_t *p, size_t n)
{
    size_t have = (size_t)(m->len % 64);

    m->len += n;
    if (have > 0) {
        size_t k = 64 - have < n ? 64 - have : n;

        memcpy(m->buf + have, p, k);
        p += k;
        n -= k;
        if (have + k < 64)
            return;
        block(m, m->buf);
    }
    for (; n >= 64; p += 64, n -= 64)
        block(m, p);
    memcpy(m->buf, p, n);
}

void smtpc_md5_final(struct smtpc_md5 *m, uint8_t out[16])
{
    static const uint8_t pad[64] = {0x80};
    uint64_t bits = m->len * 8;
    uint8_t len_le[8];
    size_t have = (size_t)(m->len % 64);
    int i;

    for (i = 0; i < 8; i++)
        len_le[i] = (uint8_t)(bits >> (8 * i));
    smtpc_md5_update(m, pad, have < 56 ? 56 - have : 120 - have);
    smtpc_md5_update(m, len_le, 8);
    for (i = 0; i < 16; i++)
        out[i] = (uint8_t)(m->h[i / 4] >> (8 * (i % 4)));
}

void smtpc_hmac_md5(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[16])
{
    uint8_t k[64], pad[64], inner[16];
    struct smtpc_md5 m;
    int i;

    memset(k, 0, sizeof k);
    if (key_len > 64) {
        smtpc_md5_init(&m);
        smtpc_md5_update(&m, key, key_len);
        smtpc_md5_final(&m, k);
    } else if (key_len > 0) {
        memcpy(k, key, key_len);
    }
    for (i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x36);
    smtpc_md5_init(&m);
    smtpc_md5_update(&m, pad, 64);
    smtpc_md5_update(&m, msg, msg_len);
    smtpc_md5_final(&m, inner);
    for (i = 0; i < 64; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x5c);
    smtpc_md5_init(&m);
    smtpc_md5_update(&m, pad, 64);
    smtpc_md5_update(&m, inner, 16);
    smtpc_md5_final(&m, out);
    memset(k, 0, sizeof k); /* key material does not linger on the stack */
    memset(pad, 0, sizeof pad);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int smtpc_md5_unused;
#endif
