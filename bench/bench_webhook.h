/*
 * What the notification benchmarks share (issue 17): a webhook receiver on
 * loopback that records when each request arrived, and crises whose one
 * escalation falls due when the benchmark says.
 *
 * The receiver is test tooling, not product code: a libuv TCP server in a
 * child process (forked, so it has a core of its own to the extent the
 * machine has one) that reads HTTP/1.1 requests only far enough to find the
 * end of the headers, Content-Length and Idempotency-Key, and answers each
 * with `200 OK`, an empty body and the connection kept. For each request it
 * records, in memory shared with the benchmark, its arrival (CLOCK_REALTIME,
 * when its last byte was read, just before the answer is written) and its
 * Idempotency-Key (the delivery's id, tocsin.notifications.delivery).
 */
#ifndef TOCSIN_BENCH_WEBHOOK_H
#define TOCSIN_BENCH_WEBHOOK_H

#include <libpq-fe.h>
#include <sys/types.h>

#define BENCH_KEY_SIZE 40 /* a uuid and its NUL */

typedef struct bench_arrival {
    double at_ms; /* epoch ms, CLOCK_REALTIME */
    char key[BENCH_KEY_SIZE];
} bench_arrival;

typedef struct bench_receiver {
    pid_t pid;
    int port; /* on 127.0.0.1 */
    struct bench_receiver_shared *shared;
    size_t size;
} bench_receiver;

/* Starts a receiver that records up to capacity requests (more are answered, counted, not kept). */
void bench_receiver_start(bench_receiver *r, int capacity);

/* How many requests it has answered so far. */
int bench_receiver_count(const bench_receiver *r);

/* How many connections it has accepted so far. */
int bench_receiver_connections(const bench_receiver *r);

/* The first min(count, capacity) arrivals, in the order they came. */
const bench_arrival *bench_receiver_arrivals(const bench_receiver *r);

/* Kills the receiver and frees what it shared. */
void bench_receiver_stop(bench_receiver *r);

/* Milliseconds on the wall clock (the clock of due times). */
double bench_wall_ms(void);

/*
 * The playbook `escalate`: one seat (council/AM) asked to approve, a
 * deadline of a day and one escalation level after an hour notifying the
 * council, whose timer is keyed `vote#1:level1`.
 */
extern const char bench_escalation_playbook[];

/* Loads `escalate` and triggers count crises of it (their triggers still to apply). */
void bench_escalations_seed(PGconn *conn, int count);

/* One webhook contact for the role council, pointing at the receiver on port. */
void bench_escalations_contact(PGconn *conn, int port);

/* Moves every escalation timer (`%:level1`) to be due at due_ms (epoch ms); returns how many. */
long long bench_escalations_due(PGconn *conn, double due_ms);

/*
 * The level-1 webhook deliveries and their arrivals: for each, arrival - due_ms
 * of its first request into late[] (caller's, room for count), sorted; returns
 * how many of the outbox's level-1 webhook rows were answered, and in *rows
 * how many there are, *sent how many are `sent`, *repeats the requests that
 * repeated a key already seen.
 */
int bench_escalations_arrivals(PGconn *conn, const bench_receiver *r, double due_ms, double *late, int count,
                               long long *rows, long long *sent, int *repeats);

#endif
