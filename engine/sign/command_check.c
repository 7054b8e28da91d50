/* Checking a signed command before it applies (sign/command_check.h). */
#include "sign/command_check.h"

#include <stdio.h>
#include <string.h>

#include "core/machine/signature.h"
#include "sign/key.h"

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int tc_sign_check_command(const tc_playbook *pb, const tc_instance *inst, const tc_event *ev,
                          json_t *signature, const char *actor, char *problem, size_t size)
{
    json_t *signer = json_object_get(signature, "signer");
    const char *key_id = str(signature, "key_id"), *text = str(signature, "signed");
    const char *sig = str(signature, "signature");
    if (!json_is_object(signer)) {
        snprintf(problem, size, "key %s is not registered", key_id ? key_id : "(none)");
        return -1;
    }
    if (actor == NULL || str(signer, "role") == NULL || strcmp(str(signer, "role"), actor) != 0) {
        snprintf(problem, size, "key %s is %s's, not %s's", key_id,
                 str(signer, "role") ? str(signer, "role") : "?", actor ? actor : "?");
        return -1;
    }
    if (json_is_true(json_object_get(signer, "revoked"))) {
        snprintf(problem, size, "key %s of %s has been revoked", key_id, actor);
        return -1;
    }
    if (text == NULL || !tc_key_verify(str(signer, "public_key"), text, strlen(text), sig)) {
        snprintf(problem, size, "the signature by key %s does not verify", key_id);
        return -1;
    }
    tc_signed_command said, want;
    json_t *holder = NULL;
    char seat[160];
    tc_error err;
    tc_error_init(&err);
    int rc = tc_signed_command_parse(text, &said, &holder, &err);
    if (rc == 0)
        rc = tc_signed_command_expect(pb, inst, ev, str(signature, "playbook_sha256"),
                                      str(signature, "idem_key"), &want, seat, &err);
    if (rc == 0)
        rc = tc_signed_command_covers(&said, &want, &err);
    json_decref(holder);
    if (rc != 0) {
        snprintf(problem, size, "%s", err.text);
        return -1;
    }
    return 1;
}

json_t *tc_sign_audited(json_t *signature)
{
    return json_pack("{s:O, s:O, s:O}", "key_id", json_object_get(signature, "key_id"), "signed",
                     json_object_get(signature, "signed"), "signature",
                     json_object_get(signature, "signature"));
}
