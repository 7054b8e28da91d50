/* Reading JSON for the compiler: paths, problems, typed getters, name patterns. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/playbook/compile.h"

static int plain_key(const char *key)
{
    if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') || *key == '_'))
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/*
 * Accounts for the n characters snprintf wanted to add where room was left: a
 * path too long for ctx->where is cut. Each format has characters of its own
 * besides a key's, so n is never 0, and %s of bytes never fails.
 */
static void where_grow(compile_ctx *ctx, int n, size_t room)
{
    ctx->where_len = (size_t)n < room ? ctx->where_len + (size_t)n : sizeof ctx->where - 1;
}

size_t tc__where_push_key(compile_ctx *ctx, const char *key)
{
    size_t before = ctx->where_len;
    size_t room = sizeof ctx->where - ctx->where_len;
    int n;
    if (plain_key(key)) {
        n = snprintf(ctx->where + ctx->where_len, room, ".%s", key);
    } else {
        /* $['odd key'], with ' and \ escaped and control characters shown as \u00XX */
        char quoted[256];
        size_t q = 0;
        for (const unsigned char *p = (const unsigned char *)key; *p && q < sizeof quoted - 8; p++) {
            if (*p == '\'' || *p == '\\')
                quoted[q++] = '\\', quoted[q++] = (char)*p;
            else if (*p < 0x20)
                q += (size_t)snprintf(quoted + q, sizeof quoted - q, "\\u%04x", *p);
            else
                quoted[q++] = (char)*p;
        }
        quoted[q] = '\0';
        n = snprintf(ctx->where + ctx->where_len, room, "['%s']", quoted);
    }
    where_grow(ctx, n, room);
    return before;
}

size_t tc__where_push_index(compile_ctx *ctx, size_t index)
{
    size_t before = ctx->where_len;
    size_t room = sizeof ctx->where - ctx->where_len;
    where_grow(ctx, snprintf(ctx->where + ctx->where_len, room, "[%zu]", index), room);
    return before;
}

void tc__where_pop(compile_ctx *ctx, size_t length)
{
    ctx->where_len = length;
    ctx->where[length] = '\0';
}

static void report(compile_ctx *ctx, const char *fmt, va_list ap)
{
    char message[1024];
    vsnprintf(message, sizeof message, fmt, ap);
    ctx->problems++;
    tc_diags_add(ctx->diags, ctx->where, 0, 0, "%s", message);
}

void tc__problem(compile_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ctx, fmt, ap);
    va_end(ap);
}

void tc__problem_at(compile_ctx *ctx, const char *key, const char *fmt, ...)
{
    size_t mark = tc__where_push_key(ctx, key);
    va_list ap;
    va_start(ap, fmt);
    report(ctx, fmt, ap);
    va_end(ap);
    tc__where_pop(ctx, mark);
}

void *tc__carve(compile_ctx *ctx, size_t count, size_t size)
{
    return tc_arena_array(ctx->arena, count, size);
}

char *tc__carve_string(compile_ctx *ctx, const char *s)
{
    return tc_arena_strdup(ctx->arena, s);
}

void tc__check_keys(compile_ctx *ctx, json_t *obj, const char *const *allowed,
                    const char *(*describe)(const char *key, void *arg), void *arg)
{
    for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] != NULL)
            continue;
        const char *why = describe ? describe(key, arg) : NULL;
        tc__problem_at(ctx, key, "%s", why ? why : "unknown key");
    }
}

int tc__get_member(compile_ctx *ctx, json_t *obj, const char *key, int required, json_t **out)
{
    json_t *value = json_object_get(obj, key);
    if (value == NULL) {
        if (required)
            tc__problem(ctx, "missing key \"%s\"", key);
        return 0;
    }
    *out = value;
    return 1;
}

/*
 * The start of every typed getter: presence, then a type test. The value is
 * there, so the test is json_typeof (jansson's json_is_* test for NULL too).
 */
#define TYPED(test, expected)                                                                                \
    json_t *value;                                                                                           \
    int present = tc__get_member(ctx, obj, key, required, &value);                                           \
    if (present <= 0)                                                                                        \
        return present;                                                                                      \
    if (!(test)) {                                                                                           \
        tc__problem_at(ctx, key, "expected %s", expected);                                                   \
        return -1;                                                                                           \
    }

int tc__get_string(compile_ctx *ctx, json_t *obj, const char *key, int required, const char **out)
{
    TYPED(json_typeof(value) == JSON_STRING, "a string");
    *out = json_string_value(value);
    return 1;
}

int tc__get_bool(compile_ctx *ctx, json_t *obj, const char *key, int required, int *out)
{
    TYPED(json_typeof(value) == JSON_TRUE || json_typeof(value) == JSON_FALSE, "true or false");
    *out = json_typeof(value) == JSON_TRUE;
    return 1;
}

int tc__get_int(compile_ctx *ctx, json_t *obj, const char *key, int required, long long min, long long max,
                long long *out)
{
    TYPED(json_typeof(value) == JSON_INTEGER, "an integer");
    long long v = json_integer_value(value);
    if (v < min || v > max) {
        tc__problem_at(ctx, key, "must be between %lld and %lld", min, max);
        return -1;
    }
    *out = v;
    return 1;
}

int tc__get_object(compile_ctx *ctx, json_t *obj, const char *key, int required, json_t **out)
{
    TYPED(json_typeof(value) == JSON_OBJECT, "an object");
    *out = value;
    return 1;
}

int tc__get_array(compile_ctx *ctx, json_t *obj, const char *key, int required, json_t **out)
{
    TYPED(json_typeof(value) == JSON_ARRAY, "an array");
    *out = value;
    return 1;
}

int tc__get_duration(compile_ctx *ctx, json_t *obj, const char *key, int required, tc_ms *out)
{
    TYPED(json_typeof(value) == JSON_STRING, "an ISO 8601 duration such as \"PT4H\"");
    const char *why;
    if (tc_duration_parse(json_string_value(value), out, &why) != 0) {
        tc__problem_at(ctx, key, "\"%s\": %s", json_string_value(value), why);
        return -1;
    }
    return 1;
}

static int matches(const char *s, int (*first)(int c), int (*rest)(int c), size_t max)
{
    size_t n = 0;
    if (!first((unsigned char)*s))
        return 0;
    for (; *s; s++, n++)
        if (n >= max || (n > 0 && !rest((unsigned char)*s)))
            return 0;
    return 1;
}

static int lower(int c)
{
    return c >= 'a' && c <= 'z';
}
static int id_char(int c)
{
    return lower(c) || (c >= '0' && c <= '9') || c == '_';
}
static int slug_first(int c)
{
    return lower(c) || (c >= '0' && c <= '9');
}
static int slug_char(int c)
{
    return slug_first(c) || c == '-';
}
static int party_char(int c)
{
    return lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int tc__is_id(const char *s)
{
    return matches(s, lower, id_char, 63);
}

int tc__is_slug(const char *s)
{
    return matches(s, slug_first, slug_char, 63);
}

int tc__is_party_name(const char *s)
{
    return matches(s, party_char, party_char, 32);
}

const char *tc__a_state_type(tc_state_type type)
{
    switch (type) {
    case TC_STATE_TASK:
        return "a task";
    case TC_STATE_APPROVAL:
        return "an approval";
    case TC_STATE_CHOICE:
        return "a choice";
    case TC_STATE_PARALLEL:
        return "a parallel";
    case TC_STATE_ACTION:
        return "an action";
    case TC_STATE_WAIT:
        return "a wait";
    case TC_STATE_END:
        return "an end";
    }
    return "a";
}
