/* Choices: evaluated on entry, first match wins, otherwise the default; never waits. */
#include "core/machine/condition_eval.h"
#include "core/machine/machine_internal.h"

void tc__choice_enter(run *r, const tc_state *s)
{
    int target = s->choice.otherwise;
    json_t *detail = json_object();
    json_object_set_new(detail, "visit", json_integer(r->inst->visits[s->index]));
    for (size_t i = 0; i < s->choice.count; i++)
        if (tc_cond_true(r->pb, r->inst, s->choice.choices[i].when)) {
            target = s->choice.choices[i].target;
            json_object_set_new(detail, "choice", json_integer((json_int_t)i));
            break;
        }
    if (json_object_get(detail, "choice") == NULL)
        json_object_set_new(detail, "choice", json_string("otherwise"));
    json_object_set_new(detail, "next", json_string(r->pb->states[target].path));
    tc__audit(r, TC_AUDIT_LEFT, s, detail);
    tc__enter(r, &r->pb->states[target]);
}
