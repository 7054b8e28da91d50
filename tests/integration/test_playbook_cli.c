/*
 * tocsin playbook validate and graph, as a user runs them: every invalid
 * fixture gives exactly its expected lines and exit 3; the examples validate;
 * graphs come out in both languages. No database is involved.
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
        fail_msg("cannot open %s", path);
    char *text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void in_source_dir(const char *sub)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", th_env("TOCSIN_SOURCE_DIR"), sub);
    if (chdir(path) != 0)
        fail_msg("cannot enter %s", path);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_playbook_cli_invalid_fixtures(void **state)
{
    (void)state;
    in_source_dir("tests/data/playbooks/invalid");
    DIR *d = opendir(".");
    assert_non_null(d);
    char *names[512];
    size_t count = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL && count < 512) {
        size_t n = strlen(ent->d_name);
        if (n > 5 && strcmp(ent->d_name + n - 5, ".json") == 0)
            names[count++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, by_name);
    assert_true(count >= 40);

    for (size_t i = 0; i < count; i++) {
        char expected_path[600];
        snprintf(expected_path, sizeof expected_path, "%.*s.expected", (int)(strlen(names[i]) - 5), names[i]);
        char *expected = slurp(expected_path);
        assert_true(strlen(expected) > 0);
        th_run r;
        th_tocsin(&r, NULL, (const char *[]){"playbook", "validate", names[i], NULL});
        if (r.status != 3 || strcmp(r.err, expected) != 0)
            fail_msg("%s: exit %d\nexpected:\n%sgot:\n%s", names[i], r.status, expected, r.err);
        assert_string_equal(r.out, "");
        th_run_free(&r);
        free(expected);
        free(names[i]);
    }
}

static void test_playbook_cli_examples_validate(void **state)
{
    (void)state;
    in_source_dir("");
    th_run r;
    th_tocsin(&r, NULL,
              (const char *[]){"playbook", "validate", "workflows/collective-response.json",
                               "workflows/counter-narcotics.json", "workflows/border-incident.json",
                               "workflows/playbook.schema.json",
                               "workflows/drills/collective-response-drill.json", NULL});
    /* The JSON Schema beside the playbooks is skipped, not failed. */
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_true(th_contains(r.out, "workflows/border-incident.json: valid playbook border-incident"));
    assert_true(
        th_contains(r.out, "workflows/playbook.schema.json: skipped (a JSON Schema, not a playbook)"));
    assert_int_equal(th_line_count(r.out), 5);
    th_run_free(&r);
}

static void test_playbook_cli_mixed_files_exit_3(void **state)
{
    (void)state;
    in_source_dir("");
    th_run r;
    th_tocsin(&r, NULL,
              (const char *[]){"playbook", "validate", "workflows/border-incident.json",
                               "tests/data/playbooks/invalid/unknown-role.json", "no/such/file.json", NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.out, "valid playbook border-incident"));
    assert_true(
        th_contains(r.err, "unknown-role.json: $.states.assess.assignee: unknown role \"secretariatt\"\n"));
    assert_true(th_contains(r.err, "cannot open no/such/file.json: No such file or directory\n"));
    th_run_free(&r);
}

static void test_playbook_cli_validate_json(void **state)
{
    (void)state;
    in_source_dir("tests/data/playbooks/invalid");
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"playbook", "validate", "--json", "several-problems.json", NULL});
    assert_int_equal(r.status, 3);
    json_error_t jerr;
    json_t *doc = json_loads(r.out, 0, &jerr);
    assert_non_null(doc);
    assert_true(json_is_false(json_object_get(doc, "valid")));
    json_t *file = json_array_get(json_object_get(doc, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(file, "file")), "several-problems.json");
    json_t *errors = json_object_get(file, "errors");
    assert_int_equal(json_array_size(errors), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "where")),
                        "$.states.assess.assignee");
    json_decref(doc);
    th_run_free(&r);

    th_tocsin(&r, NULL,
              (const char *[]){"playbook", "validate", "--json", "syntax-trailing-comma.json", NULL});
    doc = json_loads(r.out, 0, &jerr);
    assert_non_null(doc);
    json_t *error =
        json_array_get(json_object_get(json_array_get(json_object_get(doc, "files"), 0), "errors"), 0);
    assert_int_equal(json_integer_value(json_object_get(error, "line")), 4);
    json_decref(doc);
    th_run_free(&r);
}

static void test_playbook_cli_graph(void **state)
{
    (void)state;
    in_source_dir("");
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"playbook", "graph", "workflows/collective-response.json", NULL});
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "digraph \"collective-response\" {", 31) == 0);
    assert_true(th_contains(r.out, "subgraph \"cluster_"));
    assert_true(th_contains(r.out, "deadline "));
    th_run_free(&r);

    th_tocsin(&r, NULL,
              (const char *[]){"playbook", "graph", "--format", "mermaid", "workflows/counter-narcotics.json",
                               NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "flowchart TD"));
    assert_true(th_contains(r.out, "subgraph"));
    th_run_free(&r);

    th_tocsin(&r, NULL, (const char *[]){"playbook", "graph", "--format", "svg", "workflows/x.json", NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.err, "unknown graph format 'svg'"));
    th_run_free(&r);

    th_tocsin(&r, NULL,
              (const char *[]){"playbook", "graph", "tests/data/playbooks/invalid/unknown-role.json", NULL});
    assert_int_equal(r.status, 3);
    assert_string_equal(r.out, "");
    th_run_free(&r);
}

static void test_playbook_cli_usage(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"playbook", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);
    th_tocsin(&r, NULL, (const char *[]){"playbook", "validate", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);
    th_tocsin(&r, NULL, (const char *[]){"playbook", "frob", NULL});
    assert_int_equal(r.status, 2);
    assert_true(th_contains(r.err, "unknown playbook subcommand 'frob'"));
    th_run_free(&r);
    th_tocsin(&r, NULL, (const char *[]){"playbook", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "tocsin playbook validate workflows/*.json"));
    th_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_playbook_cli_invalid_fixtures),
        cmocka_unit_test(test_playbook_cli_examples_validate),
        cmocka_unit_test(test_playbook_cli_mixed_files_exit_3),
        cmocka_unit_test(test_playbook_cli_validate_json),
        cmocka_unit_test(test_playbook_cli_graph),
        cmocka_unit_test(test_playbook_cli_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
