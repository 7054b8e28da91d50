/*
 * Signed decisions against a real server and a running engine
 * (docs/signatures.md): a state with "signatures": "required" refuses an
 * unsigned vote, a vote signed with another seat's key, a revoked key or a
 * key file others may read, at submission and with nothing recorded; a
 * signature replayed on another crisis, or made for another visit, is
 * refused by the database; a forged one (which only the engine can tell) is
 * refused by the engine and audited; a key revoked between submission and
 * application is refused by the engine too. Signed votes and completions
 * carry their signature into the audit, inside the chain: a superuser who
 * changes it breaks the chain.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/machine/signature.h"
#include "harness.h"
#include "sign/key.h"

static char *db;
static th_proc *engine;
static char kz[64], ru[64], duty[64], dir[64], kz_key[128], ru_key[128], duty_key[128];

static void key_for(const char *role, char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s.key", dir, name);
    tc_signing_key key;
    tc_error err;
    tc_error_init(&err);
    if (tc_key_generate(path, &key, &err) != 0)
        fail_msg("%s", err.text);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"key", "register", role, key.public_text, NULL}, NULL,
                     NULL);
    tc_key_wipe(&key);
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    th_playbook_load(db, "tests/data/playbooks/valid/signed.json");
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    snprintf(kz, sizeof kz, "sig_kz_%ld", (long)getpid());
    snprintf(ru, sizeof ru, "sig_ru_%ld", (long)getpid());
    snprintf(duty, sizeof duty, "sig_duty_%ld", (long)getpid());
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", ru, "--seat", "council/RU", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", duty, "--seat", "secretariat", "--login", NULL}, NULL,
                     NULL);
    snprintf(dir, sizeof dir, "/tmp/tocsin-sig-XXXXXX");
    assert_non_null(mkdtemp(dir));
    key_for(kz, kz_key, sizeof kz_key, "kz");
    key_for(ru, ru_key, sizeof ru_key, "ru");
    key_for(duty, duty_key, sizeof duty_key, "duty");
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (engine != NULL)
        th_stop(engine);
    th_db_drop(db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *trigger(const char *playbook)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"trigger", playbook, "--parties", "KZ,RU", NULL});
    assert_int_equal(r.status, 0);
    char *id = strndup(r.out, strcspn(r.out, "\n"));
    th_run_free(&r);
    /* The engine has entered the approval once show lists it. */
    for (int i = 0; i < 100; i++) {
        char *n = th_query_value(db,
                                 "SELECT count(*) FROM tocsin.audit WHERE kind = 'entered' AND state IN "
                                 "('decide', 'consensus') AND crisis = (SELECT max(id) FROM tocsin.crises)");
        int entered = n && atoi(n) > 0;
        free(n);
        if (entered)
            break;
        usleep(50 * 1000);
    }
    return id;
}

/* tocsin --as role [--sign-with key] ARGS..., expecting status and err in stderr. */
static void signed_as(const char *role, const char *key, int status, const char *const *args, const char *err)
{
    const char *argv[16];
    size_t n = 0;
    if (key != NULL) {
        argv[n++] = "--sign-with";
        argv[n++] = key;
    }
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    th_expect_tocsin(db, role, status, argv, NULL, err);
}

static long long commands_of(const char *id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tocsin.commands WHERE crisis = %s", id);
    char *v = th_query_value(db, sql);
    long long n = atoll(v);
    free(v);
    return n;
}

static void test_signatures_required_and_kept(void **state)
{
    (void)state;
    char *id = trigger("signed");
    long long before = commands_of(id);
    /* Refused at submission, nothing recorded: no signature, another seat's key, a key file others read. */
    signed_as(kz, NULL, 5, (const char *[]){"approve", id, NULL}, "takes only signed commands");
    signed_as(kz, ru_key, 5, (const char *[]){"approve", id, NULL},
              "a command is signed by the role that acts");
    char open_key[160];
    snprintf(open_key, sizeof open_key, "%s/open.key", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp %s %s && chmod 0644 %s", kz_key, open_key, open_key);
    assert_int_equal(system(cmd), 0);
    signed_as(kz, open_key, 3, (const char *[]){"approve", id, NULL}, "chmod 600");
    signed_as(kz, kz_key, 2, (const char *[]){"cancel", id, "--reason", "r", NULL},
              "--sign-with signs votes");
    assert_int_equal(commands_of(id), before);

    /* Signed: applied, the signature kept with the command and its audit event, inside the chain. */
    signed_as(kz, kz_key, 0, (const char *[]){"approve", id, "--reason", "for Kazakhstan", NULL}, NULL);
    signed_as(ru, ru_key, 0, (const char *[]){"approve", id, "--key", "ru-1", NULL}, NULL);
    signed_as(duty, duty_key, 0,
              (const char *[]){"complete", id, "--data", "{\"summary\": \"done\", \"posts\": 4}", NULL},
              NULL);
    th_expect_value(db, "closed", "SELECT status FROM tocsin.crises WHERE id = %s", id);
    th_expect_value(db, "vote vote completed",
                    "SELECT string_agg(kind, ' ' ORDER BY seq) FROM tocsin.audit WHERE crisis = %s"
                    " AND signature IS NOT NULL",
                    id);
    th_expect_value(db, "3",
                    "SELECT count(*) FROM tocsin.commands WHERE crisis = %s AND signature IS NOT NULL", id);
    /* The signed text says what happened: the key, the seat, the visit. */
    char *text =
        th_query_value(db,
                       "SELECT signature ->> 'signed' FROM tocsin.audit"
                       " WHERE kind = 'vote' AND detail ->> 'party' = 'RU'"
                       " AND crisis = (SELECT max(id) FROM tocsin.crises WHERE playbook = 'signed')");
    assert_non_null(strstr(text, "\nseat \"council/RU\"\n"));
    assert_non_null(strstr(text, "\nkey \"ru-1\"\n"));
    assert_non_null(strstr(text, "\nvisit 1\n"));
    free(text);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", id, NULL}, "every chain holds", NULL);
    /* A superuser who swaps the signature breaks the chain. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "ALTER TABLE tocsin.audit DISABLE TRIGGER audit_immutable;"
             " UPDATE tocsin.audit SET signature = jsonb_set(signature, '{key_id}', '\"0000000000000000\"')"
             "  WHERE crisis = %s AND kind = 'completed';"
             " ALTER TABLE tocsin.audit ENABLE TRIGGER audit_immutable",
             id);
    th_exec(db, sql);
    th_expect_tocsin(db, NULL, 1, (const char *[]){"audit", "verify", id, NULL}, NULL, "broken chain");
    free(id);
}

/* A signature taken from one command and sent with another: the database compares every field. */
static void test_signatures_replayed_or_made_for_another_visit(void **state)
{
    (void)state;
    char *first = trigger("signed");
    signed_as(kz, kz_key, 0, (const char *[]){"approve", first, NULL}, NULL);
    char *second = trigger("signed");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.submit(%s, 'vote', '{\"state\": \"decide\", \"party\": \"KZ\", \"vote\": "
             "\"approve\"}',"
             " NULL, true, (SELECT signature FROM tocsin.commands WHERE crisis = %s AND kind = 'vote'))",
             second, first);
    free(th_sql_as(db, kz, NULL, sql, "does not cover this command: it signs crisis"));

    /* Made, and signed with the right key, for a visit other than the state's. */
    char sha[65];
    char *v = th_query_value(db, "SELECT sha256 FROM tocsin.playbooks WHERE name = 'signed'");
    snprintf(sha, sizeof sha, "%s", v);
    free(v);
    tc_signed_command c = {.crisis = atoll(second),
                           .playbook_sha256 = sha,
                           .state = "decide",
                           .visit = 2,
                           .seat = "council/KZ",
                           .kind = "vote",
                           .value = "approve",
                           .signed_at = "2026-12-05T09:00:00.000Z"};
    char *text = tc_signed_command_text(&c);
    tc_signing_key key;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_key_load(kz_key, &key, &err), 0);
    char signature[TC_SIGNATURE_TEXT_SIZE];
    tc_key_sign(&key, text, strlen(text), signature);
    json_t *sig = json_pack("{s:s, s:s, s:s}", "key_id", key.id, "signed", text, "signature", signature);
    char *sig_text = json_dumps(sig, JSON_COMPACT);
    char *info = th_conninfo_as(db, kz);
    PGconn *conn = th_connect(info);
    free(info);
    const char *params[2] = {second, sig_text};
    PGresult *res =
        PQexecParams(conn,
                     "SELECT tocsin.submit($1::bigint, 'vote', '{\"state\": \"decide\", \"party\": \"KZ\","
                     " \"vote\": \"approve\"}', NULL, true, $2::jsonb)",
                     2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK || strstr(PQresultErrorMessage(res), "it signs visit") == NULL)
        fail_msg("a signature for visit 2: %s", PQresultErrorMessage(res));
    PQclear(res);

    /* The same text for visit 1, but a signature that is not the key's: only the engine can tell. */
    c.visit = 1;
    free(text);
    text = tc_signed_command_text(&c);
    tc_key_sign(&key, "something else", 14, signature);
    json_decref(sig);
    sig = json_pack("{s:s, s:s, s:s}", "key_id", key.id, "signed", text, "signature", signature);
    free(sig_text);
    sig_text = json_dumps(sig, JSON_COMPACT);
    params[1] = sig_text;
    res = PQexecParams(
        conn,
        "SELECT seq FROM tocsin.submit($1::bigint, 'vote', '{\"state\": \"decide\", \"party\": \"KZ\","
        " \"vote\": \"approve\"}', NULL, true, $2::jsonb)",
        2, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    PQfinish(conn);
    th_await_value(
        db, "refused", 10000,
        "SELECT coalesce(max(result), 'pending') FROM tocsin.commands WHERE crisis = %s AND kind = 'vote'",
        second);
    th_expect_value(db, "1",
                    "SELECT count(*) FROM tocsin.audit WHERE crisis = %s AND kind = 'refused'"
                    " AND detail ->> 'reason' LIKE '%%does not verify%%'",
                    second);
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.votes WHERE crisis = %s", second);
    tc_key_wipe(&key);
    json_decref(sig);
    free(sig_text);
    free(text);
    free(first);
    free(second);
}

/* A key revoked: refused at submission; revoked between submission and application: refused by the engine. */
static void test_signatures_revoked_keys(void **state)
{
    (void)state;
    char *id = trigger("signed");
    th_stop(engine);
    engine = NULL;
    signed_as(kz, kz_key, 0, (const char *[]){"approve", id, "--no-wait", NULL}, NULL);
    char *key_id = th_query_value(db,
                                  "SELECT signature ->> 'key_id' FROM tocsin.commands WHERE kind = 'vote'"
                                  " ORDER BY seq DESC LIMIT 1");
    th_expect_tocsin(db, kz, 0, (const char *[]){"key", "revoke", kz, key_id, NULL}, NULL, NULL);
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    th_await_value(
        db, "refused", 10000,
        "SELECT coalesce(max(result), 'pending') FROM tocsin.commands WHERE crisis = %s AND kind = 'vote'",
        id);
    th_expect_value(db, "1",
                    "SELECT count(*) FROM tocsin.audit WHERE crisis = %s AND kind = 'refused'"
                    " AND detail ->> 'reason' LIKE '%%has been revoked%%'",
                    id);
    signed_as(kz, kz_key, 5, (const char *[]){"approve", id, NULL}, "is not registered and in force");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", id, NULL}, NULL, NULL);
    free(key_id);
    free(id);
}

/* A state that does not require signatures takes a signed vote all the same, and checks it. */
/*
 * Commands written past submit() by a superuser: the engine checks them on
 * its own, against the acting role's keys and the playbook version it
 * applies. KZ's vote signed (over KZ's text) with RU's key is not KZ's key;
 * one whose text names another version of the playbook does not cover the
 * command. Both refused and audited, no vote recorded.
 */
static void test_signatures_written_past_submit(void **state)
{
    (void)state;
    char *sha = th_query_value(db, "SELECT sha256 FROM tocsin.playbooks WHERE name = 'signed'");
    char kz_fresh[128]; /* KZ's first key may have been revoked by now */
    key_for(kz, kz_fresh, sizeof kz_fresh, "kz-fresh");
    static const char *const reasons[] = {"is not registered to", "it signs playbook_sha256"};
    for (int i = 0; i < 2; i++) {
        char *id = trigger("signed");
        tc_signed_command c = {
            .crisis = atoll(id),
            .playbook_sha256 = i ? "0000000000000000000000000000000000000000000000000000000000000000" : sha,
            .state = "decide",
            .visit = 1,
            .seat = "council/KZ",
            .kind = "vote",
            .value = "approve",
            .signed_at = "2026-12-05T09:00:00.000Z"};
        char *text = tc_signed_command_text(&c), signature[TC_SIGNATURE_TEXT_SIZE];
        tc_signing_key key;
        tc_error err;
        tc_error_init(&err);
        assert_int_equal(tc_key_load(i ? kz_fresh : ru_key, &key, &err), 0);
        tc_key_sign(&key, text, strlen(text), signature);
        json_t *sig = json_pack("{s:s, s:s, s:s}", "key_id", key.id, "signed", text, "signature", signature);
        char *sig_text = json_dumps(sig, JSON_COMPACT);
        size_t size = strlen(sig_text) + 512;
        char *sql = malloc(size);
        snprintf(sql, size,
                 "INSERT INTO tocsin.commands (crisis, kind, actor, login, args, signature) VALUES (%s, "
                 "'vote', '%s',"
                 " '%s', '{\"state\": \"decide\", \"party\": \"KZ\", \"vote\": \"approve\"}', $sig$%s$sig$);"
                 " SELECT pg_notify('tocsin_work', '')",
                 id, kz, kz, sig_text);
        th_exec(db, sql);
        th_await_value(db, "refused", 10000,
                       "SELECT coalesce(max(result), 'pending') FROM tocsin.commands WHERE crisis = %s AND "
                       "kind = 'vote'",
                       id);
        th_expect_value(db, "1",
                        "SELECT count(*) FROM tocsin.audit WHERE crisis = %s AND kind = 'refused'"
                        " AND detail ->> 'reason' LIKE '%%%s%%'",
                        id, reasons[i]);
        th_expect_value(db, "0", "SELECT count(*) FROM tocsin.votes WHERE crisis = %s", id);
        tc_key_wipe(&key);
        json_decref(sig);
        free(sig_text);
        free(sql);
        free(text);
        free(id);
    }
    free(sha);
}

static void test_signatures_optional(void **state)
{
    (void)state;
    char *id = trigger("council");
    signed_as(ru, ru_key, 0, (const char *[]){"approve", id, NULL}, NULL);
    signed_as(kz, NULL, 0, (const char *[]){"approve", id, NULL}, NULL);
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.audit WHERE crisis = %s AND signature IS NOT NULL",
                    id);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signatures_required_and_kept),
        cmocka_unit_test(test_signatures_replayed_or_made_for_another_visit),
        cmocka_unit_test(test_signatures_revoked_keys),
        cmocka_unit_test(test_signatures_written_past_submit),
        cmocka_unit_test(test_signatures_optional),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
