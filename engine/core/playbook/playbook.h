/*
 * Compiled playbooks: the immutable graph that the state machine runs.
 *
 * tc_playbook_compile() parses a playbook (docs/playbook-format.md), checks
 * all of it, and builds this graph: states by index, outcomes resolved to the
 * index of their target, durations in milliseconds, roles and parties as
 * indexes into the playbook's own lists. Every pointer inside a tc_playbook
 * lives as long as the playbook and belongs to it; nothing in it changes after
 * compilation, so one compiled playbook may serve any number of crises.
 */
#ifndef TC_CORE_PLAYBOOK_H
#define TC_CORE_PLAYBOOK_H

#include <jansson.h>
#include <stddef.h>

#include "core/playbook/condition.h"
#include "core/base/diag.h"
#include "core/playbook/duration.h"
#include "core/base/error.h"

#define TC_PLAYBOOK_FORMAT "tocsin-playbook/1"

typedef enum tc_state_type {
    TC_STATE_TASK,     /* someone must do something and report back */
    TC_STATE_APPROVAL, /* a decision by seats */
    TC_STATE_CHOICE,   /* route on data, at once */
    TC_STATE_PARALLEL, /* branches that run at the same time */
    TC_STATE_ACTION,   /* the engine runs a program */
    TC_STATE_WAIT,     /* let time pass */
    TC_STATE_END,      /* the crisis, or a branch, is over */
} tc_state_type;

/* Ordered: a level's severity only ever raises the crisis's. */
typedef enum tc_severity {
    TC_SEVERITY_UNKNOWN,
    TC_SEVERITY_MINOR,
    TC_SEVERITY_MODERATE,
    TC_SEVERITY_SEVERE,
    TC_SEVERITY_EXTREME,
} tc_severity;

typedef enum tc_mode { TC_MODE_ACTUAL, TC_MODE_EXERCISE, TC_MODE_TEST } tc_mode;

/* Types of inputs and task outputs. */
typedef enum tc_value_type {
    TC_VALUE_STRING,
    TC_VALUE_INTEGER,
    TC_VALUE_NUMBER,
    TC_VALUE_BOOLEAN,
    TC_VALUE_PARTY, /* a string naming one of the playbook's parties */
} tc_value_type;

typedef enum tc_rule_kind {
    TC_RULE_ANY,       /* one seat approves */
    TC_RULE_UNANIMOUS, /* every seat approves */
    TC_RULE_CONSENSUS, /* every seat approves or abstains, at least one approves */
    TC_RULE_MAJORITY,  /* approvals > half the seats, or >= fraction of the seats */
    TC_RULE_QUORUM,    /* at least min seats approve */
    TC_RULE_SILENCE,   /* the deadline passes with no reject */
} tc_rule_kind;

typedef enum tc_complete_kind { TC_COMPLETE_ALL, TC_COMPLETE_ANY, TC_COMPLETE_MIN } tc_complete_kind;

typedef enum tc_until { TC_UNTIL_ACK, TC_UNTIL_DONE } tc_until;

typedef struct tc_role {
    const char *id;
    const char *title;
    int per_party; /* one seat per party ("council/KZ") rather than one office */
} tc_role;

/* An input of the playbook or an output of a task. */
typedef struct tc_field {
    const char *name;
    tc_value_type type;
    int required;
    const char *title;     /* NULL when absent */
    json_t *default_value; /* borrowed from the source; NULL when absent */
    json_t *enum_values;   /* borrowed array; NULL when absent */
    int has_min, has_max;
    double min, max;
} tc_field;

/* Parties as indexes into tc_playbook.parties. */
typedef struct tc_party_list {
    int all; /* written "all": every party of the crisis */
    const int *index;
    size_t count;
} tc_party_list;

/* Roles as indexes into tc_playbook.roles. */
typedef struct tc_role_list {
    int given; /* the key was present (else the format's default applies) */
    const int *index;
    size_t count;
} tc_role_list;

typedef struct tc_level {
    tc_ms after; /* since entering the state */
    tc_role_list notify;
    int severity; /* a tc_severity to raise the crisis to, or -1 */
} tc_level;

typedef struct tc_escalation {
    const tc_level *levels;
    size_t level_count;
    int repeat; /* further rounds after the first */
    tc_until until;
} tc_escalation;

/* An outcome and the state it leads to. */
typedef struct tc_transition {
    const char *outcome;
    int target; /* index into tc_playbook.states */
} tc_transition;

typedef struct tc_rule {
    tc_rule_kind kind;
    int min;                    /* quorum */
    int numerator, denominator; /* majority with a fraction; 0/0 means more than half */
} tc_rule;

typedef struct tc_choice {
    const tc_cond *when;
    int target;
} tc_choice;

typedef struct tc_machine tc_machine;

typedef struct tc_state {
    int index;         /* in tc_playbook.states */
    const char *id;    /* as written, local to its machine */
    const char *path;  /* the canonical name: "operate/border/patrol"; the id at top level */
    const char *where; /* its JSON path in the source, "$.states.operate.branches..." */
    tc_state_type type;
    const char *title; /* NULL when absent */
    const tc_machine *machine;
    tc_ms deadline;                  /* 0 when none */
    const tc_escalation *escalation; /* NULL when none */
    const tc_transition *next;       /* every outcome the state can produce, nothing else */
    size_t next_count;
    int signatures_required; /* a task or approval: "signatures": "required" (docs/signatures.md) */

    struct {
        int role;
        tc_party_list parties; /* count 0 for an office: one seat */
        tc_complete_kind complete;
        int complete_min;
        const char *const *outcomes; /* extra outcomes besides done */
        size_t outcome_count;
        const tc_field *outputs;
        size_t output_count;
    } task;
    struct {
        int role;
        tc_party_list parties; /* count 0 for an office: one seat */
        tc_rule rule;
        tc_party_list veto;
        int exclude_initiator;
    } approval;
    struct {
        const tc_choice *choices;
        size_t count;
        int otherwise;
    } choice;
    struct {
        const tc_machine *const *branches;
        size_t count;
        int can_fail; /* some branch can reach an end whose outcome is failed */
    } parallel;
    struct {
        const char *const *argv;
        size_t argc;
        tc_ms timeout;
        int retry_max;
        tc_ms retry_backoff; /* doubles after each retry */
    } action;
    struct {
        tc_ms duration;
    } wait;
    struct {
        const char *outcome;
    } end;
} tc_state;

/* The states of the playbook, or of one branch of a parallel. */
struct tc_machine {
    const char *name;       /* the branch name; NULL for the playbook's own machine */
    const char *prefix;     /* prepended to ids to form paths: "operate/border/", or "" */
    const tc_state *parent; /* the parallel state; NULL at top level */
    int start;              /* index into tc_playbook.states */
    const int *states;      /* indexes, in document order */
    size_t count;
};

typedef struct tc_playbook {
    const char *name;
    const char *title;
    const char *description; /* NULL when absent */
    const char *const *parties;
    size_t party_count;
    const char *const *observers;
    size_t observer_count;
    const tc_role *roles;
    size_t role_count;
    const tc_field *inputs;
    size_t input_count;
    tc_role_list permit_trigger, permit_escalate, permit_cancel;
    const tc_machine *root;
    const tc_state *states; /* every state, nested ones included, depth first in document order */
    size_t state_count;
    json_t *source; /* the parsed document (owned reference) */
    /* private */
    struct tc_arena *arena;
    struct tc_strindex *paths;
} tc_playbook;

/*
 * Compiles the playbook in text (length bytes of JSON). On success *out owns
 * the compiled playbook. When the text is not a valid playbook the call
 * returns TC_EINVAL and diags (when not NULL) receives every problem found,
 * each with its JSON path (or, for a syntax error, its line and column).
 * Memory running out aborts (core/base/alloc.h): there is no other error.
 */
int tc_playbook_compile(const char *text, size_t length, tc_playbook **out, tc_diags *diags, tc_error *err);

/*
 * Whether text is a JSON Schema document (a top-level "$schema" naming
 * json-schema.org) rather than a playbook: workflows/playbook.schema.json
 * lives beside the playbooks, so "playbook validate workflows/(all).json" skips it.
 */
int tc_playbook_is_json_schema(const char *text, size_t length);

/* Frees a compiled playbook; NULL is a no-op. */
void tc_playbook_free(tc_playbook *playbook);

/*
 * What the database needs to check a command's seat without reading the
 * playbook's JSON: for each state that seats act on (tasks and approvals),
 * by path, {"role", "per_party", "exclude_initiator"}, and "signatures": "required" where the state
 * requires them. Stored with the
 * version when it is loaded (tocsin.playbooks.states). Never NULL: memory
 * running out aborts (core/base/alloc.h).
 */
json_t *tc_playbook_seats_json(const tc_playbook *playbook);

/* Lookups; NULL or -1 when absent. A NULL name (a JSON value that was not a string) is absent. */
const tc_state *tc_playbook_state(const tc_playbook *playbook, const char *path);
int tc_playbook_role(const tc_playbook *playbook, const char *id);
int tc_playbook_party(const tc_playbook *playbook, const char *id);
int tc_playbook_input(const tc_playbook *playbook, const char *name);

/* The state an outcome of state leads to, or NULL when it has none. */
const tc_state *tc_state_next(const tc_playbook *playbook, const tc_state *state, const char *outcome);

/* Names and parsing of the enumerations; parse functions return -1 for unknown words. */
const char *tc_state_type_name(tc_state_type type);
const char *tc_severity_name(tc_severity severity);
int tc_severity_parse(const char *word);
const char *tc_mode_name(tc_mode mode);
int tc_mode_parse(const char *word);
const char *tc_value_type_name(tc_value_type type);
const char *tc_rule_kind_name(tc_rule_kind kind);

#endif
