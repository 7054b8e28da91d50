/* The SQL behind tocsin key (store/keys.h). */
#include "store/keys.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/input/actor_names.h"
#include "store/db.h"

#define UTC_US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

int tc_store_key_register(PGconn *conn, const char *role, const char *public_key, char id[17], tc_error *err)
{
    int rc = tc_role_name_check(role, err);
    if (rc != 0)
        return rc;
    const char *params[2] = {role, public_key};
    PGresult *res =
        tc_db_query(conn, "SELECT tocsin.key_register($1, $2)", 2, params, "cannot register the key", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    snprintf(id, 17, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

int tc_store_key_revoke(PGconn *conn, const char *role, const char *id, tc_error *err)
{
    int rc = tc_role_name_check(role, err);
    if (rc != 0)
        return rc;
    const char *params[2] = {role, id};
    PGresult *res =
        tc_db_query(conn, "SELECT tocsin.key_revoke($1, $2)", 2, params, "cannot revoke the key", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}

int tc_store_key_list(PGconn *conn, json_t **out, tc_error *err)
{
    PGresult *res =
        tc_db_query(conn,
                    "SELECT key_id, role, public_key, " UTC_US("registered_at") ", registered_by, " UTC_US(
                        "revoked_at") " FROM tocsin.keys ORDER BY registered_at, key_id",
                    0, NULL, "cannot list the keys", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "key_id", PQgetvalue(res, i, 0), "role",
                            PQgetvalue(res, i, 1), "public_key", PQgetvalue(res, i, 2), "registered_at",
                            PQgetvalue(res, i, 3), "registered_by", PQgetvalue(res, i, 4), "revoked_at",
                            PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5)));
    PQclear(res);
    *out = list;
    return 0;
}

int tc_store_key_in_force(PGconn *conn, const char *id, char public_key[53], char **role, int *found,
                          tc_error *err)
{
    const char *params[1] = {id};
    PGresult *res =
        tc_db_query(conn, "SELECT public_key, role FROM tocsin.keys WHERE key_id = $1 AND revoked_at IS NULL",
                    1, params, "cannot read the key", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *found = PQntuples(res) == 1;
    if (*found) {
        snprintf(public_key, 53, "%s", PQgetvalue(res, 0, 0));
        *role = tc_xstrdup(PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return *found && *role == NULL ? tc_error_set(err, TC_ENOMEM, "out of memory") : 0;
}
