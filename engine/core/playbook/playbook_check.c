/*
 * Checks on the compiled graph: every outcome a state can produce has a next
 * state and nothing else does, every state is reachable from its machine's
 * start, and an end can be reached from every state.
 *
 * Which outcomes a parallel can produce depends on its branches (`failed` only
 * when a branch can reach an end whose outcome is failed), so machines are
 * visited innermost first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/playbook/compile.h"

#define TYPE_INVALID ((tc_state_type)-1)

/* Room for every outcome a state can produce: its task outcomes and three more. */
typedef struct outcome_set {
    const char **names;
    size_t count;
} outcome_set;

static void add(outcome_set *set, const char *name)
{
    set->names[set->count++] = name;
}

static int has(const outcome_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->names[i], name) == 0)
            return 1;
    return 0;
}

/*
 * The outcomes s can produce (none for choice and end). A deadline that was
 * written but did not parse still counts, so that its own problem is not
 * followed by a second one about the timeout.
 */
static void produced(const tc_state *s, int has_deadline, outcome_set *set)
{
    set->count = 0;
    switch (s->type) {
    case TC_STATE_TASK:
        add(set, "done");
        for (size_t i = 0; i < s->task.outcome_count; i++)
            add(set, s->task.outcomes[i]);
        if (has_deadline)
            add(set, "timeout");
        break;
    case TC_STATE_APPROVAL:
        add(set, "approved");
        add(set, "rejected");
        if (has_deadline && s->approval.rule.kind != TC_RULE_SILENCE)
            add(set, "timeout");
        break;
    case TC_STATE_PARALLEL:
        add(set, "done");
        if (s->parallel.can_fail)
            add(set, "failed");
        if (has_deadline)
            add(set, "timeout");
        break;
    case TC_STATE_ACTION:
        add(set, "ok");
        add(set, "failed");
        break;
    case TC_STATE_WAIT:
        add(set, "done");
        break;
    case TC_STATE_CHOICE:
    case TC_STATE_END:
        break;
    }
}

/* Why s cannot produce outcome (plain: its next is a state id): the most helpful phrase we can give. */
static void explain_impossible(compile_ctx *ctx, const tc_state *s, const char *outcome, int plain)
{
    if (strcmp(outcome, "timeout") == 0 && s->type == TC_STATE_APPROVAL &&
        s->approval.rule.kind == TC_RULE_SILENCE)
        tc__problem(ctx, "a silence procedure never times out (its deadline approves)");
    else if (strcmp(outcome, "timeout") == 0)
        tc__problem(ctx, "the state has no \"deadline\", so it cannot time out");
    else if (strcmp(outcome, "failed") == 0 && s->type == TC_STATE_PARALLEL)
        tc__problem(ctx, "no branch can reach an end whose outcome is \"failed\"");
    else if (strcmp(outcome, "done") == 0 && plain)
        tc__problem(ctx, "%s state cannot produce outcome \"done\" (a plain next means {\"done\": ...})",
                    tc__a_state_type(s->type));
    else
        tc__problem(ctx, "%s state cannot produce outcome \"%s\"", tc__a_state_type(s->type), outcome);
}

static void check_outcomes(compile_ctx *ctx, const tc_state *s)
{
    json_t *next = json_object_get(ctx->state_json[s->index], "next");
    /*
     * A next that is missing, or neither a state id nor an object, is its own
     * problem already; so is one on a choice or an end, which take none (they
     * produce no outcome, so it is not compiled and nothing more is said).
     */
    if (s->type == TYPE_INVALID || !(json_is_string(next) || json_is_object(next)))
        return;
    outcome_set set = {
        tc_xcalloc(3 + (s->type == TC_STATE_TASK ? s->task.outcome_count : 0), sizeof *set.names), 0};
    produced(s, json_object_get(ctx->state_json[s->index], "deadline") != NULL, &set);
    int plain = json_typeof(next) == JSON_STRING;

    tc__where_pop(ctx, 0);
    snprintf(ctx->where, sizeof ctx->where, "%s", s->where);
    ctx->where_len = strlen(ctx->where);
    tc__where_push_key(ctx, "next");
    for (size_t i = 0; i < s->next_count; i++) {
        if (has(&set, s->next[i].outcome))
            continue;
        if (plain) {
            explain_impossible(ctx, s, s->next[i].outcome, plain);
        } else {
            size_t inner = tc__where_push_key(ctx, s->next[i].outcome);
            explain_impossible(ctx, s, s->next[i].outcome, plain);
            tc__where_pop(ctx, inner);
        }
    }
    for (size_t i = 0; i < set.count; i++) {
        /* An outcome whose target is not a state id is mapped all the same: that is its problem. */
        int mapped = !plain && json_object_get(next, set.names[i]) != NULL;
        for (size_t j = 0; j < s->next_count; j++)
            mapped |= strcmp(s->next[j].outcome, set.names[i]) == 0;
        if (!mapped)
            tc__problem(ctx, "no next state for outcome \"%s\"", set.names[i]);
    }
    free(set.names);
    tc__where_pop(ctx, 1);
}

/*
 * Fills targets with the states s can go to directly; returns how many. Only
 * states of whole machines are asked (machine_is_whole): every type is known
 * and every target resolved.
 */
static int for_each_edge(const tc_state *s, int *targets)
{
    int n = 0;
    for (size_t i = 0; i < s->next_count; i++)
        targets[n++] = s->next[i].target;
    if (s->type == TC_STATE_CHOICE) {
        for (size_t i = 0; i < s->choice.count; i++)
            targets[n++] = s->choice.choices[i].target;
        targets[n++] = s->choice.otherwise;
    }
    return n;
}

static size_t edge_capacity(const tc_state *s)
{
    if (s->type == TYPE_INVALID)
        return 0;
    return s->next_count + (s->type == TC_STATE_CHOICE ? s->choice.count + 1 : 0);
}

/* A machine whose references do not all resolve is not checked for reachability: the
 * unresolved reference is the problem, and the rest would be noise. */
static int machine_is_whole(compile_ctx *ctx, const tc_machine *m)
{
    if (m->start < 0)
        return 0;
    for (size_t i = 0; i < m->count; i++) {
        const tc_state *s = &ctx->states[m->states[i]];
        json_t *json = ctx->state_json[s->index];
        if (s->type == TYPE_INVALID)
            return 0;
        for (size_t j = 0; j < s->next_count; j++)
            if (s->next[j].target < 0)
                return 0;
        /* Every item of "choices" is counted, an unusable one with target -1. */
        if (s->type == TC_STATE_CHOICE) {
            if (s->choice.otherwise < 0)
                return 0;
            for (size_t j = 0; j < s->choice.count; j++)
                if (s->choice.choices[j].target < 0)
                    return 0;
        }
        json_t *next = json_object_get(json, "next");
        if (next != NULL && s->next_count != (json_typeof(next) == JSON_STRING ? 1 : json_object_size(next)))
            return 0;
        /* every type but choice and end needs a next, and a next that is a state id or an object */
        if (s->type != TC_STATE_CHOICE && s->type != TC_STATE_END && !json_is_string(next) &&
            !json_is_object(next))
            return 0;
    }
    return 1;
}

static void check_machine(compile_ctx *ctx, tc_machine *m, unsigned char *reached, unsigned char *ends,
                          int *stack, int *edges)
{
    if (!machine_is_whole(ctx, m)) {
        /* Still say whether the parallel above can fail, so its next is judged fairly. */
        for (size_t i = 0; i < m->count && m->parent != NULL; i++) {
            const tc_state *s = &ctx->states[m->states[i]];
            if (s->type == TC_STATE_END && strcmp(s->end.outcome, "failed") == 0)
                ((tc_state *)m->parent)->parallel.can_fail = 1;
        }
        return;
    }

    /* Forward from start. */
    size_t top = 0;
    reached[m->start] = 1;
    stack[top++] = m->start;
    while (top > 0) {
        const tc_state *s = &ctx->states[stack[--top]];
        int n = for_each_edge(s, edges);
        for (int i = 0; i < n; i++)
            if (!reached[edges[i]]) {
                reached[edges[i]] = 1;
                stack[top++] = edges[i];
            }
    }

    /* Backward from the ends: iterate to a fixed point (machines are small). */
    int changed = 1;
    for (size_t i = 0; i < m->count; i++)
        if (ctx->states[m->states[i]].type == TC_STATE_END)
            ends[m->states[i]] = 1;
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < m->count; i++) {
            int index = m->states[i];
            if (ends[index])
                continue;
            int n = for_each_edge(&ctx->states[index], edges);
            for (int j = 0; j < n; j++)
                if (ends[edges[j]]) {
                    ends[index] = 1;
                    changed = 1;
                    break;
                }
        }
    }

    for (size_t i = 0; i < m->count; i++) {
        const tc_state *s = &ctx->states[m->states[i]];
        tc__where_pop(ctx, 0);
        snprintf(ctx->where, sizeof ctx->where, "%s", s->where);
        ctx->where_len = strlen(ctx->where);
        if (!reached[s->index])
            tc__problem(ctx, "no path from the start state \"%s\" leads here", ctx->states[m->start].id);
        else if (!ends[s->index])
            tc__problem(ctx, "no end state can be reached from here");
        if (s->type == TC_STATE_END && reached[s->index] && m->parent != NULL &&
            strcmp(s->end.outcome, "failed") == 0)
            ((tc_state *)m->parent)->parallel.can_fail = 1;
    }
    tc__where_pop(ctx, 1);
}

/* The i-th way out of choice s: its choices in order, then otherwise (i == count); -1 when unresolved. */
static int choice_target(const tc_state *s, size_t i)
{
    return i < s->choice.count ? s->choice.choices[i].target : s->choice.otherwise;
}

/*
 * Choices never wait, so a loop made only of choices would spin for ever when
 * none of its conditions holds. Depth-first over choice-to-choice edges,
 * colouring states 1 (on the path) and 2 (done). The path is an explicit
 * stack (path[d] the state, way[d] its next way out to try): a chain of
 * thousands of choices must not exhaust the C stack.
 */
static int choice_loop(compile_ctx *ctx, int root, unsigned char *colour, int *path, size_t *way)
{
    int depth = 0;
    colour[root] = 1;
    path[0] = root;
    way[0] = 0;
    while (depth >= 0) {
        const tc_state *s = &ctx->states[path[depth]];
        if (way[depth] > s->choice.count) {
            colour[s->index] = 2;
            depth--;
            continue;
        }
        int target = choice_target(s, way[depth]++);
        if (target < 0 || ctx->states[target].type != TC_STATE_CHOICE || colour[target] == 2)
            continue;
        const tc_state *t = &ctx->states[target];
        if (colour[target] == 0) {
            colour[target] = 1;
            path[++depth] = target;
            way[depth] = 0;
            continue;
        }
        char chain[TC_WHERE_MAX] = "";
        size_t used = 0;
        int from = depth;
        while (from > 0 && path[from] != t->index)
            from--;
        for (int k = from; k <= depth && used < sizeof chain - 80; k++)
            used += (size_t)snprintf(chain + used, sizeof chain - used, "%s -> ", ctx->states[path[k]].id);
        snprintf(chain + used, sizeof chain - used, "%s", t->id);
        tc__where_pop(ctx, 0);
        snprintf(ctx->where, sizeof ctx->where, "%s", t->where);
        ctx->where_len = strlen(ctx->where);
        tc__problem(ctx, "choices loop without waiting (%s): one of them must lead out", chain);
        tc__where_pop(ctx, 1);
        return 1;
    }
    return 0;
}

static void check_choice_loops(compile_ctx *ctx)
{
    unsigned char *colour = tc_xcalloc(ctx->state_count + 1, 1);
    int *path = tc_xcalloc(ctx->state_count + 1, sizeof *path);
    size_t *way = tc_xcalloc(ctx->state_count + 1, sizeof *way);
    for (size_t i = 0; i < ctx->state_count; i++)
        if (ctx->states[i].type == TC_STATE_CHOICE && colour[i] == 0 &&
            choice_loop(ctx, (int)i, colour, path, way))
            break;
    free(colour);
    free(path);
    free(way);
}

void tc__check_graph(compile_ctx *ctx)
{
    size_t n = ctx->state_count, most_edges = 1;
    if (ctx->pb->root == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        if (edge_capacity(&ctx->states[i]) > most_edges)
            most_edges = edge_capacity(&ctx->states[i]);
    /* tc_xcalloc never returns NULL (core/base/alloc.h): it aborts when memory runs out. */
    unsigned char *reached = tc_xcalloc(n + 1, 1), *ends = tc_xcalloc(n + 1, 1);
    int *stack = tc_xcalloc(n + 1, sizeof *stack), *edges = tc_xcalloc(most_edges, sizeof *edges);
    /* Innermost machines first: a parallel's outcomes depend on its branches. */
    for (size_t i = ctx->machine_count; i-- > 0;) {
        tc_machine *m = ctx->machines[i];
        for (size_t j = 0; j < m->count; j++)
            check_outcomes(ctx, &ctx->states[m->states[j]]);
        check_machine(ctx, m, reached, ends, stack, edges);
    }
    free(reached);
    free(ends);
    free(stack);
    free(edges);
    check_choice_loops(ctx);
}
