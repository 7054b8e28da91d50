/* A growable list of diagnostics. */
#include "core/base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/error.h"

int tc_diags_add(tc_diags *diags, const char *where, int line, int column, const char *fmt, ...)
{
    if (diags->count == diags->capacity) {
        size_t capacity = diags->capacity ? 2 * diags->capacity : 8;
        tc_diag *items = tc_xrealloc(diags->items, capacity * sizeof *items);
        if (items == NULL)
            return TC_ENOMEM;
        diags->items = items;
        diags->capacity = capacity;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *message = n >= 0 ? tc_xmalloc((size_t)n + 1) : NULL;
    char *copy = where ? tc_xstrdup(where) : NULL;
    if (message == NULL || (where != NULL && copy == NULL)) {
        free(message);
        free(copy);
        return TC_ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(message, (size_t)n + 1, fmt, ap);
    va_end(ap);

    tc_diag *d = &diags->items[diags->count++];
    d->where = copy;
    d->line = line;
    d->column = column;
    d->message = message;
    return 0;
}

void tc_diags_clear(tc_diags *diags)
{
    if (diags == NULL)
        return;
    for (size_t i = 0; i < diags->count; i++) {
        free(diags->items[i].where);
        free(diags->items[i].message);
    }
    free(diags->items);
    diags->items = NULL;
    diags->count = diags->capacity = 0;
}
