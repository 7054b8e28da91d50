#include "bench_support.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/engine.h"
#include "store/crises.h"
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

void bench_sleep_until(double t)
{
    double left = t - bench_now();
    if (left <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)left, .tv_nsec = (long)((left - (time_t)left) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *const parties[6] = {"AM", "BY", "KZ", "KG", "RU", "TJ"};

void bench_council_seed(PGconn *conn, int crises)
{
    tc_error err;
    tc_error_init(&err);
    char sql[1024];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.seats SELECT current_user, 'council/' || p FROM "
        "unnest(ARRAY['AM','BY','KZ','KG','RU','TJ']) p;"
        "SELECT tocsin.trigger('council', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)"
        "  FROM generate_series(1, %d); ANALYZE",
        crises);
    bench_must(tc_db_command(conn, sql, "seed", &err), &err);
}

void bench_apply_triggers(const char *db)
{
    tc_error err;
    tc_error_init(&err);
    tc_engine_options once = {.conninfo = db, .once = 1, .id = "bench-setup", .batch_size = 200};
    bench_must(tc_engine_run(&once, &err), &err);
}

void bench_vote(PGconn *conn, int64_t crisis, int party)
{
    tc_error err;
    tc_error_init(&err);
    json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "state", "consensus", "party", parties[party], "vote",
                             "approve", "reason", "agreed in capital");
    int64_t seq;
    int duplicate;
    bench_must(tc_store_submit(conn, crisis, "vote", args, NULL, NULL, &seq, &duplicate, &err), &err);
    json_decref(args);
}

int bench_load_crises(double rate, double seconds)
{
    return (int)(rate * seconds / BENCH_LOADERS) / 6 + 1;
}

/* One loader: rate votes per second, six to a crisis, from first on. */
static void load(const char *db, int64_t first, double rate, double seconds)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    double start = bench_now();
    for (long i = 0; i < (long)(rate * seconds); i++) {
        bench_sleep_until(start + i / rate);
        bench_vote(conn, first + i / 6, (int)(i % 6));
    }
    tc_db_close(conn);
}

void bench_load_start(const char *db, int64_t first, int share, double rate, double seconds,
                      pid_t pids[BENCH_LOADERS])
{
    for (int l = 0; l < BENCH_LOADERS; l++)
        if ((pids[l] = bench_fork()) == 0) {
            load(db, first + (int64_t)l * share, rate / BENCH_LOADERS, seconds);
            _exit(0);
        }
}

void bench_load_wait(const pid_t pids[BENCH_LOADERS])
{
    int status;
    for (int l = 0; l < BENCH_LOADERS; l++)
        waitpid(pids[l], &status, 0);
}

double bench_wait_applied(PGconn *conn, int64_t crisis)
{
    for (;;) {
        PGnotify *n;
        while ((n = PQnotifies(conn)) != NULL) {
            int ours = 0;
            long long id;
            for (const char *s = n->extra; (s = bench_payload_next(s, &id)) != NULL;)
                ours |= id == crisis;
            PQfreemem(n);
            if (ours)
                return bench_now();
        }
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0 || !PQconsumeInput(conn)) {
            fprintf(stderr, "%s: no commit of crisis %lld within 10 s\n", bench_name, (long long)crisis);
            exit(1);
        }
    }
}
