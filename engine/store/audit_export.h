/*
 * The audit as it leaves the database to be checked elsewhere
 * (docs/signatures.md): the export of a crisis's chain, each event with the
 * canonical text its hash covers, and the heads of the chains a role may
 * read, for `audit head` to sign.
 */
#ifndef TC_STORE_AUDIT_EXPORT_H
#define TC_STORE_AUDIT_EXPORT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/error.h"

/*
 * The audit of crisis, oldest first: the objects of tc_store_audit ("seq",
 * "crisis", "at", "actor", "login", "kind", "state", "detail", "prev_hash",
 * "hash") with "canonical", the text PostgreSQL hashes for the event
 * (tocsin.audit_canonical), and "signature" where the event has one.
 * TC_ENOTFOUND when the crisis does not exist or the role may not read it.
 */
int tc_store_audit_export(PGconn *conn, int64_t crisis, json_t **events, tc_error *err);

/*
 * The heads of the chains of crisis (0: of every crisis the role may read
 * that has an event), in one snapshot, once the database has verified them
 * (tocsin.audit_verify): [{"crisis", "seq", "hash"}] by crisis. TC_ENOTFOUND
 * for a crisis that does not exist (or the role may not read), TC_ECONFLICT
 * for one without an event yet, TC_EFAILED naming the first chain that does
 * not verify: a head vouches for a chain, and no one should sign a broken one.
 */
int tc_store_audit_heads(PGconn *conn, int64_t crisis, json_t **heads, tc_error *err);

#endif
