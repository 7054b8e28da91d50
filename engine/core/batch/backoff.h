/*
 * Capped exponential backoff: how long to wait before trying again after a
 * failure. The first failure waits `min`, each one after it twice as long as
 * the one before, never more than `max`; a success starts over at `min`.
 * With `tries` (> 0), the tries-th failure in a row gives up instead.
 *
 * The engine retries a failed batch and reconnects its listener this way
 * (TC_BACKOFF_MIN_MS to TC_BACKOFF_MAX_MS; engine --once gives up at the
 * TC_BACKOFF_ONCE_TRIES-th failure), and core/set_aside.h sizes the pause of
 * a crisis set aside with tc_backoff_delay. Pure: times are given, never read.
 */
#ifndef TC_CORE_BACKOFF_H
#define TC_CORE_BACKOFF_H

#include "core/playbook/duration.h"

#define TC_BACKOFF_MIN_MS     100  /* a failed batch, or listener, is retried after 100 ms, */
#define TC_BACKOFF_MAX_MS     1000 /* then 200 ms, 400 ms, 800 ms, at most 1 s (a failover is seconds) */
#define TC_BACKOFF_ONCE_TRIES 5    /* engine --once gives up at the fifth failure in a row */
#define TC_BACKOFF_LOG_FIRST  3    /* the first three failures of a run are logged, */
#define TC_BACKOFF_LOG_EVERY  30   /* then one in thirty: at the cap, a line each half minute */

typedef struct tc_backoff {
    tc_ms min, max; /* the first delay, and the longest */
    int tries;      /* the failure in a row that gives up; 0: never give up */
    int failures;   /* failures in a row since the last success */
} tc_backoff;

/* Starts b with no failure. min > 0, max >= min, tries >= 0. */
void tc_backoff_init(tc_backoff *b, tc_ms min, tc_ms max, int tries);

/*
 * Counts one more failure and returns how long to wait before trying again:
 * min, 2 min, 4 min, ... at most max. Returns -1 (give up) when that failure
 * is the tries-th in a row.
 */
tc_ms tc_backoff_fail(tc_backoff *b);

/* A success: the next failure is the first again. */
void tc_backoff_succeed(tc_backoff *b);

/*
 * Whether the failure-th failure in a row deserves a line in the log: the
 * first TC_BACKOFF_LOG_FIRST, then every TC_BACKOFF_LOG_EVERY-th. An outage
 * of an hour is then some 120 lines per retrying loop rather than 3,600,
 * and its start and its course still show; a retry that gives up is the
 * caller's to log whatever this says.
 */
int tc_backoff_worth_logging(int failure);

/* The delay of the n-th failure in a row (n >= 1): min * 2^(n-1), at most max (no overflow). */
tc_ms tc_backoff_delay(tc_ms min, tc_ms max, int n);

#endif
