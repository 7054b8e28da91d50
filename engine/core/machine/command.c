/* Command kinds by name, and command arguments to and from JSON (core/machine/command.h). */
#include "core/machine/command.h"

#include <string.h>

static const struct {
    const char *name;
    int command; /* recorded in tocsin.commands */
} kinds[TC_EVENT_KIND_COUNT] = {
    [TC_EVENT_TRIGGER] = {"trigger", 1},       [TC_EVENT_VOTE] = {"vote", 1},
    [TC_EVENT_COMPLETE] = {"complete", 1},     [TC_EVENT_ACK] = {"ack", 1},
    [TC_EVENT_ESCALATE] = {"escalate", 1},     [TC_EVENT_CANCEL] = {"cancel", 1},
    [TC_EVENT_TIMER] = {"timer", 0},           [TC_EVENT_ACTION_RESULT] = {"action_result", 0},
    [TC_EVENT_AMEND] = {"amend", 1},           [TC_EVENT_DELEGATE] = {"delegate", 1},
    [TC_EVENT_UNDELEGATE] = {"undelegate", 1},
};

/* The arguments, in the order they are written; resolved: the dry run may fill it in. */
static const struct {
    const char *key;
    int resolved;
} args_keys[] = {{"state", 1}, {"party", 1}, {"vote", 0}, {"reason", 0}, {"outcome", 0},
                 {"data", 0},  {"seat", 0},  {"to", 0},   {"until", 0},  {"for", 0}};

const char *tc_event_kind_name(tc_event_kind kind)
{
    return (unsigned)kind < TC_EVENT_KIND_COUNT ? kinds[kind].name : "?";
}

int tc_event_is_command(tc_event_kind kind)
{
    return (unsigned)kind < TC_EVENT_KIND_COUNT && kinds[kind].command;
}

int tc_command_kind_parse(const char *name)
{
    for (int k = 0; name != NULL && k < TC_EVENT_KIND_COUNT; k++)
        if (kinds[k].command && strcmp(kinds[k].name, name) == 0)
            return k;
    return -1;
}

json_t *tc_command_encode(const tc_event *ev)
{
    json_t *args = json_object();
    if (ev->state)
        json_object_set_new(args, "state", json_string(ev->state));
    if (ev->party)
        json_object_set_new(args, "party", json_string(ev->party));
    if (ev->kind == TC_EVENT_VOTE)
        json_object_set_new(args, "vote", json_string(tc_vote_name(ev->vote)));
    if (ev->reason)
        json_object_set_new(args, "reason", json_string(ev->reason));
    if (ev->outcome)
        json_object_set_new(args, "outcome", json_string(ev->outcome));
    if (ev->data)
        json_object_set(args, "data", ev->data);
    if (ev->seat)
        json_object_set_new(args, "seat", json_string(ev->seat));
    if (ev->to)
        json_object_set_new(args, "to", json_string(ev->to));
    if (ev->until)
        json_object_set_new(args, "until", json_string(ev->until));
    if (ev->for_s > 0)
        json_object_set_new(args, "for", json_integer(ev->for_s));
    return args;
}

static const char *str(json_t *args, const char *key)
{
    return json_string_value(json_object_get(args, key));
}

void tc_command_decode_args(json_t *args, tc_event *ev)
{
    ev->state = str(args, "state");
    ev->party = str(args, "party");
    int vote = tc_vote_parse(str(args, "vote"));
    ev->vote = vote < 0 ? TC_VOTE_NONE : (tc_vote)vote;
    ev->reason = str(args, "reason");
    ev->outcome = str(args, "outcome");
    ev->data = json_object_get(args, "data");
    ev->seat = str(args, "seat");
    ev->to = str(args, "to");
    ev->until = str(args, "until");
    json_t *for_s = json_object_get(args, "for");
    ev->for_s = json_is_integer(for_s) ? (long long)json_integer_value(for_s) : 0;
}

int tc_command_decode(const char *name, json_t *args, tc_event *ev, tc_error *err)
{
    int kind = tc_command_kind_parse(name);
    if (kind < 0)
        return tc_error_set(err, TC_EINVAL, "unknown command %s", name ? name : "(none)");
    ev->kind = (tc_event_kind)kind;
    tc_command_decode_args(args, ev);
    return 0;
}

int tc_command_args_same(json_t *want, json_t *args)
{
    for (size_t i = 0; i < sizeof args_keys / sizeof args_keys[0]; i++) {
        json_t *w = json_object_get(want, args_keys[i].key), *a = json_object_get(args, args_keys[i].key);
        if (w != NULL && !json_equal(w, a))
            return 0;
        if (!args_keys[i].resolved && (w == NULL) != (a == NULL))
            return 0;
    }
    return 1;
}
