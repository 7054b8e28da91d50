/*
 * `tocsin list` with its filters against a real server: by status, playbook,
 * party, mode, severity and time (an ISO 8601 time or a duration back from
 * now), combined, each crisis through exactly the filters it matches; a
 * value a filter does not take is exit 2, before the database is asked.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db;

static void load(const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", th_env("TOCSIN_SOURCE_DIR"), file);
    th_run_ok(db, (const char *[]){"playbook", "load", path, NULL});
}

/*
 * 1: council of every party, actual, unknown severity (the default); 2: council of RU and AM, an exercise;
 * 3: border-incident (every party), severe, opened ten days ago; 4: council, cancelled.
 */
static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    load("tests/data/playbooks/valid/council.json");
    load("workflows/border-incident.json");
    th_run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"trigger", "council", "--parties", "RU,AM", "--mode", "exercise",
                                   "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"trigger", "border-incident", "--input", "sector=Panj", "--input",
                                   "incident_type=smuggling", "--severity", "severe", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", NULL});
    th_run_ok(db, (const char *[]){"cancel", "4", "--reason", "opened twice", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", NULL});
    th_exec(db, "UPDATE tocsin.crises SET created_at = now() - interval '10 days' WHERE id = 3");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_db_drop(db);
    return 0;
}

/* The ids `tocsin list ARGS --json` gives, "3,1" (newest first). */
static char *ids(const char *const *args)
{
    const char *argv[24] = {"list"};
    int n = 1;
    for (int i = 0; args[i] != NULL; i++)
        argv[n++] = args[i];
    argv[n++] = "--json";
    th_run r;
    th_tocsin(&r, db, argv);
    if (r.status != 0)
        fail_msg("list: exit %d: %s", r.status, r.err);
    json_t *doc = json_loads(r.out, 0, NULL);
    char out[256] = "";
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "crises"), i, c)
    {
        size_t used = strlen(out);
        snprintf(out + used, sizeof out - used, "%s%lld", i ? "," : "",
                 (long long)json_integer_value(json_object_get(c, "id")));
    }
    json_decref(doc);
    th_run_free(&r);
    return strdup(out);
}

static void expect_ids(const char *want, const char *const *args)
{
    char *got = ids(args);
    if (strcmp(got, want) != 0)
        fail_msg("list %s %s %s %s: %s, expected %s", args[0] ? args[0] : "",
                 args[0] && args[1] ? args[1] : "", args[0] && args[1] && args[2] ? args[2] : "",
                 args[0] && args[1] && args[2] && args[3] ? args[3] : "", got, want);
    free(got);
}

static void test_list_filters(void **state)
{
    (void)state;
    expect_ids("3,2,1", (const char *[]){NULL});
    expect_ids("4,3,2,1", (const char *[]){"--status", "all", NULL});
    expect_ids("4", (const char *[]){"--status", "cancelled", NULL});
    expect_ids("4,2,1", (const char *[]){"--status", "all", "--playbook", "council", NULL});
    expect_ids("3", (const char *[]){"--playbook", "border-incident", NULL});
    expect_ids("", (const char *[]){"--playbook", "no-such-playbook", NULL});
    expect_ids("2", (const char *[]){"--mode", "exercise", NULL});
    expect_ids("3,1", (const char *[]){"--mode", "actual", NULL});
    expect_ids("3", (const char *[]){"--severity", "severe", NULL});
    expect_ids("3,2,1", (const char *[]){"--party", "RU", NULL}); /* 3 concerns every party */
    expect_ids("2,1", (const char *[]){"--party", "AM", "--playbook", "council", NULL});
    expect_ids("3,1", (const char *[]){"--party", "TJ", NULL});
    expect_ids("2,1", (const char *[]){"--since", "P7D", NULL});
    expect_ids("3", (const char *[]){"--until", "P7D", NULL});
    expect_ids("3,2,1", (const char *[]){"--since", "2000-01-01", NULL});
    expect_ids("", (const char *[]){"--until", "2000-01-01T00:00Z", NULL});
    /* Combined: every one must hold. */
    expect_ids("1", (const char *[]){"--party", "TJ", "--mode", "actual", "--since", "P1D", NULL});
    expect_ids("4,1", (const char *[]){"--status", "all", "--party", "KZ", "--playbook", "council", NULL});
    expect_ids("2", (const char *[]){"--limit", "1", "--since", "P7D", NULL});
}

static void test_list_bad_filters(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        const char *says;
    } cases[] = {
        {{"--mode", "drill", NULL}, "--mode is actual, exercise or test, not 'drill'"},
        {{"--severity", "high", NULL}, "--severity is extreme, severe, moderate, minor or unknown"},
        {{"--since", "yesterday", NULL}, "--since takes an ISO 8601 time"},
        {{"--until", "2025-12-05T10:00", NULL}, "--until takes an ISO 8601 time"},
        {{"--status", "open", NULL}, "--status is active, closed, cancelled or all"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_run r;
        th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999",
                  (const char *[]){"list", cases[i].args[0], cases[i].args[1], NULL});
        if (r.status != 2 || !th_contains(r.err, cases[i].says) || th_line_count(r.err) != 1)
            fail_msg("list %s %s: exit %d: %s", cases[i].args[0], cases[i].args[1], r.status, r.err);
        th_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_list_bad_filters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
