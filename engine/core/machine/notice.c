/* What a notification tells each seat: the payload of its deliveries (notice.h). */
#include "core/machine/notice.h"

#include <stdio.h>
#include <string.h>

#include "core/machine/view.h"

/* The seat's party when the seat is one of the state's own (ROLE/PARTY of its role, or ROLE for an office);
 * *own says whether it is. */
static const char *own_party(const tc_playbook *pb, const tc_state *s, const char *seat, int *own)
{
    *own = 0;
    if (s == NULL || (s->type != TC_STATE_TASK && s->type != TC_STATE_APPROVAL))
        return NULL;
    int role = s->type == TC_STATE_TASK ? s->task.role : s->approval.role;
    const char *id = pb->roles[role].id;
    size_t n = strlen(id);
    if (strncmp(seat, id, n) != 0)
        return NULL;
    if (seat[n] == '\0' && !pb->roles[role].per_party) {
        *own = 1;
        return NULL;
    }
    if (seat[n] == '/' && pb->roles[role].per_party) {
        *own = 1;
        return seat + n + 1;
    }
    return NULL;
}

static json_t *payload(const tc_playbook *pb, const tc_instance *inst, const tc_state *s, const char *path,
                       const json_t *detail, const char *seat)
{
    int own = 0;
    const char *party = own_party(pb, s, seat, &own);
    char act[512], asked[512];
    const char *state_title = s && s->title ? s->title : path;
    long long id = (long long)inst->id;
    if (own && s->type == TC_STATE_APPROVAL) {
        snprintf(act, sizeof act, "tocsin vote %lld approve|reject|abstain --state %s%s%s", id, path,
                 party ? " --party " : "", party ? party : "");
        snprintf(asked, sizeof asked, "vote on %s", state_title);
    } else if (own) {
        snprintf(act, sizeof act, "tocsin complete %lld --state %s%s%s", id, path, party ? " --party " : "",
                 party ? party : "");
        snprintf(asked, sizeof asked, "complete %s", state_title);
    } else {
        snprintf(act, sizeof act, "tocsin show %lld", id);
        snprintf(asked, sizeof asked, "follow %s", path ? state_title : "the crisis");
    }

    json_t *deadline = json_null();
    const tc_activation *a = s ? tc_instance_activation(inst, s->index) : NULL;
    if (a != NULL && s->deadline > 0) {
        char when[40];
        deadline = json_string(tc_view_time(a->entered_at + s->deadline, when, sizeof when));
    }
    json_t *level = json_object_get(detail, "level");
    return json_pack("{s:I, s:s?, s:s, s:s?, s:s?, s:s, s:O?, s:s, s:I, s:O?, s:O?, s:o, s:s}", "crisis",
                     (json_int_t)inst->id, "title", inst->title, "playbook", pb->name, "state", path,
                     "state_title", path ? state_title : NULL, "seat", seat, "why",
                     json_object_get(detail, "why"), "asked", asked, "level",
                     (json_int_t)(level ? json_integer_value(level) : 0), "severity",
                     json_object_get(detail, "severity"), "mode", json_object_get(detail, "mode"), "deadline",
                     deadline, "act", act);
}

json_t *tc_notice_payloads(const tc_playbook *pb, const tc_instance *inst, const char *state,
                           const json_t *detail)
{
    const tc_state *s = state ? tc_playbook_state(pb, state) : NULL;
    json_t *out = json_object();
    json_t *seats = json_object_get(detail, "seats");
    for (size_t i = 0; i < json_array_size(seats); i++) {
        const char *seat = json_string_value(json_array_get(seats, i));
        if (seat != NULL)
            json_object_set_new(out, seat, payload(pb, inst, s, state, detail, seat));
    }
    return out;
}
