/*
 * The operators' commands against a real server with an engine running:
 * vote (and approve/reject/abstain), complete, ack, escalate, cancel, with
 * their exit codes, --key idempotency, --no-wait; and audit (text, json, csv)
 * with audit verify catching a tampered event. The test's login role acts;
 * its seats are rows of tocsin.seats.
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

typedef struct world {
    char *db;
    th_proc *engine;
} world;

static void run(const char *db, int expected, const char *const *args, const char *out, const char *err)
{
    th_run r;
    th_tocsin(&r, db, args);
    if (r.status != expected || (out && !th_contains(r.out, out)) || (err && !th_contains(r.err, err)))
        fail_msg("tocsin %s %s: exit %d (expected %d)\nstdout: %s\nstderr: %s", args[0],
                 args[1] ? args[1] : "", r.status, expected, r.out, r.err);
    th_run_free(&r);
}

static void start(world *w, const char *playbook, const char *inputs)
{
    char path[4096];
    w->db = th_db_create();
    snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/%s.json", th_env("TOCSIN_SOURCE_DIR"),
             playbook);
    run(w->db, 0, (const char *[]){"playbook", "load", path, NULL}, NULL, NULL);
    th_exec(w->db,
            "INSERT INTO tocsin.seats VALUES (current_user, 'council/KZ'), (current_user, 'secretariat')");
    w->engine = th_tocsin_start(w->db, (const char *[]){"engine", NULL});
    if (inputs)
        run(w->db, 0, (const char *[]){"trigger", playbook, "--inputs", inputs, NULL}, "1\n", NULL);
    else
        run(w->db, 0, (const char *[]){"trigger", playbook, NULL}, "1\n", NULL);
}

static void finish(world *w)
{
    th_signal(w->engine, SIGTERM);
    th_run r;
    th_wait(w->engine, &r);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_db_drop(w->db);
}

static void test_commands_vote_and_exit_codes(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    run(w.db, 0, (const char *[]){"approve", "1", "--reason", "agreed \"in capital\"", NULL},
        "consensus vote council/KZ approve by", NULL);
    /* Change of vote, seen in the audit. */
    run(w.db, 0, (const char *[]){"vote", "1", "abstain", NULL}, "(was approve)", NULL);
    run(w.db, 4, (const char *[]){"approve", "99", NULL}, NULL, "no crisis 99");
    run(w.db, 5, (const char *[]){"approve", "1", "--party", "RU", NULL}, NULL,
        "does not hold seat council/RU");
    run(w.db, 4, (const char *[]){"approve", "1", "--party", "XX", NULL}, NULL, "no party XX");
    run(w.db, 6, (const char *[]){"approve", "1", "--state", "unanimous", NULL}, NULL,
        "state unanimous is not active");
    run(w.db, 4, (const char *[]){"approve", "1", "--state", "nowhere", NULL}, NULL, "no state nowhere");
    run(w.db, 2, (const char *[]){"vote", "1", "maybe", NULL}, NULL, "approve, reject or abstain");
    run(w.db, 2, (const char *[]){"vote", "1", NULL}, NULL, NULL);
    run(w.db, 6, (const char *[]){"complete", "1", "--state", "consensus", "--data", "{}", NULL}, NULL,
        "state consensus (approval) does not take a completion");
    run(w.db, 2, (const char *[]){"approve", "1", "--outcome", "done", NULL}, NULL,
        "--outcome and --data are for complete");
    /* A second seat: the party must be named. */
    th_exec(w.db, "INSERT INTO tocsin.seats VALUES (current_user, 'council/RU')");
    run(w.db, 2, (const char *[]){"reject", "1", NULL}, NULL, "choose one with --party");
    /* --no-wait returns at once; the engine applies it anyway. */
    run(w.db, 0, (const char *[]){"reject", "1", "--party", "RU", "--no-wait", NULL}, "pending", NULL);
    for (int i = 0; i < 50; i++) {
        char *status = th_query_value(w.db, "SELECT status FROM tocsin.crises WHERE id = 1");
        int closed = status && strcmp(status, "closed") == 0;
        free(status);
        if (closed)
            break;
        th_sleep_ms(100);
    }
    run(w.db, 6, (const char *[]){"approve", "1", "--party", "KZ", NULL}, NULL, "crisis 1 is closed");
    char *votes =
        th_query_value(w.db, "SELECT string_agg(party || ' ' || vote, ',' ORDER BY seq) FROM tocsin.votes");
    assert_string_equal(votes, "KZ approve,KZ abstain,RU reject");
    free(votes);
    char *reason = th_query_value(w.db, "SELECT reason FROM tocsin.votes ORDER BY seq LIMIT 1");
    assert_string_equal(reason, "agreed \"in capital\"");
    free(reason);
    finish(&w);
}

static void test_commands_key_is_idempotent(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    const char *args[] = {"approve", "1", "--key", "kz-1", "--json", NULL};
    th_run a, b;
    th_tocsin(&a, w.db, args);
    th_tocsin(&b, w.db, args);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    json_t *ja = json_loads(a.out, 0, NULL), *jb = json_loads(b.out, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(ja, "seq")),
                     json_integer_value(json_object_get(jb, "seq")));
    assert_true(json_is_true(json_object_get(jb, "duplicate")));
    assert_string_equal(json_string_value(json_object_get(ja, "status")), "applied");
    assert_string_equal(json_string_value(json_object_get(ja, "party")), "KZ");
    json_decref(ja);
    json_decref(jb);
    th_run_free(&a);
    th_run_free(&b);
    char *count = th_query_value(w.db, "SELECT count(*) FROM tocsin.votes");
    assert_string_equal(count, "1");
    free(count);
    run(w.db, 6, (const char *[]){"reject", "1", "--key", "kz-1", NULL}, NULL,
        "idempotency key kz-1 was used");
    finish(&w);
}

static void test_commands_tasks_escalate_cancel(void **state)
{
    (void)state;
    world w;
    start(&w, "operations", NULL);
    /* assess: a task of the secretariat with required outputs and a ladder. */
    run(w.db, 3, (const char *[]){"complete", "1", "--data", "{\"recommendation\": \"invade\"}", NULL}, NULL,
        "output recommendation must be one of");
    run(w.db, 3, (const char *[]){"complete", "1", "--data", "[1]", NULL}, NULL,
        "--data must be a JSON object");
    run(w.db, 0, (const char *[]){"ack", "1", NULL}, "acknowledged", NULL);
    run(w.db, 6, (const char *[]){"ack", "1", NULL}, NULL, "already acknowledged");
    run(w.db, 0, (const char *[]){"escalate", "1", "--reason", "slow", NULL}, "escalated to level 1", NULL);
    char *level = th_query_value(w.db, "SELECT level || ' ' || manual FROM tocsin.escalations");
    assert_string_equal(level, "1 true");
    free(level);
    run(w.db, 0,
        (const char *[]){"complete", "1", "--outcome", "needs_info", "--data", "{\"casualties\": 2}", NULL},
        "assess entered (visit 2)", NULL);
    run(w.db, 2, (const char *[]){"cancel", "1", NULL}, NULL, "cancel needs --reason");
    run(w.db, 0, (const char *[]){"cancel", "1", "--reason", "a drill", NULL}, "crisis cancelled by", NULL);
    char *status = th_query_value(w.db, "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    assert_string_equal(status, "cancelled cancelled");
    free(status);
    finish(&w);
}

static void test_commands_audit_formats_and_verify(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    run(w.db, 0, (const char *[]){"approve", "1", "--reason", "yes, with \"quotes\", commas", NULL}, NULL,
        NULL);

    th_run r;
    th_tocsin(&r, w.db, (const char *[]){"audit", "1", "--format", "json", NULL});
    assert_int_equal(r.status, 0);
    int lines = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        json_t *e = json_loads(line, 0, NULL);
        static const char *const keys[] = {"seq",  "crisis", "at",     "actor",     "login",
                                           "kind", "state",  "detail", "prev_hash", "hash"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (json_object_get(e, keys[k]) == NULL)
                fail_msg("audit json lacks %s: %s", keys[k], line);
        if (lines == 0)
            assert_string_equal(json_string_value(json_object_get(e, "prev_hash")),
                                "0000000000000000000000000000000000000000000000000000000000000000");
        if (strcmp(json_string_value(json_object_get(e, "kind")), "vote") == 0)
            assert_string_equal(json_string_value(json_object_get(json_object_get(e, "detail"), "reason")),
                                "yes, with \"quotes\", commas");
        json_decref(e);
    }
    assert_true(lines >= 6);
    th_run_free(&r);

    run(w.db, 0, (const char *[]){"audit", "1", "--format", "csv", NULL},
        "seq,crisis,at,actor,login,kind,state,detail,prev_hash,hash\n", NULL);
    run(w.db, 0, (const char *[]){"audit", "1", NULL}, "vote council/KZ approve by", NULL);
    run(w.db, 4, (const char *[]){"audit", "7", NULL}, NULL, "no crisis 7");
    run(w.db, 0, (const char *[]){"audit", "verify", NULL}, "every chain holds", NULL);

    /* Tampering behind the trigger's back (as the superuser): verify names the event. */
    th_exec(w.db,
            "ALTER TABLE tocsin.audit DISABLE TRIGGER audit_immutable;"
            "UPDATE tocsin.audit SET detail = jsonb_set(detail, '{vote}', '\"reject\"') WHERE kind = 'vote';"
            "ALTER TABLE tocsin.audit ENABLE TRIGGER audit_immutable");
    char *seq = th_query_value(w.db, "SELECT seq FROM tocsin.audit WHERE kind = 'vote'");
    char expected[64];
    snprintf(expected, sizeof expected, "broken chain: crisis 1, event %s:", seq);
    free(seq);
    run(w.db, 1, (const char *[]){"audit", "verify", NULL}, NULL, expected);
    run(w.db, 1, (const char *[]){"audit", "verify", "1", NULL}, NULL, expected);
    finish(&w);
}

/* Deletes audit events behind the triggers' back, as a superuser could. */
static void delete_events(const char *db, const char *where)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "ALTER TABLE tocsin.audit DISABLE TRIGGER audit_immutable;"
             "DELETE FROM tocsin.audit WHERE %s;"
             "ALTER TABLE tocsin.audit ENABLE TRIGGER audit_immutable",
             where);
    th_exec(db, sql);
}

/*
 * Events deleted from the end of a chain (the last one, the last three, or
 * all of them) leave a chain that links, but not to the head the crisis row
 * records: verify finds it. A crisis that does not exist is not verified.
 */
static void test_commands_verify_finds_truncation(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    run(w.db, 0, (const char *[]){"trigger", "council", NULL}, "2\n", NULL);
    run(w.db, 0, (const char *[]){"trigger", "council", NULL}, "3\n", NULL);
    run(w.db, 0, (const char *[]){"approve", "1", NULL}, NULL, NULL);
    run(w.db, 0, (const char *[]){"audit", "verify", NULL}, "every chain holds", NULL);
    run(w.db, 4, (const char *[]){"audit", "verify", "987654321", NULL}, NULL, "no crisis 987654321");

    delete_events(w.db, "crisis = 1 AND seq = (SELECT max(seq) FROM tocsin.audit WHERE crisis = 1)");
    run(w.db, 1, (const char *[]){"audit", "verify", "1", NULL}, NULL, "broken chain: crisis 1 lost events");
    delete_events(w.db, "crisis = 2 AND seq > (SELECT max(seq) - 3 FROM tocsin.audit WHERE crisis = 2)");
    run(w.db, 1, (const char *[]){"audit", "verify", "2", NULL}, NULL, "broken chain: crisis 2 lost events");
    delete_events(w.db, "crisis = 3");
    run(w.db, 1, (const char *[]){"audit", "verify", "3", NULL}, NULL, "the chain ends with no event");

    th_run r;
    th_tocsin(&r, w.db, (const char *[]){"audit", "verify", "--json", NULL});
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_int_equal(r.status, 1);
    assert_true(json_is_false(json_object_get(doc, "valid")));
    json_t *broken = json_object_get(doc, "broken");
    assert_int_equal(json_array_size(broken), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(broken, i), "problem")),
                            "truncated");
    json_decref(doc);
    th_run_free(&r);
    finish(&w);
}

/* Sixteen clients sending one idempotency key at once all get the first one's result. */
static void test_commands_key_race(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    enum { CLIENTS = 16 };
    static const char *const commands[2][8] = {
        {"approve", "1", "--key", "race-vote", "--json", NULL},
        {"trigger", "council", "--key", "race-trigger", "--json", "--no-wait", NULL},
    };
    for (int c = 0; c < 2; c++) {
        th_proc *procs[CLIENTS];
        for (int i = 0; i < CLIENTS; i++)
            procs[i] = th_tocsin_start(w.db, commands[c]);
        json_int_t first = -1;
        for (int i = 0; i < CLIENTS; i++) {
            th_run r;
            th_wait(procs[i], &r);
            if (r.status != 0)
                fail_msg("client %d of %s: exit %d: %s", i, commands[c][0], r.status, r.err);
            json_t *doc = json_loads(r.out, 0, NULL);
            json_int_t id = json_integer_value(json_object_get(doc, c == 0 ? "seq" : "id"));
            if (first >= 0 && id != first)
                fail_msg("client %d got %lld, another %lld", i, (long long)id, (long long)first);
            first = id;
            json_decref(doc);
            th_run_free(&r);
        }
    }
    /* The race itself, made certain: a second submit with the key arrives while the first is uncommitted; it
     * waits, then answers as a repeat of the first (it used to fail with a unique violation). */
    static const char *const racing[2] = {
        "SELECT seq || ' ' || duplicate FROM tocsin.submit(1, 'vote', '{\"state\": \"consensus\", \"party\":"
        " \"KZ\", \"vote\": \"approve\"}', 'race-sql', false)",
        "SELECT id || ' ' || duplicate FROM tocsin.trigger('council', NULL, NULL, NULL, ARRAY['KZ', 'RU'], "
        "NULL, 'race-sql')",
    };
    for (int c = 0; c < 2; c++) {
        PGconn *first = th_connect(w.db), *second = th_connect(w.db);
        PGresult *res = PQexec(first, "BEGIN");
        PQclear(res);
        res = PQexec(first, racing[c]);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", racing[c], PQresultErrorMessage(res));
        char *mine = strdup(PQgetvalue(res, 0, 0));
        PQclear(res);
        assert_int_equal(PQsendQuery(second, racing[c]), 1);
        th_sleep_ms(200); /* the second now waits on the first's uncommitted row */
        res = PQexec(first, "COMMIT");
        PQclear(res);
        res = PQgetResult(second);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            fail_msg("the second %s with the same key: %s", c == 0 ? "submit" : "trigger",
                     PQresultErrorMessage(res));
        char want[64];
        snprintf(want, sizeof want, "%.*s true", (int)strcspn(mine, " "), mine);
        assert_string_equal(PQgetvalue(res, 0, 0), want);
        PQclear(res);
        while ((res = PQgetResult(second)) != NULL)
            PQclear(res);
        free(mine);
        PQfinish(first);
        PQfinish(second);
    }

    char *counts =
        th_query_value(w.db,
                       "SELECT (SELECT count(*) FROM tocsin.commands WHERE idem_key = 'race-vote')"
                       " || ' ' || (SELECT count(*) FROM tocsin.crises WHERE trigger_key = 'race-trigger')");
    assert_string_equal(counts, "1 1");
    free(counts);
    finish(&w);
}

static void test_commands_watch_follows_until_closed(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    th_proc *watch = th_tocsin_start(w.db, (const char *[]){"watch", "1", NULL});
    th_sleep_ms(300);
    run(w.db, 0, (const char *[]){"approve", "1", NULL}, NULL, NULL);
    run(w.db, 0, (const char *[]){"cancel", "1", "--reason", "exercise over", NULL}, NULL, NULL);
    th_run r;
    th_wait(watch, &r); /* returns by itself: the crisis is cancelled */
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "crisis triggered by"));
    assert_true(th_contains(r.out, "consensus vote council/KZ approve"));
    assert_true(th_contains(r.out, "crisis cancelled by"));
    th_run_free(&r);
    run(w.db, 4, (const char *[]){"watch", "9", NULL}, NULL, "no crisis 9");
    finish(&w);
}

/* The crises, commands and votes the database holds, as one line. */
static char *stored(const char *db)
{
    return th_query_value(db,
                          "SELECT (SELECT count(*) FROM tocsin.crises) || ' crises, ' ||"
                          " (SELECT count(*) FROM tocsin.commands) || ' commands, ' ||"
                          " (SELECT count(*) FROM tocsin.votes) || ' votes'");
}

/*
 * Bad text and numbers against a live database and engine: each is refused
 * with its exit code and one line, and nothing is stored. Before, a vote with
 * a reason of \xff was "no seat" (5), a cancel with it exited 0 without its
 * mandatory reason, a title of \xff was a raw server error (1), and an input of
 * 99999999999999999999 was stored as 9223372036854775807.
 */
static void test_commands_bad_text_and_numbers_store_nothing(void **state)
{
    (void)state;
    world w;
    start(&w, "council", NULL);
    char path[4096];
    const char *const books[] = {"tests/data/playbooks/valid/operations.json",
                                 "workflows/border-incident.json"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", th_env("TOCSIN_SOURCE_DIR"), books[i]);
        run(w.db, 0, (const char *[]){"playbook", "load", path, NULL}, NULL, NULL);
    }
    char *before = stored(w.db);
    assert_string_equal(before, "1 crises, 1 commands, 0 votes");
    /* Two inputs within 64 KiB each, not together. */
    static char sector[40000] = "sector=", description[30000] = "description=";
    memset(sector + 7, 's', sizeof sector - 8);
    memset(description + 12, 'd', sizeof description - 13);
    const struct {
        int status;
        const char *err;
        const char *args[10];
    } cases[] = {
        {3, "--reason is not valid UTF-8 (byte 1)\n", {"vote", "1", "approve", "--reason", "\xff", NULL}},
        {3, "--reason is not valid UTF-8 (byte 1)\n", {"cancel", "1", "--reason", "\xff", NULL}},
        {3, "--title is not valid UTF-8 (byte 1)\n", {"trigger", "council", "--title", "\xff", NULL}},
        {3,
         "input casualties must be an integer from -9223372036854775808 to 9223372036854775807, not "
         "'99999999999999999999'\n",
         {"trigger", "border-incident", "--input", "sector=Panj", "--input", "incident_type=shelling",
          "--input", "casualties=99999999999999999999", NULL}},
        {3,
         "input casualties must be an integer",
         {"trigger", "border-incident", "--input", "sector=Panj", "--input", "incident_type=shelling",
          "--input", "casualties=0x10", NULL}},
        {3,
         "--inputs is not JSON: too big integer",
         {"trigger", "border-incident", "--inputs",
          "{\"sector\": \"Panj\", \"incident_type\": \"shelling\", \"casualties\": 99999999999999999999}",
          NULL}},
        {3,
         "input threshold must be a decimal number within range, not '1e400'\n",
         {"trigger", "operations", "--input", "threshold=1e400", NULL}},
        {3,
         "input threshold must be a decimal number within range, not 'nan'\n",
         {"trigger", "operations", "--input", "threshold=nan", NULL}},
        {3,
         "--inputs is not JSON: duplicate object key near '\"rule\"'\n",
         {"trigger", "council", "--inputs", "{\"rule\": \"majority\", \"rule\": \"unanimous\"}", NULL}},
        {3,
         "--input rule is given twice\n",
         {"trigger", "council", "--input", "rule=majority", "--input", "rule=unanimous", NULL}},
        {3,
         "the whole of the inputs is 70041 bytes as JSON, more than the 65536 allowed\n",
         {"trigger", "border-incident", "--input", sector, "--input", description, "--input",
          "incident_type=shelling", NULL}},
        /* Not checked by the client: the server's refusal (SQLSTATE 22021) is invalid input too. */
        {3, "cannot read the playbook: text that is not valid UTF-8: ", {"playbook", "show", "\xff", NULL}},
        {2, "'99999999999999999999' is not a crisis ID", {"show", "99999999999999999999", NULL}},
        {2, "'99999999999999999999' is not a crisis ID", {"approve", "99999999999999999999", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_run r;
        th_tocsin(&r, w.db, cases[i].args);
        if (r.status != cases[i].status || strncmp(r.err, cases[i].err, strlen(cases[i].err)) != 0 ||
            th_line_count(r.err) != 1)
            fail_msg("case %zu: tocsin %s %s: exit %d (expected %d), stderr: %s", i, cases[i].args[0],
                     cases[i].args[1], r.status, cases[i].status, r.err);
        th_run_free(&r);
        char *after = stored(w.db);
        if (strcmp(after, before) != 0)
            fail_msg("case %zu stored something: %s, then %s", i, before, after);
        free(after);
    }
    free(before);
    /* The crisis is as it was, and takes the vote with a reason in UTF-8. */
    run(w.db, 0, (const char *[]){"approve", "1", "--reason", "d\xc3\xa9j\xc3\xa0 vu", NULL}, NULL, NULL);
    char *reason = th_query_value(w.db, "SELECT reason FROM tocsin.votes");
    assert_string_equal(reason, "d\xc3\xa9j\xc3\xa0 vu");
    free(reason);
    finish(&w);
}

/*
 * Names tocsin actor takes, checked with the database's rules before it is
 * asked: exit 3 with a clear line, and no role, seat or organisation stored.
 * Before, a bad seat was the seats table's raw check-constraint message
 * (exit 1), and a role name past 63 bytes was cut short by the server.
 */
static void test_commands_actor_names_are_checked(void **state)
{
    (void)state;
    char role[64], sql[256], long_role[160];
    long pid = (long)getpid();
    snprintf(role, sizeof role, "names_%ld", pid);
    snprintf(long_role, sizeof long_role, "%s_%s", role,
             "0123456789012345678901234567890123456789012345678901234567890123456789");
    long_role[70] = '\0';
    char *db = th_db_create();
    static const char seat_rule[] =
        "is not a seat: ROLE or ROLE/PARTY, ROLE of a-z, 0-9 and _ starting with a "
        "letter (at most 63), PARTY of A-Z, a-z, 0-9, _ and - (at most 32)\n";
    const struct {
        const char *err;
        const char *args[8];
    } cases[] = {
        {"'Bad Seat' ", {"actor", "add", role, "--seat", "Bad Seat", NULL}},
        {"'council/K Z' ", {"actor", "add", role, "--seat", "council/KZ", "--seat", "council/K Z", NULL}},
        {"'council/' ", {"actor", "add", role, "--seat", "council/", NULL}},
        {"'Council/KZ' ", {"actor", "grant", role, "Council/KZ", NULL}},
        {"'UN ODC' is not an organisation: 1 to 32 of A-Z, a-z, 0-9, _ and -\n",
         {"actor", "add", role, "--observer", "UN ODC", NULL}},
        {"a role name is 70 bytes, more than the 63 allowed\n",
         {"actor", "add", long_role, "--seat", "a", NULL}},
        {"a role name cannot contain control characters\n", {"actor", "add", "bad\nrole", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        th_run r;
        th_tocsin(&r, db, cases[i].args);
        int seat = cases[i].err[0] == '\'' && strstr(cases[i].err, "organisation") == NULL;
        if (r.status != 3 || strncmp(r.err, cases[i].err, strlen(cases[i].err)) != 0 ||
            (seat && strcmp(r.err + strlen(cases[i].err), seat_rule) != 0) || th_line_count(r.err) != 1)
            fail_msg("case %zu: exit %d, stderr: %s", i, r.status, r.err);
        th_run_free(&r);
    }
    snprintf(
        sql, sizeof sql,
        "SELECT (SELECT count(*) FROM pg_roles WHERE rolname LIKE '%s%%') || ' roles, ' ||"
        " (SELECT count(*) FROM tocsin.seats) || ' seats, ' || (SELECT count(*) FROM tocsin.observers) ||"
        " ' observers'",
        role);
    char *stored_names = th_query_value(db, sql);
    assert_string_equal(stored_names, "0 roles, 0 seats, 0 observers");
    free(stored_names);
    /* What the rules allow is stored. */
    run(db, 0,
        (const char *[]){"actor", "add", role, "--seat", "border_service/kz-1_X", "--observer", "UN-ODC_2",
                         NULL},
        "created", NULL);
    th_db_drop(db);
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", role);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
}

/*
 * An actor with 71 seats, the two it acts with sorting after the 64th (a_r01
 * .. a_r69, then council/KZ and secretariat): the client and the engine count
 * every seat the database counts. With a cap of 64 the engine refused its
 * trigger and the client its vote and its completion ("holds no seat").
 */
static void test_commands_actor_with_71_seats(void **state)
{
    (void)state;
    char role[64], path[4096], seats[69][8];
    snprintf(role, sizeof role, "many_seats_%ld", (long)getpid());
    const char *add[4 + 2 * 71 + 1] = {"actor", "add", role};
    int n = 3;
    for (int i = 0; i < 69; i++) {
        snprintf(seats[i], sizeof seats[i], "a_r%02d", i + 1);
        add[n++] = "--seat";
        add[n++] = seats[i];
    }
    add[n++] = "--seat";
    add[n++] = "council/KZ";
    add[n++] = "--seat";
    add[n++] = "secretariat";
    add[n] = NULL;

    char *db = th_db_create();
    run(db, 0, add, "created", NULL);
    char *count = th_query_value(db, "SELECT count(*) FROM tocsin.seats");
    assert_string_equal(count, "71");
    free(count);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/%s.json", th_env("TOCSIN_SOURCE_DIR"),
                 i ? "fast" : "council");
        run(db, 0, (const char *[]){"playbook", "load", path, NULL}, NULL, NULL);
    }
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    /* Triggered by the role (not an administrator: it may trigger because it holds a seat of a role). */
    run(db, 0, (const char *[]){"--as", role, "trigger", "council", NULL}, "1\n", NULL);
    run(db, 0, (const char *[]){"--as", role, "approve", "1", NULL}, "vote council/KZ approve by", NULL);
    run(db, 0, (const char *[]){"--as", role, "trigger", "fast", NULL}, "2\n", NULL);
    run(db, 0, (const char *[]){"--as", role, "complete", "2", NULL}, "report completed", NULL);
    char *done = th_query_value(db,
                                "SELECT string_agg(id || ' ' || status || ' ' || coalesce(outcome, '-'), ','"
                                " ORDER BY id) FROM tocsin.crises");
    assert_string_equal(done, "1 active -,2 closed resolved");
    free(done);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tocsin.crises WHERE initiator = '%s'", role);
    char *initiated = th_query_value(db, sql);
    assert_string_equal(initiated, "2");
    free(initiated);

    th_end(engine, SIGTERM);
    th_db_drop(db);
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", role);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_vote_and_exit_codes),
        cmocka_unit_test(test_commands_key_is_idempotent),
        cmocka_unit_test(test_commands_tasks_escalate_cancel),
        cmocka_unit_test(test_commands_audit_formats_and_verify),
        cmocka_unit_test(test_commands_verify_finds_truncation),
        cmocka_unit_test(test_commands_key_race),
        cmocka_unit_test(test_commands_watch_follows_until_closed),
        cmocka_unit_test(test_commands_bad_text_and_numbers_store_nothing),
        cmocka_unit_test(test_commands_actor_names_are_checked),
        cmocka_unit_test(test_commands_actor_with_71_seats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
