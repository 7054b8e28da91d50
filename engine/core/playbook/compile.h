/*
 * Private to the playbook compiler (playbook*.c): the compile context and
 * helpers that read JSON while tracking where in the document they are, so
 * that every problem is reported as "$.json.path: what is wrong". Its
 * functions are named tc__, private to this room (docs/style.md).
 *
 * The compiler never stops at the first problem. A helper that finds one
 * reports it and returns a "not usable" result; the caller carries on with the
 * next key. Memory never runs out here: the arena and the list of problems
 * allocate through tc_x* (core/base/alloc.h), which abort instead.
 */
#ifndef TC_CORE_COMPILE_H
#define TC_CORE_COMPILE_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/arena.h"
#include "core/playbook/playbook.h"
#include "core/base/strindex.h"

#define TC_WHERE_MAX 1024

typedef struct compile_ctx {
    tc_arena *arena;
    tc_diags *diags; /* where problems go; never NULL inside the compiler */
    int problems;    /* how many were reported */
    char where[TC_WHERE_MAX];
    size_t where_len;

    tc_playbook *pb;
    tc_strindex *roles, *parties, *inputs, *paths;
    tc_state *states; /* pb->states, being filled */
    size_t state_count;
    json_t **state_json;   /* the source object of each state, by index */
    tc_machine **machines; /* every machine, parents before children */
    size_t machine_count;
} compile_ctx;

/* The JSON path being read. push returns the length to pop back to. */
size_t tc__where_push_key(compile_ctx *ctx, const char *key);
size_t tc__where_push_index(compile_ctx *ctx, size_t index);
void tc__where_pop(compile_ctx *ctx, size_t length);

/* Reports a problem at the current path. */
void tc__problem(compile_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a problem at the current path plus key. */
void tc__problem_at(compile_ctx *ctx, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Allocation from the playbook's arena (never NULL; a NULL s gives NULL). */
void *tc__carve(compile_ctx *ctx, size_t count, size_t size);
char *tc__carve_string(compile_ctx *ctx, const char *s);

/*
 * Reports each key of obj that is not in allowed (a NULL-terminated list) as
 * "unknown key", or, when describe returns a phrase for it, with that phrase.
 */
void tc__check_keys(compile_ctx *ctx, json_t *obj, const char *const *allowed,
                    const char *(*describe)(const char *key, void *arg), void *arg);

/*
 * Member getters. Each returns 1 when key is present and valid (writing *out),
 * 0 when it is absent (reporting 'missing key' first when required), and -1
 * when present but invalid (reported).
 */
int tc__get_member(compile_ctx *ctx, json_t *obj, const char *key, int required, json_t **out);
int tc__get_string(compile_ctx *ctx, json_t *obj, const char *key, int required, const char **out);
int tc__get_bool(compile_ctx *ctx, json_t *obj, const char *key, int required, int *out);
int tc__get_int(compile_ctx *ctx, json_t *obj, const char *key, int required, long long min, long long max,
                long long *out);
int tc__get_object(compile_ctx *ctx, json_t *obj, const char *key, int required, json_t **out);
int tc__get_array(compile_ctx *ctx, json_t *obj, const char *key, int required, json_t **out);
int tc__get_duration(compile_ctx *ctx, json_t *obj, const char *key, int required, tc_ms *out);

/* Name patterns of the format; s is a string, never NULL. */
int tc__is_id(const char *s);         /* [a-z][a-z0-9_]{0,62}: roles, states, inputs, fields, outcomes */
int tc__is_slug(const char *s);       /* [a-z0-9][a-z0-9-]{0,62}: playbook names */
int tc__is_party_name(const char *s); /* [A-Za-z0-9_-]{1,32}: parties, observers */

/* An article and a type name: "a task", "an approval". */
const char *tc__a_state_type(tc_state_type type);

/* Pieces of the compiler, one file each. */
void tc__compile_states(compile_ctx *ctx, json_t *root);              /* playbook_states.c */
void tc__check_graph(compile_ctx *ctx);                               /* playbook_check.c */
const tc_cond *tc__compile_condition(compile_ctx *ctx, json_t *json); /* playbook_condition.c */
void tc__compile_field(compile_ctx *ctx, json_t *json, tc_field *field, int is_input); /* playbook.c */
void tc__compile_role_list(compile_ctx *ctx, json_t *array, tc_role_list *out);        /* playbook.c */
void tc__compile_party_list(compile_ctx *ctx, json_t *value, tc_party_list *out);      /* playbook.c */

#endif
