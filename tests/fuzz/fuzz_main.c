/*
 * Deterministic driver for the fuzz targets, for CTest: replays mutations
 * of realistic server transcripts (fixed seed) through
 * LLVMFuzzerTestOneInput. Prints "N passed, 0 failed"; any invariant
 * violation aborts, and ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const seeds[] = {
    "220 mx\r\n250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 100000\r\n235 ok\r\n250 ok\r\n250 ok\r\n"
    "550 no\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n",
    "220 mx\r\n250-mx\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n"
    "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n",
    "220 mx\r\n502 no\r\n250 mx\r\n250 ok\r\n550 a\r\n550 b\r\n550 c\r\n250 ok\r\n221 bye\r\n",
    "220 mx\r\n250-mx\r\n250 AUTH PLAIN\r\n334 \r\n235 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
    "250 ok\r\n554 no\r\n250 ok\r\n221 bye\r\n",
};

static uint32_t rng = 12345;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

int main(int argc, char **argv)
{
    static uint8_t buf[4096];
    unsigned long runs = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000, i;
    const uint8_t alphabet[] = "0123456789 -\r\n.ABPL\x00\xff";

    for (i = 0; i < runs; i++) {
        const char *seed = seeds[i % (sizeof seeds / sizeof seeds[0])];
        size_t len = strlen(seed) + 2, k, edits = next() % 8;

        buf[0] = (uint8_t)next();
        buf[1] = (uint8_t)next();
        memcpy(buf + 2, seed, len - 2);
        for (k = 0; k < edits; k++) {
            size_t at = 2 + next() % (len - 2);

            switch (next() % 4) {
            case 0: /* replace a byte */
                buf[at] = alphabet[next() % (sizeof alphabet - 1)];
                break;
            case 1: /* delete a byte */
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            case 2: /* duplicate a run */
                if (len + 16 < sizeof buf) {
                    memmove(buf + at + 16, buf + at, len - at);
                    len += 16;
                }
                break;
            default: /* cut the transcript short */
                len = at;
                break;
            }
            if (len <= 2)
                break;
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("%lu passed, 0 failed\n", runs);
    return 0;
}
