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

/*
 * signature: the command's signature as take() gives it, {"key_id",
 * "signed", "signature", "signer": {"role", "public_key", "revoked"} or
 * null, "idem_key", "playbook_sha256"}; ev the command (its state and party
 * as recorded), actor the role that recorded it. Returns 1 when it holds, -1
 * when it does not, with why in problem (size bytes).
 */
int tc_sign_check_command(const tc_playbook *playbook, const tc_instance *inst, const tc_event *ev,
                          json_t *signature, const char *actor, char *problem, size_t size);

/* The signature as it is kept with the audit event: {"key_id", "signed", "signature"} (a new reference). */
json_t *tc_sign_audited(json_t *signature);

#endif
