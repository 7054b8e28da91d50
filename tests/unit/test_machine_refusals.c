/*
 * Refusals of tc_machine_apply (core/machine/machine_apply.c) that the
 * scenario tests do not reach: a command on a crisis that is closed or not
 * started, a state named that is ambiguous or takes no such command, a seat
 * not held or not there, permissions a playbook narrows, timers whose keys
 * are malformed or stale, signatures that do not hold. Each asserts the
 * code, the whole message and (through the fixture's act()) that nothing
 * changed.
 */
#include "machine_fixture.h"

/* Two tasks of the same id in the two branches of a parallel, then an approval. */
static const char playbook_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"refusals\", \"title\": \"Refusals\",\n"
    " \"parties\": [\"AM\", \"KZ\"],\n"
    " \"roles\": {\"secretariat\": {\"title\": \"S\"}, \"border\": {\"title\": \"B\", \"per_party\": true},\n"
    "           \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"permissions\": {\"escalate\": [\"secretariat\"], \"cancel\": [\"council\"]},\n"
    " \"start\": \"both\",\n"
    " \"states\": {\n"
    "  \"both\": {\"type\": \"parallel\", \"next\": \"decide\", \"branches\": {\n"
    "    \"a\": {\"start\": \"check\", \"states\": {\n"
    "      \"check\": {\"type\": \"task\", \"assignee\": \"border\", \"parties\": [\"KZ\"], \"next\": "
    "\"ea\",\n"
    "                \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"secretariat\"]}]}},\n"
    "      \"ea\": {\"type\": \"end\"}}},\n"
    "    \"b\": {\"start\": \"check\", \"states\": {\n"
    "      \"check\": {\"type\": \"task\", \"assignee\": \"secretariat\", \"next\": \"eb\"},\n"
    "      \"eb\": {\"type\": \"end\"}}}}},\n"
    "  \"decide\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": \"all\"},\n"
    "             \"rule\": \"consensus\", \"next\": {\"approved\": \"done\", \"rejected\": \"done\"}},\n"
    "  \"done\": {\"type\": \"end\"}}}\n";

/* A state named by a bare id that two active states share, or one that takes no such command. */
static void test_refusals_state_named(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    tc_event ev = {.kind = TC_EVENT_COMPLETE, .actor = ACTOR("sec", "secretariat"), .state = "check"};
    assert_int_equal(act(&f, ev, M), TC_EUSAGE);
    assert_string_equal(f.err.text, "state check is ambiguous: give its path");

    ev.state = "decide";
    assert_int_equal(act(&f, ev, M), TC_ECONFLICT);
    assert_string_equal(f.err.text,
                        "state decide is not active (active: both/a/check (task), both/b/check (task))");

    ev.state = "both";
    assert_int_equal(act(&f, ev, M), TC_ECONFLICT);
    assert_string_equal(f.err.text,
                        "state both (parallel) does not take a completion (it takes no command: the "
                        "engine moves it on)");

    tc_event v = {.kind = TC_EVENT_VOTE,
                  .actor = ACTOR("sec", "secretariat"),
                  .state = "both/b/check",
                  .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, v, M), TC_ECONFLICT);
    assert_string_equal(f.err.text,
                        "state both/b/check (task) does not take a vote (it takes complete and ack)");
    v.state = NULL;
    assert_int_equal(act(&f, v, M), TC_ECONFLICT);
    assert_string_equal(f.err.text,
                        "no active state takes a vote (active: both/a/check (task), both/b/check (task))");

    tc_event result = {
        .kind = TC_EVENT_ACTION_RESULT, .state = "both/b/check", .outcome = "ok", .attempt = 1};
    assert_int_equal(act(&f, result, M), TC_ECONFLICT);
    assert_string_equal(f.err.text,
                        "state both/b/check (task) does not take this command (it takes complete "
                        "and ack)");

    tc_event esc = {.kind = TC_EVENT_ESCALATE, .actor = ACTOR("sec", "secretariat"), .state = "both/b/check"};
    assert_int_equal(act(&f, esc, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state both/b/check (task) does not take escalation: it has no ladder");
    esc.state = "both";
    assert_int_equal(act(&f, esc, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state both (parallel) does not take escalation: it has no ladder");

    /* Inferred: an actor holding seats of both tasks must choose; one holding a seat of one is told which. */
    ev.state = NULL;
    ev.actor =
        (tc_actor){"both_hats", (const char *const[]){"secretariat", "border/KZ"}, 2, 0, NULL, NULL, 0};
    assert_int_equal(act(&f, ev, M), TC_EUSAGE);
    assert_string_equal(f.err.text,
                        "several active states could take a completion (both/a/check, "
                        "both/b/check): choose one with --state");
    ev.actor = ACTOR("kz", "border/KZ");
    assert_int_equal(act(&f, ev, 2 * M), 0);
    assert_false(is_active(&f, "both/a/check"));
    assert_true(is_active(&f, "both/b/check"));
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "completed"), "seat")),
                        "border/KZ");
    finish(&f);
}

/* A seat by party that the state does not have, or that the actor does not hold. */
static void test_refusals_seat(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    tc_event ev = {
        .kind = TC_EVENT_ACK, .actor = ACTOR("am", "border/AM"), .state = "both/a/check", .party = "AM"};
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "state both/a/check has no seat for party AM (its seats: border/KZ)");
    ev.party = "KZ";
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "am does not hold seat border/KZ (it holds no seat of both/a/check)");
    ev.actor.role = NULL;
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "? does not hold seat border/KZ (it holds no seat of both/a/check)");
    ev.party = NULL;
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "? holds no seat that state both/a/check waits for (it waits for border/KZ)");

    /* Acknowledged once; twice is a conflict. */
    ev.actor = ACTOR("kz", "border/KZ");
    assert_int_equal(act(&f, ev, M), 0);
    assert_int_equal(audits(&f, "acked", "both/a/check"), 1);
    assert_int_equal(act(&f, ev, 2 * M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "seat border/KZ already acknowledged both/a/check");
    finish(&f);
}

/* The playbook's permissions: escalate and cancel for the roles it lists (and administrators) only. */
static void test_refusals_permissions(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    /* The initiator and a seat holder of the state may not escalate when the playbook lists roles. */
    tc_event esc = {.kind = TC_EVENT_ESCALATE, .actor = ACTOR("kz", "border/KZ"), .state = "both/a/check"};
    assert_int_equal(act(&f, esc, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "kz may not escalate crises of playbook refusals (only administrators and "
                        "holders of a seat of secretariat may)");
    esc.actor = (tc_actor){"initiator", NULL, 0, 0, NULL, NULL, 0};
    assert_int_equal(act(&f, esc, M), TC_EPERM);
    esc.actor = ACTOR("sec", "secretariat");
    assert_int_equal(act(&f, esc, M), 0);
    assert_int_equal(audits(&f, "escalated", "both/a/check"), 1);
    assert_int_equal(act(&f, esc, 2 * M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state both/a/check has no escalation level left (reached 1 of 1)");

    /* Cancel: the initiator may not (the playbook names council); a council seat may. */
    tc_event cancel = {.kind = TC_EVENT_CANCEL, .actor = {"initiator", NULL, 0, 0, NULL, NULL, 0}};
    assert_int_equal(act(&f, cancel, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "initiator may not cancel this crisis (holders of the playbook's cancel roles may)");
    cancel.actor = ACTOR(NULL, "secretariat");
    assert_int_equal(act(&f, cancel, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "? may not cancel this crisis (holders of the playbook's cancel roles may)");
    cancel.actor = ACTOR("kz", "council/KZ");
    assert_int_equal(act(&f, cancel, 3 * M), 0);
    assert_int_equal(f.inst->status, TC_STATUS_CANCELLED);
    assert_true(json_is_null(json_object_get(audit_detail(&f, "cancelled"), "reason")));
    finish(&f);
}

/* Closed and not started: timers and action results after the close are late, and nothing happens; every
 * other command is refused, naming the crisis and its status. */
static void test_refusals_closed_and_not_started(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    f.inst->id = 42;
    tc_event cancel = {.kind = TC_EVENT_CANCEL, .actor = {"admin", NULL, 0, 1, NULL, NULL, 0}};
    assert_int_equal(act(&f, cancel, M), 0);
    assert_int_equal(fire(&f, "both/a/check#1:level1", H), 0);
    assert_int_equal(f.fx.count, 0);
    tc_event result = {.kind = TC_EVENT_ACTION_RESULT, .state = "both", .outcome = "ok", .attempt = 1};
    assert_int_equal(act(&f, result, H), 0);
    assert_int_equal(f.fx.count, 0);
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("kz", "border/KZ")};
    assert_int_equal(act(&f, ack, H), TC_ECONFLICT);
    assert_string_equal(f.err.text, "crisis 42 is cancelled");
    f.inst->status = TC_STATUS_CLOSED;
    assert_int_equal(act(&f, cancel, H), TC_ECONFLICT);
    assert_string_equal(f.err.text, "crisis 42 is closed");
    finish(&f);

    /* Prepared, not triggered: only the trigger (or a cancel) applies; a second trigger is refused. */
    memset(&f, 0, sizeof f);
    f.pb = compile(playbook_text);
    f.inst = tc_instance_new(f.pb);
    f.inst->id = 7;
    tc_actor admin = {"admin", NULL, 0, 1, NULL, NULL, 0};
    tc_trigger t = {0};
    assert_int_equal(tc_trigger_prepare(f.pb, f.inst, &t, &admin, 0, &f.err), 0);
    assert_int_equal(act(&f, ack, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "crisis 7 has not started yet");
    assert_int_equal(fire(&f, "both#1:deadline", M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "crisis 7 has not started yet");
    tc_event trigger = {.kind = TC_EVENT_TRIGGER, .actor = admin};
    assert_int_equal(act(&f, trigger, M), 0);
    assert_true(f.inst->triggered);
    assert_true(is_active(&f, "both/b/check"));
    assert_int_equal(act(&f, trigger, 2 * M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "crisis 7 was triggered already");
    finish(&f);
}

/* Timers: a key that is not path#visit:purpose, a state that is not in the playbook, a purpose the machine
 * does not know, a visit that is over. */
static void test_refusals_timers(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    assert_int_equal(fire(&f, "both/a/check", H), TC_EINVAL);
    assert_string_equal(f.err.text, "malformed timer key both/a/check");
    assert_int_equal(fire(&f, "both/a/check#1", H), TC_EINVAL);
    assert_string_equal(f.err.text, "malformed timer key both/a/check#1");
    assert_int_equal(fire(&f, "nowhere#1:deadline", H), TC_EINVAL);
    assert_string_equal(f.err.text, "malformed timer key nowhere#1:deadline");
    assert_int_equal(fire(&f, NULL, H), TC_EINVAL);
    assert_string_equal(f.err.text, "malformed timer key (null)");
    char *long_key = calloc(1, 1100);
    memset(long_key, 'x', 1030);
    strcat(long_key, "#1:wait");
    assert_int_equal(fire(&f, long_key, H), TC_EINVAL);
    assert_int_equal(strncmp(f.err.text, "malformed timer key xxxx", 24), 0);
    free(long_key);
    assert_int_equal(fire(&f, "both/a/check#1:bogus", H), TC_EINVAL);
    assert_string_equal(f.err.text, "unknown timer purpose in both/a/check#1:bogus");
    /* Stale: an earlier visit, or a state not active; nothing happens. */
    assert_int_equal(fire(&f, "both/a/check#2:level1", H), 0);
    assert_int_equal(f.fx.count, 0);
    assert_int_equal(fire(&f, "decide#1:deadline", H), 0);
    assert_int_equal(f.fx.count, 0);
    /* The ladder's level fires once; the same level again is stale. */
    assert_int_equal(fire(&f, "both/a/check#1:level1", H), 0);
    assert_int_equal(audits(&f, "escalated", "both/a/check"), 1);
    assert_int_equal(fire(&f, "both/a/check#1:level1", 2 * H), 0);
    assert_int_equal(f.fx.count, 0);
    finish(&f);
}

/* A signature that does not hold is refused wherever it comes; a state that requires one refuses a command
 * without one. */
static void test_refusals_signatures(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    tc_event ev = {.kind = TC_EVENT_COMPLETE,
                   .actor = ACTOR("sec", "secretariat"),
                   .state = "both/b/check",
                   .signature = -1,
                   .signature_problem = "the key is revoked"};
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "the signature on a completion by sec does not hold: the key is revoked");
    ev.signature_problem = NULL;
    ev.actor.role = NULL;
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "the signature on a completion by ? does not hold: not checked");
    ev.kind = TC_EVENT_ACK;
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "the signature on an acknowledgement by ? does not hold: not checked");
    ev.signature = 1; /* signed where no signature is required: taken */
    assert_int_equal(act(&f, ev, M), 0);
    finish(&f);

    char *text = fixture_playbook("signed");
    start_with(&f, text, &(tc_trigger){0});
    free(text);
    tc_event v = {.kind = TC_EVENT_VOTE,
                  .actor = ACTOR(NULL, "council/KZ"),
                  .state = "decide",
                  .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, v, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "state decide takes only signed commands: sign with a registered key of "
                        "the acting role (tocsin --sign-with FILE)");
    v.signature = -1;
    v.actor.role = "kz";
    assert_int_equal(act(&f, v, M), TC_EPERM);
    assert_string_equal(f.err.text, "the signature on a vote by kz does not hold: not checked");
    v.signature = 1;
    assert_int_equal(act(&f, v, M), 0);
    assert_int_equal(audits(&f, "vote", "decide"), 1);
    finish(&f);
}

/* Every text of an event is checked for UTF-8, each named in the refusal. */
static void test_refusals_text_not_utf8(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    tc_event ev = {.kind = TC_EVENT_ACK, .actor = ACTOR("kz", "border/KZ"), .party = "K\xff"};
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the party is not valid UTF-8");
    ev.party = NULL;
    ev.actor.role = "k\xc3";
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the actor is not valid UTF-8");
    tc_event d = {.kind = TC_EVENT_DELEGATE, .actor = ACTOR("kz", "border/KZ"), .seat = "border/\xff"};
    assert_int_equal(act(&f, d, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the seat is not valid UTF-8");
    d.seat = "border/KZ";
    d.to = "\xe2\x82";
    assert_int_equal(act(&f, d, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the delegate is not valid UTF-8");
    d.to = "deputy";
    d.until = "2026\xff";
    assert_int_equal(act(&f, d, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the end is not valid UTF-8");
    finish(&f);
}

/* tc_machine_tally: an approval's counts, and -1 for a state that is not an active approval. */
static void test_refusals_tally(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    tc_tally tally;
    const tc_state *decide = tc_playbook_state(f.pb, "decide");
    const tc_state *check = tc_playbook_state(f.pb, "both/b/check");
    assert_int_equal(tc_machine_tally(f.pb, f.inst, decide->index, &tally), -1);
    assert_int_equal(tc_machine_tally(f.pb, f.inst, check->index, &tally), -1);
    assert_int_equal(complete(&f, "both/b/check", NULL, NULL, NULL, M), 0);
    assert_int_equal(complete(&f, "both/a/check", "KZ", NULL, NULL, M), 0);
    assert_true(is_active(&f, "decide"));
    assert_int_equal(vote(&f, "decide", "KZ", TC_VOTE_APPROVE, 2 * M), 0);
    assert_int_equal(tc_machine_tally(f.pb, f.inst, decide->index, &tally), 0);
    assert_int_equal(tally.approve, 1);
    assert_int_equal(tally.pending, 1);
    assert_int_equal(tally.reject + tally.abstain + tally.veto_cast + tally.veto_pending, 0);
    assert_int_equal(vote(&f, "decide", "AM", TC_VOTE_REJECT, 2 * M), 0);
    assert_false(is_active(&f, "decide")); /* consensus: one rejection decides */
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    finish(&f);
}

/* Delegating a seat and ending a delegation: each part of the command checked, in order, with its words;
 * the end as a time, a while, or the close. */
/* A role name longer than any seat (160 bytes): 170 letters. */
#define LONG_ROLE                                                                                            \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"                  \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_refusals_delegation(void **state)
{
    (void)state;
    fixture f;
    start(&f, playbook_text);
    f.inst->id = 9;
    static const struct {
        const char *seat, *to, *reason, *until;
        long long for_s;
        int code;
        const char *message;
    } cases[] = {
        {NULL, "deputy", "r", NULL, 0, TC_EINVAL, "a delegation names its seat (--seat ROLE/PARTY)"},
        {"", "deputy", "r", NULL, 0, TC_EINVAL, "a delegation names its seat (--seat ROLE/PARTY)"},
        {"border/KZ", NULL, "r", NULL, 0, TC_EINVAL,
         "a delegation names the role that is to act (--to ROLE)"},
        {"border/KZ", "", "r", NULL, 0, TC_EINVAL, "a delegation names the role that is to act (--to ROLE)"},
        {"border/KZ", "deputy", NULL, NULL, 0, TC_EINVAL, "a delegation needs a reason (--reason TEXT)"},
        {"border/KZ", "deputy", "", NULL, 0, TC_EINVAL, "a delegation needs a reason (--reason TEXT)"},
        {"/KZ", "deputy", "r", NULL, 0, TC_EINVAL,
         "invalid seat \"/KZ\": a playbook role, optionally /PARTY"},
        {LONG_ROLE "/KZ", "deputy", "r", NULL, 0, TC_EINVAL,
         "invalid seat \"" LONG_ROLE "/KZ\": a playbook role, optionally /PARTY"},
        {"navy/KZ", "deputy", "r", NULL, 0, TC_ENOTFOUND, "no role navy in playbook refusals"},
        {"secretariat", "deputy", "r", NULL, 0, TC_EPERM,
         "kz does not hold seat secretariat: only its holder may delegate it"},
        {"secretariat/KZ", "deputy", "r", NULL, 0, TC_ENOTFOUND,
         "role secretariat is an office: its seat is secretariat, without a party"},
        {"border", "deputy", "r", NULL, 0, TC_ENOTFOUND,
         "crisis 9 has no seat border (role border has one per party: border/PARTY)"},
        {"border/RU", "deputy", "r", NULL, 0, TC_ENOTFOUND,
         "crisis 9 has no seat border/RU (role border has one per party: border/PARTY)"},
        {"border/AM", "deputy", "r", NULL, 0, TC_EPERM,
         "kz does not hold seat border/AM: only its holder may "
         "delegate it"},
        {"border/KZ", "kz", "r", NULL, 0, TC_EINVAL,
         "kz holds seat border/KZ already: delegate it to another role"},
        {"border/KZ", "deputy", "r", "1970-01-02", 60, TC_EINVAL,
         "a delegation ends at one time: --for or --until, not both"},
        {"border/KZ", "deputy", "r", "tomorrow", 0, TC_EINVAL,
         "the end of the delegation, \"tomorrow\", is not an ISO 8601 time"},
        {"border/KZ", "deputy", "r", NULL, -1, TC_EINVAL, "a delegation lasts from a second to a year"},
        {"border/KZ", "deputy", "r", NULL, 366LL * 24 * 3600 + 1, TC_EINVAL,
         "a delegation lasts from a second to a year"},
        {"border/KZ", "deputy", "r", "1970-01-01T00:30Z", 0, TC_EINVAL,
         "the delegation would end (1970-01-01T00:30Z) before it begins"},
        {"border/KZ", "deputy", "r", "1970-01-01T01:00Z", 0, TC_EINVAL,
         "the delegation would end (1970-01-01T01:00Z) before it begins"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_event ev = {.kind = TC_EVENT_DELEGATE,
                       .actor = ACTOR("kz", "border/KZ"),
                       .seat = cases[i].seat,
                       .to = cases[i].to,
                       .reason = cases[i].reason,
                       .until = cases[i].until,
                       .for_s = cases[i].for_s};
        assert_int_equal(act(&f, ev, H), cases[i].code);
        if (strcmp(f.err.text, cases[i].message) != 0)
            fail_msg("case %zu: %s", i, f.err.text);
    }
    /* Until a time, for a while (a year at most), until the close; the audit says which. */
    tc_event ev = {.kind = TC_EVENT_DELEGATE,
                   .actor = ACTOR("kz", "border/KZ"),
                   .seat = "border/KZ",
                   .to = "deputy",
                   .reason = "leave",
                   .until = "1970-01-01T01:00:00.001Z"};
    assert_int_equal(act(&f, ev, H), 0);
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "delegated"), "until")),
                        "1970-01-01T01:00:00.001Z");
    ev.until = NULL;
    ev.for_s = 366LL * 24 * 3600;
    assert_int_equal(act(&f, ev, H), 0);
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "delegated"), "until")),
                        "1971-01-02T01:00:00Z");
    ev.for_s = 0;
    ev.actor.role = NULL; /* the engine on the holder's behalf */
    assert_int_equal(act(&f, ev, H), 0);
    assert_true(json_is_null(json_object_get(audit_detail(&f, "delegated"), "until")));
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "delegated"), "to")), "deputy");

    /* Ending it: the seat and a reason; the holder, the delegate (noted as acting for the holder) or an
     * administrator, nobody else. */
    tc_event end = {.kind = TC_EVENT_UNDELEGATE, .actor = ACTOR("am", "border/AM"), .reason = "back"};
    assert_int_equal(act(&f, end, 2 * H), TC_EINVAL);
    assert_string_equal(f.err.text, "undelegate names the seat (--seat ROLE/PARTY)");
    end.seat = "";
    assert_int_equal(act(&f, end, 2 * H), TC_EINVAL);
    end.seat = "border/KZ";
    end.reason = "";
    assert_int_equal(act(&f, end, 2 * H), TC_EINVAL);
    assert_string_equal(f.err.text, "ending a delegation needs a reason (--reason TEXT)");
    end.reason = NULL;
    assert_int_equal(act(&f, end, 2 * H), TC_EINVAL);
    end.reason = "back";
    end.seat = "navy";
    assert_int_equal(act(&f, end, 2 * H), TC_ENOTFOUND);
    assert_string_equal(f.err.text, "no role navy in playbook refusals");
    end.seat = "border/KZ";
    assert_int_equal(act(&f, end, 2 * H), TC_EPERM);
    assert_string_equal(f.err.text,
                        "am may not end the delegation of seat border/KZ (its holder, its delegate "
                        "and administrators may)");
    end.actor.role = NULL;
    assert_int_equal(act(&f, end, 2 * H), TC_EPERM);
    assert_string_equal(f.err.text,
                        "? may not end the delegation of seat border/KZ (its holder, its delegate "
                        "and administrators may)");
    static const tc_delegation held[] = {{"border/KZ", "kz"}};
    end.actor = (tc_actor){"deputy", NULL, 0, 0, NULL, held, 1};
    assert_int_equal(act(&f, end, 2 * H), 0);
    json_t *detail = audit_detail(&f, "undelegated");
    assert_string_equal(json_string_value(json_object_get(detail, "holder")), "kz");
    assert_string_equal(json_string_value(json_object_get(detail, "reason")), "back");
    end.actor = (tc_actor){"root", NULL, 0, 1, NULL, NULL, 0};
    assert_int_equal(act(&f, end, 2 * H), 0);
    assert_null(json_object_get(audit_detail(&f, "undelegated"), "holder"));
    end.actor = ACTOR("kz", "border/KZ");
    assert_int_equal(act(&f, end, 2 * H), 0);
    assert_int_equal(audits(&f, "undelegated", NULL), 1);
    finish(&f);
}

/* An action's results as they come: an attempt's failure without a word of outcome, a result carrying its
 * program's detail, data that is not an object, timers of an attempt that is over. */
static void test_refusals_action_results(void **state)
{
    (void)state;
    fixture f;
    char *text = fixture_playbook("operations");
    json_t *inputs = json_pack("{s:s}", "path", "alert");
    start_with(&f, text, &(tc_trigger){.inputs = inputs});
    json_decref(inputs);
    free(text);
    /* A retry timer while the attempt runs, and a result for another attempt: nothing happens. */
    assert_int_equal(fire(&f, "alert#1:retry", 1000), 0);
    assert_int_equal(f.fx.count, 0);
    tc_event result = {.kind = TC_EVENT_ACTION_RESULT, .state = "alert", .attempt = 2, .outcome = "ok"};
    assert_int_equal(act(&f, result, 1000), 0);
    assert_int_equal(f.fx.count, 0);
    /* No outcome is a failure; the program's detail goes into the audit. */
    json_t *detail = json_pack("{s:i, s:s}", "exit", 3, "tail", "no route");
    result = (tc_event){.kind = TC_EVENT_ACTION_RESULT, .state = "alert", .attempt = 1, .detail = detail};
    assert_int_equal(act(&f, result, 2000), 0);
    json_t *finished = audit_detail(&f, "action_finished");
    assert_string_equal(json_string_value(json_object_get(finished, "outcome")), "failed");
    assert_string_equal(json_string_value(json_object_get(finished, "tail")), "no route");
    assert_int_equal(json_integer_value(json_object_get(finished, "retry_at_ms")), 12000);
    json_decref(detail);
    /* The timeout of an attempt that has ended is stale. */
    assert_int_equal(fire(&f, "alert#1:timeout", 60000), 0);
    assert_int_equal(f.fx.count, 0);
    assert_int_equal(fire(&f, "alert#1:retry", 12000), 0);
    assert_int_equal(effects_of(&f, TC_EFFECT_ACTION_START), 1);
    /* ok with data that is not an object: the state moves on, no data kept. */
    json_t *data = json_pack("[i]", 1);
    result = (tc_event){
        .kind = TC_EVENT_ACTION_RESULT, .state = "alert", .attempt = 2, .outcome = "ok", .data = data};
    assert_int_equal(act(&f, result, 13000), 0);
    assert_null(json_object_get(f.inst->data, "alert"));
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    json_decref(data);
    finish(&f);
}

/* Amendments: what is not an object or names nothing, a null that returns an input to its default or
 * removes one without, an empty reason, an actor without a role. */
static void test_refusals_amend(void **state)
{
    (void)state;
    fixture f;
    char *text = fixture_playbook("operations");
    json_t *inputs = json_pack("{s:s, s:f}", "path", "pause", "threshold", 3.0);
    start_with(&f, text, &(tc_trigger){.inputs = inputs});
    json_decref(inputs);
    free(text);
    f.inst->id = 5;
    tc_event ev = {.kind = TC_EVENT_AMEND, .actor = {NULL, NULL, 0, 0, NULL, NULL, 0}, .reason = "r"};
    json_t *empty = json_object(), *list = json_pack("[s]", "path");
    ev.data = empty;
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "? may not amend crisis 5 (only its initiator initiator and administrators may)");
    ev.actor = (tc_actor){"initiator", NULL, 0, 0, NULL, NULL, 0};
    ev.reason = "";
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "an amendment needs a reason (--reason TEXT)");
    ev.reason = "r";
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "an amendment needs at least one input (--input K=V or --inputs JSON)");
    ev.data = NULL;
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "an amendment needs at least one input (--input K=V or --inputs JSON)");
    ev.data = list;
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "an amendment needs at least one input (--input K=V or --inputs JSON)");
    /* path back to its default, threshold (no default) removed, an unknown name given null is refused. */
    json_t *data = json_pack("{s:n, s:n}", "path", "threshold");
    ev.data = data;
    assert_int_equal(act(&f, ev, M), 0);
    assert_string_equal(json_string_value(json_object_get(f.inst->inputs, "path")), "assess");
    assert_null(json_object_get(f.inst->inputs, "threshold"));
    json_t *amended = audit_detail(&f, "amended");
    assert_string_equal(json_string_value(json_object_get(json_object_get(amended, "old"), "path")), "pause");
    assert_true(json_is_null(json_object_get(json_object_get(amended, "new"), "threshold")));
    json_t *unknown = json_pack("{s:n}", "weather");
    ev.data = unknown;
    assert_int_equal(act(&f, ev, M), TC_EINVAL);
    assert_string_equal(f.err.text, "the amendment changes nothing: the crisis has these values already");
    /* Given as it is, with another change: only the change is audited. */
    json_t *mixed = json_pack("{s:s, s:i}", "path", "assess", "threshold", 4);
    ev.data = mixed;
    assert_int_equal(act(&f, ev, M), 0);
    amended = audit_detail(&f, "amended");
    assert_int_equal(json_object_size(json_object_get(amended, "new")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(amended, "new"), "threshold")), 4);
    json_decref(mixed);
    json_decref(unknown);
    json_decref(data);
    json_decref(list);
    json_decref(empty);
    finish(&f);
}

/* Who may escalate when the playbook names nobody: the initiator, the engine, a holder of a seat an active
 * state waits for, not one who acts for such a seat by delegation, nor a seat that has nothing asked of it.
 */
static void test_refusals_escalation_by_default(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    tc_event esc = {.kind = TC_EVENT_ESCALATE, .state = "patrol"};
    static const tc_delegation held[] = {{"border/KZ", "kz"}};
    esc.actor = (tc_actor){"deputy", NULL, 0, 0, NULL, held, 1};
    assert_int_equal(act(&f, esc, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "deputy may not escalate crises of playbook operations (only administrators, "
                        "its initiator and holders of a seat an active state waits for may)");
    esc.actor = ACTOR("sec", "secretariat");
    assert_int_equal(act(&f, esc, M), TC_EPERM);
    esc.actor = (tc_actor){"initiator", NULL, 0, 0, NULL, NULL, 0};
    assert_int_equal(act(&f, esc, M), 0);
    assert_int_equal(f.inst->escalation_level, 1);
    /* patrol's ladder has one level: none left, whoever asks. */
    esc.actor = (tc_actor){0};
    assert_int_equal(act(&f, esc, 2 * M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state patrol has no escalation level left (reached 1 of 1)");
    /* A bare id of a state that is not active; an actor with two seats of the state must choose one. */
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("x", "border/KZ"), .state = "close"};
    assert_int_equal(act(&f, ack, 2 * M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state close is not active (active: patrol (task))");
    ack.state = "patrol";
    ack.actor = (tc_actor){NULL, (const char *const[]){"border/KZ", "border/RU"}, 2, 0, NULL, NULL, 0};
    assert_int_equal(act(&f, ack, 2 * M), TC_EUSAGE);
    assert_string_equal(f.err.text, "? holds several seats of state patrol: choose one with --party");
    finish(&f);
}

/*
 * Commands the machine works out for itself or refuses on the way: an action's result that names no state,
 * a completion by one who holds no seat of it, a cancel by nobody in particular.
 */
static void test_refusals_inferred_and_anonymous(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"alert\"}");
    tc_event result = {.kind = TC_EVENT_ACTION_RESULT, .outcome = "ok", .attempt = 1};
    assert_int_equal(act(&f, result, M), 0); /* the one action active */
    assert_int_equal(audits(&f, "action_finished", "alert"), 1);
    finish(&f);

    start_named(&f, "operations", NULL);
    tc_event done = {.kind = TC_EVENT_COMPLETE, .actor = ACTOR("x", "navy/KZ"), .state = "assess"};
    assert_int_equal(act(&f, done, M), TC_EPERM);
    assert_string_equal(f.err.text, "x holds no seat that state assess waits for (it waits for secretariat)");
    tc_event cancel = {.kind = TC_EVENT_CANCEL, .actor = {NULL, NULL, 0, 0, NULL, NULL, 0}};
    assert_int_equal(act(&f, cancel, M), TC_EPERM);
    assert_string_equal(f.err.text, "? may not cancel this crisis (its initiator may)");
    finish(&f);
}

/*
 * A playbook whose states are a chain of n choices (c0 to c<n-1>, each false, otherwise the next) from the
 * start, or, with parallel, from the start of a parallel's first branch, its second a task.
 */
static char *chain_of_choices(size_t n, int parallel)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb,
                  "{\"format\": \"tocsin-playbook/1\", \"name\": \"chain\", \"title\": \"Chain\",\n"
                  " \"parties\": [\"AM\"], \"roles\": {\"sec\": {\"title\": \"S\"}},\n");
    if (parallel)
        tc_strbuf_add(
            &sb,
            " \"start\": \"both\", \"states\": {\"both\": {\"type\": \"parallel\", \"next\": \"e\", "
            "\"branches\": {\"a\": {\"start\": \"c0\", \"states\": {\n");
    else
        tc_strbuf_add(&sb, " \"start\": \"c0\", \"states\": {\n");
    for (size_t i = 0; i < n; i++) {
        char next[32];
        snprintf(next, sizeof next, i + 1 < n ? "c%zu" : "e", i + 1);
        tc_strbuf_addf(
            &sb,
            "  \"c%zu\": {\"type\": \"choice\", \"choices\": [{\"when\": false, \"next\": \"e\"}], "
            "\"otherwise\": \"%s\"},\n",
            i, next);
    }
    if (parallel)
        tc_strbuf_add(
            &sb,
            "  \"e\": {\"type\": \"end\"}}},\n"
            "  \"b\": {\"start\": \"t\", \"states\": {\"t\": {\"type\": \"task\", \"assignee\": \"sec\", "
            "\"next\": \"e\"}, \"e\": {\"type\": \"end\"}}}}},\n");
    tc_strbuf_add(&sb, "  \"e\": {\"type\": \"end\"}}}\n");
    return tc_strbuf_take(&sb);
}

/* Triggers a crisis of text; returns what tc_machine_apply returned, the audit kinds in *entered. */
static int trigger_chain(const char *text, tc_error *err, int *entered_task)
{
    tc_playbook *pb = compile(text);
    tc_instance *inst = tc_instance_new(pb);
    tc_actor admin = {"initiator", NULL, 0, 1, NULL, NULL, 0};
    tc_trigger t = {0};
    assert_int_equal(tc_trigger_prepare(pb, inst, &t, &admin, 0, NULL), 0);
    tc_event ev = {.kind = TC_EVENT_TRIGGER, .actor = admin};
    tc_effects fx = {0};
    int rc = tc_machine_apply(pb, inst, &ev, 0, &fx, err);
    *entered_task = 0;
    for (size_t i = 0; i < fx.count; i++)
        *entered_task |= fx.items[i].kind == TC_EFFECT_AUDIT && fx.items[i].audit == TC_AUDIT_ENTERED &&
                         strcmp(fx.items[i].state, "both/b/t") == 0;
    tc_effects_clear(&fx);
    tc_instance_free(inst);
    tc_playbook_free(pb);
    return rc;
}

/*
 * The compiler refuses loops of choices, but a chain of them can be longer than the 10,000 transitions the
 * machine takes in one event: the event fails (TC_EFAILED, not a refusal), and so it does without a
 * tc_error (it returned TC_ENOMEM then, the code kept only in the error). In a parallel, the branches after
 * the one that failed are not entered.
 */
static void test_refusals_chain_of_choices_too_long(void **state)
{
    (void)state;
    tc_error err;
    int entered = 0;
    char *text = chain_of_choices(9999, 0); /* 9,999 choices and the end: 10,000 transitions */
    tc_error_init(&err);
    assert_int_equal(trigger_chain(text, &err, &entered), 0);
    free(text);

    text = chain_of_choices(10001, 0);
    tc_error_init(&err);
    assert_int_equal(trigger_chain(text, &err, &entered), TC_EFAILED);
    assert_string_equal(err.text, "state c10000: more than 10000 transitions in one event");
    assert_int_equal(trigger_chain(text, NULL, &entered), TC_EFAILED);
    free(text);

    text = chain_of_choices(10001, 1);
    tc_error_init(&err);
    assert_int_equal(trigger_chain(text, &err, &entered), TC_EFAILED);
    assert_string_equal(err.text, "state both/a/c9999: more than 10000 transitions in one event");
    assert_false(entered);
    free(text);
}

/*
 * A crisis that names no initiator (made, not prepared by tc_trigger_prepare): nobody is its initiator, so
 * only an administrator may cancel or amend it, and its trigger is audited with an empty initiator.
 */
static void test_refusals_crisis_without_initiator(void **state)
{
    (void)state;
    fixture f;
    memset(&f, 0, sizeof f);
    char *text = chain_of_choices(1, 1); /* it names no roles that may cancel */
    f.pb = compile(text);
    free(text);
    f.inst = tc_instance_new(f.pb);
    f.inst->id = 9;
    tc_error_init(&f.err);
    tc_event cancel = {.kind = TC_EVENT_CANCEL, .actor = ACTOR("sec", "sec")};
    assert_int_equal(act(&f, cancel, M), TC_EPERM);
    assert_string_equal(f.err.text, "sec may not cancel this crisis (its initiator may)");
    tc_event trigger = {.kind = TC_EVENT_TRIGGER, .actor = ACTOR("sec", "sec")};
    assert_int_equal(act(&f, trigger, M), 0);
    json_t *triggered = audit_detail(&f, "triggered");
    assert_string_equal(json_string_value(json_object_get(triggered, "initiator")), "");
    json_t *data = json_pack("{s:i}", "x", 1);
    tc_event amend = {.kind = TC_EVENT_AMEND, .actor = ACTOR("sec", "sec"), .reason = "r", .data = data};
    assert_int_equal(act(&f, amend, 2 * M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "sec may not amend crisis 9 (only its initiator ? and administrators may)");
    json_decref(data);
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_state_named),
        cmocka_unit_test(test_refusals_seat),
        cmocka_unit_test(test_refusals_permissions),
        cmocka_unit_test(test_refusals_closed_and_not_started),
        cmocka_unit_test(test_refusals_timers),
        cmocka_unit_test(test_refusals_signatures),
        cmocka_unit_test(test_refusals_text_not_utf8),
        cmocka_unit_test(test_refusals_tally),
        cmocka_unit_test(test_refusals_delegation),
        cmocka_unit_test(test_refusals_action_results),
        cmocka_unit_test(test_refusals_amend),
        cmocka_unit_test(test_refusals_escalation_by_default),
        cmocka_unit_test(test_refusals_chain_of_choices_too_long),
        cmocka_unit_test(test_refusals_crisis_without_initiator),
        cmocka_unit_test(test_refusals_inferred_and_anonymous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
