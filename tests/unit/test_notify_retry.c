/*
 * When a failed delivery is tried again (core/notify/retry.h): the first
 * retry within 30 s, doubling after, at least 5 attempts over at least 10
 * minutes, then giving up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/notify/retry.h"

static void test_notify_retry_schedule(void **state)
{
    (void)state;
    static const tc_ms expected[] = {20000, 40000, 80000, 160000, 320000, 640000};
    for (int attempts = 1; attempts <= 6; attempts++)
        assert_int_equal(tc_retry_delay(attempts), expected[attempts - 1]);
    assert_int_equal(tc_retry_delay(7), TC_RETRY_GIVE_UP);
    assert_int_equal(tc_retry_delay(8), TC_RETRY_GIVE_UP);
    assert_int_equal(tc_retry_delay(1000000), TC_RETRY_GIVE_UP);
    assert_int_equal(tc_retry_delay(0), 20000);
    assert_int_equal(tc_retry_delay(-5), 20000);
}

/* The contract, checked from the function rather than from the numbers above. */
static void test_notify_retry_meets_the_contract(void **state)
{
    (void)state;
    assert_true(tc_retry_delay(1) > 0 && tc_retry_delay(1) <= 30000);
    int attempts = 1;
    tc_ms span = 0, last = 0;
    for (tc_ms delay; (delay = tc_retry_delay(attempts)) != TC_RETRY_GIVE_UP; attempts++) {
        assert_true(delay >= last); /* never shorter than the one before */
        last = delay;
        span += delay;
    }
    assert_int_equal(attempts, TC_RETRY_ATTEMPTS);
    assert_true(attempts >= 5);
    assert_true(span >= 10 * 60 * 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify_retry_schedule),
        cmocka_unit_test(test_notify_retry_meets_the_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
