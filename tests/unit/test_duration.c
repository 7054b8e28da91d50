/* ISO 8601 durations: what parses, to how many milliseconds, and why not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/playbook/duration.h"
#include "core/base/error.h"

static tc_ms parse(const char *text)
{
    tc_ms ms = -1;
    const char *why = NULL;
    if (tc_duration_parse(text, &ms, &why) != 0)
        fail_msg("%s did not parse: %s", text, why);
    return ms;
}

static const char *refuse(const char *text)
{
    tc_ms ms = 12345;
    const char *why = NULL;
    assert_int_equal(tc_duration_parse(text, &ms, &why), TC_EINVAL);
    assert_int_equal(ms, 12345); /* untouched on failure */
    assert_non_null(why);
    return why;
}

static void test_duration_parses_each_unit(void **state)
{
    (void)state;
    assert_int_equal(parse("PT30S"), 30000);
    assert_int_equal(parse("PT5M"), 300000);
    assert_int_equal(parse("PT4H"), 14400000);
    assert_int_equal(parse("P1D"), 86400000);
    assert_int_equal(parse("P2W"), 14LL * 86400000);
    assert_int_equal(parse("P1DT12H"), 36LL * 3600000);
    assert_int_equal(parse("P1DT2H3M4S"), 86400000 + 2 * 3600000 + 3 * 60000 + 4000);
    assert_int_equal(parse("PT0.5S"), 500);
    assert_int_equal(parse("PT1.25S"), 1250);
    assert_int_equal(parse("PT0.001S"), 1);
    assert_int_equal(parse("PT90M"), 90 * 60000);
}

static void test_duration_refuses_with_reasons(void **state)
{
    (void)state;
    assert_string_equal(refuse("P1M"), "years and months are not allowed (their length varies)");
    assert_string_equal(refuse("P1Y"), "years and months are not allowed (their length varies)");
    assert_string_equal(refuse("PT0S"), "a duration must be greater than zero");
    assert_string_equal(refuse("P0D"), "a duration must be greater than zero");
    assert_string_equal(refuse("PT0.0001S"), "seconds may have at most three decimals");
    assert_string_equal(refuse("P999999999999D"), "too long (at most 100 years)");
    const char *not_iso = refuse("4 hours");
    assert_non_null(strstr(not_iso, "not an ISO 8601 duration"));
    refuse("");
    refuse("P");
    refuse("PT");
    refuse("P1");
    refuse("PT1");
    refuse("P1H");    /* hours need the T */
    refuse("PT1D");   /* days go before the T */
    refuse("PT1S2M"); /* units in order */
    refuse("P1D1D");
    refuse("P1W2D"); /* weeks stand alone */
    refuse("PT1.5M");
    refuse("pt1h");
    refuse("PT-1H");
    refuse("PT1H ");
    assert_int_equal(tc_duration_parse(NULL, &(tc_ms){0}, NULL), TC_EINVAL);
}

static void test_duration_format_round_trips(void **state)
{
    (void)state;
    static const char *const texts[] = {"PT30S",      "PT4H",   "P1D",       "P1DT12H",
                                        "P3DT2H3M4S", "PT0.5S", "PT1M1.001S"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char buf[40];
        tc_duration_format(parse(texts[i]), buf, sizeof buf);
        assert_string_equal(buf, texts[i]);
    }
    char buf[40];
    assert_string_equal(tc_duration_format(parse("P2W"), buf, sizeof buf), "P14D");
    assert_string_equal(tc_duration_format(0, buf, sizeof buf), "PT0S");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_parses_each_unit),
        cmocka_unit_test(test_duration_refuses_with_reasons),
        cmocka_unit_test(test_duration_format_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
