/* The SQL behind CAP alerts (store/alerts.h). */
#include "store/alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/crises.h"
#include "store/db.h"

#define CAP_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"

int tc_store_alert_facts(PGconn *conn, int64_t id, tc_alert_facts *out, tc_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = tc_store_crisis_show(conn, id, &out->show, err);
    if (rc != 0)
        return rc;
    /* The trigger's application is one batch, its events all at the trigger's time. */
    PGresult *res = tc_db_crisis_query(
        conn,
        "WITH opened AS (SELECT max(a.seq) AS seq, max(a.at) AS at FROM tocsin.audit a"
        "                 WHERE a.crisis = $1::bigint"
        "                   AND a.at = (SELECT t.at FROM tocsin.audit t"
        "                                WHERE t.crisis = $1::bigint AND t.kind = 'triggered')),"
        "     head AS (SELECT a.seq, a.at FROM tocsin.audit a WHERE a.crisis = $1::bigint"
        "               ORDER BY a.seq DESC LIMIT 1)"
        "SELECT coalesce(o.seq, 0), " CAP_TIME("coalesce(o.at, c.created_at)") ","
        "       coalesce(h.seq, 0), " CAP_TIME("coalesce(h.at, c.created_at)")
        "  FROM tocsin.crises c LEFT JOIN opened o ON true LEFT JOIN head h ON true"
        " WHERE c.id = $1::bigint",
        id, "cannot read the crisis's audit", err);
    if (res == NULL) {
        tc_alert_facts_clear(out);
        return err ? err->code : TC_EFAILED;
    }
    out->first_seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    snprintf(out->first_sent, sizeof out->first_sent, "%s", PQgetvalue(res, 0, 1));
    out->seq = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    snprintf(out->sent, sizeof out->sent, "%s", PQgetvalue(res, 0, 3));
    PQclear(res);
    return 0;
}

void tc_alert_facts_clear(tc_alert_facts *facts)
{
    json_decref(facts->show);
    memset(facts, 0, sizeof *facts);
}
