/* When to retry a failed delivery: see retry.h. */
#include "core/notify/retry.h"

#include "core/batch/backoff.h"

tc_ms tc_retry_delay(int attempts)
{
    if (attempts < 1)
        attempts = 1;
    if (attempts >= TC_RETRY_ATTEMPTS)
        return TC_RETRY_GIVE_UP;
    /* The last delay, 640 s, is the cap: TC_RETRY_FIRST_MS << (TC_RETRY_ATTEMPTS - 2). */
    return tc_backoff_delay(TC_RETRY_FIRST_MS, (tc_ms)TC_RETRY_FIRST_MS << (TC_RETRY_ATTEMPTS - 2), attempts);
}
