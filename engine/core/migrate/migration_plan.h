/*
 * Deciding what `tocsin migrate` must do: the pure half of migrations.
 *
 * The store reads the migration files and the rows of tocsin.schema_migrations;
 * this module compares the two and says, for every number, whether it is applied,
 * pending, edited after it was applied, unknown to these files (the database is
 * newer than this tocsin), or out of order (a new file numbered below one already
 * applied). Nothing here reads a file or talks to the database.
 */
#ifndef TC_CORE_MIGRATION_PLAN_H
#define TC_CORE_MIGRATION_PLAN_H

#include <stddef.h>

#include "core/base/error.h"
#include "core/base/sha256.h"

/* A migration file: NNN_name.sql. All pointers are borrowed from the caller. */
typedef struct tc_migration {
    int version;      /* NNN */
    const char *name; /* the file name, "012_baseline.sql" */
    const char *sql;
    size_t sql_length;
    char sha256[TC_SHA256_HEX_LENGTH]; /* of the file's bytes */
} tc_migration;

/* A row of tocsin.schema_migrations. All pointers are borrowed. */
typedef struct tc_migration_record {
    int version;
    const char *name;
    const char *sha256;
    const char *applied_at;
    const char *applied_by;
} tc_migration_record;

typedef enum tc_migration_state {
    TC_MIGRATION_APPLIED,      /* recorded, and the file is unchanged */
    TC_MIGRATION_PENDING,      /* a file not recorded, newer than every recorded one */
    TC_MIGRATION_EDITED,       /* recorded, but the file's sha256 is not the recorded one */
    TC_MIGRATION_UNKNOWN,      /* recorded, but no file has its number */
    TC_MIGRATION_OUT_OF_ORDER, /* a file not recorded, numbered below a recorded one */
} tc_migration_state;

typedef struct tc_migration_entry {
    int version;
    const tc_migration *file;          /* NULL when UNKNOWN */
    const tc_migration_record *record; /* NULL when PENDING or OUT_OF_ORDER */
    tc_migration_state state;
} tc_migration_entry;

/*
 * Baselines. A migration file may fold earlier ones: each line
 *   -- tocsin:folds NNN_name.sql SHA256
 * names a file it replaces and the sha256 that migrate recorded for it. A
 * database that recorded every folded file, each with that sha256, counts the
 * baseline as applied: tc_migration_fold rewrites records[0..*count) in place,
 * the folded records giving way to one record of the baseline (its name and
 * sha256 borrowed from the file, when and by whom from the last folded one).
 * A database that recorded only some of them stopped before the baseline and
 * cannot be brought past it by these files: TC_EINVAL, naming the last one it
 * has. Records that match no fold are left as they are.
 */
int tc_migration_fold(const tc_migration *files, size_t file_count, tc_migration_record *records,
                      size_t *count, tc_error *err);

/* "applied", "pending", "edited", "unknown", "out of order". */
const char *tc_migration_state_name(tc_migration_state state);

/*
 * Parses a migration file name, NNN_name.sql (three or more digits, then an
 * underscore and letters, digits, '_' or '-'), storing NNN in *version.
 * Returns 0, or TC_EINVAL for any other name.
 */
int tc_migration_name_parse(const char *filename, int *version);

/*
 * Sorts files by version in place and checks that no two share a number.
 * Returns 0, or TC_EINVAL naming both files.
 */
int tc_migration_files_sort(tc_migration *files, size_t count, tc_error *err);

/*
 * Pairs sorted files with records sorted by version into *entries, one per
 * version, in version order. *entries is owned by the caller (free()); the
 * entries borrow from files and records. Returns 0 or TC_ENOMEM.
 */
int tc_migration_compare(const tc_migration *files, size_t file_count, const tc_migration_record *records,
                         size_t record_count, tc_migration_entry **entries, size_t *entry_count,
                         tc_error *err);

/*
 * Says whether the entries may be migrated: 0 when every entry is APPLIED or
 * PENDING; otherwise the first problem in version order, TC_EINVAL for an
 * edited or out-of-order file and TC_ECONFLICT for a database that is newer
 * than the files, with a message naming the file.
 */
int tc_migration_verdict(const tc_migration_entry *entries, size_t count, tc_error *err);

#endif
