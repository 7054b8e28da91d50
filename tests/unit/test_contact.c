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

/* Each refusal, with its message; the edges of each rule (lengths, the characters either side of a range). */
static void test_contact_refusals(void **state)
{
    (void)state;
    char local[80], label[80], host[300], zone[80];
    memset(local, 'a', 65);
    strcpy(local + 65, "@mfa.kz"); /* a local part of 65 */
    strcpy(label, "a@");
    memset(label + 2, 'b', 64);
    strcpy(label + 66, ".kz"); /* a label of 64 */
    strcpy(host, "https://");
    memset(host + 8, 'h', 250);
    strcpy(host + 258, "/a b");
    memset(zone, 'Z', 65);
    zone[65] = '\0';
    static const char email_rule[] = "\": NAME@DOMAIN, no spaces or display name";
    static const char url_rule[] =
        "/…: a host (no user:password@), then a path of printable characters without spaces";
    static const char tz_rule[] = "\": an IANA name such as Europe/Moscow";
    char long_host_error[400];
    snprintf(long_host_error, sizeof long_host_error, "invalid webhook URL %.200s%s", host, url_rule);
    const struct {
        int (*check)(const char *, tc_error *);
        const char *text, *error; /* NULL: taken */
    } cases[] = {
        {tc_contact_email_check, "a{b}|c~@x.kz", NULL}, /* atext past 'z' */
        {tc_contact_email_check, "\xff@x.kz", "an e-mail address is not valid UTF-8 (byte 1)"},
        {tc_contact_email_check, local, "invalid e-mail address \""},
        {tc_contact_email_check, label, "invalid e-mail address \""},
        {tc_contact_email_check, "duty@mfa-.kz", "invalid e-mail address \"duty@mfa-.kz\": NAME@DOMAIN"},
        {tc_contact_webhook_check, "https://example.org?x=1", NULL},
        {tc_contact_webhook_check, "https://example.org#top", NULL},
        {tc_contact_webhook_check, "https://x/\xff", "a webhook URL is not valid UTF-8 (byte 11)"},
        {tc_contact_webhook_check, "https://x/a\x7f", "invalid webhook URL https://x/…: a host"},
        {tc_contact_webhook_check, "ftp://x/y",
         "invalid webhook URL: it must start with http:// or https://"},
        {tc_contact_webhook_check, host, long_host_error}, /* the host cut at 200 bytes */
        {tc_contact_format_check, NULL, NULL},
        {tc_contact_format_check, "json", NULL},
        {tc_contact_format_check, "xml", "unknown --format \"xml\": json or slack"},
        {tc_contact_tz_check, "utc", NULL},
        {tc_contact_tz_check, "America/Port_of_Spain", NULL},
        {tc_contact_tz_check, "Etc/GMT-3", NULL},
        {tc_contact_tz_check, NULL, "unknown time zone \"\": an IANA name such as Europe/Moscow"},
        {tc_contact_tz_check, "~x", "unknown time zone \"~x\""},
        {tc_contact_tz_check, "[x", "unknown time zone \"[x\""},
        {tc_contact_tz_check, "1x", "unknown time zone \"1x\""},
        {tc_contact_tz_check, "Europe/Mos cow", "unknown time zone \"Europe/Mos cow\""},
        {tc_contact_tz_check, "Europe/Moscow;", "unknown time zone \"Europe/Moscow;\""},
        {tc_contact_tz_check, zone + 1, NULL}, /* 64 */
        {tc_contact_tz_check, zone, "unknown time zone \""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_error err;
        tc_error_init(&err);
        int rc = cases[i].check(cases[i].text, &err);
        if (cases[i].error == NULL
                ? rc != 0
                : rc != TC_EINVAL || strncmp(err.text, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("case %zu: %d %s", i, rc, err.text);
    }
    /* The whole messages. */
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_contact_email_check(local, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, email_rule));
    tc_error_init(&err);
    assert_int_equal(tc_contact_tz_check(zone, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, tz_rule));
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

/* What each seat is asked to do, by the state and seat a notification names. */
static void test_contact_notice_acts(void **state)
{
    (void)state;
    /* An approval by an office: its seat votes with no --party. */
    static const char nod[] =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"nod\", \"title\": \"Nod\", \"parties\": [\"KZ\"], "
        "\"roles\": {\"secretariat\": {\"title\": \"Secretariat\"}}, \"start\": \"nod\", \"states\": "
        "{\"nod\": "
        "{\"type\": \"approval\", \"title\": \"Nod it through\", \"approvers\": {\"role\": \"secretariat\"}, "
        "\"rule\": \"any\", \"next\": {\"approved\": \"yes\", \"rejected\": \"no\"}}, \"yes\": {\"type\": "
        "\"end\"}, \"no\": {\"type\": \"end\"}}}";
    static const struct {
        const char *playbook, *inputs, *state, *seat;
        const char *act, *asked, *state_title, *deadline; /* NULL: null */
    } cases[] = {
        {"council", NULL, "consensus", "council/KZ",
         "tocsin vote 12 approve|reject|abstain --state consensus --party KZ", "vote on consensus",
         "consensus", "1970-01-02T00:00:00Z"},
        /* The council's role without a party, or a role whose name only begins like it: not a seat of it. */
        {"council", NULL, "consensus", "council", "tocsin show 12", "follow consensus", "consensus",
         "1970-01-02T00:00:00Z"},
        {"council", NULL, "consensus", "councillor/KZ", "tocsin show 12", "follow consensus", "consensus",
         "1970-01-02T00:00:00Z"},
        {"council", NULL, "consensus", "secretariat", "tocsin show 12", "follow consensus", "consensus",
         "1970-01-02T00:00:00Z"},
        /* A state not active has no deadline to tell. */
        {"council", NULL, "majority", "council/TJ",
         "tocsin vote 12 approve|reject|abstain --state majority --party TJ", "vote on majority", "majority",
         NULL},
        {"council", NULL, "approved", "council/KZ", "tocsin show 12", "follow approved", "approved", NULL},
        /* No state, or one the playbook does not have. */
        {"council", NULL, NULL, "secretariat", "tocsin show 12", "follow the crisis", NULL, NULL},
        {"council", NULL, "nowhere", "council/KZ", "tocsin show 12", "follow nowhere", "nowhere", NULL},
        /* An office (a role of no parties): its seat is the role, never ROLE/PARTY. */
        {"deadline", NULL, "report", "secretariat", "tocsin complete 12 --state report", "complete Report",
         "Report", "1970-01-02T00:00:00Z"},
        {"deadline", NULL, "report", "secretariat/KZ", "tocsin show 12", "follow Report", "Report",
         "1970-01-02T00:00:00Z"},
        /* A task of a role of parties, active, with no deadline. */
        {"operations", "{\"path\": \"patrol\"}", "patrol", "border/KZ",
         "tocsin complete 12 --state patrol --party KZ", "complete patrol", "patrol", NULL},
        {nod, NULL, "nod", "secretariat", "tocsin vote 12 approve|reject|abstain --state nod",
         "vote on Nod it through", "Nod it through", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        if (cases[i].playbook[0] == '{')
            start(&f, cases[i].playbook);
        else
            start_named(&f, cases[i].playbook, cases[i].inputs);
        f.inst->id = 12;
        json_t *detail = json_pack("{s:s, s:[s, i]}", "why", "vote requested", "seats", cases[i].seat, 5);
        json_t *out = tc_notice_payloads(f.pb, f.inst, cases[i].state, detail);
        assert_int_equal(json_object_size(out), 1); /* 5 is no seat */
        json_t *p = json_object_get(out, cases[i].seat);
        assert_non_null(p);
        if (strcmp(json_string_value(json_object_get(p, "act")), cases[i].act) != 0)
            fail_msg("case %zu: act %s", i, json_string_value(json_object_get(p, "act")));
        assert_string_equal(json_string_value(json_object_get(p, "asked")), cases[i].asked);
        const char *expect[][2] = {{"state", cases[i].state},
                                   {"state_title", cases[i].state_title},
                                   {"deadline", cases[i].deadline}};
        for (size_t k = 0; k < 3; k++) {
            json_t *v = json_object_get(p, expect[k][0]);
            if (expect[k][1] == NULL ? !json_is_null(v)
                                     : !json_is_string(v) || strcmp(json_string_value(v), expect[k][1]) != 0)
                fail_msg("case %zu: %s", i, expect[k][0]);
        }
        assert_int_equal(json_integer_value(json_object_get(p, "level")),
                         0); /* no level: not an escalation */
        assert_true(json_is_null(json_object_get(p, "severity")));
        assert_string_equal(json_string_value(json_object_get(p, "why")), "vote requested");
        json_decref(out);
        json_decref(detail);
        finish(&f);
    }
    /* A detail with no seats tells no one. */
    fixture f;
    start_named(&f, "council", NULL);
    json_t *detail = json_pack("{s:s}", "why", "escalated");
    json_t *out = tc_notice_payloads(f.pb, f.inst, "consensus", detail);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);
    json_decref(detail);
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contact_addresses),
        cmocka_unit_test(test_contact_refusals),
        cmocka_unit_test(test_contact_notice_payloads),
        cmocka_unit_test(test_contact_notice_acts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
