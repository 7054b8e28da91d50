/*
 * When to try a failed delivery again (shared/design/operations.md: the
 * first retry within 30 s, then exponential backoff, at least 5 attempts
 * over at least 10 minutes, then `failed`). Pure: the caller keeps the
 * attempts and the clock.
 *
 * The schedule: the first attempt, then retries 20 s, 40 s, 80 s, 160 s,
 * 320 s and 640 s after each failure: 7 attempts over 21 minutes. The 7th
 * failure gives up.
 *
 * Every failure is retried on the same schedule, whatever it was. A 4xx
 * answer (other than 408 and 429) or an SMTP 5xx reply may be permanent,
 * but often is not at 3 a.m.: a webhook's receiver redeployed under a new
 * path answers 404 for a minute, a token being rotated 401, a mailbox over
 * quota 552; the contract asks for at least 5 attempts over 10 minutes; and
 * a notification given up early can leave a crisis without the person it
 * escalated to, while six needless requests over 21 minutes cost nothing.
 * So the kind of error is recorded (last_error), never used to give up.
 *
 * The delays are not jittered: deliveries that fail together (a receiver
 * down) retry together, at most one request each per delay, which a
 * receiver coming back up can take; a caller may spread them.
 */
#ifndef TC_CORE_NOTIFY_RETRY_H
#define TC_CORE_NOTIFY_RETRY_H

#include "core/playbook/duration.h"

#define TC_RETRY_FIRST_MS 20000 /* the first retry, 20 s after the first failure */
#define TC_RETRY_ATTEMPTS 7     /* attempts in all; the 7th failure is final */
#define TC_RETRY_GIVE_UP  (-1)

/*
 * How long to wait after the attempts-th failed attempt (attempts >= 1, the
 * attempts made so far, all failed) before the next one: 20 s doubling, or
 * TC_RETRY_GIVE_UP when attempts reaches TC_RETRY_ATTEMPTS (the delivery is
 * then `failed`). attempts < 1 is taken as 1.
 */
tc_ms tc_retry_delay(int attempts);

#endif
