/*
 * The engine's heartbeat: see heartbeat.h.
 *
 * libuv's return codes: uv_timer_init always returns 0; uv_timer_start fails
 * only without a callback or on a closing handle (checked: the engine closes
 * every handle when it finishes, possibly while a beat runs); uv_queue_work
 * only without a work callback. They are cast to (void).
 */
#include "daemon/heartbeat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/alloc.h"
#include "core/base/version.h"
#include "daemon/log.h"
#include "store/db.h"
#include "store/engines.h"

struct tc_heartbeat {
    uv_loop_t *loop;
    char *conninfo, *role;
    const uint64_t *batches; /* the engine's count, read on the loop's thread */
    char host[256];
    int pid;
    int64_t started_ms;

    uv_timer_t timer;
    uv_work_t work;
    int working;                /* a beat runs on a worker thread */
    PGconn *conn;               /* the worker's while it runs, the loop's otherwise */
    char id[TC_ENGINE_ID_SIZE]; /* "" until registered */
    uint64_t beat_batches;      /* what the running beat reports */
    int registered;             /* the running beat registered anew */
    int rc;
    tc_error err;
    int failing; /* the last beat failed: said once in the log */
};

static int64_t epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* On a worker thread: (re)connect when needed, then register or beat; a beat whose row is gone registers. */
static void work_cb(uv_work_t *w)
{
    tc_heartbeat *hb = w->data;
    tc_error_init(&hb->err);
    hb->registered = 0;
    hb->rc = 0;
    if (hb->conn == NULL || PQstatus(hb->conn) != CONNECTION_OK) {
        tc_db_close(hb->conn);
        hb->conn = NULL;
        if ((hb->rc = tc_db_connect(hb->conninfo, hb->role, &hb->conn, &hb->err)) != 0)
            return;
    }
    if (hb->id[0] != '\0') {
        int found = 0;
        hb->rc = tc_store_engine_beat(hb->conn, hb->id, hb->beat_batches, &found, &hb->err);
        if (hb->rc != 0 || found)
            return;
    }
    hb->rc =
        tc_store_engine_register(hb->conn, hb->host, hb->pid, tc_version(), hb->started_ms, hb->id, &hb->err);
    if (hb->rc == 0) {
        hb->registered = 1;
        if (hb->beat_batches > 0) /* registered anew while running: its count so far */
            hb->rc = tc_store_engine_beat(hb->conn, hb->id, hb->beat_batches, &(int){0}, &hb->err);
    } else {
        hb->id[0] = '\0';
    }
}

static void after_work_cb(uv_work_t *w, int status)
{
    tc_heartbeat *hb = w->data;
    (void)status;
    hb->working = 0;
    if (hb->rc != 0) {
        tc_db_close(hb->conn); /* connect anew at the next tick */
        hb->conn = NULL;
        if (!hb->failing)
            tc_log(TC_LOG_WARN, "cannot record the heartbeat; trying again at every beat", "reason",
                   hb->err.text, NULL);
        hb->failing = 1;
        return;
    }
    if (hb->failing)
        tc_log(TC_LOG_INFO, "heartbeat recorded again", NULL);
    hb->failing = 0;
    if (hb->registered)
        tc_log(TC_LOG_INFO, "engine registered", "engine_id", hb->id, NULL);
}

static void beat(tc_heartbeat *hb)
{
    if (hb->working)
        return; /* the last one still runs (a slow database): no second */
    hb->working = 1;
    hb->beat_batches = *hb->batches;
    (void)uv_queue_work(hb->loop, &hb->work, work_cb, after_work_cb);
}

static void on_timer(uv_timer_t *t)
{
    beat(t->data);
}

tc_heartbeat *tc_heartbeat_start(uv_loop_t *loop, const char *conninfo, const char *role,
                                 const uint64_t *batches)
{
    tc_heartbeat *hb = tc_xcalloc(1, sizeof *hb);
    hb->loop = loop;
    hb->conninfo = conninfo ? tc_xstrdup(conninfo) : NULL;
    hb->role = role ? tc_xstrdup(role) : NULL;
    hb->batches = batches;
    if (gethostname(hb->host, sizeof hb->host - 1) != 0 || hb->host[0] == '\0')
        snprintf(hb->host, sizeof hb->host, "unknown");
    hb->pid = (int)getpid();
    hb->started_ms = epoch_ms();
    hb->work.data = hb;
    (void)uv_timer_init(loop, &hb->timer);
    hb->timer.data = hb;
    (void)uv_timer_start(&hb->timer, on_timer, TC_HEARTBEAT_INTERVAL_MS, TC_HEARTBEAT_INTERVAL_MS);
    beat(hb);
    return hb;
}

void tc_heartbeat_leave(tc_heartbeat *hb)
{
    if (hb == NULL)
        return;
    if (hb->id[0] != '\0') {
        tc_error err;
        tc_error_init(&err);
        if (hb->conn == NULL || PQstatus(hb->conn) != CONNECTION_OK)
            tc_error_set(&err, TC_EUNAVAIL, "no connection to the database");
        else
            tc_store_engine_leave(hb->conn, hb->id, &err);
        if (err.code != 0)
            tc_log(TC_LOG_WARN, "cannot remove the engine's heartbeat: its row goes stale", "engine_id",
                   hb->id, "reason", err.text, NULL);
    }
    tc_db_close(hb->conn);
    free(hb->conninfo);
    free(hb->role);
    free(hb);
}
