/*
 * ISO 8601 durations as playbooks write them: PnW, or P[nD][T[nH][nM][n[.f]S]].
 * Years and months are refused (their length varies); a day is 86,400 seconds;
 * seconds may carry up to three decimals. Durations are milliseconds inside.
 */
#ifndef TC_CORE_DURATION_H
#define TC_CORE_DURATION_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t tc_ms; /* milliseconds */

/* The longest duration accepted: 100 years of days, so that now + d never overflows. */
#define TC_DURATION_MAX ((tc_ms)100 * 366 * 86400 * 1000)

/*
 * Parses text into *ms (> 0). Returns 0, or TC_EINVAL with *why (when why is
 * not NULL) set to a static phrase saying what is wrong, e.g. "years and
 * months are not allowed (their length varies)".
 */
int tc_duration_parse(const char *text, tc_ms *ms, const char **why);

/*
 * Writes ms as an ISO 8601 duration ("P1DT2H30M", "PT0.5S") into buf of size
 * bytes (40 always suffice). Returns buf.
 */
char *tc_duration_format(tc_ms ms, char *buf, size_t size);

#endif
