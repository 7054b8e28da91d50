/*
 * The timeline's words for every kind of audit event (core/audit/timeline.h),
 * as `tocsin simulate`, `tocsin watch` and the report print them: each kind
 * with every optional part of its detail there and missing, a kind the table
 * does not know, an event with no kind at all, values of the wrong type, and
 * the offset's hours past 24. Each case is the exact line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/audit/audit_kind.h"
#include "core/audit/timeline.h"

typedef struct line_case {
    const char *kind;
    const char *state;
    const char *actor;
    const char *detail; /* JSON text, or NULL for no detail */
    const char *expected;
} line_case;

static const line_case cases[] = {
    /* A kind the table does not name is printed as it is; an event with no kind says so. */
    {"mystery", "assess", "hq", "{}", "assess mystery"},
    {NULL, NULL, "hq", "{}", "crisis ?"},

    {"triggered", NULL, "hq",
     "{\"severity\": \"severe\", \"mode\": \"exercise\", \"parties\": [\"KZ\", \"TJ\"]}",
     "crisis triggered by hq (severity severe, mode exercise, parties KZ, TJ)"},
    {"triggered", NULL, NULL, NULL, "crisis triggered by ? (severity ?, mode ?, parties )"},
    /* A party that is not a string is a "?", not a NULL given to printf. */
    {"triggered", NULL, "hq", "{\"severity\": \"minor\", \"mode\": \"test\", \"parties\": [\"KZ\", 7]}",
     "crisis triggered by hq (severity minor, mode test, parties KZ, ?)"},

    {"entered", "assess", NULL, "{\"visit\": 1}", "assess entered"},
    {"entered", "assess", NULL, "{\"visit\": 3}", "assess entered (visit 3)"},
    {"entered", "assess", NULL, NULL, "assess entered"},

    {"left", "route", NULL, "{\"next\": \"patrol\", \"choice\": 0}", "route chose patrol (condition 1)"},
    {"left", "route", NULL, "{\"next\": \"done\", \"choice\": null}", "route chose done (otherwise)"},
    {"left", "route", NULL, "{\"next\": \"done\"}", "route chose done (otherwise)"},
    {"left", "assess", NULL, "{}", "assess left: ?"},
    {"left", "assess", NULL, "{\"outcome\": \"done\"}", "assess left: done"},
    {"left", "council", NULL,
     "{\"outcome\": \"rejected\", \"vetoed_by\": \"RU\", \"rule\": \"quorum\", \"fraction\": \"2/3\", "
     "\"needed\": 4, \"tally\": {\"approve\": 1, \"reject\": 2, \"abstain\": 0, \"pending\": 3}}",
     "council left: rejected (vetoed by RU) (quorum of 2/3, 4 needed: 1 approve, 2 reject, 0 abstain, 3 "
     "pending)"},
    {"left", "council", NULL,
     "{\"outcome\": \"approved\", \"tally\": {\"approve\": 2, \"reject\": 0, \"abstain\": 1, \"pending\": "
     "0}}",
     "council left: approved (rule: 2 approve, 0 reject, 1 abstain, 0 pending)"},

    {"vote", "council", NULL, "{}", "council vote ? ? by ?"},
    {"vote", "council", "kz_deputy",
     "{\"seat\": \"council/KZ\", \"vote\": \"reject\", \"holder\": \"kz_head\", \"changed_from\": "
     "\"approve\", "
     "\"reason\": \"new facts\"}",
     "council vote council/KZ reject by kz_deputy for kz_head (was approve): new facts"},

    {"completed", "report", NULL, "{}", "report completed for ?: done"},
    {"completed", "report", "secretariat", "{\"seat\": \"secretariat\", \"outcome\": \"done\"}",
     "report completed for secretariat: done"},
    {"completed", "patrol", "kz_border", "{\"seat\": \"border/KZ\", \"outcome\": \"blocked\", \"data\": {}}",
     "patrol completed by kz_border for border/KZ: blocked"},
    /* A holder without an actor: the words of a completion by no one in particular. */
    {"completed", "patrol", NULL, "{\"seat\": \"border/KZ\", \"holder\": \"kz\"}",
     "patrol completed for border/KZ: done"},
    {"completed", "patrol", "kz_deputy", "{\"seat\": \"border/KZ\", \"holder\": \"kz_border\"}",
     "patrol completed by kz_deputy for border/KZ (kz_border's seat): done"},
    {"completed", "patrol", "kz_border",
     "{\"seat\": \"border/KZ\", \"outcome\": \"done\", \"data\": {\"z\": 1.5, \"a\": \"two\\nlines\"}}",
     "patrol completed by kz_border for border/KZ: done {\"a\":\"two\\nlines\",\"z\":1.5}"},

    {"acked", "report", "duty", "{\"seat\": \"secretariat\"}", "report acknowledged by duty for secretariat"},
    {"acked", "report", "secretariat", "{\"seat\": \"secretariat\"}", "report acknowledged for secretariat"},
    {"acked", "report", NULL, "{}", "report acknowledged for ?"},

    {"escalated", "assess", NULL, "{\"level\": 1}", "assess escalated to level 1"},
    {"escalated", "assess", NULL, "{\"level\": 2, \"manual\": true, \"notify\": []}",
     "assess escalated to level 2 by ?"},
    {"escalated", "assess", "hq",
     "{\"level\": 3, \"manual\": true, \"severity\": \"extreme\", \"reason\": \"no answer\", \"notify\": "
     "[\"secretary_general\", \"council\"]}",
     "assess escalated to level 3 by hq, severity raised to extreme (no answer): notify secretary_general, "
     "council"},
    {"escalated", "assess", "hq", "{\"level\": 1, \"manual\": false, \"notify\": [\"council\"]}",
     "assess escalated to level 1: notify council"},

    {"notified", "council", NULL, "{\"seats\": [\"council/KZ\", \"council/TJ\"]}",
     "council notified (?): council/KZ, council/TJ"},
    {"notified", "council", NULL, "{\"why\": \"vote requested\", \"seats\": [\"council/KZ\"]}",
     "council notified (vote requested): council/KZ"},

    {"timeout", "assess", NULL, "{\"visit\": 1}", "assess deadline passed"},
    {"timeout", "council", NULL, "{\"outcome\": \"timeout\"}", "council deadline passed"},
    {"timeout", "council", NULL, "{\"outcome\": \"approved\"}", "council deadline passed: approved"},

    {"action_started", "alert", NULL, "{\"attempt\": 2, \"argv\": [\"notify\", \"--to\", \"ops\"]}",
     "alert action started (attempt 2): notify --to ops"},
    {"action_started", "alert", NULL, "{}", "alert action started (attempt 0): "},
    {"action_started", "alert", NULL, "{\"attempt\": 1, \"argv\": [\"notify\", null]}",
     "alert action started (attempt 1): notify ?"},

    {"action_finished", "alert", NULL, "{\"attempt\": 1}", "alert action finished (attempt 1): ?"},
    {"action_finished", "alert", NULL,
     "{\"attempt\": 2, \"outcome\": \"failed\", \"reason\": \"exit 3\", \"retry_at_ms\": 5000}",
     "alert action finished (attempt 2): failed (exit 3), will retry"},
    {"action_finished", "alert", NULL, "{\"attempt\": 3, \"outcome\": \"done\"}",
     "alert action finished (attempt 3): done"},

    {"refused", NULL, NULL, "{}", "crisis refused command: ?"},
    {"refused", "council", NULL, "{\"command\": \"vote\", \"reason\": \"the state is not active\"}",
     "council refused vote: the state is not active"},

    {"cancelled", NULL, NULL, "{}", "crisis cancelled by ?"},
    {"cancelled", NULL, "hq", "{\"reason\": \"floods\\u001b[2J\"}", "crisis cancelled by hq: floods\\x1b[2J"},

    {"closed", NULL, NULL, "{}", "crisis closed: ?"},
    {"closed", NULL, NULL, "{\"outcome\": \"resolved\"}", "crisis closed: resolved"},

    {"amended", NULL, NULL, "{\"new\": {\"sector\": \"Sughd\"}}",
     "crisis amended by ?: sector (none) -> \"Sughd\""},
    {"amended", NULL, "hq",
     "{\"old\": {\"casualties\": 2, \"sector\": \"Khatlon\"}, \"new\": {\"casualties\": 3, \"sector\": "
     "\"Sughd\"}, \"reason\": \"typo\"}",
     "crisis amended by hq: casualties 2 -> 3, sector \"Khatlon\" -> \"Sughd\" (typo)"},
    {"amended", NULL, "hq", "{}", "crisis amended by hq:"},

    {"delegated", NULL, NULL, "{}", "crisis seat ? delegated by ? to ? until the crisis closes"},
    {"delegated", NULL, "kz",
     "{\"seat\": \"council/KZ\", \"to\": \"kz_deputy\", \"until\": \"2026-12-05T18:00:00Z\", \"reason\": "
     "\"leave\"}",
     "crisis seat council/KZ delegated by kz to kz_deputy until 2026-12-05T18:00:00Z: leave"},
    {"undelegated", NULL, NULL, "{}", "crisis delegation of seat ? ended by ?"},
    {"undelegated", NULL, "kz_deputy", "{\"seat\": \"council/KZ\", \"holder\": \"kz\", \"reason\": \"back\"}",
     "crisis delegation of seat council/KZ ended by kz_deputy (its delegate; the seat is kz's): back"},

    {"delivered", "council", NULL,
     "{\"channel\": \"email\", \"seat\": \"council/KZ\", \"address\": \"kz@example.org\", \"attempt\": 1}",
     "council delivered email to council/KZ kz@example.org (attempt 1)"},
    {"delivery_failed", "council", NULL,
     "{\"channel\": \"webhook\", \"seat\": \"council/TJ\", \"address\": \"https://hooks.example.org/…\", "
     "\"attempt\": 2, \"error\": \"HTTP 503\", \"retry_at\": \"2026-12-05T08:00:40Z\"}",
     "council delivery failed webhook to council/TJ https://hooks.example.org/… (attempt 2): HTTP 503, will "
     "retry at 2026-12-05T08:00:40Z"},
    {"delivery_failed", NULL, NULL, "{}", "crisis delivery failed ? to ?  (attempt 0)"},
};

static void test_timeline_words_of_every_kind(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const line_case *c = &cases[i];
        json_t *detail = NULL;
        if (c->detail != NULL) {
            json_error_t jerr;
            detail = json_loads(c->detail, 0, &jerr);
            if (detail == NULL)
                fail_msg("case %zu: bad JSON: %s", i, jerr.text);
        }
        tc_strbuf sb = TC_STRBUF_INIT;
        tc_strbuf_add(&sb, "kept\n"); /* what was there before is not escaped, nor lost */
        tc_timeline_describe(&sb, c->kind, c->state, c->actor, detail);
        char *got = tc_strbuf_take(&sb);
        assert_non_null(got);
        assert_true(strncmp(got, "kept\n", 5) == 0);
        if (strcmp(got + 5, c->expected) != 0)
            fail_msg("case %zu (%s):\n got      %s\n expected %s", i, c->kind ? c->kind : "(no kind)",
                     got + 5, c->expected);
        free(got);
        json_decref(detail);
    }
}

static void test_timeline_offsets(void **state)
{
    (void)state;
    static const struct {
        tc_ms offset;
        const char *expected;
    } offsets[] = {
        {0, "+00:00:00"},
        {999, "+00:00:00"},
        {61 * 1000, "+00:01:01"},
        {(tc_ms)(25 * 3600 + 61) * 1000, "+25:01:01"},
        {(tc_ms)(100 * 3600 + 59 * 60 + 59) * 1000 + 999, "+100:59:59"},
    };
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        tc_strbuf sb = TC_STRBUF_INIT;
        tc_timeline_offset(&sb, offsets[i].offset);
        char *got = tc_strbuf_take(&sb);
        assert_string_equal(got, offsets[i].expected);
        free(got);
    }
}

/* Every kind's name reads back as that kind; a value past the last kind is named "?", and no name is parsed
 * as a kind that is not one. */
static void test_timeline_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < TC_AUDIT_KIND_COUNT; k++)
        assert_int_equal(tc_audit_kind_parse(tc_audit_kind_name((tc_audit_kind)k)), k);
    assert_string_equal(tc_audit_kind_name((tc_audit_kind)TC_AUDIT_KIND_COUNT), "?");
    assert_int_equal(tc_audit_kind_parse("?"), -1);
    assert_int_equal(tc_audit_kind_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_words_of_every_kind),
        cmocka_unit_test(test_timeline_offsets),
        cmocka_unit_test(test_timeline_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
