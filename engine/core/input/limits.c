/* Checking text and JSON against the limits of core/input/limits.h. */
#include "core/input/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/utf8.h"

int tc_limit_text(const char *what, const char *text, size_t max_bytes, tc_error *err)
{
    size_t length = strlen(text), bad = 0;
    if (!tc_utf8_valid(text, length, &bad))
        return tc_error_set(err, TC_EINVAL, "%s is not valid UTF-8 (byte %zu)", what, bad + 1);
    if (length > max_bytes)
        return tc_error_set(err, TC_EINVAL, "%s is %zu bytes, more than the %zu allowed", what, length,
                            max_bytes);
    return 0;
}

/* A string as jsonb prints it: quoted, with ", \ and control characters escaped (\n, or \u001b). */
static size_t string_size(const char *s, size_t length)
{
    size_t size = 2;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
            size += 2;
        else
            size += c < 0x20 ? 6 : 1;
    }
    return size;
}

/* A real as numeric prints it: no exponent, so 1e300 is a 1 and 300 zeros, and 1e-300 as many. */
static size_t real_size(double value)
{
    char text[64];
    int n = snprintf(text, sizeof text, "%.17g", value);
    const char *e = strchr(text, 'e');
    if (e == NULL)
        return (size_t)n;
    long exponent = labs(strtol(e + 1, NULL, 10));
    return 1 + (size_t)exponent + 1 + 17 + 2; /* sign, the digits to the point, the point, 17 digits, slack */
}

size_t tc_json_size(const json_t *value)
{
    size_t size = 0;
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        size = 2;
        for (void *it = json_object_iter((json_t *)value); it != NULL;
             it = json_object_iter_next((json_t *)value, it)) {
            const char *key = json_object_iter_key(it);
            size += (size > 2 ? 2 : 0) + string_size(key, strlen(key)) + 2 +
                    tc_json_size(json_object_iter_value(it));
        }
        return size;
    case JSON_ARRAY:
        size = 2;
        for (size_t i = 0; i < json_array_size(value); i++)
            size += (i > 0 ? 2 : 0) + tc_json_size(json_array_get(value, i));
        return size;
    case JSON_STRING:
        return string_size(json_string_value(value), json_string_length(value));
    case JSON_INTEGER: {
        char text[32];
        return (size_t)snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    }
    case JSON_REAL:
        return real_size(json_real_value(value));
    case JSON_TRUE:
    case JSON_NULL:
        return 4;
    case JSON_FALSE:
        return 5;
    }
    return 0;
}

int tc_limit_json(const char *what, const json_t *value, size_t max_bytes, tc_error *err)
{
    size_t size = tc_json_size(value);
    if (size > max_bytes)
        return tc_error_set(err, TC_EINVAL, "%s is %zu bytes as JSON, more than the %zu allowed", what, size,
                            max_bytes);
    return 0;
}
