/*
 * The state machine: one pure function that applies an event to a crisis.
 *
 *   tc_machine_apply(playbook, instance, event, now, effects, err)
 *
 * changes instance in place and appends to effects what the world must do
 * (audit, timers, notifications, actions, closing). now is the event's own
 * time, in milliseconds: when the command was recorded or the timer fell due,
 * so that a vote recorded before a deadline counts even if it is applied
 * after it. Nothing here reads a clock or does I/O; the same inputs give the
 * same outputs.
 *
 * A command that cannot apply is refused, and then neither the instance nor
 * the effects change:
 *   TC_ENOTFOUND  no such state (or party)
 *   TC_ECONFLICT  the crisis is closed, the state is not active or not
 *                 waiting for this, the seat already acted, no level is left
 *   TC_EPERM      the actor holds no seat the step waits for, or may not
 *                 trigger, escalate or cancel
 *   TC_EINVAL     outputs that do not validate, an unknown outcome, text
 *                 (reason, state, party, outcome, role) that is not UTF-8
 *   TC_EUSAGE     --state or --party left out where several would fit
 * A timer or action result that no longer applies (its visit or attempt is
 * over) is not an error: it is ignored and returns 0 with no effects.
 * TC_EFAILED, a step the machine cannot take (more than 10,000
 * transitions in one event, as a chain of choices that long; a state left
 * by an outcome its playbook does not map, which a compiled playbook never
 * has), is no refusal:
 * it leaves the instance changed halfway and effects added; discard both.
 */
#ifndef TC_CORE_MACHINE_H
#define TC_CORE_MACHINE_H

#include "core/machine/approval.h"
#include "core/machine/effects.h"
#include "core/machine/event.h"
#include "core/instance/instance.h"
#include "core/playbook/playbook.h"

int tc_machine_apply(const tc_playbook *playbook, tc_instance *instance, const tc_event *event, tc_ms now,
                     tc_effects *effects, tc_error *err);

/* A crisis about to be triggered: what `tocsin trigger` gives. */
typedef struct tc_trigger {
    json_t *inputs;             /* object of input values, or NULL */
    const char *title;          /* NULL: the playbook's title */
    const char *severity;       /* NULL: unknown */
    const char *mode;           /* NULL: actual */
    const char *const *parties; /* NULL: every party of the playbook */
    size_t party_count;
} tc_trigger;

/*
 * Checks a trigger and fills instance (new, from tc_instance_new) with it:
 * inputs with their defaults, the parties subset, severity, mode, title, the
 * initiator (actor->role) and created_at. Refuses with TC_EINVAL (an input,
 * party subset, severity or mode that does not validate, naming it; a title
 * that is not UTF-8) or TC_EPERM
 * (the actor may not trigger this playbook). The trigger event then enters the
 * start state.
 */
int tc_trigger_prepare(const tc_playbook *playbook, tc_instance *instance, const tc_trigger *trigger,
                       const tc_actor *actor, tc_ms now, tc_error *err);

/*
 * Every problem of a trigger at once (not whether the actor may trigger):
 * the title, severity and mode, each party unknown or given twice, each step
 * the parties leave without a seat (naming the parties it needs), each input
 * the playbook does not have, each required input missing, each value that
 * does not validate: one line each, appended to problems, in that order.
 * Inputs named in reported (an object, or NULL) are skipped: their problem
 * was said already (tc_trigger_input could not read them). Returns how many
 * it appended; tc_trigger_prepare refuses with the first of them.
 */
size_t tc_trigger_problems(const tc_playbook *playbook, const tc_trigger *trigger, const json_t *reported,
                           tc_diags *problems);

/*
 * Converts K=V from the command line into the JSON value input K of playbook
 * takes (a number for integer and number inputs, true/false for booleans, a
 * string otherwise). TC_EINVAL naming K for an unknown input or a value that
 * does not parse. *out is a new reference.
 */
int tc_trigger_input(const tc_playbook *playbook, const char *assignment, char **key, json_t **out,
                     tc_error *err);

/*
 * Every problem of a command's input at once, one line each, appended to
 * problems (tc_machine_apply refuses with the first of them). A completion:
 * an outcome the task does not have, fields it does not declare, values that
 * do not validate, required fields missing. An amendment: inputs the playbook
 * does not have, values that do not validate, a required input set to null,
 * or no change at all. Returns how many; 0 when there are none or when the
 * event is neither of these on an active crisis.
 */
size_t tc_machine_problems(const tc_playbook *playbook, const tc_instance *instance, const tc_event *event,
                           tc_diags *problems);

/*
 * The tally of an active approval (for show): counts by vote, pending seats,
 * and veto state. Returns 0, or -1 when state is not an active approval.
 */
int tc_machine_tally(const tc_playbook *playbook, const tc_instance *instance, int state, tc_tally *out);

#endif
