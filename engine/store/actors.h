/* Actors: PostgreSQL roles, the seats they hold and the organisations they observe (tocsin actor). */
#ifndef TC_STORE_ACTORS_H
#define TC_STORE_ACTORS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "core/base/error.h"

/* Creates role (when missing; LOGIN with login) and gives it seats and observed organisations (arrays of
 * strings). TC_EINVAL, before the database is asked, for a name the database would refuse or cut short
 * (core/input/actor_names.h). */
int tc_store_actor_add(PGconn *conn, const char *role, json_t *seats, json_t *observes, int login,
                       int *created, tc_error *err);

/* Gives (grant) or takes back a seat. TC_EINVAL for a role or seat that is not a name
 * (core/input/actor_names.h), TC_ENOTFOUND for no such role, or a seat it does not hold. */
int tc_store_actor_seat(PGconn *conn, const char *role, const char *seat, int grant, tc_error *err);

/* [{"actor", "login", "seats", "observes"}] */
int tc_store_actor_list(PGconn *conn, json_t **out, tc_error *err);

/*
 * The actor history, oldest first, of role or (NULL) of every actor:
 * [{"seq", "at", "by", "login", "kind", "actor", "detail", "prev_hash",
 * "hash"}], at in UTC with microseconds, as the chain's canonical text has it.
 */
int tc_store_actor_history(PGconn *conn, const char *role, json_t **out, tc_error *err);

/*
 * Recomputes the actor history's chain (tocsin.actor_history_verify):
 * *broken lists its problems, [{"seq", "expected", "stored", "problem"}]
 * (problem edited, truncated, head_mismatch or unrecorded), empty when it
 * holds; *events counts its changes.
 */
int tc_store_actor_history_verify(PGconn *conn, json_t **broken, long long *events, tc_error *err);

#endif
