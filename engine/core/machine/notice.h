/*
 * What a notification tells each seat it names: the payload of its deliveries
 * (tocsin.notifications.payload, the webhook's JSON), built from the crisis as
 * the machine left it after the event. Pure: the engine (daemon/apply.c) puts
 * it beside the `notified` audit event of its batch, outside the audited
 * detail, and commit_batch writes one delivery per contact of each seat.
 *
 * Keys (shared/design/operations.md, "Contacts and notification delivery"):
 * crisis, title, playbook, state, state_title, seat, why, asked, level,
 * severity, mode, deadline (ISO 8601 UTC, or null), act (the exact tocsin
 * command that acts for that seat).
 */
#ifndef TC_CORE_MACHINE_NOTICE_H
#define TC_CORE_MACHINE_NOTICE_H

#include <jansson.h>

#include "core/instance/instance.h"
#include "core/playbook/playbook.h"

/*
 * For detail, the detail of a `notified` event on state (a path, or NULL) of
 * inst: a new object {seat: payload} for every seat of detail's "seats". The
 * act of a seat of the state's own task or approval is the command for it
 * ("tocsin vote 12 approve|reject|abstain --state council --party KZ",
 * "tocsin complete 12 --state report --party TJ"); for any other seat
 * "tocsin show 12".
 */
json_t *tc_notice_payloads(const tc_playbook *pb, const tc_instance *inst, const char *state,
                           const json_t *detail);

#endif
