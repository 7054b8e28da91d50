/*
 * Crises set aside (core/set_aside.h): the verdict on a failed batch (back
 * off, set its culprit aside, or take it apart), how long a crisis is passed
 * over after each failure, when it comes back, and the batches of one
 * crisis that take a failed batch apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/base/error.h"
#include "core/batch/set_aside.h"

#define T0 ((tc_ms)1700000000000) /* an epoch time, in milliseconds */

static void test_set_aside_unavailable_database_backs_off(void **state)
{
    (void)state;
    tc_aside a = {0};
    /* Even when it names a crisis, or held many: the crises are not at fault. */
    assert_int_equal(tc_aside_failed(&a, TC_EUNAVAIL, 0, 1, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(tc_aside_failed(&a, TC_EUNAVAIL, 12, 1, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(tc_aside_failed(&a, TC_EUNAVAIL, 0, 50, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(a.count, 0);
    assert_false(tc_aside_holds(&a, 12, T0));
    assert_false(tc_aside_one_by_one(&a));
    tc_aside_free(&a);
}

static void test_set_aside_first_failure_sets_the_culprit_aside_for_a_minute(void **state)
{
    (void)state;
    tc_aside a = {0};
    tc_ms pause = 0;
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 12, 1, T0, &pause), TC_ASIDE_SET);
    assert_int_equal(pause, 60000);
    assert_true(tc_aside_holds(&a, 12, T0));
    assert_false(tc_aside_holds(&a, 13, T0));
    /* A culprit is set aside whatever the batch held, and in a batch of several it is not taken apart. */
    assert_int_equal(tc_aside_failed(&a, TC_EFAILED, 13, 40, T0, &pause), TC_ASIDE_SET);
    assert_int_equal(pause, 60000);
    assert_true(tc_aside_holds(&a, 13, T0));
    assert_false(tc_aside_one_by_one(&a));
    /* pause may be NULL */
    assert_int_equal(tc_aside_failed(&a, TC_EFAILED, 14, 1, T0, NULL), TC_ASIDE_SET);
    assert_true(tc_aside_holds(&a, 14, T0));
    tc_aside_free(&a);
}

static void test_set_aside_pause_doubles_up_to_ten_minutes(void **state)
{
    (void)state;
    static const tc_ms expected[] = {60000, 120000, 240000, 480000, 600000, 600000, 600000};
    tc_aside a = {0};
    tc_ms now = T0, pause = 0;
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 12, 1, now, &pause), TC_ASIDE_SET);
        assert_int_equal(pause, expected[i]);
        assert_int_equal(tc_aside_next_return(&a, now), now + pause);
        now += pause; /* it comes back, and fails again */
    }
    assert_int_equal(a.count, 1); /* one entry per crisis, counting its failures */
    assert_int_equal(a.items[0].failures, 7);
    /* Another crisis starts at a minute: failures are counted per crisis. */
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 13, 1, now, &pause), TC_ASIDE_SET);
    assert_int_equal(pause, 60000);
    tc_aside_free(&a);
}

static void test_set_aside_expires_at_its_time(void **state)
{
    (void)state;
    tc_aside a = {0};
    tc_aside_failed(&a, TC_EINVAL, 12, 1, T0, NULL);
    assert_true(tc_aside_holds(&a, 12, T0 + 59999));
    assert_false(tc_aside_holds(&a, 12, T0 + 60000)); /* due again at `until` exactly */
    assert_false(tc_aside_holds(&a, 12, T0 + 600000));
    /* Due again, it is still remembered: its next failure waits longer. */
    tc_ms pause = 0;
    tc_aside_failed(&a, TC_EINVAL, 12, 1, T0 + 60000, &pause);
    assert_int_equal(pause, 120000);
    assert_true(tc_aside_holds(&a, 12, T0 + 60000));
    tc_aside_free(&a);
}

static void test_set_aside_next_return_is_the_first_still_passed_over(void **state)
{
    (void)state;
    tc_aside a = {0};
    assert_int_equal(tc_aside_next_return(&a, T0), -1);
    tc_aside_failed(&a, TC_EINVAL, 12, 1, T0, NULL);         /* back at T0 + 60 s */
    tc_aside_failed(&a, TC_EINVAL, 13, 1, T0 - 30000, NULL); /* back at T0 + 30 s */
    tc_aside_failed(&a, TC_EINVAL, 14, 1, T0 - 90000, NULL); /* back at T0 - 30 s: already */
    assert_int_equal(tc_aside_next_return(&a, T0), T0 + 30000);
    assert_int_equal(tc_aside_next_return(&a, T0 + 30000), T0 + 60000);
    assert_int_equal(tc_aside_next_return(&a, T0 + 60000), -1);
    /* The first one due is found wherever it is in the list. */
    tc_aside_failed(&a, TC_EINVAL, 15, 1, T0 + 60000, NULL); /* back at T0 + 120 s */
    assert_int_equal(tc_aside_next_return(&a, T0 + 30000), T0 + 60000);
    tc_aside_free(&a);
}

/* Many crises set aside at once: the list grows past its first eight, each held and returned. */
static void test_set_aside_many_crises(void **state)
{
    (void)state;
    tc_aside a = {0};
    for (int64_t crisis = 1; crisis <= 20; crisis++)
        assert_int_equal(tc_aside_failed(&a, TC_EINVAL, crisis, 1, T0 + crisis, NULL), TC_ASIDE_SET);
    assert_int_equal(a.count, 20);
    for (int64_t crisis = 1; crisis <= 20; crisis++)
        assert_true(tc_aside_holds(&a, crisis, T0 + 20));
    assert_int_equal(tc_aside_next_return(&a, T0 + 20), T0 + 60001);
    int64_t *held = NULL;
    assert_int_equal(tc_aside_held(&a, T0 + 60010, &held), 10);
    assert_int_equal(held[0], 11);
    assert_int_equal(held[9], 20);
    free(held);
    tc_aside_free(&a);
}

static void test_set_aside_held_lists_those_passed_over(void **state)
{
    (void)state;
    tc_aside a = {0};
    int64_t *held = NULL;
    assert_int_equal(tc_aside_held(&a, T0, &held), 0);
    assert_null(held);
    tc_aside_failed(&a, TC_EINVAL, 12, 1, T0, NULL);
    tc_aside_failed(&a, TC_EINVAL, 13, 1, T0 - 90000, NULL); /* due again */
    tc_aside_failed(&a, TC_EINVAL, 14, 1, T0, NULL);
    assert_int_equal(tc_aside_held(&a, T0, &held), 2);
    assert_non_null(held);
    assert_int_equal(held[0], 12);
    assert_int_equal(held[1], 14);
    free(held);
    assert_int_equal(tc_aside_held(&a, T0 + 60000, &held), 0);
    assert_null(held);
    tc_aside_free(&a);
}

/*
 * A crisis that a batch applies is forgotten: its next failure is a first
 * one again, a minute. (It was remembered for as long as the engine ran:
 * the next failure, however much later, waited twice as long as the last,
 * and the list of crises ever set aside, which every batch reads, only
 * grew.)
 */
static void test_set_aside_crisis_applied_starts_over(void **state)
{
    (void)state;
    tc_aside a = {0};
    tc_ms pause = 0;
    tc_aside_failed(&a, TC_EINVAL, 12, 1, T0, NULL);
    tc_aside_failed(&a, TC_EINVAL, 12, 1, T0 + 60000, NULL);
    tc_aside_failed(&a, TC_EINVAL, 13, 1, T0, NULL);
    tc_aside_failed(&a, TC_EINVAL, 14, 1, T0, NULL);
    /* Mended, 12 comes back and is applied, with 20 that was never set aside. */
    tc_aside_applied(&a, (int64_t[]){20, 12}, 2);
    assert_int_equal(a.count, 2);
    assert_false(tc_aside_holds(&a, 12, T0 + 60000));
    assert_true(tc_aside_holds(&a, 13, T0));
    assert_true(tc_aside_holds(&a, 14, T0));
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 12, 1, T0 + 3600000, &pause), TC_ASIDE_SET);
    assert_int_equal(pause, 60000);
    /* 13 and 14 still count their failures. */
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 14, 1, T0 + 60000, &pause), TC_ASIDE_SET);
    assert_int_equal(pause, 120000);
    tc_aside_applied(&a, (int64_t[]){13, 14, 12}, 3);
    assert_int_equal(a.count, 0);
    assert_int_equal(tc_aside_next_return(&a, T0), -1);
    tc_aside_free(&a);
}

/* A batch of several crises refused as a whole, blaming none: as many batches of one crisis as it held. */
static void test_set_aside_several_crises_take_the_batch_apart(void **state)
{
    (void)state;
    tc_aside a = {0};
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 0, 3, T0, NULL), TC_ASIDE_TAKE_APART);
    assert_int_equal(a.count, 0); /* nobody is set aside yet */
    assert_true(tc_aside_one_by_one(&a));
    tc_aside_applied(&a, (int64_t[]){7}, 1);
    tc_aside_applied(&a, NULL, 0); /* a batch that found nothing to do does not count */
    assert_true(tc_aside_one_by_one(&a));
    tc_aside_applied(&a, (int64_t[]){7}, 1);
    assert_true(tc_aside_one_by_one(&a));
    tc_aside_applied(&a, (int64_t[]){7}, 1);
    assert_false(tc_aside_one_by_one(&a));
    tc_aside_applied(&a, (int64_t[]){7}, 1); /* and stays off */
    assert_false(tc_aside_one_by_one(&a));
    tc_aside_free(&a);
}

/*
 * Taking a batch apart finds its culprit: that batch counts as one of them
 * too, so that after as many batches as the failed one held, batches are
 * whole again. (It did not count: each crisis found cost a batch of one
 * crisis more.)
 */
static void test_set_aside_take_apart_counts_the_batch_that_finds_the_culprit(void **state)
{
    (void)state;
    tc_aside a = {0};
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 0, 3, T0, NULL), TC_ASIDE_TAKE_APART);
    tc_aside_applied(&a, (int64_t[]){7}, 1);
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 12, 1, T0, NULL), TC_ASIDE_SET);
    assert_true(tc_aside_one_by_one(&a));
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 13, 1, T0, NULL), TC_ASIDE_SET);
    assert_false(tc_aside_one_by_one(&a));
    /* Outside a take-apart, setting a crisis aside changes nothing of the sort. */
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 14, 1, T0, NULL), TC_ASIDE_SET);
    assert_false(tc_aside_one_by_one(&a));
    /* A batch of the take-apart that backs off (the database went away) does not count. */
    assert_int_equal(tc_aside_failed(&a, TC_EINVAL, 0, 2, T0, NULL), TC_ASIDE_TAKE_APART);
    assert_int_equal(tc_aside_failed(&a, TC_EUNAVAIL, 0, 1, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(tc_aside_failed(&a, TC_ECONFLICT, 0, 1, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(a.one_by_one, 2);
    tc_aside_free(&a);
}

/* One crisis, or none, blaming none (the batch would have blamed a lone crisis but for a conflict): back off.
 */
static void test_set_aside_one_crisis_or_a_conflict_backs_off(void **state)
{
    (void)state;
    tc_aside a = {0};
    assert_int_equal(tc_aside_failed(&a, TC_ECONFLICT, 0, 1, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(tc_aside_failed(&a, TC_ECONFLICT, 0, 5, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(tc_aside_failed(&a, TC_EFAILED, 0, 1, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_int_equal(tc_aside_failed(&a, TC_EFAILED, 0, 0, T0, NULL), TC_ASIDE_BACK_OFF);
    assert_false(tc_aside_one_by_one(&a));
    assert_int_equal(a.count, 0);
    tc_aside_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_aside_unavailable_database_backs_off),
        cmocka_unit_test(test_set_aside_first_failure_sets_the_culprit_aside_for_a_minute),
        cmocka_unit_test(test_set_aside_pause_doubles_up_to_ten_minutes),
        cmocka_unit_test(test_set_aside_expires_at_its_time),
        cmocka_unit_test(test_set_aside_next_return_is_the_first_still_passed_over),
        cmocka_unit_test(test_set_aside_held_lists_those_passed_over),
        cmocka_unit_test(test_set_aside_crisis_applied_starts_over),
        cmocka_unit_test(test_set_aside_several_crises_take_the_batch_apart),
        cmocka_unit_test(test_set_aside_take_apart_counts_the_batch_that_finds_the_culprit),
        cmocka_unit_test(test_set_aside_one_crisis_or_a_conflict_backs_off),
        cmocka_unit_test(test_set_aside_many_crises),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
