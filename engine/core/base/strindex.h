/*
 * A string-keyed index: string -> int, open addressing, in an arena. Keys are
 * borrowed and must outlive the index (they live in the same arena here).
 * Built once, read many times: it grows but never deletes.
 */
#ifndef TC_CORE_STRINDEX_H
#define TC_CORE_STRINDEX_H

#include <stddef.h>

#include "core/base/arena.h"

typedef struct tc_strindex tc_strindex;

/* A new index for about expected keys (from the arena, which never fails). */
tc_strindex *tc_strindex_new(tc_arena *arena, size_t expected);

/*
 * Adds key -> value. Returns 0, or 1 when the key was already there (its
 * value is left as it was).
 */
int tc_strindex_put(tc_strindex *index, const char *key, int value);

/* The value of key, or -1 when absent. */
int tc_strindex_get(const tc_strindex *index, const char *key);

#endif
