/*
 * Who may do what, enforced by the database, with real login roles: each kind
 * of actor against each command; a delegate of one state cannot vote for
 * another; an observer cannot act and cannot see a crisis it does not
 * observe; direct SQL by an actor role fails; the audit records the acting
 * role; text with quotes, SQL, JSON and control characters comes back verbatim.
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
static char kz[64], ru[64], observer[64], outsider[64], person[64];

/* The test database, logged in as role. */
static char *as_role(const char *role)
{
    return th_conninfo_as(db, role);
}

static void expect_run(const char *role, int status, const char *const *args, const char *out,
                       const char *err)
{
    th_expect_tocsin(db, role, status, args, out, err);
}

static void expect_sql_fails(const char *role, const char *sql)
{
    th_sql_as(db, role, NULL, sql, "");
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    long pid = (long)getpid();
    snprintf(kz, sizeof kz, "kz_delegate_%ld", pid);
    snprintf(ru, sizeof ru, "ru_delegate_%ld", pid);
    snprintf(observer, sizeof observer, "unodc_liaison_%ld", pid);
    snprintf(outsider, sizeof outsider, "outsider_%ld", pid);
    snprintf(person, sizeof person, "alice_%ld", pid);
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_playbook_load(db, "workflows/counter-narcotics.json");
    expect_run(NULL, 0, (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL},
               "created", NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "add", ru, "--seat", "council/RU", "--login", NULL}, NULL,
               NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "add", observer, "--observer", "UNODC", "--login", NULL},
               NULL, NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "add", outsider, "--observer", "INTERPOL", "--login", NULL},
               NULL, NULL);
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    /* Crisis 1: a council decision; crisis 2: a counter-narcotics operation (observed by UNODC). */
    expect_run(NULL, 0, (const char *[]){"trigger", "council", NULL}, "1\n", NULL);
    expect_run(NULL, 0,
               (const char *[]){"trigger", "counter-narcotics", "--input", "area=Fergana valley", "--parties",
                                "KZ,KG,TJ", NULL},
               "2\n", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_end(engine, SIGTERM);
    th_db_drop(db);
    char sql[512];
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s, %s, %s, %s, %s", kz, ru, observer, outsider, person);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    return 0;
}

static void test_security_delegates_vote_for_their_own_state_only(void **state)
{
    (void)state;
    expect_run(kz, 0, (const char *[]){"approve", "1", NULL}, "vote council/KZ approve by", NULL);
    expect_run(kz, 5, (const char *[]){"approve", "1", "--party", "RU", NULL}, NULL,
               "does not hold seat council/RU");
    /* --as another delegation: PostgreSQL itself refuses the SET ROLE. */
    expect_run(kz, 5, (const char *[]){"--as", ru, "approve", "1", NULL}, NULL, "not a member");
    /* Past the client: the database checks the seat itself. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.submit(1, 'vote', '{\"state\": \"consensus\", \"party\": \"RU\", \"vote\": "
             "\"reject\"}', NULL, false)");
    expect_sql_fails(kz, sql);
    expect_run(ru, 0, (const char *[]){"reject", "1", "--reason", "not in our interest", NULL}, NULL, NULL);
    /* The audit names who acted; an administrator acting --as a delegate is named too. */
    char *actors =
        th_query_value(db,
                       "SELECT string_agg(actor || '/' || login, ',' ORDER BY seq) FROM tocsin.audit"
                       " WHERE crisis = 1 AND kind = 'vote'");
    char expected[256];
    snprintf(expected, sizeof expected, "%s/%s,%s/%s", kz, kz, ru, ru);
    assert_string_equal(actors, expected);
    free(actors);
}

static void test_security_observers_read_only_what_they_observe(void **state)
{
    (void)state;
    expect_run(observer, 4, (const char *[]){"show", "1", NULL}, NULL, "no crisis 1");
    expect_run(observer, 0, (const char *[]){"show", "2", NULL}, "counter-narcotics", NULL);
    expect_run(observer, 0, (const char *[]){"audit", "2", NULL}, "triggered by", NULL);
    expect_run(observer, 4, (const char *[]){"audit", "1", NULL}, NULL, "no crisis 1");
    th_run r;
    char *info = as_role(observer);
    th_tocsin(&r, info, (const char *[]){"list", "--status", "all", "--json", NULL});
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "crises")), 1);
    json_decref(doc);
    th_run_free(&r);
    free(info);
    /* Observing is not acting. */
    expect_run(observer, 5, (const char *[]){"complete", "2", "--state", "plan", NULL}, NULL,
               "holds no seat");
    expect_run(observer, 5, (const char *[]){"cancel", "2", "--reason", "x", NULL}, NULL, "may not cancel");
    expect_run(observer, 5, (const char *[]){"trigger", "counter-narcotics", "--input", "area=x", NULL}, NULL,
               "may not trigger");
    /* An outsider sees nothing. */
    expect_run(outsider, 4, (const char *[]){"show", "2", NULL}, NULL, "no crisis 2");
    expect_run(outsider, 0, (const char *[]){"list", "--status", "all", NULL}, "no crises", NULL);
    /* A delegate reads the crises of playbooks with its role (council) and of its parties. */
    expect_run(kz, 0, (const char *[]){"show", "1", NULL}, NULL, NULL);
}

static void test_security_no_direct_writes(void **state)
{
    (void)state;
    static const char *const writes[] = {
        "INSERT INTO tocsin.commands (crisis, kind, args) VALUES (1, 'vote', '{}')",
        "UPDATE tocsin.crises SET status = 'closed'",
        "DELETE FROM tocsin.commands",
        "UPDATE tocsin.audit SET detail = '{}'",
        "DELETE FROM tocsin.audit",
        "INSERT INTO tocsin.seats VALUES (current_user, 'council/RU')",
        "INSERT INTO tocsin.audit (crisis, at, kind, prev_hash, hash) VALUES (1, now(), 'vote', '', '')",
        "SELECT tocsin.load_playbook('{\"name\": \"x\"}')",
        "SELECT tocsin.actor_add(current_user, ARRAY['council/RU'], '{}', false)",
        "TRUNCATE tocsin.audit",
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        expect_sql_fails(kz, writes[i]);
        expect_sql_fails(observer, writes[i]);
    }
    expect_run(kz, 5, (const char *[]){"actor", "grant", kz, "council/RU", NULL}, NULL, "permission denied");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/fast.json", th_env("TOCSIN_SOURCE_DIR"));
    expect_run(kz, 5, (const char *[]){"playbook", "load", path, NULL}, NULL, "permission denied");
}

static void test_security_trigger_and_cancel_permissions(void **state)
{
    (void)state;
    /* A council delegate may trigger the council playbook (a role of it) and cancel its own crisis, not
     * another's. */
    expect_run(kz, 0, (const char *[]){"trigger", "council", NULL}, "3\n", NULL);
    expect_run(ru, 5, (const char *[]){"cancel", "3", "--reason", "not mine", NULL}, NULL, "may not cancel");
    expect_run(kz, 0, (const char *[]){"cancel", "3", "--reason", "triggered by mistake", NULL}, "cancelled",
               NULL);
    expect_run(kz, 5, (const char *[]){"trigger", "counter-narcotics", "--input", "area=x", NULL}, NULL,
               NULL);
}

static void test_security_exclude_initiator_and_revoke(void **state)
{
    (void)state;
    /* council.json's "excluded" approval (KZ and RU, rule any) excludes the initiator. */
    expect_run(kz, 0, (const char *[]){"trigger", "council", "--input", "rule=excluded", NULL}, NULL, NULL);
    char *id = th_query_value(db, "SELECT max(id) FROM tocsin.crises");
    expect_run(kz, 5, (const char *[]){"approve", id, NULL}, NULL, "triggered this crisis and may not vote");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.submit(%s, 'vote', '{\"state\": \"excluded\", \"party\": \"KZ\","
             " \"vote\": \"approve\"}', NULL, false)",
             id);
    expect_sql_fails(kz, sql); /* the database says so too */
    /* A revoked seat votes no more. */
    expect_run(NULL, 0, (const char *[]){"actor", "revoke", ru, "council/RU", NULL}, NULL, NULL);
    expect_run(ru, 4, (const char *[]){"approve", id, NULL}, NULL,
               "no crisis"); /* it cannot even read it now */
    expect_run(NULL, 4, (const char *[]){"actor", "revoke", ru, "council/RU", NULL}, NULL, "holds no seat");
    expect_run(NULL, 0, (const char *[]){"actor", "grant", ru, "council/RU", NULL}, NULL, NULL);
    expect_run(ru, 0, (const char *[]){"approve", id, NULL}, "left: approved", NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "list", NULL}, "council/RU", NULL);
    free(id);
}

/*
 * Four eyes are two people: a person who triggers a crisis cannot vote on
 * it through another role she may act as (or the other way round). The
 * client, the database and the engine each compare the login too.
 */
static void test_security_exclude_initiator_is_the_person(void **state)
{
    (void)state;
    char sql[512];
    expect_run(NULL, 0, (const char *[]){"actor", "add", person, "--seat", "council/RU", "--login", NULL},
               NULL, NULL);
    snprintf(sql, sizeof sql, "GRANT %s TO %s", kz, person);
    th_exec(db, sql);

    expect_run(person, 0, (const char *[]){"trigger", "council", "--input", "rule=excluded", NULL}, NULL,
               NULL);
    char *id = th_query_value(db, "SELECT max(id) FROM tocsin.crises");
    expect_run(person, 5, (const char *[]){"approve", id, NULL}, NULL,
               "triggered this crisis and may not vote");
    char expected[160];
    snprintf(expected, sizeof expected, "%s (logged in as %s) triggered", kz, person);
    expect_run(person, 5, (const char *[]){"--as", kz, "approve", id, NULL}, NULL, expected);
    /* Past the client: the database. */
    snprintf(sql, sizeof sql,
             "SET ROLE %s; SELECT tocsin.submit(%s, 'vote', '{\"state\": \"excluded\", \"party\": \"KZ\","
             " \"vote\": \"approve\"}', NULL, false)",
             kz, id);
    expect_sql_fails(person, sql);
    /* Past the database: the engine refuses a command recorded behind its back. */
    snprintf(sql, sizeof sql,
             "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES (%s, 'vote', '%s', '%s',"
             " '{\"state\": \"excluded\", \"party\": \"KZ\", \"vote\": \"approve\"}')",
             id, kz, person);
    th_exec(db, sql);
    th_sleep_ms(50);
    for (int i = 0; i < 100; i++) {
        char *pending = th_query_value(db, "SELECT count(*) FROM tocsin.commands WHERE applied_at IS NULL");
        int done = strcmp(pending, "0") == 0;
        free(pending);
        if (done)
            break;
        th_sleep_ms(50);
    }
    snprintf(sql, sizeof sql,
             "SELECT result || ': ' || error FROM tocsin.commands WHERE crisis = %s AND login = '%s'"
             " AND kind = 'vote'",
             id, person);
    char *result = th_query_value(db, sql);
    if (result == NULL || !th_contains(result, "refused") || !th_contains(result, "triggered this crisis"))
        fail_msg("the engine should refuse the vote: %s", result ? result : "(null)");
    free(result);
    /* Another person with the seat may vote. */
    expect_run(ru, 0, (const char *[]){"approve", id, NULL}, "left: approved", NULL);
    free(id);
}

static void test_security_text_comes_back_verbatim(void **state)
{
    (void)state;
    const char *reason =
        "it's \"fine\"; DROP TABLE tocsin.audit; -- {\"json\": [1, {\"a\": null}]}\t\x01\x1b[31m é";
    const char *title = "O'Brien \"crisis\" '); DELETE FROM tocsin.crises; --";
    expect_run(kz, 0, (const char *[]){"trigger", "council", "--title", title, "--no-wait", NULL}, NULL,
               NULL);
    char *id = th_query_value(db, "SELECT max(id) FROM tocsin.crises");
    expect_run(NULL, 0, (const char *[]){"engine", "--once", NULL}, NULL, NULL);
    expect_run(kz, 0, (const char *[]){"vote", id, "approve", "--reason", reason, NULL}, NULL, NULL);
    th_run r;
    char *info = as_role(kz);
    th_tocsin(&r, info, (const char *[]){"audit", id, "--format", "json", NULL});
    int found = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *e = json_loads(line, 0, NULL);
        if (strcmp(json_string_value(json_object_get(e, "kind")), "vote") == 0) {
            assert_string_equal(json_string_value(json_object_get(json_object_get(e, "detail"), "reason")),
                                reason);
            found = 1;
        }
        json_decref(e);
    }
    assert_true(found);
    th_run_free(&r);
    th_tocsin(&r, info, (const char *[]){"show", id, "--json", NULL});
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "title")), title);
    json_decref(doc);
    th_run_free(&r);
    /* Text formats print what a terminal would act on as visible escapes, on one line. */
    const char *const *texts[] = {(const char *[]){"audit", id, NULL}, (const char *[]){"show", id, NULL},
                                  (const char *[]){"list", NULL}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        th_tocsin(&r, info, texts[i]);
        if (r.status != 0 || strchr(r.out, '\x1b') != NULL || strchr(r.out, '\x01') != NULL ||
            (i == 0 && !th_contains(r.out, "-- {\"json\": [1, {\"a\": null}]}\\t\\x01\\x1b[31m é")))
            fail_msg("tocsin %s: control characters should be escaped:\n%s", texts[i][0], r.out);
        th_run_free(&r);
    }
    free(info);
    free(id);
    char *count = th_query_value(db, "SELECT count(*) > 0 FROM tocsin.crises");
    assert_string_equal(count, "t"); /* nothing was dropped or deleted */
    free(count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_security_delegates_vote_for_their_own_state_only),
        cmocka_unit_test(test_security_observers_read_only_what_they_observe),
        cmocka_unit_test(test_security_no_direct_writes),
        cmocka_unit_test(test_security_trigger_and_cancel_permissions),
        cmocka_unit_test(test_security_exclude_initiator_and_revoke),
        cmocka_unit_test(test_security_exclude_initiator_is_the_person),
        cmocka_unit_test(test_security_text_comes_back_verbatim),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
