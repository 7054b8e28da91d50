/*
 * UTF-8 validation: whether bytes are text that PostgreSQL (a UTF8 database)
 * and JSON can both carry. A validator only: it changes nothing (replacing or
 * escaping bytes for display is another concern).
 */
#ifndef TC_CORE_UTF8_H
#define TC_CORE_UTF8_H

#include <stddef.h>

/*
 * Whether the length bytes of text are well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) with no NUL, which
 * PostgreSQL refuses in text and jansson in strings. When they are not and bad
 * is not NULL, *bad is the offset of the first byte that is not.
 */
int tc_utf8_valid(const char *text, size_t length, size_t *bad);

#endif
