/*
 * The engine's database work: claiming crises, reading what each must apply,
 * and writing a transition back. All of it runs inside one transaction per
 * batch, opened and committed by the caller (tc_store_work_begin/end), so a
 * batch of many crises costs one commit.
 */
#ifndef TC_STORE_WORK_H
#define TC_STORE_WORK_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/duration.h"
#include "core/error.h"

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
} tc_work_item;

int tc_store_work_begin(PGconn *conn, tc_error *err);
int tc_store_work_end(PGconn *conn, int commit, tc_error *err);

/* Claims up to limit crises with work due by now (FOR UPDATE SKIP LOCKED). *claims is owned (tc_claims_free).
 */
int tc_store_claim(PGconn *conn, int limit, tc_ms now, tc_claim **claims, size_t *count, tc_error *err);
/* Locks one crisis, waiting for it (for results of actions). TC_ENOTFOUND when it does not exist. */
int tc_store_lock(PGconn *conn, int64_t id, tc_claim **claim, tc_error *err);
void tc_claims_free(tc_claim *claims, size_t count);

/* The crisis's pending commands and timers due by now, in the order to apply them. */
int tc_store_pending(PGconn *conn, int64_t crisis, tc_ms now, tc_work_item **items, size_t *count,
                     tc_error *err);
void tc_work_items_free(tc_work_item *items, size_t count);

/* The source of playbook name@version (caller frees). */
int tc_store_playbook_source(PGconn *conn, const char *name, int version, char **source, tc_error *err);

/* The seats and admin flag of role (caller decrefs seats). */
int tc_store_role_seats(PGconn *conn, const char *role, json_t **seats, int *admin, tc_error *err);

/*
 * Writes a transition (tocsin.commit): state text, audit events, timers set
 * [{"key","due_ms"}], keys cleared, command results [{"seq","result","error"}].
 * TC_ECONFLICT when the revision moved.
 */
int tc_store_commit(PGconn *conn, int64_t crisis, int64_t revision, const char *state, json_t *audit,
                    json_t *timers, json_t *cleared, json_t *commands, tc_error *err);

/* The earliest due time of any timer (ms), or -1 when there is none. */
int tc_store_next_due(PGconn *conn, tc_ms *due, tc_error *err);

#endif
