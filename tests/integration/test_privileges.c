/*
 * Privileges as a whole, and the attacks on them (docs/security.md):
 * - the database's grants, role by role and object by object, are exactly
 *   the matrix of docs/security.md, both ways;
 * - every SECURITY DEFINER function pins a search_path that ends in pg_temp
 *   and names only schemas no other role may create in;
 * - an actor or observer who shadows pg_roles with a temporary table, or
 *   current_setting with a function in a schema it searches, still reads only
 *   its own crises and cannot trigger or submit beyond its seats;
 * - tocsin_engine cannot write a table, give itself a seat, or have
 *   commit_batch record an event in a person's name that no command of that
 *   person asked for; and an engine running as such a role does its work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db;
static char kz[64], observer[64], engine_role[64], admin[64];

static void expect_run(const char *role, int status, const char *const *args, const char *out,
                       const char *err)
{
    th_expect_tocsin(db, role, status, args, out, err);
}

static char *sql_as(const char *role, const char *setup, const char *sql, const char *fail_with)
{
    return th_sql_as(db, role, setup, sql, fail_with);
}

static void expect(const char *want, const char *sql)
{
    char *got = th_query_value(db, sql);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s\nexpected: %s\ngot: %s", sql, want, got ? got : "(null)");
    free(got);
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    long pid = (long)getpid();
    snprintf(kz, sizeof kz, "kz_priv_%ld", pid);
    snprintf(observer, sizeof observer, "observer_priv_%ld", pid);
    snprintf(engine_role, sizeof engine_role, "engine_priv_%ld", pid);
    snprintf(admin, sizeof admin, "admin_priv_%ld", pid);
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_playbook_load(db, "tests/data/playbooks/valid/fast.json");
    th_playbook_load(db, "workflows/counter-narcotics.json");
    expect_run(NULL, 0, (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL}, NULL,
               NULL);
    expect_run(NULL, 0, (const char *[]){"actor", "add", observer, "--observer", "INTERPOL", "--login", NULL},
               NULL, NULL);
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE ROLE %s LOGIN IN ROLE tocsin_engine; CREATE ROLE %s LOGIN IN ROLE tocsin_admin",
             engine_role, admin);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    /* Crisis 1: a council decision kz takes part in; crisis 2: counter-narcotics, which neither may read
     * (kz holds a council seat, not a seat of that playbook's roles; the observer observes INTERPOL). */
    expect_run(NULL, 0, (const char *[]){"trigger", "council", "--no-wait", NULL}, "1\n", NULL);
    expect_run(NULL, 0,
               (const char *[]){"trigger", "counter-narcotics", "--input", "area=Fergana valley", "--parties",
                                "KZ,KG,TJ", "--no-wait", NULL},
               "2\n", NULL);
    expect_run(NULL, 0, (const char *[]){"engine", "--once", NULL}, NULL, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_db_drop(db);
    char sql[512];
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s, %s, %s, %s", kz, observer, engine_role, admin);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    return 0;
}

/* The lines of docs/security.md between the privileges markers, past the table's header. */
static char *documented_matrix(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/security.md", th_env("TOCSIN_SOURCE_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    size_t size = 0;
    char *out = NULL;
    FILE *mem = open_memstream(&out, &size);
    int inside = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "<!-- privileges:begin -->"))
            inside = 1;
        else if (strstr(line, "<!-- privileges:end -->"))
            inside = 0;
        else if (inside && strncmp(line, "| `", 3) == 0)
            fputs(line, mem);
    }
    fclose(f);
    fclose(mem);
    return out;
}

/* The same lines from the database, in the same order (schema, tables, sequences, functions; by name). */
static const char actual_matrix_sql[] =
    "WITH roles (r, ord) AS (VALUES ('tocsin_admin', 1), ('tocsin_engine', 2), ('tocsin_actor', 3),"
    "                               ('tocsin_observer', 4)),"
    " objects (k, name, cells) AS ("
    "   SELECT 0, 'schema tocsin', string_agg(CASE WHEN has_schema_privilege(r, 'tocsin', 'USAGE') THEN 'U'"
    "                                              ELSE '-' END, ' | ' ORDER BY ord) FROM roles"
    "   UNION ALL"
    "   SELECT 1, 'table tocsin.' || c.relname,"
    "          string_agg(coalesce(nullif(concat("
    "            CASE WHEN has_table_privilege(r, c.oid, 'SELECT') THEN 'r' END,"
    "            CASE WHEN has_table_privilege(r, c.oid, 'INSERT') THEN 'a' END,"
    "            CASE WHEN has_table_privilege(r, c.oid, 'UPDATE') THEN 'w' END,"
    "            CASE WHEN has_table_privilege(r, c.oid, 'DELETE') THEN 'd' END,"
    "            CASE WHEN has_table_privilege(r, c.oid, 'TRUNCATE') THEN 'D' END), ''), '-'),"
    "                     ' | ' ORDER BY ord)"
    "     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, roles"
    "    WHERE n.nspname = 'tocsin' AND c.relkind IN ('r', 'v', 'm', 'p')"
    "    GROUP BY c.relname"
    "   UNION ALL"
    "   SELECT 2, 'sequence tocsin.' || c.relname,"
    "          string_agg(coalesce(nullif(concat("
    "            CASE WHEN has_sequence_privilege(r, c.oid, 'SELECT') THEN 'r' END,"
    "            CASE WHEN has_sequence_privilege(r, c.oid, 'UPDATE') THEN 'w' END,"
    "            CASE WHEN has_sequence_privilege(r, c.oid, 'USAGE') THEN 'U' END), ''), '-'),"
    "                     ' | ' ORDER BY ord)"
    "     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, roles"
    "    WHERE n.nspname = 'tocsin' AND c.relkind = 'S'"
    "    GROUP BY c.relname"
    "   UNION ALL"
    "   SELECT 3, 'function tocsin.' || p.oid::regprocedure::text,"
    "          string_agg(CASE WHEN has_function_privilege(r, p.oid, 'EXECUTE') THEN 'X' ELSE '-' END,"
    "                     ' | ' ORDER BY ord)"
    "     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, roles"
    "    WHERE n.nspname = 'tocsin'"
    "    GROUP BY p.oid)"
    " SELECT string_agg('| `' || name || '` | ' || cells || E' |\\n', '' ORDER BY k, name COLLATE \"C\")"
    "   FROM objects";

static void test_privileges_are_the_documented_matrix(void **state)
{
    (void)state;
    char *documented = documented_matrix();
    char *actual = th_query_value(db, actual_matrix_sql);
    if (strcmp(documented, actual) != 0) {
        /* Name the first line that differs. */
        const char *d = documented, *a = actual;
        while (*d && *a && *d == *a)
            d++, a++;
        while (d > documented && d[-1] != '\n')
            d--;
        while (a > actual && a[-1] != '\n')
            a--;
        fail_msg(
            "docs/security.md's privilege matrix and the database differ\n documented: %.*s\n database:   "
            "%.*s",
            (int)strcspn(d, "\n"), d, (int)strcspn(a, "\n"), a);
    }
    free(documented);
    free(actual);
    /* PUBLIC has nothing in the schema (has_*_privilege cannot name PUBLIC: read the ACLs). */
    expect("0",
           "SELECT count(*) FROM ("
           "  SELECT (aclexplode(coalesce(c.relacl, acldefault('r', c.relowner)))).grantee FROM pg_class c"
           "   WHERE c.relnamespace = 'tocsin'::regnamespace"
           "  UNION ALL"
           "  SELECT (aclexplode(coalesce(p.proacl, acldefault('f', p.proowner)))).grantee FROM pg_proc p"
           "   WHERE p.pronamespace = 'tocsin'::regnamespace) g WHERE g.grantee = 0");
}

static void test_privileges_security_definer_search_path(void **state)
{
    (void)state;
    /* Each SECURITY DEFINER function: a search_path setting, pg_temp last, and no schema in it that a
     * role other than the owner may create objects in. */
    char *bad = th_query_value(
        db,
        "SELECT string_agg(p.oid::regprocedure::text || ' ' || coalesce(sp, '(no search_path)'), ', ')"
        "  FROM pg_proc p"
        "  LEFT JOIN LATERAL (SELECT substr(c, 13) AS sp FROM unnest(p.proconfig) c"
        "                      WHERE c LIKE 'search_path=%') s ON true"
        " WHERE p.pronamespace = 'tocsin'::regnamespace AND p.prosecdef"
        "   AND (sp IS NULL OR sp !~ ', pg_temp$'"
        "        OR EXISTS (SELECT 1 FROM unnest(string_to_array(sp, ', ')) sch"
        "                    WHERE sch <> 'pg_temp' AND EXISTS ("
        "                      SELECT 1 FROM pg_namespace n, pg_roles r"
        "                       WHERE n.nspname = sch AND r.oid <> n.nspowner AND NOT r.rolsuper"
        "                         AND has_schema_privilege(r.oid, n.oid, 'CREATE'))))");
    if (bad != NULL)
        fail_msg("SECURITY DEFINER functions with an unsafe search_path: %s", bad);
    expect("t",
           "SELECT count(*) >= 12 FROM pg_proc WHERE pronamespace = 'tocsin'::regnamespace AND prosecdef");
}

static const char shadow_pg_roles[] =
    "CREATE TEMP TABLE pg_roles AS SELECT rolname, true AS rolsuper, oid FROM pg_catalog.pg_roles;"
    "CREATE TEMP TABLE pg_namespace AS SELECT nspname, session_user::regrole::oid AS nspowner"
    "  FROM pg_catalog.pg_namespace";

static void test_privileges_shadowed_catalogs_change_nothing(void **state)
{
    (void)state;
    const char *roles[] = {kz, observer};
    for (int i = 0; i < 2; i++) {
        /* kz reads crisis 1 only; the observer (INTERPOL) neither. */
        char *seen = sql_as(roles[i], shadow_pg_roles,
                            "SELECT coalesce(string_agg(id::text, ','), '') FROM "
                            "tocsin.crises",
                            NULL);
        assert_string_equal(seen, i == 0 ? "1" : "");
        free(seen);
        char *audit =
            sql_as(roles[i], shadow_pg_roles, "SELECT count(*) FROM tocsin.audit WHERE crisis = 2", NULL);
        assert_string_equal(audit, "0");
        free(audit);
        sql_as(roles[i], shadow_pg_roles,
               "SELECT * FROM tocsin.trigger('counter-narcotics', NULL, NULL, NULL, ARRAY['KG'],"
               " '{\"area\": \"x\"}', NULL)",
               "may not trigger playbook counter-narcotics");
        sql_as(roles[i], shadow_pg_roles,
               "SELECT * FROM tocsin.submit(2, 'cancel', '{\"reason\": \"x\"}', NULL, false)", "no crisis 2");
        char *is_admin =
            sql_as(roles[i], shadow_pg_roles, "SELECT admin FROM tocsin.actor(session_user)", NULL);
        assert_string_equal(is_admin, "f");
        free(is_admin);
    }
    /* A function in a schema the reader searches first cannot stand in for the acting role's lookup. */
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SCHEMA shadow AUTHORIZATION %s", observer);
    th_exec(db, sql);
    char *seen = sql_as(observer,
                        "CREATE FUNCTION shadow.current_setting(text) RETURNS text LANGUAGE sql"
                        " AS 'SELECT ''tocsin''::text';"
                        "CREATE FUNCTION shadow.current_setting(text, boolean) RETURNS text LANGUAGE sql"
                        " AS 'SELECT ''tocsin''::text';"
                        "SET search_path = shadow, pg_catalog",
                        "SELECT count(*) FROM tocsin.crises", NULL);
    assert_string_equal(seen, "0");
    free(seen);
    th_exec(db, "DROP SCHEMA shadow CASCADE");
    expect("0", "SELECT count(*) FROM tocsin.commands WHERE crisis = 2 AND kind <> 'trigger'");
    expect("2", "SELECT count(*) FROM tocsin.crises");
}

/* The engine's role calls commit_batch for crisis 1 with one audit event and the command results given: it
 * must fail with refusal, writing nothing. */
static void expect_forged_batch(const char *event, const char *commands, const char *refusal)
{
    char *revision = th_query_value(db, "SELECT revision FROM tocsin.crises WHERE id = 1");
    char *state_text = th_query_value(db, "SELECT state::text FROM tocsin.crises WHERE id = 1");
    size_t size = strlen(state_text) + strlen(event) + strlen(commands) + 256;
    char *batch = malloc(size);
    snprintf(batch, size,
             "SELECT tocsin.commit_batch($$[{\"crisis\": 1, \"revision\": %s, \"state\": %s, \"audit\": [%s],"
             " \"timers\": [], \"cleared\": [], \"commands\": %s}]$$::jsonb, false)",
             revision, state_text, event, commands);
    sql_as(engine_role, NULL, batch, refusal);
    free(batch);
    free(revision);
    free(state_text);
}

static void test_privileges_engine_cannot_forge(void **state)
{
    (void)state;
    static const char *const writes[] = {
        "INSERT INTO tocsin.seats VALUES (current_user, 'council/RU')",
        "INSERT INTO tocsin.audit (crisis, at, actor, login, kind, prev_hash, hash) VALUES"
        " (1, now(), 'ru_delegate', 'ru_delegate', 'vote', '', '')",
        "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES (1, 'vote', 'ru_delegate',"
        " 'ru_delegate', '{\"vote\": \"reject\"}')",
        "INSERT INTO tocsin.votes (crisis, state, party, vote, actor, at) VALUES"
        " (1, 'consensus', 'RU', 'reject', 'ru_delegate', now())",
        "UPDATE tocsin.crises SET status = 'closed'",
        "DELETE FROM tocsin.timers",
        "SELECT tocsin.actor_seat(current_user, 'council/RU', true)",
        "SELECT * FROM tocsin.submit(1, 'vote', '{\"state\": \"consensus\", \"vote\": \"approve\"}', NULL, "
        "false)",
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
        sql_as(engine_role, NULL, writes[i], "permission denied");

    /* Through commit_batch: a reject in RU's name, with no command of RU's in the batch. */
    expect_forged_batch(
        "{\"at_ms\": 1, \"actor\": \"ru_delegate\", \"login\": \"ru_delegate\", \"kind\": \"vote\","
        " \"state\": \"consensus\", \"detail\": {\"vote\": \"reject\", \"party\": \"RU\"}}",
        "[]", "no command of theirs");
    /* A vote in no one's name (it would be recorded in the engine's): refused too. */
    expect_forged_batch(
        "{\"at_ms\": 1, \"kind\": \"vote\", \"state\": \"consensus\", \"detail\": {\"vote\": \"reject\","
        " \"party\": \"RU\"}}",
        "[]", "in the name of no one");
    /* KZ's real command, turned by the batch into a reject: refused as well. */
    th_exec(db,
            "INSERT INTO tocsin.commands (crisis, kind, actor, login, args) VALUES"
            " (1, 'vote', 'kz_x', 'kz_x', '{\"state\": \"consensus\", \"vote\": \"approve\"}')");
    char *kz_seq = th_query_value(db, "SELECT max(seq) FROM tocsin.commands");
    char commands[128];
    snprintf(commands, sizeof commands, "[{\"seq\": %s, \"result\": \"applied\", \"error\": null}]", kz_seq);
    expect_forged_batch(
        "{\"at_ms\": 1, \"actor\": \"kz_x\", \"login\": \"kz_x\", \"kind\": \"vote\", \"state\":"
        " \"consensus\", \"detail\": {\"vote\": \"reject\", \"party\": \"KZ\"}}",
        commands, "no command of theirs");
    /* Its approve as cast, its event saying signed (the event names the command whose signature commit_batch
     * copies): refused, an unsigned command has none to give; a signature given whole, as it once was, too.
     */
    const char *claimed[] = {NULL,
                             "{\"key_id\": \"0000000000000000\", \"signed\": \"x\", \"signature\": \"y\"}"};
    for (int i = 0; i < 2; i++) {
        char event[512];
        snprintf(event, sizeof event,
                 "{\"at_ms\": 1, \"actor\": \"kz_x\", \"login\": \"kz_x\", \"kind\": \"vote\", \"state\":"
                 " \"consensus\", \"detail\": {\"vote\": \"approve\", \"party\": \"KZ\"}, \"signature\": %s}",
                 claimed[i] ? claimed[i] : kz_seq);
        expect_forged_batch(event, commands, "no command of theirs");
    }
    free(kz_seq);
    th_exec(db, "DELETE FROM tocsin.commands WHERE actor = 'kz_x'");
    expect("0", "SELECT count(*) FROM tocsin.votes");
    expect("0", "SELECT count(*) FROM tocsin.seats WHERE actor LIKE 'engine_priv_%'");
}

static void test_privileges_engine_works_as_its_role(void **state)
{
    (void)state;
    /* A vote, and an action whose result is written before the claim (lock_crisis). */
    expect_run(kz, 0, (const char *[]){"approve", "1", "--no-wait", NULL}, NULL, NULL);
    expect_run(NULL, 0,
               (const char *[]){"trigger", "fast", "--inputs", "{\"path\": \"alert\"}", "--no-wait", NULL},
               "3\n", NULL);
    char *dir = th_tempdir();
    th_write_file(dir, "ok-action", "#!/bin/sh\ncat >/dev/null\necho '{\"sent\": 1}'\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/ok-action", dir);
    chmod(path, 0755);
    expect_run(engine_role, 0, (const char *[]){"engine", "--once", "--actions-dir", dir, NULL}, NULL, NULL);
    th_rmtree(dir);
    free(dir);
    char who[160];
    snprintf(who, sizeof who, "%s approve", kz);
    expect(who, "SELECT actor || ' ' || vote FROM tocsin.votes WHERE crisis = 1");
    expect("closed resolved", "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 3");
    /* What the engine did itself is in its own name. */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) > 0 FROM tocsin.audit WHERE crisis = 3 AND actor = '%s'",
             engine_role);
    expect("t", sql);
    expect("0", "SELECT count(*) FROM tocsin.audit_verify()");
}

/*
 * An administrator of tocsin manages actors, not the cluster: actor add and
 * grant (which run as the owner) refuse roles that are more than actors, and
 * names a CHECK would refuse are a clear invalid input. Sizes are capped in
 * the database too, whatever the client.
 */
static void test_privileges_admin_limits(void **state)
{
    (void)state;
    char *superuser = th_query_value(db, "SELECT current_user");
    const char *protected_roles[] = {"tocsin_engine", "tocsin_admin", superuser, "pg_read_server_files"};
    for (size_t i = 0; i < sizeof protected_roles / sizeof protected_roles[0]; i++)
        expect_run(admin, 5,
                   (const char *[]){"actor", "add", protected_roles[i], "--seat", "council/KZ", NULL}, NULL,
                   "not a role tocsin manages");
    expect_run(admin, 5, (const char *[]){"actor", "grant", superuser, "council/KZ", NULL}, NULL,
               "not a role tocsin manages");
    free(superuser);
    expect("f", "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'tocsin_engine'");
    expect("0", "SELECT count(*) FROM tocsin.seats WHERE actor LIKE 'tocsin%'");

    sql_as(admin, NULL, "SELECT tocsin.actor_add('someone', ARRAY['Council/KZ'], '{}', false)",
           "invalid seat");
    sql_as(admin, NULL, "SELECT tocsin.actor_add('someone', '{}', ARRAY['UN ODC'], false)",
           "invalid organisation");
    sql_as(admin, NULL, "SELECT tocsin.actor_add('some one', ARRAY['council/KZ'], '{}', false)",
           "invalid actor name");
    expect("0", "SELECT count(*) FROM pg_roles WHERE rolname IN ('someone', 'some one')");

    sql_as(admin, NULL, "SELECT * FROM tocsin.load_playbook_checked(repeat(' ', 1048577), '{}')",
           "the playbook is 1048577 bytes, more than the 1048576 allowed");
    sql_as(admin, NULL,
           "SELECT * FROM tocsin.trigger('council', NULL, NULL, NULL, NULL, jsonb_build_object('a', "
           "repeat('x', 70000)),"
           " NULL)",
           "the inputs JSON is");
    sql_as(admin, NULL,
           "SELECT * FROM tocsin.trigger('council', repeat('t', 1025), NULL, NULL, NULL, NULL, NULL)",
           "the title is 1025 bytes");
    sql_as(
        kz, NULL,
        "SELECT * FROM tocsin.submit(1, 'vote', jsonb_build_object('state', 'consensus', 'vote', 'approve',"
        " 'reason', repeat('r', 20000)), NULL, false)",
        "the reason is 20000 bytes");
    sql_as(kz, NULL,
           "SELECT * FROM tocsin.submit(1, 'vote', '{\"state\": \"consensus\", \"vote\": \"approve\"}',"
           " repeat('k', 257), false)",
           "the idempotency key is 257 bytes");
    expect("2", "SELECT count(*) FROM tocsin.crises WHERE id <= 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_privileges_are_the_documented_matrix),
        cmocka_unit_test(test_privileges_security_definer_search_path),
        cmocka_unit_test(test_privileges_shadowed_catalogs_change_nothing),
        cmocka_unit_test(test_privileges_engine_cannot_forge),
        cmocka_unit_test(test_privileges_engine_works_as_its_role),
        cmocka_unit_test(test_privileges_admin_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
