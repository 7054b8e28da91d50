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

#include "daemon/engine.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/playbooks.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void must(int rc, const tc_error *err)
{
    if (rc != 0) {
        fprintf(stderr, "bench_show: %s\n", err->text);
        exit(1);
    }
}

/* Runs binary with args, output to /dev/null; returns the wall time in ms. */
static double timed_run(const char *binary, const char *db, char *const *args)
{
    fflush(stdout); /* or the child's freopen would write our buffer out again */
    double start = now_ms();
    pid_t pid = fork();
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
    return now_ms() - start;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, const char *binary, const char *db, char *const *args, int runs)
{
    double t[64];
    timed_run(binary, db, args); /* warm the caches */
    for (int i = 0; i < runs; i++)
        t[i] = timed_run(binary, db, args);
    qsort(t, (size_t)runs, sizeof *t, by_value);
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
    FILE *f = fopen(argv[3], "rb");
    char *text = calloc(1, 1 << 20);
    if (f == NULL || fread(text, 1, (1 << 20) - 1, f) == 0) {
        fprintf(stderr, "bench_show: cannot read %s\n", argv[3]);
        return 1;
    }
    fclose(f);
    char db[1024];
    snprintf(db, sizeof db, "%s dbname=tocsin_bench_show", admin);

    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    must(tc_db_connect(admin, NULL, &conn, &err), &err);
    must(tc_db_command(conn, "DROP DATABASE IF EXISTS tocsin_bench_show WITH (FORCE)", "drop", &err), &err);
    must(tc_db_command(conn, "CREATE DATABASE tocsin_bench_show", "create", &err), &err);
    tc_db_close(conn);
    tc_migration_set *set = NULL;
    tc_migration_report *rep = NULL;
    must(tc_db_connect(db, NULL, &conn, &err), &err);
    must(tc_migration_set_builtin(&set, &err), &err);
    must(tc_migrate(conn, set, &rep, &err), &err);
    tc_migration_report_free(rep);
    tc_migration_set_free(set);
    char *name;
    int version, created;
    must(tc_store_playbook_load(conn, text, &name, &version, &created, &err), &err);
    char sql[2048];
    snprintf(
        sql, sizeof sql,
        "SELECT tocsin.trigger('%s', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)",
        name);
    must(tc_db_command(conn, sql, "trigger", &err), &err);
    tc_db_close(conn);
    tc_engine_options once = {.conninfo = db, .once = 1, .id = "bench-show"};
    must(tc_engine_run(&once, &err), &err);

    /* Copies of the first crisis, state and all; a third of them closed. */
    must(tc_db_connect(db, NULL, &conn, &err), &err);
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.crises (playbook, version, title, status, severity, mode, parties, initiator, "
        "inputs,"
        " state, created_at)"
        " SELECT playbook, version, title || ' ' || g, CASE WHEN g %% 3 = 0 THEN 'closed' ELSE 'active' END,"
        " severity, mode, parties, initiator, inputs, state, created_at + g * interval '1 second'"
        " FROM tocsin.crises c, generate_series(1, %d) g WHERE c.id = 1",
        crises - 1);
    must(tc_db_command(conn, sql, "copy crises", &err), &err);
    must(tc_db_command(conn, "VACUUM ANALYZE", "vacuum", &err), &err);
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

    must(tc_db_connect(admin, NULL, &conn, &err), &err);
    tc_db_command(conn, "DROP DATABASE IF EXISTS tocsin_bench_show WITH (FORCE)", "drop", NULL);
    tc_db_close(conn);
    free(name);
    free(text);
    return 0;
}
