/* Crises set aside and the verdict on a failed batch: see set_aside.h. */
#include "core/batch/set_aside.h"

#include <stdlib.h>

#include "core/base/alloc.h"
#include "core/batch/backoff.h"
#include "core/base/error.h"

static tc_aside_crisis *find(const tc_aside *a, int64_t crisis)
{
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].crisis == crisis)
            return &a->items[i];
    return NULL;
}

/* One more failure of crisis at now: it is passed over for longer each time. */
static tc_ms set_aside(tc_aside *a, int64_t crisis, tc_ms now)
{
    tc_aside_crisis *c = find(a, crisis);
    if (c == NULL) {
        if (a->count == a->capacity) {
            a->capacity = a->capacity ? 2 * a->capacity : 8;
            a->items = tc_xrealloc(a->items, a->capacity * sizeof *a->items);
        }
        c = &a->items[a->count++];
        *c = (tc_aside_crisis){.crisis = crisis};
    }
    c->failures++;
    tc_ms pause = tc_backoff_delay(TC_ASIDE_MIN_MS, TC_ASIDE_MAX_MS, c->failures);
    c->until = now + pause;
    return pause;
}

tc_aside_verdict tc_aside_failed(tc_aside *a, int rc, int64_t culprit, size_t touched, tc_ms now,
                                 tc_ms *pause)
{
    if (rc == TC_EUNAVAIL)
        return TC_ASIDE_BACK_OFF; /* the database's failure, not the crises' */
    if (culprit != 0) {
        if (a->one_by_one > 0)
            a->one_by_one--; /* a batch of the take-apart that found its culprit */
        tc_ms p = set_aside(a, culprit, now);
        if (pause != NULL)
            *pause = p;
        return TC_ASIDE_SET;
    }
    if (rc != TC_ECONFLICT && touched > 1) {
        a->one_by_one = touched;
        return TC_ASIDE_TAKE_APART;
    }
    return TC_ASIDE_BACK_OFF;
}

void tc_aside_applied(tc_aside *a, const int64_t *crises, size_t count)
{
    if (a->one_by_one > 0 && count > 0)
        a->one_by_one--;
    for (size_t i = 0; i < count && a->count > 0; i++) {
        tc_aside_crisis *c = find(a, crises[i]);
        if (c != NULL)
            *c = a->items[--a->count]; /* order does not matter */
    }
}

int tc_aside_holds(const tc_aside *a, int64_t crisis, tc_ms now)
{
    const tc_aside_crisis *c = find(a, crisis);
    return c != NULL && c->until > now;
}

tc_ms tc_aside_next_return(const tc_aside *a, tc_ms now)
{
    tc_ms first = -1;
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].until > now && (first < 0 || a->items[i].until < first))
            first = a->items[i].until;
    return first;
}

size_t tc_aside_held(const tc_aside *a, tc_ms now, int64_t **crises)
{
    size_t n = 0;
    *crises = NULL;
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].until > now) {
            if (*crises == NULL)
                *crises = tc_xcalloc(a->count, sizeof **crises);
            (*crises)[n++] = a->items[i].crisis;
        }
    return n;
}

int tc_aside_one_by_one(const tc_aside *a)
{
    return a->one_by_one > 0;
}

void tc_aside_free(tc_aside *a)
{
    free(a->items);
    *a = (tc_aside){0};
}
