/*
 * tocsin show as text, against a real server with an engine running: who
 * must act and by when (task titles, seats done and acknowledged, votes and
 * their reasons), what happens next (the next escalation, whom it notifies),
 * inputs and reported data, a closed crisis's summary with its decisions,
 * and local times with --tz or TZ (an unknown zone is exit 3).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db;
static th_proc *engine;

static void expect_run(int status, const char *const *args, const char *out, const char *err)
{
    th_expect_tocsin(db, NULL, status, args, out, err);
}

/* `tocsin show ID` (with extra arguments) must contain every line of wants. */
static void expect_show(const char *id, const char *extra, const char *const *wants)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"show", id, extra, extra ? "Asia/Dushanbe" : NULL, NULL});
    if (r.status != 0)
        fail_msg("show %s: exit %d, %s", id, r.status, r.err);
    for (size_t i = 0; wants[i] != NULL; i++)
        if (!th_contains(r.out, wants[i]))
            fail_msg("show %s does not say \"%s\":\n%s", id, wants[i], r.out);
    th_run_free(&r);
}

static void load(const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", th_env("TOCSIN_SOURCE_DIR"), file);
    expect_run(0, (const char *[]){"playbook", "load", path, NULL}, NULL, NULL);
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    load("workflows/border-incident.json");
    load("tests/data/playbooks/valid/council.json");
    th_exec(db,
            "INSERT INTO tocsin.seats VALUES (current_user, 'border_post/TJ'), (current_user, 'council/KZ')");
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    expect_run(0,
               (const char *[]){"trigger", "border-incident", "--input", "sector=Khatlon", "--input",
                                "incident_type=armed_clash", NULL},
               "1\n", NULL);
    expect_run(0, (const char *[]){"trigger", "council", NULL}, "2\n", NULL);
    expect_run(
        0, (const char *[]){"trigger", "council", "--input", "rule=unanimous", "--mode", "exercise", NULL},
        "3\n", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_end(engine, SIGTERM);
    th_db_drop(db);
    return 0;
}

/* A task: its title, its seat not done and not acknowledged, the deadline, the next level and whom it
 * notifies; then acknowledged and done: by whom, and the data reported; the next task with its title. */
static void test_show_task_seats_and_next_escalation(void **state)
{
    (void)state;
    expect_show("1", NULL,
                (const char *[]){"report: Border post: first report within one hour",
                                 "    type       task, visit 1", "    deadline   20",
                                 "escalation level 0 of 6; next: level 1 at ", ", notifies border_post/TJ\n",
                                 "border_post/TJ  not done yet, not acknowledged", "Inputs\n",
                                 "  incident_type  armed_clash\n", "  sector         Khatlon\n", NULL});
    expect_run(0, (const char *[]){"ack", "1", NULL}, NULL, NULL);
    expect_show("1", NULL,
                (const char *[]){"border_post/TJ  not done yet; acknowledged by ",
                                 "escalation level 0 of 6; stopped: every seat has acknowledged", NULL});
    expect_run(0,
               (const char *[]){"complete", "1", "--data",
                                "{\"situation\": \"contained\", \"casualties\": 2}", NULL},
               NULL, NULL);
    expect_show("1", NULL,
                (const char *[]){"national: National border authority: assessment and national measures",
                                 "national_authority/TJ  not done yet, not acknowledged",
                                 "outcomes   done request_assistance", "Reported\n  report\n",
                                 "    TJ  situation contained, casualties 2\n", NULL});
    /* The document keeps the contract and adds to it. */
    th_run r;
    th_tocsin(&r, db, (const char *[]){"show", "1", "--json", NULL});
    json_t *doc = json_loads(r.out, 0, NULL);
    json_t *active = json_array_get(json_object_get(doc, "active"), 0);
    assert_string_equal(json_string_value(json_object_get(active, "title")),
                        "National border authority: assessment and national measures");
    json_t *next = json_object_get(active, "next_escalation");
    assert_int_equal(json_integer_value(json_object_get(next, "level")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(next, "notify"), 0)),
                        "national_authority");
    assert_string_equal(json_string_value(json_array_get(json_object_get(next, "seats"), 0)),
                        "national_authority/TJ");
    assert_true(json_is_array(json_object_get(doc, "decisions")));
    assert_true(json_is_null(json_object_get(doc, "duration_seconds")));
    json_decref(doc);
    th_run_free(&r);
}

/* An approval: each seat's vote with its reason, the seats that have not voted, the tally. */
static void test_show_votes_and_reasons(void **state)
{
    (void)state;
    expect_run(0, (const char *[]){"approve", "2", "--reason", "confirmed by the capital", NULL}, NULL, NULL);
    expect_show("2", NULL,
                (const char *[]){"  consensus\n", "    type       approval, visit 1",
                                 "    rule       consensus: 1 approve, 0 reject, 0 abstain, 5 not voted",
                                 "\"confirmed by the capital\"", "      council/AM  has not voted\n",
                                 "      council/KZ  approve  by ", NULL});
}

/* A closed crisis opens with its summary: outcome, duration, and the decisions with their tallies. */
static void test_show_closed_summary(void **state)
{
    (void)state;
    expect_run(0, (const char *[]){"reject", "3", "--reason", "not in our interest", NULL}, NULL, NULL);
    expect_show("3", NULL,
                (const char *[]){
                    "THIS IS AN EXERCISE, NOT AN ACTUAL CRISIS", "Summary\n", "  outcome      declined\n",
                    "  duration     ", "Decisions\n  unanimous\n",
                    "    rejected by unanimous (0 approve, 1 reject, 0 abstain, 5 not voted) at ", NULL});
}

/* --tz and TZ print local times beside UTC; an unknown zone is exit 3, whichever gave it. */
static void test_show_time_zone(void **state)
{
    (void)state;
    expect_show("2", "--tz", (const char *[]){"    deadline   20", " +05) (in 23h", NULL});
    expect_run(3, (const char *[]){"show", "2", "--tz", "Europe/Atlantis", NULL}, NULL,
               "unknown time zone Europe/Atlantis (a name of /usr/share/zoneinfo");
    expect_run(3, (const char *[]){"show", "2", "--tz", "../../../etc/passwd", NULL}, NULL,
               "unknown time zone");
    setenv("TZ", "Asia/Tokyo", 1);
    expect_run(0, (const char *[]){"show", "2", NULL}, " JST)", NULL);
    setenv("TZ", "Nowhere/Special", 1);
    expect_run(3, (const char *[]){"show", "2", NULL}, NULL, "unknown time zone Nowhere/Special in TZ");
    unsetenv("TZ");
    th_run r;
    th_tocsin(&r, db, (const char *[]){"show", "2", NULL});
    assert_int_equal(r.status, 0);
    assert_false(th_contains(r.out, " +05)"));
    assert_false(th_contains(r.out, " JST)"));
    th_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_show_task_seats_and_next_escalation),
        cmocka_unit_test(test_show_votes_and_reasons),
        cmocka_unit_test(test_show_closed_summary),
        cmocka_unit_test(test_show_time_zone),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
