/*
 * Approval rules: given the votes cast so far, is the decision certain yet,
 * and which way? Pure arithmetic on counts, shared by the state machine and by
 * whoever shows a tally ("consensus: 4 approve, 1 abstain, 1 pending").
 *
 * An approval closes the moment its outcome is certain: when every way the
 * seats still pending could vote (cast votes standing) gives the same outcome.
 * For each rule that has a closed form, so no enumeration is needed:
 *
 *   rule        approved when (certain)                rejected when (certain)
 *   any         A >= 1                                 P = 0 and A = 0
 *   unanimous   A = N                                  R + B >= 1
 *   consensus   P = 0, R = 0, A >= 1                   R >= 1, or B = N
 *   majority    A > N/2 (or A >= p/q of N)             A + P below that
 *   quorum k    A >= k                                 A + P < k
 *   silence     never early (the deadline approves)    R >= 1
 *
 * with A approvals, R rejections, B abstentions, P pending, N seats. A veto
 * party's reject rejects at once; while a veto party has not voted, approval
 * cannot be certain before the deadline.
 */
#ifndef TC_CORE_APPROVAL_H
#define TC_CORE_APPROVAL_H

#include "core/playbook/playbook.h"

typedef struct tc_tally {
    int approve, reject, abstain, pending;
    int veto_cast;    /* a veto party rejected */
    int veto_pending; /* veto parties that have not voted yet */
    int veto_party;   /* the one that rejected (index into the playbook's parties), when veto_cast */
} tc_tally;

typedef enum tc_decision {
    TC_DECISION_OPEN, /* not certain yet */
    TC_DECISION_APPROVED,
    TC_DECISION_REJECTED,
} tc_decision;

/* The decision of rule on tally, before the deadline. */
tc_decision tc_approval_decide(const tc_rule *rule, const tc_tally *tally);

/* The decision at the deadline of an approval still open: approved or not (timeout). */
int tc_approval_holds_at_deadline(const tc_rule *rule, const tc_tally *tally);

/* The number of approvals the rule needs (for display); 0 when it is not a count. */
int tc_approval_threshold(const tc_rule *rule, int seats);

#endif
