/* Growable strings with sticky allocation failure. */
#include "core/base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

static int grow(tc_strbuf *sb, size_t extra)
{
    if (sb->failed)
        return -1;
    if (sb->length + extra + 1 <= sb->capacity)
        return 0;
    size_t capacity = sb->capacity ? sb->capacity : 256;
    while (capacity < sb->length + extra + 1)
        capacity *= 2;
    sb->text = tc_xrealloc(sb->text, capacity);
    sb->capacity = capacity;
    return 0;
}

void tc_strbuf_reserve(tc_strbuf *sb, size_t size)
{
    grow(sb, size);
}

void tc_strbuf_addn_slow(tc_strbuf *sb, const char *text, size_t n)
{
    if (grow(sb, n) != 0)
        return;
    memcpy(sb->text + sb->length, text, n);
    sb->length += n;
    sb->text[sb->length] = '\0';
}

void tc_strbuf_add(tc_strbuf *sb, const char *text)
{
    tc_strbuf_addn(sb, text, strlen(text));
}

void tc_strbuf_addf(tc_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(sb, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->text + sb->length, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->length += (size_t)n;
}

char *tc_strbuf_take(tc_strbuf *sb)
{
    char *text = sb->failed ? NULL : sb->text ? sb->text : tc_xstrdup("");
    if (sb->failed)
        free(sb->text);
    sb->text = NULL;
    sb->length = sb->capacity = 0;
    sb->failed = 0;
    return text;
}

void tc_strbuf_release(tc_strbuf *sb)
{
    free(sb->text);
    sb->text = NULL;
    sb->length = sb->capacity = 0;
    sb->failed = 0;
}
