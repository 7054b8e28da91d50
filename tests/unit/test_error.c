/* Error detail: first error wins, one line, names for codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/error.h"

static void test_error_first_wins(void **state)
{
    (void)state;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_error_set(&err, TC_EINVAL, "bad %s", "thing"), TC_EINVAL);
    assert_int_equal(tc_error_set(&err, TC_EFAILED, "later"), TC_EFAILED);
    assert_int_equal(err.code, TC_EINVAL);
    assert_string_equal(err.text, "bad thing");
}

static void test_error_null_is_allowed(void **state)
{
    (void)state;
    tc_error_init(NULL);
    assert_int_equal(tc_error_set(NULL, TC_ENOTFOUND, "no %d", 42), TC_ENOTFOUND);
}

static void test_error_text_is_one_line(void **state)
{
    (void)state;
    tc_error err;
    tc_error_init(&err);
    tc_error_set(&err, TC_EUNAVAIL, "cannot connect: %s",
                 "connection failed: No such file\n\tIs the server running?\n");
    assert_string_equal(err.text, "cannot connect: connection failed: No such file Is the server running?");
    /* Leading whitespace goes too. */
    tc_error_init(&err);
    tc_error_set(&err, TC_EFAILED, "%s", " \n\tnot indented  ");
    assert_string_equal(err.text, "not indented");
}

static void test_error_long_text_is_cut(void **state)
{
    (void)state;
    tc_error err;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tc_error_init(&err);
    tc_error_set(&err, TC_EFAILED, "%s", big);
    assert_int_equal(strlen(err.text), TC_ERROR_TEXT_LENGTH - 1);
}

/* A message cut by bytes (it may quote what a user wrote) ends on a whole character: it stays UTF-8. */
static void test_error_long_text_is_cut_between_characters(void **state)
{
    (void)state;
    tc_error err;
    char big[1200] = "";
    for (int i = 0; i < 350; i++)
        strcat(big, "\xE2\x82\xAC"); /* the euro sign: three bytes, 510 of 511 fit after "no " */
    tc_error_init(&err);
    tc_error_set(&err, TC_EINVAL, "no %s", big);
    assert_int_equal(strlen(err.text), 3 + 3 * 169);
    assert_memory_equal(err.text + strlen(err.text) - 3, "\xE2\x82\xAC", 3);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(tc_strerror(TC_OK), "success");
    assert_string_equal(tc_strerror(TC_EINVAL), "invalid input");
    assert_string_equal(tc_strerror(TC_EUNAVAIL), "database unavailable");
    assert_string_equal(tc_strerror(TC_EFAILED), "failed");
    assert_string_equal(tc_strerror(TC_EUSAGE), "usage error");
    assert_string_equal(tc_strerror(TC_ENOTFOUND), "not found");
    assert_string_equal(tc_strerror(TC_EPERM), "permission denied");
    assert_string_equal(tc_strerror(TC_ECONFLICT), "conflict");
    assert_string_equal(tc_strerror(TC_ENOMEM), "out of memory");
    assert_string_equal(tc_strerror(TC_EIO), "input/output error");
    assert_string_equal(tc_strerror(12345), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_first_wins),
        cmocka_unit_test(test_error_null_is_allowed),
        cmocka_unit_test(test_error_text_is_one_line),
        cmocka_unit_test(test_error_long_text_is_cut),
        cmocka_unit_test(test_error_long_text_is_cut_between_characters),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
