/* SHA-256 against the FIPS 180-4 examples, and incremental hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/sha256.h"

static void check(const char *input, const char *expected)
{
    char hex[TC_SHA256_HEX_LENGTH];
    tc_sha256_hex(input, strlen(input), hex);
    assert_string_equal(hex, expected);
}

static void test_sha256_known_vectors(void **state)
{
    (void)state;
    check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* 55, 56 and 64 bytes: the edges of the padding. */
    check("1234567890123456789012345678901234567890123456789012345",
          "03c3a70e99ed5eeccd80f73771fcf1ece643d939d9ecc76f25544b0233f708e9");
    check("12345678901234567890123456789012345678901234567890123456",
          "0be66ce72c2467e793202906000672306661791622e0ca9adf4a8955b2ed189c");
    check("1234567890123456789012345678901234567890123456789012345678901234",
          "676491965ed3ec50cb7a63ee96315480a95c54426b0b72bca8a0d4ad1285ad55");
}

static void test_sha256_million_a(void **state)
{
    (void)state;
    char block[1000];
    uint8_t digest[TC_SHA256_LENGTH];
    tc_sha256 ctx;
    memset(block, 'a', sizeof block);
    tc_sha256_init(&ctx);
    for (int i = 0; i < 1000; i++)
        tc_sha256_update(&ctx, block, sizeof block);
    tc_sha256_final(&ctx, digest);
    static const uint8_t expected[TC_SHA256_LENGTH] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
        0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
    };
    assert_memory_equal(digest, expected, sizeof expected);
}

static void test_sha256_split_updates_match_one_shot(void **state)
{
    (void)state;
    const char *text = "the council of member states decides by consensus, with constructive abstention";
    size_t n = strlen(text);
    char whole[TC_SHA256_HEX_LENGTH];
    tc_sha256_hex(text, n, whole);
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t digest[TC_SHA256_LENGTH];
        char hex[TC_SHA256_HEX_LENGTH];
        tc_sha256 ctx;
        tc_sha256_init(&ctx);
        tc_sha256_update(&ctx, text, cut);
        tc_sha256_update(&ctx, text + cut, n - cut);
        tc_sha256_final(&ctx, digest);
        for (int i = 0; i < TC_SHA256_LENGTH; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        assert_string_equal(hex, whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_vectors),
        cmocka_unit_test(test_sha256_million_a),
        cmocka_unit_test(test_sha256_split_updates_match_one_shot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
