/*
 * The filters of `tocsin list` and the board's /api/crises
 * (core/instance/crisis_filter.h): each read from an operator's text, bad
 * values refused naming what the filter takes, times as ISO 8601 or as a
 * duration back from the caller's now.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/instance/crisis_filter.h"

#define NOW ((tc_ms)1764936000000) /* 2025-12-05T12:00:00Z */

static tc_ms parsed(const char *text)
{
    tc_ms ms = -1;
    if (tc_time_parse(text, &ms) != 0)
        fail_msg("%s does not parse", text);
    return ms;
}

static void test_time_parse(void **state)
{
    (void)state;
    assert_int_equal(parsed("1970-01-01"), 0);
    assert_int_equal(parsed("2025-12-05T12:00:00Z"), NOW);
    assert_int_equal(parsed("2025-12-05T12:00Z"), NOW);
    assert_int_equal(parsed("2025-12-05T17:00:00+05:00"), NOW);
    assert_int_equal(parsed("2025-12-05T11:30:00-00:30"), NOW);
    assert_int_equal(parsed("2025-12-05T12:00:00.250Z"), NOW + 250);
    assert_int_equal(parsed("2024-02-29"), (tc_ms)1709164800000);
    static const char *const bad[] = {"2025-12-05T12:00:00", "2023-02-29", "2025-13-01",  "2025-12-32",
                                      "2025-12-05T24:00Z",   "2025-12-5",  "yesterday",   "",
                                      "2025-12-05Tnoon",     "1969-12-31", "2025-12-05Z!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_ms ms;
        if (tc_time_parse(bad[i], &ms) == 0)
            fail_msg("%s parses", bad[i]);
    }
}

/* Each part of a time checked on its own: the lower-case and spaced forms ISO 8601 and RFC 3339 allow, a
 * comma before the fraction, a leap second, leap years by the century rule; each malformed part refused. */
static void test_time_parse_each_part(void **state)
{
    (void)state;
    assert_int_equal(parsed("2025-12-05t12:00z"), NOW);
    assert_int_equal(parsed("2025-12-05 12:00:00,5Z"), NOW + 500);
    assert_int_equal(parsed("2025-12-05T12:00:00.123456Z"), NOW + 123);
    assert_int_equal(parsed("2025-12-05T12:00:00.Z"), NOW);
    assert_int_equal(parsed("2025-12-05T11:59:60Z"), NOW); /* the leap second reads as the next */
    assert_int_equal(parsed("2025-12-05T00:00+23:59"), NOW - (tc_ms)(12 * 3600 + 23 * 3600 + 59 * 60) * 1000);
    assert_int_equal(parsed("2000-02-29"), (tc_ms)951782400000);
    assert_int_equal(parsed("2023-02-28"), (tc_ms)1677542400000);
    assert_int_equal(parsed("9999-12-31"), (tc_ms)253402214400000);
    static const char *const bad[] = {
        "2025/12/05",
        "2025-12/05",
        "20a5-12-05",
        "2025-1a-05",
        "2025-12-0a",
        "2025-00-10",
        "2025-12-00",
        "2025-04-31",
        "2100-02-29",
        "1900-02-29",
        "2025-12-05T1a:00Z",
        "2025-12-05T12-00Z",
        "2025-12-05T12:0aZ",
        "2025-12-05T12:60Z",
        "2025-12-05T12:00:aZ",
        "2025-12-05T12:00:61Z",
        "2025-12-05T12:00+5",
        "2025-12-05T12:00+05-00",
        "2025-12-05T12:00+0a:00",
        "2025-12-05T12:00+05:0a",
        "2025-12-05T12:00+24:00",
        "2025-12-05T12:00-05:60",
        "2025-12-05T12:00Zx",
        "2025-12-05x",
        "2025-12-05T12:00:00.5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_ms ms = 42;
        if (tc_time_parse(bad[i], &ms) == 0)
            fail_msg("%s parses", bad[i]);
        assert_int_equal(ms, 42);
    }
}

static void test_filter_set(void **state)
{
    (void)state;
    tc_crisis_filter f;
    tc_crisis_filter_init(&f);
    assert_string_equal(f.status, "active");
    assert_int_equal(f.limit, TC_CRISIS_LIST_DEFAULT);
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_crisis_filter_set(&f, "status", "all", NOW, &err), 0);
    assert_string_equal(f.status, "");
    assert_int_equal(tc_crisis_filter_set(&f, "mode", "exercise", NOW, &err), 0);
    assert_int_equal(tc_crisis_filter_set(&f, "severity", "severe", NOW, &err), 0);
    assert_int_equal(tc_crisis_filter_set(&f, "party", "TJ", NOW, &err), 0);
    assert_int_equal(tc_crisis_filter_set(&f, "playbook", "border-incident", NOW, &err), 0);
    assert_int_equal(tc_crisis_filter_set(&f, "since", "P7D", NOW, &err), 0);
    assert_int_equal(f.since, NOW - (tc_ms)7 * 86400 * 1000);
    assert_int_equal(tc_crisis_filter_set(&f, "until", "2025-12-05T12:00Z", NOW, &err), 0);
    assert_int_equal(f.until, NOW);
    assert_int_equal(tc_crisis_filter_set(&f, "limit", "20", NOW, &err), 0);
    assert_int_equal(f.limit, 20);
    assert_string_equal(f.mode, "exercise");
    assert_string_equal(f.severity, "severe");
    assert_string_equal(f.party, "TJ");
    assert_string_equal(f.playbook, "border-incident");

    static const struct {
        const char *name, *value, *says;
    } bad[] = {
        {"status", "open", "status is active, closed, cancelled or all, not 'open'"},
        {"mode", "drill", "mode is actual, exercise or test, not 'drill'"},
        {"severity", "high", "severity is extreme, severe, moderate, minor or unknown, not 'high'"},
        {"party", "", "party needs a name"},
        {"since", "P1Y", "since takes an ISO 8601 time"},
        {"until", "tomorrow", "until takes an ISO 8601 time"},
        {"limit", "0", "limit takes a number from 1 to 100000, not '0'"},
        {"weather", "fog",
         "no filter weather (status, playbook, party, mode, severity, since, until, limit)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_error_init(&err);
        assert_int_equal(tc_crisis_filter_set(&f, bad[i].name, bad[i].value, NOW, &err), TC_EINVAL);
        if (strncmp(err.text, bad[i].says, strlen(bad[i].says)) != 0)
            fail_msg("%s=%s: %s", bad[i].name, bad[i].value, err.text);
    }
    /* Each status, and names too long for their fields. */
    static const char *const statuses[] = {"active", "closed", "cancelled"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tc_crisis_filter_set(&f, "status", statuses[i], NOW, &err), 0);
        assert_string_equal(f.status, statuses[i]);
    }
    tc_error_init(&err);
    assert_int_equal(tc_crisis_filter_set(&f, "playbook", "", NOW, &err), TC_EINVAL);
    assert_string_equal(err.text, "playbook needs a name");
    tc_error_init(&err);
    char long_name[300];
    memset(long_name, 'p', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    tc_error_init(&err);
    assert_int_equal(tc_crisis_filter_set(&f, "playbook", long_name, NOW, &err), TC_EINVAL);
    assert_int_equal(strncmp(err.text, "playbook is at most ", 20), 0);
    tc_error_init(&err);
    assert_int_equal(tc_crisis_filter_set(&f, "party", long_name, NOW, &err), TC_EINVAL);
    assert_int_equal(strncmp(err.text, "party is at most ", 17), 0);
    assert_string_equal(f.party, "TJ");
    /* What was refused left the filter as it was. */
    assert_string_equal(f.mode, "exercise");
    assert_string_equal(f.playbook, "border-incident");
    assert_int_equal(f.limit, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_parse_each_part),
        cmocka_unit_test(test_filter_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
