/*
 * Private to the state machine (machine*.c, trigger.c): the context of one
 * apply and the steps every part shares: entering and leaving states, audit,
 * timers. Its functions are named tc__, private to this room (docs/style.md).
 */
#ifndef TC_CORE_MACHINE_INTERNAL_H
#define TC_CORE_MACHINE_INTERNAL_H

#include <stdio.h>

#include "core/machine/actor.h"
#include "core/machine/approval.h"
#include "core/machine/machine.h"

/* Transitions one event may cause before the machine gives up (the compiler refuses loops of choices,
 * but a playbook of 1 MiB can chain some 12,000). */
#define TC_MAX_STEPS 10000

typedef struct run {
    const tc_playbook *pb;
    tc_instance *inst;
    const tc_event *ev;
    tc_effects *fx;
    tc_error *err;
    tc_ms now;
    const char *actor; /* the acting role, or NULL */
    int steps;
    int failed; /* 0, or the code of the step that failed (too many steps, no next state): stop */
} run;

/* Effects. tc__audit takes detail. */
void tc__audit(run *r, tc_audit_kind kind, const tc_state *state, json_t *detail);
void tc__timer_set(run *r, const tc_state *state, int visit, const char *purpose, tc_ms due);
void tc__timer_clear(run *r, const tc_state *state, int visit, const char *purpose);
char *tc__action_key(run *r, const tc_state *state, int visit);

/* Moving through the graph. */
void tc__enter(run *r, const tc_state *state);
void tc__leave(run *r, const tc_state *state, const char *outcome, json_t *detail);
void tc__interrupt(run *r, tc_activation *a, const char *why);
void tc__close_crisis(run *r, tc_status status, const char *outcome, json_t *detail);
int tc__may_trigger(const tc_playbook *pb, const tc_actor *actor);

/* Seats: "council/KZ" or "secretariat". */
void tc__seat_name(const tc_playbook *pb, const tc_state *state, int party, char *buf, size_t size);
int tc__actor_holds(const tc_actor *actor, const char *seat); /* its own or delegated to it */
/* Adds "holder" to detail when the actor of r acts for seat by delegation: the seat's holder, who
 * delegated it (a delegate's vote is audited with both names). */
void tc__note_holder(const run *r, json_t *detail, const char *seat);
/*
 * The seats a ladder level that names roles tells (docs/architecture.md, "Notifications"): the
 * role that holds the seats of a (the state's activation), only for its seats that have
 * not acted (voted, completed or acknowledged); any other role as named, for a per-party role one
 * seat per party the state concerns (its own seats' parties, else the crisis's).
 */
json_t *tc__notify_seats(const tc_playbook *pb, const tc_instance *inst, const tc_state *state,
                         const tc_activation *a, const tc_role_list *roles);
void tc__notify(run *r, const tc_state *state, const char *why, int level, json_t *seats);

/* Seats of a task or approval: one per party of the list in the crisis, or one office seat. */
void tc__make_seats(run *r, tc_activation *a, const tc_party_list *parties);
json_t *tc__seat_list(run *r, const tc_state *s, const tc_activation *a);

/* Checks a value (not NULL) against an input or output field; what ("input", "output") names it in err. */
int tc__check_value(const tc_playbook *pb, const tc_field *field, json_t *value, const char *what,
                    tc_error *err);

/* Every problem of the inputs given: not an object, names the playbook does not have, required inputs
 * missing, values that do not validate. Inputs named in reported have had their problem said already
 * (trigger.c). */
void tc__inputs_problems(const tc_playbook *pb, json_t *given, const json_t *reported, tc_diags *problems);
/* Every problem of an amendment of inst's inputs to those of data (machine_amend.c); that it changes
 * nothing only when problems holds none at all. */
void tc__amend_problems(const tc_playbook *pb, const tc_instance *inst, json_t *data, tc_diags *problems);
int tc__amend(run *r);
/* Delegating a seat for this crisis, and ending it (machine_delegate.c). */
int tc__delegate(run *r);
int tc__undelegate(run *r);

/* Parts, one file each. */
void tc__approval_enter(run *r, tc_activation *a, const tc_state *s); /* machine_approval.c */
int tc__approval_vote(run *r, const tc_state *s, tc_activation *a, tc_seat *seat);
void tc__approval_tally(const tc_playbook *pb, const tc_instance *inst, const tc_state *s,
                        const tc_activation *a, tc_tally *t);
void tc__approval_deadline(run *r, const tc_state *s, tc_activation *a);
/* Whether actor is the person who triggered the crisis (the same role, or the same login). */
int tc__is_initiator_person(const tc_instance *inst, const tc_actor *actor);
void tc__task_enter(run *r, tc_activation *a, const tc_state *s); /* machine_task.c */
int tc__task_complete(run *r, const tc_state *s, tc_activation *a, tc_seat *seat);
/* Every problem of a completion's outcome and data, one line each (machine_task.c). */
void tc__task_problems(const tc_playbook *pb, const tc_state *s, const char *outcome, json_t *data,
                       tc_diags *problems);
int tc__task_ack(run *r, const tc_state *s, tc_activation *a, tc_seat *seat);
int tc__task_all_acked(const tc_activation *a);
void tc__escalation_schedule(run *r, const tc_state *s, const tc_activation *a); /* machine_escalation.c */
void tc__escalation_reach(run *r, const tc_state *s, tc_activation *a, int manual);
int tc__escalation_levels(const tc_state *s); /* s has a ladder */
/* When level (from 1, across rounds) of the ladder falls due in the visit a. */
tc_ms tc__escalation_due(const tc_state *s, const tc_activation *a, int level);
void tc__action_start(run *r, const tc_state *s, tc_activation *a); /* machine_action.c */
int tc__action_result(run *r, const tc_state *s, tc_activation *a);
void tc__action_timer(run *r, const tc_state *s, tc_activation *a, const char *purpose);
void tc__choice_enter(run *r, const tc_state *s); /* machine_choice.c */

#endif
