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

/* The names of the chosen parties that a list of the playbook leaves out: "KZ, RU". */
static void left_out(const tc_playbook *pb, const tc_party_list *list, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < list->count; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", pb->parties[list->index[i]]);
    }
}

/* A narrowed set of parties must leave every step at least one seat and every rule possible: each step it
 * does not is a problem, naming the parties that would give it its seats. */
static void check_subset(const tc_playbook *pb, const int *chosen, tc_diags *problems)
{
    char seats_of[512];
    for (size_t i = 0; i < pb->state_count; i++) {
        const tc_state *s = &pb->states[i];
        if (s->type == TC_STATE_TASK && s->task.parties.count > 0) {
            int seats = count_in_subset(&s->task.parties, chosen);
            left_out(pb, &s->task.parties, seats_of, sizeof seats_of);
            if (seats == 0)
                tc_diags_add(problems, NULL, 0, 0, "these parties leave task %s with no seat: it needs %s%s",
                             s->path, s->task.parties.count > 1 ? "one of " : "", seats_of);
            else if (s->task.complete == TC_COMPLETE_MIN && s->task.complete_min > seats)
                tc_diags_add(problems, NULL, 0, 0,
                             "these parties leave task %s %d seats, fewer than the %d that must complete "
                             "(its parties: %s)",
                             s->path, seats, s->task.complete_min, seats_of);
        }
        if (s->type == TC_STATE_APPROVAL && s->approval.parties.count > 0) {
            int seats = count_in_subset(&s->approval.parties, chosen);
            left_out(pb, &s->approval.parties, seats_of, sizeof seats_of);
            if (seats == 0)
                tc_diags_add(problems, NULL, 0, 0,
                             "these parties leave approval %s with no seat: it needs %s%s", s->path,
                             s->approval.parties.count > 1 ? "one of " : "", seats_of);
            else if (s->approval.rule.kind == TC_RULE_QUORUM && s->approval.rule.min > seats)
                tc_diags_add(problems, NULL, 0, 0,
                             "these parties leave approval %s %d seats, fewer than its quorum of %d (its "
                             "parties: %s)",
                             s->path, seats, s->approval.rule.min, seats_of);
        }
    }
}

void tc__inputs_problems(const tc_playbook *pb, json_t *given, const json_t *reported, tc_diags *problems)
{
    if (given != NULL && json_typeof(given) != JSON_OBJECT) {
        tc_diags_add(problems, NULL, 0, 0, "inputs must be a JSON object");
        return;
    }
    for (void *it = json_object_iter(given); it != NULL; it = json_object_iter_next(given, it))
        if (tc_playbook_input(pb, json_object_iter_key(it)) < 0)
            tc_diags_add(problems, NULL, 0, 0, "playbook %s has no input %s", pb->name,
                         json_object_iter_key(it));
    for (size_t i = 0; i < pb->input_count; i++) {
        const tc_field *f = &pb->inputs[i];
        json_t *v = json_object_get(given, f->name);
        if (json_object_get(reported, f->name) != NULL)
            continue;
        if (v == NULL || json_typeof(v) == JSON_NULL)
            v = f->default_value;
        tc_error err;
        tc_error_init(&err);
        if (v == NULL && f->required)
            tc_diags_add(problems, NULL, 0, 0, "input %s is required", f->name);
        else if (v != NULL && tc__check_value(pb, f, v, "input", &err) != 0)
            tc_diags_add(problems, NULL, 0, 0, "%s", err.text);
    }
}

/* The inputs of the crisis: those given, and defaults for the others. Checked before. */
static void fill_inputs(const tc_playbook *pb, tc_instance *inst, json_t *given)
{
    json_t *inputs = json_object();
    for (size_t i = 0; i < pb->input_count; i++) {
        const tc_field *f = &pb->inputs[i];
        json_t *v = json_object_get(given, f->name);
        if (v == NULL || json_typeof(v) == JSON_NULL)
            v = f->default_value;
        if (v != NULL)
            json_object_set(inputs, f->name, v);
    }
    json_decref(inst->inputs);
    inst->inputs = inputs;
}

/* The parties chosen (per playbook party, 1 or 0), or NULL with problems said when the list is wrong. */
static int *choose_parties(const tc_playbook *pb, const tc_trigger *t, tc_diags *problems)
{
    int *chosen = tc_xcalloc(pb->party_count, sizeof *chosen);
    int ok = 1;
    for (size_t i = 0; i < pb->party_count; i++)
        chosen[i] = t->parties == NULL;
    for (size_t i = 0; t->parties != NULL && i < t->party_count; i++) {
        int p = tc_playbook_party(pb, t->parties[i]);
        if (p < 0) {
            char all[512];
            all[0] = '\0';
            for (size_t j = 0; j < pb->party_count; j++) {
                size_t used = strlen(all);
                snprintf(all + used, sizeof all - used, "%s%s", j ? ", " : "", pb->parties[j]);
            }
            tc_diags_add(problems, NULL, 0, 0, "playbook %s has no party %s (its parties: %s)", pb->name,
                         t->parties[i], all);
            ok = 0;
        } else if (chosen[p]) {
            tc_diags_add(problems, NULL, 0, 0, "party %s is given twice", t->parties[i]);
            ok = 0;
        } else {
            chosen[p] = 1;
        }
    }
    if (t->parties != NULL && t->party_count == 0) {
        tc_diags_add(problems, NULL, 0, 0, "a crisis needs at least one party");
        ok = 0;
    }
    if (!ok) {
        free(chosen);
        return NULL;
    }
    return chosen;
}

size_t tc_trigger_problems(const tc_playbook *pb, const tc_trigger *t, const json_t *reported,
                           tc_diags *problems)
{
    size_t before = problems->count;
    if (t->title != NULL && !tc_utf8_valid(t->title, strlen(t->title), NULL))
        tc_diags_add(problems, NULL, 0, 0, "the title is not valid UTF-8");
    if (t->severity != NULL && tc_severity_parse(t->severity) < 0)
        tc_diags_add(problems, NULL, 0, 0,
                     "unknown severity %s (extreme, severe, moderate, minor or unknown)", t->severity);
    if (t->mode != NULL && tc_mode_parse(t->mode) < 0)
        tc_diags_add(problems, NULL, 0, 0, "unknown mode %s (actual, exercise or test)", t->mode);
    int *chosen = choose_parties(pb, t, problems);
    if (chosen != NULL)
        check_subset(pb, chosen, problems);
    free(chosen);
    tc__inputs_problems(pb, t->inputs, reported, problems);
    return problems->count - before;
}

int tc_trigger_prepare(const tc_playbook *pb, tc_instance *inst, const tc_trigger *t, const tc_actor *actor,
                       tc_ms now, tc_error *err)
{
    if (actor->role != NULL && !tc__may_trigger(pb, actor)) {
        /* Name who may: the roles the playbook lets trigger, else any of its roles. */
        char roles[512] = "";
        const tc_role_list *permit = &pb->permit_trigger;
        size_t count = permit->given ? permit->count : pb->role_count;
        for (size_t i = 0; i < count; i++) {
            size_t used = strlen(roles);
            snprintf(roles + used, sizeof roles - used, "%s%s", used ? ", " : "",
                     pb->roles[permit->given ? permit->index[i] : (int)i].id);
        }
        return tc_error_set(err, TC_EPERM, "%s may not trigger playbook %s (only administrators%s%s may)",
                            actor->role, pb->name, roles[0] ? " and holders of a seat of " : "", roles);
    }
    tc_diags problems = {0};
    if (tc_trigger_problems(pb, t, NULL, &problems) > 0) {
        int rc = problems.count == 1 ? tc_error_set(err, TC_EINVAL, "%s", problems.items[0].message)
                                     : tc_error_set(err, TC_EINVAL, "%s (and %zu more problems)",
                                                    problems.items[0].message, problems.count - 1);
        tc_diags_clear(&problems);
        return rc;
    }
    int *chosen = choose_parties(pb, t, &problems); /* no problem left: not NULL */
    tc_diags_clear(&problems);
    fill_inputs(pb, inst, t->inputs);
    inst->party_count = 0;
    for (size_t i = 0; i < pb->party_count; i++)
        if (chosen[i])
            inst->parties[inst->party_count++] = (int)i;
    free(chosen);
    inst->severity = t->severity ? (tc_severity)tc_severity_parse(t->severity) : TC_SEVERITY_UNKNOWN;
    inst->mode = t->mode ? (tc_mode)tc_mode_parse(t->mode) : TC_MODE_ACTUAL;
    free(inst->title);
    free(inst->initiator);
    free(inst->initiator_login);
    inst->title = tc_xstrdup(t->title ? t->title : pb->title);
    inst->initiator = tc_xstrdup(actor->role ? actor->role : "simulate");
    inst->initiator_login = actor->login ? tc_xstrdup(actor->login) : NULL;
    inst->created_at = now;
    return 0;
}

int tc_trigger_input(const tc_playbook *pb, const char *assignment, char **key, json_t **out, tc_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment)
        return tc_error_set(err, TC_EINVAL, "--input %s: expected NAME=VALUE", assignment);
    char *name = tc_xstrndup(assignment, (size_t)(eq - assignment));
    const char *text = eq + 1;
    int i = tc_playbook_input(pb, name);
    if (i < 0) {
        int rc = tc_error_set(err, TC_EINVAL, "playbook %s has no input %s", pb->name, name);
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
