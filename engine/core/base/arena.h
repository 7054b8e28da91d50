/*
 * An arena: many small allocations freed at once.
 *
 * A compiled playbook is immutable and dies whole, so its states, strings and
 * arrays come from one arena: compiling costs a few large allocations instead
 * of thousands of small ones, and freeing is one walk over the chunks.
 */
#ifndef TC_CORE_ARENA_H
#define TC_CORE_ARENA_H

#include <stddef.h>

typedef struct tc_arena tc_arena;

/* A new, empty arena, or NULL when out of memory. */
tc_arena *tc_arena_new(void);

/* Frees the arena and everything allocated from it; NULL is a no-op. */
void tc_arena_free(tc_arena *arena);

/* size bytes, zeroed and aligned for any type, or NULL when out of memory. */
void *tc_arena_alloc(tc_arena *arena, size_t size);

/* count elements of size bytes, zeroed; NULL on overflow or out of memory. */
void *tc_arena_array(tc_arena *arena, size_t count, size_t size);

/* A copy of s (NULL gives NULL), or NULL when out of memory. */
char *tc_arena_strdup(tc_arena *arena, const char *s);

/* A copy of the first n bytes of s, NUL-terminated. */
char *tc_arena_strndup(tc_arena *arena, const char *s, size_t n);

/* Bytes handed out so far (for benchmarks and tests). */
size_t tc_arena_used(const tc_arena *arena);

#endif
