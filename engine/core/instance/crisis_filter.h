/*
 * Which crises `tocsin list` (and the board's /api/crises) shows: by
 * status, playbook, party, mode, severity and when they were opened, the
 * filters combined (AND), at most limit of them, newest first. Each filter
 * is set from the text an operator wrote, under the name the CLI's option
 * and the board's query parameter share ("mode", "since"...), so the two
 * read them alike. The clock is the caller's: "since P7D" is now - 7 days.
 */
#ifndef TC_CORE_CRISIS_FILTER_H
#define TC_CORE_CRISIS_FILTER_H

#include "core/base/error.h"
#include "core/playbook/duration.h"

#define TC_CRISIS_LIST_DEFAULT 100
#define TC_CRISIS_LIST_MAX     100000

typedef struct tc_crisis_filter {
    char status[16];    /* "active" (the default), "closed", "cancelled"; "" for every status */
    char playbook[256]; /* "" for any */
    char party[64];     /* a party the crisis concerns; "" for any */
    char mode[16];      /* "actual", "exercise", "test"; "" for any */
    char severity[16];  /* "extreme" ... "unknown"; "" for any */
    tc_ms since;        /* opened at or after (epoch ms); 0: no bound */
    tc_ms until;        /* opened before (epoch ms); 0: no bound */
    int limit;
} tc_crisis_filter;

/* Active crises, at most TC_CRISIS_LIST_DEFAULT. */
void tc_crisis_filter_init(tc_crisis_filter *filter);

/*
 * Sets the filter named name ("status", "playbook", "party", "mode",
 * "severity", "since", "until", "limit") from value. since and until take
 * an ISO 8601 time (2026-12-01, 2026-12-01T08:00Z, 2026-12-01T08:00:00+05:00)
 * or a duration back from now_ms (P7D, PT6H). TC_EINVAL with a message naming
 * the filter and what it takes, for a bad value or an unknown name.
 */
int tc_crisis_filter_set(tc_crisis_filter *filter, const char *name, const char *value, tc_ms now_ms,
                         tc_error *err);

/*
 * Parses an ISO 8601 time as since and until take it into epoch
 * milliseconds: a date (midnight UTC), or a date and time with Z or an
 * offset (seconds and a fraction optional). TC_EINVAL otherwise.
 */
int tc_time_parse(const char *text, tc_ms *out);

#endif
