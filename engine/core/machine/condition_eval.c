/* The evaluator of compiled conditions; see condition_eval.h for the semantics. */
#include "core/machine/condition_eval.h"

#include <string.h>

static json_t *var_value(const tc_playbook *pb, const tc_instance *inst, const tc_cond *c)
{
    switch (c->var.kind) {
    case TC_VAR_INPUT:
        return json_incref(json_object_get(inst->inputs, c->var.name));
    case TC_VAR_CRISIS:
        if (strcmp(c->var.name, "severity") == 0)
            return json_string(tc_severity_name(inst->severity));
        if (strcmp(c->var.name, "mode") == 0)
            return json_string(tc_mode_name(inst->mode));
        {
            json_t *parties = json_array();
            for (size_t i = 0; i < inst->party_count; i++)
                json_array_append_new(parties, json_string(pb->parties[inst->parties[i]]));
            return parties;
        }
    case TC_VAR_APPROVAL: {
        const tc_activation *a = tc_instance_activation(inst, c->var.state);
        if (a != NULL) { /* open: count its seats */
            int n = 0;
            tc_vote want = c->var.name[1] == 'p'   ? TC_VOTE_APPROVE
                           : c->var.name[0] == 'r' ? TC_VOTE_REJECT
                                                   : TC_VOTE_ABSTAIN;
            for (size_t i = 0; i < a->seat_count; i++)
                n += a->seats[i].vote == want;
            return json_integer(n);
        }
        json_t *tally = json_object_get(inst->tallies, pb->states[c->var.state].path);
        json_t *count = json_object_get(tally, c->var.name);
        return count ? json_incref(count) : json_integer(0);
    }
    case TC_VAR_DATA: {
        json_t *at = json_object_get(inst->data, pb->states[c->var.state].path);
        if (c->var.party != NULL && strcmp(c->var.party, "*") == 0) {
            /* The values of every party that reported, in the playbook's order of parties. */
            json_t *list = json_array();
            for (size_t p = 0; p < pb->party_count; p++) {
                json_t *part = json_object_get(at, pb->parties[p]);
                json_t *v = c->var.name ? json_object_get(part, c->var.name) : part;
                if (v != NULL && json_typeof(v) != JSON_NULL)
                    json_array_append(list, v);
            }
            return list;
        }
        if (c->var.party != NULL)
            at = json_object_get(at, c->var.party);
        if (c->var.name != NULL)
            at = json_object_get(at, c->var.name);
        return json_incref(at);
    }
    }
    return NULL;
}

static int truthy(json_t *v)
{
    return json_is_true(v);
}

/* Whether v (not NULL: jansson's json_is_number would test that again) is a number. */
static int is_number(const json_t *v)
{
    return json_typeof(v) == JSON_INTEGER || json_typeof(v) == JSON_REAL;
}

/* Whether v is absent or JSON null: the two are the same to a condition. */
static int is_null(const json_t *v)
{
    return v == NULL || json_typeof(v) == JSON_NULL;
}

/* Strict equality: numbers compare by value (3 == 3.0), everything else by type and value. */
static int equal(json_t *a, json_t *b)
{
    if (a == NULL || b == NULL)
        return is_null(a) && is_null(b);
    if (is_number(a) && is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal(a, b);
}

/* -1, 0, 1, or 2 when the two cannot be ordered (null, or different types). */
static int order(json_t *a, json_t *b)
{
    if (a == NULL || b == NULL)
        return 2;
    if (is_number(a) && is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_typeof(a) == JSON_STRING && json_typeof(b) == JSON_STRING) {
        int c = strcmp(json_string_value(a), json_string_value(b));
        return c < 0 ? -1 : c > 0;
    }
    return 2;
}

static json_t *aggregate(tc_cond_op op, json_t *list)
{
    if (!json_is_array(list))
        return op == TC_COND_COUNT || op == TC_COND_SUM ? json_integer(0) : NULL;
    if (op == TC_COND_COUNT)
        return json_integer((json_int_t)json_array_size(list));
    double total = 0, best = 0;
    int seen = 0, all_integer = 1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *v = json_array_get(list, i);
        if (!is_number(v))
            continue;
        double x = json_number_value(v);
        all_integer &= json_typeof(v) == JSON_INTEGER;
        total += x;
        if (!seen || (op == TC_COND_MIN ? x < best : x > best))
            best = x;
        seen = 1;
    }
    if (op == TC_COND_SUM)
        return all_integer ? json_integer((json_int_t)total) : json_real(total);
    if (!seen)
        return NULL;
    return all_integer ? json_integer((json_int_t)best) : json_real(best);
}

/*
 * c comes from the compiler, which refuses a playbook whose conditions are
 * missing or take the wrong number of operands (playbook_condition.c's
 * operators[]): comparisons have two, !, sum, count, min and max one.
 */
json_t *tc_cond_eval(const tc_playbook *pb, const tc_instance *inst, const tc_cond *c)
{
    switch (c->op) {
    case TC_COND_LITERAL:
        return json_typeof(c->literal) == JSON_NULL ? NULL : json_incref(c->literal);
    case TC_COND_ARRAY: {
        json_t *list = json_array();
        for (size_t i = 0; i < c->argc; i++) {
            json_t *v = tc_cond_eval(pb, inst, c->args[i]);
            json_array_append_new(list, v ? v : json_null());
        }
        return list;
    }
    case TC_COND_VAR: {
        json_t *v = var_value(pb, inst, c);
        if (is_null(v) && c->var.fallback != NULL) {
            json_decref(v);
            return json_incref(c->var.fallback);
        }
        if (v != NULL && json_typeof(v) == JSON_NULL) {
            json_decref(v);
            return NULL;
        }
        return v;
    }
    case TC_COND_AND:
    case TC_COND_OR: {
        int result = c->op == TC_COND_AND;
        for (size_t i = 0; i < c->argc; i++) {
            json_t *v = tc_cond_eval(pb, inst, c->args[i]);
            int t = truthy(v);
            json_decref(v);
            if (c->op == TC_COND_AND ? !t : t) {
                result = !result;
                break;
            }
        }
        return json_boolean(result);
    }
    case TC_COND_NOT: {
        json_t *v = tc_cond_eval(pb, inst, c->args[0]);
        int t = truthy(v);
        json_decref(v);
        return json_boolean(!t);
    }
    case TC_COND_SUM:
    case TC_COND_COUNT:
    case TC_COND_MIN:
    case TC_COND_MAX: {
        json_t *list = tc_cond_eval(pb, inst, c->args[0]);
        json_t *v = aggregate(c->op, list);
        json_decref(list);
        return v;
    }
    case TC_COND_EQ:
    case TC_COND_NE:
    case TC_COND_LT:
    case TC_COND_LE:
    case TC_COND_GT:
    case TC_COND_GE:
    case TC_COND_IN: {
        json_t *a = tc_cond_eval(pb, inst, c->args[0]);
        json_t *b = tc_cond_eval(pb, inst, c->args[1]);
        int result = 0, o;
        switch (c->op) {
        case TC_COND_EQ:
            result = equal(a, b);
            break;
        case TC_COND_NE:
            result = !equal(a, b);
            break;
        case TC_COND_IN:
            if (json_is_array(b)) {
                for (size_t i = 0; i < json_array_size(b); i++)
                    result |= equal(a, json_array_get(b, i));
            } else if (json_is_string(a) && json_is_string(b)) {
                result = strstr(json_string_value(b), json_string_value(a)) != NULL;
            }
            break;
        default:
            o = order(a, b);
            result = o != 2 && ((c->op == TC_COND_LT && o < 0) || (c->op == TC_COND_LE && o <= 0) ||
                                (c->op == TC_COND_GT && o > 0) || (c->op == TC_COND_GE && o >= 0));
            break;
        }
        json_decref(a);
        json_decref(b);
        return json_boolean(result);
    }
    }
    return NULL;
}

int tc_cond_true(const tc_playbook *pb, const tc_instance *inst, const tc_cond *c)
{
    json_t *v = tc_cond_eval(pb, inst, c);
    int t = truthy(v);
    json_decref(v);
    return t;
}
