/*
 * Notifications delivered by the engine (issue 17), end to end: a real
 * PostgreSQL, the `tocsin engine` process, and receivers on loopback that the
 * test starts itself (tests/support/webhook_receiver.py, and
 * smtp_receiver.py on Debian's python3-aiosmtpd). A vote requested reaches
 * an e-mail and a webhook contact with what to do; a receiver that fails is
 * tried again and nothing is lost; an engine killed while a delivery is in
 * flight leaves it for the next engine, which delivers it with the same id;
 * a receiver that hangs keeps no vote from being applied meanwhile, and
 * does not keep a stopping engine waiting.
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
#include "receivers.h"

static const char ladder[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"ladder\", \"title\": \"A ladder for delivery tests\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\"],\n"
    " \"roles\": {\"council\": {\"title\": \"Council\", \"per_party\": true}},\n"
    " \"start\": \"vote\",\n"
    " \"states\": {\n"
    "  \"vote\": {\"type\": \"approval\", \"title\": \"Deploy the force?\",\n"
    "           \"approvers\": {\"role\": \"council\", \"parties\": \"all\"}, \"rule\": \"consensus\",\n"
    "           \"deadline\": \"P1D\",\n"
    "           \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\"]}]},\n"
    "           \"next\": {\"approved\": \"done\", \"rejected\": \"done\", \"timeout\": \"done\"}},\n"
    "  \"done\": {\"type\": \"end\"}}}\n";

static char *dir;
static th_receiver webhook, smtp;
static char smtp_url[64];
static char kz[64]; /* council/KZ's delegate, a login role of this test run */

static int setup(void **state)
{
    (void)state;
    dir = th_tempdir();
    th_receiver_start(&webhook, dir, "webhook_receiver.py", "webhook", 1);
    th_receiver_start(&smtp, dir, "smtp_receiver.py", "smtp", 0);
    snprintf(smtp_url, sizeof smtp_url, "smtp://127.0.0.1:%d", smtp.port);
    snprintf(kz, sizeof kz, "delivery_kz_%ld", (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_receiver_stop(&webhook);
    th_receiver_stop(&smtp);
    th_rmtree(dir);
    free(dir);
    return 0;
}

/* Waits up to ms for the query to give expected; whether it did. */
static int wait_for(const char *db, const char *expected, int ms, const char *sql)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        char *got = th_query_value(db, sql);
        int same = got != NULL && strcmp(got, expected) == 0;
        free(got);
        if (same)
            return 1;
        th_sleep_ms(20);
    }
    return 0;
}

/*
 * The ladder, a crisis triggered, contacts: council/KZ by e-mail (Almaty time), council/RU by webhook at
 * the receiver's ru_path, and, with am_path, council/AM by webhook there.
 */
static char *crisis_db_with(const char *ru_path, const char *am_path)
{
    fclose(fopen(webhook.log, "w")); /* what the receivers got in an earlier test */
    fclose(fopen(smtp.log, "w"));
    char *db = th_db_create();
    th_write_file(dir, "ladder.json", ladder);
    char path[4200], url[128];
    snprintf(path, sizeof path, "%s/ladder.json", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", webhook.port, ru_path);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"playbook", "load", path, NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"contact", "add", "council/KZ", "--email", "duty@mfa.kz", "--tz",
                                      "Asia/Almaty", NULL},
                     NULL, NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"contact", "add", "council/RU", "--webhook", url, NULL},
                     NULL, NULL);
    if (am_path != NULL) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", webhook.port, am_path);
        th_expect_tocsin(db, NULL, 0,
                         (const char *[]){"contact", "add", "council/AM", "--webhook", url, NULL}, NULL,
                         NULL);
    }
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(
        db, NULL, 0,
        (const char *[]){"trigger", "ladder", "--title", "Flood on the border", "--no-wait", NULL}, NULL,
        NULL);
    return db;
}

static char *crisis_db(void)
{
    return crisis_db_with("/hook", NULL);
}

static void engine_once(const char *db)
{
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"engine", "--once", "--smtp", smtp_url, "--mail-from",
                                      "tocsin@ops.example.org", NULL},
                     NULL, NULL);
}

/* The requests the webhook receiver logged so far with the given Idempotency-Key (NULL: all). */
static json_t *requests(const char *key)
{
    json_t *all = th_receiver_entries(&webhook), *found = json_array(), *entry;
    size_t i;
    json_array_foreach(all, i, entry)
    {
        const char *k =
            json_string_value(json_object_get(json_object_get(entry, "headers"), "idempotency-key"));
        if (key == NULL || (k != NULL && strcmp(k, key) == 0))
            json_array_append(found, entry);
    }
    json_decref(all);
    return found;
}

/* Waits (up to 10 s) until the webhook receiver has logged a request; fails the test otherwise. */
static void wait_for_a_request(void)
{
    for (int i = 0; i < 500; i++) {
        json_t *got = requests(NULL);
        size_t n = json_array_size(got);
        json_decref(got);
        if (n > 0)
            return;
        th_sleep_ms(20);
    }
    fail_msg("the webhook receiver got no request");
}

static char *delivery_id(const char *db, const char *seat)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT delivery FROM tocsin.notifications WHERE seat = '%s' AND level = 0",
             seat);
    char *id = th_query_value(db, sql);
    assert_non_null(id);
    return id;
}

static void test_delivery_by_email_and_webhook_says_what_to_do(void **state)
{
    (void)state;
    th_receiver_control(&webhook, "ok");
    char *db = crisis_db();
    engine_once(db);
    th_expect_value(db, "council/AM none no contact 0|council/KZ email sent 1|council/RU webhook sent 1",
                    "SELECT string_agg(concat_ws(' ', seat, channel, status, attempts), '|' ORDER BY seat)"
                    "  FROM tocsin.notifications");

    /* The webhook: the contract's keys, its id also the Idempotency-Key. */
    char *id = delivery_id(db, "council/RU");
    json_t *got = requests(id);
    assert_int_equal(json_array_size(got), 1);
    json_t *body = json_loads(json_string_value(json_object_get(json_array_get(got, 0), "body")), 0, NULL);
    assert_non_null(body);
    assert_string_equal(json_string_value(json_object_get(body, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(body, "crisis")), 1);
    assert_string_equal(json_string_value(json_object_get(body, "title")), "Flood on the border");
    assert_string_equal(json_string_value(json_object_get(body, "state_title")), "Deploy the force?");
    assert_string_equal(json_string_value(json_object_get(body, "seat")), "council/RU");
    assert_string_equal(json_string_value(json_object_get(body, "why")), "vote requested");
    assert_int_equal(json_integer_value(json_object_get(body, "level")), 0);
    assert_string_equal(json_string_value(json_object_get(body, "act")),
                        "tocsin vote 1 approve|reject|abstain --state vote --party RU");
    assert_true(json_is_string(json_object_get(body, "deadline")));
    json_decref(body);
    json_decref(got);
    free(id);

    /* The e-mail: to KZ's address, from --mail-from, with its Message-ID, and the command to act. */
    json_t *mail = th_receiver_entries(&smtp);
    assert_int_equal(json_array_size(mail), 1);
    json_t *m = json_array_get(mail, 0);
    assert_string_equal(json_string_value(json_object_get(m, "mail_from")), "tocsin@ops.example.org");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "rcpt_tos"), 0)), "duty@mfa.kz");
    char *mail_id = delivery_id(db, "council/KZ");
    char message_id[128];
    snprintf(message_id, sizeof message_id, "<%s@tocsin>", mail_id);
    assert_string_equal(json_string_value(json_object_get(m, "message_id")), message_id);
    const char *text = json_string_value(json_object_get(m, "body"));
    assert_non_null(strstr(text, "tocsin vote 1 approve|reject|abstain --state vote --party KZ"));
    assert_non_null(strstr(json_string_value(json_object_get(m, "subject")), "Flood on the border"));
    json_decref(mail);
    free(mail_id);

    /* Each attempt's end is in the audit, and the chains hold. */
    th_expect_value(db, "2", "SELECT count(*) FROM tocsin.audit WHERE kind = 'delivered'");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);
    th_db_drop(db);
}

static void test_delivery_down_then_up_loses_nothing(void **state)
{
    (void)state;
    th_receiver_control(&webhook, "fail");
    char *db = crisis_db();
    engine_once(db);
    th_expect_value(db, "queued 1 HTTP 500 t",
                    "SELECT concat_ws(' ', status, attempts, last_error, next_at > now() + interval '10 s')"
                    "  FROM tocsin.notifications WHERE seat = 'council/RU'");
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.audit WHERE kind = 'delivery_failed'");

    /* Back up; the retry falls due (as if its 20 s had passed), and the next engine delivers it. */
    th_receiver_control(&webhook, "ok");
    th_exec(db, "UPDATE tocsin.notifications SET next_at = now() WHERE status = 'queued'");
    engine_once(db);
    th_expect_value(db, "sent 2",
                    "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications"
                    " WHERE seat = 'council/RU'");
    char *id = delivery_id(db, "council/RU");
    json_t *got = requests(id);
    assert_int_equal(json_array_size(got), 2); /* the same key both times: a receiver can drop a repeat */
    json_decref(got);
    free(id);
    th_db_drop(db);
}

/*
 * A mail server's refusal in bytes that are not UTF-8 is recorded made safe, not refused by the database
 * (which would leave the outcome, and every other outcome recorded with it, to the lease's end).
 */
static void test_delivery_refusal_not_in_utf8_is_recorded(void **state)
{
    (void)state;
    char *db = crisis_db();
    th_expect_tocsin(db, NULL, 0, (const char *[]){"contact", "remove", "council/KZ", NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"contact", "add", "council/KZ", "--email", "latin1@mfa.kz", NULL}, NULL,
                     NULL);
    engine_once(db);
    /* Both outcomes recorded: the refused e-mail and the webhook beside it. */
    th_expect_value(
        db, "queued 1 t",
        "SELECT concat_ws(' ', status, attempts, last_error LIKE '%%550 5.1.1 unbekannter Empf%%nger%%')"
        "  FROM tocsin.notifications WHERE seat = 'council/KZ'");
    th_expect_value(db, "sent", "SELECT status FROM tocsin.notifications WHERE seat = 'council/RU'");
    th_expect_value(db, "1",
                    "SELECT count(*) FROM tocsin.audit WHERE kind = 'delivery_failed'"
                    "   AND detail ->> 'error' LIKE '%%unbekannter%%'");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);
    th_db_drop(db);
}

/*
 * Recording a delivery locks its crisis's row (the audit's chain moves on it), and a claim passes over a
 * locked row: a vote cast while the notifier records waits for no notification. The notifier wakes the
 * engine when it has recorded. The engine's own look for work (--poll) is an hour here, so only that wake
 * can apply the vote in time.
 */
static void test_delivery_recorded_wakes_the_engine(void **state)
{
    (void)state;
    th_receiver_control(&webhook, "fail");
    char *db = crisis_db();
    th_proc *engine =
        th_tocsin_start(db, (const char *[]){"engine", "--smtp", smtp_url, "--poll", "3600", NULL});
    assert_true(wait_for(
        db, "queued 1", 10000,
        "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications WHERE seat = 'council/RU'"));

    /* The crisis's row held as an engine's batch holds it; the retry falls due and the receiver is back. */
    PGconn *holder = th_connect(db);
    PQclear(PQexec(holder, "BEGIN"));
    PGresult *res = PQexec(holder, "SELECT id FROM tocsin.crises WHERE id = 1 FOR NO KEY UPDATE");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    th_receiver_control(&webhook, "ok");
    th_exec(db, "UPDATE tocsin.notifications SET next_at = now() WHERE status = 'queued'");
    /* Delivered, and its recording waits for the row. */
    assert_true(wait_for(db, "1", 10000,
                         "SELECT count(*) FROM pg_stat_activity"
                         " WHERE wait_event_type = 'Lock' AND query LIKE '%%record_deliveries%%'"));
    /* A vote now: its notification wakes the engine, whose claim passes over the held row. */
    th_expect_tocsin(db, kz, 0, (const char *[]){"vote", "1", "approve", "--no-wait", NULL}, "pending", NULL);
    th_sleep_ms(500);
    PQclear(PQexec(holder, "COMMIT"));
    PQfinish(holder);
    /* The delivery recorded, the notifier wakes the engine, which applies the vote. */
    assert_true(wait_for(db, "sent 1", 20000,
                         "SELECT concat_ws(' ', status, (SELECT count(*) FROM tocsin.commands"
                         "  WHERE kind = 'vote' AND applied_at IS NOT NULL))"
                         "  FROM tocsin.notifications WHERE seat = 'council/RU'"));
    th_stop(engine);
    th_db_drop(db);
}

static void test_delivery_left_by_a_killed_engine_is_made_by_the_next(void **state)
{
    (void)state;
    th_receiver_control(&webhook, "hang");
    char *db = crisis_db();
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--smtp", smtp_url, NULL});
    /* The webhook's request has reached the receiver, which holds it: the delivery is in flight. */
    wait_for_a_request();
    th_end(engine, SIGKILL);
    th_expect_value(db, "queued 0",
                    "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications"
                    " WHERE seat = 'council/RU'");

    /* Its lease ends (as if a minute had passed); the next engine delivers it, with the same id. */
    th_receiver_control(&webhook, "ok");
    th_exec(db, "UPDATE tocsin.notifications SET next_at = now() WHERE status = 'queued'");
    engine_once(db);
    th_expect_value(db, "sent 1",
                    "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications"
                    " WHERE seat = 'council/RU'");
    char *id = delivery_id(db, "council/RU");
    json_t *got = requests(id);
    assert_int_equal(json_array_size(got), 2);
    json_decref(got);
    free(id);
    th_db_drop(db);
}

static void test_delivery_hanging_receiver_holds_up_no_vote(void **state)
{
    (void)state;
    th_receiver_control(&webhook, "hang");
    char *db = crisis_db();
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--smtp", smtp_url, NULL});
    wait_for_a_request();
    /* While the webhook hangs (the deliverer gives it 10 s), a vote is applied: the CLI sees its result. */
    th_expect_tocsin(db, kz, 0, (const char *[]){"vote", "1", "approve", NULL}, "council/KZ approve by",
                     NULL); /* applied: a pending vote says so */
    th_expect_value(db, "queued 0",
                    "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications"
                    " WHERE seat = 'council/RU'");
    /* A stopping engine does not wait for it either: it leaves the delivery to its lease. */
    th_stop(engine);
    assert_true(wait_for(db, "queued 0", 0,
                         "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications"
                         " WHERE seat = 'council/RU'"));
    th_db_drop(db);
}

static void test_delivery_hanging_receiver_holds_up_no_other_delivery(void **state)
{
    (void)state;
    th_receiver_control(&webhook, ""); /* each path answers as it says: /hang never, /ok at once */
    char *db = crisis_db_with("/hang", "/ok");
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--smtp", smtp_url, NULL});
    static const char am[] =
        "SELECT string_agg(status, ',') FROM tocsin.notifications WHERE seat = 'council/AM'";
    assert_true(wait_for(db, "sent", 5000, am));
    /* Crisis 1's vote request to RU hangs (for the deliverer's 10 s); crisis 2's to AM goes meanwhile. */
    th_expect_tocsin(db, NULL, 0, (const char *[]){"trigger", "ladder", "--no-wait", NULL}, NULL, NULL);
    assert_true(wait_for(db, "sent,sent", 9000, am));
    th_expect_value(db, "queued 0",
                    "SELECT concat_ws(' ', status, attempts) FROM tocsin.notifications"
                    " WHERE seat = 'council/RU' AND crisis = 1");
    th_stop(engine);
    th_db_drop(db);
}

/* More than two takes' worth: the notifier records the outcomes of one take on its second connection while
 * it takes and sends the next; each delivery is made once and recorded once, and the chains hold. */
static void test_delivery_many_each_made_and_recorded_once(void **state)
{
    (void)state;
    th_receiver_control(&webhook, "ok");
    char *db = crisis_db();
    th_exec(db,
            "SELECT tocsin.trigger('ladder', NULL, NULL, NULL, ARRAY['AM','KZ','RU'], '{}', NULL)"
            "  FROM generate_series(1, 149)");
    engine_once(db);
    th_expect_value(db, "sent 1 300",
                    "SELECT concat_ws(' ', status, max(attempts), count(*)) FROM tocsin.notifications"
                    " WHERE channel <> 'none' GROUP BY status");
    json_t *got = requests(NULL);
    assert_int_equal(json_array_size(got), 150);
    json_decref(got);
    json_t *mail = th_receiver_entries(&smtp);
    assert_int_equal(json_array_size(mail), 150);
    json_decref(mail);
    th_expect_value(db, "150",
                    "SELECT count(DISTINCT delivery) FROM tocsin.notifications WHERE channel = 'webhook'");
    th_expect_value(
        db, "300 300",
        "SELECT concat_ws(' ', count(*), count(DISTINCT detail ->> 'notification')) FROM tocsin.audit"
        " WHERE kind = 'delivered'");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivery_by_email_and_webhook_says_what_to_do),
        cmocka_unit_test(test_delivery_down_then_up_loses_nothing),
        cmocka_unit_test(test_delivery_refusal_not_in_utf8_is_recorded),
        cmocka_unit_test(test_delivery_recorded_wakes_the_engine),
        cmocka_unit_test(test_delivery_left_by_a_killed_engine_is_made_by_the_next),
        cmocka_unit_test(test_delivery_hanging_receiver_holds_up_no_vote),
        cmocka_unit_test(test_delivery_hanging_receiver_holds_up_no_other_delivery),
        cmocka_unit_test(test_delivery_many_each_made_and_recorded_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
