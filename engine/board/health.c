/*
 * GET /healthz and GET /metrics: what monitoring asks, with no credentials
 * (shared/design/operations.md, "The board"). Both read tocsin.metrics() in
 * one round trip on the board's own login (--db; every tocsin role may read
 * the counts, docs/security.md), on a worker like every read of the board.
 * /healthz is 200 "ok" when the database answered and an engine is alive, else
 * 503 with why, one line; /metrics is the text of `tocsin status
 * --prometheus`, or 503 when the database does not answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board_internal.h"
#include "core/health/metrics.h"
#include "store/health.h"

static void metrics_run(tc__job *job)
{
    tc_metrics m;
    tc_error err;
    tc_error_init(&err);
    job->code = tc_store_metrics(job->conn, &m, &err);
    if (job->code != 0) {
        snprintf(job->message, sizeof job->message, "%s", err.text);
        return;
    }
    job->alive = m.engines_alive;
    job->text = tc_metrics_prometheus(&m);
}

static void send_text(h2o_req_t *req, int status, const char *content_type, const char *text)
{
    tc__respond(req, status, content_type, text, strlen(text));
}

static void healthz_done(tc__job *job)
{
    h2o_req_t *req = job->req;
    if (req == NULL)
        return;
    char line[600];
    if (job->code != 0)
        snprintf(line, sizeof line, "database unavailable: %s\n", job->message);
    else if (job->alive == 0)
        snprintf(line, sizeof line, "no engine is alive (none recorded a heartbeat in the last 15 s)\n");
    else
        snprintf(line, sizeof line, "ok\n");
    int status = job->code == 0 && job->alive > 0 ? 200 : 503;
    send_text(req, status, "text/plain; charset=utf-8", line);
    tc__log_request(job->board, req, status, NULL);
}

static void metrics_done(tc__job *job)
{
    h2o_req_t *req = job->req;
    if (req == NULL)
        return;
    if (job->code != 0 || job->text == NULL) {
        char line[600];
        snprintf(line, sizeof line, "database unavailable: %s\n", job->code ? job->message : "no metrics");
        send_text(req, 503, "text/plain; charset=utf-8", line);
        tc__log_request(job->board, req, 503, NULL);
        return;
    }
    send_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", job->text);
    tc__log_request(job->board, req, 200, NULL);
}

int tc__health(tc__board *b, h2o_req_t *req, int metrics)
{
    tc__login_ref(b->own);
    tc__job *job = tc__job_new(b, req, b->own, metrics_run, metrics ? metrics_done : healthz_done);
    tc__job_start(job);
    return 0;
}
