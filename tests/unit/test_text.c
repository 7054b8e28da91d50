/* Bytes made into storable text: NUL and every ill-formed sequence become U+FFFD, text stays as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/base/text.h"

#define R TC_TEXT_REPLACEMENT

/* Sanitises the n bytes of in and checks the result against expected (and its length). */
static void check(const char *in, size_t n, const char *expected)
{
    size_t length = 12345;
    char *out = tc_text_sanitize(in, n, &length);
    assert_non_null(out);
    assert_string_equal(out, expected);
    assert_int_equal(length, strlen(expected));
    assert_true(length <= 3 * n);
    free(out);
}

#define CHECK(literal, expected) check(literal, sizeof literal - 1, expected)

static void test_text_keeps_valid_text(void **state)
{
    (void)state;
    CHECK("", "");
    CHECK("plain ASCII, tabs\tand\nnewlines\r\x01\x1b[31m", "plain ASCII, tabs\tand\nnewlines\r\x01\x1b[31m");
    CHECK("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
          "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    /* The edges of the ranges: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF. */
    CHECK("\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
          "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
    check(NULL, 0, "");
    char *out = tc_text_sanitize("ab\0", 3, NULL); /* the length is optional */
    assert_string_equal(out, "ab" R);
    free(out);
}

static void test_text_replaces_nul(void **state)
{
    (void)state;
    CHECK("before\0after\n", "before" R "after\n");
    CHECK("\0", R);
    CHECK("\0\0", R R);
}

static void test_text_replaces_ill_formed_sequences(void **state)
{
    (void)state;
    CHECK("before\0after\377\n", "before" R "after" R "\n"); /* what the action of issue 15 printed */
    CHECK("\x80", R);                                        /* a continuation byte alone */
    CHECK(
        "a\x80\xBF"
        "b",
        "a" R R "b");                   /* each stray continuation byte */
    CHECK("\xC0\xAF", R R);             /* overlong '/': C0 never starts a character */
    CHECK("\xE0\x80\xAF", R R R);       /* overlong 3-byte form */
    CHECK("\xF0\x80\x80\xAF", R R R R); /* overlong 4-byte form */
    CHECK("\xED\xA0\x80", R R R);       /* the surrogate U+D800 */
    CHECK("\xF4\x90\x80\x80", R R R R); /* U+110000, past Unicode */
    CHECK("\xF5\x80", R R);
    CHECK("\xFE\xFF", R R);
    /* A character cut short by another byte: one U+FFFD for the part, then the byte itself. */
    CHECK(
        "\xE2\x82"
        "a",
        R "a");
    CHECK(
        "\xF0\x9F\x98"
        "\xC3\xA9",
        R "\xC3\xA9");
    CHECK("\xC3\0", R R);
}

/* Cut by the end (the last 4 KiB of an output), at the front or at the back. */
static void test_text_replaces_a_character_cut_at_either_end(void **state)
{
    (void)state;
    CHECK("\xA9t\xC3\xA9", R "t\xC3\xA9");
    CHECK("\x98\x80 ok", R R " ok");
    CHECK("ok \xC3", "ok " R);
    CHECK("ok \xE2\x82", "ok " R);
    CHECK("ok \xF0\x9F\x98", "ok " R);
}

/* Whatever the bytes, the result is a string jansson takes and dumps without a \u0000 escape. */
static void test_text_result_is_always_storable(void **state)
{
    (void)state;
    unsigned char bytes[4096];
    unsigned seed = 15;
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(round * 20);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            bytes[i] = (unsigned char)(seed >> 16);
        }
        size_t length = 0;
        char *text = tc_text_sanitize((const char *)bytes, n, &length);
        assert_non_null(text);
        assert_int_equal(strlen(text), length); /* no NUL inside */
        json_t *s = json_stringn(text, length);
        assert_non_null(s); /* valid UTF-8 */
        char *dumped = json_dumps(s, JSON_ENCODE_ANY);
        assert_null(strstr(dumped, "\\u0000"));
        free(dumped);
        json_decref(s);
        free(text);
    }
}

static void test_text_cut_ends_on_a_whole_character(void **state)
{
    (void)state;
    assert_int_equal(tc_text_cut("abc", 3), 3);
    assert_int_equal(tc_text_cut("", 0), 0);
    assert_int_equal(tc_text_cut("ab\xC3\xA9", 4), 4);
    assert_int_equal(tc_text_cut("ab\xC3", 3), 2);
    assert_int_equal(tc_text_cut("ab\xE2\x82\xAC", 5), 5);
    assert_int_equal(tc_text_cut("ab\xE2\x82", 4), 2);
    assert_int_equal(tc_text_cut("ab\xE2", 3), 2);
    assert_int_equal(tc_text_cut("ab\xF0\x9F\x98\x80", 6), 6);
    assert_int_equal(tc_text_cut("ab\xF0\x9F\x98", 5), 2);
    assert_int_equal(tc_text_cut("\xF0\x9F", 2), 0);
    /* Not UTF-8 to begin with: left alone (sanitising is tc_text_sanitize's job). */
    assert_int_equal(tc_text_cut("ab\x80\x80\x80\x80", 6), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_keeps_valid_text),
        cmocka_unit_test(test_text_replaces_nul),
        cmocka_unit_test(test_text_replaces_ill_formed_sequences),
        cmocka_unit_test(test_text_replaces_a_character_cut_at_either_end),
        cmocka_unit_test(test_text_result_is_always_storable),
        cmocka_unit_test(test_text_cut_ends_on_a_whole_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
