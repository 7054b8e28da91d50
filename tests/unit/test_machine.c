/*
 * The state machine beyond approvals: tasks (single and multi-instance,
 * outcomes, outputs), escalation ladders (timing, repeat, ack, manual,
 * severity), parallels (joins, a failed branch, nesting, deadline), actions
 * (retries with doubling backoff, timeouts, late results), waits, choices on
 * missing data, cancel in every state type, triggers, and determinism.
 */
#include "machine_fixture.h"
#include "core/machine/view.h"

static void test_machine_task_outputs_and_outcomes(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    assert_true(is_active(&f, "assess"));
    assert_int_equal(complete(&f, "assess", NULL, NULL, json_pack("{s:s}", "recommendation", "invade"), H),
                     TC_EINVAL);
    assert_int_equal(complete(&f, "assess", NULL, NULL, json_pack("{s:i}", "casualties", 3), H), TC_EINVAL);
    assert_non_null(strstr(f.err.text, "output recommendation of task assess is required"));
    assert_int_equal(complete(&f, "assess", NULL, NULL,
                              json_pack("{s:s, s:i}", "recommendation", "deploy", "casualties", -1), H),
                     TC_EINVAL);
    assert_int_equal(complete(&f, "assess", NULL, NULL,
                              json_pack("{s:s, s:s}", "recommendation", "deploy", "extra", "x"), H),
                     TC_EINVAL);
    assert_non_null(strstr(f.err.text, "task assess has no output extra"));
    assert_int_equal(complete(&f, "assess", NULL, "postponed", NULL, H), TC_EINVAL);
    /* A declared outcome loops back (a new visit, data cleared, the ladder anew); required outputs are
     * required of "done" only: asking for more information needs no recommendation. */
    assert_int_equal(complete(&f, "assess", NULL, "needs_info", json_pack("{s:i}", "casualties", 0), H), 0);
    assert_int_equal(f.inst->visits[tc_playbook_state(f.pb, "assess")->index], 2);
    assert_null(json_object_get(f.inst->data, "assess"));
    assert_int_equal(timer_due(&f, "assess#2:level1"), 2 * H);
    /* done with data: the choice reads it (deploy, threshold missing -> patrol). */
    assert_int_equal(complete(&f, "assess", NULL, NULL,
                              json_pack("{s:s, s:i}", "recommendation", "deploy", "casualties", 0), 2 * H),
                     0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(f.inst->data, "assess"), "recommendation")),
        "deploy");
    assert_true(is_active(&f, "patrol"));
    finish(&f);
}

static void test_machine_task_multi_instance(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, json_pack("{s:f}", "seized_kg", 7.5), H), 0);
    assert_true(is_active(&f, "patrol")); /* min 2 */
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, NULL, H), TC_ECONFLICT);
    assert_int_equal(complete(&f, "patrol", "RU", NULL, json_pack("{s:i}", "seized_kg", 3), 2 * H), 0);
    assert_false(is_active(&f, "patrol"));
    json_t *patrol = json_object_get(f.inst->data, "patrol");
    assert_int_equal(json_object_size(patrol), 2);
    /* sum 10.5 >= 10: done; AM never reported and is closed with the task. */
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    assert_string_equal(f.inst->outcome, "resolved");
    assert_int_equal(complete(&f, "patrol", "AM", NULL, NULL, 3 * H), TC_ECONFLICT);
    finish(&f);

    /* A completion with another outcome closes the task for every seat. */
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(complete(&f, "patrol", "AM", "overwhelmed", NULL, H), 0);
    assert_string_equal(f.inst->outcome, "failed");
    finish(&f);

    /* Fewer than 10 kg but some: a five-day wait. No seizures at all: failed. */
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(complete(&f, "patrol", "AM", NULL, json_pack("{s:i}", "seized_kg", 1), H), 0);
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, json_pack("{s:i}", "seized_kg", 2), H), 0);
    assert_true(is_active(&f, "pause"));
    assert_int_equal(timer_due(&f, "pause#1:wait"), H + 5 * 24 * H);
    assert_int_equal(fire(&f, "pause#1:wait", H + 5 * 24 * H), 0);
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);

    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(complete(&f, "patrol", "AM", NULL, NULL, H), 0);
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, NULL, H), 0);
    assert_string_equal(f.inst->outcome, "failed"); /* count of reported seizures is 0 */
    finish(&f);
}

static void test_machine_escalation_timing_and_repeat(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    assert_int_equal(timer_due(&f, "assess#1:level1"), H);
    assert_int_equal(timer_due(&f, "assess#1:deadline"), 6 * H);
    /* assess is a task with "notify" on entry. */

    assert_int_equal(fire(&f, "assess#1:level1", H), 0);
    json_t *esc = audit_detail(&f, "escalated");
    assert_int_equal(json_integer_value(json_object_get(esc, "level")), 1);
    json_t *notified = audit_detail(&f, "notified");
    assert_string_equal(json_string_value(json_array_get(json_object_get(notified, "seats"), 0)),
                        "secretary_general");
    assert_int_equal(timer_due(&f, "assess#1:level2"), 2 * H);
    assert_int_equal(f.inst->severity, TC_SEVERITY_UNKNOWN);

    assert_int_equal(fire(&f, "assess#1:level2", 2 * H), 0);
    assert_int_equal(f.inst->severity, TC_SEVERITY_SEVERE); /* raised by the level */
    notified = audit_detail(&f, "notified");
    assert_int_equal(json_array_size(json_object_get(notified, "seats")),
                     3); /* council of the crisis's parties */
    assert_int_equal(effects_of(&f, TC_EFFECT_NOTIFY), 1);
    /* Round 2 starts where round 1 ended: levels 3 and 4 at 2h + 1h and 2h + 2h. */
    assert_int_equal(timer_due(&f, "assess#1:level3"), 3 * H);
    assert_int_equal(fire(&f, "assess#1:level3", 3 * H), 0);
    assert_int_equal(timer_due(&f, "assess#1:level4"), 4 * H);
    assert_int_equal(fire(&f, "assess#1:level4", 4 * H), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_TIMER_SET), 0); /* the ladder is over */
    assert_int_equal(f.inst->escalation_level, 4);
    /* Manual escalation with no level left is a conflict. */
    tc_event esc_ev = {.kind = TC_EVENT_ESCALATE, .actor = {"admin", NULL, 0, 1}, .state = "assess"};
    assert_int_equal(act(&f, esc_ev, 5 * H), TC_ECONFLICT);
    assert_non_null(strstr(f.err.text, "no escalation level left"));
    finish(&f);
}

static void test_machine_escalation_manual_and_ack(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    tc_event esc = {
        .kind = TC_EVENT_ESCALATE, .actor = {"admin", NULL, 0, 1}, .state = "assess", .reason = "slow"};
    assert_int_equal(act(&f, esc, 10 * M), 0);
    json_t *detail = audit_detail(&f, "escalated");
    assert_true(json_is_true(json_object_get(detail, "manual")));
    assert_string_equal(json_string_value(json_object_get(detail, "reason")), "slow");
    /* Level 2 keeps its own time; the level 1 timer, when it fires, is ignored. */
    assert_int_equal(timer_due(&f, "assess#1:level2"), 2 * H);
    assert_int_equal(fire(&f, "assess#1:level1", H), 0);
    assert_int_equal(audits(&f, "escalated", NULL), 0);
    /* A stranger may not escalate; a seat holder of an active state may. */
    esc.actor = ACTOR("stranger", "council/KZ");
    assert_int_equal(act(&f, esc, 11 * M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "stranger may not escalate crises of playbook operations (only administrators, "
                        "its initiator and holders of a seat an active state waits for may)");
    esc.actor = ACTOR("sec", "secretariat");
    assert_int_equal(act(&f, esc, 12 * M), 0);
    assert_int_equal(f.inst->escalation_level, 2);
    finish(&f);

    /* until ack: once every seat acknowledges, the ladder stops. */
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(timer_due(&f, "patrol#1:level1"), 30 * M);
    static const char *const parties[] = {"AM", "KZ", "RU"};
    for (int i = 0; i < 3; i++) {
        char seat[32];
        snprintf(seat, sizeof seat, "border/%s", parties[i]);
        tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR(seat, seat), .state = "patrol"};
        assert_int_equal(act(&f, ack, (i + 1) * M), 0);
        assert_int_equal(audits(&f, "acked", "patrol"), 1);
        assert_int_equal(act(&f, ack, (i + 1) * M), TC_ECONFLICT);
    }
    assert_int_equal(fire(&f, "patrol#1:level1", 30 * M), 0);
    assert_int_equal(audits(&f, "escalated", NULL), 0);
    finish(&f);
}

/* Notified seats of the last "notified" audit, comma-separated. */
static void notified_seats(const fixture *f, char *buf, size_t size)
{
    json_t *seats = json_object_get(audit_detail(f, "notified"), "seats");
    size_t i, n = 0;
    json_t *seat;
    buf[0] = '\0';
    json_array_foreach(seats, i, seat) n +=
        (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "", json_string_value(seat));
}

/* Ladders on a parallel, on a task until acknowledged (two levels) and on a task until done. */
static const char ladders_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"ladders\", \"title\": \"Ladders\", \"parties\": "
    "[\"AM\", \"KZ\"],\n"
    " \"roles\": {\"sec\": {\"title\": \"S\"}, \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"start\": \"both\", \"states\": {\n"
    "  \"both\": {\"type\": \"parallel\", \"next\": \"acked\",\n"
    "           \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\", \"sec\"]}]},\n"
    "           \"branches\": {\"a\": {\"start\": \"t\", \"states\": {\"t\": {\"type\": \"task\", "
    "\"assignee\": "
    "\"sec\", \"next\": \"e\"},\n"
    "                                                   \"e\": {\"type\": \"end\"}}}}},\n"
    "  \"acked\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\", \"next\": \"done\",\n"
    "            \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\"]},\n"
    "                                      {\"after\": \"PT2H\", \"notify\": [\"council\"]}]}},\n"
    "  \"done\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\", \"next\": \"end\",\n"
    "           \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\"]}], \"until\": "
    "\"done\"}},\n"
    "  \"end\": {\"type\": \"end\"}}}\n";

static void test_machine_escalation_ladders_at_their_ends(void **state)
{
    (void)state;
    fixture f;
    tc_trigger am = {.parties = (const char *const[]){"AM"}, .party_count = 1};
    start_with(&f, ladders_text, &am);
    /* A parallel's ladder tells a per-party role's seats for the crisis's parties (AM, not KZ). */
    /* Escalating a parallel is for a holder of a seat some active state waits for: not council/AM. */
    tc_event by_council = {
        .kind = TC_EVENT_ESCALATE, .actor = ACTOR("council", "council/AM"), .state = "both"};
    assert_int_equal(act(&f, by_council, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "council may not escalate crises of playbook ladders (only administrators, "
                        "its initiator and holders of a seat an active state waits for may)");
    assert_int_equal(fire(&f, "both#1:level1", H), 0);
    json_t *seats = json_object_get(audit_detail(&f, "notified"), "seats");
    assert_int_equal(json_array_size(seats), 2);
    assert_string_equal(json_string_value(json_array_get(seats, 0)), "council/AM");
    assert_string_equal(json_string_value(json_array_get(seats, 1)), "sec");
    assert_int_equal(complete(&f, "both/a/t", NULL, NULL, NULL, H + M), 0);
    assert_true(is_active(&f, "acked"));

    /* Escalated by hand to its last level, then acknowledged: no timer is left to clear. */
    tc_event esc = {.kind = TC_EVENT_ESCALATE, .actor = {"admin", NULL, 0, 1}, .state = "acked"};
    assert_int_equal(act(&f, esc, H + 2 * M), 0);
    assert_int_equal(act(&f, esc, H + 3 * M), 0);
    assert_int_equal(f.inst->escalation_level, 2);
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("council/AM", "council/AM"), .state = "acked"};
    assert_int_equal(act(&f, ack, H + 4 * M), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_TIMER_CLEAR), 0);
    assert_int_equal(complete(&f, "acked", "AM", NULL, NULL, H + 5 * M), 0);
    assert_true(is_active(&f, "done"));

    /* Until done, an acknowledgement does not stop the ladder; but its seat has acted, and the level
     * reached tells nobody. */
    ack.state = "done";
    assert_int_equal(act(&f, ack, H + 6 * M), 0);
    json_t *active = tc_view_active(f.pb, f.inst, 0);
    json_t *next = json_object_get(json_array_get(active, 0), "next_escalation");
    assert_int_equal(json_integer_value(json_object_get(next, "level")), 1);
    assert_int_equal(json_array_size(json_object_get(next, "seats")), 0); /* as things stand: nobody */
    json_decref(active);
    assert_int_equal(fire(&f, "done#1:level1", 2 * H + 5 * M), 0);
    assert_int_equal(audits(&f, "escalated", "done"), 1);
    assert_int_equal(audits(&f, "notified", NULL), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_NOTIFY), 0);
    /* At the end of its ladder, show says no next level. */
    active = tc_view_active(f.pb, f.inst, 0);
    assert_int_equal(json_array_size(active), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(active, 0), "escalation_level")), 1);
    assert_true(json_is_null(json_object_get(json_array_get(active, 0), "next_escalation")));
    json_decref(active);
    finish(&f);

    /* Every seat acknowledged, then escalated by hand: the level after it is not scheduled. */
    start_with(&f, ladders_text, &am);
    assert_int_equal(complete(&f, "both/a/t", NULL, NULL, NULL, M), 0);
    ack.state = "acked";
    assert_int_equal(act(&f, ack, 2 * M), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_TIMER_CLEAR), 1); /* the ladder stops */
    assert_int_equal(act(&f, esc, 3 * M), 0);
    assert_int_equal(audits(&f, "escalated", "acked"), 1);
    assert_int_equal(effects_of(&f, TC_EFFECT_TIMER_SET), 0);
    finish(&f);
}

/* A task every seat of which must complete, by a minimum that is all of them; an office that approves, with
 * the initiator excluded. */
static const char seats_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"seats\", \"title\": \"Seats\", \"parties\": [\"AM\", "
    "\"KZ\"],\n"
    " \"roles\": {\"sec\": {\"title\": \"S\"}, \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"start\": \"report\", \"states\": {\n"
    "  \"report\": {\"type\": \"task\", \"assignee\": \"council\", \"parties\": \"all\", \"complete\": "
    "{\"min\": 2},\n"
    "             \"next\": \"sign\"},\n"
    "  \"sign\": {\"type\": \"approval\", \"approvers\": {\"role\": \"sec\"}, \"rule\": \"any\", "
    "\"exclude_initiator\": "
    "true,\n"
    "           \"next\": {\"approved\": \"end\", \"rejected\": \"end\"}},\n"
    "  \"end\": {\"type\": \"end\"}}}\n";

static void test_machine_task_minimum_of_all_seats_and_an_office_vote(void **state)
{
    (void)state;
    fixture f;
    start(&f, seats_text);
    tc_event esc = {.kind = TC_EVENT_ESCALATE, .actor = {"admin", NULL, 0, 1, NULL, NULL, 0}};
    assert_int_equal(act(&f, esc, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "no active state takes an escalation (active: report (task))");
    assert_int_equal(complete(&f, "report", "AM", NULL, NULL, M), 0);
    assert_true(is_active(&f, "report")); /* one of the two it needs */
    assert_int_equal(complete(&f, "report", "KZ", NULL, NULL, 2 * M), 0);
    assert_true(is_active(&f, "sign"));
    /* The office's holder, logged in as someone (the initiator was not): not the initiator, its vote counts.
     */
    tc_event v = {.kind = TC_EVENT_VOTE,
                  .actor = {"sec", (const char *const[]){"sec"}, 1, 0, "duty-officer", NULL, 0},
                  .state = "sign",
                  .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, v, 3 * M), 0);
    json_t *vote = audit_detail(&f, "vote");
    assert_string_equal(json_string_value(json_object_get(vote, "seat")), "sec");
    assert_true(json_is_null(json_object_get(vote, "party"))); /* an office has none */
    assert_string_equal(f.inst->outcome, "resolved");          /* an end's outcome when it names none */
    finish(&f);
}

static void test_machine_escalation_tells_only_seats_that_have_not_acted(void **state)
{
    (void)state;
    fixture f;
    char seats[256];
    /* patrol's ladder names its own role, border: a completed seat (KZ) and an acknowledged one (RU)
     * have acted; only AM is told. */
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, json_pack("{s:i}", "seized_kg", 1), M), 0);
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("border/RU", "border/RU"), .state = "patrol"};
    assert_int_equal(act(&f, ack, 2 * M), 0);
    assert_int_equal(fire(&f, "patrol#1:level1", 30 * M), 0);
    notified_seats(&f, seats, sizeof seats);
    assert_string_equal(seats, "border/AM");
    finish(&f);

    /* Nobody acted: every seat of the state is told, and only those. */
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(fire(&f, "patrol#1:level1", 30 * M), 0);
    notified_seats(&f, seats, sizeof seats);
    assert_string_equal(seats, "border/AM,border/KZ,border/RU");
    finish(&f);
}

static void test_machine_parallel_join_nesting_and_failure(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"operate\"}");
    assert_true(is_active(&f, "operate"));
    assert_true(is_active(&f, "operate/border/close"));
    assert_true(is_active(&f, "operate/support/inner"));
    assert_true(is_active(&f, "operate/support/inner/call/call"));
    assert_true(is_active(&f, "operate/support/inner/log/note"));
    tc_event ok = {.kind = TC_EVENT_ACTION_RESULT,
                   .state = "operate/support/inner/call/call",
                   .outcome = "ok",
                   .attempt = 1};
    assert_int_equal(act(&f, ok, M), 0);
    assert_int_equal(complete(&f, "operate/support/inner/log/note", NULL, NULL, NULL, 2 * M), 0);
    /* The inner parallel joined done; the outer waits for the border branch. */
    assert_false(is_active(&f, "operate/support/inner"));
    assert_true(is_active(&f, "operate"));
    assert_int_equal(complete(&f, "operate/border/close", "KZ", NULL, NULL, 3 * M), 0); /* complete: any */
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);

    /* A failed action fails its branch, the inner parallel, and then the outer one. */
    start_named(&f, "operations", "{\"path\": \"operate\"}");
    tc_event failed = {.kind = TC_EVENT_ACTION_RESULT,
                       .state = "operate/support/inner/call/call",
                       .outcome = "failed",
                       .attempt = 1,
                       .final = 1};
    assert_int_equal(act(&f, failed, M), 0);
    assert_true(is_active(&f, "operate/support/inner")); /* the log branch still runs */
    assert_int_equal(complete(&f, "operate/support/inner/log/note", NULL, NULL, NULL, 2 * M), 0);
    tc_event bare = {
        .kind = TC_EVENT_COMPLETE, .actor = ACTOR("am", "border/AM"), .state = "close"}; /* a bare id */
    assert_int_equal(act(&f, bare, 3 * M), 0);
    assert_string_equal(f.inst->outcome, "failed");
    finish(&f);

    /* The parallel's deadline interrupts every branch, nested ones included, and kills the action. */
    start_named(&f, "operations", "{\"path\": \"operate\"}");
    assert_int_equal(fire(&f, "operate#1:deadline", 48 * H), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_KILL), 1);
    assert_int_equal(f.inst->active_count, 0);
    assert_string_equal(f.inst->outcome, "failed");
    finish(&f);
}

static void test_machine_action_retries_and_timeouts(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"alert\"}");
    assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_START), 1);
    assert_int_equal(timer_due(&f, "alert#1:timeout"), M);
    tc_event failed = {.kind = TC_EVENT_ACTION_RESULT, .state = "alert", .outcome = "failed", .attempt = 1};
    assert_int_equal(act(&f, failed, 5000), 0);
    assert_int_equal(timer_due(&f, "alert#1:retry"), 5000 + 10000);
    assert_int_equal(fire(&f, "alert#1:retry", 15000), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_START), 1);
    json_t *started = audit_detail(&f, "action_started");
    assert_int_equal(json_integer_value(json_object_get(started, "attempt")), 2);
    /* The same action key on every attempt. */
    for (size_t i = 0; i < f.fx.count; i++)
        if (f.fx.items[i].kind == TC_EFFECT_ACTION_START)
            assert_string_equal(f.fx.items[i].key, "0/alert/1");
    /* Attempt 2 times out: killed, and the backoff doubles. */
    assert_int_equal(fire(&f, "alert#1:timeout", 15000 + M), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_KILL), 1);
    assert_int_equal(timer_due(&f, "alert#1:retry"), 15000 + M + 20000);
    /* A late result of attempt 2 is ignored. */
    failed.attempt = 2;
    failed.outcome = "ok";
    assert_int_equal(act(&f, failed, 15000 + M + 1), 0);
    assert_int_equal(f.fx.count, 0);
    assert_int_equal(fire(&f, "alert#1:retry", 15000 + M + 20000), 0);
    /* Attempt 3 is the last (max 2 retries): a failure now fails the state. */
    tc_event last = {.kind = TC_EVENT_ACTION_RESULT, .state = "alert", .outcome = "failed", .attempt = 3};
    assert_int_equal(act(&f, last, 200000), 0);
    assert_string_equal(f.inst->outcome, "failed");
    finish(&f);

    /* Success stores the program's JSON object. */
    start_named(&f, "operations", "{\"path\": \"alert\"}");
    json_t *out = json_pack("{s:i}", "notified", 6);
    tc_event ok = {
        .kind = TC_EVENT_ACTION_RESULT, .state = "alert", .outcome = "ok", .attempt = 1, .data = out};
    assert_int_equal(act(&f, ok, 3000), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(f.inst->data, "alert"), "notified")),
                     6);
    json_decref(out);
    finish(&f);
}

/* An action retried after ten thousand days: the backoff stops doubling once it passes half the longest
 * duration a playbook can give (a hundred years), so it never overflows. */
static void test_machine_action_backoff_stops_doubling(void **state)
{
    (void)state;
    static const char text[] =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"slow\", \"title\": \"Slow\", \"parties\": "
        "[\"AM\"],\n"
        " \"roles\": {\"sec\": {\"title\": \"S\"}}, \"start\": \"call\",\n"
        " \"states\": {\"call\": {\"type\": \"action\", \"run\": [\"notify\"], \"timeout\": \"PT1M\",\n"
        "                     \"retry\": {\"max\": 5, \"backoff\": \"P10000D\"}, \"next\": {\"ok\": "
        "\"done\", "
        "\"failed\": \"done\"}},\n"
        "            \"done\": {\"type\": \"end\"}}}\n";
    const tc_ms day = 24 * H;
    fixture f;
    start(&f, text);
    tc_event failed = {.kind = TC_EVENT_ACTION_RESULT, .state = "call", .outcome = "failed", .attempt = 1};
    assert_int_equal(act(&f, failed, M), 0);
    assert_int_equal(timer_due(&f, "call#1:retry"), M + 10000 * day);
    tc_ms now = M + 10000 * day;
    assert_int_equal(fire(&f, "call#1:retry", now), 0);
    failed.attempt = 2;
    assert_int_equal(act(&f, failed, now + M), 0);
    assert_int_equal(timer_due(&f, "call#1:retry"), now + M + 20000 * day);
    now += M + 20000 * day;
    assert_int_equal(fire(&f, "call#1:retry", now), 0);
    failed.attempt = 3;
    assert_int_equal(act(&f, failed, now + M), 0);
    /* 20,000 days is past half of 36,600: not doubled again to 40,000. */
    assert_int_equal(timer_due(&f, "call#1:retry"), now + M + 20000 * day);
    json_t *finished = audit_detail(&f, "action_finished");
    assert_int_equal(json_integer_value(json_object_get(finished, "retry_at_ms")), now + M + 20000 * day);
    finish(&f);
}

/* An action waiting for its retry is cancelled: there is no program to kill, only the retry timer to clear.
 */
static void test_machine_action_cancelled_between_attempts(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"alert\"}");
    tc_event failed = {.kind = TC_EVENT_ACTION_RESULT, .state = "alert", .outcome = "failed", .attempt = 1};
    assert_int_equal(act(&f, failed, 5000), 0);
    tc_actor admin = {"initiator", NULL, 0, 1, NULL, NULL, 0};
    tc_event cancel = {.kind = TC_EVENT_CANCEL, .actor = admin};
    assert_int_equal(act(&f, cancel, 6000), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_KILL), 0);
    int cleared = 0;
    for (size_t i = 0; i < f.fx.count; i++)
        cleared +=
            f.fx.items[i].kind == TC_EFFECT_TIMER_CLEAR && strcmp(f.fx.items[i].key, "alert#1:retry") == 0;
    assert_int_equal(cleared, 1);
    assert_int_equal(f.inst->status, TC_STATUS_CANCELLED);
    finish(&f);
}

/* The effects list: names of its kinds (an unknown one is "?"), and clearing nothing. */
static void test_machine_effects_list(void **state)
{
    (void)state;
    assert_string_equal(tc_effect_kind_name(TC_EFFECT_AUDIT), "audit");
    assert_string_equal(tc_effect_kind_name(TC_EFFECT_CLOSED), "closed");
    assert_string_equal(tc_effect_kind_name((tc_effect_kind)(TC_EFFECT_CLOSED + 1)), "?");
    tc_effects_clear(NULL);
    tc_effects fx = {0};
    for (int i = 0; i < 40; i++) /* past the first 16, and 32 */
        tc_effects_add(&fx, TC_EFFECT_NOTIFY, "n", NULL, json_integer(i))->at = i;
    assert_int_equal(fx.count, 40);
    assert_int_equal(json_integer_value(fx.items[39].detail), 39);
    tc_effects_clear(&fx);
    assert_int_equal(fx.count, 0);
    assert_null(fx.items);
}

static void test_machine_choice_with_missing_values(void **state)
{
    (void)state;
    fixture f;
    /* threshold missing: {"var": ["inputs.threshold", 0]} gives 0, not > 10: patrol. */
    start_named(&f, "operations", NULL);
    assert_int_equal(complete(&f, "assess", NULL, NULL, json_pack("{s:s}", "recommendation", "deploy"), H),
                     0);
    assert_true(is_active(&f, "patrol"));
    finish(&f);

    start_named(&f, "operations", "{\"threshold\": 11}");
    assert_int_equal(complete(&f, "assess", NULL, NULL, json_pack("{s:s}", "recommendation", "deploy"), H),
                     0);
    assert_true(is_active(&f, "operate"));
    finish(&f);

    start_named(&f, "operations", "{\"threshold\": 11}");
    assert_int_equal(complete(&f, "assess", NULL, NULL, json_pack("{s:s}", "recommendation", "monitor"), H),
                     0);
    assert_string_equal(f.inst->outcome, "resolved"); /* otherwise */
    json_t *left = audit_detail(&f, "left");
    (void)left;
    finish(&f);
}

static void test_machine_cancel_in_every_state_type(void **state)
{
    (void)state;
    static const char *const paths[] = {"assess", "patrol", "operate", "alert", "pause"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        fixture f;
        char inputs[64];
        snprintf(inputs, sizeof inputs, "{\"path\": \"%s\"}", paths[i]);
        start_named(&f, "operations", inputs);
        if (strcmp(paths[i], "pause") == 0)
            assert_true(is_active(&f, "pause"));
        tc_event cancel = {
            .kind = TC_EVENT_CANCEL, .actor = ACTOR("stranger", "council/KZ"), .reason = "a mistake"};
        assert_int_equal(act(&f, cancel, M), TC_EPERM);
        cancel.actor = (tc_actor){"initiator", NULL, 0, 0, NULL, NULL, 0}; /* the initiator may */
        assert_int_equal(act(&f, cancel, M), 0);
        assert_int_equal(f.inst->status, TC_STATUS_CANCELLED);
        assert_string_equal(f.inst->outcome, "cancelled");
        assert_int_equal(f.inst->active_count, 0);
        assert_int_equal(effects_of(&f, TC_EFFECT_CLOSED), 1);
        assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "cancelled"), "reason")),
                            "a mistake");
        assert_true(effects_of(&f, TC_EFFECT_TIMER_CLEAR) >= 1);
        if (strcmp(paths[i], "alert") == 0 || strcmp(paths[i], "operate") == 0)
            assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_KILL), 1);
        assert_int_equal(act(&f, cancel, 2 * M), TC_ECONFLICT);
        finish(&f);
    }
}

/*
 * Text that is not UTF-8 cannot go into the audit's JSON: the machine refuses
 * it (TC_EINVAL, nothing changed) rather than record a cancel without its
 * reason, or refuse a vote as if the actor held no seat.
 */
static void test_machine_refuses_text_not_utf8(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    tc_event cancel = {.kind = TC_EVENT_CANCEL, .actor = {"initiator", NULL, 0, 0}, .reason = "\xff"};
    assert_int_equal(act(&f, cancel, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the reason is not valid UTF-8");
    assert_int_equal(complete(&f, "assess", NULL, "needs\xc3", NULL, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the outcome is not valid UTF-8");
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("s", "secretariat"), .state = "assess\xed\xa0\x80"};
    assert_int_equal(act(&f, ack, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the state is not valid UTF-8");
    assert_int_equal(f.inst->status, TC_STATUS_ACTIVE);
    cancel.reason = "d\xc3\xa9j\xc3\xa0 vu";
    assert_int_equal(act(&f, cancel, M), 0);
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "cancelled"), "reason")),
                        "d\xc3\xa9j\xc3\xa0 vu");
    finish(&f);

    char *text = fixture_playbook("operations");
    tc_playbook *pb = compile(text);
    tc_instance *inst = tc_instance_new(pb);
    tc_actor admin = {"admin", NULL, 0, 1, NULL, NULL, 0};
    tc_trigger t = {.title = "\xff"};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &admin, 0, &err), TC_EINVAL);
    assert_string_equal(err.text, "the title is not valid UTF-8");
    tc_instance_free(inst);
    tc_playbook_free(pb);
    free(text);
}

static void test_machine_trigger_checks(void **state)
{
    (void)state;
    char *text = fixture_playbook("operations");
    tc_playbook *pb = compile(text);
    tc_actor admin = {"admin", NULL, 0, 1, NULL, NULL, 0};
    struct {
        const char *inputs;
        const char *severity;
        const char *const *parties;
        size_t count;
        int code;
        const char *message;
    } cases[] = {
        {"{\"nope\": 1}", NULL, NULL, 0, TC_EINVAL, "playbook operations has no input nope"},
        {"{\"threshold\": \"high\"}", NULL, NULL, 0, TC_EINVAL, "input threshold must be a number"},
        {NULL, "catastrophic", NULL, 0, TC_EINVAL, "unknown severity catastrophic"},
        {NULL, NULL, (const char *const[]){"XX"}, 1, TC_EINVAL, "playbook operations has no party XX"},
        {NULL, NULL, (const char *const[]){"KZ"}, 1, TC_EINVAL,
         "these parties leave task patrol 1 seats, fewer than the 2"},
        {NULL, NULL, (const char *const[]){"KZ", "KZ"}, 2, TC_EINVAL, "party KZ is given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_instance *inst = tc_instance_new(pb);
        json_t *inputs = cases[i].inputs ? json_loads(cases[i].inputs, 0, NULL) : NULL;
        tc_trigger t = {inputs, NULL, cases[i].severity, NULL, cases[i].parties, cases[i].count};
        tc_error err;
        tc_error_init(&err);
        assert_int_equal(tc_trigger_prepare(pb, inst, &t, &admin, 0, &err), cases[i].code);
        if (strstr(err.text, cases[i].message) == NULL)
            fail_msg("case %zu: %s", i, err.text);
        json_decref(inputs);
        tc_instance_free(inst);
    }
    /* Defaults fill in; a seat holder of the playbook may trigger, a stranger may not. */
    tc_instance *inst = tc_instance_new(pb);
    tc_trigger t = {0};
    tc_actor holder = ACTOR("kz", "border/KZ"), stranger = ACTOR("x", "navy/KZ");
    tc_error why;
    tc_error_init(&why);
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &stranger, 0, &why), TC_EPERM);
    assert_string_equal(why.text,
                        "x may not trigger playbook operations (only administrators and holders of a "
                        "seat of secretariat, secretary_general, border, council may)");
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &holder, 0, NULL), 0);
    assert_string_equal(json_string_value(json_object_get(inst->inputs, "path")), "assess");
    assert_null(json_object_get(inst->inputs, "threshold"));
    assert_int_equal(inst->party_count, 3);
    tc_instance_free(inst);
    tc_playbook_free(pb);
    free(text);
}

/* A trigger's problems all at once, one line each, in order; prepare refuses with the first and says how
 * many more there are. Before, it stopped at the first (an operator fixed one input per try). */
static void test_machine_trigger_every_problem_at_once(void **state)
{
    (void)state;
    char *text = fixture_playbook("operations");
    tc_playbook *pb = compile(text);
    json_t *inputs = json_loads("{\"nope\": 1, \"threshold\": \"high\", \"path\": 3}", 0, NULL);
    tc_trigger t = {inputs, NULL, "catastrophic", "drill", (const char *const[]){"KZ", "XX"}, 2};
    tc_diags problems = {0};
    assert_int_equal(tc_trigger_problems(pb, &t, NULL, &problems), 6);
    static const char *const want[] = {
        "unknown severity catastrophic (extreme, severe, moderate, minor or unknown)",
        "unknown mode drill (actual, exercise or test)",
        "playbook operations has no party XX (its parties: AM, KZ, RU)",
        "playbook operations has no input nope",
        "input path must be a string",
        "input threshold must be a number",
    };
    for (size_t i = 0; i < problems.count; i++)
        assert_string_equal(problems.items[i].message, want[i]);
    tc_diags_clear(&problems);

    /* Inputs whose problem the caller said already are not called anything else. */
    json_t *reported = json_pack("{s:b}", "threshold", 1);
    t = (tc_trigger){inputs, NULL, NULL, NULL, NULL, 0};
    assert_int_equal(tc_trigger_problems(pb, &t, reported, &problems), 2);
    tc_diags_clear(&problems);
    json_decref(reported);

    /* Parties that leave a step without a seat: the problem names the parties it needs. */
    t = (tc_trigger){NULL, NULL, NULL, NULL, (const char *const[]){"KZ"}, 1};
    assert_int_equal(tc_trigger_problems(pb, &t, NULL, &problems), 1);
    assert_string_equal(problems.items[0].message,
                        "these parties leave task patrol 1 seats, fewer than the 2 "
                        "that must complete (its parties: AM, KZ, RU)");
    tc_diags_clear(&problems);

    tc_instance *inst = tc_instance_new(pb);
    tc_actor admin = {"admin", NULL, 0, 1, NULL, NULL, 0};
    t = (tc_trigger){inputs, NULL, "catastrophic", NULL, NULL, 0};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &admin, 0, &err), TC_EINVAL);
    assert_string_equal(err.text,
                        "unknown severity catastrophic (extreme, severe, moderate, minor or unknown) "
                        "(and 3 more problems)");
    tc_instance_free(inst);
    json_decref(inputs);
    tc_playbook_free(pb);
    free(text);
}

/* A completion's problems all at once: the outcome (naming the valid ones), each undeclared field (naming
 * the declared ones), each value (naming its range), each required field missing. */
static void test_machine_complete_every_problem_at_once(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    json_t *data = json_pack("{s:s, s:i, s:i}", "recommendation", "invade", "casualties", -1, "extra", 1);
    tc_event ev = {.kind = TC_EVENT_COMPLETE, .actor = ACTOR("duty", "secretariat"), .data = data};
    tc_diags problems = {0};
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 3);
    assert_string_equal(problems.items[0].message,
                        "output recommendation must be one of [\"deploy\",\"monitor\"]");
    assert_string_equal(problems.items[1].message, "output casualties must be at least 0, not -1");
    assert_string_equal(problems.items[2].message,
                        "task assess has no output extra (valid: recommendation, casualties)");
    tc_diags_clear(&problems);
    assert_int_equal(act(&f, ev, H), TC_EINVAL);
    assert_string_equal(
        f.err.text, "output recommendation must be one of [\"deploy\",\"monitor\"] (and 2 more problems)");

    /* An unknown outcome names the valid ones; required outputs are required of done only. */
    ev = (tc_event){.kind = TC_EVENT_COMPLETE, .actor = ACTOR("duty", "secretariat"), .outcome = "escalate"};
    assert_int_equal(act(&f, ev, H), TC_EINVAL);
    assert_string_equal(f.err.text, "task assess has no outcome escalate (valid: done, needs_info)");
    ev.outcome = NULL;
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 1);
    assert_string_equal(problems.items[0].message, "output recommendation of task assess is required");
    tc_diags_clear(&problems);
    /* Not a completion, or no task to complete: nothing to say here (apply says why). */
    ev.state = "nowhere";
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 0);
    ev.state = NULL;
    ev.outcome = "nope";
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 1);
    assert_string_equal(problems.items[0].message,
                        "task assess has no outcome nope (valid: done, needs_info)");
    tc_diags_clear(&problems);
    tc_event other = {.kind = TC_EVENT_VOTE, .actor = ACTOR("duty", "secretariat"), .vote = TC_VOTE_APPROVE};
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &other, &problems), 0);
    /* A crisis over: neither a completion nor an amendment has anything to check. */
    f.inst->status = TC_STATUS_CLOSED;
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 0);
    other = (tc_event){.kind = TC_EVENT_AMEND, .actor = ACTOR("initiator", "initiator"), .data = data};
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &other, &problems), 0);
    json_decref(data);
    finish(&f);

    /* Not triggered yet: no state is active, and a completion has nothing to check either. */
    memset(&f, 0, sizeof f);
    char *text = fixture_playbook("operations");
    f.pb = compile(text);
    free(text);
    f.inst = tc_instance_new(f.pb);
    ev = (tc_event){.kind = TC_EVENT_COMPLETE, .actor = ACTOR("duty", "secretariat"), .state = "assess"};
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 0);
    assert_int_equal(problems.count, 0);
    finish(&f);
}

/* A silence procedure every seat has approved waits for its deadline: a vote from anyone else is refused
 * with the words that nobody is waited for. */
static void test_machine_silence_every_seat_has_acted(void **state)
{
    (void)state;
    fixture f;
    char *text = fixture_playbook("council");
    json_t *inputs = json_pack("{s:s}", "rule", "silence");
    tc_trigger t = {.inputs = inputs, .parties = (const char *const[]){"KZ"}, .party_count = 1};
    start_with(&f, text, &t);
    json_decref(inputs);
    free(text);
    assert_int_equal(vote(&f, "silence", "KZ", TC_VOTE_APPROVE, H), 0);
    assert_true(is_active(&f, "silence"));
    tc_event v = {.kind = TC_EVENT_VOTE, .actor = ACTOR("x", "council/AM"), .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, v, 2 * H), TC_EPERM);
    assert_string_equal(f.err.text, "x holds no seat that state silence waits for (every seat has acted)");
    finish(&f);
}

/* Amending: the initiator (the role "initiator", here not an administrator) or an administrator corrects
 * inputs; the audit keeps old and new; someone else, no reason, no change, a bad value are refused. */
static void test_machine_amend(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    json_t *data = json_pack("{s:f}", "threshold", 2.5);
    tc_event ev = {
        .kind = TC_EVENT_AMEND, .actor = ACTOR("duty", "secretariat"), .data = data, .reason = "why"};
    assert_int_equal(act(&f, ev, H), TC_EPERM);
    ev.actor = (tc_actor){"initiator", NULL, 0, 0, NULL, NULL, 0};
    ev.reason = NULL;
    assert_int_equal(act(&f, ev, H), TC_EINVAL);
    assert_string_equal(f.err.text, "an amendment needs a reason (--reason TEXT)");
    ev.reason = "the figure from the capital";
    size_t before = f.fx.count;
    assert_int_equal(act(&f, ev, H), 0);
    assert_true(json_real_value(json_object_get(f.inst->inputs, "threshold")) == 2.5);
    assert_string_equal(json_string_value(json_object_get(f.inst->inputs, "path")), "assess");
    const tc_effect *amended = &f.fx.items[before];
    assert_int_equal(amended->audit, TC_AUDIT_AMENDED);
    assert_string_equal(amended->actor, "initiator");
    assert_true(json_is_null(json_object_get(json_object_get(amended->detail, "old"), "threshold")));
    assert_int_equal(json_object_size(json_object_get(amended->detail, "new")), 1);
    /* The same again changes nothing; a value of the wrong type and an unknown input, both said. */
    assert_int_equal(act(&f, ev, H), TC_EINVAL);
    assert_string_equal(f.err.text, "the amendment changes nothing: the crisis has these values already");
    json_t *bad = json_pack("{s:s, s:i}", "threshold", "high", "weather", 1);
    ev.data = bad;
    tc_diags problems = {0};
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 2);
    assert_string_equal(problems.items[0].message, "playbook operations has no input weather");
    assert_string_equal(problems.items[1].message, "input threshold must be a number");
    tc_diags_clear(&problems);
    /* Inputs grown past what a trigger may give. */
    char *big = calloc(1, 70000);
    memset(big, 'x', 69999);
    json_t *huge = json_pack("{s:s}", "path", big);
    ev.data = huge;
    assert_int_equal(tc_machine_problems(f.pb, f.inst, &ev, &problems), 1);
    assert_true(strstr(problems.items[0].message, "the crisis's inputs as amended") != NULL);
    tc_diags_clear(&problems);
    json_decref(huge);
    free(big);
    /* An administrator may; a closed crisis may not be amended. */
    json_t *reset = json_pack("{s:n}", "threshold");
    ev = (tc_event){
        .kind = TC_EVENT_AMEND, .actor = {"admin", NULL, 0, 1, NULL, NULL, 0}, .data = reset, .reason = "r"};
    assert_int_equal(act(&f, ev, H), 0);
    assert_null(json_object_get(f.inst->inputs, "threshold"));
    f.inst->status = TC_STATUS_CANCELLED;
    ev.data = data;
    assert_int_equal(act(&f, ev, H), TC_ECONFLICT);
    json_decref(bad);
    json_decref(reset);
    json_decref(data);
    finish(&f);
}

/* One scripted run, returned as the concatenated text of every effect and the final instance. */
static char *scripted_run(void)
{
    fixture f;
    tc_strbuf sb = TC_STRBUF_INIT;
    start_named(&f, "operations", "{\"threshold\": 20}");
    struct {
        int kind;
        tc_ms at;
    } steps[] = {{0, H}, {1, 2 * H}, {2, 3 * H}};
    for (size_t i = 0; i < 3; i++) {
        if (steps[i].kind == 0)
            fire(&f, "assess#1:level1", steps[i].at);
        else if (steps[i].kind == 1)
            complete(&f, "assess", NULL, NULL, json_pack("{s:s}", "recommendation", "deploy"), steps[i].at);
        else
            complete(&f, "operate/border/close", "RU", NULL, NULL, steps[i].at);
        for (size_t e = 0; e < f.fx.count; e++) {
            char *detail =
                f.fx.items[e].detail ? json_dumps(f.fx.items[e].detail, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
            tc_strbuf_addf(&sb, "%s %s %s %s %lld %s\n", tc_effect_kind_name(f.fx.items[e].kind),
                           f.fx.items[e].name ? f.fx.items[e].name : "-",
                           f.fx.items[e].state ? f.fx.items[e].state : "-",
                           f.fx.items[e].key ? f.fx.items[e].key : "-", (long long)f.fx.items[e].due,
                           detail ? detail : "-");
            free(detail);
        }
    }
    char *final = instance_text(f.pb, f.inst);
    tc_strbuf_add(&sb, final);
    free(final);
    finish(&f);
    return tc_strbuf_take(&sb);
}

static void test_machine_is_deterministic(void **state)
{
    (void)state;
    char *a = scripted_run(), *b = scripted_run();
    assert_true(strlen(a) > 500);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_machine_instance_text_reads_jsonb_style(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"operate\"}");
    /* PostgreSQL's jsonb prints keys in its own order with spaces: the reader takes it as it is. */
    json_t *json = tc_instance_to_json(f.pb, f.inst);
    char *spaced = json_dumps(json, JSON_SORT_KEYS | JSON_INDENT(1));
    tc_instance *copy = NULL;
    assert_int_equal(tc_instance_from_text(f.pb, spaced, strlen(spaced), &copy, NULL), 0);
    char *a = instance_text(f.pb, f.inst), *b = instance_text(f.pb, copy);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(spaced);
    tc_instance_free(copy);
    /* Garbage is refused, not guessed at. */
    assert_int_equal(tc_instance_from_text(f.pb, "{\"v\": 1, \"active\": [", 22, &copy, NULL), TC_EINVAL);
    assert_int_equal(tc_instance_from_text(f.pb, "[]", 2, &copy, NULL), TC_EINVAL);
    json_decref(json);
    finish(&f);
}

static void test_machine_instance_json_is_checked(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    json_t *json = tc_instance_to_json(f.pb, f.inst);
    json_object_set_new(json_array_get(json_object_get(json, "active"), 0), "state", json_string("nowhere"));
    tc_instance *copy = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_instance_from_json(f.pb, json, &copy, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "does not fit playbook operations"));
    json_decref(json);
    json = json_pack("{s:i}", "v", 99);
    assert_int_equal(tc_instance_from_json(f.pb, json, &copy, NULL), TC_EINVAL);
    json_decref(json);
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_task_outputs_and_outcomes),
        cmocka_unit_test(test_machine_task_multi_instance),
        cmocka_unit_test(test_machine_escalation_timing_and_repeat),
        cmocka_unit_test(test_machine_escalation_manual_and_ack),
        cmocka_unit_test(test_machine_escalation_tells_only_seats_that_have_not_acted),
        cmocka_unit_test(test_machine_parallel_join_nesting_and_failure),
        cmocka_unit_test(test_machine_action_retries_and_timeouts),
        cmocka_unit_test(test_machine_choice_with_missing_values),
        cmocka_unit_test(test_machine_cancel_in_every_state_type),
        cmocka_unit_test(test_machine_refuses_text_not_utf8),
        cmocka_unit_test(test_machine_trigger_checks),
        cmocka_unit_test(test_machine_trigger_every_problem_at_once),
        cmocka_unit_test(test_machine_complete_every_problem_at_once),
        cmocka_unit_test(test_machine_amend),
        cmocka_unit_test(test_machine_is_deterministic),
        cmocka_unit_test(test_machine_instance_text_reads_jsonb_style),
        cmocka_unit_test(test_machine_instance_json_is_checked),
        cmocka_unit_test(test_machine_action_backoff_stops_doubling),
        cmocka_unit_test(test_machine_action_cancelled_between_attempts),
        cmocka_unit_test(test_machine_effects_list),
        cmocka_unit_test(test_machine_escalation_ladders_at_their_ends),
        cmocka_unit_test(test_machine_task_minimum_of_all_seats_and_an_office_vote),
        cmocka_unit_test(test_machine_silence_every_seat_has_acted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
