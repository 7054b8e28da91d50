/*
 * Evaluating compiled conditions against a crisis: the strict JSON Logic
 * subset of docs/playbook-format.md. No type coercion: 1 == "1" is false;
 * ordering comparisons are false when either side is null or the types
 * differ; and, or and ! see only true as true (null is false); a missing
 * value is null.
 */
#ifndef TC_CORE_CONDITION_EVAL_H
#define TC_CORE_CONDITION_EVAL_H

#include <jansson.h>

#include "core/playbook/condition.h"
#include "core/instance/instance.h"

/* The value of cond (compiled, not NULL): a new reference, or NULL for null. */
json_t *tc_cond_eval(const tc_playbook *playbook, const tc_instance *instance, const tc_cond *cond);

/* Whether cond is true (exactly the JSON value true). */
int tc_cond_true(const tc_playbook *playbook, const tc_instance *instance, const tc_cond *cond);

#endif
