/*
 * Reads for the board, on libuv's thread pool.
 *
 * libpq's calls block. The architecture allows non-blocking libpq on the
 * loop or worker threads with their own connections; the board uses workers
 * (uv_queue_work), as the engine's batches do: each read is a straight call
 * of the store's function that the CLI calls too (tc_store_crisis_list,
 * tc_store_crisis_show), so the board returns the CLI's documents without a
 * second, asynchronous copy of them, and the loop only ever routes, writes
 * and streams. Connecting (which is how a password is checked, and may take
 * until libpq's connect_timeout) also runs on a worker.
 *
 * A job holds its login and a connection of the login's pool while it runs:
 * the loop takes an idle one or lets the worker make one (up to
 * TC__BOARD_LOGIN_CONNS), else the job waits in the login's queue for the
 * next connection given back. A request may go away while its job runs (h2o
 * frees it with its pool): a small object in that pool clears job->req when
 * it is freed, and the job's answer is then dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board_internal.h"
#include "core/base/alloc.h"
#include "store/db.h"

typedef struct guard {
    tc__job *job;
} guard;

static void guard_dispose(void *p)
{
    guard *g = p;
    if (g->job != NULL)
        g->job->req = NULL;
}

tc__job *tc__job_new(tc__board *b, h2o_req_t *req, tc__login *login, tc__job_fn run, tc__job_fn done)
{
    tc__job *job = tc_xcalloc(1, sizeof *job);
    job->board = b;
    job->login = login;
    job->run = run;
    job->done = done;
    job->req = req;
    job->work.data = job;
    if (req != NULL) {
        guard *g = h2o_mem_alloc_shared(&req->pool, sizeof *g, guard_dispose);
        g->job = job;
        job->guard = g;
    }
    b->jobs++;
    return job;
}

static void work(uv_work_t *w)
{
    tc__job *job = w->data;
    tc_error err;
    tc_error_init(&err);
    if (job->conn == NULL) {
        job->code = tc_db_connect_login(job->board->conninfo, job->login->role, job->login->password,
                                        &job->conn, &err);
        if (job->code != 0) {
            snprintf(job->message, sizeof job->message, "%s", err.text);
            return;
        }
    }
    job->run(job);
}

/* Gives conn back to l: to the next waiting job, or to the idle ones. */
static void give_back(tc__login *l, PGconn *conn);

static void after(uv_work_t *w, int status)
{
    tc__job *job = w->data;
    tc__board *b = job->board;
    tc__login *l = job->login;
    (void)status; /* uv_cancel is never called */
    if (job->code == TC_EPERM && job->conn == NULL)
        l->refused = 1; /* the server said no to these credentials */
    else if (job->conn != NULL)
        l->verified = 1;
    if (job->guard != NULL && job->req != NULL)
        ((guard *)job->guard)->job = NULL;
    job->done(job);
    PGconn *conn = job->conn;
    if (conn != NULL && PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = NULL;
    }
    if (conn == NULL)
        l->open--;
    json_decref(job->result);
    free(job->text);
    free(job);
    b->jobs--;
    if (conn != NULL)
        give_back(l, conn);
    else if (l->waiting != NULL) {
        tc__job *next = l->waiting; /* a connection was lost or never made: the next one tries anew */
        l->waiting = next->next_waiting;
        if (l->waiting == NULL)
            l->waiting_tail = NULL;
        tc__job_start(next);
    }
    tc__login_unref(l);
    tc__board_maybe_finish(b);
}

static void queue(tc__job *job)
{
    /* uv_queue_work fails only without a work callback. */
    (void)uv_queue_work(&job->board->loop, &job->work, work, after);
}

static void give_back(tc__login *l, PGconn *conn)
{
    if (l->waiting != NULL) {
        tc__job *next = l->waiting;
        l->waiting = next->next_waiting;
        if (l->waiting == NULL)
            l->waiting_tail = NULL;
        next->conn = conn;
        queue(next);
        return;
    }
    if (l->refused) { /* signed out, or refused meanwhile: no one may use it again */
        PQfinish(conn);
        l->open--;
        return;
    }
    l->idle_since[l->nidle] = uv_now(&l->board->loop);
    l->idle[l->nidle++] = conn;
}

void tc__job_start(tc__job *job)
{
    tc__login *l = job->login;
    if (l->nidle > 0) {
        job->conn = l->idle[--l->nidle];
        queue(job);
    } else if (l->open < TC__BOARD_LOGIN_CONNS) {
        l->open++;
        job->conn = NULL; /* the worker connects */
        queue(job);
    } else {
        job->next_waiting = NULL;
        if (l->waiting_tail)
            l->waiting_tail->next_waiting = job;
        else
            l->waiting = job;
        l->waiting_tail = job;
    }
}

int tc__job_status(const tc__job *job)
{
    switch (job->code) {
    case 0:
        return 200;
    case TC_EPERM:
        return job->conn == NULL ? 401 : 403;
    case TC_ENOTFOUND:
        return 404;
    case TC_EINVAL:
        return 400;
    case TC_EUNAVAIL:
        return 503;
    default:
        return 500;
    }
}
