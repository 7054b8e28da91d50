/*
 * Schema migrations: the SQL files of migrations/, applied in order.
 *
 * The files are built into the tocsin binary (so an installed or containerised
 * tocsin needs nothing beside it); a directory may be given instead, for
 * authors and tests. Each migration runs in its own transaction together with
 * the row that records it in tocsin.schema_migrations (number, file name and
 * the sha256 of its bytes). A session advisory lock serialises concurrent runs:
 * the second waits, then finds nothing left to do.
 *
 * A migration file is plain SQL without transaction control (no BEGIN/COMMIT).
 */
#ifndef TC_STORE_MIGRATE_H
#define TC_STORE_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "core/base/error.h"
#include "core/migrate/migration_plan.h"

typedef struct tc_migration_set tc_migration_set;

/*
 * Loads every *.sql file of dir, sorted by number. Errors: TC_EIO (cannot read
 * the directory or a file), TC_EINVAL (a file not named NNN_name.sql, two files
 * with one number). On success *out is owned by the caller.
 */
int tc_migration_set_load_dir(const char *dir, tc_migration_set **out, tc_error *err);

/* The migrations built into this binary (the repository's migrations/). */
int tc_migration_set_builtin(tc_migration_set **out, tc_error *err);

void tc_migration_set_free(tc_migration_set *set);

/* Borrowed views of the set's versioned migrations, sorted by number; they live as long as the set. */
size_t tc_migration_set_count(const tc_migration_set *set);
const tc_migration *tc_migration_set_at(const tc_migration_set *set, size_t index);

/* The same for its repeatable ones (repeatable/NAME.sql, version 0), sorted by name. */
size_t tc_migration_set_repeatable_count(const tc_migration_set *set);
const tc_migration *tc_migration_set_repeatable_at(const tc_migration_set *set, size_t index);

/*
 * What a database holds compared with a set: one entry per number, in order.
 * The entries borrow from the set and from the report, which owns the rows
 * read from the database.
 */
typedef struct tc_migration_report {
    tc_migration_entry *entries;
    size_t count;
    const tc_migration **applied; /* migrations this run applied, in order */
    size_t applied_count;
    int waited;                 /* non-zero when another migrate held the lock first */
    size_t repeatable_count;    /* repeatable files in the set */
    int repeatable_current;     /* whether the database last ran exactly these */
    size_t repeatables_applied; /* repeatable files this run ran (all of them, or none) */
    /* private */
    tc_migration_record *records;
    PGresult *rows;
} tc_migration_report;

void tc_migration_report_free(tc_migration_report *report);

/*
 * Reads what the database has applied, without changing anything (a database
 * never migrated has nothing applied). On success *out is owned by the caller.
 */
int tc_migrate_status(PGconn *conn, const tc_migration_set *set, tc_migration_report **out, tc_error *err);

/*
 * Applies the pending migrations of set. Refuses, applying nothing, when an
 * applied migration was edited or is out of order (TC_EINVAL) or the database
 * knows a migration the set does not (TC_ECONFLICT), naming the file. A failing
 * migration is rolled back and reported with its file and line (TC_EFAILED);
 * those before it stay applied. On success *out (the state after the run) is
 * owned by the caller.
 */
int tc_migrate(PGconn *conn, const tc_migration_set *set, tc_migration_report **out, tc_error *err);

#endif
