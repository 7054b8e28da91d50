/* Capped exponential backoff: see backoff.h. */
#include "core/batch/backoff.h"

#include <limits.h>

void tc_backoff_init(tc_backoff *b, tc_ms min, tc_ms max, int tries)
{
    *b = (tc_backoff){min, max, tries, 0};
}

tc_ms tc_backoff_delay(tc_ms min, tc_ms max, int n)
{
    tc_ms delay = min;
    for (int i = 1; i < n && delay < max; i++)
        delay = delay > max / 2 ? max : delay * 2; /* never beyond max, so never overflows */
    return delay < max ? delay : max;
}

tc_ms tc_backoff_fail(tc_backoff *b)
{
    if (b->failures < INT_MAX)
        b->failures++;
    if (b->tries > 0 && b->failures >= b->tries)
        return -1;
    return tc_backoff_delay(b->min, b->max, b->failures);
}

void tc_backoff_succeed(tc_backoff *b)
{
    b->failures = 0;
}

int tc_backoff_worth_logging(int failure)
{
    return failure <= TC_BACKOFF_LOG_FIRST || failure % TC_BACKOFF_LOG_EVERY == 0;
}
