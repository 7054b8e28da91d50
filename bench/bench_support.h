/*
 * What the benchmark programs share: a clock, dying on an error, reading a
 * playbook file, a fresh database of their own (schema and one playbook),
 * medians, and scenario 2's pieces (council crises, votes, the background
 * load, waiting for a commit's NOTIFY).
 */
#ifndef TOCSIN_BENCH_SUPPORT_H
#define TOCSIN_BENCH_SUPPORT_H

#include <libpq-fe.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/error.h"

/* The name the messages of bench_die and bench_must start with. */
extern const char *bench_name;

/* Seconds on the monotonic clock. */
double bench_now(void);

/* fork(), exiting on failure; the child is killed when the benchmark dies. */
pid_t bench_fork(void);

/* Forks a tocsin engine on db, named id in its logs: --once when once, else until SIGTERM; the child
 * exits 0 when the engine did. BENCH_ENGINE_WORKERS=N gives it N batches in flight (default 2). */
pid_t bench_spawn_engine(const char *db, const char *id, int once);

/*
 * Reads the next crisis id of a NOTIFY tocsin_applied payload ("12" or
 * "12,13,14") at s into *id; returns where the rest starts, NULL at the end:
 *   for (const char *s = payload; (s = bench_payload_next(s, &id)) != NULL;)
 */
const char *bench_payload_next(const char *s, long long *id);

/* Prints "NAME: text" and exits 1 when rc is not 0. */
void bench_must(int rc, const tc_error *err);

/* The whole file at path, NUL-terminated (exits on failure; caller frees). */
char *bench_read_file(const char *path);

/*
 * Drops and creates the database dbname through the maintenance connection
 * admin, migrates it, loads playbook_text into it; returns the conninfo of the
 * new database (caller frees) and, when name is not NULL, the playbook's name.
 */
char *bench_fresh_database(const char *admin, const char *dbname, const char *playbook_text, char **name);

/* Drops the database dbname, if it can. */
void bench_drop_database(const char *admin, const char *dbname);

/* Sorts values ascending (for medians and spreads). */
void bench_sort(double *values, int count);

/* Sleeps until t on bench_now's clock (at once when it has passed). */
void bench_sleep_until(double t);

/*
 * Scenario 2 (bench_latency), on the six-seat consensus of
 * tests/data/playbooks/valid/council.json, whose approval state is
 * `consensus`.
 */

/* Every council seat for the connection's role, and crises crises triggered (still to apply). */
void bench_council_seed(PGconn *conn, int crises);

/* Applies what is queued on db with an engine run --once in this process. */
void bench_apply_triggers(const char *db);

/* Submits the vote `approve` of party (0..5: AM BY KZ KG RU TJ) on crisis, as the connection's role. */
void bench_vote(PGconn *conn, int64_t crisis, int party);

/*
 * The background load: BENCH_LOADERS processes (a submit is a round trip and
 * a commit: one connection alone cannot keep up 500 a second), each with its
 * share of rate votes per second for seconds, six votes to a crisis, on
 * crises of its own: bench_load_crises(rate, seconds) each, from first on.
 */
#define BENCH_LOADERS 4
int bench_load_crises(double rate, double seconds);
void bench_load_start(const char *db, int64_t first, int share, double rate, double seconds,
                      pid_t pids[BENCH_LOADERS]);
void bench_load_wait(const pid_t pids[BENCH_LOADERS]);

/* Waits (10 s at most, then exits) for a NOTIFY tocsin_applied naming crisis on conn, which LISTENs;
 * returns when it came, on bench_now's clock. */
double bench_wait_applied(PGconn *conn, int64_t crisis);

#endif
