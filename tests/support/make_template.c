/*
 * The db_template fixture: (re)creates the template database that every
 * integration test copies, migrated by the tocsin under test, and drops the
 * databases that earlier runs of this build tree may have left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static void drop_leftovers(const char *admin, const char *tmpl)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(quote_ident(datname), ' ') FROM pg_database "
             "WHERE datname LIKE '%s\\_%%' OR datname = '%s'",
             tmpl, tmpl);
    char *names = th_query_value(admin, sql);
    if (names == NULL)
        return;
    for (char *name = strtok(names, " "); name != NULL; name = strtok(NULL, " ")) {
        snprintf(sql, sizeof sql, "ALTER DATABASE %s IS_TEMPLATE false", name);
        th_exec(admin, sql);
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", name);
        th_exec(admin, sql);
    }
    free(names);
}

static void test_template_create(void **state)
{
    (void)state;
    const char *admin = th_env("TOCSIN_TEST_DB");
    const char *tmpl = th_env("TOCSIN_TEST_TEMPLATE");
    char sql[512];

    drop_leftovers(admin, tmpl);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" TEMPLATE template0 ENCODING 'UTF8'", tmpl);
    th_exec(admin, sql);

    char *db = th_conninfo_with_db(admin, tmpl);
    th_run run;
    th_tocsin(&run, db, (const char *[]){"migrate", NULL});
    if (run.status != 0)
        fail_msg("tocsin migrate of the template failed (%d): %s", run.status, run.err);
    th_run_free(&run);
    free(db);

    /* No connections from now on: CREATE DATABASE ... TEMPLATE needs none. */
    snprintf(sql, sizeof sql, "ALTER DATABASE \"%s\" IS_TEMPLATE true ALLOW_CONNECTIONS false", tmpl);
    th_exec(admin, sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_create),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
