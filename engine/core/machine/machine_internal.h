/*
 * Private to the state machine (machine*.c): the context of one apply and
 * the steps every part shares: entering and leaving states, audit, timers.
 */
#ifndef TC_CORE_MACHINE_INTERNAL_H
#define TC_CORE_MACHINE_INTERNAL_H

#include <stdio.h>

#include "core/machine/approval.h"
#include "core/machine/machine.h"

/* Transitions one event may cause before the machine gives up (a loop of choices). */
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
    int failed; /* out of memory, or too many steps: stop */
} run;

/* Effects. audit takes detail. */
void audit(run *r, tc_audit_kind kind, const tc_state *state, json_t *detail);
void timer_set(run *r, const tc_state *state, int visit, const char *purpose, tc_ms due);
void timer_clear(run *r, const tc_state *state, int visit, const char *purpose);
char *action_key(run *r, const tc_state *state, int visit);

/* Moving through the graph. */
void enter(run *r, const tc_state *state);
void leave(run *r, const tc_state *state, const char *outcome, json_t *detail);
void interrupt(run *r, tc_activation *a, const char *why);
void close_crisis(run *r, tc_status status, const char *outcome, json_t *detail);
int may_trigger(const tc_playbook *pb, const tc_actor *actor);

/* Seats: "council/KZ" or "secretariat". */
void seat_name(const tc_playbook *pb, const tc_state *state, int party, char *buf, size_t size);
int actor_holds(const tc_actor *actor, const char *seat);
/* The parties a state concerns: its own seats' parties, else the crisis's. */
json_t *notify_seats(run *r, const tc_state *state, const tc_role_list *roles);
void notify(run *r, const tc_state *state, const char *why, int level, json_t *seats);

/* Seats of a task or approval: one per party of the list in the crisis, or one office seat. */
int make_seats(run *r, tc_activation *a, const tc_party_list *parties);
json_t *seat_list(run *r, const tc_state *s, const tc_activation *a);

/* Checks a value against an input or output field; what ("input", "output") names it in err. */
int check_value(const tc_playbook *pb, const tc_field *field, json_t *value, const char *what, tc_error *err);

/* Parts, one file each. */
void approval_enter(run *r, tc_activation *a, const tc_state *s); /* machine_approval.c */
int approval_vote(run *r, const tc_state *s, tc_activation *a, tc_seat *seat);
void approval_tally(const tc_playbook *pb, const tc_instance *inst, const tc_state *s, const tc_activation *a,
                    tc_tally *t);
void approval_deadline(run *r, const tc_state *s, tc_activation *a);
void task_enter(run *r, tc_activation *a, const tc_state *s); /* machine_task.c */
int task_complete(run *r, const tc_state *s, tc_activation *a, tc_seat *seat);
int task_ack(run *r, const tc_state *s, tc_activation *a, tc_seat *seat);
int task_all_acked(const tc_activation *a);
void escalation_schedule(run *r, const tc_state *s, const tc_activation *a); /* machine_escalation.c */
void escalation_reach(run *r, const tc_state *s, tc_activation *a, int manual);
int escalation_levels(const tc_state *s);
void action_start(run *r, const tc_state *s, tc_activation *a); /* machine_action.c */
int action_result(run *r, const tc_state *s, tc_activation *a);
void action_timer(run *r, const tc_state *s, tc_activation *a, const char *purpose);
void choice_enter(run *r, const tc_state *s); /* machine_choice.c */

#endif
