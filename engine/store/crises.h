/*
 * Crises in the database: triggering one, reading one for `show`, listing
 * them, the actors' seats, and waiting for an engine to apply a command.
 */
#ifndef TC_STORE_CRISES_H
#define TC_STORE_CRISES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/instance/crisis_filter.h"

typedef struct tc_store_trigger {
    const char *playbook;
    const char *title;    /* NULL: the playbook's */
    const char *severity; /* NULL: unknown */
    const char *mode;     /* NULL: actual */
    json_t *parties;      /* array of names (the crisis's subset) */
    json_t *inputs;       /* object, defaults filled in */
    const char *key;      /* idempotency key, or NULL */
} tc_store_trigger;

/* Creates the crisis and queues its trigger. Fills id, version and whether the key made it a repeat. */
int tc_store_crisis_trigger(PGconn *conn, const tc_store_trigger *trigger, int64_t *id, int *version,
                            int *duplicate, int64_t *command, tc_error *err);

/* The document of `show --json` (docs/cli.md). TC_ENOTFOUND for no such crisis. */
int tc_store_crisis_show(PGconn *conn, int64_t id, json_t **out, tc_error *err);

/* {"crises": [...]} newest first, those filter lets through (core/instance/crisis_filter.h). */
int tc_store_crisis_list(PGconn *conn, const tc_crisis_filter *filter, json_t **out, tc_error *err);

/*
 * Which of the crises ids (text, "1,2,3": a tocsin_applied payload; NULL or ""
 * for every active crisis) the role of conn may read: row-level security
 * decides. *out is an array of ids, owned by the caller. For the board, which
 * sends a change only to those who may see it.
 */
int tc_store_crises_visible(PGconn *conn, const char *ids, json_t **out, tc_error *err);

/*
 * What waits for the acting role (`tocsin todo`): {"todo": [...]} of
 * core/machine/view.h's tc_view_todo over every active crisis the role may
 * read (row-level security decides, in one query), most urgent first.
 */
int tc_store_todo(PGconn *conn, json_t **out, tc_error *err);

/*
 * The role acting on this connection (current_user), its seats (array of strings, caller decrefs), admin,
 * and, when login is not NULL, the role that logged in (session_user: the person).
 */
int tc_store_actor(PGconn *conn, char **role, json_t **seats, int *admin, char **login, tc_error *err);

/*
 * The seats delegated to the acting role, by crisis: {"ID": [{"seat",
 * "holder"}, ...]}, for crisis only when it is not 0. Those in force; with
 * ended, also those whose time is up (not those taken back). Caller decrefs.
 */
int tc_store_delegated(PGconn *conn, int64_t crisis, int ended, json_t **out, tc_error *err);

/* The sha256 of the playbook version crisis runs (what a signed command names). TC_ENOTFOUND for none. */
int tc_store_crisis_playbook_sha256(PGconn *conn, int64_t crisis, char sha256[65], tc_error *err);

/*
 * Waits up to timeout_ms for an engine to apply command seq of crisis (LISTEN
 * tocsin_applied, and a read after 20 ms, 40 ms, ... every second, for where
 * no notification comes: a transaction pooler). *state is 1 applied, 2 refused (with *error, caller frees),
 * 0 still pending at the timeout (with *error the reason an engine has set
 * the crisis aside, when it has).
 */
int tc_store_wait_applied(PGconn *conn, int64_t crisis, int64_t seq, int timeout_ms, int *state, char **error,
                          tc_error *err);

/* Records a command (tocsin.submit) with its signature ({"key_id", "signed", "signature"}; NULL: none). Fills
 * seq and whether the key made it a repeat. */
int tc_store_submit(PGconn *conn, int64_t crisis, const char *kind, json_t *args, const char *key,
                    json_t *signature, int64_t *seq, int *duplicate, tc_error *err);

/* A crisis as the client needs it to check a command: its playbook source and state text (caller frees). */
int tc_store_crisis_load(PGconn *conn, int64_t id, char **source, char **state, char **status, tc_error *err);

/*
 * The command this role recorded on crisis with key, if any: *found 0 or 1,
 * with its seq, kind and args (caller decrefs).
 */
int tc_store_command_by_key(PGconn *conn, int64_t crisis, const char *key, int *found, int64_t *seq,
                            char **kind, json_t **args, tc_error *err);

/* The audit of a crisis, oldest first: [{"seq", "crisis", "at", "actor", "login", "kind", "state", "detail",
 * "prev_hash", "hash"}]. */
int tc_store_audit(PGconn *conn, int64_t crisis, json_t **events, tc_error *err);

/* The events of crisis after seq `after`, oldest first, as tc_store_audit has them (with "signature" where
 * an event has one) and, with canonical, the text PostgreSQL hashes for each (tocsin.audit_canonical).
 * TC_ENOTFOUND when the crisis does not exist or the role may not read it (after 0). */
int tc_store_audit_rows(PGconn *conn, int64_t crisis, int64_t after, int canonical, json_t **events,
                        tc_error *err);

/* The events after seq `after`, and the crisis's status now (caller frees). */
int tc_store_audit_since(PGconn *conn, int64_t crisis, int64_t after, json_t **events, char **status,
                         tc_error *err);

/* LISTENs on channel (a constant of the project), and waits up to timeout_ms for any notification. */
int tc_store_listen(PGconn *conn, const char *channel, tc_error *err);
int tc_store_wait_notification(PGconn *conn, int timeout_ms, tc_error *err);

/* Verifies every chain (crisis 0) or one: *broken is [{"crisis", "seq", "expected", "stored"}], *events the
 * count checked. */
int tc_store_audit_verify(PGconn *conn, int64_t crisis, json_t **broken, long long *events, long long *crises,
                          tc_error *err);

#endif
