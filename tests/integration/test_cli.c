/* The command line itself: help, version, usage errors, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

    /* Numbers out of range, or not numbers, before any connection is tried. */
    static const char *const numbers[][4] = {{"engine", "--workers", "0", NULL},
                                             {"engine", "--workers", "17", NULL},
                                             {"engine", "--batch", "x", NULL},
                                             {"engine", "--notify-limit", "0", NULL},
                                             {"engine", "--notify-timeout", "3601", NULL},
                                             {"list", "--limit", "100001", NULL}};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999", numbers[i]);
        assert_int_equal(r.status, 2);
        char want[64];
        snprintf(want, sizeof want, "%s takes a number from 1 to ", numbers[i][1]);
        if (!th_contains(r.err, want) || th_line_count(r.err) != 1)
            fail_msg("tocsin %s %s %s: %s", numbers[i][0], numbers[i][1], numbers[i][2], r.err);
        th_run_free(&r);
    }
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

static char *slurp(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", th_env("TOCSIN_SOURCE_DIR"), name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char *text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Every command of --help is in the man page and in the bash completion. */
static void test_cli_commands_documented(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"--help", NULL});
    char *man = slurp("docs/tocsin.1"), *completion = slurp("scripts/tocsin.bash");
    char *commands = strstr(r.out, "Commands:\n");
    assert_non_null(commands);
    int seen = 0;
    for (char *line = strtok(commands + 10, "\n"); line && strncmp(line, "  ", 2) == 0;
         line = strtok(NULL, "\n")) {
        char name[32];
        if (sscanf(line, " %31s", name) != 1)
            continue;
        char needle[48];
        snprintf(needle, sizeof needle, "B %s", name);
        if (strstr(man, needle) == NULL && strstr(man, name) == NULL)
            fail_msg("docs/tocsin.1 does not mention %s", name);
        /* the completion's list of commands: local commands="a b c" */
        char *list = strstr(completion, "local commands=\"");
        assert_non_null(list);
        char words[1024];
        snprintf(words, sizeof words, " %.*s ", (int)(strchr(list + 16, '"') - (list + 16)), list + 16);
        snprintf(needle, sizeof needle, " %s ", name);
        if (strstr(words, needle) == NULL)
            fail_msg("scripts/tocsin.bash does not complete %s", name);
        seen++;
    }
    assert_true(seen >= 15);
    free(man);
    free(completion);
    th_run_free(&r);
}

/* Every command that needs the database says so in one line, exit 7, when it is not there. */
static void test_cli_dead_database_is_exit_7(void **state)
{
    (void)state;
    static const char *const commands[][6] = {
        {"migrate", NULL},
        {"playbook", "list", NULL},
        {"playbook", "show", "x", NULL},
        {"trigger", "x", NULL},
        {"list", NULL},
        {"show", "1", NULL},
        {"vote", "1", "approve", NULL},
        {"approve", "1", NULL},
        {"complete", "1", NULL},
        {"ack", "1", NULL},
        {"escalate", "1", NULL},
        {"cancel", "1", "--reason", "r", NULL},
        {"audit", "1", NULL},
        {"audit", "verify", NULL},
        {"watch", "1", NULL},
        {"engine", "--once", NULL},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        th_run r;
        th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999", commands[i]);
        if (r.status != 7 || strncmp(r.err, "cannot connect to database: ", 28) != 0 ||
            th_line_count(r.err) != 1)
            fail_msg("tocsin %s %s: exit %d, stderr: %s", commands[i][0],
                     commands[i][1] ? commands[i][1] : "", r.status, r.err);
        th_run_free(&r);
    }
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
        cmocka_unit_test(test_cli_commands_documented),
        cmocka_unit_test(test_cli_dead_database_is_exit_7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
