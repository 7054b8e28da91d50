/*
 * What show, list and todo see of a crisis (core/machine/view.h): the open
 * parts of a role's seats, their commands, and their order.
 */
#include "machine_fixture.h"
#include "core/machine/view.h"

/* The todo of an actor with seats, role "delegate". */
static json_t *todo_of(const fixture *f, const char *role, const char *const *seats, size_t count)
{
    tc_actor actor = {role, seats, count, 0, NULL, NULL, 0};
    json_t *items = json_array();
    size_t n = tc_view_todo(f->pb, f->inst, &actor, items);
    assert_int_equal(n, json_array_size(items));
    return items;
}

static const char *field(json_t *items, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(items, i), key));
}

static void test_view_todo_votes_of_my_seats_only(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    f.inst->id = 12;
    static const char *const seats[] = {"council/KZ", "council/RU", "secretariat"};
    json_t *items = todo_of(&f, "delegate", seats, 3);
    assert_int_equal(json_array_size(items), 2);
    /* Exactly the keys of the contract. */
    json_t *first = json_array_get(items, 0);
    static const char *const keys[] = {
        "crisis", "title", "state", "path", "type", "seat", "asked", "deadline", "escalation_level", "act"};
    assert_int_equal(json_object_size(first), sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(first, keys[i]) == NULL)
            fail_msg("no key %s", keys[i]);
    assert_int_equal(json_integer_value(json_object_get(first, "crisis")), 12);
    assert_string_equal(field(items, 0, "title"), "A council decision, for the state machine tests");
    assert_string_equal(field(items, 0, "path"), "consensus");
    assert_string_equal(field(items, 0, "type"), "approval");
    assert_string_equal(field(items, 0, "seat"), "council/KZ");
    assert_string_equal(field(items, 0, "deadline"), "1970-01-02T00:00:00Z");
    assert_string_equal(field(items, 0, "act"),
                        "tocsin vote 12 approve|reject|abstain --state consensus --party KZ");
    assert_string_equal(field(items, 0, "asked"), "vote on: consensus (consensus)");
    assert_string_equal(field(items, 1, "seat"), "council/RU");
    json_decref(items);

    /* A seat that has voted is done. */
    assert_int_equal(vote(&f, "consensus", "KZ", TC_VOTE_APPROVE, H), 0);
    items = todo_of(&f, "delegate", seats, 3);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(field(items, 0, "seat"), "council/RU");
    json_decref(items);

    /* Seats of no active state: nothing. */
    static const char *const other[] = {"secretariat"};
    items = todo_of(&f, "delegate", other, 1);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    finish(&f);
}

static void test_view_todo_veto_and_initiator(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", "{\"rule\": \"majority\"}");
    static const char *const seats[] = {"council/KZ"};
    json_t *items = todo_of(&f, "delegate", seats, 1);
    assert_string_equal(field(items, 0, "asked"), "vote on: majority (majority; veto RU)");
    json_decref(items);
    finish(&f);

    /* An approval that excludes the initiator: its vote would be refused, so it is not asked of it. */
    start_named(&f, "council", "{\"rule\": \"excluded\"}");
    items = todo_of(&f, "initiator", seats, 1);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    items = todo_of(&f, "delegate", seats, 1);
    assert_int_equal(json_array_size(items), 1);
    json_decref(items);
    finish(&f);
}

static void test_view_todo_tasks_ack_and_complete(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    f.inst->id = 3;
    static const char *const seats[] = {"secretariat"};
    json_t *items = todo_of(&f, "duty", seats, 1);
    /* The ladder runs until acknowledged: an ack first, then the completion. */
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(field(items, 0, "act"), "tocsin ack 3 --state assess");
    assert_string_equal(field(items, 1, "act"),
                        "tocsin complete 3 --state assess --data JSON [--outcome needs_info]");
    assert_string_equal(field(items, 1, "asked"),
                        "complete: assess (must report recommendation; may report casualties)");
    assert_string_equal(field(items, 1, "deadline"), "1970-01-01T06:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "escalation_level")), 0);
    json_decref(items);

    /* Acknowledged: only the completion is left; the level reached shows. */
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("duty", "secretariat"), .state = "assess"};
    assert_int_equal(fire(&f, "assess#1:level1", H), 0);
    assert_int_equal(act(&f, ack, H + M), 0);
    items = todo_of(&f, "duty", seats, 1);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(field(items, 0, "type"), "task");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "escalation_level")), 1);
    json_decref(items);
    finish(&f);

    /* A per-party task with no deadline: a seat that completed is not listed; the others are. */
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    static const char *const borders[] = {"border/KZ", "border/RU"};
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, NULL, H), 0);
    items = todo_of(&f, "duty", borders, 2);
    assert_int_equal(json_array_size(items), 2); /* border/RU's ack and completion */
    assert_string_equal(field(items, 0, "act"), "tocsin ack 0 --state patrol --party RU");
    assert_string_equal(field(items, 1, "seat"), "border/RU");
    assert_true(json_is_null(json_object_get(json_array_get(items, 1), "deadline")));
    assert_string_equal(field(items, 1, "act"),
                        "tocsin complete 0 --state patrol --party RU [--data JSON] [--outcome overwhelmed]");
    json_decref(items);
    finish(&f);
}

static void test_view_todo_closed_crisis_has_nothing(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", "{\"rule\": \"unanimous\"}");
    static const char *const seats[] = {"council/KZ"};
    assert_int_equal(vote(&f, "unanimous", "KZ", TC_VOTE_REJECT, H), 0);
    assert_int_equal(f.inst->status, TC_STATUS_CLOSED);
    json_t *items = todo_of(&f, "delegate", seats, 1);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    finish(&f);
}

static json_t *item(int crisis, const char *deadline, const char *path)
{
    return json_pack("{s:i, s:s, s:o, s:s, s:s}", "crisis", crisis, "path", path, "deadline",
                     deadline ? json_string(deadline) : json_null(), "seat", "s", "act", "a");
}

static void test_view_todo_sort_most_urgent_first(void **state)
{
    (void)state;
    json_t *items = json_array();
    json_array_append_new(items, item(9, NULL, "a"));
    json_array_append_new(items, item(1, NULL, "b"));
    json_array_append_new(items, item(2, "2026-12-05T10:00:00.250Z", "a"));
    json_array_append_new(items, item(5, NULL, "c"));
    json_array_append_new(items, item(3, "2026-12-05T10:00:00Z", "a"));
    json_array_append_new(items, item(1, NULL, "a"));
    json_array_append_new(items, item(4, "2026-12-04T23:00:00Z", "a"));
    json_array_append_new(items, item(2, "2026-12-05T10:00:00Z", "a"));
    tc_view_todo_sort(items);
    static const struct {
        int crisis;
        const char *path;
    } want[] = {{4, "a"}, {2, "a"}, {3, "a"}, {2, "a"}, {1, "a"}, {1, "b"}, {5, "c"}, {9, "a"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *o = json_array_get(items, i);
        assert_int_equal(json_integer_value(json_object_get(o, "crisis")), want[i].crisis);
        assert_string_equal(json_string_value(json_object_get(o, "path")), want[i].path);
    }
    /* The milliseconds count: .250 comes after the whole second. */
    assert_string_equal(field(items, 3, "deadline"), "2026-12-05T10:00:00.250Z");
    json_decref(items);
}

/* show's additions: the state's title, a task's outcomes, the ladder's next level, when and whom. */
static void test_view_active_next_escalation_and_title(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    json_t *active = tc_view_active(f.pb, f.inst, 0);
    json_t *assess = json_array_get(active, 0);
    assert_true(json_is_null(json_object_get(assess, "title")));
    assert_int_equal(json_integer_value(json_object_get(assess, "escalation_levels")), 4);
    json_t *next = json_object_get(assess, "next_escalation");
    assert_int_equal(json_integer_value(json_object_get(next, "level")), 1);
    assert_string_equal(json_string_value(json_object_get(next, "at")), "1970-01-01T01:00:00Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(next, "notify"), 0)),
                        "secretary_general");
    assert_int_equal(json_array_size(json_object_get(next, "seats")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(next, "seats"), 0)),
                        "secretary_general");
    assert_null(json_object_get(next, "severity"));
    json_t *outcomes = json_object_get(assess, "outcomes");
    assert_int_equal(json_array_size(outcomes), 2);
    assert_string_equal(json_string_value(json_array_get(outcomes, 1)), "needs_info");
    json_decref(active);

    /* Level 1 reached: level 2 next, which raises the severity; once every seat has acknowledged, the
     * ladder (until ack) reaches nothing more. */
    assert_int_equal(fire(&f, "assess#1:level1", H), 0);
    active = tc_view_active(f.pb, f.inst, 0);
    next = json_object_get(json_array_get(active, 0), "next_escalation");
    assert_int_equal(json_integer_value(json_object_get(next, "level")), 2);
    assert_string_equal(json_string_value(json_object_get(next, "at")), "1970-01-01T02:00:00Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(next, "notify"), 0)), "council");
    /* A per-party role named by a level: one seat per party of the crisis. */
    assert_true(json_array_size(json_object_get(next, "seats")) > 1);
    assert_true(
        strncmp(json_string_value(json_array_get(json_object_get(next, "seats"), 0)), "council/", 8) == 0);
    assert_string_equal(json_string_value(json_object_get(next, "severity")), "severe");
    json_decref(active);
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("duty", "secretariat"), .state = "assess"};
    assert_int_equal(act(&f, ack, H + M), 0);
    active = tc_view_active(f.pb, f.inst, 0);
    assert_true(json_is_null(json_object_get(json_array_get(active, 0), "next_escalation")));
    json_decref(active);
    finish(&f);

    /* A state with a title says it; brief (list) does not carry it. */
    start_named(&f, "deadline", NULL);
    active = tc_view_active(f.pb, f.inst, 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(active, 0), "title")), "Report");
    assert_null(json_object_get(json_array_get(active, 0), "next_escalation"));
    json_decref(active);
    active = tc_view_active(f.pb, f.inst, 1);
    assert_null(json_object_get(json_array_get(active, 0), "title"));
    json_decref(active);
    finish(&f);
}

/* Decisions: approvals that closed, with their rule and tally; other states and interruptions are not. */
static void test_view_decisions(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    json_t *events = json_loads(
        "[{\"state\": \"route\", \"at\": \"T1\", \"detail\": {\"outcome\": \"consensus\"}},"
        " {\"state\": \"majority\", \"at\": \"T2\", \"detail\": {\"outcome\": \"interrupted\", \"visit\": "
        "1}},"
        " {\"state\": \"consensus\", \"at\": \"T3\", \"detail\": {\"outcome\": \"approved\", \"visit\": 1,"
        "   \"rule\": \"consensus\", \"tally\": {\"approve\": 5, \"reject\": 0, \"abstain\": 1, \"pending\": "
        "0}}}]",
        0, NULL);
    assert_non_null(events);
    json_t *decisions = tc_view_decisions(f.pb, events);
    assert_int_equal(json_array_size(decisions), 1);
    json_t *d = json_array_get(decisions, 0);
    assert_string_equal(json_string_value(json_object_get(d, "state")), "consensus");
    assert_string_equal(json_string_value(json_object_get(d, "outcome")), "approved");
    assert_string_equal(json_string_value(json_object_get(d, "rule")), "consensus");
    assert_string_equal(json_string_value(json_object_get(d, "at")), "T3");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "tally"), "approve")), 5);
    json_decref(decisions);
    json_decref(events);
    finish(&f);
}

/* show's seats: a task's done, outcome, by and at, its acknowledgements; an approval's votes with their
 * reasons; an action's attempt; a parallel shows through its branches only. */
static void test_view_active_seats_actions_and_parallels(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", "{\"path\": \"patrol\"}");
    assert_int_equal(complete(&f, "patrol", "KZ", NULL, json_pack("{s:i}", "seized_kg", 1), M), 0);
    tc_event ack = {.kind = TC_EVENT_ACK, .actor = ACTOR("ru", "border/RU"), .state = "patrol"};
    assert_int_equal(act(&f, ack, 2 * M + 250), 0);
    json_t *active = tc_view_active(f.pb, f.inst, 0);
    json_t *seats = json_object_get(json_array_get(active, 0), "seats");
    assert_int_equal(json_array_size(seats), 3);
    char *text = json_dumps(seats, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        text,
        "[{\"acked_at\":null,\"acked_by\":null,\"at\":null,\"by\":null,\"done\":false,"
        "\"outcome\":null,\"party\":\"AM\",\"role\":\"border\"},"
        "{\"acked_at\":null,\"acked_by\":null,\"at\":\"1970-01-01T00:01:00Z\",\"by\":\"border/KZ\","
        "\"done\":true,\"outcome\":\"done\",\"party\":\"KZ\",\"role\":\"border\"},"
        "{\"acked_at\":\"1970-01-01T00:02:00.250Z\",\"acked_by\":\"ru\",\"at\":null,\"by\":null,"
        "\"done\":false,\"outcome\":null,\"party\":\"RU\",\"role\":\"border\"}]");
    free(text);
    json_decref(active);
    finish(&f);

    start_named(&f, "operations", "{\"path\": \"operate\"}");
    active = tc_view_active(f.pb, f.inst, 0);
    assert_int_equal(json_array_size(active), 3); /* close, call, note: not the two parallels */
    assert_string_equal(json_string_value(json_object_get(json_array_get(active, 0), "path")),
                        "operate/border/close");
    json_t *call = json_array_get(active, 1);
    assert_string_equal(json_string_value(json_object_get(call, "type")), "action");
    assert_int_equal(json_integer_value(json_object_get(call, "attempt")), 1);
    assert_true(json_is_null(json_object_get(call, "deadline")));
    assert_null(json_object_get(call, "seats"));
    assert_null(json_object_get(call, "outcomes"));
    json_decref(active);
    finish(&f);

    start_named(&f, "council", NULL);
    tc_event v = {.kind = TC_EVENT_VOTE,
                  .actor = ACTOR("kz", "council/KZ"),
                  .state = "consensus",
                  .vote = TC_VOTE_ABSTAIN,
                  .reason = "no mandate"};
    assert_int_equal(act(&f, v, 3 * M), 0);
    active = tc_view_active(f.pb, f.inst, 0);
    json_t *kz = json_array_get(json_object_get(json_array_get(active, 0), "seats"), 2);
    text = json_dumps(kz, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text,
                        "{\"at\":\"1970-01-01T00:03:00Z\",\"by\":\"kz\",\"party\":\"KZ\",\"reason\":\"no "
                        "mandate\",\"role\":\"council\",\"vote\":\"abstain\"}");
    free(text);
    json_t *tally = json_object_get(json_array_get(active, 0), "tally");
    assert_int_equal(json_integer_value(json_object_get(tally, "abstain")), 1);
    assert_int_equal(json_integer_value(json_object_get(tally, "pending")), 5);
    assert_null(json_object_get(json_array_get(active, 0), "veto")); /* no veto party */
    json_decref(active);
    finish(&f);

    char buf[40];
    assert_string_equal(tc_view_time(1250, buf, sizeof buf), "1970-01-01T00:00:01.250Z");
    assert_string_equal(tc_view_time(60000, buf, sizeof buf), "1970-01-01T00:01:00Z");
}

/* Decisions read from the audit as stored: an event without its time or visit says null; states unknown
 * to the playbook (an older version's) and tallies that are not objects are left out. */
static void test_view_decisions_partial_events(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "council", NULL);
    json_t *events = json_loads(
        "[{\"state\": \"gone\", \"detail\": {\"tally\": {}}},"
        " {\"detail\": {\"tally\": {}}},"
        " {\"state\": \"consensus\", \"detail\": {\"tally\": [1]}},"
        " {\"state\": \"majority\", \"detail\": {\"tally\": {\"approve\": 1}}}]",
        0, NULL);
    json_t *decisions = tc_view_decisions(f.pb, events);
    assert_int_equal(json_array_size(decisions), 1);
    char *text = json_dumps(json_array_get(decisions, 0), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text,
                        "{\"at\":null,\"outcome\":null,\"rule\":\"majority\",\"state\":\"majority\","
                        "\"tally\":{\"approve\":1},\"title\":null,\"visit\":null}");
    free(text);
    json_decref(decisions);
    json_decref(events);
    finish(&f);
}

/* A seat delegated to the actor: its items name the holder the actor acts for; a titled state is asked by
 * its title. Sorting one item, or items that differ only in milliseconds or not at all. */
static void test_view_todo_delegated_titled_and_sorted(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "operations", NULL);
    static const tc_delegation held[] = {{"secretariat", "duty"}};
    tc_actor deputy = {"deputy", NULL, 0, 0, NULL, held, 1};
    json_t *items = json_array();
    assert_int_equal(tc_view_todo(f.pb, f.inst, &deputy, items), 2);
    assert_string_equal(field(items, 0, "holder"), "duty");
    assert_string_equal(field(items, 1, "holder"), "duty");
    assert_string_equal(field(items, 0, "asked"),
                        "acknowledge: assess (its escalation stops once every seat has acknowledged)");
    json_decref(items);
    finish(&f);

    start_named(&f, "deadline", NULL);
    static const char *const seats[] = {"secretariat"};
    items = todo_of(&f, "holder", seats, 1);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(field(items, 0, "asked"), "complete: Report");
    assert_null(json_object_get(json_array_get(items, 0), "holder"));
    json_decref(items);
    finish(&f);

    items = json_array();
    tc_view_todo_sort(items);
    assert_int_equal(json_array_size(items), 0);
    json_array_append_new(items, item(5, "2026-12-05T10:00:00.500Z", "b"));
    tc_view_todo_sort(items);
    assert_int_equal(json_array_size(items), 1);
    json_array_append_new(items, item(5, "2026-12-05T10:00:00.250Z", "b"));
    json_array_append_new(items, item(5, "2026-12-05T10:00:00.250Z", "a"));
    json_array_append_new(items, item(5, "2026-12-05T10:00:00.250Z", "a"));
    tc_view_todo_sort(items);
    assert_string_equal(field(items, 0, "path"), "a");
    assert_string_equal(field(items, 1, "path"), "a");
    assert_string_equal(field(items, 2, "path"), "b");
    assert_string_equal(field(items, 2, "deadline"), "2026-12-05T10:00:00.250Z");
    assert_string_equal(field(items, 3, "deadline"), "2026-12-05T10:00:00.500Z");
    json_decref(items);
}

/* Three branches at once: a wait, a task with several outputs, outcomes and a ladder until done, and an
 * approval with two veto parties. */
static const char branches_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"branches\", \"title\": \"Branches\", \"parties\": "
    "[\"AM\", "
    "\"KZ\"],\n"
    " \"roles\": {\"sec\": {\"title\": \"S\"}, \"council\": {\"title\": \"C\", \"per_party\": true}},\n"
    " \"start\": \"all\", \"states\": {\n"
    "  \"all\": {\"type\": \"parallel\", \"next\": \"end\", \"branches\": {\n"
    "    \"a\": {\"start\": \"pause\", \"states\": {\"pause\": {\"type\": \"wait\", \"duration\": \"PT1H\", "
    "\"next\": "
    "\"e\"},\n"
    "                                   \"e\": {\"type\": \"end\"}}},\n"
    "    \"b\": {\"start\": \"fill\", \"states\": {\n"
    "      \"fill\": {\"type\": \"task\", \"assignee\": \"sec\", \"outcomes\": [\"x\", \"y\"],\n"
    "               \"outputs\": {\"a\": {\"type\": \"string\", \"required\": true}, \"b\": {\"type\": "
    "\"string\", "
    "\"required\": true},\n"
    "                           \"c\": {\"type\": \"number\"}, \"d\": {\"type\": \"number\"}},\n"
    "               \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"sec\"]}], \"until\": "
    "\"done\"},\n"
    "               \"next\": {\"done\": \"e\", \"x\": \"e\", \"y\": \"e\"}},\n"
    "      \"e\": {\"type\": \"end\"}}},\n"
    "    \"c\": {\"start\": \"decide\", \"states\": {\n"
    "      \"decide\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": "
    "\"all\"}, "
    "\"rule\": \"any\",\n"
    "                 \"veto\": [\"AM\", \"KZ\"], \"next\": {\"approved\": \"e\", \"rejected\": \"e\"}},\n"
    "      \"e\": {\"type\": \"end\"}}}}},\n"
    "  \"end\": {\"type\": \"end\"}}}\n";

/* todo words a task's outputs (required, then optional) and its outcomes, a ladder until done asks no
 * acknowledgement, a vote names every veto party; a wait asks nothing; show lists the veto parties. */
static void test_view_todo_outputs_outcomes_and_vetoes(void **state)
{
    (void)state;
    fixture f;
    start(&f, branches_text);
    f.inst->id = 3;
    static const char *const seats[] = {"sec", "council/AM"};
    json_t *items = todo_of(&f, "duty", seats, 2);
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(field(items, 0, "seat"), "sec");
    assert_string_equal(field(items, 0, "asked"), "complete: all/b/fill (must report a, b; may report c, d)");
    assert_string_equal(field(items, 0, "act"),
                        "tocsin complete 3 --state all/b/fill --data JSON [--outcome x|y]");
    assert_string_equal(field(items, 1, "seat"), "council/AM");
    assert_string_equal(field(items, 1, "asked"), "vote on: all/c/decide (any; veto AM, KZ)");
    json_decref(items);

    json_t *active = tc_view_active(f.pb, f.inst, 0);
    json_t *decide = NULL;
    for (size_t i = 0; i < json_array_size(active); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(active, i), "path")), "all/c/decide") ==
            0)
            decide = json_array_get(active, i);
    assert_non_null(decide);
    json_t *veto = json_object_get(decide, "veto");
    assert_int_equal(json_array_size(veto), 2);
    assert_string_equal(json_string_value(json_array_get(veto, 0)), "AM");
    assert_string_equal(json_string_value(json_array_get(veto, 1)), "KZ");
    json_decref(active);
    finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_todo_votes_of_my_seats_only),
        cmocka_unit_test(test_view_todo_veto_and_initiator),
        cmocka_unit_test(test_view_todo_tasks_ack_and_complete),
        cmocka_unit_test(test_view_todo_closed_crisis_has_nothing),
        cmocka_unit_test(test_view_todo_sort_most_urgent_first),
        cmocka_unit_test(test_view_active_next_escalation_and_title),
        cmocka_unit_test(test_view_decisions),
        cmocka_unit_test(test_view_active_seats_actions_and_parallels),
        cmocka_unit_test(test_view_decisions_partial_events),
        cmocka_unit_test(test_view_todo_delegated_titled_and_sorted),
        cmocka_unit_test(test_view_todo_outputs_outcomes_and_vetoes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
