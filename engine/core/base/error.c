/* Error detail: the first error wins, and its text is always one line. */
#include "core/base/error.h"

#include <stdio.h>
#include <string.h>

#include "core/base/text.h"

void tc_error_init(tc_error *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->text[0] = '\0';
}

/* Folds the text onto one line: runs of whitespace become one space, and
 * trailing whitespace goes (libpq's messages end in a newline, some carry a
 * tab-indented hint on a second line). */
static void flatten(char *text)
{
    char *out = text;
    int space = 0;
    for (const char *in = text; *in != '\0'; in++) {
        if (*in == ' ' || *in == '\n' || *in == '\r' || *in == '\t') {
            space = 1;
            continue;
        }
        if (space && out != text)
            *out++ = ' ';
        space = 0;
        *out++ = *in;
    }
    *out = '\0';
}

int tc_error_setv(tc_error *err, int code, const char *fmt, va_list ap)
{
    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    int length = vsnprintf(err->text, sizeof err->text, fmt, ap);
    /* A message longer than the buffer is cut by bytes: not inside a character (it may quote what a user
     * wrote), or it would not be UTF-8, and every write that stores it (a refusal, a record) would fail. */
    if (length >= (int)sizeof err->text)
        err->text[tc_text_cut(err->text, sizeof err->text - 1)] = '\0';
    flatten(err->text);
    return code;
}

int tc_error_set(tc_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tc_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

const char *tc_strerror(int code)
{
    switch (code) {
    case TC_OK:
        return "success";
    case TC_EFAILED:
        return "failed";
    case TC_EUSAGE:
        return "usage error";
    case TC_EINVAL:
        return "invalid input";
    case TC_ENOTFOUND:
        return "not found";
    case TC_EPERM:
        return "permission denied";
    case TC_ECONFLICT:
        return "conflict";
    case TC_EUNAVAIL:
        return "database unavailable";
    case TC_ENOMEM:
        return "out of memory";
    case TC_EIO:
        return "input/output error";
    }
    return "unknown error";
}
