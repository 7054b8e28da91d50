/* Whole-file reads. */
#include "files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

int cli_read_file(const char *path, size_t max_bytes, const char *what, char **text, size_t *length,
                  tc_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return tc_error_set(err, errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "cannot open %s: %s", path,
                            strerror(errno));
    char *buf = NULL;
    size_t used = 0, capacity = 0;
    int rc = 0;
    for (;;) {
        if (capacity - used < 4096) {
            capacity = capacity ? 2 * capacity : 16384;
            char *bigger = tc_xrealloc(buf, capacity);
            if (bigger == NULL) {
                rc = tc_error_set(err, TC_ENOMEM, "cannot read %s: out of memory", path);
                break;
            }
            buf = bigger;
        }
        size_t got = fread(buf + used, 1, capacity - used - 1, f);
        used += got;
        if (used > max_bytes) {
            rc = tc_error_set(err, TC_EINVAL, "%s is more than %zu bytes, the most %s may have", path,
                              max_bytes, what);
            break;
        }
        if (got == 0) {
            if (ferror(f))
                rc = tc_error_set(err, TC_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *text = buf;
    *length = used;
    return 0;
}
