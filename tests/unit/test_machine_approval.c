/*
 * Approvals in the state machine: closing the moment the outcome is certain,
 * constructive abstention, vote changes, veto, exclude_initiator, silence,
 * deadlines, and every refusal with its error code.
 */
#include "core/machine/view.h"
#include "machine_fixture.h"

static void test_machine_approval_consensus_closes_on_last_seat(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    assert_true(is_active(&f, "consensus"));
    static const char *const parties[] = {"AM", "BY", "KZ", "KG", "RU"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(
            vote(&f, "consensus", parties[i], i == 2 ? TC_VOTE_ABSTAIN : TC_VOTE_APPROVE, (i + 1) * M), 0);
        assert_int_equal(audits(&f, "vote", "consensus"), 1);
        assert_int_equal(audits(&f, "left", "consensus"), 0);
    }
    assert_int_equal(vote(&f, "consensus", "TJ", TC_VOTE_APPROVE, 10 * M), 0);
    json_t *left = audit_detail(&f, "left");
    assert_string_equal(json_string_value(json_object_get(left, "outcome")), "approved");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(left, "tally"), "abstain")), 1);
    assert_int_equal(audits(&f, "closed", NULL), 1);
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    assert_string_equal(f.inst->outcome, "resolved");
    assert_int_equal(f.inst->closed_at, 10 * M);
    /* The deadline timer was cleared, and a vote after the close is a conflict. */
    assert_int_equal(effects_of(&f, TC_EFFECT_TIMER_CLEAR), 1);
    assert_int_equal(vote(&f, "consensus", "TJ", TC_VOTE_REJECT, 11 * M), TC_ECONFLICT);
    finish(&f);
}

static void test_machine_approval_reason_kept_verbatim(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    const char *reason =
        "quote \" backslash \\ newline \n tab \t bell \x07 '; DROP TABLE x; -- {\"json\": 1} é ✓";
    tc_event ev = {
        .kind = TC_EVENT_VOTE, .actor = ACTOR("kz", "council/KZ"), .vote = TC_VOTE_APPROVE, .reason = reason};
    assert_int_equal(act(&f, ev, M), 0); /* act() checks both round trips */
    const tc_activation *a = tc_instance_activation(f.inst, tc_playbook_state(f.pb, "consensus")->index);
    assert_string_equal(a->seats[2].reason, reason);
    char *text = tc_instance_to_text(f.pb, f.inst);
    tc_instance *copy = NULL;
    assert_int_equal(tc_instance_from_text(f.pb, text, strlen(text), &copy, NULL), 0);
    assert_string_equal(tc_instance_activation(copy, a->state)->seats[2].reason, reason);
    tc_instance_free(copy);
    free(text);
    finish(&f);
}

static void test_machine_approval_reject_closes_at_once(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_REJECT, M), 0);
    assert_string_equal(f.inst->outcome, "declined");
    finish(&f);
}

static void test_machine_approval_vote_change(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_ABSTAIN, M), 0);
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_APPROVE, 2 * M), 0);
    json_t *detail = audit_detail(&f, "vote");
    assert_string_equal(json_string_value(json_object_get(detail, "changed_from")), "abstain");
    assert_string_equal(json_string_value(json_object_get(detail, "vote")), "approve");
    assert_string_equal(json_string_value(json_object_get(detail, "party")), "KZ");
    /* The tally counts the last vote only. */
    tc_tally t;
    assert_int_equal(tc_machine_tally(f.pb, f.inst, tc_playbook_state(f.pb, "consensus")->index, &t), 0);
    assert_int_equal(t.approve, 1);
    assert_int_equal(t.abstain, 0);
    assert_int_equal(t.pending, 5);
    /* Changing to reject closes it. */
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_REJECT, 3 * M), 0);
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    finish(&f);
}

static void test_machine_approval_unanimous_abstain_rejects(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", "{\"rule\": \"unanimous\"}");
    assert_int_equal(vote(&f, "unanimous", "AM", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(vote(&f, "unanimous", "BY", TC_VOTE_ABSTAIN, M), 0);
    assert_string_equal(f.inst->outcome, "declined");
    finish(&f);
}

static void test_machine_approval_veto(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", "{\"rule\": \"majority\"}");
    static const char *const four[] = {"AM", "BY", "KZ", "KG"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(vote(&f, "majority", four[i], TC_VOTE_APPROVE, M), 0);
    /* The majority holds, but the veto party has not spoken; show names it. */
    assert_true(is_active(&f, "majority"));
    json_t *view = tc_view_active(f.pb, f.inst, 0);
    json_t *veto = json_object_get(json_array_get(view, 0), "veto");
    assert_int_equal(json_array_size(veto), 1);
    assert_string_equal(json_string_value(json_array_get(veto, 0)), "RU");
    json_decref(view);
    assert_int_equal(vote(&f, "majority", "RU", TC_VOTE_ABSTAIN, 2 * M), 0);
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);

    start_named(&f, "council", "{\"rule\": \"majority\"}");
    for (int i = 0; i < 4; i++)
        assert_int_equal(vote(&f, "majority", four[i], TC_VOTE_APPROVE, M), 0);
    assert_int_equal(vote(&f, "majority", "RU", TC_VOTE_REJECT, 2 * M), 0);
    assert_true(json_is_true(json_object_get(audit_detail(&f, "left"), "veto")));
    assert_string_equal(f.inst->outcome, "declined");
    finish(&f);

    /* At the deadline the majority holds and no veto was cast: approved. */
    start_named(&f, "council", "{\"rule\": \"majority\"}");
    for (int i = 0; i < 4; i++)
        assert_int_equal(vote(&f, "majority", four[i], TC_VOTE_APPROVE, M), 0);
    assert_int_equal(fire(&f, "majority#1:deadline", 24 * H), 0);
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "timeout"), "outcome")),
                        "approved");
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);
}

/* A state read back from the database may hold a veto already cast (a row someone altered, an engine of
 * another version): the next vote closes the approval, and the veto is the vetoing party's, not the voter's.
 */
static void test_machine_approval_veto_already_in_the_state(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", "{\"rule\": \"majority\"}");
    int ru = tc_playbook_party(f.pb, "RU");
    tc_activation *a = &f.inst->active[0];
    for (size_t k = 0; k < a->seat_count; k++)
        if (a->seats[k].party == ru)
            a->seats[k].vote = TC_VOTE_REJECT; /* as if stored so */
    assert_int_equal(vote(&f, "majority", "KZ", TC_VOTE_APPROVE, M), 0);
    json_t *why = audit_detail(&f, "left");
    assert_true(json_is_true(json_object_get(why, "veto")));
    assert_string_equal(json_string_value(json_object_get(why, "vetoed_by")), "RU");
    assert_string_equal(f.inst->outcome, "declined");
    finish(&f);
}

/* A crisis of a subset of the parties without the veto party: no veto to show. */
static void test_machine_approval_veto_party_left_out(void **state)
{
    (void)state;
    fixture f;
    char *text = fixture_playbook("council");
    json_t *inputs = json_loads("{\"rule\": \"majority\"}", 0, NULL);
    static const char *const parties[] = {"AM", "BY", "KZ"};
    tc_trigger t = {.inputs = inputs, .parties = parties, .party_count = 3};
    start_with(&f, text, &t);
    json_t *view = tc_view_active(f.pb, f.inst, 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(view, 0), "rule")), "majority");
    assert_null(json_object_get(json_array_get(view, 0), "veto"));
    json_decref(view);
    json_decref(inputs);
    free(text);
    finish(&f);
}

static void test_machine_approval_silence(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", "{\"rule\": \"silence\"}");
    assert_int_equal(timer_due(&f, "silence#1:deadline"), 72 * H);
    assert_int_equal(vote(&f, "silence", "KZ", TC_VOTE_APPROVE, H), 0);
    assert_int_equal(vote(&f, "silence", "AM", TC_VOTE_ABSTAIN, H), 0);
    assert_true(is_active(&f, "silence"));
    assert_int_equal(fire(&f, "silence#1:deadline", 72 * H), 0);
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);

    start_named(&f, "council", "{\"rule\": \"silence\"}");
    assert_int_equal(vote(&f, "silence", "TJ", TC_VOTE_REJECT, 5 * H), 0);
    assert_string_equal(f.inst->outcome, "declined"); /* silence broken */
    /* The deadline timer of that visit is stale now: ignored. */
    assert_int_equal(fire(&f, "silence#1:deadline", 72 * H), 0);
    assert_int_equal(f.fx.count, 0);
    finish(&f);
}

static void test_machine_approval_deadline_timeout(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_APPROVE, H), 0);
    assert_int_equal(fire(&f, "consensus#1:deadline", 24 * H), 0);
    assert_int_equal(audits(&f, "timeout", "consensus"), 1);
    assert_true(is_active(&f, "extraordinary"));
    /* A vote recorded before the deadline but applied after it cannot reopen a closed visit. */
    assert_int_equal(vote(&f, "consensus", "AM", TC_VOTE_APPROVE, 24 * H), TC_ECONFLICT);
    finish(&f);
}

/* council.json's "excluded" approval (KZ and RU, rule any, exclude_initiator), triggered by initiator. */
static void start_excluded(fixture *f, tc_actor initiator)
{
    char *text = fixture_playbook("council");
    json_t *inputs = json_pack("{s:s}", "rule", "excluded");
    tc_trigger t = {.inputs = inputs};
    memset(f, 0, sizeof *f);
    f->pb = compile(text);
    f->inst = tc_instance_new(f->pb);
    assert_int_equal(tc_trigger_prepare(f->pb, f->inst, &t, &initiator, 0, &f->err), 0);
    tc_event trigger = {.kind = TC_EVENT_TRIGGER, .actor = initiator};
    assert_int_equal(act(f, trigger, 0),
                     0); /* the fixture checks the instance's round trip, login included */
    json_decref(inputs);
    free(text);
}

static void test_machine_approval_exclude_initiator(void **state)
{
    (void)state;
    fixture f;
    tc_actor kz = ACTOR("kz_delegate", "council/KZ");
    start_excluded(&f, kz);

    tc_event ev = {.kind = TC_EVENT_VOTE, .actor = kz, .state = "excluded", .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "kz_delegate triggered this crisis and may not vote on excluded");
    /* Logged in as itself: the same words. */
    ev.actor.login = "kz_delegate";
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "kz_delegate triggered this crisis and may not vote on excluded");
    ev.actor.login = NULL;
    /* Another holder of the same seat may. */
    ev.actor = ACTOR("kz_deputy", "council/KZ");
    assert_int_equal(act(&f, ev, M), 0);
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);
}

/* The initiator is a person: the same login acting as another role is refused too (four eyes). */
static void test_machine_approval_exclude_initiator_login(void **state)
{
    (void)state;
    fixture f;
    start_excluded(&f, (tc_actor){"alice", (const char *const[]){"council/RU"}, 1, 0, "alice", NULL, 0});
    assert_string_equal(f.inst->initiator_login, "alice");

    tc_event ev = {.kind = TC_EVENT_VOTE, .state = "excluded", .vote = TC_VOTE_APPROVE};
    ev.actor = (tc_actor){"kz_delegate", (const char *const[]){"council/KZ"}, 1, 0, "alice", NULL, 0};
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_non_null(strstr(f.err.text, "kz_delegate (logged in as alice) triggered this crisis"));
    /* The delegation's own login may. */
    ev.actor = (tc_actor){"kz_delegate", (const char *const[]){"council/KZ"}, 1, 0, "kz_delegate", NULL, 0};
    assert_int_equal(act(&f, ev, M), 0);
    assert_string_equal(f.inst->outcome, "resolved");
    finish(&f);
}

static void test_machine_approval_refusals(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    tc_event ev = {
        .kind = TC_EVENT_VOTE, .actor = ACTOR("kz_delegate", "council/KZ"), .vote = TC_VOTE_APPROVE};

    ev.state = "nowhere";
    assert_int_equal(act(&f, ev, M), TC_ENOTFOUND);
    assert_string_equal(f.err.text, "no state nowhere in playbook council (active: consensus (approval))");
    ev.state = "unanimous"; /* exists, not active: the refusal names what is */
    assert_int_equal(act(&f, ev, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state unanimous is not active (active: consensus (approval))");
    ev.state = "consensus";
    ev.party = "RU"; /* a seat the actor does not hold: the refusal names the one it does */
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text, "kz_delegate does not hold seat council/RU (its seat here: council/KZ)");
    ev.party = "XX";
    assert_int_equal(act(&f, ev, M), TC_ENOTFOUND);
    ev.party = NULL;
    /* A role that holds no seat of the state: the refusal names the seats the state waits for. */
    assert_int_equal(vote(&f, "consensus", "AM", TC_VOTE_APPROVE, M), 0);
    ev.actor = ACTOR("observer", "observer/UNODC");
    assert_int_equal(act(&f, ev, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "observer holds no seat that state consensus waits for (it waits for "
                        "council/BY, council/KZ, council/KG, council/RU, council/TJ)");
    /* An actor with two seats must say which. */
    ev.actor = (tc_actor){"two_hats", (const char *const[]){"council/KZ", "council/RU"}, 2, 0, NULL, NULL, 0};
    assert_int_equal(act(&f, ev, M), TC_EUSAGE);
    /* --state inferred, --party inferred. */
    ev.actor = ACTOR("kz_delegate", "council/KZ");
    ev.state = NULL;
    assert_int_equal(act(&f, ev, M), 0);
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "vote"), "party")), "KZ");
    /* A task command on an approval. */
    tc_event done = {
        .kind = TC_EVENT_COMPLETE, .actor = ACTOR("kz_delegate", "council/KZ"), .state = "consensus"};
    assert_int_equal(act(&f, done, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "state consensus (approval) does not take a completion (it takes votes)");
    done.state = NULL;
    assert_int_equal(act(&f, done, M), TC_ECONFLICT);
    assert_string_equal(f.err.text, "no active state takes a completion (active: consensus (approval))");
    tc_event bad = ev;
    bad.vote = TC_VOTE_NONE;
    assert_int_equal(act(&f, bad, M), TC_EINVAL);
    finish(&f);
}

static void test_machine_approval_party_subset(void **state)
{
    (void)state;
    fixture f;
    char *text = fixture_playbook("council");
    tc_trigger t = {.parties = (const char *const[]){"KZ", "RU", "TJ"}, .party_count = 3};
    start_with(&f, text, &t);
    /* Only three seats: three approvals close the consensus. */
    assert_int_equal(vote(&f, "consensus", "AM", TC_VOTE_APPROVE, M), TC_EPERM);
    assert_string_equal(f.err.text,
                        "state consensus has no seat for party AM (its seats: council/KZ, "
                        "council/RU, council/TJ)");
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(vote(&f, "consensus", "RU", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(vote(&f, "consensus", "TJ", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    free(text);
    finish(&f);
}

static const char *const ladder_playbook =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"ladder\", \"title\": \"Ladder\","
    " \"parties\": [\"AM\", \"BY\", \"KZ\", \"KG\", \"RU\", \"TJ\"],"
    " \"roles\": {\"secretariat\": {\"title\": \"S\"}, \"council\": {\"title\": \"C\", \"per_party\": true},"
    "             \"ministry\": {\"title\": \"M\", \"per_party\": true}},"
    " \"start\": \"vote\","
    " \"states\": {"
    "  \"vote\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": [\"AM\", "
    "\"KZ\", \"RU\"]},"
    "   \"rule\": \"consensus\","
    "   \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\"]},"
    "                                 {\"after\": \"PT2H\", \"notify\": [\"council\", \"secretariat\", "
    "\"ministry\"]}]},"
    "   \"next\": {\"approved\": \"done\", \"rejected\": \"done\"}},"
    "  \"done\": {\"type\": \"end\"}}}";

static void last_notified(const fixture *f, char *buf, size_t size)
{
    json_t *seats = json_object_get(audit_detail(f, "notified"), "seats");
    size_t i, n = 0;
    json_t *seat;
    buf[0] = '\0';
    json_array_foreach(seats, i, seat) n +=
        (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "", json_string_value(seat));
}

static void test_machine_approval_ladder_tells_non_voters(void **state)
{
    (void)state;
    fixture f;
    char seats[512];
    start(&f, ladder_playbook);
    /* A ministry seat is no seat of the approval: it may not escalate it; a council seat may. */
    tc_event esc = {.kind = TC_EVENT_ESCALATE, .actor = ACTOR("ministry", "ministry/AM"), .state = "vote"};
    assert_int_equal(act(&f, esc, M / 2), TC_EPERM);
    assert_string_equal(f.err.text,
                        "ministry may not escalate crises of playbook ladder (only administrators, "
                        "its initiator and holders of a seat an active state waits for may)");
    /* The engine (no role) votes for a seat it is given: no voter is recorded. */
    tc_event by_engine = {.kind = TC_EVENT_VOTE,
                          .actor = {NULL, (const char *const[]){"council/KZ"}, 1, 0, NULL, NULL, 0},
                          .state = "vote",
                          .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, by_engine, M), 0);
    tc_seat *kz = &f.inst->active[0].seats[1];
    assert_int_equal(kz->vote, TC_VOTE_APPROVE);
    assert_null(kz->vote_by);
    assert_int_equal(vote(&f, "vote", "KZ", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(vote(&f, "vote", "RU", TC_VOTE_ABSTAIN, 2 * M), 0);
    /* Level 1 names council: only AM has not voted; the other parties' council seats are not the
     * state's and the level never tells them. */
    assert_int_equal(fire(&f, "vote#1:level1", H), 0);
    last_notified(&f, seats, sizeof seats);
    assert_string_equal(seats, "council/AM");
    /* Level 2 adds roles that hold no seat of the state: told as named (a per-party role for the
     * state's parties). */
    assert_int_equal(fire(&f, "vote#1:level2", 2 * H), 0);
    last_notified(&f, seats, sizeof seats);
    assert_string_equal(seats, "council/AM,secretariat,ministry/AM,ministry/KZ,ministry/RU");
    finish(&f);

    /* Two of three voted: only the third is told. */
    start(&f, ladder_playbook);
    assert_int_equal(vote(&f, "vote", "AM", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(vote(&f, "vote", "KZ", TC_VOTE_APPROVE, M), 0);
    assert_int_equal(fire(&f, "vote#1:level1", H), 0);
    last_notified(&f, seats, sizeof seats);
    assert_string_equal(seats, "council/RU");
    finish(&f);
}

/* Delegation: the holder of council/KZ lets a deputy act for it in this crisis; the deputy's vote names
 * both; the deputy, the holder or an administrator ends it; every refusal. */
static void test_machine_approval_delegated_seat(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    tc_event ev = {.kind = TC_EVENT_DELEGATE,
                   .actor = ACTOR("kz_holder", "council/KZ"),
                   .seat = "council/KZ",
                   .to = "kz_deputy",
                   .for_s = 3600,
                   .reason = "travelling to the summit"};
    assert_int_equal(act(&f, ev, H), 0);
    json_t *detail = audit_detail(&f, "delegated");
    assert_string_equal(json_string_value(json_object_get(detail, "to")), "kz_deputy");
    assert_string_equal(json_string_value(json_object_get(detail, "until")), "1970-01-01T02:00:00Z");
    assert_string_equal(f.fx.items[0].actor, "kz_holder");
    ev.for_s = 0; /* until the crisis closes */
    assert_int_equal(act(&f, ev, H), 0);
    assert_true(json_is_null(json_object_get(audit_detail(&f, "delegated"), "until")));

    /* Refusals, each before any change. */
    tc_event bad = ev;
    bad.actor = ACTOR("ru_holder", "council/RU");
    assert_int_equal(act(&f, bad, H), TC_EPERM);
    assert_string_equal(f.err.text,
                        "ru_holder does not hold seat council/KZ: only its holder may delegate it");
    bad = ev;
    bad.seat = "council/XX";
    assert_int_equal(act(&f, bad, H), TC_ENOTFOUND);
    bad.seat = "council";
    assert_int_equal(act(&f, bad, H), TC_ENOTFOUND);
    bad.seat = "secretariat/KZ";
    assert_int_equal(act(&f, bad, H), TC_ENOTFOUND);
    bad.seat = "navy/KZ";
    assert_int_equal(act(&f, bad, H), TC_ENOTFOUND);
    assert_string_equal(f.err.text, "no role navy in playbook council");
    bad = ev;
    bad.to = "kz_holder";
    assert_int_equal(act(&f, bad, H), TC_EINVAL);
    bad = ev;
    bad.reason = "";
    assert_int_equal(act(&f, bad, H), TC_EINVAL);
    bad = ev;
    bad.until = "1970-01-01T00:30:00Z";
    assert_int_equal(act(&f, bad, H), TC_EINVAL);
    assert_true(strstr(f.err.text, "before it begins") != NULL);
    bad.until = "tomorrow";
    assert_int_equal(act(&f, bad, H), TC_EINVAL);
    bad.until = "1970-01-02T00:00:00Z";
    bad.for_s = 60;
    assert_int_equal(act(&f, bad, H), TC_EINVAL);
    bad = ev;
    bad.seat = NULL;
    assert_int_equal(act(&f, bad, H), TC_EINVAL);

    /* The deputy votes for the seat: without the delegation it holds nothing here. */
    const tc_delegation given[] = {{"council/KZ", "kz_holder"}};
    tc_event v = {.kind = TC_EVENT_VOTE,
                  .actor = {"kz_deputy", NULL, 0, 0, "deputy_login", NULL, 0},
                  .state = "consensus",
                  .vote = TC_VOTE_APPROVE,
                  .reason = "for Kazakhstan"};
    assert_int_equal(act(&f, v, 2 * H), TC_EPERM);
    v.actor.delegated = given;
    v.actor.delegated_count = 1;
    assert_int_equal(act(&f, v, 2 * H), 0);
    detail = audit_detail(&f, "vote");
    assert_string_equal(json_string_value(json_object_get(detail, "holder")), "kz_holder");
    assert_string_equal(json_string_value(json_object_get(detail, "seat")), "council/KZ");
    /* The holder itself votes: no holder beside it. */
    v.actor = ACTOR("kz_holder", "council/KZ");
    v.vote = TC_VOTE_ABSTAIN;
    assert_int_equal(act(&f, v, 3 * H), 0);
    assert_null(json_object_get(audit_detail(&f, "vote"), "holder"));

    /* Ending it: a stranger may not; the deputy (naming the holder), the holder, an administrator may. */
    tc_event end = {.kind = TC_EVENT_UNDELEGATE,
                    .actor = ACTOR("ru_holder", "council/RU"),
                    .seat = "council/KZ",
                    .reason = "back"};
    assert_int_equal(act(&f, end, 4 * H), TC_EPERM);
    end.actor = (tc_actor){"kz_deputy", NULL, 0, 0, NULL, given, 1};
    assert_int_equal(act(&f, end, 4 * H), 0);
    assert_string_equal(json_string_value(json_object_get(audit_detail(&f, "undelegated"), "holder")),
                        "kz_holder");
    end.actor = ACTOR("kz_holder", "council/KZ");
    assert_int_equal(act(&f, end, 4 * H), 0);
    assert_null(json_object_get(audit_detail(&f, "undelegated"), "holder"));
    end.actor = (tc_actor){"admin", NULL, 0, 1, NULL, NULL, 0};
    assert_int_equal(act(&f, end, 4 * H), 0);
    end.reason = NULL;
    assert_int_equal(act(&f, end, 4 * H), TC_EINVAL);
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_approval_consensus_closes_on_last_seat),
        cmocka_unit_test(test_machine_approval_reason_kept_verbatim),
        cmocka_unit_test(test_machine_approval_reject_closes_at_once),
        cmocka_unit_test(test_machine_approval_vote_change),
        cmocka_unit_test(test_machine_approval_unanimous_abstain_rejects),
        cmocka_unit_test(test_machine_approval_veto),
        cmocka_unit_test(test_machine_approval_veto_party_left_out),
        cmocka_unit_test(test_machine_approval_veto_already_in_the_state),
        cmocka_unit_test(test_machine_approval_silence),
        cmocka_unit_test(test_machine_approval_deadline_timeout),
        cmocka_unit_test(test_machine_approval_exclude_initiator),
        cmocka_unit_test(test_machine_approval_exclude_initiator_login),
        cmocka_unit_test(test_machine_approval_refusals),
        cmocka_unit_test(test_machine_approval_party_subset),
        cmocka_unit_test(test_machine_approval_ladder_tells_non_voters),
        cmocka_unit_test(test_machine_approval_delegated_seat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
