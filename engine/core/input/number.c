/* Strict parsing of whole and real numbers written in decimal. */
#include "core/input/number.h"

#include <errno.h>
#include <stdlib.h>

#include "core/base/error.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skips a run of digits; returns NULL when there is none. */
static const char *digits(const char *p)
{
    if (!is_digit(*p))
        return NULL;
    while (is_digit(*p))
        p++;
    return p;
}

int tc_parse_integer(const char *text, long long min, long long max, long long *out)
{
    const char *p = text + (text[0] == '-');
    const char *end = digits(p);
    if (end == NULL || *end != '\0')
        return TC_EINVAL;
    errno = 0;
    long long value = strtoll(text, NULL, 10);
    if (errno == ERANGE || value < min || value > max)
        return TC_EINVAL;
    *out = value;
    return 0;
}

int tc_parse_real(const char *text, double *out)
{
    const char *p = digits(text + (text[0] == '-'));
    if (p != NULL && *p == '.')
        p = digits(p + 1);
    if (p != NULL && (*p == 'e' || *p == 'E'))
        p = digits(p + 1 + (p[1] == '+' || p[1] == '-'));
    if (p == NULL || *p != '\0')
        return TC_EINVAL;
    errno = 0;
    double value = strtod(text, NULL);
    /* ERANGE: overflow (inf) or underflow (zero or a denormal: the digits said otherwise). Nothing else is
     * infinite: the digits above leave no "inf" or "nan" for strtod to read. */
    if (errno == ERANGE)
        return TC_EINVAL;
    *out = value;
    return 0;
}
