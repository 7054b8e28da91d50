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

#include "core/base/strbuf.h"
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

/* An audit event with only what is given (NULL: the key is left out); detail is JSON text. */
static json_t *ev(int seq, const char *at, const char *actor, const char *login, const char *kind,
                  const char *state, const char *detail)
{
    json_t *e = json_pack("{s:i}", "seq", seq);
    if (at)
        json_object_set_new(e, "at", json_string(at));
    if (actor)
        json_object_set_new(e, "actor", json_string(actor));
    if (login)
        json_object_set_new(e, "login", json_string(login));
    if (kind)
        json_object_set_new(e, "kind", json_string(kind));
    if (state)
        json_object_set_new(e, "state", json_string(state));
    if (detail) {
        json_t *d = json_loads(detail, 0, NULL);
        assert_non_null(d);
        json_object_set_new(e, "detail", d);
    }
    json_object_set_new(e, "hash", json_string("h"));
    return e;
}

/*
 * A cancelled crisis whose record is odd in every way the model must bear: no created_at (offsets from the
 * first event), a decision visited twice, one decided by its deadline with no "left" event, one never
 * entered, votes of every kind, escalations by the ladder, by hand, and of no state, acts inside and
 * beside the escalated state, completions of a party the crisis does not list, of no state, with data
 * that is no object, mixed integer and real sums, a field name with a '|'; no "cancelled" event; a chain
 * that does not verify.
 */
static json_t *odd_input(const char *long_reason)
{
    json_t *a = json_array();
    json_array_append_new(a, ev(1, "2026-11-27T10:00:00.5Z", "hq", "hq", "triggered", NULL,
                                "{\"severity\": \"moderate\", \"mode\": \"test\", \"parties\": [\"KZ\"]}"));
    json_array_append_new(
        a, ev(2, "2026-11-27T10:00:01.2345678Z", "hq", "hq", "entered", "vote", "{\"visit\": 1}"));
    json_array_append_new(a, ev(3, "2026-11-27T10:00:30Z", "ru", "ru", "vote", "vote",
                                "{\"seat\": \"council/RU\", \"vote\": \"approve\"}"));
    json_array_append_new(a, ev(4, "2026-11-27T10:01:00Z", "hq", "hq", "left", "vote",
                                "{\"visit\": 1, \"outcome\": \"rejected\"}"));
    json_array_append_new(a, ev(5, "2026-11-27T11:00:00Z", "hq", "hq", "entered", "vote", "{\"visit\": 2}"));
    json_array_append_new(a, ev(6, "2026-11-27T11:05:00Z", "kz", "kz", "vote", "other",
                                "{\"seat\": \"council/KZ\", \"vote\": \"approve\"}"));
    json_array_append_new(
        a, ev(7, "2026-11-27T11:10:00Z", "kz_deputy", "kz_deputy", "vote", "vote",
              "{\"seat\": \"council/KZ\", \"vote\": \"reject\", \"changed_from\": \"approve\", "
              "\"reason\": \"padded \"}"));
    json_t *tj = ev(8, "2026-11-27T11:20:00Z", "tj", NULL, "vote", "vote",
                    "{\"seat\": \"council/TJ\", \"vote\": \"abstain\"}");
    json_object_set_new(json_object_get(tj, "detail"), "reason", json_string(long_reason));
    json_array_append_new(a, tj);
    json_array_append_new(a, ev(9, "yesterday", "kg", "kg", "vote", "vote",
                                "{\"seat\": \"council/KG\", \"vote\": \"maybe<b>\"}"));
    json_array_append_new(a, ev(10, "2026-11-27T12:00:00Z", "hq", "hq", "left", "vote",
                                "{\"visit\": 2, \"outcome\": \"rejected\"}"));
    json_array_append_new(a,
                          ev(11, "2026-11-27T12:00:00Z", "hq", "hq", "entered", "silent", "{\"visit\": 1}"));
    json_array_append_new(a, ev(12, "2026-11-27T12:05:00Z", NULL, NULL, "escalated", "operate",
                                "{\"level\": 1, \"severity\": \"severe\"}"));
    json_array_append_new(a, ev(13, "2026-11-27T12:05:00Z", NULL, NULL, "notified", "operate",
                                "{\"level\": 2, \"seats\": [\"council/KZ\"]}"));
    json_array_append_new(a, ev(14, "2026-11-27T12:05:00Z", NULL, NULL, "notified", "operate",
                                "{\"level\": 1, \"seats\": \"council/KZ\"}"));
    json_array_append_new(a, ev(15, "2026-11-27T12:06:00Z", "kz", "kz", "vote", "operate/border",
                                "{\"seat\": \"council/KZ\", \"vote\": \"approve\"}"));
    json_array_append_new(a,
                          ev(16, "2026-11-27T12:07:00Z", "kz", "alice", "completed", "operate/border/close",
                             "{\"party\": \"KZ\", \"seat\": \"border/KZ\", \"data\": {\"kg\": 1, \"note\": "
                             "[\"a\", \"b\"], \"ok\": true}}"));
    json_array_append_new(
        a, ev(17, "2026-11-27T12:07:00Z", NULL, NULL, "acked", "operate", "{\"seat\": \"x\"}"));
    json_array_append_new(a,
                          ev(18, "2026-11-27T12:08:00Z", "zz", "zz", "completed", "operator",
                             "{\"party\": \"XX\", \"seat\": \"x/XX\", \"data\": {\"kg\": 0.5, \"a|b\": 2}}"));
    json_array_append_new(a, ev(19, "2026-11-27T12:08:00Z", "yy", "yy", "completed", NULL,
                                "{\"party\": \"KZ\", \"seat\": \"border/KZ\", \"data\": \"not an object\"}"));
    json_array_append_new(a, ev(20, "soon", "tj", "tj", "acked", "operate", "{\"seat\": \"border/TJ\"}"));
    json_array_append_new(a, ev(21, "2026-11-27T12:10:00Z", "hq", "hq", "escalated", "patrol",
                                "{\"level\": 2, \"manual\": true, \"notify\": [\"council\"]}"));
    json_array_append_new(a, ev(22, "2026-11-27T12:20:00Z", "hq", "hq", "escalated", NULL,
                                "{\"level\": 3, \"manual\": true, \"reason\": \"<i>why</i>\"}"));
    json_array_append_new(a, ev(23, "2026-11-27T12:21:00Z", "kz", "kz", "vote", "patrol",
                                "{\"seat\": \"council/KZ\", \"vote\": \"approve\"}"));
    json_array_append_new(a, ev(24, "2026-11-27T12:25:00Z", "tj", "tj", "completed", "sweep",
                                "{\"party\": \"TJ\", \"seat\": \"border/TJ\", \"data\": {\"kg\": 0.25, "
                                "\"nested\": {\"b\": 1, \"a\": 2}}}"));
    json_array_append_new(a,
                          ev(25, "2026-11-27T12:30:00Z", "hq", "hq", "closed", NULL, "{\"outcome\": \"x\"}"));
    json_array_append_new(a, ev(26, "2026-11-27T12:31:00Z", "kz", "kz", "completed", "sweep",
                                "{\"party\": \"KZ\", \"seat\": \"sweep/KZ\", \"data\": {\"kg\": 2.5}}"));
    json_array_append_new(a, ev(27, "2026-11-27T12:32:00Z", "xx", "xx", "completed", "sweep",
                                "{\"party\": \"XX\", \"seat\": \"sweep/XX\", \"data\": {\"kg\": 2}}"));
    json_array_append_new(a, ev(28, "2026-11-27T12:33:00Z", "hq", "hq", "completed", "consolidate",
                                "{\"seat\": \"hq\", \"data\": {\"share\": 0.30000000000000004}}"));
    json_array_append_new(
        a, ev(29, "2026-11-27T12:34:00Z", "hq", "hq", "completed", "review", "{\"data\": {}}"));
    json_array_append_new(a, ev(30, "2026-11-27T12:35:00Z", "hq", "hq", NULL, NULL, NULL));
    json_t *crisis = json_loads(
        "{\"id\": 9, \"playbook\": \"drill\", \"version\": 1, \"title\": \"Line one\\nLine two <b>`\", "
        "\"status\": \"cancelled\", \"outcome\": \"cancelled\", \"severity\": \"moderate\", \"mode\": "
        "\"test\", "
        "\"parties\": [\"KZ\", 5, \"TJ\", \"KG\"], \"initiator\": \"hq\", \"duration_seconds\": 90061, "
        "\"decisions\": ["
        "{\"state\": \"vote\", \"visit\": 2, \"outcome\": \"rejected\", \"rule\": \"majority\", \"tally\": "
        "{\"approve\": 0, \"reject\": 1, \"abstain\": 1, \"pending\": 1}, \"at\": \"2026-11-27T12:00:00Z\"},"
        "{\"state\": \"silent\", \"visit\": 1, \"outcome\": \"approved\", \"rule\": \"silence\", \"at\": "
        "\"2026-11-27T09:00:00Z\"},"
        "{\"state\": \"ghost\", \"visit\": 1, \"outcome\": \"expired\", \"rule\": \"any\", \"at\": "
        "\"never\"}]}",
        0, NULL);
    assert_non_null(crisis);
    json_t *doc = json_pack("{s:o, s:o, s:{s:b, s:[{s:i, s:s}, {s:i, s:s}, {s:i}]}, s:s}", "crisis", crisis,
                            "audit", a, "verify", "valid", 0, "broken", "seq", 4, "problem", "edited", "seq",
                            9, "problem", "Odd Problem", "seq", 12, "generated_at", "2026-11-28T09:00:00Z");
    assert_non_null(doc);
    return doc;
}

static void has(const char *doc, const char *part)
{
    if (strstr(doc, part) == NULL) {
        fprintf(stderr, "no\n%s\nin:\n%s\n", part, doc); /* cmocka cuts a long message */
        fail_msg("no %.200s", part);
    }
}

static void test_report_model_of_an_odd_record(void **state)
{
    (void)state;
    json_t *in = odd_input("short");
    json_t *model = tc_report_model(in);
    json_t *timeline = json_object_get(model, "timeline");
    assert_int_equal(json_array_size(timeline), 30);
    /* No created_at: offsets from the first event (10:00:00.500), a time that is none has no offset. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(timeline, 1), "offset")),
                        "+00:00:00");
    assert_string_equal(json_string_value(json_object_get(json_array_get(timeline, 2), "offset")),
                        "+00:00:29");
    assert_string_equal(json_string_value(json_object_get(json_array_get(timeline, 8), "offset")), "");
    /* The event with no kind is described, not a crash. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(timeline, 29), "text")), "crisis ?");

    json_t *decisions = json_object_get(model, "decisions");
    json_t *d = json_array_get(decisions, 0);
    /* Visit 2's votes only: not visit 1's, not another state's between the two. */
    assert_string_equal(json_string_value(json_object_get(d, "opened_at")), "2026-11-27T11:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(d, "seconds")), 3600);
    json_t *votes = json_object_get(d, "votes");
    assert_int_equal(json_array_size(votes), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(votes, 0), "changed_from")),
                        "approve");
    assert_true(json_is_null(json_object_get(json_array_get(votes, 1), "login")));
    assert_true(json_is_null(json_object_get(json_array_get(votes, 0), "holder")));
    /* Decided by its deadline, no "left" event: decided at the crisis's word, before it opened: no time. */
    d = json_array_get(decisions, 1);
    assert_string_equal(json_string_value(json_object_get(d, "opened_at")), "2026-11-27T12:00:00Z");
    assert_string_equal(json_string_value(json_object_get(d, "decided_at")), "2026-11-27T09:00:00Z");
    assert_true(json_is_null(json_object_get(d, "seconds")));
    assert_int_equal(json_array_size(json_object_get(d, "votes")), 0);
    d = json_array_get(decisions, 2);
    assert_true(json_is_null(json_object_get(d, "opened_at")));
    assert_string_equal(json_string_value(json_object_get(d, "decided_at")), "never");
    assert_true(json_is_null(json_object_get(d, "seconds")));

    json_t *esc = json_object_get(model, "escalations");
    assert_int_equal(json_array_size(esc), 3);
    json_t *e = json_array_get(esc, 0);
    assert_false(json_is_true(json_object_get(e, "manual")));
    assert_true(json_is_null(json_object_get(e, "by")));
    assert_string_equal(json_string_value(json_object_get(e, "severity")), "severe");
    assert_int_equal(json_array_size(json_object_get(e, "notify")), 0);
    assert_int_equal(json_array_size(json_object_get(e, "notified")),
                     0); /* level 2's, and seats not a list */
    /* Inside the state, each actor once; not the acker of no name, not "operator", not an event of no state.
     */
    json_t *acted = json_object_get(e, "acted");
    assert_int_equal(json_array_size(acted), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(acted, 0), "actor")), "kz");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(acted, 0), "seconds")), 60);
    assert_string_equal(json_string_value(json_object_get(json_array_get(acted, 1), "actor")), "tj");
    assert_string_equal(json_string_value(json_object_get(json_array_get(acted, 1), "kind")), "acked");
    assert_true(json_is_null(json_object_get(json_array_get(acted, 1), "seconds")));
    e = json_array_get(esc, 1);
    assert_string_equal(json_string_value(json_object_get(e, "by")), "hq");
    assert_int_equal(json_array_size(json_object_get(e, "acted")), 1); /* kz's vote; nothing after "closed" */
    /* An escalation of no state: no one is counted as acting on it (this crashed: strlen(NULL)). */
    e = json_array_get(esc, 2);
    assert_true(json_is_null(json_object_get(e, "state")));
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "<i>why</i>");
    assert_int_equal(json_array_size(json_object_get(e, "acted")), 0);

    json_t *out = json_object_get(model, "outputs");
    json_t *parties = json_object_get(out, "parties");
    /* The crisis's order (5 is no party, KG reported nothing), then XX, which only a completion names. */
    assert_int_equal(json_array_size(parties), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(parties, 2), "party")), "XX");
    json_t *kz = json_object_get(json_array_get(parties, 0), "sums");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(parties, 0), "tasks")), 3);
    assert_true(json_is_real(json_object_get(kz, "kg"))); /* 1 + 2.5 */
    assert_true(json_real_value(json_object_get(kz, "kg")) == 3.5);
    json_t *xx = json_object_get(json_array_get(parties, 2), "sums");
    assert_true(json_is_real(json_object_get(xx, "kg"))); /* 0.5 + 2 */
    assert_true(json_real_value(json_object_get(xx, "kg")) == 2.5);
    assert_true(json_is_integer(json_object_get(xx, "a|b")));
    json_t *total = json_object_get(out, "total");
    assert_true(json_real_value(json_object_get(total, "kg")) == 6.25);
    assert_null(json_object_get(total, "share")); /* of no party */
    json_t *entries = json_object_get(out, "entries");
    assert_int_equal(json_array_size(entries), 8);
    assert_true(json_is_null(json_object_get(json_array_get(entries, 2), "state")));
    assert_true(json_is_null(json_object_get(json_array_get(entries, 2), "data")));

    assert_true(json_is_null(json_object_get(model, "cancel")));
    assert_false(json_is_true(json_object_get(model, "verified")));
    assert_int_equal(json_array_size(json_object_get(model, "broken")), 3);
    json_decref(model);
    json_decref(in);
}

static void test_report_markdown_of_an_odd_record(void **state)
{
    (void)state;
    json_t *in = odd_input("short");
    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    /* Cancelled with no "cancelled" event: the banner, and nothing it cannot say. */
    has(md, "# Crisis 9: report\n\n> **This crisis was cancelled**\n\n## Summary\n\n");
    has(md, "- Title: `` Line one\\nLine two <b>` ``\n");
    has(md, "- Parties: `KZ`, (none), `TJ`, `KG`\n");
    has(md, "- Triggered by `hq` at ? UTC\n");
    has(md, "- Duration: 1d 01h 01m\n");
    has(md, "- Decisions: 3; escalations: 3; audit events: 30\n");
    /* The timeline: the time that is none is "?", the event of no actor "?". */
    has(md, "   9  ?               kg  vote vote council/KG maybe<b> by kg\n");
    has(md,
        "  12  2026-11-27 12:05:00  +02:04:59    ?  operate escalated to level 1, severity raised to "
        "severe\n");
    has(md, "  30  2026-11-27 12:35:00  +02:34:59    hq  crisis ?\n");
    /* A decision of no title; a vote changed, one with a reason padded, one with a word that is not ours. */
    has(md,
        "### `vote` (visit 2): `rejected`\n\n- Rule: `majority`; tally: 0 approve, 1 reject, 1 abstain, 1 "
        "pending\n- Opened 2026-11-27 11:00:00, decided 2026-11-27 12:00:00: 1h 00m from opening to "
        "decision\n"
        "- Votes:\n"
        "  - `council/KZ` **reject** (was `approve`) by `kz_deputy` at 2026-11-27 11:10:00: ` padded  `\n"
        "  - `council/TJ` **abstain** by `tj` at 2026-11-27 11:20:00: `short`\n"
        "  - `council/KG` **`maybe<b>`** by `kg` at ?: no reason given\n\n");
    has(md,
        "### `silent` (visit 1): `approved`\n\n- Rule: `silence`; tally: 0 approve, 0 reject, 0 abstain, 0 "
        "pending\n- Opened 2026-11-27 12:00:00, decided 2026-11-27 09:00:00\n- Votes: none (decided by its "
        "deadline)\n\n");
    has(md, "- Opened ?, decided ?\n");
    /* Escalations: by the ladder, by hand with no reason, of no state with one. */
    has(md,
        "- `operate` level 1 at 2026-11-27 12:05:00, by its ladder; severity raised to `severe`\n"
        "  - Notified: no one\n  - Acted after: `kz` (vote, 1m 00s later), `tj` (acked)\n");
    has(md,
        "- `patrol` level 2 at 2026-11-27 12:10:00, by `hq`\n  - Notified: `council`\n"
        "  - Acted after: `kz` (vote, 11m 00s later)\n");
    has(md,
        "- (none) level 3 at 2026-11-27 12:20:00, by `hq`: `<i>why</i>`\n  - Notified: no one\n"
        "  - Acted after: no one\n");
    /* The table: a '|' in a field's name escaped for GitHub, an empty cell where a party has no sum. */
    has(md,
        "| Party | Tasks | `a\\|b` | `kg` |\n|---|--:|--:|--:|\n"
        "| `KZ` | 3 |  | 3.5 |\n| `TJ` | 1 |  | 0.25 |\n| `XX` | 2 | 2 | 2.5 |\n"
        "| **Total** | 6 | **2** | **6.25** |\n");
    has(md,
        "- `operate/border/close` `border/KZ` by `kz` at 2026-11-27 12:07:00: `kg` 1, `note` "
        "`[\"a\",\"b\"]`, "
        "`ok` `true`\n");
    has(md, "- (none) `border/KZ` by `yy` at 2026-11-27 12:08:00: no outputs\n");
    has(md, "`nested` `{\"a\":2,\"b\":1}`\n");
    has(md, "- `consolidate` `hq` by `hq` at 2026-11-27 12:33:00: `share` 0.30000000000000004\n");
    has(md, "- `review` (none) by `hq` at 2026-11-27 12:34:00: no outputs\n");
    has(md,
        "- Final hash: `h`\n- Chain verifies: **no**\n  - broken at event 4: edited\n"
        "  - broken at event 9: `Odd Problem`\n  - broken at event 12: (none)\n");
    free(md);
    json_decref(in);
}

static void test_report_html_of_an_odd_record(void **state)
{
    (void)state;
    /* A reason of 20,000 characters is shown whole, escaped. */
    char *reason = malloc(20001);
    for (int i = 0; i < 20000; i++)
        reason[i] = "<&>\"'"[i % 5];
    reason[20000] = '\0';
    json_t *in = odd_input(reason);
    char *html = tc_report_render(in, TC_REPORT_HTML);
    has(html, "<title>Crisis 9: Line one\\nLine two &lt;b&gt;`</title>");
    has(html, "<p class=\"banner cancelled\"><strong>This crisis was cancelled</strong></p>\n");
    has(html, "<tr><th>Parties</th><td>KZ, <span class=\"none\">(none)</span>, TJ, KG</td></tr>\n");
    has(html,
        "<tr><th>Status</th><td><strong>cancelled</strong>, outcome <strong>cancelled</strong></td></tr>\n");
    has(html, "<tr><th>Duration</th><td>1d 01h 01m</td></tr>\n");
    /* The timeline names a login that is not the actor's. */
    has(html, "<td><code>kz</code> (as <code>alice</code>)</td>");
    has(html, "<td class=\"n mono\"></td><td><code>kg</code></td>");
    has(html, "<h3><code>vote</code>: <strong>rejected</strong></h3>\n");
    has(html, "<td><span class=\"reject\">reject</span> (was approve)</td><td><code>kz_deputy</code></td>");
    has(html, "<td><span class=\"abstain\">abstain</span></td><td><code>tj</code></td>");
    has(html,
        "<td><span class=\"none\">maybe&lt;b&gt;</span></td><td><code>kg</code></td><td><span "
        "class=\"when\">?</span></td><td class=\"reason\"><span class=\"none\">no reason given</span>");
    tc_strbuf sb = TC_STRBUF_INIT;
    for (int i = 0; i < 4000; i++)
        tc_strbuf_add(&sb, "&lt;&amp;&gt;&quot;&#39;");
    has(html, sb.text);
    tc_strbuf_release(&sb);
    has(html,
        ": <strong><span class=\"none\">-</span></strong> from opening to decision.</p>\n<p "
        "class=\"none\">No vote was cast: decided by its deadline.</p></div>\n");
    has(html,
        "<td>its ladder; severity raised to severe</td><td><span class=\"none\">no one</span></td>"
        "<td><code>kz</code> vote, 1m 00s later<br><code>tj</code> acked</td></tr>\n");
    has(html,
        "<td>by <code>hq</code></td><td><code>council</code></td><td><code>kz</code> vote, 11m 00s "
        "later</td>");
    has(html, "<tr><td><code><span class=\"none\">(none)</span></code></td><td class=\"n\">3</td>");
    has(html, "<td>by <code>hq</code>: <span class=\"reason\">&lt;i&gt;why&lt;/i&gt;</span></td>");
    has(html, "<th class=\"n\">a|b</th><th class=\"n\">kg</th>");
    has(html, "<tr><td>KZ</td><td class=\"n\">3</td><td class=\"n\"></td><td class=\"n\">3.5</td></tr>\n");
    has(html,
        "<code>note</code> <code>[&quot;a&quot;,&quot;b&quot;]</code><br><code>ok</code> "
        "<code>true</code>");
    has(html, "<td class=\"reason\"><span class=\"none\">none</span></td>");
    has(html, "<code>share</code> 0.30000000000000004");
    has(html,
        "<span class=\"bad\">no</span><br>broken at event 4: edited<br>broken at event 9: Odd "
        "Problem<br>broken at event 12: <span class=\"none\">(none)</span></td>");
    assert_null(strstr(html, "<b>"));
    assert_null(strstr(html, "<i>"));
    free(html);
    json_decref(in);
    free(reason);
}

/* Times as the report reads them: offsets from the trigger, and "?" for what is not a UTC time of ours. */
static void test_report_times(void **state)
{
    (void)state;
    static const struct {
        const char *at, *offset, *when;
    } cases[] = {
        {"2026-11-27T10:00:00Z", "+00:00:00", "2026-11-27 10:00:00"},
        {"2026-11-27T10:00:00.5Z", "+00:00:00", "2026-11-27 10:00:00"},
        {"2026-11-28T11:01:01.999999Z", "+25:01:01", "2026-11-28 11:01:01"},
        {"2026-11-27T10:00:60Z", "+00:01:00", "2026-11-27 10:00:60"}, /* a leap second */
        {"2026-02-28T10:00:00Z", "", "2026-02-28 10:00:00"},          /* before the trigger */
        {"0000-01-01T00:00:00Z", "", "0000-01-01 00:00:00"},
        {"2026-11-27 10:00:00Z", "", "?"},
        {"2026-1-27T10:00:00Z", "", "?"},
        {"2026-11-27T-1:00:00Z", "", "?"}, /* sscanf's %d took this for hour -1 */
        {"+026-11-27T10:00:00Z", "", "?"},
        {"2026-00-27T10:00:00Z", "", "?"},
        {"2026-13-27T10:00:00Z", "", "?"},
        {"2026-11-00T10:00:00Z", "", "?"},
        {"2026-11-32T10:00:00Z", "", "?"},
        {"2026-11-27T24:00:00Z", "", "?"},
        {"2026-11-27T10:60:00Z", "", "?"},
        {"2026-11-27T10:00:61Z", "", "?"},
        {"2026-11-27T10:00:00", "", "?"},
        {"2026-11-27T10:00:00+00:00", "", "?"},
        {"2026-11-27T10:00:00.12+01:00", "", "?"},
        {"2026", "", "?"},
        {"", "", "?"},
        {NULL, "", "?"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    json_t *audit = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(audit, ev((int)i + 1, cases[i].at, "hq", "hq", "refused", NULL, "{}"));
    json_t *in = json_pack("{s:{s:i, s:s}, s:o}", "crisis", "id", 1, "created_at", "2026-11-27T10:00:00Z",
                           "audit", audit);
    json_t *model = tc_report_model(in);
    char *html = tc_report_render(in, TC_REPORT_HTML);
    for (size_t i = 0; i < n; i++) {
        json_t *line = json_array_get(json_object_get(model, "timeline"), i);
        if (strcmp(json_string_value(json_object_get(line, "offset")), cases[i].offset) != 0)
            fail_msg("%s: offset %s, not %s", cases[i].at ? cases[i].at : "(none)",
                     json_string_value(json_object_get(line, "offset")), cases[i].offset);
        char row[200];
        snprintf(row, sizeof row,
                 "<tr><td class=\"n\">%zu</td><td><span class=\"when\">%s</span></td><td class=\"n "
                 "mono\">%s</td>",
                 i + 1, cases[i].when, cases[i].offset);
        has(html, row);
    }
    free(html);
    json_decref(model);
    json_decref(in);

    /* Neither created_at nor a first event's time: no offsets at all. Events of no seq are in the timeline
     * too (they were left out: json_pack refused a missing seq). */
    in = json_pack("{s:{s:i}, s:[{s:s, s:s}, {s:s, s:s}]}", "crisis", "id", 2, "audit", "kind", "refused",
                   "at", "soon", "kind", "refused", "at", "2026-11-27T10:00:00Z");
    model = tc_report_model(in);
    json_t *timeline = json_object_get(model, "timeline");
    assert_int_equal(json_array_size(timeline), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(timeline, 1), "offset")), "");
    assert_true(json_is_null(json_object_get(json_array_get(timeline, 1), "seq")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(timeline, 1), "text")),
                        "crisis refused command: ?");
    json_decref(model);
    json_decref(in);
}

/* Durations in words, as the summary says them, at each unit's edge. */
static void test_report_durations(void **state)
{
    (void)state;
    static const struct {
        long long seconds;
        const char *words;
    } cases[] = {
        {0, "0s"},        {59, "59s"},        {60, "1m 00s"},        {3599, "59m 59s"},
        {3600, "1h 00m"}, {86399, "23h 59m"}, {86400, "1d 00h 00m"}, {1000000, "11d 13h 46m"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *in =
            json_pack("{s:{s:i, s:I}}", "crisis", "id", 1, "duration_seconds", (json_int_t)cases[i].seconds);
        char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
        char line[64];
        snprintf(line, sizeof line, "\n- Duration: %s\n", cases[i].words);
        has(md, line);
        free(md);
        json_decref(in);
    }
}

/* What is not the shape the model reads (a crisis that is no object, an audit that is no list) is ignored. */
static void test_report_input_of_the_wrong_shape(void **state)
{
    (void)state;
    json_t *in = json_pack("{s:s, s:{}, s:{s:s, s:{}}, s:i}", "crisis", "x", "audit", "verify", "valid",
                           "yes", "broken", "generated_at", 5);
    json_t *model = tc_report_model(in);
    assert_true(json_is_object(json_object_get(model, "crisis")));
    assert_int_equal(json_object_size(json_object_get(model, "crisis")), 0);
    assert_int_equal(json_integer_value(json_object_get(model, "audit_events")), 0);
    assert_true(json_is_null(json_object_get(model, "audit_hash")));
    assert_false(json_is_true(json_object_get(model, "verified")));
    assert_int_equal(json_array_size(json_object_get(model, "broken")), 0);
    assert_true(json_is_null(json_object_get(model, "generated_at")));
    json_decref(model);
    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    has(md, "# Crisis 0: report\n\n## Summary\n\n- Title: (none)\n");
    has(md, "## Timeline\n\nTimes in UTC; the offset is from the trigger.\n\n```text\n(no events)\n```\n\n");
    has(md,
        "No approval was decided.\n\n## Escalations\n\nNone.\n\n## Task outputs\n\nNo task reported "
        "outputs.\n");
    has(md, "- Final hash: (none)\n");
    has(md, "Report made by tocsin at ? UTC.\n");
    free(md);
    char *html = tc_report_render(in, TC_REPORT_HTML);
    has(html,
        "<p class=\"none\">No approval was decided.</p>\n</section>\n<section><h2>Escalations</h2>\n<p "
        "class=\"none\">None.</p></section>\n");
    has(html, "<span class=\"none\">none yet: still active</span>");
    free(html);
    json_decref(in);

    /* An empty title is said to be empty, not left as an empty code span. */
    in = json_pack("{s:{s:s}}", "crisis", "title", "");
    md = tc_report_render(in, TC_REPORT_MARKDOWN);
    has(md, "- Title: (empty)\n");
    free(md);
    json_decref(in);
}

/* An escalation's acts end when the crisis is cancelled, not when another state is left; a vote that
 * names no choice is shown as none. */
static void test_report_escalation_until_cancelled(void **state)
{
    (void)state;
    json_t *a = json_array();
    json_array_append_new(a, ev(1, "2026-11-27T10:00:00Z", "hq", "hq", "entered", "ask", "{\"visit\": 1}"));
    json_array_append_new(a, ev(2, "2026-11-27T10:10:00Z", NULL, NULL, "escalated", "ask", "{\"level\": 1}"));
    json_array_append_new(a,
                          ev(3, "2026-11-27T10:11:00Z", "hq", "hq", "left", "elsewhere", "{\"visit\": 1}"));
    json_array_append_new(
        a, ev(4, "2026-11-27T10:12:00Z", "kz", "kz", "vote", "ask", "{\"seat\": \"council/KZ\"}"));
    json_array_append_new(
        a, ev(5, "2026-11-27T10:13:00Z", "hq", "hq", "cancelled", NULL, "{\"reason\": \"over\"}"));
    json_array_append_new(
        a, ev(6, "2026-11-27T10:14:00Z", "tj", "tj", "vote", "ask", "{\"seat\": \"council/TJ\"}"));
    json_array_append_new(a, ev(7, "2026-11-27T10:15:00Z", "hq", "hq", "left", "ask", "{\"visit\": 1}"));
    json_t *in =
        json_pack("{s:{s:i, s:s, s:[{s:s, s:i, s:s}]}, s:o}", "crisis", "id", 4, "status", "cancelled",
                  "decisions", "state", "ask", "visit", 1, "outcome", "rejected", "audit", a);
    json_t *model = tc_report_model(in);
    json_t *acted = json_object_get(json_array_get(json_object_get(model, "escalations"), 0), "acted");
    assert_int_equal(json_array_size(acted), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(acted, 0), "actor")), "kz");
    json_t *cancel = json_object_get(model, "cancel");
    assert_string_equal(json_string_value(json_object_get(cancel, "reason")), "over");
    assert_true(json_is_null(json_object_get(
        json_array_get(json_object_get(json_array_get(json_object_get(model, "decisions"), 0), "votes"), 0),
        "vote")));
    json_decref(model);
    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    has(md, "  - `council/KZ` **(none)** by `kz` at 2026-11-27 10:12:00: no reason given\n");
    has(md, "  - Acted after: `kz` (vote, 2m 00s later)\n");
    free(md);
    char *html = tc_report_render(in, TC_REPORT_HTML);
    has(html, "<td><span class=\"none\"><span class=\"none\">(none)</span></span></td>");
    free(html);
    json_decref(in);
}

/*
 * The edges of the model: an escalation that no one has left yet (its acts run to the end of the record),
 * told by its ladder, whose roles are not a list, notified first in another state, then with no seats, then
 * twice (the first with seats counts); a state whose name only starts with the escalated one's is not
 * inside it; parties that are not strings are skipped; a completion of no data; fields that come in reverse
 * order are sorted; a sum that needs all 17 digits to read back; a vote of no actor (its login is not
 * shown as someone else's) and of an empty choice; a reason that starts with a space.
 */
static void test_report_edges_of_the_model(void **state)
{
    (void)state;
    json_t *a = json_array();
    json_array_append_new(a, ev(1, "2026-11-27T10:00:00Z", "hq", "hq", "entered", "ask", "{\"visit\": 1}"));
    json_array_append_new(a, ev(2, "2026-11-27T10:01:00Z", NULL, "kz_login", "vote", "ask",
                                "{\"seat\": \"council/KZ\", \"vote\": \"\", \"reason\": \" padded\"}"));
    json_array_append_new(a, ev(3, "2026-11-27T10:02:00Z", "hq", "hq", "left", "ask", "{\"visit\": 1}"));
    json_array_append_new(a, ev(4, "2026-11-27T10:03:00Z", "hq", "hq", "escalated", "ops",
                                "{\"level\": 1, \"manual\": false, \"notify\": \"council\"}"));
    json_array_append_new(a, ev(5, "2026-11-27T10:03:00Z", "hq", "hq", "notified", "elsewhere",
                                "{\"level\": 1, \"seats\": [\"x/KZ\"]}"));
    json_array_append_new(a, ev(6, "2026-11-27T10:03:00Z", "hq", "hq", "notified", "ops", "{\"level\": 1}"));
    json_array_append_new(a, ev(7, "2026-11-27T10:03:00Z", "hq", "hq", "notified", "ops",
                                "{\"level\": 1, \"seats\": [\"council/KZ\"]}"));
    json_array_append_new(a, ev(8, "2026-11-27T10:03:00Z", "hq", "hq", "notified", "ops",
                                "{\"level\": 1, \"seats\": [\"council/TJ\"]}"));
    json_array_append_new(
        a, ev(9, "2026-11-27T10:04:00Z", "ru", "ru", "completed", "opsx", "{\"seat\": \"s/RU\"}"));
    json_array_append_new(a, ev(10, "2026-11-27T10:05:00Z", "tj", "tj", "completed", "ops/sub",
                                "{\"party\": \"TJ\", \"seat\": \"s/TJ\", \"data\": {\"c\": 1, \"b\": 0.1}}"));
    json_array_append_new(a, ev(11, "2026-11-27T10:06:00Z", "kz", "kz", "completed", "ops",
                                "{\"party\": \"KZ\", \"seat\": \"s/KZ\", \"data\": {\"a\": 2, \"b\": 0.2, "
                                "\"d\": 3, \"note\": \"x\", \"flag\": true}}"));
    json_array_append_new(a, ev(12, "2026-11-27T10:07:00Z", "kg", "kg", "completed", "ops",
                                "{\"party\": \"KG\", \"seat\": \"s/KG\"}"));
    json_t *in = json_pack("{s:{s:i, s:s, s:[s,i,s], s:[{s:s, s:i, s:s}]}, s:o}", "crisis", "id", 9, "status",
                           "active", "parties", "KZ", 5, "TJ", "decisions", "state", "ask", "visit", 1,
                           "outcome", "approved", "audit", a);
    json_t *model = tc_report_model(in);
    json_t *esc = json_array_get(json_object_get(model, "escalations"), 0);
    assert_false(json_is_true(json_object_get(esc, "manual")));
    assert_true(json_is_null(json_object_get(esc, "by")));
    assert_int_equal(json_array_size(json_object_get(esc, "notify")), 0);
    json_t *notified = json_object_get(esc, "notified");
    assert_int_equal(json_array_size(notified), 1);
    assert_string_equal(json_string_value(json_array_get(notified, 0)), "council/KZ");
    json_t *acted = json_object_get(esc, "acted");
    assert_int_equal(json_array_size(acted), 3); /* tj inside, kz and kg on it; not ru of "opsx" */
    assert_string_equal(json_string_value(json_object_get(json_array_get(acted, 0), "actor")), "tj");
    assert_string_equal(json_string_value(json_object_get(json_array_get(acted, 2), "actor")), "kg");
    json_t *out = json_object_get(model, "outputs");
    char *fields = json_dumps(json_object_get(out, "fields"), JSON_COMPACT);
    assert_string_equal(fields, "[\"a\",\"b\",\"c\",\"d\"]");
    free(fields);
    json_t *parties = json_object_get(out, "parties");
    assert_int_equal(json_array_size(parties), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(parties, 2), "party")), "KG");
    json_t *entries = json_object_get(out, "entries");
    assert_int_equal(json_array_size(entries), 4);
    assert_true(json_is_null(json_object_get(json_array_get(entries, 3), "data")));
    assert_true(json_number_value(json_object_get(json_object_get(out, "total"), "b")) == 0.1 + 0.2);
    json_decref(model);

    char *md = tc_report_render(in, TC_REPORT_MARKDOWN);
    has(md,
        "- `ops` level 1 at 2026-11-27 10:03:00, by its ladder\n  - Notified: `council/KZ`\n"
        "  - Acted after: `tj` (completed, 2m 00s later), `kz` (completed, 3m 00s later), `kg` (completed, "
        "4m 00s later)\n");
    has(md,
        "| Party | Tasks | `a` | `b` | `c` | `d` |\n|---|--:|--:|--:|--:|--:|\n"
        "| `KZ` | 1 | 2 | 0.2 |  | 3 |\n| `TJ` | 1 |  | 0.1 | 1 |  |\n| `KG` | 1 |  |  |  |  |\n"
        "| **Total** | 3 | **2** | **0.30000000000000004** | **1** | **3** |\n");
    has(md,
        "- `ops` `s/KZ` by `kz` at 2026-11-27 10:06:00: `a` 2, `b` 0.2, `d` 3, `flag` `true`, `note` `x`\n");
    has(md, "- `ops` `s/KG` by `kg` at 2026-11-27 10:07:00: no outputs\n");
    /* An empty choice is said to be empty; a reason that starts with a space is padded, and so kept. */
    has(md, "  - `council/KZ` **(empty)** by (none) at 2026-11-27 10:01:00: `  padded `\n");
    free(md);

    char *html = tc_report_render(in, TC_REPORT_HTML);
    has(html,
        "<td>its ladder</td><td><code>council/KZ</code></td><td><code>tj</code> completed, 2m 00s "
        "later<br><code>kz</code> completed, 3m 00s later<br><code>kg</code> completed, 4m 00s later</td>");
    has(html,
        "<tr class=\"total\"><td>Total</td><td class=\"n\">3</td><td class=\"n\">2</td><td "
        "class=\"n\">0.30000000000000004</td><td class=\"n\">1</td><td class=\"n\">3</td></tr>");
    has(html,
        "<code>a</code> 2<br><code>b</code> 0.2<br><code>d</code> 3<br><code>flag</code> "
        "<code>true</code><br><code>note</code> x</td>");
    /* A vote of no actor: its login is not shown as someone the actor logged in as. */
    has(html,
        "<td><code><span class=\"none\">(none)</span></code></td><td><span class=\"when\">2026-11-27 "
        "10:01:00</span></td><td class=\"reason\"> padded</td>");
    assert_null(strstr(html, "kz_login"));
    free(html);
    json_decref(in);
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
        cmocka_unit_test(test_report_model_of_an_odd_record),
        cmocka_unit_test(test_report_markdown_of_an_odd_record),
        cmocka_unit_test(test_report_html_of_an_odd_record),
        cmocka_unit_test(test_report_times),
        cmocka_unit_test(test_report_durations),
        cmocka_unit_test(test_report_input_of_the_wrong_shape),
        cmocka_unit_test(test_report_escalation_until_cancelled),
        cmocka_unit_test(test_report_edges_of_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
