/* logfmt lines on stderr, one write each, so lines of two engines never interleave mid-line. */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *engine_name = "engine";
static tc_log_level max_level = TC_LOG_WARN;

void tc_log_setup(const char *engine, tc_log_level level)
{
    engine_name = engine;
    max_level = level;
}

static size_t put_value(char *buf, size_t size, const char *value)
{
    int quote = value[0] == '\0' || strpbrk(value, " =\"\\\t\n") != NULL;
    size_t n = 0;
    if (quote && n < size)
        buf[n++] = '"';
    for (const char *p = value; *p && n + 2 < size; p++) {
        if (*p == '"' || *p == '\\')
            buf[n++] = '\\';
        buf[n++] = *p == '\n' || *p == '\t' ? ' ' : *p;
    }
    if (quote && n < size)
        buf[n++] = '"';
    return n;
}

void tc_log(tc_log_level level, const char *msg, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > max_level)
        return;
    char line[4096];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "ts=%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ level=%s engine=", (long)tv.tv_usec / 1000,
                          names[level]);
    n += put_value(line + n, sizeof line - n - 1, engine_name);
    n += (size_t)snprintf(line + n, sizeof line - n, " msg=");
    n += put_value(line + n, sizeof line - n - 1, msg);
    va_list ap;
    va_start(ap, msg);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL && n < sizeof line - 64) {
        const char *value = va_arg(ap, const char *);
        n += (size_t)snprintf(line + n, sizeof line - n, " %s=", key);
        n += put_value(line + n, sizeof line - n - 1, value ? value : "");
    }
    va_end(ap);
    if (n >= sizeof line - 1)
        n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t written = write(2, line, n);
    (void)written;
}
