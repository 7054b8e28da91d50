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
 *
 * With ESCALATIONS (issue 17), each run is a pair, in the same minutes: the
 * database also holds ESCALATIONS crises of the playbook `escalate`
 * (bench_webhook.h) and a webhook contact for them, pointing at a receiver
 * on loopback that the benchmark runs; in the first run of the pair their
 * escalations stay an hour away, in the second they all fall due at once
 * in the middle of the run (T = start + SECONDS/2), and the same engine
 * fires them and delivers them while it applies the votes. Printed: p50
 * and p99 of the probes for either, the slowest probe submitted in the two
 * seconds from T (the same window in the run without), and the escalations'
 * delivery, T to the receiver's 2xx, p50 and p99. With
 * BENCH_LATENCY_NO_CONTACT=1 the webhook contact is left out: the
 * escalations fire and write their outbox rows (`no contact`), and nothing
 * is delivered, which tells the firing's share from the delivering's.
 *
 *   bench_latency ADMIN_CONNINFO PLAYBOOK.json [SECONDS] [RATE] [RUNS] [ESCALATIONS]
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_support.h"
#include "bench_webhook.h"
#include "store/crises.h"
#include "store/db.h"

#define PROBES_PER_SECOND 50

/* A fresh database: schema, playbook, every council seat for the benchmark's
 * role, `crises` crises triggered and applied, and after them `escalations`
 * crises of the playbook `escalate`; returns its conninfo. */
static char *prepare(const char *admin, const char *playbook_text, int crises, int escalations)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, "tocsin_bench_latency", playbook_text, NULL);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_council_seed(conn, crises);
    if (escalations > 0)
        bench_escalations_seed(conn, escalations);
    tc_db_close(conn);
    bench_apply_triggers(db);
    return db;
}

#define WINDOW_SECONDS 2 /* the probes submitted this long from the escalations' due time */

/* What one run measured. */
typedef struct figures {
    double p50, p99;                  /* the probes, ms */
    double applied_rate;              /* votes applied a second, in all */
    double window_max;                /* the slowest probe submitted in the window from T */
    double esc_p50, esc_p99, esc_max; /* the escalations: T to the receiver's 2xx */
} figures;

/*
 * One run. With escalations > 0 the database holds that many escalations
 * and a webhook contact for them; with fire, they all fall due at once in
 * the middle of the run.
 */
static void run_once(const char *admin, const char *text, double seconds, double rate, int escalations,
                     int fire, figures *f)
{
    int probes = (int)(PROBES_PER_SECOND * seconds);
    int share = bench_load_crises(rate, seconds); /* crises per loader */
    int load_crises = BENCH_LOADERS * share;
    int probe_crises = probes / 6 + 1;
    bench_receiver receiver = {0};
    if (escalations > 0)
        bench_receiver_start(&receiver, 4 * escalations);
    char *db = prepare(admin, text, load_crises + probe_crises, escalations);

    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    const char *no_contact = getenv("BENCH_LATENCY_NO_CONTACT");
    int deliver = escalations > 0 && (no_contact == NULL || strcmp(no_contact, "1") != 0);
    if (deliver)
        bench_escalations_contact(conn, receiver.port);
    /* The escalations' due time, the middle of the run: set before the engine starts, which then arms its
     * timer for it. */
    double mono0 = bench_now(), wall0 = bench_wall_ms();
    double due_mono = mono0 + 0.5 + seconds / 2,
           due_wall = (double)(long long)(wall0 + (0.5 + seconds / 2) * 1e3);
    if (fire && bench_escalations_due(conn, due_wall) != escalations) {
        fprintf(stderr, "bench_latency: an escalation crisis has no escalation timer\n");
        exit(1);
    }
    bench_must(tc_store_listen(conn, "tocsin_applied", &err), &err);
    pid_t engine = bench_spawn_engine(db, "bench-latency", 0);
    bench_sleep_until(mono0 + 0.5); /* the engine connects and listens */
    double start = bench_now();
    pid_t load[BENCH_LOADERS];
    bench_load_start(db, probe_crises + 1, share, rate, seconds, load);
    double *lat = calloc((size_t)probes, sizeof *lat);
    f->window_max = 0;
    for (int j = 0; j < probes; j++) {
        bench_sleep_until(start + (double)j / PROBES_PER_SECOND);
        int64_t crisis = 1 + j / 6;
        bench_vote(conn, crisis, j % 6);
        double returned = bench_now();
        lat[j] = (bench_wait_applied(conn, crisis) - returned) * 1e3;
        if (escalations > 0 && returned >= due_mono && returned < due_mono + WINDOW_SECONDS &&
            lat[j] > f->window_max)
            f->window_max = lat[j];
    }
    bench_load_wait(load);
    int status;
    double elapsed = bench_now() - start;
    /* Every escalation delivered and recorded before the engine stops. */
    while (fire && deliver && bench_wall_ms() < due_wall + 60e3) {
        PGresult *q = tc_db_query(conn, "SELECT count(*) FROM tocsin.notifications WHERE status = 'queued'",
                                  0, NULL, "count", &err);
        bench_must(q == NULL, &err);
        int left = atoi(PQgetvalue(q, 0, 0));
        PQclear(q);
        if (left == 0 && bench_receiver_count(&receiver) >= escalations)
            break;
        usleep(20000);
    }
    kill(engine, SIGTERM);
    waitpid(engine, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_latency: the engine failed\n");
        exit(1);
    }
    PGresult *res =
        tc_db_query(conn, "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'", 0, NULL, "count", &err);
    bench_must(res == NULL, &err);
    f->applied_rate = atof(PQgetvalue(res, 0, 0)) / elapsed;
    PQclear(res);
    if (fire && deliver) {
        double *late = calloc((size_t)escalations, sizeof *late);
        long long rows, sent;
        int repeats;
        int arrived =
            bench_escalations_arrivals(conn, &receiver, due_wall, late, escalations, &rows, &sent, &repeats);
        if (rows != escalations || arrived != escalations || sent != escalations) {
            fprintf(stderr,
                    "bench_latency: %d escalations: %lld outbox rows of level 1, %d answered, %lld sent\n",
                    escalations, rows, arrived, sent);
            exit(1);
        }
        f->esc_p50 = late[escalations / 2];
        f->esc_p99 = late[(int)(escalations * 0.99)];
        f->esc_max = late[escalations - 1];
        free(late);
    }
    if (escalations > 0)
        bench_receiver_stop(&receiver);
    tc_db_close(conn);
    free(db);
    bench_sort(lat, probes);
    f->p50 = lat[probes / 2];
    f->p99 = lat[(int)(probes * 0.99)];
    free(lat);
    if (escalations > 0)
        fprintf(stderr, "bench_latency: %s: p50 %.2f ms, p99 %.2f, slowest probe in the %d s from T %.2f\n",
                fire ? "escalations firing" : "no escalation", f->p50, f->p99, WINDOW_SECONDS, f->window_max);
    if (fire && deliver)
        fprintf(stderr, "bench_latency: escalations delivered: p50 %.1f ms, p99 %.1f, max %.1f\n", f->esc_p50,
                f->esc_p99, f->esc_max);
}

/* Sorts the field at offset of each run's figures into out; returns out. */
static double *field(const figures *f, int runs, size_t offset, double *out)
{
    for (int r = 0; r < runs; r++)
        out[r] = *(const double *)((const char *)&f[r] + offset);
    bench_sort(out, runs);
    return out;
}

#define FIELD(f, runs, name, out) field(f, runs, offsetof(figures, name), out)

static void row(const char *what, const char *unit, const double *v, int runs, const char *how)
{
    printf("| %s | %.2f %s | %.2f–%.2f %s | %s |\n", what, v[runs / 2], unit, v[0], v[runs - 1], unit, how);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: bench_latency ADMIN_CONNINFO PLAYBOOK.json [SECONDS] [RATE] [RUNS] [ESCALATIONS]\n");
        return 2;
    }
    bench_name = "bench_latency";
    const char *admin = argv[1];
    double seconds = argc > 3 ? atof(argv[3]) : 10;
    double rate = argc > 4 ? atof(argv[4]) : 500;
    int runs = argc > 5 ? atoi(argv[5]) : 3;
    int escalations = argc > 6 ? atoi(argv[6]) : 0;
    if (runs < 1 || runs > 16 || seconds <= 0 || rate <= 0 || escalations < 0 || escalations > 1000000) {
        fprintf(stderr,
                "bench_latency: SECONDS and RATE must be positive, RUNS 1 to 16, ESCALATIONS 0 to 1000000\n");
        return 2;
    }
    char *text = bench_read_file(argv[2]);
    signal(SIGPIPE, SIG_IGN);

    figures quiet[16], firing[16];
    double v[16];
    for (int r = 0; r < runs; r++) {
        run_once(admin, text, seconds, rate, escalations, 0, &quiet[r]);
        if (escalations > 0)
            run_once(admin, text, seconds, rate, escalations, 1, &firing[r]);
    }
    int probes = (int)(PROBES_PER_SECOND * seconds);
    char what[512], how[64];
    snprintf(how, sizeof how, "%d × %d probes", runs, probes);
    if (escalations == 0) {
        snprintf(
            what, sizeof what,
            "engine latency, submit returned to vote committed, p50 (background %.0f votes/s; %.0f/s applied "
            "in all)",
            rate, FIELD(quiet, runs, applied_rate, v)[runs / 2]);
        row(what, "ms", FIELD(quiet, runs, p50, v), runs, how);
        row("engine latency, submit returned to vote committed, p99 (same runs)", "ms",
            FIELD(quiet, runs, p99, v), runs, how);
    } else {
        snprintf(how, sizeof how, "%d pairs × %d probes", runs, probes);
        snprintf(
            what, sizeof what,
            "engine latency beside notifications, p50 (background %.0f votes/s), no escalation falling due",
            rate);
        row(what, "ms", FIELD(quiet, runs, p50, v), runs, how);
        snprintf(
            what, sizeof what,
            "the same, p50, %d escalations falling due at once mid-run, each delivered to a webhook by the "
            "same engine (the other run of each pair)",
            escalations);
        row(what, "ms", FIELD(firing, runs, p50, v), runs, how);
        row("the same, p99, no escalation falling due", "ms", FIELD(quiet, runs, p99, v), runs, how);
        row("the same, p99, escalations falling due", "ms", FIELD(firing, runs, p99, v), runs, how);
        snprintf(what, sizeof what,
                 "the same, the slowest probe submitted in the %d s from their due time, none",
                 WINDOW_SECONDS);
        row(what, "ms", FIELD(quiet, runs, window_max, v), runs, how);
        row("the same, the slowest probe in those 2 s, escalations falling due", "ms",
            FIELD(firing, runs, window_max, v), runs, how);
        const char *no_contact = getenv("BENCH_LATENCY_NO_CONTACT");
        if (no_contact != NULL && strcmp(no_contact, "1") == 0) {
            printf("| (the escalations above had no contact: fired, nothing delivered) | | | |\n");
            bench_drop_database(admin, "tocsin_bench_latency");
            free(text);
            return 0;
        }
        snprintf(how, sizeof how, "%d runs", runs);
        snprintf(what, sizeof what,
                 "notifications beside the votes: %d escalations due at once, due to the webhook's 2xx, p50",
                 escalations);
        row(what, "ms", FIELD(firing, runs, esc_p50, v), runs, how);
        row("notifications beside the votes: the same, p99", "ms", FIELD(firing, runs, esc_p99, v), runs,
            how);
    }
    bench_drop_database(admin, "tocsin_bench_latency");
    free(text);
    return 0;
}
