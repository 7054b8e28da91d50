/*
 * Applying migrations: lock, compare, then one transaction per file.
 *
 * The advisory lock is taken before anything is read, so two concurrent runs
 * cannot both decide that the same file is pending. The bootstrap (the schema
 * and the table of applied migrations) is the only SQL that is not in a file:
 * the files need it to be recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "store/db.h"
#include "store/migrate.h"

/* 'tocsin' in ASCII: the key of the advisory lock that serialises migrate runs. */
#define MIGRATE_LOCK_KEY "128017451280750"

static const char bootstrap_sql[] =
    "CREATE SCHEMA IF NOT EXISTS tocsin;"
    "CREATE TABLE IF NOT EXISTS tocsin.schema_migrations ("
    "  version integer PRIMARY KEY,"
    "  name text NOT NULL,"
    "  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  applied_by name NOT NULL DEFAULT current_user);"
    "CREATE TABLE IF NOT EXISTS tocsin.schema_repeatables ("
    "  name text PRIMARY KEY,"
    "  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  applied_by name NOT NULL DEFAULT current_user)";

static const char records_sql[] =
    "SELECT version, name, sha256,"
    "       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), applied_by"
    "  FROM tocsin.schema_migrations ORDER BY version";

void tc_migration_report_free(tc_migration_report *report)
{
    if (report == NULL)
        return;
    free(report->entries);
    free(report->applied);
    free(report->records);
    PQclear(report->rows);
    free(report);
}

/*
 * Whether the repeatable files of set are the ones the database last ran
 * (tocsin.schema_repeatables: each name with its sha256, and no other).
 */
static int read_repeatables(PGconn *conn, const tc_migration_set *set, tc_migration_report *report,
                            tc_error *err)
{
    PGresult *res = PQexec(conn, "SELECT to_regclass('tocsin.schema_repeatables') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = tc_db_fail(conn, res, "cannot read the repeatable migrations", err);
        PQclear(res);
        return rc;
    }
    int exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    size_t n = tc_migration_set_repeatable_count(set);
    report->repeatable_count = n;
    report->repeatable_current = 0;
    if (!exists)
        return 0;
    res = PQexec(conn, "SELECT name, sha256 FROM tocsin.schema_repeatables ORDER BY name COLLATE \"C\"");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = tc_db_fail(conn, res, "cannot read the repeatable migrations", err);
        PQclear(res);
        return rc;
    }
    int same = (size_t)PQntuples(res) == n;
    for (size_t i = 0; same && i < n; i++) {
        const tc_migration *m = tc_migration_set_repeatable_at(set, i);
        same = strcmp(PQgetvalue(res, (int)i, 0), m->name) == 0 &&
               strcmp(PQgetvalue(res, (int)i, 1), m->sha256) == 0;
    }
    PQclear(res);
    report->repeatable_current = same;
    return 0;
}

/* Reads the applied migrations into report and compares them with set. */
static int read_records(PGconn *conn, const tc_migration_set *set, tc_migration_report *report, tc_error *err)
{
    PGresult *res = PQexec(conn, "SELECT to_regclass('tocsin.schema_migrations') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = tc_db_fail(conn, res, "cannot read applied migrations", err);
        PQclear(res);
        return rc;
    }
    int exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);

    free(report->entries);
    free(report->records);
    PQclear(report->rows);
    report->entries = NULL;
    report->records = NULL;
    report->rows = NULL;

    size_t n = 0;
    if (exists) {
        report->rows = PQexec(conn, records_sql);
        if (PQresultStatus(report->rows) != PGRES_TUPLES_OK)
            return tc_db_fail(conn, report->rows, "cannot read applied migrations", err);
        n = (size_t)PQntuples(report->rows);
        report->records = tc_xcalloc(n ? n : 1, sizeof *report->records);
        for (size_t i = 0; i < n; i++) {
            tc_migration_record *r = &report->records[i];
            r->version = atoi(PQgetvalue(report->rows, (int)i, 0));
            r->name = PQgetvalue(report->rows, (int)i, 1);
            r->sha256 = PQgetvalue(report->rows, (int)i, 2);
            r->applied_at = PQgetvalue(report->rows, (int)i, 3);
            r->applied_by = PQgetvalue(report->rows, (int)i, 4);
        }
    }
    int rc =
        tc_migration_fold(tc_migration_set_at(set, 0), tc_migration_set_count(set), report->records, &n, err);
    if (rc == 0)
        rc = tc_migration_compare(tc_migration_set_at(set, 0), tc_migration_set_count(set), report->records,
                                  n, &report->entries, &report->count, err);
    if (rc == 0)
        rc = read_repeatables(conn, set, report, err);
    return rc;
}

int tc_migrate_status(PGconn *conn, const tc_migration_set *set, tc_migration_report **out, tc_error *err)
{
    tc_migration_report *report = tc_xcalloc(1, sizeof *report);
    int rc = read_records(conn, set, report, err);
    if (rc != 0) {
        tc_migration_report_free(report);
        return rc;
    }
    *out = report;
    return 0;
}

/* The line of sql on which a 1-based character position falls. */
static int line_of(const char *sql, long position)
{
    int line = 1;
    long chars = 0;
    for (const unsigned char *p = (const unsigned char *)sql; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars >= position)
            break;
        if (*p == '\n')
            line++;
    }
    return line;
}

/* Runs the SQL of one file, naming the file and its line when it fails. */
static int run_file(PGconn *conn, const tc_migration *m, tc_error *err)
{
    char what[300];
    PGresult *res = PQexec(conn, m->sql);
    ExecStatusType status = PQresultStatus(res);
    int rc = 0;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        const char *position = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
        if (position != NULL)
            snprintf(what, sizeof what, "migration %s failed at line %d", m->name,
                     line_of(m->sql, atol(position)));
        else
            snprintf(what, sizeof what, "migration %s failed", m->name);
        rc = tc_db_fail(conn, res, what, err);
    }
    PQclear(res);
    return rc;
}

/*
 * Runs one file and records it: in tocsin.schema_migrations with its number
 * (versioned), or in tocsin.schema_repeatables (repeatable, version 0).
 */
static int run_and_record(PGconn *conn, const tc_migration *m, tc_error *err)
{
    int rc = run_file(conn, m, err);
    if (rc != 0)
        return rc;
    char version[16], what[300];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[3] = {m->name, m->sha256, version};
    PGresult *res =
        PQexecParams(conn,
                     m->version > 0 ? "INSERT INTO tocsin.schema_migrations (name, sha256, version)"
                                      " VALUES ($1, $2, $3::integer)"
                                    : "INSERT INTO tocsin.schema_repeatables (name, sha256) VALUES ($1, $2)",
                     m->version > 0 ? 3 : 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(what, sizeof what, "cannot record migration %s", m->name);
        rc = tc_db_fail(conn, res, what, err);
    }
    PQclear(res);
    return rc;
}

/*
 * Applies files in one transaction: one versioned migration, or every
 * repeatable file (after forgetting what was recorded of them: functions,
 * triggers, policies and privileges are made again together, so they never
 * disagree).
 */
static int apply(PGconn *conn, const tc_migration *const *files, size_t count, int repeatable, tc_error *err)
{
    char what[300];
    int rc;
    if ((rc = tc_db_command(conn, "BEGIN", "cannot begin a migration", err)) != 0)
        return rc;
    if (repeatable && (rc = tc_db_command(conn, "DELETE FROM tocsin.schema_repeatables",
                                          "cannot clear the repeatable migrations", err)) != 0)
        goto rollback;
    for (size_t i = 0; i < count; i++)
        if ((rc = run_and_record(conn, files[i], err)) != 0)
            goto rollback;
    snprintf(what, sizeof what, "cannot commit migration %s", repeatable ? "repeatable/" : files[0]->name);
    return tc_db_command(conn, "COMMIT", what, err);

rollback:
    /* A failed ROLLBACK means the connection is gone, and with it the transaction. */
    tc_db_command(conn, "ROLLBACK", "cannot roll back", NULL);
    return rc;
}

/* Takes the migrate lock, waiting for another run if need be. */
static int lock(PGconn *conn, int *waited, tc_error *err)
{
    PGresult *res = PQexec(conn, "SELECT pg_try_advisory_lock(" MIGRATE_LOCK_KEY ")");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = tc_db_fail(conn, res, "cannot take the migrate lock", err);
        PQclear(res);
        return rc;
    }
    int got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    *waited = !got;
    if (got)
        return 0;
    return tc_db_command(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
                         "cannot take the migrate lock", err);
}

int tc_migrate(PGconn *conn, const tc_migration_set *set, tc_migration_report **out, tc_error *err)
{
    tc_migration_report *report = tc_xcalloc(1, sizeof *report);
    int rc;

    if ((rc = lock(conn, &report->waited, err)) != 0)
        goto fail;
    if ((rc = tc_db_command(conn, bootstrap_sql, "cannot create tocsin.schema_migrations", err)) != 0)
        goto unlock;
    if ((rc = read_records(conn, set, report, err)) != 0)
        goto unlock;
    if ((rc = tc_migration_verdict(report->entries, report->count, err)) != 0)
        goto unlock;

    report->applied = tc_xcalloc(report->count ? report->count : 1, sizeof *report->applied);
    for (size_t i = 0; i < report->count; i++) {
        if (report->entries[i].state != TC_MIGRATION_PENDING)
            continue;
        if ((rc = apply(conn, &report->entries[i].file, 1, 0, err)) != 0)
            goto unlock;
        report->applied[report->applied_count++] = report->entries[i].file;
    }
    if (report->applied_count > 0 && (rc = read_records(conn, set, report, err)) != 0)
        goto unlock;
    if (!report->repeatable_current) {
        size_t n = tc_migration_set_repeatable_count(set);
        const tc_migration **files = tc_xcalloc(n ? n : 1, sizeof *files);
        for (size_t i = 0; i < n; i++)
            files[i] = tc_migration_set_repeatable_at(set, i);
        rc = apply(conn, files, n, 1, err);
        free(files);
        if (rc != 0)
            goto unlock;
        report->repeatables_applied = tc_migration_set_repeatable_count(set);
        report->repeatable_current = 1;
    }

    tc_db_command(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "cannot release the migrate lock",
                  NULL);
    *out = report;
    return 0;

unlock:
    /* Closing the connection releases the lock too; this is for a caller that keeps it. */
    tc_db_command(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "cannot release the migrate lock",
                  NULL);
fail:
    tc_migration_report_free(report);
    return rc;
}
