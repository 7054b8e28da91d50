/*
 * Health and status (issue 18; shared/design/operations.md, "Health and
 * status"), against a real server with engines as processes:
 * - `tocsin status` exits 1 with no engine and says so in words, 0 with one;
 * - a running engine's row appears within 5 s, its last_seen advances and
 *   its batches count up after work; a clean stop removes it; a killed
 *   engine's row stays, and goes stale (the 15 s window is the database's:
 *   the test moves last_seen back rather than wait), and a row a day stale
 *   is removed by the next engine that registers;
 * - what waits is counted with no engine running: pending commands and the
 *   age of the oldest, overdue timers and the most overdue, deliveries queued
 *   and failed; `--json` has exactly the contract's keys;
 * - `--prometheus` has every series and passes `promtool check metrics`
 *   (the test fails without promtool: scripts/deps.sh installs it);
 * - who may read it: every tocsin role, host and pid only for tocsin_admin
 *   and engines; a role that is not tocsin's is refused (exit 5); an engine
 *   runs and beats as a tocsin_engine role, and cannot beat or remove another
 *   role's engine.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *council_db(void)
{
    char *db = th_db_create();
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    return db;
}

/* Waits up to ms for the first value of sql on db to be want; returns whether it was. */
static int wait_for(const char *db, const char *sql, const char *want, int ms)
{
    for (long end = th_now_ms() + ms;;) {
        char *got = th_query_value(db, sql);
        int same = got != NULL && strcmp(got, want) == 0;
        free(got);
        if (same)
            return 1;
        if (th_now_ms() >= end)
            return 0;
        th_sleep_ms(100);
    }
}

/* `tocsin status ARGS...` on db as role (NULL: the test's login): its exit status, and its stdout in *out. */
static int status(const char *db, const char *role, const char *const *args, char **out)
{
    char *info = role ? th_conninfo_as(db, role) : strdup(db);
    th_run r;
    th_tocsin(&r, info, args);
    free(info);
    int code = r.status;
    if (out != NULL) {
        *out = r.out;
        r.out = NULL;
    }
    th_run_free(&r);
    return code;
}

/* `status --json` as role, checked to have exactly the contract's keys. */
static json_t *status_json(const char *db, const char *role, int expected_exit)
{
    char *out;
    int code = status(db, role, (const char *[]){"status", "--json", NULL}, &out);
    json_t *doc = json_loads(out, 0, NULL);
    if (code != expected_exit || doc == NULL)
        fail_msg("status --json: exit %d (expected %d): %s", code, expected_exit, out);
    free(out);
    static const char *const keys[] = {"engines",
                                       "pending_commands",
                                       "oldest_pending_seconds",
                                       "overdue_timers",
                                       "most_overdue_seconds",
                                       "notifications_queued",
                                       "notifications_failed"};
    assert_int_equal(json_object_size(doc), sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(doc, keys[i]) == NULL)
            fail_msg("status --json has no key %s", keys[i]);
    size_t i;
    json_t *e;
    static const char *const engine_keys[] = {"id", "host", "pid", "version", "started_at", "last_seen"};
    json_array_foreach(json_object_get(doc, "engines"), i, e)
    {
        assert_int_equal(json_object_size(e), sizeof engine_keys / sizeof engine_keys[0]);
        for (size_t k = 0; k < sizeof engine_keys / sizeof engine_keys[0]; k++)
            if (json_object_get(e, engine_keys[k]) == NULL)
                fail_msg("an engine of status --json has no key %s", engine_keys[k]);
    }
    return doc;
}

static json_int_t number(const json_t *doc, const char *key)
{
    const json_t *v = json_object_get(doc, key);
    if (!json_is_integer(v))
        fail_msg("%s is not a number", key);
    return json_integer_value(v);
}

/* Starts an engine on conninfo and waits until it has registered (within 5 s, as the contract says). */
static th_proc *start_engine(const char *conninfo, const char *db)
{
    th_proc *engine = th_tocsin_start(conninfo, (const char *[]){"engine", NULL});
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tocsin.engines WHERE pid = %ld", (long)th_pid(engine));
    if (!wait_for(db, sql, "1", 5000))
        fail_msg("the engine (pid %ld) did not register within 5 s", (long)th_pid(engine));
    return engine;
}

static void stop_engine(th_proc *engine, int sig, int expected_exit)
{
    th_signal(engine, sig);
    th_run r;
    th_wait(engine, &r);
    if (r.status != expected_exit)
        fail_msg("the engine exited %d (expected %d): %s", r.status, expected_exit, r.err);
    th_run_free(&r);
}

static void test_status_without_an_engine_exits_1(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *out;
    assert_int_equal(status(db, NULL, (const char *[]){"status", NULL}, &out), 1);
    assert_true(th_contains(out, "no engine is alive"));
    assert_true(th_contains(out, "commands: 0 pending"));
    free(out);
    json_t *doc = status_json(db, NULL, 1);
    assert_int_equal(json_array_size(json_object_get(doc, "engines")), 0);
    assert_int_equal(number(doc, "pending_commands"), 0);
    assert_true(json_is_null(json_object_get(doc, "oldest_pending_seconds")));
    assert_int_equal(number(doc, "overdue_timers"), 0);
    assert_true(json_is_null(json_object_get(doc, "most_overdue_seconds")));
    json_decref(doc);
    th_expect_tocsin(db, NULL, 2, (const char *[]){"status", "--json", "--prometheus", NULL}, NULL,
                     "choose one");
    th_db_drop(db);
}

static void test_status_heartbeat_of_a_running_engine(void **state)
{
    (void)state;
    char *db = council_db();
    th_proc *engine = start_engine(db, db);
    json_t *doc = status_json(db, NULL, 0);
    json_t *engines = json_object_get(doc, "engines");
    assert_int_equal(json_array_size(engines), 1);
    json_t *e = json_array_get(engines, 0);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    assert_string_equal(json_string_value(json_object_get(e, "host")), host);
    assert_int_equal(json_integer_value(json_object_get(e, "pid")), th_pid(engine));
    char *version = th_query_value(db, "SELECT version FROM tocsin.engines");
    assert_string_equal(json_string_value(json_object_get(e, "version")), version);
    th_run r;
    th_tocsin(&r, NULL, (const char *[]){"--version", NULL});
    assert_true(th_contains(r.out, version));
    th_run_free(&r);
    free(version);
    json_decref(doc);
    char *out;
    assert_int_equal(status(db, NULL, (const char *[]){"status", NULL}, &out), 0);
    assert_true(th_contains(out, "engines: 1 alive"));
    free(out);

    /* It beats: last_seen moves on (at least every 5 s). */
    char *seen = th_query_value(db, "SELECT last_seen FROM tocsin.engines");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT last_seen > '%s' FROM tocsin.engines", seen);
    if (!wait_for(db, sql, "t", 6000))
        fail_msg("last_seen stayed at %s for 6 s", seen);
    free(seen);

    /* Work done is counted in its next beat. */
    th_expect_value(db, "0", "SELECT batches FROM tocsin.engines");
    th_run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});
    if (!wait_for(db, "SELECT batches > 0 FROM tocsin.engines", "t", 8000))
        fail_msg("the engine's batches did not count up after it applied a trigger");
    th_expect_value(db, "active", "SELECT status FROM tocsin.crises WHERE id = 1");

    /* A clean stop removes its row. */
    stop_engine(engine, SIGTERM, 0);
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.engines");
    assert_int_equal(status(db, NULL, (const char *[]){"status", NULL}, NULL), 1);
    th_db_drop(db);
}

static void test_status_killed_engine_goes_stale(void **state)
{
    (void)state;
    char *db = th_db_create();
    th_proc *engine = start_engine(db, db);
    stop_engine(engine, SIGKILL, 128 + SIGKILL);
    /* Its row stays, and it counts as alive until 15 s have passed since its last beat. */
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.engines");
    assert_int_equal(status(db, NULL, (const char *[]){"status", NULL}, NULL), 0);
    th_exec(db, "UPDATE tocsin.engines SET last_seen = clock_timestamp() - interval '16 seconds'");
    char *out;
    assert_int_equal(status(db, NULL, (const char *[]){"status", NULL}, &out), 1);
    assert_true(th_contains(out, "no engine is alive"));
    assert_true(th_contains(out, "NOT ALIVE, last seen 1"));
    free(out);
    json_t *doc = status_json(db, NULL, 1);
    assert_int_equal(json_array_size(json_object_get(doc, "engines")), 0);
    json_decref(doc);
    assert_int_equal(status(db, NULL, (const char *[]){"status", "--prometheus", NULL}, &out), 1);
    assert_true(th_contains(out, "\ntocsin_engines_alive 0\n"));
    free(out);

    /* A row not seen for a day is removed by the next engine that registers; one seen lately stays. */
    th_exec(db,
            "UPDATE tocsin.engines SET last_seen = clock_timestamp() - interval '25 hours';"
            "INSERT INTO tocsin.engines (host, pid, version, role, started_at, last_seen)"
            " VALUES ('elsewhere', 1, '0.1.0', 'tocsin', now(), clock_timestamp() - interval '1 hour')");
    engine = start_engine(db, db);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM tocsin.engines");
    char want[64];
    snprintf(want, sizeof want, "1 %ld", (long)th_pid(engine));
    th_expect_value(db, want, "%s", sql);
    stop_engine(engine, SIGTERM, 0);
    th_expect_value(db, "elsewhere", "SELECT string_agg(host, ' ') FROM tocsin.engines");
    th_db_drop(db);
}

static void test_status_counts_what_waits(void **state)
{
    (void)state;
    char *db = council_db();
    th_run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"trigger", "council", "--mode", "exercise", "--no-wait", NULL});
    th_exec(
        db,
        "UPDATE tocsin.commands SET recorded_at = clock_timestamp() - interval '90 seconds' WHERE crisis = 1;"
        "INSERT INTO tocsin.timers (crisis, key, due) VALUES"
        " (1, 'consensus#1:deadline', clock_timestamp() - interval '120 seconds'),"
        " (1, 'consensus#1:level1', clock_timestamp() - interval '3 seconds'),"
        " (2, 'consensus#1:deadline', clock_timestamp() + interval '1 hour');"
        "INSERT INTO tocsin.notifications (crisis, audit_seq, at, seat, channel, address, status, next_at)"
        " VALUES (1, 1, now(), 'council/KZ', 'email', 'a@b.kz', 'queued', now()),"
        "        (1, 1, now(), 'council/RU', 'email', 'a@b.ru', 'queued', now()),"
        "        (1, 1, now(), 'council/TJ', 'email', 'a@b.tj', 'failed', NULL),"
        "        (1, 1, now(), 'council/AM', 'email', 'a@b.am', 'sent', NULL),"
        "        (1, 1, now(), 'council/BY', 'none', NULL, 'no contact', NULL);"
        "INSERT INTO tocsin.escalations (crisis, state, level, manual, detail, at) VALUES"
        " (1, 'consensus', 1, false, '{}', now()), (1, 'consensus', 2, true, '{}', now())");

    json_t *doc = status_json(db, NULL, 1);
    assert_int_equal(number(doc, "pending_commands"), 2);
    json_int_t oldest = number(doc, "oldest_pending_seconds");
    assert_true(oldest >= 90 && oldest < 120);
    assert_int_equal(number(doc, "overdue_timers"), 2);
    json_int_t late = number(doc, "most_overdue_seconds");
    assert_true(late >= 120 && late < 150);
    assert_int_equal(number(doc, "notifications_queued"), 2);
    assert_int_equal(number(doc, "notifications_failed"), 1);
    json_decref(doc);

    char *out;
    assert_int_equal(status(db, NULL, (const char *[]){"status", NULL}, &out), 1);
    assert_true(th_contains(out, "commands: 2 pending, the oldest recorded 1m"));
    assert_true(th_contains(out, "timers: 2 overdue (due and not fired), the most overdue 2m"));
    assert_true(th_contains(out, "notifications: 2 queued, 1 failed"));
    free(out);

    assert_int_equal(status(db, NULL, (const char *[]){"status", "--prometheus", NULL}, &out), 1);
    static const char *const lines[] = {
        "\ntocsin_crises{status=\"active\",mode=\"actual\"} 1\n",
        "\ntocsin_crises{status=\"active\",mode=\"exercise\"} 1\n",
        "\ntocsin_crises{status=\"closed\",mode=\"test\"} 0\n",
        "\ntocsin_commands_pending 2\n",
        "\ntocsin_oldest_pending_command_seconds 9",
        "\ntocsin_timers_overdue 2\n",
        "\ntocsin_engines_alive 0\n",
        "\ntocsin_notifications{status=\"queued\"} 2\n",
        "\ntocsin_notifications{status=\"sent\"} 1\n",
        "\ntocsin_notifications{status=\"failed\"} 1\n",
        "\ntocsin_notifications{status=\"no contact\"} 1\n",
        "\ntocsin_escalations_total 2\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!th_contains(out, lines[i]))
            fail_msg("status --prometheus has no line%s\n%s", lines[i], out);
    th_expect_promtool_passes(out);
    free(out);

    /* Applied, nothing waits. */
    th_exec(db,
            "DELETE FROM tocsin.timers; UPDATE tocsin.notifications SET status = 'sent', next_at = NULL"
            " WHERE status = 'queued'");
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});
    doc = status_json(db, NULL, 1);
    assert_int_equal(number(doc, "pending_commands"), 0);
    assert_true(json_is_null(json_object_get(doc, "oldest_pending_seconds")));
    assert_int_equal(number(doc, "notifications_queued"), 0);
    json_decref(doc);
    assert_int_equal(status(db, NULL, (const char *[]){"status", "--prometheus", NULL}, &out), 1);
    assert_true(th_contains(out, "\ntocsin_oldest_pending_command_seconds 0.000\n"));
    th_expect_promtool_passes(out);
    free(out);
    th_db_drop(db);
}

static void test_status_who_may_read_it(void **state)
{
    (void)state;
    char *db = council_db();
    long pid = (long)getpid();
    char kz[64], observer[64], engine_role[64], outsider[64], sql[512];
    snprintf(kz, sizeof kz, "kz_status_%ld", pid);
    snprintf(observer, sizeof observer, "observer_status_%ld", pid);
    snprintf(engine_role, sizeof engine_role, "engine_status_%ld", pid);
    snprintf(outsider, sizeof outsider, "outsider_status_%ld", pid);
    th_run_ok(db, (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL});
    th_run_ok(db, (const char *[]){"actor", "add", observer, "--observer", "INTERPOL", "--login", NULL});
    snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN IN ROLE tocsin_engine; CREATE ROLE %s LOGIN", engine_role,
             outsider);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    th_exec(db,
            "INSERT INTO tocsin.engines (host, pid, version, role, started_at)"
            " VALUES ('ops-1', 4242, '0.1.0', 'tocsin', now())");

    /* Every tocsin role reads the counts; host and pid only tocsin_admin and the engines. */
    const char *const hidden[] = {kz, observer};
    for (size_t i = 0; i < 2; i++) {
        json_t *doc = status_json(db, hidden[i], 0);
        json_t *e = json_array_get(json_object_get(doc, "engines"), 0);
        assert_non_null(json_string_value(json_object_get(e, "id")));
        assert_true(json_is_null(json_object_get(e, "host")));
        assert_true(json_is_null(json_object_get(e, "pid")));
        json_decref(doc);
        char *out;
        assert_int_equal(status(db, hidden[i], (const char *[]){"status", NULL}, &out), 0);
        assert_false(th_contains(out, "ops-1"));
        free(out);
        assert_int_equal(status(db, hidden[i], (const char *[]){"status", "--prometheus", NULL}, NULL), 0);
    }
    const char *const full[] = {NULL, engine_role};
    for (size_t i = 0; i < 2; i++) {
        json_t *doc = status_json(db, full[i], 0);
        json_t *e = json_array_get(json_object_get(doc, "engines"), 0);
        assert_string_equal(json_string_value(json_object_get(e, "host")), "ops-1");
        assert_int_equal(json_integer_value(json_object_get(e, "pid")), 4242);
        json_decref(doc);
    }
    /* A role that is none of tocsin's is refused, in one line, exit 5. */
    th_expect_tocsin(
        db, outsider, 5, (const char *[]){"status", NULL}, NULL,
        "cannot read the status: permission denied for schema tocsin (only members of tocsin_admin, "
        "tocsin_engine, tocsin_actor or tocsin_observer may)");
    th_expect_tocsin(db, outsider, 5, (const char *[]){"status", "--prometheus", NULL}, NULL,
                     "permission denied");
    /* Nobody but an engine registers, beats or leaves; and an engine only for its own role. */
    free(th_sql_as(db, kz, NULL, "SELECT tocsin.engine_register('x', 1, '0.1.0', now())",
                   "permission denied"));
    free(th_sql_as(db, kz, NULL,
                   "SELECT tocsin.engine_leave(id) FROM tocsin.status() s,"
                   " jsonb_to_recordset(s.engines) AS e (id uuid)",
                   "permission denied"));
    char *answer =
        th_sql_as(db, engine_role, NULL, "SELECT tocsin.engine_beat(id, 5) FROM tocsin.engines", NULL);
    assert_string_equal(answer, "f");
    free(answer);
    answer = th_sql_as(db, engine_role, NULL, "SELECT tocsin.engine_leave(id) FROM tocsin.engines", NULL);
    assert_string_equal(answer, "f");
    free(answer);
    free(th_sql_as(db, engine_role, NULL, "DELETE FROM tocsin.engines", "permission denied"));
    th_expect_value(db, "1 0", "SELECT count(*) || ' ' || sum(batches) FROM tocsin.engines");

    /* An engine running as a tocsin_engine role registers, beats and leaves as that role. */
    char *as_engine = th_conninfo_as(db, engine_role);
    th_proc *engine = start_engine(as_engine, db);
    snprintf(sql, sizeof sql, "SELECT role FROM tocsin.engines WHERE pid = %ld", (long)th_pid(engine));
    th_expect_value(db, engine_role, "%s", sql);
    stop_engine(engine, SIGTERM, 0);
    th_expect_value(db, "ops-1", "SELECT string_agg(host, ' ') FROM tocsin.engines");
    free(as_engine);

    th_db_drop(db);
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s, %s, %s, %s", kz, observer, engine_role, outsider);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_without_an_engine_exits_1),
        cmocka_unit_test(test_status_heartbeat_of_a_running_engine),
        cmocka_unit_test(test_status_killed_engine_goes_stale),
        cmocka_unit_test(test_status_counts_what_waits),
        cmocka_unit_test(test_status_who_may_read_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
