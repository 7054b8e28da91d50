/*
 * Connections to PostgreSQL, and libpq's failures turned into tc_error.
 *
 * Which database: the conninfo given (`--db`), else $TOCSIN_DB, else libpq's
 * own defaults (PGHOST, PGDATABASE, ...), as every PostgreSQL tool does. Unless
 * PGCONNECT_TIMEOUT or the conninfo says otherwise, connecting gives up after
 * ten seconds, so a dead server is an error and not a hang.
 */
#ifndef TC_STORE_DB_H
#define TC_STORE_DB_H

#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/error.h"

/*
 * Opens a connection. conninfo may be NULL (see above). role, when not NULL, is
 * taken with SET ROLE, which the server allows only to members of that role.
 * On success *out owns the connection (close it with tc_db_close). Errors:
 * TC_EUNAVAIL (cannot connect), TC_ENOTFOUND (no such role), TC_EPERM (not a
 * member of role).
 */
int tc_db_connect(const char *conninfo, const char *role, PGconn **out, tc_error *err);

/*
 * Opens a connection logged in as user with password (the board's sign-in):
 * conninfo as for tc_db_connect, with user and password put over whatever it
 * says. Nothing is SET: the session is the user's own, so row-level security
 * sees that role. The password is handed to libpq and not kept. Errors:
 * TC_EPERM when the server refused these credentials (a wrong password, no such
 * role, a role that may not log in: the server does not say which, nor do we),
 * TC_EUNAVAIL when it could not be reached or cannot take a connection.
 */
int tc_db_connect_login(const char *conninfo, const char *user, const char *password, PGconn **out,
                        tc_error *err);

/* Closes a connection; NULL is a no-op. */
void tc_db_close(PGconn *conn);

/*
 * Records the failure of a statement in err, prefixed by what (for example
 * "cannot read migrations"), and returns its code: TC_EUNAVAIL when the
 * connection is lost or the server is shutting down, or cannot work at all
 * (out of disk, memory or connections; an I/O error), TC_EPERM for an
 * insufficient privilege, TC_EINVAL for text that is not valid UTF-8 (SQLSTATE
 * 22021, 22P05), the API's own TC003..TC006 as their codes, TC_EFAILED
 * otherwise. res may be NULL.
 */
int tc_db_fail(PGconn *conn, const PGresult *res, const char *what, tc_error *err);

/*
 * Runs one parameterless command and checks that it succeeded; what names it
 * in an error. Returns 0 or the code of tc_db_fail.
 */
int tc_db_command(PGconn *conn, const char *sql, const char *what, tc_error *err);

/*
 * Runs a parameterised statement (text parameters, NULL for SQL NULL). Returns
 * its result, owned by the caller (PQclear), or NULL with err set as
 * tc_db_fail does.
 */
PGresult *tc_db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, const char *what,
                      tc_error *err);

/*
 * Runs sql with one parameter, the crisis id, as $1. Returns its result when it
 * has a row, owned by the caller; NULL with TC_ENOTFOUND "no crisis N" when it
 * has none, or with err set as tc_db_fail does.
 */
PGresult *tc_db_crisis_query(PGconn *conn, const char *sql, int64_t id, const char *what, tc_error *err);

/*
 * A NOTIFY ($1 channel, $2 payload) sent after a commit, in a transaction of
 * its own that does not wait for the WAL flush: NOTIFYing commits are
 * serialised by the server until their flush, so the durable ones carry no
 * NOTIFY (migrations/repeatable/).
 */
#define NOTIFY_AFTER_COMMIT_SQL "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)"

/* One statement of a pipeline: SQL with text parameters, or the name of a statement prepared on the
 * connection (then sql is only its text, for the reader). */
typedef struct tc_db_statement {
    const char *sql;
    int nparams;
    const char *const *params;
    const char *prepared;
    int optional; /* the last statements only: their failure leaves the pipeline's outcome as it was */
} tc_db_statement;

/*
 * Runs count statements in one round trip (libpq's pipeline mode) and stores
 * the result of each in results[i], owned by the caller (PQclear). The
 * statements run in order; when one fails the server skips the rest, every
 * result is NULL, and err says what failed as tc_db_fail does; an optional
 * statement that fails only has a NULL result. Statements share a
 * transaction only when an explicit BEGIN opened one.
 */
int tc_db_pipeline(PGconn *conn, const tc_db_statement *statements, int count, PGresult **results,
                   const char *what, tc_error *err);

#endif
