/*
 * Playbooks and crises in the database through the command line: load (same
 * content, same version; changed content, the next), list, show, graph of a
 * loaded playbook; trigger with its checks and idempotency; list and show of
 * crises; and the audit log's chain and immutability in SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char workflow[4096];

static const char *path_of(const char *name)
{
    snprintf(workflow, sizeof workflow, "%s/workflows/%s.json", th_env("TOCSIN_SOURCE_DIR"), name);
    return workflow;
}

static json_t *run_json(const char *db, const char *const *args, int expected_status)
{
    th_run r;
    th_tocsin(&r, db, args);
    if (r.status != expected_status)
        fail_msg("tocsin %s: exit %d (expected %d): %s", args[0], r.status, expected_status, r.err);
    json_t *doc = json_loads(r.out, 0, NULL);
    if (doc == NULL)
        fail_msg("tocsin %s: not JSON: %s", args[0], r.out);
    th_run_free(&r);
    return doc;
}

static void load_all(const char *db)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"playbook", "load", path_of("collective-response"), NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
}

static void test_store_playbook_versions(void **state)
{
    (void)state;
    char *db = th_db_create();
    th_run r;
    th_tocsin(&r, db, (const char *[]){"playbook", "load", path_of("border-incident"), NULL});
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "border-incident@1\n");
    th_run_free(&r);

    /* The same content, reformatted, is the same version. */
    char *dir = th_tempdir();
    json_t *doc = json_load_file(path_of("border-incident"), 0, NULL);
    char *compact = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    th_write_file(dir, "same.json", compact);
    char same[4200], changed[4200];
    snprintf(same, sizeof same, "%s/same.json", dir);
    th_tocsin(&r, db, (const char *[]){"playbook", "load", same, NULL});
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "border-incident@1 (unchanged)\n");
    th_run_free(&r);
    /* From standard input (read once: it was read twice, and the second read found nothing). */
    th_tocsin_input(&r, db, (const char *[]){"playbook", "load", "-", NULL}, same);
    if (r.status != 0 || strcmp(r.out, "border-incident@1 (unchanged)\n") != 0)
        fail_msg("playbook load - (exit %d): %s%s", r.status, r.out, r.err);
    th_run_free(&r);

    /* Changed content is version 2; version 1 stays. */
    json_object_set_new(doc, "title", json_string("Border incident, revised"));
    char *text = json_dumps(doc, 0);
    th_write_file(dir, "changed.json", text);
    snprintf(changed, sizeof changed, "%s/changed.json", dir);
    th_tocsin(&r, db, (const char *[]){"playbook", "load", changed, NULL});
    assert_string_equal(r.out, "border-incident@2\n");
    th_run_free(&r);

    json_t *list = run_json(db, (const char *[]){"playbook", "list", "--json", NULL}, 0);
    json_t *first = json_array_get(json_object_get(list, "playbooks"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(first, "versions")), 2);
    json_decref(list);

    json_t *v1 = run_json(db, (const char *[]){"playbook", "show", "border-incident@1", "--json", NULL}, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v1, "content"), "title")),
                        "Incident on the southern external border (Tajik-Afghan section)");
    assert_int_equal(strlen(json_string_value(json_object_get(v1, "sha256"))), 64);
    json_decref(v1);

    th_tocsin(&r, db, (const char *[]){"playbook", "show", "border-incident@9", NULL});
    assert_int_equal(r.status, 4);
    assert_string_equal(r.err, "no playbook border-incident@9\n");
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"playbook", "graph", "border-incident", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "Border incident, revised"));
    th_run_free(&r);

    /* An invalid file stores nothing; rows are immutable even for the owner. */
    char bad[4096];
    snprintf(bad, sizeof bad, "%s/tests/data/playbooks/invalid/unknown-role.json",
             th_env("TOCSIN_SOURCE_DIR"));
    th_tocsin(&r, db, (const char *[]){"playbook", "load", bad, NULL});
    assert_int_equal(r.status, 3);
    th_run_free(&r);
    PGconn *conn = th_connect(db);
    PGresult *res = PQexec(conn, "UPDATE tocsin.playbooks SET content = '{}'");
    assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "TC005");
    PQclear(res);
    PQfinish(conn);

    free(compact);
    free(text);
    json_decref(doc);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static const char *const trigger_args[] = {"trigger",   "collective-response",
                                           "--input",   "requesting_state=TJ",
                                           "--input",   "description=incursion",
                                           "--input",   "request_type=aggression",
                                           "--no-wait", NULL};

static void test_store_trigger_checks_and_idempotency(void **state)
{
    (void)state;
    char *db = th_db_create();
    th_run r;
    th_tocsin(&r, db, trigger_args);
    assert_int_equal(r.status, 4);
    assert_string_equal(r.err, "no playbook collective-response\n");
    th_run_free(&r);
    load_all(db);

    th_tocsin(&r, db, (const char *[]){"trigger", "collective-response", "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    assert_string_equal(r.err,
                        "input requesting_state is required\ninput description is required\n"
                        "input request_type is required\n");
    th_run_free(&r);
    th_tocsin(&r, db,
              (const char *[]){"trigger", "collective-response", "--input", "requesting_state=TJ", "--input",
                               "description=x", "--input", "request_type=aggression", "--severity", "awful",
                               "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    th_run_free(&r);
    th_tocsin(&r, db,
              (const char *[]){"trigger", "collective-response", "--input", "casualties_reported=many",
                               "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err,
                            "input casualties_reported must be an integer from -9223372036854775808 to "
                            "9223372036854775807, not 'many'"));
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"trigger", "collective-response", "--wait", "soon", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);

    /* Recorded and pending: no engine runs. */
    th_tocsin(&r, db, trigger_args);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "1\n");
    th_run_free(&r);
    char *status =
        th_query_value(db, "SELECT status || ' ' || (state IS NULL) FROM tocsin.crises WHERE id = 1");
    assert_string_equal(status, "active true");
    free(status);

    /* The same key: the same crisis, once; the same key for something else: exit 6. */
    const char *keyed[] = {"trigger",   "collective-response",
                           "--input",   "requesting_state=TJ",
                           "--input",   "description=incursion",
                           "--input",   "request_type=aggression",
                           "--key",     "ops-7",
                           "--no-wait", "--json",
                           NULL};
    json_t *a = run_json(db, keyed, 0), *b = run_json(db, keyed, 0);
    assert_int_equal(json_integer_value(json_object_get(a, "id")),
                     json_integer_value(json_object_get(b, "id")));
    assert_false(json_is_true(json_object_get(a, "duplicate")));
    assert_true(json_is_true(json_object_get(b, "duplicate")));
    json_decref(a);
    json_decref(b);
    char *count = th_query_value(db, "SELECT count(*) FROM tocsin.crises");
    assert_string_equal(count, "2");
    free(count);
    keyed[3] = "requesting_state=KZ";
    th_tocsin(&r, db, keyed);
    assert_int_equal(r.status, 6);
    assert_true(th_contains(r.err, "idempotency key ops-7 was used for a different trigger"));
    th_run_free(&r);

    /* Waiting for an engine that is not there: exit 0, pending. */
    th_tocsin(&r, db,
              (const char *[]){"trigger", "collective-response", "--input", "requesting_state=TJ", "--input",
                               "description=x", "--input", "request_type=aggression", "--wait", "0.3", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.err, "no engine has applied its trigger yet (pending)"));
    th_run_free(&r);
    th_db_drop(db);
}

static void test_store_show_and_list(void **state)
{
    (void)state;
    char *db = th_db_create();
    load_all(db);
    th_run r;
    th_tocsin(&r, db,
              (const char *[]){"trigger", "collective-response", "--input", "requesting_state=TJ", "--input",
                               "description=incursion", "--input", "request_type=aggression", "--title",
                               "Khatlon \"incursion\"; DROP TABLE x; --", "--severity", "severe", "--mode",
                               "exercise", "--parties", "KZ,RU,TJ,KG", "--no-wait", NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);

    json_t *show = run_json(db, (const char *[]){"show", "1", "--json", NULL}, 0);
    static const char *const keys[] = {
        "id",     "playbook", "version",   "title",      "status",    "outcome",          "severity",
        "mode",   "parties",  "initiator", "created_at", "closed_at", "escalation_level", "pending",
        "inputs", "data",     "active"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(show, keys[i]) == NULL)
            fail_msg("show --json lacks %s", keys[i]);
    assert_string_equal(json_string_value(json_object_get(show, "title")),
                        "Khatlon \"incursion\"; DROP TABLE x; --");
    assert_string_equal(json_string_value(json_object_get(show, "mode")), "exercise");
    assert_int_equal(json_array_size(json_object_get(show, "parties")), 4);
    assert_int_equal(json_integer_value(json_object_get(show, "pending")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(show, "inputs"), "casualties_reported")), 0);
    assert_true(json_is_null(json_object_get(show, "outcome")));
    json_decref(show);

    json_t *list = run_json(db, (const char *[]){"list", "--json", NULL}, 0);
    json_t *first = json_array_get(json_object_get(list, "crises"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 1);
    assert_non_null(json_object_get(first, "active"));
    json_decref(list);
    list = run_json(db, (const char *[]){"list", "--status", "closed", "--json", NULL}, 0);
    assert_int_equal(json_array_size(json_object_get(list, "crises")), 0);
    json_decref(list);

    th_tocsin(&r, db, (const char *[]){"show", "1", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "status       active; severity severe; mode exercise"));
    assert_true(th_contains(r.out, "1 command pending"));
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"show", "77", NULL});
    assert_int_equal(r.status, 4);
    assert_string_equal(r.err, "no crisis 77\n");
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"show", "x", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"list", "--status", "sleeping", NULL});
    assert_int_equal(r.status, 2);
    th_run_free(&r);
    th_db_drop(db);
}

static void test_store_audit_chain(void **state)
{
    (void)state;
    char *db = th_db_create();
    load_all(db);
    th_run r;
    th_tocsin(&r, db, trigger_args);
    th_run_free(&r);
    th_exec(db,
            "INSERT INTO tocsin.audit (crisis, at, kind, state, detail) VALUES"
            " (1, '2026-11-27 10:00:00+00', 'triggered', NULL, '{\"a\": 1}'),"
            " (1, '2026-11-27 10:00:01+00', 'entered', 'assess', '{\"visit\": 1}'),"
            " (1, '2026-11-27 10:00:02+00', 'vote', 'council', '{\"vote\": \"approve\"}')");
    char *chain = th_query_value(db, "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM tocsin.audit");
    assert_string_equal(chain, "1,2,3");
    free(chain);
    char *first_prev = th_query_value(db, "SELECT prev_hash FROM tocsin.audit WHERE seq = 1");
    assert_string_equal(first_prev, "0000000000000000000000000000000000000000000000000000000000000000");
    free(first_prev);
    /* The documented recipe, recomputed independently of the trigger. */
    char *ok = th_query_value(
        db,
        "SELECT bool_and(good) FROM (SELECT a.hash = encode(sha256(convert_to(a.prev_hash || "
        "jsonb_build_object("
        "'seq', a.seq, 'crisis', a.crisis, 'at', to_char(a.at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'actor', a.actor::text, 'login', a.login::text,"
        " 'kind', a.kind, 'state', a.state, 'detail', a.detail)::text, 'UTF8')), 'hex')"
        " AND a.prev_hash = coalesce(lag(a.hash) OVER (ORDER BY a.seq), repeat('0', 64)) AS good"
        " FROM tocsin.audit a) checked");
    assert_string_equal(ok, "t");
    free(ok);
    char *broken = th_query_value(db, "SELECT count(*) FROM tocsin.audit_verify()");
    assert_string_equal(broken, "0");
    free(broken);
    /* The chain's head moved with each event, on the crisis row. */
    char *head = th_query_value(db,
                                "SELECT c.audit_seq = 3 AND c.audit_hash = a.hash FROM tocsin.crises c"
                                " JOIN tocsin.audit a ON a.crisis = c.id AND a.seq = 3 WHERE c.id = 1");
    assert_string_equal(head, "t");
    free(head);
    /* Links that come with a row are taken as given, and a wrong one is what verify reports. */
    th_exec(db,
            "INSERT INTO tocsin.audit (crisis, seq, at, kind, prev_hash, hash)"
            " SELECT 1, 4, now(), 'note', hash, repeat('f', 64) FROM tocsin.audit WHERE seq = 3");
    char *bad = th_query_value(db, "SELECT seq || ' ' || problem FROM tocsin.audit_verify()");
    assert_string_equal(bad, "4 edited");
    free(bad);

    /* Updates and deletes are refused, even for the owner. */
    PGconn *conn = th_connect(db);
    static const char *const writes[] = {"UPDATE tocsin.audit SET detail = '{}' WHERE seq = 2",
                                         "DELETE FROM tocsin.audit WHERE seq = 3",
                                         "TRUNCATE tocsin.audit CASCADE"};
    for (size_t i = 0; i < 3; i++) {
        PGresult *res = PQexec(conn, writes[i]);
        if (PQresultStatus(res) != PGRES_FATAL_ERROR)
            fail_msg("%s was allowed", writes[i]);
        PQclear(res);
    }
    /* Tampering behind the trigger's back is found by verify, at the first broken event. */
    PQclear(PQexec(conn, "ALTER TABLE tocsin.audit DISABLE TRIGGER audit_immutable"));
    PQclear(PQexec(conn, "UPDATE tocsin.audit SET detail = '{\"vote\": \"reject\"}' WHERE seq = 3"));
    PQclear(PQexec(conn, "ALTER TABLE tocsin.audit ENABLE TRIGGER audit_immutable"));
    PQfinish(conn);
    char *found =
        th_query_value(db, "SELECT string_agg(crisis || '/' || seq, ',') FROM tocsin.audit_verify()");
    assert_string_equal(found, "1/3");
    free(found);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_playbook_versions),
        cmocka_unit_test(test_store_trigger_checks_and_idempotency),
        cmocka_unit_test(test_store_show_and_list),
        cmocka_unit_test(test_store_audit_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
