/* Reading whole files for the commands that take FILE arguments. */
#ifndef TC_CLI_FILES_H
#define TC_CLI_FILES_H

#include <stddef.h>

#include "core/base/error.h"

/*
 * Reads path ("-" for standard input) into a NUL-terminated buffer that the
 * caller frees, reading no more than max_bytes (core/input/limits.h): a longer file
 * is refused without being read to its end, what naming the kind of file in
 * the message ("a playbook"). Errors: TC_ENOTFOUND (no such file), TC_EIO
 * (cannot read), TC_EINVAL (longer than max_bytes), TC_ENOMEM; err says
 * "cannot open PATH: reason" or "PATH is more than N bytes, the most WHAT may
 * have".
 */
int cli_read_file(const char *path, size_t max_bytes, const char *what, char **text, size_t *length,
                  tc_error *err);

#endif
