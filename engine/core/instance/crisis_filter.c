/* Filters of the list of crises (core/instance/crisis_filter.h). */
#include "core/instance/crisis_filter.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/input/number.h"
#include "core/playbook/playbook.h"

void tc_crisis_filter_init(tc_crisis_filter *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->status, sizeof f->status, "active");
    f->limit = TC_CRISIS_LIST_DEFAULT;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil): no libc zone.
 * Its years are 1970 to 9999 (tc_time_parse refuses the rest), so the era needs no rounding of negative
 * years.
 */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = y / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int tc_time_parse(const char *text, tc_ms *out)
{
    int y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
    const char *p = text;
    if (strlen(p) < 10 || digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
        digits(p + 8, 2, &d))
        return TC_EINVAL;
    p += 10;
    long long offset = 0; /* seconds east of UTC */
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
            return TC_EINVAL;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &s))
                return TC_EINVAL;
            p += 3;
            if (*p == '.' || *p == ',') {
                int scale = 100;
                for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                    ms += scale * (*p - '0');
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
                return TC_EINVAL;
            offset = (p[0] == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
            p += 6;
        } else {
            return TC_EINVAL; /* a time without its zone would be read in whose? */
        }
    }
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* Four digits of year: never past 9999. */
    if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h > 23 || mi > 59 ||
        s > 60)
        return TC_EINVAL;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return TC_EINVAL;
    long long seconds = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + s - offset;
    *out = (tc_ms)seconds * 1000 + ms;
    return 0;
}

/* Copies value into a field of size bytes; TC_EINVAL when it does not fit. */
static int copy(char *field, size_t size, const char *name, const char *value, tc_error *err)
{
    if (strlen(value) >= size)
        return tc_error_set(err, TC_EINVAL, "%s is at most %zu bytes", name, size - 1);
    memcpy(field, value, strlen(value) + 1);
    return 0;
}

static int set_time(tc_ms *field, const char *name, const char *value, tc_ms now, tc_error *err)
{
    tc_ms back;
    if (value[0] == 'P' && tc_duration_parse(value, &back, NULL) == 0) {
        *field = now - back;
        return 0;
    }
    if (tc_time_parse(value, field) == 0)
        return 0;
    return tc_error_set(err, TC_EINVAL,
                        "%s takes an ISO 8601 time (2026-12-01, 2026-12-01T08:00Z) or a duration back from "
                        "now (P7D, PT6H), not '%s'",
                        name, value);
}

int tc_crisis_filter_set(tc_crisis_filter *f, const char *name, const char *value, tc_ms now, tc_error *err)
{
    if (strcmp(name, "status") == 0) {
        if (strcmp(value, "active") && strcmp(value, "closed") && strcmp(value, "cancelled") &&
            strcmp(value, "all"))
            return tc_error_set(err, TC_EINVAL, "status is active, closed, cancelled or all, not '%s'",
                                value);
        return copy(f->status, sizeof f->status, name, strcmp(value, "all") ? value : "", err);
    }
    if (strcmp(name, "mode") == 0) {
        if (tc_mode_parse(value) < 0)
            return tc_error_set(err, TC_EINVAL, "mode is actual, exercise or test, not '%s'", value);
        return copy(f->mode, sizeof f->mode, name, value, err);
    }
    if (strcmp(name, "severity") == 0) {
        if (tc_severity_parse(value) < 0)
            return tc_error_set(err, TC_EINVAL,
                                "severity is extreme, severe, moderate, minor or unknown, not '%s'", value);
        return copy(f->severity, sizeof f->severity, name, value, err);
    }
    if (strcmp(name, "playbook") == 0 || strcmp(name, "party") == 0) {
        if (value[0] == '\0')
            return tc_error_set(err, TC_EINVAL, "%s needs a name", name);
        if (strcmp(name, "playbook") == 0)
            return copy(f->playbook, sizeof f->playbook, name, value, err);
        return copy(f->party, sizeof f->party, name, value, err);
    }
    if (strcmp(name, "since") == 0)
        return set_time(&f->since, name, value, now, err);
    if (strcmp(name, "until") == 0)
        return set_time(&f->until, name, value, now, err);
    if (strcmp(name, "limit") == 0) {
        long long n;
        if (tc_parse_integer(value, 1, TC_CRISIS_LIST_MAX, &n) != 0)
            return tc_error_set(err, TC_EINVAL, "limit takes a number from 1 to %d, not '%s'",
                                TC_CRISIS_LIST_MAX, value);
        f->limit = (int)n;
        return 0;
    }
    return tc_error_set(err, TC_EINVAL,
                        "no filter %s (status, playbook, party, mode, severity, since, until, limit)", name);
}
