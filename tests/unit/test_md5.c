/*
 * MD5 and HMAC-MD5 against their RFCs' test vectors (RFC 1321, RFC 2202),
 * fed whole and split at every point.
 */
#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "inner.h"

static void hex(const uint8_t d[16], char out[33])
{
    int i;

    for (i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void md5_of(const char *msg, size_t len, size_t split, char out[33])
{
    struct smtpc_md5 m;
    uint8_t d[16];

    smtpc_md5_init(&m);
    smtpc_md5_update(&m, (const uint8_t *)msg, split);
    smtpc_md5_update(&m, (const uint8_t *)msg + split, len - split);
    smtpc_md5_final(&m, d);
    hex(d, out);
}

static void test_md5_rfc1321(void **state)
{
    static const struct {
        const char *msg, *digest;
    } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    char out[33];
    size_t i, split;
    (void)state;

    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len = strlen(v[i].msg);

        for (split = 0; split <= len; split++) {
            md5_of(v[i].msg, len, split, out);
            assert_string_equal(out, v[i].digest);
        }
    }
}

static void test_md5_million_a(void **state)
{
    static char chunk[1000];
    struct smtpc_md5 m;
    uint8_t d[16];
    char out[33];
    int i;
    (void)state;

    memset(chunk, 'a', sizeof chunk);
    smtpc_md5_init(&m);
    for (i = 0; i < 1000; i++)
        smtpc_md5_update(&m, (const uint8_t *)chunk, sizeof chunk);
    smtpc_md5_final(&m, d);
    hex(d, out);
    assert_string_equal(out, "7707d6ae4e027c70eea2a935c2296f21");
}

static void test_hmac_md5_rfc2202(void **state)
{
    static uint8_t key1[16], key3[16], data3[50], key6[80];
    uint8_t d[16];
    char out[33];
    (void)state;

    memset(key1, 0x0b, sizeof key1);
    smtpc_hmac_md5(key1, sizeof key1, (const uint8_t *)"Hi There", 8, d);
    hex(d, out);
    assert_string_equal(out, "9294727a3638bb1c13f48ef8158bfc9d");

    smtpc_hmac_md5((const uint8_t *)"Jefe", 4, (const uint8_t *)"what do ya want for nothing?", 28,
                   d);
    hex(d, out);
    assert_string_equal(out, "750c783e6ab0b503eaa86e310a5db738");

    memset(key3, 0xaa, sizeof key3);
    memset(data3, 0xdd, sizeof data3);
    smtpc_hmac_md5(key3, sizeof key3, data3, sizeof data3, d);
    hex(d, out);
    assert_string_equal(out, "56be34521d144c88dbb8c733f0e8b3f6");

    /* a key longer than a block is hashed first */
    memset(key6, 0xaa, sizeof key6);
    smtpc_hmac_md5(key6, sizeof key6,
                   (const uint8_t *)"Test Using Larger Than Block-Size Key - Hash Key First", 54,
                   d);
    hex(d, out);
    assert_string_equal(out, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_rfc1321),
        cmocka_unit_test(test_md5_million_a),
        cmocka_unit_test(test_hmac_md5_rfc2202),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
