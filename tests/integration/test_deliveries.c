/*
 * The engine's side of delivering notifications, called directly through the
 * store as an engine would (engine/store/deliveries.h) against a real server:
 * take_deliveries leases what is due (two engines get disjoint deliveries,
 * and a lease that ends makes a delivery due again); record_deliveries marks
 * deliveries sent, queued again or failed in one statement (an unknown one
 * refused on its own), counts the attempt and appends
 * `delivered` or `delivery_failed` to the crisis's audit, whose chain still
 * verifies; only an engine may call them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"
#include "store/deliveries.h"

#define WEBHOOK "https://hooks.example.com/services/T000/B000/secret-token"

static const char ladder[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"ladder\", \"title\": \"A ladder for the delivery "
    "tests\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\"],\n"
    " \"roles\": {\"council\": {\"title\": \"Council\", \"per_party\": true}},\n"
    " \"start\": \"vote\",\n"
    " \"states\": {\n"
    "  \"vote\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": \"all\"},\n"
    "           \"rule\": \"consensus\", \"next\": {\"approved\": \"done\", \"rejected\": \"done\"}},\n"
    "  \"done\": {\"type\": \"end\"}}}\n";

static char engine_role[64];

/* A crisis whose vote was requested of three seats: KZ by e-mail, RU by e-mail and webhook (three queued
 * deliveries), AM with no contact. */
static char *outbox_db(void)
{
    char *db = th_db_create();
    char *dir = th_tempdir();
    th_write_file(dir, "ladder.json", ladder);
    char path[4200];
    snprintf(path, sizeof path, "%s/ladder.json", dir);
    th_run_ok(db, (const char *[]){"playbook", "load", path, NULL});
    th_rmtree(dir);
    free(dir);
    th_run_ok(db, (const char *[]){"contact", "add", "council/KZ", "--email", "duty@mfa.kz", NULL});
    th_run_ok(db, (const char *[]){"contact", "add", "council/RU", "--email", "duty@mid.ru", NULL});
    th_run_ok(db, (const char *[]){"contact", "add", "council/RU", "--webhook", WEBHOOK, NULL});
    th_run_ok(db, (const char *[]){"trigger", "ladder", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});
    th_expect_value(db, "3", "SELECT count(*) FROM tocsin.notifications WHERE status = 'queued'");
    snprintf(engine_role, sizeof engine_role, "deliverer_%ld", (long)getpid());
    char sql[512];
    snprintf(sql, sizeof sql,
             "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN"
             " CREATE ROLE %s LOGIN IN ROLE tocsin_engine; END IF; END $$",
             engine_role, engine_role);
    th_exec(db, sql);
    return db;
}

static PGconn *as_engine(const char *db)
{
    char *info = th_conninfo_as(db, engine_role);
    PGconn *conn = th_connect(info);
    free(info);
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

static int has(const tc_outbox_delivery *d, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].id, id) == 0)
            return 1;
    return 0;
}

static void test_deliveries_take_leases_disjoint_rows(void **state)
{
    (void)state;
    char *db = outbox_db();
    PGconn *a = as_engine(db), *b = as_engine(db);
    tc_outbox_delivery *da = NULL, *db_ = NULL, *dc = NULL;
    size_t na = 0, nb = 0, nc = 0;
    tc_error err;
    tc_error_init(&err);

    /* Two engines at once: the first holds two rows until it commits, the second skips them. */
    exec_ok(a, "BEGIN");
    assert_int_equal(tc_store_take_deliveries(a, 2, 60, &da, &na, &err), 0);
    assert_int_equal(na, 2);
    assert_int_equal(tc_store_take_deliveries(b, 10, 60, &db_, &nb, &err), 0);
    assert_int_equal(nb, 1);
    assert_false(has(da, na, db_[0].id));
    exec_ok(a, "COMMIT");
    /* Leased: nobody takes them again before the lease ends. */
    assert_int_equal(tc_store_take_deliveries(b, 10, 60, &dc, &nc, &err), 0);
    assert_int_equal(nc, 0);
    th_expect_value(db, "3",
                    "SELECT count(*) FROM tocsin.notifications WHERE next_at > now() + interval '50 s'");

    /* What a deliverer needs. */
    tc_outbox_delivery *all[2] = {da, db_};
    size_t counts[2] = {na, nb};
    int webhooks = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            const tc_outbox_delivery *d = &all[k][i];
            assert_int_equal(strlen(d->id), 36);
            assert_int_equal(d->crisis, 1);
            assert_int_equal(d->attempts, 0);
            assert_string_equal(json_string_value(json_object_get(d->payload, "state")), "vote");
            if (strcmp(d->channel, "webhook") == 0) {
                webhooks++;
                assert_string_equal(d->address, WEBHOOK);
                assert_string_equal(d->format, "json");
            } else {
                assert_null(d->format);
            }
        }
    assert_int_equal(webhooks, 1);

    /* A lease that ends (its engine died) makes the delivery due again. */
    th_exec(db, "UPDATE tocsin.notifications SET next_at = now() - interval '1 s' WHERE status = 'queued'");
    assert_int_equal(tc_store_take_deliveries(b, 10, 60, &dc, &nc, &err), 0);
    assert_int_equal(nc, 3);
    tc_outbox_deliveries_free(da, na);
    tc_outbox_deliveries_free(db_, nb);
    tc_outbox_deliveries_free(dc, nc);

    /* Only an engine takes deliveries. */
    char *none = th_sql_as(db, "tocsin", "SET ROLE tocsin_actor",
                           "SELECT count(*) FROM tocsin.take_deliveries(10, 60)", "permission denied");
    free(none);
    tc_error_init(&err);
    assert_int_equal(tc_store_take_deliveries(a, 0, 60, &dc, &nc, &err), TC_EINVAL);
    PQfinish(a);
    PQfinish(b);
    th_db_drop(db);
}

static void test_deliveries_record_writes_the_audit(void **state)
{
    (void)state;
    char *db = outbox_db();
    PGconn *conn = as_engine(db);
    tc_outbox_delivery *d = NULL;
    size_t n = 0;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_store_take_deliveries(conn, 10, 60, &d, &n, &err), 0);
    assert_int_equal(n, 3);
    const tc_outbox_delivery *mail = NULL, *hook = NULL, *other = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(d[i].channel, "webhook") == 0)
            hook = &d[i];
        else if (mail == NULL)
            mail = &d[i];
        else
            other = &d[i];
    }
    assert_non_null(mail);
    assert_non_null(hook);
    assert_non_null(other);

    /* Sent, failed to be tried again, failed for good, and one unknown: recorded in one statement, the
     * unknown one refused on its own. */
    const tc_delivery_outcome outcomes[] = {
        {mail->id, 1, NULL, 0},
        {"00000000-0000-0000-0000-000000000000", 1, NULL, 0},
        {hook->id, 0, "HTTP 500 from hooks.example.com", (int64_t)4102444800000 /* 2100-01-01 */},
        {other->id, 0, "550 no such user", 0},
    };
    tc_error results[4];
    assert_int_equal(tc_store_record_deliveries(conn, outcomes, 4, results, &err), 0);
    assert_int_equal(results[0].code, 0);
    assert_int_equal(results[1].code, TC_ENOTFOUND);
    assert_string_equal(results[1].text, "no delivery 00000000-0000-0000-0000-000000000000");
    assert_int_equal(results[2].code, 0);
    assert_int_equal(results[3].code, 0);
    th_expect_value(db, "sent 1 true",
                    "SELECT status || ' ' || attempts || ' ' || (sent_at IS NOT NULL)"
                    "  FROM tocsin.notifications WHERE delivery = '%s'",
                    mail->id);
    /* Failed, to be tried again: queued, with its error and when. */
    th_expect_value(
        db, "queued 1 HTTP 500 from hooks.example.com 2100",
        "SELECT status || ' ' || attempts || ' ' || last_error || ' ' || extract(year FROM next_at)"
        "  FROM tocsin.notifications WHERE delivery = '%s'",
        hook->id);
    /* Failed for good. */
    th_expect_value(db, "failed 1 false",
                    "SELECT status || ' ' || attempts || ' ' || (next_at IS NOT NULL)"
                    "  FROM tocsin.notifications WHERE delivery = '%s'",
                    other->id);
    /* Each attempt's end is in the audit: the delivery's id, the channel, the address (a webhook's to
     * its host), the error. */
    th_expect_value(db, "delivered email duty@",
                    "SELECT kind || ' ' || (detail ->> 'channel') || ' ' || left(detail ->> 'address', 5)"
                    "  FROM tocsin.audit WHERE detail ->> 'notification' = '%s'",
                    mail->id);
    th_expect_value(
        db, "delivery_failed webhook https://hooks.example.com/… HTTP 500 from hooks.example.com t",
        "SELECT concat_ws(' ', kind, detail ->> 'channel', detail ->> 'address', detail ->> 'error',"
        "  detail ? 'retry_at') FROM tocsin.audit WHERE detail ->> 'notification' = '%s'",
        hook->id);
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit WHERE detail::text LIKE '%%secret-token%%'");
    th_expect_value(
        db, "1",
        "SELECT count(*) FROM tocsin.audit WHERE kind = 'delivery_failed' AND NOT detail ? 'retry_at'");
    /* The chain holds, and the timeline says it. */
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "1", NULL}, "delivered email to council/", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"notifications", "1", NULL}, "550 no such user", NULL);

    /* Recorded already: a conflict, which says so; unknown: not found. */
    tc_error_init(&err);
    assert_int_equal(tc_store_record_delivery(conn, &outcomes[0], &err), TC_ECONFLICT);
    char want[128];
    snprintf(want, sizeof want, "delivery %s is sent already", mail->id);
    assert_string_equal(err.text, want);
    tc_error_init(&err);
    assert_int_equal(tc_store_record_delivery(conn, &outcomes[1], &err), TC_ENOTFOUND);
    /* Malformed outcomes, or one delivery twice, record nothing. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT * FROM tocsin.record_deliveries('[{\"delivery\": \"%s\", \"ok\": \"yes\"}]')", hook->id);
    free(th_sql_as(db, "tocsin", "SET ROLE tocsin_engine", sql, "needs an array of"));
    snprintf(sql, sizeof sql,
             "SELECT * FROM tocsin.record_deliveries('[{\"delivery\": \"%s\", \"ok\": false,"
             " \"next_at_ms\": 4102444800000}, {\"delivery\": \"%s\", \"ok\": true}]')",
             hook->id, hook->id);
    free(th_sql_as(db, "tocsin", "SET ROLE tocsin_engine", sql, "one delivery twice"));
    th_expect_value(db, "1", "SELECT attempts FROM tocsin.notifications WHERE delivery = '%s'", hook->id);
    /* Only an engine records deliveries. */
    snprintf(sql, sizeof sql,
             "SELECT * FROM tocsin.record_deliveries('[{\"delivery\": \"%s\", \"ok\": true}]')", hook->id);
    char *none = th_sql_as(db, "tocsin", "SET ROLE tocsin_actor", sql, "permission denied");
    free(none);
    tc_outbox_deliveries_free(d, n);
    PQfinish(conn);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deliveries_take_leases_disjoint_rows),
        cmocka_unit_test(test_deliveries_record_writes_the_audit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
