/*
 * Crises set aside: what the engine does when a batch fails, and which
 * crises its batches pass over meanwhile.
 *
 * A batch is one transaction, and claims serve the oldest work first, so a
 * crisis whose transition fails every time would fail every batch after it.
 * tc_aside_failed decides from what the failed batch reports (its error
 * code, the crisis it blames, how many crises it locked), in this order:
 *
 *   the database is unavailable (TC_EUNAVAIL)  back off, retry whole   TC_ASIDE_BACK_OFF
 *   the batch blames one crisis (culprit)      set it aside, go on     TC_ASIDE_SET
 *   it held several and not for a conflict     take it apart           TC_ASIDE_TAKE_APART
 *     (TC_ECONFLICT: another writer came first)
 *   otherwise                                  back off, retry whole   TC_ASIDE_BACK_OFF
 *
 * (core/backoff.h sizes the back-off.) A crisis set aside is passed over for
 * TC_ASIDE_MIN_MS after its first failure, twice as long after each failure
 * after that, at most TC_ASIDE_MAX_MS, and then tried again: the engine's
 * claims skip it, and results of its actions wait, until then. Its failures
 * are counted until a batch applies it. Taking a failed batch apart
 * means running as many batches as it held crises, each with one crisis
 * (the results of one crisis's actions, or one claimed crisis), until the
 * one that fails is found; each batch of it that applies its crisis, or
 * sets it aside, counts.
 *
 * Pure: the time is given (`now`, epoch milliseconds), the engine does the
 * rest (logs, the records of tocsin.set_aside, timers).
 */
#ifndef TC_CORE_SET_ASIDE_H
#define TC_CORE_SET_ASIDE_H

#include <stddef.h>
#include <stdint.h>

#include "core/playbook/duration.h"

#define TC_ASIDE_MIN_MS 60000  /* a minute after its first failure, */
#define TC_ASIDE_MAX_MS 600000 /* then 2, 4, 8, at most 10 */

typedef struct tc_aside_crisis {
    int64_t crisis;
    tc_ms until; /* passed over until then */
    int failures;
} tc_aside_crisis;

/* Zeroed, it is empty. */
typedef struct tc_aside {
    tc_aside_crisis *items; /* every crisis set aside and not applied since, due again or not */
    size_t count, capacity;
    size_t one_by_one; /* batches left that hold one crisis each, taking a failed batch apart */
} tc_aside;

typedef enum tc_aside_verdict {
    TC_ASIDE_BACK_OFF,   /* retry the batch after a pause (core/backoff.h) */
    TC_ASIDE_SET,        /* its culprit is set aside: run the next batch at once */
    TC_ASIDE_TAKE_APART, /* run the next batches with one crisis each */
} tc_aside_verdict;

/*
 * A batch failed with rc (a TC_E* code), blaming culprit (0: none), having
 * locked `touched` crises: decides what to do (the table above) and records
 * it. For TC_ASIDE_SET, *pause (may be NULL) is how long the culprit is set
 * aside from now.
 */
tc_aside_verdict tc_aside_failed(tc_aside *a, int rc, int64_t culprit, size_t touched, tc_ms now,
                                 tc_ms *pause);

/* A batch was applied: the count crises it locked (crises) start over, their next failure a first. */
void tc_aside_applied(tc_aside *a, const int64_t *crises, size_t count);

/* Whether batches pass over crisis at now. */
int tc_aside_holds(const tc_aside *a, int64_t crisis, tc_ms now);

/* When the first crisis passed over at now comes back; -1 when none is. */
tc_ms tc_aside_next_return(const tc_aside *a, tc_ms now);

/*
 * The crises passed over at now, for the claim to skip: their count, and in
 * *crises a new array of them (free() it), or NULL when there is none.
 */
size_t tc_aside_held(const tc_aside *a, tc_ms now, int64_t **crises);

/* Whether the next batch holds one crisis only (a failed batch is being taken apart). */
int tc_aside_one_by_one(const tc_aside *a);

void tc_aside_free(tc_aside *a);

#endif
