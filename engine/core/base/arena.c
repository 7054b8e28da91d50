/* Arena allocation: chunks that double in size, freed together. */
#include "core/base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

typedef struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} chunk;

struct tc_arena {
    chunk *head;
    size_t total;
};

#define FIRST_CHUNK 4096

tc_arena *tc_arena_new(void)
{
    return tc_xcalloc(1, sizeof(tc_arena));
}

void tc_arena_free(tc_arena *arena)
{
    if (arena == NULL)
        return;
    chunk *c = arena->head;
    while (c != NULL) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(arena);
}

/*
 * a + b, or SIZE_MAX when that would wrap: a request that large is one that
 * tc_xmalloc cannot meet, so it aborts there with the others, rather than
 * wrap into a small chunk that the caller would then overrun.
 */
static size_t saturating_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

void *tc_arena_alloc(tc_arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    /* Rounded up to the alignment; SIZE_MAX when rounding would wrap. */
    size_t need = size > SIZE_MAX - (align - 1) ? SIZE_MAX : (size + align - 1) & ~(align - 1);

    chunk *c = arena->head;
    if (c == NULL || c->size - c->used < need) {
        size_t chunk_size = c ? 2 * c->size : FIRST_CHUNK;
        if (chunk_size < need)
            chunk_size = need;
        chunk *fresh = tc_xmalloc(saturating_add(sizeof(chunk), chunk_size));
        fresh->next = c;
        fresh->size = chunk_size;
        fresh->used = 0;
        arena->head = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += need;
    arena->total += need;
    memset(p, 0, size);
    return p;
}

void *tc_arena_array(tc_arena *arena, size_t count, size_t size)
{
    size_t bytes = size != 0 && count > SIZE_MAX / size ? SIZE_MAX : count * size;
    return tc_arena_alloc(arena, bytes > 0 ? bytes : 1);
}

char *tc_arena_strndup(tc_arena *arena, const char *s, size_t n)
{
    char *copy = tc_arena_alloc(arena, n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *tc_arena_strdup(tc_arena *arena, const char *s)
{
    return s ? tc_arena_strndup(arena, s, strlen(s)) : NULL;
}

size_t tc_arena_used(const tc_arena *arena)
{
    return arena->total;
}
