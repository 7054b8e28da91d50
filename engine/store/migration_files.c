/*
 * Migration sets: the files of a directory, or those built into the binary
 * (tc_builtin_migrations, generated from migrations/ by cmake/embed_migrations.cmake).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrate.h"

struct tc_builtin_migration {
    const char *name;
    const char *sql;
    size_t length;
};
extern const struct tc_builtin_migration tc_builtin_migrations[];
extern const size_t tc_builtin_migration_count;

struct tc_migration_set {
    tc_migration *items;
    size_t count;
    size_t capacity;
    int owns_text; /* whether name and sql of each item are ours to free */
};

static tc_migration_set *set_new(int owns_text)
{
    tc_migration_set *set = calloc(1, sizeof *set);
    if (set != NULL)
        set->owns_text = owns_text;
    return set;
}

void tc_migration_set_free(tc_migration_set *set)
{
    if (set == NULL)
        return;
    if (set->owns_text)
        for (size_t i = 0; i < set->count; i++) {
            free((char *)set->items[i].name);
            free((char *)set->items[i].sql);
        }
    free(set->items);
    free(set);
}

size_t tc_migration_set_count(const tc_migration_set *set)
{
    return set->count;
}

const tc_migration *tc_migration_set_at(const tc_migration_set *set, size_t index)
{
    return index < set->count ? &set->items[index] : NULL;
}

/* Appends a migration; on success the set holds name and sql. */
static int set_add(tc_migration_set *set, const char *name, const char *sql, size_t length, tc_error *err)
{
    int version;
    if (tc_migration_name_parse(name, &version) != 0)
        return tc_error_set(err, TC_EINVAL, "%s: a migration file must be named NNN_name.sql", name);
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? 2 * set->capacity : 16;
        tc_migration *items = realloc(set->items, capacity * sizeof *items);
        if (items == NULL)
            return tc_error_set(err, TC_ENOMEM, "out of memory");
        set->items = items;
        set->capacity = capacity;
    }
    tc_migration *m = &set->items[set->count++];
    m->version = version;
    m->name = name;
    m->sql = sql;
    m->sql_length = length;
    tc_sha256_hex(sql, length, m->sha256);
    return 0;
}

/* Reads a whole file into a NUL-terminated buffer. */
static int read_file(const char *path, char **text, size_t *length, tc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tc_error_set(err, TC_EIO, "cannot open %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t used = 0, capacity = 0;
    for (;;) {
        if (capacity - used < 4096) {
            capacity = capacity ? 2 * capacity : 8192;
            char *bigger = realloc(buf, capacity);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return tc_error_set(err, TC_ENOMEM, "out of memory");
            }
            buf = bigger;
        }
        size_t got = fread(buf + used, 1, capacity - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return tc_error_set(err, TC_EIO, "cannot read %s", path);
    }
    buf[used] = '\0';
    *text = buf;
    *length = used;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int tc_migration_set_load_dir(const char *dir, tc_migration_set **out, tc_error *err)
{
    tc_migration_set *set = set_new(1);
    DIR *d = NULL;
    char *path = NULL, *name = NULL, *sql = NULL;
    int rc;

    if (set == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    d = opendir(dir);
    if (d == NULL) {
        rc = tc_error_set(err, TC_EIO, "cannot open migrations directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.' || !ends_with(ent->d_name, ".sql"))
            continue;
        size_t length = 0, path_size = strlen(dir) + strlen(ent->d_name) + 2;
        path = malloc(path_size);
        name = strdup(ent->d_name);
        if (path == NULL || name == NULL) {
            rc = tc_error_set(err, TC_ENOMEM, "out of memory");
            goto fail;
        }
        snprintf(path, path_size, "%s/%s", dir, ent->d_name);
        if ((rc = read_file(path, &sql, &length, err)) != 0)
            goto fail;
        if ((rc = set_add(set, name, sql, length, err)) != 0)
            goto fail;
        name = sql = NULL;
        free(path);
        path = NULL;
    }
    closedir(d);
    d = NULL;
    if ((rc = tc_migration_files_sort(set->items, set->count, err)) != 0)
        goto fail;
    *out = set;
    return 0;

fail:
    free(path);
    free(name);
    free(sql);
    if (d != NULL)
        closedir(d);
    tc_migration_set_free(set);
    return rc;
}

int tc_migration_set_builtin(tc_migration_set **out, tc_error *err)
{
    tc_migration_set *set = set_new(0);
    int rc;
    if (set == NULL)
        return tc_error_set(err, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < tc_builtin_migration_count; i++) {
        const struct tc_builtin_migration *b = &tc_builtin_migrations[i];
        if ((rc = set_add(set, b->name, b->sql, b->length, err)) != 0)
            goto fail;
    }
    if ((rc = tc_migration_files_sort(set->items, set->count, err)) != 0)
        goto fail;
    *out = set;
    return 0;
fail:
    tc_migration_set_free(set);
    return rc;
}
