/* Playbook versions: the SQL behind `tocsin playbook load|list|show`. */
#include "store/playbooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/input/limits.h"
#include "core/playbook/playbook.h"
#include "store/db.h"

int tc_store_playbook_load(PGconn *conn, const char *content, char **name, int *version, int *created,
                           tc_error *err)
{
    size_t length = strlen(content);
    if (length > TC_PLAYBOOK_MAX_BYTES)
        return tc_error_set(err, TC_EINVAL,
                            "cannot load the playbook: it is %zu bytes, more than the %d allowed", length,
                            TC_PLAYBOOK_MAX_BYTES);
    /* The seats each state needs, from the compiler, so the database need not read the JSON for them. */
    tc_playbook *pb = NULL;
    if (tc_playbook_compile(content, length, &pb, NULL, err) != 0)
        return err ? err->code : TC_EINVAL;
    json_t *seats = tc_playbook_seats_json(pb);
    tc_playbook_free(pb);
    char *states = json_dumps(seats, JSON_COMPACT); /* never NULL: jansson allocates through tc_x* */
    json_decref(seats);
    const char *params[2] = {content, states};
    PGresult *res =
        tc_db_query(conn, "SELECT name, version, created FROM tocsin.load_playbook_checked($1, $2::jsonb)", 2,
                    params, "cannot load the playbook", err);
    free(states);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *name = tc_xstrdup(PQgetvalue(res, 0, 0));
    *version = atoi(PQgetvalue(res, 0, 1));
    *created = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    PQclear(res);
    return *name ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}

int tc_store_playbook_list(PGconn *conn, json_t **out, tc_error *err)
{
    PGresult *res =
        tc_db_query(conn,
                    "SELECT DISTINCT ON (name) name, version, content ->> 'title', loaded_by,"
                    "       to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                    "       count(*) OVER (PARTITION BY name)"
                    "  FROM tocsin.playbooks ORDER BY name, version DESC",
                    0, NULL, "cannot list playbooks", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "name", PQgetvalue(res, i, 0),
                                              "version", atoi(PQgetvalue(res, i, 1)), "versions",
                                              atoi(PQgetvalue(res, i, 5)), "title", PQgetvalue(res, i, 2),
                                              "loaded_by", PQgetvalue(res, i, 3), "loaded_at",
                                              PQgetvalue(res, i, 4)));
    PQclear(res);
    *out = list;
    return 0;
}

int tc_store_playbook_get(PGconn *conn, const char *name, int version, char **content, int *version_out,
                          json_t **meta, tc_error *err)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[2] = {name, v};
    PGresult *res =
        tc_db_query(conn,
                    "SELECT source, version, sha256, loaded_by,"
                    "       to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                    "  FROM tocsin.playbooks WHERE name = $1 AND ($2::integer = 0 OR version = $2::integer)"
                    " ORDER BY version DESC LIMIT 1",
                    2, params, "cannot read the playbook", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    if (PQntuples(res) == 0) {
        PQclear(res);
        if (version > 0)
            return tc_error_set(err, TC_ENOTFOUND, "no playbook %s@%d", name, version);
        return tc_error_set(err, TC_ENOTFOUND, "no playbook %s", name);
    }
    *content = tc_xstrdup(PQgetvalue(res, 0, 0));
    *version_out = atoi(PQgetvalue(res, 0, 1));
    if (meta != NULL)
        *meta = json_pack("{s:s, s:i, s:s, s:s, s:s}", "name", name, "version", *version_out, "sha256",
                          PQgetvalue(res, 0, 2), "loaded_by", PQgetvalue(res, 0, 3), "loaded_at",
                          PQgetvalue(res, 0, 4));
    PQclear(res);
    return *content ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}
