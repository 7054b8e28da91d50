/*
 * Graph output. Labels are built once as lines of plain text, then escaped
 * for the target language, so DOT and Mermaid say the same things.
 *
 * The playbook compiled, so every reference in it resolves (roles, targets,
 * starts, operands). Memory never runs out: tc_strbuf_take and json_dumps
 * return NULL only when it does, and allocation aborts instead
 * (core/base/alloc.h).
 */
#include "core/playbook/playbook_graph.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

#define MAX_LINES 24

typedef struct label {
    char *lines[MAX_LINES];
    size_t count;
} label;

static void line(label *l, tc_strbuf *sb)
{
    char *text = tc_strbuf_take(sb);
    if (l->count < MAX_LINES)
        l->lines[l->count++] = text;
    else
        free(text);
}

static void label_free(label *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->lines[i]);
    l->count = 0;
}

static void describe_seats(tc_strbuf *sb, const tc_playbook *pb, int role, const tc_party_list *parties)
{
    tc_strbuf_add(sb, pb->roles[role].id);
    if (parties->all) {
        tc_strbuf_add(sb, " of every party");
    } else if (parties->count > 0) {
        tc_strbuf_add(sb, " of ");
        for (size_t i = 0; i < parties->count; i++)
            tc_strbuf_addf(sb, "%s%s", i ? ", " : "", pb->parties[parties->index[i]]);
    }
}

void tc_cond_describe(tc_strbuf *sb, const tc_cond *c)
{
    if (c == NULL) {
        tc_strbuf_add(sb, "?");
        return;
    }
    switch (c->op) {
    case TC_COND_LITERAL: {
        char *text = json_dumps(c->literal, JSON_ENCODE_ANY | JSON_COMPACT);
        tc_strbuf_add(sb, text);
        free(text);
        return;
    }
    case TC_COND_VAR:
        tc_strbuf_add(sb, c->var.text);
        return;
    case TC_COND_ARRAY:
        tc_strbuf_add(sb, "[");
        for (size_t i = 0; i < c->argc; i++) {
            if (i)
                tc_strbuf_add(sb, ", ");
            tc_cond_describe(sb, c->args[i]);
        }
        tc_strbuf_add(sb, "]");
        return;
    case TC_COND_NOT:
        tc_strbuf_add(sb, "not ");
        tc_cond_describe(sb, c->args[0]);
        return;
    case TC_COND_SUM:
    case TC_COND_COUNT:
    case TC_COND_MIN:
    case TC_COND_MAX:
        tc_strbuf_addf(sb, "%s(", tc_cond_op_name(c->op));
        tc_cond_describe(sb, c->args[0]);
        tc_strbuf_add(sb, ")");
        return;
    case TC_COND_AND:
    case TC_COND_OR:
    case TC_COND_EQ:
    case TC_COND_NE:
    case TC_COND_LT:
    case TC_COND_LE:
    case TC_COND_GT:
    case TC_COND_GE:
    case TC_COND_IN: {
        int group = c->op == TC_COND_AND || c->op == TC_COND_OR;
        for (size_t i = 0; i < c->argc; i++) {
            if (i)
                tc_strbuf_addf(sb, " %s ", tc_cond_op_name(c->op));
            int paren = group && (c->args[i]->op == TC_COND_AND || c->args[i]->op == TC_COND_OR);
            if (paren)
                tc_strbuf_add(sb, "(");
            tc_cond_describe(sb, c->args[i]);
            if (paren)
                tc_strbuf_add(sb, ")");
        }
        return;
    }
    }
}

static void state_label(const tc_playbook *pb, const tc_state *s, label *l)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    char d[40];

    if (s->title)
        tc_strbuf_addf(&sb, "%s (%s)", s->title, s->id);
    else
        tc_strbuf_add(&sb, s->id);
    line(l, &sb);

    switch (s->type) {
    case TC_STATE_TASK:
        tc_strbuf_add(&sb, "task: ");
        describe_seats(&sb, pb, s->task.role, &s->task.parties);
        if (s->task.parties.count > 0 && s->task.complete == TC_COMPLETE_ANY)
            tc_strbuf_add(&sb, " (any one completes)");
        else if (s->task.parties.count > 0 && s->task.complete == TC_COMPLETE_MIN)
            tc_strbuf_addf(&sb, " (%d must complete)", s->task.complete_min);
        line(l, &sb);
        if (s->task.output_count > 0) {
            tc_strbuf_add(&sb, "reports: ");
            for (size_t i = 0; i < s->task.output_count; i++)
                tc_strbuf_addf(&sb, "%s%s", i ? ", " : "", s->task.outputs[i].name);
            line(l, &sb);
        }
        break;
    case TC_STATE_APPROVAL:
        tc_strbuf_addf(&sb, "approval: %s", tc_rule_kind_name(s->approval.rule.kind));
        if (s->approval.rule.kind == TC_RULE_QUORUM)
            tc_strbuf_addf(&sb, " of %d", s->approval.rule.min);
        if (s->approval.rule.kind == TC_RULE_MAJORITY && s->approval.rule.denominator > 0)
            tc_strbuf_addf(&sb, " of %d/%d", s->approval.rule.numerator, s->approval.rule.denominator);
        tc_strbuf_add(&sb, " by ");
        describe_seats(&sb, pb, s->approval.role, &s->approval.parties);
        line(l, &sb);
        if (s->approval.veto.count > 0) {
            tc_strbuf_add(&sb, "veto: ");
            for (size_t i = 0; i < s->approval.veto.count; i++)
                tc_strbuf_addf(&sb, "%s%s", i ? ", " : "", pb->parties[s->approval.veto.index[i]]);
            line(l, &sb);
        }
        if (s->approval.exclude_initiator) {
            tc_strbuf_add(&sb, "the initiator does not vote");
            line(l, &sb);
        }
        break;
    case TC_STATE_CHOICE:
        tc_strbuf_add(&sb, "choice");
        line(l, &sb);
        break;
    case TC_STATE_PARALLEL:
        tc_strbuf_addf(&sb, "parallel: %zu branches", s->parallel.count);
        line(l, &sb);
        break;
    case TC_STATE_ACTION:
        tc_strbuf_add(&sb, "run:");
        for (size_t i = 0; i < s->action.argc; i++)
            tc_strbuf_addf(&sb, " %s", s->action.argv[i]);
        line(l, &sb);
        tc_strbuf_addf(&sb, "timeout %s", tc_duration_format(s->action.timeout, d, sizeof d));
        if (s->action.retry_max > 0)
            tc_strbuf_addf(&sb, ", %d retries from %s", s->action.retry_max,
                           tc_duration_format(s->action.retry_backoff, d, sizeof d));
        line(l, &sb);
        break;
    case TC_STATE_WAIT:
        tc_strbuf_addf(&sb, "wait %s", tc_duration_format(s->wait.duration, d, sizeof d));
        line(l, &sb);
        break;
    case TC_STATE_END:
        tc_strbuf_addf(&sb, "end: %s", s->end.outcome);
        line(l, &sb);
        break;
    }
    if (s->deadline > 0) {
        tc_strbuf_addf(&sb, "deadline %s", tc_duration_format(s->deadline, d, sizeof d));
        line(l, &sb);
    }
    if (s->escalation != NULL) {
        const tc_escalation *e = s->escalation;
        for (size_t i = 0; i < e->level_count; i++) {
            const tc_level *lv = &e->levels[i];
            tc_strbuf_addf(&sb, "level %zu at %s: notify ", i + 1,
                           tc_duration_format(lv->after, d, sizeof d));
            for (size_t j = 0; j < lv->notify.count; j++)
                tc_strbuf_addf(&sb, "%s%s", j ? ", " : "", pb->roles[lv->notify.index[j]].id);
            if (lv->severity >= 0)
                tc_strbuf_addf(&sb, "; severity %s", tc_severity_name((tc_severity)lv->severity));
            line(l, &sb);
        }
        if (e->repeat > 0 || e->until == TC_UNTIL_ACK) {
            if (e->repeat > 0)
                tc_strbuf_addf(&sb, "repeat %d more time%s", e->repeat, e->repeat == 1 ? "" : "s");
            if (e->until == TC_UNTIL_ACK)
                tc_strbuf_addf(&sb, "%suntil acknowledged", e->repeat > 0 ? ", " : "");
            line(l, &sb);
        }
    }
}

/* ---- DOT ---- */

static void dot_quote(tc_strbuf *sb, const char *text)
{
    tc_strbuf_add(sb, "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            tc_strbuf_add(sb, "\\");
        if (*p == '\n')
            tc_strbuf_add(sb, "\\n");
        else
            tc_strbuf_addn(sb, p, 1);
    }
    tc_strbuf_add(sb, "\"");
}

static void dot_label(tc_strbuf *sb, const label *l)
{
    tc_strbuf sb_text = TC_STRBUF_INIT;
    for (size_t i = 0; i < l->count; i++)
        tc_strbuf_addf(&sb_text, "%s%s", i ? "\n" : "", l->lines[i]);
    char *text = tc_strbuf_take(&sb_text);
    dot_quote(sb, text);
    free(text);
}

static const char *dot_style(tc_state_type type)
{
    switch (type) {
    case TC_STATE_TASK:
        return "shape=box, style=\"rounded,filled\", fillcolor=\"#dbeafe\"";
    case TC_STATE_APPROVAL:
        return "shape=box, style=\"filled,bold\", fillcolor=\"#fef3c7\"";
    case TC_STATE_CHOICE:
        return "shape=diamond, style=filled, fillcolor=\"#f3f4f6\"";
    case TC_STATE_PARALLEL:
        return "shape=box, style=\"filled\", fillcolor=\"#e5e7eb\"";
    case TC_STATE_ACTION:
        return "shape=component, style=filled, fillcolor=\"#dcfce7\"";
    case TC_STATE_WAIT:
        return "shape=ellipse, style=filled, fillcolor=\"#f5f5f4\"";
    case TC_STATE_END:
        return "shape=box, style=\"rounded,filled,bold\", peripheries=2, fillcolor=\"#e0e7ff\"";
    }
    return "shape=box";
}

/* A copy of text with spaces turned into line breaks every width or so characters. */
static char *wrapped(const char *text, size_t width)
{
    char *copy = tc_xstrdup(text);
    size_t since = 0;
    for (char *p = copy; *p; p++, since++)
        if (*p == ' ' && since >= width) {
            *p = '\n';
            since = 0;
        }
    return copy;
}

/* Node names: the state's path; a parallel's join node is path + "/join". */
static void dot_edge(tc_strbuf *sb, const char *from, const char *to, const char *text, const char *style)
{
    tc_strbuf_add(sb, "  ");
    dot_quote(sb, from);
    tc_strbuf_add(sb, " -> ");
    dot_quote(sb, to);
    tc_strbuf_add(sb, " [");
    if (text != NULL) {
        char *lines = wrapped(text, 40);
        tc_strbuf_add(sb, "label=");
        dot_quote(sb, lines);
        free(lines);
    }
    if (style != NULL)
        tc_strbuf_addf(sb, "%s%s", text ? ", " : "", style);
    tc_strbuf_add(sb, "];\n");
}

static void dot_machine(tc_strbuf *sb, const tc_playbook *pb, const tc_machine *m, int depth);

static void dot_state(tc_strbuf *sb, const tc_playbook *pb, const tc_state *s, int depth)
{
    label l = {0};
    state_label(pb, s, &l);
    tc_strbuf_add(sb, "  ");
    dot_quote(sb, s->path);
    tc_strbuf_addf(sb, " [%s, label=", dot_style(s->type));
    dot_label(sb, &l);
    tc_strbuf_add(sb, "];\n");
    label_free(&l);
    if (s->type != TC_STATE_PARALLEL)
        return;

    tc_strbuf join = TC_STRBUF_INIT;
    tc_strbuf_addf(&join, "%s/join", s->path);
    char *join_name = tc_strbuf_take(&join);
    tc_strbuf_add(sb, "  ");
    dot_quote(sb, join_name);
    tc_strbuf_add(sb, " [shape=box, style=filled, fillcolor=\"#e5e7eb\", height=0.2, label=");
    dot_quote(sb, "all branches ended");
    tc_strbuf_add(sb, "];\n");
    for (size_t b = 0; b < s->parallel.count; b++) {
        const tc_machine *branch = s->parallel.branches[b];
        tc_strbuf_add(sb, "  subgraph \"cluster_");
        tc_strbuf_add(sb, branch->prefix);
        tc_strbuf_add(sb, "\" {\n  style=\"rounded,dashed\"; label=");
        dot_quote(sb, branch->name);
        tc_strbuf_add(sb, ";\n");
        dot_machine(sb, pb, branch, depth + 1);
        tc_strbuf_add(sb, "  }\n");
        dot_edge(sb, s->path, pb->states[branch->start].path, branch->name, "style=dashed");
        for (size_t i = 0; i < branch->count; i++) {
            const tc_state *end = &pb->states[branch->states[i]];
            if (end->type == TC_STATE_END)
                dot_edge(sb, end->path, join_name, NULL, "style=dashed");
        }
    }
    free(join_name);
}

static void dot_edges(tc_strbuf *sb, const tc_playbook *pb, const tc_state *s)
{
    tc_strbuf from = TC_STRBUF_INIT;
    tc_strbuf_addf(&from, "%s%s", s->path, s->type == TC_STATE_PARALLEL ? "/join" : "");
    char *origin = tc_strbuf_take(&from);
    for (size_t i = 0; i < s->next_count; i++)
        dot_edge(sb, origin, pb->states[s->next[i].target].path, s->next[i].outcome,
                 strcmp(s->next[i].outcome, "timeout") == 0 ? "color=\"#b91c1c\", fontcolor=\"#b91c1c\""
                                                            : NULL);
    if (s->type == TC_STATE_CHOICE) {
        for (size_t i = 0; i < s->choice.count; i++) {
            tc_strbuf when = TC_STRBUF_INIT;
            tc_strbuf_add(&when, "when ");
            tc_cond_describe(&when, s->choice.choices[i].when);
            char *text = tc_strbuf_take(&when);
            dot_edge(sb, origin, pb->states[s->choice.choices[i].target].path, text, NULL);
            free(text);
        }
        dot_edge(sb, origin, pb->states[s->choice.otherwise].path, "otherwise", "style=dotted");
    }
    free(origin);
}

static void dot_machine(tc_strbuf *sb, const tc_playbook *pb, const tc_machine *m, int depth)
{
    for (size_t i = 0; i < m->count; i++)
        dot_state(sb, pb, &pb->states[m->states[i]], depth);
    for (size_t i = 0; i < m->count; i++)
        dot_edges(sb, pb, &pb->states[m->states[i]]);
}

static void dot(tc_strbuf *sb, const tc_playbook *pb)
{
    tc_strbuf_add(sb, "digraph ");
    dot_quote(sb, pb->name);
    tc_strbuf_add(sb, " {\n  rankdir=TB; labelloc=t; fontname=\"Helvetica\"; label=");
    tc_strbuf title = TC_STRBUF_INIT;
    tc_strbuf_addf(&title, "%s (%s)", pb->title, pb->name);
    char *text = tc_strbuf_take(&title);
    dot_quote(sb, text);
    free(text);
    tc_strbuf_add(sb,
                  ";\n  node [fontname=\"Helvetica\", fontsize=11];\n"
                  "  edge [fontname=\"Helvetica\", fontsize=10];\n"
                  "  \"(start)\" [shape=circle, style=filled, fillcolor=black, label=\"\", width=0.25];\n");
    dot_edge(sb, "(start)", pb->states[pb->root->start].path, NULL, NULL);
    dot_machine(sb, pb, pb->root, 0);
    tc_strbuf_add(sb, "}\n");
}

/* ---- Mermaid ---- */

static void mermaid_text(tc_strbuf *sb, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            tc_strbuf_add(sb, "#quot;");
        else if (*p == '<')
            tc_strbuf_add(sb, "#lt;");
        else if (*p == '>')
            tc_strbuf_add(sb, "#gt;");
        else if (*p == '|')
            tc_strbuf_add(sb, "#124;");
        else if (*p == '\n')
            tc_strbuf_add(sb, " ");
        else
            tc_strbuf_addn(sb, p, 1);
    }
}

static void mermaid_node(tc_strbuf *sb, const tc_playbook *pb, const tc_state *s, const char *indent)
{
    static const char *const open[] = {"(\"", "[\"", "{\"", "[\"", "[[\"", "([\"", "(((\""};
    static const char *const close[] = {"\")", "\"]", "\"}", "\"]", "\"]]", "\"])", "\")))"};
    label l = {0};
    state_label(pb, s, &l);
    tc_strbuf_addf(sb, "%sn%d%s", indent, s->index, open[s->type]);
    for (size_t i = 0; i < l.count; i++) {
        if (i)
            tc_strbuf_add(sb, "<br/>");
        mermaid_text(sb, l.lines[i]);
    }
    tc_strbuf_addf(sb, "%s:::st_%s\n", close[s->type], tc_state_type_name(s->type));
    label_free(&l);
}

static void mermaid_edge(tc_strbuf *sb, const char *from, int to, const char *text, const char *arrow)
{
    tc_strbuf_addf(sb, "  %s %s", from, arrow);
    if (text != NULL) {
        tc_strbuf_add(sb, "|\"");
        mermaid_text(sb, text);
        tc_strbuf_add(sb, "\"|");
    }
    tc_strbuf_addf(sb, " n%d\n", to);
}

static void mermaid_machine(tc_strbuf *sb, const tc_playbook *pb, const tc_machine *m, const char *indent)
{
    for (size_t i = 0; i < m->count; i++) {
        const tc_state *s = &pb->states[m->states[i]];
        mermaid_node(sb, pb, s, indent);
        if (s->type != TC_STATE_PARALLEL)
            continue;
        tc_strbuf_addf(sb, "%sn%d_join[\"all branches ended\"]:::st_parallel\n", indent, s->index);
        for (size_t b = 0; b < s->parallel.count; b++) {
            const tc_machine *branch = s->parallel.branches[b];
            tc_strbuf_addf(sb, "%ssubgraph n%d_b%zu[\"", indent, s->index, b);
            mermaid_text(sb, branch->name);
            tc_strbuf_add(sb, "\"]\n");
            tc_strbuf inner = TC_STRBUF_INIT;
            tc_strbuf_addf(&inner, "%s  ", indent);
            char *deeper = tc_strbuf_take(&inner);
            mermaid_machine(sb, pb, branch, deeper);
            free(deeper);
            tc_strbuf_addf(sb, "%send\n", indent);
        }
    }
}

static void mermaid_edges(tc_strbuf *sb, const tc_playbook *pb, const tc_state *s)
{
    char from[32];
    snprintf(from, sizeof from, "n%d%s", s->index, s->type == TC_STATE_PARALLEL ? "_join" : "");
    if (s->type == TC_STATE_PARALLEL) {
        char fork[32];
        snprintf(fork, sizeof fork, "n%d", s->index);
        for (size_t b = 0; b < s->parallel.count; b++) {
            const tc_machine *branch = s->parallel.branches[b];
            mermaid_edge(sb, fork, branch->start, branch->name, "-.->");
            for (size_t i = 0; i < branch->count; i++) {
                const tc_state *end = &pb->states[branch->states[i]];
                if (end->type == TC_STATE_END)
                    tc_strbuf_addf(sb, "  n%d -.-> %s\n", end->index, from);
                else
                    mermaid_edges(sb, pb, end);
            }
        }
    }
    for (size_t i = 0; i < s->next_count; i++)
        mermaid_edge(sb, from, s->next[i].target, s->next[i].outcome, "-->");
    if (s->type == TC_STATE_CHOICE) {
        for (size_t i = 0; i < s->choice.count; i++) {
            tc_strbuf when = TC_STRBUF_INIT;
            tc_strbuf_add(&when, "when ");
            tc_cond_describe(&when, s->choice.choices[i].when);
            char *text = tc_strbuf_take(&when);
            mermaid_edge(sb, from, s->choice.choices[i].target, text, "-->");
            free(text);
        }
        mermaid_edge(sb, from, s->choice.otherwise, "otherwise", "-.->");
    }
}

static void mermaid(tc_strbuf *sb, const tc_playbook *pb)
{
    tc_strbuf_add(sb, "---\ntitle: ");
    mermaid_text(sb, pb->title);
    tc_strbuf_addf(sb, " (%s)\n---\nflowchart TD\n", pb->name);
    tc_strbuf_add(sb,
                  "  classDef st_task fill:#dbeafe,stroke:#1e3a8a\n"
                  "  classDef st_approval fill:#fef3c7,stroke:#92400e,stroke-width:2px\n"
                  "  classDef st_choice fill:#f3f4f6,stroke:#374151\n"
                  "  classDef st_parallel fill:#e5e7eb,stroke:#374151\n"
                  "  classDef st_action fill:#dcfce7,stroke:#166534\n"
                  "  classDef st_wait fill:#f5f5f4,stroke:#57534e\n"
                  "  classDef st_end fill:#e0e7ff,stroke:#3730a3\n"
                  "  start((\" \"))\n");
    mermaid_edge(sb, "start", pb->root->start, NULL, "-->");
    mermaid_machine(sb, pb, pb->root, "  ");
    for (size_t i = 0; i < pb->root->count; i++)
        mermaid_edges(sb, pb, &pb->states[pb->root->states[i]]);
}

char *tc_playbook_graph(const tc_playbook *playbook, tc_graph_format format)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    if (format == TC_GRAPH_MERMAID)
        mermaid(&sb, playbook);
    else
        dot(&sb, playbook);
    return tc_strbuf_take(&sb);
}
