/* Crises: the SQL behind trigger, show, list and the waiting of commands. */
#include "store/crises.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/alloc.h"
#include "core/base/json_strings.h"
#include "core/instance/instance.h"
#include "core/machine/actor.h"
#include "core/machine/view.h"
#include "core/playbook/playbook.h"
#include "store/db.h"

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

int tc_store_crisis_trigger(PGconn *conn, const tc_store_trigger *t, int64_t *id, int *version,
                            int *duplicate, int64_t *command, tc_error *err)
{
    char *parties = json_dumps(t->parties, JSON_COMPACT | JSON_ENCODE_ANY);
    char *inputs = t->inputs ? json_dumps(t->inputs, JSON_COMPACT) : tc_xstrdup("{}");
    const char *params[7] = {t->playbook, t->title, t->severity, t->mode, parties, inputs, t->key};
    PGresult *res = tc_db_query(conn,
                                "SELECT id, version, duplicate, command FROM tocsin.trigger($1, $2, $3, $4,"
                                " ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6::jsonb, $7)",
                                7, params, "cannot trigger", err);
    free(parties);
    free(inputs);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *version = atoi(PQgetvalue(res, 0, 1));
    *duplicate = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    *command = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    PQclear(res);
    return 0;
}

int tc_store_submit(PGconn *conn, int64_t crisis, const char *kind, json_t *args, const char *key,
                    json_t *signature, int64_t *seq, int *duplicate, tc_error *err)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    char *text = args ? json_dumps(args, JSON_COMPACT) : tc_xstrdup("{}");
    char *signed_ = signature ? json_dumps(signature, JSON_COMPACT) : NULL;
    if (text == NULL || (signature != NULL && signed_ == NULL)) {
        free(text);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    /*
     * Recorded and committed, then the engines woken by a NOTIFY of its own
     * that does not wait for the WAL flush (migrations/repeatable/50_commands.sql),
     * in one round trip. Inside a caller's transaction, submit() notifies at
     * that transaction's commit.
     */
    int outside = PQtransactionStatus(conn) == PQTRANS_IDLE;
    tc_db_statement statements[4] = {
        {"BEGIN", 0, NULL, NULL, 0},
        {"SELECT seq, duplicate FROM tocsin.submit($1::bigint, $2, $3::jsonb, $4, $5::boolean, $6::jsonb)", 6,
         NULL, NULL, 0},
        {"COMMIT", 0, NULL, NULL, 0},
        {NOTIFY_AFTER_COMMIT_SQL, 2, NULL, NULL, 1},
    };
    const char *submit_params[6] = {id, kind, text, key, outside ? "false" : "true", signed_};
    const char *notify_params[2] = {"tocsin_work", ""};
    statements[1].params = submit_params;
    statements[3].params = notify_params;
    int first = outside ? 0 : 1, count = outside ? 4 : 1; /* inside: the submit alone */
    PGresult *results[4] = {NULL, NULL, NULL, NULL};
    int rc =
        tc_db_pipeline(conn, statements + first, count, results + first, "cannot record the command", err);
    free(text);
    free(signed_);
    if (rc != 0)
        return rc;
    *seq = strtoll(PQgetvalue(results[1], 0, 0), NULL, 10);
    *duplicate = strcmp(PQgetvalue(results[1], 0, 1), "t") == 0;
    for (int i = 0; i < 4; i++)
        PQclear(results[i]);
    return 0;
}

int tc_store_actor(PGconn *conn, char **role, json_t **seats, int *admin, char **login, tc_error *err)
{
    PGresult *res = tc_db_query(conn,
                                "SELECT current_user, array_to_json(a.seats), a.admin, session_user"
                                "  FROM tocsin.actor(current_user) a",
                                0, NULL, "cannot read the acting role's seats", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *role = tc_xstrdup(PQgetvalue(res, 0, 0));
    *seats = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    *admin = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    if (login != NULL)
        *login = tc_xstrdup(PQgetvalue(res, 0, 3));
    PQclear(res);
    if (*role == NULL || *seats == NULL || (login != NULL && *login == NULL)) {
        free(*role);
        json_decref(*seats);
        if (login != NULL)
            free(*login);
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    }
    return 0;
}

int tc_store_delegated(PGconn *conn, int64_t crisis, int ended, json_t **out, tc_error *err)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    const char *params[2] = {id, ended ? "true" : "false"};
    PGresult *res =
        tc_db_query(conn,
                    "SELECT coalesce(jsonb_object_agg(d.crisis, d.seats), '{}')::text"
                    "  FROM (SELECT crisis, jsonb_agg(jsonb_build_object('seat', seat, 'holder', holder)"
                    "                                 ORDER BY seat) AS seats"
                    "          FROM tocsin.delegated_to(current_user)"
                    "         WHERE ($1::bigint = 0 OR crisis = $1::bigint) AND (NOT ended OR $2::boolean)"
                    "         GROUP BY crisis) d",
                    2, params, "cannot read the seats delegated to the acting role", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    return *out ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}

int tc_store_crisis_playbook_sha256(PGconn *conn, int64_t crisis, char sha256[65], tc_error *err)
{
    PGresult *res =
        tc_db_crisis_query(conn,
                           "SELECT p.sha256 FROM tocsin.crises c"
                           "  JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version"
                           " WHERE c.id = $1::bigint",
                           crisis, "cannot read the crisis's playbook", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    snprintf(sha256, 65, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

/* Compiles content, keeping the last few compiled playbooks (list shows many crises of few playbooks). */
typedef struct compiled {
    char *key;
    tc_playbook *pb;
} compiled;

static tc_playbook *compile_cached(compiled *cache, size_t size, const char *name, const char *version,
                                   const char *content)
{
    char key[128];
    snprintf(key, sizeof key, "%s@%s", name, version);
    for (size_t i = 0; i < size; i++)
        if (cache[i].key && strcmp(cache[i].key, key) == 0)
            return cache[i].pb;
    size_t slot = 0;
    while (slot < size - 1 && cache[slot].key)
        slot++;
    free(cache[slot].key);
    tc_playbook_free(cache[slot].pb);
    cache[slot].key = tc_xstrdup(key);
    cache[slot].pb = NULL;
    if (tc_playbook_compile(content, strlen(content), &cache[slot].pb, NULL, NULL) != 0)
        cache[slot].pb = NULL;
    return cache[slot].pb;
}

static void cache_free(compiled *cache, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        free(cache[i].key);
        tc_playbook_free(cache[i].pb);
    }
}

/* The "active" list of a crisis row: from its state, or empty before its trigger is applied. */
static json_t *active_of(tc_playbook *pb, const char *state, int brief, json_t **data)
{
    tc_instance *inst = NULL;
    if (pb == NULL || state == NULL || *state == '\0' ||
        tc_instance_from_text(pb, state, strlen(state), &inst, NULL) != 0)
        return json_array();
    json_t *active = tc_view_active(pb, inst, brief);
    if (data != NULL)
        *data = json_incref(inst->data);
    tc_instance_free(inst);
    return active;
}

/* The approvals decided so far (core/machine/view.h), from the audit's "left" events; [] when unreadable. */
static json_t *decisions_of(PGconn *conn, tc_playbook *pb, int64_t id)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)id);
    const char *params[1] = {text};
    PGresult *res = pb ? tc_db_query(conn,
                                     "SELECT state, " ISO("at") ", detail::text FROM tocsin.audit"
                                     " WHERE crisis = $1::bigint AND kind = 'left' ORDER BY seq",
                                     1, params, "cannot read the audit", NULL)
                       : NULL;
    if (res == NULL)
        return json_array();
    json_t *events = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(events, json_pack("{s:s, s:s, s:o}", "state", PQgetvalue(res, i, 0), "at",
                                                PQgetvalue(res, i, 1), "detail",
                                                json_loads(PQgetvalue(res, i, 2), 0, NULL)));
    PQclear(res);
    json_t *decisions = tc_view_decisions(pb, events);
    json_decref(events);
    return decisions;
}

int tc_store_crisis_show(PGconn *conn, int64_t id, json_t **out, tc_error *err)
{
    PGresult *res = tc_db_crisis_query(
        conn,
        "SELECT c.id, c.playbook, c.version, c.title, c.status, c.outcome, c.severity, c.mode,"
        "       array_to_json(c.parties), c.initiator, " ISO("c.created_at") ", " ISO("c.closed_at") ","
        "       c.escalation_level, c.inputs::text, c.state::text, p.source,"
        "       (SELECT count(*) FROM tocsin.commands k WHERE k.crisis = c.id AND k.applied_at IS NULL),"
        "       s.engine, s.reason, s.failures, " ISO("s.since") ", " ISO("s.until") ","
        "       extract(epoch FROM c.closed_at - c.created_at)::bigint,"
        "       (SELECT coalesce(json_agg(json_build_object('seat', d.seat, 'holder', d.holder, 'delegate',"
        "                                 d.delegate, 'until', " ISO("d.until") ")), '[]')"
        "          FROM tocsin.delegations_of(c.id) d)::text"
        "  FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version"
        "  LEFT JOIN tocsin.set_aside s ON s.crisis = c.id AND s.revision = c.revision"
        " WHERE c.id = $1::bigint",
        id, "cannot read the crisis", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
#define COL(i) PQgetvalue(res, 0, i)
#define OPT(i) (PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i))
    compiled cache[1] = {{NULL, NULL}};
    tc_playbook *pb = compile_cached(cache, 1, COL(1), COL(2), COL(15));
    json_t *data = NULL;
    json_t *active = active_of(pb, OPT(14), 0, &data);
    json_t *aside = OPT(17) == NULL
                        ? json_null()
                        : json_pack("{s:s, s:s, s:i, s:s, s:s}", "engine", COL(17), "reason", COL(18),
                                    "failures", atoi(COL(19)), "since", COL(20), "until", COL(21));
    json_t *doc = json_pack(
        "{s:I, s:s, s:i, s:s, s:s, s:s?, s:s, s:s, s:o, s:s, s:s, s:s?, s:i, s:I, s:o, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)id, "playbook", COL(1), "version", atoi(COL(2)), "title", COL(3), "status", COL(4),
        "outcome", OPT(5), "severity", COL(6), "mode", COL(7), "parties", json_loads(COL(8), 0, NULL),
        "initiator", COL(9), "created_at", COL(10), "closed_at", OPT(11), "escalation_level", atoi(COL(12)),
        "pending", (json_int_t)strtoll(COL(16), NULL, 10), "inputs", json_loads(COL(13), 0, NULL), "data",
        data ? data : json_object(), "active", active, "set_aside", aside, "duration_seconds",
        OPT(22) ? json_integer(strtoll(COL(22), NULL, 10)) : json_null());
    if (doc != NULL) {
        json_object_set_new(doc, "delegations", json_loads(COL(23), 0, NULL));
        json_object_set_new(doc, "decisions", decisions_of(conn, pb, id));
    }
#undef COL
#undef OPT
    cache_free(cache, 1);
    PQclear(res);
    if (doc == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    *out = doc;
    return 0;
}

static const char *empty_null(const char *text)
{
    return text[0] ? text : NULL;
}

int tc_store_crisis_list(PGconn *conn, const tc_crisis_filter *f, json_t **out, tc_error *err)
{
    char lim[16], since[24], until[24];
    snprintf(lim, sizeof lim, "%d", f->limit > 0 ? f->limit : TC_CRISIS_LIST_DEFAULT);
    snprintf(since, sizeof since, "%lld", (long long)f->since);
    snprintf(until, sizeof until, "%lld", (long long)f->until);
    const char *params[8] = {empty_null(f->status),   lim,
                             empty_null(f->playbook), empty_null(f->party),
                             empty_null(f->mode),     empty_null(f->severity),
                             f->since ? since : NULL, f->until ? until : NULL};
    PGresult *res = tc_db_query(
        conn,
        "SELECT c.id, c.playbook, c.version, c.title, c.status, c.outcome, c.severity, c.mode,"
        "       " ISO("c.created_at") ", " ISO("c.closed_at") ", c.escalation_level, c.state::text, p.source"
        "  FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version"
        " WHERE ($1::text IS NULL OR c.status = $1) AND ($3::text IS NULL OR c.playbook = $3)"
        "   AND ($4::text IS NULL OR $4 = ANY (c.parties)) AND ($5::text IS NULL OR c.mode = $5)"
        "   AND ($6::text IS NULL OR c.severity = $6)"
        "   AND ($7::bigint IS NULL OR c.created_at >= to_timestamp($7::bigint / 1000.0))"
        "   AND ($8::bigint IS NULL OR c.created_at < to_timestamp($8::bigint / 1000.0))"
        " ORDER BY c.id DESC LIMIT $2::integer",
        8, params, "cannot list crises", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    compiled cache[8] = {{NULL, NULL}};
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
#define COL(j) PQgetvalue(res, i, j)
#define OPT(j) (PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j))
        tc_playbook *pb = compile_cached(cache, 8, COL(1), COL(2), COL(12));
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:i, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:i, s:o}", "id",
                            (json_int_t)strtoll(COL(0), NULL, 10), "playbook", COL(1), "version",
                            atoi(COL(2)), "title", COL(3), "status", COL(4), "outcome", OPT(5), "severity",
                            COL(6), "mode", COL(7), "created_at", COL(8), "closed_at", OPT(9),
                            "escalation_level", atoi(COL(10)), "active", active_of(pb, OPT(11), 1, NULL)));
#undef COL
#undef OPT
    }
    cache_free(cache, 8);
    PQclear(res);
    *out = json_pack("{s:o}", "crises", list);
    return *out ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}

int tc_store_todo(PGconn *conn, json_t **out, tc_error *err)
{
    char *role = NULL, *login = NULL;
    json_t *seats = NULL;
    int admin = 0;
    int rc = tc_store_actor(conn, &role, &seats, &admin, &login, err);
    if (rc != 0)
        return rc;
    PGresult *res = tc_db_query(conn,
                                "SELECT c.id, c.playbook, c.version, c.state::text, p.source"
                                "  FROM tocsin.crises c"
                                "  JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version"
                                " WHERE c.status = 'active' AND c.state IS NOT NULL"
                                " ORDER BY c.id",
                                0, NULL, "cannot read the crises", err);
    if (res == NULL) {
        free(role);
        free(login);
        json_decref(seats);
        return err ? err->code : TC_EFAILED;
    }
    json_t *delegated = NULL;
    if ((rc = tc_store_delegated(conn, 0, 0, &delegated, err)) != 0) {
        PQclear(res);
        free(role);
        free(login);
        json_decref(seats);
        return rc;
    }
    size_t count = 0;
    const char **names = tc_json_strings(seats, &count);
    tc_actor actor = {role, names, count, admin, login, NULL, 0};
    compiled cache[8] = {{NULL, NULL}};
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        const char *state = PQgetvalue(res, i, 3);
        tc_playbook *pb =
            compile_cached(cache, 8, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 4));
        tc_instance *inst = NULL;
        if (pb == NULL || tc_instance_from_text(pb, state, strlen(state), &inst, NULL) != 0)
            continue; /* show says what is wrong with it; an engine sets it aside */
        inst->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        /* The seats delegated to the role in this crisis wait for it too. */
        tc_delegation *seats_here =
            tc_delegations_read(json_object_get(delegated, PQgetvalue(res, i, 0)), &actor.delegated_count);
        actor.delegated = seats_here;
        tc_view_todo(pb, inst, &actor, items);
        free(seats_here);
        tc_instance_free(inst);
    }
    tc_view_todo_sort(items);
    cache_free(cache, 8);
    PQclear(res);
    json_decref(delegated);
    free(names);
    free(role);
    free(login);
    json_decref(seats);
    *out = json_pack("{s:o}", "todo", items);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tc_store_listen(PGconn *conn, const char *channel, tc_error *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "LISTEN %s", channel); /* channel names are the project's own constants */
    return tc_db_command(conn, sql, "cannot listen", err);
}

int tc_store_wait_notification(PGconn *conn, int timeout_ms, tc_error *err)
{
    struct pollfd fd = {PQsocket(conn), POLLIN, 0};
    if (poll(&fd, 1, timeout_ms) < 0 && errno != EINTR)
        return tc_error_set(err, TC_EFAILED, "cannot wait for a notification: %s", strerror(errno));
    if (!PQconsumeInput(conn))
        return tc_db_fail(conn, NULL, "cannot wait for a notification", err);
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL)
        PQfreemem(n);
    return 0;
}

/* Why an engine has set the crisis aside (tocsin.set_aside), or NULL when none has (caller frees). */
static int set_aside_reason(PGconn *conn, const char *crisis, char **reason, tc_error *err)
{
    const char *params[1] = {crisis};
    PGresult *res = tc_db_query(conn,
                                "SELECT s.reason FROM tocsin.set_aside s JOIN tocsin.crises c"
                                "    ON c.id = s.crisis AND c.revision = s.revision"
                                " WHERE s.crisis = $1::bigint",
                                1, params, "cannot read the crisis", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *reason = PQntuples(res) == 1 ? tc_xstrdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    return 0;
}

int tc_store_wait_applied(PGconn *conn, int64_t crisis, int64_t seq, int timeout_ms, int *state, char **error,
                          tc_error *err)
{
    char c[24], s[24];
    snprintf(c, sizeof c, "%lld", (long long)crisis);
    snprintf(s, sizeof s, "%lld", (long long)seq);
    const char *params[2] = {c, s};
    int rc = tc_store_listen(conn, "tocsin_applied", err);
    long long deadline = now_ms() + timeout_ms;
    /*
     * Between reads, the notification or a pause, whichever comes first: 20 ms,
     * doubling to a second. Through a transaction pooler (PgBouncer's
     * pool_mode=transaction) the LISTEN stays on the server connection that
     * ran it, so no notification comes, and the pause alone finds the command
     * applied: within 20 to 40 ms of an engine that applies in 20, as the
     * notification would, rather than within a second.
     */
    int pause = 20;
    *state = 0;
    *error = NULL;
    while (rc == 0) {
        PGresult *res =
            tc_db_query(conn, "SELECT result, error FROM tocsin.commands WHERE crisis = $1 AND seq = $2", 2,
                        params, "cannot read the command", err);
        if (res == NULL)
            return err ? err->code : TC_EFAILED;
        if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
            *state = strcmp(PQgetvalue(res, 0, 0), "applied") == 0 ? 1 : 2;
            if (!PQgetisnull(res, 0, 1))
                *error = tc_xstrdup(PQgetvalue(res, 0, 1));
            PQclear(res);
            break;
        }
        PQclear(res);
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        /* Sleep until a notification (any crisis: the query above says whether it was ours), the pause or the
         * timeout. */
        if ((rc = tc_store_wait_notification(conn, (int)(left > pause ? pause : left), err)) != 0)
            return rc;
        pause = pause < 500 ? 2 * pause : 1000;
    }
    tc_db_command(conn, "UNLISTEN tocsin_applied", "cannot stop waiting", NULL);
    if (rc == 0 && *state == 0)
        rc = set_aside_reason(conn, c, error, err);
    return rc;
}

int tc_store_crises_visible(PGconn *conn, const char *ids, json_t **out, tc_error *err)
{
    const char *params[1] = {ids != NULL && ids[0] != '\0' ? ids : NULL};
    PGresult *res = tc_db_query(conn,
                                "SELECT id FROM tocsin.crises"
                                " WHERE CASE WHEN $1::text IS NULL THEN status = 'active'"
                                "            ELSE id = ANY (string_to_array($1, ',')::bigint[]) END"
                                " ORDER BY id",
                                1, params, "cannot read which crises changed", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_integer((json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10)));
    PQclear(res);
    *out = list;
    return 0;
}

int tc_store_crisis_load(PGconn *conn, int64_t id, char **source, char **state, char **status, tc_error *err)
{
    PGresult *res =
        tc_db_crisis_query(conn,
                           "SELECT p.source, c.state::text, c.status FROM tocsin.crises c"
                           "  JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version"
                           " WHERE c.id = $1::bigint",
                           id, "cannot read the crisis", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *source = tc_xstrdup(PQgetvalue(res, 0, 0));
    *state = PQgetisnull(res, 0, 1) ? NULL : tc_xstrdup(PQgetvalue(res, 0, 1));
    *status = tc_xstrdup(PQgetvalue(res, 0, 2));
    PQclear(res);
    return 0;
}

int tc_store_command_by_key(PGconn *conn, int64_t crisis, const char *key, int *found, int64_t *seq,
                            char **kind, json_t **args, tc_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)crisis);
    const char *params[2] = {text, key};
    PGresult *res = tc_db_query(conn,
                                "SELECT seq, kind, args::text FROM tocsin.commands"
                                " WHERE crisis = $1::bigint AND actor = current_user AND idem_key = $2",
                                2, params, "cannot read the command", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *found = PQntuples(res) > 0;
    if (*found) {
        *seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *kind = tc_xstrdup(PQgetvalue(res, 0, 1));
        *args = json_loads(PQgetvalue(res, 0, 2), 0, NULL);
    }
    PQclear(res);
    return 0;
}

int tc_store_audit(PGconn *conn, int64_t crisis, json_t **events, tc_error *err)
{
    return tc_store_audit_rows(conn, crisis, 0, 0, events, err);
}

int tc_store_audit_since(PGconn *conn, int64_t crisis, int64_t after, json_t **events, char **status,
                         tc_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)crisis);
    const char *params[1] = {text};
    int rc = tc_store_audit_rows(conn, crisis, after, 0, events, err);
    if (rc != 0)
        return rc;
    PGresult *res = tc_db_query(conn, "SELECT status FROM tocsin.crises WHERE id = $1::bigint", 1, params,
                                "cannot read the crisis", err);
    if (res == NULL) {
        json_decref(*events);
        return err ? err->code : TC_EFAILED;
    }
    *status = tc_xstrdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "?");
    PQclear(res);
    return 0;
}

#define AUDIT_COLUMNS                                                                                        \
    "seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor, login, kind, state,"   \
    " detail::text, prev_hash, hash, signature::text"

int tc_store_audit_rows(PGconn *conn, int64_t crisis, int64_t after, int canonical, json_t **events,
                        tc_error *err)
{
    char text[24], since[24];
    snprintf(text, sizeof text, "%lld", (long long)crisis);
    snprintf(since, sizeof since, "%lld", (long long)after);
    const char *params[2] = {text, since};
    /*
     * canonical is computed by the function the chain uses, from the row as it is now (its signature
     * included): an event edited in place then shows a canonical text whose sha256 is not its hash.
     */
    PGresult *res =
        tc_db_query(conn,
                    canonical ? "SELECT " AUDIT_COLUMNS
                                ", tocsin.audit_canonical(seq, crisis, at, actor, login, kind, state,"
                                " detail, signature) FROM tocsin.audit WHERE crisis = $1::bigint AND seq > "
                                "$2::bigint ORDER BY seq"
                              : "SELECT " AUDIT_COLUMNS
                                " FROM tocsin.audit WHERE crisis = $1::bigint AND seq > $2::bigint"
                                " ORDER BY seq",
                    2, params, canonical ? "cannot export the audit" : "cannot read the audit", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    if (PQntuples(res) == 0 && after == 0) {
        PQclear(res);
        PGresult *exists = tc_db_crisis_query(conn, "SELECT 1 FROM tocsin.crises WHERE id = $1::bigint",
                                              crisis, "cannot read the crisis", err);
        if (exists == NULL)
            return err ? err->code : TC_EFAILED;
        PQclear(exists);
        *events = json_array();
        return 0;
    }
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_t *e = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:o, s:s, s:s}", "seq",
                              (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "crisis",
                              (json_int_t)crisis, "at", PQgetvalue(res, i, 1), "actor", PQgetvalue(res, i, 2),
                              "login", PQgetvalue(res, i, 3), "kind", PQgetvalue(res, i, 4), "state",
                              PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5), "detail",
                              json_loads(PQgetvalue(res, i, 6), 0, NULL), "prev_hash", PQgetvalue(res, i, 7),
                              "hash", PQgetvalue(res, i, 8));
        if (canonical)
            json_object_set_new(e, "canonical", json_string(PQgetvalue(res, i, 10)));
        /* A signed command's event carries its signature, which the chain's hash covers too. */
        if (!PQgetisnull(res, i, 9))
            json_object_set_new(e, "signature", json_loads(PQgetvalue(res, i, 9), 0, NULL));
        json_array_append_new(list, e);
    }
    PQclear(res);
    *events = list;
    return 0;
}

int tc_store_audit_verify(PGconn *conn, int64_t crisis, json_t **broken, long long *events, long long *crises,
                          tc_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)crisis);
    const char *params[1] = {crisis > 0 ? text : NULL};
    PGresult *res;
    /* One crisis: it must exist (and be readable), or verifying it would vouch for nothing. */
    if (crisis > 0) {
        if ((res = tc_db_crisis_query(conn, "SELECT 1 FROM tocsin.crises WHERE id = $1::bigint", crisis,
                                      "cannot read the crisis", err)) == NULL)
            return err ? err->code : TC_EFAILED;
        PQclear(res);
    }
    res = tc_db_query(conn,
                      "SELECT crisis, seq, expected, stored, problem FROM tocsin.audit_verify($1::bigint)", 1,
                      params, "cannot verify the audit", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:s, s:s}", "crisis",
                                              (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "seq",
                                              (json_int_t)strtoll(PQgetvalue(res, i, 1), NULL, 10),
                                              "expected", PQgetvalue(res, i, 2), "stored",
                                              PQgetvalue(res, i, 3), "problem", PQgetvalue(res, i, 4)));
    PQclear(res);
    res = tc_db_query(
        conn,
        "SELECT count(*), count(DISTINCT crisis) FROM tocsin.audit WHERE $1::bigint IS NULL OR crisis = $1",
        1, params, "cannot count the audit", err);
    if (res == NULL) {
        json_decref(list);
        return err ? err->code : TC_EFAILED;
    }
    *events = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *crises = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    *broken = list;
    return 0;
}
