/*
 * Benchmark: `tocsin show ID` and `tocsin list --status active --limit 50` on a
 * database holding many crises, wall time including process start (the
 * operator's experience). Prints Markdown table rows: median and spread.
 *
 *   bench_show ADMIN_CONNINFO TOCSIN_BINARY PLAYBOOK.json [CRISES] [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_support.h"
#include "daemon/engine.h"
#include "store/db.h"

/* Runs binary with args, output to /dev/null; returns the wall time in ms. */
static double timed_run(const char *binary, const char *db, char *const *args)
{
    fflush(stdout); /* or the child's freopen would write our buffer out again */
    double start = bench_now();
    pid_t pid = bench_fork();
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        setenv("TOCSIN_DB", db, 1);
        execv(binary, args);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_show: %s %s failed\n", args[1], args[2] ? args[2] : "");
        exit(1);
    }
    return (bench_now() - start) * 1e3;
}

static void report(const char *what, const char *binary, const char *db, char *const *args, int runs)
{
    double t[64];
    timed_run(binary, db, args); /* warm the caches */
    for (int i = 0; i < runs; i++)
        t[i] = timed_run(binary, db, args);
    bench_sort(t, runs);
    printf("| %s | %.1f ms | %.1f–%.1f ms | %d runs |\n", what, t[runs / 2], t[0], t[runs - 1], runs);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_show ADMIN_CONNINFO TOCSIN_BINARY PLAYBOOK.json [CRISES] [RUNS]\n");
        return 2;
    }
    const char *admin = argv[1], *binary = argv[2];
    int crises = argc > 4 ? atoi(argv[4]) : 100000, runs = argc > 5 ? atoi(argv[5]) : 21;
    if (runs > 64)
        runs = 64;
    bench_name = "bench_show";
    char *text = bench_read_file(argv[3]);
    char *name;
    char *db = bench_fresh_database(admin, "tocsin_bench_show", text, &name);
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    char sql[2048];
    snprintf(
        sql, sizeof sql,
        "SELECT tocsin.trigger('%s', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)",
        name);
    bench_must(tc_db_command(conn, sql, "trigger", &err), &err);
    tc_db_close(conn);
    tc_engine_options once = {.conninfo = db, .once = 1, .id = "bench-show"};
    bench_must(tc_engine_run(&once, &err), &err);

    /* Copies of the first crisis, state and all; a third of them closed. */
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.crises (playbook, version, title, status, severity, mode, parties, initiator, "
        "inputs,"
        " state, created_at)"
        " SELECT playbook, version, title || ' ' || g, CASE WHEN g %% 3 = 0 THEN 'closed' ELSE 'active' END,"
        " severity, mode, parties, initiator, inputs, state, created_at + g * interval '1 second'"
        " FROM tocsin.crises c, generate_series(1, %d) g WHERE c.id = 1",
        crises - 1);
    bench_must(tc_db_command(conn, sql, "copy crises", &err), &err);
    bench_must(tc_db_command(conn, "VACUUM ANALYZE", "vacuum", &err), &err);
    tc_db_close(conn);

    char id[32];
    snprintf(id, sizeof id, "%d", crises / 2);
    char what[128];
    snprintf(what, sizeof what, "`tocsin show` with %d crises in the database (process start included)",
             crises);
    report(what, binary, db, (char *[]){(char *)binary, (char *)"show", id, NULL}, runs);
    snprintf(what, sizeof what, "`tocsin list --status active --limit 50` with %d crises", crises);
    report(what, binary, db,
           (char *[]){(char *)binary, (char *)"list", (char *)"--status", (char *)"active", (char *)"--limit",
                      (char *)"50", NULL},
           runs);
    snprintf(what, sizeof what, "`tocsin --version` (process start alone)");
    report(what, binary, db, (char *[]){(char *)binary, (char *)"--version", NULL}, runs);

    bench_drop_database(admin, "tocsin_bench_show");
    free(db);
    free(name);
    free(text);
    return 0;
}
