/*
 * Actions: attempts, timeouts and retries. The engine runs the program; the
 * machine decides when: it asks for an attempt (ACTION_START), arms a timer
 * for its timeout, and on failure arms a retry timer with a backoff that
 * doubles after each attempt (backoff, 2*backoff, 4*backoff, ...). All
 * attempts of one visit share one action key, crisis/path/visit, so a program
 * can tell a retry from a new request.
 */
#include <stdlib.h>
#include <string.h>

#include "core/machine/machine_internal.h"

void tc__action_start(run *r, const tc_state *s, tc_activation *a)
{
    json_t *argv = json_array();
    for (size_t i = 0; i < s->action.argc; i++)
        json_array_append_new(argv, json_string(s->action.argv[i]));
    a->running = 1;
    tc__audit(r, TC_AUDIT_ACTION_STARTED, s,
              json_pack("{s:i, s:i, s:O}", "attempt", a->attempt, "visit", a->visit, "argv", argv));
    tc_effect *e = tc_effects_add(r->fx, TC_EFFECT_ACTION_START, "start", s->path,
                                  json_pack("{s:o, s:i, s:I, s:i}", "argv", argv, "attempt", a->attempt,
                                            "timeout_ms", (json_int_t)s->action.timeout, "visit", a->visit));
    e->key = tc__action_key(r, s, a->visit);
    e->at = r->now;
    tc__timer_set(r, s, a->visit, "timeout", r->now + s->action.timeout);
}

/* An attempt ended badly: retry after the backoff, or leave failed. */
static void attempt_failed(run *r, const tc_state *s, tc_activation *a, json_t *detail, int final)
{
    a->running = 0;
    json_object_set_new(detail, "visit", json_integer(a->visit));
    tc__timer_clear(r, s, a->visit, "timeout");
    if (!final && a->attempt <= s->action.retry_max) {
        tc_ms backoff = s->action.retry_backoff;
        for (int i = 1; i < a->attempt && backoff < TC_DURATION_MAX / 2; i++)
            backoff *= 2;
        json_object_set_new(detail, "retry_at_ms", json_integer(r->now + backoff));
        tc__audit(r, TC_AUDIT_ACTION_FINISHED, s, detail);
        tc__timer_set(r, s, a->visit, "retry", r->now + backoff);
        return;
    }
    tc__audit(r, TC_AUDIT_ACTION_FINISHED, s, detail);
    tc__leave(r, s, "failed", NULL);
}

int tc__action_result(run *r, const tc_state *s, tc_activation *a)
{
    const tc_event *ev = r->ev;
    if (!a->running || ev->attempt != a->attempt)
        return 0; /* a late result of an attempt already given up */
    int ok = ev->outcome != NULL && strcmp(ev->outcome, "ok") == 0;
    json_t *detail = ev->detail ? json_deep_copy(ev->detail) : json_object();
    json_object_set_new(detail, "attempt", json_integer(a->attempt));
    json_object_set_new(detail, "outcome", json_string(ok ? "ok" : "failed"));
    if (!ok) {
        attempt_failed(r, s, a, detail, ev->final);
        return 0;
    }
    a->running = 0;
    tc__timer_clear(r, s, a->visit, "timeout");
    if (json_is_object(ev->data))
        json_object_set_new(r->inst->data, s->path, json_deep_copy(ev->data));
    json_object_set_new(detail, "visit", json_integer(a->visit));
    tc__audit(r, TC_AUDIT_ACTION_FINISHED, s, detail);
    tc__leave(r, s, "ok", NULL);
    return 0;
}

void tc__action_timer(run *r, const tc_state *s, tc_activation *a, const char *purpose)
{
    if (strcmp(purpose, "timeout") == 0) {
        if (!a->running)
            return;
        tc_effect *e = tc_effects_add(r->fx, TC_EFFECT_ACTION_KILL, "timeout", s->path, NULL);
        e->key = tc__action_key(r, s, a->visit);
        e->at = r->now;
        attempt_failed(
            r, s, a,
            json_pack("{s:i, s:s, s:s}", "attempt", a->attempt, "outcome", "failed", "reason", "timeout"), 0);
        return;
    }
    if (a->running) /* "retry" while an attempt runs: stale */
        return;
    a->attempt++;
    tc__action_start(r, s, a);
}
