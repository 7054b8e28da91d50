/* Comparing migration files with the migrations a database records. */
#include "core/base/alloc.h"
#include "core/migrate/migration_plan.h"

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
    /* Nothing refuses here any more: memory cannot run out (core/base/alloc.h); the verdict refuses. */
    (void)err;
    size_t capacity = file_count + record_count;
    tc_migration_entry *out = tc_xcalloc(capacity ? capacity : 1, sizeof *out);

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

/* The next "-- tocsin:folds NAME SHA256" line of sql[*at..length), or 0 when none is left. */
static int next_fold(const char *sql, size_t length, size_t *at, const char **name, size_t *name_length,
                     const char **sha)
{
    static const char marker[] = "-- tocsin:folds ";
    const size_t marker_length = sizeof marker - 1;
    while (*at < length) {
        const char *line = sql + *at;
        const char *end = memchr(line, '\n', length - *at);
        size_t line_length = end ? (size_t)(end - line) : length - *at;
        *at += line_length + 1;
        if (line_length <= marker_length || memcmp(line, marker, marker_length) != 0)
            continue;
        const char *p = line + marker_length, *stop = line + line_length;
        const char *space = memchr(p, ' ', (size_t)(stop - p));
        if (space == NULL || stop - (space + 1) != TC_SHA256_HEX_LENGTH - 1)
            continue;
        *name = p;
        *name_length = (size_t)(space - p);
        *sha = space + 1;
        return 1;
    }
    return 0;
}

int tc_migration_fold(const tc_migration *files, size_t file_count, tc_migration_record *records,
                      size_t *count, tc_error *err)
{
    for (size_t f = 0; f < file_count; f++) {
        const tc_migration *base = &files[f];
        size_t at = 0, folds = 0, found = 0, name_length;
        const char *name, *sha;
        const tc_migration_record *last = NULL;
        while (next_fold(base->sql, base->sql_length, &at, &name, &name_length, &sha)) {
            folds++;
            for (size_t r = 0; r < *count; r++)
                if (strlen(records[r].name) == name_length &&
                    memcmp(records[r].name, name, name_length) == 0 &&
                    strncmp(records[r].sha256, sha, TC_SHA256_HEX_LENGTH - 1) == 0) {
                    found++;
                    if (last == NULL || records[r].version > last->version)
                        last = &records[r];
                }
        }
        if (found == 0)
            continue;
        if (found != folds)
            return tc_error_set(
                err, TC_EINVAL,
                "the database stopped at migration %s, before the baseline %s; migrate it with the "
                "tocsin that has %s first",
                last->name, base->name, last->name);
        /* Every folded record gives way to one record of the baseline, where the last of them was. */
        tc_migration_record folded = *last;
        folded.version = base->version;
        folded.name = base->name;
        folded.sha256 = base->sha256;
        size_t kept = 0;
        for (size_t r = 0; r < *count; r++) {
            int is_folded = 0;
            size_t scan = 0;
            while (!is_folded && next_fold(base->sql, base->sql_length, &scan, &name, &name_length, &sha))
                is_folded = strlen(records[r].name) == name_length &&
                            memcmp(records[r].name, name, name_length) == 0 &&
                            strncmp(records[r].sha256, sha, TC_SHA256_HEX_LENGTH - 1) == 0;
            if (is_folded && &records[r] != last)
                continue;
            records[kept++] = is_folded ? folded : records[r];
        }
        *count = kept;
    }
    return 0;
}
