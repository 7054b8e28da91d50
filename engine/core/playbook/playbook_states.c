/*
 * Compiling the states of a playbook, nested parallels included.
 *
 * Three passes. The first declares every state of every machine (id, path,
 * type, index), so that the second, which compiles each state's keys, can
 * resolve a `next` to a later state. The third compiles the conditions of
 * choices, which may read any state's compiled keys (a task's parties and
 * outputs), wherever it stands in the document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/playbook/compile.h"

#define TYPE_INVALID ((tc_state_type)-1)

static const char *const type_names[] = {"task",   "approval", "choice", "parallel",
                                         "action", "wait",     "end",    NULL};

/* The keys each type takes, besides "type" and "title", which every type takes (the table of the format). */
static const char *const keys_by_type[][10] = {
    [TC_STATE_TASK] = {"deadline", "escalation", "next", "assignee", "parties", "complete", "outcomes",
                       "outputs", "signatures"},
    [TC_STATE_APPROVAL] = {"deadline", "escalation", "next", "approvers", "rule", "veto", "exclude_initiator",
                           "signatures"},
    [TC_STATE_CHOICE] = {"choices", "otherwise"},
    [TC_STATE_PARALLEL] = {"deadline", "escalation", "next", "branches"},
    [TC_STATE_ACTION] = {"next", "run", "timeout", "retry"},
    [TC_STATE_WAIT] = {"next", "duration"},
    [TC_STATE_END] = {"outcome"},
};

/* Whether a state of type takes key, which is neither "type" nor "title". */
static int type_takes(tc_state_type type, const char *key)
{
    for (const char *const *k = keys_by_type[type]; *k != NULL; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

/* For tc__check_keys: a key another type takes is "not allowed on a ... state". */
static const char *describe_state_key(const char *key, void *arg)
{
    static char phrase[64];
    tc_state_type type = *(tc_state_type *)arg;
    for (int t = 0; t <= TC_STATE_END; t++)
        if (type_takes((tc_state_type)t, key)) {
            snprintf(phrase, sizeof phrase, "not allowed on %s state", tc__a_state_type(type));
            return phrase;
        }
    return NULL;
}

static void check_state_keys(compile_ctx *ctx, json_t *json, tc_state_type type)
{
    const char *allowed[13] = {"type", "title"};
    size_t n = 2;
    for (const char *const *k = keys_by_type[type]; *k != NULL; k++)
        allowed[n++] = *k;
    allowed[n] = NULL;
    tc__check_keys(ctx, json, allowed, describe_state_key, &type);
}

/* ---- pass 1: declaring states ---- */

static size_t count_states(json_t *states, size_t *machines)
{
    size_t n = 0;
    (*machines)++;
    for (void *it = json_object_iter(states); it != NULL; it = json_object_iter_next(states, it)) {
        json_t *state = json_object_iter_value(it);
        n++;
        json_t *branches = json_object_get(state, "branches");
        const char *type = json_string_value(json_object_get(state, "type"));
        if (type == NULL || strcmp(type, "parallel") != 0 || !json_is_object(branches))
            continue;
        for (void *b = json_object_iter(branches); b != NULL; b = json_object_iter_next(branches, b)) {
            json_t *inner = json_object_get(json_object_iter_value(b), "states");
            if (json_is_object(inner))
                n += count_states(inner, machines);
        }
    }
    return n;
}

static tc_machine *declare_machine(compile_ctx *ctx, json_t *states, const char *name, const char *prefix,
                                   const tc_state *parent);

static void declare_branches(compile_ctx *ctx, tc_state *s, json_t *json)
{
    static const char *const branch_keys[] = {"start", "states", NULL};
    json_t *branches;
    if (tc__get_object(ctx, json, "branches", 1, &branches) != 1)
        return;
    size_t mark = tc__where_push_key(ctx, "branches");
    if (json_object_size(branches) == 0)
        tc__problem(ctx, "a parallel needs at least one branch");
    const tc_machine **list = tc__carve(ctx, json_object_size(branches), sizeof *list);
    for (void *it = json_object_iter(branches); it != NULL; it = json_object_iter_next(branches, it)) {
        const char *name = json_object_iter_key(it);
        json_t *branch = json_object_iter_value(it);
        size_t inner_mark = tc__where_push_key(ctx, name);
        json_t *inner;
        if (!tc__is_id(name)) {
            tc__problem(ctx, "\"%s\" is not a valid branch name (a-z, 0-9 and _, starting with a letter)",
                        name);
        } else if (json_typeof(branch) != JSON_OBJECT) {
            tc__problem(ctx, "expected an object with \"start\" and \"states\"");
        } else {
            tc__check_keys(ctx, branch, branch_keys, NULL, NULL);
            if (tc__get_object(ctx, branch, "states", 1, &inner) == 1) {
                size_t states_mark = tc__where_push_key(ctx, "states");
                char *inner_prefix = tc_arena_alloc(ctx->arena, strlen(s->path) + strlen(name) + 3);
                sprintf(inner_prefix, "%s/%s/", s->path, name);
                tc_machine *m = declare_machine(ctx, inner, name, inner_prefix, s);
                tc__where_pop(ctx, states_mark);
                list[s->parallel.count++] = m;
                /* the branch's start is checked here, where the branch object is at hand */
                const char *start;
                if (tc__get_string(ctx, branch, "start", 1, &start) == 1) {
                    char path[TC_WHERE_MAX];
                    snprintf(path, sizeof path, "%s%s", inner_prefix, start);
                    m->start = tc_strindex_get(ctx->paths, path);
                    if (m->start < 0 || ctx->states[m->start].machine != m) {
                        tc__problem_at(ctx, "start", "unknown state \"%s\"", start);
                        m->start = -1;
                    }
                }
            }
        }
        tc__where_pop(ctx, inner_mark);
    }
    tc__where_pop(ctx, mark);
    s->parallel.branches = list;
}

static tc_machine *declare_machine(compile_ctx *ctx, json_t *states, const char *name, const char *prefix,
                                   const tc_state *parent)
{
    tc_machine *m = tc__carve(ctx, 1, sizeof *m);
    int *members = tc__carve(ctx, json_object_size(states), sizeof *members);
    m->name = tc__carve_string(ctx, name);
    m->prefix = prefix;
    m->parent = parent;
    m->start = -1;
    m->states = members;
    ctx->machines[ctx->machine_count++] = m;
    if (json_object_size(states) == 0)
        tc__problem(ctx, "expected at least one state");

    for (void *it = json_object_iter(states); it != NULL; it = json_object_iter_next(states, it)) {
        const char *id = json_object_iter_key(it);
        json_t *json = json_object_iter_value(it);
        size_t mark = tc__where_push_key(ctx, id);
        if (!tc__is_id(id)) {
            tc__problem(
                ctx, "\"%s\" is not a valid state id (a-z, 0-9 and _, starting with a letter, up to 63)", id);
        } else if (json_typeof(json) != JSON_OBJECT) {
            tc__problem(ctx, "expected an object");
        } else {
            int index = (int)ctx->state_count++;
            tc_state *s = &ctx->states[index];
            char *path = tc_arena_alloc(ctx->arena, strlen(prefix) + strlen(id) + 1);
            sprintf(path, "%s%s", prefix, id);
            s->index = index;
            s->id = path + strlen(prefix);
            s->path = path;
            s->where = tc__carve_string(ctx, ctx->where);
            s->machine = m;
            s->type = TYPE_INVALID;
            ctx->state_json[index] = json;
            members[m->count++] = index;
            tc_strindex_put(ctx->paths, path, index);

            const char *type;
            if (tc__get_string(ctx, json, "type", 1, &type) == 1) {
                for (int t = 0; type_names[t] != NULL; t++)
                    if (strcmp(type, type_names[t]) == 0)
                        s->type = (tc_state_type)t;
                if (s->type == TYPE_INVALID)
                    tc__problem_at(
                        ctx, "type",
                        "unknown state type \"%s\" (task, approval, choice, parallel, action, wait or end)",
                        type);
            }
            if (s->type == TC_STATE_PARALLEL)
                declare_branches(ctx, s, json);
        }
        tc__where_pop(ctx, mark);
    }
    return m;
}

/* ---- pass 2: compiling each state ---- */

/* The index of the state id names in s's machine, or -1 (reported at the current path). */
static int resolve(compile_ctx *ctx, const tc_state *s, const char *id)
{
    char path[TC_WHERE_MAX];
    snprintf(path, sizeof path, "%s%s", s->machine->prefix, id);
    int target = tc_strindex_get(ctx->paths, path);
    if (target < 0 || ctx->states[target].machine != s->machine) {
        if (s->machine->parent != NULL)
            tc__problem(ctx, "unknown state \"%s\" in branch \"%s\"", id, s->machine->name);
        else
            tc__problem(ctx, "unknown state \"%s\"", id);
        return -1;
    }
    return target;
}

static void compile_next(compile_ctx *ctx, tc_state *s, json_t *json)
{
    json_t *next;
    if (tc__get_member(ctx, json, "next", 1, &next) != 1)
        return;
    size_t mark = tc__where_push_key(ctx, "next");
    if (json_typeof(next) == JSON_STRING) {
        tc_transition *t = tc__carve(ctx, 1, sizeof *t);
        t->outcome = s->type == TC_STATE_ACTION ? "ok" : "done";
        t->target = resolve(ctx, s, json_string_value(next));
        s->next = t;
        s->next_count = 1;
    } else if (json_typeof(next) == JSON_OBJECT) {
        tc_transition *list = tc__carve(ctx, json_object_size(next), sizeof *list);
        for (void *it = json_object_iter(next); it != NULL; it = json_object_iter_next(next, it)) {
            const char *outcome = json_object_iter_key(it);
            json_t *target = json_object_iter_value(it);
            size_t inner = tc__where_push_key(ctx, outcome);
            if (json_typeof(target) != JSON_STRING) {
                tc__problem(ctx, "expected a state id");
            } else {
                tc_transition *t = &list[s->next_count++];
                t->outcome = tc__carve_string(ctx, outcome);
                t->target = resolve(ctx, s, json_string_value(target));
            }
            tc__where_pop(ctx, inner);
        }
        s->next = list;
    } else {
        tc__problem(ctx, "expected a state id, or an object mapping each outcome to a state id");
    }
    tc__where_pop(ctx, mark);
}

static void compile_escalation(compile_ctx *ctx, tc_state *s, json_t *json)
{
    static const char *const keys[] = {"levels", "repeat", "until", NULL};
    static const char *const level_keys[] = {"after", "notify", "severity", NULL};
    json_t *esc, *levels, *notify;
    if (tc__get_object(ctx, json, "escalation", 0, &esc) != 1)
        return;
    size_t mark = tc__where_push_key(ctx, "escalation");
    tc_escalation *e = tc__carve(ctx, 1, sizeof *e);
    tc__check_keys(ctx, esc, keys, NULL, NULL);

    if (tc__get_array(ctx, esc, "levels", 1, &levels) == 1) {
        size_t levels_mark = tc__where_push_key(ctx, "levels");
        if (json_array_size(levels) == 0)
            tc__problem(ctx, "expected at least one level");
        tc_level *list = tc__carve(ctx, json_array_size(levels), sizeof *list);
        tc_ms previous = 0;
        char previous_text[40] = "";
        for (size_t i = 0; i < json_array_size(levels); i++) {
            json_t *level = json_array_get(levels, i);
            size_t level_mark = tc__where_push_index(ctx, i);
            tc_level *l = &list[i];
            l->severity = -1;
            if (json_typeof(level) != JSON_OBJECT) {
                tc__problem(ctx, "expected an object with \"after\" and \"notify\"");
                tc__where_pop(ctx, level_mark);
                continue;
            }
            tc__check_keys(ctx, level, level_keys, NULL, NULL);
            if (tc__get_duration(ctx, level, "after", 1, &l->after) == 1) {
                if (l->after <= previous)
                    tc__problem_at(ctx, "after", "must be later than the level before (%s is not after %s)",
                                   json_string_value(json_object_get(level, "after")), previous_text);
                previous = l->after;
                snprintf(previous_text, sizeof previous_text, "%s",
                         json_string_value(json_object_get(level, "after")));
            }
            if (tc__get_member(ctx, level, "notify", 1, &notify) == 1) {
                size_t notify_mark = tc__where_push_key(ctx, "notify");
                if (json_typeof(notify) == JSON_ARRAY && json_array_size(notify) == 0)
                    tc__problem(ctx, "expected at least one role to notify");
                else
                    tc__compile_role_list(ctx, notify, &l->notify);
                tc__where_pop(ctx, notify_mark);
            }
            const char *severity;
            if (tc__get_string(ctx, level, "severity", 0, &severity) == 1) {
                l->severity = tc_severity_parse(severity);
                if (l->severity < 0)
                    tc__problem_at(ctx, "severity",
                                   "unknown severity \"%s\" (extreme, severe, moderate, minor or unknown)",
                                   severity);
            }
            tc__where_pop(ctx, level_mark);
        }
        e->levels = list;
        e->level_count = json_array_size(levels);
        tc__where_pop(ctx, levels_mark);
    }

    long long repeat = 0;
    tc__get_int(ctx, esc, "repeat", 0, 0, 1000, &repeat);
    e->repeat = (int)repeat;

    const char *until;
    e->until = s->type == TC_STATE_TASK ? TC_UNTIL_ACK : TC_UNTIL_DONE;
    if (tc__get_string(ctx, esc, "until", 0, &until) == 1) {
        if (strcmp(until, "done") == 0)
            e->until = TC_UNTIL_DONE;
        else if (strcmp(until, "ack") != 0)
            tc__problem_at(ctx, "until", "must be \"ack\" or \"done\", not \"%s\"", until);
        else if (s->type != TC_STATE_TASK)
            tc__problem_at(ctx, "until", "\"ack\" is only for tasks (%s escalates until it is done)",
                           s->type == TC_STATE_APPROVAL ? "an approval" : "a parallel");
    }
    s->escalation = e;
    tc__where_pop(ctx, mark);
}

/* The role of key (an "assignee" or an approvers' "role"), or -1 (reported). */
static int role_of(compile_ctx *ctx, json_t *json, const char *key)
{
    const char *id;
    if (tc__get_string(ctx, json, key, 1, &id) != 1)
        return -1;
    int role = tc_strindex_get(ctx->roles, id);
    if (role < 0)
        tc__problem_at(ctx, key, "unknown role \"%s\"", id);
    return role;
}

/* "parties" of a task or approvers: required for a per-party role, refused for an office. */
static void seat_parties(compile_ctx *ctx, json_t *json, int role, tc_party_list *out, const char *owner)
{
    json_t *parties;
    int present = tc__get_member(ctx, json, "parties", 0, &parties);
    if (role < 0) {
        return;
    } else if (ctx->pb->roles[role].per_party && !present) {
        tc__problem(ctx, "role \"%s\" has a seat per party, so the %s needs \"parties\" (\"all\" or a list)",
                    ctx->pb->roles[role].id, owner);
    } else if (!ctx->pb->roles[role].per_party && present) {
        tc__problem_at(ctx, "parties", "role \"%s\" is a single office and takes no parties",
                       ctx->pb->roles[role].id);
    } else if (present) {
        size_t mark = tc__where_push_key(ctx, "parties");
        tc__compile_party_list(ctx, parties, out);
        tc__where_pop(ctx, mark);
    }
}

static int is_reserved_outcome(const char *name)
{
    static const char *const reserved[] = {"timeout", "failed", "ok", "approved", "rejected", "done", NULL};
    for (int i = 0; reserved[i] != NULL; i++)
        if (strcmp(reserved[i], name) == 0)
            return 1;
    return 0;
}

static void compile_task(compile_ctx *ctx, tc_state *s, json_t *json)
{
    json_t *value;
    s->task.role = role_of(ctx, json, "assignee");
    seat_parties(ctx, json, s->task.role, &s->task.parties, "task");
    size_t seats = s->task.parties.count;

    if (tc__get_member(ctx, json, "complete", 0, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "complete");
        if (seats == 0 && s->task.role >= 0 && !ctx->pb->roles[s->task.role].per_party) {
            tc__problem(ctx, "only a task with a seat per party can say how many must complete");
        } else if (json_typeof(value) == JSON_STRING && strcmp(json_string_value(value), "all") == 0) {
            s->task.complete = TC_COMPLETE_ALL;
        } else if (json_typeof(value) == JSON_STRING && strcmp(json_string_value(value), "any") == 0) {
            s->task.complete = TC_COMPLETE_ANY;
        } else if (json_typeof(value) == JSON_OBJECT) {
            static const char *const keys[] = {"min", NULL};
            long long min;
            tc__check_keys(ctx, value, keys, NULL, NULL);
            s->task.complete = TC_COMPLETE_MIN;
            if (tc__get_int(ctx, value, "min", 1, 1, 1000000, &min) == 1) {
                s->task.complete_min = (int)min;
                if (seats > 0 && (size_t)min > seats)
                    tc__problem_at(ctx, "min", "must be between 1 and %zu (the number of seats)", seats);
            }
        } else {
            tc__problem(ctx, "expected \"all\", \"any\" or {\"min\": k}");
        }
        tc__where_pop(ctx, mark);
    }

    if (tc__get_array(ctx, json, "outcomes", 0, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "outcomes");
        const char **list = tc__carve(ctx, json_array_size(value), sizeof *list);
        for (size_t i = 0; i < json_array_size(value); i++) {
            json_t *item = json_array_get(value, i);
            size_t item_mark = tc__where_push_index(ctx, i);
            const char *name = json_string_value(item);
            int duplicate = 0;
            for (size_t j = 0; name && j < s->task.outcome_count; j++)
                duplicate |= strcmp(list[j], name) == 0;
            if (name == NULL)
                tc__problem(ctx, "expected an outcome name");
            else if (is_reserved_outcome(name))
                tc__problem(ctx, "\"%s\" is a reserved outcome name", name);
            else if (!tc__is_id(name))
                tc__problem(
                    ctx, "\"%s\" is not a valid outcome name (a-z, 0-9 and _, starting with a letter)", name);
            else if (duplicate)
                tc__problem(ctx, "duplicate outcome \"%s\"", name);
            else
                list[s->task.outcome_count++] = tc__carve_string(ctx, name);
            tc__where_pop(ctx, item_mark);
        }
        s->task.outcomes = list;
        tc__where_pop(ctx, mark);
    }

    if (tc__get_object(ctx, json, "outputs", 0, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "outputs");
        tc_field *fields = tc__carve(ctx, json_object_size(value), sizeof *fields);
        for (void *it = json_object_iter(value); it != NULL; it = json_object_iter_next(value, it)) {
            const char *name = json_object_iter_key(it);
            json_t *field = json_object_iter_value(it);
            size_t field_mark = tc__where_push_key(ctx, name);
            if (!tc__is_id(name))
                tc__problem(ctx, "\"%s\" is not a valid output name (a-z, 0-9 and _, starting with a letter)",
                            name);
            else if (json_typeof(field) != JSON_OBJECT)
                tc__problem(ctx, "expected an object");
            else {
                tc_field *f = &fields[s->task.output_count++];
                tc__compile_field(ctx, field, f, 0);
                f->name = tc__carve_string(ctx, name);
            }
            tc__where_pop(ctx, field_mark);
        }
        s->task.outputs = fields;
        tc__where_pop(ctx, mark);
    }
}

/*
 * Reads 1 to 4 decimal digits at *text (no sign, no space: sscanf's %d would
 * take " +2" and overflow on many digits), advancing past them.
 */
static int small_number(const char **text, int *out)
{
    int digits = 0;
    *out = 0;
    for (; **text >= '0' && **text <= '9'; (*text)++) {
        if (++digits > 4)
            return 0;
        *out = *out * 10 + (**text - '0');
    }
    return digits > 0;
}

static void compile_rule(compile_ctx *ctx, tc_state *s, json_t *json, size_t seats)
{
    static const char *const kinds[] = {"any",    "unanimous", "consensus", "majority",
                                        "quorum", "silence",   NULL};
    static const char *const keys[] = {"kind", "min", "fraction", NULL};
    json_t *rule;
    const char *kind = NULL;
    if (tc__get_member(ctx, json, "rule", 1, &rule) != 1)
        return;
    size_t mark = tc__where_push_key(ctx, "rule");
    int is_object = json_typeof(rule) == JSON_OBJECT;
    if (json_typeof(rule) == JSON_STRING) {
        kind = json_string_value(rule);
    } else if (is_object) {
        tc__check_keys(ctx, rule, keys, NULL, NULL);
        tc__get_string(ctx, rule, "kind", 1, &kind);
    } else {
        tc__problem(ctx, "expected a rule such as \"consensus\" or {\"kind\": \"quorum\", \"min\": 4}");
    }
    int found = -1;
    for (int k = 0; kind != NULL && kinds[k] != NULL; k++)
        if (strcmp(kinds[k], kind) == 0)
            found = k;
    if (kind != NULL && found < 0) {
        if (is_object)
            tc__problem_at(ctx, "kind",
                           "unknown rule \"%s\" (any, unanimous, consensus, majority, quorum or silence)",
                           kind);
        else
            tc__problem(ctx, "unknown rule \"%s\" (any, unanimous, consensus, majority, quorum or silence)",
                        kind);
    }
    s->approval.rule.kind = found < 0 ? TC_RULE_CONSENSUS : (tc_rule_kind)found;

    json_t *value;
    if (found == TC_RULE_QUORUM) {
        long long min;
        if (!is_object)
            tc__problem(ctx, "a quorum needs its threshold: {\"kind\": \"quorum\", \"min\": k}");
        else if (tc__get_int(ctx, rule, "min", 1, 1, 1000000, &min) == 1) {
            s->approval.rule.min = (int)min;
            if (seats > 0 && (size_t)min > seats)
                tc__problem_at(ctx, "min", "must be between 1 and %zu (the number of seats)", seats);
        }
    } else if (is_object && json_object_get(rule, "min") != NULL && found >= 0) {
        tc__problem_at(ctx, "min", "only a quorum takes \"min\"");
    }
    if (is_object && tc__get_member(ctx, rule, "fraction", 0, &value) == 1) {
        int p = 0, q = 0;
        const char *text = json_string_value(value), *c = text;
        if (found >= 0 && found != TC_RULE_MAJORITY)
            tc__problem_at(ctx, "fraction", "only a majority takes \"fraction\"");
        else if (text == NULL || !small_number(&c, &p) || *c++ != '/' || !small_number(&c, &q) ||
                 *c != '\0' || p < 1 || q < 1 || p > q || q > 1000)
            tc__problem_at(ctx, "fraction", "expected a fraction \"p/q\" with 1 <= p <= q, such as \"2/3\"");
        else
            s->approval.rule.numerator = p, s->approval.rule.denominator = q;
    }
    tc__where_pop(ctx, mark);
}

/* The position of the string value in array (the array holds it). */
static size_t position_of(json_t *array, const char *value)
{
    size_t i = 0;
    while (i + 1 < json_array_size(array)) {
        const char *item = json_string_value(json_array_get(array, i));
        if (item != NULL && strcmp(item, value) == 0)
            break;
        i++;
    }
    return i;
}

static void compile_approval(compile_ctx *ctx, tc_state *s, json_t *json)
{
    static const char *const approver_keys[] = {"role", "parties", NULL};
    json_t *approvers, *veto;
    size_t seats = 0;
    s->approval.role = -1;
    if (tc__get_object(ctx, json, "approvers", 1, &approvers) == 1) {
        size_t mark = tc__where_push_key(ctx, "approvers");
        tc__check_keys(ctx, approvers, approver_keys, NULL, NULL);
        s->approval.role = role_of(ctx, approvers, "role");
        seat_parties(ctx, approvers, s->approval.role, &s->approval.parties, "approval");
        /* A per-party role whose parties are missing or wrong has no seats to count rules against. */
        seats = s->approval.role < 0                         ? 0
                : ctx->pb->roles[s->approval.role].per_party ? s->approval.parties.count
                                                             : 1;
        tc__where_pop(ctx, mark);
    }
    compile_rule(ctx, s, json, seats);
    tc__get_bool(ctx, json, "exclude_initiator", 0, &s->approval.exclude_initiator);

    int silence = s->approval.rule.kind == TC_RULE_SILENCE;
    if (silence && json_object_get(json, "deadline") == NULL)
        tc__problem(
            ctx, "the silence procedure needs a \"deadline\" (silence is consent only when time runs out)");
    if (tc__get_member(ctx, json, "veto", 0, &veto) == 1) {
        size_t mark = tc__where_push_key(ctx, "veto");
        if (silence) {
            tc__problem(ctx, "veto cannot be used with the silence rule (any reject already breaks silence)");
        } else if (json_typeof(veto) != JSON_ARRAY) {
            tc__problem(ctx, "expected an array of parties");
        } else {
            tc__compile_party_list(ctx, veto, &s->approval.veto);
            /* Each veto party must hold one of the approvers' seats. */
            for (size_t i = 0; i < s->approval.veto.count && s->approval.role >= 0; i++) {
                int party = s->approval.veto.index[i], among = 0;
                for (size_t j = 0; j < s->approval.parties.count; j++)
                    among |= s->approval.parties.index[j] == party;
                if (!among) {
                    size_t item_mark = tc__where_push_index(ctx, position_of(veto, ctx->pb->parties[party]));
                    tc__problem(ctx, "party \"%s\" is not among the approvers", ctx->pb->parties[party]);
                    tc__where_pop(ctx, item_mark);
                }
            }
        }
        tc__where_pop(ctx, mark);
    }
}

static void compile_choice(compile_ctx *ctx, tc_state *s, json_t *json)
{
    static const char *const keys[] = {"when", "next", NULL};
    json_t *choices;
    const char *otherwise;
    s->choice.otherwise = -1;
    if (tc__get_array(ctx, json, "choices", 1, &choices) == 1) {
        size_t mark = tc__where_push_key(ctx, "choices");
        if (json_array_size(choices) == 0)
            tc__problem(ctx, "expected at least one choice");
        tc_choice *list = tc__carve(ctx, json_array_size(choices), sizeof *list);
        for (size_t i = 0; i < json_array_size(choices); i++) {
            json_t *choice = json_array_get(choices, i), *when;
            const char *next;
            size_t item_mark = tc__where_push_index(ctx, i);
            tc_choice *c = &list[s->choice.count++];
            c->target = -1;
            if (json_typeof(choice) != JSON_OBJECT) {
                tc__problem(ctx, "expected an object with \"when\" and \"next\"");
            } else {
                tc__check_keys(ctx, choice, keys, NULL, NULL);
                /* "when" is compiled in pass 3, once every state is compiled. */
                tc__get_member(ctx, choice, "when", 1, &when);
                if (tc__get_string(ctx, choice, "next", 1, &next) == 1) {
                    size_t next_mark = tc__where_push_key(ctx, "next");
                    c->target = resolve(ctx, s, next);
                    tc__where_pop(ctx, next_mark);
                }
            }
            tc__where_pop(ctx, item_mark);
        }
        s->choice.choices = list;
        tc__where_pop(ctx, mark);
    }
    if (tc__get_string(ctx, json, "otherwise", 1, &otherwise) == 1) {
        size_t mark = tc__where_push_key(ctx, "otherwise");
        s->choice.otherwise = resolve(ctx, s, otherwise);
        tc__where_pop(ctx, mark);
    }
}

/* Pass 3: a condition may read any state, so conditions wait until all are compiled. */
static void compile_conditions(compile_ctx *ctx, tc_state *s, json_t *json)
{
    json_t *choices = json_object_get(json, "choices");
    size_t mark = tc__where_push_key(ctx, "choices");
    for (size_t i = 0; i < s->choice.count; i++) {
        json_t *when = json_object_get(json_array_get(choices, i), "when");
        if (when == NULL)
            continue;
        size_t item_mark = tc__where_push_index(ctx, i);
        tc__where_push_key(ctx, "when");
        ((tc_choice *)&s->choice.choices[i])->when = tc__compile_condition(ctx, when);
        tc__where_pop(ctx, item_mark);
    }
    tc__where_pop(ctx, mark);
}

/*
 * An action's program is a file of the engine's actions directory, named
 * bare: ^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$. Only one path component, so no
 * "/" and never "." or ".."; no leading "-", which a program could take for an
 * option; nothing a shell or a terminal would read as more than a name.
 */
static int is_program_name(const char *name)
{
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        char c = name[n];
        int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!word && (n == 0 || (c != '.' && c != '-')))
            return 0;
    }
    return n >= 1 && n <= 255;
}

/* The problem with a program name, which is shown only when it is safe to print. */
static void bad_program_name(compile_ctx *ctx, const char *name)
{
    static const char rule[] =
        "must be a bare program name in the actions directory: letters, digits, \"_\", "
        "\"-\" and \".\", not starting with \"-\" or \".\" (at most 255)";
    for (const char *p = name; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            tc__problem(ctx, "the program name has control characters; it %s", rule);
            return;
        }
    tc__problem(ctx, "\"%s\" %s", name, rule);
}

static void compile_action(compile_ctx *ctx, tc_state *s, json_t *json)
{
    static const char *const retry_keys[] = {"max", "backoff", NULL};
    json_t *run, *retry;
    if (tc__get_array(ctx, json, "run", 1, &run) == 1) {
        size_t mark = tc__where_push_key(ctx, "run");
        size_t n = json_array_size(run);
        const char **argv = tc__carve(ctx, n + 1, sizeof *argv);
        if (n == 0)
            tc__problem(ctx,
                        "expected the program and its arguments, such as [\"notify-members\", \"--urgent\"]");
        for (size_t i = 0; i < n; i++) {
            const char *arg = json_string_value(json_array_get(run, i));
            size_t item_mark = tc__where_push_index(ctx, i);
            if (arg == NULL)
                tc__problem(ctx, "expected a string");
            else if (i == 0 && !is_program_name(arg))
                bad_program_name(ctx, arg);
            else
                argv[s->action.argc++] = tc__carve_string(ctx, arg);
            tc__where_pop(ctx, item_mark);
        }
        s->action.argv = argv;
        tc__where_pop(ctx, mark);
    }
    s->action.timeout = 30000;
    tc__get_duration(ctx, json, "timeout", 0, &s->action.timeout);
    s->action.retry_backoff = 5000;
    if (tc__get_object(ctx, json, "retry", 0, &retry) == 1) {
        size_t mark = tc__where_push_key(ctx, "retry");
        long long max = 0;
        tc__check_keys(ctx, retry, retry_keys, NULL, NULL);
        tc__get_int(ctx, retry, "max", 1, 0, 100, &max);
        s->action.retry_max = (int)max;
        tc__get_duration(ctx, retry, "backoff", 0, &s->action.retry_backoff);
        tc__where_pop(ctx, mark);
    }
}

static void compile_state(compile_ctx *ctx, tc_state *s, json_t *json)
{
    const char *title;
    json_t *value;
    if (s->type == TYPE_INVALID)
        return;
    check_state_keys(ctx, json, s->type);
    if (tc__get_string(ctx, json, "title", 0, &title) == 1)
        s->title = tc__carve_string(ctx, title);
    if (type_takes(s->type, "deadline"))
        tc__get_duration(ctx, json, "deadline", 0, &s->deadline);
    if (type_takes(s->type, "escalation"))
        compile_escalation(ctx, s, json);
    const char *signatures;
    if (type_takes(s->type, "signatures") && tc__get_string(ctx, json, "signatures", 0, &signatures) == 1) {
        if (strcmp(signatures, "required") == 0)
            s->signatures_required = 1;
        else if (strcmp(signatures, "optional") != 0)
            tc__problem_at(ctx, "signatures", "must be \"required\" or \"optional\", not \"%s\"", signatures);
    }

    switch (s->type) {
    case TC_STATE_TASK:
        compile_task(ctx, s, json);
        break;
    case TC_STATE_APPROVAL:
        compile_approval(ctx, s, json);
        break;
    case TC_STATE_CHOICE:
        compile_choice(ctx, s, json);
        break;
    case TC_STATE_PARALLEL:
        break; /* branches were declared in pass 1 */
    case TC_STATE_ACTION:
        compile_action(ctx, s, json);
        break;
    case TC_STATE_WAIT:
        tc__get_duration(ctx, json, "duration", 1, &s->wait.duration);
        break;
    case TC_STATE_END:
        s->end.outcome = "resolved";
        if (tc__get_string(ctx, json, "outcome", 0, &s->end.outcome) == 1) {
            if (!tc__is_id(s->end.outcome))
                tc__problem_at(ctx, "outcome",
                               "\"%s\" is not a valid outcome name (a-z, 0-9 and _, starting with a letter)",
                               s->end.outcome);
            s->end.outcome = tc__carve_string(ctx, s->end.outcome);
        }
        break;
    }
    if (type_takes(s->type, "next"))
        compile_next(ctx, s, json);
    (void)value;
}

void tc__compile_states(compile_ctx *ctx, json_t *doc)
{
    json_t *states;
    const char *start;
    size_t machines = 0;
    if (tc__get_object(ctx, doc, "states", 1, &states) != 1) {
        tc__get_string(ctx, doc, "start", 1, &start);
        return;
    }
    size_t total = count_states(states, &machines);
    ctx->states = tc__carve(ctx, total, sizeof *ctx->states);
    ctx->state_json = tc_xcalloc(total ? total : 1, sizeof *ctx->state_json);
    ctx->machines = tc_xcalloc(machines, sizeof *ctx->machines);
    ctx->paths = tc_strindex_new(ctx->arena, total);

    size_t mark = tc__where_push_key(ctx, "states");
    tc_machine *root = declare_machine(ctx, states, NULL, "", NULL);
    tc__where_pop(ctx, mark);
    ctx->pb->root = root;
    ctx->pb->states = ctx->states;
    ctx->pb->state_count = ctx->state_count;

    if (tc__get_string(ctx, doc, "start", 1, &start) == 1) {
        root->start = tc_strindex_get(ctx->paths, start);
        if (root->start < 0 || ctx->states[root->start].machine != root) {
            tc__problem_at(ctx, "start", "unknown state \"%s\"", start);
            root->start = -1;
        }
    }

    for (size_t i = 0; i < ctx->state_count; i++) {
        tc_state *s = &ctx->states[i];
        /* Problems inside a state are reported under its own path. */
        snprintf(ctx->where, sizeof ctx->where, "%s", s->where);
        ctx->where_len = strlen(ctx->where);
        compile_state(ctx, s, ctx->state_json[i]);
        tc__where_pop(ctx, 1);
    }
    for (size_t i = 0; i < ctx->state_count; i++) {
        tc_state *s = &ctx->states[i];
        if (s->type != TC_STATE_CHOICE)
            continue;
        snprintf(ctx->where, sizeof ctx->where, "%s", s->where);
        ctx->where_len = strlen(ctx->where);
        compile_conditions(ctx, s, ctx->state_json[i]);
        tc__where_pop(ctx, 1);
    }
}
