/* The command line itself: help, version, usage errors, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static void test_cli_help(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"--help", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "usage: tocsin"));
    assert_true(th_contains(r.out, "migrate"));
    assert_true(th_contains(r.out, "Exit codes"));
    assert_string_equal(r.err, "");
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"help", "migrate", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "usage: tocsin migrate"));
    th_run_free(&r);
}

static void test_cli_no_command_is_usage(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.out, "usage: tocsin"));
    th_run_free(&r);
}

static void test_cli_version(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"--version", NULL});
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "tocsin ", 7) == 0);
    assert_true(r.out[7] >= '0' && r.out[7] <= '9');
    assert_int_equal(th_line_count(r.out), 1);
    th_run_free(&r);
}

static void test_cli_unknown_command_is_exit_2(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"frobnicate", NULL});
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "unknown command 'frobnicate'; see 'tocsin --help'\n");
    assert_string_equal(r.out, "");
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"help", "frobnicate", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);
}

static void test_cli_unknown_option_is_exit_2(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"--frob", "migrate", NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.err, "unknown option '--frob'"));
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"migrate", "--frob", NULL});
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "unknown option '--frob'; see 'tocsin migrate --help'\n");
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"migrate", "-x", NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.err, "unknown option '-x'"));
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"migrate", "--dir", NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.err, "option '--dir' needs a value"));
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"--db", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"migrate", "extra", NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.err, "unexpected argument 'extra'"));
    th_run_free(&r);
}

static void test_cli_command_help_has_example(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"migrate", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "usage: tocsin migrate"));
    assert_true(th_contains(r.out, "Example"));
    th_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_help),
        cmocka_unit_test(test_cli_no_command_is_usage),
        cmocka_unit_test(test_cli_version),
        cmocka_unit_test(test_cli_unknown_command_is_exit_2),
        cmocka_unit_test(test_cli_unknown_option_is_exit_2),
        cmocka_unit_test(test_cli_command_help_has_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
