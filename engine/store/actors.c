/* The SQL behind tocsin actor. */
#include "store/actors.h"

#include <stdlib.h>
#include <string.h>

#include "store/db.h"

int tc_store_actor_add(PGconn *conn, const char *role, json_t *seats, json_t *observes, int login,
                       int *created, tc_error *err)
{
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
