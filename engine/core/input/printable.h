/*
 * Text from people and programs, made safe to print on a terminal. A reason,
 * a title or an action's output is stored verbatim; printed verbatim in a
 * human format, it could move the cursor, recolour or clear the screen
 * (escape sequences), start a new line that looks like another audit event,
 * or reverse the order in which the rest of the line reads (Unicode's bidi
 * controls). Text formats therefore print such characters as visible
 * escapes: \n \r \t, \xHH for other control bytes, DEL and bytes that are
 * not UTF-8, \uHHHH for C1 controls and bidi controls. JSON formats need
 * none of this: JSON escapes them itself.
 */
#ifndef TC_CORE_PRINTABLE_H
#define TC_CORE_PRINTABLE_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/strbuf.h"

/* Appends text with every character a terminal would act on escaped. */
void tc_printable_add(tc_strbuf *sb, const char *text);

/* Escapes, in place, what sb holds from byte offset from on (what a formatter has just appended). */
void tc_printable_tail(tc_strbuf *sb, size_t from);

/*
 * Escapes every string value inside value (objects and arrays, deeply), in
 * place: for a command's text output, which prints fields of a document it
 * read.
 */
void tc_printable_json(json_t *value);

#endif
