/*
 * The notifier: see notifier.h for the design.
 *
 * libuv's return codes: uv_timer_init and uv_timer_stop always return 0;
 * uv_timer_start fails only without a callback or on a closing handle (the
 * timer is closed only in tc_notifier_close, after which nothing starts
 * it); uv_queue_work only without a work callback. They are cast to (void).
 */
#include "daemon/notifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/alloc.h"
#include "core/base/text.h"
#include "core/batch/backoff.h"
#include "core/notify/message.h"
#include "core/notify/retry.h"
#include "daemon/deliver.h"
#include "daemon/log.h"
#include "store/db.h"
#include "store/deliveries.h"

/* How an attempt ended, waiting to be recorded. */
typedef struct outcome {
    char *id;
    int ok;
    char *error;         /* NULL when sent */
    int64_t retry_at_ms; /* failed: when to try again; 0: never (failed for good) */
} outcome;

/* What the worker thread does with the connection. */
enum job { JOB_TAKE, JOB_RECORD };

/* A connection and its one job at a time, on a worker thread. The notifier has two: one takes, the other
 * records, so that a take is made and sent while earlier outcomes are recorded. */
typedef struct lane {
    struct tc_notifier *n;
    enum job job;
    PGconn *conn;
    uv_work_t work;
    int working;
    int rc;
    tc_error err;
} lane;

struct tc_notifier {
    uv_loop_t *loop;
    tc_notifier_options opts; /* strings owned */
    char *mail_from;
    void (*idle)(void *data);
    void *idle_data;
    tc_deliverer *deliverer;

    lane take, record;
    int take_limit;            /* JOB_TAKE's: room left beside what is in flight */
    tc_outbox_delivery *taken; /* JOB_TAKE's result */
    size_t taken_count;
    outcome *recording; /* JOB_RECORD's input */
    size_t recording_count;

    int want_take;    /* something may be due */
    int draining;     /* take nothing more */
    size_t in_flight; /* sends not yet called back */
    outcome *done;    /* ended, to record */
    size_t done_count, done_capacity;

    uv_timer_t timer; /* the next take: poll, or a backoff after a database error */
    tc_backoff backoff;
    int closing;
    void (*closed)(void *data);
    void *closed_data;
};

/* One send's context, for its callback. */
typedef struct sending {
    tc_notifier *n;
    char *id;
    int attempts; /* made before this one */
} sending;

static tc_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (tc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pump(tc_notifier *n);

static void keep_outcome(tc_notifier *n, const char *id, int ok, const char *error, int64_t retry_at_ms)
{
    if (n->done_count == n->done_capacity) {
        n->done_capacity = n->done_capacity ? 2 * n->done_capacity : 16;
        n->done = tc_xrealloc(n->done, n->done_capacity * sizeof *n->done);
    }
    /* An error may quote a server's reply (SMTP's): stored as text, whatever bytes it sent. */
    n->done[n->done_count++] =
        (outcome){tc_xstrdup(id), ok, error ? tc_text_sanitize(error, strlen(error), NULL) : NULL,
                  ok ? 0 : retry_at_ms};
}

/* When to try a delivery again after its attempts-th failure: epoch ms, or 0 for never. */
static int64_t retry_at(int attempts)
{
    tc_ms delay = tc_retry_delay(attempts);
    return delay == TC_RETRY_GIVE_UP ? 0 : now_ms() + delay;
}

static void free_outcomes(outcome *o, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(o[i].id);
        free(o[i].error);
    }
    free(o);
}

/* ---- the worker thread ---- */

static void work_cb(uv_work_t *w)
{
    lane *l = w->data;
    tc_notifier *n = l->n;
    tc_error_init(&l->err);
    l->rc = 0;
    if (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK) {
        tc_db_close(l->conn);
        l->conn = NULL;
        if ((l->rc = tc_db_connect(n->opts.conninfo, n->opts.role, &l->conn, &l->err)) != 0)
            return;
    }
    if (l->job == JOB_TAKE) {
        l->rc = tc_store_take_deliveries(l->conn, n->take_limit, TC_NOTIFIER_LEASE_SECONDS, &n->taken,
                                         &n->taken_count, &l->err);
        return;
    }
    /* All outcomes in one statement; one that cannot be recorded (its lease ended and another engine
     * recorded it) does not keep the others from being recorded. */
    size_t count = n->recording_count;
    tc_delivery_outcome *outcomes = tc_xcalloc(count, sizeof *outcomes);
    tc_error *results = tc_xcalloc(count, sizeof *results);
    for (size_t i = 0; i < count; i++) {
        const outcome *o = &n->recording[i];
        outcomes[i] = (tc_delivery_outcome){o->id, o->ok, o->error, o->retry_at_ms};
    }
    l->rc = tc_store_record_deliveries(l->conn, outcomes, count, results, &l->err);
    for (size_t i = 0; l->rc == 0 && i < count; i++)
        if (results[i].code != 0)
            tc_log(TC_LOG_WARN, "cannot record a delivery", "delivery", outcomes[i].id, "reason",
                   results[i].text, NULL);
    free(outcomes);
    free(results);
}

/* ---- sending, on the loop ---- */

/* The deadline ("2026-12-05T03:00:00Z") in zone ("Asia/Dushanbe") as "2026-12-05 08:00 +05", in out. */
static const char *local_deadline(const json_t *payload, const char *zone, char *out, size_t size)
{
    const char *deadline = json_string_value(json_object_get(payload, "deadline"));
    struct tm tm = {0};
    if (deadline == NULL || zone == NULL ||
        sscanf(deadline, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return NULL;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t at = timegm(&tm);
    /* The zone is the process's TZ for the conversion, on the loop's thread; the worker threads (libpq)
     * read no local time. The contact's zone was checked when it was added. */
    const char *was = getenv("TZ");
    char *saved = was ? tc_xstrdup(was) : NULL;
    setenv("TZ", zone, 1);
    tzset();
    struct tm local;
    size_t written = localtime_r(&at, &local) ? strftime(out, size, "%Y-%m-%d %H:%M %Z", &local) : 0;
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    return written > 0 ? out : NULL;
}

static void on_delivered(tc_delivery_status status, const char *error, void *data)
{
    sending *s = data;
    tc_notifier *n = s->n;
    n->in_flight--;
    if (status == TC_DELIVERY_SENT)
        keep_outcome(n, s->id, 1, NULL, 0);
    else if (status == TC_DELIVERY_FAILED)
        keep_outcome(n, s->id, 0, error ? error : "failed", retry_at(s->attempts + 1));
    /* TC_DELIVERY_ABORTED: not an attempt; due again when its lease ends. */
    free(s->id);
    free(s);
    pump(n);
}

/* Puts one delivery into words and hands it to the deliverer; an outcome at once when it cannot go. */
static void send_one(tc_notifier *n, const tc_outbox_delivery *d)
{
    char local[64];
    tc_notify_extra extra = {d->id, local_deadline(d->payload, d->tz, local, sizeof local),
                             n->opts.board_url};
    tc_error err;
    tc_error_init(&err);
    char *body = NULL;
    tc_delivery delivery = {TC_CHANNEL_WEBHOOK, d->address, d->id, NULL};
    int rc;
    if (strcmp(d->channel, "webhook") == 0) {
        rc = tc_notify_webhook_body(d->payload, &extra, d->format ? d->format : "json", &body, &err);
    } else if (strcmp(d->channel, "email") == 0) {
        delivery.channel = TC_CHANNEL_EMAIL;
        tc_notify_mail mail = {n->mail_from, d->address, now_ms()};
        rc = n->opts.smtp_url == NULL
                 ? tc_error_set(&err, TC_EINVAL, "no SMTP server: the engine runs without --smtp")
                 : tc_notify_email(d->payload, &extra, &mail, &body, &err);
    } else {
        rc = tc_error_set(&err, TC_EINVAL, "no channel %s", d->channel);
    }
    if (rc == 0) {
        delivery.body = body;
        sending *s = tc_xcalloc(1, sizeof *s);
        *s = (sending){n, tc_xstrdup(d->id), d->attempts};
        if ((rc = tc_deliverer_send(n->deliverer, &delivery, on_delivered, s, &err)) == 0) {
            n->in_flight++;
        } else {
            free(s->id);
            free(s);
        }
    }
    free(body);
    if (rc != 0)
        keep_outcome(n, d->id, 0, err.text, retry_at(d->attempts + 1));
}

/* ---- the loop ---- */

static void on_timer(uv_timer_t *t)
{
    tc_notifier_kick(t->data);
}

static void after_work_cb(uv_work_t *w, int status)
{
    lane *l = w->data;
    tc_notifier *n = l->n;
    (void)status;
    l->working = 0;
    if (l->job == JOB_RECORD) {
        free_outcomes(n->recording, n->recording_count);
        n->recording = NULL;
        n->recording_count = 0;
        if (n->opts.recorded != NULL && !n->closing)
            n->opts.recorded(n->idle_data);
    }
    if (l->rc != 0) {
        tc_db_close(l->conn);
        l->conn = NULL;
        tc_ms delay = tc_backoff_fail(&n->backoff);
        if (tc_backoff_worth_logging(n->backoff.failures)) {
            char failures[16];
            snprintf(failures, sizeof failures, "%d", n->backoff.failures);
            tc_log(TC_LOG_WARN, l->job == JOB_TAKE ? "cannot take deliveries" : "cannot record deliveries",
                   "reason", l->err.text, "failures", failures, NULL);
        }
        if (!n->draining && !n->closing)
            (void)uv_timer_start(&n->timer, on_timer, (uint64_t)(delay > 0 ? delay : 0), 0);
        if (l->job == JOB_TAKE && n->opts.once)
            n->want_take = 0; /* --once: what cannot be taken now is left for a later engine */
    } else {
        tc_backoff_succeed(&n->backoff);
        if (l->job == JOB_TAKE) {
            for (size_t i = 0; i < n->taken_count; i++)
                send_one(n, &n->taken[i]);
            if (n->taken_count == (size_t)n->take_limit)
                n->want_take = 1; /* a full take: there may be more */
            tc_outbox_deliveries_free(n->taken, n->taken_count);
            n->taken = NULL;
            n->taken_count = 0;
        }
    }
    pump(n);
}

static void start_job(lane *l)
{
    l->working = 1;
    l->work.data = l;
    (void)uv_queue_work(l->n->loop, &l->work, work_cb, after_work_cb);
}

/* The next job of each connection that is free: record the outcomes ended so far; take, if a take is
 * wanted. */
static void pump(tc_notifier *n)
{
    if (n->closing)
        return;
    if (!n->record.working && n->done_count > 0) {
        n->recording = n->done;
        n->recording_count = n->done_count;
        n->done = NULL;
        n->done_count = n->done_capacity = 0;
        start_job(&n->record);
    }
    /* Beside what is in flight, up to TC_NOTIFIER_TAKE at once: a receiver that hangs holds up its own
     * deliveries, not the others'. */
    if (!n->take.working && n->want_take && !n->draining && n->in_flight < TC_NOTIFIER_TAKE) {
        n->want_take = 0;
        n->take_limit = TC_NOTIFIER_TAKE - (int)n->in_flight;
        start_job(&n->take);
    }
    if (n->take.working || n->record.working)
        return;
    if (!n->opts.once && !n->draining && !uv_is_active((uv_handle_t *)&n->timer))
        (void)uv_timer_start(&n->timer, on_timer, TC_NOTIFIER_POLL_MS, 0);
    if (tc_notifier_settled(n) && n->idle != NULL)
        n->idle(n->idle_data); /* the engine, stopping, looks whether it may finish */
}

tc_notifier *tc_notifier_new(uv_loop_t *loop, const tc_notifier_options *opts, void (*idle)(void *data),
                             void *data, tc_error *err)
{
    tc_notifier *n = tc_xcalloc(1, sizeof *n);
    n->loop = loop;
    n->opts = *opts;
    if (opts->mail_from != NULL) {
        n->mail_from = tc_xstrdup(opts->mail_from);
    } else {
        char host[256] = "localhost";
        if (gethostname(host, sizeof host) != 0 || strchr(host, '.') == NULL)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        size_t size = strlen(host) + sizeof "tocsin@";
        n->mail_from = tc_xmalloc(size);
        snprintf(n->mail_from, size, "tocsin@%s", host);
    }
    tc_deliver_options d = {opts->smtp_url, n->mail_from, 0, 0, TC_NOTIFIER_TAKE};
    if ((n->deliverer = tc_deliverer_new(loop, &d, err)) == NULL) {
        free(n->mail_from);
        free(n);
        return NULL;
    }
    n->idle = idle;
    n->idle_data = data;
    n->take = (lane){.n = n, .job = JOB_TAKE};
    n->record = (lane){.n = n, .job = JOB_RECORD};
    tc_backoff_init(&n->backoff, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    (void)uv_timer_init(loop, &n->timer);
    n->timer.data = n;
    return n;
}

void tc_notifier_kick(tc_notifier *n)
{
    if (n->draining || n->closing)
        return;
    n->want_take = 1;
    (void)uv_timer_stop(&n->timer);
    pump(n);
}

void tc_notifier_drain(tc_notifier *n)
{
    n->draining = 1;
    n->want_take = 0;
    (void)uv_timer_stop(&n->timer);
    pump(n);
}

int tc_notifier_idle(const tc_notifier *n)
{
    return !n->take.working && !n->record.working && n->in_flight == 0 && n->done_count == 0 &&
           (!n->want_take || n->draining);
}

int tc_notifier_settled(const tc_notifier *n)
{
    return !n->take.working && !n->record.working && n->done_count == 0;
}

static void timer_closed(uv_handle_t *h)
{
    tc_notifier *n = h->data;
    tc_db_close(n->take.conn);
    tc_db_close(n->record.conn);
    free_outcomes(n->done, n->done_count);
    free(n->mail_from);
    void (*done)(void *) = n->closed;
    void *data = n->closed_data;
    free(n);
    if (done)
        done(data);
}

static void deliverer_closed(void *data)
{
    tc_notifier *n = data;
    uv_close((uv_handle_t *)&n->timer, timer_closed);
}

void tc_notifier_close(tc_notifier *n, void (*done)(void *data), void *data)
{
    n->closing = 1;
    n->closed = done;
    n->closed_data = data;
    n->draining = 1;
    (void)uv_timer_stop(&n->timer);
    tc_deliverer_close(n->deliverer, deliverer_closed, n);
}
