#include "bench_support.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "daemon/engine.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/playbooks.h"

const char *bench_name = "bench";

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

pid_t bench_fork(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: cannot fork\n", bench_name);
        exit(1);
    }
    if (pid == 0)
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* an engine or loader must not outlive a failed benchmark */
    return pid;
}

pid_t bench_spawn_engine(const char *db, const char *id, int once)
{
    pid_t pid = bench_fork();
    if (pid == 0) {
        const char *workers = getenv("BENCH_ENGINE_WORKERS");
        tc_engine_options o = {
            .conninfo = db, .once = once, .id = id, .workers = workers ? atoi(workers) : 0};
        tc_error err;
        tc_error_init(&err);
        _exit(tc_engine_run(&o, &err) == 0 ? 0 : 1);
    }
    return pid;
}

const char *bench_payload_next(const char *s, long long *id)
{
    char *end;
    *id = strtoll(s, &end, 10);
    if (end == s)
        return NULL;
    return *end == ',' ? end + 1 : end;
}

void bench_must(int rc, const tc_error *err)
{
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", bench_name, err->text);
        exit(1);
    }
}

char *bench_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = calloc(1, 1 << 20);
    size_t n = f && text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    if (n == 0) {
        fprintf(stderr, "%s: cannot read %s\n", bench_name, path);
        exit(1);
    }
    text[n] = '\0';
    return text;
}

char *bench_fresh_database(const char *admin, const char *dbname, const char *playbook_text, char **name)
{
    tc_error err;
    PGconn *conn = NULL;
    char sql[256];
    tc_error_init(&err);
    bench_must(tc_db_connect(admin, NULL, &conn, &err), &err);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    bench_must(tc_db_command(conn, sql, "drop", &err), &err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    bench_must(tc_db_command(conn, sql, "create", &err), &err);
    tc_db_close(conn);

    size_t size = strlen(admin) + strlen(dbname) + 16;
    char *db = malloc(size);
    snprintf(db, size, "%s dbname=%s", admin, dbname); /* a later dbname wins */
    tc_migration_set *set = NULL;
    tc_migration_report *report = NULL;
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_must(tc_migration_set_builtin(&set, &err), &err);
    bench_must(tc_migrate(conn, set, &report, &err), &err);
    tc_migration_report_free(report);
    tc_migration_set_free(set);
    char *loaded;
    int version, created;
    bench_must(tc_store_playbook_load(conn, playbook_text, &loaded, &version, &created, &err), &err);
    if (name)
        *name = loaded;
    else
        free(loaded);
    tc_db_close(conn);
    return db;
}

void bench_drop_database(const char *admin, const char *dbname)
{
    tc_error err;
    PGconn *conn = NULL;
    char sql[256];
    tc_error_init(&err);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    if (tc_db_connect(admin, NULL, &conn, &err) == 0)
        tc_db_command(conn, sql, "drop", NULL);
    tc_db_close(conn);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void bench_sort(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, by_value);
}
