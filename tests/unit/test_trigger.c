/*
 * Triggering a crisis (core/machine/trigger.c) and the values it and a
 * completion check (core/machine/machine_task.c): --input NAME=VALUE read by
 * the input's type, each type's refusal in words, ranges, subsets of the
 * parties that leave a step without a seat, and what prepare fills in.
 */
#include "machine_fixture.h"

static const char playbook_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"values\", \"title\": \"Values\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\"],\n"
    " \"roles\": {\"sec\": {\"title\": \"S\"}, \"border\": {\"title\": \"B\", \"per_party\": true},\n"
    "           \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"inputs\": {\"n\": {\"type\": \"integer\", \"min\": 0, \"max\": 10},\n"
    "            \"x\": {\"type\": \"number\", \"max\": 5},\n"
    "            \"b\": {\"type\": \"boolean\"},\n"
    "            \"p\": {\"type\": \"party\"},\n"
    "            \"s\": {\"type\": \"string\", \"enum\": [\"a\", \"b\"]},\n"
    "            \"who\": {\"type\": \"party\", \"required\": true}},\n"
    " \"start\": \"one\",\n"
    " \"states\": {\n"
    "  \"one\": {\"type\": \"task\", \"assignee\": \"border\", \"parties\": [\"KZ\"], \"next\": \"two\",\n"
    "          \"outputs\": {\"n\": {\"type\": \"integer\"}, \"x\": {\"type\": \"number\", \"min\": 0, "
    "\"max\": 1},\n"
    "                      \"y\": {\"type\": \"number\", \"min\": 1}, \"b\": {\"type\": \"boolean\"},\n"
    "                      \"p\": {\"type\": \"party\"}, \"s\": {\"type\": \"string\"}}},\n"
    "  \"two\": {\"type\": \"task\", \"assignee\": \"sec\", \"next\": \"three\"},\n"
    "  \"three\": {\"type\": \"task\", \"assignee\": \"border\", \"parties\": [\"AM\", \"RU\"],\n"
    "            \"complete\": {\"min\": 1}, \"next\": \"vote\"},\n"
    "  \"vote\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": [\"AM\", "
    "\"KZ\"]},\n"
    "           \"rule\": {\"kind\": \"quorum\", \"min\": 2}, \"next\": {\"approved\": \"solo\", "
    "\"rejected\": "
    "\"done\"}},\n"
    "  \"solo\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": [\"RU\"]},\n"
    "           \"rule\": \"consensus\", \"next\": {\"approved\": \"done\", \"rejected\": \"done\"}},\n"
    "  \"done\": {\"type\": \"end\"}}}\n";

static tc_playbook *values(void)
{
    return compile(playbook_text);
}

/* tc_trigger_input: NAME=VALUE read by the input's type; each refusal names the input and what it takes. */
static void test_trigger_input(void **state)
{
    (void)state;
    tc_playbook *pb = values();
    struct {
        const char *assignment;
        const char *key;
        const char *json; /* what it reads as, or NULL when refused with message */
        const char *message;
    } cases[] = {
        {"n=7", "n", "7", NULL},
        {"n=-3", "n", "-3", NULL}, /* the range is the trigger's to check, not the reader's */
        {"x=2.5", "x", "2.5", NULL},
        {"x=1e2", "x", "100.0", NULL},
        {"b=true", "b", "true", NULL},
        {"b=false", "b", "false", NULL},
        {"p=KZ", "p", "\"KZ\"", NULL},
        {"s=a=b", "s", "\"a=b\"", NULL},
        {"s=", "s", "\"\"", NULL},
        {"n", NULL, NULL, "--input n: expected NAME=VALUE"},
        {"=1", NULL, NULL, "--input =1: expected NAME=VALUE"},
        {"nope=1", NULL, NULL, "playbook values has no input nope"},
        {"n=7.5", NULL, NULL,
         "input n must be an integer from -9223372036854775808 to 9223372036854775807, not '7.5'"},
        {"n=", NULL, NULL,
         "input n must be an integer from -9223372036854775808 to 9223372036854775807, not ''"},
        {"x=many", NULL, NULL, "input x must be a decimal number within range, not 'many'"},
        {"b=yes", NULL, NULL, "input b must be true or false, not 'yes'"},
        {"b=True", NULL, NULL, "input b must be true or false, not 'True'"},
        {"s=\xff", NULL, NULL, "input s is not valid UTF-8"},
        {"p=\xc3", NULL, NULL, "input p is not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *key = NULL;
        json_t *value = NULL;
        tc_error err;
        tc_error_init(&err);
        int rc = tc_trigger_input(pb, cases[i].assignment, &key, &value, &err);
        if (cases[i].json != NULL) {
            if (rc != 0)
                fail_msg("case %zu (%s): %s", i, cases[i].assignment, err.text);
            assert_string_equal(key, cases[i].key);
            char *dumped = json_dumps(value, JSON_ENCODE_ANY);
            assert_string_equal(dumped, cases[i].json);
            free(dumped);
        } else {
            assert_int_equal(rc, TC_EINVAL);
            assert_string_equal(err.text, cases[i].message);
            assert_null(key);
            assert_null(value);
        }
        free(key);
        json_decref(value);
    }
    tc_playbook_free(pb);
}

/* The problems of a trigger's inputs, each type's word, ranges and enums; prepare refuses with the first. */
static void test_trigger_input_values(void **state)
{
    (void)state;
    tc_playbook *pb = values();
    struct {
        const char *inputs;
        const char *problem; /* NULL: none */
    } cases[] = {
        {"{\"who\": \"KZ\", \"n\": 10, \"x\": -100, \"b\": false, \"p\": \"AM\", \"s\": \"b\"}", NULL},
        {"{\"who\": \"KZ\", \"n\": null}", NULL}, /* null: as if not given */
        {"{\"who\": \"KZ\", \"b\": true, \"x\": 5}", NULL},
        {"{}", "input who is required"},
        {"{\"who\": null}", "input who is required"},
        {"[\"who\"]", "inputs must be a JSON object"},
        {"{\"who\": \"XX\"}", "input who must be one of the playbook's parties"},
        {"{\"who\": 3}", "input who must be one of the playbook's parties"},
        {"{\"who\": \"KZ\", \"n\": 11}", "input n must be from 0 to 10, not 11"},
        {"{\"who\": \"KZ\", \"n\": -1}", "input n must be from 0 to 10, not -1"},
        {"{\"who\": \"KZ\", \"n\": 1.5}", "input n must be an integer"},
        {"{\"who\": \"KZ\", \"x\": 5.5}", "input x must be at most 5, not 5.5"},
        {"{\"who\": \"KZ\", \"x\": \"5\"}", "input x must be a number"},
        {"{\"who\": \"KZ\", \"b\": 1}", "input b must be true or false"},
        {"{\"who\": \"KZ\", \"s\": \"c\"}", "input s must be one of [\"a\",\"b\"]"},
        {"{\"who\": \"KZ\", \"s\": 1}", "input s must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *inputs = json_loads(cases[i].inputs, 0, NULL);
        assert_non_null(inputs);
        tc_trigger t = {.inputs = inputs};
        tc_diags problems = {0};
        size_t n = tc_trigger_problems(pb, &t, NULL, &problems);
        if (cases[i].problem == NULL) {
            if (n != 0)
                fail_msg("case %zu: %s", i, problems.items[0].message);
        } else {
            if (n != 1)
                fail_msg("case %zu: %zu problems", i, n);
            assert_string_equal(problems.items[0].message, cases[i].problem);
        }
        tc_diags_clear(&problems);
        json_decref(inputs);
    }
    tc_playbook_free(pb);
}

/* Parties that leave a step with no seat, or an approval fewer seats than its quorum, and an empty list. */
static void test_trigger_party_subsets(void **state)
{
    (void)state;
    tc_playbook *pb = values();
    json_t *inputs = json_pack("{s:s}", "who", "KZ");
    struct {
        const char *const *parties;
        size_t count;
        const char *problems[3];
    } cases[] = {
        {(const char *const[]){"AM", "RU"},
         2,
         {"these parties leave task one with no seat: it needs KZ",
          "these parties leave approval vote 1 seats, fewer than its quorum of 2 (its parties: AM, KZ)"}},
        {(const char *const[]){"KZ"},
         1,
         {"these parties leave task three with no seat: it needs one of AM, RU",
          "these parties leave approval vote 1 seats, fewer than its quorum of 2 (its parties: AM, KZ)",
          "these parties leave approval solo with no seat: it needs RU"}},
        {(const char *const[]){"KZ", "AM"},
         2,
         {"these parties leave approval solo with no seat: it needs RU"}},
        {(const char *const[]){"RU"},
         1,
         {"these parties leave task one with no seat: it needs KZ",
          "these parties leave approval vote with no seat: it needs one of AM, KZ"}},
        {(const char *const[]){NULL}, 0, {"a crisis needs at least one party"}},
        {(const char *const[]){"KZ", "AM", "RU"}, 3, {NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_trigger t = {.inputs = inputs, .parties = cases[i].parties, .party_count = cases[i].count};
        tc_diags problems = {0};
        size_t n = tc_trigger_problems(pb, &t, NULL, &problems);
        size_t want = 0;
        while (want < 3 && cases[i].problems[want] != NULL)
            want++;
        if (n != want)
            fail_msg("case %zu: %zu problems, the first: %s", i, n, n ? problems.items[0].message : "-");
        for (size_t k = 0; k < n; k++)
            assert_string_equal(problems.items[k].message, cases[i].problems[k]);
        tc_diags_clear(&problems);
    }
    json_decref(inputs);
    tc_playbook_free(pb);
}

/* What prepare fills in: the parties in the playbook's order, severity, mode, title, initiator and login;
 * without a role (the simulator) the initiator is "simulate" and no permission is asked. */
static void test_trigger_prepare_fills_in(void **state)
{
    (void)state;
    tc_playbook *pb = values();
    json_t *inputs = json_pack("{s:s, s:n}", "who", "RU", "n");
    tc_instance *inst = tc_instance_new(pb);
    tc_trigger t = {inputs, "Floods", "severe", "exercise", (const char *const[]){"RU", "KZ", "AM"}, 3};
    tc_actor actor = {"kz", (const char *const[]){"border/KZ"}, 1, 0, "ivanov", NULL, 0};
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &actor, 5 * M, NULL), 0);
    assert_int_equal(inst->party_count, 3);
    assert_string_equal(pb->parties[inst->parties[0]], "AM");
    assert_string_equal(pb->parties[inst->parties[2]], "RU");
    assert_int_equal(inst->severity, TC_SEVERITY_SEVERE);
    assert_int_equal(inst->mode, TC_MODE_EXERCISE);
    assert_string_equal(inst->title, "Floods");
    assert_string_equal(inst->initiator, "kz");
    assert_string_equal(inst->initiator_login, "ivanov");
    assert_int_equal(inst->created_at, 5 * M);
    char *dumped = json_dumps(inst->inputs, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(dumped, "{\"who\":\"RU\"}"); /* n given as null: no default, left out */
    free(dumped);

    /* Prepared again by the engine itself (no role): the playbook's title, no login. */
    tc_actor engine = {0};
    t = (tc_trigger){inputs, NULL, NULL, "test", NULL, 0};
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &engine, 0, NULL), 0);
    assert_string_equal(inst->initiator, "simulate");
    assert_null(inst->initiator_login);
    assert_string_equal(inst->title, "Values");
    assert_int_equal(inst->severity, TC_SEVERITY_UNKNOWN);
    assert_int_equal(inst->mode, TC_MODE_TEST);

    /* A seat of none of the playbook's roles may not trigger; the refusal names them all. */
    tc_actor stranger = {"navy", (const char *const[]){"navy/KZ", "bordering/KZ"}, 2, 0, NULL, NULL, 0};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &stranger, 0, &err), TC_EPERM);
    assert_string_equal(err.text,
                        "navy may not trigger playbook values (only administrators and holders of a "
                        "seat of sec, border, council may)");
    assert_string_equal(inst->initiator, "simulate"); /* unchanged */
    tc_instance_free(inst);
    json_decref(inputs);
    tc_playbook_free(pb);
}

/* A completion's outputs: each type's refusal, both bounds, a task that reports no data. */
static void test_trigger_completion_values(void **state)
{
    (void)state;
    fixture f;
    json_t *inputs = json_pack("{s:s}", "who", "KZ");
    tc_trigger t = {.inputs = inputs};
    start_with(&f, playbook_text, &t);
    json_decref(inputs);
    struct {
        const char *data;
        const char *message;
    } refused[] = {
        {"{\"n\": \"1\"}", "output n must be an integer"},
        {"{\"x\": 1.5}", "output x must be from 0 to 1, not 1.5"},
        {"{\"x\": -0.5}", "output x must be from 0 to 1, not -0.5"},
        {"{\"y\": 0.5}", "output y must be at least 1, not 0.5"},
        {"{\"b\": \"true\"}", "output b must be true or false"},
        {"{\"p\": \"XX\"}", "output p must be one of the playbook's parties"},
        {"{\"s\": null}", "output s must be a string"},
        {"[1]", "the data of a completion is a JSON object"},
        {"{\"n\": 1.5, \"b\": 0}", "output n must be an integer (and 1 more problems)"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        json_t *data = json_loads(refused[i].data, 0, NULL);
        assert_non_null(data);
        assert_int_equal(complete(&f, "one", "KZ", NULL, data, M), TC_EINVAL);
        assert_string_equal(f.err.text, refused[i].message);
    }
    assert_int_equal(complete(&f, "one", "KZ", NULL,
                              json_pack("{s:i, s:f, s:i, s:b, s:s, s:s}", "n", 1, "x", 0.5, "y", 7, "b", 0,
                                        "p", "RU", "s", "x"),
                              M),
                     0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(json_object_get(f.inst->data, "one"), "KZ"), "y")),
        7);
    /* An office's task keeps its data under its path alone; one that declares no outputs refuses any. */
    assert_true(is_active(&f, "two"));
    assert_int_equal(complete(&f, "two", NULL, NULL, json_pack("{s:i}", "n", 1), 2 * M), TC_EINVAL);
    assert_string_equal(f.err.text, "task two has no output n (it reports no data)");
    tc_event ev = {.kind = TC_EVENT_COMPLETE,
                   .actor = {NULL, (const char *const[]){"sec"}, 1, 0, NULL, NULL, 0}};
    assert_int_equal(act(&f, ev, 2 * M), 0);
    assert_true(json_is_object(json_object_get(f.inst->data, "two")));
    assert_true(json_is_null(json_object_get(audit_detail(&f, "completed"), "party")));
    /* complete {"min": 1} of two seats: the first completion moves on. */
    assert_int_equal(complete(&f, "three", "RU", NULL, NULL, 3 * M), 0);
    assert_true(is_active(&f, "vote"));
    finish(&f);
}

/* A playbook that lets no role trigger (an empty list): only administrators may, and the refusal says so. */
static void test_trigger_only_administrators(void **state)
{
    (void)state;
    tc_playbook *pb = compile(
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"locked\", \"title\": \"Locked\",\n"
        " \"parties\": [\"AM\"], \"roles\": {\"sec\": {\"title\": \"S\"}},\n"
        " \"permissions\": {\"trigger\": []}, \"start\": \"t\",\n"
        " \"states\": {\"t\": {\"type\": \"task\", \"assignee\": \"sec\", \"next\": \"e\"},\n"
        "            \"e\": {\"type\": \"end\"}}}\n");
    tc_instance *inst = tc_instance_new(pb);
    tc_trigger t = {0};
    tc_actor sec = ACTOR("sec", "sec"), admin = {"root", NULL, 0, 1, NULL, NULL, 0};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &sec, 0, &err), TC_EPERM);
    assert_string_equal(err.text, "sec may not trigger playbook locked (only administrators may)");
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &admin, 0, &err), 0);
    tc_instance_free(inst);
    tc_playbook_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trigger_input),
        cmocka_unit_test(test_trigger_input_values),
        cmocka_unit_test(test_trigger_party_subsets),
        cmocka_unit_test(test_trigger_prepare_fills_in),
        cmocka_unit_test(test_trigger_completion_values),
        cmocka_unit_test(test_trigger_only_administrators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
