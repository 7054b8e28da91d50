/*
 * What a person (or a script) sees of a crisis: the "active" part of
 * `tocsin show --json` and `tocsin list --json` (docs/cli.md), computed from
 * the compiled playbook and the instance. Times are ISO 8601 in UTC.
 */
#ifndef TC_CORE_VIEW_H
#define TC_CORE_VIEW_H

#include <jansson.h>

#include "core/instance/instance.h"

/*
 * The active leaf states: [{"state", "path", "type", "visit", "entered_at",
 * "deadline", "escalation_level", "tally"?, "seats"?}]. With brief, only
 * state, path, type and deadline (for list). A new reference, or NULL when
 * out of memory.
 */
json_t *tc_view_active(const tc_playbook *playbook, const tc_instance *instance, int brief);

/* ms since the epoch as "2026-11-27T10:00:00Z" (or with ".123" when not whole seconds); buf of 32 bytes. */
char *tc_view_time(tc_ms ms, char *buf, size_t size);

#endif
