/*
 * The engine's database work: claiming crises with what each must apply, and
 * writing their transitions back. A batch is one transaction and, in the
 * common case, two round trips: tc_store_take (BEGIN and the claim, with every
 * crisis's commands, due timers and the seats of their actors) and
 * tc_store_write (every transition in one statement, COMMIT, the next due
 * time, and the NOTIFY tocsin_applied in a transaction of its own), each
 * sent as a libpq pipeline.
 */
#ifndef TC_STORE_WORK_H
#define TC_STORE_WORK_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/playbook/duration.h"
#include "core/base/error.h"

/* A claimed crisis: its row, locked until the batch ends. Strings are owned. */
typedef struct tc_claim {
    int64_t id;
    char *playbook;
    int version;
    char *state; /* NULL until the trigger is applied */
    int64_t revision;
    char *title, *severity, *mode, *initiator;
    json_t *parties, *inputs;
    tc_ms created_at;
    struct tc_work_item *items; /* from tc_store_take: what to apply, in order */
    size_t item_count;
} tc_claim;

/* One thing to apply to a claimed crisis: a command or a due timer. */
typedef struct tc_work_item {
    tc_ms at;    /* recorded_at of a command, due time of a timer */
    int64_t seq; /* the command's, 0 for a timer */
    char *kind;  /* "vote", ..., or "timer" */
    char *actor; /* acting role and login of a command */
    char *login;
    json_t *args; /* the command's arguments */
    char *timer;  /* the timer's key */
    /* the seats delegated to the actor that cover the command, [{"seat", "holder"}], or NULL */
    json_t *delegated;
    /* a signed command's signature as recorded, {"key_id", "signed", "signature"}, and its idempotency key;
     * NULL when unsigned */
    json_t *signature;
    char *idem_key;
    /* the Ed25519 check of signature when the batch made it first (sign/verify_all.h): 1 holds, -1 does
     * not; 0 not made */
    int verified;
} tc_work_item;

int tc_store_work_begin(PGconn *conn, tc_error *err);
int tc_store_work_end(PGconn *conn, int commit, tc_error *err);

/* Prepares the statements of tc_store_take and tc_store_write on a new connection: call it once per
 * connection, before them. */
int tc_store_work_prepare(PGconn *conn, tc_error *err);

/*
 * Opens the batch's transaction (unless one is open) and claims up to limit
 * crises with work due by now (FOR NO KEY UPDATE SKIP LOCKED), each with its
 * items, passing over the skip_count crises in skip (set aside by the
 * engine). *actors is {role: {"seats": [...], "admin": bool}} for the roles of
 * those commands, or NULL. Owned by the caller (tc_claims_free, json_decref).
 */
int tc_store_take(PGconn *conn, int limit, tc_ms now, const int64_t *skip, size_t skip_count,
                  tc_claim **claims, size_t *count, json_t **actors, tc_error *err);
/* Locks one crisis, waiting for it (for results of actions). TC_ENOTFOUND when it does not exist. */
int tc_store_lock(PGconn *conn, int64_t id, tc_claim **claim, tc_error *err);
void tc_claims_free(tc_claim *claims, size_t count);

void tc_work_items_free(tc_work_item *items, size_t count);

/* The source of playbook name@version (caller frees) and the sha256 its version is known by (64 hex digits).
 */
int tc_store_playbook_source(PGconn *conn, const char *name, int version, char **source, char sha256[65],
                             tc_error *err);

/* The seats and admin flag of role (caller decrefs seats). */
int tc_store_role_seats(PGconn *conn, const char *role, json_t **seats, int *admin, tc_error *err);

/* The transitions of a batch, gathered for one write. */
typedef struct tc_writes tc_writes;

tc_writes *tc_writes_new(void);
void tc_writes_free(tc_writes *writes);
size_t tc_writes_count(const tc_writes *writes);

/*
 * Adds a crisis's transition: its state (the instance's JSON text), audit
 * events, timers set [{"key","due_ms"}], keys cleared, command results
 * [{"seq","result","error"}]. A crisis may be added once per write.
 */
int tc_writes_add(tc_writes *writes, int64_t crisis, int64_t revision, const char *state, const json_t *audit,
                  const json_t *timers, const json_t *cleared, const json_t *commands, tc_error *err);

/*
 * Writes the transitions gathered (tocsin.commit_batch) and empties writes;
 * with commit, also commits, sends one NOTIFY tocsin_applied listing every
 * crisis written since the last commit, and reads the
 * earliest due time of any timer of a crisis not in skip into *next_due (-1
 * when none), in the same round trip. TC_ECONFLICT when a crisis changed
 * since it was read; the transaction must then be rolled back.
 */
int tc_store_write(PGconn *conn, tc_writes *writes, int commit, const int64_t *skip, size_t skip_count,
                   tc_ms *next_due, tc_error *err);

/*
 * Records that engine has set crisis aside, as it stood at revision, until
 * `until`, for reason (tocsin.set_aside: what `tocsin show` says), counting
 * the times at that revision; its own statement, outside any batch. The
 * record holds while the crisis stays at that revision: the next write of
 * the crisis makes it stale, with no statement of its own.
 */
int tc_store_set_aside(PGconn *conn, int64_t crisis, int64_t revision, const char *engine, const char *reason,
                       tc_ms until, tc_error *err);

#endif
