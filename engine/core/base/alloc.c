/* Allocation that aborts with one line when memory runs out (core/base/alloc.h). */
#include "core/base/alloc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *(*underlying_malloc)(size_t) = malloc;
static void *(*underlying_realloc)(void *, size_t) = realloc;

static void out_of_memory(size_t size)
{
    /* One line, then abort(): a core dump shows where, and no caller goes on with half its data. */
    fprintf(stderr, "tocsin: out of memory (allocating %zu bytes)\n", size);
    fflush(stderr);
    abort();
}

void *tc_xmalloc(size_t size)
{
    void *p = underlying_malloc(size ? size : 1);
    if (p == NULL)
        out_of_memory(size);
    return p;
}

void *tc_xcalloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    void *p = tc_xmalloc(count * size);
    memset(p, 0, count * size);
    return p;
}

void *tc_xrealloc(void *ptr, size_t size)
{
    void *p = underlying_realloc(ptr, size ? size : 1);
    if (p == NULL)
        out_of_memory(size);
    return p;
}

char *tc_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(tc_xmalloc(n), s, n);
}

char *tc_xstrndup(const char *s, size_t n)
{
    size_t length = strnlen(s, n);
    char *copy = tc_xmalloc(length + 1);
    memcpy(copy, s, length);
    copy[length] = '\0';
    return copy;
}

void tc_alloc_set_functions(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t))
{
    underlying_malloc = malloc_fn && realloc_fn ? malloc_fn : malloc;
    underlying_realloc = malloc_fn && realloc_fn ? realloc_fn : realloc;
}

/*
 * jansson allocates through the same policy, in every program that links the
 * core (the binary, tests, benchmarks, the fuzzer), before main() runs: every
 * core file calls tc_x*, so this object is always linked in.
 */
__attribute__((constructor)) static void tc_alloc_setup(void)
{
    json_set_alloc_funcs(tc_xmalloc, free);
}
