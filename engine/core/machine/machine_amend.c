/*
 * Amending a crisis: its initiator (or an administrator) corrects inputs
 * while it is active. The new values are checked as a trigger's are, every
 * problem at once; the audit keeps the old and the new values with the
 * reason. Choices evaluated from now on read the amended inputs; what was
 * decided before stands.
 */
#include <string.h>

#include "core/input/limits.h"
#include "core/machine/machine_internal.h"

/* The inputs inst would have with data's over them; a null value returns an input to its default. */
static json_t *amended(const tc_playbook *pb, const tc_instance *inst, json_t *data)
{
    json_t *inputs = json_deep_copy(inst->inputs);
    for (void *it = json_object_iter(data); it != NULL; it = json_object_iter_next(data, it)) {
        const char *key = json_object_iter_key(it);
        json_t *value = json_object_iter_value(it);
        int i = tc_playbook_input(pb, key);
        if (json_typeof(value) != JSON_NULL)
            json_object_set(inputs, key, value);
        else if (i >= 0 && pb->inputs[i].default_value != NULL)
            json_object_set(inputs, key, pb->inputs[i].default_value);
        else
            json_object_del(inputs, key);
    }
    return inputs;
}

void tc__amend_problems(const tc_playbook *pb, const tc_instance *inst, json_t *data, tc_diags *problems)
{
    if (!json_is_object(data) || json_object_size(data) == 0) {
        tc_diags_add(problems, NULL, 0, 0,
                     "an amendment needs at least one input (--input K=V or --inputs JSON)");
        return;
    }
    json_t *inputs = amended(pb, inst, data);
    tc__inputs_problems(pb, inputs, NULL, problems); /* an unknown name is among them, as amended() kept it */
    tc_error err; /* the whole as trigger allows it: amendments must not grow the inputs past it */
    tc_error_init(&err);
    if (tc_limit_json("the crisis's inputs as amended", inputs, TC_JSON_ARG_MAX_BYTES, &err) != 0)
        tc_diags_add(problems, NULL, 0, 0, "%s", err.text);
    if (problems->count == 0 && json_equal(inputs, inst->inputs))
        tc_diags_add(problems, NULL, 0, 0,
                     "the amendment changes nothing: the crisis has these values already");
    json_decref(inputs);
}

/* Whether actor may amend: the crisis's initiator (the same role or person), or an administrator. */
static int may_amend(const tc_instance *inst, const tc_actor *actor)
{
    return actor->admin || tc__is_initiator_person(inst, actor);
}

int tc__amend(run *r)
{
    const tc_event *ev = r->ev;
    if (!may_amend(r->inst, &ev->actor))
        return tc_error_set(r->err, TC_EPERM,
                            "%s may not amend crisis %lld (only its initiator %s and administrators may)",
                            ev->actor.role ? ev->actor.role : "?", (long long)r->inst->id,
                            r->inst->initiator ? r->inst->initiator : "?");
    if (ev->reason == NULL || ev->reason[0] == '\0')
        return tc_error_set(r->err, TC_EINVAL, "an amendment needs a reason (--reason TEXT)");
    tc_diags problems = {0};
    tc__amend_problems(r->pb, r->inst, ev->data, &problems);
    if (problems.count > 0) {
        int rc = tc_error_set(r->err, TC_EINVAL, "%s", problems.items[0].message);
        tc_diags_clear(&problems);
        return rc;
    }
    json_t *inputs = amended(r->pb, r->inst, ev->data);
    json_t *old = json_object(), *new = json_object();
    for (void *it = json_object_iter(ev->data); it != NULL; it = json_object_iter_next(ev->data, it)) {
        const char *key = json_object_iter_key(it);
        json_t *was = json_object_get(r->inst->inputs, key), *now = json_object_get(inputs, key);
        if (json_equal(was, now))
            continue; /* given, but as it was */
        json_object_set(old, key, was ? was : json_null());
        json_object_set(new, key, now ? now : json_null());
    }
    json_decref(r->inst->inputs);
    r->inst->inputs = inputs;
    tc__audit(r, TC_AUDIT_AMENDED, NULL,
              json_pack("{s:o, s:o, s:s}", "old", old, "new", new, "reason", ev->reason));
    return 0;
}
