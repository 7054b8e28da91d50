/*
 * tocsin migrate against a real server: applying, the no-op rerun, refusing an
 * edited file, rolling back a failing one, serialising concurrent runs, a
 * database newer than the files, --status, and a dead server; the baseline
 * (a database of the first twelve migrations brought to the schema of a new
 * one), and repeatable files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static int count_rows(const char *db, const char *sql)
{
    char *v = th_query_value(db, sql);
    int n = v ? atoi(v) : -1;
    free(v);
    return n;
}

static void migrate(th_run *r, const char *db, const char *dir)
{
    if (dir)
        th_tocsin(r, db, (const char *[]){"migrate", "--dir", dir, NULL});
    else
        th_tocsin(r, db, (const char *[]){"migrate", NULL});
}

static void test_migrate_fresh_database_then_noop(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    th_run r;

    migrate(&r, db, NULL);
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "applied 012_baseline.sql"));
    th_run_free(&r);
    int applied = count_rows(db, "SELECT count(*) FROM tocsin.schema_migrations");
    assert_true(applied >= 1);
    char *when = th_query_value(db, "SELECT string_agg(applied_at::text, ',') FROM tocsin.schema_migrations");

    migrate(&r, db, NULL);
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "already up to date"));
    assert_false(th_contains(r.out, "applied 0"));
    th_run_free(&r);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM tocsin.schema_migrations"), applied);
    char *when2 =
        th_query_value(db, "SELECT string_agg(applied_at::text, ',') FROM tocsin.schema_migrations");
    assert_string_equal(when, when2);
    free(when);
    free(when2);
    th_db_drop(db);
}

static void test_migrate_records_sha256_of_each_file(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    th_write_file(dir, "001_first.sql", "CREATE TABLE t (x int);\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    /* sha256sum of "CREATE TABLE t (x int);\n" */
    char *sha = th_query_value(db, "SELECT sha256 FROM tocsin.schema_migrations WHERE version = 1");
    char *expected = th_query_value(db,
                                    "SELECT encode(sha256(convert_to(E'CREATE TABLE t (x int);\\n', "
                                    "'UTF8')), 'hex')");
    assert_string_equal(sha, expected);
    char *name = th_query_value(db, "SELECT name FROM tocsin.schema_migrations WHERE version = 1");
    assert_string_equal(name, "001_first.sql");
    free(sha);
    free(expected);
    free(name);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_applies_in_numeric_order(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    /* Written in reverse; each depends on the one before. */
    th_write_file(dir, "010_third.sql", "INSERT INTO steps VALUES (3, 'third');\n");
    th_write_file(dir, "002_second.sql", "INSERT INTO steps VALUES (2, 'second');\n");
    th_write_file(dir, "001_first.sql",
                  "CREATE TABLE steps (n int PRIMARY KEY, label text);\n"
                  "INSERT INTO steps VALUES (1, 'first');\n");
    th_write_file(dir, "README.md", "not a migration\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out,
                        "applied 001_first.sql\napplied 002_second.sql\napplied 010_third.sql\n"
                        "up to date (3 migrations applied)\n");
    th_run_free(&r);
    char *order = th_query_value(db, "SELECT string_agg(label, ',' ORDER BY n) FROM steps");
    assert_string_equal(order, "first,second,third");
    free(order);
    char *versions = th_query_value(db,
                                    "SELECT string_agg(version::text, ',' ORDER BY applied_at, version) "
                                    "FROM tocsin.schema_migrations");
    assert_string_equal(versions, "1,2,10");
    free(versions);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_refuses_edited_file(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    th_write_file(dir, "001_first.sql", "CREATE TABLE a (x int);\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 0);
    th_run_free(&r);

    th_write_file(dir, "001_first.sql", "CREATE TABLE a (x int, y int);\n");
    th_write_file(dir, "002_second.sql", "CREATE TABLE b (x int);\n");
    migrate(&r, db, dir);
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "migration 001_first.sql was edited after it was applied"));
    assert_int_equal(th_line_count(r.err), 1);
    th_run_free(&r);
    /* Nothing was applied: not even the new 002. */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM tocsin.schema_migrations"), 1);
    char *b = th_query_value(db, "SELECT to_regclass('b')::text");
    assert_null(b);

    /* --status shows it, and exits 0: it only reports. */
    th_tocsin(&r, db, (const char *[]){"migrate", "--status", "--dir", dir, NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "edited"));
    assert_true(th_contains(r.out, "pending"));
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_failing_file_rolls_back(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    th_write_file(dir, "001_good.sql", "CREATE TABLE good (x int);\n");
    th_write_file(dir, "002_bad.sql",
                  "CREATE TABLE half (x int);\n"
                  "-- the next statement is wrong\n"
                  "INSERT INTO nowhere VALUES (1);\n");
    th_write_file(dir, "003_after.sql", "CREATE TABLE after (x int);\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err,
                        "migration 002_bad.sql failed at line 3: relation \"nowhere\" does not exist\n");
    th_run_free(&r);
    char *v = th_query_value(db, "SELECT string_agg(version::text, ',') FROM tocsin.schema_migrations");
    assert_string_equal(v, "1");
    free(v);
    assert_null(th_query_value(db, "SELECT to_regclass('half')::text"));
    assert_null(th_query_value(db, "SELECT to_regclass('after')::text"));
    char *good = th_query_value(db, "SELECT to_regclass('good')::text");
    assert_string_equal(good, "good");
    free(good);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_concurrent_runs_are_serialised(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    /* Not idempotent: applied twice, the CREATE TABLE would fail. The sleep
     * holds the first run inside its transaction while the second arrives. */
    th_write_file(dir, "001_slow.sql", "CREATE TABLE once (x int);\nSELECT pg_sleep(1);\n");
    const char *args[] = {"migrate", "--dir", dir, NULL};
    th_proc *a = th_tocsin_start(db, args);
    th_proc *b = th_tocsin_start(db, args);
    th_run ra, rb;
    th_wait(a, &ra);
    th_wait(b, &rb);
    assert_int_equal(ra.status, 0);
    assert_int_equal(rb.status, 0);
    /* Exactly one of them applied it; the other waited and found it done. */
    int applied_a = th_contains(ra.out, "applied 001_slow.sql");
    int applied_b = th_contains(rb.out, "applied 001_slow.sql");
    assert_int_equal(applied_a + applied_b, 1);
    assert_true(th_contains(applied_a ? rb.err : ra.err, "waited for another tocsin migrate"));
    th_run_free(&ra);
    th_run_free(&rb);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM tocsin.schema_migrations"), 1);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_database_newer_than_files(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    th_write_file(dir, "001_a.sql", "CREATE TABLE a (x int);\n");
    th_write_file(dir, "002_b.sql", "CREATE TABLE b (x int);\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 0);
    th_run_free(&r);

    char *older = th_tempdir();
    th_write_file(older, "001_a.sql", "CREATE TABLE a (x int);\n");
    migrate(&r, db, older);
    assert_int_equal(r.status, 6);
    assert_true(th_contains(r.err, "the database has migration 002_b.sql, which this tocsin does not know"));
    th_run_free(&r);
    th_rmtree(older);
    free(older);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_out_of_order_file(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    th_write_file(dir, "001_a.sql", "CREATE TABLE a (x int);\n");
    th_write_file(dir, "003_c.sql", "CREATE TABLE c (x int);\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_write_file(dir, "002_b.sql", "CREATE TABLE b (x int);\n");
    migrate(&r, db, dir);
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "migration 002_b.sql is numbered below migrations already applied"));
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

static void test_migrate_bad_file_name_and_duplicate_number(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    char *dir = th_tempdir();
    th_write_file(dir, "1_a.sql", "SELECT 1;\n");
    th_run r;
    migrate(&r, db, dir);
    assert_int_equal(r.status, 3);
    assert_string_equal(r.err, "1_a.sql: a migration file must be named NNN_name.sql\n");
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);

    dir = th_tempdir();
    th_write_file(dir, "001_a.sql", "SELECT 1;\n");
    th_write_file(dir, "001_b.sql", "SELECT 1;\n");
    migrate(&r, db, dir);
    assert_int_equal(r.status, 3);
    assert_true(th_contains(r.err, "migrations 001_a.sql and 001_b.sql have the same number"));
    th_run_free(&r);
    /* Nothing was created. */
    assert_null(th_query_value(db, "SELECT to_regclass('tocsin.schema_migrations')::text"));
    th_rmtree(dir);
    free(dir);

    migrate(&r, db, "/nonexistent/migrations");
    assert_int_equal(r.status, 1);
    assert_true(th_contains(r.err, "cannot open migrations directory /nonexistent/migrations"));
    th_run_free(&r);
    th_db_drop(db);
}

static void test_migrate_status_changes_nothing(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    th_run r;
    th_tocsin(&r, db, (const char *[]){"migrate", "--status", "--json", NULL});
    assert_int_equal(r.status, 0);
    json_error_t jerr;
    json_t *doc = json_loads(r.out, 0, &jerr);
    assert_non_null(doc);
    json_t *list = json_object_get(doc, "migrations");
    assert_true(json_array_size(list) >= 1);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "012_baseline.sql");
    assert_string_equal(json_string_value(json_object_get(first, "state")), "pending");
    assert_true(json_is_null(json_object_get(first, "applied_at")));
    assert_int_equal(strlen(json_string_value(json_object_get(first, "sha256"))), 64);
    json_decref(doc);
    th_run_free(&r);
    assert_null(th_query_value(db, "SELECT to_regclass('tocsin.schema_migrations')::text"));

    migrate(&r, db, NULL);
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"migrate", "--status", NULL});
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "012_baseline.sql"));
    assert_true(th_contains(r.out, "applied"));
    assert_false(th_contains(r.out, "pending"));
    th_run_free(&r);
    th_db_drop(db);
}

static void test_migrate_dead_database_is_exit_7(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999 dbname=tocsin",
              (const char *[]){"migrate", NULL});
    assert_int_equal(r.status, 7);
    assert_true(strncmp(r.err, "cannot connect to database: ", 28) == 0);
    assert_int_equal(th_line_count(r.err), 1);
    assert_string_equal(r.out, "");
    th_run_free(&r);

    /* --db wins over TOCSIN_DB. */
    char *db = th_db_create_empty();
    th_tocsin(&r, db,
              (const char *[]){"--db", "host=/nonexistent-tocsin-socket-dir port=5999", "migrate", NULL});
    assert_int_equal(r.status, 7);
    th_run_free(&r);
    th_tocsin(&r, "host=/nonexistent-tocsin-socket-dir port=5999",
              (const char *[]){"migrate", "--db", db, NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_db_drop(db);
}

static void test_unmigrated_database_says_to_migrate(void **state)
{
    (void)state;
    char *db = th_db_create_empty();
    static const char *const commands[][4] = {
        {"list", NULL}, {"show", "1", NULL}, {"engine", "--once", NULL}};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        th_run r;
        th_tocsin(&r, db, commands[i]);
        assert_int_equal(r.status, 1);
        assert_int_equal(th_line_count(r.err), 1);
        if (!th_contains(r.err, "(run 'tocsin migrate')"))
            fail_msg("tocsin %s: %s", commands[i][0], r.err);
        th_run_free(&r);
    }
    th_db_drop(db);
}

static void test_migrate_template_is_migrated(void **state)
{
    (void)state;
    /* The harness's template went through tocsin migrate: a copy is up to date. */
    char *db = th_db_create();
    th_run r;
    migrate(&r, db, NULL);
    assert_int_equal(r.status, 0);
    assert_true(th_contains(r.out, "already up to date"));
    th_run_free(&r);
    th_db_drop(db);
}

/* A catalogue of what migrate makes of the schema: every function with its body, settings and ACL, every
 * column, constraint, index, trigger and policy, and every table's ACL and RLS; one text to compare. */
static const char schema_sql[] =
    "SELECT string_agg(x, E'\\n' ORDER BY x COLLATE \"C\") FROM ("
    " SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid)) || ' '"
    "        || coalesce(p.proacl::text, '') FROM pg_proc p WHERE p.pronamespace = 'tocsin'::regnamespace"
    " UNION ALL SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, "
    "a.atttypmod)"
    "        || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')"
    "   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    "   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    "  WHERE c.relnamespace = 'tocsin'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped"
    " UNION ALL SELECT 'table ' || c.relname || ' ' || c.relkind::text || ' ' || c.relrowsecurity || ' '"
    "        || coalesce(c.relacl::text, '') FROM pg_class c WHERE c.relnamespace = 'tocsin'::regnamespace"
    " UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM "
    "pg_constraint"
    "  WHERE connamespace = 'tocsin'::regnamespace"
    " UNION ALL SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = "
    "i.indrelid"
    "  WHERE c.relnamespace = 'tocsin'::regnamespace"
    " UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = "
    "t.tgrelid"
    "  WHERE c.relnamespace = 'tocsin'::regnamespace AND NOT t.tgisinternal"
    " UNION ALL SELECT 'policy ' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' '"
    "        || coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies WHERE schemaname = "
    "'tocsin') s (x)";

/*
 * The only database that existed before the baseline was made: one migrated by
 * tocsin's first twelve migrations (kept as they were in
 * tests/data/migrations-012, as .frozen files), with a crisis in it. migrate brings it to exactly
 * the schema a new database gets, its crisis and audit intact; and a database
 * that applied only some of those twelve is refused.
 */
/* The first n of the twelve migrations folded into the baseline, as they were, in a new directory (free it).
 */
static char *first_twelve(int n)
{
    static const char *const names[] = {
        "001_init.sql",  "002_playbooks.sql", "003_crises.sql",         "004_records.sql",
        "005_audit.sql", "006_api.sql",       "007_seats.sql",          "008_security.sql",
        "009_batch.sql", "010_set_aside.sql", "011_set_aside_seen.sql", "012_notify_after_commit.sql"};
    char *dir = th_tempdir();
    for (int i = 0; i < n; i++) {
        char from[4400];
        snprintf(from, sizeof from, "%s/tests/data/migrations-012/%s.frozen", th_env("TOCSIN_SOURCE_DIR"),
                 names[i]);
        char *text = th_read_file(from);
        th_write_file(dir, names[i], text);
        free(text);
    }
    return dir;
}

static void test_migrate_from_the_first_twelve(void **state)
{
    (void)state;
    char *old = first_twelve(12);
    char *before = th_db_create_empty(), *fresh = th_db_create_empty();
    th_run r;
    migrate(&r, before, old);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    /* A playbook loaded the way the old tocsin did, and a crisis of it applied. */
    char path[4200];
    snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/council.json", th_env("TOCSIN_SOURCE_DIR"));
    char *source = th_read_file(path);
    PGconn *conn = th_connect(before);
    const char *params[1] = {source};
    PGresult *res =
        PQexecParams(conn, "SELECT tocsin.load_playbook_checked($1)", 1, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    PQfinish(conn);
    free(source);
    th_exec(before, "INSERT INTO tocsin.seats VALUES (current_user, 'council/KZ')");
    const char *const *setup[] = {(const char *[]){"trigger", "council", "--no-wait", NULL},
                                  (const char *[]){"engine", "--once", NULL}};
    for (size_t i = 0; i < 2; i++) {
        th_tocsin(&r, before, setup[i]);
        if (r.status != 0)
            fail_msg("tocsin %s on the old database: %s", setup[i][0], r.err);
        th_run_free(&r);
    }

    migrate(&r, before, NULL);
    if (r.status != 0 || !th_contains(r.out, "applied 013_trust_boundaries.sql") ||
        th_contains(r.out, "applied 012_baseline.sql") || !th_contains(r.out, "applied repeatable/"))
        fail_msg("migrate of the old database (exit %d):\n%s%s", r.status, r.out, r.err);
    th_run_free(&r);
    migrate(&r, fresh, NULL);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    char *a = th_query_value(before, schema_sql), *b = th_query_value(fresh, schema_sql);
    if (strcmp(a, b) != 0) {
        const char *p = a, *q = b;
        while (*p && *p == *q)
            p++, q++;
        while (p > a && p[-1] != '\n')
            p--, q--;
        fail_msg("the migrated database differs from a new one:\n old: %.*s\n new: %.*s",
                 (int)strcspn(p, "\n"), p, (int)strcspn(q, "\n"), q);
    }
    free(a);
    free(b);
    th_tocsin(&r, before, (const char *[]){"audit", "verify", NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    char *anchored =
        th_query_value(before, "SELECT audit_seq > 0 AND initiator_login IS NOT NULL FROM tocsin.crises");
    assert_string_equal(anchored, "t");
    free(anchored);
    migrate(&r, before, NULL);
    assert_true(th_contains(r.out, "already up to date") && !th_contains(r.out, "repeatable"));
    th_run_free(&r);
    /* Its playbook learnt the seats of its states: a vote on the old crisis is checked and recorded. */
    th_tocsin(&r, before, (const char *[]){"approve", "1", "--party", "KZ", "--no-wait", NULL});
    if (r.status != 0)
        fail_msg("a vote on the migrated crisis: %s", r.err);
    th_run_free(&r);
    /* ... the same seats the compiler gives when today's tocsin loads it. */
    th_tocsin(&r, fresh, (const char *[]){"playbook", "load", path, NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    char *filled = th_query_value(before, "SELECT states::text FROM tocsin.playbooks");
    char *compiled = th_query_value(fresh, "SELECT states::text FROM tocsin.playbooks");
    assert_true(th_contains(filled, "\"consensus\": {\"role\": \"council\""));
    assert_string_equal(filled, compiled);
    free(filled);
    free(compiled);

    /* Stopped before the baseline: seven of the twelve. */
    char *partial = th_db_create_empty(), *dir = first_twelve(7);
    migrate(&r, partial, dir);
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    migrate(&r, partial, NULL);
    if (r.status != 3 || !th_contains(r.err, "stopped at migration 007_seats.sql, before the baseline"))
        fail_msg("a database stopped before the baseline should be refused (exit %d): %s", r.status, r.err);
    th_run_free(&r);
    th_rmtree(dir);
    free(dir);
    th_rmtree(old);
    free(old);
    th_db_drop(partial);
    th_db_drop(before);
    th_db_drop(fresh);
}

/* Repeatable files run after the versioned ones, again whenever one changes, all of them, in one transaction.
 */
static void test_migrate_repeatable_files(void **state)
{
    (void)state;
    char *db = th_db_create_empty(), *dir = th_tempdir();
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/repeatable", dir);
    th_write_file(dir, "001_table.sql", "CREATE TABLE tocsin.t (x int);\n");
    assert_int_equal(mkdir(sub, 0700), 0);
    th_write_file(sub, "10_f.sql",
                  "CREATE OR REPLACE FUNCTION tocsin.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
    th_write_file(
        sub, "20_g.sql",
        "CREATE OR REPLACE FUNCTION tocsin.g() RETURNS int LANGUAGE sql AS 'SELECT tocsin.f() + 1';\n");
    th_run r;
    migrate(&r, db, dir);
    assert_true(r.status == 0 && th_contains(r.out, "applied repeatable/ (2 files"));
    th_run_free(&r);
    char *v = th_query_value(db, "SELECT tocsin.g()");
    assert_string_equal(v, "2");
    free(v);
    migrate(&r, db, dir); /* nothing changed: nothing runs */
    assert_true(r.status == 0 && !th_contains(r.out, "repeatable"));
    th_run_free(&r);

    th_write_file(sub, "10_f.sql",
                  "CREATE OR REPLACE FUNCTION tocsin.f() RETURNS int LANGUAGE sql AS 'SELECT 41';\n");
    th_tocsin(&r, db, (const char *[]){"migrate", "--status", "--dir", dir, NULL});
    assert_true(th_contains(r.out, "repeatable/ (2 files)") && th_contains(r.out, "pending"));
    th_run_free(&r);
    migrate(&r, db, dir);
    assert_true(r.status == 0 && th_contains(r.out, "applied repeatable/ (2 files"));
    th_run_free(&r);
    v = th_query_value(db, "SELECT tocsin.g()");
    assert_string_equal(v, "42");
    free(v);

    /* A failing one rolls them all back: the database keeps what it had, and says so next time. */
    th_write_file(sub, "20_g.sql",
                  "CREATE OR REPLACE FUNCTION tocsin.g() RETURNS int LANGUAGE sql AS 'SELECT nope';\n");
    th_write_file(sub, "10_f.sql",
                  "CREATE OR REPLACE FUNCTION tocsin.f() RETURNS int LANGUAGE sql AS 'SELECT 99';\n");
    migrate(&r, db, dir);
    if (r.status == 0 || !th_contains(r.err, "repeatable/20_g.sql"))
        fail_msg("a failing repeatable file should fail the run, naming it (exit %d): %s", r.status, r.err);
    th_run_free(&r);
    v = th_query_value(db, "SELECT tocsin.f()");
    assert_string_equal(v, "41");
    free(v);
    th_rmtree(dir);
    free(dir);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_fresh_database_then_noop),
        cmocka_unit_test(test_migrate_records_sha256_of_each_file),
        cmocka_unit_test(test_migrate_applies_in_numeric_order),
        cmocka_unit_test(test_migrate_refuses_edited_file),
        cmocka_unit_test(test_migrate_failing_file_rolls_back),
        cmocka_unit_test(test_migrate_concurrent_runs_are_serialised),
        cmocka_unit_test(test_migrate_database_newer_than_files),
        cmocka_unit_test(test_migrate_out_of_order_file),
        cmocka_unit_test(test_migrate_bad_file_name_and_duplicate_number),
        cmocka_unit_test(test_migrate_status_changes_nothing),
        cmocka_unit_test(test_migrate_dead_database_is_exit_7),
        cmocka_unit_test(test_migrate_template_is_migrated),
        cmocka_unit_test(test_unmigrated_database_says_to_migrate),
        cmocka_unit_test(test_migrate_from_the_first_twelve),
        cmocka_unit_test(test_migrate_repeatable_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
