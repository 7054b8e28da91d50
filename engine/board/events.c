/*
 * /api/events: a server-sent event stream per client, fed by LISTEN.
 *
 * The engine NOTIFYs tocsin_applied once per committed batch, its payload
 * the ids of the crises it wrote ("3,7,12"; empty when the list would not
 * fit), and tocsin.submit's commands and triggers reach the engine first,
 * so every committed change to a crisis arrives here as one notification.
 * The board LISTENs on one connection of its own login, which needs no
 * right to read any crisis: the payload is only ids. For each notification,
 * each signed-in credential with streams open asks the database, on its own
 * connection, which of those crises it may read (tc_store_crises_visible:
 * row-level security decides, as for everything else), and its streams get
 * one event per such crisis, `data: {"crisis": ID}`. An empty payload, or a
 * LISTEN connection made again after it was lost (notifications may have
 * been missed meanwhile), counts as a change to every active crisis.
 *
 * A client that does not read must not hold anyone else up: h2o writes one
 * buffer at a time and calls back when it is written; what comes meanwhile
 * waits in the stream's own buffer, and a stream that would owe more than
 * TC__BOARD_SSE_BUFFER bytes is dropped (its socket shut down; h2o closes
 * it). A comment every TC__BOARD_HEARTBEAT_MS keeps proxies from closing an
 * idle stream, and finds a client that has gone.
 *
 * A stream lives as long as its request: it is allocated in the request's
 * pool, and freed (unlinked, its login let go) when h2o frees the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board_internal.h"
#include "core/base/alloc.h"
#include "core/base/strbuf.h"
#include "daemon/log.h"
#include "store/crises.h"
#include "store/db.h"

#define CHECKS_PENDING_MAX 64 /* visibility checks queued per credential before notifications are dropped */

struct tc__stream {
    h2o_generator_t gen; /* first: h2o calls back with it */
    tc__board *board;
    h2o_req_t *req;
    tc__login *login;
    tc__stream *prev, *next;
    tc_strbuf pending;
    char *inflight; /* being written: h2o holds it until proceed */
    int sending;
    int ending;
    int gone;
};

static void flush(tc__stream *s)
{
    size_t len = s->pending.length;
    s->inflight = tc_strbuf_take(&s->pending);
    if (s->inflight == NULL) { /* out of memory is tc_xmalloc's abort; this is for the reader */
        s->gone = 1;
        return;
    }
    h2o_iovec_t buf = h2o_iovec_init(s->inflight, len);
    s->sending = 1;
    h2o_send(s->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void send_text(tc__stream *s, const char *text)
{
    size_t len = strlen(text);
    if (s->ending || s->gone)
        return;
    if (s->pending.length + len > TC__BOARD_SSE_BUFFER) {
        s->gone = 1;
        tc_log(TC_LOG_WARN, "event stream dropped: its client does not read", "role", s->login->role, NULL);
        tc__board_drop(s->board, s->req);
        return;
    }
    tc_strbuf_addn(&s->pending, text, len);
    if (!s->sending)
        flush(s);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    tc__stream *s = (tc__stream *)gen;
    (void)req;
    free(s->inflight);
    s->inflight = NULL;
    s->sending = 0;
    if (s->gone)
        return;
    if (s->pending.length > 0)
        flush(s);
    else if (s->ending)
        h2o_send(s->req, NULL, 0, H2O_SEND_STATE_FINAL);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    ((tc__stream *)gen)->gone = 1;
}

static void on_dispose(void *p)
{
    tc__stream *s = p;
    tc__board *b = s->board;
    if (s->prev)
        s->prev->next = s->next;
    else
        b->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    b->nstreams--;
    s->login->streams--;
    tc__login_unref(s->login);
    free(s->inflight);
    tc_strbuf_release(&s->pending);
}

static int open_stream(tc__board *b, h2o_req_t *req, tc__login *login)
{
    if (b->stopping || b->nstreams >= TC__BOARD_SSE_CLIENTS) {
        tc__respond_error(req, 503, b->stopping ? "the board is stopping" : "too many event streams at once");
        return 0;
    }
    tc__stream *s = h2o_mem_alloc_shared(&req->pool, sizeof *s, on_dispose);
    memset(s, 0, sizeof *s);
    s->gen.proceed = on_proceed;
    s->gen.stop = on_stop;
    s->board = b;
    s->req = req;
    s->login = login;
    tc__login_ref(login);
    login->streams++;
    s->next = b->streams;
    if (b->streams)
        b->streams->prev = s;
    b->streams = s;
    b->nstreams++;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream"));
    tc__add_header(req, "cache-control", "no-store");
    tc__add_header(req, "x-content-type-options", "nosniff");
    tc__add_header(req, "x-accel-buffering", "no");
    h2o_start_response(req, &s->gen);
    tc__log_request(b, req, 200, login->role);
    send_text(s, ": tocsin events\nretry: 2000\n\n");
    return 0;
}

static void check_run(tc__job *job)
{
    (void)job; /* the connection made is the check */
}

static void check_done(tc__job *job)
{
    if (job->req == NULL)
        return;
    int status = tc__job_status(job);
    if (status == 200)
        open_stream(job->board, job->req, job->login);
    else if (status == 401)
        tc__respond_unauthorized(job->req, "wrong role or password");
    else
        tc__respond_error(job->req, status, job->message);
}

int tc__events_open(tc__board *b, h2o_req_t *req, tc__login *login)
{
    if (login->verified)
        return open_stream(b, req, login);
    /* Credentials not yet accepted by the database are checked first: a stream is only for those it accepts.
     */
    tc__login_ref(login);
    tc__job_start(tc__job_new(b, req, login, check_run, check_done));
    return 0;
}

void tc__events_heartbeat(tc__board *b)
{
    for (tc__stream *s = b->streams; s != NULL; s = s->next)
        send_text(s, ": heartbeat\n\n");
}

/* The visibility check of one credential: which of the changed crises it may read. */
static void visible_run(tc__job *job)
{
    tc_error err;
    tc_error_init(&err);
    job->code = tc_store_crises_visible(job->conn, job->text, &job->result, &err);
    if (job->code != 0)
        snprintf(job->message, sizeof job->message, "%s", err.text);
}

static void visible_done(tc__job *job)
{
    job->login->checks_pending--;
    if (job->code != 0) {
        tc_log(TC_LOG_WARN, "cannot tell who may see a change", "role", job->login->role, "error",
               job->message, NULL);
        return;
    }
    size_t i;
    json_t *id;
    json_array_foreach(job->result, i, id)
    {
        char event[64];
        snprintf(event, sizeof event, "data: {\"crisis\": %lld}\n\n", (long long)json_integer_value(id));
        for (tc__stream *s = job->board->streams; s != NULL; s = s->next)
            if (s->login == job->login)
                send_text(s, event);
    }
}

static void changed(tc__board *b, const char *ids)
{
    for (tc__login *l = b->logins; l != NULL; l = l->next) {
        if (l->streams == 0)
            continue;
        if (l->checks_pending >= CHECKS_PENDING_MAX) {
            tc_log(TC_LOG_WARN, "change not sent: the database is slow to say who may see it", "role",
                   l->role, NULL);
            continue;
        }
        l->checks_pending++;
        tc__login_ref(l);
        tc__job *job = tc__job_new(b, NULL, l, visible_run, visible_done);
        job->text = tc_xstrdup(ids);
        tc__job_start(job);
    }
}

static void listen_again(uv_timer_t *t)
{
    tc__events_start(t->data);
}

static void on_listen_closed(uv_handle_t *h)
{
    tc__board *b = h->data;
    PQfinish(b->listen_conn);
    b->listen_conn = NULL;
    b->listen_state = 0;
    if (b->stopping)
        tc__board_maybe_finish(b);
    else
        (void)uv_timer_start(&b->relisten, listen_again, 1000, 0);
}

static void close_listen(tc__board *b)
{
    b->listen_state = 3;
    (void)uv_poll_stop(&b->listen_poll);
    uv_close((uv_handle_t *)&b->listen_poll, on_listen_closed);
}

static void on_listen_readable(uv_poll_t *p, int status, int events)
{
    tc__board *b = p->data;
    (void)events;
    if (status < 0 || PQconsumeInput(b->listen_conn) == 0) {
        tc_log(TC_LOG_WARN, "lost the LISTEN connection; making it again", "error",
               status < 0 ? uv_strerror(status) : PQerrorMessage(b->listen_conn), NULL);
        close_listen(b);
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(b->listen_conn)) != NULL) {
        changed(b, n->extra);
        PQfreemem(n);
    }
}

static void listen_work(uv_work_t *w)
{
    tc__board *b = w->data;
    tc_error err;
    tc_error_init(&err);
    PGconn *conn = NULL;
    int rc = tc_db_connect(b->conninfo, NULL, &conn, &err);
    if (rc == 0)
        rc = tc_store_listen(conn, "tocsin_applied", &err);
    if (rc == 0 && PQsetnonblocking(conn, 1) != 0)
        rc = tc_error_set(&err, TC_EUNAVAIL, "cannot make the LISTEN connection non-blocking");
    if (rc != 0) {
        tc_db_close(conn);
        conn = NULL;
        if (b->listen_failures == 0)
            tc_log(TC_LOG_WARN, "cannot LISTEN for changes; trying again every second", "error", err.text,
                   NULL);
    }
    b->listen_conn = conn;
}

static void listen_after(uv_work_t *w, int status)
{
    tc__board *b = w->data;
    (void)status;
    if (b->listen_conn == NULL) {
        b->listen_failures++;
        b->listen_state = 0;
        if (b->stopping)
            tc__board_maybe_finish(b);
        else
            (void)uv_timer_start(&b->relisten, listen_again, 1000, 0);
        return;
    }
    int rc = b->stopping ? UV_ECANCELED : uv_poll_init(&b->loop, &b->listen_poll, PQsocket(b->listen_conn));
    if (rc == 0) {
        b->listen_poll.data = b;
        b->listen_state = 2;
        if ((rc = uv_poll_start(&b->listen_poll, UV_READABLE, on_listen_readable)) != 0) {
            close_listen(b);
            return;
        }
        if (b->listen_failures > 0)
            changed(b, ""); /* what changed while no one listened: every active crisis */
        b->listen_failures = 0;
        return;
    }
    PQfinish(b->listen_conn);
    b->listen_conn = NULL;
    b->listen_state = 0;
    if (b->stopping)
        tc__board_maybe_finish(b);
    else
        (void)uv_timer_start(&b->relisten, listen_again, 1000, 0);
}

void tc__events_start(tc__board *b)
{
    if (b->stopping || b->listen_state != 0)
        return;
    b->listen_state = 1;
    b->listen_work.data = b;
    (void)uv_queue_work(&b->loop, &b->listen_work, listen_work, listen_after); /* fails only without work */
}

void tc__events_stop(tc__board *b)
{
    tc__stream *next;
    for (tc__stream *s = b->streams; s != NULL; s = next) {
        next = s->next;
        if (s->gone || s->ending)
            continue;
        s->ending = 1;
        if (s->sending)
            tc__board_drop(b, s->req); /* it may never read what it owes */
        else
            h2o_send(s->req, NULL, 0, H2O_SEND_STATE_FINAL);
    }
    if (b->listen_state == 2)
        close_listen(b);
}
