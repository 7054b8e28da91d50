/* The SQL of the engine's batches. */
#include "store/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

int tc_store_work_begin(PGconn *conn, tc_error *err)
{
    return tc_db_command(conn, "BEGIN", "cannot begin a batch", err);
}

int tc_store_work_end(PGconn *conn, int commit, tc_error *err)
{
    return tc_db_command(conn, commit ? "COMMIT" : "ROLLBACK",
                         commit ? "cannot commit a batch" : "cannot roll back", err);
}

static char *dup_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

#define CLAIM_COLUMNS                                                                                        \
    "c.id, c.playbook, c.version, c.state::text, c.revision, c.title, c.severity, c.mode,"                   \
    " array_to_json(c.parties)::text, c.initiator, c.inputs::text,"                                          \
    " (extract(epoch FROM c.created_at) * 1000)::bigint"

static void read_claims(PGresult *res, tc_claim *out)
{
    for (int i = 0; i < PQntuples(res); i++) {
        tc_claim *c = &out[i];
        c->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        c->playbook = dup_or_null(res, i, 1);
        c->version = atoi(PQgetvalue(res, i, 2));
        c->state = dup_or_null(res, i, 3);
        c->revision = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        c->title = dup_or_null(res, i, 5);
        c->severity = dup_or_null(res, i, 6);
        c->mode = dup_or_null(res, i, 7);
        c->parties = json_loads(PQgetvalue(res, i, 8), 0, NULL);
        c->initiator = dup_or_null(res, i, 9);
        c->inputs = json_loads(PQgetvalue(res, i, 10), 0, NULL);
        c->created_at = strtoll(PQgetvalue(res, i, 11), NULL, 10);
    }
}

int tc_store_claim(PGconn *conn, int limit, tc_ms now, tc_claim **claims, size_t *count, tc_error *err)
{
    char lim[16], at[32];
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(at, sizeof at, "%lld", (long long)now);
    const char *params[2] = {lim, at};
    PGresult *res = tc_db_query(
        conn, "SELECT " CLAIM_COLUMNS " FROM tocsin.claim($1::integer, to_timestamp($2::bigint / 1000.0)) c",
        2, params, "cannot claim work", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    size_t n = (size_t)PQntuples(res);
    *claims = calloc(n ? n : 1, sizeof **claims);
    if (*claims == NULL) {
        PQclear(res);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    read_claims(res, *claims);
    *count = n;
    PQclear(res);
    return 0;
}

int tc_store_lock(PGconn *conn, int64_t id, tc_claim **claim, tc_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)id);
    const char *params[1] = {text};
    PGresult *res =
        tc_db_query(conn, "SELECT " CLAIM_COLUMNS " FROM tocsin.crises c WHERE c.id = $1::bigint FOR UPDATE",
                    1, params, "cannot lock the crisis", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return tc_error_set(err, TC_ENOTFOUND, "no crisis %lld", (long long)id);
    }
    *claim = calloc(1, sizeof **claim);
    if (*claim == NULL) {
        PQclear(res);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    read_claims(res, *claim);
    PQclear(res);
    return 0;
}

void tc_claims_free(tc_claim *claims, size_t count)
{
    for (size_t i = 0; claims && i < count; i++) {
        free(claims[i].playbook);
        free(claims[i].state);
        free(claims[i].title);
        free(claims[i].severity);
        free(claims[i].mode);
        free(claims[i].initiator);
        json_decref(claims[i].parties);
        json_decref(claims[i].inputs);
    }
    free(claims);
}

int tc_store_pending(PGconn *conn, int64_t crisis, tc_ms now, tc_work_item **items, size_t *count,
                     tc_error *err)
{
    char id[24], at[32];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    snprintf(at, sizeof at, "%lld", (long long)now);
    const char *params[2] = {id, at};
    PGresult *res = tc_db_query(conn,
                                "SELECT at_ms, seq, kind, actor, login, args::text, timer"
                                "  FROM tocsin.pending($1::bigint, to_timestamp($2::bigint / 1000.0))",
                                2, params, "cannot read pending work", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    size_t n = (size_t)PQntuples(res);
    tc_work_item *out = calloc(n ? n : 1, sizeof *out);
    if (out == NULL) {
        PQclear(res);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int r = (int)i;
        out[i].at = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        out[i].seq = PQgetisnull(res, r, 1) ? 0 : strtoll(PQgetvalue(res, r, 1), NULL, 10);
        out[i].kind = dup_or_null(res, r, 2);
        out[i].actor = dup_or_null(res, r, 3);
        out[i].login = dup_or_null(res, r, 4);
        out[i].args = PQgetisnull(res, r, 5) ? NULL : json_loads(PQgetvalue(res, r, 5), 0, NULL);
        out[i].timer = dup_or_null(res, r, 6);
    }
    PQclear(res);
    *items = out;
    *count = n;
    return 0;
}

void tc_work_items_free(tc_work_item *items, size_t count)
{
    for (size_t i = 0; items && i < count; i++) {
        free(items[i].kind);
        free(items[i].actor);
        free(items[i].login);
        json_decref(items[i].args);
        free(items[i].timer);
    }
    free(items);
}

int tc_store_playbook_source(PGconn *conn, const char *name, int version, char **source, tc_error *err)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[2] = {name, v};
    PGresult *res =
        tc_db_query(conn, "SELECT source FROM tocsin.playbooks WHERE name = $1 AND version = $2::integer", 2,
                    params, "cannot read the playbook", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return tc_error_set(err, TC_ENOTFOUND, "no playbook %s@%d", name, version);
    }
    *source = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return *source ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}

int tc_store_role_seats(PGconn *conn, const char *role, json_t **seats, int *admin, tc_error *err)
{
    const char *params[1] = {role};
    PGresult *res = tc_db_query(conn, "SELECT array_to_json(seats)::text, admin FROM tocsin.actor($1)", 1,
                                params, "cannot read seats", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *seats = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    *admin = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    return *seats ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}

int tc_store_commit(PGconn *conn, int64_t crisis, int64_t revision, const char *state, json_t *audit,
                    json_t *timers, json_t *cleared, json_t *commands, tc_error *err)
{
    char id[24], rev[24];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    snprintf(rev, sizeof rev, "%lld", (long long)revision);
    char *a = json_dumps(audit, JSON_COMPACT), *t = json_dumps(timers, JSON_COMPACT);
    char *c = json_dumps(cleared, JSON_COMPACT), *k = json_dumps(commands, JSON_COMPACT);
    const char *params[7] = {id, rev, state, a, t, c, k};
    PGresult *res = NULL;
    if (a && t && c && k)
        res = tc_db_query(conn,
                          "SELECT tocsin.commit($1::bigint, $2::bigint, $3::jsonb, $4::jsonb, $5::jsonb,"
                          " ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), $7::jsonb)",
                          7, params, "cannot write the transition", err);
    else
        tc_error_set(err, TC_ENOMEM, "out of memory");
    free(a);
    free(t);
    free(c);
    free(k);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}

int tc_store_next_due(PGconn *conn, tc_ms *due, tc_error *err)
{
    PGresult *res =
        tc_db_query(conn, "SELECT (extract(epoch FROM min(due)) * 1000)::bigint FROM tocsin.timers", 0, NULL,
                    "cannot read the next deadline", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *due = PQgetisnull(res, 0, 0) ? -1 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}
