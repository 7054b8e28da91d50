/*
 * Conditions of choice states: a strict subset of JSON Logic, compiled.
 *
 * The compiler (playbook_condition.c) turns {"==": [{"var": "inputs.x"}, 3]}
 * into a tree of tc_cond nodes whose variables are already resolved against
 * the playbook (which input, which state, which party), so evaluating one
 * never looks a name up by text and never meets an unknown operator.
 */
#ifndef TC_CORE_CONDITION_H
#define TC_CORE_CONDITION_H

#include <jansson.h>
#include <stddef.h>

typedef enum tc_cond_op {
    TC_COND_LITERAL, /* a JSON scalar */
    TC_COND_ARRAY,   /* a JSON array whose elements are conditions */
    TC_COND_VAR,     /* {"var": "path"} */
    TC_COND_EQ,      /* == strict, no type coercion */
    TC_COND_NE,      /* != strict */
    TC_COND_LT,      /* < (false when either side is null or the types differ) */
    TC_COND_LE,
    TC_COND_GT,
    TC_COND_GE,
    TC_COND_AND, /* on booleans; null is false */
    TC_COND_OR,
    TC_COND_NOT,
    TC_COND_IN,  /* element of an array, or substring of a string */
    TC_COND_SUM, /* aggregates over an array */
    TC_COND_COUNT,
    TC_COND_MIN,
    TC_COND_MAX,
} tc_cond_op;

typedef enum tc_var_kind {
    TC_VAR_INPUT,    /* inputs.<name> */
    TC_VAR_DATA,     /* data.<path>[.<party>|.*][.<field>] */
    TC_VAR_CRISIS,   /* crisis.severity | crisis.mode | crisis.parties */
    TC_VAR_APPROVAL, /* approval.<path>.approve | reject | abstain */
} tc_var_kind;

typedef struct tc_cond tc_cond;

struct tc_cond {
    tc_cond_op op;
    const tc_cond *const *args; /* operands, or array elements */
    size_t argc;
    json_t *literal; /* LITERAL: borrowed from the playbook's source */
    struct {
        tc_var_kind kind;
        const char *text; /* the path as written */
        int state;        /* DATA, APPROVAL: index of the state */
        const char
            *name; /* INPUT: the input; CRISIS: the attribute; APPROVAL: the vote; DATA: the field or NULL */
        const char *party; /* DATA: NULL, a party, or "*" for all parties */
        json_t *fallback;  /* {"var": [path, default]}: borrowed; NULL when absent */
    } var;
};

/* The operator's JSON Logic spelling ("==", "sum", ...). */
const char *tc_cond_op_name(tc_cond_op op);

#endif
