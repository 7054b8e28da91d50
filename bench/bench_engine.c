/*
 * Benchmark: votes applied per second by the engine, one engine and two, on a
 * six-seat consensus: 1,000 crises, 6,000 votes queued, then engines run
 * (`--once`, in child processes) until every vote is applied. Timed from the
 * engines' start to their exit. Each figure is the median of RUNS runs.
 *
 *   bench_engine ADMIN_CONNINFO PLAYBOOK.json [RUNS] [CRISES]
 *
 * ADMIN_CONNINFO names a maintenance database (postgres) of the server; the
 * benchmark creates and drops its own database, tocsin_bench.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_support.h"
#include "daemon/engine.h"
#include "store/db.h"

/* A fresh database with the schema, the playbook, seats, the crises triggered and applied, the votes queued.
 */
static char *prepare(const char *admin, const char *playbook_text, int crises)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, "tocsin_bench", playbook_text, NULL);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    char sql[1024];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.seats SELECT lower(p), 'council/' || p FROM "
        "unnest(ARRAY['AM','BY','KZ','KG','RU','TJ']) p;"
        "SELECT tocsin.trigger('council', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)"
        "  FROM generate_series(1, %d)",
        crises);
    bench_must(tc_db_command(conn, sql, "seed", &err), &err);
    tc_db_close(conn);

    tc_engine_options once = {.conninfo = db, .once = 1, .id = "bench-setup", .batch_size = 200};
    bench_must(tc_engine_run(&once, &err), &err); /* apply the triggers */

    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_must(
        tc_db_command(
            conn,
            "INSERT INTO tocsin.commands (crisis, kind, actor, login, args)"
            " SELECT c.id, 'vote', lower(p), lower(p), jsonb_build_object('party', p, 'vote', 'approve',"
            "        'reason', 'agreed in capital')"
            "   FROM tocsin.crises c, unnest(ARRAY['AM','BY','KZ','KG','RU','TJ']) p ORDER BY c.id, p;"
            "ANALYZE",
            "queue votes", &err),
        &err);
    tc_db_close(conn);
    return db;
}

static double run_engines(const char *db, int engines)
{
    pid_t pids[8];
    double start = bench_now();
    for (int i = 0; i < engines; i++) {
        char id[32];
        snprintf(id, sizeof id, "bench-%d", i);
        pids[i] = bench_spawn_engine(db, id, 1);
    }
    int failed = 0;
    for (int i = 0; i < engines; i++) {
        int status;
        waitpid(pids[i], &status, 0);
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    if (failed) {
        fprintf(stderr, "bench_engine: an engine failed\n");
        exit(1);
    }
    return bench_now() - start;
}

static void check_applied(const char *db, int votes)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    PGresult *res =
        tc_db_query(conn, "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'", 0, NULL, "count", &err);
    bench_must(res == NULL, &err);
    int applied = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    tc_db_close(conn);
    if (applied != votes) {
        fprintf(stderr, "bench_engine: %d votes applied, %d expected\n", applied, votes);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_engine ADMIN_CONNINFO PLAYBOOK.json [RUNS] [CRISES]\n");
        return 2;
    }
    bench_name = "bench_engine";
    const char *admin = argv[1];
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    int crises = argc > 4 ? atoi(argv[4]) : 1000;
    if (runs < 1 || runs > 16 || crises < 1) {
        fprintf(stderr, "bench_engine: RUNS must be 1 to 16, CRISES positive\n");
        return 2;
    }
    char *text = bench_read_file(argv[2]);
    signal(SIGPIPE, SIG_IGN);

    for (int engines = 1; engines <= 2; engines++) {
        double rates[16];
        for (int r = 0; r < runs; r++) {
            char *db = prepare(admin, text, crises);
            double seconds = run_engines(db, engines);
            check_applied(db, 6 * crises);
            rates[r] = 6 * crises / seconds;
            free(db);
        }
        bench_sort(rates, runs);
        printf(
            "| engine: votes applied per second, %d engine%s (%d crises, %d queued votes) | %.0f/s | "
            "%.0f–%.0f/s | %d runs |\n",
            engines, engines == 1 ? "" : "s", crises, 6 * crises, rates[runs / 2], rates[0], rates[runs - 1],
            runs);
        if (engines == 1) /* beside the peer's figure: each crisis is decided by its sixth vote */
            printf(
                "| engine: crises decided per second, 1 engine (the same runs) | %.0f/s | %.0f–%.0f/s | %d "
                "runs "
                "|\n",
                rates[runs / 2] / 6, rates[0] / 6, rates[runs - 1] / 6, runs);
        fflush(stdout);
    }
    bench_drop_database(admin, "tocsin_bench");
    free(text);
    return 0;
}
