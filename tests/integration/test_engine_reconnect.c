/*
 * The database restarted under a running engine: the engine keeps running,
 * reconnects with backoff, and applies what was recorded while it was away.
 * This test starts a PostgreSQL cluster of its own (scripts/pg.sh with a
 * private directory and port), so stopping it disturbs no other test.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static char *dir;

static int pg(const char *command)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "TOCSIN_PGDIR='%s' TOCSIN_PGPORT= '%s/scripts/pg.sh' %s >/dev/null 2>&1", dir,
             th_env("TOCSIN_SOURCE_DIR"), command);
    return system(cmd);
}

static char *conninfo(void)
{
    char *info = malloc(4200);
    snprintf(info, 4200, "host=%s/run port=5432 user=tocsin dbname=tocsin", dir);
    return info;
}

static void run_ok(const char *db, const char *const *args)
{
    th_run r;
    th_tocsin(&r, db, args);
    if (r.status != 0)
        fail_msg("tocsin %s: %s", args[0], r.err);
    th_run_free(&r);
}

static int count_closed(const char *db)
{
    PGconn *conn = PQconnectdb(db);
    int n = -1;
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult *res = PQexec(conn, "SELECT count(*) FROM tocsin.crises WHERE status = 'closed'");
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            n = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    PQfinish(conn);
    return n;
}

/* The engine a test started and has not collected: an engine that waits for its database never exits
 * on its own, so a failing test must not leave it behind. */
static th_proc *engine;

/* After a test, passed or failed: no engine and no cluster left. */
static int stop_all(void **state)
{
    (void)state;
    if (engine != NULL) {
        th_end(engine, SIGKILL);
        engine = NULL;
    }
    if (dir != NULL) {
        pg("destroy");
        th_rmtree(dir);
        free(dir);
        dir = NULL;
    }
    return 0;
}

static void test_engine_reconnect_after_database_restart(void **state)
{
    (void)state;
    dir = th_server_tempdir();
    assert_int_equal(pg("start"), 0);
    char *db = conninfo();
    char playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/playbooks/valid/council.json",
             th_env("TOCSIN_SOURCE_DIR"));
    run_ok(db, (const char *[]){"migrate", NULL});
    run_ok(db, (const char *[]){"playbook", "load", playbook, NULL});
    run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});

    engine = th_tocsin_start(db, (const char *[]){"engine", "--verbose", NULL});
    th_sleep_ms(1500);
    assert_int_equal(pg("stop"), 0);
    th_sleep_ms(1500); /* the engine notices and retries */
    assert_int_equal(pg("start"), 0);

    /* Recorded while the engine reconnects: a second crisis, closed by an admin cancel. */
    run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});
    PGconn *conn = PQconnectdb(db);
    PQclear(PQexec(conn,
                   "INSERT INTO tocsin.commands (crisis, kind, actor, login, args)"
                   " VALUES (2, 'cancel', 'tocsin', 'tocsin', '{\"reason\": \"exercise over\"}')"));
    PQfinish(conn);
    int closed = 0;
    for (int i = 0; i < 150 && closed < 1; i++) {
        th_sleep_ms(100);
        char *n = NULL;
        conn = PQconnectdb(db);
        PGresult *res = PQexec(conn, "SELECT count(*) FROM tocsin.crises WHERE status = 'cancelled'");
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            n = PQgetvalue(res, 0, 0);
        closed = n ? atoi(n) : 0;
        PQclear(res);
        PQfinish(conn);
    }
    th_signal(engine, SIGTERM);
    th_run r;
    th_wait(engine, &r);
    engine = NULL;
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.err, "database unavailable") ||
                th_contains(r.err, "lost the listening connection"));
    th_run_free(&r);
    assert_int_equal(closed, 1);
    assert_int_equal(count_closed(db), 0);
    free(db);
}

/*
 * An engine started while the database is not there (a server still starting,
 * a failover with no primary yet) waits for it instead of exiting, and
 * applies what is recorded once it answers. Before, the engine exited 7 at
 * once, and a service manager that started it with the database was left
 * with no engine.
 */
/* Whether pid has a handler for sig within ms milliseconds (SigCgt in /proc/PID/status): a signal sent
 * before the engine watches it would end the process as the default action does, whatever the engine does. */
static int catches_within(pid_t pid, int sig, int ms)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (int waited = 0; waited < ms; waited += 20) {
        FILE *f = fopen(path, "r");
        unsigned long long caught = 0;
        while (f != NULL && fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "SigCgt: %llx", &caught) == 1)
                break;
        if (f != NULL)
            fclose(f);
        if (caught & (1ULL << (sig - 1)))
            return 1;
        th_sleep_ms(20);
    }
    return 0;
}

/* How many times needle occurs in text. */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_engine_waits_for_the_database_at_start(void **state)
{
    (void)state;
    dir = th_server_tempdir();
    assert_int_equal(pg("start"), 0);
    char *db = conninfo();
    char playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/playbooks/valid/council.json",
             th_env("TOCSIN_SOURCE_DIR"));
    run_ok(db, (const char *[]){"migrate", NULL});
    run_ok(db, (const char *[]){"playbook", "load", playbook, NULL});
    run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});
    assert_int_equal(pg("stop"), 0);

    engine = th_tocsin_start(db, (const char *[]){"engine", "--verbose", NULL});
    th_sleep_ms(2500); /* tries at 0, 0.1, 0.3, 0.7, 1.5 and 2.5 s: five or six failures */
    assert_true(th_alive(th_pid(engine))); /* it waits: it did not exit */
    assert_int_equal(pg("start"), 0);

    /* The crisis triggered before the engine started is opened, and a cancel recorded now is applied. */
    PGconn *conn = PQconnectdb(db);
    PQclear(PQexec(conn,
                   "INSERT INTO tocsin.commands (crisis, kind, actor, login, args)"
                   " VALUES (1, 'cancel', 'tocsin', 'tocsin', '{\"reason\": \"exercise over\"}')"));
    PQfinish(conn);
    char *cancelled = NULL;
    for (int i = 0; i < 150; i++) { /* the engine's backoff is at most 3.2 s apart by now */
        free(cancelled);
        cancelled = th_query_value(db, "SELECT count(*) FROM tocsin.crises WHERE status = 'cancelled'");
        if (cancelled != NULL && strcmp(cancelled, "1") == 0)
            break;
        th_sleep_ms(100);
    }
    th_signal(engine, SIGTERM);
    th_run r;
    th_wait(engine, &r);
    engine = NULL;
    if (r.status != 0 || cancelled == NULL || strcmp(cancelled, "1") != 0 ||
        !th_contains(r.err, "database unavailable: waiting for it") ||
        !th_contains(r.err, "database reached"))
        fail_msg("engine started before the database: exit %d, cancelled %s, log:\n%s", r.status,
                 cancelled ? cancelled : "(none)", r.err);
    /* Of the five or more failures, the first three were logged, each with its number (then one in
     * thirty: test_backoff). */
    if (occurrences(r.err, "waiting for it") != 3 || !th_contains(r.err, "failures=3") ||
        th_contains(r.err, "failures=4"))
        fail_msg("the tries to reach the database were not logged as the first three: %s", r.err);
    th_run_free(&r);
    free(cancelled);

    /* Stopped while it waits, it exits 0 at once. */
    assert_int_equal(pg("stop"), 0);
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    assert_true(catches_within(th_pid(engine), SIGTERM, 30000));
    th_sleep_ms(300);
    long before = th_now_ms();
    th_signal(engine, SIGTERM);
    th_wait(engine, &r);
    engine = NULL;
    assert_int_equal(r.status, 0);
    assert_true(th_now_ms() - before < 3000);
    th_run_free(&r);

    /* What waiting cannot mend stops it: a role that does not exist (exit 4), once the database answers. */
    assert_int_equal(pg("start"), 0);
    th_tocsin(&r, db, (const char *[]){"--as", "no_such_role", "engine", NULL});
    if (r.status != 4 || !th_contains(r.err, "no such role"))
        fail_msg("engine --as no_such_role: exit %d: %s", r.status, r.err);
    th_run_free(&r);

    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_engine_reconnect_after_database_restart, stop_all),
        cmocka_unit_test_teardown(test_engine_waits_for_the_database_at_start, stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
