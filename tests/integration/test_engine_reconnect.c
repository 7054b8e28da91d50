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

static void test_engine_reconnect_after_database_restart(void **state)
{
    (void)state;
    dir = th_tempdir();
    /* The server runs as postgres when we are root: it must be able to enter the directory. */
    char chmod_cmd[4200];
    snprintf(chmod_cmd, sizeof chmod_cmd, "chmod 755 '%s'", dir);
    assert_int_equal(system(chmod_cmd), 0);
    assert_int_equal(pg("start"), 0);
    char *db = conninfo();
    char playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/playbooks/valid/council.json",
             th_env("TOCSIN_SOURCE_DIR"));
    run_ok(db, (const char *[]){"migrate", NULL});
    run_ok(db, (const char *[]){"playbook", "load", playbook, NULL});
    run_ok(db, (const char *[]){"trigger", "council", "--no-wait", NULL});

    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--verbose", NULL});
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
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.err, "database unavailable") ||
                th_contains(r.err, "lost the listening connection"));
    th_run_free(&r);
    assert_int_equal(closed, 1);
    assert_int_equal(count_closed(db), 0);
    free(db);
    pg("destroy");
    th_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_reconnect_after_database_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
