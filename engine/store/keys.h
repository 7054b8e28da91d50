/* Signing keys in the database (tocsin key; docs/signatures.md). */
#ifndef TC_STORE_KEYS_H
#define TC_STORE_KEYS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "core/base/error.h"

/* Registers public_key (ed25519:BASE64) for role (tocsin_admin). Fills id (17 bytes) with its key id.
 * TC_EINVAL for a key that is not one, TC_ENOTFOUND for no such actor, TC_ECONFLICT for a key
 * registered already, TC_EPERM for a caller who may not. */
int tc_store_key_register(PGconn *conn, const char *role, const char *public_key, char id[17], tc_error *err);

/* Revokes role's key id (tocsin_admin, or role itself). TC_ENOTFOUND, TC_ECONFLICT (revoked already). */
int tc_store_key_revoke(PGconn *conn, const char *role, const char *id, tc_error *err);

/* Every registered key, oldest first: [{"key_id", "role", "public_key", "registered_at", "registered_by",
 * "revoked_at"}], times as docs/signatures.md writes them. */
int tc_store_key_list(PGconn *conn, json_t **out, tc_error *err);

/* The key id's public key and role, if registered and not revoked (*found 0 otherwise). */
int tc_store_key_in_force(PGconn *conn, const char *id, char public_key[53], char **role, int *found,
                          tc_error *err);

#endif
