/*
 * A small harness for state machine tests: compile a playbook, trigger a
 * crisis, apply events at given times, and look at the effects. Every
 * successful apply also checks that the instance survives a JSON round trip
 * unchanged, so serialisation is tested at every step of every test.
 */
#ifndef TC_TEST_MACHINE_FIXTURE_H
#define TC_TEST_MACHINE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/machine/machine.h"
#include "core/base/strbuf.h"

#define H ((tc_ms)3600 * 1000)
#define M ((tc_ms)60 * 1000)

typedef struct fixture {
    tc_playbook *pb;
    tc_instance *inst;
    tc_effects fx;
    tc_error err;
} fixture;

static inline char *instance_text(const tc_playbook *pb, const tc_instance *inst)
{
    json_t *json = tc_instance_to_json(pb, inst);
    assert_non_null(json);
    char *text = json_dumps(json, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(json);
    return text;
}

static inline void check_round_trip(const fixture *f)
{
    char *before = instance_text(f->pb, f->inst);
    json_t *parsed = json_loads(before, 0, NULL);
    tc_instance *copy = NULL;
    tc_error err;
    tc_error_init(&err);
    if (tc_instance_from_json(f->pb, parsed, &copy, &err) != 0)
        fail_msg("from_json failed: %s\n%s", err.text, before);
    char *after = instance_text(f->pb, copy);
    assert_string_equal(before, after);

    /* The fast text path writes the same document and reads it back the same. */
    json_t *tree = tc_instance_to_json(f->pb, f->inst);
    char *compact = json_dumps(tree, JSON_COMPACT);
    char *fast = tc_instance_to_text(f->pb, f->inst);
    if (strcmp(fast, compact) != 0) {
        size_t i = 0;
        while (fast[i] == compact[i])
            i++;
        fail_msg("the text path differs at byte %zu:\n fast: %.80s\n tree: %.80s", i,
                 fast + (i > 20 ? i - 20 : 0), compact + (i > 20 ? i - 20 : 0));
    }
    tc_instance *again = NULL;
    if (tc_instance_from_text(f->pb, fast, strlen(fast), &again, &err) != 0)
        fail_msg("from_text failed: %s\n%s", err.text, fast);
    char *again_text = instance_text(f->pb, again);
    assert_string_equal(before, again_text);
    free(again_text);
    tc_instance_free(again);
    free(fast);
    free(compact);
    json_decref(tree);

    free(before);
    free(after);
    json_decref(parsed);
    tc_instance_free(copy);
}

static inline tc_playbook *compile(const char *text)
{
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    if (tc_playbook_compile(text, strlen(text), &pb, &diags, NULL) != 0)
        fail_msg("playbook: %s: %s", diags.count ? diags.items[0].where : "?",
                 diags.count ? diags.items[0].message : "?");
    tc_diags_clear(&diags);
    return pb;
}

/* Compiles text and triggers a crisis at time 0 by "initiator" (admin), with the given trigger. */
static inline void start_with(fixture *f, const char *text, const tc_trigger *trigger)
{
    memset(f, 0, sizeof *f);
    f->pb = compile(text);
    f->inst = tc_instance_new(f->pb);
    tc_error_init(&f->err);
    tc_actor admin = {"initiator", NULL, 0, 1, NULL, NULL, 0};
    if (tc_trigger_prepare(f->pb, f->inst, trigger, &admin, 0, &f->err) != 0)
        fail_msg("trigger: %s", f->err.text);
    tc_event ev = {.kind = TC_EVENT_TRIGGER, .actor = admin};
    if (tc_machine_apply(f->pb, f->inst, &ev, 0, &f->fx, &f->err) != 0)
        fail_msg("trigger event: %s", f->err.text);
    check_round_trip(f);
}

/* Reads tests/data/playbooks/valid/NAME.json. */
static inline char *fixture_playbook(const char *name)
{
    char path[4096];
    const char *root = getenv("TOCSIN_SOURCE_DIR");
    assert_non_null(root);
    snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/%s.json", root, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s", path);
    char *text = calloc(1, 1 << 17);
    size_t n = fread(text, 1, (1 << 17) - 1, file);
    text[n] = '\0';
    fclose(file);
    return text;
}

/* Starts a crisis of fixture playbook NAME with inputs (a JSON text, or NULL). */
static inline void start_named(fixture *f, const char *name, const char *inputs)
{
    char *text = fixture_playbook(name);
    json_t *given = inputs ? json_loads(inputs, 0, NULL) : NULL;
    tc_trigger t = {.inputs = given};
    start_with(f, text, &t);
    json_decref(given);
    free(text);
}

static inline void start(fixture *f, const char *text)
{
    tc_trigger t = {0};
    start_with(f, text, &t);
}

static inline void finish(fixture *f)
{
    tc_effects_clear(&f->fx);
    tc_instance_free(f->inst);
    tc_playbook_free(f->pb);
}

/* Applies ev at now, with the effects list emptied first; returns the code. */
static inline int act(fixture *f, tc_event ev, tc_ms now)
{
    tc_effects_clear(&f->fx);
    tc_error_init(&f->err);
    char *before = instance_text(f->pb, f->inst);
    int rc = tc_machine_apply(f->pb, f->inst, &ev, now, &f->fx, &f->err);
    if (rc == 0) {
        check_round_trip(f);
    } else {
        /* A refusal changes nothing. */
        char *after = instance_text(f->pb, f->inst);
        assert_string_equal(before, after);
        assert_int_equal(f->fx.count, 0);
        free(after);
    }
    free(before);
    return rc;
}

/* An actor holding one seat ("council/KZ"); role names it. */
#define ACTOR(role_, seat_) ((tc_actor){(role_), (const char *const[]){(seat_)}, 1, 0, NULL, NULL, 0})

static inline int vote(fixture *f, const char *state, const char *party, tc_vote v, tc_ms now)
{
    char seat[64];
    const tc_state *s = tc_playbook_state(f->pb, state);
    snprintf(seat, sizeof seat, "%s/%s", f->pb->roles[s->approval.role].id, party);
    tc_event ev = {
        .kind = TC_EVENT_VOTE, .actor = ACTOR(seat, seat), .state = state, .party = party, .vote = v};
    return act(f, ev, now);
}

static inline int complete(fixture *f, const char *state, const char *party, const char *outcome,
                           json_t *data, tc_ms now)
{
    char seat[64];
    const tc_state *s = tc_playbook_state(f->pb, state);
    if (party)
        snprintf(seat, sizeof seat, "%s/%s", f->pb->roles[s->task.role].id, party);
    else
        snprintf(seat, sizeof seat, "%s", f->pb->roles[s->task.role].id);
    tc_event ev = {.kind = TC_EVENT_COMPLETE,
                   .actor = ACTOR(seat, seat),
                   .state = state,
                   .party = party,
                   .outcome = outcome,
                   .data = data};
    int rc = act(f, ev, now);
    json_decref(data);
    return rc;
}

static inline int fire(fixture *f, const char *key, tc_ms now)
{
    tc_event ev = {.kind = TC_EVENT_TIMER, .timer = key};
    return act(f, ev, now);
}

/* The number of audit effects of kind (on state, when not NULL). */
static inline int audits(const fixture *f, const char *kind, const char *state)
{
    int n = 0;
    for (size_t i = 0; i < f->fx.count; i++) {
        const tc_effect *e = &f->fx.items[i];
        if (e->kind == TC_EFFECT_AUDIT && strcmp(e->name, kind) == 0 &&
            (state == NULL || (e->state && strcmp(e->state, state) == 0)))
            n++;
    }
    return n;
}

/* The detail of the last audit of kind, or NULL. */
static inline json_t *audit_detail(const fixture *f, const char *kind)
{
    json_t *found = NULL;
    for (size_t i = 0; i < f->fx.count; i++)
        if (f->fx.items[i].kind == TC_EFFECT_AUDIT && strcmp(f->fx.items[i].name, kind) == 0)
            found = f->fx.items[i].detail;
    return found;
}

/* The due time of the timer set with key in the last effects, or -1. */
static inline tc_ms timer_due(const fixture *f, const char *key)
{
    for (size_t i = 0; i < f->fx.count; i++)
        if (f->fx.items[i].kind == TC_EFFECT_TIMER_SET && strcmp(f->fx.items[i].key, key) == 0)
            return f->fx.items[i].due;
    return -1;
}

static inline int effects_of(const fixture *f, tc_effect_kind kind)
{
    int n = 0;
    for (size_t i = 0; i < f->fx.count; i++)
        n += f->fx.items[i].kind == kind;
    return n;
}

static inline int is_active(const fixture *f, const char *path)
{
    const tc_state *s = tc_playbook_state(f->pb, path);
    assert_non_null(s);
    return tc_instance_activation(f->inst, s->index) != NULL;
}

#endif
