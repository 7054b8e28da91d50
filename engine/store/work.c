/* The SQL of the engine's batches (the functions are in migrations/repeatable/60_engine.sql). */
#include "store/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/strbuf.h"
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
    return PQgetisnull(res, row, col) ? NULL : tc_xstrdup(PQgetvalue(res, row, col));
}

#define CLAIM_COLUMNS                                                                                        \
    "c.id, c.playbook, c.version, c.state::text, c.revision, c.title, c.severity, c.mode,"                   \
    " array_to_json(c.parties)::text, c.initiator, c.inputs::text,"                                          \
    " (extract(epoch FROM c.created_at) * 1000)::bigint"
#define CLAIM_COLUMN_COUNT 12

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

int tc_store_lock(PGconn *conn, int64_t id, tc_claim **claim, tc_error *err)
{
    PGresult *res = tc_db_crisis_query(conn, "SELECT " CLAIM_COLUMNS " FROM tocsin.lock_crisis($1::bigint) c",
                                       id, "cannot lock the crisis", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *claim = tc_xcalloc(1, sizeof **claim);
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
        tc_work_items_free(claims[i].items, claims[i].item_count);
    }
    free(claims);
}

void tc_work_items_free(tc_work_item *items, size_t count)
{
    for (size_t i = 0; items && i < count; i++) {
        free(items[i].kind);
        free(items[i].actor);
        free(items[i].login);
        json_decref(items[i].args);
        free(items[i].timer);
        json_decref(items[i].delegated);
        json_decref(items[i].signature);
        free(items[i].idem_key);
    }
    free(items);
}

int tc_store_playbook_source(PGconn *conn, const char *name, int version, char **source, char sha256[65],
                             tc_error *err)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[2] = {name, v};
    PGresult *res = tc_db_query(
        conn, "SELECT source, sha256 FROM tocsin.playbooks WHERE name = $1 AND version = $2::integer", 2,
        params, "cannot read the playbook", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return tc_error_set(err, TC_ENOTFOUND, "no playbook %s@%d", name, version);
    }
    *source = tc_xstrdup(PQgetvalue(res, 0, 0));
    snprintf(sha256, 65, "%s", PQgetvalue(res, 0, 1));
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

#define TAKE_SQL                                                                                             \
    "SELECT " CLAIM_COLUMNS                                                                                  \
    ", c.work::text, c.actors::text"                                                                         \
    "  FROM tocsin.take($1::integer, to_timestamp($2::bigint / 1000.0), $3::bigint[]) c"
#define COMMIT_BATCH_SQL                                                                                     \
    "SELECT tocsin.commit_batch($1::jsonb, false)" /* the NOTIFY comes after the commit */
#define NEXT_DUE_SQL "SELECT tocsin.next_due($1::bigint[])"

int tc_store_work_prepare(PGconn *conn, tc_error *err)
{
    static const struct {
        const char *name, *sql;
        int nparams;
    } statements[] = {
        {"tocsin_take", TAKE_SQL, 3},
        {"tocsin_commit_batch", COMMIT_BATCH_SQL, 1},
        {"tocsin_next_due", NEXT_DUE_SQL, 1},
        {"tocsin_notify", NOTIFY_AFTER_COMMIT_SQL, 2},
    };
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
        PGresult *res = PQprepare(conn, statements[i].name, statements[i].sql, statements[i].nparams, NULL);
        int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : tc_db_fail(conn, res, "cannot prepare", err);
        PQclear(res);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * The work of a claim from take()'s jsonb array (see migrations/repeatable/60_engine.sql).
 * jsonb takes numbers that jansson cannot read (1e400, an integer of 30
 * digits), and a command's arguments are a user's: such work is this
 * crisis's fault, and says so, rather than "out of memory".
 */
static int read_work(const char *text, tc_claim *c, tc_error *err)
{
    json_error_t error;
    json_t *work = json_loads(text, 0, &error);
    if (work == NULL)
        return tc_error_set(err, TC_EINVAL, "crisis %lld: its pending commands cannot be read: %s",
                            (long long)c->id, error.text);
    size_t n = json_array_size(work);
    c->items = tc_xcalloc(n ? n : 1, sizeof *c->items);
    if (c->items == NULL) {
        json_decref(work);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_array_get(work, i);
        tc_work_item *item = &c->items[i];
        const char *actor = json_string_value(json_object_get(w, "actor"));
        const char *login = json_string_value(json_object_get(w, "login"));
        const char *timer = json_string_value(json_object_get(w, "timer"));
        item->at = json_integer_value(json_object_get(w, "at_ms"));
        item->seq = json_integer_value(json_object_get(w, "seq"));
        item->kind = tc_xstrdup(json_string_value(json_object_get(w, "kind")));
        item->actor = actor ? tc_xstrdup(actor) : NULL;
        item->login = login ? tc_xstrdup(login) : NULL;
        item->timer = timer ? tc_xstrdup(timer) : NULL;
        json_t *args = json_object_get(w, "args");
        item->args = json_is_object(args) ? json_incref(args) : NULL;
        json_t *delegated = json_object_get(w, "delegated");
        item->delegated = json_is_array(delegated) ? json_incref(delegated) : NULL;
        json_t *signature = json_object_get(w, "signature");
        item->signature = json_is_object(signature) ? json_incref(signature) : NULL;
        const char *idem_key = json_string_value(json_object_get(w, "idem_key"));
        item->idem_key = idem_key ? tc_xstrdup(idem_key) : NULL;
        c->item_count++;
    }
    json_decref(work);
    return 0;
}

/* The ids as a PostgreSQL array literal, "{1,2,3}"; NULL when out of memory. */
static char *id_array(const int64_t *ids, size_t n)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{");
    for (size_t i = 0; i < n; i++)
        tc_strbuf_addf(&sb, i ? ",%lld" : "%lld", (long long)ids[i]);
    tc_strbuf_add(&sb, "}");
    return tc_strbuf_take(&sb);
}

int tc_store_take(PGconn *conn, int limit, tc_ms now, const int64_t *skip, size_t skip_count,
                  tc_claim **claims, size_t *count, json_t **actors, tc_error *err)
{
    char lim[16], at[32];
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(at, sizeof at, "%lld", (long long)now);
    char *skipped = id_array(skip, skip_count);
    if (skipped == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    const char *params[3] = {lim, at, skipped};
    tc_db_statement statements[2] = {
        {"BEGIN", 0, NULL, NULL, 0},
        {TAKE_SQL, 3, params, "tocsin_take", 0},
    };
    /* Inside a transaction already (results of actions were written first), the BEGIN is not needed. */
    int open = PQtransactionStatus(conn) == PQTRANS_INTRANS;
    PGresult *results[2];
    int rc = tc_db_pipeline(conn, statements + open, 2 - open, results, "cannot claim work", err);
    free(skipped);
    if (rc != 0)
        return rc;
    PGresult *res = results[1 - open];
    if (!open)
        PQclear(results[0]);
    size_t n = (size_t)PQntuples(res);
    *claims = tc_xcalloc(n ? n : 1, sizeof **claims);
    *actors = NULL;
    if (*claims == NULL) {
        PQclear(res);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    read_claims(res, *claims);
    *count = n;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = read_work(PQgetvalue(res, (int)i, CLAIM_COLUMN_COUNT), &(*claims)[i], err);
    if (rc == 0 && n > 0 && !PQgetisnull(res, 0, CLAIM_COLUMN_COUNT + 1))
        *actors = json_loads(PQgetvalue(res, 0, CLAIM_COLUMN_COUNT + 1), 0, NULL);
    PQclear(res);
    return rc;
}

struct tc_writes {
    tc_strbuf json; /* the jsonb array for tocsin.commit_batch() */
    size_t count;
    tc_strbuf applied; /* "1,2,3": the crises written since the last commit, for its NOTIFY */
};

tc_writes *tc_writes_new(void)
{
    return tc_xcalloc(1, sizeof(tc_writes));
}

void tc_writes_free(tc_writes *w)
{
    if (w == NULL)
        return;
    tc_strbuf_release(&w->json);
    tc_strbuf_release(&w->applied);
    free(w);
}

size_t tc_writes_count(const tc_writes *w)
{
    return w->count;
}

/* Appends ,"name":<json> to sb. */
static void add_member(tc_strbuf *sb, const char *name, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        sb->failed = 1;
        return;
    }
    tc_strbuf_addf(sb, ",\"%s\":", name);
    tc_strbuf_add(sb, text);
    free(text);
}

int tc_writes_add(tc_writes *w, int64_t crisis, int64_t revision, const char *state, const json_t *audit,
                  const json_t *timers, const json_t *cleared, const json_t *commands, tc_error *err)
{
    tc_strbuf *sb = &w->json;
    tc_strbuf_add(sb, w->count ? "," : "[");
    tc_strbuf_addf(sb, "{\"crisis\":%lld,\"revision\":%lld,\"state\":", (long long)crisis,
                   (long long)revision);
    tc_strbuf_add(sb, state); /* already JSON: the instance's own text */
    add_member(sb, "audit", audit);
    add_member(sb, "timers", timers);
    add_member(sb, "cleared", cleared);
    add_member(sb, "commands", commands);
    tc_strbuf_add(sb, "}");
    tc_strbuf_addf(&w->applied, w->applied.length ? ",%lld" : "%lld", (long long)crisis);
    w->count++;
    return sb->failed || w->applied.failed ? tc_error_set(err, TC_ENOMEM, "out of memory") : 0;
}

int tc_store_write(PGconn *conn, tc_writes *w, int commit, const int64_t *skip, size_t skip_count,
                   tc_ms *next_due, tc_error *err)
{
    tc_db_statement statements[4];
    const char *params[1] = {NULL}, *due_params[1] = {NULL}, *notify_params[2] = {"tocsin_applied", ""};
    char *skipped = NULL;
    int n = 0, due = -1;
    if (w != NULL && w->count > 0) {
        tc_strbuf_add(&w->json, "]");
        if (w->json.failed)
            return tc_error_set(err, TC_ENOMEM, "out of memory");
        params[0] = w->json.text;
        statements[n++] = (tc_db_statement){COMMIT_BATCH_SQL, 1, params, "tocsin_commit_batch", 0};
    }
    if (commit && PQtransactionStatus(conn) != PQTRANS_IDLE)
        statements[n++] = (tc_db_statement){"COMMIT", 0, NULL, NULL, 0};
    if (commit) {
        if ((skipped = id_array(skip, skip_count)) == NULL)
            return tc_error_set(err, TC_ENOMEM, "out of memory");
        due_params[0] = skipped;
        due = n;
        statements[n++] = (tc_db_statement){NEXT_DUE_SQL, 1, due_params, "tocsin_next_due", 0};
    }
    /*
     * One NOTIFY tocsin_applied for the transaction, once it has committed,
     * listing its crises (empty when the list would not fit in a payload).
     * Its failure does not undo the commit: a waiting client reads again
     * within a second.
     */
    if (commit && w != NULL && w->applied.length > 0) {
        if (w->applied.failed)
            return tc_error_set(err, TC_ENOMEM, "out of memory");
        notify_params[1] = w->applied.length < 8000 ? w->applied.text : "";
        statements[n++] = (tc_db_statement){NOTIFY_AFTER_COMMIT_SQL, 2, notify_params, "tocsin_notify", 1};
    }
    PGresult *results[4];
    int rc = n ? tc_db_pipeline(conn, statements, n, results, "cannot write the batch", err) : 0;
    if (rc == 0 && due >= 0)
        *next_due = PQgetisnull(results[due], 0, 0) ? -1 : strtoll(PQgetvalue(results[due], 0, 0), NULL, 10);
    for (int i = 0; rc == 0 && i < n; i++)
        PQclear(results[i]);
    free(skipped);
    if (w != NULL) {
        tc_strbuf_release(&w->json);
        w->count = 0;
        if (commit)
            tc_strbuf_release(&w->applied);
    }
    return rc;
}

int tc_store_set_aside(PGconn *conn, int64_t crisis, int64_t revision, const char *engine, const char *reason,
                       tc_ms until, tc_error *err)
{
    char id[24], rev[24], at[32];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    snprintf(rev, sizeof rev, "%lld", (long long)revision);
    snprintf(at, sizeof at, "%lld", (long long)until);
    const char *params[5] = {id, rev, engine, reason, at};
    /* Set aside again at the same revision: one more failure; at a later one: a new record. */
    PGresult *res = tc_db_query(
        conn,
        "SELECT tocsin.record_set_aside($1::bigint, $2::bigint, $3, $4, to_timestamp($5::bigint / 1000.0))",
        5, params, "cannot record a crisis set aside", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}
