/* Parsing and printing ISO 8601 durations (days and smaller units only). */
#include "core/playbook/duration.h"

#include <stdio.h>
#include <string.h>

#include "core/base/error.h"

static const char not_iso[] = "not an ISO 8601 duration such as PT30M, P1DT12H or P2W";

/* Reads digits and up to three decimals as thousandths (only seconds may have decimals: the caller checks).
 */
static int read_number(const char **p, int64_t *thousandths, const char **why)
{
    const char *s = *p;
    int64_t whole = 0;
    if (*s < '0' || *s > '9')
        return TC_EINVAL;
    while (*s >= '0' && *s <= '9') {
        if (whole > TC_DURATION_MAX) {
            *why = "too long (at most 100 years)";
            return TC_EINVAL;
        }
        whole = whole * 10 + (*s++ - '0');
    }
    int64_t fraction = 0;
    if (*s == '.') {
        s++;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            if (++digits > 3) {
                *why = "seconds may have at most three decimals";
                return TC_EINVAL;
            }
            fraction = fraction * 10 + (*s++ - '0');
        }
        if (digits == 0)
            return TC_EINVAL;
        while (digits++ < 3)
            fraction *= 10;
    }
    *thousandths = whole * 1000 + fraction;
    *p = s;
    return 0;
}

int tc_duration_parse(const char *text, tc_ms *ms, const char **why)
{
    static const struct {
        char unit;
        int time_part; /* after the T */
        tc_ms scale;   /* milliseconds per unit */
    } units[] = {
        {'W', 0, 7 * 86400000LL}, {'D', 0, 86400000LL}, {'H', 1, 3600000LL},
        {'M', 1, 60000LL},        {'S', 1, 1000LL},
    };
    const char *dummy;
    const char *p = text;
    size_t next_unit = 0;
    int in_time = 0, components = 0, weeks = 0;
    tc_ms total = 0;

    if (why == NULL)
        why = &dummy;
    *why = not_iso;
    if (text == NULL || *p++ != 'P')
        return TC_EINVAL;
    while (*p != '\0') {
        if (*p == 'T') {
            if (in_time)
                return TC_EINVAL;
            in_time = 1;
            p++;
            if (*p == '\0')
                return TC_EINVAL;
            continue;
        }
        int64_t thousandths;
        const char *start = p;
        if (read_number(&p, &thousandths, why) != 0)
            return TC_EINVAL;
        if (*p == '\0')
            return TC_EINVAL;
        char unit = *p++;
        if ((unit == 'Y' || unit == 'M') && !in_time) {
            *why = "years and months are not allowed (their length varies)";
            return TC_EINVAL;
        }
        size_t u = next_unit;
        while (u < sizeof units / sizeof units[0] && (units[u].unit != unit || units[u].time_part != in_time))
            u++;
        if (u == sizeof units / sizeof units[0])
            return TC_EINVAL;
        /* only seconds have decimals; without them, any other unit's thousandths are whole */
        if (unit != 'S' && memchr(start, '.', (size_t)(p - start)) != NULL)
            return TC_EINVAL;
        if (unit == 'W')
            weeks = 1;
        else if (weeks)
            return TC_EINVAL; /* PnW stands alone */
        tc_ms scale = units[u].scale;
        if (thousandths / 1000 > TC_DURATION_MAX / scale) {
            *why = "too long (at most 100 years)";
            return TC_EINVAL;
        }
        tc_ms add = unit == 'S' ? thousandths : thousandths / 1000 * scale;
        if (total > TC_DURATION_MAX - add) {
            *why = "too long (at most 100 years)";
            return TC_EINVAL;
        }
        total += add;
        components++;
        next_unit = u + 1;
    }
    if (components == 0)
        return TC_EINVAL;
    if (total == 0) {
        *why = "a duration must be greater than zero";
        return TC_EINVAL;
    }
    *ms = total;
    return 0;
}

char *tc_duration_format(tc_ms ms, char *buf, size_t size)
{
    tc_ms days = ms / 86400000, rest = ms % 86400000;
    tc_ms hours = rest / 3600000, minutes = rest % 3600000 / 60000, millis = rest % 60000;
    size_t n = 0;

    n += (size_t)snprintf(buf + n, size - n, "P");
    if (days)
        n += (size_t)snprintf(buf + n, size - n, "%lldD", (long long)days);
    if (rest || ms == 0) {
        n += (size_t)snprintf(buf + n, size - n, "T");
        if (hours)
            n += (size_t)snprintf(buf + n, size - n, "%lldH", (long long)hours);
        if (minutes)
            n += (size_t)snprintf(buf + n, size - n, "%lldM", (long long)minutes);
        if (millis % 1000) {
            char fraction[8];
            snprintf(fraction, sizeof fraction, "%03lld", (long long)(millis % 1000));
            for (size_t i = strlen(fraction); i > 1 && fraction[i - 1] == '0'; i--)
                fraction[i - 1] = '\0';
            snprintf(buf + n, size - n, "%lld.%sS", (long long)(millis / 1000), fraction);
        } else if (millis || ms == 0)
            snprintf(buf + n, size - n, "%lldS", (long long)(millis / 1000));
    }
    return buf;
}
