/*
 * A JSON array of strings as a C array, for the APIs that take
 * `const char *const *` with a count (an actor's seats, a crisis's parties),
 * sized to the array: there is no cap to disagree with the database's.
 */
#ifndef TC_CORE_JSON_STRINGS_H
#define TC_CORE_JSON_STRINGS_H

#include <jansson.h>
#include <stddef.h>

/*
 * A new array of the strings of array, in order, borrowed from it (they live
 * as long as array holds them); an element that is not a string is NULL.
 * *count is the array's size (0 when array is NULL or not an array). Returns
 * the array, which the caller frees with free(); never NULL (running out of
 * memory aborts: core/base/alloc.h).
 */
const char **tc_json_strings(const json_t *array, size_t *count);

/*
 * How a document is printed, by `--json` and by the board's API alike (then
 * a newline), so that the two are the same bytes.
 */
#define TC_JSON_DOCUMENT_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

#endif
