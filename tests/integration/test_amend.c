/*
 * `tocsin amend` against a real server and a running engine: the initiator
 * corrects inputs of an active crisis, audited with the old and new values and
 * the reason, and a choice made later reads the new values; every problem of
 * the new inputs at once (exit 3); no reason (2); another actor (5); a closed
 * crisis (6); and the database refuses an amend command from someone else
 * even when the CLI's own check is bypassed.
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
static char post[64], other[64]; /* a border post of TJ that triggers; a national authority that did not */

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    th_playbook_load(db, "workflows/border-incident.json");
    snprintf(post, sizeof post, "post_%ld", (long)getpid());
    snprintf(other, sizeof other, "authority_%ld", (long)getpid());
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", post, "--seat", "border_post/TJ", "--login", NULL},
                     NULL, NULL);
    th_expect_tocsin(
        db, NULL, 0,
        (const char *[]){"actor", "add", other, "--seat", "national_authority/TJ", "--login", NULL}, NULL,
        NULL);
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

static void run_as(th_run *r, const char *role, const char *const *args)
{
    char *info = th_conninfo_as(db, role);
    th_tocsin(r, info, args);
    free(info);
}

/* A smuggling case with no casualties, triggered by the border post: its id. */
static char *trigger(void)
{
    th_run r;
    run_as(&r, post,
           (const char *[]){"trigger", "border-incident", "--input", "sector=Panj, post 12", "--input",
                            "incident_type=smuggling", NULL});
    assert_int_equal(r.status, 0);
    char *id = strndup(r.out, strcspn(r.out, "\n"));
    th_run_free(&r);
    return id;
}

static void test_amend_by_the_initiator_is_audited_and_read_by_later_choices(void **state)
{
    (void)state;
    char *id = trigger();
    th_expect_tocsin(db, post, 0,
                     (const char *[]){"amend", id, "--input", "casualties=2", "--input",
                                      "sector=Panj, post 14", "--reason", "second report from the post",
                                      NULL},
                     "amended by ", NULL);
    th_expect_value(db, "2 Panj, post 14",
                    "SELECT concat_ws(' ', inputs ->> 'casualties', inputs ->> 'sector') FROM tocsin.crises"
                    " WHERE id = %s",
                    id);
    th_expect_value(db,
                    "{\"sector\": \"Panj, post 12\", \"casualties\": 0} {\"sector\": \"Panj, post 14\", "
                    "\"casualties\": 2} second report from the post",
                    "SELECT concat_ws(' ', detail -> 'old', detail -> 'new', detail ->> 'reason')"
                    "  FROM tocsin.audit WHERE crisis = %s AND kind = 'amended'",
                    id);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", id, NULL}, "amended by ", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"show", id, NULL}, "  casualties     2\n", NULL);

    /* The report and the national assessment say contained; the amended casualties send it to the
     * secretariat all the same (without the amendment it would close nationally). */
    th_exec(db,
            "INSERT INTO tocsin.seats VALUES (current_user, 'border_post/TJ'),"
            " (current_user, 'national_authority/TJ') ON CONFLICT DO NOTHING");
    th_expect_tocsin(
        db, NULL, 0,
        (const char *[]){"complete", id, "--data", "{\"situation\": \"contained\", \"casualties\": 0}", NULL},
        NULL, NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"complete", id, "--data", "{\"assessment\": \"contained\"}", NULL},
                     NULL, NULL);
    th_expect_value(db, "secretariat_review",
                    "SELECT string_agg(a ->> 'state', ',') FROM tocsin.crises,"
                    " jsonb_array_elements(state -> 'active') a WHERE id = %s",
                    id);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);
    free(id);
}

static void test_amend_refusals(void **state)
{
    (void)state;
    char *id = trigger();
    /* Every problem at once. */
    th_run r;
    run_as(&r, post,
           (const char *[]){"amend", id, "--input", "weather=fog", "--input", "incident_type=riot", "--input",
                            "casualties=-1", "--reason", "r", NULL});
    if (r.status != 3 || !th_contains(r.err, "has no input weather") ||
        !th_contains(r.err, "incident_type") || !th_contains(r.err, "casualties"))
        fail_msg("amend with three problems: exit %d, stderr: %s", r.status, r.err);
    th_run_free(&r);
    /* A required input cannot be taken away; nothing changed is no amendment. */
    th_expect_tocsin(db, post, 3,
                     (const char *[]){"amend", id, "--inputs", "{\"sector\": null}", "--reason", "r", NULL},
                     NULL, "input sector is required");
    th_expect_tocsin(
        db, post, 3,
        (const char *[]){"amend", id, "--input", "incident_type=smuggling", "--reason", "r", NULL}, NULL,
        "changes nothing");
    /* Usage: no reason, no input. */
    th_expect_tocsin(db, post, 2, (const char *[]){"amend", id, "--input", "casualties=1", NULL}, NULL,
                     "amend needs --reason TEXT");
    th_expect_tocsin(db, post, 2, (const char *[]){"amend", id, "--reason", "r", NULL}, NULL,
                     "amend needs the inputs to correct");
    /* Someone who did not trigger it, even with a seat in it. */
    th_expect_tocsin(db, other, 5,
                     (const char *[]){"amend", id, "--input", "casualties=1", "--reason", "r", NULL}, NULL,
                     "may not amend crisis");
    /* The database says the same to an amend command recorded without the CLI. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.submit(%s, 'amend', '{\"data\": {\"casualties\": 1}, \"reason\": \"r\"}',"
             " NULL, true)",
             id);
    free(th_sql_as(db, other, NULL, sql, "may not amend crisis"));
    /* A closed crisis. */
    th_expect_tocsin(db, NULL, 0, (const char *[]){"cancel", id, "--reason", "drill over", NULL}, NULL, NULL);
    th_expect_tocsin(db, post, 6,
                     (const char *[]){"amend", id, "--input", "casualties=1", "--reason", "r", NULL}, NULL,
                     "is cancelled");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit WHERE crisis = %s AND kind = 'amended'", id);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amend_by_the_initiator_is_audited_and_read_by_later_choices),
        cmocka_unit_test(test_amend_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
