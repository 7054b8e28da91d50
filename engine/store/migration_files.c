/*
 * Migration sets: the files of a directory, or those built into the binary
 * (tc_builtin_migrations, generated from migrations/ by cmake/embed_migrations.cmake).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "store/migrate.h"

struct tc_builtin_migration {
    const char *name;
    const char *sql;
    size_t length;
};
extern const struct tc_builtin_migration tc_builtin_migrations[];
extern const size_t tc_builtin_migration_count;

/* One list of migrations: the versioned ones, or the repeatable ones. */
typedef struct migration_list {
    tc_migration *items;
    size_t count;
    size_t capacity;
} migration_list;

struct tc_migration_set {
    migration_list versioned;  /* NNN_name.sql, by number */
    migration_list repeatable; /* repeatable/NAME.sql, by name */
    int owns_text;             /* whether name and sql of each item are ours to free */
};

#define REPEATABLE_DIR "repeatable"

static tc_migration_set *set_new(int owns_text)
{
    tc_migration_set *set = tc_xcalloc(1, sizeof *set);
    set->owns_text = owns_text;
    return set;
}

static void list_free(migration_list *list, int owns_text)
{
    if (owns_text)
        for (size_t i = 0; i < list->count; i++) {
            free((char *)list->items[i].name);
            free((char *)list->items[i].sql);
        }
    free(list->items);
}

void tc_migration_set_free(tc_migration_set *set)
{
    if (set == NULL)
        return;
    list_free(&set->versioned, set->owns_text);
    list_free(&set->repeatable, set->owns_text);
    free(set);
}

size_t tc_migration_set_count(const tc_migration_set *set)
{
    return set->versioned.count;
}

const tc_migration *tc_migration_set_at(const tc_migration_set *set, size_t index)
{
    return index < set->versioned.count ? &set->versioned.items[index] : NULL;
}

size_t tc_migration_set_repeatable_count(const tc_migration_set *set)
{
    return set->repeatable.count;
}

const tc_migration *tc_migration_set_repeatable_at(const tc_migration_set *set, size_t index)
{
    return index < set->repeatable.count ? &set->repeatable.items[index] : NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const tc_migration *)a)->name, ((const tc_migration *)b)->name);
}

/* Sorts both lists: versioned by number (refusing two with one number), repeatable by name. */
static int set_sort(tc_migration_set *set, tc_error *err)
{
    if (set->repeatable.count > 1)
        qsort(set->repeatable.items, set->repeatable.count, sizeof *set->repeatable.items, by_name);
    return tc_migration_files_sort(set->versioned.items, set->versioned.count, err);
}

/*
 * Appends a migration: a versioned one (NNN_name.sql), or a repeatable one
 * when its name starts with "repeatable/". On success the set holds name and sql.
 */
static int set_add(tc_migration_set *set, const char *name, const char *sql, size_t length, tc_error *err)
{
    int version = 0;
    int repeatable = strncmp(name, REPEATABLE_DIR "/", sizeof REPEATABLE_DIR) == 0;
    if (!repeatable && tc_migration_name_parse(name, &version) != 0)
        return tc_error_set(err, TC_EINVAL, "%s: a migration file must be named NNN_name.sql", name);
    migration_list *list = repeatable ? &set->repeatable : &set->versioned;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 16;
        tc_migration *items = tc_xrealloc(list->items, capacity * sizeof *items);
        list->items = items;
        list->capacity = capacity;
    }
    tc_migration *m = &list->items[list->count++];
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
            buf = tc_xrealloc(buf, capacity);
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

/* Adds every *.sql file of dir, named prefix + its file name; a missing dir is no file when optional. */
static int add_dir(tc_migration_set *set, const char *dir, const char *prefix, int optional, tc_error *err)
{
    char *path = NULL, *name = NULL, *sql = NULL;
    int rc = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (optional && errno == ENOENT)
            return 0;
        return tc_error_set(err, TC_EIO, "cannot open migrations directory %s: %s", dir, strerror(errno));
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.' || !ends_with(ent->d_name, ".sql"))
            continue;
        size_t length = 0, path_size = strlen(dir) + strlen(ent->d_name) + 2;
        size_t name_size = strlen(prefix) + strlen(ent->d_name) + 1;
        path = tc_xmalloc(path_size);
        name = tc_xmalloc(name_size);
        snprintf(path, path_size, "%s/%s", dir, ent->d_name);
        snprintf(name, name_size, "%s%s", prefix, ent->d_name);
        if ((rc = read_file(path, &sql, &length, err)) != 0 ||
            (rc = set_add(set, name, sql, length, err)) != 0)
            break;
        name = sql = NULL;
        free(path);
        path = NULL;
    }
    free(path);
    free(name);
    free(sql);
    closedir(d);
    return rc;
}

int tc_migration_set_load_dir(const char *dir, tc_migration_set **out, tc_error *err)
{
    tc_migration_set *set = set_new(1);
    size_t size = strlen(dir) + sizeof REPEATABLE_DIR + 1;
    char *sub = tc_xmalloc(size);
    snprintf(sub, size, "%s/" REPEATABLE_DIR, dir);
    int rc = add_dir(set, dir, "", 0, err);
    if (rc == 0)
        rc = add_dir(set, sub, REPEATABLE_DIR "/", 1, err);
    if (rc == 0)
        rc = set_sort(set, err);
    free(sub);
    if (rc != 0) {
        tc_migration_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

int tc_migration_set_builtin(tc_migration_set **out, tc_error *err)
{
    tc_migration_set *set = set_new(0);
    int rc;
    for (size_t i = 0; i < tc_builtin_migration_count; i++) {
        const struct tc_builtin_migration *b = &tc_builtin_migrations[i];
        if ((rc = set_add(set, b->name, b->sql, b->length, err)) != 0)
            goto fail;
    }
    if ((rc = set_sort(set, err)) != 0)
        goto fail;
    *out = set;
    return 0;
fail:
    tc_migration_set_free(set);
    return rc;
}
