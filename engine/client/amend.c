/* An amendment: its inputs read with the crisis's playbook, then a command like any other. */
#include "client/amend.h"

#include <stdlib.h>
#include <string.h>

#include "client/inputs.h"
#include "core/machine/machine.h"
#include "core/playbook/playbook.h"
#include "store/crises.h"

int tc_amend_run(PGconn *conn, const tc_amend_request *q, tc_command_result *out, tc_error *err)
{
    char *source = NULL, *state = NULL, *status = NULL;
    tc_playbook *pb = NULL;
    tc_instance *inst = NULL;
    json_t *inputs = NULL, *reported = json_object();
    memset(out, 0, sizeof *out);
    int rc = tc_store_crisis_load(conn, q->crisis, &source, &state, &status, err);
    tc_error why;
    tc_error_init(&why);
    if (rc == 0 && tc_playbook_compile(source, strlen(source), &pb, NULL, &why) != 0)
        rc = tc_error_set(err, TC_EFAILED, "the playbook of crisis %lld does not compile: %s",
                          (long long)q->crisis, why.text);
    if (rc == 0 && state == NULL)
        rc = tc_error_set(err, TC_ECONFLICT,
                          "crisis %lld has not started yet: no engine has applied its trigger",
                          (long long)q->crisis);
    if (rc == 0 && strcmp(status, "active") != 0)
        rc = tc_error_set(err, TC_ECONFLICT, "crisis %lld is %s", (long long)q->crisis, status);
    if (rc == 0 && (rc = tc_instance_from_text(pb, state, strlen(state), &inst, &why)) != 0)
        tc_error_set(err, rc, "crisis %lld cannot be read: %s", (long long)q->crisis, why.text);
    if (rc == 0) {
        /* What does not read, and then what the core finds in the rest: every problem at once. */
        tc_diags problems = {0};
        inputs = tc_inputs_gather(pb, q->inputs, q->assignments, q->assignment_count, reported, &problems);
        if (problems.count > 0) {
            tc_event ev = {.kind = TC_EVENT_AMEND, .data = inputs};
            if (json_object_size(inputs) > 0)
                tc_machine_problems(pb, inst, &ev, &problems);
            rc = tc_error_set(err, TC_EINVAL, "%s", problems.items[0].message);
            out->problems = problems;
        }
    }
    if (rc == 0) {
        tc_command_request command = {.crisis = q->crisis,
                                      .kind = TC_EVENT_AMEND,
                                      .reason = q->reason,
                                      .data = inputs,
                                      .key = q->key,
                                      .wait_ms = q->wait_ms};
        rc = tc_command_run(conn, &command, out, err);
    }
    json_decref(inputs);
    json_decref(reported);
    tc_instance_free(inst);
    tc_playbook_free(pb);
    free(source);
    free(state);
    free(status);
    return rc;
}
