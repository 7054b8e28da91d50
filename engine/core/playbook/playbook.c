/*
 * The playbook compiler's entry point and the playbook's top level: format,
 * name, parties, observers, roles, inputs and permissions. The states are
 * compiled by playbook_states.c and the graph checked by playbook_check.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/playbook/compile.h"

static const char *const top_keys[] = {
    "format", "name",   "title",       "description", "parties", "observers",
    "roles",  "inputs", "permissions", "start",       "states",  NULL,
};

/* An array of unique names matching tc__is_party_name, interned in index (when not NULL). */
static const char *const *compile_names(compile_ctx *ctx, json_t *array, const char *what, tc_strindex *index,
                                        size_t *count)
{
    size_t n = json_array_size(array);
    const char **names = tc__carve(ctx, n, sizeof *names);
    tc_strindex *seen = tc_strindex_new(ctx->arena, n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(array, i);
        size_t mark = tc__where_push_index(ctx, i);
        if (json_typeof(item) != JSON_STRING) {
            tc__problem(ctx, "expected a string");
        } else if (!tc__is_party_name(json_string_value(item))) {
            tc__problem(ctx, "\"%s\" is not a valid %s name (letters, digits, _ and -, up to 32)",
                        json_string_value(item), what);
        } else if (tc_strindex_put(seen, json_string_value(item), (int)kept) == 1) {
            tc__problem(ctx, "duplicate %s \"%s\"", what, json_string_value(item));
        } else {
            names[kept] = tc__carve_string(ctx, json_string_value(item));
            if (index != NULL)
                tc_strindex_put(index, names[kept], (int)kept);
            kept++;
        }
        tc__where_pop(ctx, mark);
    }
    *count = kept;
    return names;
}

static void compile_roles(compile_ctx *ctx, json_t *roles)
{
    static const char *const keys[] = {"title", "per_party", NULL};
    size_t n = json_object_size(roles), i = 0;
    tc_role *out = tc__carve(ctx, n, sizeof *out);
    for (void *it = json_object_iter(roles); it != NULL; it = json_object_iter_next(roles, it)) {
        const char *id = json_object_iter_key(it);
        json_t *role = json_object_iter_value(it);
        size_t mark = tc__where_push_key(ctx, id);
        if (!tc__is_id(id)) {
            tc__problem(
                ctx, "\"%s\" is not a valid role id (a-z, 0-9 and _, starting with a letter, up to 63)", id);
        } else if (json_typeof(role) != JSON_OBJECT) {
            tc__problem(ctx, "expected an object");
        } else {
            tc_role *r = &out[i];
            tc__check_keys(ctx, role, keys, NULL, NULL);
            tc__get_string(ctx, role, "title", 1, &r->title);
            tc__get_bool(ctx, role, "per_party", 0, &r->per_party);
            r->id = tc__carve_string(ctx, id);
            r->title = tc__carve_string(ctx, r->title);
            tc_strindex_put(ctx->roles, r->id, (int)i);
            i++;
        }
        tc__where_pop(ctx, mark);
    }
    ctx->pb->roles = out;
    ctx->pb->role_count = i;
}

/* Whether value, which is there (jansson's json_is_number tests for NULL too), is a number. */
static int is_number(const json_t *value)
{
    return json_typeof(value) == JSON_INTEGER || json_typeof(value) == JSON_REAL;
}

/* Whether value (there) has the field's type (and names a party, for party fields). */
static int value_fits(compile_ctx *ctx, const tc_field *field, json_t *value)
{
    switch (field->type) {
    case TC_VALUE_STRING:
        return json_typeof(value) == JSON_STRING;
    case TC_VALUE_INTEGER:
        return json_typeof(value) == JSON_INTEGER;
    case TC_VALUE_NUMBER:
        return is_number(value);
    case TC_VALUE_BOOLEAN:
        return json_typeof(value) == JSON_TRUE || json_typeof(value) == JSON_FALSE;
    case TC_VALUE_PARTY:
        return json_typeof(value) == JSON_STRING &&
               tc_strindex_get(ctx->parties, json_string_value(value)) >= 0;
    }
    return 0;
}

static const char *a_value_type(tc_value_type type)
{
    switch (type) {
    case TC_VALUE_STRING:
        return "a string";
    case TC_VALUE_INTEGER:
        return "an integer";
    case TC_VALUE_NUMBER:
        return "a number";
    case TC_VALUE_BOOLEAN:
        return "true or false";
    case TC_VALUE_PARTY:
        return "one of the playbook's parties";
    }
    return "a value";
}

void tc__compile_field(compile_ctx *ctx, json_t *json, tc_field *field, int is_input)
{
    static const char *const input_keys[] = {"type", "required", "default", "enum",
                                             "min",  "max",      "title",   NULL};
    static const char *const output_keys[] = {"type", "required", "enum", "min", "max", "title", NULL};
    const char *type = NULL;
    json_t *value;

    tc__check_keys(ctx, json, is_input ? input_keys : output_keys, NULL, NULL);
    field->type = (tc_value_type)-1;
    if (tc__get_string(ctx, json, "type", 1, &type) == 1) {
        static const char *const names[] = {"string", "integer", "number", "boolean", "party"};
        for (size_t t = 0; t < sizeof names / sizeof names[0]; t++)
            if (strcmp(type, names[t]) == 0)
                field->type = (tc_value_type)t;
        if ((int)field->type < 0)
            tc__problem_at(ctx, "type", "unknown type \"%s\" (string, integer, number, boolean or party)",
                           type);
    }
    tc__get_bool(ctx, json, "required", 0, &field->required);
    tc__get_string(ctx, json, "title", 0, &field->title);
    field->title = tc__carve_string(ctx, field->title);

    int numeric = field->type == TC_VALUE_INTEGER || field->type == TC_VALUE_NUMBER;
    static const char *const bounds[] = {"min", "max"};
    for (int b = 0; b < 2; b++) {
        if (tc__get_member(ctx, json, bounds[b], 0, &value) != 1)
            continue;
        if (!is_number(value)) {
            tc__problem_at(ctx, bounds[b], "expected a number");
        } else if (!numeric && (int)field->type >= 0) {
            tc__problem_at(ctx, bounds[b], "only integer and number fields have bounds");
        } else if (b == 0) {
            field->has_min = 1;
            field->min = json_number_value(value);
        } else {
            field->has_max = 1;
            field->max = json_number_value(value);
        }
    }
    if (field->has_min && field->has_max && field->min > field->max)
        tc__problem_at(ctx, "max", "must not be below min");

    if (tc__get_member(ctx, json, "enum", 0, &value) == 1) {
        if (json_typeof(value) != JSON_ARRAY || json_array_size(value) == 0) {
            tc__problem_at(ctx, "enum", "expected a non-empty array of allowed values");
        } else {
            field->enum_values = value;
            size_t mark = tc__where_push_key(ctx, "enum");
            for (size_t i = 0; i < json_array_size(value); i++)
                if ((int)field->type >= 0 && !value_fits(ctx, field, json_array_get(value, i))) {
                    size_t m = tc__where_push_index(ctx, i);
                    tc__problem(ctx, "expected %s", a_value_type(field->type));
                    tc__where_pop(ctx, m);
                }
            tc__where_pop(ctx, mark);
        }
    }
    if (is_input && tc__get_member(ctx, json, "default", 0, &value) == 1 && (int)field->type >= 0) {
        field->default_value = value;
        if (!value_fits(ctx, field, value))
            tc__problem_at(ctx, "default", "expected %s", a_value_type(field->type));
        else if (field->enum_values != NULL) {
            size_t i = 0;
            while (i < json_array_size(field->enum_values) &&
                   !json_equal(json_array_get(field->enum_values, i), value))
                i++;
            if (i == json_array_size(field->enum_values)) {
                /* json_dumps fails only when memory runs out, which aborts (core/base/alloc.h). */
                char *text = json_dumps(value, JSON_ENCODE_ANY);
                tc__problem_at(ctx, "default", "%s is not one of the enum values", text);
                free(text);
            }
        } else if (is_number(value) && ((field->has_min && json_number_value(value) < field->min) ||
                                        (field->has_max && json_number_value(value) > field->max))) {
            tc__problem_at(ctx, "default", "%g is out of the range from min to max",
                           json_number_value(value));
        }
    }
}

static void compile_inputs(compile_ctx *ctx, json_t *inputs)
{
    size_t n = json_object_size(inputs), i = 0;
    tc_field *out = tc__carve(ctx, n, sizeof *out);
    for (void *it = json_object_iter(inputs); it != NULL; it = json_object_iter_next(inputs, it)) {
        const char *name = json_object_iter_key(it);
        json_t *input = json_object_iter_value(it);
        size_t mark = tc__where_push_key(ctx, name);
        if (!tc__is_id(name)) {
            tc__problem(ctx, "\"%s\" is not a valid input name (a-z, 0-9 and _, starting with a letter)",
                        name);
        } else if (json_typeof(input) != JSON_OBJECT) {
            tc__problem(ctx, "expected an object");
        } else {
            tc__compile_field(ctx, input, &out[i], 1);
            out[i].name = tc__carve_string(ctx, name);
            tc_strindex_put(ctx->inputs, out[i].name, (int)i);
            i++;
        }
        tc__where_pop(ctx, mark);
    }
    ctx->pb->inputs = out;
    ctx->pb->input_count = i;
}

void tc__compile_role_list(compile_ctx *ctx, json_t *array, tc_role_list *out)
{
    out->given = 1;
    if (json_typeof(array) != JSON_ARRAY) {
        tc__problem(ctx, "expected an array of role ids");
        return;
    }
    int *index = tc__carve(ctx, json_array_size(array), sizeof *index);
    for (size_t i = 0; i < json_array_size(array); i++) {
        json_t *item = json_array_get(array, i);
        size_t mark = tc__where_push_index(ctx, i);
        const char *id = json_string_value(item); /* NULL when not a string */
        int role = id ? tc_strindex_get(ctx->roles, id) : -1;
        if (id == NULL)
            tc__problem(ctx, "expected a role id");
        else if (role < 0)
            tc__problem(ctx, "unknown role \"%s\"", id);
        else
            index[out->count++] = role;
        tc__where_pop(ctx, mark);
    }
    out->index = index;
}

void tc__compile_party_list(compile_ctx *ctx, json_t *value, tc_party_list *out)
{
    size_t n = ctx->pb->party_count;
    if (json_typeof(value) == JSON_STRING && strcmp(json_string_value(value), "all") == 0) {
        int *index = tc__carve(ctx, n, sizeof *index);
        for (size_t i = 0; i < n; i++)
            index[i] = (int)i;
        out->all = 1;
        out->index = index;
        out->count = n;
        return;
    }
    if (json_typeof(value) != JSON_ARRAY || json_array_size(value) == 0) {
        tc__problem(ctx, "expected \"all\" or a non-empty array of parties");
        return;
    }
    int *index = tc__carve(ctx, json_array_size(value), sizeof *index);
    for (size_t i = 0; i < json_array_size(value); i++) {
        const char *name = json_string_value(json_array_get(value, i)); /* NULL when not a string */
        size_t mark = tc__where_push_index(ctx, i);
        int party = name ? tc_strindex_get(ctx->parties, name) : -1;
        int duplicate = 0;
        for (size_t j = 0; j < out->count; j++)
            duplicate |= index[j] == party;
        if (name == NULL)
            tc__problem(ctx, "expected a party");
        else if (party < 0)
            tc__problem(ctx, "unknown party \"%s\"", name);
        else if (duplicate)
            tc__problem(ctx, "duplicate party \"%s\"", name);
        else
            index[out->count++] = party;
        tc__where_pop(ctx, mark);
    }
    out->index = index;
}

static void compile_permissions(compile_ctx *ctx, json_t *permissions)
{
    static const char *const keys[] = {"trigger", "escalate", "cancel", NULL};
    tc_role_list *lists[] = {&ctx->pb->permit_trigger, &ctx->pb->permit_escalate, &ctx->pb->permit_cancel};
    tc__check_keys(ctx, permissions, keys, NULL, NULL);
    for (int i = 0; i < 3; i++) {
        json_t *value;
        if (tc__get_member(ctx, permissions, keys[i], 0, &value) != 1)
            continue;
        size_t mark = tc__where_push_key(ctx, keys[i]);
        tc__compile_role_list(ctx, value, lists[i]);
        tc__where_pop(ctx, mark);
    }
}

static void compile_top(compile_ctx *ctx, json_t *doc)
{
    tc_playbook *pb = ctx->pb;
    const char *text;
    json_t *value;

    tc__check_keys(ctx, doc, top_keys, NULL, NULL);
    if (tc__get_string(ctx, doc, "format", 1, &text) == 1 && strcmp(text, TC_PLAYBOOK_FORMAT) != 0)
        tc__problem_at(ctx, "format", "must be \"%s\", not \"%s\"", TC_PLAYBOOK_FORMAT, text);
    if (tc__get_string(ctx, doc, "name", 1, &text) == 1) {
        if (!tc__is_slug(text))
            tc__problem_at(
                ctx, "name",
                "\"%s\" is not a valid name (a-z, 0-9 and -, starting with a letter or digit, up to 63)",
                text);
        pb->name = tc__carve_string(ctx, text);
    }
    if (tc__get_string(ctx, doc, "title", 1, &text) == 1)
        pb->title = tc__carve_string(ctx, text);
    if (tc__get_string(ctx, doc, "description", 0, &text) == 1)
        pb->description = tc__carve_string(ctx, text);

    if (tc__get_array(ctx, doc, "parties", 1, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "parties");
        pb->parties = compile_names(ctx, value, "party", ctx->parties, &pb->party_count);
        tc__where_pop(ctx, mark);
    }
    if (tc__get_array(ctx, doc, "observers", 0, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "observers");
        pb->observers = compile_names(ctx, value, "observer", NULL, &pb->observer_count);
        tc__where_pop(ctx, mark);
    }
    if (tc__get_object(ctx, doc, "roles", 1, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "roles");
        compile_roles(ctx, value);
        tc__where_pop(ctx, mark);
    }
    if (tc__get_object(ctx, doc, "inputs", 0, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "inputs");
        compile_inputs(ctx, value);
        tc__where_pop(ctx, mark);
    }
    if (tc__get_object(ctx, doc, "permissions", 0, &value) == 1) {
        size_t mark = tc__where_push_key(ctx, "permissions");
        compile_permissions(ctx, value);
        tc__where_pop(ctx, mark);
    }
}

int tc_playbook_is_json_schema(const char *text, size_t length)
{
    json_t *doc = json_loadb(text, length, 0, NULL);
    const char *schema = json_string_value(json_object_get(doc, "$schema"));
    int is_schema = schema != NULL && strstr(schema, "json-schema.org") != NULL;
    json_decref(doc);
    return is_schema;
}

void tc_playbook_free(tc_playbook *playbook)
{
    if (playbook == NULL)
        return;
    json_decref(playbook->source);
    tc_arena_free(playbook->arena);
}

int tc_playbook_compile(const char *text, size_t length, tc_playbook **out, tc_diags *diags, tc_error *err)
{
    tc_diags local = {0};
    compile_ctx ctx = {0};
    json_error_t jerr;
    int rc = 0;

    ctx.diags = diags ? diags : &local;
    json_t *doc = json_loadb(text, length, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        tc_diags_add(ctx.diags, NULL, jerr.line, jerr.column, "%s", jerr.text);
        rc = tc_error_set(err, TC_EINVAL, "not valid JSON: line %d, column %d: %s", jerr.line, jerr.column,
                          jerr.text);
        tc_diags_clear(&local);
        return rc;
    }

    /* Memory never runs out here: the arena and the diagnostics abort instead (core/base/alloc.h). */
    tc_arena *arena = tc_arena_new();
    tc_playbook *pb = tc_arena_alloc(arena, sizeof *pb);
    pb->arena = arena;
    pb->source = doc;
    ctx.arena = arena;
    ctx.pb = pb;
    ctx.where[0] = '$';
    ctx.where_len = 1;
    ctx.roles = tc_strindex_new(arena, 16);
    ctx.parties = tc_strindex_new(arena, 16);
    ctx.inputs = tc_strindex_new(arena, 16);

    if (json_typeof(doc) != JSON_OBJECT) {
        tc__problem(&ctx, "expected an object (a playbook is one JSON object)");
    } else {
        compile_top(&ctx, doc);
        tc__compile_states(&ctx, doc);
        tc__check_graph(&ctx);
    }
    free(ctx.state_json);
    free(ctx.machines);
    pb->paths = ctx.paths;

    if (ctx.problems > 0)
        rc = tc_error_set(err, TC_EINVAL, "the playbook has %d problem%s", ctx.problems,
                          ctx.problems == 1 ? "" : "s");
    if (rc != 0) {
        tc_playbook_free(pb);
        tc_diags_clear(&local);
        return rc;
    }
    *out = pb;
    return 0;
}

const tc_state *tc_playbook_state(const tc_playbook *playbook, const char *path)
{
    /* Every compiled playbook has paths: a playbook without states does not compile. */
    int i = path ? tc_strindex_get(playbook->paths, path) : -1;
    return i >= 0 ? &playbook->states[i] : NULL;
}

static int find_name(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; name != NULL && i < count; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

int tc_playbook_role(const tc_playbook *playbook, const char *id)
{
    for (size_t i = 0; id != NULL && i < playbook->role_count; i++)
        if (strcmp(playbook->roles[i].id, id) == 0)
            return (int)i;
    return -1;
}

int tc_playbook_party(const tc_playbook *playbook, const char *id)
{
    return find_name(playbook->parties, playbook->party_count, id);
}

int tc_playbook_input(const tc_playbook *playbook, const char *name)
{
    for (size_t i = 0; name != NULL && i < playbook->input_count; i++)
        if (strcmp(playbook->inputs[i].name, name) == 0)
            return (int)i;
    return -1;
}

const tc_state *tc_state_next(const tc_playbook *playbook, const tc_state *state, const char *outcome)
{
    for (size_t i = 0; i < state->next_count; i++)
        if (strcmp(state->next[i].outcome, outcome) == 0)
            return &playbook->states[state->next[i].target];
    return NULL;
}

const char *tc_state_type_name(tc_state_type type)
{
    static const char *const names[] = {"task", "approval", "choice", "parallel", "action", "wait", "end"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "?";
}

static const char *const severity_names[] = {"unknown", "minor", "moderate", "severe", "extreme"};
static const char *const mode_names[] = {"actual", "exercise", "test"};

const char *tc_severity_name(tc_severity severity)
{
    return (unsigned)severity < 5 ? severity_names[severity] : "?";
}

int tc_severity_parse(const char *word)
{
    return word ? find_name(severity_names, 5, word) : -1;
}

const char *tc_mode_name(tc_mode mode)
{
    return (unsigned)mode < 3 ? mode_names[mode] : "?";
}

int tc_mode_parse(const char *word)
{
    return word ? find_name(mode_names, 3, word) : -1;
}

const char *tc_value_type_name(tc_value_type type)
{
    static const char *const names[] = {"string", "integer", "number", "boolean", "party"};
    return (unsigned)type < 5 ? names[type] : "?";
}

const char *tc_rule_kind_name(tc_rule_kind kind)
{
    static const char *const names[] = {"any", "unanimous", "consensus", "majority", "quorum", "silence"};
    return (unsigned)kind < 6 ? names[kind] : "?";
}
