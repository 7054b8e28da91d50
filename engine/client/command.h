/*
 * Commands of operators (vote, complete, ack, escalate, cancel, delegate,
 * undelegate; amend through client/amend.h) as the CLI sends them: checked first by running them through the
 * core against the crisis as it stands (so a refusal is immediate, with the core's exact reason and code, and
 * an omitted --state or --party is resolved), then recorded with tocsin.submit, then, unless told not to
 * wait, followed until an engine has applied them. The engine applies them again for real: if the crisis
 * moved in between, the engine's word is the one that counts. The dry run acts with the role's seats and
 * those delegated to it in this crisis.
 */
#ifndef TC_CLIENT_COMMAND_H
#define TC_CLIENT_COMMAND_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/diag.h"
#include "core/machine/command.h"

typedef struct tc_command_request {
    int64_t crisis;
    tc_event_kind kind; /* VOTE, COMPLETE, ACK, ESCALATE, CANCEL, DELEGATE or UNDELEGATE */
    const char *state, *party, *reason, *outcome;
    tc_vote vote;
    json_t *data;
    const char *seat, *to, *until; /* delegate, undelegate: the seat; delegate: to whom, until when */
    long long for_s;               /* delegate: for how many seconds (0: not given) */
    const char *key;               /* idempotency key, or NULL */
    int wait_ms;                   /* 0: do not wait */
    /* vote, complete, ack: sign with this key (docs/signatures.md), or NULL. The key must be registered to
     * the acting role and in force (TC_EPERM otherwise, before anything is recorded). */
    const struct tc_signing_key *sign_with;
} tc_command_request;

typedef struct tc_command_result {
    int64_t seq;
    int duplicate;
    const char *status;  /* "applied", "refused" (by the engine) or "pending" */
    char *error;         /* the engine's refusal */
    char *state, *party; /* as resolved */
    json_t *effects;     /* what the command does, as audit events: [{"kind", "state", "actor", "detail"}] */
    tc_diags problems;   /* a completion refused as TC_EINVAL: every problem of its outcome and data */
} tc_command_result;

/* Checks, records and follows a command. Refusals: TC_EUSAGE, TC_EINVAL, TC_ENOTFOUND, TC_EPERM,
 * TC_ECONFLICT. A completion whose outcome and data do not validate is TC_EINVAL with err its first
 * problem and result->problems every one of them, one line each (tc_command_result_clear frees them). */
int tc_command_run(PGconn *conn, const tc_command_request *request, tc_command_result *result, tc_error *err);

void tc_command_result_clear(tc_command_result *result);

#endif
