/*
 * Amending a crisis as the CLI asks (tocsin amend): the inputs read as the
 * crisis's playbook types them (client/inputs.h), then checked, recorded and
 * followed as every command is (client/command.h), kind amend.
 */
#ifndef TC_CLIENT_AMEND_H
#define TC_CLIENT_AMEND_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "client/command.h"

typedef struct tc_amend_request {
    int64_t crisis;
    const char *inputs;             /* --inputs JSON, or NULL */
    const char *const *assignments; /* --input K=V */
    size_t assignment_count;
    const char *reason;
    const char *key; /* idempotency key, or NULL */
    int wait_ms;     /* 0: do not wait */
} tc_amend_request;

/*
 * Reads, checks, records and follows an amendment. Inputs that do not read or
 * validate are TC_EINVAL with err the first problem and result->problems
 * every one of them; otherwise as tc_command_run.
 */
int tc_amend_run(PGconn *conn, const tc_amend_request *request, tc_command_result *result, tc_error *err);

#endif
