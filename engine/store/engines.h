/*
 * The engines' heartbeats in the database (tocsin.engines, migration 015):
 * an engine registers when it starts, beats while it runs, and leaves when it
 * stops cleanly (daemon/heartbeat.h drives these). Each is one statement, in
 * no explicit transaction. Only an engine's role (or tocsin_admin) may call
 * them; the database refuses others (TC_EPERM).
 */
#ifndef TC_STORE_ENGINES_H
#define TC_STORE_ENGINES_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

/* A uuid's text and its NUL. */
#define TC_ENGINE_ID_SIZE 37

/*
 * Registers an engine running on host as pid, tocsin version, started at
 * started_ms (epoch milliseconds); writes its new id into id. Removes first
 * the rows of engines not seen for a day.
 */
int tc_store_engine_register(PGconn *conn, const char *host, int pid, const char *version, int64_t started_ms,
                             char id[TC_ENGINE_ID_SIZE], tc_error *err);

/* Engine id is seen now, having committed batches batches with work. *found is 0 when its row is gone (it
 * should register again). */
int tc_store_engine_beat(PGconn *conn, const char *id, uint64_t batches, int *found, tc_error *err);

/* Removes engine id's row (a no-op when there is none). */
int tc_store_engine_leave(PGconn *conn, const char *id, tc_error *err);

#endif
