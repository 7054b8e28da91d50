/* An operator's command: dry run through the core, record, follow. */
#include "client/command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/alloc.h"
#include "core/base/json_strings.h"
#include "core/machine/actor.h"
#include "core/machine/machine.h"
#include "core/machine/signature.h"
#include "core/machine/view.h"
#include "sign/key.h"
#include "store/keys.h"
#include "store/crises.h"

static tc_ms epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (tc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The event the request asks for, in state and for party (the request's own, or as resolved); no actor. */
static tc_event requested_event(const tc_command_request *q, const char *state, const char *party)
{
    return (tc_event){.kind = q->kind,
                      .state = state,
                      .party = party,
                      .vote = q->vote,
                      .reason = q->reason,
                      .outcome = q->outcome,
                      .data = q->data,
                      .seat = q->seat,
                      .to = q->to,
                      .until = q->until,
                      .for_s = q->for_s};
}

/* The arguments recorded with the command, as the operator gave them and as resolved. */
static json_t *arguments(const tc_command_request *q, const char *state, const char *party)
{
    tc_event ev = requested_event(q, state, party);
    return tc_command_encode(&ev);
}

/* Whether a recorded command is the same as the request (what the operator said, not what was resolved). */
static int same_command(const tc_command_request *q, const char *kind, json_t *args)
{
    if (tc_command_kind_parse(kind) != (int)q->kind)
        return 0;
    json_t *want = arguments(q, q->state, q->party);
    int same = tc_command_args_same(want, args);
    json_decref(want);
    return same;
}

/*
 * The signature of the command ev as it would apply to before (the crisis as stored), with q's key:
 * the signed text of docs/signatures.md, signed, and checked against the key as the database has it
 * (registered to the acting role, in force), so that a key file that is not the registered key is
 * refused here, before anything is recorded.
 */
static int sign_command(PGconn *conn, const tc_command_request *q, const tc_playbook *pb,
                        const tc_instance *before, const tc_event *ev, const char *role, json_t **out,
                        tc_error *err)
{
    char sha256[65], seat[160];
    int rc = tc_store_crisis_playbook_sha256(conn, q->crisis, sha256, err);
    tc_signed_command c;
    tc_error why;
    tc_error_init(&why);
    if (rc == 0 && tc_signed_command_expect(pb, before, ev, sha256, q->key, &c, seat, &why) != 0)
        rc = tc_error_set(err, why.code, "cannot sign: %s", why.text);
    if (rc != 0)
        return rc;
    char at[40];
    c.signed_at = tc_view_time(epoch_ms(), at, sizeof at);
    char *text = tc_signed_command_text(&c);
    if (text == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    char signature[TC_SIGNATURE_TEXT_SIZE], registered[53];
    tc_key_sign(q->sign_with, text, strlen(text), signature);
    char *owner = NULL;
    int found = 0;
    rc = tc_store_key_in_force(conn, q->sign_with->id, registered, &owner, &found, err);
    if (rc == 0 && !found)
        rc = tc_error_set(err, TC_EPERM, "key %s is not registered and in force (tocsin key list)",
                          q->sign_with->id);
    else if (rc == 0 && strcmp(owner, role) != 0)
        rc =
            tc_error_set(err, TC_EPERM, "key %s is %s's, not %s's: a command is signed by the role that acts",
                         q->sign_with->id, owner, role);
    else if (rc == 0 && !tc_key_verify(registered, text, strlen(text), signature))
        rc = tc_error_set(err, TC_EPERM, "the key file's key is not key %s as registered", q->sign_with->id);
    if (rc == 0 && (*out = json_pack("{s:s, s:s, s:s}", "key_id", q->sign_with->id, "signed", text,
                                     "signature", signature)) == NULL)
        rc = tc_error_set(err, TC_ENOMEM, "out of memory");
    free(owner);
    free(text);
    return rc;
}

/* Runs the command through the core on the crisis as stored; fills the resolved state, party and effects,
 * and the signature when the request signs. */
static int dry_run(PGconn *conn, const tc_command_request *q, tc_command_result *out, json_t **signature,
                   tc_error *err)
{
    char *source = NULL, *state = NULL, *status = NULL, *role = NULL, *login = NULL;
    json_t *seats = NULL, *delegations = NULL;
    tc_instance *before = NULL; /* the crisis as stored, for the signature */
    tc_event signing = {0};
    tc_playbook *pb = NULL;
    tc_instance *inst = NULL;
    tc_effects fx = {0};
    int admin = 0;
    int rc = tc_store_crisis_load(conn, q->crisis, &source, &state, &status, err);
    if (rc == 0 && strcmp(status, "active") != 0)
        rc = tc_error_set(err, TC_ECONFLICT, "crisis %lld is %s", (long long)q->crisis, status);
    if (rc == 0 && state == NULL)
        rc = tc_error_set(err, TC_ECONFLICT,
                          "crisis %lld has not started yet: no engine has applied its trigger",
                          (long long)q->crisis);
    tc_error why; /* what the core says, given its context below */
    tc_error_init(&why);
    if (rc == 0 && tc_playbook_compile(source, strlen(source), &pb, NULL, &why) != 0)
        rc = tc_error_set(err, TC_EFAILED, "the playbook of crisis %lld does not compile: %s",
                          (long long)q->crisis, why.text);
    if (rc == 0 && (rc = tc_instance_from_text(pb, state, strlen(state), &inst, &why)) != 0)
        tc_error_set(err, rc, "crisis %lld cannot be read: %s", (long long)q->crisis, why.text);
    if (rc == 0)
        rc = tc_store_actor(conn, &role, &seats, &admin, &login, err);
    if (rc == 0) /* also those whose time is up: submit() then says so, exit 5 */
        rc = tc_store_delegated(conn, q->crisis, 1, &delegations, err);
    size_t count = 0, delegated_count = 0;
    const char **names = rc == 0 ? tc_json_strings(seats, &count) : NULL;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)q->crisis);
    tc_delegation *delegated =
        rc == 0 ? tc_delegations_read(json_object_get(delegations, id), &delegated_count) : NULL;
    if (rc == 0) {
        inst->id = q->crisis;
        tc_event ev = requested_event(q, q->state, q->party);
        ev.actor = (tc_actor){role, names, count, admin, login, delegated, delegated_count};
        ev.signature = q->sign_with != NULL; /* signed below, once state and seat are known */
        before = q->sign_with ? tc_instance_copy(pb, inst) : NULL;
        if (before != NULL)
            before->id = q->crisis;
        rc = q->sign_with && before == NULL ? tc_error_set(err, TC_ENOMEM, "out of memory")
                                            : tc_machine_apply(pb, inst, &ev, epoch_ms(), &fx, err);
        if (rc == TC_EINVAL) /* a refusal leaves the instance as it was: the problems are read from it */
            tc_machine_problems(pb, inst, &ev, &out->problems);
        signing = ev;
    }
    if (rc == 0) {
        out->effects = json_array();
        for (size_t i = 0; i < fx.count; i++) {
            tc_effect *e = &fx.items[i];
            if (e->kind != TC_EFFECT_AUDIT)
                continue;
            json_array_append_new(out->effects, json_pack("{s:s, s:s?, s:s?, s:O}", "kind", e->name, "state",
                                                          e->state, "actor", e->actor, "detail", e->detail));
            /* The command's own event says which state and party it went to. */
            int own = e->audit == TC_AUDIT_VOTE || e->audit == TC_AUDIT_COMPLETED ||
                      e->audit == TC_AUDIT_ACKED || e->audit == TC_AUDIT_ESCALATED;
            if (out->state == NULL && own) {
                out->state = e->state ? tc_xstrdup(e->state) : NULL;
                const char *party = json_string_value(json_object_get(e->detail, "party"));
                out->party = party ? tc_xstrdup(party) : NULL;
            }
        }
    }
    if (rc == 0 && q->sign_with != NULL) {
        signing.state = out->state;
        signing.party = out->party;
        rc = sign_command(conn, q, pb, before, &signing, role, signature, err);
    }
    tc_instance_free(before);
    tc_effects_clear(&fx);
    free(names);
    free(delegated);
    json_decref(delegations);
    tc_instance_free(inst);
    tc_playbook_free(pb);
    json_decref(seats);
    free(role);
    free(login);
    free(source);
    free(state);
    free(status);
    return rc;
}

int tc_command_run(PGconn *conn, const tc_command_request *q, tc_command_result *out, tc_error *err)
{
    int rc = 0, found = 0;
    memset(out, 0, sizeof *out);
    if (q->key != NULL) {
        char *kind = NULL;
        json_t *args = NULL;
        rc = tc_store_command_by_key(conn, q->crisis, q->key, &found, &out->seq, &kind, &args, err);
        if (rc == 0 && found && !same_command(q, kind, args))
            rc = tc_error_set(err, TC_ECONFLICT,
                              "idempotency key %s was used for a different command on crisis %lld", q->key,
                              (long long)q->crisis);
        if (rc == 0 && found) {
            out->duplicate = 1;
            const char *state = json_string_value(json_object_get(args, "state"));
            const char *party = json_string_value(json_object_get(args, "party"));
            out->state = state ? tc_xstrdup(state) : NULL;
            out->party = party ? tc_xstrdup(party) : NULL;
            out->effects = json_array();
        }
        free(kind);
        json_decref(args);
        if (rc != 0)
            return rc;
    }
    if (!found) {
        json_t *signature = NULL;
        if ((rc = dry_run(conn, q, out, &signature, err)) != 0)
            return rc;
        json_t *args = arguments(q, out->state ? out->state : q->state, out->party ? out->party : q->party);
        rc = tc_store_submit(conn, q->crisis, tc_event_kind_name(q->kind), args, q->key, signature, &out->seq,
                             &out->duplicate, err);
        json_decref(args);
        json_decref(signature);
        if (rc != 0)
            return rc;
    }
    out->status = "pending";
    if (q->wait_ms > 0) {
        int state = 0;
        rc = tc_store_wait_applied(conn, q->crisis, out->seq, q->wait_ms, &state, &out->error, err);
        if (rc != 0)
            return rc;
        out->status = state == 1 ? "applied" : state == 2 ? "refused" : "pending";
    }
    return 0;
}

void tc_command_result_clear(tc_command_result *r)
{
    free(r->error);
    free(r->state);
    free(r->party);
    json_decref(r->effects);
    tc_diags_clear(&r->problems);
    memset(r, 0, sizeof *r);
}
