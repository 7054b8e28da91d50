/*
 * Benchmark: how soon a vote is committed. One engine runs (woken by NOTIFY)
 * while a background process submits RATE votes per second; the benchmark
 * submits probe votes of its own, 50 per second, each on a crisis nobody else
 * touches, and times each from the moment its submit call returns to the
 * moment the engine's commit of it is announced (NOTIFY tocsin_applied, sent
 * by the committing transaction). Prints Markdown rows: p50 and p99, medians
 * of RUNS runs, with their spread.
 *
 *   bench_latency ADMIN_CONNINFO PLAYBOOK.json [SECONDS] [RATE] [RUNS]
 *
 * PLAYBOOK is a six-seat consensus whose approval state is `consensus`
 * (tests/data/playbooks/valid/council.json). The benchmark creates and drops
 * its own database, tocsin_bench_latency.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_support.h"
#include "daemon/engine.h"
#include "store/crises.h"
#include "store/db.h"

#define PROBES_PER_SECOND 50

static const char *const parties[6] = {"AM", "BY", "KZ", "KG", "RU", "TJ"};

static void sleep_until(double t)
{
    double left = t - bench_now();
    if (left <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)left, .tv_nsec = (long)((left - (time_t)left) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A fresh database: schema, playbook, every council seat for the benchmark's
 * role, `crises` crises triggered and applied; returns its conninfo. */
static char *prepare(const char *admin, const char *playbook_text, int crises)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, "tocsin_bench_latency", playbook_text, NULL);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    char sql[1024];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.seats SELECT current_user, 'council/' || p FROM "
        "unnest(ARRAY['AM','BY','KZ','KG','RU','TJ']) p;"
        "SELECT tocsin.trigger('council', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)"
        "  FROM generate_series(1, %d); ANALYZE",
        crises);
    bench_must(tc_db_command(conn, sql, "seed", &err), &err);
    tc_db_close(conn);
    tc_engine_options once = {.conninfo = db, .once = 1, .id = "bench-setup", .batch_size = 200};
    bench_must(tc_engine_run(&once, &err), &err); /* apply the triggers */
    return db;
}

static void submit_vote(PGconn *conn, int64_t crisis, int party)
{
    tc_error err;
    tc_error_init(&err);
    json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "state", "consensus", "party", parties[party], "vote",
                             "approve", "reason", "agreed in capital");
    int64_t seq;
    int duplicate;
    bench_must(tc_store_submit(conn, crisis, "vote", args, NULL, &seq, &duplicate, &err), &err);
    json_decref(args);
}

/* One of the LOADERS background processes: its share of rate votes per second
 * (a submit is a round trip and a commit: one connection alone cannot keep up
 * 500 a second), six votes to a crisis, on crises first.. of its own. */
#define LOADERS 4

static void background(const char *db, int64_t first, double rate, double seconds)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    double start = bench_now();
    for (long i = 0; i < (long)(rate * seconds); i++) {
        sleep_until(start + i / rate);
        submit_vote(conn, first + i / 6, (int)(i % 6));
    }
    tc_db_close(conn);
}

/* Waits for NOTIFY tocsin_applied naming crisis; returns when it came. */
static double wait_applied(PGconn *conn, int64_t crisis)
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
            fprintf(stderr, "bench_latency: no commit of crisis %lld within 10 s\n", (long long)crisis);
            exit(1);
        }
    }
}

/* One run: returns p50 and p99 in ms, and the votes per second applied in all. */
static void run_once(const char *admin, const char *text, double seconds, double rate, double *p50,
                     double *p99, double *applied_rate)
{
    int probes = (int)(PROBES_PER_SECOND * seconds);
    int share = (int)(rate * seconds / LOADERS) / 6 + 1; /* crises per loader */
    int load_crises = LOADERS * share;
    int probe_crises = probes / 6 + 1;
    char *db = prepare(admin, text, load_crises + probe_crises);

    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_must(tc_store_listen(conn, "tocsin_applied", &err), &err);
    pid_t engine = bench_spawn_engine(db, "bench-latency", 0);
    sleep_until(bench_now() + 0.5); /* the engine connects and listens */
    double start = bench_now();
    pid_t load[LOADERS];
    for (int l = 0; l < LOADERS; l++)
        if ((load[l] = bench_fork()) == 0) {
            background(db, probe_crises + 1 + (int64_t)l * share, rate / LOADERS, seconds);
            _exit(0);
        }
    double *lat = calloc((size_t)probes, sizeof *lat);
    for (int j = 0; j < probes; j++) {
        sleep_until(start + (double)j / PROBES_PER_SECOND);
        int64_t crisis = 1 + j / 6;
        submit_vote(conn, crisis, j % 6);
        double returned = bench_now();
        lat[j] = (wait_applied(conn, crisis) - returned) * 1e3;
    }
    int status;
    for (int l = 0; l < LOADERS; l++)
        waitpid(load[l], &status, 0);
    double elapsed = bench_now() - start;
    kill(engine, SIGTERM);
    waitpid(engine, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_latency: the engine failed\n");
        exit(1);
    }
    PGresult *res =
        tc_db_query(conn, "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'", 0, NULL, "count", &err);
    bench_must(res == NULL, &err);
    *applied_rate = atof(PQgetvalue(res, 0, 0)) / elapsed;
    PQclear(res);
    tc_db_close(conn);
    free(db);
    bench_sort(lat, probes);
    *p50 = lat[probes / 2];
    *p99 = lat[(int)(probes * 0.99)];
    free(lat);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_latency ADMIN_CONNINFO PLAYBOOK.json [SECONDS] [RATE] [RUNS]\n");
        return 2;
    }
    bench_name = "bench_latency";
    const char *admin = argv[1];
    double seconds = argc > 3 ? atof(argv[3]) : 10;
    double rate = argc > 4 ? atof(argv[4]) : 500;
    int runs = argc > 5 ? atoi(argv[5]) : 3;
    if (runs < 1 || runs > 16 || seconds <= 0 || rate <= 0) {
        fprintf(stderr, "bench_latency: SECONDS and RATE must be positive, RUNS 1 to 16\n");
        return 2;
    }
    char *text = bench_read_file(argv[2]);
    signal(SIGPIPE, SIG_IGN);

    double p50[16], p99[16], applied[16];
    for (int r = 0; r < runs; r++)
        run_once(admin, text, seconds, rate, &p50[r], &p99[r], &applied[r]);
    bench_sort(p50, runs);
    bench_sort(p99, runs);
    bench_sort(applied, runs);
    int probes = (int)(PROBES_PER_SECOND * seconds);
    printf(
        "| engine latency, submit returned to vote committed, p50 (background %.0f votes/s; %.0f/s applied "
        "in all) | %.2f ms | %.2f–%.2f ms | %d × %d probes |\n",
        rate, applied[runs / 2], p50[runs / 2], p50[0], p50[runs - 1], runs, probes);
    printf(
        "| engine latency, submit returned to vote committed, p99 (same runs) | %.2f ms | %.2f–%.2f ms | "
        "%d × %d probes |\n",
        p99[runs / 2], p99[0], p99[runs - 1], runs, probes);
    bench_drop_database(admin, "tocsin_bench_latency");
    free(text);
    return 0;
}
