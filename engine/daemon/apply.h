/*
 * Applying work to crises: one batch = one transaction in which up to N
 * claimed crises have their pending commands and due timers applied through
 * the core, in the order of their own time, and their transitions written.
 * Runs on a worker thread with its own connection; what the loop must do
 * afterwards (start or kill action programs, deliver notifications) comes
 * back as requests.
 */
#ifndef TC_DAEMON_APPLY_H
#define TC_DAEMON_APPLY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/playbook/duration.h"
#include "core/base/error.h"

typedef struct tc_applier tc_applier;

/* The result of an action program, to apply to its crisis. */
typedef struct tc_action_result {
    int64_t crisis;
    char *state;
    int attempt;
    int ok;
    json_t *data;   /* the program's JSON object, or NULL */
    json_t *detail; /* exit_status, duration_ms, output_tail, reason */
    tc_ms at;       /* when it ended */
} tc_action_result;

/* A crisis the engine has set aside, to record for operators (tocsin.set_aside). */
typedef struct tc_aside_note {
    int64_t crisis, revision;
    char *reason;
    tc_ms until;
} tc_aside_note;

typedef struct tc_batch {
    /* in */
    tc_action_result *results;
    size_t result_count;
    tc_ms now;
    int claim;     /* 0: apply the results only (shutting down) */
    int limit;     /* crises to claim at most; 0: the applier's batch size */
    int64_t *skip; /* crises set aside by the engine: not claimed, their timers not awaited (owned) */
    size_t skip_count;
    /* crises set aside since the last batch: recorded first, in their own transaction */
    tc_aside_note *asides;
    size_t aside_count;
    const char *engine; /* the engine's name, for those records */
    /* out */
    size_t claimed;  /* crises with work */
    size_t applied;  /* commands and timers applied */
    json_t *starts;  /* [{"crisis", "key", "state", "argv", "attempt", "timeout_ms", "mode", "document"}] */
    json_t *kills;   /* [key, ...] */
    json_t *notices; /* [{"crisis", "state", "mode", ...notification}] */
    json_t *actors;  /* role -> {"seats", "admin"}, read once per batch */
    tc_ms next_due;  /* earliest timer after the batch, -1 when none */
    size_t touched_count;     /* crises the batch locked: those of its results, and those it claimed */
    int64_t *touched;         /* them, in the order locked (owned) */
    int64_t touched_revision; /* the revision the first was read at */
    int64_t culprit;          /* when the batch failed because of one crisis: that crisis, else 0 */
    int64_t culprit_revision; /* the revision it failed at */
    tc_error aside_err;       /* why the crises set aside could not be recorded (code 0: they were) */
} tc_batch;

tc_applier *tc_applier_new(int batch_size);
void tc_applier_free(tc_applier *applier);

/* Runs one batch on conn. On failure the transaction is rolled back and nothing is lost: commands stay
 * pending. */
int tc_apply_batch(tc_applier *applier, PGconn *conn, tc_batch *batch, tc_error *err);

/* Frees the out fields of batch (and its results). */
void tc_batch_clear(tc_batch *batch);

void tc_action_result_clear(tc_action_result *result);

#endif
