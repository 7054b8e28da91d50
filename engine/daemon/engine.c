/*
 * The engine's event loop: see engine.h for the design.
 *
 * libuv's return codes. The calls that can fail are checked: at start,
 * uv_loop_init, uv_signal_init and uv_signal_start stop the engine with one
 * line saying which (exit 1); uv_poll_init and uv_poll_start on the
 * listener's socket drop that connection and retry it with backoff;
 * uv_loop_close is logged if a handle is left. The others cannot fail, by
 * libuv's documentation and source, and their result is cast to (void):
 * uv_timer_init, uv_timer_stop, uv_poll_stop and uv_signal_stop always
 * return 0; uv_timer_start fails only without a callback or on a closing
 * handle (the engine closes its handles only once it has finished, and
 * starts no timer after that), uv_queue_work only without a work callback,
 * uv_replace_allocator only with a NULL function, and uv_run in
 * UV_RUN_DEFAULT returns when nothing is left to run (uv_stop is never
 * called). daemon/actions.c does the same for its own calls.
 */
#include "daemon/engine.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core/base/alloc.h"
#include "core/batch/backoff.h"
#include "core/batch/set_aside.h"
#include "daemon/actions.h"
#include "daemon/apply.h"
#include "daemon/deliver.h"
#include "daemon/heartbeat.h"
#include "daemon/log.h"
#include "daemon/notifier.h"
#include "store/db.h"
#include "store/work.h"

typedef struct engine engine;

/*
 * A batch in flight: its own connection, and its own playbook cache, since
 * workers run at once. Its fields are touched by the worker thread only
 * while it runs, by the loop otherwise.
 */
typedef struct worker {
    engine *e;
    uv_work_t work;
    PGconn *conn;
    tc_applier *applier;
    tc_batch batch;
    int rc;
    tc_error err;
    int running;
    unsigned long wakes; /* the engine's wake count when the batch started */
} worker;

/*
 * The engine: its state, grouped by concern. The loop's thread owns it all,
 * except what a worker's thread touches while its batch runs (see worker).
 */
struct engine {
    uv_loop_t loop;
    tc_engine_options opts; /* as given, with defaults filled in */

    /* Batches: the workers that run them, each with its connection, and what asks for one. */
    struct {
        worker workers[TC_ENGINE_MAX_WORKERS];
        int count;           /* workers in use (--workers; 1 with --once) */
        int running;         /* batches in flight */
        unsigned long wakes; /* requests for a batch so far: notifications, timers, results */
        tc_backoff backoff;  /* retrying a failed batch (core/backoff.h) */
        uv_timer_t retry;    /* ... armed for that */
        tc_ms once_now;      /* with --once, when it started: later deadlines are left for a later engine */
        uint64_t committed;  /* batches that applied work, for the heartbeat */
    } batches;

    /* Wake-ups on a timer: the earliest due deadline, and the slow safety poll. */
    struct {
        uv_timer_t due, safety;
    } wakeups;

    /* The listener: LISTEN tocsin_work on a non-blocking connection of its own, watched with uv_poll. */
    struct {
        PGconn *conn;       /* NULL while not listening */
        uv_work_t work;     /* connecting, on a worker thread */
        int connecting;     /* ... under way */
        tc_error err;       /* why connecting failed */
        uv_poll_t poll;     /* the connection's socket */
        int polling;        /* poll is initialised and not closing */
        tc_backoff backoff; /* reconnecting (core/backoff.h) */
        uv_timer_t timer;   /* ... armed for that */
    } listener;

    /* Action and notify programs, and the results of actions that wait for a batch. */
    struct {
        tc_actions *programs;
        tc_action_result *results;
        size_t result_count, result_capacity;
    } actions;

    /* Notifications: the outbox emptied by e-mail and webhook (daemon/notifier.h). */
    struct {
        tc_notifier *n; /* NULL once closed */
        int closing;    /* tc_notifier_close called, its callback not yet */
    } notifier;

    /*
     * Reaching the database when a service starts: it may not be there yet (a
     * server still starting, a failover under way, no primary that accepts
     * writes), and the engine waits for it as it does for one it lost, on a
     * worker thread, with backoff, until it answers; only then does it claim,
     * listen and beat. What is not the database's absence (no such role, a
     * database never migrated) stops it with that error. --once does not wait.
     */
    struct {
        uv_work_t work;
        uv_timer_t timer;   /* the next try */
        int connecting;     /* a try is under way on a worker thread */
        tc_backoff backoff; /* core/backoff.h */
        int rc;
        tc_error err;
    } start;

    /* The heartbeat in tocsin.engines (daemon/heartbeat.h); NULL with --once. */
    tc_heartbeat *heartbeat;

    /* Crises set aside (core/set_aside.h), their records for operators, and the wake-up when one is due. */
    struct {
        tc_aside crises;      /* passed over by batches, and the batches that take a failed one apart */
        tc_aside_note *notes; /* set aside since the last batch, for the next to record (tocsin.set_aside) */
        size_t note_count, note_capacity;
        uv_timer_t timer; /* the first crisis set aside is due again */
    } aside;

    /* The run: signals, stopping, the grace period, and how it ends. */
    struct {
        uv_signal_t sigint, sigterm;
        int stopping;     /* claim no more, finish what runs */
        int finished;     /* every handle is closed or closing: the loop ends */
        uv_timer_t grace; /* how long running actions may finish, once stopping */
        int exit_code;    /* what tc_engine_run returns */
        tc_error error;   /* ... and says */
    } run;
};

static tc_ms epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (tc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void schedule_batch(engine *e);
static void wake(engine *e);
static void maybe_finish(engine *e);
static void start_listen(engine *e);
static void reach_database(engine *e);

/* Timer callbacks: the engine rides in the timer's data. */
static void on_batch_timer(uv_timer_t *t)
{
    wake(t->data);
}

static void on_listen_timer(uv_timer_t *t)
{
    start_listen(t->data);
}

static void on_start_timer(uv_timer_t *t)
{
    reach_database(t->data);
}

static void arm_aside_timer(engine *e);

/* A crisis set aside is due again: claim it, and wait for the next. */
static void on_aside_timer(uv_timer_t *t)
{
    engine *e = t->data;
    wake(e);
    arm_aside_timer(e);
}

/* ---- batches ---- */

static void work_cb(uv_work_t *w)
{
    worker *k = w->data;
    engine *e = k->e;
    tc_error_init(&k->err);
    if (k->conn == NULL || PQstatus(k->conn) != CONNECTION_OK) {
        tc_db_close(k->conn);
        k->conn = NULL;
        k->rc = tc_db_connect(e->opts.conninfo, e->opts.role, &k->conn, &k->err);
        if (k->rc == 0)
            k->rc = tc_store_work_prepare(k->conn, &k->err);
        if (k->rc != 0)
            return;
    }
    k->rc = tc_apply_batch(k->applier, k->conn, &k->batch, &k->err);
}

static void arm_due_timer(engine *e, tc_ms next_due)
{
    (void)uv_timer_stop(&e->wakeups.due);
    if (next_due < 0 || e->run.stopping)
        return;
    if (e->opts.once && next_due > e->batches.once_now)
        return; /* later deadlines stay in the database for a later engine */
    tc_ms delay = next_due - epoch_ms();
    (void)uv_timer_start(&e->wakeups.due, on_batch_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

/* Wakes the engine when the first crisis set aside is due again. */
static void arm_aside_timer(engine *e)
{
    tc_ms now = epoch_ms(), first = tc_aside_next_return(&e->aside.crises, now);
    (void)uv_timer_stop(&e->aside.timer);
    if (first >= 0 && !e->run.stopping)
        (void)uv_timer_start(&e->aside.timer, on_aside_timer, (uint64_t)(first - now), 0);
}

/* Queues the record of a crisis set aside for the next batch to write (tocsin.set_aside). */
static void note_aside(engine *e, int64_t crisis, int64_t revision, const char *reason, tc_ms until)
{
    if (e->aside.note_count == e->aside.note_capacity) {
        size_t capacity = e->aside.note_capacity ? 2 * e->aside.note_capacity : 4;
        tc_aside_note *more = tc_xrealloc(e->aside.notes, capacity * sizeof *more);
        if (more == NULL)
            return; /* only the record is lost: the engine's log says it */
        e->aside.notes = more;
        e->aside.note_capacity = capacity;
    }
    char *text = tc_xstrdup(reason);
    if (text != NULL)
        e->aside.notes[e->aside.note_count++] = (tc_aside_note){crisis, revision, text, until};
}

/*
 * A crisis failed a batch on its own (its state, playbook or a write of its
 * transition is refused every time) and core/set_aside.c has set it aside
 * for pause: say so, queue its record for operators, and wake the engine
 * when it is due again. Its commands and timers stay in the database;
 * nothing is lost. With --once, the engine exits with the error once the
 * rest is done.
 */
static void report_set_aside(engine *e, int64_t crisis, int64_t revision, const tc_error *why, tc_ms now,
                             tc_ms pause)
{
    char id[24], retry[32];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    snprintf(retry, sizeof retry, "%llds", (long long)(pause / 1000));
    tc_log(TC_LOG_ERROR, "crisis set aside: its transition fails", "crisis", id, "reason", why->text,
           "retry_in", retry, NULL);
    if (e->opts.once) {
        e->run.exit_code = why->code;
        tc_error_set(&e->run.error, why->code, "crisis %s set aside, its transition fails: %s", id,
                     why->text);
    }
    note_aside(e, crisis, revision, why->text, now + pause);
    arm_aside_timer(e);
}

/* Keeps an action result (taken: *result is emptied) for a batch to apply; 0, or -1 when out of memory. */
static int keep_result(engine *e, tc_action_result *result)
{
    if (e->actions.result_count == e->actions.result_capacity) {
        size_t capacity = e->actions.result_capacity ? 2 * e->actions.result_capacity : 16;
        tc_action_result *more = tc_xrealloc(e->actions.results, capacity * sizeof *more);
        if (more == NULL) {
            tc_log(TC_LOG_ERROR, "out of memory: an action result is lost; its timeout will retry it", NULL);
            tc_action_result_clear(result);
            return -1;
        }
        e->actions.results = more;
        e->actions.result_capacity = capacity;
    }
    e->actions.results[e->actions.result_count++] = *result;
    memset(result, 0, sizeof *result);
    return 0;
}

/* Action results that a batch can apply now: those of crises not set aside. */
static size_t deliverable_results(const engine *e)
{
    size_t n = 0;
    tc_ms now = epoch_ms();
    for (size_t i = 0; i < e->actions.result_count; i++)
        n += !tc_aside_holds(&e->aside.crises, e->actions.results[i].crisis, now);
    return n;
}

/*
 * A failed batch wrote nothing: put its action results back (all of them: a
 * result dropped here would come back only as its action's timeout). Then do
 * what core/set_aside.h decides: when one crisis failed it, set that one
 * aside and go on at once; when the batch failed as a whole, not for the
 * database's sake, take its crises one a batch (the results of one crisis,
 * or one claimed crisis) until the one that fails is found, whatever
 * statement failed and whether the crisis came with results of actions or
 * with work of its own; otherwise try again after a pause (core/backoff.h).
 */
static void batch_failed(engine *e, worker *k)
{
    tc_batch *b = &k->batch;
    for (size_t i = 0; i < b->result_count; i++)
        keep_result(e, &b->results[i]);
    int unavailable = k->rc == TC_EUNAVAIL;
    tc_ms now = epoch_ms(), pause = 0;
    tc_aside_verdict verdict =
        tc_aside_failed(&e->aside.crises, k->rc, b->culprit, b->touched_count, now, &pause);
    if (verdict == TC_ASIDE_SET) {
        report_set_aside(e, b->culprit, b->culprit_revision, &k->err, now, pause);
        tc_batch_clear(b);
        schedule_batch(e);
        return;
    }
    if (verdict == TC_ASIDE_TAKE_APART) {
        char touched[24];
        snprintf(touched, sizeof touched, "%zu", b->touched_count);
        tc_log(TC_LOG_ERROR, "batch failed: applying its crises one at a time", "crises", touched, "reason",
               k->err.text, NULL);
        tc_batch_clear(b);
        schedule_batch(e);
        return;
    }
    if (unavailable) {
        tc_db_close(k->conn);
        k->conn = NULL;
    }
    /* With --once nobody waits: the backoff gives up after a few tries, and the engine says why. */
    tc_ms delay = tc_backoff_fail(&e->batches.backoff);
    if (delay < 0 || tc_backoff_worth_logging(e->batches.backoff.failures)) {
        char retry[32], failures[16];
        snprintf(retry, sizeof retry, "%lldms", (long long)(delay >= 0 ? delay : 0));
        snprintf(failures, sizeof failures, "%d", e->batches.backoff.failures);
        tc_log(unavailable ? TC_LOG_WARN : TC_LOG_ERROR,
               unavailable ? "database unavailable" : "batch failed", "reason", k->err.text, "retry_in",
               delay >= 0 ? retry : "never (giving up)", "failures", failures, NULL);
    }
    tc_batch_clear(b);
    if (delay < 0) {
        e->run.error = k->err;
        e->run.exit_code = k->rc;
        e->run.stopping = 1;
        maybe_finish(e);
        return;
    }
    (void)uv_timer_start(&e->batches.retry, on_batch_timer, (uint64_t)delay, 0);
}

static void after_work_cb(uv_work_t *w, int status)
{
    worker *k = w->data;
    engine *e = k->e;
    tc_batch *b = &k->batch;
    (void)status;
    k->running = 0;
    e->batches.running--;

    if (b->aside_err.code != 0)
        tc_log(TC_LOG_WARN, "cannot record the crises set aside (the log above names them)", "reason",
               b->aside_err.text, NULL);
    if (k->rc != 0) {
        batch_failed(e, k);
        return;
    }
    if (e->batches.backoff.failures > 0) { /* the end of an outage, which was logged: say so */
        char failures[16];
        snprintf(failures, sizeof failures, "%d", e->batches.backoff.failures);
        tc_log(TC_LOG_WARN, "batches applied again", "failures", failures, NULL);
    }
    tc_backoff_succeed(&e->batches.backoff);
    if (b->claimed > 0 || b->result_count > 0)
        e->batches.committed++;
    tc_aside_applied(&e->aside.crises, b->touched, b->touched_count); /* they start over */

    size_t i;
    json_t *item;
    json_array_foreach(b->kills, i, item) tc_actions_kill(e->actions.programs, json_string_value(item));
    json_array_foreach(b->starts, i, item) tc_actions_start(e->actions.programs, item);
    json_array_foreach(b->notices, i, item) tc_actions_notify(e->actions.programs, item);
    if (json_array_size(b->notices) > 0 && e->notifier.n != NULL)
        tc_notifier_kick(e->notifier.n); /* the batch wrote deliveries to the outbox */
    if (b->claimed > 0 || b->result_count > 0) {
        char claimed[24], applied[24];
        snprintf(claimed, sizeof claimed, "%zu", b->claimed);
        snprintf(applied, sizeof applied, "%zu", b->applied);
        tc_log(TC_LOG_INFO, "batch applied", "crises", claimed, "items", applied, NULL);
    }
    /*
     * One more batch when this one was full, when results of actions wait or
     * came (what they caused may be due at once), or when the engine was woken
     * since this batch began: the work that woke it may belong to a crisis
     * this batch held, which another batch in flight had to skip.
     */
    size_t limit = (size_t)(b->limit > 0 ? b->limit : e->opts.batch_size);
    int full = b->claimed >= limit;
    int more = full || deliverable_results(e) > 0 || b->result_count > 0 || e->batches.wakes != k->wakes ||
               (e->opts.once && b->claimed > 0);
    tc_ms next_due = b->next_due;
    int idle = b->claimed == 0 && b->result_count == 0;
    tc_batch_clear(b);
    /* A full batch means a backlog: every free worker takes a batch of it, so that one applies while another
     * waits for the database (a wake alone would leave the others idle until the next notification). */
    for (int n = 0; more && n < (full ? e->batches.count : 1); n++)
        schedule_batch(e);
    if (!more)
        arm_due_timer(e, next_due);
    if (e->opts.once && idle && !more && e->batches.running == 0 &&
        tc_actions_running(e->actions.programs) == 0)
        e->run.stopping = 1;
    maybe_finish(e);
}

/* Orders results by crisis, so that two batches lock their crises in the same order. */
static int by_crisis(const void *a, const void *b)
{
    int64_t x = ((const tc_action_result *)a)->crisis, y = ((const tc_action_result *)b)->crisis;
    return (x > y) - (x < y);
}

/*
 * Something may be due: a notification, a deadline, a result, a retry. The
 * count lets a batch that began before it know that it may have missed it.
 */
static void wake(engine *e)
{
    e->batches.wakes++;
    schedule_batch(e);
}

static void schedule_batch(engine *e)
{
    if (e->run.finished)
        return;
    if (e->run.stopping && deliverable_results(e) == 0)
        return;
    worker *k = NULL;
    for (int i = 0; i < e->batches.count && k == NULL; i++)
        if (!e->batches.workers[i].running)
            k = &e->batches.workers[i];
    if (k == NULL)
        return; /* the first batch to finish sees the wake and runs again */
    tc_batch *b = &k->batch;
    memset(b, 0, sizeof *b);
    tc_ms now = epoch_ms();
    /* Results of crises set aside wait in the engine until they are due again. */
    size_t capacity = e->actions.result_capacity ? e->actions.result_capacity : 16;
    tc_action_result *held = tc_xcalloc(capacity, sizeof *held);
    /* Taking a failed batch apart, one crisis a batch: the results of one crisis, and no claim with them. */
    size_t held_count = 0;
    int64_t only = 0;
    int one_by_one = tc_aside_one_by_one(&e->aside.crises);
    for (size_t i = 0; i < e->actions.result_count; i++) {
        int64_t crisis = e->actions.results[i].crisis;
        if (tc_aside_holds(&e->aside.crises, crisis, now) || (one_by_one && only != 0 && crisis != only)) {
            held[held_count++] = e->actions.results[i];
            continue;
        }
        e->actions.results[b->result_count++] = e->actions.results[i];
        only = crisis;
    }
    b->results = e->actions.results;
    if (b->result_count > 1)
        qsort(b->results, b->result_count, sizeof *b->results, by_crisis);
    e->actions.results = held;
    e->actions.result_capacity = capacity;
    e->actions.result_count = held_count;
    b->skip_count = tc_aside_held(&e->aside.crises, now, &b->skip);
    b->asides = e->aside.notes;
    b->aside_count = e->aside.note_count;
    b->engine = e->opts.id ? e->opts.id : "engine";
    e->aside.notes = NULL;
    e->aside.note_count = e->aside.note_capacity = 0;
    b->limit = one_by_one ? 1 : 0;
    b->now = e->opts.once ? (e->batches.once_now > now ? now : e->batches.once_now) : now;
    b->claim = !e->run.stopping && !(one_by_one && b->result_count > 0);
    k->running = 1;
    k->wakes = e->batches.wakes;
    e->batches.running++;
    (void)uv_queue_work(&e->loop, &k->work, work_cb, after_work_cb);
}

static void on_action_done(tc_action_result *result, void *arg)
{
    engine *e = arg;
    if (result == NULL) {
        /* A notify program ended. Stopping, the engine may have waited only for it; with --once, the last
         * batch may have found it running: one more batch ends the run. */
        if (e->run.stopping)
            maybe_finish(e);
        else if (e->opts.once)
            wake(e);
        return;
    }
    if (keep_result(e, result) == 0)
        wake(e);
}

/* ---- LISTEN ---- */

static void listen_work_cb(uv_work_t *w)
{
    engine *e = w->data;
    tc_error_init(&e->listener.err);
    PGconn *conn = NULL;
    if (tc_db_connect(e->opts.conninfo, e->opts.role, &conn, &e->listener.err) == 0 &&
        tc_db_command(conn, "LISTEN tocsin_work", "cannot listen", &e->listener.err) == 0 &&
        PQsetnonblocking(conn, 1) == 0) {
        e->listener.conn = conn;
        return;
    }
    tc_db_close(conn);
}

static void on_listen_poll(uv_poll_t *p, int status, int events);

/*
 * Listening failed (why, for the log, with its reason; NULL when it was
 * logged already) or stopped: try again after the backoff (core/backoff.h),
 * unless stopping.
 */
static void retry_listen(engine *e, const char *why, const char *reason)
{
    tc_ms delay = tc_backoff_fail(&e->listener.backoff);
    if (why != NULL && tc_backoff_worth_logging(e->listener.backoff.failures)) {
        char failures[16];
        snprintf(failures, sizeof failures, "%d", e->listener.backoff.failures);
        tc_log(TC_LOG_WARN, why, "reason", reason, "failures", failures, NULL);
    }
    if (!e->run.stopping)
        (void)uv_timer_start(&e->listener.timer, on_listen_timer, (uint64_t)delay, 0);
    maybe_finish(e);
}

static void listen_closed(uv_handle_t *h)
{
    engine *e = h->data;
    tc_db_close(e->listener.conn);
    e->listener.conn = NULL;
    retry_listen(e, NULL, NULL);
}

static void after_listen_work(uv_work_t *w, int status)
{
    engine *e = w->data;
    (void)status;
    e->listener.connecting = 0;
    if (e->listener.conn == NULL) {
        retry_listen(e, "cannot listen for work", e->listener.err.text);
        return;
    }
    if (e->run.stopping) {
        tc_db_close(e->listener.conn);
        e->listener.conn = NULL;
        maybe_finish(e);
        return;
    }
    int rc = uv_poll_init(&e->loop, &e->listener.poll, PQsocket(e->listener.conn));
    if (rc != 0) { /* the handle is not initialised: nothing to close but the connection */
        tc_db_close(e->listener.conn);
        e->listener.conn = NULL;
        retry_listen(e, "cannot watch the listening connection", uv_strerror(rc));
        return;
    }
    e->listener.poll.data = e;
    if ((rc = uv_poll_start(&e->listener.poll, UV_READABLE, on_listen_poll)) != 0) {
        tc_log(TC_LOG_WARN, "cannot watch the listening connection", "reason", uv_strerror(rc), NULL);
        uv_close((uv_handle_t *)&e->listener.poll, listen_closed); /* which retries */
        return;
    }
    e->listener.polling = 1;
    char failures[16];
    snprintf(failures, sizeof failures, "%d", e->listener.backoff.failures);
    tc_log(TC_LOG_INFO, "listening for work", "failures", failures, NULL);
    tc_backoff_succeed(&e->listener.backoff);
    wake(e); /* anything recorded while we were not listening */
}

static void start_listen(engine *e)
{
    if (e->run.stopping || e->listener.connecting || e->listener.polling)
        return;
    e->listener.connecting = 1;
    e->listener.work.data = e;
    (void)uv_queue_work(&e->loop, &e->listener.work, listen_work_cb, after_listen_work);
}

static void on_listen_poll(uv_poll_t *p, int status, int events)
{
    engine *e = p->data;
    (void)events;
    if (status < 0 || !PQconsumeInput(e->listener.conn) || PQstatus(e->listener.conn) != CONNECTION_OK) {
        tc_log(TC_LOG_WARN, "lost the listening connection", "reason", PQerrorMessage(e->listener.conn),
               NULL);
        (void)uv_poll_stop(p);
        /* Closing from now: maybe_finish, which may run before listen_closed, must not stop it again. */
        e->listener.polling = 0;
        uv_close((uv_handle_t *)p, listen_closed);
        return;
    }
    int woken = 0;
    PGnotify *n;
    while ((n = PQnotifies(e->listener.conn)) != NULL) {
        woken = 1;
        PQfreemem(n);
    }
    if (woken)
        wake(e);
}

/* ---- starting ---- */

/* The database answered: claim what is due, listen, beat, deliver. */
static void begin_work(engine *e)
{
    if (!e->opts.once) {
        e->heartbeat = tc_heartbeat_start(&e->loop, e->opts.conninfo, e->opts.role, &e->batches.committed);
        start_listen(e);
        uint64_t poll = (uint64_t)(e->opts.poll_ms > 0 ? e->opts.poll_ms : TC_ENGINE_POLL * 1000);
        (void)uv_timer_start(&e->wakeups.safety, on_batch_timer, poll, poll);
    }
    wake(e);
    if (e->notifier.n != NULL)
        tc_notifier_kick(e->notifier.n); /* deliveries left by an engine that stopped or died */
}

/* On a worker thread: the first batch's connection, its statements prepared. */
static void start_work_cb(uv_work_t *w)
{
    engine *e = w->data;
    PGconn **conn = &e->batches.workers[0].conn;
    tc_error_init(&e->start.err);
    e->start.rc = tc_db_connect(e->opts.conninfo, e->opts.role, conn, &e->start.err);
    if (e->start.rc == 0 && (e->start.rc = tc_store_work_prepare(*conn, &e->start.err)) != 0) {
        tc_db_close(*conn);
        *conn = NULL;
    }
}

static void after_start_work(uv_work_t *w, int status)
{
    engine *e = w->data;
    (void)status;
    e->start.connecting = 0;
    if (e->run.stopping) {
        maybe_finish(e);
        return;
    }
    if (e->start.rc == 0) {
        if (e->start.backoff.failures > 0)
            tc_log(TC_LOG_WARN, "database reached: starting", NULL);
        begin_work(e);
        return;
    }
    if (e->start.rc != TC_EUNAVAIL) { /* not its absence: a role, a schema, a privilege; waiting mends none */
        e->run.error = e->start.err;
        e->run.exit_code = e->start.rc;
        e->run.stopping = 1;
        maybe_finish(e);
        return;
    }
    tc_ms delay = tc_backoff_fail(&e->start.backoff);
    if (tc_backoff_worth_logging(e->start.backoff.failures)) {
        char retry[32], failures[16];
        snprintf(retry, sizeof retry, "%lldms", (long long)delay);
        snprintf(failures, sizeof failures, "%d", e->start.backoff.failures);
        tc_log(TC_LOG_WARN, "database unavailable: waiting for it", "reason", e->start.err.text, "retry_in",
               retry, "failures", failures, NULL);
    }
    (void)uv_timer_start(&e->start.timer, on_start_timer, (uint64_t)delay, 0);
}

static void reach_database(engine *e)
{
    if (e->run.stopping || e->start.connecting)
        return;
    e->start.connecting = 1;
    e->start.work.data = e;
    (void)uv_queue_work(&e->loop, &e->start.work, start_work_cb, after_start_work);
}

/* ---- stopping ---- */

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void notifier_closed(void *data)
{
    engine *e = data;
    e->notifier.closing = 0;
    maybe_finish(e);
}

/* Deliveries were recorded, under crisis row locks that a batch may have skipped: look again. */
static void notifier_recorded(void *data)
{
    engine *e = data;
    if (!e->run.stopping)
        wake(e);
}

/* The notifier has nothing left to do: a stopping engine may finish. */
static void notifier_idle(void *data)
{
    maybe_finish(data);
}

static void maybe_finish(engine *e)
{
    if (!e->run.stopping || e->run.finished || e->batches.running > 0 || e->listener.connecting ||
        e->start.connecting)
        return;
    if (deliverable_results(e) > 0) {
        schedule_batch(e);
        return;
    }
    if (tc_actions_running(e->actions.programs) > 0)
        return;
    /* With --once, what was due is delivered and recorded first; stopping on a signal, only what is on its
     * way to the database is recorded, and a delivery in flight (a receiver that hangs) is left for its
     * lease to end. Then the notifier closes its deliverer's handles itself, before the walk below closes
     * the rest. */
    if (e->notifier.closing ||
        (e->notifier.n != NULL &&
         !(e->opts.once ? tc_notifier_idle(e->notifier.n) : tc_notifier_settled(e->notifier.n))))
        return;
    if (e->notifier.n != NULL) {
        e->notifier.closing = 1;
        tc_notifier_close(e->notifier.n, notifier_closed, e);
        e->notifier.n = NULL;
        return;
    }
    e->run.finished = 1;
    if (e->listener.polling) {
        (void)uv_poll_stop(&e->listener.poll);
        e->listener.polling = 0;
    }
    uv_walk(&e->loop, close_walk, NULL);
}

static void on_grace_over(uv_timer_t *t)
{
    engine *e = t->data;
    if (tc_actions_running(e->actions.programs) > 0) {
        tc_log(TC_LOG_WARN, "grace period over: killing running actions", NULL);
        tc_actions_kill_all(e->actions.programs);
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    engine *e = s->data;
    if (e->run.stopping) {
        tc_log(TC_LOG_WARN, "second signal: killing running actions", NULL);
        tc_actions_kill_all(e->actions.programs);
        return;
    }
    tc_log(TC_LOG_INFO, signum == SIGINT ? "SIGINT: stopping" : "SIGTERM: stopping", NULL);
    e->run.stopping = 1;
    (void)uv_timer_stop(&e->wakeups.due);
    (void)uv_timer_stop(&e->wakeups.safety);
    (void)uv_timer_stop(&e->batches.retry);
    (void)uv_timer_stop(&e->listener.timer);
    (void)uv_timer_stop(&e->start.timer);
    if (e->notifier.n != NULL)
        tc_notifier_drain(e->notifier.n);
    (void)uv_signal_stop(&e->run.sigint);
    (void)uv_signal_stop(&e->run.sigterm);
    (void)uv_timer_start(&e->run.grace, on_grace_over, (uint64_t)e->opts.grace_ms, 0);
    uv_unref((uv_handle_t *)&e->run.grace);
    maybe_finish(e);
}

/*
 * Marks every descriptor the engine inherited (past stdin, stdout and stderr)
 * close-on-exec, so that no action or notify program receives one: a pipe a
 * supervisor left open, a file, a socket. Its own (libuv's, libpq's) are
 * close-on-exec already.
 */
static void close_inherited_on_exec(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return;
    int own = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char *end;
        long fd = strtol(entry->d_name, &end, 10);
        if (*end != '\0' || end == entry->d_name || fd <= 2 || fd == own)
            continue;
        int flags = fcntl((int)fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC))
            fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
    }
    closedir(dir);
}

/*
 * Watches signum with on_signal. When it cannot, the engine does not start:
 * it stops before it claims anything, and tc_engine_run says why.
 */
static void watch_signal(engine *e, uv_signal_t *s, int signum)
{
    if (e->run.stopping)
        return;
    int rc = uv_signal_init(&e->loop, s);
    if (rc == 0) {
        s->data = e;
        rc = uv_signal_start(s, on_signal, signum);
    }
    if (rc != 0) {
        e->run.exit_code = TC_EFAILED;
        tc_error_set(&e->run.error, TC_EFAILED, "cannot watch %s: %s",
                     signum == SIGINT ? "SIGINT" : "SIGTERM", uv_strerror(rc));
        e->run.stopping = 1;
    }
}

int tc_engine_run(const tc_engine_options *options, tc_error *err)
{
    engine *e = tc_xcalloc(1, sizeof *e);
    if (e == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    e->opts = *options;
    if (e->opts.batch_size <= 0)
        e->opts.batch_size = 100;
    if (e->opts.grace_ms <= 0)
        e->opts.grace_ms = 10000;
    tc_backoff_init(&e->batches.backoff, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS,
                    e->opts.once ? TC_BACKOFF_ONCE_TRIES : 0);
    tc_backoff_init(&e->listener.backoff, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    tc_backoff_init(&e->start.backoff, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    e->batches.once_now = epoch_ms();
    tc_log_setup(e->opts.id ? e->opts.id : "engine", e->opts.verbose ? TC_LOG_INFO : TC_LOG_WARN);

    e->batches.count = e->opts.workers < 1                       ? 2
                       : e->opts.workers > TC_ENGINE_MAX_WORKERS ? TC_ENGINE_MAX_WORKERS
                                                                 : e->opts.workers;
    if (e->opts.once)
        e->batches.count = 1; /* --once follows one chain of consequences; one batch at a time is enough */

    /* With --once, fail fast when the database cannot be reached: exit 7 rather than wait. A service waits
     * for it once its loop runs (reach_database). */
    int rc = 0;
    if (e->opts.once) {
        rc = tc_db_connect(e->opts.conninfo, e->opts.role, &e->batches.workers[0].conn, err);
        if (rc == 0 && (rc = tc_store_work_prepare(e->batches.workers[0].conn, err)) != 0)
            tc_db_close(e->batches.workers[0].conn);
        if (rc != 0) {
            free(e);
            return rc;
        }
    }
    /* libcurl's global state, before any thread (the workers') starts. */
    if ((rc = tc_deliver_global_init(err)) != 0) {
        tc_db_close(e->batches.workers[0].conn);
        free(e);
        return rc;
    }
    /* libuv allocates by the same policy as the rest (core/base/alloc.h); before its first allocation. */
    (void)uv_replace_allocator(tc_xmalloc, tc_xrealloc, tc_xcalloc, free);
    int uvrc = uv_loop_init(&e->loop);
    if (uvrc != 0) {
        tc_db_close(e->batches.workers[0].conn);
        tc_deliver_global_cleanup();
        free(e);
        return tc_error_set(err, TC_EFAILED, "cannot start the event loop: %s", uv_strerror(uvrc));
    }
    for (int i = 0; i < e->batches.count; i++) {
        e->batches.workers[i].e = e;
        e->batches.workers[i].work.data = &e->batches.workers[i];
        e->batches.workers[i].applier = tc_applier_new(e->opts.batch_size);
    }
    tc_notify_limits notify = {
        e->opts.notify_limit > 0 ? e->opts.notify_limit : TC_ENGINE_NOTIFY_LIMIT,
        (uint64_t)(e->opts.notify_timeout_ms > 0 ? e->opts.notify_timeout_ms
                                                 : TC_ENGINE_NOTIFY_TIMEOUT * 1000),
        TC_ENGINE_NOTIFY_WAITING,
    };
    e->actions.programs = tc_actions_new(&e->loop, e->opts.actions_dir, &notify, on_action_done, e);
    (void)uv_timer_init(&e->loop, &e->wakeups.due);
    (void)uv_timer_init(&e->loop, &e->batches.retry);
    (void)uv_timer_init(&e->loop, &e->listener.timer);
    (void)uv_timer_init(&e->loop, &e->run.grace);
    (void)uv_timer_init(&e->loop, &e->wakeups.safety);
    (void)uv_timer_init(&e->loop, &e->aside.timer);
    (void)uv_timer_init(&e->loop, &e->start.timer);
    e->wakeups.due.data = e->batches.retry.data = e->listener.timer.data = e->run.grace.data =
        e->wakeups.safety.data = e->aside.timer.data = e->start.timer.data = e;
    watch_signal(e, &e->run.sigint, SIGINT);
    watch_signal(e, &e->run.sigterm, SIGTERM);
    if (!e->run.stopping && !e->opts.no_deliveries) {
        tc_notifier_options notifier = {.conninfo = e->opts.conninfo,
                                        .role = e->opts.role,
                                        .smtp_url = e->opts.smtp_url,
                                        .mail_from = e->opts.mail_from,
                                        .board_url = e->opts.board_url,
                                        .once = e->opts.once,
                                        .recorded = notifier_recorded};
        e->notifier.n = tc_notifier_new(&e->loop, &notifier, notifier_idle, e, &e->run.error);
        if (e->notifier.n == NULL) {
            e->run.exit_code = e->run.error.code;
            e->run.stopping = 1;
        }
    }

    if (e->run.stopping) {
        maybe_finish(e); /* a signal cannot be watched: close what was opened, and end */
    } else {
        tc_log(TC_LOG_INFO, e->opts.once ? "engine starting (once)" : "engine starting", "actions",
               e->opts.actions_dir ? e->opts.actions_dir : "(none)", NULL);
        signal(SIGPIPE, SIG_IGN); /* a program that exits before reading its stdin must not kill the engine */
        close_inherited_on_exec();
        if (e->opts.once)
            begin_work(e);
        else
            reach_database(e);
    }
    (void)uv_run(&e->loop, UV_RUN_DEFAULT);

    if ((uvrc = uv_loop_close(&e->loop)) != 0)
        tc_log(TC_LOG_ERROR, "the event loop ended with handles open", "reason", uv_strerror(uvrc), NULL);
    tc_heartbeat_leave(e->heartbeat); /* a clean stop: the engine's row goes */
    for (int i = 0; i < e->batches.count; i++) {
        tc_db_close(e->batches.workers[i].conn);
        tc_applier_free(e->batches.workers[i].applier);
    }
    tc_db_close(e->listener.conn);
    tc_actions_free(e->actions.programs);
    if (e->actions.result_count > 0)
        tc_log(TC_LOG_WARN, "stopping with results of actions of crises set aside: they are not applied",
               NULL);
    for (size_t i = 0; i < e->actions.result_count; i++)
        tc_action_result_clear(&e->actions.results[i]);
    free(e->actions.results);
    tc_aside_free(&e->aside.crises);
    for (size_t i = 0; i < e->aside.note_count; i++)
        free(e->aside.notes[i].reason);
    free(e->aside.notes);
    tc_deliver_global_cleanup();
    tc_log(TC_LOG_INFO, "engine stopped", NULL);
    rc = e->run.exit_code;
    if (rc != 0)
        tc_error_set(err, rc, "%s", e->run.error.text);
    free(e);
    return rc;
}
