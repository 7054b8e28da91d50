/*
 * Times as the text commands print them: ISO 8601 in UTC as the library
 * gives them, how far they are from this machine's clock, and the same
 * instant in a time zone of the operator's (show --tz, or TZ). The pure core
 * never reads a clock or a zone: this is the CLI's presentation.
 */
#ifndef TC_CLI_TIMES_H
#define TC_CLI_TIMES_H

#include <stddef.h>

#include "cli.h"
#include "core/base/error.h"

/*
 * " (in 3h12m)" or " (overdue 5m)" for iso ("2026-11-27T10:00:00Z"), against
 * this machine's clock; "" when iso is NULL or not such a time. Writes buf.
 */
const char *cli_time_relative(const char *iso, char *buf, size_t size);

/*
 * Sets the zone local times are printed in: zone (--tz) when not NULL, else
 * $TZ when set and not empty, else none (UTC only). A zone is a name of the
 * tz database (/usr/share/zoneinfo/NAME, "Asia/Dushanbe"), or as TZ a path to
 * such a file; TZ may also be a POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3").
 * tzset() would take an unknown name silently as UTC: here it is TC_EINVAL,
 * "unknown time zone NAME (a name of /usr/share/zoneinfo, such as Europe/Paris)".
 */
int cli_time_zone(const char *zone, tc_error *err);

/*
 * iso in the zone cli_time_zone set, " (2026-11-27 15:00 +05)", or "" when
 * no zone is set, the zone is UTC itself, or iso is not a time. Writes buf.
 */
const char *cli_time_local(const char *iso, char *buf, size_t size);

/*
 * --tz ZONE for a command whose only own option it is: the getopt entry
 * (CLI_TZ_OPTION, value CLI_OPT_TZ) and cli_parse's on_option, which stores
 * ZONE in ctx, a const char **.
 */
#define CLI_OPT_TZ CLI_OPT_FIRST_LOCAL
#define CLI_TZ_OPTION                                                                                        \
    {                                                                                                        \
        "tz", required_argument, NULL, CLI_OPT_TZ                                                            \
    }
int cli_tz_on_option(int c, const char *arg, void *ctx);

/*
 * Sets the zone of a command's output (cli_time_zone): --tz or $TZ for text;
 * with --json, which prints UTC only, a --tz given is still checked, since a
 * bad one is a mistake all the same.
 */
int cli_output_zone(const char *zone, int json, tc_error *err);

#endif
