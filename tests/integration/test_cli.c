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

/*
 * Text that is not UTF-8 or longer than its limit (core/input/limits.h), and numbers
 * out of range, are refused before any connection is tried (the database here
 * is dead: trying would be exit 7), with one line: exit 3, or 2 for a crisis
 * ID (a usage error, like any malformed ID). Before, \xff as a reason was a
 * vote "holding no seat" and a cancel without its reason, and IDs clamped to
 * 9223372036854775807.
 */
static void test_cli_bad_text_and_numbers(void **state)
{
    (void)state;
    char reason[16386], title[1026], key[258];
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    memset(title, 't', sizeof title - 1);
    title[sizeof title - 1] = '\0';
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    static const struct {
        int status;
        const char *err;
        const char *args[8];
    } cases[] = {
        {3, "--reason is not valid UTF-8 (byte 1)\n", {"vote", "1", "approve", "--reason", "\xff", NULL}},
        {3, "--reason is not valid UTF-8 (byte 4)\n", {"cancel", "1", "--reason", "abc\xc3", NULL}},
        {3, "--reason is not valid UTF-8 (byte 2)\n", {"escalate", "1", "--reason=a\xc0\x80", NULL}},
        {3, "--title is not valid UTF-8 (byte 1)\n", {"trigger", "council", "--title", "\xff", NULL}},
        {3,
         "--input is not valid UTF-8 (byte 3)\n",
         {"trigger", "council", "--input", "a=\xed\xa0\x80", NULL}},
        {3,
         "--inputs is not valid UTF-8 (byte 8)\n",
         {"trigger", "council", "--inputs", "{\"a\": \"\xf5\"}", NULL}},
        {3,
         "--data is not valid UTF-8 (byte 8)\n",
         {"complete", "1", "--data", "{\"a\": \"\xe2\x82\"}", NULL}},
        {3, "--key is not valid UTF-8 (byte 1)\n", {"approve", "1", "--key", "\x80", NULL}},
        {3, "--state is not valid UTF-8 (byte 1)\n", {"ack", "1", "--state", "\xf4\x90\x80\x80", NULL}},
        {3, "--as is not valid UTF-8 (byte 1)\n", {"--as", "\xff", "list", NULL}},
        {3, "--as is not valid UTF-8 (byte 1)\n", {"list", "--as", "\xff", NULL}},
        {3, "the playbook name is not valid UTF-8 (byte 1)\n", {"trigger", "\xff", NULL}},
        {2,
         "'99999999999999999999' is not a crisis ID (a whole number from 1 to 9223372036854775807); see",
         {"show", "99999999999999999999", NULL}},
        {2, "'9223372036854775808' is not a crisis ID", {"approve", "9223372036854775808", NULL}},
        {2, "'-1' is not a crisis ID", {"watch", "--", "-1", NULL}},
        {2, "'+1' is not a crisis ID", {"audit", "+1", NULL}},
        {2, "' 1' is not a crisis ID", {"audit", "verify", " 1", NULL}},
        {2, "'0x1' is not a crisis ID", {"cancel", "0x1", "--reason", "r", NULL}},
        {2,
         "--wait takes a number of seconds from 0 to 86400, not 'nan'",
         {"ack", "1", "--wait", "nan", NULL}},
        {2,
         "--limit takes a number from 1 to 100000, not '99999999999999999999'",
         {"list", "--limit", "99999999999999999999", NULL}},
        {2, "cancel needs --reason TEXT", {"cancel", "1", "--reason", "", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_run r;
        th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999", cases[i].args);
        if (r.status != cases[i].status || strncmp(r.err, cases[i].err, strlen(cases[i].err)) != 0 ||
            th_line_count(r.err) != 1)
            fail_msg("case %zu: tocsin %s %s: exit %d (expected %d), stderr: %s", i, cases[i].args[0],
                     cases[i].args[1], r.status, cases[i].status, r.err);
        th_run_free(&r);
    }
    /* Longer than the limits: a reason 16 KiB, a title 1 KiB, a key 256 bytes. */
    const struct {
        const char *err;
        const char *args[6];
    } sizes[] = {
        {"--reason is 16385 bytes, more than the 16384 allowed\n",
         {"vote", "1", "reject", "--reason", reason}},
        {"--title is 1025 bytes, more than the 1024 allowed\n", {"trigger", "council", "--title", title}},
        {"--key is 257 bytes, more than the 256 allowed\n", {"ack", "1", "--key", key}},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        th_run r;
        th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999", sizes[i].args);
        if (r.status != 3 || strcmp(r.err, sizes[i].err) != 0)
            fail_msg("tocsin %s: exit %d, stderr: %s", sizes[i].args[0], r.status, r.err);
        th_run_free(&r);
    }
}

/* A file of size bytes: a valid playbook (council.json with a title long enough), or a simulate script. */
static void write_sized(const char *dir, const char *name, size_t size, int playbook)
{
    const char *head = playbook
                           ? "{\"format\": \"tocsin-playbook/1\", \"name\": \"big\", \"parties\": [\"KZ\"],"
                             " \"roles\": {\"s\": {\"title\": \"S\"}}, \"start\": \"done\","
                             " \"states\": {\"done\": {\"type\": \"end\"}}, \"title\": \""
                           : "{\"events\": [], \"parties\": [\"";
    const char *tail = playbook ? "\"}" : "\"]}";
    char *text = malloc(size + 1);
    size_t fill = size - strlen(head) - strlen(tail);
    memcpy(text, head, strlen(head));
    memset(text + strlen(head), 'x', fill);
    memcpy(text + strlen(head) + fill, tail, strlen(tail) + 1);
    th_write_file(dir, name, text);
    free(text);
}

/*
 * The size limits of files and JSON arguments, and duplicate keys in JSON the
 * CLI takes, refused before any connection (exit 3, one line): a playbook is
 * at most 1 MiB of source (validate, load, graph, simulate), a simulate script
 * 1 MiB, --data 64 KiB as the database would store it. Before, a 50 MB playbook
 * loaded and slowed every command on its crises, and --data took a key twice.
 */
static void test_cli_sizes_and_duplicate_keys(void **state)
{
    (void)state;
    const char *dead = "host=/nonexistent-tocsin-socket-dir port=5999";
    char *dir = th_tempdir();
    char at_limit[4096], over[4096], script[4096], big_script[4096], council[4096];
    snprintf(at_limit, sizeof at_limit, "%s/at-limit.json", dir);
    snprintf(over, sizeof over, "%s/over.json", dir);
    snprintf(script, sizeof script, "%s/script.json", dir);
    snprintf(big_script, sizeof big_script, "%s/big-script.json", dir);
    snprintf(council, sizeof council, "%s/tests/data/playbooks/valid/council.json",
             th_env("TOCSIN_SOURCE_DIR"));
    write_sized(dir, "at-limit.json", 1048576, 1);
    write_sized(dir, "over.json", 1048577, 1);
    write_sized(dir, "script.json", 1048576, 0);
    write_sized(dir, "big-script.json", 1048577, 0);

    th_run r;
    th_tocsin(&r, dead, (const char *[]){"playbook", "validate", at_limit, NULL});
    if (r.status != 0)
        fail_msg("a playbook of 1048576 bytes: exit %d, %s", r.status, r.err);
    th_run_free(&r);
    char want[4200];
    snprintf(want, sizeof want, "%s is more than 1048576 bytes, the most a playbook may have\n", over);
    const char *const *over_limit[] = {
        (const char *[]){"playbook", "validate", over, NULL},
        (const char *[]){"playbook", "load", over, NULL},
        (const char *[]){"playbook", "graph", over, NULL},
        (const char *[]){"simulate", over, "--script", script, NULL},
    };
    for (size_t i = 0; i < sizeof over_limit / sizeof over_limit[0]; i++) {
        th_tocsin(&r, dead, over_limit[i]);
        if (r.status != 3 || !th_contains(r.err, want) || th_line_count(r.err) != 1)
            fail_msg("tocsin %s %s: exit %d, stderr: %s", over_limit[i][0], over_limit[i][1], r.status,
                     r.err);
        th_run_free(&r);
    }
    /* A script at the limit runs (its parties are not the playbook's: exit 3 from the simulation, not the
     * size); one byte more is refused for its size. */
    th_tocsin(&r, dead, (const char *[]){"simulate", council, "--script", script, NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "has no party xxx"));
    th_run_free(&r);
    snprintf(want, sizeof want, "%s is more than 1048576 bytes, the most a simulate script may have\n",
             big_script);
    th_tocsin(&r, dead, (const char *[]){"simulate", council, "--script", big_script, NULL});
    if (r.status != 3 || strcmp(r.err, want) != 0)
        fail_msg("simulate with a big script: exit %d, stderr: %s", r.status, r.err);
    th_run_free(&r);

    /* --data: a key twice; 64 KiB as jsonb prints it (1e300 is 301 digits there, 5 bytes here). */
    th_tocsin(&r, dead, (const char *[]){"complete", "1", "--data", "{\"a\": 1, \"a\": 2}", NULL});
    if (r.status != 3 || !th_contains(r.err, "--data must be a JSON object: duplicate object key"))
        fail_msg("--data with a key twice: exit %d, stderr: %s", r.status, r.err);
    th_run_free(&r);
    char data[4096] = "[";
    for (int i = 0; i < 250; i++)
        strcat(data, i ? ", 1e300" : "1e300");
    char object[4200];
    snprintf(object, sizeof object, "{\"a\": %s]}", data);
    th_tocsin(&r, dead, (const char *[]){"complete", "1", "--data", object, NULL});
    if (r.status != 3 || !th_contains(r.err, "bytes as JSON, more than the 65536 allowed"))
        fail_msg("--data of 250 1e300: exit %d, stderr: %s", r.status, r.err);
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
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
    return th_read_file(path);
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
        {"show", "1", "--tz", "Asia/Dushanbe", NULL},
        {"todo", NULL},
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
        {"status", NULL},
        {"status", "--prometheus", NULL},
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
        cmocka_unit_test(test_cli_bad_text_and_numbers),
        cmocka_unit_test(test_cli_sizes_and_duplicate_keys),
        cmocka_unit_test(test_cli_command_help_has_example),
        cmocka_unit_test(test_cli_commands_documented),
        cmocka_unit_test(test_cli_dead_database_is_exit_7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
