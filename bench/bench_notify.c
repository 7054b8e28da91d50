/*
 * Benchmark: 1,000 escalations falling due at once, each delivered to a
 * webhook on loopback (issue 17). How long from their due time to the
 * receiver's 2xx.
 *
 * Each run makes a fresh database with the playbook `escalate`
 * (bench_webhook.h: one seat asked to approve, one escalation level after an
 * hour notifying the council), triggers ESCALATIONS crises of it, and lets
 * an engine (`--once`, a child process) apply the triggers. Then it adds
 * one webhook contact for the role council, pointing at a receiver on
 * 127.0.0.1 that the benchmark runs (bench_webhook.h: a libuv server in a
 * child process, recording each request's arrival and Idempotency-Key), so
 * each escalation is one delivery. It moves every escalation timer to the
 * same instant T, 2 s ahead, and starts an engine (a child process, with
 * deliveries, as `tocsin engine` runs by default), which fires them at T,
 * writes the deliveries to the outbox in the firing's transactions, takes
 * them and sends them.
 *
 * A delivery's figure is the arrival of its first request minus T, on the
 * wall clock (the outbox rows of level 1 map each Idempotency-Key to its
 * delivery); beside it, when the firing that wrote it was committed (the
 * first NOTIFY tocsin_applied naming its crisis) and when the last outcome
 * was recorded (the outbox's sent_at). A run fails unless every delivery
 * arrived and every row is `sent`. Medians of RUNS runs, with their spread.
 *
 *   bench_notify ADMIN_CONNINFO [RUNS] [ESCALATIONS]
 *
 * Defaults: 3 runs of 1,000. The benchmark creates and drops its own
 * database, tocsin_bench_notify.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_support.h"
#include "bench_webhook.h"
#include "store/crises.h"
#include "store/db.h"

#define DBNAME     "tocsin_bench_notify"
#define LEAD_MS    2000  /* from moving the timers to their due time */
#define GIVE_UP_MS 60000 /* after the due time: a run that has not delivered everything fails */
#define MAX_RUNS   16

typedef struct figures {
    double p50, p99, max; /* due to the receiver's 2xx */
    double fired_p99;     /* due to the firing committed */
    double fired_max;     /* the last firing committed */
    double recorded_max;  /* due to the last outcome recorded */
} figures;

static void die(const char *message)
{
    fprintf(stderr, "bench_notify: %s\n", message);
    exit(1);
}

static double value(PGconn *conn, const char *sql)
{
    tc_error err;
    tc_error_init(&err);
    PGresult *res = tc_db_query(conn, sql, 0, NULL, "query", &err);
    bench_must(res == NULL, &err);
    double v = PQgetisnull(res, 0, 0) ? 0 : atof(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static void run_once(const char *admin, int count, figures *f)
{
    bench_receiver receiver;
    bench_receiver_start(&receiver, 4 * count);

    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, DBNAME, bench_escalation_playbook, NULL);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_escalations_seed(conn, count);
    int status;
    pid_t setup = bench_spawn_engine(db, "bench-setup", 1); /* applies the triggers; no contact yet */
    if (waitpid(setup, &status, 0) != setup || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the engine applying the triggers failed");
    bench_escalations_contact(conn, receiver.port);
    bench_must(tc_db_command(conn, "VACUUM ANALYZE", "vacuum", &err), &err);
    bench_must(tc_db_command(conn, "CHECKPOINT", "checkpoint", &err), &err);
    bench_must(tc_store_listen(conn, "tocsin_applied", &err), &err);

    double due = (double)(long long)(bench_wall_ms() + LEAD_MS);
    if (bench_escalations_due(conn, due) != count)
        die("the playbook left no escalation timer on some crisis");
    pid_t engine = bench_spawn_engine(db, "bench-notify", 0);
    if (bench_wall_ms() >= due - 500)
        die("moving the timers took longer than the lead: the engine may start after they are due");

    /* Until every delivery is answered: when each firing was committed, from the engine's NOTIFY. */
    double *fired = calloc((size_t)count + 1, sizeof *fired);
    int announced = 0;
    while (bench_receiver_count(&receiver) < count && bench_wall_ms() < due + GIVE_UP_MS) {
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        int ready = poll(&p, 1, 5);
        if (ready < 0 && errno != EINTR)
            die("cannot wait for notifications");
        if (ready > 0 && !PQconsumeInput(conn))
            die("lost the connection");
        double at = bench_wall_ms();
        PGnotify *n;
        while ((n = PQnotifies(conn)) != NULL) {
            long long id;
            for (const char *s = n->extra; (s = bench_payload_next(s, &id)) != NULL;)
                if (id >= 1 && id <= count && fired[id] == 0) {
                    fired[id] = at;
                    announced++;
                }
            PQfreemem(n);
        }
        if (waitpid(engine, NULL, WNOHANG) == engine)
            die("the engine exited before every delivery was made");
    }
    /* Then until every outcome is recorded. */
    while (value(conn, "SELECT count(*) FROM tocsin.notifications WHERE level = 1 AND status = 'queued'") >
               0 &&
           bench_wall_ms() < due + GIVE_UP_MS)
        usleep(20000);
    kill(engine, SIGTERM);
    if (waitpid(engine, &status, 0) != engine || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the engine failed");

    double *late = calloc((size_t)count, sizeof *late);
    long long rows, sent;
    int repeats;
    int arrived = bench_escalations_arrivals(conn, &receiver, due, late, count, &rows, &sent, &repeats);
    if (rows != count || arrived != count || sent != count || announced != count) {
        fprintf(stderr,
                "bench_notify: %d escalations: %lld outbox rows of level 1, %d answered, %lld sent, %d"
                " firings announced\n",
                count, rows, arrived, sent, announced);
        exit(1);
    }
    if (repeats > 0)
        fprintf(stderr, "bench_notify: %d requests repeated a delivery (same Idempotency-Key)\n", repeats);
    const char *trace = getenv("BENCH_NOTIFY_TRACE");
    if (trace != NULL && *trace != '\0') {
        FILE *out = fopen(trace, "a");
        if (out == NULL)
            die("cannot open BENCH_NOTIFY_TRACE");
        fprintf(out,
                "# ms after the due time: firings committed (sorted), then deliveries answered (sorted)\n");
        double *sorted = calloc((size_t)count, sizeof *sorted);
        for (int id = 1; id <= count; id++)
            sorted[id - 1] = fired[id] - due;
        bench_sort(sorted, count);
        for (int i = 0; i < count; i++)
            fprintf(out, "fired %.1f\n", sorted[i]);
        for (int i = 0; i < count; i++)
            fprintf(out, "answered %.1f\n", late[i]);
        free(sorted);
        fclose(out);
    }
    f->p50 = late[count / 2];
    f->p99 = late[(int)(count * 0.99)];
    f->max = late[count - 1];
    for (int id = 1; id <= count; id++)
        fired[id - 1] = fired[id] - due;
    bench_sort(fired, count);
    f->fired_p99 = fired[(int)(count * 0.99)];
    f->fired_max = fired[count - 1];
    char sql[256];
    snprintf(
        sql, sizeof sql,
        "SELECT extract(epoch FROM max(sent_at)) * 1000 - %.0f FROM tocsin.notifications WHERE level = 1",
        due);
    f->recorded_max = value(conn, sql);
    fprintf(stderr,
            "bench_notify: %d escalations due at once: 2xx p50 %.1f ms, p99 %.1f, max %.1f; firings"
            " committed p99 %.1f, last %.1f; last recorded %.1f ms; %d requests on %d connections\n",
            count, f->p50, f->p99, f->max, f->fired_p99, f->fired_max, f->recorded_max,
            bench_receiver_count(&receiver), bench_receiver_connections(&receiver));
    free(late);
    free(fired);
    tc_db_close(conn);
    free(db);
    bench_receiver_stop(&receiver);
}

static void row(const char *what, double *values, int runs)
{
    bench_sort(values, runs);
    printf("| %s | %.1f ms | %.1f–%.1f ms | %d runs |\n", what, values[runs / 2], values[0], values[runs - 1],
           runs);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_notify ADMIN_CONNINFO [RUNS] [ESCALATIONS]\n");
        return 2;
    }
    bench_name = "bench_notify";
    const char *admin = argv[1];
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    int count = argc > 3 ? atoi(argv[3]) : 1000;
    if (runs < 1 || runs > MAX_RUNS || count < 1 || count > 1000000) {
        fprintf(stderr, "bench_notify: RUNS must be 1 to %d, ESCALATIONS 1 to 1000000\n", MAX_RUNS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    figures f[MAX_RUNS];
    double p50[MAX_RUNS], p99[MAX_RUNS], max[MAX_RUNS], fired[MAX_RUNS], recorded[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        run_once(admin, count, &f[r]);
        p50[r] = f[r].p50;
        p99[r] = f[r].p99;
        max[r] = f[r].max;
        fired[r] = f[r].fired_max;
        recorded[r] = f[r].recorded_max;
    }
    char what[256];
    snprintf(what, sizeof what,
             "notifications: %d escalations due at once, due to the webhook's 2xx, p50 (1 engine, a receiver"
             " on loopback)",
             count);
    row(what, p50, runs);
    row("notifications: the same, p99 (same runs)", p99, runs);
    row("notifications: the same, the last delivery (same runs)", max, runs);
    row("notifications: due to the last escalation's firing committed (same runs)", fired, runs);
    row("notifications: due to the last outcome recorded `sent` (same runs)", recorded, runs);
    bench_drop_database(admin, DBNAME);
    return 0;
}
