/*
 * Simulation: a loop over script events and timers in virtual time. Events at
 * the same instant apply in script order, before any timer due then; timers
 * due at the same instant fire in the order they were set.
 */
#include "core/simulate/simulate.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/audit/audit_kind.h"
#include "core/machine/command.h"
#include "core/base/json_strings.h"
#include "core/machine/machine.h"

#define DEFAULT_UNTIL ((tc_ms)400 * 86400 * 1000)
/* Events and timers a run takes at most: a year of hourly escalations is 8,760 timers; past this the timeline
 * is no longer something to read, and its memory grows by some 200 bytes a line. */
#define MAX_ITERATIONS 20000
/* Actions ended ok at once after one command, the machine's own bound on transitions (TC_MAX_STEPS): only
 * a loop of actions goes past it, which in virtual time never waits (each ends as soon as it starts). */
#define MAX_ENDED_AT_ONCE 10000

typedef struct sim_event {
    tc_ms at;
    size_t order;
    json_t *json;
    tc_event_kind kind;
    const char *subject; /* the value of the command's key: a vote, a state, a reason */
} sim_event;

typedef struct sim_timer {
    char *key;
    tc_ms due;
    size_t seq;
} sim_timer;

typedef struct sim {
    const tc_playbook *pb;
    tc_instance *inst;
    json_t *timeline;
    json_t *actors;
    sim_event *events;
    size_t event_count, next_event;
    sim_timer *timers;
    size_t timer_count, timer_capacity, timer_seq;
    char **ready;       /* actions to end ok at once: "path" */
    int *ready_attempt; /* their attempts */
    size_t ready_count, ready_capacity;
    const char **scripted; /* paths of actions the script ends itself: their own timeouts do not run */
    size_t scripted_count, scripted_capacity;
    tc_ms now;
    int failed;
    tc_error why; /* what failed: the machine's error, or the simulator's own */
} sim;

/* The run cannot go on: why says what stopped it (rc's name when it says nothing); the first reason is kept.
 */
static void sim_fail(sim *s, int rc, const tc_error *why)
{
    if (!s->failed) {
        s->why = *why;
        if (s->why.text[0] == '\0')
            snprintf(s->why.text, sizeof s->why.text, "%s", tc_strerror(rc));
    }
    s->failed = 1;
}

static int parse_at(json_t *value, tc_ms *at)
{
    const char *text = json_string_value(value);
    if (text == NULL)
        return -1;
    if (strcmp(text, "PT0S") == 0 || strcmp(text, "P0D") == 0) {
        *at = 0;
        return 0;
    }
    return tc_duration_parse(text, at, NULL) == 0 ? 0 : -1;
}

static int by_time(const void *a, const void *b)
{
    const sim_event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The script's key for an event: the command's name, "action" for the end of an action. */
static const char *script_key(tc_event_kind kind)
{
    return kind == TC_EVENT_ACTION_RESULT ? "action" : tc_event_kind_name(kind);
}

static int read_events(sim *s, json_t *events, tc_error *err)
{
    /* Each event names its kind by a key holding its subject, {"vote": "approve"}; the other keys are the
     * command's arguments (core/machine/command.h) and the script's own "at" and "as". */
    static const struct {
        tc_event_kind kind;
        const char *allowed[8];
    } kinds[] = {
        {TC_EVENT_VOTE, {"at", "state", "party", "reason", "as", NULL}},
        {TC_EVENT_COMPLETE, {"at", "outcome", "data", "party", "as", NULL}},
        {TC_EVENT_ACK, {"at", "party", "as", NULL}},
        {TC_EVENT_ESCALATE, {"at", "reason", "as", NULL}},
        {TC_EVENT_ACTION_RESULT, {"at", "outcome", "data", NULL}},
        {TC_EVENT_CANCEL, {"at", "as", NULL}},
        {TC_EVENT_AMEND, {"at", "data", "as", NULL}},
    };
    size_t n = json_array_size(events);
    s->events = tc_xcalloc(n ? n : 1, sizeof *s->events);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(events, i);
        sim_event *se = &s->events[i];
        if (json_typeof(e) != JSON_OBJECT) /* e is there: i < n */
            return tc_error_set(err, TC_EINVAL, "script: $.events[%zu]: expected an object", i);
        if (parse_at(json_object_get(e, "at"), &se->at) != 0)
            return tc_error_set(
                err, TC_EINVAL,
                "script: $.events[%zu].at: expected a duration since the trigger, such as \"PT10M\"", i);
        int found = -1;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (json_object_get(e, script_key(kinds[k].kind)) != NULL) {
                if (found >= 0)
                    return tc_error_set(err, TC_EINVAL,
                                        "script: $.events[%zu]: one command per event (%s and %s)", i,
                                        script_key(kinds[found].kind), script_key(kinds[k].kind));
                found = (int)k;
            }
        if (found < 0)
            return tc_error_set(
                err, TC_EINVAL,
                "script: $.events[%zu]: expected one of vote, complete, ack, escalate, action, cancel", i);
        for (void *it = json_object_iter(e); it != NULL; it = json_object_iter_next(e, it)) {
            const char *key = json_object_iter_key(it);
            int ok = strcmp(key, script_key(kinds[found].kind)) == 0;
            for (const char *const *a = kinds[found].allowed; *a; a++)
                ok |= strcmp(*a, key) == 0;
            if (!ok)
                return tc_error_set(err, TC_EINVAL, "script: $.events[%zu].%s: unknown key for a %s event", i,
                                    key, script_key(kinds[found].kind));
        }
        se->json = e;
        se->order = i;
        se->kind = kinds[found].kind;
        se->subject = json_string_value(json_object_get(e, script_key(se->kind)));
        if (se->subject == NULL)
            return tc_error_set(err, TC_EINVAL, "script: $.events[%zu].%s: expected a string", i,
                                script_key(se->kind));
        static const char *const strings[] = {"state", "party", "reason", "as", "outcome"};
        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
            json_t *v = json_object_get(e, strings[k]);
            if (v != NULL && json_typeof(v) != JSON_STRING)
                return tc_error_set(err, TC_EINVAL, "script: $.events[%zu].%s: expected a string", i,
                                    strings[k]);
        }
        json_t *as = json_object_get(e, "as");
        if (as != NULL && json_object_get(s->actors, json_string_value(as)) == NULL)
            return tc_error_set(err, TC_EINVAL, "script: $.events[%zu].as: no actor %s in $.actors", i,
                                json_string_value(as));
        if (se->kind == TC_EVENT_VOTE && tc_vote_parse(se->subject) < 0)
            return tc_error_set(err, TC_EINVAL, "script: $.events[%zu].vote: approve, reject or abstain", i);
        if (se->kind == TC_EVENT_ACTION_RESULT) {
            const char *outcome = json_string_value(json_object_get(e, "outcome"));
            if (outcome == NULL || (strcmp(outcome, "ok") != 0 && strcmp(outcome, "failed") != 0))
                return tc_error_set(err, TC_EINVAL, "script: $.events[%zu].outcome: ok or failed", i);
        }
    }
    s->event_count = n;
    qsort(s->events, n, sizeof *s->events, by_time);
    return 0;
}

static tc_ms timeline_t(json_t **t, tc_ms ms)
{
    *t = ms % 1000 == 0 ? json_integer(ms / 1000) : json_real((double)ms / 1000.0);
    return ms;
}

static void add_line(sim *s, const char *kind, const char *state, const char *actor, json_t *detail)
{
    json_t *t;
    timeline_t(&t, s->now);
    json_t *line = json_pack("{s:o, s:s, s:s?, s:s?, s:O}", "t", t, "kind", kind, "state", state, "actor",
                             actor, "detail", detail ? detail : json_null());
    if (json_array_append_new(s->timeline, line) != 0) { /* line is NULL when json_pack refused its strings */
        tc_error why = {0};
        tc_error_set(&why, TC_EFAILED, "a line of the timeline could not be written (%s of %s)", kind,
                     state ? state : "the crisis");
        sim_fail(s, TC_EFAILED, &why);
    }
}

static int named_later(const sim *s, const char *path)
{
    for (size_t i = s->next_event; i < s->event_count; i++)
        if (s->events[i].kind == TC_EVENT_ACTION_RESULT && strcmp(s->events[i].subject, path) == 0)
            return 1;
    return 0;
}

/*
 * Whether the timer set by e is the timeout of an action the script ends itself. Such an action has no retry
 * timer: a failure the script gives is final (run_event).
 */
static int is_scripted_timer(const sim *s, const tc_effect *e)
{
    const char *purpose = strrchr(e->key, ':'); /* keys are "path#visit:purpose" (core/machine/machine.c) */
    if (strcmp(purpose, ":timeout") != 0)
        return 0;
    for (size_t i = 0; i < s->scripted_count; i++)
        if (strcmp(s->scripted[i], e->state) == 0) /* the state's path */
            return 1;
    return 0;
}

static void take_effects(sim *s, tc_effects *fx)
{
    for (size_t i = 0; i < fx->count; i++) {
        tc_effect *e = &fx->items[i];
        switch (e->kind) {
        case TC_EFFECT_AUDIT:
            add_line(s, e->name, e->state, e->actor, e->detail);
            break;
        case TC_EFFECT_TIMER_SET:
            if (is_scripted_timer(s, e))
                break;
            if (s->timer_count == s->timer_capacity) {
                size_t capacity = s->timer_capacity ? 2 * s->timer_capacity : 32;
                s->timers = tc_xrealloc(s->timers, capacity * sizeof *s->timers);
                s->timer_capacity = capacity;
            }
            s->timers[s->timer_count++] = (sim_timer){e->key, e->due, s->timer_seq++};
            e->key = NULL; /* taken */
            break;
        case TC_EFFECT_TIMER_CLEAR:
            for (size_t t = 0; t < s->timer_count; t++)
                if (strcmp(s->timers[t].key, e->key) == 0) {
                    free(s->timers[t].key);
                    s->timers[t] = s->timers[--s->timer_count];
                    break;
                }
            break;
        case TC_EFFECT_ACTION_START:
            if (named_later(s, e->state)) {
                /* "ends then with the given outcome": not before, by its own timeout */
                size_t k = 0;
                while (k < s->scripted_count && strcmp(s->scripted[k], e->state) != 0)
                    k++;
                if (k == s->scripted_count) {
                    if (s->scripted_count == s->scripted_capacity) {
                        s->scripted_capacity = s->scripted_capacity ? 2 * s->scripted_capacity : 16;
                        s->scripted = tc_xrealloc(s->scripted, s->scripted_capacity * sizeof *s->scripted);
                    }
                    s->scripted[s->scripted_count++] = e->state; /* the playbook's: it outlives the run */
                }
            } else {
                if (s->ready_count == s->ready_capacity) {
                    size_t capacity = s->ready_capacity ? 2 * s->ready_capacity : 8;
                    s->ready = tc_xrealloc(s->ready, capacity * sizeof *s->ready);
                    s->ready_attempt = tc_xrealloc(s->ready_attempt, capacity * sizeof *s->ready_attempt);
                    s->ready_capacity = capacity;
                }
                s->ready_attempt[s->ready_count] =
                    (int)json_integer_value(json_object_get(e->detail, "attempt"));
                s->ready[s->ready_count++] = tc_xstrdup(e->state);
            }
            break;
        case TC_EFFECT_NOTIFY: /* the audit's "notified" line says it */
        case TC_EFFECT_ACTION_KILL:
        case TC_EFFECT_CLOSED:
            break;
        }
    }
    tc_effects_clear(fx);
}

/* Whether the machine failed rather than refused: the run cannot go on from where it stopped. */
static int machine_failed(int rc)
{
    return rc == TC_ENOMEM || rc == TC_EFAILED;
}

static void apply(sim *s, const tc_event *ev, const char *command, const char *state)
{
    tc_effects fx = {0};
    tc_error err;
    tc_error_init(&err);
    int rc = tc_machine_apply(s->pb, s->inst, ev, s->now, &fx, &err);
    if (machine_failed(rc)) {
        sim_fail(s, rc, &err);
        tc_effects_clear(&fx);
        return;
    }
    if (rc != 0) {
        json_t *detail =
            json_pack("{s:s, s:s, s:s}", "command", command, "reason", err.text, "error", tc_strerror(rc));
        add_line(s, tc_audit_kind_name(TC_AUDIT_REFUSED), state, ev->actor.role, detail);
        json_decref(detail);
        tc_effects_clear(&fx);
        return;
    }
    take_effects(s, &fx);

    /* Actions the script does not name end ok at once. */
    for (int ended = 0; s->ready_count > 0 && !s->failed; ended++) {
        if (ended == MAX_ENDED_AT_ONCE) {
            tc_error why = {0};
            tc_error_set(&why, TC_EFAILED,
                         "%d actions ended at once without virtual time passing (the last: %s): a loop of "
                         "actions the script does not name never waits; name one in an \"action\" event",
                         MAX_ENDED_AT_ONCE, s->ready[0]);
            sim_fail(s, TC_EFAILED, &why);
            break;
        }
        char *path = s->ready[0];
        int attempt = s->ready_attempt[0];
        memmove(s->ready, s->ready + 1, (s->ready_count - 1) * sizeof *s->ready);
        memmove(s->ready_attempt, s->ready_attempt + 1, (s->ready_count - 1) * sizeof *s->ready_attempt);
        s->ready_count--;
        tc_event done = {.kind = TC_EVENT_ACTION_RESULT, .state = path, .outcome = "ok", .attempt = attempt};
        tc_effects more = {0};
        tc_error_init(&err);
        rc = tc_machine_apply(s->pb, s->inst, &done, s->now, &more, &err);
        if (rc == 0)
            take_effects(s, &more);
        else /* refused: the action is no longer active; failed: the run stops, as for a command */
            tc_effects_clear(&more);
        if (machine_failed(rc))
            sim_fail(s, rc, &err);
        free(path);
    }
}

/* The seat string an event without "as" acts with: the state's role, and the party if named. */
static void implicit_seat(const sim *s, const sim_event *se, char *buf, size_t size)
{
    const char *path =
        se->kind == TC_EVENT_VOTE ? json_string_value(json_object_get(se->json, "state")) : se->subject;
    const char *party = json_string_value(json_object_get(se->json, "party"));
    const tc_state *st = path ? tc_playbook_state(s->pb, path) : NULL;
    if (st == NULL && path != NULL) /* a bare id among the active states */
        for (size_t i = 0; i < s->inst->active_count; i++)
            if (strcmp(s->pb->states[s->inst->active[i].state].id, path) == 0)
                st = &s->pb->states[s->inst->active[i].state];
    int role = st == NULL                      ? -1
               : st->type == TC_STATE_TASK     ? st->task.role
               : st->type == TC_STATE_APPROVAL ? st->approval.role
                                               : -1;
    if (role < 0)
        snprintf(buf, size, "simulate");
    else if (s->pb->roles[role].per_party && party != NULL)
        snprintf(buf, size, "%s/%s", s->pb->roles[role].id, party);
    else
        snprintf(buf, size, "%s", s->pb->roles[role].id);
}

static void run_event(sim *s, const sim_event *se)
{
    json_t *e = se->json;
    const char *as = json_string_value(json_object_get(e, "as"));
    const char *one[1], **seats = NULL;
    char seat[200];
    tc_event ev = {.kind = se->kind};

    if (as != NULL) {
        size_t n = 0;
        seats = tc_json_strings(json_object_get(s->actors, as), &n); /* strings: check_script saw to it */
        ev.actor = (tc_actor){as, seats, n, 0, NULL, NULL, 0};
    } else if (se->kind == TC_EVENT_ESCALATE || se->kind == TC_EVENT_CANCEL || se->kind == TC_EVENT_AMEND) {
        ev.actor = (tc_actor){"simulate", NULL, 0, 1, NULL, NULL, 0};
    } else if (se->kind != TC_EVENT_ACTION_RESULT) {
        implicit_seat(s, se, seat, sizeof seat);
        one[0] = seat;
        ev.actor = (tc_actor){seat, one, 1, 0, NULL, NULL, 0};
    }
    tc_command_decode_args(e, &ev); /* the vote is the subject of a vote's key, "vote" */
    ev.signature = 1; /* the simulator signs nothing: it takes every command as signed (docs/cli.md) */
    switch (se->kind) {
    case TC_EVENT_VOTE:
        break;
    case TC_EVENT_COMPLETE:
    case TC_EVENT_ACK:
    case TC_EVENT_ESCALATE:
        ev.state = se->subject;
        break;
    case TC_EVENT_CANCEL:
    case TC_EVENT_AMEND:
        ev.reason = se->subject;
        break;
    case TC_EVENT_ACTION_RESULT: {
        ev.state = se->subject;
        const tc_state *st = tc_playbook_state(s->pb, se->subject);
        const tc_activation *a = st ? tc_instance_activation(s->inst, st->index) : NULL;
        ev.attempt = a ? a->attempt : 0;
        ev.final = strcmp(ev.outcome, "failed") == 0; /* "ok" or "failed": read_events saw to it */
        break;
    }
    case TC_EVENT_TRIGGER:
    case TC_EVENT_TIMER:
    case TC_EVENT_DELEGATE: /* not script events: read_events knows no key for them */
    case TC_EVENT_UNDELEGATE:
        break;
    }
    const char *command = script_key(se->kind);
    apply(s, &ev, command, ev.state);
    free(seats);
}

static size_t earliest_timer(const sim *s)
{
    size_t best = 0;
    for (size_t i = 1; i < s->timer_count; i++)
        if (s->timers[i].due < s->timers[best].due ||
            (s->timers[i].due == s->timers[best].due && s->timers[i].seq < s->timers[best].seq))
            best = i;
    return best;
}

static int check_script(json_t *script, tc_error *err)
{
    static const char *const keys[] = {"inputs", "parties", "severity", "mode", "initiator",
                                       "actors", "events",  "until",    NULL};
    if (!json_is_object(script)) /* script may be NULL */
        return tc_error_set(err, TC_EINVAL, "script: expected a JSON object");
    for (void *it = json_object_iter(script); it != NULL; it = json_object_iter_next(script, it)) {
        const char *key = json_object_iter_key(it);
        int ok = 0;
        for (const char *const *k = keys; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok)
            return tc_error_set(err, TC_EINVAL, "script: $.%s: unknown key", key);
    }
    if (!json_is_array(json_object_get(script, "events")))
        return tc_error_set(err, TC_EINVAL, "script: $.events: expected an array of events");
    json_t *actors = json_object_get(script, "actors");
    if (actors != NULL && json_typeof(actors) != JSON_OBJECT)
        return tc_error_set(err, TC_EINVAL, "script: $.actors: expected an object of actor -> [seats]");
    for (void *it = json_object_iter(actors); it != NULL; it = json_object_iter_next(actors, it)) {
        const char *key = json_object_iter_key(it);
        json_t *value = json_object_iter_value(it);
        if (json_typeof(value) != JSON_ARRAY)
            return tc_error_set(err, TC_EINVAL, "script: $.actors.%s: expected an array of seats", key);
        for (size_t i = 0; i < json_array_size(value); i++)
            if (json_typeof(json_array_get(value, i)) != JSON_STRING)
                return tc_error_set(err, TC_EINVAL, "script: $.actors.%s[%zu]: expected a seat (a string)",
                                    key, i);
    }
    json_t *parties = json_object_get(script, "parties");
    if (parties != NULL && json_typeof(parties) != JSON_ARRAY)
        return tc_error_set(err, TC_EINVAL, "script: $.parties: expected an array of parties");
    for (size_t i = 0; i < json_array_size(parties); i++)
        if (json_typeof(json_array_get(parties, i)) != JSON_STRING)
            return tc_error_set(err, TC_EINVAL, "script: $.parties[%zu]: expected a string", i);
    return 0;
}

static void sim_free(sim *s)
{
    for (size_t i = 0; i < s->timer_count; i++)
        free(s->timers[i].key);
    free(s->timers);
    for (size_t i = 0; i < s->ready_count; i++)
        free(s->ready[i]);
    free(s->ready);
    free(s->ready_attempt);
    free(s->events);
    free(s->scripted);
    tc_instance_free(s->inst);
    json_decref(s->timeline);
}

int tc_simulate(const tc_playbook *pb, json_t *script, json_t **out, tc_error *err)
{
    sim s = {.pb = pb};
    tc_ms until = DEFAULT_UNTIL;
    int rc = check_script(script, err);
    if (rc != 0)
        return rc;
    json_t *until_json = json_object_get(script, "until");
    if (until_json != NULL && parse_at(until_json, &until) != 0)
        return tc_error_set(err, TC_EINVAL, "script: $.until: expected a duration such as \"P30D\"");
    s.actors = json_object_get(script, "actors");
    s.timeline = json_array();
    s.inst = tc_instance_new(pb);
    if ((rc = read_events(&s, json_object_get(script, "events"), err)) != 0) {
        sim_free(&s);
        return rc;
    }

    /* The trigger, at virtual time 0. */
    json_t *parties = json_object_get(script, "parties");
    size_t party_count = 0, init_count = 0;
    const char **party_names = tc_json_strings(parties, &party_count);
    const char *initiator = json_string_value(json_object_get(script, "initiator"));
    json_t *init_list = initiator ? json_object_get(s.actors, initiator) : NULL;
    const char **init_seats = tc_json_strings(init_list, &init_count);
    tc_actor trigger_actor = {
        initiator ? initiator : "simulate", init_seats, init_count, init_list == NULL, NULL, NULL, 0};
    tc_trigger trigger = {json_object_get(script, "inputs"),
                          NULL,
                          json_string_value(json_object_get(script, "severity")),
                          json_string_value(json_object_get(script, "mode")),
                          parties ? party_names : NULL,
                          party_count};
    rc = tc_trigger_prepare(pb, s.inst, &trigger, &trigger_actor, 0, err);
    if (rc == 0) {
        tc_event start = {.kind = TC_EVENT_TRIGGER, .actor = trigger_actor};
        apply(&s, &start, tc_event_kind_name(TC_EVENT_TRIGGER), NULL);
    }
    free(party_names);
    free(init_seats);
    if (rc != 0) {
        sim_free(&s);
        return rc == TC_EPERM ? tc_error_set(err, TC_EINVAL, "script: the initiator may not trigger") : rc;
    }

    for (int steps = 0; !s.failed; steps++) {
        int have_event = s.next_event < s.event_count;
        int have_timer = s.timer_count > 0 && s.inst->status == TC_STATUS_ACTIVE;
        if (!have_event && !have_timer)
            break;
        size_t t = have_timer ? earliest_timer(&s) : 0;
        int event_first = have_event && (!have_timer || s.events[s.next_event].at <= s.timers[t].due);
        tc_ms when = event_first ? s.events[s.next_event].at : s.timers[t].due;
        if (when > until)
            break;
        if (steps ==
            MAX_ITERATIONS) { /* one more to take before its end: a timeline cut short is no answer */
            tc_error why = {0};
            tc_error_set(&why, TC_EFAILED,
                         "%d events and timers by +%lld s, before its end: a timer repeats too often for so "
                         "long (shorten \"until\")",
                         MAX_ITERATIONS, (long long)(s.now / 1000));
            sim_fail(&s, TC_EFAILED, &why);
            break;
        }
        if (when > s.now)
            s.now = when;
        if (event_first) {
            run_event(&s, &s.events[s.next_event++]);
        } else {
            char *key = s.timers[t].key;
            s.timers[t] = s.timers[--s.timer_count];
            tc_event fire = {.kind = TC_EVENT_TIMER, .timer = key};
            apply(&s, &fire, tc_event_kind_name(TC_EVENT_TIMER), NULL);
            free(key);
        }
    }
    if (s.failed) {
        int rc_failed = tc_error_set(err, TC_EFAILED, "the simulation failed: %s", s.why.text);
        sim_free(&s);
        return rc_failed;
    }

    json_t *active = json_array();
    for (size_t i = 0; i < s.inst->active_count; i++)
        if (pb->states[s.inst->active[i].state].type != TC_STATE_PARALLEL)
            json_array_append_new(active, json_string(pb->states[s.inst->active[i].state].path));
    *out =
        json_pack("{s:s, s:s?, s:s, s:i, s:o, s:O, s:O}", "status", tc_status_name(s.inst->status), "outcome",
                  s.inst->outcome, "severity", tc_severity_name(s.inst->severity), "escalation_level",
                  s.inst->escalation_level, "active", active, "data", s.inst->data, "timeline", s.timeline);
    sim_free(&s);
    return *out ? 0 : tc_error_set(err, TC_ENOMEM, "out of memory");
}
