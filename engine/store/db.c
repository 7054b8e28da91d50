/* Opening connections and classifying libpq's failures. */
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Notices (CREATE ... IF NOT EXISTS, say) are not errors: keep them off stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/*
 * Connects to conninfo (NULL: $TOCSIN_DB, else libpq's defaults). The
 * keywords before dbname are defaults that the expanded conninfo may
 * override; user and password, when not NULL, come after it and override
 * what it says (libpq skips a NULL value). NULL only when out of memory.
 */
static PGconn *open_connection(const char *conninfo, const char *application, const char *user,
                               const char *password)
{
    if (conninfo == NULL)
        conninfo = getenv("TOCSIN_DB");
    if (conninfo == NULL)
        conninfo = "";
    const char *keys[6], *values[6];
    int n = 0;
    if (getenv("PGCONNECT_TIMEOUT") == NULL) {
        keys[n] = "connect_timeout";
        values[n++] = "10";
    }
    keys[n] = "fallback_application_name";
    values[n++] = application;
    keys[n] = "dbname";
    values[n++] = conninfo;
    keys[n] = "user";
    values[n++] = user;
    keys[n] = "password";
    values[n++] = password;
    keys[n] = NULL;
    values[n] = NULL;
    return PQconnectdbParams(keys, values, 1);
}

int tc_db_connect(const char *conninfo, const char *role, PGconn **out, tc_error *err)
{
    PGconn *conn = open_connection(conninfo, "tocsin", NULL, NULL);
    if (conn == NULL)
        return tc_error_set(err, TC_ENOMEM, "cannot connect to database: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        tc_error_set(err, TC_EUNAVAIL, "cannot connect to database: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return TC_EUNAVAIL;
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);

    if (role != NULL) {
        const char *params[1] = {role};
        PGresult *res =
            PQexecParams(conn, "SELECT set_config('role', $1, false)", 1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            int code;
            if (state != NULL && strcmp(state, "22023") == 0)
                code = tc_error_set(err, TC_ENOTFOUND, "cannot act as %s: no such role", role);
            else if (state != NULL && strcmp(state, "42501") == 0)
                code = tc_error_set(err, TC_EPERM, "cannot act as %s: the login role is not a member of it",
                                    role);
            else
                code = tc_db_fail(conn, res, "cannot set role", err);
            PQclear(res);
            PQfinish(conn);
            return code;
        }
        PQclear(res);
    }
    *out = conn;
    return 0;
}

/*
 * Whether a failed connection was refused for its credentials. libpq gives no
 * SQLSTATE for a connection that failed, so this reads its message: the
 * server's FATAL (28P01 password authentication failed, 28000 no such role, no
 * pg_hba entry or a role that may not log in) or libpq's own when it has no
 * password to give. The cluster's lc_messages must be English (the default).
 */
static int credentials_refused(PGconn *conn)
{
    static const char *const refusals[] = {
        "password authentication failed", "no password supplied", "does not exist",
        "is not permitted to log in",     "pg_hba.conf",          "authentication failed",
    };
    if (PQconnectionNeedsPassword(conn))
        return 1;
    const char *message = PQerrorMessage(conn);
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (strstr(message, refusals[i]) != NULL)
            return 1;
    return 0;
}

int tc_db_connect_login(const char *conninfo, const char *user, const char *password, PGconn **out,
                        tc_error *err)
{
    PGconn *conn = open_connection(conninfo, "tocsin serve", user, password);
    if (conn == NULL)
        return tc_error_set(err, TC_ENOMEM, "cannot connect to database: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        int code = credentials_refused(conn) ? TC_EPERM : TC_EUNAVAIL;
        if (code == TC_EPERM)
            tc_error_set(err, code, "cannot sign in as %s: wrong role or password",
                         user ? user : "the login of the conninfo");
        else
            tc_error_set(err, code, "cannot connect to database: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return code;
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    *out = conn;
    return 0;
}

void tc_db_close(PGconn *conn)
{
    if (conn != NULL)
        PQfinish(conn);
}

int tc_db_fail(PGconn *conn, const PGresult *res, const char *what, tc_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (message == NULL)
        message = PQerrorMessage(conn);
    if (PQstatus(conn) == CONNECTION_BAD || (state != NULL && strncmp(state, "08", 2) == 0) ||
        (state != NULL && strncmp(state, "57P", 3) == 0))
        return tc_error_set(err, TC_EUNAVAIL, "%s: database connection lost: %s", what, message);
    /* The server cannot do any work (out of disk, memory or connections; an I/O error): as unavailable
     * as when it is gone, and no fault of this request (the engine backs off rather than blame a crisis). */
    if (state != NULL && (strncmp(state, "53", 2) == 0 || strncmp(state, "58", 2) == 0))
        return tc_error_set(err, TC_EUNAVAIL, "%s: database unavailable: %s", what, message);
    if (state != NULL && strcmp(state, "42501") == 0)
        return tc_error_set(err, TC_EPERM, "%s: %s", what, message);
    /* Bytes that are not UTF-8 (22021), or a character the server's encoding lacks (22P05): the caller's
     * text, refused as invalid input. The CLI refuses such text itself; this is for every other caller. */
    if (state != NULL && (strcmp(state, "22021") == 0 || strcmp(state, "22P05") == 0))
        return tc_error_set(err, TC_EINVAL, "%s: text that is not valid UTF-8: %s", what, message);
    /* The API's own errors (migrations/repeatable/50_commands.sql): the message says it all. */
    if (state != NULL && strncmp(state, "TC00", 4) == 0) {
        static const int codes[] = {
            ['3'] = TC_EINVAL, ['4'] = TC_ENOTFOUND, ['5'] = TC_EPERM, ['6'] = TC_ECONFLICT};
        unsigned char digit = (unsigned char)state[4];
        if (digit >= '3' && digit <= '6')
            return tc_error_set(err, codes[digit], "%s", message);
    }
    /* No tocsin schema, table or function: a database never migrated, or migrated by an older tocsin.
     * (Not said of a migration's own failure, which migrate reports with its file and line.) */
    if (state != NULL &&
        (strcmp(state, "3F000") == 0 || strcmp(state, "42P01") == 0 || strcmp(state, "42883") == 0) &&
        strstr(message, "tocsin") != NULL && strncmp(what, "migration ", 10) != 0)
        return tc_error_set(err, TC_EFAILED, "%s: %s (run 'tocsin migrate')", what, message);
    return tc_error_set(err, TC_EFAILED, "%s: %s", what, message);
}

PGresult *tc_db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, const char *what,
                      tc_error *err)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return res;
    tc_db_fail(conn, res, what, err);
    PQclear(res);
    return NULL;
}

PGresult *tc_db_crisis_query(PGconn *conn, const char *sql, int64_t id, const char *what, tc_error *err)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)id);
    const char *params[1] = {text};
    PGresult *res = tc_db_query(conn, sql, 1, params, what, err);
    if (res != NULL && PQntuples(res) == 0) {
        PQclear(res);
        tc_error_set(err, TC_ENOTFOUND, "no crisis %lld", (long long)id);
        return NULL;
    }
    return res;
}

int tc_db_command(PGconn *conn, const char *sql, const char *what, tc_error *err)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    int rc = 0;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        rc = tc_db_fail(conn, res, what, err);
    PQclear(res);
    return rc;
}

int tc_db_pipeline(PGconn *conn, const tc_db_statement *statements, int count, PGresult **results,
                   const char *what, tc_error *err)
{
    int rc = 0, index = 0;
    for (int i = 0; i < count; i++)
        results[i] = NULL;
    if (!PQenterPipelineMode(conn))
        return tc_db_fail(conn, NULL, what, err);
    for (int i = 0; i < count; i++) {
        const tc_db_statement *s = &statements[i];
        int sent = s->prepared ? PQsendQueryPrepared(conn, s->prepared, s->nparams, s->params, NULL, NULL, 0)
                               : PQsendQueryParams(conn, s->sql, s->nparams, NULL, s->params, NULL, NULL, 0);
        if (!sent) {
            rc = tc_db_fail(conn, NULL, what, err);
            break;
        }
    }
    if (rc == 0 && !PQpipelineSync(conn))
        rc = tc_db_fail(conn, NULL, what, err);
    if (rc != 0) {
        /* Nothing was sent, or the connection is gone: it cannot be reused. */
        PQexitPipelineMode(conn);
        return rc;
    }
    /* Each statement's result is followed by NULL; the sync ends the pipeline. A failed statement makes
     * the rest PGRES_PIPELINE_ABORTED. */
    for (;;) {
        PGresult *res = PQgetResult(conn);
        if (res == NULL) {
            if (PQstatus(conn) == CONNECTION_BAD || ++index > count) {
                if (rc == 0)
                    rc = tc_db_fail(conn, NULL, what, err);
                break;
            }
            continue;
        }
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if ((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) && index < count &&
            results[index] == NULL) {
            results[index] = res;
            continue;
        }
        int optional = index < count && statements[index].optional;
        if (rc == 0 && status != PGRES_PIPELINE_ABORTED && !optional)
            rc = tc_db_fail(conn, res, what, err);
        PQclear(res);
    }
    if (!PQexitPipelineMode(conn) && rc == 0)
        rc = tc_db_fail(conn, NULL, what, err);
    if (rc != 0)
        for (int i = 0; i < count; i++) {
            PQclear(results[i]);
            results[i] = NULL;
        }
    return rc;
}
