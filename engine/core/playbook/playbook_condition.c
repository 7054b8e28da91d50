/*
 * Compiling the conditions of choice states (JSON Logic, a strict subset) and
 * resolving their variables against the playbook, so that a typo in a path
 * is a validation error and not a condition that is silently always false.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/playbook/compile.h"

static const struct {
    const char *name;
    tc_cond_op op;
    int min_args, max_args; /* -1: any number */
} operators[] = {
    {"==", TC_COND_EQ, 2, 2},    {"!=", TC_COND_NE, 2, 2},   {"<", TC_COND_LT, 2, 2},
    {"<=", TC_COND_LE, 2, 2},    {">", TC_COND_GT, 2, 2},    {">=", TC_COND_GE, 2, 2},
    {"and", TC_COND_AND, 1, -1}, {"or", TC_COND_OR, 1, -1},  {"!", TC_COND_NOT, 1, 1},
    {"in", TC_COND_IN, 2, 2},    {"sum", TC_COND_SUM, 1, 1}, {"count", TC_COND_COUNT, 1, 1},
    {"min", TC_COND_MIN, 1, 1},  {"max", TC_COND_MAX, 1, 1}, {"var", TC_COND_VAR, 1, 2},
};

const char *tc_cond_op_name(tc_cond_op op)
{
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
        if (operators[i].op == op)
            return operators[i].name;
    return op == TC_COND_LITERAL ? "literal" : op == TC_COND_ARRAY ? "array" : "?";
}

/* Splits text at dots into at most max segments (copies in seg); returns the count, or -1 for more. */
static int split(const char *text, char seg[][TC_WHERE_MAX / 4], int max)
{
    int n = 0;
    const char *p = text;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n == max || len >= TC_WHERE_MAX / 4)
            return -1;
        memcpy(seg[n], p, len);
        seg[n++][len] = '\0';
        if (dot == NULL)
            return n;
        p = dot + 1;
    }
}

static int output_declared(const tc_state *s, const char *field)
{
    for (size_t i = 0; i < s->task.output_count; i++)
        if (strcmp(s->task.outputs[i].name, field) == 0)
            return 1;
    return 0;
}

/* Resolves a data.<path>... variable; returns 0 or reports and returns -1. */
static int resolve_data(compile_ctx *ctx, tc_cond *c, char seg[][TC_WHERE_MAX / 4], int n)
{
    int index = tc_strindex_get(ctx->paths, seg[1]);
    if (index < 0) {
        tc__problem(ctx, "unknown state \"%s\" in \"%s\"", seg[1], c->var.text);
        return -1;
    }
    const tc_state *s = &ctx->states[index];
    c->var.state = index;
    if (s->type == TC_STATE_ACTION)
        return 0; /* an action's output is whatever JSON its program prints */
    if (s->type != TC_STATE_TASK) {
        tc__problem(ctx, "state \"%s\" keeps no data (only tasks and actions do)", s->path);
        return -1;
    }
    int per_party = s->task.parties.count > 0;
    int field_at = per_party ? 3 : 2;
    if (per_party && n >= 3) {
        if (strcmp(seg[2], "*") != 0 && tc_strindex_get(ctx->parties, seg[2]) < 0) {
            tc__problem(ctx, "task \"%s\" has a seat per party: write data.%s.<party>.%s or data.%s.*.%s",
                        s->path, s->path, seg[2], s->path, seg[2]);
            return -1;
        }
        c->var.party = tc__carve_string(ctx, seg[2]);
    }
    if (n > field_at + 1) {
        tc__problem(ctx, "\"%s\" goes deeper than the outputs of task \"%s\"", c->var.text, s->path);
        return -1;
    }
    if (n == field_at + 1) {
        if (!output_declared(s, seg[field_at])) {
            tc__problem(ctx, "task \"%s\" has no output \"%s\"", s->path, seg[field_at]);
            return -1;
        }
        c->var.name = tc__carve_string(ctx, seg[field_at]);
    }
    return 0;
}

static void resolve_var(compile_ctx *ctx, tc_cond *c)
{
    char seg[5][TC_WHERE_MAX / 4];
    int n = split(c->var.text, seg, 5);
    if (n < 0) {
        /* Deeper than data.<state>.<party>.<field>.<more>, or a part no name can be. */
        tc__problem(ctx, "unknown variable \"%s\" (more than 5 parts, or a part of %d characters or more)",
                    c->var.text, TC_WHERE_MAX / 4);
    } else if (strcmp(seg[0], "inputs") == 0) {
        c->var.kind = TC_VAR_INPUT;
        if (n != 2)
            tc__problem(ctx, "expected inputs.<name>, not \"%s\"", c->var.text);
        else if (tc_strindex_get(ctx->inputs, seg[1]) < 0)
            tc__problem(ctx, "unknown input \"%s\"", seg[1]);
        else
            c->var.name = tc__carve_string(ctx, seg[1]);
    } else if (strcmp(seg[0], "crisis") == 0) {
        c->var.kind = TC_VAR_CRISIS;
        if (n != 2 || (strcmp(seg[1], "severity") && strcmp(seg[1], "mode") && strcmp(seg[1], "parties")))
            tc__problem(ctx,
                        "unknown crisis attribute in \"%s\" (crisis.severity, crisis.mode or crisis.parties)",
                        c->var.text);
        else
            c->var.name = tc__carve_string(ctx, seg[1]);
    } else if (strcmp(seg[0], "approval") == 0) {
        c->var.kind = TC_VAR_APPROVAL;
        int index = n == 3 ? tc_strindex_get(ctx->paths, seg[1]) : -1;
        if (n != 3 || (strcmp(seg[2], "approve") && strcmp(seg[2], "reject") && strcmp(seg[2], "abstain")))
            tc__problem(ctx, "expected approval.<state>.approve, .reject or .abstain, not \"%s\"",
                        c->var.text);
        else if (index < 0)
            tc__problem(ctx, "unknown state \"%s\" in \"%s\"", seg[1], c->var.text);
        else if (ctx->states[index].type != TC_STATE_APPROVAL)
            tc__problem(ctx, "state \"%s\" is not an approval", seg[1]);
        else {
            c->var.state = index;
            c->var.name = tc__carve_string(ctx, seg[2]);
        }
    } else if (n >= 2 && strcmp(seg[0], "data") == 0) {
        c->var.kind = TC_VAR_DATA;
        resolve_data(ctx, c, seg, n);
    } else {
        tc__problem(ctx, "unknown variable \"%s\" (it starts with inputs., data., crisis. or approval.)",
                    c->var.text);
    }
}

static const tc_cond *compile_var(compile_ctx *ctx, tc_cond *c, json_t *arg)
{
    json_t *path = arg;
    c->op = TC_COND_VAR;
    if (json_typeof(arg) == JSON_ARRAY) {
        if (json_array_size(arg) < 1 || json_array_size(arg) > 2) {
            tc__problem(ctx, "expected {\"var\": \"path\"} or {\"var\": [\"path\", default]}");
            return c;
        }
        path = json_array_get(arg, 0);
        c->var.fallback = json_array_get(arg, 1);
    }
    if (json_typeof(path) != JSON_STRING) {
        tc__problem(ctx, "expected a variable path such as \"inputs.requesting_state\"");
        return c;
    }
    c->var.text = tc__carve_string(ctx, json_string_value(path));
    c->var.state = -1;
    resolve_var(ctx, c);
    return c;
}

/* json is there: a choice's "when", an operand or an item of an array. */
const tc_cond *tc__compile_condition(compile_ctx *ctx, json_t *json)
{
    tc_cond *c = tc__carve(ctx, 1, sizeof *c);

    if (json_typeof(json) == JSON_ARRAY) {
        const tc_cond **items = tc__carve(ctx, json_array_size(json), sizeof *items);
        c->op = TC_COND_ARRAY;
        for (size_t i = 0; i < json_array_size(json); i++) {
            size_t mark = tc__where_push_index(ctx, i);
            items[c->argc++] = tc__compile_condition(ctx, json_array_get(json, i));
            tc__where_pop(ctx, mark);
        }
        c->args = items;
        return c;
    }
    if (json_typeof(json) != JSON_OBJECT) {
        c->op = TC_COND_LITERAL;
        c->literal = json;
        return c;
    }
    if (json_object_size(json) != 1) {
        tc__problem(ctx, "expected one operator, such as {\"==\": [{\"var\": \"inputs.x\"}, 1]}");
        return c;
    }

    const char *name = json_object_iter_key(json_object_iter(json));
    json_t *arg = json_object_iter_value(json_object_iter(json));
    size_t op = 0;
    while (op < sizeof operators / sizeof operators[0] && strcmp(operators[op].name, name) != 0)
        op++;
    if (op == sizeof operators / sizeof operators[0]) {
        tc__problem(ctx, "unknown operator \"%s\"", name);
        return c;
    }
    size_t mark = tc__where_push_key(ctx, name);
    if (operators[op].op == TC_COND_VAR) {
        compile_var(ctx, c, arg);
        tc__where_pop(ctx, mark);
        return c;
    }

    /* Operands: an array of them, or one operand on its own ({"!": {"var": ...}}). */
    int listed = json_typeof(arg) == JSON_ARRAY;
    size_t argc = listed ? json_array_size(arg) : 1;
    c->op = operators[op].op;
    if ((int)argc < operators[op].min_args ||
        (operators[op].max_args >= 0 && (int)argc > operators[op].max_args)) {
        const char *plural = operators[op].min_args == 1 ? "" : "s";
        if (operators[op].min_args == operators[op].max_args)
            tc__problem(ctx, "\"%s\" takes %d operand%s", name, operators[op].min_args, plural);
        else
            tc__problem(ctx, "\"%s\" takes at least %d operand%s", name, operators[op].min_args, plural);
    }
    const tc_cond **args = tc__carve(ctx, argc, sizeof *args);
    for (size_t i = 0; i < argc; i++) {
        if (listed) {
            size_t inner = tc__where_push_index(ctx, i);
            args[c->argc++] = tc__compile_condition(ctx, json_array_get(arg, i));
            tc__where_pop(ctx, inner);
        } else {
            args[c->argc++] = tc__compile_condition(ctx, arg);
        }
    }
    c->args = args;
    tc__where_pop(ctx, mark);
    return c;
}
