/*
 * The example playbooks of workflows/, run for real: loaded into a database of
 * their own, driven by operators' commands through a running engine (with the
 * example action programs of workflows/actions) to each of their ends that
 * commands can reach. The ends reached by deadlines alone are the simulator's
 * (tests/data/simulate), where time is virtual. The test's login role holds
 * every seat the scenario needs, as rows of tocsin.seats.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

typedef struct world {
    char *db;
    th_proc *engine;
} world;

static void run(const world *w, const char *const *args)
{
    th_run r;
    th_tocsin(&r, w->db, args);
    if (r.status != 0)
        fail_msg("tocsin %s %s %s: exit %d\nstdout: %s\nstderr: %s", args[0], args[1] ? args[1] : "",
                 args[1] && args[2] ? args[2] : "", r.status, r.out, r.err);
    th_run_free(&r);
}

static void start(world *w, const char *playbook, const char *seats, const char *const *trigger)
{
    char path[4096], actions[4096], sql[1024];
    snprintf(path, sizeof path, "%s/workflows/%s.json", th_env("TOCSIN_SOURCE_DIR"), playbook);
    snprintf(actions, sizeof actions, "%s/workflows/actions", th_env("TOCSIN_SOURCE_DIR"));
    w->db = th_db_create();
    run(w, (const char *[]){"playbook", "load", path, NULL});
    snprintf(sql, sizeof sql,
             "INSERT INTO tocsin.seats SELECT current_user, unnest(string_to_array('%s', ' '))", seats);
    th_exec(w->db, sql);
    w->engine = th_tocsin_start(w->db, (const char *[]){"engine", "--actions-dir", actions, NULL});
    run(w, trigger);
}

/* Waits (up to ten seconds) until the state at path is active. */
static void wait_active(const world *w, const char *path)
{
    char needle[256];
    snprintf(needle, sizeof needle, "\"path\": \"%s\"", path);
    for (int i = 0; i < 100; i++) {
        th_run r;
        th_tocsin(&r, w->db, (const char *[]){"show", "1", "--json", NULL});
        int found = r.status == 0 && th_contains(r.out, needle);
        th_run_free(&r);
        if (found)
            return;
        th_sleep_ms(100);
    }
    th_run r;
    th_tocsin(&r, w->db, (const char *[]){"show", "1", NULL});
    char *runs = th_query_value(w->db,
                                "SELECT string_agg(state || ' ' || coalesce(outcome, '-') || ' '"
                                " || coalesce(output_tail, ''), '; ') FROM tocsin.action_runs");
    fail_msg("state %s never became active\n%s%s\naction runs: %s", path, r.out, r.err, runs ? runs : "none");
}

/* `tocsin show 1` says text. */
static void expect_show(const world *w, const char *text)
{
    th_run r;
    th_tocsin(&r, w->db, (const char *[]){"show", "1", NULL});
    if (r.status != 0 || !th_contains(r.out, text))
        fail_msg("show did not say '%s'; it said:\n%s%s", text, r.out, r.err);
    th_run_free(&r);
}

/* Waits until crisis 1 is closed; checks its outcome and the end it reached. */
static void expect_end(world *w, const char *outcome, const char *end)
{
    char *status = NULL;
    for (int i = 0; i < 100; i++) {
        free(status);
        status = th_query_value(w->db, "SELECT status || ' ' || coalesce(outcome, '-') FROM tocsin.crises");
        if (status && strncmp(status, "closed", 6) == 0)
            break;
        th_sleep_ms(100);
    }
    char expected[128];
    snprintf(expected, sizeof expected, "closed %s", outcome);
    assert_string_equal(status, expected);
    free(status);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tocsin.audit WHERE kind = 'entered' AND state = '%s'",
             end);
    char *entered = th_query_value(w->db, sql);
    assert_string_equal(entered, "1");
    free(entered);

    th_run r;
    th_tocsin(&r, w->db, (const char *[]){"audit", "verify", NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_signal(w->engine, SIGTERM);
    th_wait(w->engine, &r);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_db_drop(w->db);
}

#define BORDER_SEATS                                                                                         \
    "border_post/TJ national_authority/TJ secretariat joint_staff "                                          \
    "council/AM council/BY council/KZ council/KG council/RU council/TJ"
#define REPORT_DONE "{\"situation\": \"contained\", \"casualties\": 0}"

/* Smuggling, nobody hurt, contained: the national authority closes it. */
static void test_border_incident_closed_nationally(void **state)
{
    (void)state;
    world w;
    start(&w, "border-incident", BORDER_SEATS,
          (const char *[]){"trigger", "border-incident", "--input", "sector=Panj, post 12", "--input",
                           "incident_type=smuggling", NULL});
    run(&w, (const char *[]){"complete", "1", "--data", REPORT_DONE, NULL});
    run(&w, (const char *[]){"complete", "1", "--data", "{\"assessment\": \"contained\"}", NULL});
    expect_end(&w, "resolved", "closed_nationally");
}

/* An armed clash goes to the Secretariat, which proposes nothing more. */
static void test_border_incident_no_proposal(void **state)
{
    (void)state;
    world w;
    start(&w, "border-incident", BORDER_SEATS,
          (const char *[]){"trigger", "border-incident", "--input", "sector=Khatlon", "--input",
                           "incident_type=armed_clash", NULL});
    run(&w, (const char *[]){"complete", "1", "--data", REPORT_DONE, NULL});
    run(&w, (const char *[]){"complete", "1", "--data", "{\"assessment\": \"contained\"}", NULL});
    wait_active(&w, "secretariat_review");
    run(&w, (const char *[]){"complete", "1", "--data",
                             "{\"proposal\": \"none\", \"summary\": \"handled by Tajikistan\"}", NULL});
    expect_end(&w, "resolved", "closed");
}

/* A programme under the silence procedure: Russia objects, consultations fail. */
static void test_border_incident_programme_dropped(void **state)
{
    (void)state;
    world w;
    start(&w, "border-incident", BORDER_SEATS,
          (const char *[]){"trigger", "border-incident", "--input", "sector=Khatlon", "--input",
                           "incident_type=incursion", NULL});
    run(&w, (const char *[]){"complete", "1", "--data", REPORT_DONE, NULL});
    run(&w, (const char *[]){"complete", "1", "--outcome", "request_assistance", "--data",
                             "{\"assessment\": \"escalating\"}", NULL});
    run(&w, (const char *[]){"complete", "1", "--data",
                             "{\"proposal\": \"programme\", \"summary\": \"border programme 2027\"}", NULL});
    wait_active(&w, "adopt_programme");
    expect_show(&w, "silence procedure: adopted when the deadline passes, unless a seat rejects first");
    run(&w, (const char *[]){"reject", "1", "--party", "RU", "--reason", "the financing annex", NULL});
    run(&w, (const char *[]){"complete", "1", "--outcome", "abandoned", NULL});
    expect_end(&w, "declined", "programme_dropped");
}

/* Reinforcement: the Council sends the group (the alert runs as the example
 * action program), the Joint Staff deploys it, the incident closes. (The
 * programme's adoption needs its silence deadline to pass: the simulator's.) */
static void test_border_incident_reinforced(void **state)
{
    (void)state;
    world w;
    start(&w, "border-incident", BORDER_SEATS,
          (const char *[]){"trigger", "border-incident", "--input", "sector=Khatlon", "--input",
                           "incident_type=shelling", "--mode", "exercise", NULL});
    run(&w, (const char *[]){"complete", "1", "--data", REPORT_DONE, NULL});
    run(&w, (const char *[]){"complete", "1", "--data", "{\"assessment\": \"escalating\"}", NULL});
    wait_active(&w, "secretariat_review");
    run(&w,
        (const char *[]){"complete", "1", "--data",
                         "{\"proposal\": \"reinforcement\", \"summary\": \"a reinforcement group\"}", NULL});
    wait_active(&w, "deploy_decision");
    /* A majority, and the host state, which holds a veto, consents: decided
     * without waiting for Kyrgyzstan. */
    static const char *const yes[] = {"KZ", "RU", "AM", "BY", "TJ"};
    for (int i = 0; i < 4; i++)
        run(&w, (const char *[]){"approve", "1", "--party", yes[i], NULL});
    /* Four of six is a majority, but Tajikistan holds a veto and has not voted: show says why it waits. */
    expect_show(
        &w, "veto: TJ (a reject from it rejects at once; no approval before it has voted or the deadline)");
    run(&w, (const char *[]){"approve", "1", "--party", yes[4], NULL});
    wait_active(&w, "reinforce");
    char *alert = th_query_value(w.db,
                                 "SELECT outcome || ' ' || exit_status FROM tocsin.action_runs "
                                 "WHERE state = 'alert_services'");
    assert_string_equal(alert, "ok 0");
    free(alert);
    char *level = th_query_value(w.db, "SELECT state #>> '{data,alert_services,level}' FROM tocsin.crises");
    assert_string_equal(level, "interstate");
    free(level);
    run(&w, (const char *[]){"complete", "1", "--data", "{\"personnel\": 120}", NULL});
    expect_end(&w, "resolved", "closed");
}

#define COLLECTIVE_SEATS                                                                                     \
    "secretariat secretary_general crisis_centre peacekeeping_command joint_staff "                          \
    "council/AM council/BY council/KZ council/KG council/RU council/TJ "                                     \
    "defence_ministry/AM defence_ministry/BY defence_ministry/KZ defence_ministry/KG "                       \
    "defence_ministry/RU defence_ministry/TJ border_service/AM border_service/BY border_service/KZ "         \
    "border_service/KG border_service/RU border_service/TJ emergency_ministry/KZ emergency_ministry/RU"

static const char *const members[] = {"AM", "BY", "KZ", "KG", "RU", "TJ"};

static void start_collective(world *w, const char *type)
{
    char input[64];
    snprintf(input, sizeof input, "request_type=%s", type);
    start(w, "collective-response", COLLECTIVE_SEATS,
          (const char *[]){"trigger", "collective-response", "--input", "requesting_state=TJ", "--input",
                           "description=armed groups crossed the border", "--input", input, NULL});
}

/* A minor matter: the Secretariat recommends monitoring; it normalises. */
static void test_collective_response_monitored(void **state)
{
    (void)state;
    world w;
    start_collective(&w, "mass_unrest");
    run(&w, (const char *[]){"complete", "1", "--data",
                             "{\"recommendation\": \"monitor\", \"threat_level\": \"minor\", "
                             "\"summary\": \"local unrest\"}",
                             NULL});
    wait_active(&w, "monitor");
    run(&w, (const char *[]){"complete", "1", "--data", "{\"status\": \"normalised\"}", NULL});
    expect_end(&w, "resolved", "resolved");
}

/* The Secretariat recommends deployment; one delegation breaks consensus. */
static void test_collective_response_declined(void **state)
{
    (void)state;
    world w;
    start_collective(&w, "aggression");
    run(&w, (const char *[]){"complete", "1", "--data",
                             "{\"recommendation\": \"deploy\", \"threat_level\": \"severe\", "
                             "\"summary\": \"incursion\"}",
                             NULL});
    wait_active(&w, "council");
    run(&w, (const char *[]){"approve", "1", "--party", "KZ", NULL});
    run(&w, (const char *[]){"reject", "1", "--party", "BY", "--reason", "no mandate from Minsk", NULL});
    wait_active(&w, "notify_decision");
    run(&w, (const char *[]){"complete", "1", NULL});
    expect_end(&w, "declined", "declined");
}

/* Consensus to deploy; the tracks run in parallel; the peacekeepers are
 * blocked, so the mobilisation fails and the Secretary General closes it. */
static void test_collective_response_failed(void **state)
{
    (void)state;
    world w;
    start_collective(&w, "aggression");
    run(&w, (const char *[]){"complete", "1", "--data",
                             "{\"recommendation\": \"deploy\", \"threat_level\": \"extreme\", "
                             "\"summary\": \"incursion\"}",
                             NULL});
    wait_active(&w, "council");
    for (int i = 0; i < 6; i++)
        run(&w, (const char *[]){"approve", "1", "--party", members[i], NULL});
    wait_active(&w, "mobilise/peacekeeping/nominate");
    for (int i = 0; i < 6; i++) {
        run(&w, (const char *[]){"complete", "1", "--state", "nominate", "--party", members[i], "--data",
                                 "{\"personnel\": 150}", NULL});
        run(&w, (const char *[]){"complete", "1", "--state", "reinforce", "--party", members[i], "--data",
                                 "{\"posts_reinforced\": 4}", NULL});
    }
    run(&w, (const char *[]){"complete", "1", "--state", "dispatch_aid", "--party", "KZ", "--data",
                             "{\"aid_tonnes\": 40.5}", NULL});
    run(&w, (const char *[]){"complete", "1", "--state", "dispatch_aid", "--party", "RU", "--data",
                             "{\"aid_tonnes\": 120}", NULL});
    run(&w, (const char *[]){"complete", "1", "--state", "coordinate_relief", NULL});
    run(&w, (const char *[]){"complete", "1", "--state", "deploy", "--outcome", "blocked", NULL});
    wait_active(&w, "failure_review");
    run(&w, (const char *[]){"complete", "1", NULL});
    expect_end(&w, "failed", "failed");
}

#define NARCOTICS_SEATS                                                                                      \
    "coordination_hq secretariat "                                                                           \
    "coordination_council/AM coordination_council/BY coordination_council/KZ coordination_council/KG "       \
    "coordination_council/RU coordination_council/TJ border_service/AM border_service/BY "                   \
    "border_service/KZ border_service/KG border_service/RU border_service/TJ customs_service/AM "            \
    "customs_service/BY customs_service/KZ customs_service/KG customs_service/RU customs_service/TJ "        \
    "security_service/AM security_service/BY security_service/KZ security_service/KG "                       \
    "security_service/RU security_service/TJ"

/* The plan is turned down once (four of six say no: a quorum of three can no
 * longer be reached) and redrafted; approved; the three services report in
 * parallel; the follow-up period starts. Its end (five days later) and the
 * ends reached by deadlines are the simulator's. */
static void test_counter_narcotics_to_follow_up(void **state)
{
    (void)state;
    world w;
    start(&w, "counter-narcotics", NARCOTICS_SEATS,
          (const char *[]){"trigger", "counter-narcotics", "--input", "area=the Tajik-Afghan border", NULL});
    const char *plan = "{\"plan_ref\": \"CHANNEL-2026/1\", \"start_date\": \"2026-12-01\"}";
    run(&w, (const char *[]){"complete", "1", "--data", plan, NULL});
    static const char *const no[] = {"AM", "BY", "KG", "TJ"};
    for (int i = 0; i < 4; i++)
        run(&w, (const char *[]){"reject", "1", "--party", no[i], NULL});
    wait_active(&w, "plan");
    char *visit =
        th_query_value(w.db, "SELECT count(*) FROM tocsin.audit WHERE kind = 'entered' AND state = 'plan'");
    assert_string_equal(visit, "2");
    free(visit);
    run(&w, (const char *[]){"complete", "1", "--data", plan, NULL});
    static const char *const yes[] = {"KZ", "RU", "TJ"};
    for (int i = 0; i < 3; i++)
        run(&w, (const char *[]){"approve", "1", "--party", yes[i], NULL});
    wait_active(&w, "operate/border/interdict");
    for (int i = 0; i < 6; i++) {
        run(&w, (const char *[]){"complete", "1", "--state", "interdict", "--party", members[i], "--data",
                                 "{\"drugs_seized_kg\": 12.5, \"crimes_stopped\": 3}", NULL});
        run(&w, (const char *[]){"complete", "1", "--state", "inspect", "--party", members[i], "--data",
                                 "{\"drugs_seized_kg\": 0, \"crimes_stopped\": 1}", NULL});
        run(&w, (const char *[]){
                    "complete", "1", "--state", "investigate", "--party", members[i], "--data",
                    "{\"drugs_seized_kg\": 40, \"laboratories_destroyed\": 1, \"crimes_stopped\": 2}", NULL});
    }
    wait_active(&w, "follow_up");
    char *status = th_query_value(w.db, "SELECT status FROM tocsin.crises");
    assert_string_equal(status, "active");
    free(status);
    /* The wait's timer is set for five days on. */
    char *due =
        th_query_value(w.db, "SELECT round(extract(epoch FROM min(due) - now()) / 86400) FROM tocsin.timers");
    assert_string_equal(due, "5");
    free(due);
    th_run r;
    th_signal(w.engine, SIGTERM);
    th_wait(w.engine, &r);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_db_drop(w.db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_border_incident_closed_nationally),
        cmocka_unit_test(test_border_incident_no_proposal),
        cmocka_unit_test(test_border_incident_programme_dropped),
        cmocka_unit_test(test_border_incident_reinforced),
        cmocka_unit_test(test_collective_response_monitored),
        cmocka_unit_test(test_collective_response_declined),
        cmocka_unit_test(test_collective_response_failed),
        cmocka_unit_test(test_counter_narcotics_to_follow_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
