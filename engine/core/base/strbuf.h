/*
 * A growable string, in the manner of git's strbuf: append, then take the
 * text. Growing never fails (out of memory aborts: core/base/alloc.h). A
 * builder that meets something it cannot write (store/work.c: a value
 * jansson cannot dump) marks the buffer failed: every append after it is a
 * no-op and tc_strbuf_take returns NULL, so it checks only once at the end.
 */
#ifndef TC_CORE_STRBUF_H
#define TC_CORE_STRBUF_H

#include <stddef.h>
#include <string.h>

typedef struct tc_strbuf {
    char *text; /* NUL-terminated; NULL until the first append */
    size_t length;
    size_t capacity;
    int failed; /* its builder gave up (see above) */
} tc_strbuf;

#define TC_STRBUF_INIT                                                                                       \
    {                                                                                                        \
        NULL, 0, 0, 0                                                                                        \
    }

/* Makes room for at least size bytes more, so appends up to it do not reallocate. */
void tc_strbuf_reserve(tc_strbuf *sb, size_t size);
void tc_strbuf_add(tc_strbuf *sb, const char *text);
void tc_strbuf_addn_slow(tc_strbuf *sb, const char *text, size_t n);

/* Appends n bytes; inline, since serialisers call it for every token. */
static inline void tc_strbuf_addn(tc_strbuf *sb, const char *text, size_t n)
{
    if (sb->length + n < sb->capacity && !sb->failed) { /* failed: the slow path does nothing */
        memcpy(sb->text + sb->length, text, n);
        sb->length += n;
        sb->text[sb->length] = '\0';
        return;
    }
    tc_strbuf_addn_slow(sb, text, n);
}
void tc_strbuf_addf(tc_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text, owned by the caller (free()); "" when empty; NULL when marked failed. Resets sb. */
char *tc_strbuf_take(tc_strbuf *sb);

/* Frees the text and resets sb. */
void tc_strbuf_release(tc_strbuf *sb);

#endif
