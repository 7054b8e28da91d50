/* The SQL behind the engine's deliveries (deliveries.h). */
#include "store/deliveries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "store/db.h"

static char *text_or_null(const PGresult *res, int row, int column)
{
    return PQgetisnull(res, row, column) ? NULL : tc_xstrdup(PQgetvalue(res, row, column));
}

int tc_store_take_deliveries(PGconn *conn, int limit, int lease_seconds, tc_outbox_delivery **out,
                             size_t *count, tc_error *err)
{
    char l[16], s[16];
    snprintf(l, sizeof l, "%d", limit);
    snprintf(s, sizeof s, "%d", lease_seconds);
    const char *params[2] = {l, s};
    PGresult *res = tc_db_query(conn,
                                "SELECT id, crisis, channel, address, format, tz, payload::text, attempts"
                                "  FROM tocsin.take_deliveries($1::integer, $2::integer)",
                                2, params, "cannot take deliveries", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    size_t n = (size_t)PQntuples(res);
    tc_outbox_delivery *d = n ? tc_xcalloc(n, sizeof *d) : NULL;
    for (size_t i = 0; i < n; i++) {
        int r = (int)i;
        d[i].id = tc_xstrdup(PQgetvalue(res, r, 0));
        d[i].crisis = strtoll(PQgetvalue(res, r, 1), NULL, 10);
        d[i].channel = tc_xstrdup(PQgetvalue(res, r, 2));
        d[i].address = text_or_null(res, r, 3);
        d[i].format = text_or_null(res, r, 4);
        d[i].tz = text_or_null(res, r, 5);
        d[i].payload = json_loads(PQgetvalue(res, r, 6), 0, NULL);
        if (d[i].payload == NULL)
            d[i].payload = json_object();
        d[i].attempts = atoi(PQgetvalue(res, r, 7));
    }
    PQclear(res);
    *out = d;
    *count = n;
    return 0;
}

void tc_outbox_deliveries_free(tc_outbox_delivery *deliveries, size_t count)
{
    for (size_t i = 0; deliveries != NULL && i < count; i++) {
        free(deliveries[i].id);
        free(deliveries[i].channel);
        free(deliveries[i].address);
        free(deliveries[i].format);
        free(deliveries[i].tz);
        json_decref(deliveries[i].payload);
    }
    free(deliveries);
}

int tc_store_record_deliveries(PGconn *conn, const tc_delivery_outcome *outcomes, size_t count,
                               tc_error *results, tc_error *err)
{
    for (size_t i = 0; i < count; i++)
        tc_error_init(&results[i]);
    if (count == 0)
        return 0;
    json_t *all = json_array();
    for (size_t i = 0; i < count; i++) {
        const tc_delivery_outcome *o = &outcomes[i];
        json_t *one = json_pack("{s:s, s:b}", "delivery", o->id, "ok", o->ok);
        if (!o->ok && o->error != NULL)
            json_object_set_new(one, "error", json_string(o->error));
        if (!o->ok && o->retry_at_ms > 0)
            json_object_set_new(one, "next_at_ms", json_integer(o->retry_at_ms));
        json_array_append_new(all, one);
    }
    char *text = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    const char *params[1] = {text};
    PGresult *res = tc_db_query(conn, "SELECT refusal_code, refusal FROM tocsin.record_deliveries($1::jsonb)",
                                1, params, "cannot record deliveries", err);
    free(text);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    int rows = PQntuples(res);
    if ((size_t)rows != count) {
        PQclear(res);
        return tc_error_set(err, TC_EFAILED, "cannot record deliveries: %zu outcomes gave %d rows", count,
                            rows);
    }
    for (size_t i = 0; i < count; i++) {
        if (PQgetisnull(res, (int)i, 0))
            continue;
        int code = strcmp(PQgetvalue(res, (int)i, 0), "TC004") == 0 ? TC_ENOTFOUND : TC_ECONFLICT;
        tc_error_set(&results[i], code, "%s", PQgetvalue(res, (int)i, 1));
    }
    PQclear(res);
    return 0;
}

int tc_store_record_delivery(PGconn *conn, const tc_delivery_outcome *outcome, tc_error *err)
{
    tc_error result;
    int rc = tc_store_record_deliveries(conn, outcome, 1, &result, err);
    if (rc != 0)
        return rc;
    if (result.code != 0)
        return tc_error_set(err, result.code, "%s", result.text);
    return 0;
}
