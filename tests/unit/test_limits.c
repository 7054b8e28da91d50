/*
 * What tocsin takes in, checked in the core: UTF-8 validation (every edge RFC
 * 3629 draws), the strict number parsers, the size of JSON as PostgreSQL
 * prints it, the text limits, and the names tocsin actor takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/input/actor_names.h"
#include "core/input/limits.h"
#include "core/input/number.h"
#include "core/base/utf8.h"

static void test_limits_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t length; /* 0: strlen */
        int valid;
        size_t bad;
    } cases[] = {
        {"", 0, 1, 0},
        {"plain ASCII, with \t and \x7f", 0, 1, 0},
        {"d\xc3\xa9j\xc3\xa0", 0, 1, 0},               /* 2 bytes */
        {"\xe2\x82\xac \xef\xbf\xbf", 0, 1, 0},        /* U+20AC, U+FFFF */
        {"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 0, 1, 0}, /* U+10000, U+10FFFF */
        {"\xed\x9f\xbf\xee\x80\x80", 0, 1, 0},         /* U+D7FF, U+E000: either side of the surrogates */
        {"\xff", 0, 0, 0},
        {"ab\x80", 0, 0, 2},           /* a continuation byte alone */
        {"\xc0\x80", 0, 0, 0},         /* overlong NUL */
        {"\xc1\xbf", 0, 0, 0},         /* overlong */
        {"\xe0\x9f\xbf", 0, 0, 0},     /* overlong 3 bytes */
        {"\xf0\x8f\xbf\xbf", 0, 0, 0}, /* overlong 4 bytes */
        {"x\xed\xa0\x80", 0, 0, 1},    /* a surrogate, U+D800 */
        {"\xed\xbf\xbf", 0, 0, 0},     /* U+DFFF */
        {"\xf4\x90\x80\x80", 0, 0, 0}, /* U+110000 */
        {"\xf5\x80\x80\x80", 0, 0, 0},
        {"abc\xe2\x82", 0, 0, 3},      /* cut short */
        {"\xe2\x28\xa1", 0, 0, 0},     /* a second byte that does not continue */
        {"a\xe2\x82\x28", 0, 0, 1},    /* nor a third: below the continuation bytes */
        {"\xf0\x90\x80\xc0", 0, 0, 0}, /* nor a fourth: above them */
        {"a\0b", 3, 0, 1},             /* NUL: PostgreSQL and jansson refuse it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t length = cases[i].length ? cases[i].length : strlen(cases[i].text), bad = 99;
        int valid = tc_utf8_valid(cases[i].text, length, &bad);
        if (valid != cases[i].valid || (!valid && bad != cases[i].bad))
            fail_msg("case %zu: valid %d (expected %d), bad %zu (expected %zu)", i, valid, cases[i].valid,
                     bad, cases[i].bad);
    }
    assert_int_equal(tc_utf8_valid("\xff", 1, NULL), 0);
}

static void test_limits_integers(void **state)
{
    (void)state;
    long long v = 42;
    assert_int_equal(tc_parse_integer("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(tc_parse_integer("9223372036854775807", 1, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(tc_parse_integer("-9223372036854775808", INT64_MIN, 0, &v), 0);
    assert_true(v == INT64_MIN);
    static const char *const refused[] = {"",
                                          "-",
                                          " 1",
                                          "1 ",
                                          "+1",
                                          "0x1A",
                                          "1e3",
                                          "1.0",
                                          "--1",
                                          "1-",
                                          "99999999999999999999",
                                          "9223372036854775808",
                                          "-9223372036854775809",
                                          "11",
                                          "-1"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        v = 42;
        if (tc_parse_integer(refused[i], 0, i < 13 ? INT64_MAX : 10, &v) != TC_EINVAL || v != 42)
            fail_msg("'%s' was taken as %lld", refused[i], v);
    }
}

static void test_limits_reals(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value;
    } taken[] = {{"0", 0},       {"-1.5", -1.5}, {"12.5", 12.5}, {"1e3", 1000},   {"1E+3", 1000},
                 {"25e-1", 2.5}, {"0.0", 0},     {"-0", 0},      {"1e308", 1e308}};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        double v = -99;
        if (tc_parse_real(taken[i].text, &v) != 0 || v != taken[i].value)
            fail_msg("'%s' gave %g", taken[i].text, v);
    }
    static const char *const refused[] = {"",     ".5",    "1.",     "1e",     "1e+", "+1",
                                          " 1",   "1 ",    "0x10",   "nan",    "NaN", "inf",
                                          "-inf", "1e400", "-1e400", "1e-400", "1,5", "--1"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        double v = -99;
        if (tc_parse_real(refused[i], &v) != TC_EINVAL || v != -99)
            fail_msg("'%s' was taken as %g", refused[i], v);
    }
}

static void test_limits_text_and_json(void **state)
{
    (void)state;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_limit_text("--reason", "four", 4, &err), 0);
    assert_int_equal(tc_limit_text("--reason", "fives", 4, &err), TC_EINVAL);
    assert_string_equal(err.text, "--reason is 5 bytes, more than the 4 allowed");
    tc_error_init(&err);
    assert_int_equal(tc_limit_text("--title", "ok\xc3", 100, &err), TC_EINVAL);
    assert_string_equal(err.text, "--title is not valid UTF-8 (byte 3)");

    /* As jsonb prints it: ", " and ": ", escapes; never less than PostgreSQL's own text. */
    json_t *v = json_pack("{s:i, s:[i, s, b, n]}", "a", 1, "b", 2, "x\"y\n\x01", 0);
    assert_int_equal(tc_json_size(v), strlen("{\"a\": 1, \"b\": [2, \"x\\\"y\\n\\u0001\", false, null]}"));
    json_decref(v);
    v = json_string("\b\f\r\t\\"); /* "\b\f\r\t\\" */
    assert_int_equal(tc_json_size(v), 12);
    json_decref(v);
    v = json_real(1e300); /* numeric prints a 1 and 300 zeros */
    assert_true(tc_json_size(v) >= 301);
    json_decref(v);
    v = json_real(12.5);
    assert_int_equal(tc_json_size(v), 4);
    tc_error_init(&err);
    assert_int_equal(tc_limit_json("--data", v, 4, &err), 0);
    assert_int_equal(tc_limit_json("--data", v, 3, &err), TC_EINVAL);
    assert_string_equal(err.text, "--data is 4 bytes as JSON, more than the 3 allowed");
    json_decref(v);
}

static void test_limits_actor_names(void **state)
{
    (void)state;
    static const char *const seats[] = {"secretariat",
                                        "council/KZ",
                                        "a",
                                        "border_service/kz-1_X",
                                        "a23456789012345678901234567890123456789012345678901234567890123",
                                        "r/12345678901234567890123456789012"};
    for (size_t i = 0; i < sizeof seats / sizeof seats[0]; i++)
        if (tc_seat_name_check(seats[i], NULL) != 0)
            fail_msg("seat %s refused", seats[i]);
    static const char *const not_seats[] = {
        "",
        "Council",
        "1council",
        "_x",
        "council/",
        "council/K Z",
        "council/KZ/RU",
        "council-x",
        "council/KZ\n",
        "a234567890123456789012345678901234567890123456789012345678901234",
        "r/123456789012345678901234567890123",
        "\xff"};
    for (size_t i = 0; i < sizeof not_seats / sizeof not_seats[0]; i++)
        if (tc_seat_name_check(not_seats[i], NULL) != TC_EINVAL)
            fail_msg("seat %s taken", not_seats[i]);
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_seat_name_check("Bad Seat", &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "'Bad Seat' is not a seat: ROLE or ROLE/PARTY"));

    assert_int_equal(tc_organisation_check("UNODC", NULL), 0);
    assert_int_equal(tc_organisation_check("un-odc_2", NULL), 0);
    assert_int_equal(tc_organisation_check("", NULL), TC_EINVAL);
    assert_int_equal(tc_organisation_check("UN ODC", NULL), TC_EINVAL);
    assert_int_equal(tc_organisation_check("a/b", NULL), TC_EINVAL);
    assert_int_equal(tc_organisation_check("123456789012345678901234567890123", NULL), TC_EINVAL);
    tc_error_init(&err);
    assert_int_equal(tc_organisation_check("UN\xff", &err), TC_EINVAL);
    assert_string_equal(err.text, "an organisation is not valid UTF-8 (byte 3)");
    tc_error_init(&err);
    assert_int_equal(tc_organisation_check("UN ODC", &err), TC_EINVAL);
    assert_string_equal(err.text, "'UN ODC' is not an organisation: 1 to 32 of A-Z, a-z, 0-9, _ and -");
    assert_int_equal(tc_seat_name_check("{council", NULL), TC_EINVAL); /* past 'z' */
    assert_int_equal(tc_seat_name_check("council/{KZ", NULL), TC_EINVAL);

    assert_int_equal(tc_role_name_check("kz_delegate", NULL), 0);
    assert_int_equal(tc_role_name_check("d\xc3\xa9l\xc3\xa9gu\xc3\xa9 KZ", NULL), 0);
    assert_int_equal(
        tc_role_name_check("a23456789012345678901234567890123456789012345678901234567890123", NULL), 0);
    tc_error_init(&err);
    assert_int_equal(
        tc_role_name_check("a234567890123456789012345678901234567890123456789012345678901234", &err),
        TC_EINVAL);
    assert_string_equal(err.text, "a role name is 64 bytes, more than the 63 allowed");
    assert_int_equal(tc_role_name_check("", NULL), TC_EINVAL);
    tc_error_init(&err);
    assert_int_equal(tc_role_name_check("a\nb", &err), TC_EINVAL);
    assert_string_equal(err.text, "a role name cannot contain control characters");
    assert_int_equal(tc_role_name_check("a\x7f", NULL), TC_EINVAL); /* DEL */
    tc_error_init(&err);
    assert_int_equal(tc_role_name_check("", &err), TC_EINVAL);
    assert_string_equal(err.text, "a role name cannot be empty");
    assert_int_equal(tc_role_name_check("\xff", NULL), TC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_utf8),        cmocka_unit_test(test_limits_integers),
        cmocka_unit_test(test_limits_reals),       cmocka_unit_test(test_limits_text_and_json),
        cmocka_unit_test(test_limits_actor_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
