/*
 * One batch: claim, apply through the core, write back, in one transaction.
 *
 * For each claimed crisis the commands and timers come back from the store
 * in the order of their own time (commands first at equal times), and each
 * is applied with its own time as `now`, so a vote recorded before a deadline
 * counts even when the engine applies it after. A command the core refuses
 * is audited as `refused` and marked so; its refusal reaches the waiting CLI.
 */
#include "daemon/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/audit/audit_kind.h"
#include "core/machine/command.h"
#include "core/base/diag.h"
#include "core/base/json_strings.h"
#include "core/machine/actor.h"
#include "core/machine/machine.h"
#include "core/machine/notice.h"
#include "sign/command_check.h"
#include "daemon/log.h"
#include "store/crises.h"
#include "store/db.h"
#include "store/work.h"

#define CACHE_SIZE 32

struct tc_applier {
    int batch_size;
    int verify_threads; /* threads a batch checks its signatures on (sign/verify_all.h) */
    struct {
        char *key; /* name@version */
        tc_playbook *pb;
        char sha256[65]; /* the version's, as signed commands name it */
        unsigned long used;
    } cache[CACHE_SIZE];
    unsigned long clock;
};

tc_applier *tc_applier_new(int batch_size)
{
    tc_applier *ap = tc_xcalloc(1, sizeof *ap);
    if (ap != NULL) {
        ap->batch_size = batch_size > 0 ? batch_size : 100;
        ap->verify_threads = tc_key_verify_threads();
    }
    return ap;
}

void tc_applier_free(tc_applier *ap)
{
    if (ap == NULL)
        return;
    for (int i = 0; i < CACHE_SIZE; i++) {
        free(ap->cache[i].key);
        tc_playbook_free(ap->cache[i].pb);
    }
    free(ap);
}

/* The compiled playbook name@version, and its sha256 (*sha256 points into the cache): compiled once per
 * engine, playbook versions never change. */
static tc_playbook *playbook(tc_applier *ap, PGconn *conn, const char *name, int version, const char **sha256,
                             tc_error *err)
{
    char key[128];
    snprintf(key, sizeof key, "%s@%d", name, version);
    int slot = 0;
    for (int i = 0; i < CACHE_SIZE; i++) {
        if (ap->cache[i].key && strcmp(ap->cache[i].key, key) == 0) {
            ap->cache[i].used = ++ap->clock;
            *sha256 = ap->cache[i].sha256;
            return ap->cache[i].pb;
        }
        if (ap->cache[i].used < ap->cache[slot].used)
            slot = i;
    }
    char *source = NULL, sha[65];
    tc_playbook *pb = NULL;
    if (tc_store_playbook_source(conn, name, version, &source, sha, err) != 0)
        return NULL;
    tc_diags diags = {0};
    tc_error why;
    tc_error_init(&why);
    if (tc_playbook_compile(source, strlen(source), &pb, &diags, &why) != 0) {
        /* Name the playbook and its first problem: "the playbook has 3 problems" alone says neither. */
        const tc_diag *first = diags.count > 0 ? &diags.items[0] : NULL;
        tc_error_set(err, why.code, "stored playbook %s does not compile: %s%s%s%s%s", key, why.text,
                     first ? "; the first: " : "", first && first->where ? first->where : "",
                     first && first->where ? ": " : "", first ? first->message : "");
    }
    tc_diags_clear(&diags);
    free(source);
    if (pb == NULL)
        return NULL;
    free(ap->cache[slot].key);
    tc_playbook_free(ap->cache[slot].pb);
    ap->cache[slot].key = tc_xstrdup(key);
    ap->cache[slot].pb = pb;
    memcpy(ap->cache[slot].sha256, sha, sizeof sha);
    ap->cache[slot].used = ++ap->clock;
    *sha256 = ap->cache[slot].sha256;
    return pb;
}

/* What one crisis's transition gathers for tocsin.commit() and for the loop. */
typedef struct transition {
    json_t *audit, *timers, *commands; /* timers: key -> due ms, or -1 once cleared */
    json_t *starts, *kills, *notices;
    int closed;
} transition;

/*
 * Gathers the effects of one event. A `notified` audit event carries, beside
 * its detail and outside what is audited, what to tell each seat ("notices",
 * core/machine/notice.h): commit_batch makes the outbox's deliveries of it.
 */
static void gather(transition *t, tc_batch *b, const tc_playbook *pb, const tc_instance *inst,
                   const char *login, tc_effects *fx)
{
    int64_t crisis = inst->id;
    for (size_t i = 0; i < fx->count; i++) {
        tc_effect *e = &fx->items[i];
        switch (e->kind) {
        case TC_EFFECT_AUDIT: {
            json_t *event = json_pack("{s:I, s:s?, s:s?, s:s, s:s?, s:O}", "at_ms", (json_int_t)e->at,
                                      "actor", e->actor, "login", e->actor ? login : NULL, "kind", e->name,
                                      "state", e->state, "detail", e->detail);
            if (e->audit == TC_AUDIT_NOTIFIED)
                json_object_set_new(event, "notices", tc_notice_payloads(pb, inst, e->state, e->detail));
            json_array_append_new(t->audit, event);
            break;
        }
        case TC_EFFECT_TIMER_SET:
            json_object_set_new(t->timers, e->key, json_integer(e->due));
            break;
        case TC_EFFECT_TIMER_CLEAR:
            json_object_set_new(t->timers, e->key, json_integer(-1));
            break;
        case TC_EFFECT_ACTION_START:
            json_array_append_new(t->starts,
                                  json_pack("{s:I, s:s, s:s, s:O}", "crisis", (json_int_t)crisis, "key",
                                            e->key, "state", e->state, "request", e->detail));
            break;
        case TC_EFFECT_ACTION_KILL:
            json_array_append_new(t->kills, json_string(e->key));
            break;
        case TC_EFFECT_NOTIFY: {
            json_t *n = json_deep_copy(e->detail);
            json_object_set_new(n, "crisis", json_integer(crisis));
            json_object_set_new(n, "state", e->state ? json_string(e->state) : json_null());
            json_array_append_new(t->notices, n);
            break;
        }
        case TC_EFFECT_CLOSED:
            t->closed = 1;
            break;
        }
    }
    (void)b;
    tc_effects_clear(fx);
}

/*
 * The actor of a command: its role and the seats it holds now, read once per
 * batch and role (a batch of votes comes from few delegations). *names is a
 * new array of every seat (free() it), borrowed from *seats.
 */
static int actor_of(PGconn *conn, json_t *known, const char *role, json_t **seats, const char ***names,
                    size_t *count, int *admin, tc_error *err)
{
    json_t *entry = json_object_get(known, role);
    if (entry == NULL) {
        json_t *list = NULL;
        int is_admin = 0;
        int rc = tc_store_role_seats(conn, role, &list, &is_admin, err);
        if (rc != 0)
            return rc;
        entry = json_pack("{s:o, s:b}", "seats", list, "admin", is_admin);
        json_object_set_new(known, role, entry);
    }
    *names = tc_json_strings(json_object_get(entry, "seats"), count);
    *seats = json_incref(json_object_get(entry, "seats"));
    *admin = json_is_true(json_object_get(entry, "admin"));
    return 0;
}

/* What a signed command is checked against: the keys of its actor as take() read them. */
static tc_signed_check signed_check(const tc_batch *b, const tc_work_item *item, const char *sha256)
{
    json_t *keys = json_object_get(json_object_get(b->actors, item->actor), "keys");
    return (tc_signed_check){item->signature, keys, item->actor, item->idem_key, sha256, item->verified};
}

static void refuse(transition *t, const tc_work_item *item, const char *command, const tc_error *err)
{
    json_array_append_new(t->audit,
                          json_pack("{s:I, s:s?, s:s?, s:s, s:s?, s:{s:s, s:s, s:I}}", "at_ms",
                                    (json_int_t)item->at, "actor", item->actor, "login", item->login, "kind",
                                    tc_audit_kind_name(TC_AUDIT_REFUSED), "state",
                                    json_string_value(json_object_get(item->args, "state")), "detail",
                                    "command", command, "reason", err->text, "seq", (json_int_t)item->seq));
    json_array_append_new(t->commands, json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)item->seq, "result",
                                                 "refused", "error", err->text));
}

/* Applies one command or timer to inst; records its result in t. */
static int apply_item(PGconn *conn, const tc_playbook *pb, const char *sha256, tc_instance *inst,
                      const tc_claim *c, const tc_work_item *item, transition *t, tc_batch *b,
                      tc_error *fatal)
{
    tc_effects fx = {0};
    tc_error err;
    json_t *seats = NULL;
    const char **seat_names = NULL, **party_names = NULL;
    size_t seat_count = 0;
    int admin = 0, rc = 0;
    tc_event ev = {0};
    tc_error_init(&err);

    if (strcmp(item->kind, tc_event_kind_name(TC_EVENT_TIMER)) == 0) { /* the store's name for a due timer */
        json_object_set_new(t->timers, item->timer, json_integer(-1)); /* fired: gone unless set again */
        ev.kind = TC_EVENT_TIMER;
        ev.timer = item->timer;
        rc = tc_machine_apply(pb, inst, &ev, item->at, &fx, &err);
        if (rc != 0)
            tc_log(TC_LOG_WARN, "timer could not apply", "timer", item->timer, "reason", err.text, NULL);
        gather(t, b, pb, inst, NULL, &fx);
        return rc == TC_ENOMEM || rc == TC_EFAILED ? tc_error_set(fatal, rc, "%s", err.text) : 0;
    }

    if ((rc = actor_of(conn, b->actors, item->actor, &seats, &seat_names, &seat_count, &admin, fatal)) != 0)
        return rc;
    size_t delegated_count = 0;
    tc_delegation *delegated = tc_delegations_read(item->delegated, &delegated_count);
    ev.actor =
        (tc_actor){item->actor, seat_names, seat_count, admin, item->login, delegated, delegated_count};
    rc = tc_command_decode(item->kind, item->args, &ev, &err);
    if (rc == 0 && ev.kind == TC_EVENT_TRIGGER) {
        size_t n = 0;
        party_names = tc_json_strings(c->parties, &n);
        tc_trigger trig = {c->inputs, c->title, c->severity, c->mode, party_names, n};
        rc = tc_trigger_prepare(pb, inst, &trig, &ev.actor, c->created_at, &err);
        if (rc == 0) {
            rc = tc_machine_apply(pb, inst, &ev, item->at, &fx, &err);
        } else if (rc != TC_ENOMEM) {
            /* The request no longer validates (the playbook moved on, a seat was revoked): close it. */
            inst->status = TC_STATUS_CANCELLED;
            inst->outcome = tc_xstrdup("refused");
            inst->closed_at = item->at;
            inst->triggered = 1;
        }
    } else if (rc == 0) {
        /* A signed command: checked here (libsodium), its verdict is the core's to act on. */
        char problem[512];
        if (item->signature != NULL &&
            (ev.kind == TC_EVENT_VOTE || ev.kind == TC_EVENT_COMPLETE || ev.kind == TC_EVENT_ACK)) {
            tc_signed_check check = signed_check(b, item, sha256);
            ev.signature = tc_sign_check_command(pb, inst, &ev, &check, problem, sizeof problem);
            ev.signature_problem = ev.signature < 0 ? problem : NULL;
        }
        rc = tc_machine_apply(pb, inst, &ev, item->at, &fx, &err);
    }
    json_decref(seats);
    free(seat_names);
    free(party_names);
    free(delegated);
    if (rc == TC_ENOMEM || rc == TC_EFAILED) {
        tc_effects_clear(&fx);
        return tc_error_set(fatal, rc, "%s", err.text);
    }
    if (rc != 0) {
        tc_effects_clear(&fx);
        refuse(t, item, item->kind, &err);
        return 0;
    }
    size_t first_event = json_array_size(t->audit);
    gather(t, b, pb, inst, item->login, &fx);
    /* The signature goes with the command's own event (its vote, completion or acknowledgement): the event
     * names the command, and commit_batch copies the signature it was recorded with. */
    for (size_t i = first_event;
         item->signature != NULL && ev.signature == 1 && i < json_array_size(t->audit); i++) {
        json_t *e = json_array_get(t->audit, i);
        const char *kind = json_string_value(json_object_get(e, "kind"));
        const char *actor = json_string_value(json_object_get(e, "actor"));
        if (kind && actor && strcmp(actor, item->actor) == 0 &&
            (!strcmp(kind, "vote") || !strcmp(kind, "completed") || !strcmp(kind, "acked"))) {
            json_object_set_new(e, "signature", json_integer(item->seq));
            break;
        }
    }
    json_array_append_new(t->commands, json_pack("{s:I, s:s, s:n}", "seq", (json_int_t)item->seq, "result",
                                                 "applied", "error"));
    return 0;
}

static int apply_result(const tc_playbook *pb, tc_instance *inst, const tc_action_result *r, transition *t,
                        tc_batch *b, tc_error *fatal)
{
    tc_effects fx = {0};
    tc_error err;
    tc_error_init(&err);
    tc_event ev = {.kind = TC_EVENT_ACTION_RESULT,
                   .state = r->state,
                   .attempt = r->attempt,
                   .outcome = r->ok ? "ok" : "failed",
                   .data = r->data,
                   .detail = r->detail};
    int rc = tc_machine_apply(pb, inst, &ev, r->at, &fx, &err);
    if (rc == TC_ENOMEM || rc == TC_EFAILED) {
        tc_effects_clear(&fx);
        return tc_error_set(fatal, rc, "%s", err.text);
    }
    gather(t, b, pb, inst, NULL, &fx);
    return 0;
}

/* Applies everything due to one locked crisis (the results of its actions when with_results, then its
 * items) and adds its transition to writes. */
static int apply_crisis(tc_applier *ap, PGconn *conn, const tc_claim *c, tc_batch *b, int with_results,
                        tc_writes *writes, tc_error *err)
{
    const char *sha256 = NULL;
    tc_playbook *pb = playbook(ap, conn, c->playbook, c->version, &sha256, err);
    if (pb == NULL)
        return err ? err->code : TC_EFAILED;
    /* What fails below fails for this crisis, which the loop names; say which playbook it runs. */
    tc_error why;
    tc_error_init(&why);
    tc_instance *inst = NULL;
    int rc = c->state ? tc_instance_from_text(pb, c->state, strlen(c->state), &inst, &why)
                      : ((inst = tc_instance_new(pb)) ? 0 : tc_error_set(&why, TC_ENOMEM, "out of memory"));
    if (rc != 0)
        return tc_error_set(err, rc, "playbook %s@%d: %s", c->playbook, c->version, why.text);
    inst->id = c->id;

    transition t = {json_array(), json_object(), json_array(), b->starts, b->kills, b->notices, 0};
    for (size_t i = 0; rc == 0 && with_results && i < b->result_count; i++)
        if (b->results[i].crisis == c->id)
            rc = apply_result(pb, inst, &b->results[i], &t, b, &why);
    for (size_t i = 0; rc == 0 && i < c->item_count; i++) {
        rc = apply_item(conn, pb, sha256, inst, c, &c->items[i], &t, b, &why);
        b->applied++;
    }
    if (rc != 0)
        tc_error_set(err, rc, "playbook %s@%d: %s", c->playbook, c->version, why.text);

    if (rc == 0) {
        json_t *set = json_array(), *cleared = json_array();
        const char *key;
        json_t *due;
        json_object_foreach(t.timers, key, due)
        {
            if (json_integer_value(due) >= 0)
                json_array_append_new(set, json_pack("{s:s, s:O}", "key", key, "due_ms", due));
            else
                json_array_append_new(cleared, json_string(key));
        }
        char *state = tc_instance_to_text(pb, inst);
        rc = state ? tc_writes_add(writes, c->id, c->revision, state, t.audit, set, cleared, t.commands, err)
                   : tc_error_set(err, TC_ENOMEM, "out of memory");
        free(state);
        json_decref(set);
        json_decref(cleared);
    }
    json_decref(t.audit);
    json_decref(t.timers);
    json_decref(t.commands);
    tc_instance_free(inst);
    return rc;
}

/* Fills in what an action program needs on stdin: the crisis as show gives it. */
static int complete_starts(PGconn *conn, tc_batch *b, tc_error *err)
{
    size_t i;
    json_t *start;
    json_array_foreach(b->starts, i, start)
    {
        json_t *doc = NULL;
        int rc = tc_store_crisis_show(conn, json_integer_value(json_object_get(start, "crisis")), &doc, err);
        if (rc != 0)
            return rc;
        json_object_set_new(start, "document", doc);
    }
    return 0;
}

/*
 * Lists a crisis the batch has locked: a failed batch of one crisis is its
 * fault, and an applied batch has applied each (core/set_aside.h).
 */
static void touch(tc_batch *b, int64_t crisis, int64_t revision)
{
    size_t n = b->touched_count;
    if (n == 0)
        b->touched_revision = revision;
    if ((n & (n - 1)) == 0) /* 0, 1, 2, 4, ...: double the room */
        b->touched = tc_xrealloc(b->touched, (n ? 2 * n : 1) * sizeof *b->touched);
    b->touched[b->touched_count++] = crisis;
}

/* Whether the batch brought results for crisis (its crisis was then locked first, if it exists). */
static int has_results(const tc_batch *b, int64_t crisis)
{
    for (size_t i = 0; i < b->result_count; i++)
        if (b->results[i].crisis == crisis)
            return 1;
    return 0;
}

/*
 * Results of actions first: their crises are locked (waiting, not skipped)
 * and written before the claim, which may claim them again for their other
 * work and must then read what the results made of them.
 */
static int apply_results(tc_applier *ap, PGconn *conn, tc_batch *b, tc_writes *writes, tc_error *err)
{
    int rc = tc_store_work_begin(conn, err);
    for (size_t i = 0; rc == 0 && i < b->result_count; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= b->results[j].crisis == b->results[i].crisis;
        if (seen)
            continue;
        tc_claim *one = NULL;
        rc = tc_store_lock(conn, b->results[i].crisis, &one, err);
        if (rc == TC_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc == 0)
            touch(b, one->id, one->revision);
        if (rc == 0 && (rc = apply_crisis(ap, conn, one, b, 1, writes, err)) != 0) {
            b->culprit = one->id;
            b->culprit_revision = one->revision;
        }
        tc_claims_free(one, 1);
    }
    return rc == 0 ? tc_store_write(conn, writes, 0, NULL, 0, NULL, err) : rc;
}

/*
 * The crises set aside since the last batch, recorded for operators before
 * the batch opens its transaction. Only a record: when it cannot be written,
 * the batch goes on and the loop logs why.
 */
static void record_asides(PGconn *conn, tc_batch *b)
{
    tc_error_init(&b->aside_err);
    for (size_t i = 0; i < b->aside_count && b->aside_err.code == 0; i++)
        tc_store_set_aside(conn, b->asides[i].crisis, b->asides[i].revision, b->engine, b->asides[i].reason,
                           b->asides[i].until, &b->aside_err);
}

/*
 * The signatures of the claimed commands, checked all at once on the
 * machine's cores before any applies (sign/verify_all.h); what the core then
 * reads of each is its verdict. Out of memory, they are left to be checked one
 * by one as they apply.
 */
static void verify_signatures(tc_applier *ap, const tc_batch *b, tc_claim *claims, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < claims[i].item_count; j++)
            n += claims[i].items[j].signature != NULL;
    tc_key_check *checks = n > 0 ? malloc(n * sizeof *checks) : NULL;
    if (checks == NULL)
        return;
    n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < claims[i].item_count; j++)
            if (claims[i].items[j].signature != NULL) {
                tc_signed_check check = signed_check(b, &claims[i].items[j], NULL);
                checks[n++] = tc_sign_curve_check(&check);
            }
    tc_key_verify_all(checks, n, ap->verify_threads);
    n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < claims[i].item_count; j++)
            if (claims[i].items[j].signature != NULL)
                claims[i].items[j].verified = checks[n++].verdict;
    free(checks);
}

int tc_apply_batch(tc_applier *ap, PGconn *conn, tc_batch *b, tc_error *err)
{
    tc_claim *claims = NULL;
    size_t count = 0;
    json_t *actors = NULL;
    tc_writes *writes = tc_writes_new();
    b->starts = json_array();
    b->kills = json_array();
    b->notices = json_array();
    b->actors = json_object();
    b->next_due = -1;
    int rc = writes ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");

    record_asides(conn, b);
    if (rc == 0 && b->result_count > 0)
        rc = apply_results(ap, conn, b, writes, err);
    if (rc == 0 && b->claim)
        rc = tc_store_take(conn, b->limit > 0 ? b->limit : ap->batch_size, b->now, b->skip, b->skip_count,
                           &claims, &count, &actors, err);
    if (actors != NULL)
        json_object_update(b->actors, actors);
    json_decref(actors);
    for (size_t i = 0; i < count; i++)
        if (!has_results(b, claims[i].id))
            touch(b, claims[i].id, claims[i].revision);
    if (rc == 0)
        verify_signatures(ap, b, claims, count);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        /* the results of actions were applied first */
        if ((rc = apply_crisis(ap, conn, &claims[i], b, 0, writes, err)) != 0) {
            b->culprit = claims[i].id;
            b->culprit_revision = claims[i].revision;
        }
    }
    b->claimed = count;
    tc_claims_free(claims, count);
    /* An action program reads its crisis as written: write, read, then commit. */
    if (rc == 0 && json_array_size(b->starts) > 0) {
        rc = tc_store_write(conn, writes, 0, NULL, 0, NULL, err);
        if (rc == 0)
            rc = complete_starts(conn, b, err);
    }
    if (rc == 0)
        rc = tc_store_write(conn, writes, 1, b->skip, b->skip_count, &b->next_due, err);
    /*
     * A batch that held one crisis and failed, in whatever statement (writing
     * its action results, the claim, its transition, reading it for an action,
     * the commit), failed because of it, unless the database went away or
     * another writer came first. A batch of several that failed so is the
     * loop's to take apart (engine.c), one crisis a batch.
     */
    if (rc != 0 && rc != TC_ECONFLICT && rc != TC_EUNAVAIL && b->culprit == 0 && b->touched_count == 1) {
        b->culprit = b->touched[0];
        b->culprit_revision = b->touched_revision;
    }
    if (rc != 0 && PQtransactionStatus(conn) != PQTRANS_IDLE)
        tc_store_work_end(conn, 0, NULL);
    tc_writes_free(writes);
    if (rc != 0) {
        /* Nothing was written: the loop must not start or kill anything for it. */
        json_array_clear(b->starts);
        json_array_clear(b->kills);
        json_array_clear(b->notices);
    }
    return rc;
}

void tc_action_result_clear(tc_action_result *r)
{
    free(r->state);
    json_decref(r->data);
    json_decref(r->detail);
    memset(r, 0, sizeof *r);
}

void tc_batch_clear(tc_batch *b)
{
    for (size_t i = 0; i < b->result_count; i++)
        tc_action_result_clear(&b->results[i]);
    free(b->results);
    json_decref(b->starts);
    json_decref(b->kills);
    json_decref(b->notices);
    json_decref(b->actors);
    free(b->skip);
    free(b->touched);
    for (size_t i = 0; i < b->aside_count; i++)
        free(b->asides[i].reason);
    free(b->asides);
    memset(b, 0, sizeof *b);
}
