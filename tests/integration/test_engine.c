/*
 * The engine as a process against a real server: triggers applied, votes
 * closing a consensus, refusals (one quoting a long text), deadlines and
 * escalations of seconds, action programs (ok, failing, missing, hanging
 * past their timeout, ok on retry, printing NUL and bytes that are not
 * UTF-8, leaving children behind), a notify program that hangs, three
 * engines sharing 1,000 votes, an engine killed mid-load, and a crisis that
 * fails on its own (its state, or its action's result) set aside (and shown
 * as such) while the others are applied, a server out of disk backed off
 * from, and a stop as the listening connection is lost.
 * Commands are recorded with the SQL API (the operator commands come with
 * the CLI issue); seats are rows of tocsin.seats.
 */
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static const char *fixture(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/%s.json", th_env("TOCSIN_SOURCE_DIR"), name);
    return path;
}

static void load(const char *db, const char *name)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"playbook", "load", fixture(name), NULL});
    if (r.status != 0)
        fail_msg("load %s: %s", name, r.err);
    th_run_free(&r);
}

/* engine --once [--actions-dir actions]; returns its exit status, and its log (stderr) in *log (owned). */
static int engine_once_status(const char *db, const char *actions, char **log)
{
    th_run r;
    if (actions)
        th_tocsin(&r, db, (const char *[]){"engine", "--once", "--actions-dir", actions, NULL});
    else
        th_tocsin(&r, db, (const char *[]){"engine", "--once", NULL});
    int status = r.status;
    *log = r.err;
    r.err = NULL;
    th_run_free(&r);
    return status;
}

static void engine_once(const char *db, const char *actions)
{
    char *log = NULL;
    int status = engine_once_status(db, actions, &log);
    if (status != 0)
        fail_msg("engine --once exited %d: %s", status, log);
    free(log);
}

static char *value(const char *db, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return th_query_value(db, sql);
}

static void seats(const char *db)
{
    th_exec(db,
            "INSERT INTO tocsin.seats (actor, seat) SELECT lower(p) || '_delegate', 'council/' || p"
            "  FROM unnest(ARRAY['AM','BY','KZ','KG','RU','TJ']) p;"
            "INSERT INTO tocsin.seats VALUES ('duty_officer', 'secretariat')");
}

static void vote(const char *db, int crisis, const char *party, const char *v)
{
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES (%d, 'vote', lower('%s') || "
        "'_delegate', lower('%s') || '_delegate', jsonb_build_object('party', '%s', 'vote', '%s', 'reason', "
        "'as instructed by the capital'))",
        crisis, party, party, party, v);
    th_exec(db, sql);
}

static void trigger(const char *db, const char *playbook, const char *inputs)
{
    th_run r;
    char input[128];
    snprintf(input, sizeof input, "%s", inputs ? inputs : "");
    if (inputs)
        th_tocsin(&r, db, (const char *[]){"trigger", playbook, "--inputs", input, "--no-wait", NULL});
    else
        th_tocsin(&r, db, (const char *[]){"trigger", playbook, "--no-wait", NULL});
    if (r.status != 0)
        fail_msg("trigger %s: %s", playbook, r.err);
    th_run_free(&r);
}

/* A database with the council playbook, its seats, and count crises triggered and applied. */
static char *council_crises(int count)
{
    char *db = th_db_create();
    load(db, "council");
    seats(db);
    for (int i = 0; i < count; i++)
        trigger(db, "council", NULL);
    engine_once(db, NULL);
    return db;
}

/* `tocsin show ID --json` as a document (caller decrefs); its text in *text when asked (caller frees). */
static json_t *show_json(const char *db, const char *id, char **text)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"show", id, "--json", NULL});
    json_t *doc = json_loads(r.out, 0, NULL);
    if (doc == NULL)
        fail_msg("show %s --json (exit %d): %s%s", id, r.status, r.out, r.err);
    if (text != NULL) {
        *text = r.out;
        r.out = NULL;
    }
    th_run_free(&r);
    return doc;
}

static void test_engine_consensus_and_refusal(void **state)
{
    (void)state;
    char *db = council_crises(1);
    th_expect_value(db, "consensus",
                    "SELECT state -> 'active' -> 0 ->> 'state' FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "triggered,entered,left,entered,notified",
                    "SELECT string_agg(kind, ',' ORDER BY seq) FROM tocsin.audit WHERE crisis = 1");
    th_expect_value(db, "applied",
                    "SELECT result FROM tocsin.commands WHERE crisis = 1 AND kind = 'trigger'");

    /* Five approvals and an abstention, and a vote from a role with no seat. */
    static const char *const parties[] = {"AM", "BY", "KZ", "KG", "RU"};
    for (int i = 0; i < 5; i++)
        vote(db, 1, parties[i], i == 1 ? "abstain" : "approve");
    th_exec(db,
            "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES"
            " (1, 'vote', 'duty_officer', 'duty_officer', '{\"party\": \"TJ\", \"vote\": \"reject\"}')");
    vote(db, 1, "TJ", "approve");
    engine_once(db, NULL);

    th_expect_value(db, "closed resolved", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "refused", "SELECT result FROM tocsin.commands WHERE actor = 'duty_officer'");
    th_expect_value(db, "t",
                    "SELECT error LIKE 'duty_officer does not hold seat council/TJ%%' FROM tocsin.commands"
                    " WHERE actor = 'duty_officer'");
    th_expect_value(db, "6", "SELECT count(*) FROM tocsin.votes WHERE crisis = 1");
    th_expect_value(db, "tj_delegate", "SELECT actor FROM tocsin.votes WHERE party = 'TJ'");
    th_expect_value(db, "approved 5",
                    "SELECT outcome || ' ' || (tally ->> 'approve') FROM tocsin.approvals WHERE crisis = 1");
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.audit WHERE kind = 'refused'");
    /* The audit records who voted (actor and login of the command), and every chain holds. */
    th_expect_value(db, "kz_delegate kz_delegate",
                    "SELECT actor || ' ' || login FROM tocsin.audit WHERE kind = 'vote'"
                    " AND detail ->> 'party' = 'KZ'");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit_verify()");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.commands WHERE applied_at IS NULL");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.timers WHERE crisis = 1");

    /* show --json reads it back. */
    json_t *doc = show_json(db, "1", NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "closed");
    assert_string_equal(json_string_value(json_object_get(doc, "outcome")), "resolved");
    assert_int_equal(json_array_size(json_object_get(doc, "active")), 0);
    json_decref(doc);
    th_db_drop(db);
}

/*
 * A crisis whose state was edited by hand into something its playbook cannot
 * read fails on its own: it is set aside, the other crises are applied, and
 * nothing of it is lost (its vote waits for it to be mended).
 */
static void test_engine_sets_a_failing_crisis_aside(void **state)
{
    (void)state;
    char *db = council_crises(2);
    th_exec(db,
            "CREATE TABLE saved AS SELECT state FROM tocsin.crises WHERE id = 1;"
            "UPDATE tocsin.crises SET state = '\"not a state\"' WHERE id = 1");
    vote(db, 1, "AM", "approve");
    vote(db, 2, "AM", "approve");
    char *log = NULL;
    int status = engine_once_status(db, NULL, &log);
    if (status == 0 || !th_contains(log, "crisis 1 set aside") || !th_contains(log, "playbook council@1: "))
        fail_msg(
            "engine --once should apply the rest and say which crisis it set aside, and its playbook "
            "(exit %d):\n%s",
            status, log);
    free(log);
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.votes WHERE crisis = 2");
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.commands WHERE crisis = 1 AND applied_at IS NULL");

    /* Operators see it, and why. */
    th_expect_value(db, "1 1 t",
                    "SELECT concat_ws(' ', crisis, failures, until > since) FROM tocsin.set_aside");
    char *text = NULL;
    json_t *doc = show_json(db, "1", &text);
    json_t *aside = json_object_get(doc, "set_aside");
    if (!json_is_object(aside) || !th_contains(json_string_value(json_object_get(aside, "reason")), "state"))
        fail_msg("show --json should say why crisis 1 is set aside:\n%s", text);
    json_decref(doc);
    free(text);
    doc = show_json(db, "2", NULL);
    assert_true(json_is_null(json_object_get(doc, "set_aside")));
    json_decref(doc);
    th_run r;
    th_tocsin(&r, db, (const char *[]){"show", "1", NULL});
    if (!th_contains(r.out, "set aside by engine"))
        fail_msg("show should say crisis 1 is set aside:\n%s", r.out);
    th_run_free(&r);

    /* Mended, it is applied like any other, and no longer set aside. */
    th_exec(db, "UPDATE tocsin.crises SET state = (SELECT state FROM saved) WHERE id = 1");
    engine_once(db, NULL);
    th_expect_value(db, "1", "SELECT count(*) FROM tocsin.votes WHERE crisis = 1");
    doc = show_json(db, "1", &text);
    if (!json_is_null(json_object_get(doc, "set_aside")))
        fail_msg("show --json should no longer say crisis 1 is set aside:\n%s", text);
    json_decref(doc);
    free(text);
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit_verify()");
    th_db_drop(db);
}

/*
 * A stored playbook that no longer compiles (edited behind the immutability
 * trigger's back): the crisis is set aside with a reason that names the
 * playbook and its first problem, not only how many problems it has.
 */
static void test_engine_names_a_playbook_that_does_not_compile(void **state)
{
    (void)state;
    char *db = council_crises(1);
    th_exec(db,
            "ALTER TABLE tocsin.playbooks DISABLE TRIGGER playbooks_immutable;"
            "UPDATE tocsin.playbooks SET source = '{\"name\": \"council\", \"states\": 3}'"
            " WHERE name = 'council';"
            "ALTER TABLE tocsin.playbooks ENABLE TRIGGER playbooks_immutable");
    vote(db, 1, "AM", "approve");
    char *log = NULL;
    int status = engine_once_status(db, NULL, &log);
    if (status == 0 || !th_contains(log, "crisis 1 set aside") ||
        !th_contains(log, "stored playbook council@1 does not compile: the playbook has") ||
        !th_contains(log, "; the first: $: missing key \"format\""))
        fail_msg(
            "engine --once should set crisis 1 aside naming its playbook and first problem (exit %d):\n%s",
            status, log);
    free(log);
    th_db_drop(db);
}

/*
 * A batch the database refuses as a whole (here a constraint that one
 * crisis's vote breaks) is retried one crisis at a time: the crisis that
 * fails is set aside, the others are applied.
 */
static void test_engine_finds_the_crisis_that_fails_a_batch(void **state)
{
    (void)state;
    char *db = council_crises(3);
    th_exec(db, "ALTER TABLE tocsin.votes ADD CONSTRAINT no_kz CHECK (party <> 'KZ')");
    vote(db, 1, "AM", "approve");
    vote(db, 2, "KZ", "approve");
    vote(db, 3, "AM", "approve");
    char *log = NULL;
    int status = engine_once_status(db, NULL, &log);
    if (status == 0 || !th_contains(log, "one at a time") || !th_contains(log, "crisis 2 set aside"))
        fail_msg("engine --once should find crisis 2 and apply the rest (exit %d):\n%s", status, log);
    free(log);
    th_expect_value(db, "1 0 1",
                    "SELECT string_agg(n::text, ' ' ORDER BY c) FROM (SELECT c, (SELECT count(*) FROM"
                    " tocsin.votes v WHERE v.crisis = c) AS n FROM generate_series(1, 3) c) x");
    th_expect_value(db, "2",
                    "SELECT string_agg(crisis::text, ',') FROM tocsin.commands WHERE applied_at IS NULL");

    /* A command that waits for it in vain says why. Roles belong to the cluster, not to the test's
     * database: am_delegate is created here if no earlier run (or the demo) left it. */
    th_exec(
        th_env("TOCSIN_TEST_DB"),
        "DO $$ BEGIN CREATE ROLE am_delegate; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;"
        " END $$; GRANT tocsin_actor TO am_delegate");
    th_run r;
    th_tocsin(&r, db, (const char *[]){"--as", "am_delegate", "approve", "2", "--wait", "1", NULL});
    if (r.status != 0 || !th_contains(r.out, "pending") || !th_contains(r.err, "crisis 2 is set aside") ||
        !th_contains(r.err, "no_kz"))
        fail_msg("a vote waiting in vain should say why (exit %d):\n%s%s", r.status, r.out, r.err);
    th_run_free(&r);
    th_db_drop(db);
}

/*
 * A command whose arguments jsonb holds but jansson cannot read (a number
 * past a double, recorded past the API's checks) fails its crisis alone:
 * the batch is taken apart, that crisis is set aside saying why, the other
 * is applied. Before, the reason given was "out of memory".
 */
static void test_engine_sets_aside_a_crisis_whose_commands_cannot_be_read(void **state)
{
    (void)state;
    char *db = council_crises(2);
    th_exec(db,
            "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES (1, 'vote', 'kz_delegate',"
            " 'kz_delegate', '{\"party\": \"KZ\", \"vote\": \"approve\", \"weight\": 1e400}')");
    vote(db, 2, "KZ", "approve");
    char *log = NULL;
    int status = engine_once_status(db, NULL, &log);
    if (status == 0 || !th_contains(log, "crisis 1 set aside") ||
        !th_contains(log, "its pending commands cannot be read") || th_contains(log, "out of memory"))
        fail_msg("engine --once should set crisis 1 aside saying why, and apply the rest (exit %d):\n%s",
                 status, log);
    free(log);
    th_expect_value(db, "0 1",
                    "SELECT concat_ws(' ', (SELECT count(*) FROM tocsin.votes WHERE crisis = 1),"
                    " (SELECT count(*) FROM tocsin.votes WHERE crisis = 2))");
    th_db_drop(db);
}

/*
 * A server out of disk (or memory, or connections: SQLSTATE classes 53 and
 * 58) fails every batch, whatever crisis it holds: the engine backs off as
 * for a lost server instead of setting crises aside one by one, and --once
 * gives up saying the database is unavailable (exit 7). Nothing is lost.
 */
static void test_engine_backs_off_when_the_server_is_out_of_disk(void **state)
{
    (void)state;
    char *db = council_crises(2);
    th_exec(
        db,
        "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        "  RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';"
        " END $$;"
        "CREATE TRIGGER full_disk BEFORE INSERT ON tocsin.votes FOR EACH ROW EXECUTE FUNCTION full_disk()");
    vote(db, 1, "AM", "approve");
    vote(db, 2, "AM", "approve");
    char *log = NULL;
    int status = engine_once_status(db, NULL, &log);
    if (status != 7 || !th_contains(log, "database unavailable") || th_contains(log, "set aside"))
        fail_msg("engine --once should back off and exit 7, setting nothing aside (exit %d):\n%s", status,
                 log);
    free(log);
    th_expect_value(db, "2", "SELECT count(*) FROM tocsin.commands WHERE applied_at IS NULL");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.set_aside");

    th_exec(db, "DROP TRIGGER full_disk ON tocsin.votes");
    engine_once(db, NULL);
    th_expect_value(db, "2", "SELECT count(*) FROM tocsin.votes");
    th_db_drop(db);
}

/* Waits up to ms milliseconds for pid to be gone; returns whether it is. */
static int gone_within(pid_t pid, int ms)
{
    for (int waited = 0; th_alive(pid) && waited < ms; waited += 20)
        th_sleep_ms(20);
    return !th_alive(pid);
}

/* engine --once [--actions-dir actions], killed if it has not ended within ms: returns its exit status (-1
 * then) and its log. */
static int engine_once_within(const char *db, const char *actions, int ms, char **log)
{
    th_proc *engine =
        actions ? th_tocsin_start(db, (const char *[]){"engine", "--once", "--actions-dir", actions, NULL})
                : th_tocsin_start(db, (const char *[]){"engine", "--once", NULL});
    int ended = gone_within(th_pid(engine), ms);
    if (!ended)
        th_signal(engine, SIGKILL);
    th_run r;
    th_wait(engine, &r);
    *log = r.err;
    r.err = NULL;
    int status = ended ? r.status : -1;
    th_run_free(&r);
    return status;
}

/*
 * A refusal quotes what a user wrote (here a party of 301 characters, most
 * of two bytes, recorded past the API's checks): cut to the length of an
 * error message, it must still end on a whole character. Before, the cut
 * fell inside one, the refusal was not UTF-8 and was dropped from the
 * write: the command stayed pending, and the engine applied it again in
 * every batch (engine --once never ended).
 */
static void test_engine_records_a_refusal_that_quotes_a_long_text(void **state)
{
    (void)state;
    char *db = council_crises(1);
    th_exec(
        db,
        "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES (1, 'vote', 'kz_delegate',"
        " 'kz_delegate', jsonb_build_object('party', 'x' || repeat('\xC3\xA9', 300), 'vote', 'approve'))");
    char *log = NULL;
    int status = engine_once_within(db, NULL, 10000, &log);
    if (status != 0)
        fail_msg("engine --once should refuse the vote and end (exit %d):\n%.2000s", status, log);
    free(log);
    th_expect_value(
        db, "refused t",
        "SELECT concat_ws(' ', result, error LIKE 'no party x\xC3\xA9\xC3\xA9%%') FROM tocsin.commands"
        " WHERE kind = 'vote'");
    th_expect_value(db, "t",
                    "SELECT detail ->> 'reason' = (SELECT error FROM tocsin.commands WHERE kind = 'vote')"
                    " FROM tocsin.audit WHERE kind = 'refused'");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit_verify()");
    th_db_drop(db);
}

static void test_engine_open_approval_in_show(void **state)
{
    (void)state;
    char *db = th_db_create();
    load(db, "council");
    seats(db);
    trigger(db, "council", NULL);
    vote(db, 1, "KZ", "approve");
    vote(db, 1, "RU", "abstain");
    engine_once(db, NULL);
    json_t *doc = show_json(db, "1", NULL);
    json_t *active = json_array_get(json_object_get(doc, "active"), 0);
    assert_string_equal(json_string_value(json_object_get(active, "type")), "approval");
    json_t *tally = json_object_get(active, "tally");
    assert_int_equal(json_integer_value(json_object_get(tally, "approve")), 1);
    assert_int_equal(json_integer_value(json_object_get(tally, "abstain")), 1);
    assert_int_equal(json_integer_value(json_object_get(tally, "pending")), 4);
    json_t *kz = json_array_get(json_object_get(active, "seats"), 2);
    assert_string_equal(json_string_value(json_object_get(kz, "party")), "KZ");
    assert_string_equal(json_string_value(json_object_get(kz, "vote")), "approve");
    assert_string_equal(json_string_value(json_object_get(kz, "by")), "kz_delegate");
    assert_non_null(json_string_value(json_object_get(active, "deadline")));
    json_decref(doc);
    th_db_drop(db);
}

static void test_engine_deadline_and_escalation(void **state)
{
    (void)state;
    char *db = th_db_create();
    load(db, "fast");
    trigger(db, "fast", NULL);
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--verbose", NULL});
    /* Escalation after 1 s, the deadline after 2 s. */
    for (int i = 0; i < 100; i++) {
        char *status = value(db, "SELECT status FROM tocsin.crises WHERE id = 1");
        int closed = status && strcmp(status, "closed") == 0;
        free(status);
        if (closed)
            break;
        th_sleep_ms(100);
    }
    th_signal(engine, SIGTERM);
    th_run r;
    th_wait(engine, &r);
    assert_int_equal(r.status, 0); /* SIGTERM is a clean stop */
    assert_true(th_contains(r.err, "SIGTERM: stopping"));
    th_run_free(&r);
    th_expect_value(db, "closed late severe",
                    "SELECT status || ' ' || outcome || ' ' || severity FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "1 false", "SELECT level || ' ' || manual FROM tocsin.escalations WHERE crisis = 1");
    th_expect_value(
        db, "[\"council/KZ\", \"council/RU\"]",
        "SELECT detail -> 'seats' FROM tocsin.audit WHERE kind = 'notified' AND detail ->> 'why' = "
        "'escalated'");
    /* The escalation fired about a second after entry, the deadline about two. */
    th_expect_value(db, "t",
                    "SELECT e.at - c.created_at BETWEEN interval '0.9 s' AND interval '3 s'"
                    " FROM tocsin.escalations e JOIN tocsin.crises c ON c.id = e.crisis");
    th_expect_value(
        db, "t",
        "SELECT closed_at - created_at BETWEEN interval '1.9 s' AND interval '5 s' FROM tocsin.crises");
    th_db_drop(db);
}

static char *actions_dir(void)
{
    char *dir = th_tempdir();
    th_write_file(
        dir, "ok-action",
        "#!/bin/sh\ncat > \"$0.stdin\"\n"
        "printf '{\"sent\": 3, \"crisis\": \"%s\", \"key\": \"%s\", \"attempt\": \"%s\", \"db\": \"%s\","
        " \"args\": \"%s\"}' \"$TOCSIN_CRISIS\" \"$TOCSIN_ACTION_KEY\" \"$TOCSIN_ATTEMPT\" "
        "\"${TOCSIN_DB:-none}\""
        " \"$*\"\n");
    th_write_file(dir, "flaky-action",
                  "#!/bin/sh\ncat > /dev/null\n[ \"$TOCSIN_ATTEMPT\" -ge 2 ] || { echo 'not yet' >&2; exit "
                  "3; }\necho '{}'\n");
    th_write_file(dir, "hang-action", "#!/bin/sh\nexec sleep 30\n");
    static const char *const names[] = {"ok-action", "flaky-action", "hang-action"};
    for (int i = 0; i < 3; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        chmod(path, 0755);
    }
    return dir;
}

static void test_engine_actions_once(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    load(db, "fast");
    trigger(db, "fast", "{\"path\": \"alert\"}");
    trigger(db, "fast", "{\"path\": \"broken\"}");
    engine_once(db, dir);
    th_expect_value(db, "closed resolved", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "3", "SELECT state -> 'data' -> 'alert' ->> 'sent' FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "1/alert/1 1 none --level 2",
                    "SELECT concat_ws(' ', d ->> 'key', d ->> 'attempt', d ->> 'db', d ->> 'args')"
                    "  FROM (SELECT state -> 'data' -> 'alert' AS d FROM tocsin.crises WHERE id = 1) x");
    th_expect_value(db, "ok 0",
                    "SELECT outcome || ' ' || exit_status FROM tocsin.action_runs WHERE crisis = 1");
    /* The program got the crisis on stdin. */
    char path[4200];
    snprintf(path, sizeof path, "%s/ok-action.stdin", dir);
    json_t *input = json_load_file(path, 0, NULL);
    assert_non_null(input);
    assert_string_equal(json_string_value(json_object_get(input, "state")), "alert");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(input, "crisis"), "id")), 1);
    assert_string_equal(json_string_value(json_object_get(input, "key")), "1/alert/1");
    json_decref(input);
    /* A program that is not there fails the action. */
    th_expect_value(db, "closed failed", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 2");
    th_expect_value(db, "failed", "SELECT outcome FROM tocsin.action_runs WHERE crisis = 2");
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_engine_actions_retry_and_timeout(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    load(db, "fast");
    trigger(db, "fast", "{\"path\": \"flaky\"}");
    trigger(db, "fast", "{\"path\": \"hang\"}");
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--actions-dir", dir, NULL});
    for (int i = 0; i < 100; i++) {
        char *open = value(db, "SELECT count(*) FROM tocsin.crises WHERE status = 'active'");
        int done = open && strcmp(open, "0") == 0;
        free(open);
        if (done)
            break;
        th_sleep_ms(100);
    }
    th_signal(engine, SIGTERM);
    th_run r;
    th_wait(engine, &r);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    /* Flaky: attempt 1 fails, the retry a second later succeeds. */
    th_expect_value(db, "closed resolved", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "1 failed 3,2 ok 0",
                    "SELECT string_agg(attempt || ' ' || outcome || ' ' || exit_status, ',' ORDER BY attempt)"
                    "  FROM tocsin.action_runs WHERE crisis = 1");
    th_expect_value(db, "not yet\n",
                    "SELECT output_tail FROM tocsin.action_runs WHERE crisis = 1 AND attempt = 1");
    th_expect_value(
        db, "t",
        "SELECT (SELECT started_at FROM tocsin.action_runs WHERE crisis = 1 AND attempt = 2) -"
        " (SELECT finished_at FROM tocsin.action_runs WHERE crisis = 1 AND attempt = 1) >= interval '0.9 s'");
    /* Hang: killed at its one-second timeout, no retry left. */
    th_expect_value(db, "closed failed", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 2");
    th_expect_value(
        db, "t",
        "SELECT finished_at - started_at < interval '10 s' FROM tocsin.action_runs WHERE crisis = 2");
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/* Writes an executable program into dir. */
static void program(const char *dir, const char *name, const char *text)
{
    char path[4200];
    th_write_file(dir, name, text);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    chmod(path, 0755);
}

/*
 * An action program that writes its pid into DIR/NAME.pid, waits until the
 * file DIR/go exists, then runs tail (a line of shell) and exits 0.
 */
static void gated_program(const char *dir, const char *name, const char *tail)
{
    char text[1024];
    snprintf(text, sizeof text,
             "#!/bin/sh\ncat > /dev/null\necho $$ > \"$0.pid\"\n"
             "while [ ! -e \"${0%%/*}/go\" ]; do sleep 0.05; done\n%s\n",
             tail);
    program(dir, name, text);
}

/* The pid a program wrote into DIR/NAME.pid, or 0 when it has not (yet). */
static pid_t pid_file(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.pid", dir, name);
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (f != NULL) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

/* Waits up to ms milliseconds for the query to give expected; returns whether it did. */
static int wait_for(const char *db, const char *expected, int ms, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    for (int waited = 0;; waited += 50) {
        char *got = th_query_value(db, sql);
        int same = got != NULL && strcmp(got, expected) == 0;
        free(got);
        if (same || waited >= ms)
            return same;
        th_sleep_ms(50);
    }
}

/*
 * Stops a running engine with SIGTERM and collects it; one that has not
 * exited 15 s later (its grace for actions is 10 s) is killed, and the test
 * fails saying so, rather than hang.
 */
static void stop_engine(th_proc *engine, th_run *r)
{
    pid_t pid = th_pid(engine);
    th_signal(engine, SIGTERM);
    if (!gone_within(pid, 15000)) {
        th_signal(engine, SIGKILL);
        th_wait(engine, r);
        fail_msg("the engine did not stop on SIGTERM:\n%s", r->err);
    }
    th_wait(engine, r);
}

/*
 * Reads, while the engine is stopped, what its sockets hold: the server's
 * last words on the listening connection that it has just ended, so that
 * the engine's next read finds the end of the stream at once. Returns 0
 * when the system refuses (pidfd_getfd, Linux 5.6, needs ptrace rights).
 */
static int read_what_its_sockets_hold(pid_t pid)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), took = 0;
    char dirname[64];
    snprintf(dirname, sizeof dirname, "/proc/%d/fd", (int)pid);
    DIR *dir = pidfd >= 0 ? opendir(dirname) : NULL;
    for (struct dirent *entry; dir != NULL && (entry = readdir(dir)) != NULL;) {
        char link[320], target[64];
        snprintf(link, sizeof link, "%s/%s", dirname, entry->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0 || strncmp(target, "socket:", 7) != 0)
            continue;
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(entry->d_name), 0);
        if (fd < 0)
            continue;
        took = 1;
        char buf[4096];
        while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
            ;
        close(fd);
    }
    if (dir != NULL)
        closedir(dir);
    if (pidfd >= 0)
        close(pidfd);
    return took;
}

/*
 * The listening connection is lost and SIGTERM arrives in the same turn of
 * the loop (both happen while the engine is stopped, then it is let go): a
 * clean stop. The stop used to stop the listener's poll handle that the
 * loss had just closed, and libuv aborted on its assertion (exit 134).
 * Without pidfd_getfd the engine may read the server's last words first
 * and the stop in a turn of its own: the test then passes, proving less.
 */
static void test_engine_stops_cleanly_as_its_listener_is_lost(void **state)
{
    (void)state;
    char *db = th_db_create();
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--verbose", NULL});
    pid_t pid = th_pid(engine);
    char *backend = NULL;
    for (int i = 0; i < 200 && backend == NULL; i++) {
        th_sleep_ms(50);
        backend = value(db,
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE datname = current_database() AND query = 'LISTEN tocsin_work'");
    }
    if (backend == NULL) {
        th_run r;
        stop_engine(engine, &r);
        fail_msg("the engine did not listen:\n%s", r.err);
    }
    th_sleep_ms(300); /* the batch that listening asks for has ended */
    th_signal(engine, SIGSTOP);
    free(value(db, "SELECT pg_terminate_backend(%s)", backend));
    char *left;
    while ((left = value(db, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", backend)) != NULL) {
        free(left);
        th_sleep_ms(20);
    }
    th_sleep_ms(300); /* it leaves pg_stat_activity a moment before it closes its socket */
    if (!read_what_its_sockets_hold(pid))
        fprintf(stderr, "pidfd_getfd refused: the race may not happen\n");
    th_signal(engine, SIGTERM);
    th_signal(engine, SIGCONT);
    th_run r;
    if (!gone_within(pid, 15000)) {
        th_signal(engine, SIGKILL);
        th_wait(engine, &r);
        fail_msg("the engine did not stop on SIGTERM:\n%s", r.err);
    }
    th_wait(engine, &r);
    if (r.status != 0)
        fail_msg("the engine should stop cleanly, having lost its listener (exit %d):\n%s", r.status, r.err);
    th_run_free(&r);
    free(backend);
    th_db_drop(db);
}

/*
 * Starts an engine (one batch at a time) and has one batch apply together
 * the results of two actions, of crises 1 and 2 (paths first and second of
 * the fast playbook, gated programs first_program and second_program), and
 * the trigger of crisis 4. A plug holds the engine's only worker while the
 * results come in: the test locks the audit, triggers crisis 3, whose batch
 * then waits for the lock; the actions are let go and end, crisis 4 is
 * triggered, and the lock is released. The next batch carries it all.
 */
static th_proc *results_in_one_batch(const char *db, const char *dir, const char *first, const char *second,
                                     const char *first_program, const char *second_program)
{
    char inputs[64];
    snprintf(inputs, sizeof inputs, "{\"path\": \"%s\"}", first);
    trigger(db, "fast", inputs);
    snprintf(inputs, sizeof inputs, "{\"path\": \"%s\"}", second);
    trigger(db, "fast", inputs);
    th_proc *engine =
        th_tocsin_start(db, (const char *[]){"engine", "--actions-dir", dir, "--workers", "1", NULL});
    for (int i = 0; i < 200 && (pid_file(dir, first_program) == 0 || pid_file(dir, second_program) == 0); i++)
        th_sleep_ms(50);
    pid_t a = pid_file(dir, first_program), b = pid_file(dir, second_program);
    if (a == 0 || b == 0)
        fail_msg("the actions of crises 1 and 2 did not start");

    PGconn *lock = th_connect(db);
    PGresult *res = PQexec(lock, "BEGIN; LOCK TABLE tocsin.audit IN EXCLUSIVE MODE");
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    trigger(db, "fast", NULL); /* crisis 3: the plug */
    if (!wait_for(db, "1", 5000,
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                  " AND wait_event_type = 'Lock'"))
        fail_msg("the engine's batch of crisis 3 should wait for the lock on the audit");
    th_write_file(dir, "go", "");
    if (!gone_within(a, 5000) || !gone_within(b, 5000))
        fail_msg("the actions of crises 1 and 2 should have ended");
    th_sleep_ms(100);
    trigger(db, "fast", NULL); /* crisis 4 */
    res = PQexec(lock, "ROLLBACK");
    PQclear(res);
    PQfinish(lock);
    return engine;
}

/* Whether crises 1 and 2's action results and crisis 4's trigger were written by one transaction. */
#define ONE_BATCH_SQL                                                                                        \
    "SELECT count(DISTINCT x) FROM (SELECT xmin::text AS x FROM tocsin.action_runs WHERE crisis IN (1, 2)"   \
    " UNION ALL SELECT xmin::text FROM tocsin.commands WHERE crisis = 4 AND kind = 'trigger') t"

/*
 * What an action prints is bytes: a NUL (which jsonb refuses) and a byte
 * that is not UTF-8 are stored as U+FFFD, and the batch that carries the
 * result, another action's result and another crisis's trigger, applies
 * them all at once. Before, a byte that is not UTF-8 lost the whole output
 * tail (json_stringn refused it), and a NUL in valid text (crisis 2's stderr)
 * failed that batch and every one after it, while the other crises waited.
 */
static void test_engine_stores_what_an_action_prints_as_text(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    gated_program(dir, "nul-action", "printf 'before\\000after\\377\\n'");
    gated_program(dir, "gated-action", "echo '{\"sent\": 1}'; printf 'warning\\000\\n' >&2");
    load(db, "fast");
    th_proc *engine = results_in_one_batch(db, dir, "nul", "gated", "nul-action", "gated-action");
    int applied = wait_for(db, "closed closed t", 5000,
                           "SELECT concat_ws(' ', (SELECT status FROM tocsin.crises WHERE id = 1),"
                           " (SELECT status FROM tocsin.crises WHERE id = 2),"
                           " (SELECT state IS NOT NULL FROM tocsin.crises WHERE id = 4))");
    th_run r;
    stop_engine(engine, &r);
    if (!applied || r.status != 0 || th_contains(r.err, "batch failed") || th_contains(r.err, "set aside"))
        fail_msg("the engine should apply both results and the trigger at once (exit %d):\n%s", r.status,
                 r.err);
    th_run_free(&r);
    th_expect_value(db, "1", ONE_BATCH_SQL);
    th_expect_value(db, "closed resolved", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    th_expect_value(
        db, "t",
        "SELECT output_tail = E'before\\uFFFDafter\\uFFFD\\n' FROM tocsin.action_runs WHERE crisis = 1");
    th_expect_value(db, "t",
                    "SELECT detail ->> 'output_tail' = E'before\\uFFFDafter\\uFFFD\\n' FROM tocsin.audit"
                    " WHERE crisis = 1 AND kind = 'action_finished'");
    th_expect_value(db, "closed resolved 1",
                    "SELECT status || ' ' || outcome || ' ' || (state -> 'data' -> 'gated' ->> 'sent')"
                    " FROM tocsin.crises WHERE id = 2");
    th_expect_value(db, "ok t",
                    "SELECT concat_ws(' ', outcome, position(E'warning\\uFFFD\\n' IN output_tail) > 0)"
                    " FROM tocsin.action_runs WHERE crisis = 2");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit_verify()");
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/*
 * A batch that fails because of one crisis's action result (here a
 * constraint refuses what it printed), in the statement that writes the
 * results before the claim: that crisis is set aside, found by taking the
 * batch apart; the other crisis's result and the third crisis's trigger are
 * applied at once. Before, the batch was retried whole with backoff, and
 * failed every time.
 */
static void test_engine_sets_aside_the_crisis_whose_action_result_fails(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    gated_program(dir, "poison-action", "echo poison");
    gated_program(dir, "gated-action", "echo '{\"sent\": 1}'");
    load(db, "fast");
    th_exec(
        db,
        "ALTER TABLE tocsin.action_runs ADD CONSTRAINT no_poison CHECK (output_tail NOT LIKE '%poison%')");
    th_proc *engine = results_in_one_batch(db, dir, "poison", "gated", "poison-action", "gated-action");
    int applied = wait_for(db, "closed t 1", 5000,
                           "SELECT concat_ws(' ', (SELECT status FROM tocsin.crises WHERE id = 2),"
                           " (SELECT state IS NOT NULL FROM tocsin.crises WHERE id = 4),"
                           " (SELECT string_agg(crisis::text, ',') FROM tocsin.set_aside))");
    th_run r;
    stop_engine(engine, &r);
    if (!applied || r.status != 0 || !th_contains(r.err, "crisis set aside") ||
        th_contains(r.err, "msg=\"batch failed\""))
        fail_msg("the engine should set crisis 1 aside and apply the rest at once (exit %d):\n%s", r.status,
                 r.err);
    if (!th_contains(r.err, "crisis=1") || !th_contains(r.err, "no_poison"))
        fail_msg("the engine should say that crisis 1 is set aside, and why:\n%s", r.err);
    th_run_free(&r);
    th_expect_value(db, "closed resolved 1",
                    "SELECT status || ' ' || outcome || ' ' || (state -> 'data' -> 'gated' ->> 'sent')"
                    " FROM tocsin.crises WHERE id = 2");
    th_expect_value(db, "active t",
                    "SELECT concat_ws(' ', c.status, r.finished_at IS NULL) FROM tocsin.crises c"
                    " JOIN tocsin.action_runs r ON r.crisis = c.id WHERE c.id = 1");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit_verify()");
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/* Kills what a failed test may have left running (the process group a fixed engine would have ended). */
static void kill_leftover(pid_t pid)
{
    if (th_alive(pid))
        kill(pid, SIGKILL);
}

/*
 * An action that starts children in the background and exits 0 is judged by
 * its exit: applied once as ok, at once (not at its 10 s timeout), and its
 * children, left in its process group, are gone: the one that holds its
 * stdout and stderr, and the one that does not. Before, the engine waited
 * for the first to close the pipes (60 s), and the second outlived it.
 */
/* A descriptor the engine inherited (a supervisor's pipe, a file) never reaches an action program. */
static void test_engine_actions_inherit_no_descriptor(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    program(dir, "ok-action", "#!/bin/sh\ncat > /dev/null\nls -l /proc/$$/fd > \"$0.fds\" 2>&1\necho '{}'\n");
    th_write_file(dir, "inherited-secret", "not for actions\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/inherited-secret", dir);
    int fd = open(path, O_RDONLY); /* no O_CLOEXEC: the engine started below inherits it */
    assert_true(fd >= 0);
    load(db, "fast");
    trigger(db, "fast", "{\"path\": \"alert\"}");
    engine_once(db, dir);
    close(fd);
    snprintf(path, sizeof path, "%s/ok-action.fds", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char listing[8192];
    size_t n = fread(listing, 1, sizeof listing - 1, f);
    listing[n] = '\0';
    fclose(f);
    if (n == 0 || th_contains(listing, "inherited-secret"))
        fail_msg("the action should not hold the engine's inherited descriptor:\n%s", listing);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_engine_judges_an_action_by_its_exit(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    program(dir, "orphan-action",
            "#!/bin/sh\ncat > /dev/null\nsleep 60 &\necho $! > \"$0.pid\"\n"
            "sleep 120 < /dev/null > /dev/null 2>&1 &\necho $! > \"$0.quiet.pid\"\n"
            "echo '{\"left\": \"a child\"}'\n");
    load(db, "fast");
    trigger(db, "fast", "{\"path\": \"orphan\"}");
    long start = th_now_ms();
    engine_once(db, dir);
    long took = th_now_ms() - start;
    pid_t child = pid_file(dir, "orphan-action"), quiet = pid_file(dir, "orphan-action.quiet");
    int gone = child > 0 && gone_within(child, 2000), quiet_gone = quiet > 0 && gone_within(quiet, 2000);
    kill_leftover(child);
    kill_leftover(quiet);
    if (took > 5000 || !gone || !quiet_gone)
        fail_msg("the action should be applied at once (took %ld ms) and its children gone (%d: %s, %d: %s)",
                 took, (int)child, gone ? "gone" : "alive", (int)quiet, quiet_gone ? "gone" : "alive");
    th_expect_value(
        db, "closed resolved a child",
        "SELECT concat_ws(' ', status, outcome, state -> 'data' -> 'orphan' ->> 'left') FROM tocsin.crises"
        " WHERE id = 1");
    th_expect_value(db, "1 ok 0",
                    "SELECT concat_ws(' ', count(*), min(outcome), min(exit_status)) FROM tocsin.action_runs"
                    " WHERE crisis = 1");
    th_expect_value(
        db, "t", "SELECT finished_at - started_at < interval '5 s' FROM tocsin.action_runs WHERE crisis = 1");
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/*
 * An action that runs past its timeout is killed with its whole process
 * group: the child it started in the background (away from its pipes) is
 * gone too. Before, only the program was killed, and the child outlived the
 * crisis.
 */
static void test_engine_kills_an_action_with_its_children(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = actions_dir();
    program(dir, "orphan-hang-action",
            "#!/bin/sh\ncat > /dev/null\nsleep 120 < /dev/null > /dev/null 2>&1 &\necho $! > \"$0.pid\"\n"
            "exec sleep 60\n");
    load(db, "fast");
    trigger(db, "fast", "{\"path\": \"orphan_hang\"}");
    long start = th_now_ms();
    engine_once(db, dir);
    long took = th_now_ms() - start;
    pid_t child = pid_file(dir, "orphan-hang-action");
    int gone = child > 0 && gone_within(child, 2000);
    kill_leftover(child);
    if (took > 5000 || !gone)
        fail_msg("the action should be killed at its 1 s timeout (took %ld ms) and its child %d gone (%s)",
                 took, (int)child, gone ? "it is" : "it is not");
    th_expect_value(db, "closed failed", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    th_expect_value(db, "failed killed",
                    "SELECT concat_ws(' ', detail ->> 'outcome', detail ->> 'reason') FROM tocsin.audit"
                    " WHERE crisis = 1 AND kind = 'action_finished'");
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/* The contents of dir/name ("" when there is no such file); free(). */
static char *read_file(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    char *text = calloc(1, 1);
    size_t length = 0, n;
    char chunk[4096];
    while (f != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        text = realloc(text, length + n + 1);
        memcpy(text + length, chunk, n);
        length += n;
        text[length] = '\0';
    }
    if (f != NULL)
        fclose(f);
    return text;
}

/* How many times needle occurs in text. */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/*
 * A notify program that hangs, with its child: twelve notifications at once
 * and --notify-limit 3 --notify-timeout 1. The engine never runs more than
 * three (its children, counted every 20 ms), kills each with its group at
 * its timeout (the children are gone too), and hands every notification to
 * one: each line the program appends appears, once; stopped while the last
 * ones hang, it ends when they are killed. Before, every
 * notification started a program at once and none was ever killed (40
 * notifications left 50 hung programs; with 256 open files the rest failed
 * and were lost).
 */
static void test_engine_bounds_the_notify_program(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = th_tempdir();
    program(
        dir, "notify",
        "#!/bin/sh\nline=$(cat)\necho \"$line\" >> \"$0.log\"\nsleep 1000 &\necho $! >> \"$0.pids\"\nwait\n");
    load(db, "council");
    seats(db);
    th_exec(db,
            "SELECT tocsin.trigger('council', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}',"
            " NULL) FROM generate_series(1, 12)");
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--actions-dir", dir, "--notify-limit",
                                                           "3", "--notify-timeout", "1", NULL});
    long start = th_now_ms(), took = 0;
    int most = 0, lines = 0;
    while ((took = th_now_ms() - start) < 30000) {
        int running = th_children(th_pid(engine));
        most = running > most ? running : most;
        char *log = read_file(dir, "notify.log");
        lines = th_line_count(log);
        free(log);
        if (lines >= 12)
            break;
        th_sleep_ms(20);
    }
    /* Stopped while the last three hang: the engine waits for their timeout, not for ever. */
    th_run r;
    stop_engine(engine, &r);

    char *pids = read_file(dir, "notify.pids");
    int children = 0, alive = 0;
    for (char *p = pids; *p != '\0'; p++)
        if (p == pids || p[-1] == '\n') {
            pid_t child = (pid_t)atoi(p);
            children++;
            alive += th_alive(child);
            kill_leftover(child);
        }
    free(pids);
    if (most != 3 || lines != 12 || children != 12 || alive != 0)
        fail_msg(
            "at most 3 notify programs should run (%d did), all 12 notifications reach one (%d did), and"
            " each be killed with its child at its timeout (%d of %d children alive):\n%s",
            most, lines, alive, children, r.err);
    if (took < 3000 || occurrences(r.err, "notify program timed out") != 12)
        fail_msg("each notify program should have run until its timeout (all done in %ld ms):\n%s", took,
                 r.err);
    /* Each notification once. */
    char *log = read_file(dir, "notify.log");
    int seen[13] = {0};
    for (char *line = log; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        json_t *notice = json_loadb(line, end ? (size_t)(end - line) : strlen(line), 0, NULL);
        json_int_t crisis = json_integer_value(json_object_get(notice, "crisis"));
        if (crisis < 1 || crisis > 12 || seen[crisis]++)
            fail_msg("each of the 12 notifications should appear once:\n%s", log);
        json_decref(notice);
        line = end ? end + 1 : NULL;
    }
    free(log);
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/*
 * engine --once ends when the notify program it started ends. Before, a
 * notify program still running after the last batch left the engine
 * waiting for ever (nothing woke it when the program ended).
 */
static void test_engine_once_waits_for_the_notify_program(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *dir = th_tempdir();
    program(dir, "notify", "#!/bin/sh\ncat >> \"$0.log\"\nsleep 1\n");
    load(db, "council");
    seats(db);
    trigger(db, "council", NULL);
    char *log = NULL;
    int status = engine_once_within(db, dir, 10000, &log);
    if (status != 0)
        fail_msg("engine --once should end with its notify program (exit %d):\n%s", status, log);
    free(log);
    char *notices = read_file(dir, "notify.log");
    if (!th_contains(notices, "\"crisis\": 1") && !th_contains(notices, "\"crisis\":1"))
        fail_msg("the notify program should have received crisis 1's notification:\n%s", notices);
    free(notices);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

/* 100 crises, 10 votes each (four abstentions changed to approvals): 1,000 commands. */
static void load_votes(const char *db)
{
    load(db, "council");
    seats(db);
    th_exec(
        db,
        "SELECT tocsin.trigger('council', NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)"
        "  FROM generate_series(1, 100)");
    engine_once(db, NULL);
    th_exec(db,
            "INSERT INTO tocsin.commands (crisis, kind, actor, login, args, recorded_at)"
            " SELECT c, 'vote', lower(v.party) || '_delegate', lower(v.party) || '_delegate',"
            "        jsonb_build_object('party', v.party, 'vote', v.vote), clock_timestamp() + v.n * "
            "interval '1 ms'"
            "   FROM generate_series(1, 100) c,"
            "        (VALUES (1, 'AM', 'abstain'), (2, 'BY', 'abstain'), (3, 'KZ', 'abstain'), (4, 'KG', "
            "'abstain'),"
            "                (5, 'AM', 'approve'), (6, 'BY', 'approve'), (7, 'KZ', 'approve'), (8, 'KG', "
            "'approve'),"
            "                (9, 'RU', 'approve'), (10, 'TJ', 'approve')) v (n, party, vote)");
}

static void check_votes(const char *db)
{
    th_expect_value(db, "1000",
                    "SELECT count(*) FROM tocsin.commands WHERE kind = 'vote' AND result = 'applied'");
    th_expect_value(db, "1000", "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'");
    th_expect_value(db, "1000",
                    "SELECT count(DISTINCT (crisis, detail ->> 'party', detail ->> 'vote')) FROM tocsin.audit"
                    " WHERE kind = 'vote'");
    th_expect_value(db, "100",
                    "SELECT count(*) FROM tocsin.crises WHERE status = 'closed' AND outcome = 'resolved'");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.audit_verify()");
}

static void test_engine_three_engines_apply_each_vote_once(void **state)
{
    (void)state;
    char *db = th_db_create();
    load_votes(db);
    const char *args[] = {"engine", "--once", "--batch", "7", NULL};
    th_proc *a = th_tocsin_start(db, args), *b = th_tocsin_start(db, args), *c = th_tocsin_start(db, args);
    th_run ra, rb, rc;
    th_wait(a, &ra);
    th_wait(b, &rb);
    th_wait(c, &rc);
    assert_int_equal(ra.status, 0);
    assert_int_equal(rb.status, 0);
    assert_int_equal(rc.status, 0);
    th_run_free(&ra);
    th_run_free(&rb);
    th_run_free(&rc);
    check_votes(db);
    th_db_drop(db);
}

/*
 * commit_batch links a batch's events itself, from the head each crisis row
 * records; any other writer goes through the per-row trigger. Both append to
 * the same chains at once here (two engines applying 1,000 votes, and 300
 * single-event statements from another session): every chain must verify,
 * with its seqs contiguous and its head on the crisis row.
 */
static void test_engine_chains_beside_another_writer(void **state)
{
    (void)state;
    char *db = th_db_create();
    load_votes(db);
    const char *args[] = {"engine", "--once", "--batch", "5", NULL};
    th_proc *a = th_tocsin_start(db, args), *b = th_tocsin_start(db, args);
    PGconn *conn = th_connect(db);
    for (int i = 0; i < 300; i++) {
        char sql[200];
        snprintf(
            sql, sizeof sql,
            "INSERT INTO tocsin.audit (crisis, at, kind, detail) VALUES (%d, now(), 'note', '{\"n\": %d}')",
            1 + (i * 37) % 100, i);
        PGresult *res = PQexec(conn, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(conn));
        PQclear(res);
    }
    PQfinish(conn);
    th_run ra, rb;
    th_wait(a, &ra);
    th_wait(b, &rb);
    assert_int_equal(ra.status, 0);
    assert_int_equal(rb.status, 0);
    th_run_free(&ra);
    th_run_free(&rb);
    check_votes(db);
    th_expect_value(db, "300", "SELECT count(*) FROM tocsin.audit WHERE kind = 'note'");
    th_expect_value(
        db, "0",
        "SELECT count(*) FROM tocsin.crises c"
        " WHERE c.audit_seq <> (SELECT count(*) FROM tocsin.audit a WHERE a.crisis = c.id)"
        "    OR c.audit_hash IS DISTINCT FROM (SELECT a.hash FROM tocsin.audit a WHERE a.crisis = c.id"
        "                                      ORDER BY a.seq DESC LIMIT 1)");
    th_db_drop(db);
}

/* Stops an engine with sig once it has applied some of the 1,000 votes; returns its exit status. */
static int stop_mid_load(const char *db, int sig)
{
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", "--batch", "3", NULL});
    for (int i = 0; i < 200; i++) {
        char *n =
            value(db, "SELECT count(*) FROM tocsin.commands WHERE applied_at IS NOT NULL AND kind = 'vote'");
        int some = n && atoi(n) > 50;
        free(n);
        if (some)
            break;
        th_sleep_ms(10);
    }
    th_signal(engine, sig);
    th_run r;
    th_wait(engine, &r);
    int status = r.status;
    th_run_free(&r);
    return status;
}

static void test_engine_stopped_mid_load_loses_nothing(void **state)
{
    (void)state;
    char *db = th_db_create();
    load_votes(db);
    assert_int_equal(stop_mid_load(db, SIGTERM), 0); /* finishes its batch, exits 0 */
    engine_once(db, NULL);
    check_votes(db);
    th_db_drop(db);
}

static void test_engine_killed_mid_load_loses_nothing(void **state)
{
    (void)state;
    char *db = th_db_create();
    load_votes(db);
    assert_int_equal(stop_mid_load(db, SIGKILL), 128 + SIGKILL);
    engine_once(db, NULL); /* a new engine finishes the work */
    check_votes(db);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_consensus_and_refusal),
        cmocka_unit_test(test_engine_sets_a_failing_crisis_aside),
        cmocka_unit_test(test_engine_names_a_playbook_that_does_not_compile),
        cmocka_unit_test(test_engine_finds_the_crisis_that_fails_a_batch),
        cmocka_unit_test(test_engine_sets_aside_a_crisis_whose_commands_cannot_be_read),
        cmocka_unit_test(test_engine_backs_off_when_the_server_is_out_of_disk),
        cmocka_unit_test(test_engine_records_a_refusal_that_quotes_a_long_text),
        cmocka_unit_test(test_engine_open_approval_in_show),
        cmocka_unit_test(test_engine_deadline_and_escalation),
        cmocka_unit_test(test_engine_stops_cleanly_as_its_listener_is_lost),
        cmocka_unit_test(test_engine_actions_once),
        cmocka_unit_test(test_engine_actions_retry_and_timeout),
        cmocka_unit_test(test_engine_stores_what_an_action_prints_as_text),
        cmocka_unit_test(test_engine_sets_aside_the_crisis_whose_action_result_fails),
        cmocka_unit_test(test_engine_actions_inherit_no_descriptor),
        cmocka_unit_test(test_engine_judges_an_action_by_its_exit),
        cmocka_unit_test(test_engine_kills_an_action_with_its_children),
        cmocka_unit_test(test_engine_bounds_the_notify_program),
        cmocka_unit_test(test_engine_once_waits_for_the_notify_program),
        cmocka_unit_test(test_engine_three_engines_apply_each_vote_once),
        cmocka_unit_test(test_engine_chains_beside_another_writer),
        cmocka_unit_test(test_engine_stopped_mid_load_loses_nothing),
        cmocka_unit_test(test_engine_killed_mid_load_loses_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
