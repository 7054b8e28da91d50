/* A growable list of diagnostics. */
#include "core/base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

void tc_diags_add(tc_diags *diags, const char *where, int line, int column, const char *fmt, ...)
{
    if (diags->count == diags->capacity) {
        diags->capacity = diags->capacity ? 2 * diags->capacity : 8;
        diags->items = tc_xrealloc(diags->items, diags->capacity * sizeof *diags->items);
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *message;
    if (n >= 0) {
        message = tc_xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(message, (size_t)n + 1, fmt, ap);
        va_end(ap);
    } else {
        /* The arguments could not be printed (a wide string not in the locale, say): keep the problem. */
        message = tc_xstrdup(fmt);
    }

    tc_diag *d = &diags->items[diags->count++];
    d->where = where ? tc_xstrdup(where) : NULL;
    d->line = line;
    d->column = column;
    d->message = message;
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
