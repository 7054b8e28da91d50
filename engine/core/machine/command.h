/*
 * The vocabulary of commands, in one place: the name of every kind of event
 * (what tocsin.commands.kind, the audit's "refused" lines and the CLI's JSON
 * call it), which kinds are commands that actors record, and the one codec
 * between a command and the JSON arguments it is recorded with
 * (tocsin.commands.args): {"state", "party", "vote", "reason", "outcome",
 * "data", "seat", "to", "until", "for"}, each present only when given.
 *
 * The client encodes, the engine decodes, the simulator reads its script's
 * arguments with the same decoder. The SQL names the command kinds again (the
 * CHECK on tocsin.commands.kind, submit()); test_vocabulary fails when its list
 * and this one differ.
 */
#ifndef TC_CORE_COMMAND_H
#define TC_CORE_COMMAND_H

#include <jansson.h>

#include "core/base/error.h"
#include "core/machine/event.h"

/* The name of kind ("vote", "timer"); "?" for a value outside the enum. Static. */
const char *tc_event_kind_name(tc_event_kind kind);

/* Whether kind is a command: recorded in tocsin.commands (trigger, vote, complete, ack, escalate,
 * cancel, amend, delegate, undelegate), not an event of the engine's own (timer, action_result). */
int tc_event_is_command(tc_event_kind kind);

/* The command kind named name; -1 when name (may be NULL) names no command. */
int tc_command_kind_parse(const char *name);

/*
 * The arguments of command ev as recorded: state and party when given, vote
 * for a vote, reason, outcome and data when given. Returns a new reference.
 */
json_t *tc_command_encode(const tc_event *ev);

/*
 * Reads a recorded command: its kind from name, its arguments from args (an
 * object; anything else reads as no arguments). Fills ev's kind, state,
 * party, vote, reason, outcome and data, borrowed from args, and leaves the
 * rest of ev (the actor) alone. TC_EINVAL for a name that is no command.
 */
int tc_command_decode(const char *name, json_t *args, tc_event *ev, tc_error *err);

/* The arguments alone (what tc_command_decode reads from args), for readers that know the kind. A value
 * of the wrong type reads as absent; an unknown vote as TC_VOTE_NONE. */
void tc_command_decode_args(json_t *args, tc_event *ev);

/*
 * Whether args, as recorded, are the arguments want (tc_command_encode's, as
 * the operator gave them): every argument of want is in args with the same
 * value, and args gives no vote, reason, outcome or data that want has not
 * (state and party may have been resolved when the command was recorded).
 */
int tc_command_args_same(json_t *want, json_t *args);

#endif
