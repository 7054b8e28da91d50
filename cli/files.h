/* Reading whole files for the commands that take FILE arguments. */
#ifndef TC_CLI_FILES_H
#define TC_CLI_FILES_H

#include <stddef.h>

#include "core/error.h"

/*
 * Reads path ("-" for standard input) into a NUL-terminated buffer that the
 * caller frees. Errors: TC_ENOTFOUND (no such file), TC_EIO (cannot read),
 * TC_ENOMEM; err says "cannot open PATH: reason".
 */
int cli_read_file(const char *path, char **text, size_t *length, tc_error *err);

#endif
