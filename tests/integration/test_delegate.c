/*
 * `tocsin delegate` and `undelegate` against a real server and a running
 * engine: the holder of council/KZ lets a deputy act for it in one crisis;
 * the deputy sees the vote in todo, casts it, and the audit, the votes and
 * the report name both; after undelegate the deputy acts no more but still
 * reads the crisis, also once it is closed. Refusals: a seat one does not hold (5), a delegate acting
 * after the delegation's time is up (5), a seat delegated already (6), a role
 * that is no actor (4), a closed crisis (6), and the database refusing the
 * same commands recorded without the CLI.
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
static char holder[64], deputy[64], other[64], stranger[64];

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    snprintf(holder, sizeof holder, "kz_holder_%ld", (long)getpid());
    snprintf(deputy, sizeof deputy, "kz_deputy_%ld", (long)getpid());
    snprintf(other, sizeof other, "ru_holder_%ld", (long)getpid());
    snprintf(stranger, sizeof stranger, "stranger_%ld", (long)getpid());
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", holder, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"actor", "add", deputy, "--login", NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", other, "--seat", "council/RU", "--login", NULL}, NULL,
                     NULL);
    /* A role that exists but is no actor of tocsin's. */
    char sql[256];
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN", stranger, stranger);
    th_exec(db, sql);
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_stop(engine);
    th_db_drop(db);
    return 0;
}

/* A consensus of the council among the parties given ("KZ,RU,TJ"): its id. */
static char *trigger(const char *parties)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"trigger", "council", "--parties", parties, NULL});
    assert_int_equal(r.status, 0);
    char *id = strndup(r.out, strcspn(r.out, "\n"));
    th_run_free(&r);
    return id;
}

static void test_delegate_the_deputy_votes_under_both_names(void **state)
{
    (void)state;
    char *id = trigger("KZ,RU");
    /* Before: the deputy holds no seat and reads nothing. */
    th_expect_tocsin(db, deputy, 4, (const char *[]){"approve", id, NULL}, NULL, "no crisis");
    th_expect_tocsin(db, holder, 0,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--for", "PT8H",
                                      "--reason", "travelling to the summit", NULL},
                     "delegated by", NULL);
    th_expect_value(
        db, "t",
        "SELECT until BETWEEN now() + interval '7 hours 59 minutes' AND now() + interval '8 hours'"
        "  FROM tocsin.delegations WHERE crisis = %s",
        id);
    th_expect_tocsin(db, deputy, 0, (const char *[]){"todo", NULL}, "(delegated by kz_holder_", NULL);
    char acts[256];
    snprintf(acts, sizeof acts, "delegated    %s acts for council/KZ of %s until 20", deputy, holder);
    th_expect_tocsin(db, other, 0, (const char *[]){"show", id, NULL}, acts, NULL);
    th_expect_tocsin(db, deputy, 0, (const char *[]){"approve", id, "--reason", "for Kazakhstan", NULL},
                     "vote council/KZ approve by kz_deputy_", NULL);
    /* The audit, the record of votes and the report name the delegate and the holder. */
    char both[160];
    snprintf(both, sizeof both, "%s %s council/KZ", deputy, holder);
    th_expect_value(db, both,
                    "SELECT concat_ws(' ', actor, detail ->> 'holder', detail ->> 'seat') FROM tocsin.audit"
                    " WHERE crisis = %s AND kind = 'vote'",
                    id);
    snprintf(both, sizeof both, "%s %s", deputy, holder);
    th_expect_value(db, both, "SELECT concat_ws(' ', actor, holder) FROM tocsin.votes WHERE crisis = %s", id);
    /* The holder takes it back: the deputy acts no more, yet still reads the crisis it acted in. */
    th_expect_tocsin(
        db, holder, 0,
        (const char *[]){"undelegate", id, "--seat", "council/KZ", "--reason", "back home", NULL},
        "delegation of seat council/KZ ended by", NULL);
    th_expect_tocsin(db, deputy, 5, (const char *[]){"vote", id, "reject", "--party", "KZ", NULL}, NULL,
                     "does not hold seat council/KZ");
    th_expect_tocsin(db, deputy, 5, (const char *[]){"vote", id, "reject", NULL}, NULL, "holds no seat");
    th_expect_tocsin(db, deputy, 0, (const char *[]){"show", id, NULL}, "status       active", NULL);
    th_run r;
    char *info = th_conninfo_as(db, deputy);
    th_tocsin(&r, info, (const char *[]){"--json", "show", id, NULL});
    free(info);
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "delegations")), 0);
    assert_true(json_is_array(json_object_get(doc, "delegations")));
    json_decref(doc);
    th_run_free(&r);
    th_expect_tocsin(db, deputy, 0, (const char *[]){"todo", NULL}, "nothing waits for you", NULL);
    /* Nothing of the delegate's is in force: undelegate again finds none. */
    th_expect_tocsin(db, holder, 4,
                     (const char *[]){"undelegate", id, "--seat", "council/KZ", "--reason", "again", NULL},
                     NULL, "is not delegated");
    /* Russia approves too: the council has decided, and the report names the delegate with the holder. */
    th_expect_tocsin(db, other, 0, (const char *[]){"approve", id, NULL}, "consensus left: approved", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"report", id, NULL}, "for the seat's holder", NULL);
    th_expect_tocsin(db, deputy, 0, (const char *[]){"show", id, NULL}, "status       closed", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, "every chain holds", NULL);
    th_expect_value(db, "delegated undelegated",
                    "SELECT string_agg(kind, ' ' ORDER BY seq) FROM tocsin.audit"
                    " WHERE crisis = %s AND kind LIKE '%%delegated'",
                    id);
    free(id);
}

static void test_delegate_refusals(void **state)
{
    (void)state;
    char *id = trigger("KZ,RU");
    /* A seat one does not hold: the CLI, and the database when the CLI is bypassed. */
    th_expect_tocsin(
        db, other, 5,
        (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--reason", "r", NULL}, NULL,
        "does not hold seat council/KZ");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.submit(%s, 'delegate', '{\"seat\": \"council/KZ\", \"to\": \"%s\", \"reason\": "
             "\"r\"}',"
             " NULL, true)",
             id, deputy);
    free(th_sql_as(db, other, NULL, sql, "does not hold seat council/KZ"));
    /* Names and times that do not fit. */
    th_expect_tocsin(
        db, holder, 4,
        (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", stranger, "--reason", "r", NULL},
        NULL, "no actor");
    th_expect_tocsin(
        db, holder, 3,
        (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", holder, "--reason", "r", NULL}, NULL,
        "delegate it to another role");
    th_expect_tocsin(
        db, holder, 4,
        (const char *[]){"delegate", id, "--seat", "council/TJ", "--to", deputy, "--reason", "r", NULL}, NULL,
        "has no seat council/TJ");
    th_expect_tocsin(db, holder, 3,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--until",
                                      "2020-01-01T00:00Z", "--reason", "r", NULL},
                     NULL, "before it begins");
    th_expect_tocsin(db, holder, 2,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--for", "PT1H",
                                      "--until", "2099-01-01T00:00Z", "--reason", "r", NULL},
                     NULL, "not both");
    th_expect_tocsin(db, holder, 2,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, NULL}, NULL,
                     "needs --reason");
    th_expect_tocsin(db, holder, 2,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--for", "soon",
                                      "--reason", "r", NULL},
                     NULL, "--for takes");
    /* One delegation of a seat at a time. */
    th_expect_tocsin(db, holder, 0,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--for", "PT1H",
                                      "--reason", "the morning", NULL},
                     NULL, NULL);
    th_expect_tocsin(
        db, holder, 6,
        (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", other, "--reason", "r", NULL}, NULL,
        "is delegated to");
    th_expect_tocsin(
        db, holder, 0,
        (const char *[]){"undelegate", id, "--seat", "council/KZ", "--reason", "plans changed", NULL}, NULL,
        NULL);
    /* A delegation that runs out: acting after it is exit 5, and says so. */
    th_expect_tocsin(db, holder, 0,
                     (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--for", "PT1S",
                                      "--reason", "a short meeting", NULL},
                     NULL, NULL);
    usleep(1500 * 1000);
    th_expect_tocsin(db, deputy, 5, (const char *[]){"approve", id, NULL}, NULL, "the delegation has ended");
    snprintf(sql, sizeof sql,
             "SELECT tocsin.submit(%s, 'vote', '{\"state\": \"consensus\", \"party\": \"KZ\", \"vote\": "
             "\"approve\"}',"
             " NULL, true)",
             id);
    free(th_sql_as(db, deputy, NULL, sql, "the delegation has ended"));
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.votes WHERE crisis = %s", id);
    /* Once its time is up the seat may be delegated again; an administrator ends it. */
    th_expect_tocsin(
        db, holder, 0,
        (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--reason", "again", NULL},
        NULL, NULL);
    th_expect_tocsin(db, other, 5,
                     (const char *[]){"undelegate", id, "--seat", "council/KZ", "--reason", "not mine", NULL},
                     NULL, "may not end the delegation");
    th_expect_tocsin(
        db, NULL, 0,
        (const char *[]){"undelegate", id, "--seat", "council/KZ", "--reason", "the chair ends it", NULL},
        NULL, NULL);
    /* A closed crisis. */
    th_expect_tocsin(db, NULL, 0, (const char *[]){"cancel", id, "--reason", "drill over", NULL}, NULL, NULL);
    th_expect_tocsin(
        db, holder, 6,
        (const char *[]){"delegate", id, "--seat", "council/KZ", "--to", deputy, "--reason", "r", NULL}, NULL,
        "is cancelled");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, "every chain holds", NULL);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delegate_the_deputy_votes_under_both_names),
        cmocka_unit_test(test_delegate_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
