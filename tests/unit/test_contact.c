/*
 * Contacts and notices in the core: the shapes of an e-mail address, a webhook
 * URL, a format and a time zone (as migrations/014_notifications.sql checks
 * them again), and what a notification tells each seat it names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/input/contact.h"
#include "core/machine/notice.h"
#include "machine_fixture.h"

static void test_contact_addresses(void **state)
{
    (void)state;
    tc_error err;
    static const char *const good_mail[] = {"duty@mfa.kz", "a.b+c@x-y.example.org", "root@localhost",
                                            "o'brien@example.ie"};
    static const char *const bad_mail[] = {"",
                                           "duty",
                                           "@mfa.kz",
                                           "duty@",
                                           "a@b@c",
                                           "duty@-mfa.kz",
                                           "d u@kz",
                                           "x@y..z",
                                           "duty@mfa.kz\r\nBcc: x@y",
                                           "Duty <duty@mfa.kz>"};
    for (size_t i = 0; i < sizeof good_mail / sizeof good_mail[0]; i++) {
        tc_error_init(&err);
        if (tc_contact_email_check(good_mail[i], &err) != 0)
            fail_msg("%s refused: %s", good_mail[i], err.text);
    }
    for (size_t i = 0; i < sizeof bad_mail / sizeof bad_mail[0]; i++) {
        tc_error_init(&err);
        if (tc_contact_email_check(bad_mail[i], &err) != TC_EINVAL)
            fail_msg("%s accepted", bad_mail[i]);
    }
    static const char *const good_url[] = {"https://hooks.slack.com/services/T/B/X",
                                           "http://127.0.0.1:8080/hook", "https://[::1]:9/x?y=1#z",
                                           "https://example.org"};
    static const char *const bad_url[] = {"ftp://x/y",           "https://",         "hooks.slack.com/x",
                                          "https://a b/",        "https://x/a b",    "https://u:p@x/y",
                                          "javascript:alert(1)", "https://x/\x1b[2J"};
    for (size_t i = 0; i < sizeof good_url / sizeof good_url[0]; i++) {
        tc_error_init(&err);
        if (tc_contact_webhook_check(good_url[i], &err) != 0)
            fail_msg("%s refused: %s", good_url[i], err.text);
    }
    for (size_t i = 0; i < sizeof bad_url / sizeof bad_url[0]; i++) {
        tc_error_init(&err);
        if (tc_contact_webhook_check(bad_url[i], &err) != TC_EINVAL)
            fail_msg("%s accepted", bad_url[i]);
    }
    /* A refusal names the host, never the secret part. */
    tc_error_init(&err);
    assert_int_equal(tc_contact_webhook_check("https://hooks.slack.com/services/secret token", &err),
                     TC_EINVAL);
    assert_null(strstr(err.text, "secret"));
    assert_non_null(strstr(err.text, "https://hooks.slack.com/…"));

    tc_error_init(&err);
    assert_int_equal(tc_contact_format_check("slack", &err), 0);
    assert_int_equal(tc_contact_format_check("xml", &err), TC_EINVAL);
    tc_error_init(&err);
    assert_int_equal(tc_contact_tz_check("Europe/Moscow", &err), 0);
    assert_int_equal(tc_contact_tz_check("Etc/GMT+3", &err), 0);
    assert_int_equal(tc_contact_tz_check("../../etc/passwd", &err), TC_EINVAL);
    assert_int_equal(tc_contact_tz_check("", &err), TC_EINVAL);
}

static void test_contact_notice_payloads(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    f.inst->id = 12;
    json_t *detail = json_pack("{s:s, s:[s, s], s:s, s:s, s:i}", "why", "escalated", "seats", "council/KZ",
                               "secretariat", "severity", "severe", "mode", "exercise", "level", 2);
    json_t *out = tc_notice_payloads(f.pb, f.inst, "consensus", detail);
    json_t *kz = json_object_get(out, "council/KZ");
    assert_string_equal(json_string_value(json_object_get(kz, "act")),
                        "tocsin vote 12 approve|reject|abstain --state consensus --party KZ");
    assert_string_equal(json_string_value(json_object_get(kz, "seat")), "council/KZ");
    assert_string_equal(json_string_value(json_object_get(kz, "playbook")), "council");
    assert_string_equal(json_string_value(json_object_get(kz, "state")), "consensus");
    assert_string_equal(json_string_value(json_object_get(kz, "why")), "escalated");
    assert_string_equal(json_string_value(json_object_get(kz, "mode")), "exercise");
    assert_int_equal(json_integer_value(json_object_get(kz, "level")), 2);
    assert_int_equal(json_integer_value(json_object_get(kz, "crisis")), 12);
    /* consensus has a deadline of a day from its entry at 0. */
    assert_string_equal(json_string_value(json_object_get(kz, "deadline")), "1970-01-02T00:00:00Z");
    /* A seat that is not the state's is asked to follow it. */
    json_t *sec = json_object_get(out, "secretariat");
    assert_string_equal(json_string_value(json_object_get(sec, "act")), "tocsin show 12");
    static const char *const keys[] = {"crisis", "title",    "playbook", "state",    "state_title", "seat",
                                       "why",    "severity", "mode",     "deadline", "act",         "level"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(sec, keys[i]) == NULL)
            fail_msg("no key %s", keys[i]);
    json_decref(out);
    json_decref(detail);
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contact_addresses),
        cmocka_unit_test(test_contact_notice_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
