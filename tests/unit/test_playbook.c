/*
 * The playbook compiler: the graph it builds (indexes, targets, durations,
 * seats, rules, ladders, nested parallels), every problem reported, the
 * examples of workflows/, and a generated 1,000-state playbook.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glob.h>

#include "read_text.h"

#include "core/playbook/playbook.h"
#include "core/playbook/playbook_graph.h"
#include "core/base/strbuf.h"

static const char sample[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"sample\", \"title\": \"Sample\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\", \"TJ\"], \"observers\": [\"UNODC\"],\n"
    " \"roles\": {\"secretariat\": {\"title\": \"Secretariat\"},\n"
    "           \"council\": {\"title\": \"Council\", \"per_party\": true},\n"
    "           \"border\": {\"title\": \"Border service\", \"per_party\": true}},\n"
    " \"inputs\": {\"level\": {\"type\": \"string\", \"enum\": [\"low\", \"high\"], \"default\": \"low\"},\n"
    "            \"requesting_state\": {\"type\": \"party\", \"required\": true}},\n"
    " \"permissions\": {\"cancel\": [\"secretariat\"]},\n"
    " \"start\": \"assess\",\n"
    " \"states\": {\n"
    "  \"assess\": {\"type\": \"task\", \"title\": \"Assess\", \"assignee\": \"secretariat\", \"deadline\": "
    "\"PT4H\",\n"
    "     \"outputs\": {\"kg\": {\"type\": \"number\", \"min\": 0}},\n"
    "     \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"secretariat\"]},\n"
    "                               {\"after\": \"PT2H\", \"notify\": [\"council\"], \"severity\": "
    "\"severe\"}],\n"
    "                    \"repeat\": 2},\n"
    "     \"next\": {\"done\": \"route\", \"timeout\": \"decide\"}},\n"
    "  \"route\": {\"type\": \"choice\", \"choices\": [\n"
    "     {\"when\": {\"and\": [{\"==\": [{\"var\": \"inputs.level\"}, \"high\"]}, {\">\": [{\"var\": "
    "\"data.assess.kg\"}, 10]}]},\n"
    "      \"next\": \"decide\"}], \"otherwise\": \"operate\"},\n"
    "  \"decide\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": [\"KZ\", "
    "\"RU\", \"TJ\"]},\n"
    "     \"rule\": {\"kind\": \"quorum\", \"min\": 2}, \"veto\": [\"RU\"], \"exclude_initiator\": true,\n"
    "     \"deadline\": \"P1D\", \"next\": {\"approved\": \"operate\", \"rejected\": \"declined\", "
    "\"timeout\": \"declined\"}},\n"
    "  \"operate\": {\"type\": \"parallel\", \"branches\": {\n"
    "     \"border\": {\"start\": \"patrol\", \"states\": {\n"
    "        \"patrol\": {\"type\": \"task\", \"assignee\": \"border\", \"parties\": \"all\", \"complete\": "
    "{\"min\": 3},\n"
    "                   \"outputs\": {\"seized_kg\": {\"type\": \"number\"}}, \"next\": \"ok\"},\n"
    "        \"ok\": {\"type\": \"end\", \"outcome\": \"done\"}}},\n"
    "     \"alert\": {\"start\": \"call\", \"states\": {\n"
    "        \"call\": {\"type\": \"action\", \"run\": [\"notify-members\", \"--urgent\"], \"timeout\": "
    "\"PT1M\",\n"
    "                 \"retry\": {\"max\": 2, \"backoff\": \"PT10S\"}, \"next\": {\"ok\": \"sent\", "
    "\"failed\": \"lost\"}},\n"
    "        \"sent\": {\"type\": \"end\", \"outcome\": \"done\"},\n"
    "        \"lost\": {\"type\": \"end\", \"outcome\": \"failed\"}}}},\n"
    "     \"next\": {\"done\": \"pause\", \"failed\": \"declined\"}},\n"
    "  \"pause\": {\"type\": \"wait\", \"duration\": \"P5D\", \"next\": \"closed\"},\n"
    "  \"closed\": {\"type\": \"end\"},\n"
    "  \"declined\": {\"type\": \"end\", \"outcome\": \"declined\"}\n"
    " }}\n";

static tc_playbook *compile_ok(const char *text)
{
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    tc_error err;
    tc_error_init(&err);
    int rc = tc_playbook_compile(text, strlen(text), &pb, &diags, &err);
    if (rc != 0)
        fail_msg("compile failed: %s (first: %s: %s)", err.text, diags.count ? diags.items[0].where : "",
                 diags.count ? diags.items[0].message : "");
    tc_diags_clear(&diags);
    return pb;
}

static void test_playbook_top_level(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(sample);
    assert_string_equal(pb->name, "sample");
    assert_int_equal(pb->party_count, 4);
    assert_string_equal(pb->parties[3], "TJ");
    assert_int_equal(pb->observer_count, 1);
    assert_int_equal(pb->role_count, 3);
    assert_true(pb->roles[tc_playbook_role(pb, "council")].per_party);
    assert_false(pb->roles[tc_playbook_role(pb, "secretariat")].per_party);
    assert_int_equal(pb->input_count, 2);
    const tc_field *level = &pb->inputs[tc_playbook_input(pb, "level")];
    assert_string_equal(json_string_value(level->default_value), "low");
    assert_int_equal(pb->inputs[tc_playbook_input(pb, "requesting_state")].type, TC_VALUE_PARTY);
    assert_true(pb->permit_cancel.given);
    assert_int_equal(pb->permit_cancel.count, 1);
    assert_false(pb->permit_trigger.given);
    assert_int_equal(tc_playbook_party(pb, "XX"), -1);
    assert_int_equal(tc_playbook_role(pb, "nobody"), -1);
    tc_playbook_free(pb);
}

static void test_playbook_states_and_transitions(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(sample);
    assert_int_equal(pb->state_count, 12);
    const tc_state *assess = tc_playbook_state(pb, "assess");
    assert_non_null(assess);
    assert_ptr_equal(&pb->states[pb->root->start], assess);
    assert_int_equal(assess->type, TC_STATE_TASK);
    assert_int_equal(assess->deadline, 4 * 3600 * 1000);
    assert_string_equal(tc_state_next(pb, assess, "done")->path, "route");
    assert_string_equal(tc_state_next(pb, assess, "timeout")->path, "decide");
    assert_null(tc_state_next(pb, assess, "rejected"));
    assert_string_equal(assess->where, "$.states.assess");

    const tc_escalation *e = assess->escalation;
    assert_non_null(e);
    assert_int_equal(e->level_count, 2);
    assert_int_equal(e->levels[1].after, 2 * 3600 * 1000);
    assert_int_equal(e->levels[1].severity, TC_SEVERITY_SEVERE);
    assert_int_equal(e->levels[0].severity, -1);
    assert_int_equal(e->repeat, 2);
    assert_int_equal(e->until, TC_UNTIL_ACK);

    const tc_state *decide = tc_playbook_state(pb, "decide");
    assert_int_equal(decide->approval.rule.kind, TC_RULE_QUORUM);
    assert_int_equal(decide->approval.rule.min, 2);
    assert_int_equal(decide->approval.parties.count, 3);
    assert_false(decide->approval.parties.all);
    assert_string_equal(pb->parties[decide->approval.parties.index[0]], "KZ");
    assert_int_equal(decide->approval.veto.count, 1);
    assert_string_equal(pb->parties[decide->approval.veto.index[0]], "RU");
    assert_true(decide->approval.exclude_initiator);

    const tc_state *route = tc_playbook_state(pb, "route");
    assert_int_equal(route->choice.count, 1);
    assert_string_equal(pb->states[route->choice.otherwise].path, "operate");
    const tc_cond *when = route->choice.choices[0].when;
    assert_int_equal(when->op, TC_COND_AND);
    assert_int_equal(when->argc, 2);
    const tc_cond *kg = when->args[1]->args[0];
    assert_int_equal(kg->op, TC_COND_VAR);
    assert_int_equal(kg->var.kind, TC_VAR_DATA);
    assert_ptr_equal(&pb->states[kg->var.state], assess);
    assert_string_equal(kg->var.name, "kg");

    const tc_state *pause = tc_playbook_state(pb, "pause");
    assert_int_equal(pause->wait.duration, 5LL * 86400 * 1000);
    assert_string_equal(tc_playbook_state(pb, "closed")->end.outcome, "resolved");
    assert_string_equal(tc_playbook_state(pb, "declined")->end.outcome, "declined");
    tc_playbook_free(pb);
}

static void test_playbook_parallel_paths(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(sample);
    const tc_state *operate = tc_playbook_state(pb, "operate");
    assert_int_equal(operate->type, TC_STATE_PARALLEL);
    assert_int_equal(operate->parallel.count, 2);
    assert_true(operate->parallel.can_fail);
    const tc_machine *border = operate->parallel.branches[0];
    assert_string_equal(border->name, "border");
    assert_string_equal(border->prefix, "operate/border/");
    assert_ptr_equal(border->parent, operate);

    const tc_state *patrol = tc_playbook_state(pb, "operate/border/patrol");
    assert_non_null(patrol);
    assert_string_equal(patrol->id, "patrol");
    assert_ptr_equal(patrol->machine, border);
    assert_ptr_equal(&pb->states[border->start], patrol);
    assert_true(patrol->task.parties.all);
    assert_int_equal(patrol->task.parties.count, 4);
    assert_int_equal(patrol->task.complete, TC_COMPLETE_MIN);
    assert_int_equal(patrol->task.complete_min, 3);
    assert_string_equal(tc_state_next(pb, patrol, "done")->path, "operate/border/ok");
    assert_null(tc_playbook_state(pb, "patrol")); /* a nested state is known by its path */

    const tc_state *call = tc_playbook_state(pb, "operate/alert/call");
    assert_int_equal(call->action.argc, 2);
    assert_string_equal(call->action.argv[0], "notify-members");
    assert_int_equal(call->action.timeout, 60000);
    assert_int_equal(call->action.retry_max, 2);
    assert_int_equal(call->action.retry_backoff, 10000);
    assert_string_equal(tc_state_next(pb, call, "failed")->path, "operate/alert/lost");

    /* Depth first, in document order: the branches' states follow their parallel. */
    assert_int_equal(patrol->index, operate->index + 1);
    tc_playbook_free(pb);
}

static void test_playbook_reports_every_problem(void **state)
{
    (void)state;
    const char *text =
        "{\"format\": \"x\", \"name\": \"Bad Name\", \"title\": 1, \"parties\": [\"A\", \"A\"],"
        " \"roles\": {}, \"start\": \"a\", \"states\": {\"a\": {\"type\": \"end\", \"extra\": 1}},"
        " \"more\": true}";
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_playbook_compile(text, strlen(text), &pb, &diags, &err), TC_EINVAL);
    assert_null(pb);
    assert_int_equal(diags.count, 6);
    assert_string_equal(diags.items[0].where, "$.more");
    assert_string_equal(diags.items[0].message, "unknown key");
    assert_string_equal(diags.items[1].where, "$.format");
    assert_string_equal(diags.items[2].where, "$.name");
    assert_string_equal(diags.items[3].where, "$.title");
    assert_string_equal(diags.items[4].where, "$.parties[1]");
    assert_string_equal(diags.items[5].where, "$.states.a.extra");
    assert_string_equal(err.text, "the playbook has 6 problems");
    tc_diags_clear(&diags);
}

static void test_playbook_syntax_error_has_line_and_column(void **state)
{
    (void)state;
    const char *text = "{\n  \"format\": \"tocsin-playbook/1\",\n  \"name\" \"x\"\n}";
    tc_diags diags = {0};
    tc_playbook *pb = NULL;
    assert_int_equal(tc_playbook_compile(text, strlen(text), &pb, &diags, NULL), TC_EINVAL);
    assert_int_equal(diags.count, 1);
    assert_null(diags.items[0].where);
    assert_int_equal(diags.items[0].line, 3);
    assert_true(diags.items[0].column > 0);
    tc_diags_clear(&diags);
}

static void test_playbook_condition_before_the_state_it_reads(void **state)
{
    (void)state;
    /* The choice comes first in the document; the multi-instance task it sums comes after. */
    const char *text =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"order\", \"title\": \"Order\", \"parties\": "
        "[\"KZ\", \"RU\"],"
        " \"roles\": {\"rescue\": {\"title\": \"Rescue\", \"per_party\": true}}, \"start\": \"send\","
        " \"states\": {\"enough\": {\"type\": \"choice\", \"choices\": [{\"when\": {\">\": [{\"sum\":"
        " {\"var\": \"data.send.*.rescuers\"}}, 100]}, \"next\": \"done\"}], \"otherwise\": \"send\"},"
        " \"send\": {\"type\": \"task\", \"assignee\": \"rescue\", \"parties\": \"all\","
        " \"outputs\": {\"rescuers\": {\"type\": \"integer\"}}, \"next\": \"enough\"},"
        " \"done\": {\"type\": \"end\"}}}";
    tc_playbook *pb = compile_ok(text);
    const tc_cond *sum = tc_playbook_state(pb, "enough")->choice.choices[0].when->args[0];
    assert_int_equal(sum->op, TC_COND_SUM);
    assert_string_equal(sum->args[0]->var.party, "*");
    assert_string_equal(sum->args[0]->var.name, "rescuers");
    tc_playbook_free(pb);
}

static void test_playbook_examples_compile(void **state)
{
    (void)state;
    static const char *const names[] = {"collective-response", "counter-narcotics", "border-incident"};
    const char *root = getenv("TOCSIN_SOURCE_DIR");
    assert_non_null(root);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/workflows/%s.json", root, names[i]);
        char *text = read_text(path);
        tc_playbook *pb = compile_ok(text);
        assert_string_equal(pb->name, names[i]);
        assert_true(pb->state_count >= 10);
        free(text);
        tc_playbook_free(pb);
    }
}

/*
 * Every fixture of tests/data/playbooks/invalid is refused by the compiler with exactly the problems its
 * .expected file lists, one line each as `tocsin playbook validate` prints them ("FILE: WHERE: MESSAGE",
 * or "FILE: line L, column C: MESSAGE" when the JSON does not parse): the messages are the core's.
 */
static void test_playbook_invalid_fixtures(void **state)
{
    (void)state;
    const char *root = getenv("TOCSIN_SOURCE_DIR");
    assert_non_null(root);
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/tests/data/playbooks/invalid/*.json", root);
    glob_t g;
    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 70);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i], *name = strrchr(path, '/') + 1;
        char expected_path[4096];
        snprintf(expected_path, sizeof expected_path, "%.*s.expected", (int)(strlen(path) - 5), path);
        char *text = read_text(path), *expected = read_text(expected_path);
        tc_playbook *pb = NULL;
        tc_diags diags = {0};
        tc_error err;
        tc_error_init(&err);
        if (tc_playbook_compile(text, strlen(text), &pb, &diags, &err) == 0)
            fail_msg("%s compiles", name);
        assert_int_equal(err.code, TC_EINVAL);
        tc_strbuf got = TC_STRBUF_INIT;
        for (size_t d = 0; d < diags.count; d++)
            if (diags.items[d].where != NULL)
                tc_strbuf_addf(&got, "%s: %s: %s\n", name, diags.items[d].where, diags.items[d].message);
            else
                tc_strbuf_addf(&got, "%s: line %d, column %d: %s\n", name, diags.items[d].line,
                               diags.items[d].column, diags.items[d].message);
        char *lines = tc_strbuf_take(&got);
        if (strcmp(lines, expected) != 0)
            fail_msg("%s:\nexpected:\n%sgot:\n%s", name, expected, lines);
        free(lines);
        tc_diags_clear(&diags);
        free(text);
        free(expected);
    }
    globfree(&g);
}

/* A chain of 998 tasks with deadlines and ladders, a choice and an end. */
static char *generated(size_t states)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb,
                  "{\"format\": \"tocsin-playbook/1\", \"name\": \"generated\", \"title\": \"Generated\","
                  " \"parties\": [\"AM\", \"BY\", \"KZ\", \"KG\", \"RU\", \"TJ\"],"
                  " \"roles\": {\"office\": {\"title\": \"Office\"}, \"council\": {\"title\": \"Council\","
                  " \"per_party\": true}}, \"start\": \"s0\", \"states\": {");
    for (size_t i = 0; i + 2 < states; i++)
        tc_strbuf_addf(
            &sb,
            "\"s%zu\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\","
            " \"deadline\": \"PT%zuM\", \"escalation\": {\"levels\": [{\"after\": \"PT1M\","
            " \"notify\": [\"office\"]}]}, \"next\": {\"done\": \"s%zu\", \"timeout\": \"s%zu\"}},",
            i, i + 2, i + 1, i + 1);
    tc_strbuf_addf(
        &sb,
        "\"s%zu\": {\"type\": \"choice\", \"choices\": [{\"when\": {\"==\": [{\"var\": \"crisis.mode\"},"
        " \"test\"]}, \"next\": \"end\"}], \"otherwise\": \"end\"}, \"end\": {\"type\": \"end\"}}}",
        states - 2);
    return tc_strbuf_take(&sb);
}

static void test_playbook_thousand_states(void **state)
{
    (void)state;
    char *text = generated(1000);
    tc_playbook *pb = compile_ok(text);
    assert_int_equal(pb->state_count, 1000);
    assert_string_equal(tc_state_next(pb, tc_playbook_state(pb, "s997"), "done")->path, "s998");
    assert_int_equal(tc_playbook_state(pb, "s500")->deadline, 502 * 60000);
    tc_playbook_free(pb);
    free(text);
}

static void test_playbook_compile_is_deterministic(void **state)
{
    (void)state;
    tc_playbook *a = compile_ok(sample), *b = compile_ok(sample);
    char *ga = tc_playbook_graph(a, TC_GRAPH_DOT), *gb = tc_playbook_graph(b, TC_GRAPH_DOT);
    assert_string_equal(ga, gb);
    free(ga);
    free(gb);
    tc_playbook_free(a);
    tc_playbook_free(b);
}

static void test_playbook_graph_shows_structure(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(sample);
    char *dot = tc_playbook_graph(pb, TC_GRAPH_DOT);
    assert_non_null(strstr(dot, "digraph \"sample\""));
    assert_non_null(strstr(dot, "subgraph \"cluster_operate/border/\""));
    assert_non_null(strstr(dot, "\"assess\" -> \"decide\" [label=\"timeout\""));
    assert_non_null(strstr(dot, "deadline PT4H"));
    assert_non_null(strstr(dot, "level 2 at PT2H: notify council; severity severe"));
    assert_non_null(strstr(dot, "approval: quorum of 2 by council of KZ, RU, TJ"));
    /* long edge labels are wrapped at spaces */
    assert_non_null(strstr(dot, "label=\"when inputs.level == \\\"high\\\" and data.assess.kg\\n> 10\""));
    assert_non_null(strstr(dot, "\"operate/join\" -> \"declined\" [label=\"failed\""));
    free(dot);

    char *mermaid = tc_playbook_graph(pb, TC_GRAPH_MERMAID);
    assert_non_null(strstr(mermaid, "flowchart TD"));
    assert_non_null(strstr(mermaid, "subgraph"));
    assert_non_null(strstr(mermaid, "|\"timeout\"|"));
    assert_null(strstr(mermaid, "classDef end")); /* "end" closes a subgraph in Mermaid */
    free(mermaid);
    tc_playbook_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_playbook_top_level),
        cmocka_unit_test(test_playbook_states_and_transitions),
        cmocka_unit_test(test_playbook_parallel_paths),
        cmocka_unit_test(test_playbook_reports_every_problem),
        cmocka_unit_test(test_playbook_syntax_error_has_line_and_column),
        cmocka_unit_test(test_playbook_condition_before_the_state_it_reads),
        cmocka_unit_test(test_playbook_examples_compile),
        cmocka_unit_test(test_playbook_invalid_fixtures),
        cmocka_unit_test(test_playbook_thousand_states),
        cmocka_unit_test(test_playbook_compile_is_deterministic),
        cmocka_unit_test(test_playbook_graph_shows_structure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
