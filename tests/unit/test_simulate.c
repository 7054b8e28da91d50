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

/* Plays script on the playbook playbook_text: the result rendered, or "error N: text" when refused. */
static char *play(const char *playbook_text, const char *script_text)
{
    tc_playbook *pb = NULL;
    tc_error err;
    tc_error_init(&err);
    tc_diags diags = {0};
    if (tc_playbook_compile(playbook_text, strlen(playbook_text), &pb, &diags, &err) != 0)
        fail_msg("the playbook does not compile: %s: %s", diags.count ? diags.items[0].where : "",
                 diags.count ? diags.items[0].message : err.text);
    json_error_t error;
    json_t *script = json_loads(script_text, 0, &error), *result = NULL;
    if (script == NULL)
        fail_msg("the script is not JSON: %s", error.text);
    int rc = tc_simulate(pb, script, &result, &err);
    char *got;
    if (rc == 0) {
        got = render(result);
    } else {
        tc_strbuf sb = TC_STRBUF_INIT;
        tc_strbuf_addf(&sb, "error %d: %s\n", rc, err.text);
        got = tc_strbuf_take(&sb);
    }
    json_decref(result);
    json_decref(script);
    tc_playbook_free(pb);
    return got;
}

static void expect_play(const char *playbook_text, const char *script_text, const char *expected)
{
    char *got = play(playbook_text, script_text);
    if (strcmp(got, expected) != 0) {
        /* Printed whole: fail_msg would cut a long timeline short. */
        printf("%s\nexpected:\n%sgot:\n%s", script_text, expected, got);
        fail();
    }
    free(got);
}

static void expect_play_file(const char *playbook, const char *script_text, const char *expected)
{
    char *text = read_text(source_path(playbook));
    expect_play(text, script_text, expected);
    free(text);
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
        {"{\"events\": {}}", "script: $.events: expected an array of events"},
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
        {"{\"events\": [{\"at\": \"PT1M\", \"action\": \"alert_services\"}]}",
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
    /* No script at all (one that did not parse, say). */
    tc_error err;
    tc_error_init(&err);
    json_t *result = NULL;
    assert_int_equal(tc_simulate(pb, NULL, &result, &err), TC_EINVAL);
    assert_string_equal(err.text, "script: expected a JSON object");
    assert_null(result);
    tc_playbook_free(pb);
}

/* A playbook of one parallel state with n branches, each the one state state_json then an end; after an
 * action when after_action. */
static char *parallel_playbook_after(int n, const char *state_json, int after_action)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(
        &sb,
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"wide\", \"title\": \"Wide\", \"parties\": "
        "[\"KZ\"], \"roles\": {\"secretariat\": {\"title\": \"Secretariat\"}}, \"start\": \"%s\", "
        "\"states\": {%s\"all\": {\"type\": \"parallel\", \"branches\": {",
        after_action ? "first" : "all",
        after_action ? "\"first\": {\"type\": \"action\", \"run\": [\"go\"], \"next\": {\"ok\": \"all\", "
                       "\"failed\": \"done\"}}, "
                     : "");
    for (int i = 0; i < n; i++)
        tc_strbuf_addf(&sb,
                       "%s\"b%d\": {\"start\": \"s\", \"states\": {\"s\": %s, \"end\": {\"type\": \"end\"}}}",
                       i ? ", " : "", i, state_json);
    tc_strbuf_add(&sb, "}, \"next\": {\"done\": \"done\"}}, \"done\": {\"type\": \"end\"}}}");
    return tc_strbuf_take(&sb);
}

static char *parallel_playbook(int n, const char *state_json)
{
    return parallel_playbook_after(n, state_json, 0);
}

#define FAST "tests/data/playbooks/valid/fast.json"

/* A playbook of two actions, the second of which leads back to itself when it ends ok. */
static const char loop_playbook[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"loop\", \"title\": \"Loop\", \"parties\": [\"KZ\"], "
    "\"roles\": {\"secretariat\": {\"title\": \"Secretariat\"}}, \"start\": \"first\", "
    "\"states\": {\"first\": {\"type\": \"action\", \"run\": [\"prepare\"], \"next\": {\"ok\": \"again\", "
    "\"failed\": \"done\"}}, \"again\": {\"type\": \"action\", \"run\": [\"go\"], \"next\": {\"ok\": "
    "\"again\", "
    "\"failed\": \"done\"}}, \"done\": {\"type\": \"end\"}}}";

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* An action the script does not name ends ok as soon as it starts: at the first attempt, retry or not. */
static void test_simulate_unscripted_actions_end_ok(void **state)
{
    (void)state;
    expect_play_file(
        FAST, "{\"inputs\": {\"path\": \"alert\"}, \"events\": []}",
        "+00:00:00 crisis triggered by simulate (severity unknown, mode actual, parties KZ, RU)\n"
        "+00:00:00 route entered\n"
        "+00:00:00 route chose alert (condition 1)\n"
        "+00:00:00 alert entered\n"
        "+00:00:00 alert action started (attempt 1): ok-action --level 2\n"
        "+00:00:00 alert action finished (attempt 1): ok\n"
        "+00:00:00 alert left: ok\n"
        "+00:00:00 done entered\n"
        "+00:00:00 crisis closed: resolved\n"
        "status closed, outcome resolved, severity unknown, escalation level 0\n");
    expect_play_file(
        FAST, "{\"inputs\": {\"path\": \"flaky\"}, \"events\": []}",
        "+00:00:00 crisis triggered by simulate (severity unknown, mode actual, parties KZ, RU)\n"
        "+00:00:00 route entered\n"
        "+00:00:00 route chose flaky (condition 2)\n"
        "+00:00:00 flaky entered\n"
        "+00:00:00 flaky action started (attempt 1): flaky-action\n"
        "+00:00:00 flaky action finished (attempt 1): ok\n"
        "+00:00:00 flaky left: ok\n"
        "+00:00:00 done entered\n"
        "+00:00:00 crisis closed: resolved\n"
        "status closed, outcome resolved, severity unknown, escalation level 0\n");

    /* Nine actions start at once (more than the simulator first makes room for): each ends ok. */
    char *text = parallel_playbook(
        9, "{\"type\": \"action\", \"run\": [\"go\"], \"next\": {\"ok\": \"end\", \"failed\": \"end\"}}");
    char *got = play(text, "{\"events\": []}");
    assert_int_equal(count(got, "action started (attempt 1): go\n"), 9);
    assert_int_equal(count(got, "action finished (attempt 1): ok\n"), 9);
    assert_non_null(strstr(got, "+00:00:00 all left: done\n"));
    assert_non_null(strstr(got, "status closed, outcome resolved"));
    free(got);
    free(text);
}

/* An action the script names waits for the script, each time it starts, and its own timeout (PT30S by
 * default) does not run; after the crisis closes, the script's action results come too late and change
 * nothing. */
static void test_simulate_scripted_actions_wait(void **state)
{
    (void)state;
    expect_play(loop_playbook,
                "{\"events\": [{\"at\": \"PT10S\", \"action\": \"first\", \"outcome\": \"ok\"}, "
                "{\"at\": \"PT20S\", \"action\": \"first\", \"outcome\": \"ok\"}, "
                "{\"at\": \"PT30S\", \"ack\": \"again\"}, "
                "{\"at\": \"PT1M\", \"action\": \"again\", \"outcome\": \"ok\"}, "
                "{\"at\": \"PT2M\", \"action\": \"again\", \"outcome\": \"failed\"}, "
                "{\"at\": \"PT3M\", \"action\": \"again\", \"outcome\": \"ok\"}]}",
                "+00:00:00 crisis triggered by simulate (severity unknown, mode actual, parties KZ)\n"
                "+00:00:00 first entered\n"
                "+00:00:00 first action started (attempt 1): prepare\n"
                "+00:00:10 first action finished (attempt 1): ok\n"
                "+00:00:10 first left: ok\n"
                "+00:00:10 again entered\n"
                "+00:00:10 again action started (attempt 1): go\n"
                "+00:00:20 first refused action: state first is not active (active: again (action))\n"
                "+00:00:30 again refused ack: state again (action) does not take an acknowledgement (it "
                "takes no command: the engine moves it on)\n"
                "+00:01:00 again action finished (attempt 1): ok\n"
                "+00:01:00 again left: ok\n"
                "+00:01:00 again entered (visit 2)\n"
                "+00:01:00 again action started (attempt 1): go\n"
                "+00:02:00 again action finished (attempt 1): failed\n"
                "+00:02:00 again left: failed\n"
                "+00:02:00 done entered\n"
                "+00:02:00 crisis closed: resolved\n"
                "status closed, outcome resolved, severity unknown, escalation level 0\n");
}

/* A loop of actions none of which the script names never lets virtual time pass: the run stops, failed. */
static void test_simulate_loop_of_actions_fails(void **state)
{
    (void)state;
    expect_play(
        loop_playbook, "{\"events\": []}",
        "error -1: the simulation failed: 10000 actions ended at once without virtual time passing (the "
        "last: again): a loop of actions the script does not name never waits; name one in an "
        "\"action\" event\n");
}

/* Commands that cannot apply are recorded as refused and the run goes on; events apply in time order, those
 * at the same instant in script order. Without "as", a command acts with the seat of its state's role, or as
 * "simulate" when the state has none (an action) or is not named (a vote without "state"). */
static void test_simulate_refused_commands_are_recorded(void **state)
{
    (void)state;
    expect_play_file(
        FAST,
        "{\"events\": [{\"at\": \"PT1.5S\", \"action\": \"nowhere\", \"outcome\": \"ok\"}, "
        "{\"at\": \"P0D\", \"action\": \"alert\", \"outcome\": \"ok\"}, "
        "{\"at\": \"PT0S\", \"ack\": \"alert\"}, {\"at\": \"PT0.2S\", \"vote\": \"approve\"}, "
        "{\"at\": \"PT0.1S\", \"escalate\": \"report\"}, "
        "{\"at\": \"PT0.1S\", \"amend\": \"typo\", \"data\": {\"path\": \"x\"}}, "
        "{\"at\": \"PT1.5S\", \"cancel\": \"drill over\"}]}",
        "+00:00:00 crisis triggered by simulate (severity unknown, mode actual, parties KZ, RU)\n"
        "+00:00:00 route entered\n"
        "+00:00:00 route chose report (otherwise)\n"
        "+00:00:00 report entered\n"
        "+00:00:00 report notified (task assigned): secretariat\n"
        "+00:00:00 alert refused action: state alert is not active (active: report (task))\n"
        "+00:00:00 alert refused ack: state alert is not active (active: report (task))\n"
        "+00:00:00 report escalated to level 1 by simulate, severity raised to severe: notify council\n"
        "+00:00:00 report notified (escalated): council/KZ, council/RU\n"
        "+00:00:00 crisis amended by simulate: path \"report\" -> \"x\" (typo)\n"
        "+00:00:00 crisis refused vote: no active state takes a vote (active: report (task))\n"
        "+00:00:01 nowhere refused action: no state nowhere in playbook fast (active: report (task))\n"
        "+00:00:01 crisis cancelled by simulate: drill over\n"
        "status cancelled, outcome cancelled, severity severe, escalation level 1\n");

    /* A role with a seat per party and no "party": the role's bare name, which holds none of its seats. */
    const char *per_party =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"p\", \"title\": \"P\", \"parties\": [\"KZ\", "
        "\"RU\"], "
        "\"roles\": {\"council\": {\"title\": \"Council\", \"per_party\": true}}, \"start\": \"consult\", "
        "\"states\": {\"consult\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\", "
        "\"next\": {\"done\": \"done\"}}, \"done\": {\"type\": \"end\"}}}";
    expect_play(per_party, "{\"events\": [{\"at\": \"PT1M\", \"complete\": \"consult\"}]}",
                "+00:00:00 crisis triggered by simulate (severity unknown, mode actual, parties KZ, RU)\n"
                "+00:00:00 consult entered\n"
                "+00:00:00 consult notified (task assigned): council/KZ, council/RU\n"
                "+00:01:00 consult refused complete: council holds no seat that state consult waits for (it "
                "waits for council/KZ, council/RU)\n"
                "status active, outcome none, severity unknown, escalation level 0\n"
                "still active: consult\n");
}

/* The timeline's "t" is in seconds, with a fraction when the instant has one. */
static void test_simulate_fractional_seconds(void **state)
{
    (void)state;
    tc_playbook *pb = compile_file(source_path(FAST));
    json_t *script = json_loads("{\"events\": [{\"at\": \"PT1.5S\", \"cancel\": \"drill over\"}]}", 0, NULL);
    json_t *result = NULL;
    assert_int_equal(tc_simulate(pb, script, &result, NULL), 0);
    json_t *timeline = json_object_get(result, "timeline");
    json_t *last = json_array_get(timeline, json_array_size(timeline) - 1);
    assert_string_equal(json_string_value(json_object_get(last, "kind")), "cancelled");
    assert_true(json_is_real(json_object_get(last, "t")));
    assert_true(json_real_value(json_object_get(last, "t")) == 1.5);
    assert_true(json_is_integer(json_object_get(json_array_get(timeline, 0), "t")));
    json_decref(result);
    json_decref(script);
    tc_playbook_free(pb);
}

/* Many timers at once (more than the simulator first makes room for): every deadline passes in its turn. */
static void test_simulate_many_timers(void **state)
{
    (void)state;
    char *text = parallel_playbook(33,
                                   "{\"type\": \"task\", \"assignee\": \"secretariat\", \"deadline\": "
                                   "\"PT1H\", \"next\": {\"done\": \"end\", \"timeout\": \"end\"}}");
    char *got = play(text, "{\"events\": []}");
    assert_int_equal(count(got, "+01:00:00 all/b"), 3 * 33); /* deadline passed, left, end entered */
    assert_int_equal(count(got, "deadline passed\n"), 33);
    assert_non_null(strstr(got, "+01:00:00 all left: done\n"));
    assert_non_null(strstr(got, "status closed, outcome resolved"));
    free(got);
    free(text);
}

/* More transitions in one event than the machine takes (a parallel of 5001 branches of two states each):
 * the run fails, whether the trigger or an action the simulator ends makes them. */
static void test_simulate_too_many_transitions_fails(void **state)
{
    (void)state;
    static const char choice[] =
        "{\"type\": \"choice\", \"choices\": [{\"when\": true, \"next\": \"end\"}], \"otherwise\": \"end\"}";
    for (int after_action = 0; after_action < 2; after_action++) {
        char *text = parallel_playbook_after(5001, choice, after_action);
        expect_play(
            text, "{\"events\": []}",
            "error -1: the simulation failed: state all/b4999/end: more than 10000 transitions in one "
            "event\n");
        free(text);
    }
}

/* Every action the script names waits for it, however many (65 here, each named at PT1M): none times out at
 * PT30S, its default timeout. */
static void test_simulate_many_scripted_actions(void **state)
{
    (void)state;
    char *text = parallel_playbook(
        65, "{\"type\": \"action\", \"run\": [\"go\"], \"next\": {\"ok\": \"end\", \"failed\": \"end\"}}");
    tc_strbuf script = TC_STRBUF_INIT;
    tc_strbuf_add(&script, "{\"events\": [");
    for (int i = 0; i < 65; i++)
        tc_strbuf_addf(&script, "%s{\"at\": \"PT1M\", \"action\": \"all/b%d/s\", \"outcome\": \"ok\"}",
                       i ? ", " : "", i);
    tc_strbuf_add(&script, "]}");
    char *script_text = tc_strbuf_take(&script);
    char *got = play(text, script_text);
    assert_int_equal(count(got, "+00:01:00 all/b"), 3 * 65); /* action finished, left, end entered */
    assert_int_equal(count(got, "action finished (attempt 1): ok\n"), 65);
    assert_null(strstr(got, "+00:00:30"));
    assert_non_null(strstr(got, "status closed, outcome resolved"));
    free(got);
    free(script_text);
    free(text);
}

/* A task whose deadline of a second leads back to it, for two days: more steps than a run takes (20,000). The
 * run fails and says so, rather than print the first hours as if they were the whole. */
static void test_simulate_too_long_a_run_fails(void **state)
{
    (void)state;
    static const char ticking[] =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"tick\", \"title\": \"Tick\", \"parties\": [\"KZ\"], "
        "\"roles\": {\"secretariat\": {\"title\": \"Secretariat\"}}, \"start\": \"tick\", "
        "\"states\": {\"tick\": {\"type\": \"task\", \"title\": \"Tick\", \"assignee\": \"secretariat\", "
        "\"deadline\": \"PT1S\", \"next\": {\"done\": \"done\", \"timeout\": \"tick\"}}, "
        "\"done\": {\"type\": \"end\"}}}";
    expect_play(
        ticking, "{\"events\": [], \"until\": \"P2D\"}",
        "error -1: the simulation failed: 20000 events and timers by +20000 s, before its end: a timer "
        "repeats too often for so long (shorten \"until\")\n");
    /* 20,000 seconds are as many steps: it runs to its end; a second more does not. */
    char *got = play(ticking, "{\"events\": [], \"until\": \"PT5H33M20S\"}");
    assert_non_null(strstr(got, "status active"));
    assert_int_equal(count(got, "tick deadline passed"), 20000);
    free(got);
    got = play(ticking, "{\"events\": [], \"until\": \"PT5H33M21S\"}");
    assert_non_null(strstr(got, "error -1: the simulation failed: 20000 events and timers by +20000 s"));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulate_scenarios),
        cmocka_unit_test(test_simulate_refuses_bad_scripts),
        cmocka_unit_test(test_simulate_unscripted_actions_end_ok),
        cmocka_unit_test(test_simulate_scripted_actions_wait),
        cmocka_unit_test(test_simulate_loop_of_actions_fails),
        cmocka_unit_test(test_simulate_refused_commands_are_recorded),
        cmocka_unit_test(test_simulate_fractional_seconds),
        cmocka_unit_test(test_simulate_many_timers),
        cmocka_unit_test(test_simulate_many_scripted_actions),
        cmocka_unit_test(test_simulate_too_many_transitions_fails),
        cmocka_unit_test(test_simulate_too_long_a_run_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
