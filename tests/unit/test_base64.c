/*
 * Unit tests: base64 for SASL (src/engine/inner.h).
 *
 * Encoding follows RFC 4648 §4 with padding; the parts encoder must give
 * exactly what encoding the concatenation would. Decoding is strict. No
 * call may write past the capacity it is given: every output buffer here
 * is followed by guard bytes that are checked after the call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "inner.h"

#define GUARD 0xee
#define BUF 512

struct vector {
    const char *plain;
    size_t plain_len;
    const char *encoded;
};

#define V(p, e)                                                                                    \
    {                                                                                              \
        p, sizeof p - 1, e                                                                         \
    }

/* RFC 4648 §10, then binary data (NUL and high bytes). */
static const struct vector vectors[] = {
    V("", ""),
    V("f", "Zg=="),
    V("fo", "Zm8="),
    V("foo", "Zm9v"),
    V("foob", "Zm9vYg=="),
    V("fooba", "Zm9vYmE="),
    V("foobar", "Zm9vYmFy"),
    V("\x00", "AA=="),
    V("\x00\x00\x00", "AAAA"),
    V("\xff\xff\xff", "////"),
    V("\xfb\xff", "+/8="),
    V("\x00\x01\x02\x03\x04", "AAECAwQ="),
    V("\xff\xfe\xfd\xfc", "//79/A=="),
    V("\x00user\x00pass", "AHVzZXIAcGFzcw=="),
};

#define NVECTORS (sizeof vectors / sizeof vectors[0])

static void assert_guard(const uint8_t *buf, size_t from, size_t to)
{
    size_t i;

    for (i = from; i < to; i++)
        assert_int_equal(buf[i], GUARD);
}

/* ---- encoding ---- */

static void test_encode_vectors(void **state)
{
    char out[BUF];
    size_t i;
    (void)state;

    for (i = 0; i < NVECTORS; i++) {
        long n;

        memset(out, GUARD, sizeof out);
        n = smtpc_b64_encode((const uint8_t *)vectors[i].plain, vectors[i].plain_len, out,
                             sizeof out);
        assert_int_equal(n, (long)strlen(vectors[i].encoded));
        assert_int_equal(n, (long)SMTPC_B64_LEN(vectors[i].plain_len));
        assert_string_equal(out, vectors[i].encoded);
        assert_guard((const uint8_t *)out, (size_t)n + 1, sizeof out);
    }
}

static void test_encode_every_byte_value(void **state)
{
    uint8_t in[256], back[256];
    char out[SMTPC_B64_LEN(256) + 1];
    size_t i;
    long n;
    (void)state;

    for (i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    n = smtpc_b64_encode(in, sizeof in, out, sizeof out);
    assert_int_equal(n, SMTPC_B64_LEN(256));
    assert_int_equal(strlen(out), (size_t)n);
    /* the first group 00 01 02, and the last byte ff alone */
    assert_memory_equal(out, "AAEC", 4);
    assert_memory_equal(out + n - 4, "/w==", 4);
    assert_int_equal(smtpc_b64_decode(out, (size_t)n, back, sizeof back), 256);
    assert_memory_equal(back, in, sizeof in);
}

static void test_parts_equal_single_buffer(void **state)
{
    static const uint8_t in[20] = {'a',  0x00, 'b',  0xff, 'c', 0x80, '=', '/',  '+',  0x7f,
                                   0x01, 'x',  0x00, 0x00, 'y', 0xfe, 'z', '\r', '\n', 0x3e};
    char whole[64], parts_out[64];
    long n_whole;
    size_t i, j;
    (void)state;

    n_whole = smtpc_b64_encode(in, sizeof in, whole, sizeof whole);
    assert_int_equal(n_whole, SMTPC_B64_LEN(20));
    for (i = 0; i <= sizeof in; i++) {
        for (j = i; j <= sizeof in; j++) {
            struct smtpc_b64_part parts[3];

            parts[0].data = in;
            parts[0].len = i;
            parts[1].data = in + i;
            parts[1].len = j - i;
            parts[2].data = in + j;
            parts[2].len = sizeof in - j;
            memset(parts_out, GUARD, sizeof parts_out);
            assert_int_equal(smtpc_b64_encode_parts(parts, 3, parts_out, sizeof parts_out),
                             n_whole);
            assert_string_equal(parts_out, whole);
        }
    }
}

static void test_parts_for_sasl_plain(void **state)
{
    /* authzid NUL user NUL password, never assembled in memory */
    static const uint8_t nul = 0;
    struct smtpc_b64_part parts[5];
    char out[64];
    (void)state;

    parts[0].data = (const uint8_t *)"";
    parts[0].len = 0;
    parts[1].data = &nul;
    parts[1].len = 1;
    parts[2].data = (const uint8_t *)"user";
    parts[2].len = 4;
    parts[3].data = &nul;
    parts[3].len = 1;
    parts[4].data = (const uint8_t *)"pass";
    parts[4].len = 4;
    assert_int_equal(smtpc_b64_encode_parts(parts, 5, out, sizeof out), 16);
    assert_string_equal(out, "AHVzZXIAcGFzcw==");
}

static void test_no_parts(void **state)
{
    char out[4];
    (void)state;

    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_b64_encode_parts(NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_encode_capacity(void **state)
{
    uint8_t in[32];
    char out[BUF];
    size_t len;
    (void)state;

    for (len = 0; len < sizeof in; len++)
        in[len] = (uint8_t)(len * 37);
    for (len = 0; len <= sizeof in; len++) {
        size_t need = SMTPC_B64_LEN(len) + 1; /* the text and its NUL */
        char ref[BUF];

        assert_int_equal(smtpc_b64_encode(in, len, ref, sizeof ref), (long)need - 1);

        /* exactly enough */
        memset(out, GUARD, sizeof out);
        assert_int_equal(smtpc_b64_encode(in, len, out, need), (long)need - 1);
        assert_string_equal(out, ref);
        assert_guard((const uint8_t *)out, need, sizeof out);

        /* one short: refused, nothing past the capacity */
        memset(out, GUARD, sizeof out);
        assert_int_equal(smtpc_b64_encode(in, len, out, need - 1), -1);
        assert_guard((const uint8_t *)out, need - 1, sizeof out);
    }
    /* no room at all */
    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_b64_encode(in, 0, out, 0), -1);
    assert_guard((const uint8_t *)out, 0, sizeof out);
}

static void test_encode_parts_capacity(void **state)
{
    struct smtpc_b64_part parts[2];
    char out[16];
    (void)state;

    parts[0].data = (const uint8_t *)"foo";
    parts[0].len = 3;
    parts[1].data = (const uint8_t *)"bar";
    parts[1].len = 3;
    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_b64_encode_parts(parts, 2, out, 9), 8);
    assert_string_equal(out, "Zm9vYmFy");
    assert_guard((const uint8_t *)out, 9, sizeof out);
    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_b64_encode_parts(parts, 2, out, 8), -1);
    assert_guard((const uint8_t *)out, 8, sizeof out);
}

/* ---- decoding ---- */

static void test_decode_vectors(void **state)
{
    uint8_t out[BUF];
    size_t i;
    (void)state;

    for (i = 0; i < NVECTORS; i++) {
        const char *e = vectors[i].encoded;

        memset(out, GUARD, sizeof out);
        assert_int_equal(smtpc_b64_decode(e, strlen(e), out, sizeof out),
                         (long)vectors[i].plain_len);
        assert_memory_equal(out, vectors[i].plain, vectors[i].plain_len);
        assert_guard(out, vectors[i].plain_len, sizeof out);
    }
}

static void test_decode_reads_only_len(void **state)
{
    uint8_t out[8];
    (void)state;

    assert_int_equal(smtpc_b64_decode("Zg==Zm9v", 4, out, sizeof out), 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(smtpc_b64_decode("Zm9v!!!!", 4, out, sizeof out), 3);
    assert_memory_equal(out, "foo", 3);
}

static void assert_rejected(const char *in, size_t len)
{
    uint8_t out[BUF];

    memset(out, GUARD, sizeof out);
    assert_int_equal(smtpc_b64_decode(in, len, out, sizeof out), -1);
}

#define REJECT(lit) assert_rejected(lit, sizeof lit - 1)

static void test_decode_rejects_bad_length(void **state)
{
    (void)state;
    REJECT("Z");
    REJECT("Zg");
    REJECT("Zg=");
    REJECT("Zm9vY");
    REJECT("Zm9vYg=");
    REJECT("Zm9vYmFy=");
}

static void test_decode_rejects_bad_characters(void **state)
{
    (void)state;
    REJECT("Zm9v!A==");
    REJECT("Zm-v"); /* base64url alphabet */
    REJECT("Zm_v");
    REJECT("Zm9\x80");
    REJECT("Zm9\xff");
    REJECT("Zm\x00v");
    REJECT("Zm.v");
}

static void test_decode_rejects_misplaced_padding(void **state)
{
    (void)state;
    REJECT("Zg==Zm9v"); /* a padded group before the last */
    REJECT("Zm8=Zm9v");
    REJECT("Zm=v"); /* padding then data */
    REJECT("Z=9v");
    REJECT("=m9v");
    REJECT("a==="); /* at most two padding characters */
    REJECT("====");
    REJECT("Zm9vYmFy====");
}

static void test_decode_rejects_whitespace(void **state)
{
    (void)state;
    REJECT("Zm9 ");
    REJECT(" Zm9");
    REJECT("Zm9\t");
    REJECT("Zm\r\n");
    REJECT("Zm9vYmF\n");
    REJECT("Zm9v\r\nYmFy");
}

static void test_decode_capacity(void **state)
{
    static const struct {
        const char *in;
        long n;
    } cases[] = {
        {"Zm9vYmFy", 6}, {"Zm9vYmE=", 5}, {"Zm9vYg==", 4}, {"Zg==", 1}, {"AAAA", 3},
    };
    uint8_t out[16];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].in), cap = (size_t)cases[i].n;

        memset(out, GUARD, sizeof out);
        assert_int_equal(smtpc_b64_decode(cases[i].in, len, out, cap), cases[i].n);
        assert_guard(out, cap, sizeof out);

        memset(out, GUARD, sizeof out);
        assert_int_equal(smtpc_b64_decode(cases[i].in, len, out, cap - 1), -1);
        assert_guard(out, cap - 1, sizeof out);
    }
    assert_int_equal(smtpc_b64_decode("", 0, out, 0), 0);
}

static void test_round_trip_every_length(void **state)
{
    uint8_t in[64], back[64];
    char enc[SMTPC_B64_LEN(64) + 1];
    size_t len, i;
    (void)state;

    for (len = 0; len <= sizeof in; len++) {
        long n;

        for (i = 0; i < len; i++)
            in[i] = (uint8_t)(i * 97 + len);
        n = smtpc_b64_encode(in, len, enc, sizeof enc);
        assert_int_equal(n, SMTPC_B64_LEN(len));
        assert_int_equal(smtpc_b64_decode(enc, (size_t)n, back, sizeof back), (long)len);
        assert_memory_equal(back, in, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_vectors),
        cmocka_unit_test(test_encode_every_byte_value),
        cmocka_unit_test(test_parts_equal_single_buffer),
        cmocka_unit_test(test_parts_for_sasl_plain),
        cmocka_unit_test(test_no_parts),
        cmocka_unit_test(test_encode_capacity),
        cmocka_unit_test(test_encode_parts_capacity),
        cmocka_unit_test(test_decode_vectors),
        cmocka_unit_test(test_decode_reads_only_len),
        cmocka_unit_test(test_decode_rejects_bad_length),
        cmocka_unit_test(test_decode_rejects_bad_characters),
        cmocka_unit_test(test_decode_rejects_misplaced_padding),
        cmocka_unit_test(test_decode_rejects_whitespace),
        cmocka_unit_test(test_decode_capacity),
        cmocka_unit_test(test_round_trip_every_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
