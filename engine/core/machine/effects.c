/* The list of effects of one or more applied events. */
#include "core/machine/effects.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

tc_effect *tc_effects_add(tc_effects *fx, tc_effect_kind kind, const char *name, const char *state,
                          json_t *detail)
{
    if (fx->count == fx->capacity) {
        size_t capacity = fx->capacity ? 2 * fx->capacity : 16;
        fx->items = tc_xrealloc(fx->items, capacity * sizeof *fx->items);
        fx->capacity = capacity;
    }
    tc_effect *e = &fx->items[fx->count++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->name = name;
    e->state = state;
    e->detail = detail;
    return e;
}

void tc_effects_clear(tc_effects *fx)
{
    if (fx == NULL)
        return;
    for (size_t i = 0; i < fx->count; i++) {
        free(fx->items[i].actor);
        free(fx->items[i].key);
        json_decref(fx->items[i].detail);
    }
    free(fx->items);
    fx->items = NULL;
    fx->count = fx->capacity = 0;
}

const char *tc_effect_kind_name(tc_effect_kind kind)
{
    static const char *const names[] = {"audit",        "timer_set",   "timer_clear", "notify",
                                        "action_start", "action_kill", "closed"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
