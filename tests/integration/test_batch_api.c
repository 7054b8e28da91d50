/*
 * The engine's batch API in SQL (migrations/repeatable/60_engine.sql), as two engines
 * and the operators' commands meet it: tocsin.take() claims crises with their
 * work and the seats of the actors concerned, skips what another engine holds,
 * and does not block a command submitted meanwhile to a claimed crisis;
 * tocsin.commit_batch() refuses a crisis whose revision moved; a batch sends
 * one NOTIFY tocsin_applied naming all of its crises; take() and next_due()
 * pass over the crises an engine set aside, in the claim and in the next due
 * time; a claim shares a batch between commands and due timers; with p_notify false, submit() and
 * commit_batch() leave the NOTIFY to their caller, which sends it after the commit.
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

static const char *const trigger_args[] = {"trigger",   "collective-response",
                                           "--input",   "requesting_state=TJ",
                                           "--input",   "description=incursion",
                                           "--input",   "request_type=aggression",
                                           "--no-wait", NULL};

/* A database with the collective-response playbook and two crises whose triggers wait for an engine. */
static char *two_pending_crises(void)
{
    char *db = th_db_create();
    snprintf(workflow, sizeof workflow, "%s/workflows/collective-response.json", th_env("TOCSIN_SOURCE_DIR"));
    th_run r;
    th_tocsin(&r, db, (const char *[]){"playbook", "load", workflow, NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    for (int i = 0; i < 2; i++) {
        th_tocsin(&r, db, trigger_args);
        assert_int_equal(r.status, 0);
        th_run_free(&r);
    }
    return db;
}

static PGresult *must(PGconn *conn, const char *sql, ExecStatusType want)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != want)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    return res;
}

static void test_take_claims_work_and_seats_and_skips_what_is_held(void **state)
{
    (void)state;
    char *db = two_pending_crises();
    PGconn *a = th_connect(db), *b = th_connect(db);

    PQclear(must(a, "BEGIN", PGRES_COMMAND_OK));
    PGresult *res =
        must(a, "SELECT id, work::text, actors::text FROM tocsin.take(10, now(), '{}')", PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(res), 2);
    assert_string_equal(PQgetvalue(res, 0, 0), "1");
    json_t *work = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    assert_int_equal(json_array_size(work), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(work, 0), "kind")), "trigger");
    json_decref(work);
    /* The seats of the initiator, once per batch: on the first row only. */
    json_t *actors = json_loads(PQgetvalue(res, 0, 2), 0, NULL);
    assert_non_null(actors);
    assert_int_equal(json_object_size(actors), 1);
    json_t *only = json_object_iter_value(json_object_iter(actors));
    assert_true(json_is_true(json_object_get(only, "admin")));
    json_decref(actors);
    assert_true(PQgetisnull(res, 1, 2));
    PQclear(res);

    /* A second engine finds nothing to take while the first holds both crises. */
    PQclear(must(b, "BEGIN", PGRES_COMMAND_OK));
    res = must(b, "SELECT id FROM tocsin.take(10, now(), '{}')", PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(res), 0);
    PQclear(res);
    PQclear(must(b, "ROLLBACK", PGRES_COMMAND_OK));

    /* An operator's command to a claimed crisis is recorded at once, not after the batch. */
    PQclear(must(b, "SET statement_timeout = '5s'", PGRES_COMMAND_OK));
    res = must(b, "SELECT seq FROM tocsin.submit(1, 'cancel', '{\"reason\": \"drill over\"}', NULL, true)",
               PGRES_TUPLES_OK);
    PQclear(res);
    PQclear(must(a, "ROLLBACK", PGRES_COMMAND_OK));
    PQfinish(a);
    PQfinish(b);
    th_db_drop(db);
}

static void test_take_and_next_due_pass_over_crises_set_aside(void **state)
{
    (void)state;
    char *db = two_pending_crises();
    PGconn *a = th_connect(db);
    /* Both crises also have a timer due, crisis 1's first. */
    PQclear(must(a,
                 "INSERT INTO tocsin.timers (crisis, key, due) VALUES"
                 " (1, 'late', now() - interval '2 minutes'), (2, 'late', now() - interval '1 minute')",
                 PGRES_COMMAND_OK));
    PQclear(must(a, "BEGIN", PGRES_COMMAND_OK));
    PGresult *res = must(a, "SELECT id FROM tocsin.take(10, now(), '{1}')", PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(res), 1);
    assert_string_equal(PQgetvalue(res, 0, 0), "2");
    PQclear(res);
    PQclear(must(a, "ROLLBACK", PGRES_COMMAND_OK));

    res = must(
        a,
        "SELECT tocsin.next_due('{1}') = (SELECT (extract(epoch FROM due) * 1000)::bigint"
        "  FROM tocsin.timers WHERE crisis = 2),"
        " tocsin.next_due('{}') = (SELECT (extract(epoch FROM min(due)) * 1000)::bigint FROM tocsin.timers),"
        " tocsin.next_due('{1,2}') IS NULL",
        PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    assert_string_equal(PQgetvalue(res, 0, 1), "t");
    assert_string_equal(PQgetvalue(res, 0, 2), "t");
    PQclear(res);
    PQfinish(a);
    th_db_drop(db);
}

/*
 * A thousand deadlines falling due at once must not hold up a vote cast
 * meanwhile: a claim takes the crises of commands and of due timers in turns,
 * each source in its own order (the oldest command, the earliest timer).
 */
static void test_take_shares_a_batch_between_commands_and_due_timers(void **state)
{
    (void)state;
    char *db = two_pending_crises();
    PGconn *a = th_connect(db);
    /* 300 more crises, each with a timer due; the higher the id, the earlier the timer. */
    PQclear(
        must(a,
             "INSERT INTO tocsin.crises (playbook, version, title, parties, state)"
             " SELECT playbook, version, title, parties, state FROM tocsin.crises, generate_series(1, 300)"
             "  WHERE id = 1",
             PGRES_COMMAND_OK));
    PQclear(must(a,
                 "INSERT INTO tocsin.timers (crisis, key, due)"
                 " SELECT id, 'late', now() - make_interval(secs => id) FROM tocsin.crises WHERE id > 2",
                 PGRES_COMMAND_OK));
    PQclear(must(a, "BEGIN", PGRES_COMMAND_OK));
    PGresult *res = must(a, "SELECT string_agg(id::text, ',' ORDER BY id) FROM tocsin.take(10, now(), '{}')",
                         PGRES_TUPLES_OK);
    /* Both commanded crises, and the eight whose timers fell due first. */
    assert_string_equal(PQgetvalue(res, 0, 0), "1,2,295,296,297,298,299,300,301,302");
    PQclear(res);
    PQclear(must(a, "ROLLBACK", PGRES_COMMAND_OK));

    /* With 300 commands pending as well, half of a batch still goes to the deadlines. */
    PQclear(must(a,
                 "INSERT INTO tocsin.commands (crisis, kind, actor, login, args)"
                 " SELECT id, 'cancel', current_user, current_user, '{\"reason\": \"drill\"}'"
                 "  FROM tocsin.crises WHERE id > 2 ORDER BY id",
                 PGRES_COMMAND_OK));
    PQclear(must(a, "BEGIN", PGRES_COMMAND_OK));
    res = must(a, "SELECT string_agg(id::text, ',' ORDER BY id) FROM tocsin.take(10, now(), '{}')",
               PGRES_TUPLES_OK);
    /* Commands: crises 1, 2, 3, 4, 5 (oldest first); timers: 302 down to 298. */
    assert_string_equal(PQgetvalue(res, 0, 0), "1,2,3,4,5,298,299,300,301,302");
    PQclear(res);
    PQclear(must(a, "ROLLBACK", PGRES_COMMAND_OK));
    PQfinish(a);
    th_db_drop(db);
}

static void test_commit_batch_refuses_a_moved_revision(void **state)
{
    (void)state;
    char *db = two_pending_crises();
    PGconn *conn = th_connect(db);
    PQclear(must(conn, "BEGIN", PGRES_COMMAND_OK));
    PQclear(must(conn, "SELECT id FROM tocsin.take(10, now(), '{}')", PGRES_TUPLES_OK));
    PGresult *res = PQexec(conn,
                           "SELECT tocsin.commit_batch('[{\"crisis\": 2, \"revision\": 7, \"state\": "
                           "{\"status\": \"active\"}, \"audit\": [], \"timers\": [], \"cleared\": [], "
                           "\"commands\": []}]', false)");
    assert_int_equal(PQresultStatus(res), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(res, PG_DIAG_SQLSTATE), "TC006");
    assert_non_null(strstr(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY), "crisis 2 changed"));
    PQclear(res);
    PQclear(must(conn, "ROLLBACK", PGRES_COMMAND_OK));
    PQfinish(conn);
    char *revision = th_query_value(db, "SELECT revision FROM tocsin.crises WHERE id = 2");
    assert_string_equal(revision, "0");
    free(revision);
    th_db_drop(db);
}

static void test_one_notification_per_batch(void **state)
{
    (void)state;
    char *db = two_pending_crises();
    PGconn *listener = th_connect(db);
    PQclear(must(listener, "LISTEN tocsin_applied", PGRES_COMMAND_OK));
    th_run r;
    th_tocsin(&r, db, (const char *[]){"engine", "--once", NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);

    PQclear(must(listener, "SELECT 1", PGRES_TUPLES_OK)); /* reads what has arrived */
    PGnotify *n;
    int count = 0;
    char payload[64] = "";
    while ((n = PQnotifies(listener)) != NULL) {
        count++;
        snprintf(payload, sizeof payload, "%s", n->extra);
        PQfreemem(n);
    }
    assert_int_equal(count, 1);
    assert_string_equal(payload, "1,2");
    PQfinish(listener);
    char *applied = th_query_value(db, "SELECT count(*) FROM tocsin.commands WHERE result = 'applied'");
    assert_string_equal(applied, "2");
    free(applied);
    th_db_drop(db);
}

/* The notifications waiting on listener now (a round trip reads what has arrived). */
static int notifications(PGconn *listener)
{
    PQclear(must(listener, "SELECT 1", PGRES_TUPLES_OK));
    PGnotify *n;
    int count = 0;
    while ((n = PQnotifies(listener)) != NULL) {
        count++;
        PQfreemem(n);
    }
    return count;
}

/*
 * submit() with p_notify false sends no NOTIFY: its caller sends one after
 * the commit, as the CLI does; with p_notify true it notifies inside.
 */
static void test_notify_after_commit(void **state)
{
    (void)state;
    char *db = two_pending_crises();
    th_run r;
    th_tocsin(&r, db, (const char *[]){"engine", "--once", NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    PGconn *listener = th_connect(db), *conn = th_connect(db);
    PQclear(must(listener, "LISTEN tocsin_work", PGRES_COMMAND_OK));

    PQclear(must(conn, "SELECT * FROM tocsin.submit(2, 'cancel', '{\"reason\": \"drill\"}', NULL, false)",
                 PGRES_TUPLES_OK));
    assert_int_equal(notifications(listener), 0);
    PQclear(must(conn, "SELECT * FROM tocsin.submit(2, 'cancel', '{\"reason\": \"drill\"}', NULL, true)",
                 PGRES_TUPLES_OK));
    assert_int_equal(notifications(listener), 1);

    th_tocsin(&r, db, (const char *[]){"cancel", "1", "--reason", "drill", "--no-wait", NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    assert_int_equal(notifications(listener), 1);
    char *pending = th_query_value(db, "SELECT count(*) FROM tocsin.commands WHERE applied_at IS NULL");
    assert_string_equal(pending, "3");
    free(pending);
    PQfinish(listener);
    PQfinish(conn);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_claims_work_and_seats_and_skips_what_is_held),
        cmocka_unit_test(test_take_and_next_due_pass_over_crises_set_aside),
        cmocka_unit_test(test_take_shares_a_batch_between_commands_and_due_timers),
        cmocka_unit_test(test_commit_batch_refuses_a_moved_revision),
        cmocka_unit_test(test_one_notification_per_batch),
        cmocka_unit_test(test_notify_after_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
