/*
 * The post-crisis report's renderer (core/report): outputs summed per party
 * and in total (the last report of a seat counts, a task of no party is not
 * summed), votes matched to their decision with the time it took, escalations
 * with whom they notified and who acted after, HTML that shows a hostile
 * reason and never runs it, Markdown whose structure no reason can change,
 * and cancelled and active crises flagged at the top.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/report/report.h"

#define HOSTILE "<script>alert(1)</script><img src=x onerror=alert(2)>"
#define TRICKY  "yes | no\n# Heading?\n- item ``` `code` |"
#define TICKS   "`ends with a tick`"

static json_t *event(int seq, const char *at, const char *actor, const char *kind, const char *state,
                     json_t *detail)
{
    return json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s?, s:o, s:s, s:s}", "seq", seq, "crisis", 7, "at", at,
                     "actor", actor, "login", strcmp(actor, "kz_deputy") == 0 ? "alice" : actor, "kind", kind,
                     "state", state, "detail", detail ? detail : json_object(), "prev_hash", "0", "hash",
                     seq == 14 ? "f00dfeed" : "abc");
}

/* A crisis of parties KZ, KG and TJ: an approval with two votes and an escalation, two per-party tasks (KZ
 * reports twice: the second replaces the first), a consolidated task of no party. */
static json_t *input(const char *status, const char *reason)
{
    json_t *audit = json_array();
    json_array_append_new(audit, event(1, "2026-11-27T10:00:00.000000Z", "hq", "triggered", NULL, NULL));
    json_array_append_new(audit, event(2, "2026-11-27T10:00:00.000000Z", "hq", "entered", "approve",
                                       json_pack("{s:i, s:s}", "visit", 1, "type", "approval")));
    json_array_append_new(audit, event(3, "2026-11-27T11:00:00.000000Z", "hq", "escalated", "approve",
                                       json_pack("{s:i, s:b, s:[s], s:s}", "level", 1, "manual", 1, "notify",
                                                 "council", "reason", "slow")));
    json_array_append_new(audit, event(4, "2026-11-27T11:00:00.000000Z", "hq", "notified", "approve",
                                       json_pack("{s:s, s:[s,s], s:i}", "why", "escalated", "seats",
                                                 "council/KZ", "council/TJ", "level", 1)));
    json_array_append_new(audit,
                          event(5, "2026-11-27T11:30:00.000000Z", "kz_deputy", "vote", "approve",
                                json_pack("{s:s, s:s, s:s, s:s, s:s}", "vote", "approve", "party", "KZ",
                                          "seat", "council/KZ", "reason", reason, "holder", "kz_head")));
    json_array_append_new(
        audit, event(6, "2026-11-27T12:15:30.000000Z", "tj_head", "vote", "approve",
                     json_pack("{s:s, s:s, s:s}", "vote", "approve", "party", "TJ", "seat", "council/TJ")));
    json_array_append_new(
        audit, event(7, "2026-11-27T12:15:30.000000Z", "hq", "left", "approve",
                     json_pack("{s:s, s:i, s:{s:i, s:i, s:i, s:i}}", "outcome", "approved", "visit", 1,
                               "tally", "approve", 2, "reject", 0, "abstain", 0, "pending", 0)));
    json_array_append_new(
        audit, event(8, "2026-11-27T13:00:00.000000Z", "kz_border", "completed", "interdict",
                     json_pack("{s:s, s:s, s:s, s:{s:f, s:i}}", "party", "KZ", "seat", "border/KZ", "outcome",
                               "done", "data", "drugs_seized_kg", 999.0, "crimes_stopped", 99)));
    json_array_append_new(audit,
                          event(9, "2026-11-27T13:10:00.000000Z", "kz_border", "completed", "interdict",
                                json_pack("{s:s, s:s, s:s, s:{s:f, s:i, s:s}}", "party", "KZ", "seat",
                                          "border/KZ", "outcome", "done", "data", "drugs_seized_kg", 0.1,
                                          "crimes_stopped", 4, "note", "two couriers")));
    json_array_append_new(
        audit, event(10, "2026-11-27T13:20:00.000000Z", "tj_border", "completed", "interdict",
                     json_pack("{s:s, s:s, s:s, s:{s:f, s:i}}", "party", "TJ", "seat", "border/TJ", "outcome",
                               "done", "data", "drugs_seized_kg", 0.2, "crimes_stopped", 3)));
    json_array_append_new(
        audit, event(11, "2026-11-27T13:30:00.000000Z", "kz_customs", "completed", "inspect",
                     json_pack("{s:s, s:s, s:s, s:{s:i, s:i}}", "party", "KZ", "seat", "customs/KZ",
                               "outcome", "done", "data", "drugs_seized_kg", 40, "crimes_stopped", 1)));
    json_array_append_new(audit,
                          event(12, "2026-11-27T14:00:00.000000Z", "hq", "completed", "consolidate",
                                json_pack("{s:n, s:s, s:s, s:{s:f, s:i}}", "party", "seat", "hq", "outcome",
                                          "done", "data", "total_seized_kg", 40.3, "crimes_stopped", 8)));
    if (strcmp(status, "cancelled") == 0)
        json_array_append_new(audit, event(13, "2026-11-27T14:30:00.000000Z", "hq", "cancelled", NULL,
                                           json_pack("{s:s}", "reason", reason)));
    else
        json_array_append_new(audit, event(13, "2026-11-27T14:30:00.000000Z", "hq", "closed", NULL,
                                           json_pack("{s:s}", "outcome", "resolved")));
    json_array_append_new(audit, event(14, "2026-11-27T14:30:00.000000Z", "hq", "entered", "done", NULL));
    int active = strcmp(status, "active") == 0;
    json_t *crisis = json_pack(
        "{s:i, s:s, s:i, s:s, s:s, s:s?, s:s, s:s, s:[s,s,s], s:s, s:s, s:s?, s:o, s:[{s:s, s:s, s:i, s:s, "
        "s:s, s:{s:i, s:i, s:i, s:i}, s:s}]}",
        "id", 7, "playbook", "interdiction", "version", 2, "title", "Operation <Channel>", "status", status,
        "outcome",
        active                             ? NULL
        : strcmp(status, "cancelled") == 0 ? "cancelled"
                                           : "resolved",
        "severity", "severe", "mode", "exercise", "parties", "KZ", "KG", "TJ", "initiator", "hq",
        "created_at", "2026-11-27T10:00:00Z", "closed_at", active ? NULL : "2026-11-27T14:30:00Z",
        "duration_seconds", active ? json_null() : json_integer(16200), "decisions", "state", "approve",
        "title", "Approve the plan", "visit", 1, "outcome", "approved", "rule", "unanimous", "tally",
        "approve", 2, "reject", 0, "abstain", 0, "pending", 0, "at", "2026-11-27T12:15:30Z");
    assert_non_null(crisis);
    json_t *doc = json_pack("{s:o, s:o, s:{s:b, s:[]}, s:s}", "crisis", crisis, "audit", audit, "verify",
                            "valid", 1, "broken", "generated_at", "2026-11-28T09:00:00Z");
    assert_non_null(doc);
    return doc;
}

static void test_report_outputs_summed_per_party_and_in_total(void **state)
{
    (void)state;
    json_t *in = input("closed", "fine");
    json_t *model = tc_report_model(in);
    json_t *out = json_object_get(model, "outputs");
    json_t *fields = json_object_get(out, "fields");
    assert_int_equal(json_array_size(fields), 2);
    assert_string_equal(json_string_value(json_array_get(fields, 0)), "crimes_stopped");
    assert_string_equal(json_string_value(json_array_get(fields, 1)), "drugs_seized_kg");
    /* In the crisis's order of parties; KG reported nothing. KZ's second report replaced its first. */
    json_t *parties = json_object_get(out, "parties");
    assert_int_equal(json_array_size(parties), 2);
    json_t *kz = json_array_get(parties, 0), *tj = json_array_get(parties, 1);
    assert_string_equal(json_string_value(json_object_get(kz, "party")), "KZ");
    assert_int_equal(json_integer_value(json_object_get(kz, "tasks")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(kz, "sums"), "crimes_stopped")), 5);
    assert_true(json_number_value(json_object_get(json_object_get(kz, "sums"), "drugs_seized_kg")) == 40.1);
    assert_string_equal(json_string_value(json_object_get(tj, "party")), "TJ");
    json_t *total = json_object_get(out, "total");
    assert_true(json_is_integer(json_object_get(total, "crimes_stopped")));
    assert_int_equal(json_integer_value(json_object_get(total, "crimes_stopped")), 8);
    assert_true(json_is_real(json_object_get(total, "drugs_seized_kg")));
    /* The consolidated task of no party is listed, not summed. */
    assert_null(json_object_get(total, "total_seized_kg"));
    assert_int_equal(json_array_size(json_object_get(out, "entries")), 4);
    json_decref(model);

    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    assert_non_null(
        strstr(md, "| Party | Tasks | `crimes_stopped` | `drugs_seized_kg` |\n|---|--:|--:|--:|\n"));
    assert_non_null(strstr(md, "| `KZ` | 2 | 5 | 40.1 |\n"));
    assert_non_null(strstr(md, "| `TJ` | 1 | 3 | 0.2 |\n"));
    assert_non_null(
        strstr(md, "| **Total** | 3 | **8** | **40.3** |\n")); /* 0.1 + 0.2 + 40, not 40.300000000000004 */
    assert_non_null(
        strstr(md,
               "`interdict` `border/KZ` by `kz_border` at 2026-11-27 13:10:00: `crimes_stopped` 4, "
               "`drugs_seized_kg` 0.1, `note` `two couriers`\n"));
    assert_null(strstr(md, "`drugs_seized_kg` 999")); /* in the timeline only */
    assert_non_null(strstr(md, "`consolidate` `hq` by `hq`"));
    char *html = tc_report_render(in, TC_REPORT_HTML);
    assert_non_null(strstr(html,
                           "<tr class=\"total\"><td>Total</td><td class=\"n\">3</td><td class=\"n\">8</td>"
                           "<td class=\"n\">40.3</td></tr>"));
    free(html);
    free(md);
    json_decref(in);
}

static void test_report_decisions_and_escalations(void **state)
{
    (void)state;
    json_t *in = input("closed", "fine");
    json_t *model = tc_report_model(in);
    json_t *d = json_array_get(json_object_get(model, "decisions"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "opened_at")), "2026-11-27T10:00:00.000000Z");
    assert_int_equal(json_integer_value(json_object_get(d, "seconds")), 2 * 3600 + 15 * 60 + 30);
    json_t *votes = json_object_get(d, "votes");
    assert_int_equal(json_array_size(votes), 2);
    json_t *v = json_array_get(votes, 0);
    assert_string_equal(json_string_value(json_object_get(v, "actor")), "kz_deputy");
    assert_string_equal(json_string_value(json_object_get(v, "login")), "alice");
    assert_string_equal(json_string_value(json_object_get(v, "holder")), "kz_head");
    json_t *e = json_array_get(json_object_get(model, "escalations"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "level")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(e, "notified"), 1)), "council/TJ");
    json_t *acted = json_object_get(e, "acted");
    assert_int_equal(json_array_size(acted),
                     2); /* the two votes, not the tasks after the approval was left */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(acted, 0), "seconds")), 1800);
    assert_string_equal(json_string_value(json_object_get(model, "audit_hash")), "f00dfeed");
    json_decref(model);

    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    assert_non_null(strstr(md, "- Rule: `unanimous`; tally: 2 approve, 0 reject, 0 abstain, 0 pending\n"));
    assert_non_null(strstr(md, ": 2h 15m from opening to decision\n"));
    assert_non_null(strstr(md,
                           "  - `council/KZ` **approve** by `kz_deputy` for the seat's holder `kz_head` "
                           "(logged in as `alice`) at 2026-11-27 11:30:00: `fine`\n"));
    assert_non_null(
        strstr(md, "  - `council/TJ` **approve** by `tj_head` at 2026-11-27 12:15:30: no reason given\n"));
    assert_non_null(
        strstr(md,
               "- `approve` level 1 at 2026-11-27 11:00:00, by `hq`: `slow`\n"
               "  - Notified: `council/KZ`, `council/TJ`\n"
               "  - Acted after: `kz_deputy` (vote, 30m 00s later), `tj_head` (vote, 1h 15m later)\n"));
    assert_non_null(strstr(md, "- Duration: 4h 30m\n"));
    assert_non_null(strstr(md, "- Final hash: `f00dfeed`\n- Chain verifies: yes\n"));
    free(md);
    json_decref(in);
}

static void test_report_html_escapes_a_hostile_reason(void **state)
{
    (void)state;
    json_t *in = input("cancelled", HOSTILE);
    char *html = tc_report_render(in, TC_REPORT_HTML);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<Channel>"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert_non_null(strstr(html, "<title>Crisis 7: Operation &lt;Channel&gt;</title>"));
    /* Self-contained: no script, nothing fetched. */
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "href="));
    assert_null(strstr(html, "url("));
    assert_non_null(strstr(html, "@media print"));
    free(html);
    json_decref(in);
}

/* Every line of md that starts a block (a heading, a list item, a quote, a table row, a fence) is the
 * report's. */
static void test_report_markdown_structure_survives_a_reason(void **state)
{
    (void)state;
    json_t *in = input("cancelled", TRICKY);
    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    /* Verbatim on one line, in a code span of four backticks (the reason has a run of three). */
    assert_non_null(strstr(md,
                           "(logged in as `alice`) at 2026-11-27 11:30:00: "
                           "````yes | no\\n# Heading?\\n- item ``` `code` |````\n"));
    assert_non_null(strstr(md,
                           "> **This crisis was cancelled** by `hq` at 2026-11-27 14:30:00 UTC. Reason: "
                           "````yes | no\\n# Heading?\\n- item ``` `code` |````\n"));
    int headings = 0, fences = 0;
    for (const char *line = md; line != NULL && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (line[0] == '#') {
            headings++;
            assert_true(strncmp(line, "# Crisis 7", 10) == 0 || strncmp(line, "## ", 3) == 0 ||
                        strncmp(line, "### `approve`", 13) == 0);
        }
        if (line[0] == '|')
            assert_null(memchr(line, '\\', (size_t)(strchr(line, '\n') - line))); /* no reason in a table */
        if (strncmp(line, "```", 3) == 0)
            fences++;
    }
    assert_int_equal(headings, 1 + 6 + 1); /* title, six sections, one decision */
    /* The timeline's fence, opened and closed, and longer than any run of backticks inside it. */
    assert_int_equal(fences, 2);
    assert_non_null(strstr(md, "````text\n"));
    free(md);
    json_decref(in);
    /* A reason that begins and ends with a backtick: padded, as CommonMark strips one space each side. */
    in = input("closed", TICKS);
    md = tc_report_render(in, TC_REPORT_MARKDOWN);
    assert_non_null(strstr(md, " at 2026-11-27 11:30:00: `` `ends with a tick` ``\n"));
    free(md);
    json_decref(in);
}

static void test_report_cancelled_and_active_are_flagged(void **state)
{
    (void)state;
    json_t *in = input("cancelled", "floods closed the route");
    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    assert_non_null(strstr(md,
                           "# Crisis 7: report\n\n> **This crisis was cancelled** by `hq` at 2026-11-27 "
                           "14:30:00 UTC. Reason: `floods closed the route`\n"));
    assert_null(strstr(md, "provisional"));
    free(md);
    char *html = tc_report_render(in, TC_REPORT_HTML);
    assert_non_null(strstr(html,
                           "<p class=\"banner cancelled\"><strong>This crisis was cancelled</strong> by "
                           "<code>hq</code>"));
    free(html);
    json_decref(in);

    in = input("active", "fine");
    md = tc_report_render(in, TC_REPORT_MARKDOWN);
    assert_non_null(strstr(md,
                           "# Crisis 7: report\n\n> **This crisis is still active. This report is "
                           "provisional**: it says what was recorded until 2026-11-28 09:00:00 UTC"));
    assert_non_null(strstr(md, "- Duration: none yet (still active)\n"));
    assert_null(strstr(md, "cancelled"));
    free(md);
    html = tc_report_render(in, TC_REPORT_HTML);
    assert_non_null(strstr(html,
                           "<p class=\"banner active\"><strong>This crisis is still active. This report is "
                           "provisional:</strong>"));
    free(html);
    json_decref(in);

    in = input("closed", "fine");
    md = tc_report_render(in, TC_REPORT_MARKDOWN);
    assert_null(strstr(md, "provisional"));
    assert_null(strstr(md, "> **"));
    free(md);
    json_decref(in);
}

static void test_report_format_names_and_empty_input(void **state)
{
    (void)state;
    assert_int_equal(tc_report_format_parse("md"), TC_REPORT_MARKDOWN);
    assert_int_equal(tc_report_format_parse("html"), TC_REPORT_HTML);
    assert_int_equal(tc_report_format_parse("pdf"), -1);
    assert_int_equal(tc_report_format_parse(NULL), -1);
    /* Whatever the input lacks, the renderers write a whole document. */
    json_t *empty = json_object();
    char *md = tc_report_render(empty, TC_REPORT_MARKDOWN);
    assert_non_null(strstr(md, "- Chain verifies: **no**\n"));
    char *html = tc_report_render(empty, TC_REPORT_HTML);
    assert_non_null(strstr(html, "</html>\n"));
    free(md);
    free(html);
    json_decref(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_outputs_summed_per_party_and_in_total),
        cmocka_unit_test(test_report_decisions_and_escalations),
        cmocka_unit_test(test_report_html_escapes_a_hostile_reason),
        cmocka_unit_test(test_report_markdown_structure_survives_a_reason),
        cmocka_unit_test(test_report_cancelled_and_active_are_flagged),
        cmocka_unit_test(test_report_format_names_and_empty_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
