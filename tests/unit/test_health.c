/*
 * The health renderers (core/health): `tocsin status` as the contract's JSON
 * and as text, and the board's metrics in Prometheus's text format, with
 * every label value (zeros included), HELP and TYPE lines, and label values
 * escaped as the format asks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/health/metrics.h"
#include "core/health/status.h"

static int count_lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *line = text; line != NULL && *line != '\0';) {
        n += strncmp(line, prefix, len) == 0;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return n;
}

static void test_health_prometheus_emits_every_label_with_zeros(void **state)
{
    (void)state;
    tc_metrics m = {0};
    m.crises[TC_STATUS_ACTIVE][TC_MODE_EXERCISE] = 2;
    m.crises[TC_STATUS_CANCELLED][TC_MODE_TEST] = 7;
    m.notifications[TC_OUTBOX_NO_CONTACT] = 3;
    m.commands_pending = 4;
    m.oldest_pending_ms = 61042;
    m.timers_overdue = 5;
    m.engines_alive = 1;
    m.escalations_total = 9;
    char *text = tc_metrics_prometheus(&m);
    assert_non_null(text);
    /* 3 statuses x 3 modes and 4 delivery statuses, each once, zeros included. */
    assert_int_equal(count_lines_starting(text, "tocsin_crises{"), 9);
    assert_int_equal(count_lines_starting(text, "tocsin_notifications{"), 4);
    assert_non_null(strstr(text, "\ntocsin_crises{status=\"active\",mode=\"exercise\"} 2\n"));
    assert_non_null(strstr(text, "\ntocsin_crises{status=\"cancelled\",mode=\"test\"} 7\n"));
    assert_non_null(strstr(text, "\ntocsin_crises{status=\"closed\",mode=\"actual\"} 0\n"));
    assert_non_null(strstr(text, "\ntocsin_notifications{status=\"no contact\"} 3\n"));
    assert_non_null(strstr(text, "\ntocsin_notifications{status=\"failed\"} 0\n"));
    assert_non_null(strstr(text, "\ntocsin_commands_pending 4\n"));
    assert_non_null(strstr(text, "\ntocsin_oldest_pending_command_seconds 61.042\n"));
    assert_non_null(strstr(text, "\ntocsin_timers_overdue 5\n"));
    assert_non_null(strstr(text, "\ntocsin_engines_alive 1\n"));
    assert_non_null(strstr(text, "\ntocsin_escalations_total 9\n"));
    /* A HELP and a TYPE line for each of the seven metrics, the counter a counter. */
    assert_int_equal(count_lines_starting(text, "# HELP tocsin_"), 7);
    assert_int_equal(count_lines_starting(text, "# TYPE tocsin_"), 7);
    assert_int_equal(count_lines_starting(text, "# TYPE tocsin_escalations_total counter"), 1);
    assert_int_equal(count_lines_starting(text, "# TYPE tocsin_crises gauge"), 1);
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);

    /* Nothing at all is still every series, at 0. */
    m = (tc_metrics){0};
    text = tc_metrics_prometheus(&m);
    assert_int_equal(count_lines_starting(text, "tocsin_crises{"), 9);
    assert_non_null(strstr(text, "\ntocsin_oldest_pending_command_seconds 0.000\n"));
    free(text);
}

static void test_health_prometheus_escapes_label_values(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_prometheus_label_value(&sb, "a\"b\\c\nd e");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(text, "a\\\"b\\\\c\\nd e");
    free(text);
}

static void test_health_outbox_status_names(void **state)
{
    (void)state;
    for (int i = 0; i < TC_OUTBOX_STATUSES; i++)
        assert_int_equal(tc_outbox_status_parse(tc_outbox_status_name((tc_outbox_status)i)), i);
    assert_string_equal(tc_outbox_status_name(TC_OUTBOX_NO_CONTACT), "no contact");
    assert_int_equal(tc_outbox_status_parse("delivered"), -1);
    assert_int_equal(tc_outbox_status_parse(NULL), -1);
    assert_string_equal(tc_outbox_status_name(TC_OUTBOX_STATUSES), "?");
}

/* Two engines, one alive; the other stopped beating a while ago. */
static tc_health_status two_engines(int show_host)
{
    tc_health_status s = {0};
    s.engine_count = 2;
    s.engines = calloc(2, sizeof *s.engines);
    s.engines[0] = (tc_health_engine){strdup("5d41402a-0000-4000-8000-000000000001"),
                                      show_host ? strdup("ops-1\x1b[2J") : NULL,
                                      show_host ? 4242 : 0,
                                      strdup("0.1.0"),
                                      strdup("2026-11-27T10:00:00.000Z"),
                                      strdup("2026-11-27T10:05:00.000Z"),
                                      (int64_t)3 * 3600 * 1000 + 125000,
                                      12,
                                      0};
    s.engines[1] = (tc_health_engine){strdup("5d41402a-0000-4000-8000-000000000002"),
                                      show_host ? strdup("ops-2") : NULL,
                                      show_host ? 77 : 0,
                                      strdup("0.1.0"),
                                      strdup("2026-11-27T12:00:00.000Z"),
                                      strdup("2026-11-27T13:08:00.000Z"),
                                      2500,
                                      1,
                                      1};
    s.pending_commands = 3;
    s.oldest_pending_ms = 245000;
    s.overdue_timers = 2;
    s.most_overdue_ms = 90061000;
    s.notifications_queued = 4;
    s.notifications_failed = 1;
    return s;
}

static void test_health_status_json_is_the_contract(void **state)
{
    (void)state;
    tc_health_status s = two_engines(1);
    json_t *doc = tc_health_status_json(&s);
    static const char *const keys[] = {"engines",
                                       "pending_commands",
                                       "oldest_pending_seconds",
                                       "overdue_timers",
                                       "most_overdue_seconds",
                                       "notifications_queued",
                                       "notifications_failed"};
    assert_int_equal(json_object_size(doc), 7);
    for (size_t i = 0; i < 7; i++)
        assert_non_null(json_object_get(doc, keys[i]));
    json_t *engines = json_object_get(doc, "engines");
    assert_int_equal(json_array_size(engines), 1); /* the alive one only */
    json_t *e = json_array_get(engines, 0);
    assert_int_equal(json_object_size(e), 6);
    assert_string_equal(json_string_value(json_object_get(e, "id")), "5d41402a-0000-4000-8000-000000000002");
    assert_string_equal(json_string_value(json_object_get(e, "host")), "ops-2");
    assert_int_equal(json_integer_value(json_object_get(e, "pid")), 77);
    assert_string_equal(json_string_value(json_object_get(e, "version")), "0.1.0");
    assert_string_equal(json_string_value(json_object_get(e, "started_at")), "2026-11-27T12:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(e, "last_seen")), "2026-11-27T13:08:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(doc, "pending_commands")), 3);
    assert_int_equal(json_integer_value(json_object_get(doc, "oldest_pending_seconds")), 245);
    assert_int_equal(json_integer_value(json_object_get(doc, "overdue_timers")), 2);
    assert_int_equal(json_integer_value(json_object_get(doc, "most_overdue_seconds")), 90061);
    assert_int_equal(json_integer_value(json_object_get(doc, "notifications_queued")), 4);
    assert_int_equal(json_integer_value(json_object_get(doc, "notifications_failed")), 1);
    json_decref(doc);
    tc_health_status_clear(&s);
    assert_null(s.engines);

    /* Host and pid not shown to this reader: null; nothing waiting: null ages. */
    s = two_engines(0);
    s.oldest_pending_ms = s.most_overdue_ms = -1;
    s.pending_commands = s.overdue_timers = 0;
    doc = tc_health_status_json(&s);
    e = json_array_get(json_object_get(doc, "engines"), 0);
    assert_true(json_is_null(json_object_get(e, "host")));
    assert_true(json_is_null(json_object_get(e, "pid")));
    assert_true(json_is_null(json_object_get(doc, "oldest_pending_seconds")));
    assert_true(json_is_null(json_object_get(doc, "most_overdue_seconds")));
    json_decref(doc);
    tc_health_status_clear(&s);
}

static void test_health_status_text(void **state)
{
    (void)state;
    tc_health_status s = two_engines(1);
    assert_int_equal(tc_health_alive(&s), 1);
    char *text = tc_health_status_text(&s);
    assert_non_null(text);
    assert_non_null(strstr(text, "engines: 1 alive\n"));
    /* The live engine before the one that stopped beating, whose host cannot clear the screen. */
    const char *live = strstr(text, "ops-2 pid 77"), *dead = strstr(text, "ops-1\\x1b[2J pid 4242");
    assert_non_null(live);
    assert_non_null(dead);
    assert_true(live < dead);
    assert_null(strchr(text, '\x1b'));
    assert_non_null(strstr(text, "seen 2s ago, 1 batch\n"));
    assert_non_null(strstr(text, "NOT ALIVE, last seen 3h02m ago\n"));
    assert_non_null(strstr(text, "commands: 3 pending, the oldest recorded 4m05s ago\n"));
    assert_non_null(strstr(text, "timers: 2 overdue (due and not fired), the most overdue 1d01h late\n"));
    assert_non_null(strstr(text, "notifications: 4 queued, 1 failed\n"));
    free(text);

    /* None alive: said first, in words. */
    s.engines[1].alive = 0;
    s.pending_commands = s.overdue_timers = 0;
    s.oldest_pending_ms = s.most_overdue_ms = -1;
    text = tc_health_status_text(&s);
    assert_int_equal(tc_health_alive(&s), 0);
    assert_true(strncmp(text, "no engine is alive", 18) == 0);
    assert_non_null(strstr(text, "commands: 0 pending\n"));
    assert_non_null(strstr(text, "timers: none overdue\n"));
    free(text);
    tc_health_status_clear(&s);

    /* Host and pid hidden from this reader, a clock that puts the last beat ahead (no negative age), batches
     * in the plural; counts whose ages are unknown are said without them (the timers were "none overdue"). */
    s = two_engines(0);
    s.engines[1].seen_ms_ago = -1500;
    s.engines[1].batches = 7;
    s.pending_commands = 2;
    s.oldest_pending_ms = -1;
    s.overdue_timers = 1;
    s.most_overdue_ms = -1;
    text = tc_health_status_text(&s);
    assert_non_null(strstr(text,
                           "  5d41402a-0000-4000-8000-000000000002, tocsin 0.1.0, started "
                           "2026-11-27T12:00:00.000Z, seen 0s ago, 7 batches\n"));
    assert_null(strstr(text, " on "));
    assert_non_null(strstr(text, "commands: 2 pending\n"));
    assert_non_null(strstr(text, "timers: 1 overdue (due and not fired)\n"));
    free(text);
    tc_health_status_clear(&s);

    /* No engine has ever registered. */
    text = tc_health_status_text(&s);
    assert_true(strncmp(text, "no engine is alive", 18) == 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_prometheus_emits_every_label_with_zeros),
        cmocka_unit_test(test_health_prometheus_escapes_label_values),
        cmocka_unit_test(test_health_outbox_status_names),
        cmocka_unit_test(test_health_status_json_is_the_contract),
        cmocka_unit_test(test_health_status_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
