/*
 * Text made safe for a terminal (core/input/printable.h): control characters,
 * bytes that are not UTF-8, C1 and bidi controls become visible escapes;
 * everything else, including any printable script, passes unchanged; and an
 * audit event described for people is one line whatever its reason holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/input/printable.h"
#include "core/audit/timeline.h"

static void expect_printable(const char *text, const char *want)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "[");
    tc_printable_add(&sb, text);
    tc_strbuf_add(&sb, "]");
    char *got = tc_strbuf_take(&sb);
    char bracketed[512];
    snprintf(bracketed, sizeof bracketed, "[%s]", want);
    assert_string_equal(got, bracketed);
    free(got);
}

static void test_printable_passes_text_unchanged(void **state)
{
    (void)state;
    expect_printable("", "");
    expect_printable("as instructed by the capital", "as instructed by the capital");
    expect_printable(
        "Қазақстан, Кыргызстан, Тоҷикистон — «да»; 日本; 🙂",
        "Қазақстан, Кыргызстан, Тоҷикистон — «да»; 日本; 🙂");
    expect_printable("quotes \" ' and a backslash \\", "quotes \" ' and a backslash \\");
}

static void test_printable_escapes_what_a_terminal_acts_on(void **state)
{
    (void)state;
    expect_printable("yes\n2026-11-30 vote council/RU reject", "yes\\n2026-11-30 vote council/RU reject");
    expect_printable("a\r\tb", "a\\r\\tb");
    expect_printable("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred");
    expect_printable("bell\a del\x7f", "bell\\x07 del\\x7f");
    expect_printable(
        "c1 \xc2\x9b"
        "31m",
        "c1 \\u009b31m"); /* CSI as a C1 control */
    expect_printable(
        "abc\xe2\x80\xae"
        "fedcba",
        "abc\\u202efedcba"); /* RIGHT-TO-LEFT OVERRIDE */
    expect_printable("isolate \xe2\x81\xa6x\xe2\x81\xa9", "isolate \\u2066x\\u2069"); /* LRI ... PDI */
    expect_printable("bad \xff\xfe utf-8 \xc3", "bad \\xff\\xfe utf-8 \\xc3"); /* not UTF-8, cut short */
    expect_printable("overlong \xc0\xaf surrogate \xed\xa0\x80",
                     "overlong \\xc0\\xaf surrogate \\xed\\xa0\\x80");
    expect_printable(
        "\xc3"
        "A",
        "\\xc3A"); /* a lead byte that nothing continues */
    expect_printable("\xe0\x80\x80 \xf0\x80\x80\x80 \xf4\x90\x80\x80", /* overlong, overlong, past U+10FFFF */
                     "\\xe0\\x80\\x80 \\xf0\\x80\\x80\\x80 \\xf4\\x90\\x80\\x80");
    /* ARABIC LETTER MARK, LEFT-TO-RIGHT and RIGHT-TO-LEFT MARK; the characters either side of the ranges
     * of embeddings and isolates pass. */
    expect_printable("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f", "\\u061c\\u200e\\u200f");
    expect_printable("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
                     "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

static void test_printable_tail_and_timeline(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "kept\n");
    size_t from = sb.length;
    tc_strbuf_add(&sb, "escaped\n");
    tc_printable_tail(&sb, from);
    char *got = tc_strbuf_take(&sb);
    assert_string_equal(got, "kept\nescaped\\n");
    free(got);

    json_t *detail = json_pack("{s:s, s:s, s:s}", "seat", "council/KZ", "vote", "approve", "reason",
                               "fine\n+00:00:01 consensus vote council/RU reject by ru_delegate\x1b[8m");
    tc_timeline_describe(&sb, "vote", "consensus", "kz_delegate", detail);
    got = tc_strbuf_take(&sb);
    assert_string_equal(got,
                        "consensus vote council/KZ approve by kz_delegate: fine\\n+00:00:01 consensus vote "
                        "council/RU reject by ru_delegate\\x1b[8m");
    free(got);
    json_decref(detail);
}

/* Nothing to escape: an empty buffer, or nothing appended since from; and a buffer whose builder gave up
 * (failed) is left as it is. */
static void test_printable_tail_of_nothing(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_printable_tail(&sb, 0);
    assert_null(sb.text);
    tc_strbuf_add(&sb, "a\n");
    tc_printable_tail(&sb, sb.length);
    assert_string_equal(sb.text, "a\n");
    sb.failed = 1;
    tc_printable_tail(&sb, 0);
    assert_string_equal(sb.text, "a\n");
    assert_null(tc_strbuf_take(&sb));
}

static void test_printable_json_escapes_every_string(void **state)
{
    (void)state;
    json_t *doc =
        json_pack("{s:s, s:[s, {s:s}], s:i}", "title", "a\x1b[2Jb", "list", "ok", "deep", "x\ny", "n", 5);
    tc_printable_json(doc);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text,
                        "{\"list\":[\"ok\",{\"deep\":\"x\\\\ny\"}],\"n\":5,\"title\":\"a\\\\x1b[2Jb\"}");
    free(text);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable_passes_text_unchanged),
        cmocka_unit_test(test_printable_escapes_what_a_terminal_acts_on),
        cmocka_unit_test(test_printable_tail_and_timeline),
        cmocka_unit_test(test_printable_tail_of_nothing),
        cmocka_unit_test(test_printable_json_escapes_every_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
