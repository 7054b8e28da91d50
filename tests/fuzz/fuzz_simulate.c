/*
 * libFuzzer harness for the simulate script reader (tocsin simulate FILE
 * --script SCRIPT): a script is written by whoever rehearses a playbook, and
 * the simulator reads it as the CLI does (JSON, duplicate keys refused) and
 * plays it on the machine. Any bytes in: no crash, leak or undefined
 * behaviour, and a run that succeeds yields the whole result the CLI prints.
 *
 * The input is "PLAYBOOK-NAME\nSCRIPT" (fuzz_support.h); the seeds are
 * the scripts of tests/data/simulate behind the name of their playbook.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/input/limits.h"
#include "core/simulate/simulate.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text;
    size_t length;
    const tc_playbook *pb = fuzz_pick_playbook(data, size, &text, &length);
    if (length > TC_SCRIPT_MAX_BYTES)
        return 0;
    json_t *script = json_loadb(text, length, JSON_REJECT_DUPLICATES, NULL);
    if (script == NULL)
        return 0;
    json_t *result = NULL;
    tc_error err;
    tc_error_init(&err);
    if (tc_simulate(pb, script, &result, &err) == 0) {
        /* What the CLI prints with --json: the whole result must serialise. */
        char *dump = json_dumps(result, JSON_COMPACT);
        if (dump == NULL)
            abort();
        free(dump);
        json_decref(result);
    } else if (err.text[0] == '\0') {
        abort(); /* a refusal always says why */
    }
    json_decref(script);
    return 0;
}
