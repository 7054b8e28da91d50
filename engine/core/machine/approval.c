/* The closed forms of the approval rules; see approval.h for the table. */
#include "core/machine/approval.h"

int tc_approval_threshold(const tc_rule *rule, int seats)
{
    switch (rule->kind) {
    case TC_RULE_ANY:
        return 1;
    case TC_RULE_UNANIMOUS:
    case TC_RULE_CONSENSUS:
        return seats;
    case TC_RULE_MAJORITY:
        if (rule->denominator > 0) /* A * q >= p * N, the smallest such A */
            return (rule->numerator * seats + rule->denominator - 1) / rule->denominator;
        return seats / 2 + 1; /* more than half */
    case TC_RULE_QUORUM:
        return rule->min;
    case TC_RULE_SILENCE:
        return 0;
    }
    return 0;
}

/* Whether the rule's approved condition holds on these counts (pending seats not counted). */
static int rule_holds(const tc_rule *rule, const tc_tally *t)
{
    int seats = t->approve + t->reject + t->abstain + t->pending;
    switch (rule->kind) {
    case TC_RULE_ANY:
        return t->approve >= 1;
    case TC_RULE_UNANIMOUS:
        return t->approve == seats;
    case TC_RULE_CONSENSUS:
        return t->pending == 0 && t->reject == 0 && t->approve >= 1;
    case TC_RULE_MAJORITY:
    case TC_RULE_QUORUM:
        return t->approve >= tc_approval_threshold(rule, seats);
    case TC_RULE_SILENCE:
        return t->reject == 0;
    }
    return 0;
}

/* Whether the rule can no longer hold, whatever the pending seats do. */
static int rule_lost(const tc_rule *rule, const tc_tally *t)
{
    int seats = t->approve + t->reject + t->abstain + t->pending;
    switch (rule->kind) {
    case TC_RULE_ANY:
        return t->pending == 0 && t->approve == 0;
    case TC_RULE_UNANIMOUS:
        return t->reject + t->abstain >= 1;
    case TC_RULE_CONSENSUS:
        return t->reject >= 1 || t->abstain == seats;
    case TC_RULE_MAJORITY:
    case TC_RULE_QUORUM:
        return t->approve + t->pending < tc_approval_threshold(rule, seats);
    case TC_RULE_SILENCE:
        return t->reject >= 1;
    }
    return 0;
}

tc_decision tc_approval_decide(const tc_rule *rule, const tc_tally *t)
{
    if (t->veto_cast || rule_lost(rule, t))
        return TC_DECISION_REJECTED;
    if (rule->kind == TC_RULE_SILENCE || t->veto_pending > 0)
        return TC_DECISION_OPEN;
    return rule_holds(rule, t) ? TC_DECISION_APPROVED : TC_DECISION_OPEN;
}

int tc_approval_holds_at_deadline(const tc_rule *rule, const tc_tally *t)
{
    return !t->veto_cast && rule_holds(rule, t);
}
