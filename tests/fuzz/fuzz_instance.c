/*
 * libFuzzer harness for the instance readers: the crisis state the engine,
 * the client and the board read back from the database (tocsin.crises.state,
 * jsonb), through the fast text reader and, for what that one does not know,
 * jansson's (core/instance/instance.h). Any bytes in: no crash, leak or
 * undefined behaviour, and:
 *   - what the text reader accepts writes back as text that reads again to
 *     the same text, and survives the JSON codec and a copy;
 *   - when the input is JSON, the text reader and the JSON reader agree on
 *     it: both refuse it, or both read the same crisis;
 *   - what is read can be shown (the active part of show and list).
 *
 * The input is "PLAYBOOK-NAME\nSTATE" (fuzz_support.h); scripts/fuzz.sh
 * seeds it with the states a simulation of each of tests/data/simulate's
 * scripts passes through.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance/instance.h"
#include "core/machine/view.h"
#include "fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_load_playbooks();
    return 0;
}

static void check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_instance: %s\n%s\n", what, detail ? detail : "");
        abort();
    }
}

/* Writes inst as text and checks that the text reads back to itself; returns the text. */
static char *round_trip(const tc_playbook *pb, const tc_instance *inst)
{
    char *text = tc_instance_to_text(pb, inst);
    check(text != NULL, "to_text failed", NULL);
    tc_instance *again = NULL;
    tc_error err;
    tc_error_init(&err);
    check(tc_instance_from_text(pb, text, strlen(text), &again, &err) == 0,
          "what to_text wrote does not read", text);
    char *text2 = tc_instance_to_text(pb, again);
    check(strcmp(text, text2) == 0, "to_text, from_text, to_text differs", text2);
    free(text2);
    tc_instance_free(again);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text;
    size_t length;
    const tc_playbook *pb = fuzz_pick_playbook(data, size, &text, &length);
    tc_instance *inst = NULL, *by_json = NULL;
    tc_error err;
    tc_error_init(&err);
    int rc = tc_instance_from_text(pb, text, length, &inst, &err);
    check(rc == 0 || err.text[0] != '\0', "a refusal without a reason", NULL);

    json_t *json = json_loadb(text, length, 0, NULL);
    int rc_json = -1;
    if (json != NULL) {
        tc_error_init(&err);
        rc_json = tc_instance_from_json(pb, json, &by_json, &err);
        check((rc == 0) == (rc_json == 0),
              rc == 0 ? "the text reader accepts what the JSON reader refuses"
                      : "the text reader refuses what the JSON reader accepts",
              err.text);
    }
    if (rc == 0) {
        char *written = round_trip(pb, inst);
        if (by_json != NULL) {
            char *written_json = tc_instance_to_text(pb, by_json);
            check(strcmp(written, written_json) == 0, "the text and JSON readers read different crises",
                  written_json);
            free(written_json);
        }
        json_t *as_json = tc_instance_to_json(pb, inst);
        check(as_json != NULL, "to_json failed", written);
        tc_instance *back = NULL;
        check(tc_instance_from_json(pb, as_json, &back, &err) == 0, "what to_json wrote does not read",
              written);
        char *written_back = tc_instance_to_text(pb, back);
        check(strcmp(written, written_back) == 0, "the JSON codec changes the crisis", written_back);
        free(written_back);
        tc_instance_free(back);
        json_decref(as_json);

        tc_instance *copy = tc_instance_copy(pb, inst);
        check(copy != NULL, "copy failed", written);
        tc_instance_free(copy);
        json_decref(tc_view_active(pb, inst, 0));
        json_decref(tc_view_active(pb, inst, 1));
        free(written);
    }
    tc_instance_free(by_json);
    tc_instance_free(inst);
    json_decref(json);
    return 0;
}
