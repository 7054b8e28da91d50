/*
 * The small containers of core/base: growable strings (strbuf.h), the
 * string-keyed index (strindex.h) and the C arrays of a JSON array's strings
 * (json_strings.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/base/arena.h"
#include "core/base/json_strings.h"
#include "core/base/strbuf.h"
#include "core/base/strindex.h"

static void test_base_strbuf_grows(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    char *empty = tc_strbuf_take(&sb); /* nothing appended: "", not NULL */
    assert_string_equal(empty, "");
    free(empty);
    for (int i = 0; i < 1000; i++)
        tc_strbuf_addf(&sb, "%d,", i % 10);
    tc_strbuf_reserve(&sb, 5000);
    assert_true(sb.capacity >= sb.length + 5000);
    assert_int_equal(sb.length, 2000);
    char *text = tc_strbuf_take(&sb);
    assert_int_equal(strlen(text), 2000);
    assert_memory_equal(text, "0,1,2,3,4,5,6,7,8,9,0,", 22);
    assert_null(sb.text);
    free(text);
}

/* What cannot be formatted (a wide character the C locale cannot write) appends nothing. */
static void test_base_strbuf_format_error_appends_nothing(void **state)
{
    (void)state;
    static const wchar_t omega[] = {0x3a9, 0};
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "kept");
    tc_strbuf_addf(&sb, "%ls", omega);
    tc_strbuf_add(&sb, "!");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(text, "kept!");
    free(text);
}

/* A builder that gives up marks its buffer failed (store/work.c does); after that nothing is appended, and
 * take frees the text and returns NULL, so the builder checks once, at the end. */
static void test_base_strbuf_failure_is_sticky(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "partial");
    sb.failed = 1;
    tc_strbuf_add(&sb, " more");
    tc_strbuf_addf(&sb, " %d", 42);
    tc_strbuf_reserve(&sb, 100000);
    assert_int_equal(sb.length, strlen("partial"));
    assert_true(sb.capacity < 100000);
    assert_null(tc_strbuf_take(&sb));
    assert_null(sb.text);
    assert_int_equal(sb.failed, 0); /* take resets the buffer */
    tc_strbuf_add(&sb, "again");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(text, "again");
    free(text);
}

/* An index grows past the size it was made for, keeping every key; a key already there keeps its value. */
static void test_base_strindex_grows(void **state)
{
    (void)state;
    tc_arena *arena = tc_arena_new();
    tc_strindex *index = tc_strindex_new(arena, 2);
    char *keys[200];
    for (int i = 0; i < 200; i++) {
        char key[16];
        snprintf(key, sizeof key, "state_%d", i);
        keys[i] = tc_arena_strdup(arena, key);
        assert_int_equal(tc_strindex_put(index, keys[i], i), 0);
    }
    for (int i = 0; i < 200; i++)
        assert_int_equal(tc_strindex_get(index, keys[i]), i);
    assert_int_equal(tc_strindex_put(index, "state_7", 1000), 1);
    assert_int_equal(tc_strindex_get(index, "state_7"), 7);
    assert_int_equal(tc_strindex_get(index, "state_200"), -1);
    assert_int_equal(tc_strindex_get(index, ""), -1);
    tc_arena_free(arena);
}

static void test_base_json_strings(void **state)
{
    (void)state;
    json_t *array = json_pack("[s, i, s]", "council/KZ", 5, "secretariat");
    size_t count = 99;
    const char **strings = tc_json_strings(array, &count);
    assert_int_equal(count, 3);
    assert_string_equal(strings[0], "council/KZ");
    assert_null(strings[1]); /* not a string */
    assert_string_equal(strings[2], "secretariat");
    free(strings);
    /* No array, or not an array: none, and still an array to free. */
    strings = tc_json_strings(NULL, &count);
    assert_non_null(strings);
    assert_int_equal(count, 0);
    free(strings);
    json_t *text = json_string("council/KZ");
    strings = tc_json_strings(text, &count);
    assert_int_equal(count, 0);
    free(strings);
    json_decref(text);
    json_decref(array);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_strbuf_grows),
        cmocka_unit_test(test_base_strbuf_format_error_appends_nothing),
        cmocka_unit_test(test_base_strbuf_failure_is_sticky),
        cmocka_unit_test(test_base_strindex_grows),
        cmocka_unit_test(test_base_json_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
