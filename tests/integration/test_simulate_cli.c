/*
 * tocsin simulate as a user runs it: every script in tests/data/simulate/
 * (NAME-SCENARIO.json, for workflows/NAME.json) gives exactly its expected
 * timeline; --json carries the keys of the contract; bad input exits 3 or 2.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void in_source_dir(void)
{
    if (chdir(th_env("TOCSIN_SOURCE_DIR")) != 0)
        fail_msg("cannot enter the source directory");
}

/* The workflow a script is for: the longest NAME with workflows/NAME.json. */
static int playbook_for(const char *script, char *out, size_t size)
{
    char name[256];
    snprintf(name, sizeof name, "%s", script);
    char *dash;
    while ((dash = strrchr(name, '-')) != NULL) {
        *dash = '\0';
        snprintf(out, size, "workflows/%s.json", name);
        if (access(out, R_OK) == 0)
            return 0;
    }
    return -1;
}

static void test_simulate_cli_every_script_gives_its_timeline(void **state)
{
    (void)state;
    in_source_dir();
    DIR *d = opendir("tests/data/simulate");
    assert_non_null(d);
    struct dirent *ent;
    int scripts = 0;
    int covered[3] = {0};
    static const char *const workflows[] = {"collective-response", "counter-narcotics", "border-incident"};
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 5, ".json") != 0)
            continue;
        char script[512], expected_path[512], playbook[512];
        snprintf(script, sizeof script, "tests/data/simulate/%s", ent->d_name);
        snprintf(expected_path, sizeof expected_path, "tests/data/simulate/%.*s.expected", (int)(n - 5),
                 ent->d_name);
        if (playbook_for(ent->d_name, playbook, sizeof playbook) != 0)
            fail_msg("%s: no workflows/NAME.json for it", ent->d_name);
        char *expected = slurp(expected_path);
        if (expected == NULL)
            fail_msg("%s has no %s", script, expected_path);
        th_run r;
        th_tocsin(&r, NULL, (const char *[]){"simulate", playbook, "--script", script, NULL});
        if (r.status != 0 || strcmp(r.out, expected) != 0)
            fail_msg("%s: exit %d, stderr: %s\n--- expected\n%s--- got\n%s", script, r.status, r.err,
                     expected, r.out);
        for (int w = 0; w < 3; w++)
            if (strstr(playbook, workflows[w]) != NULL)
                covered[w]++;
        th_run_free(&r);
        free(expected);
        scripts++;
    }
    closedir(d);
    for (int w = 0; w < 3; w++)
        if (covered[w] == 0)
            fail_msg("no simulate script for workflows/%s.json", workflows[w]);
    assert_true(scripts >= 3);
}

static void test_simulate_cli_json(void **state)
{
    (void)state;
    char *dir = th_tempdir();
    char playbook[4096], script[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/playbooks/valid/council.json",
             th_env("TOCSIN_SOURCE_DIR"));
    th_write_file(
        dir, "s.json",
        "{\"events\": [{\"at\": \"PT1H\", \"vote\": \"approve\", \"state\": \"consensus\", \"party\": \"KZ\","
        " \"reason\": \"yes\"}, {\"at\": \"PT2H\", \"vote\": \"reject\", \"state\": \"consensus\","
        " \"party\": \"RU\", \"as\": \"kz\"}], \"actors\": {\"kz\": [\"council/KZ\"]}, \"until\": "
        "\"PT12H\"}");
    snprintf(script, sizeof script, "%s/s.json", dir);
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"simulate", playbook, "--script", script, "--json", NULL});
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    static const char *const keys[] = {"status", "outcome", "severity", "escalation_level",
                                       "active", "data",    "timeline"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(doc, keys[i]) == NULL)
            fail_msg("--json lacks %s", keys[i]);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "active");
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "active"), 0)), "consensus");
    json_t *timeline = json_object_get(doc, "timeline");
    int refused = 0, votes = 0;
    size_t i;
    json_t *line;
    json_array_foreach(timeline, i, line)
    {
        const char *kind = json_string_value(json_object_get(line, "kind"));
        refused += strcmp(kind, "refused") == 0;
        if (strcmp(kind, "vote") == 0) {
            votes++;
            assert_int_equal(json_integer_value(json_object_get(line, "t")), 3600);
        }
    }
    assert_int_equal(votes, 1);
    assert_int_equal(refused, 1); /* kz holds no RU seat */
    json_decref(doc);
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
}

static void test_simulate_cli_bad_input(void **state)
{
    (void)state;
    char *dir = th_tempdir();
    char playbook[4096], script[4096], bad_playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/playbooks/valid/council.json",
             th_env("TOCSIN_SOURCE_DIR"));
    snprintf(bad_playbook, sizeof bad_playbook, "%s/tests/data/playbooks/invalid/unknown-role.json",
             th_env("TOCSIN_SOURCE_DIR"));
    snprintf(script, sizeof script, "%s/s.json", dir);
    th_run r;

    th_write_file(dir, "s.json",
                  "{\"events\": [{\"at\": \"PT1H\", \"vote\": \"maybe\", \"state\": \"consensus\"}]}");
    th_tocsin(&r, NULL, (const char *[]){"simulate", playbook, "--script", script, NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "$.events[0].vote: approve, reject or abstain"));
    th_run_free(&r);

    th_write_file(dir, "s.json", "{\"events\": [], \"inputs\": {\"rule\": 5}}");
    th_tocsin(&r, NULL, (const char *[]){"simulate", playbook, "--script", script, NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "input rule must be a string"));
    th_run_free(&r);

    th_write_file(dir, "s.json", "{\"events\": [}");
    th_tocsin(&r, NULL, (const char *[]){"simulate", playbook, "--script", script, NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "line 1, column"));
    th_run_free(&r);

    th_write_file(dir, "s.json", "{\"events\": []}");
    th_tocsin(&r, NULL, (const char *[]){"simulate", bad_playbook, "--script", script, NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "unknown role"));
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"simulate", playbook, NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulate_cli_every_script_gives_its_timeline),
        cmocka_unit_test(test_simulate_cli_json),
        cmocka_unit_test(test_simulate_cli_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
