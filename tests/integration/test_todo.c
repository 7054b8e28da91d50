/*
 * tocsin todo against a real server with an engine running: a delegate's
 * open parts (its seats only, not those it has voted), most urgent first,
 * --json with exactly the contract's keys, --as ROLE, roles that may not
 * read a crisis, and an empty todo.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db;
static th_proc *engine;
static char kz[64], am[64], observer[64];

static void expect_run(const char *role, int status, const char *const *args, const char *out,
                       const char *err)
{
    th_expect_tocsin(db, role, status, args, out, err);
}

/* The todo of role (NULL: the test's login) as JSON; fails unless it exits 0. */
static json_t *todo_json(const char *role, const char *as)
{
    char *info = role ? th_conninfo_as(db, role) : strdup(db);
    th_run r;
    if (as != NULL)
        th_tocsin(&r, info, (const char *[]){"--as", as, "todo", "--json", NULL});
    else
        th_tocsin(&r, info, (const char *[]){"todo", "--json", NULL});
    if (r.status != 0)
        fail_msg("todo --json: exit %d, %s", r.status, r.err);
    json_error_t jerr;
    json_t *doc = json_loads(r.out, 0, &jerr);
    if (doc == NULL)
        fail_msg("todo --json is not JSON: %s\n%s", jerr.text, r.out);
    assert_int_equal(json_object_size(doc), 1);
    json_t *items = json_incref(json_object_get(doc, "todo"));
    assert_true(json_is_array(items));
    json_decref(doc);
    th_run_free(&r);
    free(info);
    return items;
}

static const char *field(json_t *items, size_t i, const char *key)
{
    const char *v = json_string_value(json_object_get(json_array_get(items, i), key));
    if (v == NULL)
        fail_msg("item %zu has no string %s", i, key);
    return v;
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    long pid = (long)getpid();
    snprintf(kz, sizeof kz, "todo_kz_%ld", pid);
    snprintf(am, sizeof am, "todo_am_%ld", pid);
    snprintf(observer, sizeof observer, "todo_unodc_%ld", pid);
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_playbook_load(db, "workflows/counter-narcotics.json");
    expect_run(
        NULL, 0,
        (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--seat", "council/RU", "--login", NULL},
        NULL, NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "add", am, "--seat", "council/AM", "--login", NULL}, NULL,
               NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "add", observer, "--observer", "UNODC", "--login", NULL},
               NULL, NULL);
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    /* 1: unanimous, no deadline; 2: consensus, deadline in a day; 3: majority, a day too, but later;
     * 4: consensus of KZ and RU only (AM may not read it); 5: counter-narcotics (UNODC observes it). */
    expect_run(NULL, 0, (const char *[]){"trigger", "council", "--input", "rule=unanimous", NULL}, "1\n",
               NULL);
    expect_run(NULL, 0, (const char *[]){"trigger", "council", NULL}, "2\n", NULL);
    expect_run(NULL, 0, (const char *[]){"trigger", "council", "--input", "rule=majority", NULL}, "3\n",
               NULL);
    expect_run(NULL, 0, (const char *[]){"trigger", "council", "--parties", "KZ,RU", NULL}, "4\n", NULL);
    expect_run(NULL, 0,
               (const char *[]){"trigger", "counter-narcotics", "--input", "area=Fergana valley", "--parties",
                                "KZ,KG,TJ", NULL},
               "5\n", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_end(engine, SIGTERM);
    th_db_drop(db);
    char sql[512];
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s, %s, %s", kz, am, observer);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    return 0;
}

/* A delegate with two seats: both seats' votes, most urgent first, each with its exact command; a vote
 * cast is no longer listed; the contract's keys and nothing else. */
static void test_todo_delegate_lists_its_open_seats_by_deadline(void **state)
{
    (void)state;
    json_t *items = todo_json(kz, NULL);
    /* Crises 2, 3 and 4 have deadlines (2 before 3 before 4: triggered in that order), 1 has none. */
    static const struct {
        int crisis;
        const char *seat;
    } want[] = {{2, "council/KZ"}, {2, "council/RU"}, {3, "council/KZ"}, {3, "council/RU"},
                {4, "council/KZ"}, {4, "council/RU"}, {1, "council/KZ"}, {1, "council/RU"}};
    assert_int_equal(json_array_size(items), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *o = json_array_get(items, i);
        if (json_integer_value(json_object_get(o, "crisis")) != want[i].crisis ||
            strcmp(field(items, i, "seat"), want[i].seat) != 0)
            fail_msg("item %zu: crisis %lld seat %s, expected crisis %d seat %s", i,
                     (long long)json_integer_value(json_object_get(o, "crisis")), field(items, i, "seat"),
                     want[i].crisis, want[i].seat);
    }
    static const char *const keys[] = {
        "crisis", "title", "state", "path", "type", "seat", "asked", "deadline", "escalation_level", "act"};
    json_t *first = json_array_get(items, 0);
    assert_int_equal(json_object_size(first), sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(first, keys[i]) == NULL)
            fail_msg("no key %s", keys[i]);
    assert_string_equal(field(items, 0, "act"),
                        "tocsin vote 2 approve|reject|abstain --state consensus --party KZ");
    assert_string_equal(field(items, 0, "type"), "approval");
    assert_string_equal(field(items, 0, "title"), "A council decision, for the state machine tests");
    assert_true(json_is_null(json_object_get(json_array_get(items, 6), "deadline")));
    assert_true(json_is_string(json_object_get(json_array_get(items, 0), "deadline")));
    json_decref(items);

    /* The act works as printed; the seat that voted drops out, the other stays. */
    expect_run(kz, 0, (const char *[]){"vote", "2", "approve", "--state", "consensus", "--party", "KZ", NULL},
               NULL, NULL);
    items = todo_json(kz, NULL);
    assert_int_equal(json_array_size(items), 7);
    assert_string_equal(field(items, 0, "seat"), "council/RU");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "crisis")), 2);
    json_decref(items);

    /* Text: headings, the command, and the same order. */
    expect_run(kz, 0, (const char *[]){"todo", NULL}, "7 open parts, most urgent first", NULL);
    expect_run(kz, 0, (const char *[]){"todo", NULL},
               "act      tocsin vote 2 approve|reject|abstain --state consensus --party RU", NULL);
}

/* --as ROLE: the acting role's seats, and what it may read, not the login's. */
static void test_todo_as_role_and_roles_that_may_not_read(void **state)
{
    (void)state;
    /* AM's seat is in crises 1, 2 and 3; crisis 4 (KZ and RU) it may not read. */
    json_t *items = todo_json(NULL, am);
    assert_int_equal(json_array_size(items), 3);
    for (size_t i = 0; i < json_array_size(items); i++) {
        assert_string_equal(field(items, i, "seat"), "council/AM");
        assert_int_not_equal(json_integer_value(json_object_get(json_array_get(items, i), "crisis")), 4);
    }
    json_decref(items);
    expect_run(am, 4, (const char *[]){"show", "4", NULL}, NULL, "no crisis 4");

    /* An observer reads crisis 5 but holds no seat: nothing waits for it, exit 0. */
    expect_run(observer, 0, (const char *[]){"show", "5", NULL}, "counter-narcotics", NULL);
    items = todo_json(observer, NULL);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    expect_run(observer, 0, (const char *[]){"todo", NULL}, "nothing waits for you", NULL);
}

static void test_todo_time_zone(void **state)
{
    (void)state;
    expect_run(kz, 0, (const char *[]){"todo", "--tz", "Asia/Dushanbe", NULL}, " +05) (in ", NULL);
    expect_run(kz, 3, (const char *[]){"todo", "--tz", "Mars/Olympus_Mons", NULL}, NULL,
               "unknown time zone Mars/Olympus_Mons");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_todo_delegate_lists_its_open_seats_by_deadline),
        cmocka_unit_test(test_todo_as_role_and_roles_that_may_not_read),
        cmocka_unit_test(test_todo_time_zone),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
