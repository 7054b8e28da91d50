/* Escaping what a terminal would act on (see printable.h). */
#include "core/input/printable.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

/* The length of the UTF-8 sequence at s (at most n bytes) and its code point; 0 when not valid UTF-8. */
static size_t utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c;
    if (s[0] < 0x80)
        return *cp = s[0], 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, c = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, c = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, c = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF are not UTF-8. */
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int is_bidi_control(uint32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

void tc_printable_add(tc_strbuf *sb, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    while (n > 0) {
        /* The longest run that needs nothing, copied at once. */
        size_t run = 0;
        uint32_t c = 0;
        size_t len = 0;
        while (run < n) {
            len = utf8_sequence(s + run, n - run, &c);
            if (len == 0 || c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || is_bidi_control(c))
                break;
            run += len;
        }
        tc_strbuf_addn(sb, (const char *)s, run);
        s += run;
        n -= run;
        if (n == 0)
            break;
        if (len == 0) {
            tc_strbuf_addf(sb, "\\x%02x", s[0]);
            len = 1;
        } else if (c == '\n') {
            tc_strbuf_add(sb, "\\n");
        } else if (c == '\r') {
            tc_strbuf_add(sb, "\\r");
        } else if (c == '\t') {
            tc_strbuf_add(sb, "\\t");
        } else if (c < 0x80) {
            tc_strbuf_addf(sb, "\\x%02x", (unsigned)c);
        } else {
            tc_strbuf_addf(sb, "\\u%04x", (unsigned)c);
        }
        s += len;
        n -= len;
    }
}

void tc_printable_tail(tc_strbuf *sb, size_t from)
{
    if (sb->failed || sb->text == NULL || from >= sb->length)
        return;
    char *tail = tc_xstrdup(sb->text + from);
    sb->length = from;
    sb->text[from] = '\0';
    tc_printable_add(sb, tail);
    free(tail);
}

void tc_printable_json(json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        for (void *it = json_object_iter(value); it != NULL; it = json_object_iter_next(value, it))
            tc_printable_json(json_object_iter_value(it));
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(value); i++)
            tc_printable_json(json_array_get(value, i));
        break;
    case JSON_STRING: {
        tc_strbuf sb = TC_STRBUF_INIT;
        tc_printable_add(&sb, json_string_value(value));
        char *text = tc_strbuf_take(&sb);
        json_string_set(value, text); /* cannot fail: the text was UTF-8, and the escapes are ASCII */
        free(text);
        break;
    }
    default: /* numbers, true, false and null print as they are */
        break;
    }
}
