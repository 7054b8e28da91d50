/* Open addressing with linear probing, FNV-1a hashes, a power-of-two table. */
#include "core/base/strindex.h"

#include <stdint.h>
#include <string.h>

typedef struct slot {
    const char *key; /* NULL when empty */
    int value;
} slot;

struct tc_strindex {
    tc_arena *arena;
    slot *slots;
    size_t size; /* a power of two */
    size_t used;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

tc_strindex *tc_strindex_new(tc_arena *arena, size_t expected)
{
    tc_strindex *index = tc_arena_alloc(arena, sizeof *index);
    size_t size = 16;
    while (size < 2 * expected)
        size *= 2;
    index->arena = arena;
    index->size = size;
    index->slots = tc_arena_array(arena, size, sizeof(slot));
    return index;
}

static slot *find(slot *slots, size_t size, const char *key)
{
    size_t i = (size_t)hash(key) & (size - 1);
    while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (size - 1);
    return &slots[i];
}

int tc_strindex_put(tc_strindex *index, const char *key, int value)
{
    if (2 * (index->used + 1) > index->size) {
        /* The old table stays in the arena; indexes are built once, so little is wasted. */
        size_t size = 2 * index->size;
        slot *slots = tc_arena_array(index->arena, size, sizeof(slot));
        for (size_t i = 0; i < index->size; i++)
            if (index->slots[i].key != NULL)
                *find(slots, size, index->slots[i].key) = index->slots[i];
        index->slots = slots;
        index->size = size;
    }
    slot *s = find(index->slots, index->size, key);
    if (s->key != NULL)
        return 1;
    s->key = key;
    s->value = value;
    index->used++;
    return 0;
}

int tc_strindex_get(const tc_strindex *index, const char *key)
{
    const slot *s = find(index->slots, index->size, key);
    return s->key ? s->value : -1;
}
