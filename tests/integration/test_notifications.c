/*
 * Contacts and the outbox of notifications (issue 17), against a real server:
 * contact add/list/remove and their refusals (a bad address, URL, format or
 * zone: exit 3 and nothing stored; anyone but tocsin_admin: exit 5); the
 * outbox commit_batch writes with the transition: one delivery per contact of
 * each notified seat, only the seats that have not acted, 'no contact' for a
 * seat without one, and still there after an engine killed right after its
 * commit; `notifications ID` with its JSON keys, a webhook's URL redacted for
 * those who are not tocsin_admin, and no answer for a crisis one may not read.
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

#define WEBHOOK "https://hooks.example.com/services/T000/B000/secret-token"

static const char ladder[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"ladder\", \"title\": \"A ladder for the outbox "
    "tests\",\n"
    " \"parties\": [\"AM\", \"KZ\", \"RU\"],\n"
    " \"roles\": {\"secretariat\": {\"title\": \"Secretariat\"},\n"
    "           \"council\": {\"title\": \"Council\", \"per_party\": true}},\n"
    " \"start\": \"vote\",\n"
    " \"states\": {\n"
    "  \"vote\": {\"type\": \"approval\", \"title\": \"Deploy the force?\",\n"
    "           \"approvers\": {\"role\": \"council\", \"parties\": \"all\"}, \"rule\": \"consensus\",\n"
    "           \"deadline\": \"P1D\",\n"
    "           \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\"]}]},\n"
    "           \"next\": {\"approved\": \"done\", \"rejected\": \"done\", \"timeout\": \"done\"}},\n"
    "  \"done\": {\"type\": \"end\"}}}\n";

/* A database with the ladder playbook and contacts on council/KZ (e-mail) and council/RU (e-mail and a
 * webhook); none on council/AM. */
static char *ladder_db(void)
{
    char *db = th_db_create();
    char *dir = th_tempdir();
    th_write_file(dir, "ladder.json", ladder);
    char path[4200];
    snprintf(path, sizeof path, "%s/ladder.json", dir);
    th_run_ok(db, (const char *[]){"playbook", "load", path, NULL});
    th_rmtree(dir);
    free(dir);
    th_run_ok(db, (const char *[]){"contact", "add", "council/KZ", "--email", "duty@mfa.kz", "--tz",
                                   "Asia/Almaty", NULL});
    th_run_ok(db, (const char *[]){"contact", "add", "council/RU", "--email", "duty@mid.ru", NULL});
    th_run_ok(db, (const char *[]){"contact", "add", "council/RU", "--webhook", WEBHOOK, "--format", "slack",
                                   NULL});
    return db;
}

static void vote(const char *db, const char *party)
{
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES (1, 'vote', 'delegate_%s',"
        " 'delegate_%s', jsonb_build_object('party', '%s', 'vote', 'approve'));"
        "INSERT INTO tocsin.seats VALUES ('delegate_%s', 'council/%s') ON CONFLICT DO NOTHING",
        party, party, party, party, party);
    th_exec(db, sql);
}

static void test_notifications_contacts_add_list_remove(void **state)
{
    (void)state;
    char *db = th_db_create();
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"contact", "add", "council/KZ", "--email", "duty@mfa.kz", "--tz",
                                      "Asia/Almaty", NULL},
                     "contact added", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"contact", "add", "council", "--webhook", WEBHOOK, NULL},
                     NULL, NULL);
    /* Refusals: exit 3, nothing stored. */
    static const char *const bad[][8] = {
        {"contact", "add", "council/KZ", "--email", "not an address", NULL},
        {"contact", "add", "council/KZ", "--email", "duty@mfa.kz\r\nBcc: all@example.com", NULL},
        {"contact", "add", "council/KZ", "--email", "a@b@c", NULL},
        {"contact", "add", "council/KZ", "--webhook", "ftp://hooks.example.com/x", NULL},
        {"contact", "add", "council/KZ", "--webhook", "https://hooks.example.com/a b", NULL},
        {"contact", "add", "council/KZ", "--webhook", "https://user:pw@hooks.example.com/x", NULL},
        {"contact", "add", "council/KZ", "--webhook", "https://hooks.example.com/x", "--format", "xml", NULL},
        {"contact", "add", "council/KZ", "--email", "x@mfa.kz", "--tz", "Mars/Olympus_Mons", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        th_expect_tocsin(db, NULL, 3, bad[i], NULL, NULL);
    th_expect_tocsin(db, NULL, 3,
                     (const char *[]){"contact", "add", "council/KZ", "--email", "x@mfa.kz", "--tz",
                                      "Nowhere; DROP", NULL},
                     NULL, "time zone");
    /* The refusal of a webhook names its host only. */
    th_expect_tocsin(db, NULL, 3,
                     (const char *[]){"contact", "add", "council/KZ", "--webhook",
                                      "https://hooks.example.com/sec ret", NULL},
                     NULL, "https://hooks.example.com/…");
    th_expect_value(db, "2", "SELECT count(*) FROM tocsin.contacts");
    /* The database refuses what the CLI would, for callers that are not the CLI. */
    char *none = th_sql_as(db, "tocsin", NULL,
                           "SELECT tocsin.contact_add('council/KZ', 'email', 'not an address', NULL, NULL)",
                           "invalid e-mail address");
    free(none);
    none = th_sql_as(db, "tocsin", NULL,
                     "SELECT tocsin.contact_add('council/KZ', 'webhook', 'javascript:x', NULL, NULL)",
                     "invalid webhook");
    free(none);
    /* The same address twice: a conflict. */
    th_expect_tocsin(db, NULL, 6,
                     (const char *[]){"contact", "add", "council/KZ", "--email", "duty@mfa.kz", NULL}, NULL,
                     "already has");

    th_run r;
    th_tocsin(&r, db, (const char *[]){"contact", "list", "--json", NULL});
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    json_t *list = json_object_get(doc, "contacts");
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "seat")), "council");
    assert_string_equal(json_string_value(json_object_get(first, "format")), "json");
    assert_string_equal(json_string_value(json_object_get(first, "address")), WEBHOOK);
    json_t *second = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(second, "tz")), "Asia/Almaty");
    assert_non_null(json_string_value(json_object_get(second, "added_by")));
    json_decref(doc);
    th_run_free(&r);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"contact", "list", "council/KZ", NULL}, "duty@mfa.kz",
                     NULL);

    /* Only tocsin_admin manages or reads contacts. */
    char role[64];
    snprintf(role, sizeof role, "contact_kz_%ld", (long)getpid());
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", role, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, role, 5,
                     (const char *[]){"contact", "add", "council/KZ", "--email", "me@mfa.kz", NULL}, NULL,
                     "permission denied");
    th_expect_tocsin(db, role, 5, (const char *[]){"contact", "list", NULL}, NULL, NULL);
    th_expect_tocsin(db, role, 5, (const char *[]){"contact", "remove", "council/KZ", NULL}, NULL, NULL);
    none = th_sql_as(db, role, NULL, "SELECT address FROM tocsin.contacts", "permission denied");
    free(none);
    th_expect_value(db, "2", "SELECT count(*) FROM tocsin.contacts");

    th_expect_tocsin(db, NULL, 0, (const char *[]){"contact", "remove", "council/KZ", "duty@mfa.kz", NULL},
                     "1 contact removed", NULL);
    th_expect_tocsin(db, NULL, 4, (const char *[]){"contact", "remove", "council/KZ", NULL}, NULL,
                     "no contact");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"contact", "remove", "council", NULL}, NULL, NULL);
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.contacts");
    th_db_drop(db);
}

static void test_notifications_outbox_tells_only_non_responders(void **state)
{
    (void)state;
    char *db = ladder_db();
    th_run_ok(db, (const char *[]){"trigger", "ladder", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});
    /* The vote requested of every seat: one delivery per contact, 'no contact' for AM. */
    th_expect_value(
        db,
        "council/AM none no contact 0|council/KZ email queued 0|council/RU email queued 0|"
        "council/RU webhook queued 0",
        "SELECT string_agg(seat || ' ' || channel || ' ' || status || ' ' || level, '|' ORDER BY seat, "
        "channel)"
        "  FROM tocsin.notifications");
    vote(db, "KZ");
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});
    th_exec(db, "UPDATE tocsin.timers SET due = now() WHERE key = 'vote#1:level1'");
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.escalations");
    /* Level 1: KZ voted and is not told; RU by both its contacts; AM has none. */
    th_expect_value(db, "council/AM none no contact|council/RU email queued|council/RU webhook queued",
                    "SELECT string_agg(seat || ' ' || channel || ' ' || status, '|' ORDER BY seat, channel)"
                    "  FROM tocsin.notifications WHERE level = 1");
    /* Each delivery names its audit event, and its payload what to say to that seat. */
    th_expect_value(
        db, "3",
        "SELECT count(*) FROM tocsin.notifications n JOIN tocsin.audit a ON a.crisis = n.crisis AND a.seq ="
        " n.audit_seq WHERE n.level = 1 AND a.kind = 'notified' AND a.detail ->> 'why' = 'escalated'"
        "  AND NOT a.detail ? 'notices'");
    th_expect_value(
        db,
        "1|Deploy the force?|ladder|vote|council/RU|escalated|1|unknown|actual|t|tocsin vote 1 "
        "approve|reject|abstain --state vote --party RU",
        "SELECT concat_ws('|', payload ->> 'crisis', payload ->> 'state_title', payload ->> 'playbook',"
        "  payload ->> 'state', payload ->> 'seat', payload ->> 'why', payload ->> 'level', payload ->> "
        "'severity',"
        "  payload ->> 'mode', payload ->> 'deadline' LIKE '____-__-__T__:__:__%%Z', payload ->> 'act')"
        "  FROM tocsin.notifications WHERE level = 1 AND channel = 'email'");
    th_expect_value(db, "t",
                    "SELECT payload ? 'title' AND payload ? 'deadline' FROM tocsin.notifications LIMIT 1");
    th_expect_value(db, "council/RU webhook " WEBHOOK " slack",
                    "SELECT concat_ws(' ', seat, channel, address, format) FROM tocsin.notifications"
                    " WHERE level = 1 AND channel = 'webhook'");
    th_expect_value(db, "Asia/Almaty", "SELECT tz FROM tocsin.notifications WHERE seat = 'council/KZ'");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, NULL, NULL);
    th_db_drop(db);
}

static void test_notifications_outbox_survives_an_engine_killed_after_its_commit(void **state)
{
    (void)state;
    char *db = ladder_db();
    th_run_ok(db, (const char *[]){"trigger", "ladder", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});
    th_exec(db, "UPDATE tocsin.timers SET due = now() + interval '300 ms' WHERE key = 'vote#1:level1'");
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--no-deliveries", NULL});
    char *escalated = NULL;
    for (int i = 0; i < 300; i++) {
        escalated = th_query_value(db, "SELECT count(*) FROM tocsin.escalations");
        if (escalated && strcmp(escalated, "1") == 0)
            break;
        free(escalated);
        escalated = NULL;
        th_sleep_ms(10);
    }
    th_end(engine, SIGKILL);
    assert_non_null(escalated);
    free(escalated);
    /* The deliveries were committed with the escalation: queued for whoever delivers next. */
    th_expect_value(db, "4|3",
                    "SELECT count(*) || '|' || count(*) FILTER (WHERE status = 'queued')"
                    "  FROM tocsin.notifications WHERE level = 1");
    th_db_drop(db);
}

static void test_notifications_json_and_who_reads_them(void **state)
{
    (void)state;
    char *db = ladder_db();
    th_run_ok(db, (const char *[]){"trigger", "ladder", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", "--no-deliveries", NULL});

    th_run r;
    th_tocsin(&r, db, (const char *[]){"notifications", "1", "--json", NULL});
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    json_t *list = json_object_get(doc, "notifications");
    assert_int_equal(json_array_size(list), 4);
    static const char *const keys[] = {"id",      "at",     "state",    "level",      "seat",   "channel",
                                       "address", "status", "attempts", "last_error", "sent_at"};
    size_t i;
    json_t *n;
    int webhooks = 0;
    json_array_foreach(list, i, n)
    {
        assert_int_equal(json_object_size(n), sizeof keys / sizeof keys[0]);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            assert_non_null(json_object_get(n, keys[k]));
        assert_int_equal(strlen(json_string_value(json_object_get(n, "id"))), 36); /* a uuid */
        if (strcmp(json_string_value(json_object_get(n, "channel")), "webhook") == 0) {
            assert_string_equal(json_string_value(json_object_get(n, "address")), WEBHOOK); /* an admin */
            webhooks++;
        }
    }
    assert_int_equal(webhooks, 1);
    json_decref(doc);
    th_run_free(&r);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"notifications", "1", NULL}, "no contact", NULL);

    /* A delegate reads them, a webhook only as far as its host; an observer of another organisation
     * is told there is no such crisis. */
    char kz[64], outsider[64];
    snprintf(kz, sizeof kz, "notify_kz_%ld", (long)getpid());
    snprintf(outsider, sizeof outsider, "notify_outsider_%ld", (long)getpid());
    th_run_ok(db, (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL});
    th_run_ok(db, (const char *[]){"actor", "add", outsider, "--observer", "INTERPOL", "--login", NULL});
    th_expect_tocsin(db, kz, 0, (const char *[]){"notifications", "1", "--json", NULL},
                     "\"https://hooks.example.com/…\"", NULL);
    char *info = th_conninfo_as(db, kz);
    th_tocsin(&r, info, (const char *[]){"notifications", "1", "--json", NULL});
    assert_false(th_contains(r.out, "secret-token"));
    th_run_free(&r);
    free(info);
    char *none = th_sql_as(db, kz, NULL, "SELECT count(*) FROM tocsin.notifications", "permission denied");
    free(none);
    th_expect_tocsin(db, outsider, 4, (const char *[]){"notifications", "1", NULL}, NULL, "no crisis 1");
    th_expect_tocsin(db, NULL, 4, (const char *[]){"notifications", "99", NULL}, NULL, "no crisis 99");
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notifications_contacts_add_list_remove),
        cmocka_unit_test(test_notifications_outbox_tells_only_non_responders),
        cmocka_unit_test(test_notifications_outbox_survives_an_engine_killed_after_its_commit),
        cmocka_unit_test(test_notifications_json_and_who_reads_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
