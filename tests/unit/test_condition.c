/*
 * Conditions of choice states, compiled (playbook_condition.c) and evaluated
 * against a crisis (condition_eval.c): each case is a "when", the crisis's
 * data, and the value it must evaluate to; then the conditions the compiler
 * refuses, each with its problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/base/strbuf.h"
#include "core/machine/condition_eval.h"
#include "core/machine/machine.h"

/* The playbook around the condition: inputs of each type, a task per party, an office's task, an
 * approval, an action; WHEN is replaced by the case's condition. */
static const char playbook_head[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"conditions\", \"title\": \"Conditions\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\", \"TJ\"],\n"
    " \"roles\": {\"sec\": {\"title\": \"S\"}, \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"inputs\": {\"level\": {\"type\": \"string\", \"enum\": [\"low\", \"high\"], \"default\": \"low\"},\n"
    "            \"count\": {\"type\": \"integer\", \"default\": 3}, \"kg\": {\"type\": \"number\", "
    "\"default\": "
    "1.5},\n"
    "            \"urgent\": {\"type\": \"boolean\", \"default\": false}, \"note\": {\"type\": \"string\"},\n"
    "            \"host\": {\"type\": \"party\", \"default\": \"KZ\"}},\n"
    " \"start\": \"report\",\n"
    " \"states\": {\n"
    "  \"report\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\",\n"
    "     \"outputs\": {\"n\": {\"type\": \"number\"}, \"what\": {\"type\": \"string\"}}, \"next\": "
    "\"review\"},\n"
    "  \"review\": {\"type\": \"task\", \"assignee\": \"sec\", \"outputs\": {\"summary\": {\"type\": "
    "\"string\"}},\n"
    "     \"next\": \"call\"},\n"
    "  \"call\": {\"type\": \"action\", \"run\": [\"notify\"], \"next\": {\"ok\": \"vote\", \"failed\": "
    "\"vote\"}},\n"
    "  \"vote\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": \"all\"},\n"
    "     \"rule\": \"majority\", \"next\": {\"approved\": \"route\", \"rejected\": \"route\"}},\n"
    "  \"route\": {\"type\": \"choice\", \"choices\": [{\"when\": ";
static const char playbook_tail[] =
    ", \"next\": \"yes\"}], \"otherwise\": \"no\"},\n"
    "  \"yes\": {\"type\": \"end\"},\n"
    "  \"no\": {\"type\": \"end\", \"outcome\": \"declined\"}}}\n";

/* Compiles the playbook with when; returns it, or NULL with the problems, one a line, in *problems. */
static tc_playbook *compile_with(const char *when, char **problems)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, playbook_head);
    tc_strbuf_add(&sb, when);
    tc_strbuf_add(&sb, playbook_tail);
    char *text = tc_strbuf_take(&sb);
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    int rc = tc_playbook_compile(text, strlen(text), &pb, &diags, NULL);
    tc_strbuf out = TC_STRBUF_INIT;
    for (size_t i = 0; i < diags.count; i++)
        tc_strbuf_addf(&out, "%s: %s\n", diags.items[i].where ? diags.items[i].where : "",
                       diags.items[i].message);
    *problems = tc_strbuf_take(&out);
    tc_diags_clear(&diags);
    free(text);
    return rc == 0 ? pb : NULL;
}

/* The value of when against a crisis of severity severe with data and tallies (JSON, or NULL), as
 * compact JSON ("null" for null). */
static char *evaluate(const char *when, const char *data, const char *tallies, const tc_vote *votes)
{
    char *problems = NULL;
    tc_playbook *pb = compile_with(when, &problems);
    if (pb == NULL)
        fail_msg("%s does not compile:\n%s", when, problems);
    free(problems);
    tc_instance *inst = tc_instance_new(pb);
    tc_actor admin = {.role = "test", .admin = 1};
    tc_trigger trigger = {
        .severity = "severe", .parties = (const char *const[]){"KZ", "TJ"}, .party_count = 2};
    assert_int_equal(tc_trigger_prepare(pb, inst, &trigger, &admin, 0, NULL), 0);
    if (data != NULL) {
        json_decref(inst->data);
        inst->data = json_loads(data, 0, NULL);
        assert_non_null(inst->data);
    }
    if (tallies != NULL) {
        json_decref(inst->tallies);
        inst->tallies = json_loads(tallies, 0, NULL);
        assert_non_null(inst->tallies);
    }
    if (votes != NULL) { /* the approval open, its seats with these votes */
        inst->active = calloc(1, sizeof *inst->active);
        inst->active_count = inst->active_capacity = 1;
        inst->active[0].state = tc_playbook_state(pb, "vote")->index;
        inst->active[0].seats = calloc(4, sizeof(tc_seat));
        inst->active[0].seat_count = 4;
        for (int i = 0; i < 4; i++)
            inst->active[0].seats[i] = (tc_seat){.party = i, .vote = votes[i]};
    }
    const tc_cond *cond = tc_playbook_state(pb, "route")->choice.choices[0].when;
    json_t *v = tc_cond_eval(pb, inst, cond);
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("null");
    assert_int_equal(tc_cond_true(pb, inst, cond), json_is_true(v));
    json_decref(v);
    tc_instance_free(inst);
    tc_playbook_free(pb);
    return text;
}

static void expect(const char *when, const char *data, const char *want)
{
    char *got = evaluate(when, data, NULL, NULL);
    if (strcmp(got, want) != 0)
        fail_msg("%s with data %s:\nexpected %s\ngot      %s", when, data ? data : "{}", want, got);
    free(got);
}

static void test_condition_comparisons(void **state)
{
    (void)state;
    expect("{\"==\": [1, 1.0]}", NULL, "true");
    expect("{\"==\": [1, \"1\"]}", NULL, "false");
    expect("{\"==\": [{\"var\": \"inputs.level\"}, \"low\"]}", NULL, "true");
    expect("{\"==\": [{\"var\": \"inputs.note\"}, null]}", NULL, "true");
    expect("{\"==\": [null, {\"var\": \"inputs.count\"}]}", NULL, "false");
    expect("{\"!=\": [{\"var\": \"inputs.host\"}, \"KZ\"]}", NULL, "false");
    expect("{\"!=\": [[1, 2], [1, 2]]}", NULL, "false");
    expect("{\"<\": [{\"var\": \"inputs.count\"}, 4]}", NULL, "true");
    expect("{\"<\": [{\"var\": \"inputs.kg\"}, 1]}", NULL, "false");
    expect("{\"<=\": [3, {\"var\": \"inputs.count\"}]}", NULL, "true");
    expect("{\">\": [\"b\", \"a\"]}", NULL, "true");
    expect("{\">\": [\"a\", \"a\"]}", NULL, "false");
    expect("{\">=\": [\"a\", \"b\"]}", NULL, "false");
    expect("{\">=\": [\"b\", \"b\"]}", NULL, "true");
    expect("{\"<\": [null, 1]}", NULL, "false");
    expect("{\"<\": [1, \"2\"]}", NULL, "false");
    expect("{\">=\": [true, false]}", NULL, "false");
    /* One side null (a missing input), the other not; a string against a number, both ways. */
    expect("{\"==\": [1, {\"var\": \"inputs.note\"}]}", NULL, "false");
    expect("{\"!=\": [{\"var\": \"inputs.note\"}, \"x\"]}", NULL, "true");
    expect("{\"<\": [\"2\", 1]}", NULL, "false");
    expect("{\">\": [\"2\", 1]}", NULL, "false");
    expect("{\"<=\": [1.5, {\"var\": \"inputs.kg\"}]}", NULL, "true");
    expect("{\"<=\": [\"b\", \"a\"]}", NULL, "false");
    expect("{\">=\": [{\"var\": \"inputs.count\"}, 3.5]}", NULL, "false");
    expect("{\">\": [{\"var\": \"inputs.note\"}, 0]}", NULL, "false");
    expect("{\"<\": [1, {\"var\": \"inputs.note\"}]}", NULL, "false");
    expect("{\"<=\": [{\"var\": \"inputs.note\"}, null]}", NULL, "false"); /* null is not ordered */
    expect("{\"==\": [{\"var\": \"inputs.note\"}, \"x\"]}", NULL, "false");
    expect("{\"==\": [[1, null], [1.0, null]]}", NULL, "false"); /* inside arrays, 1 and 1.0 differ */
}

static void test_condition_logic(void **state)
{
    (void)state;
    expect("{\"and\": [true, {\"var\": \"inputs.urgent\"}]}", NULL, "false");
    expect("{\"and\": [true, {\"==\": [1, 1]}]}", NULL, "true");
    expect("{\"or\": [false, true]}", NULL, "true");
    expect("{\"or\": [false, null, 1]}", NULL, "false");
    expect("{\"!\": [true]}", NULL, "false");
    expect("{\"!\": {\"var\": \"inputs.note\"}}", NULL, "true");
    expect("{\"!\": \"yes\"}", NULL, "true");
    expect("{\"in\": [\"KZ\", {\"var\": \"crisis.parties\"}]}", NULL, "true");
    expect("{\"in\": [\"RU\", {\"var\": \"crisis.parties\"}]}", NULL, "false");
    expect("{\"in\": [\"ear\", \"nuclear\"]}", NULL, "true");
    expect("{\"in\": [1, \"x1\"]}", NULL, "false");
    expect("{\"in\": [{\"var\": \"inputs.level\"}, [\"low\", \"high\"]]}", NULL, "true");
    expect("{\"in\": [3.0, [1, 2, 3]]}", NULL, "true");
    expect("[1, {\"var\": \"inputs.note\"}, \"x\"]", NULL, "[1,null,\"x\"]");
    /* in: a null among the values is equal to a missing input only; neither a string nor a list. */
    expect("{\"in\": [{\"var\": \"inputs.note\"}, [1, null]]}", NULL, "true");
    expect("{\"in\": [1, [null, \"1\"]]}", NULL, "false");
    expect("{\"in\": [\"a\", 5]}", NULL, "false");
    expect("{\"in\": [\"a\", {\"var\": \"inputs.note\"}]}", NULL, "false");
    expect("{\"in\": [{\"var\": \"inputs.note\"}, \"abc\"]}", NULL, "false");
    expect("{\"in\": [null, [1, null]]}", NULL, "true");
    expect("{\"in\": [[1], [[1], 2]]}", NULL, "true");
    expect("{\"in\": [\"a\", []]}", NULL, "false");

    expect("null", NULL, "null");
    expect("\"text\"", NULL, "\"text\"");
}

static void test_condition_crisis_and_data(void **state)
{
    (void)state;
    static const char data[] =
        "{\"report\": {\"KZ\": {\"n\": 2, \"what\": \"flood\"}, \"TJ\": {\"n\": 3}, "
        "\"AM\": {\"n\": null}},"
        " \"review\": {\"summary\": \"contained\"}, \"call\": {\"sent\": 12}}";
    expect("{\"var\": \"crisis.severity\"}", NULL, "\"severe\"");
    expect("{\"var\": \"crisis.mode\"}", NULL, "\"actual\"");
    expect("{\"var\": \"crisis.parties\"}", NULL, "[\"KZ\",\"TJ\"]");
    expect("{\"var\": \"data.report.KZ.n\"}", data, "2");
    expect("{\"var\": \"data.report.KZ\"}", data, "{\"n\":2,\"what\":\"flood\"}");
    expect("{\"var\": \"data.report.RU.n\"}", data, "null");
    expect("{\"var\": \"data.report.*.n\"}", data, "[2,3]");
    expect("{\"var\": \"data.report.*\"}", "{\"report\": {\"TJ\": {\"n\": 1}}}", "[{\"n\":1}]");
    expect("{\"var\": \"data.review.summary\"}", data, "\"contained\"");
    expect("{\"var\": \"data.review\"}", data, "{\"summary\":\"contained\"}");
    expect("{\"var\": \"data.call\"}", data, "{\"sent\":12}");
    expect("{\"var\": [\"data.review.summary\", \"none\"]}", NULL, "\"none\"");
    expect("{\"var\": [\"data.review.summary\", \"none\"]}", data, "\"contained\"");
    expect("{\"var\": [\"data.report.AM.n\", 0]}", data, "0");
    expect("{\"var\": [\"inputs.note\"]}", NULL, "null");
    /* A value reported as null reads as null, and the default stands in for it. */
    expect("{\"var\": \"data.report.AM.n\"}", data, "null");
    expect("{\"var\": [\"data.report.AM.n\", \"none\"]}", data, "\"none\"");
    expect("{\"var\": [\"data.report.TJ.n\", 0]}", data, "3");
    expect("{\"var\": \"data.report.*.what\"}", data, "[\"flood\"]");
}

static void test_condition_aggregates(void **state)
{
    (void)state;
    static const char ints[] =
        "{\"report\": {\"KZ\": {\"n\": 2}, \"TJ\": {\"n\": 3}, \"RU\": {\"what\": \"x\"}}}";
    static const char reals[] = "{\"report\": {\"KZ\": {\"n\": 2.5}, \"TJ\": {\"n\": -1}}}";
    expect("{\"sum\": {\"var\": \"data.report.*.n\"}}", ints, "5");
    expect("{\"sum\": {\"var\": \"data.report.*.n\"}}", reals, "1.5");
    expect("{\"sum\": {\"var\": \"data.report.*.n\"}}", NULL, "0");
    expect("{\"count\": {\"var\": \"data.report.*.n\"}}", ints, "2");
    expect("{\"count\": {\"var\": \"data.report.*\"}}", ints, "3");
    expect("{\"min\": {\"var\": \"data.report.*.n\"}}", ints, "2");
    expect("{\"max\": {\"var\": \"data.report.*.n\"}}", ints, "3");
    expect("{\"min\": {\"var\": \"data.report.*.n\"}}", reals, "-1.0");
    expect("{\"max\": {\"var\": \"data.report.*.n\"}}", reals, "2.5");
    expect("{\"max\": {\"var\": \"data.report.*.what\"}}", ints, "null");
    expect("{\"min\": [[]]}", NULL, "null");
    expect("{\"sum\": 5}", NULL, "0");
    expect("{\"count\": \"x\"}", NULL, "0");
    expect("{\"min\": 5}", NULL, "null");
    expect("{\"sum\": [[1, \"2\", 3]]}", NULL, "4");
    /* A missing list (an input not given) counts and sums to 0, and has no least or greatest. */
    expect("{\"sum\": {\"var\": \"inputs.note\"}}", NULL, "0");
    expect("{\"count\": {\"var\": \"inputs.note\"}}", NULL, "0");
    expect("{\"max\": {\"var\": \"inputs.note\"}}", NULL, "null");
    expect("{\"min\": [[null, true, 2, 1.5]]}", NULL, "1.5");
}

static void test_condition_approvals(void **state)
{
    (void)state;
    /* Closed: the tally kept when it closed; none kept reads 0. */
    char *got = evaluate("{\"var\": \"approval.vote.approve\"}", NULL, "{\"vote\": {\"approve\": 4}}", NULL);
    assert_string_equal(got, "4");
    free(got);
    got = evaluate("{\"var\": \"approval.vote.reject\"}", NULL, "{\"vote\": {\"approve\": 4}}", NULL);
    assert_string_equal(got, "0");
    free(got);
    /* Open: its seats counted. */
    static const tc_vote votes[] = {TC_VOTE_APPROVE, TC_VOTE_REJECT, TC_VOTE_APPROVE, TC_VOTE_ABSTAIN};
    static const char *const kinds[][2] = {{"approve", "2"}, {"reject", "1"}, {"abstain", "1"}};
    for (size_t i = 0; i < 3; i++) {
        char when[128];
        snprintf(when, sizeof when, "{\"var\": \"approval.vote.%s\"}", kinds[i][0]);
        got = evaluate(when, NULL, NULL, votes);
        assert_string_equal(got, kinds[i][1]);
        free(got);
    }
}

static void test_condition_refused(void **state)
{
    (void)state;
    static const struct {
        const char *when, *problem;
    } cases[] = {
        {"{\"==\": [1, 2], \"!=\": [1, 2]}",
         "expected one operator, such as {\"==\": [{\"var\": \"inputs.x\"}, 1]}"},
        {"{\"~\": [1, 2]}", "unknown operator \"~\""},
        {"{\"==\": [1]}", "\"==\" takes 2 operands"},
        {"{\"!\": [1, 2]}", "\"!\" takes 1 operand"},
        {"{\"or\": []}", "\"or\" takes at least 1 operand"},
        {"{\"var\": []}", "expected {\"var\": \"path\"} or {\"var\": [\"path\", default]}"},
        {"{\"var\": 5}", "expected a variable path such as \"inputs.requesting_state\""},
        {"{\"var\": \"inputs\"}", "expected inputs.<name>, not \"inputs\""},
        {"{\"var\": \"inputs.nothing\"}", "unknown input \"nothing\""},
        {"{\"var\": \"crisis.title\"}",
         "unknown crisis attribute in \"crisis.title\" (crisis.severity, crisis.mode or crisis.parties)"},
        {"{\"var\": \"approval.vote\"}",
         "expected approval.<state>.approve, .reject or .abstain, not \"approval.vote\""},
        {"{\"var\": \"approval.nowhere.approve\"}",
         "unknown state \"nowhere\" in \"approval.nowhere.approve\""},
        {"{\"var\": \"approval.report.approve\"}", "state \"report\" is not an approval"},
        {"{\"var\": \"data.nowhere.x\"}", "unknown state \"nowhere\" in \"data.nowhere.x\""},
        {"{\"var\": \"data.vote.x\"}", "state \"vote\" keeps no data (only tasks and actions do)"},
        {"{\"var\": \"data.report.n\"}",
         "task \"report\" has a seat per party: write data.report.<party>.n or data.report.*.n"},
        {"{\"var\": \"data.report.KZ.n.x\"}",
         "\"data.report.KZ.n.x\" goes deeper than the outputs of task \"report\""},
        {"{\"var\": \"data.review.nothing\"}", "task \"review\" has no output \"nothing\""},
        {"{\"var\": \"state.report\"}",
         "unknown variable \"state.report\" (it starts with inputs., data., crisis. or approval.)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *problems = NULL;
        tc_playbook *pb = compile_with(cases[i].when, &problems);
        if (pb != NULL)
            fail_msg("compiles: %s", cases[i].when);
        if (strstr(problems, cases[i].problem) == NULL)
            fail_msg("%s:\nexpected: %s\ngot:\n%s", cases[i].when, cases[i].problem, problems);
        free(problems);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_condition_comparisons),     cmocka_unit_test(test_condition_logic),
        cmocka_unit_test(test_condition_crisis_and_data), cmocka_unit_test(test_condition_aggregates),
        cmocka_unit_test(test_condition_approvals),       cmocka_unit_test(test_condition_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
