/*
 * The engine's check of a signed command before it applies it
 * (docs/signatures.md): the key as the database has it now (registered,
 * to the role that acts, not revoked), the Ed25519 signature over the signed
 * text, and that text saying exactly this command on this crisis as it
 * stands (its playbook version, the state's visit, the seat, the value).
 */
#ifndef TC_SIGN_COMMAND_CHECK_H
#define TC_SIGN_COMMAND_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "core/instance/instance.h"
#include "core/machine/event.h"
#include "core/playbook/playbook.h"
#include "sign/verify_all.h"

/* A signed command, and what it is checked against. */
typedef struct tc_signed_check {
    json_t *signature;    /* as recorded: {"key_id", "signed", "signature"} */
    json_t *keys;         /* the acting role's keys as registered now: {key_id: {"public_key", "revoked"}} */
    const char *actor;    /* the role that recorded the command */
    const char *idem_key; /* the idempotency key it was recorded with, or NULL */
    const char *playbook_sha256; /* of the crisis's playbook version */
    int verified; /* the curve's verdict when checked already (tc_sign_curve_check): 1 or -1; 0 */
} tc_signed_check;

/*
 * ev: the command (its state and party as recorded). Returns 1 when the
 * signature holds, -1 when it does not, with why in problem (size bytes).
 */
int tc_sign_check_command(const tc_playbook *playbook, const tc_instance *inst, const tc_event *ev,
                          const tc_signed_check *check, char *problem, size_t size);

/* The curve's part of check, for tc_key_verify_all: its key, text and signature, each NULL when missing. */
tc_key_check tc_sign_curve_check(const tc_signed_check *check);

#endif
