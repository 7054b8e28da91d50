/*
 * The state machine's spine: applying an event, entering and leaving states,
 * closing and cancelling the crisis, and the effects every part emits.
 *
 * Commands are checked completely before anything changes (which state,
 * which seat, may this actor), so a refusal leaves the instance as it was.
 * Once a command is accepted, its consequences run to rest in the same call:
 * a vote that closes an approval leaves it, enters the next state, evaluates
 * a choice, starts an action, and so on until every active state waits for
 * something (a command, a timer or an action's result).
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/machine/machine_internal.h"

/* ---- effects ---- */

void tc__audit(run *r, tc_audit_kind kind, const tc_state *state, json_t *detail)
{
    tc_effect *e = tc_effects_add(r->fx, TC_EFFECT_AUDIT, tc_audit_kind_name(kind),
                                  state ? state->path : NULL, detail ? detail : json_object());
    e->audit = kind;
    e->at = r->now;
    if (r->actor != NULL)
        e->actor = tc_xstrdup(r->actor);
}

static char *timer_key(const tc_state *state, int visit, const char *purpose)
{
    size_t size = strlen(state->path) + strlen(purpose) + 24;
    char *key = tc_xmalloc(size);
    snprintf(key, size, "%s#%d:%s", state->path, visit, purpose);
    return key;
}

void tc__timer_set(run *r, const tc_state *state, int visit, const char *purpose, tc_ms due)
{
    /* purpose may live on the caller's stack: the key carries it, the name is static. */
    tc_effect *e = tc_effects_add(r->fx, TC_EFFECT_TIMER_SET, "timer", state->path, NULL);
    e->key = timer_key(state, visit, purpose);
    e->due = due;
    e->at = r->now;
}

void tc__timer_clear(run *r, const tc_state *state, int visit, const char *purpose)
{
    tc_effect *e = tc_effects_add(r->fx, TC_EFFECT_TIMER_CLEAR, "timer", state->path, NULL);
    e->key = timer_key(state, visit, purpose);
    e->at = r->now;
}

char *tc__action_key(run *r, const tc_state *state, int visit)
{
    size_t size = strlen(state->path) + 48;
    char *key = tc_xmalloc(size);
    snprintf(key, size, "%lld/%s/%d", (long long)r->inst->id, state->path, visit);
    return key;
}

void tc__seat_name(const tc_playbook *pb, const tc_state *state, int party, char *buf, size_t size)
{
    /* On every command's path: plain copies rather than snprintf. */
    int role = state->type == TC_STATE_TASK ? state->task.role : state->approval.role;
    const char *id = pb->roles[role].id, *name = party >= 0 ? pb->parties[party] : NULL;
    size_t n = strlen(id), m = name ? strlen(name) : 0;
    if (n + m + 2 > size) {
        snprintf(buf, size, "%s", id);
        return;
    }
    memcpy(buf, id, n);
    if (name != NULL) {
        buf[n++] = '/';
        memcpy(buf + n, name, m);
        n += m;
    }
    buf[n] = '\0';
}

int tc__actor_holds(const tc_actor *actor, const char *seat)
{
    return tc_actor_holds(actor, seat);
}

void tc__note_holder(const run *r, json_t *detail, const char *seat)
{
    const char *holder = tc_actor_holder(&r->ev->actor, seat);
    if (holder != NULL)
        json_object_set_new(detail, "holder", json_string(holder));
}

static int crisis_has_party(const tc_instance *inst, int party)
{
    for (size_t i = 0; i < inst->party_count; i++)
        if (inst->parties[i] == party)
            return 1;
    return 0;
}

/*
 * Whether a seat has acted: voted, completed, or acknowledged (a completed
 * seat has acted, whether or not it acknowledged first).
 */
static int seat_acted(const tc_state *state, const tc_seat *seat)
{
    if (state->type == TC_STATE_APPROVAL)
        return seat->vote != TC_VOTE_NONE;
    return seat->done || seat->acked_by != NULL;
}

json_t *tc__notify_seats(const tc_playbook *pb, const tc_instance *inst, const tc_state *state,
                         const tc_activation *a, const tc_role_list *roles)
{
    json_t *seats = json_array();
    const tc_party_list *own = state->type == TC_STATE_TASK       ? &state->task.parties
                               : state->type == TC_STATE_APPROVAL ? &state->approval.parties
                                                                  : NULL;
    int own_role = state->type == TC_STATE_TASK       ? state->task.role
                   : state->type == TC_STATE_APPROVAL ? state->approval.role
                                                      : -1;
    for (size_t i = 0; i < roles->count; i++) {
        const tc_role *role = &pb->roles[roles->index[i]];
        /* The role that holds the state's seats is told only for those that have not acted. A trigger that
         * leaves a task or approval no seat is refused, but a state read back from the database may have
         * none: then the whole role is told, as for any other. */
        if (roles->index[i] == own_role && a->seat_count > 0) {
            for (size_t k = 0; k < a->seat_count; k++) {
                if (seat_acted(state, &a->seats[k]))
                    continue;
                char seat[160];
                tc__seat_name(pb, state, a->seats[k].party, seat, sizeof seat);
                json_array_append_new(seats, json_string(seat));
            }
            continue;
        }
        if (!role->per_party) {
            json_array_append_new(seats, json_string(role->id));
            continue;
        }
        for (size_t p = 0; p < pb->party_count; p++) {
            int concerned = 0;
            if (own != NULL && own->count > 0) {
                for (size_t j = 0; j < own->count; j++)
                    concerned |= own->index[j] == (int)p;
                concerned &= crisis_has_party(inst, (int)p);
            } else {
                concerned = crisis_has_party(inst, (int)p);
            }
            if (concerned) {
                char seat[160];
                snprintf(seat, sizeof seat, "%s/%s", role->id, pb->parties[p]);
                json_array_append_new(seats, json_string(seat));
            }
        }
    }
    return seats;
}

void tc__notify(run *r, const tc_state *state, const char *why, int level, json_t *seats)
{
    if (json_array_size(seats) == 0) {
        json_decref(seats);
        return;
    }
    json_t *detail = json_pack("{s:s, s:o, s:s, s:s}", "why", why, "seats", json_incref(seats), "severity",
                               tc_severity_name(r->inst->severity), "mode", tc_mode_name(r->inst->mode));
    if (level > 0)
        json_object_set_new(detail, "level", json_integer(level));
    tc__audit(r, TC_AUDIT_NOTIFIED, state, json_deep_copy(detail));
    tc_effects_add(r->fx, TC_EFFECT_NOTIFY, why, state->path, detail)->at = r->now;
    json_decref(seats);
}

/* ---- activations ---- */

static tc_activation *activate(run *r, const tc_state *s, int visit)
{
    tc_instance *inst = r->inst;
    if (inst->active_count == inst->active_capacity) {
        size_t capacity = inst->active_capacity ? 2 * inst->active_capacity : 4;
        inst->active = tc_xrealloc(inst->active, capacity * sizeof *inst->active);
        inst->active_capacity = capacity;
    }
    tc_activation *a = &inst->active[inst->active_count++];
    memset(a, 0, sizeof *a);
    a->state = s->index;
    a->visit = visit;
    a->entered_at = r->now;
    return a;
}

/* Activates a state that waits (for a command, a timer, an action or its branches), with its deadline and
 * the first level of its ladder. */
static tc_activation *activate_waiting(run *r, const tc_state *s, int visit)
{
    tc_activation *a = activate(r, s, visit);
    if (s->deadline > 0)
        tc__timer_set(r, s, visit, "deadline", r->now + s->deadline);
    if (s->escalation != NULL)
        tc__escalation_schedule(r, s, a);
    return a;
}

static void deactivate(run *r, tc_activation *a)
{
    tc_instance *inst = r->inst;
    size_t i = (size_t)(a - inst->active);
    tc_activation_clear(a);
    memmove(&inst->active[i], &inst->active[i + 1], (inst->active_count - i - 1) * sizeof *a);
    inst->active_count--;
}

/* Clears every timer a visit of s may have set. */
static void clear_timers(run *r, const tc_state *s, const tc_activation *a)
{
    if (s->deadline > 0)
        tc__timer_clear(r, s, a->visit, "deadline");
    if (s->escalation != NULL && a->level < tc__escalation_levels(s)) {
        char purpose[32];
        snprintf(purpose, sizeof purpose, "level%d", a->level + 1);
        tc__timer_clear(r, s, a->visit, purpose);
    }
    if (s->type == TC_STATE_WAIT)
        tc__timer_clear(r, s, a->visit, "wait");
    if (s->type == TC_STATE_ACTION)
        tc__timer_clear(r, s, a->visit, a->running ? "timeout" : "retry");
}

/* Whether state lies (at any depth) inside the branches of parallel. */
static int inside(const tc_state *state, const tc_state *parallel)
{
    for (const tc_machine *m = state->machine; m->parent != NULL; m = m->parent->machine)
        if (m->parent == parallel)
            return 1;
    return 0;
}

void tc__interrupt(run *r, tc_activation *a, const char *why)
{
    const tc_state *s = &r->pb->states[a->state];
    if (s->type == TC_STATE_PARALLEL) {
        /* Innermost first, so nothing is left pointing at a removed parent. */
        for (size_t i = r->inst->active_count; i-- > 0;) {
            tc_activation *child = &r->inst->active[i];
            if (inside(&r->pb->states[child->state], s)) {
                tc__interrupt(r, child, why);
                a = tc_instance_activation(r->inst, s->index);
                i = r->inst->active_count;
            }
        }
    }
    if (s->type == TC_STATE_ACTION && a->running) {
        tc_effect *e = tc_effects_add(r->fx, TC_EFFECT_ACTION_KILL, why, s->path, NULL);
        e->key = tc__action_key(r, s, a->visit);
        e->at = r->now;
    }
    clear_timers(r, s, a);
    if (why != NULL)
        tc__audit(r, TC_AUDIT_LEFT, s, json_pack("{s:s, s:i}", "outcome", why, "visit", a->visit));
    deactivate(r, a);
}

/* ---- closing ---- */

void tc__close_crisis(run *r, tc_status status, const char *outcome, json_t *detail)
{
    tc_instance *inst = r->inst;
    while (inst->active_count > 0)
        tc__interrupt(r, &inst->active[inst->active_count - 1], NULL);
    inst->status = status;
    free(inst->outcome);
    inst->outcome = tc_xstrdup(outcome);
    inst->closed_at = r->now;
    tc__audit(r, status == TC_STATUS_CANCELLED ? TC_AUDIT_CANCELLED : TC_AUDIT_CLOSED, NULL, detail);
    tc_effects_add(r->fx, TC_EFFECT_CLOSED, status == TC_STATUS_CANCELLED ? "cancelled" : "closed", NULL,
                   json_pack("{s:s}", "outcome", outcome))
        ->at = r->now;
}

/* A branch reached an end: record it, and leave the parallel when every branch has. */
static void branch_ended(run *r, const tc_state *end)
{
    const tc_state *parallel = end->machine->parent;
    tc_activation *p = tc_instance_activation(r->inst, parallel->index);
    if (p == NULL)
        return;
    for (size_t b = 0; b < parallel->parallel.count; b++)
        if (parallel->parallel.branches[b] == end->machine && p->branch_outcomes[b] == NULL)
            p->branch_outcomes[b] = tc_xstrdup(end->end.outcome);
    int failed = 0;
    for (size_t b = 0; b < p->branch_count; b++) {
        if (p->branch_outcomes[b] == NULL)
            return;
        failed |= strcmp(p->branch_outcomes[b], "failed") == 0;
    }
    tc__leave(r, parallel, failed ? "failed" : "done", NULL);
}

/* ---- entering and leaving ---- */

void tc__enter(run *r, const tc_state *s)
{
    if (r->failed)
        return;
    if (++r->steps > TC_MAX_STEPS) {
        r->failed = tc_error_set(r->err, TC_EFAILED, "state %s: more than %d transitions in one event",
                                 s->path, TC_MAX_STEPS);
        return;
    }
    int visit = ++r->inst->visits[s->index];
    tc__audit(r, TC_AUDIT_ENTERED, s,
              json_pack("{s:i, s:s}", "visit", visit, "type", tc_state_type_name(s->type)));

    tc_activation *a;
    switch (s->type) {
    case TC_STATE_CHOICE:
        tc__choice_enter(r, s);
        return;
    case TC_STATE_END:
        if (s->machine->parent == NULL)
            tc__close_crisis(r, TC_STATUS_CLOSED, s->end.outcome,
                             json_pack("{s:s}", "outcome", s->end.outcome));
        else
            branch_ended(r, s);
        return;
    case TC_STATE_TASK:
        tc__task_enter(r, activate_waiting(r, s, visit), s);
        return;
    case TC_STATE_APPROVAL:
        tc__approval_enter(r, activate_waiting(r, s, visit), s);
        return;
    case TC_STATE_WAIT:
        activate_waiting(r, s, visit);
        tc__timer_set(r, s, visit, "wait", r->now + s->wait.duration);
        return;
    case TC_STATE_ACTION:
        a = activate_waiting(r, s, visit);
        json_object_del(r->inst->data, s->path);
        a->attempt = 1;
        tc__action_start(r, s, a);
        return;
    case TC_STATE_PARALLEL:
        a = activate_waiting(r, s, visit);
        a->branch_count = s->parallel.count;
        a->branch_outcomes = tc_xcalloc(s->parallel.count, sizeof *a->branch_outcomes);
        /*
         * a may move as branches activate their states: enter by index only. No branch can leave the
         * parallel, nor close the crisis, before the last is entered: a branch ends at its own end
         * states, and the parallel is left once every branch has ended.
         */
        for (size_t b = 0; b < s->parallel.count && !r->failed; b++)
            tc__enter(r, &r->pb->states[s->parallel.branches[b]->start]);
        return;
    }
}

void tc__leave(run *r, const tc_state *s, const char *outcome, json_t *detail)
{
    tc_activation *a = tc_instance_activation(r->inst, s->index);
    if (a == NULL || r->failed) {
        json_decref(detail);
        return;
    }
    if (detail == NULL)
        detail = json_object();
    json_object_set_new(detail, "outcome", json_string(outcome));
    json_object_set_new(detail, "visit", json_integer(a->visit));
    clear_timers(r, s, a);
    tc__audit(r, TC_AUDIT_LEFT, s, detail);
    deactivate(r, a);

    const tc_state *next = tc_state_next(r->pb, s, outcome);
    if (next == NULL) {
        r->failed =
            tc_error_set(r->err, TC_EFAILED, "state %s has no next state for outcome %s", s->path, outcome);
        return;
    }
    tc__enter(r, next);
}
