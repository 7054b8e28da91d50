/* The seats each state needs, for the database (tocsin.playbooks.states). */
#include "core/playbook/playbook.h"

json_t *tc_playbook_seats_json(const tc_playbook *pb)
{
    /*
     * jansson allocates through tc_xmalloc, which aborts when memory runs out,
     * and every role id and state path is ASCII (compiled as ids): neither
     * json_pack nor json_object_set_new can fail here.
     */
    json_t *states = json_object();
    for (size_t i = 0; i < pb->state_count; i++) {
        const tc_state *s = &pb->states[i];
        int role = s->type == TC_STATE_TASK       ? s->task.role
                   : s->type == TC_STATE_APPROVAL ? s->approval.role
                                                  : -1;
        if (role < 0)
            continue;
        json_t *seat =
            json_pack("{s:s, s:b, s:b}", "role", pb->roles[role].id, "per_party", pb->roles[role].per_party,
                      "exclude_initiator", s->type == TC_STATE_APPROVAL && s->approval.exclude_initiator);
        /* Only when required: the maps of versions loaded before signatures existed stay as they are. */
        if (s->signatures_required)
            json_object_set_new(seat, "signatures", json_string("required"));
        json_object_set_new(states, s->path, seat);
    }
    return states;
}
