/*
 * What a person (or a script) sees of a crisis: the "active" part of
 * `tocsin show --json` and `tocsin list --json` (docs/cli.md), computed from
 * the compiled playbook and the instance. Times are ISO 8601 in UTC.
 */
#ifndef TC_CORE_VIEW_H
#define TC_CORE_VIEW_H

#include <jansson.h>

#include "core/instance/instance.h"
#include "core/machine/event.h"

/*
 * The active leaf states: [{"state", "path", "type", "visit", "entered_at",
 * "deadline", "escalation_level", "tally"?, "seats"?}]. With brief, only
 * state, path, type and deadline (for list). Beyond the contract, for show:
 * "title" (the state's, or null), on tasks "outcomes" (done and the task's
 * own), and on states with a ladder "escalation_levels" (how many there are)
 * and "next_escalation": {"level", "at", "notify": [roles]}, or null when no
 * level is left or every seat has acknowledged a ladder that runs until then.
 * A new reference; never NULL.
 */
json_t *tc_view_active(const tc_playbook *playbook, const tc_instance *instance, int brief);

/*
 * The decisions taken in a crisis, from its audit events of kind "left"
 * (events: [{"state", "at", "detail"}], oldest first): the approvals among
 * them that closed by their rule or deadline, [{"state", "title", "visit",
 * "outcome", "rule", "tally", "at"}] (tally {"approve", "reject", "abstain",
 * "pending"}). Other states, and approvals interrupted (by a parallel's
 * deadline, a cancel) without a decision, are skipped. A new reference.
 */
json_t *tc_view_decisions(const tc_playbook *playbook, json_t *events);

/*
 * What waits for actor in this crisis (`tocsin todo`, docs/cli.md): every
 * seat of an active task or approval that actor holds and that has not yet
 * voted or completed, one item each, and where the task's ladder runs until
 * every seat has acknowledged and this one has not, an item for the ack.
 * A vote that actor may not cast (an approval that excludes the initiator,
 * which actor is) is left out. Appends to items, an array:
 * {"crisis", "title", "state", "path", "type", "seat", "asked", "deadline"
 * (null when none), "escalation_level", "act"}, act being the exact command
 * ("tocsin vote 12 approve|reject|abstain --state council --party KZ").
 * A crisis that is not active has nothing open. Returns the number of items
 * appended.
 */
size_t tc_view_todo(const tc_playbook *playbook, const tc_instance *instance, const tc_actor *actor,
                    json_t *items);

/*
 * Sorts items of tc_view_todo, most urgent first: the soonest deadline first,
 * those without one after; then by crisis, path and seat, acks before
 * completions of the same seat.
 */
void tc_view_todo_sort(json_t *items);

/* ms since the epoch as "2026-11-27T10:00:00Z" (or with ".123" when not whole seconds); buf of 32 bytes. */
char *tc_view_time(tc_ms ms, char *buf, size_t size);

#endif
