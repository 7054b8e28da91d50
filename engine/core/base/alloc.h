/*
 * Memory: one policy for all of tocsin. Running out of memory is not an error
 * that a caller handles: tc_xmalloc and its siblings never return NULL; they
 * print one line ("tocsin: out of memory (allocating N bytes)") to stderr and
 * abort(), like git's xmalloc and Redis's zmalloc. jansson allocates through
 * tc_xmalloc too (set once, before main, by this file), so a json_pack() or
 * json_object_set_new() whose argument ran out of memory can no longer drop a
 * value, an audit event say, silently. This is the one place where the library
 * aborts and the core writes anything (docs/architecture.md, "Errors").
 *
 * libpq allocates on its own and reports failure as errors ("out of memory"),
 * which the store maps as it maps any other; libuv is given these functions
 * by the engine (uv_replace_allocator).
 *
 * Memory from these functions is released with free().
 */
#ifndef TC_CORE_ALLOC_H
#define TC_CORE_ALLOC_H

#include <stddef.h>

void *tc_xmalloc(size_t size);
void *tc_xcalloc(size_t count, size_t size);
void *tc_xrealloc(void *ptr, size_t size);
char *tc_xstrdup(const char *s);
char *tc_xstrndup(const char *s, size_t n);

/*
 * The allocator beneath the wrappers, for tests that make it fail (jansson's
 * test_chaos): malloc_fn and realloc_fn must return memory that free()
 * releases; NULL for either restores the C library's. Not thread-safe: set it
 * before any other thread allocates.
 */
void tc_alloc_set_functions(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t));

#endif
