/*
 * The simulator (core/simulate): every scenario of tests/data/simulate,
 * NAME-SCENARIO.json played on workflows/NAME.json, gives exactly the
 * timeline of NAME-SCENARIO.expected, rendered as `tocsin simulate` renders
 * it (core/audit/timeline.h), and its last lines; and scripts that do not
 * validate are refused, naming where.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "read_text.h"

#include "core/audit/timeline.h"
#include "core/base/strbuf.h"
#include "core/simulate/simulate.h"

static char *source_path(const char *relative)
{
    static char path[4096];
    const char *root = getenv("TOCSIN_SOURCE_DIR");
    assert_non_null(root);
    snprintf(path, sizeof path, "%s/%s", root, relative);
    return path;
}

static tc_playbook *compile_file(const char *path)
{
    char *text = read_text(path);
    tc_playbook *pb = NULL;
    if (tc_playbook_compile(text, strlen(text), &pb, NULL, NULL) != 0)
        fail_msg("%s does not compile", path);
    free(text);
    return pb;
}

/* The result as the CLI prints it (cli/cmd_simulate.c). */
static char *render(json_t *result)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(result, "timeline"), i, line)
    {
        double t = json_number_value(json_object_get(line, "t"));
        tc_timeline_offset(&sb, (tc_ms)(t * 1000));
        tc_strbuf_add(&sb, " ");
        tc_timeline_describe(&sb, json_string_value(json_object_get(line, "kind")),
                             json_string_value(json_object_get(line, "state")),
                             json_string_value(json_object_get(line, "actor")),
                             json_object_get(line, "detail"));
        tc_strbuf_add(&sb, "\n");
    }
    const char *outcome = json_string_value(json_object_get(result, "outcome"));
    tc_strbuf_addf(&sb, "status %s, outcome %s, severity %s, escalation level %lld\n",
                   json_string_value(json_object_get(result, "status")), outcome ? outcome : "none",
                   json_string_value(json_object_get(result, "severity")),
                   (long long)json_integer_value(json_object_get(result, "escalation_level")));
    json_t *active = json_object_get(result, "active");
    if (json_array_size(active) > 0) {
        tc_strbuf_add(&sb, "still active:");
        json_array_foreach(active, i, line) tc_strbuf_addf(&sb, " %s", json_string_value(line));
        tc_strbuf_add(&sb, "\n");
    }
    return tc_strbuf_take(&sb);
}

static void test_simulate_scenarios(void **state)
{
    (void)state;
    static const char *const playbooks[] = {"border-incident", "collective-response", "counter-narcotics"};
    glob_t g;
    assert_int_equal(glob(source_path("tests/data/simulate/*.json"), 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 12);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *script_path = g.gl_pathv[i], *name = strrchr(script_path, '/') + 1;
        const char *playbook = NULL;
        for (size_t p = 0; p < sizeof playbooks / sizeof *playbooks; p++)
            if (strncmp(name, playbooks[p], strlen(playbooks[p])) == 0 && name[strlen(playbooks[p])] == '-')
                playbook = playbooks[p];
        if (playbook == NULL)
            fail_msg("%s: which playbook?", name);
        char pb_path[256], expected_path[4096];
        snprintf(pb_path, sizeof pb_path, "workflows/%s.json", playbook);
        snprintf(expected_path, sizeof expected_path, "%.*s.expected", (int)(strlen(script_path) - 5),
                 script_path);
        tc_playbook *pb = compile_file(source_path(pb_path));
        char *script_text = read_text(script_path), *expected = read_text(expected_path);
        json_t *script = json_loads(script_text, JSON_REJECT_DUPLICATES, NULL), *result = NULL;
        assert_non_null(script);
        tc_error err;
        tc_error_init(&err);
        if (tc_simulate(pb, script, &result, &err) != 0)
            fail_msg("%s: %s", name, err.text);
        char *got = render(result);
        if (strcmp(got, expected) != 0)
            fail_msg("%s:\nexpected:\n%sgot:\n%s", name, expected, got);
        free(got);
        json_decref(result);
        json_decref(script);
        free(script_text);
        free(expected);
        tc_playbook_free(pb);
    }
    globfree(&g);
}

/* Scripts that do not validate: refused before anything is played, with where and why. */
static void test_simulate_refuses_bad_scripts(void **state)
{
    (void)state;
    static const struct {
        const char *script, *error;
    } cases[] = {
        {"[]", "script: expected a JSON object"},
        {"{\"events\": [], \"extra\": 1}", "script: $.extra: unknown key"},
        {"{}", "script: $.events: expected an array of events"},
        {"{\"events\": [], \"actors\": []}", "script: $.actors: expected an object of actor -> [seats]"},
        {"{\"events\": [], \"actors\": {\"a\": \"x\"}}", "script: $.actors.a: expected an array of seats"},
        {"{\"events\": [], \"actors\": {\"a\": [1]}}", "script: $.actors.a[0]: expected a seat (a string)"},
        {"{\"events\": [], \"parties\": \"TJ\"}", "script: $.parties: expected an array of parties"},
        {"{\"events\": [], \"parties\": [1]}", "script: $.parties[0]: expected a string"},
        {"{\"events\": [], \"until\": \"soon\"}", "script: $.until: expected a duration such as \"P30D\""},
        {"{\"events\": [1]}", "script: $.events[0]: expected an object"},
        {"{\"events\": [{\"at\": 5, \"ack\": \"report\"}]}",
         "script: $.events[0].at: expected a duration since the trigger, such as \"PT10M\""},
        {"{\"events\": [{\"at\": \"PT1M\"}]}",
         "script: $.events[0]: expected one of vote, complete, ack, escalate, action, cancel"},
        {"{\"events\": [{\"at\": \"PT1M\", \"ack\": \"report\", \"cancel\": \"x\"}]}",
         "script: $.events[0]: one command per event (ack and cancel)"},
        {"{\"events\": [{\"at\": \"PT1M\", \"ack\": \"report\", \"vote\": \"approve\"}]}",
         "script: $.events[0]: one command per event (vote and ack)"},
        {"{\"events\": [{\"at\": \"PT1M\", \"ack\": \"report\", \"data\": {}}]}",
         "script: $.events[0].data: unknown key for a ack event"},
        {"{\"events\": [{\"at\": \"PT1M\", \"ack\": 3}]}", "script: $.events[0].ack: expected a string"},
        {"{\"events\": [{\"at\": \"PT1M\", \"ack\": \"report\", \"party\": 3}]}",
         "script: $.events[0].party: expected a string"},
        {"{\"events\": [{\"at\": \"PT1M\", \"ack\": \"report\", \"as\": \"nobody\"}]}",
         "script: $.events[0].as: no actor nobody in $.actors"},
        {"{\"events\": [{\"at\": \"PT1M\", \"vote\": \"maybe\"}]}",
         "script: $.events[0].vote: approve, reject or abstain"},
        {"{\"events\": [{\"at\": \"PT1M\", \"action\": \"alert_services\", \"outcome\": \"late\"}]}",
         "script: $.events[0].outcome: ok or failed"},
        {"{\"events\": [], \"inputs\": {\"casualties\": \"many\"}}",
         "input sector is required (and 2 more problems)"},
        {"{\"events\": [], \"initiator\": \"kz\", \"actors\": {\"kz\": [\"council/KZ\"]}}",
         "kz may not trigger playbook border-incident (only administrators and holders of a seat of "
         "border_post, "
         "national_authority, secretariat may)"},
    };
    tc_playbook *pb = compile_file(source_path("workflows/border-incident.json"));
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *script = json_loads(cases[i].script, JSON_DECODE_ANY, NULL), *result = NULL;
        assert_non_null(script);
        tc_error err;
        tc_error_init(&err);
        if (tc_simulate(pb, script, &result, &err) != TC_EINVAL)
            fail_msg("accepted: %s", cases[i].script);
        if (strcmp(err.text, cases[i].error) != 0)
            fail_msg("%s:\nexpected: %s\ngot:      %s", cases[i].script, cases[i].error, err.text);
        json_decref(script);
    }
    tc_playbook_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulate_scenarios),
        cmocka_unit_test(test_simulate_refuses_bad_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
