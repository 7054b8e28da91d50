/*
 * Preparing a crisis from a trigger: inputs (with defaults), the subset of
 * parties, severity, mode, title and initiator, all checked before the crisis
 * exists, so that `tocsin trigger` can refuse at once (exit 3 or 5).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/machine/machine_internal.h"
#include "core/input/number.h"
#include "core/base/utf8.h"

static int count_in_subset(const tc_party_list *list, const int *chosen)
{
    int n = 0;
    for (size_t i = 0; i < list->count; i++)
        n += chosen[list->index[i]];
    return n;
}

/* A narrowed set of parties must leave every step at least one seat and every rule possible. */
static int check_subset(const tc_playbook *pb, const int *chosen, tc_error *err)
{
    for (size_t i = 0; i < pb->state_count; i++) {
        const tc_state *s = &pb->states[i];
        if (s->type == TC_STATE_TASK && s->task.parties.count > 0) {
            int seats = count_in_subset(&s->task.parties, chosen);
            if (seats == 0)
                return tc_error_set(err, TC_EINVAL, "these parties leave task %s with no seat", s->path);
            if (s->task.complete == TC_COMPLETE_MIN && s->task.complete_min > seats)
                return tc_error_set(
                    err, TC_EINVAL,
                    "these parties leave task %s %d seats, fewer than the %d that must complete", s->path,
                    seats, s->task.complete_min);
        }
        if (s->type == TC_STATE_APPROVAL && s->approval.parties.count > 0) {
            int seats = count_in_subset(&s->approval.parties, chosen);
            if (seats == 0)
                return tc_error_set(err, TC_EINVAL, "these parties leave approval %s with no seat", s->path);
            if (s->approval.rule.kind == TC_RULE_QUORUM && s->approval.rule.min > seats)
                return tc_error_set(err, TC_EINVAL,
                                    "these parties leave approval %s %d seats, fewer than its quorum of %d",
                                    s->path, seats, s->approval.rule.min);
        }
    }
    return 0;
}

static int prepare_inputs(const tc_playbook *pb, tc_instance *inst, json_t *given, tc_error *err)
{
    const char *key;
    json_t *value;
    if (given != NULL && !json_is_object(given))
        return tc_error_set(err, TC_EINVAL, "inputs must be a JSON object");
    json_object_foreach(given, key, value)
    {
        if (tc_playbook_input(pb, key) < 0)
            return tc_error_set(err, TC_EINVAL, "playbook %s has no input %s", pb->name, key);
    }
    /* Name every missing required input at once: the operator fixes the command in one go. */
    char missing[512] = "";
    int missing_count = 0;
    for (size_t i = 0; i < pb->input_count; i++) {
        const tc_field *f = &pb->inputs[i];
        json_t *v = json_object_get(given, f->name);
        if (f->required && (v == NULL || json_is_null(v)) && f->default_value == NULL) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s", missing_count++ ? ", " : "", f->name);
        }
    }
    if (missing_count == 1)
        return tc_error_set(err, TC_EINVAL, "input %s is required", missing);
    if (missing_count > 1)
        return tc_error_set(err, TC_EINVAL, "inputs %s are required", missing);

    json_t *inputs = json_object();
    for (size_t i = 0; i < pb->input_count; i++) {
        const tc_field *f = &pb->inputs[i];
        json_t *v = json_object_get(given, f->name);
        if (v == NULL || json_is_null(v))
            v = f->default_value;
        if (v == NULL)
            continue;
        int rc = tc__check_value(pb, f, v, "input", err);
        if (rc != 0) {
            json_decref(inputs);
            return rc;
        }
        json_object_set(inputs, f->name, v);
    }
    json_decref(inst->inputs);
    inst->inputs = inputs;
    return 0;
}

int tc_trigger_prepare(const tc_playbook *pb, tc_instance *inst, const tc_trigger *t, const tc_actor *actor,
                       tc_ms now, tc_error *err)
{
    if (t->title != NULL && !tc_utf8_valid(t->title, strlen(t->title), NULL))
        return tc_error_set(err, TC_EINVAL, "the title is not valid UTF-8");
    if (actor->role != NULL && !tc__may_trigger(pb, actor))
        return tc_error_set(err, TC_EPERM, "%s may not trigger playbook %s", actor->role, pb->name);

    int severity = t->severity ? tc_severity_parse(t->severity) : TC_SEVERITY_UNKNOWN;
    if (severity < 0)
        return tc_error_set(err, TC_EINVAL,
                            "unknown severity %s (extreme, severe, moderate, minor or unknown)", t->severity);
    int mode = t->mode ? tc_mode_parse(t->mode) : TC_MODE_ACTUAL;
    if (mode < 0)
        return tc_error_set(err, TC_EINVAL, "unknown mode %s (actual, exercise or test)", t->mode);

    int *chosen = tc_xcalloc(pb->party_count ? pb->party_count : 1, sizeof *chosen);
    if (chosen == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < pb->party_count; i++)
        chosen[i] = t->parties == NULL;
    for (size_t i = 0; t->parties != NULL && i < t->party_count; i++) {
        int p = tc_playbook_party(pb, t->parties[i]);
        int rc = p < 0 ? tc_error_set(err, TC_EINVAL, "playbook %s has no party %s", pb->name, t->parties[i])
                 : chosen[p] ? tc_error_set(err, TC_EINVAL, "party %s is given twice", t->parties[i])
                             : 0;
        if (rc != 0) {
            free(chosen);
            return rc;
        }
        chosen[p] = 1;
    }
    int rc = t->parties != NULL && t->party_count == 0
                 ? tc_error_set(err, TC_EINVAL, "a crisis needs at least one party")
                 : check_subset(pb, chosen, err);
    if (rc == 0)
        rc = prepare_inputs(pb, inst, t->inputs, err);
    if (rc != 0) {
        free(chosen);
        return rc;
    }

    inst->party_count = 0;
    for (size_t i = 0; i < pb->party_count; i++)
        if (chosen[i])
            inst->parties[inst->party_count++] = (int)i;
    free(chosen);
    inst->severity = (tc_severity)severity;
    inst->mode = (tc_mode)mode;
    free(inst->title);
    free(inst->initiator);
    free(inst->initiator_login);
    inst->title = tc_xstrdup(t->title ? t->title : pb->title);
    inst->initiator = tc_xstrdup(actor->role ? actor->role : "simulate");
    inst->initiator_login = actor->login ? tc_xstrdup(actor->login) : NULL;
    inst->created_at = now;
    if (inst->title == NULL || inst->initiator == NULL || (actor->login && inst->initiator_login == NULL))
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    return 0;
}

int tc_trigger_input(const tc_playbook *pb, const char *assignment, char **key, json_t **out, tc_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment)
        return tc_error_set(err, TC_EINVAL, "--input %s: expected NAME=VALUE", assignment);
    char *name = tc_xstrndup(assignment, (size_t)(eq - assignment));
    const char *text = eq + 1;
    int i = name ? tc_playbook_input(pb, name) : -1;
    if (i < 0) {
        int rc = tc_error_set(err, TC_EINVAL, "playbook %s has no input %s", pb->name, name ? name : "?");
        free(name);
        return rc;
    }
    json_t *value = NULL;
    switch (pb->inputs[i].type) {
    case TC_VALUE_INTEGER: {
        long long v;
        if (tc_parse_integer(text, LLONG_MIN, LLONG_MAX, &v) == 0)
            value = json_integer(v);
        break;
    }
    case TC_VALUE_NUMBER: {
        double v;
        if (tc_parse_real(text, &v) == 0)
            value = json_real(v);
        break;
    }
    case TC_VALUE_BOOLEAN:
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
            value = json_boolean(text[0] == 't');
        break;
    case TC_VALUE_STRING:
    case TC_VALUE_PARTY:
        value = json_string(text);
        break;
    }
    if (value == NULL) {
        tc_value_type type = pb->inputs[i].type;
        int rc =
            type == TC_VALUE_STRING || type == TC_VALUE_PARTY
                ? tc_error_set(err, TC_EINVAL, "input %s is not valid UTF-8", name)
            : type == TC_VALUE_INTEGER
                ? tc_error_set(err, TC_EINVAL, "input %s must be an integer from %lld to %lld, not '%s'",
                               name, LLONG_MIN, LLONG_MAX, text)
                : tc_error_set(err, TC_EINVAL, "input %s must be %s, not '%s'", name,
                               type == TC_VALUE_BOOLEAN ? "true or false" : "a decimal number within range",
                               text);
        free(name);
        return rc;
    }
    *key = name;
    *out = value;
    return 0;
}
