/* The SQL behind the engines' heartbeats (engines.h). */
#include "store/engines.h"

#include <stdio.h>
#include <string.h>

#include "store/db.h"

int tc_store_engine_register(PGconn *conn, const char *host, int pid, const char *version, int64_t started_ms,
                             char id[TC_ENGINE_ID_SIZE], tc_error *err)
{
    char p[16], started[32];
    snprintf(p, sizeof p, "%d", pid);
    snprintf(started, sizeof started, "%lld", (long long)started_ms);
    const char *params[4] = {host, p, version, started};
    PGresult *res = tc_db_query(conn,
                                "SELECT tocsin.engine_register($1, $2::integer, $3,"
                                " to_timestamp($4::bigint / 1000.0))",
                                4, params, "cannot register the engine", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    snprintf(id, TC_ENGINE_ID_SIZE, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

int tc_store_engine_beat(PGconn *conn, const char *id, uint64_t batches, int *found, tc_error *err)
{
    char count[24];
    snprintf(count, sizeof count, "%llu", (unsigned long long)batches);
    const char *params[2] = {id, count};
    PGresult *res = tc_db_query(conn, "SELECT tocsin.engine_beat($1::uuid, $2::bigint)", 2, params,
                                "cannot record the engine's heartbeat", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *found = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

int tc_store_engine_leave(PGconn *conn, const char *id, tc_error *err)
{
    const char *params[1] = {id};
    PGresult *res = tc_db_query(conn, "SELECT tocsin.engine_leave($1::uuid)", 1, params,
                                "cannot remove the engine's heartbeat", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}
