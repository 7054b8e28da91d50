/*
 * Benchmark: how late deadlines fire, and how much memory the engine needs
 * (issue 9, scenarios 3 and 4).
 *
 * Each run makes a fresh database, triggers CRISES crises of a playbook that
 * leaves each one waiting on exactly one long deadline (P1D), and lets an
 * engine (`--once`, a child process) apply the triggers: its peak RSS is
 * scenario 4's figure, as it is for a second database of 1,000 crises, so the
 * table shows whether the engine's memory grows with the number of crises.
 *
 * Then scenario 3: the deadlines are moved to fall evenly (in an order
 * unrelated to the crisis ids) over SPREAD_SECONDS, the first a few seconds
 * from now, an engine starts (a child process, woken by its timer), and the
 * benchmark listens to NOTIFY tocsin_applied, which the engine's committing
 * transaction sends naming the crises it wrote (one id, or several separated
 * by commas). A deadline's lateness is the arrival of the first notification
 * naming its crisis minus its due time as tocsin.timers holds it, both on the
 * wall clock (the audit's `at` of a fired timer is its due time, so lateness
 * is only visible from outside). When every crisis was announced, or
 * GRACE_SECONDS after the last due time, the engine gets SIGTERM and its peak
 * RSS comes from wait4().
 *
 * Why the deadlines are moved rather than written as such in the playbook: a
 * deadline falls due counted from the trigger's recorded time, and applying
 * 100,000 triggers takes minutes, so any fixed duration would either leave
 * most deadlines overdue before the measured engine starts or need a guess of
 * the setup's speed. The core identifies a timer by its key alone, so moving
 * its due time is the same to the engine as a deadline set that way.
 *
 * With BENCH_TIMERS_TRACE=FILE set, each run also appends to FILE, per second
 * of due time from the first deadline, how many fell due in it and the
 * median and greatest lateness among them: where in the minute a tail came
 * from, to lay beside the server's log (autovacuum, checkpoints).
 *
 * Each figure is the median of RUNS runs, with its spread. The engines are
 * forks of this program: their RSS counts the pages they inherit or touch,
 * not the 7 MiB or so that a process linking libpq shows before doing
 * anything (`tocsin --version`), so a `tocsin engine` of its own shows about
 * that much more.
 *
 *   bench_timers ADMIN_CONNINFO PLAYBOOK.json [RUNS] [CRISES] [SPREAD_SECONDS]
 *
 * PLAYBOOK is tests/data/playbooks/valid/deadline.json (any playbook whose
 * trigger leaves exactly one timer per crisis will do). Defaults: 3 runs,
 * 100,000 crises, 60 s. The benchmark creates and drops its own database,
 * tocsin_bench_timers.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_support.h"
#include "daemon/engine.h"
#include "store/crises.h"
#include "store/db.h"

#define DBNAME        "tocsin_bench_timers"
#define SMALL_CRISES  1000 /* scenario 4's small case */
#define LEAD_MS       5000 /* from moving the deadlines to the first one due */
#define GRACE_SECONDS 120  /* how long after the last due time to wait for the rest */

/* Milliseconds on the wall clock, the clock of due times. */
static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *message)
{
    fprintf(stderr, "bench_timers: %s\n", message);
    exit(1);
}

/* Waits for the engine pid to exit; returns its peak RSS in MiB. */
static double reap(pid_t pid)
{
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the engine failed");
    return ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static long long count(PGconn *conn, const char *sql)
{
    tc_error err;
    tc_error_init(&err);
    PGresult *res = tc_db_query(conn, sql, 0, NULL, "count", &err);
    bench_must(res == NULL, &err);
    long long n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

/*
 * A fresh database with `crises` crises triggered (with every party of the
 * playbook) and applied by an engine of their own, which leaves each one
 * waiting on its deadline. Returns its conninfo; *rss is that engine's peak
 * RSS in MiB and *seconds how long it took.
 */
static char *prepare(const char *admin, const char *text, int crises, double *rss, double *seconds)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, DBNAME, text, NULL);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "SELECT tocsin.trigger(p.name, NULL, NULL, NULL,"
        "                      ARRAY(SELECT jsonb_array_elements_text(p.content -> 'parties')), '{}', NULL)"
        "  FROM tocsin.playbooks p, generate_series(1, %d); ANALYZE",
        crises);
    bench_must(tc_db_command(conn, sql, "seed", &err), &err);

    double start = bench_now();
    *rss = reap(bench_spawn_engine(db, "bench-setup", 1));
    *seconds = bench_now() - start;

    long long timers = count(conn, "SELECT count(*) FROM tocsin.timers");
    long long waiting = count(conn, "SELECT count(DISTINCT crisis) FROM tocsin.timers");
    long long active = count(conn, "SELECT count(*) FROM tocsin.crises WHERE status = 'active'");
    if (timers != crises || waiting != crises || active != crises) {
        fprintf(stderr,
                "bench_timers: the playbook must leave each crisis active with exactly one timer"
                " (%d crises: %lld active, %lld timers on %lld crises)\n",
                crises, active, timers, waiting);
        exit(1);
    }
    /* The measured engine should not pay for the setup's dead rows, whenever autovacuum would come, nor
     * for flushing the pages the setup dirtied (a checkpoint spread over the firing otherwise). */
    bench_must(tc_db_command(conn, "VACUUM ANALYZE", "vacuum", &err), &err);
    bench_must(tc_db_command(conn, "CHECKPOINT", "checkpoint", &err), &err);
    tc_db_close(conn);
    return db;
}

/* Records a notification naming one crisis or several ("1,2,3"); returns how many were new. */
static int record(const char *payload, double at, double *arrival, int crises)
{
    int fresh = 0;
    long long id;
    for (const char *s = payload; (s = bench_payload_next(s, &id)) != NULL;)
        if (id >= 1 && id <= crises && arrival[id] == 0) {
            arrival[id] = at;
            fresh++;
        }
    return fresh;
}

/* Per second of due time: how many fell due, their median and greatest lateness (BENCH_TIMERS_TRACE). */
static void trace(const double *due, const double *arrival, double give_up, int crises, long long first)
{
    const char *path = getenv("BENCH_TIMERS_TRACE");
    if (path == NULL || *path == '\0')
        return;
    FILE *out = fopen(path, "a");
    if (out == NULL)
        die("cannot open BENCH_TIMERS_TRACE");
    int seconds = 1;
    for (int id = 1; id <= crises; id++)
        if ((due[id] - first) / 1e3 + 1 > seconds)
            seconds = (int)((due[id] - first) / 1e3) + 1;
    double *late = calloc((size_t)crises, sizeof *late);
    fprintf(out, "# second due, deadlines, p50 ms late, max ms late\n");
    for (int s = 0; s < seconds; s++) {
        int n = 0;
        for (int id = 1; id <= crises; id++)
            if ((int)((due[id] - first) / 1e3) == s)
                late[n++] = (arrival[id] != 0 ? arrival[id] : give_up) - due[id];
        if (n == 0)
            continue;
        bench_sort(late, n);
        fprintf(out, "%d %d %.1f %.1f\n", s, n, late[n / 2], late[n - 1]);
    }
    free(late);
    fclose(out);
}

/*
 * Scenario 3 on a prepared database: returns the p50 and p99 lateness in ms,
 * the engine's peak RSS in MiB, and how many deadlines had not fired when the
 * benchmark gave up (their lateness counts as the time waited, a lower bound).
 */
static void run_timers(const char *db, int crises, int spread_s, double *p50, double *p99, double *rss,
                       int *unfired)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    long long first = (long long)wall_ms() + LEAD_MS;
    char sql[640];
    snprintf(
        sql, sizeof sql,
        "UPDATE tocsin.timers t SET due = to_timestamp(floor(%lld + (r.n - 1) * %d.0 / %d) / 1000.0)"
        "  FROM (SELECT crisis, row_number() OVER (ORDER BY md5(crisis::text)) AS n FROM tocsin.timers) r"
        " WHERE t.crisis = r.crisis",
        first, spread_s * 1000, crises);
    bench_must(tc_db_command(conn, sql, "spread the deadlines", &err), &err);
    bench_must(tc_db_command(conn, "VACUUM ANALYZE tocsin.timers", "vacuum", &err), &err);
    bench_must(tc_store_listen(conn, "tocsin_applied", &err), &err);

    pid_t engine = bench_spawn_engine(db, "bench-timers", 0);
    double *due = calloc((size_t)crises + 1, sizeof *due);
    double *arrival = calloc((size_t)crises + 1, sizeof *arrival);
    PGresult *res = tc_db_query(conn, "SELECT crisis, extract(epoch FROM due) * 1000 FROM tocsin.timers", 0,
                                NULL, "read the deadlines", &err);
    bench_must(res == NULL, &err);
    double last = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        if (id < 1 || id > crises)
            die("a timer of an unexpected crisis");
        due[id] = atof(PQgetvalue(res, i, 1));
        last = due[id] > last ? due[id] : last;
    }
    PQclear(res);
    /* So every deadline falls due after the engine started and after its due time was read. */
    if (wall_ms() >= first)
        die("moving and reading the deadlines took longer than the lead: the first ones may have fired "
            "unseen");

    double give_up = last + GRACE_SECONDS * 1e3;
    int fired = 0;
    while (fired < crises && wall_ms() < give_up) {
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        int ready = poll(&p, 1, 1000);
        if (ready < 0 && errno != EINTR)
            die("cannot wait for notifications");
        if (ready > 0 && !PQconsumeInput(conn))
            die("lost the connection");
        double at = wall_ms();
        PGnotify *n;
        while ((n = PQnotifies(conn)) != NULL) {
            fired += record(n->extra, at, arrival, crises);
            PQfreemem(n);
        }
        if (ready == 0 && waitpid(engine, NULL, WNOHANG) == engine)
            die("the engine exited before every deadline fired");
    }
    kill(engine, SIGTERM);
    *rss = reap(engine);
    tc_db_close(conn);

    double *late = calloc((size_t)crises, sizeof *late);
    *unfired = crises - fired;
    trace(due, arrival, give_up, crises, first);
    for (int id = 1; id <= crises; id++)
        late[id - 1] = (arrival[id] != 0 ? arrival[id] : give_up) - due[id];
    bench_sort(late, crises);
    *p50 = late[crises / 2];
    *p99 = late[(int)(crises * 0.99)];
    free(late);
    free(due);
    free(arrival);
}

static void row(const char *what, const char *unit, double *values, int runs)
{
    bench_sort(values, runs);
    printf("| %s | %.1f %s | %.1f–%.1f %s | %d runs |\n", what, values[runs / 2], unit, values[0],
           values[runs - 1], unit, runs);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: bench_timers ADMIN_CONNINFO PLAYBOOK.json [RUNS] [CRISES] [SPREAD_SECONDS]\n");
        return 2;
    }
    bench_name = "bench_timers";
    const char *admin = argv[1];
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    int crises = argc > 4 ? atoi(argv[4]) : 100000;
    int spread = argc > 5 ? atoi(argv[5]) : 60;
    if (runs < 1 || runs > 16 || crises < 1 || crises > 10000000 || spread < 1 || spread > 3600) {
        fprintf(stderr,
                "bench_timers: RUNS must be 1 to 16, CRISES 1 to 10000000, SPREAD_SECONDS 1 to 3600\n");
        return 2;
    }
    char *text = bench_read_file(argv[2]);
    signal(SIGPIPE, SIG_IGN);

    double p50[16], p99[16], rss[16], small_rss[16], large_rss[16], seconds;
    int unfired = 0;
    for (int r = 0; r < runs; r++) {
        free(prepare(admin, text, SMALL_CRISES, &small_rss[r], &seconds));
        char *db = prepare(admin, text, crises, &large_rss[r], &seconds);
        int missed;
        run_timers(db, crises, spread, &p50[r], &p99[r], &rss[r], &missed);
        fprintf(stderr,
                "bench_timers: run %d: %d triggers applied in %.1f s; %d deadlines fired, p50 %.1f ms late,"
                " p99 %.1f ms\n",
                r + 1, crises, seconds, crises - missed, p50[r], p99[r]);
        unfired += missed;
        free(db);
    }
    if (unfired > 0)
        fprintf(stderr,
                "bench_timers: %d deadlines (all runs) had not fired %d s after the last was due;"
                " they count as that late, so the figures are lower bounds\n",
                unfired, GRACE_SECONDS);

    char what[256];
    snprintf(what, sizeof what,
             "timers: deadline due to its firing committed, p50 (%d deadlines over %d s, 1 engine%s)", crises,
             spread, unfired > 0 ? "; some never fired: a lower bound" : "");
    row(what, "ms", p50, runs);
    row("timers: deadline due to its firing committed, p99 (same runs)", "ms", p99, runs);
    row("timers: engine peak RSS while the deadlines fire (same runs)", "MiB", rss, runs);
    snprintf(what, sizeof what,
             "engine peak RSS, applying the triggers of %d crises that stay active (`--once`)", SMALL_CRISES);
    row(what, "MiB", small_rss, runs);
    snprintf(what, sizeof what,
             "engine peak RSS, applying the triggers of %d crises that stay active (`--once`)", crises);
    row(what, "MiB", large_rss, runs);
    bench_drop_database(admin, DBNAME);
    free(text);
    return 0;
}
