/*
 * Diagnostics: the list of problems found in a playbook (or a script), each
 * with where it is. Validation reports every problem, not only the first, so
 * an author fixes a playbook in one pass.
 */
#ifndef TC_CORE_DIAG_H
#define TC_CORE_DIAG_H

#include <stddef.h>

typedef struct tc_diag {
    char *where; /* a JSON path such as "$.states.assess.deadline"; NULL for a syntax error */
    int line;    /* of a syntax error (from 1); 0 otherwise */
    int column;
    char *message; /* lowercase, no final full stop, identifiers verbatim */
} tc_diag;

/* Owned by whoever declared it; start from {0} and release with tc_diags_clear. */
typedef struct tc_diags {
    tc_diag *items;
    size_t count;
    size_t capacity;
} tc_diags;

/*
 * Appends a problem; where may be NULL. Memory comes from tc_xmalloc, which
 * aborts when it runs out (core/base/alloc.h), so this cannot fail. When the
 * arguments cannot be printed (vsnprintf fails), the message is fmt itself.
 */
void tc_diags_add(tc_diags *diags, const char *where, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Frees every item, leaving an empty list. NULL is a no-op. */
void tc_diags_clear(tc_diags *diags);

#endif
