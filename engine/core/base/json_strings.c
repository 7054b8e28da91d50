/* C arrays of the strings of a JSON array. */
#include "core/base/json_strings.h"

#include <stdlib.h>

#include "core/base/alloc.h"

const char **tc_json_strings(const json_t *array, size_t *count)
{
    size_t n = json_array_size(array);
    const char **strings = tc_xmalloc((n ? n : 1) * sizeof *strings);
    for (size_t i = 0; i < n; i++)
        strings[i] = json_string_value(json_array_get(array, i));
    *count = n;
    return strings;
}
