/* What an actor holds: its seats and those delegated to it (core/machine/actor.h). */
#include "core/machine/actor.h"

#include <string.h>

#include "core/base/alloc.h"

int tc_actor_holds_own(const tc_actor *actor, const char *seat)
{
    for (size_t i = 0; i < actor->seat_count; i++)
        if (strcmp(actor->seats[i], seat) == 0)
            return 1;
    return 0;
}

int tc_actor_holds(const tc_actor *actor, const char *seat)
{
    return tc_actor_holds_own(actor, seat) || tc_actor_holder(actor, seat) != NULL;
}

const char *tc_actor_holder(const tc_actor *actor, const char *seat)
{
    if (tc_actor_holds_own(actor, seat))
        return NULL;
    for (size_t i = 0; i < actor->delegated_count; i++)
        if (strcmp(actor->delegated[i].seat, seat) == 0)
            return actor->delegated[i].holder;
    return NULL;
}

tc_delegation *tc_delegations_read(json_t *list, size_t *count)
{
    size_t n = json_array_size(list);
    tc_delegation *out = tc_xcalloc(n ? n : 1, sizeof *out);
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_array_get(list, i);
        const char *seat = json_string_value(json_object_get(d, "seat"));
        const char *holder = json_string_value(json_object_get(d, "holder"));
        if (seat != NULL && holder != NULL)
            out[(*count)++] = (tc_delegation){seat, holder};
    }
    return out;
}
