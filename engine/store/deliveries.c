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

int tc_store_record_delivery(PGconn *conn, const char *id, int ok, const char *error, int64_t retry_at_ms,
                             tc_error *err)
{
    char retry[32];
    snprintf(retry, sizeof retry, "%lld", (long long)retry_at_ms);
    const char *params[4] = {id, ok ? "true" : "false", ok ? NULL : error,
                             (!ok && retry_at_ms > 0) ? retry : NULL};
    PGresult *res = tc_db_query(conn,
                                "SELECT tocsin.record_delivery($1::uuid, $2::boolean, $3,"
                                " to_timestamp($4::bigint / 1000.0))",
                                4, params, "cannot record the delivery", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}
