/* The SQL behind tocsin actor. */
#include "store/actors.h"

#include <stdlib.h>
#include <string.h>

#include "core/input/actor_names.h"
#include "store/db.h"

/* Every name checked with the rules of the database, before it is asked (a constraint's raw message is
 * no answer for an operator). */
static int check_names(const char *role, json_t *seats, json_t *observes, tc_error *err)
{
    int rc = tc_role_name_check(role, err);
    size_t i;
    json_t *name;
    json_array_foreach(seats, i, name)
    {
        if (rc == 0)
            rc = json_is_string(name) ? tc_seat_name_check(json_string_value(name), err)
                                      : tc_error_set(err, TC_EINVAL, "a seat is a string");
    }
    json_array_foreach(observes, i, name)
    {
        if (rc == 0)
            rc = json_is_string(name) ? tc_organisation_check(json_string_value(name), err)
                                      : tc_error_set(err, TC_EINVAL, "an organisation is a string");
    }
    return rc;
}

int tc_store_actor_add(PGconn *conn, const char *role, json_t *seats, json_t *observes, int login,
                       int *created, tc_error *err)
{
    int rc = check_names(role, seats, observes, err);
    if (rc != 0)
        return rc;
    char *s = json_dumps(seats, JSON_COMPACT), *o = json_dumps(observes, JSON_COMPACT);
    const char *params[4] = {role, s, o, login ? "true" : "false"};
    PGresult *res =
        tc_db_query(conn,
                    "SELECT tocsin.actor_add($1, ARRAY(SELECT jsonb_array_elements_text($2::jsonb)),"
                    " ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), $4::boolean)",
                    4, params, "cannot add the actor", err);
    free(s);
    free(o);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *created = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

int tc_store_actor_seat(PGconn *conn, const char *role, const char *seat, int grant, tc_error *err)
{
    int rc = tc_role_name_check(role, err);
    if (rc == 0)
        rc = tc_seat_name_check(seat, err);
    if (rc != 0)
        return rc;
    const char *params[3] = {role, seat, grant ? "true" : "false"};
    PGresult *res = tc_db_query(conn, "SELECT tocsin.actor_seat($1, $2, $3::boolean)", 3, params,
                                grant ? "cannot grant the seat" : "cannot revoke the seat", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}

int tc_store_actor_list(PGconn *conn, json_t **out, tc_error *err)
{
    PGresult *res =
        tc_db_query(conn,
                    "SELECT actor, login, array_to_json(seats)::text, array_to_json(observes)::text"
                    "  FROM tocsin.actors()",
                    0, NULL, "cannot list actors", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:s, s:b, s:o, s:o}", "actor", PQgetvalue(res, i, 0), "login",
                                              strcmp(PQgetvalue(res, i, 1), "t") == 0, "seats",
                                              json_loads(PQgetvalue(res, i, 2), 0, NULL), "observes",
                                              json_loads(PQgetvalue(res, i, 3), 0, NULL)));
    PQclear(res);
    *out = list;
    return 0;
}

int tc_store_actor_history(PGconn *conn, const char *role, json_t **out, tc_error *err)
{
    const char *params[1] = {role};
    PGresult *res = tc_db_query(
        conn,
        "SELECT h.seq, to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), h.changed_by,"
        "       h.login, h.kind, h.actor, h.detail::text, h.prev_hash, h.hash"
        "  FROM tocsin.actor_history h WHERE $1::name IS NULL OR h.actor = $1::name ORDER BY h.seq",
        1, params, "cannot read the actor history", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "seq",
                                              (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "at",
                                              PQgetvalue(res, i, 1), "by", PQgetvalue(res, i, 2), "login",
                                              PQgetvalue(res, i, 3), "kind", PQgetvalue(res, i, 4), "actor",
                                              PQgetvalue(res, i, 5), "detail",
                                              json_loads(PQgetvalue(res, i, 6), 0, NULL), "prev_hash",
                                              PQgetvalue(res, i, 7), "hash", PQgetvalue(res, i, 8)));
    PQclear(res);
    *out = list;
    return 0;
}

int tc_store_actor_history_verify(PGconn *conn, json_t **broken, long long *events, tc_error *err)
{
    PGresult *res =
        tc_db_query(conn, "SELECT seq, expected, stored, problem FROM tocsin.actor_history_verify()", 0, NULL,
                    "cannot verify the actor history", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s}", "seq",
                                              (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10),
                                              "expected", PQgetvalue(res, i, 1), "stored",
                                              PQgetvalue(res, i, 2), "problem", PQgetvalue(res, i, 3)));
    PQclear(res);
    res = tc_db_query(conn, "SELECT count(*) FROM tocsin.actor_history", 0, NULL,
                      "cannot count the actor history", err);
    if (res == NULL) {
        json_decref(list);
        return err ? err->code : TC_EFAILED;
    }
    *events = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    *broken = list;
    return 0;
}
