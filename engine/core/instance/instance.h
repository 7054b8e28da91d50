/*
 * The state of one crisis as the state machine sees it: a plain value that
 * serialises to JSON and back without loss (the store keeps it in a jsonb
 * column) and that tc_machine_apply() changes one event at a time.
 *
 * A crisis has at most one activation per state at a time: a state's path is
 * unique, a machine (the playbook's or a branch's) is in one state at a time,
 * and re-entering a state starts a new visit. So activations are found by the
 * index of their state, and a timer names its state, its visit and its
 * purpose ("council#2:deadline"); a timer of an earlier visit is stale and
 * ignored.
 *
 * Times are milliseconds since the Unix epoch, given by the caller in every
 * event; the core never reads a clock.
 */
#ifndef TC_CORE_INSTANCE_H
#define TC_CORE_INSTANCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/playbook/playbook.h"

typedef enum tc_status { TC_STATUS_ACTIVE, TC_STATUS_CLOSED, TC_STATUS_CANCELLED } tc_status;

typedef enum tc_vote { TC_VOTE_NONE, TC_VOTE_APPROVE, TC_VOTE_REJECT, TC_VOTE_ABSTAIN } tc_vote;

/* One seat of an active task or approval. Strings are owned by the instance. */
typedef struct tc_seat {
    int party; /* index into the playbook's parties; -1 for an office */
    /* approval */
    tc_vote vote;
    char *vote_by;
    tc_ms vote_at;
    char *reason;
    /* task */
    int done;
    char *outcome;
    char *done_by;
    tc_ms done_at;
    char *acked_by;
    tc_ms acked_at;
} tc_seat;

/* An active state (a leaf, or a parallel whose branches are running). */
typedef struct tc_activation {
    int state; /* index into the playbook's states */
    int visit; /* from 1 */
    tc_ms entered_at;
    int level;      /* highest escalation level reached in this visit; 0 none */
    tc_seat *seats; /* tasks and approvals */
    size_t seat_count;
    int attempt;            /* action: the attempt running or waiting to retry (from 1) */
    int running;            /* action: an attempt is running now */
    char **branch_outcomes; /* parallel: per branch, the outcome of the end it reached, or NULL */
    size_t branch_count;
} tc_activation;

typedef struct tc_instance {
    int64_t id; /* the crisis id, given by the store (0 in simulations) */
    tc_status status;
    char *outcome; /* once closed */
    tc_severity severity;
    tc_mode mode;
    int *parties; /* indexes into the playbook's parties: the crisis's subset, in playbook order */
    size_t party_count;
    char *initiator;       /* the role that triggered it */
    char *initiator_login; /* the login (the person) that triggered it; NULL when not known */
    char *title;
    json_t *inputs;       /* object, defaults filled in */
    json_t *data;         /* object: data.<path> of tasks and actions */
    json_t *tallies;      /* object: path -> {approve, reject, abstain} of each approval's latest visit */
    int escalation_level; /* highest reached by any state; never decreases */
    int triggered;        /* the trigger event has been applied */
    tc_ms created_at;
    tc_ms closed_at; /* 0 while active */
    int *visits;     /* per state index: visits so far */
    size_t state_count;
    tc_activation *active;
    size_t active_count;
    size_t active_capacity;
} tc_instance;

/*
 * A new crisis of playbook, not yet triggered: status active, no active state.
 * The fields of the trigger are filled by tc_trigger_prepare(). Never NULL:
 * out of memory aborts (core/base/alloc.h).
 */
tc_instance *tc_instance_new(const tc_playbook *playbook);

void tc_instance_free(tc_instance *instance);

/* A deep copy (through JSON), or NULL when the instance does not round-trip (text of its own, such as a
 * reason, that is not UTF-8; never for one read from the database, which from_text checked). */
tc_instance *tc_instance_copy(const tc_playbook *playbook, const tc_instance *instance);

/* Frees what an activation owns and zeroes it. */
void tc_activation_clear(tc_activation *activation);

/* The activation of state index, or NULL when that state is not active. */
tc_activation *tc_instance_activation(const tc_instance *instance, int state);

/*
 * The instance as a JSON object (a new reference), and back. The JSON names
 * states and parties by path and name, so it reads well in the database;
 * from_json checks it against the playbook and fails with TC_EINVAL when it
 * does not fit. to_json returns NULL when the crisis's own text (a reason,
 * a data value) is not UTF-8, which JSON cannot hold.
 */
json_t *tc_instance_to_json(const tc_playbook *playbook, const tc_instance *instance);
int tc_instance_from_json(const tc_playbook *playbook, json_t *json, tc_instance **out, tc_error *err);

/*
 * The same document as text, fast: the engine's path, paid on every event.
 * to_text returns compact JSON (caller frees; never NULL: it writes the
 * crisis's own text as it is, and the database refuses what is not UTF-8);
 * from_text accepts any JSON text of the document (jsonb's spacing and key
 * order included) with the errors of from_json.
 */
char *tc_instance_to_text(const tc_playbook *playbook, const tc_instance *instance);
int tc_instance_from_text(const tc_playbook *playbook, const char *text, size_t length, tc_instance **out,
                          tc_error *err);

const char *tc_status_name(tc_status status);
const char *tc_vote_name(tc_vote vote);
int tc_vote_parse(const char *word); /* -1 when unknown */

#endif
