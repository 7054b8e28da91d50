/*
 * The fault suite (issue 20, part 3): crises driven by many CLIs at once
 * while the engines and the database are hurt, then the books checked.
 *
 * The load: the drill's (tests/support/drill.h): crises of tests/data/failover/drill.json,
 * each triggered, voted on by three council seats and completed by the
 * secretariat (every sixth ends by a timer alone), by up to PARALLEL CLI
 * processes at a time. Each command carries an idempotency key and is sent
 * again with the same key when the CLI exits 7 (database unavailable), as a
 * client should.
 *
 * The faults, one every TOCSIN_FAULTS_EVERY_MS in turn: an engine killed
 * with SIGKILL (and another started in its place), the engines' backends
 * terminated (pg_terminate_backend, on their application_name), another
 * engine killed, and PostgreSQL crashed and started again (scripts/pg.sh
 * crash: pg_ctl -m immediate, recovery from the WAL). Two or more engines
 * run throughout. On a Patroni cluster (TOCSIN_FAULTS_HA=1, scripts/ha.sh)
 * the database is not restarted in place: its primary's postmaster is killed
 * once, a third of the way through, and the cluster fails over.
 *
 * Then: every acknowledged command is recorded once and applied once; per
 * crisis, the completion comes after the votes in the audit (concurrent votes
 * applied out of seq order are counted); no command's audit event is written
 * twice; no crisis is left open; `tocsin audit verify` passes. The figures are printed on stdout.
 *
 * The short form (the defaults) runs in CI on a cluster of its own, so its
 * restarts disturb no other test; scripts/faults.sh full runs the long one.
 * Settings (environment): TOCSIN_FAULTS_CRISES, TOCSIN_FAULTS_PARALLEL,
 * TOCSIN_FAULTS_ENGINES, TOCSIN_FAULTS_EVERY_MS, TOCSIN_FAULTS_HA,
 * TOCSIN_FAULTS_SECONDS (the most a run may take).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "drill.h"

#define MAX_ENGINES 8
/* What the engines are known by in pg_stat_activity: PGAPPNAME outranks their fallback_application_name. */
#define ENGINE_APP "tocsin faults engine"

enum { FAULT_KILL, FAULT_TERMINATE, FAULT_KILL_AGAIN, FAULT_RESTART, FAULTS };

static struct {
    int crises, parallel, engines, every_ms, ha, seconds;
} cfg;

static char *dir; /* the cluster's directory */
static char *db;  /* its conninfo */
static th_proc *engines[MAX_ENGINES];
static int generation; /* engines started so far, for their ids */
static th_drill *drill;
static struct {
    int kills, terminations, terminated, restarts, failovers, disorder;
} seen;

static int setting(const char *name, int fallback)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? atoi(v) : fallback;
}

/* Runs scripts/NAME.sh COMMAND on the suite's own cluster, its output kept in the directory's faults.err. */
static int script(const char *name, const char *command)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "TOCSIN_PGDIR='%s' TOCSIN_PGPORT= TOCSIN_HADIR='%s' '%s/scripts/%s.sh' %s >/dev/null "
             "2>>'%s/faults.err'",
             dir, dir, th_env("TOCSIN_SOURCE_DIR"), name, command, dir);
    return system(cmd);
}

/* The same, without waiting: a shell in a child process, whose stdout goes to out. */
static pid_t script_start(const char *command, const char *out)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char cmd[16384];
        snprintf(
            cmd, sizeof cmd,
            "export TOCSIN_PGDIR='%s' TOCSIN_PGPORT= TOCSIN_HADIR='%s'; { %s; } >'%s' 2>>'%s/faults.err'",
            dir, dir, command, out, dir);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void start_engine(int i)
{
    char id[32];
    snprintf(id, sizeof id, "faults-%d", generation++);
    setenv("PGAPPNAME", ENGINE_APP, 1);
    engines[i] = th_tocsin_start(db, (const char *[]){"engine", "--id", id, NULL});
    unsetenv("PGAPPNAME");
}

static int group_setup(void **state)
{
    (void)state;
    cfg.crises = setting("TOCSIN_FAULTS_CRISES", 36);
    cfg.parallel = setting("TOCSIN_FAULTS_PARALLEL", 6);
    cfg.engines = setting("TOCSIN_FAULTS_ENGINES", 2);
    cfg.every_ms = setting("TOCSIN_FAULTS_EVERY_MS", 1500);
    cfg.ha = setting("TOCSIN_FAULTS_HA", 0);
    cfg.seconds = setting("TOCSIN_FAULTS_SECONDS", 180);
    assert_true(cfg.crises > 0 && cfg.parallel > 0 && cfg.every_ms > 0);
    assert_true(cfg.engines >= 2 && cfg.engines <= MAX_ENGINES);

    dir = th_server_tempdir();
    char errors[4200]; /* what the scripts said */
    snprintf(errors, sizeof errors, "%s/faults.err", dir);
    db = malloc(4400);
    long began = th_now_ms();
    if (cfg.ha) {
        /* Ports of our own, as test_failover takes them, but not the same ones. */
        int port = 20020 + (int)(getpid() % 250) * 40;
        char text[16];
        snprintf(text, sizeof text, "%d", port);
        setenv("TOCSIN_HA_PORT", text, 1);
        setenv("TOCSIN_HA_NODES", "3", 1);
        if (script("ha", "start") != 0)
            fail_msg("scripts/ha.sh start failed: %s", th_read_file(errors));
        snprintf(db, 4400,
                 "host=127.0.0.1,127.0.0.1,127.0.0.1 port=%d,%d,%d user=tocsin dbname=tocsin "
                 "target_session_attrs=read-write passfile=%s/pgpass",
                 port + 11, port + 12, port + 13, dir);
    } else {
        if (script("pg", "start") != 0)
            fail_msg("scripts/pg.sh start failed: %s", th_read_file(errors));
        snprintf(db, 4400, "host=%s/run port=5432 user=tocsin dbname=tocsin", dir);
    }
    fprintf(stderr, "the cluster started in %ld ms\n", th_now_ms() - began);
    th_drill_prepare(db);
    return 0;
}

static void stop_engines(int gently)
{
    for (int i = 0; i < cfg.engines; i++) {
        if (engines[i] == NULL)
            continue;
        th_run r;
        th_signal(engines[i], gently ? SIGTERM : SIGKILL);
        th_wait(engines[i], &r);
        engines[i] = NULL;
        if (gently && r.status != 0)
            fail_msg("engine %d exited %d: %s", i, r.status, r.err);
        th_run_free(&r);
    }
}

static int group_teardown(void **state)
{
    (void)state;
    stop_engines(0);
    if (dir != NULL) {
        if (script(cfg.ha ? "ha" : "pg", "destroy") != 0)
            fprintf(stderr, "destroying the cluster in %s failed\n", dir);
        th_rmtree(dir);
        free(dir);
        dir = NULL;
    }
    th_drill_free(drill);
    drill = NULL;
    free(db);
    return 0;
}

/* Terminates the engines' backends; how many there were, or -1 when the database did not answer. */
static int terminate_engine_backends(void)
{
    PGconn *conn = PQconnectdb(db);
    int n = -1;
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult *res = PQexec(conn,
                               "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                               " WHERE application_name = '" ENGINE_APP "'");
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            n = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    PQfinish(conn);
    return n;
}

/* The next fault of the rotation; a restart (or the one failover) runs as a child, *busy its pid. */
static void hurt(int which, pid_t *busy, int *failover_due)
{
    char cmd[8192], out[4200];
    snprintf(out, sizeof out, "%s/fault.out", dir);
    if (*failover_due) {
        snprintf(cmd, sizeof cmd, "'%s/scripts/ha.sh' kill-primary", th_env("TOCSIN_SOURCE_DIR"));
        *busy = script_start(cmd, out);
        *failover_due = 0;
        seen.failovers++;
        return;
    }
    switch (which % FAULTS) {
    case FAULT_KILL: /* an engine killed mid-batch, another started in its place */
    case FAULT_KILL_AGAIN: {
        int i = (which / FAULTS + (which % FAULTS == FAULT_KILL_AGAIN)) % cfg.engines;
        th_end(engines[i], SIGKILL);
        start_engine(i);
        seen.kills++;
        break;
    }
    case FAULT_TERMINATE: { /* the engines' connections cut by the server: they must reconnect */
        int n = terminate_engine_backends();
        if (n >= 0) {
            seen.terminations++;
            seen.terminated += n;
        }
        break;
    }
    case FAULT_RESTART: /* the server crashed and started again; on a Patroni cluster, left to the failover */
        if (cfg.ha)
            break;
        snprintf(cmd, sizeof cmd, "'%s/scripts/pg.sh' crash && sleep 0.5 && '%s/scripts/pg.sh' start",
                 th_env("TOCSIN_SOURCE_DIR"), th_env("TOCSIN_SOURCE_DIR"));
        *busy = script_start(cmd, out);
        seen.restarts++;
        break;
    }
}

/* The drill's books (th_drill_check_books), and what the faults could break besides. */
static void check_books(void)
{
    th_drill_check_books(drill);

    /* No crisis besides the drill's (none triggered twice), nothing pending. */
    char expected[32];
    snprintf(expected, sizeof expected, "%d", cfg.crises);
    th_expect_value(db, expected, "SELECT count(*) FROM tocsin.crises");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.commands WHERE applied_at IS NULL");

    /* No event twice, across every crisis and actor. */
    th_expect_value(db, "0",
                    "SELECT count(*) FROM (SELECT crisis, kind, actor FROM tocsin.audit"
                    " WHERE kind IN ('triggered', 'vote', 'completed', 'closed')"
                    " GROUP BY crisis, kind, actor HAVING count(*) > 1) twice");

    /*
     * In order: a crisis's completion, sent only once its votes were acknowledged, after them in its
     * audit; its votes those of its commands. The engine applies what it sees in the order it was
     * recorded (tocsin_claim_work: the millisecond, then seq), but concurrent votes may commit, and so
     * become visible, in another order than their seq: a 300-crisis run on Patroni (synchronous commit)
     * applied 2 crises' votes out of seq order, each vote recorded 2 and 59 ms before the other. Those
     * are counted, not failed (seen.disorder).
     */
    th_expect_value(
        db, "0",
        "SELECT count(*) FROM tocsin.crises c"
        " WHERE (SELECT string_agg(actor, ',' ORDER BY actor) FROM tocsin.commands m"
        "         WHERE m.crisis = c.id AND m.kind IN ('vote', 'complete'))"
        " IS DISTINCT FROM (SELECT string_agg(actor, ',' ORDER BY actor) FROM tocsin.audit a"
        "         WHERE a.crisis = c.id AND a.kind IN ('vote', 'completed'))"
        " OR (SELECT max(seq) FROM tocsin.audit a WHERE a.crisis = c.id AND a.kind = 'vote')"
        "     > (SELECT min(seq) FROM tocsin.audit a WHERE a.crisis = c.id AND a.kind = 'completed')");
    char *disorder =
        th_query_value(db,
                       "SELECT count(*) FROM tocsin.crises c"
                       " WHERE (SELECT string_agg(actor, ',' ORDER BY seq) FROM tocsin.commands m"
                       "         WHERE m.crisis = c.id AND m.kind IN ('vote', 'complete'))"
                       " IS DISTINCT FROM (SELECT string_agg(actor, ',' ORDER BY seq) FROM tocsin.audit a"
                       "         WHERE a.crisis = c.id AND a.kind IN ('vote', 'completed'))");
    seen.disorder = disorder ? atoi(disorder) : -1;
    free(disorder);
}

static void test_faults_books_balance(void **state)
{
    (void)state;
    drill = th_drill_new(db, "faults", cfg.crises);
    for (int i = 0; i < cfg.engines; i++)
        start_engine(i);

    long start = th_now_ms(), next_fault = start + cfg.every_ms;
    int faults = 0, failover_due = 0, failover_done = !cfg.ha;
    pid_t busy = 0; /* a restart or failover under way */
    while (drill->acked < drill->count) {
        if (th_now_ms() - start > cfg.seconds * 1000L)
            fail_msg("%d of %d commands acknowledged after %d s", drill->acked, drill->count, cfg.seconds);
        th_drill_step(drill, cfg.parallel, NULL, NULL);
        if (busy > 0) {
            int status;
            if (waitpid(busy, &status, WNOHANG) == busy) {
                busy = 0;
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                    fail_msg("a restart or failover failed (see %s/faults.err)", dir);
            }
        } else if (th_now_ms() >= next_fault) {
            if (!failover_done && drill->acked >= drill->count / 3)
                failover_due = failover_done = 1;
            hurt(faults++, &busy, &failover_due);
            next_fault = th_now_ms() + cfg.every_ms;
        }
        th_sleep_ms(10);
    }
    while (busy > 0 && waitpid(busy, &(int){0}, 0) < 0 && errno == EINTR)
        ;
    long acked_ms = th_now_ms() - start;

    /* The timers of the last crises, and what the last kills left to another engine, still to run. */
    th_drill_await_closed(drill, 60000);
    long closed_ms = th_now_ms() - start;
    stop_engines(1);
    check_books();
    printf(
        "faults: %d crises, %d commands acknowledged, 0 lost, 0 applied twice, 0 duplicated audit events;"
        " %d engine kills (SIGKILL), %d backend terminations (%d backends), %d PostgreSQL restarts"
        " (immediate), %d failovers; %d tries refused as unavailable (exit 7), %d not yet there;"
        " every command acknowledged after %ld ms, every crisis closed after %ld ms;"
        " %d crises whose concurrent votes were applied in another order than their seq\n",
        cfg.crises, drill->count, seen.kills, seen.terminations, seen.terminated, seen.restarts,
        seen.failovers, drill->unavailable, drill->not_yet, acked_ms, closed_ms, seen.disorder);
    fflush(stdout);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_books_balance),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
