/*
 * What an actor holds: its own seats, and in the crisis at hand the seats
 * delegated to it (docs/architecture.md, "Delegation"). A delegated seat lets
 * it vote, complete and acknowledge for that seat; it gives no permission to
 * trigger, escalate or cancel, and it cannot be delegated on.
 */
#ifndef TC_CORE_ACTOR_H
#define TC_CORE_ACTOR_H

#include <jansson.h>

#include "core/machine/event.h"

/* Whether actor holds seat, its own or delegated to it. */
int tc_actor_holds(const tc_actor *actor, const char *seat);

/* Whether actor holds seat as its own (not by delegation). */
int tc_actor_holds_own(const tc_actor *actor, const char *seat);

/* The role that delegated seat to actor, when actor holds it by delegation alone; NULL otherwise. */
const char *tc_actor_holder(const tc_actor *actor, const char *seat);

/*
 * The delegations of list, [{"seat", "holder"}, ...] as the store gives
 * them, into a new array (free() it) whose strings are borrowed from list;
 * entries without both strings are skipped. *count 0 for an empty list or
 * NULL. Never NULL (out of memory aborts: core/base/alloc.h).
 */
tc_delegation *tc_delegations_read(json_t *list, size_t *count);

#endif
