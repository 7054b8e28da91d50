/*
 * Playbook versions in the database: load (same content, same version;
 * changed content, the next), list, and fetch one for compiling.
 */
#ifndef TC_STORE_PLAYBOOKS_H
#define TC_STORE_PLAYBOOKS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "core/base/error.h"

/* Loads content (JSON text the caller has compiled successfully; it is compiled again here for the seats each
 * state needs, stored with it). Fills name (caller frees), version, created. TC_EINVAL, before the database
 * is asked, for content past TC_PLAYBOOK_MAX_BYTES (1 MiB); the compiler itself takes playbooks of any size,
 * so that one stored before the limit still runs. */
int tc_store_playbook_load(PGconn *conn, const char *content, char **name, int *version, int *created,
                           tc_error *err);

/* Every playbook's latest version: [{"name", "version", "versions", "title", "loaded_by", "loaded_at"}]. */
int tc_store_playbook_list(PGconn *conn, json_t **out, tc_error *err);

/*
 * The content of NAME at version (0: the latest) as JSON text (caller frees),
 * with the version found. TC_ENOTFOUND when there is none.
 */
int tc_store_playbook_get(PGconn *conn, const char *name, int version, char **content, int *version_out,
                          json_t **meta, tc_error *err);

#endif
