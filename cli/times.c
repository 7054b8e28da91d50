/* Relative and local times for the text commands (cli/times.h). */
#define _XOPEN_SOURCE 700 /* strptime */
#include "times.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int zone_set; /* a zone other than UTC was chosen */

static int parse_iso(const char *iso, time_t *out)
{
    struct tm tm = {0};
    if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return -1;
    *out = timegm(&tm);
    return 0;
}

/* The milliseconds of "...T05:09:11.014Z" (0 without a fraction). */
static long long iso_ms(const char *iso)
{
    const char *dot = iso ? strchr(iso, '.') : NULL;
    long long ms = 0;
    int digits = 0;
    for (const char *p = dot ? dot + 1 : ""; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
        ms = ms * 10 + (*p - '0');
    for (; dot != NULL && digits < 3; digits++)
        ms *= 10;
    return ms;
}

const char *cli_time_relative(const char *iso, char *buf, size_t size)
{
    time_t t;
    if (parse_iso(iso, &t) != 0)
        return "";
    /* To the millisecond, then whole seconds toward zero: a deadline 23 h 59 min 59.9 s away is "in 23h59m",
     * never "in 1d0h" (a deadline a day after a state entered, shown in the same second, was). */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long delta_ms =
        ((long long)t * 1000 + iso_ms(iso)) - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    long long delta = delta_ms / 1000;
    long long a = delta < 0 ? -delta : delta;
    char span[48];
    if (a >= 86400)
        snprintf(span, sizeof span, "%lldd%lldh", a / 86400, a % 86400 / 3600);
    else if (a >= 3600)
        snprintf(span, sizeof span, "%lldh%02lldm", a / 3600, a % 3600 / 60);
    else if (a >= 60)
        snprintf(span, sizeof span, "%lldm", a / 60);
    else
        snprintf(span, sizeof span, "%llds", a);
    snprintf(buf, size, delta < 0 ? " (overdue %s)" : " (in %s)", span);
    return buf;
}

/* Whether name is a zone file of the tz database: a relative path without "..", to a regular file. */
static int known_zone(const char *name)
{
    if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL || strlen(name) > 200)
        return 0;
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A POSIX TZ rule: a name of 3 or more letters (or <...>), then an offset. */
static int posix_rule(const char *tz)
{
    const char *p = tz;
    if (*p == '<') {
        p = strchr(p, '>');
        if (p == NULL)
            return 0;
        p++;
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            p++;
        if (p - tz < 3)
            return 0;
    }
    if (*p == '+' || *p == '-')
        p++;
    return *p >= '0' && *p <= '9';
}

int cli_time_zone(const char *zone, tc_error *err)
{
    const char *tz = zone;
    if (tz == NULL) {
        tz = getenv("TZ");
        if (tz == NULL || tz[0] == '\0')
            return 0;
        const char *name = tz[0] == ':' ? tz + 1 : tz;
        struct stat st;
        if (!known_zone(name) && !(name[0] == '/' && stat(name, &st) == 0 && S_ISREG(st.st_mode)) &&
            !posix_rule(tz))
            return tc_error_set(err, TC_EINVAL,
                                "unknown time zone %s in TZ (a name of /usr/share/zoneinfo, such as "
                                "Europe/Paris)",
                                tz);
    } else if (!known_zone(tz)) {
        return tc_error_set(err, TC_EINVAL,
                            "unknown time zone %s (a name of /usr/share/zoneinfo, such as Europe/Paris)", tz);
    }
    if (setenv("TZ", tz, 1) != 0)
        return tc_error_set(err, TC_EFAILED, "cannot set the time zone %s", tz);
    tzset();
    zone_set = 1;
    return 0;
}

const char *cli_time_local(const char *iso, char *buf, size_t size)
{
    time_t t;
    struct tm tm;
    if (!zone_set || parse_iso(iso, &t) != 0 || localtime_r(&t, &tm) == NULL)
        return "";
    if (tm.tm_gmtoff == 0 && tm.tm_zone != NULL && strcmp(tm.tm_zone, "UTC") == 0)
        return ""; /* the zone is UTC: nothing to add */
    char local[64];
    if (strftime(local, sizeof local, "%Y-%m-%d %H:%M %Z", &tm) == 0)
        return "";
    snprintf(buf, size, " (%s)", local);
    return buf;
}

int cli_tz_on_option(int c, const char *arg, void *ctx)
{
    if (c != CLI_OPT_TZ)
        return CLI_EXIT_USAGE;
    *(const char **)ctx = arg;
    return 0;
}

int cli_output_zone(const char *zone, int json, tc_error *err)
{
    return zone != NULL || !json ? cli_time_zone(zone, err) : 0;
}
