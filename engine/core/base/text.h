/*
 * Text from outside made fit to store. What an action or notify program
 * prints is bytes, not text: it may hold NUL bytes, which PostgreSQL's text
 * and jsonb refuse (jsonb refuses the escape \u0000 too), and sequences that
 * are not UTF-8, which jansson refuses (json_stringn returns NULL) and so
 * does the database. A cut made by byte count (the last 4 KiB of an output,
 * a message truncated to a buffer) may also fall inside a multibyte
 * character. These functions turn such bytes into valid UTF-8 without NUL,
 * so that no program can make a write fail by what it prints.
 */
#ifndef TC_CORE_TEXT_H
#define TC_CORE_TEXT_H

#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8: what stands for each byte sequence that is not text. */
#define TC_TEXT_REPLACEMENT "\xEF\xBF\xBD"

/*
 * Copies the n bytes at bytes (NUL bytes included; bytes may be NULL when n
 * is 0) as valid UTF-8 without NUL: each NUL byte, and each maximal part of
 * a sequence that is not well-formed UTF-8 (a byte that cannot start a
 * character, an overlong form, a surrogate, a code point past U+10FFFF, a
 * character cut short by the next byte or by the end), becomes one U+FFFD,
 * as Unicode recommends (chapter 3, "U+FFFD substitution of maximal
 * subparts"). Everything else, control characters included, is kept as it
 * is. The result is at most 3n bytes long.
 *
 * Returns a new NUL-terminated string owned by the caller (free()), its
 * length in *length when length is not NULL; never NULL.
 */
char *tc_text_sanitize(const char *bytes, size_t n, size_t *length);

/*
 * Where to cut valid UTF-8 text of n bytes so that it does not end inside a
 * character: n, or less when the last character is incomplete (for a text
 * truncated by byte count). Pure arithmetic on the last three bytes.
 */
size_t tc_text_cut(const char *text, size_t n);

#endif
