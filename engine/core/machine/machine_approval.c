/* Approvals in the state machine: seats, votes, closing when certain, deadlines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/machine/machine_internal.h"

static int crisis_has(const tc_instance *inst, int party)
{
    for (size_t i = 0; i < inst->party_count; i++)
        if (inst->parties[i] == party)
            return 1;
    return 0;
}

void tc__make_seats(run *r, tc_activation *a, const tc_party_list *parties)
{
    size_t n = parties->count ? parties->count : 1;
    a->seats = tc_xcalloc(n, sizeof *a->seats);
    if (parties->count == 0) {
        a->seats[0].party = -1;
        a->seat_count = 1;
        return;
    }
    for (size_t i = 0; i < parties->count; i++)
        if (crisis_has(r->inst, parties->index[i]))
            a->seats[a->seat_count++].party = parties->index[i];
}

json_t *tc__seat_list(run *r, const tc_state *s, const tc_activation *a)
{
    json_t *seats = json_array();
    for (size_t i = 0; i < a->seat_count; i++) {
        char name[160];
        tc__seat_name(r->pb, s, a->seats[i].party, name, sizeof name);
        json_array_append_new(seats, json_string(name));
    }
    return seats;
}

void tc__approval_tally(const tc_playbook *pb, const tc_instance *inst, const tc_state *s,
                        const tc_activation *a, tc_tally *t)
{
    (void)pb;
    (void)inst;
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < a->seat_count; i++) {
        switch (a->seats[i].vote) {
        case TC_VOTE_APPROVE:
            t->approve++;
            break;
        case TC_VOTE_REJECT:
            t->reject++;
            break;
        case TC_VOTE_ABSTAIN:
            t->abstain++;
            break;
        case TC_VOTE_NONE:
            t->pending++;
            break;
        }
        for (size_t v = 0; v < s->approval.veto.count; v++) {
            if (s->approval.veto.index[v] != a->seats[i].party)
                continue;
            if (a->seats[i].vote == TC_VOTE_REJECT) {
                t->veto_cast = 1;
                t->veto_party = a->seats[i].party;
            } else if (a->seats[i].vote == TC_VOTE_NONE)
                t->veto_pending++;
        }
    }
}

static json_t *tally_json(const tc_tally *t)
{
    return json_pack("{s:i, s:i, s:i, s:i}", "approve", t->approve, "reject", t->reject, "abstain",
                     t->abstain, "pending", t->pending);
}

/* Why an approval closed: its rule (with the approvals a count rule needed) and the tally. */
static json_t *closing_detail(const tc_state *s, const tc_tally *t, size_t seats)
{
    const tc_rule *rule = &s->approval.rule;
    json_t *detail = json_pack("{s:s, s:o}", "rule", tc_rule_kind_name(rule->kind), "tally", tally_json(t));
    if (rule->kind == TC_RULE_MAJORITY || rule->kind == TC_RULE_QUORUM)
        json_object_set_new(detail, "needed", json_integer(tc_approval_threshold(rule, (int)seats)));
    if (rule->kind == TC_RULE_MAJORITY && rule->denominator > 0) {
        char fraction[32];
        snprintf(fraction, sizeof fraction, "%d/%d", rule->numerator, rule->denominator);
        json_object_set_new(detail, "fraction", json_string(fraction));
    }
    return detail;
}

/* The counts of a closed visit, for conditions on approval.<path>.*: an open one is counted from its seats.
 */
static void record_tally(run *r, const tc_state *s, const tc_tally *t)
{
    json_object_set_new(r->inst->tallies, s->path, tally_json(t));
}

void tc__approval_enter(run *r, tc_activation *a, const tc_state *s)
{
    tc__make_seats(r, a, &s->approval.parties);
    tc__notify(r, s, "vote requested", 0, tc__seat_list(r, s, a));
}

/*
 * Whether the actor is the person who triggered the crisis: the same acting
 * role, or the same login acting as another role (four eyes are two people,
 * not two roles of one person).
 */
int tc__is_initiator_person(const tc_instance *inst, const tc_actor *actor)
{
    if (actor->role == NULL)
        return 0;
    if (inst->initiator != NULL && strcmp(actor->role, inst->initiator) == 0)
        return 1;
    return actor->login != NULL && inst->initiator_login != NULL &&
           strcmp(actor->login, inst->initiator_login) == 0;
}

int tc__approval_vote(run *r, const tc_state *s, tc_activation *a, tc_seat *seat)
{
    const tc_event *ev = r->ev;
    if (ev->vote != TC_VOTE_APPROVE && ev->vote != TC_VOTE_REJECT && ev->vote != TC_VOTE_ABSTAIN)
        return tc_error_set(r->err, TC_EINVAL, "a vote is approve, reject or abstain");
    if (s->approval.exclude_initiator && tc__is_initiator_person(r->inst, &ev->actor)) {
        if (ev->actor.login != NULL && strcmp(ev->actor.role, ev->actor.login) != 0)
            return tc_error_set(r->err, TC_EPERM,
                                "%s (logged in as %s) triggered this crisis and may not vote on %s",
                                ev->actor.role, ev->actor.login, s->path);
        return tc_error_set(r->err, TC_EPERM, "%s triggered this crisis and may not vote on %s",
                            ev->actor.role, s->path);
    }

    /* Accepted: from here on the vote is recorded. */
    char name[160];
    tc__seat_name(r->pb, s, seat->party, name, sizeof name);
    json_t *detail =
        json_pack("{s:s, s:s?, s:s?, s:s}", "vote", tc_vote_name(ev->vote), "party",
                  seat->party >= 0 ? r->pb->parties[seat->party] : NULL, "reason", ev->reason, "seat", name);
    if (seat->vote != TC_VOTE_NONE)
        json_object_set_new(detail, "changed_from", json_string(tc_vote_name(seat->vote)));
    tc__note_holder(r, detail, name);
    free(seat->vote_by);
    free(seat->reason);
    seat->vote = ev->vote;
    seat->vote_by = ev->actor.role ? tc_xstrdup(ev->actor.role) : NULL;
    seat->vote_at = r->now;
    seat->reason = ev->reason ? tc_xstrdup(ev->reason) : NULL;
    tc__audit(r, TC_AUDIT_VOTE, s, detail);

    tc_tally t;
    tc__approval_tally(r->pb, r->inst, s, a, &t);
    tc_decision d = tc_approval_decide(&s->approval.rule, &t);
    if (d != TC_DECISION_OPEN) {
        record_tally(r, s, &t);
        json_t *why = closing_detail(s, &t, a->seat_count);
        if (t.veto_cast) {
            /* A veto closes the approval at once, so it is this vote; but a state read back from the database
             * may hold one cast before: the tally names the party whose reject it is. */
            json_object_set_new(why, "veto", json_true());
            json_object_set_new(why, "vetoed_by", json_string(r->pb->parties[t.veto_party]));
        }
        tc__leave(r, s, d == TC_DECISION_APPROVED ? "approved" : "rejected", why);
    }
    return 0;
}

void tc__approval_deadline(run *r, const tc_state *s, tc_activation *a)
{
    tc_tally t;
    tc__approval_tally(r->pb, r->inst, s, a, &t);
    const char *outcome = tc_approval_holds_at_deadline(&s->approval.rule, &t) ? "approved" : "timeout";
    record_tally(r, s, &t);
    tc__audit(r, TC_AUDIT_TIMEOUT, s,
              json_pack("{s:i, s:s, s:o}", "visit", a->visit, "outcome", outcome, "tally", tally_json(&t)));
    tc__leave(r, s, outcome, closing_detail(s, &t, a->seat_count));
}
