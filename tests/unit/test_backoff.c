/*
 * Capped exponential backoff (core/backoff.h): the delays of failures in a
 * row, their cap, the start over after a success, and giving up after a
 * number of tries; with the engine's own numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/batch/backoff.h"

static void test_backoff_first_failure_waits_the_minimum(void **state)
{
    (void)state;
    tc_backoff b;
    tc_backoff_init(&b, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    assert_int_equal(b.failures, 0);
    assert_int_equal(tc_backoff_fail(&b), 100);
    assert_int_equal(b.failures, 1);
}

static void test_backoff_doubles_up_to_the_cap(void **state)
{
    (void)state;
    static const tc_ms expected[] = {100, 200, 400, 800, 1000, 1000, 1000};
    tc_backoff b;
    tc_backoff_init(&b, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_int_equal(tc_backoff_fail(&b), expected[i]);
    /* However long it fails, the delay stays at the cap (and never overflows). */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tc_backoff_fail(&b), TC_BACKOFF_MAX_MS);
}

static void test_backoff_starts_over_after_a_success(void **state)
{
    (void)state;
    tc_backoff b;
    tc_backoff_init(&b, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    for (int i = 0; i < 20; i++)
        tc_backoff_fail(&b);
    tc_backoff_succeed(&b);
    assert_int_equal(b.failures, 0);
    assert_int_equal(tc_backoff_fail(&b), 100);
    assert_int_equal(tc_backoff_fail(&b), 200);
}

/* engine --once: four pauses, then the fifth failure in a row gives up; a success in between starts over. */
static void test_backoff_gives_up_at_the_last_try(void **state)
{
    (void)state;
    tc_backoff b;
    tc_backoff_init(&b, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, TC_BACKOFF_ONCE_TRIES);
    assert_int_equal(tc_backoff_fail(&b), 100);
    assert_int_equal(tc_backoff_fail(&b), 200);
    assert_int_equal(tc_backoff_fail(&b), 400);
    tc_backoff_succeed(&b);
    assert_int_equal(tc_backoff_fail(&b), 100);
    assert_int_equal(tc_backoff_fail(&b), 200);
    assert_int_equal(tc_backoff_fail(&b), 400);
    assert_int_equal(tc_backoff_fail(&b), 800);
    assert_int_equal(tc_backoff_fail(&b), -1);
    assert_int_equal(tc_backoff_fail(&b), -1); /* and stays given up until a success */

    tc_backoff_init(&b, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 1);
    assert_int_equal(tc_backoff_fail(&b), -1);
}

static void test_backoff_delay_of_the_nth_failure(void **state)
{
    (void)state;
    assert_int_equal(tc_backoff_delay(60000, 600000, 1), 60000);
    assert_int_equal(tc_backoff_delay(60000, 600000, 2), 120000);
    assert_int_equal(tc_backoff_delay(60000, 600000, 4), 480000);
    assert_int_equal(tc_backoff_delay(60000, 600000, 5), 600000); /* 960000, capped */
    assert_int_equal(tc_backoff_delay(60000, 600000, 1 << 30), 600000);
    assert_int_equal(tc_backoff_delay(60000, 600000, 0), 60000); /* not a failure yet: the minimum */
    assert_int_equal(tc_backoff_delay(100, 100, 7), 100);
    assert_int_equal(tc_backoff_delay(INT64_MAX / 2 + 1, INT64_MAX, 3),
                     INT64_MAX); /* doubling stops at the cap */
}

/* An outage logged at its start, then once in a while: the first three failures, then every thirtieth. */
static void test_backoff_logs_the_start_of_an_outage_then_a_line_in_thirty(void **state)
{
    (void)state;
    int logged = 0;
    for (int failure = 1; failure <= 3600; failure++) {
        int worth = tc_backoff_worth_logging(failure);
        logged += worth;
        if (failure <= 3)
            assert_true(worth);
        else
            assert_int_equal(worth, failure % 30 == 0);
    }
    assert_int_equal(logged, 3 + 120); /* an hour at the 1 s cap */
    assert_false(tc_backoff_worth_logging(4));
    assert_false(tc_backoff_worth_logging(29));
    assert_true(tc_backoff_worth_logging(30));
    assert_false(tc_backoff_worth_logging(31));
    assert_true(tc_backoff_worth_logging(60));
}

/* A count of failures that cannot grow any further stays there (no overflow): the longest pause. */
static void test_backoff_failures_stop_counting_at_int_max(void **state)
{
    (void)state;
    tc_backoff b;
    tc_backoff_init(&b, TC_BACKOFF_MIN_MS, TC_BACKOFF_MAX_MS, 0);
    b.failures = INT_MAX - 1;
    assert_int_equal(tc_backoff_fail(&b), TC_BACKOFF_MAX_MS);
    assert_int_equal(b.failures, INT_MAX);
    assert_int_equal(tc_backoff_fail(&b), TC_BACKOFF_MAX_MS);
    assert_int_equal(b.failures, INT_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_first_failure_waits_the_minimum),
        cmocka_unit_test(test_backoff_doubles_up_to_the_cap),
        cmocka_unit_test(test_backoff_starts_over_after_a_success),
        cmocka_unit_test(test_backoff_gives_up_at_the_last_try),
        cmocka_unit_test(test_backoff_delay_of_the_nth_failure),
        cmocka_unit_test(test_backoff_logs_the_start_of_an_outage_then_a_line_in_thirty),
        cmocka_unit_test(test_backoff_failures_stop_counting_at_int_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
