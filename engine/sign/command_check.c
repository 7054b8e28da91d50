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

/* The key the signature names, among the actor's: NULL when it is not theirs, or not registered. */
static json_t *signer(const tc_signed_check *c)
{
    const char *key_id = str(c->signature, "key_id");
    return key_id ? json_object_get(c->keys, key_id) : NULL;
}

tc_key_check tc_sign_curve_check(const tc_signed_check *c)
{
    return (tc_key_check){str(signer(c), "public_key"), str(c->signature, "signed"),
                          str(c->signature, "signature"), 0};
}

int tc_sign_check_command(const tc_playbook *pb, const tc_instance *inst, const tc_event *ev,
                          const tc_signed_check *c, char *problem, size_t size)
{
    json_t *key = signer(c);
    const char *key_id = str(c->signature, "key_id"), *actor = c->actor ? c->actor : "?";
    if (!json_is_object(key)) {
        snprintf(problem, size, "key %s is not registered to %s", key_id ? key_id : "(none)", actor);
        return -1;
    }
    if (json_is_true(json_object_get(key, "revoked"))) {
        snprintf(problem, size, "key %s of %s has been revoked", key_id, actor);
        return -1;
    }
    int verified = c->verified;
    if (verified == 0) {
        tc_key_check curve = tc_sign_curve_check(c);
        tc_key_verify_all(&curve, 1, 1);
        verified = curve.verdict;
    }
    if (verified < 0) {
        snprintf(problem, size, "the signature by key %s does not verify", key_id);
        return -1;
    }
    tc_signed_command said, want;
    json_t *holder = NULL;
    char seat[160];
    tc_error err;
    tc_error_init(&err);
    int rc = tc_signed_command_parse(str(c->signature, "signed"), &said, &holder, &err);
    if (rc == 0)
        rc = tc_signed_command_expect(pb, inst, ev, c->playbook_sha256, c->idem_key, &want, seat, &err);
    if (rc == 0)
        rc = tc_signed_command_covers(&said, &want, &err);
    json_decref(holder);
    if (rc != 0) {
        snprintf(problem, size, "%s", err.text);
        return -1;
    }
    return 1;
}
