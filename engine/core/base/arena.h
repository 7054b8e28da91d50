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

/*
 * Memory comes from tc_xmalloc (core/base/alloc.h): none of these returns
 * NULL. A request no memory could hold (a size near SIZE_MAX, or a count
 * times a size that overflows) aborts like any other that cannot be met.
 */

/* A new, empty arena. */
tc_arena *tc_arena_new(void);

/* Frees the arena and everything allocated from it; NULL is a no-op. */
void tc_arena_free(tc_arena *arena);

/* size bytes, zeroed and aligned for any type. */
void *tc_arena_alloc(tc_arena *arena, size_t size);

/* count elements of size bytes, zeroed. */
void *tc_arena_array(tc_arena *arena, size_t count, size_t size);

/* A copy of s; NULL gives NULL. */
char *tc_arena_strdup(tc_arena *arena, const char *s);

/* A copy of the first n bytes of s, NUL-terminated. */
char *tc_arena_strndup(tc_arena *arena, const char *s, size_t n);

/* Bytes handed out so far (for benchmarks and tests). */
size_t tc_arena_used(const tc_arena *arena);

#endif
