/* The SQL of the audit's export and heads (store/audit_export.h). */
#include "store/audit_export.h"

#include <stdio.h>
#include <stdlib.h>

#include "store/crises.h"
#include "store/db.h"

int tc_store_audit_export(PGconn *conn, int64_t crisis, json_t **events, tc_error *err)
{
    return tc_store_audit_rows(conn, crisis, 0, 1, events, err);
}

static int heads(PGconn *conn, int64_t crisis, json_t **out, tc_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)crisis);
    const char *params[1] = {crisis > 0 ? text : NULL};
    PGresult *res;
    if (crisis > 0) {
        if ((res = tc_db_crisis_query(conn, "SELECT audit_seq FROM tocsin.crises WHERE id = $1::bigint",
                                      crisis, "cannot read the crisis", err)) == NULL)
            return err ? err->code : TC_EFAILED;
        int empty = strtoll(PQgetvalue(res, 0, 0), NULL, 10) == 0;
        PQclear(res);
        if (empty)
            return tc_error_set(err, TC_ECONFLICT, "crisis %lld has no audit event yet: no head to sign",
                                (long long)crisis);
    }
    res = tc_db_query(
        conn, "SELECT crisis, seq, problem FROM tocsin.audit_verify($1::bigint) ORDER BY crisis LIMIT 1", 1,
        params, "cannot verify the audit", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    if (PQntuples(res) > 0) {
        int rc = tc_error_set(err, TC_EFAILED,
                              "the chain of crisis %s does not verify (event %s: %s): no head signed (tocsin "
                              "audit verify %s says more)",
                              PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
                              PQgetvalue(res, 0, 0));
        PQclear(res);
        return rc;
    }
    PQclear(res);
    /* audit_verify found each chain ending at the head its crisis records: that head is the chain's. */
    res = tc_db_query(conn,
                      "SELECT id, audit_seq, audit_hash FROM tocsin.crises"
                      " WHERE ($1::bigint IS NULL OR id = $1) AND audit_seq > 0 ORDER BY id",
                      1, params, "cannot read the heads", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:I, s:I, s:s}", "crisis",
                                              (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "seq",
                                              (json_int_t)strtoll(PQgetvalue(res, i, 1), NULL, 10), "hash",
                                              PQgetvalue(res, i, 2)));
    PQclear(res);
    *out = list;
    return 0;
}

int tc_store_audit_heads(PGconn *conn, int64_t crisis, json_t **out, tc_error *err)
{
    /* One snapshot: the heads read are the ones verified. */
    int rc =
        tc_db_command(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot read the heads", err);
    if (rc != 0)
        return rc;
    rc = heads(conn, crisis, out, err);
    if (tc_db_command(conn, rc == 0 ? "COMMIT" : "ROLLBACK", "cannot read the heads", rc == 0 ? err : NULL) !=
            0 &&
        rc == 0) {
        json_decref(*out);
        return err ? err->code : TC_EFAILED;
    }
    return rc;
}
