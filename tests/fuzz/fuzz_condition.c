/*
 * libFuzzer harness for the small languages inside a playbook: ISO 8601
 * durations (deadlines, ladders, waits, the simulator's "at") and the
 * conditions of choice states (a JSON Logic subset, compiled against the
 * playbook and evaluated against a crisis). Any bytes in: no crash, leak or
 * undefined behaviour, and:
 *   - a duration that parses formats to text that parses to the same length;
 *   - a condition that compiles evaluates, against a crisis whose data are
 *     whatever the input says, to a value or null.
 *
 * The input is "DURATION\nPLAYBOOK-NAME\nCONDITION DATA": the first line a
 * duration, the second one of the repository's playbooks (fuzz_support.h),
 * then one JSON value, the condition, which becomes the "when" of the first
 * choice of every choice state of that playbook (of the playbook below when
 * it has none), and after it the crisis's data (a JSON object, or nothing).
 * scripts/fuzz.sh seeds it with the durations and conditions of the
 * repository's playbooks and the data of tests/data/simulate's scripts.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance/instance.h"
#include "core/machine/condition_eval.h"
#include "core/machine/machine.h"
#include "core/playbook/duration.h"
#include "core/playbook/playbook.h"
#include "fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every kind of variable a condition can read: inputs of each type, a task per party with outputs of
 * each type, an office's task, an approval, the crisis. */
static const char playbook_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"fuzz\", \"title\": \"Fuzz\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\", \"TJ\"],\n"
    " \"roles\": {\"sec\": {\"title\": \"S\"}, \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"inputs\": {\"level\": {\"type\": \"string\", \"enum\": [\"low\", \"high\"], \"default\": \"low\"},\n"
    "            \"count\": {\"type\": \"integer\", \"default\": 3},\n"
    "            \"kg\": {\"type\": \"number\", \"default\": 1.5},\n"
    "            \"urgent\": {\"type\": \"boolean\", \"default\": false},\n"
    "            \"host\": {\"type\": \"party\", \"default\": \"KZ\"}},\n"
    " \"start\": \"report\",\n"
    " \"states\": {\n"
    "  \"report\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\",\n"
    "     \"outputs\": {\"n\": {\"type\": \"number\"}, \"what\": {\"type\": \"string\"},\n"
    "                 \"ok\": {\"type\": \"boolean\"}, \"k\": {\"type\": \"integer\"}}, \"next\": "
    "\"review\"},\n"
    "  \"review\": {\"type\": \"task\", \"assignee\": \"sec\", \"outputs\": {\"summary\": {\"type\": "
    "\"string\"}},\n"
    "     \"next\": \"vote\"},\n"
    "  \"vote\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": \"all\"},\n"
    "     \"rule\": \"majority\", \"next\": {\"approved\": \"route\", \"rejected\": \"route\"}},\n"
    "  \"route\": {\"type\": \"choice\", \"choices\": [{\"when\": true, \"next\": \"yes\"}], \"otherwise\": "
    "\"no\"},\n"
    "  \"yes\": {\"type\": \"end\"},\n"
    "  \"no\": {\"type\": \"end\", \"outcome\": \"declined\"}}}\n";

static json_t *playbook_json;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    playbook_json = json_loads(playbook_text, 0, NULL);
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    int rc =
        playbook_json ? tc_playbook_compile(playbook_text, strlen(playbook_text), &pb, &diags, NULL) : -1;
    tc_diags_clear(&diags);
    if (rc != 0) {
        fprintf(stderr, "fuzz_condition: the harness's playbook does not compile\n");
        abort();
    }
    tc_playbook_free(pb);
    fuzz_load_playbooks();
    return 0;
}

static void fuzz_duration(const char *text)
{
    tc_ms ms = 0;
    const char *why = NULL;
    if (tc_duration_parse(text, &ms, &why) != 0) {
        if (why == NULL)
            abort(); /* a refusal says why */
        return;
    }
    if (ms <= 0 || ms > TC_DURATION_MAX)
        abort();
    char buf[40];
    tc_ms again = 0;
    if (tc_duration_parse(tc_duration_format(ms, buf, sizeof buf), &again, NULL) != 0 || again != ms) {
        fprintf(stderr, "fuzz_condition: %s is %lld ms, formats as %s, which reads as %lld ms\n", text,
                (long long)ms, buf, (long long)again);
        abort();
    }
}

/* Sets the first choice's "when" of every choice state under v to when; returns how many. */
static int set_when(json_t *v, json_t *when)
{
    int n = 0;
    if (json_is_object(v)) {
        json_t *choices = json_object_get(v, "choices");
        const char *type = json_string_value(json_object_get(v, "type"));
        if (type != NULL && strcmp(type, "choice") == 0 && json_is_object(json_array_get(choices, 0))) {
            json_object_set(json_array_get(choices, 0), "when", when);
            n++;
        }
        const char *key;
        json_t *member;
        json_object_foreach(v, key, member)
        {
            n += set_when(member, when);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            n += set_when(json_array_get(v, i), when);
    }
    return n;
}

static void fuzz_condition(const char *source, json_t *when, json_t *data)
{
    json_t *doc = json_loads(source, 0, NULL);
    if (set_when(doc, when) == 0) {
        json_decref(doc);
        doc = json_deep_copy(playbook_json);
        set_when(doc, when);
    }
    char *text = json_dumps(doc, 0);
    json_decref(doc);
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    if (text != NULL && tc_playbook_compile(text, strlen(text), &pb, &diags, NULL) == 0) {
        tc_instance *inst = tc_instance_new(pb);
        tc_actor admin = {.role = "fuzz", .admin = 1};
        tc_trigger trigger = {.severity = "severe"};
        /* Required inputs without a default refuse the trigger: the inputs stay as they are, empty. */
        (void)tc_trigger_prepare(pb, inst, &trigger, &admin, 0, NULL);
        if (json_is_object(data)) {
            json_decref(inst->data);
            inst->data = json_incref(data);
        }
        for (size_t i = 0; i < pb->state_count; i++)
            if (pb->states[i].type == TC_STATE_CHOICE && pb->states[i].choice.count > 0) {
                const tc_cond *cond = pb->states[i].choice.choices[0].when;
                json_decref(tc_cond_eval(pb, inst, cond));
                (void)tc_cond_true(pb, inst, cond);
            }
        tc_instance_free(inst);
        tc_playbook_free(pb);
    }
    tc_diags_clear(&diags);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *newline = memchr(data, '\n', size);
    size_t first = newline ? (size_t)(newline - data) : size;
    char *duration = malloc(first + 1);
    memcpy(duration, data, first);
    duration[first] = '\0';
    fuzz_duration(duration);
    free(duration);
    if (newline == NULL)
        return 0;

    const char *rest;
    size_t rest_size;
    size_t index = fuzz_pick_index(newline + 1, size - first - 1, &rest, &rest_size);
    json_error_t jerr;
    json_t *when = json_loadb(rest, rest_size, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
    if (when == NULL)
        return 0;
    size_t used = (size_t)jerr.position;
    json_t *crisis_data =
        used < rest_size ? json_loadb(rest + used, rest_size - used, JSON_DECODE_ANY, NULL) : NULL;
    fuzz_condition(fuzz_playbook_sources[index], when, crisis_data);
    json_decref(crisis_data);
    json_decref(when);
    return 0;
}
