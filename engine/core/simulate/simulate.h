/*
 * The simulator behind `tocsin simulate`: the state machine with a virtual
 * clock and no database, driven by a script (docs/cli.md). Timers fire when
 * virtual time reaches them; actions are not run (each ends ok at once unless
 * the script names it with an "action" event); commands that cannot apply are
 * recorded in the timeline as "refused" and the run goes on.
 */
#ifndef TC_CORE_SIMULATE_H
#define TC_CORE_SIMULATE_H

#include <jansson.h>

#include "core/playbook/playbook.h"

/*
 * Runs script against playbook. On success *out (a new reference) is
 *   {"status", "outcome", "severity", "escalation_level", "active": [paths],
 *    "data", "timeline": [{"t": seconds, "kind", "state", "actor", "detail"}]}
 * Returns TC_EINVAL when the script does not validate (err says where), or
 * when the trigger itself is refused.
 */
int tc_simulate(const tc_playbook *playbook, json_t *script, json_t **out, tc_error *err);

#endif
