/* Inputs from the command line (client/inputs.h). */
#include "client/inputs.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/input/limits.h"
#include "core/machine/machine.h"

json_t *tc_inputs_gather(const tc_playbook *pb, const char *json, const char *const *assignments,
                         size_t count, json_t *reported, tc_diags *problems)
{
    json_error_t jerr;
    json_t *inputs = json ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    if (inputs == NULL || !json_is_object(inputs)) {
        if (inputs == NULL)
            tc_diags_add(problems, NULL, 0, 0, "--inputs is not JSON: %s", jerr.text);
        else
            tc_diags_add(problems, NULL, 0, 0, "--inputs must be a JSON object");
        json_decref(inputs);
        inputs = json_object();
        for (size_t i = 0; i < pb->input_count; i++) /* what --inputs gave is unknown: none is missing */
            json_object_set_new(reported, pb->inputs[i].name, json_true());
    }
    json_t *given = json_object(); /* the keys of --input */
    for (size_t i = 0; i < count; i++) {
        char *key = NULL;
        json_t *value = NULL;
        tc_error err;
        tc_error_init(&err);
        if (tc_trigger_input(pb, assignments[i], &key, &value, &err) != 0) {
            tc_diags_add(problems, NULL, 0, 0, "%s", err.text);
            const char *eq = strchr(assignments[i], '=');
            char *name = eq ? tc_xstrndup(assignments[i], (size_t)(eq - assignments[i])) : NULL;
            if (name != NULL && tc_playbook_input(pb, name) >= 0)
                json_object_set_new(reported, name, json_true());
            free(name);
            continue;
        }
        if (json_object_get(given, key) != NULL) {
            tc_diags_add(problems, NULL, 0, 0, "--input %s is given twice", key);
        } else {
            json_object_set_new(given, key, json_true());
            json_object_set_new(inputs, key, value);
            value = NULL;
        }
        json_decref(value);
        free(key);
    }
    json_decref(given);
    tc_error err;
    tc_error_init(&err);
    if (tc_limit_json("the whole of the inputs", inputs, TC_JSON_ARG_MAX_BYTES, &err) != 0)
        tc_diags_add(problems, NULL, 0, 0, "%s", err.text);
    return inputs;
}
