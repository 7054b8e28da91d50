/*
 * Approval rules as truth tables: for each rule, counts of approve (A),
 * reject (R), abstain (B) and pending (P) seats, with veto state, and the
 * decision before the deadline and at it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/machine/approval.h"

enum { OPEN = TC_DECISION_OPEN, YES = TC_DECISION_APPROVED, NO = TC_DECISION_REJECTED };

typedef struct row {
    int a, r, b, p;
    int veto_cast, veto_pending;
    int decision;    /* before the deadline */
    int at_deadline; /* 1 approved, 0 timeout (only for rows still open) */
} row;

static void check(const tc_rule *rule, const row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const row *x = &rows[i];
        tc_tally t = {x->a, x->r, x->b, x->p, x->veto_cast, x->veto_pending, 0};
        int d = tc_approval_decide(rule, &t);
        if (d != x->decision)
            fail_msg("%s row %zu (A%d R%d B%d P%d veto %d/%d): decision %d, expected %d",
                     tc_rule_kind_name(rule->kind), i, x->a, x->r, x->b, x->p, x->veto_cast, x->veto_pending,
                     d, x->decision);
        if (d == OPEN && tc_approval_holds_at_deadline(rule, &t) != x->at_deadline)
            fail_msg("%s row %zu: at the deadline %d, expected %d", tc_rule_kind_name(rule->kind), i,
                     !x->at_deadline, x->at_deadline);
    }
}

static void test_approval_any(void **state)
{
    (void)state;
    tc_rule rule = {TC_RULE_ANY, 0, 0, 0};
    static const row rows[] = {
        {0, 0, 0, 6, 0, 0, OPEN, 0}, {1, 0, 0, 5, 0, 0, YES, 1}, {0, 5, 0, 1, 0, 0, OPEN, 0},
        {0, 5, 1, 0, 0, 0, NO, 0},   {0, 0, 6, 0, 0, 0, NO, 0},  {1, 5, 0, 0, 0, 0, YES, 1},
        {1, 0, 0, 5, 0, 1, OPEN, 1}, /* a veto party has not voted: not before the deadline */
        {1, 1, 0, 4, 1, 0, NO, 0},   /* a veto was cast */
    };
    check(&rule, rows, sizeof rows / sizeof rows[0]);
}

static void test_approval_unanimous(void **state)
{
    (void)state;
    tc_rule rule = {TC_RULE_UNANIMOUS, 0, 0, 0};
    static const row rows[] = {
        {5, 0, 0, 1, 0, 0, OPEN, 0}, {6, 0, 0, 0, 0, 0, YES, 1},
        {5, 0, 1, 0, 0, 0, NO, 0}, /* strict: abstain rejects */
        {0, 1, 0, 5, 0, 0, NO, 0},   {0, 0, 0, 6, 0, 0, OPEN, 0},
    };
    check(&rule, rows, sizeof rows / sizeof rows[0]);
}

static void test_approval_consensus(void **state)
{
    (void)state;
    tc_rule rule = {TC_RULE_CONSENSUS, 0, 0, 0};
    static const row rows[] = {
        {4, 0, 1, 1, 0, 0, OPEN, 0}, /* a silent seat: not yet, and a timeout at the deadline */
        {5, 0, 1, 0, 0, 0, YES, 1},  /* constructive abstention */
        {1, 0, 5, 0, 0, 0, YES, 1},  /* one approval is enough when the rest abstain */
        {0, 0, 6, 0, 0, 0, NO, 0},   /* all abstained */
        {5, 1, 0, 0, 0, 0, NO, 0},   /* any reject */
        {0, 1, 0, 5, 0, 0, NO, 0},   /* closes at once, the pending seats cannot save it */
        {0, 0, 5, 1, 0, 0, OPEN, 0}, /* the last seat may still approve */
        {5, 0, 0, 1, 0, 1, OPEN, 0}, /* the veto party is the silent one */
    };
    check(&rule, rows, sizeof rows / sizeof rows[0]);
}

static void test_approval_majority(void **state)
{
    (void)state;
    tc_rule half = {TC_RULE_MAJORITY, 0, 0, 0};
    static const row rows[] = {
        {3, 0, 0, 3, 0, 0, OPEN, 0}, /* 3 of 6 is not more than half */
        {4, 0, 0, 2, 0, 0, YES, 1},  {3, 3, 0, 0, 0, 0, NO, 0},
        {2, 2, 0, 2, 0, 0, OPEN, 0}, {2, 2, 1, 1, 0, 0, NO, 0}, /* 2 + 1 pending cannot reach 4 */
        {3, 0, 3, 0, 0, 0, NO, 0},                              /* abstaining is not approving */
        {4, 0, 0, 2, 0, 1, OPEN, 1}, /* the veto party has not voted: approved only at the deadline */
        {4, 1, 0, 1, 1, 0, NO, 0},   /* vetoed */
    };
    check(&half, rows, sizeof rows / sizeof rows[0]);

    tc_rule two_thirds = {TC_RULE_MAJORITY, 0, 2, 3};
    static const row thirds[] = {
        {3, 0, 0, 3, 0, 0, OPEN, 0}, {4, 0, 0, 2, 0, 0, YES, 1}, /* 4 >= 2/3 of 6 */
        {3, 2, 0, 1, 0, 0, OPEN, 0}, {3, 3, 0, 0, 0, 0, NO, 0},
        {2, 2, 0, 2, 0, 0, OPEN, 0}, {2, 3, 0, 1, 0, 0, NO, 0}, /* 2 + 1 pending < 4 */
    };
    check(&two_thirds, thirds, sizeof thirds / sizeof thirds[0]);
    assert_int_equal(tc_approval_threshold(&two_thirds, 6), 4);
    assert_int_equal(tc_approval_threshold(&two_thirds, 5), 4);
    assert_int_equal(tc_approval_threshold(&half, 6), 4);
    assert_int_equal(tc_approval_threshold(&half, 5), 3);
}

static void test_approval_quorum(void **state)
{
    (void)state;
    tc_rule rule = {TC_RULE_QUORUM, 3, 0, 0};
    static const row rows[] = {
        {2, 0, 0, 4, 0, 0, OPEN, 0}, {3, 0, 0, 3, 0, 0, YES, 1}, {2, 3, 0, 1, 0, 0, OPEN, 0},
        {2, 3, 1, 0, 0, 0, NO, 0},   {1, 0, 4, 1, 0, 0, NO, 0}, /* 1 + 1 pending < 3 */
        {3, 0, 0, 3, 0, 2, OPEN, 1},
    };
    check(&rule, rows, sizeof rows / sizeof rows[0]);
}

static void test_approval_silence(void **state)
{
    (void)state;
    tc_rule rule = {TC_RULE_SILENCE, 0, 0, 0};
    static const row rows[] = {
        {0, 0, 0, 6, 0, 0, OPEN, 1}, /* silence is consent, at the deadline */
        {6, 0, 0, 0, 0, 0, OPEN, 1}, /* never early: approvals change nothing */
        {0, 0, 6, 0, 0, 0, OPEN, 1},
        {5, 1, 0, 0, 0, 0, NO, 0}, /* one reject breaks silence at once */
    };
    check(&rule, rows, sizeof rows / sizeof rows[0]);
}

/* The approvals each rule needs of N seats (what a closing approval's audit calls "needed"). */
static void test_approval_threshold(void **state)
{
    (void)state;
    static const struct {
        tc_rule rule;
        int seats, needed;
    } cases[] = {
        {{TC_RULE_ANY, 0, 0, 0}, 6, 1},       {{TC_RULE_UNANIMOUS, 0, 0, 0}, 6, 6},
        {{TC_RULE_CONSENSUS, 0, 0, 0}, 5, 5}, {{TC_RULE_MAJORITY, 0, 0, 0}, 4, 3},
        {{TC_RULE_QUORUM, 3, 0, 0}, 6, 3},    {{TC_RULE_SILENCE, 0, 0, 0}, 6, 0},
        {{TC_RULE_MAJORITY, 0, 3, 4}, 6, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (tc_approval_threshold(&cases[i].rule, cases[i].seats) != cases[i].needed)
            fail_msg("%s of %d seats: %d, expected %d", tc_rule_kind_name(cases[i].rule.kind), cases[i].seats,
                     tc_approval_threshold(&cases[i].rule, cases[i].seats), cases[i].needed);
}

/*
 * tc_approval_holds_at_deadline on its own, for counts tc_approval_decide would have closed already: a
 * veto cast never holds, nor a consensus with a rejection or with no approval.
 */
static void test_approval_holds_at_deadline_alone(void **state)
{
    (void)state;
    tc_rule any = {TC_RULE_ANY, 0, 0, 0}, consensus = {TC_RULE_CONSENSUS, 0, 0, 0};
    tc_tally vetoed = {3, 1, 0, 0, 1, 0, 0};
    assert_false(tc_approval_holds_at_deadline(&any, &vetoed));
    vetoed.veto_cast = 0;
    assert_true(tc_approval_holds_at_deadline(&any, &vetoed));
    tc_tally rejected = {3, 1, 0, 0, 0, 0, 0}, abstained = {0, 0, 4, 0, 0, 0, 0},
             agreed = {1, 0, 3, 0, 0, 0, 0};
    assert_false(tc_approval_holds_at_deadline(&consensus, &rejected));
    assert_false(tc_approval_holds_at_deadline(&consensus, &abstained));
    assert_true(tc_approval_holds_at_deadline(&consensus, &agreed));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_approval_any),       cmocka_unit_test(test_approval_unanimous),
        cmocka_unit_test(test_approval_consensus), cmocka_unit_test(test_approval_majority),
        cmocka_unit_test(test_approval_quorum),    cmocka_unit_test(test_approval_silence),
        cmocka_unit_test(test_approval_threshold), cmocka_unit_test(test_approval_holds_at_deadline_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
