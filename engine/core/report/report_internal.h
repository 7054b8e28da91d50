/* What the files of core/report share: the model's helpers and the two renderers. */
#ifndef TC_CORE_REPORT_INTERNAL_H
#define TC_CORE_REPORT_INTERNAL_H

#include <jansson.h>

#include "core/base/strbuf.h"

/* "2026-11-27T10:00:00Z" or with a fraction ("...:00.123456Z") as ms since the epoch: 0, or -1 when not. */
int tc__report_time(const char *iso, long long *ms);

/* Appends a duration in words: "45s", "12m 05s", "3h 04m", "2d 05h 10m". */
void tc__report_duration(tc_strbuf *sb, long long seconds);

/* Appends an ISO time for reading, "2026-11-27 10:00:05" (UTC, whole seconds); "?" when it is not one. */
void tc__report_when(tc_strbuf *sb, const char *iso);

/* Appends a sum as the model holds it: an integer, or a real in its shortest faithful form. */
void tc__report_number(tc_strbuf *sb, json_t *number);

/* The renderers, from the model; the caller frees. */
char *tc__report_markdown(json_t *model);
char *tc__report_html(json_t *model);

#endif
