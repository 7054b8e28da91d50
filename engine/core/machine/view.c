/* Building the "active" documents of show and list from an instance. */
#include "core/machine/view.h"

#include <stdio.h>
#include <time.h>

#include "core/machine/approval.h"
#include "core/machine/machine.h"
#include "core/machine/machine_internal.h"

char *tc_view_time(tc_ms ms, char *buf, size_t size)
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&seconds, &tm); /* arithmetic on the value given: no clock is read */
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms % 1000)
        snprintf(buf + n, size - n, ".%03dZ", (int)(ms % 1000));
    else
        snprintf(buf + n, size - n, "Z");
    return buf;
}

static json_t *time_or_null(tc_ms ms)
{
    char buf[40];
    return ms ? json_string(tc_view_time(ms, buf, sizeof buf)) : json_null();
}

/* The veto parties that hold a seat of this activation (a crisis of a subset
 * of the parties may leave some out), as the machine counts them; NULL if none. */
static json_t *veto_json(const tc_playbook *pb, const tc_state *s, const tc_activation *a)
{
    json_t *veto = NULL;
    for (size_t i = 0; i < a->seat_count; i++)
        for (size_t v = 0; v < s->approval.veto.count; v++)
            if (s->approval.veto.index[v] == a->seats[i].party) {
                if (veto == NULL)
                    veto = json_array();
                json_array_append_new(veto, json_string(pb->parties[a->seats[i].party]));
            }
    return veto;
}

static json_t *seats_json(const tc_playbook *pb, const tc_state *s, const tc_activation *a)
{
    json_t *seats = json_array();
    int role = s->type == TC_STATE_TASK ? s->task.role : s->approval.role;
    for (size_t i = 0; i < a->seat_count; i++) {
        const tc_seat *seat = &a->seats[i];
        json_t *o = json_pack("{s:s, s:s?}", "role", pb->roles[role].id, "party",
                              seat->party >= 0 ? pb->parties[seat->party] : NULL);
        if (s->type == TC_STATE_APPROVAL) {
            json_object_set_new(o, "vote", seat->vote ? json_string(tc_vote_name(seat->vote)) : json_null());
            json_object_set_new(o, "by", seat->vote_by ? json_string(seat->vote_by) : json_null());
            json_object_set_new(o, "at", time_or_null(seat->vote_at));
            json_object_set_new(o, "reason", seat->reason ? json_string(seat->reason) : json_null());
        } else {
            json_object_set_new(o, "done", json_boolean(seat->done));
            json_object_set_new(o, "outcome", seat->outcome ? json_string(seat->outcome) : json_null());
            json_object_set_new(o, "by", seat->done_by ? json_string(seat->done_by) : json_null());
            json_object_set_new(o, "at", time_or_null(seat->done_at));
            json_object_set_new(o, "acked_by", seat->acked_by ? json_string(seat->acked_by) : json_null());
            json_object_set_new(o, "acked_at", time_or_null(seat->acked_at));
        }
        json_array_append_new(seats, o);
    }
    return seats;
}

static json_t *outcomes_json(const tc_state *s)
{
    json_t *list = json_pack("[s]", "done");
    for (size_t i = 0; i < s->task.outcome_count; i++)
        json_array_append_new(list, json_string(s->task.outcomes[i]));
    return list;
}

/* The level the ladder reaches next, when, the roles it names and the seats it would tell as things stand
 * (those that have acted are not told); null when it will reach none. */
static json_t *next_escalation_json(const tc_playbook *pb, const tc_instance *inst, const tc_state *s,
                                    const tc_activation *a)
{
    if (a->level >= tc__escalation_levels(s) ||
        (s->escalation->until == TC_UNTIL_ACK && tc__task_all_acked(a)))
        return json_null();
    int level = a->level + 1;
    const tc_level *def = &s->escalation->levels[(level - 1) % (int)s->escalation->level_count];
    json_t *roles = json_array();
    for (size_t i = 0; i < def->notify.count; i++)
        json_array_append_new(roles, json_string(pb->roles[def->notify.index[i]].id));
    json_t *o =
        json_pack("{s:i, s:o, s:o, s:o}", "level", level, "at", time_or_null(tc__escalation_due(s, a, level)),
                  "notify", roles, "seats", tc__notify_seats(pb, inst, s, a, &def->notify));
    if (def->severity >= 0)
        json_object_set_new(o, "severity", json_string(tc_severity_name((tc_severity)def->severity)));
    return o;
}

json_t *tc_view_decisions(const tc_playbook *pb, json_t *events)
{
    json_t *list = json_array();
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        const tc_state *s = tc_playbook_state(pb, json_string_value(json_object_get(e, "state")));
        json_t *detail = json_object_get(e, "detail");
        json_t *tally = json_object_get(detail, "tally");
        if (s == NULL || s->type != TC_STATE_APPROVAL || !json_is_object(tally))
            continue; /* not an approval, or one interrupted (a parallel's deadline, a cancel): no decision */
        json_t *o = json_pack(
            "{s:s, s:s?, s:O, s:O, s:s, s:O, s:O}", "state", s->path, "title", s->title, "visit",
            json_object_get(detail, "visit") ? json_object_get(detail, "visit") : json_null(), "outcome",
            json_object_get(detail, "outcome") ? json_object_get(detail, "outcome") : json_null(), "rule",
            tc_rule_kind_name(s->approval.rule.kind), "tally", tally, "at",
            json_object_get(e, "at") ? json_object_get(e, "at") : json_null());
        json_array_append_new(list, o);
    }
    return list;
}

json_t *tc_view_active(const tc_playbook *pb, const tc_instance *inst, int brief)
{
    json_t *list = json_array();
    for (size_t i = 0; i < inst->active_count; i++) {
        const tc_activation *a = &inst->active[i];
        const tc_state *s = &pb->states[a->state];
        if (s->type == TC_STATE_PARALLEL)
            continue; /* leaf states only: a parallel shows through its branches */
        json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "state", s->path, "path", s->path, "type",
                              tc_state_type_name(s->type), "deadline",
                              s->deadline ? time_or_null(a->entered_at + s->deadline) : json_null());
        if (!brief) {
            json_object_set_new(o, "visit", json_integer(a->visit));
            json_object_set_new(o, "entered_at", time_or_null(a->entered_at));
            json_object_set_new(o, "escalation_level", json_integer(a->level));
            if (s->type == TC_STATE_APPROVAL) {
                tc_tally t;
                tc_machine_tally(pb, inst, s->index, &t);
                json_object_set_new(o, "rule", json_string(tc_rule_kind_name(s->approval.rule.kind)));
                json_object_set_new(o, "tally",
                                    json_pack("{s:i, s:i, s:i, s:i}", "approve", t.approve, "reject",
                                              t.reject, "abstain", t.abstain, "pending", t.pending));
                json_t *veto = veto_json(pb, s, a);
                if (veto != NULL)
                    json_object_set_new(o, "veto", veto);
            }
            if (s->type == TC_STATE_APPROVAL || s->type == TC_STATE_TASK)
                json_object_set_new(o, "seats", seats_json(pb, s, a));
            if (s->type == TC_STATE_ACTION)
                json_object_set_new(o, "attempt", json_integer(a->attempt));
            json_object_set_new(o, "title", s->title ? json_string(s->title) : json_null());
            if (s->type == TC_STATE_TASK)
                json_object_set_new(o, "outcomes", outcomes_json(s));
            if (s->escalation != NULL) {
                json_object_set_new(o, "escalation_levels", json_integer(tc__escalation_levels(s)));
                json_object_set_new(o, "next_escalation", next_escalation_json(pb, inst, s, a));
            }
        }
        json_array_append_new(list, o);
    }
    return list;
}
