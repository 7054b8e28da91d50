/*
 * Instances to JSON and back. States and parties are written by name (not by
 * index), so a stored instance reads well and survives nothing worse than a
 * playbook it does not fit, which from_json refuses. Fields at their default
 * (null, 0, false) are left out; reading fills the defaults back in, so the
 * round trip is exact.
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/instance/instance.h"

#define FORMAT_VERSION 1

static int set(json_t *obj, const char *key, json_t *value)
{
    return value == NULL || json_object_set_new(obj, key, value) != 0 ? -1 : 0;
}

static int set_string(json_t *obj, const char *key, const char *value)
{
    return value ? set(obj, key, json_string(value)) : 0;
}

static int set_ms(json_t *obj, const char *key, tc_ms value)
{
    return value ? set(obj, key, json_integer(value)) : 0;
}

static json_t *seat_to_json(const tc_playbook *pb, const tc_seat *s)
{
    json_t *o = json_object();
    int bad = o == NULL;
    bad |= set(o, "party", s->party >= 0 ? json_string(pb->parties[s->party]) : json_null());
    if (s->vote != TC_VOTE_NONE)
        bad |= set(o, "vote", json_string(tc_vote_name(s->vote)));
    bad |= set_string(o, "vote_by", s->vote_by);
    bad |= set_ms(o, "vote_at", s->vote_at);
    bad |= set_string(o, "reason", s->reason);
    if (s->done)
        bad |= set(o, "done", json_true());
    bad |= set_string(o, "outcome", s->outcome);
    bad |= set_string(o, "done_by", s->done_by);
    bad |= set_ms(o, "done_at", s->done_at);
    bad |= set_string(o, "acked_by", s->acked_by);
    bad |= set_ms(o, "acked_at", s->acked_at);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *activation_to_json(const tc_playbook *pb, const tc_activation *a)
{
    const tc_state *state = &pb->states[a->state];
    json_t *o = json_object();
    int bad = o == NULL;
    bad |= set(o, "state", json_string(state->path));
    bad |= set(o, "visit", json_integer(a->visit));
    bad |= set(o, "entered_at", json_integer(a->entered_at));
    if (a->level)
        bad |= set(o, "level", json_integer(a->level));
    if (a->seat_count > 0) {
        json_t *seats = json_array();
        for (size_t i = 0; i < a->seat_count; i++)
            bad |= json_array_append_new(seats, seat_to_json(pb, &a->seats[i]));
        bad |= set(o, "seats", seats);
    }
    if (a->attempt)
        bad |= set(o, "attempt", json_integer(a->attempt));
    if (a->running)
        bad |= set(o, "running", json_true());
    if (a->branch_count > 0) {
        json_t *branches = json_object();
        for (size_t i = 0; i < a->branch_count; i++)
            bad |= set(branches, state->parallel.branches[i]->name,
                       a->branch_outcomes[i] ? json_string(a->branch_outcomes[i]) : json_null());
        bad |= set(o, "branches", branches);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *tc_instance_to_json(const tc_playbook *pb, const tc_instance *inst)
{
    json_t *o = json_object(), *parties = json_array(), *visits = json_object(), *active = json_array();
    int bad = 0;

    /* The names of parties and states are the playbook's (UTF-8, as it was read from JSON): only the
     * crisis's own text can fail to be a JSON string, in an activation or below. */
    for (size_t i = 0; i < inst->party_count; i++)
        bad |= json_array_append_new(parties, json_string(pb->parties[inst->parties[i]]));
    for (size_t i = 0; i < inst->state_count; i++)
        if (inst->visits[i])
            bad |= set(visits, pb->states[i].path, json_integer(inst->visits[i]));
    for (size_t i = 0; !bad && i < inst->active_count; i++)
        bad |= json_array_append_new(active, activation_to_json(pb, &inst->active[i]));

    bad |= set(o, "v", json_integer(FORMAT_VERSION));
    bad |= set_ms(o, "id", inst->id);
    bad |= set(o, "status", json_string(tc_status_name(inst->status)));
    bad |= set_string(o, "outcome", inst->outcome);
    bad |= set(o, "severity", json_string(tc_severity_name(inst->severity)));
    bad |= set(o, "mode", json_string(tc_mode_name(inst->mode)));
    bad |= set(o, "parties", parties);
    bad |= set_string(o, "initiator", inst->initiator);
    bad |= set_string(o, "initiator_login", inst->initiator_login);
    bad |= set_string(o, "title", inst->title);
    bad |= set(o, "inputs", json_incref(inst->inputs));
    bad |= set(o, "data", json_incref(inst->data));
    if (json_object_size(inst->tallies) > 0)
        bad |= set(o, "tallies", json_incref(inst->tallies));
    if (inst->escalation_level)
        bad |= set(o, "escalation_level", json_integer(inst->escalation_level));
    if (inst->triggered)
        bad |= set(o, "triggered", json_true());
    bad |= set_ms(o, "created_at", inst->created_at);
    bad |= set_ms(o, "closed_at", inst->closed_at);
    bad |= set(o, "visits", visits);
    bad |= set(o, "active", active);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- reading ---- */

typedef struct reader {
    const tc_playbook *pb;
    tc_error *err;
    int failed;
} reader;

static int fail(reader *r, const char *what)
{
    if (!r->failed)
        tc_error_set(r->err, TC_EINVAL, "stored crisis state does not fit playbook %s: %s", r->pb->name,
                     what);
    r->failed = 1;
    return -1;
}

static char *get_string_copy(reader *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_typeof(v) == JSON_NULL)
        return NULL;
    if (json_typeof(v) != JSON_STRING) {
        fail(r, key);
        return NULL;
    }
    return tc_xstrdup(json_string_value(v));
}

static tc_ms get_ms(reader *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_typeof(v) == JSON_NULL)
        return 0;
    if (json_typeof(v) != JSON_INTEGER)
        return fail(r, key);
    return json_integer_value(v);
}

static int party_index(reader *r, const char *name)
{
    int i = name ? tc_playbook_party(r->pb, name) : -1;
    if (i < 0)
        fail(r, "unknown party");
    return i;
}

static void read_seat(reader *r, json_t *o, tc_seat *s)
{
    json_t *party = json_object_get(o, "party");
    s->party =
        party == NULL || json_typeof(party) == JSON_NULL ? -1 : party_index(r, json_string_value(party));
    json_t *vote = json_object_get(o, "vote");
    if (vote != NULL) {
        int v = tc_vote_parse(json_string_value(vote));
        s->vote = v < 0 ? (fail(r, "vote"), TC_VOTE_NONE) : (tc_vote)v;
    }
    s->vote_by = get_string_copy(r, o, "vote_by");
    s->vote_at = get_ms(r, o, "vote_at");
    s->reason = get_string_copy(r, o, "reason");
    s->done = json_is_true(json_object_get(o, "done"));
    s->outcome = get_string_copy(r, o, "outcome");
    s->done_by = get_string_copy(r, o, "done_by");
    s->done_at = get_ms(r, o, "done_at");
    s->acked_by = get_string_copy(r, o, "acked_by");
    s->acked_at = get_ms(r, o, "acked_at");
}

static void read_activation(reader *r, json_t *o, tc_activation *a)
{
    const tc_state *state = tc_playbook_state(r->pb, json_string_value(json_object_get(o, "state")));
    if (state == NULL) {
        fail(r, "unknown state");
        return;
    }
    a->state = state->index;
    a->visit = (int)get_ms(r, o, "visit");
    a->entered_at = get_ms(r, o, "entered_at");
    a->level = (int)get_ms(r, o, "level");
    a->attempt = (int)get_ms(r, o, "attempt");
    a->running = json_is_true(json_object_get(o, "running"));

    json_t *seats = json_object_get(o, "seats");
    if (json_array_size(seats) > 0) {
        a->seats = tc_xcalloc(json_array_size(seats), sizeof *a->seats);
        a->seat_count = json_array_size(seats);
        for (size_t i = 0; i < a->seat_count; i++)
            read_seat(r, json_array_get(seats, i), &a->seats[i]);
    }
    json_t *branches = json_object_get(o, "branches");
    if (branches != NULL) {
        if (state->type != TC_STATE_PARALLEL || json_object_size(branches) != state->parallel.count) {
            fail(r, "branches");
            return;
        }
        a->branch_outcomes = tc_xcalloc(state->parallel.count, sizeof *a->branch_outcomes);
        a->branch_count = state->parallel.count;
        for (size_t i = 0; i < a->branch_count; i++)
            a->branch_outcomes[i] = get_string_copy(r, branches, state->parallel.branches[i]->name);
    }
}

int tc_instance_from_json(const tc_playbook *pb, json_t *json, tc_instance **out, tc_error *err)
{
    reader r = {pb, err, 0};
    if (!json_is_object(json) || json_integer_value(json_object_get(json, "v")) != FORMAT_VERSION)
        return tc_error_set(err, TC_EINVAL, "stored crisis state is not a tocsin instance of version %d",
                            FORMAT_VERSION);
    tc_instance *inst = tc_instance_new(pb);

    inst->id = get_ms(&r, json, "id");
    const char *status = json_string_value(json_object_get(json, "status"));
    inst->status = status && !strcmp(status, "closed")      ? TC_STATUS_CLOSED
                   : status && !strcmp(status, "cancelled") ? TC_STATUS_CANCELLED
                   : status && !strcmp(status, "active")    ? TC_STATUS_ACTIVE
                                                            : (tc_status)fail(&r, "status");
    inst->outcome = get_string_copy(&r, json, "outcome");
    int severity = tc_severity_parse(json_string_value(json_object_get(json, "severity")));
    int mode = tc_mode_parse(json_string_value(json_object_get(json, "mode")));
    if (severity < 0 || mode < 0)
        fail(&r, "severity or mode");
    inst->severity = severity < 0 ? TC_SEVERITY_UNKNOWN : (tc_severity)severity;
    inst->mode = mode < 0 ? TC_MODE_ACTUAL : (tc_mode)mode;

    json_t *parties = json_object_get(json, "parties");
    for (size_t i = 0; i < json_array_size(parties) && i < pb->party_count; i++)
        inst->parties[inst->party_count++] = party_index(&r, json_string_value(json_array_get(parties, i)));
    inst->initiator = get_string_copy(&r, json, "initiator");
    inst->initiator_login = get_string_copy(&r, json, "initiator_login");
    inst->title = get_string_copy(&r, json, "title");

    static const char *const objects[] = {"inputs", "data", "tallies"};
    json_t **targets[] = {&inst->inputs, &inst->data, &inst->tallies};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(json, objects[i]);
        if (v == NULL)
            continue;
        if (json_typeof(v) != JSON_OBJECT) {
            fail(&r, objects[i]);
            continue;
        }
        json_decref(*targets[i]);
        *targets[i] = json_deep_copy(v);
    }
    inst->escalation_level = (int)get_ms(&r, json, "escalation_level");
    inst->triggered = json_is_true(json_object_get(json, "triggered"));
    inst->created_at = get_ms(&r, json, "created_at");
    inst->closed_at = get_ms(&r, json, "closed_at");

    json_t *visits = json_object_get(json, "visits");
    for (void *it = json_object_iter(visits); it != NULL; it = json_object_iter_next(visits, it)) {
        const tc_state *s = tc_playbook_state(pb, json_object_iter_key(it));
        json_t *count = json_object_iter_value(it);
        if (s == NULL || json_typeof(count) != JSON_INTEGER)
            fail(&r, "visits");
        else
            inst->visits[s->index] = (int)json_integer_value(count);
    }

    json_t *active = json_object_get(json, "active");
    size_t n = json_array_size(active);
    if (n > 0) {
        inst->active = tc_xcalloc(n, sizeof *inst->active);
        inst->active_capacity = n;
        for (size_t i = 0; i < n && !r.failed; i++) {
            read_activation(&r, json_array_get(active, i), &inst->active[i]);
            inst->active_count++;
        }
    }
    if (r.failed) {
        tc_instance_free(inst);
        return TC_EINVAL;
    }
    *out = inst;
    return 0;
}
