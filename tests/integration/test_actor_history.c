/*
 * The actor history against a real server: `actor add/grant/revoke` (and a
 * seat written into the table directly) are recorded with who, when and from
 * which login, in a hash chain of their own that `actor history` prints and
 * `audit verify` checks: an edited change, a change made with the history's
 * trigger switched off, and changes cut from its end are each found (exit 1).
 * Nobody rewrites it: UPDATE is refused even to a superuser, INSERT to actors.
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
static char role[64], watcher[64];

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    snprintf(role, sizeof role, "hist_kz_%ld", (long)getpid());
    snprintf(watcher, sizeof watcher, "hist_unodc_%ld", (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_db_drop(db);
    return 0;
}

static void verify_fails(const char *err)
{
    th_expect_tocsin(db, NULL, 1, (const char *[]){"audit", "verify", NULL}, NULL, err);
}

static void test_actor_history_records_and_verifies(void **state)
{
    (void)state;
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", role, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"actor", "grant", role, "council/RU", NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"actor", "revoke", role, "council/RU", NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", watcher, "--observer", "UNODC", "--login", NULL}, NULL,
                     NULL);
    /* Written into the table directly, as an owner may: recorded all the same. */
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO tocsin.seats VALUES ('%s', 'border_service/KZ')", role);
    th_exec(db, sql);

    char *me = th_query_value(db, "SELECT current_user");
    char want[512];
    snprintf(want, sizeof want,
             "actor_added:{\"login\": true}:%s seat_granted:{\"seat\": \"council/KZ\"}:%s "
             "seat_granted:{\"seat\": \"council/RU\"}:%s seat_revoked:{\"seat\": \"council/RU\"}:%s "
             "seat_granted:{\"seat\": \"border_service/KZ\"}:%s",
             me, me, me, me, me);
    th_expect_value(db, want,
                    "SELECT string_agg(kind || ':' || detail::text || ':' || changed_by, ' ' ORDER BY seq)"
                    "  FROM tocsin.actor_history WHERE actor = '%s'",
                    role);
    /* The CLI prints it, to actors too, one role's alone or everyone's. */
    th_expect_tocsin(db, role, 0, (const char *[]){"actor", "history", role, NULL}, "seat_revoked", NULL);
    th_run r;
    th_tocsin(&r, db, (const char *[]){"--json", "actor", "history", NULL});
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    json_t *history = json_object_get(doc, "history");
    assert_int_equal(json_array_size(history), 7); /* two actors added, four seat changes, one observer */
    json_t *first = json_array_get(history, 0);
    assert_string_equal(json_string_value(json_object_get(first, "prev_hash")),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_string_equal(json_string_value(json_object_get(first, "login")), me);
    /* The recipe is the documented one: sha256 of the previous hash and the canonical text. */
    th_expect_value(db, json_string_value(json_object_get(first, "hash")),
                    "SELECT encode(sha256(convert_to(prev_hash || jsonb_build_object('seq', seq, 'at',"
                    " to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'by', changed_by,"
                    " 'login', login, 'kind', kind, 'actor', actor, 'detail', detail)::text, 'UTF8')), 'hex')"
                    "  FROM tocsin.actor_history WHERE seq = %d",
                    1);
    json_decref(doc);
    th_run_free(&r);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL},
                     "and 7 changes in the actor history", NULL);
    th_expect_tocsin(db, role, 0, (const char *[]){"audit", "verify", NULL},
                     "and 7 changes in the actor history", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"actor", "history", "nobody_at_all", NULL}, "no changes",
                     NULL);
    th_expect_tocsin(db, NULL, 2, (const char *[]){"actor", "history", "a", "b", NULL}, NULL,
                     "at most one ROLE");

    /* Nobody rewrites it, and actors do not write it. */
    free(th_sql_as(db, NULL, NULL, "UPDATE tocsin.actor_history SET actor = 'x' WHERE seq = 1",
                   "append-only"));
    free(th_sql_as(db, NULL, NULL, "DELETE FROM tocsin.actor_history", "append-only"));
    free(th_sql_as(db, role, NULL,
                   "INSERT INTO tocsin.actor_history (kind, actor) VALUES ('seat_granted', 'x')",
                   "permission denied"));

    /* A seat given with the history's trigger switched off: the history does not say so. */
    snprintf(sql, sizeof sql,
             "ALTER TABLE tocsin.seats DISABLE TRIGGER seats_history;"
             " INSERT INTO tocsin.seats VALUES ('%s', 'council/TJ');"
             " ALTER TABLE tocsin.seats ENABLE TRIGGER seats_history",
             role);
    th_exec(db, sql);
    char said[256];
    snprintf(said, sizeof said, "it says %s does not hold seat council/TJ, but %s holds seat council/TJ",
             role, role);
    verify_fails(said);
    snprintf(sql, sizeof sql,
             "ALTER TABLE tocsin.seats DISABLE TRIGGER seats_history;"
             " DELETE FROM tocsin.seats WHERE seat = 'council/TJ';"
             " ALTER TABLE tocsin.seats ENABLE TRIGGER seats_history");
    th_exec(db, sql);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);

    /* A change edited in place, by a superuser who switched the refusal off. */
    th_exec(db,
            "ALTER TABLE tocsin.actor_history DISABLE TRIGGER actor_history_immutable;"
            " UPDATE tocsin.actor_history SET detail = '{\"seat\": \"council/AM\"}' WHERE seq = 2;"
            " ALTER TABLE tocsin.actor_history ENABLE TRIGGER actor_history_immutable");
    verify_fails("broken chain: actor history, change 2");
    th_exec(db,
            "ALTER TABLE tocsin.actor_history DISABLE TRIGGER actor_history_immutable;"
            " UPDATE tocsin.actor_history SET detail = '{\"seat\": \"council/KZ\"}' WHERE seq = 2;"
            " ALTER TABLE tocsin.actor_history ENABLE TRIGGER actor_history_immutable");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);

    /* The last change deleted: the head still names it. */
    th_exec(db,
            "ALTER TABLE tocsin.actor_history DISABLE TRIGGER actor_history_immutable;"
            " DELETE FROM tocsin.actor_history WHERE seq = (SELECT max(seq) FROM tocsin.actor_history);"
            " ALTER TABLE tocsin.actor_history ENABLE TRIGGER actor_history_immutable");
    verify_fails("actor history lost changes");
    th_run v;
    th_tocsin(&v, db, (const char *[]){"--json", "audit", "verify", NULL});
    assert_int_equal(v.status, 1);
    json_t *result = json_loads(v.out, 0, NULL);
    assert_true(json_is_false(json_object_get(result, "valid")));
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(result, "actor_history"), "broken"), 0),
            "problem")),
        "truncated");
    json_decref(result);
    th_run_free(&v);
    free(me);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actor_history_records_and_verifies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
