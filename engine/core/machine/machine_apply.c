/*
 * tc_machine_apply(): checking a command (which state, which seat, may this
 * actor) and dispatching it. Every check comes before the first change.
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/machine/command.h"
#include "core/machine/machine_internal.h"
#include "core/base/utf8.h"

/* Whether the state can take this kind of command at all. */
static int takes(const tc_state *s, tc_event_kind kind)
{
    switch (kind) {
    case TC_EVENT_VOTE:
        return s->type == TC_STATE_APPROVAL;
    case TC_EVENT_COMPLETE:
    case TC_EVENT_ACK:
        return s->type == TC_STATE_TASK;
    case TC_EVENT_ESCALATE:
        return s->escalation != NULL;
    case TC_EVENT_ACTION_RESULT:
        return s->type == TC_STATE_ACTION;
    case TC_EVENT_TRIGGER:
    case TC_EVENT_CANCEL:
    case TC_EVENT_TIMER:
    case TC_EVENT_AMEND:
    case TC_EVENT_DELEGATE:
    case TC_EVENT_UNDELEGATE:
        return 0;
    }
    return 0;
}

/* Whether the actor holds any seat of the activation (a task's or approval's): its own, or (with
 * delegated) one delegated to it. */
static int holds_any_seat(const tc_playbook *pb, const tc_state *s, const tc_activation *a,
                          const tc_actor *actor, int delegated)
{
    for (size_t i = 0; i < a->seat_count; i++) {
        char seat[160];
        tc__seat_name(pb, s, a->seats[i].party, seat, sizeof seat);
        if (delegated ? tc__actor_holds(actor, seat) : tc_actor_holds_own(actor, seat))
            return 1;
    }
    return 0;
}

static const char *command_name(tc_event_kind kind)
{
    switch (kind) {
    case TC_EVENT_VOTE:
        return "a vote";
    case TC_EVENT_COMPLETE:
        return "a completion";
    case TC_EVENT_ACK:
        return "an acknowledgement";
    case TC_EVENT_ESCALATE:
        return "an escalation";
    default:
        return "this command";
    }
}

/* "consensus (approval), report (task)", or "none": the active leaf states, for refusals that name them. */
static void active_list(const tc_playbook *pb, const tc_instance *inst, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < inst->active_count; i++) {
        const tc_state *s = &pb->states[inst->active[i].state];
        if (s->type == TC_STATE_PARALLEL)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s (%s)", used ? ", " : "", s->path,
                 tc_state_type_name(s->type));
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "none");
}

/* What a state that does not take a command takes instead. */
static const char *takes_instead(const tc_state *s)
{
    switch (s->type) {
    case TC_STATE_APPROVAL:
        return "it takes votes";
    case TC_STATE_TASK:
        return "it takes complete and ack";
    default:
        return "it takes no command: the engine moves it on";
    }
}

/* The seats of an activation still waited for (not voted, not completed), "council/AM, council/RU";
 * holding, when not NULL, only those the actor holds. "" when none. */
static void seat_list(const tc_playbook *pb, const tc_state *s, const tc_activation *a,
                      const tc_actor *holding, int open_only, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < a->seat_count; i++) {
        const tc_seat *seat = &a->seats[i];
        if (open_only && (s->type == TC_STATE_APPROVAL ? seat->vote != TC_VOTE_NONE : seat->done))
            continue;
        char name[160];
        tc__seat_name(pb, s, seat->party, name, sizeof name);
        if (holding != NULL && !tc__actor_holds(holding, name))
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
    }
}

/* Finds the activation the command is for: by path, bare id, or inference. */
static int resolve_state(const tc_playbook *pb, const tc_instance *inst, const tc_event *ev,
                         tc_activation **out, tc_error *err)
{
    if (ev->state != NULL) {
        const tc_state *s = tc_playbook_state(pb, ev->state);
        tc_activation *found = NULL;
        if (s != NULL) {
            found = tc_instance_activation(inst, s->index);
        } else {
            /* A bare id, unique among the active states. */
            int matches = 0;
            for (size_t i = 0; i < inst->active_count; i++)
                if (strcmp(pb->states[inst->active[i].state].id, ev->state) == 0) {
                    found = &inst->active[i];
                    matches++;
                }
            if (matches > 1)
                return tc_error_set(err, TC_EUSAGE, "state %s is ambiguous: give its path", ev->state);
            if (matches == 0) {
                char active[512];
                active_list(pb, inst, active, sizeof active);
                for (size_t i = 0; i < pb->state_count; i++)
                    if (strcmp(pb->states[i].id, ev->state) == 0)
                        return tc_error_set(err, TC_ECONFLICT, "state %s is not active (active: %s)",
                                            ev->state, active);
                return tc_error_set(err, TC_ENOTFOUND, "no state %s in playbook %s (active: %s)", ev->state,
                                    pb->name, active);
            }
            s = &pb->states[found->state];
        }
        if (found == NULL) {
            char active[512];
            active_list(pb, inst, active, sizeof active);
            return tc_error_set(err, TC_ECONFLICT, "state %s is not active (active: %s)", s->path, active);
        }
        if (!takes(s, ev->kind)) {
            if (ev->kind == TC_EVENT_ESCALATE)
                return tc_error_set(err, TC_ECONFLICT,
                                    "state %s (%s) does not take escalation: it has no ladder", s->path,
                                    tc_state_type_name(s->type));
            return tc_error_set(err, TC_ECONFLICT, "state %s (%s) does not take %s (%s)", s->path,
                                tc_state_type_name(s->type), command_name(ev->kind), takes_instead(s));
        }
        *out = found;
        return 0;
    }

    /* Inference: the one active state that could take it. */
    tc_activation *only = NULL, *held = NULL;
    int candidates = 0, holding = 0;
    char names[512] = "";
    for (size_t i = 0; i < inst->active_count; i++) {
        tc_activation *a = &inst->active[i];
        const tc_state *s = &pb->states[a->state];
        if (!takes(s, ev->kind))
            continue;
        candidates++;
        only = a;
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", s->path);
        if (s->type == TC_STATE_TASK || s->type == TC_STATE_APPROVAL) {
            if (holds_any_seat(pb, s, a, &ev->actor, 1)) {
                holding++;
                held = a;
            }
        }
    }
    if (candidates == 0) {
        char active[512];
        active_list(pb, inst, active, sizeof active);
        return tc_error_set(err, TC_ECONFLICT, "no active state takes %s (active: %s)",
                            command_name(ev->kind), active);
    }
    if (candidates == 1) {
        *out = only;
        return 0;
    }
    if (holding == 1) {
        *out = held;
        return 0;
    }
    return tc_error_set(err, TC_EUSAGE, "several active states could take %s (%s): choose one with --state",
                        command_name(ev->kind), names);
}

/* Finds the seat of the activation the actor acts for: by party, or inference. */
static int resolve_seat(const tc_playbook *pb, const tc_state *s, tc_activation *a, const tc_event *ev,
                        tc_seat **out, tc_error *err)
{
    char seat[160];
    if (ev->party != NULL) {
        int party = tc_playbook_party(pb, ev->party);
        if (party < 0)
            return tc_error_set(err, TC_ENOTFOUND, "no party %s in playbook %s", ev->party, pb->name);
        for (size_t i = 0; i < a->seat_count; i++) {
            if (a->seats[i].party != party)
                continue;
            tc__seat_name(pb, s, party, seat, sizeof seat);
            if (!tc__actor_holds(&ev->actor, seat)) {
                char held[512];
                seat_list(pb, s, a, &ev->actor, 0, held, sizeof held);
                return tc_error_set(
                    err, TC_EPERM, "%s does not hold seat %s (%s%s)", ev->actor.role ? ev->actor.role : "?",
                    seat, held[0] ? "its seat here: " : "it holds no seat of ", held[0] ? held : s->path);
            }
            *out = &a->seats[i];
            return 0;
        }
        char seats[512];
        seat_list(pb, s, a, NULL, 0, seats, sizeof seats);
        return tc_error_set(err, TC_EPERM, "state %s has no seat for party %s (its seats: %s)", s->path,
                            ev->party, seats);
    }
    tc_seat *found = NULL;
    int matches = 0;
    for (size_t i = 0; i < a->seat_count; i++) {
        tc__seat_name(pb, s, a->seats[i].party, seat, sizeof seat);
        if (tc__actor_holds(&ev->actor, seat)) {
            found = &a->seats[i];
            matches++;
        }
    }
    if (matches > 1)
        return tc_error_set(err, TC_EUSAGE, "%s holds several seats of state %s: choose one with --party",
                            ev->actor.role ? ev->actor.role : "?", s->path);
    if (matches == 0) {
        char open[512];
        seat_list(pb, s, a, NULL, 1, open, sizeof open);
        return tc_error_set(err, TC_EPERM, "%s holds no seat that state %s waits for (%s%s)",
                            ev->actor.role ? ev->actor.role : "?", s->path,
                            open[0] ? "it waits for " : "every seat has acted", open);
    }
    *out = found;
    return 0;
}

/* Whether the actor holds a seat of one of roles (any party). */
static int holds_role(const tc_playbook *pb, const tc_actor *actor, const tc_role_list *roles)
{
    for (size_t i = 0; i < roles->count; i++) {
        const char *id = pb->roles[roles->index[i]].id;
        size_t n = strlen(id);
        for (size_t j = 0; j < actor->seat_count; j++)
            if (strncmp(actor->seats[j], id, n) == 0 &&
                (actor->seats[j][n] == '\0' || actor->seats[j][n] == '/'))
                return 1;
    }
    return 0;
}

static int is_initiator(const tc_instance *inst, const tc_actor *actor)
{
    return actor->role != NULL && inst->initiator != NULL && strcmp(actor->role, inst->initiator) == 0;
}

static int may_escalate(const tc_playbook *pb, const tc_instance *inst, const tc_actor *actor)
{
    if (actor->admin || actor->role == NULL)
        return 1;
    if (pb->permit_escalate.given)
        return holds_role(pb, actor, &pb->permit_escalate);
    if (is_initiator(inst, actor))
        return 1;
    for (size_t i = 0; i < inst->active_count; i++) {
        const tc_state *s = &pb->states[inst->active[i].state];
        if ((s->type == TC_STATE_TASK || s->type == TC_STATE_APPROVAL) &&
            holds_any_seat(pb, s, &inst->active[i], actor, 0)) /* a delegated seat gives no escalation */
            return 1;
    }
    return 0;
}

/* cancel: the listed roles when the playbook lists any, else the initiator; admins always. */
static int may_cancel(const tc_playbook *pb, const tc_instance *inst, const tc_actor *actor)
{
    if (actor->admin)
        return 1;
    if (pb->permit_cancel.given)
        return holds_role(pb, actor, &pb->permit_cancel);
    return is_initiator(inst, actor);
}

int tc__may_trigger(const tc_playbook *pb, const tc_actor *actor)
{
    if (actor->admin)
        return 1;
    if (pb->permit_trigger.given)
        return holds_role(pb, actor, &pb->permit_trigger);
    tc_role_list all = {0, NULL, 0};
    int *index = tc_xmalloc(pb->role_count * sizeof *index);
    for (size_t i = 0; i < pb->role_count; i++)
        index[i] = (int)i;
    all.index = index;
    all.count = pb->role_count;
    int ok = holds_role(pb, actor, &all);
    free(index);
    return ok;
}

/* A timer key: "path#visit:purpose". Returns the state and fills visit and purpose, or NULL. */
static const tc_state *parse_timer(const tc_playbook *pb, const char *key, int *visit, const char **purpose)
{
    const char *hash = key ? strrchr(key, '#') : NULL;
    const char *colon = hash ? strchr(hash, ':') : NULL;
    if (colon == NULL || hash - key >= 1024)
        return NULL;
    char path[1024];
    memcpy(path, key, (size_t)(hash - key));
    path[hash - key] = '\0';
    *visit = atoi(hash + 1);
    *purpose = colon + 1;
    return tc_playbook_state(pb, path);
}

static int apply_timer(run *r)
{
    int visit;
    const char *purpose;
    const tc_state *s = parse_timer(r->pb, r->ev->timer, &visit, &purpose);
    if (s == NULL)
        return tc_error_set(r->err, TC_EINVAL, "malformed timer key %s",
                            r->ev->timer ? r->ev->timer : "(null)");
    tc_activation *a = tc_instance_activation(r->inst, s->index);
    if (a == NULL || a->visit != visit)
        return 0; /* stale: that visit is over */

    if (strcmp(purpose, "deadline") == 0) {
        if (s->type == TC_STATE_APPROVAL) {
            tc__approval_deadline(r, s, a);
        } else {
            tc__audit(r, TC_AUDIT_TIMEOUT, s,
                      json_pack("{s:i}", "visit", visit)); /* the cause, then its consequences */
            if (s->type == TC_STATE_PARALLEL)
                for (size_t i = r->inst->active_count; i-- > 0;) {
                    const tc_state *child = &r->pb->states[r->inst->active[i].state];
                    if (child->machine->parent == s)
                        tc__interrupt(r, &r->inst->active[i], "interrupted");
                }
            tc__leave(r, s, "timeout", NULL);
        }
    } else if (strncmp(purpose, "level", 5) == 0) {
        int level = atoi(purpose + 5);
        if (level > a->level && !(s->escalation->until == TC_UNTIL_ACK && tc__task_all_acked(a)))
            tc__escalation_reach(r, s, a, 0);
    } else if (strcmp(purpose, "wait") == 0) {
        tc__leave(r, s, "done", NULL);
    } else if (strcmp(purpose, "timeout") == 0 || strcmp(purpose, "retry") == 0) {
        tc__action_timer(r, s, a, purpose);
    } else {
        return tc_error_set(r->err, TC_EINVAL, "unknown timer purpose in %s", r->ev->timer);
    }
    return 0;
}

/* A signature that does not hold is refused wherever it comes; a state that requires one refuses a
 * command without it. */
static int check_signature(run *r, const tc_state *s)
{
    const tc_event *ev = r->ev;
    if (ev->signature < 0)
        return tc_error_set(r->err, TC_EPERM, "the signature on %s by %s does not hold: %s",
                            command_name(ev->kind), ev->actor.role ? ev->actor.role : "?",
                            ev->signature_problem ? ev->signature_problem : "not checked");
    if (s->signatures_required && ev->signature != 1)
        return tc_error_set(r->err, TC_EPERM,
                            "state %s takes only signed commands: sign with a registered key of %s "
                            "(tocsin --sign-with FILE)",
                            s->path, ev->actor.role ? ev->actor.role : "the acting role");
    return 0;
}

/* A command of a seat (vote, complete, ack): its state, its seat, its signature, then the seat acts. */
static int apply_seat_command(run *r, int (*seat_acts)(run *, const tc_state *, tc_activation *, tc_seat *))
{
    tc_activation *a = NULL;
    tc_seat *seat = NULL;
    int rc = resolve_state(r->pb, r->inst, r->ev, &a, r->err);
    if (rc != 0)
        return rc;
    const tc_state *s = &r->pb->states[a->state];
    if ((rc = resolve_seat(r->pb, s, a, r->ev, &seat, r->err)) != 0 || (rc = check_signature(r, s)) != 0)
        return rc;
    return seat_acts(r, s, a, seat);
}

static int apply_action_result(run *r)
{
    tc_activation *a = NULL;
    int rc = resolve_state(r->pb, r->inst, r->ev, &a, r->err);
    return rc != 0 ? rc : tc__action_result(r, &r->pb->states[a->state], a);
}

static int apply_escalate(run *r)
{
    const tc_event *ev = r->ev;
    tc_activation *a = NULL;
    int rc = resolve_state(r->pb, r->inst, ev, &a, r->err);
    if (rc != 0)
        return rc;
    const tc_state *s = &r->pb->states[a->state];
    if (!may_escalate(r->pb, r->inst, &ev->actor)) {
        char who[512] = "";
        const tc_role_list *permit = &r->pb->permit_escalate;
        for (size_t i = 0; permit->given && i < permit->count; i++) {
            size_t used = strlen(who);
            snprintf(who + used, sizeof who - used, "%s%s", used ? ", " : " and holders of a seat of ",
                     r->pb->roles[permit->index[i]].id);
        }
        if (!permit->given)
            snprintf(who, sizeof who, ", its initiator and holders of a seat an active state waits for");
        return tc_error_set(r->err, TC_EPERM,
                            "%s may not escalate crises of playbook %s (only administrators%s may)",
                            ev->actor.role, r->pb->name, who); /* the engine (no role) may */
    }
    if (a->level >= tc__escalation_levels(s))
        return tc_error_set(r->err, TC_ECONFLICT, "state %s has no escalation level left (reached %d of %d)",
                            s->path, a->level, tc__escalation_levels(s));
    tc__escalation_reach(r, s, a, 1);
    return 0;
}

/*
 * The event's text goes into the audit as JSON, which carries UTF-8 only
 * (jansson builds nothing from other bytes, and the detail would be lost):
 * refuse it rather than record a vote without its reason. The CLI refuses such
 * text before it comes this far; this is for every other caller.
 */
static int check_text(const tc_event *ev, tc_error *err)
{
    const struct {
        const char *what, *text;
    } texts[] = {{"the reason", ev->reason},   {"the state", ev->state},      {"the party", ev->party},
                 {"the outcome", ev->outcome}, {"the actor", ev->actor.role}, {"the seat", ev->seat},
                 {"the delegate", ev->to},     {"the end", ev->until}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i].text != NULL && !tc_utf8_valid(texts[i].text, strlen(texts[i].text), NULL))
            return tc_error_set(err, TC_EINVAL, "%s is not valid UTF-8", texts[i].what);
    return 0;
}

int tc_machine_apply(const tc_playbook *pb, tc_instance *inst, const tc_event *ev, tc_ms now, tc_effects *fx,
                     tc_error *err)
{
    run r = {pb, inst, ev, fx, err, now, ev->actor.role, 0, 0};
    int rc = check_text(ev, err);
    if (rc != 0)
        return rc;

    if (inst->status != TC_STATUS_ACTIVE) {
        if (ev->kind == TC_EVENT_TIMER || ev->kind == TC_EVENT_ACTION_RESULT)
            return 0; /* late: the crisis is over */
        return tc_error_set(err, TC_ECONFLICT, "crisis %lld is %s", (long long)inst->id,
                            tc_status_name(inst->status));
    }
    if (!inst->triggered && ev->kind != TC_EVENT_TRIGGER && ev->kind != TC_EVENT_CANCEL)
        return tc_error_set(err, TC_ECONFLICT, "crisis %lld has not started yet", (long long)inst->id);

    switch (ev->kind) {
    case TC_EVENT_TRIGGER: {
        if (inst->triggered)
            return tc_error_set(err, TC_ECONFLICT, "crisis %lld was triggered already", (long long)inst->id);
        inst->triggered = 1;
        json_t *parties = json_array();
        for (size_t i = 0; i < inst->party_count; i++)
            json_array_append_new(parties, json_string(pb->parties[inst->parties[i]]));
        r.actor = inst->initiator;
        tc__audit(&r, TC_AUDIT_TRIGGERED, NULL,
                  json_pack("{s:s, s:s, s:s?, s:s, s:s, s:o, s:O}", "playbook", pb->name, "initiator",
                            inst->initiator ? inst->initiator : "", "title", inst->title, "severity",
                            tc_severity_name(inst->severity), "mode", tc_mode_name(inst->mode), "parties",
                            parties, "inputs", inst->inputs));
        tc__enter(&r, &pb->states[pb->root->start]);
        break;
    }
    case TC_EVENT_CANCEL:
        if (!may_cancel(pb, inst, &ev->actor))
            return tc_error_set(err, TC_EPERM, "%s may not cancel this crisis (%s may)",
                                ev->actor.role ? ev->actor.role : "?",
                                pb->permit_cancel.given ? "holders of the playbook's cancel roles"
                                                        : "its initiator");
        tc__close_crisis(&r, TC_STATUS_CANCELLED, "cancelled", json_pack("{s:s?}", "reason", ev->reason));
        break;
    case TC_EVENT_TIMER:
        rc = apply_timer(&r);
        break;
    case TC_EVENT_AMEND:
        rc = tc__amend(&r);
        break;
    case TC_EVENT_DELEGATE:
        rc = tc__delegate(&r);
        break;
    case TC_EVENT_UNDELEGATE:
        rc = tc__undelegate(&r);
        break;
    case TC_EVENT_VOTE:
        rc = apply_seat_command(&r, tc__approval_vote);
        break;
    case TC_EVENT_COMPLETE:
        rc = apply_seat_command(&r, tc__task_complete);
        break;
    case TC_EVENT_ACK:
        rc = apply_seat_command(&r, tc__task_ack);
        break;
    case TC_EVENT_ESCALATE:
        rc = apply_escalate(&r);
        break;
    case TC_EVENT_ACTION_RESULT:
        rc = apply_action_result(&r);
        break;
    }
    return rc != 0 ? rc : r.failed;
}

size_t tc_machine_problems(const tc_playbook *pb, const tc_instance *inst, const tc_event *ev,
                           tc_diags *problems)
{
    tc_activation *a = NULL;
    if (ev->kind == TC_EVENT_AMEND && inst->status == TC_STATUS_ACTIVE) {
        size_t before = problems->count;
        tc__amend_problems(pb, inst, ev->data, problems);
        return problems->count - before;
    }
    if (ev->kind != TC_EVENT_COMPLETE || inst->status != TC_STATUS_ACTIVE ||
        resolve_state(pb, inst, ev, &a, NULL) != 0)
        return 0;
    size_t before = problems->count;
    tc__task_problems(pb, &pb->states[a->state], ev->outcome ? ev->outcome : "done", ev->data, problems);
    return problems->count - before;
}

int tc_machine_tally(const tc_playbook *pb, const tc_instance *inst, int state, tc_tally *out)
{
    const tc_activation *a = tc_instance_activation(inst, state);
    if (a == NULL || pb->states[state].type != TC_STATE_APPROVAL)
        return -1;
    tc__approval_tally(pb, inst, &pb->states[state], a, out);
    return 0;
}
