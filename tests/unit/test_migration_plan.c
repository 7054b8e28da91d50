/* Comparing migration files with the records of a database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/migrate/migration_plan.h"

static tc_migration file(int version, const char *name, const char *sql)
{
    tc_migration m = {.version = version, .name = name, .sql = sql, .sql_length = strlen(sql)};
    tc_sha256_hex(sql, strlen(sql), m.sha256);
    return m;
}

static tc_migration_record record_of(const tc_migration *m)
{
    tc_migration_record r = {m->version, m->name, m->sha256, "2026-11-27T10:00:00Z", "tocsin"};
    return r;
}

static void test_migration_plan_name_parse(void **state)
{
    (void)state;
    int v = -1;
    assert_int_equal(tc_migration_name_parse("001_init.sql", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(tc_migration_name_parse("0420_audit-chain.sql", &v), 0);
    assert_int_equal(v, 420);
    assert_int_equal(tc_migration_name_parse("012_Baseline-2_x.sql", &v), 0);
    assert_int_equal(v, 12);

    v = -1;
    assert_int_equal(tc_migration_name_parse("01_short.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("001init.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("001_.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("001_init.sql.bak", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("001_in it.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("abc_init.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("1234567890_too_long.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("01.sql", &v), TC_EINVAL);
    /* The characters either side of the label's ranges: '~' past z, '[' between Z and a, ':' past 9. */
    assert_int_equal(tc_migration_name_parse("012_a~.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("012_a[.sql", &v), TC_EINVAL);
    assert_int_equal(tc_migration_name_parse("012_a:.sql", &v), TC_EINVAL);
    assert_int_equal(v, -1); /* not written on failure */
}

static void test_migration_plan_sort_and_duplicates(void **state)
{
    (void)state;
    tc_migration files[3] = {file(3, "003_c.sql", "c"), file(1, "001_a.sql", "a"), file(2, "002_b.sql", "b")};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_files_sort(files, 3, &err), 0);
    assert_string_equal(files[0].name, "001_a.sql");
    assert_string_equal(files[2].name, "003_c.sql");

    tc_migration dup[2] = {file(2, "002_y.sql", "y"), file(2, "002_x.sql", "x")};
    assert_int_equal(tc_migration_files_sort(dup, 2, &err), TC_EINVAL);
    assert_string_equal(err.text, "migrations 002_x.sql and 002_y.sql have the same number");

    /* None, or one: nothing to sort or to compare. */
    assert_int_equal(tc_migration_files_sort(NULL, 0, &err), 0);
    assert_int_equal(tc_migration_files_sort(files, 1, &err), 0);
    assert_string_equal(files[0].name, "001_a.sql");
}

static void test_migration_plan_nothing_at_all(void **state)
{
    (void)state;
    tc_migration_entry *e = NULL;
    size_t n = 99;
    assert_int_equal(tc_migration_compare(NULL, 0, NULL, 0, &e, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_non_null(e); /* still the caller's to free */
    assert_int_equal(tc_migration_verdict(e, n, NULL), 0);
    free(e);
}

/* A record between two files that no file has: the database went further, then these files skipped it. */
static void test_migration_plan_unknown_between_files(void **state)
{
    (void)state;
    tc_migration files[2] = {file(1, "001_a.sql", "a"), file(3, "003_c.sql", "c")};
    tc_migration middle = file(2, "002_gone.sql", "gone");
    tc_migration_record records[3] = {record_of(&files[0]), record_of(&middle), record_of(&files[1])};
    tc_migration_entry *e;
    size_t n;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_compare(files, 2, records, 3, &e, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(e[0].state, TC_MIGRATION_APPLIED);
    assert_int_equal(e[1].state, TC_MIGRATION_UNKNOWN);
    assert_ptr_equal(e[1].record, &records[1]);
    assert_int_equal(e[2].state, TC_MIGRATION_APPLIED);
    assert_int_equal(tc_migration_verdict(e, n, &err), TC_ECONFLICT);
    assert_string_equal(err.text,
                        "the database has migration 002_gone.sql, which this tocsin does not know; use "
                        "a newer tocsin");
    free(e);
}

static void test_migration_plan_fresh_database_is_all_pending(void **state)
{
    (void)state;
    tc_migration files[2] = {file(1, "001_a.sql", "a"), file(2, "002_b.sql", "b")};
    tc_migration_entry *e;
    size_t n;
    assert_int_equal(tc_migration_compare(files, 2, NULL, 0, &e, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].state, TC_MIGRATION_PENDING);
    assert_int_equal(e[1].state, TC_MIGRATION_PENDING);
    assert_null(e[0].record);
    assert_int_equal(tc_migration_verdict(e, n, NULL), 0);
    free(e);
}

static void test_migration_plan_applied_and_pending(void **state)
{
    (void)state;
    tc_migration files[3] = {file(1, "001_a.sql", "a"), file(2, "002_b.sql", "b"), file(3, "003_c.sql", "c")};
    tc_migration_record records[2] = {record_of(&files[0]), record_of(&files[1])};
    tc_migration_entry *e;
    size_t n;
    assert_int_equal(tc_migration_compare(files, 3, records, 2, &e, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(e[0].state, TC_MIGRATION_APPLIED);
    assert_int_equal(e[1].state, TC_MIGRATION_APPLIED);
    assert_int_equal(e[2].state, TC_MIGRATION_PENDING);
    assert_ptr_equal(e[1].record, &records[1]);
    assert_int_equal(tc_migration_verdict(e, n, NULL), 0);
    free(e);
}

static void test_migration_plan_edited_is_refused(void **state)
{
    (void)state;
    tc_migration files[2] = {file(1, "001_a.sql", "a"), file(2, "002_b.sql", "b")};
    tc_migration edited = file(1, "001_a.sql", "a -- changed");
    tc_migration_record records[1] = {record_of(&edited)};
    tc_migration_entry *e;
    size_t n;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_compare(files, 2, records, 1, &e, &n, NULL), 0);
    assert_int_equal(e[0].state, TC_MIGRATION_EDITED);
    assert_int_equal(tc_migration_verdict(e, n, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "migration 001_a.sql was edited after it was applied"));
    free(e);
}

static void test_migration_plan_database_newer_than_files(void **state)
{
    (void)state;
    tc_migration files[1] = {file(1, "001_a.sql", "a")};
    tc_migration later = file(2, "002_later.sql", "later");
    tc_migration_record records[2] = {record_of(&files[0]), record_of(&later)};
    tc_migration_entry *e;
    size_t n;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_compare(files, 1, records, 2, &e, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(e[1].state, TC_MIGRATION_UNKNOWN);
    assert_null(e[1].file);
    assert_int_equal(tc_migration_verdict(e, n, &err), TC_ECONFLICT);
    assert_non_null(strstr(err.text, "002_later.sql"));
    free(e);
}

static void test_migration_plan_out_of_order(void **state)
{
    (void)state;
    tc_migration files[3] = {file(1, "001_a.sql", "a"), file(2, "002_new.sql", "new"),
                             file(3, "003_c.sql", "c")};
    tc_migration_record records[2] = {record_of(&files[0]), record_of(&files[2])};
    tc_migration_entry *e;
    size_t n;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_compare(files, 3, records, 2, &e, &n, NULL), 0);
    assert_int_equal(e[1].state, TC_MIGRATION_OUT_OF_ORDER);
    assert_int_equal(tc_migration_verdict(e, n, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "migration 002_new.sql is numbered below"));
    free(e);
}

static void test_migration_plan_first_problem_wins(void **state)
{
    (void)state;
    /* 001 edited and 002 unknown: the verdict names 001, the lowest number. */
    tc_migration files[1] = {file(1, "001_a.sql", "a")};
    tc_migration old = file(1, "001_a.sql", "old"), extra = file(2, "002_x.sql", "x");
    tc_migration_record records[2] = {record_of(&old), record_of(&extra)};
    tc_migration_entry *e;
    size_t n;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_compare(files, 1, records, 2, &e, &n, NULL), 0);
    assert_int_equal(tc_migration_verdict(e, n, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "001_a.sql"));
    free(e);
}

static void test_migration_plan_state_names(void **state)
{
    (void)state;
    assert_string_equal(tc_migration_state_name(TC_MIGRATION_APPLIED), "applied");
    assert_string_equal(tc_migration_state_name(TC_MIGRATION_PENDING), "pending");
    assert_string_equal(tc_migration_state_name(TC_MIGRATION_EDITED), "edited");
    assert_string_equal(tc_migration_state_name(TC_MIGRATION_UNKNOWN), "unknown");
    assert_string_equal(tc_migration_state_name(TC_MIGRATION_OUT_OF_ORDER), "out of order");
    assert_string_equal(tc_migration_state_name((tc_migration_state)99), "?");
}

/* A baseline folds two old files: a database that recorded both counts it as applied; one that recorded one
 * of them stopped before it; one that recorded them with other sha256s is not folded at all. */
static void test_migration_plan_fold(void **state)
{
    (void)state;
    tc_migration old1 = file(1, "001_a.sql", "CREATE TABLE a ();\n"),
                 old2 = file(2, "002_b.sql", "CREATE TABLE b ();\n");
    char base_sql[512];
    snprintf(
        base_sql, sizeof base_sql,
        "-- the baseline\n-- tocsin:folds 001_a.sql %s\n-- tocsin:folds 002_b.sql %s\nCREATE TABLE a ();\n",
        old1.sha256, old2.sha256);
    tc_migration files[2] = {file(2, "002_baseline.sql", base_sql),
                             file(3, "003_c.sql", "CREATE TABLE c ();\n")};
    tc_error err;

    tc_migration_record both[3] = {record_of(&old1), record_of(&old2), record_of(&files[1])};
    both[1].applied_at = "2026-11-28T10:00:00Z";
    size_t count = 3;
    assert_int_equal(tc_migration_fold(files, 2, both, &count, &err), 0);
    assert_int_equal(count, 2);
    assert_int_equal(both[0].version, 2);
    assert_string_equal(both[0].name, "002_baseline.sql");
    assert_string_equal(both[0].sha256, files[0].sha256);
    assert_string_equal(both[0].applied_at, "2026-11-28T10:00:00Z"); /* when the last folded one was */
    assert_string_equal(both[1].name, "003_c.sql");
    tc_migration_entry *entries;
    size_t n;
    assert_int_equal(tc_migration_compare(files, 2, both, count, &entries, &n, &err), 0);
    assert_int_equal(entries[0].state, TC_MIGRATION_APPLIED);
    assert_int_equal(entries[1].state, TC_MIGRATION_APPLIED);
    free(entries);

    tc_migration_record one[1] = {record_of(&old1)};
    count = 1;
    tc_error_init(&err);
    assert_int_equal(tc_migration_fold(files, 2, one, &count, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "stopped at migration 001_a.sql, before the baseline 002_baseline.sql"));

    tc_migration other = file(1, "001_a.sql", "CREATE TABLE other ();\n");
    tc_migration_record unrelated[1] = {record_of(&other)};
    count = 1;
    assert_int_equal(tc_migration_fold(files, 2, unrelated, &count, &err), 0);
    assert_int_equal(count, 1);
    assert_string_equal(unrelated[0].name, "001_a.sql");
}

/* Lines that only look like folds are not folds; the last line may end without a newline; the folds may
 * be listed in any order (the baseline's record takes when and by whom from the newest folded one); records
 * that no fold names are kept. */
static void test_migration_plan_fold_lines(void **state)
{
    (void)state;
    tc_migration old1 = file(1, "001_a.sql", "CREATE TABLE a ();\n"),
                 old2 = file(2, "002_b.sql", "CREATE TABLE b ();\n"),
                 later = file(3, "003_c.sql", "CREATE TABLE c ();\n"),
                 longer = file(4, "004_longer.sql", "CREATE TABLE d ();\n");
    char base_sql[1024];
    snprintf(base_sql, sizeof base_sql,
             "-- tocsin:folds 001_a.sql\n"     /* no sha256 */
             "-- tocsin:folds 001_a.sql abc\n" /* not a sha256 */
             "-- tocsin:folds \n"
             "-- tocsin:folds 002_b.sql %s\n"
             "CREATE TABLE a ();\n"
             "-- tocsin:folds 001_a.sql %s",
             old2.sha256, old1.sha256);
    tc_migration files[3] = {file(2, "002_baseline.sql", base_sql), later, longer};
    tc_migration_record records[4] = {record_of(&old1), record_of(&old2), record_of(&later),
                                      record_of(&longer)};
    records[0].applied_at = "2026-11-28T10:00:00Z";
    size_t count = 4;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_migration_fold(files, 3, records, &count, &err), 0);
    assert_int_equal(count, 3);
    assert_string_equal(records[0].name, "002_baseline.sql");
    assert_int_equal(records[0].version, 2);
    assert_string_equal(records[0].applied_at, "2026-11-27T10:00:00Z"); /* 002_b.sql's, not 001_a.sql's */
    assert_string_equal(records[1].name, "003_c.sql");
    assert_string_equal(records[2].name, "004_longer.sql");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_plan_name_parse),
        cmocka_unit_test(test_migration_plan_sort_and_duplicates),
        cmocka_unit_test(test_migration_plan_fresh_database_is_all_pending),
        cmocka_unit_test(test_migration_plan_applied_and_pending),
        cmocka_unit_test(test_migration_plan_edited_is_refused),
        cmocka_unit_test(test_migration_plan_database_newer_than_files),
        cmocka_unit_test(test_migration_plan_out_of_order),
        cmocka_unit_test(test_migration_plan_first_problem_wins),
        cmocka_unit_test(test_migration_plan_state_names),
        cmocka_unit_test(test_migration_plan_fold),
        cmocka_unit_test(test_migration_plan_nothing_at_all),
        cmocka_unit_test(test_migration_plan_unknown_between_files),
        cmocka_unit_test(test_migration_plan_fold_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
