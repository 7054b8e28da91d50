/*
 * The store's half of `tocsin report`: the functions that show, audit and
 * audit verify already call, in one snapshot (REPEATABLE READ), so that the
 * chain verified is the chain printed and the decisions are those of that
 * audit. Nine round trips in all, on a command run once a crisis; a
 * transaction that fails is rolled back before the error is returned.
 */
#include "store/report.h"

#include <stdlib.h>

#include "core/base/alloc.h"
#include "store/crises.h"
#include "store/db.h"

int tc_store_crisis_report(PGconn *conn, int64_t id, json_t **out, tc_error *err)
{
    json_t *crisis = NULL, *audit = NULL, *broken = NULL;
    long long events = 0, crises = 0;
    char *now = NULL;
    int rc =
        tc_db_command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot read the crisis", err);
    if (rc != 0)
        return rc;
    if ((rc = tc_store_crisis_show(conn, id, &crisis, err)) != 0 ||
        (rc = tc_store_audit(conn, id, &audit, err)) != 0 ||
        (rc = tc_store_audit_verify(conn, id, &broken, &events, &crises, err)) != 0)
        goto fail;
    PGresult *res =
        tc_db_query(conn, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", 0,
                    NULL, "cannot read the time", err);
    if (res == NULL) {
        rc = err ? err->code : TC_EFAILED;
        goto fail;
    }
    now = tc_xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if ((rc = tc_db_command(conn, "COMMIT", "cannot read the crisis", err)) != 0)
        goto fail;
    *out = json_pack("{s:o, s:o, s:{s:b, s:o}, s:s}", "crisis", crisis, "audit", audit, "verify", "valid",
                     json_array_size(broken) == 0, "broken", broken, "generated_at", now);
    free(now);
    return 0;
fail:
    tc_db_command(conn, "ROLLBACK", "cannot roll back", NULL);
    json_decref(crisis);
    json_decref(audit);
    json_decref(broken);
    free(now);
    return rc;
}
