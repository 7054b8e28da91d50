/* Tasks in the state machine: seats, completions with validated outputs, acknowledgements. */
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/machine/machine_internal.h"

void tc__task_enter(run *r, tc_activation *a, const tc_state *s)
{
    tc__make_seats(r, a, &s->task.parties);
    json_object_del(r->inst->data, s->path); /* a new visit reports afresh */
    tc__notify(r, s, "task assigned", 0, tc__seat_list(r, s, a));
}

/* v is not NULL: json_typeof, as jansson's json_is_* would test that again. */
static int is_number(const json_t *v)
{
    return json_typeof(v) == JSON_INTEGER || json_typeof(v) == JSON_REAL;
}

static int value_fits(const tc_playbook *pb, const tc_field *f, json_t *v)
{
    switch (f->type) {
    case TC_VALUE_STRING:
        return json_typeof(v) == JSON_STRING;
    case TC_VALUE_INTEGER:
        return json_typeof(v) == JSON_INTEGER;
    case TC_VALUE_NUMBER:
        return is_number(v);
    case TC_VALUE_BOOLEAN:
        return json_typeof(v) == JSON_TRUE || json_typeof(v) == JSON_FALSE;
    case TC_VALUE_PARTY:
        return json_typeof(v) == JSON_STRING && tc_playbook_party(pb, json_string_value(v)) >= 0;
    }
    return 0;
}

int tc__check_value(const tc_playbook *pb, const tc_field *f, json_t *v, const char *what, tc_error *err)
{
    if (!value_fits(pb, f, v))
        return tc_error_set(err, TC_EINVAL, "%s %s must be %s", what, f->name,
                            f->type == TC_VALUE_PARTY     ? "one of the playbook's parties"
                            : f->type == TC_VALUE_INTEGER ? "an integer"
                            : f->type == TC_VALUE_NUMBER  ? "a number"
                            : f->type == TC_VALUE_BOOLEAN ? "true or false"
                                                          : "a string");
    if (f->enum_values != NULL) {
        size_t i = 0;
        while (i < json_array_size(f->enum_values) && !json_equal(json_array_get(f->enum_values, i), v))
            i++;
        if (i == json_array_size(f->enum_values)) {
            char *allowed = json_dumps(f->enum_values, JSON_COMPACT);
            int rc = tc_error_set(err, TC_EINVAL, "%s %s must be one of %s", what, f->name, allowed);
            free(allowed);
            return rc;
        }
    }
    if (is_number(v) &&
        ((f->has_min && json_number_value(v) < f->min) || (f->has_max && json_number_value(v) > f->max))) {
        /* Name the range, so that the fix is plain: "must be from 0 to 100, not 120". */
        if (f->has_min && f->has_max)
            return tc_error_set(err, TC_EINVAL, "%s %s must be from %g to %g, not %g", what, f->name, f->min,
                                f->max, json_number_value(v));
        return tc_error_set(err, TC_EINVAL, "%s %s must be at %s %g, not %g", what, f->name,
                            f->has_min ? "least" : "most", f->has_min ? f->min : f->max,
                            json_number_value(v));
    }
    return 0;
}

static int declared_outcome(const tc_state *s, const char *outcome)
{
    if (strcmp(outcome, "done") == 0)
        return 1;
    for (size_t i = 0; i < s->task.outcome_count; i++)
        if (strcmp(s->task.outcomes[i], outcome) == 0)
            return 1;
    return 0;
}

/* "done, blocked" */
static void outcome_list(const tc_state *s, char *buf, size_t size)
{
    snprintf(buf, size, "done");
    for (size_t i = 0; i < s->task.outcome_count; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, ", %s", s->task.outcomes[i]);
    }
}

/*
 * Every problem of a completion, one line each: an outcome the task does not
 * have (naming those it has); data that is not an object; each field it does
 * not declare (naming those it does); each value that does not validate; each
 * required field missing (required of "done" only: a seat reporting
 * "needs_info" cannot be asked for the findings it lacks).
 */
void tc__task_problems(const tc_playbook *pb, const tc_state *s, const char *outcome, json_t *data,
                       tc_diags *problems)
{
    char list[512];
    if (!declared_outcome(s, outcome)) {
        outcome_list(s, list, sizeof list);
        tc_diags_add(problems, NULL, 0, 0, "task %s has no outcome %s (valid: %s)", s->path, outcome, list);
    }
    if (data != NULL && json_typeof(data) != JSON_OBJECT) {
        tc_diags_add(problems, NULL, 0, 0, "the data of a completion is a JSON object");
        return;
    }
    for (void *it = json_object_iter(data); it != NULL; it = json_object_iter_next(data, it)) {
        const char *key = json_object_iter_key(it);
        json_t *value = json_object_iter_value(it);
        const tc_field *f = NULL;
        for (size_t i = 0; i < s->task.output_count; i++)
            if (strcmp(s->task.outputs[i].name, key) == 0)
                f = &s->task.outputs[i];
        if (f == NULL) {
            list[0] = '\0';
            for (size_t i = 0; i < s->task.output_count; i++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", s->task.outputs[i].name);
            }
            if (s->task.output_count == 0)
                tc_diags_add(problems, NULL, 0, 0, "task %s has no output %s (it reports no data)", s->path,
                             key);
            else
                tc_diags_add(problems, NULL, 0, 0, "task %s has no output %s (valid: %s)", s->path, key,
                             list);
            continue;
        }
        tc_error err;
        tc_error_init(&err);
        if (tc__check_value(pb, f, value, "output", &err) != 0)
            tc_diags_add(problems, NULL, 0, 0, "%s", err.text);
    }
    for (size_t i = 0; strcmp(outcome, "done") == 0 && i < s->task.output_count; i++)
        if (s->task.outputs[i].required && json_object_get(data, s->task.outputs[i].name) == NULL)
            tc_diags_add(problems, NULL, 0, 0, "output %s of task %s is required", s->task.outputs[i].name,
                         s->path);
}

int tc__task_complete(run *r, const tc_state *s, tc_activation *a, tc_seat *seat)
{
    const tc_event *ev = r->ev;
    const char *outcome = ev->outcome ? ev->outcome : "done";
    char name[160];
    tc__seat_name(r->pb, s, seat->party, name, sizeof name);
    if (seat->done)
        return tc_error_set(r->err, TC_ECONFLICT, "seat %s already completed %s", name, s->path);
    tc_diags problems = {0};
    tc__task_problems(r->pb, s, outcome, ev->data, &problems);
    if (problems.count > 0) {
        int rc = problems.count == 1 ? tc_error_set(r->err, TC_EINVAL, "%s", problems.items[0].message)
                                     : tc_error_set(r->err, TC_EINVAL, "%s (and %zu more problems)",
                                                    problems.items[0].message, problems.count - 1);
        tc_diags_clear(&problems);
        return rc;
    }

    /* Accepted. */
    json_t *data = ev->data ? json_deep_copy(ev->data) : json_object();
    seat->done = 1;
    seat->outcome = tc_xstrdup(outcome);
    seat->done_by = ev->actor.role ? tc_xstrdup(ev->actor.role) : NULL;
    seat->done_at = r->now;
    /* A seat of the task's parties; a state read back from the database may give a party to another. */
    if (seat->party >= 0 && s->task.parties.count > 0) {
        json_t *per_party = json_object_get(r->inst->data, s->path);
        if (per_party == NULL) {
            per_party = json_object();
            json_object_set_new(r->inst->data, s->path, per_party);
        }
        json_object_set(per_party, r->pb->parties[seat->party], data);
    } else {
        json_object_set(r->inst->data, s->path, data);
    }
    json_t *detail =
        json_pack("{s:s?, s:s, s:s, s:o}", "party", seat->party >= 0 ? r->pb->parties[seat->party] : NULL,
                  "seat", name, "outcome", outcome, "data", data);
    tc__note_holder(r, detail, name);
    tc__audit(r, TC_AUDIT_COMPLETED, s, detail);

    if (strcmp(outcome, "done") != 0) {
        tc__leave(r, s, outcome, NULL);
        return 0;
    }
    size_t done = 0;
    for (size_t i = 0; i < a->seat_count; i++)
        done += a->seats[i].done;
    size_t needed = a->seat_count;
    if (s->task.complete == TC_COMPLETE_ANY)
        needed = 1;
    else if (s->task.complete == TC_COMPLETE_MIN && (size_t)s->task.complete_min < needed)
        needed = (size_t)s->task.complete_min;
    if (done >= needed)
        tc__leave(r, s, "done", NULL);
    return 0;
}

int tc__task_all_acked(const tc_activation *a)
{
    for (size_t i = 0; i < a->seat_count; i++)
        if (a->seats[i].acked_by == NULL)
            return 0;
    return a->seat_count > 0;
}

int tc__task_ack(run *r, const tc_state *s, tc_activation *a, tc_seat *seat)
{
    char name[160];
    tc__seat_name(r->pb, s, seat->party, name, sizeof name);
    if (seat->acked_by != NULL)
        return tc_error_set(r->err, TC_ECONFLICT, "seat %s already acknowledged %s", name, s->path);
    seat->acked_by = tc_xstrdup(r->ev->actor.role ? r->ev->actor.role : "");
    seat->acked_at = r->now;
    json_t *detail = json_pack("{s:s?, s:s}", "party", seat->party >= 0 ? r->pb->parties[seat->party] : NULL,
                               "seat", name);
    tc__note_holder(r, detail, name);
    tc__audit(r, TC_AUDIT_ACKED, s, detail);
    if (s->escalation != NULL && s->escalation->until == TC_UNTIL_ACK && tc__task_all_acked(a) &&
        a->level < tc__escalation_levels(s)) {
        char purpose[32];
        snprintf(purpose, sizeof purpose, "level%d", a->level + 1);
        tc__timer_clear(r, s, a->visit, purpose); /* every seat has seen it: the ladder stops */
    }
    return 0;
}
