/* Comparing migration files with the migrations a database records. */
#include "core/migration_plan.h"

#include <stdlib.h>
#include <string.h>

const char *tc_migration_state_name(tc_migration_state state)
{
    switch (state) {
    case TC_MIGRATION_APPLIED:
        return "applied";
    case TC_MIGRATION_PENDING:
        return "pending";
    case TC_MIGRATION_EDITED:
        return "edited";
    case TC_MIGRATION_UNKNOWN:
        return "unknown";
    case TC_MIGRATION_OUT_OF_ORDER:
        return "out of order";
    }
    return "?";
}

int tc_migration_name_parse(const char *filename, int *version)
{
    const char *p = filename;
    long number = 0;
    size_t digits = 0;

    while (*p >= '0' && *p <= '9') {
        if (digits++ == 9)
            return TC_EINVAL;
        number = number * 10 + (*p++ - '0');
    }
    if (digits < 3 || *p++ != '_')
        return TC_EINVAL;

    const char *label = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
           *p == '-')
        p++;
    if (p == label || strcmp(p, ".sql") != 0)
        return TC_EINVAL;

    *version = (int)number;
    return 0;
}

static int by_version(const void *a, const void *b)
{
    const tc_migration *x = a, *y = b;
    if (x->version != y->version)
        return x->version < y->version ? -1 : 1;
    return strcmp(x->name, y->name);
}

int tc_migration_files_sort(tc_migration *files, size_t count, tc_error *err)
{
    if (count > 1)
        qsort(files, count, sizeof *files, by_version);
    for (size_t i = 1; i < count; i++)
        if (files[i].version == files[i - 1].version)
            return tc_error_set(err, TC_EINVAL, "migrations %s and %s have the same number",
                                files[i - 1].name, files[i].name);
    return 0;
}

int tc_migration_compare(const tc_migration *files, size_t file_count, const tc_migration_record *records,
                         size_t record_count, tc_migration_entry **entries, size_t *entry_count,
                         tc_error *err)
{
    size_t capacity = file_count + record_count;
    tc_migration_entry *out = calloc(capacity ? capacity : 1, sizeof *out);
    if (out == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");

    int newest_recorded = record_count ? records[record_count - 1].version : -1;
    size_t f = 0, r = 0, n = 0;
    while (f < file_count || r < record_count) {
        tc_migration_entry *e = &out[n++];
        if (r == record_count || (f < file_count && files[f].version < records[r].version)) {
            e->version = files[f].version;
            e->file = &files[f++];
            e->state = e->version < newest_recorded ? TC_MIGRATION_OUT_OF_ORDER : TC_MIGRATION_PENDING;
        } else if (f == file_count || records[r].version < files[f].version) {
            e->version = records[r].version;
            e->record = &records[r++];
            e->state = TC_MIGRATION_UNKNOWN;
        } else {
            e->version = files[f].version;
            e->file = &files[f++];
            e->record = &records[r++];
            e->state =
                strcmp(e->file->sha256, e->record->sha256) == 0 ? TC_MIGRATION_APPLIED : TC_MIGRATION_EDITED;
        }
    }
    *entries = out;
    *entry_count = n;
    return 0;
}

int tc_migration_verdict(const tc_migration_entry *entries, size_t count, tc_error *err)
{
    for (size_t i = 0; i < count; i++) {
        const tc_migration_entry *e = &entries[i];
        switch (e->state) {
        case TC_MIGRATION_APPLIED:
        case TC_MIGRATION_PENDING:
            break;
        case TC_MIGRATION_EDITED:
            return tc_error_set(err, TC_EINVAL,
                                "migration %s was edited after it was applied (sha256 %.12s recorded, "
                                "%.12s now); add a new migration instead",
                                e->file->name, e->record->sha256, e->file->sha256);
        case TC_MIGRATION_UNKNOWN:
            return tc_error_set(err, TC_ECONFLICT,
                                "the database has migration %s, which this tocsin does not know; "
                                "use a newer tocsin",
                                e->record->name);
        case TC_MIGRATION_OUT_OF_ORDER:
            return tc_error_set(err, TC_EINVAL,
                                "migration %s is numbered below migrations already applied; renumber it",
                                e->file->name);
        }
    }
    return 0;
}
