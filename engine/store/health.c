/* The SQL behind tocsin status and /metrics (health.h). */
#include "store/health.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "store/db.h"

/*
 * Runs the one query of status or metrics; a refusal says who may (a role in
 * none of tocsin's groups meets PostgreSQL's "permission denied for schema
 * tocsin" first, which names no fix).
 */
static PGresult *health_query(PGconn *conn, const char *sql, const char *what, tc_error *err)
{
    tc_error own;
    tc_error_init(&own);
    PGresult *res = tc_db_query(conn, sql, 0, NULL, what, &own);
    if (res == NULL && own.code == TC_EPERM)
        tc_error_set(err, own.code,
                     "%s (only members of tocsin_admin, tocsin_engine, tocsin_actor or tocsin_observer may)",
                     own.text);
    else if (res == NULL)
        tc_error_set(err, own.code, "%s", own.text);
    return res;
}

/* A count or an age of a result; -1 for NULL (an age when there is nothing). */
static int64_t number(const PGresult *res, int column)
{
    return PQgetisnull(res, 0, column) ? -1 : strtoll(PQgetvalue(res, 0, column), NULL, 10);
}

static char *string(const json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s ? tc_xstrdup(s) : NULL;
}

static int read_engines(const char *text, tc_health_status *out, tc_error *err)
{
    json_t *list = json_loads(text, 0, NULL);
    if (!json_is_array(list)) {
        json_decref(list);
        return tc_error_set(err, TC_EFAILED, "cannot read the status: unreadable list of engines");
    }
    size_t n = json_array_size(list);
    out->engines = n ? tc_xcalloc(n, sizeof *out->engines) : NULL;
    out->engine_count = n;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(list, i);
        tc_health_engine *to = &out->engines[i];
        to->id = string(e, "id");
        to->host = string(e, "host");
        to->pid = json_integer_value(json_object_get(e, "pid"));
        to->version = string(e, "version");
        to->started_at = string(e, "started_at");
        to->last_seen = string(e, "last_seen");
        to->seen_ms_ago = json_integer_value(json_object_get(e, "seen_ms_ago"));
        to->batches = json_integer_value(json_object_get(e, "batches"));
        to->alive = json_is_true(json_object_get(e, "alive"));
        if (to->id == NULL || to->version == NULL || to->started_at == NULL || to->last_seen == NULL) {
            json_decref(list);
            tc_health_status_clear(out);
            return tc_error_set(err, TC_EFAILED, "cannot read the status: unreadable engine");
        }
    }
    json_decref(list);
    return 0;
}

int tc_store_status(PGconn *conn, tc_health_status *out, tc_error *err)
{
    *out = (tc_health_status){0};
    PGresult *res = health_query(conn,
                                 "SELECT engines::text, pending_commands, oldest_pending_ms, overdue_timers,"
                                 " most_overdue_ms, notifications_queued, notifications_failed"
                                 "  FROM tocsin.status()",
                                 "cannot read the status", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    int rc = read_engines(PQgetvalue(res, 0, 0), out, err);
    if (rc == 0) {
        out->pending_commands = number(res, 1);
        out->oldest_pending_ms = number(res, 2);
        out->overdue_timers = number(res, 3);
        out->most_overdue_ms = number(res, 4);
        out->notifications_queued = number(res, 5);
        out->notifications_failed = number(res, 6);
    }
    PQclear(res);
    return rc;
}

/* [{"status", "mode", "count"}] into the matrix; a status or mode the core does not know is an error. */
static int read_crises(const json_t *list, tc_metrics *out, tc_error *err)
{
    size_t i;
    const json_t *g;
    json_array_foreach(list, i, g)
    {
        const char *status = json_string_value(json_object_get(g, "status"));
        const char *mode = json_string_value(json_object_get(g, "mode"));
        int s = -1, m = tc_mode_parse(mode);
        for (int k = 0; k < TC_METRICS_STATUSES && status != NULL; k++)
            if (strcmp(status, tc_status_name((tc_status)k)) == 0)
                s = k;
        if (s < 0 || m < 0)
            return tc_error_set(err, TC_EFAILED, "cannot read the metrics: crises of status %s and mode %s",
                                status ? status : "?", mode ? mode : "?");
        out->crises[s][m] = json_integer_value(json_object_get(g, "count"));
    }
    return 0;
}

static int read_notifications(const json_t *counts, tc_metrics *out, tc_error *err)
{
    const char *status;
    const json_t *n;
    json_object_foreach((json_t *)counts, status, n)
    {
        int s = tc_outbox_status_parse(status);
        if (s < 0)
            return tc_error_set(err, TC_EFAILED, "cannot read the metrics: deliveries of status %s", status);
        out->notifications[s] = json_integer_value(n);
    }
    return 0;
}

int tc_store_metrics(PGconn *conn, tc_metrics *out, tc_error *err)
{
    *out = (tc_metrics){0};
    PGresult *res = health_query(conn,
                                 "SELECT crises::text, commands_pending, oldest_pending_ms, timers_overdue,"
                                 " engines_alive, notifications::text, escalations_total"
                                 "  FROM tocsin.metrics()",
                                 "cannot read the metrics", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *crises = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    json_t *notifications = json_loads(PQgetvalue(res, 0, 5), 0, NULL);
    int rc = json_is_array(crises) && json_is_object(notifications)
                 ? 0
                 : tc_error_set(err, TC_EFAILED, "cannot read the metrics: unreadable answer");
    if (rc == 0)
        rc = read_crises(crises, out, err);
    if (rc == 0)
        rc = read_notifications(notifications, out, err);
    if (rc == 0) {
        out->commands_pending = number(res, 1);
        out->oldest_pending_ms = number(res, 2);
        out->timers_overdue = number(res, 3);
        out->engines_alive = number(res, 4);
        out->escalations_total = number(res, 6);
    }
    json_decref(crises);
    json_decref(notifications);
    PQclear(res);
    if (rc != 0)
        *out = (tc_metrics){0};
    return rc;
}
