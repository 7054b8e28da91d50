/*
 * A playbook's inputs as an operator gives them on the command line:
 * --inputs JSON, then each --input K=V over it, typed as the playbook
 * declares (trigger and amend both read them this way).
 */
#ifndef TC_CLIENT_INPUTS_H
#define TC_CLIENT_INPUTS_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/diag.h"
#include "core/playbook/playbook.h"

/*
 * The inputs: json (--inputs, may be NULL), then each assignment ("K=V") over
 * it; a key given twice (in json, or by two assignments) is refused, like a
 * playbook's; the whole at most TC_JSON_ARG_MAX_BYTES as the database will
 * store it. Every problem goes to problems, one line each; the inputs whose
 * problem is said are named in reported (an object), so that the core's
 * check does not call them missing as well. Returns a new object, never NULL.
 */
json_t *tc_inputs_gather(const tc_playbook *playbook, const char *json, const char *const *assignments,
                         size_t count, json_t *reported, tc_diags *problems);

#endif
