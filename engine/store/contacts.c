/* The SQL behind tocsin contact and tocsin notifications. */
#include "store/contacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input/actor_names.h"
#include "core/input/contact.h"
#include "store/db.h"

int tc_store_contact_add(PGconn *conn, const char *seat, const char *channel, const char *address,
                         const char *format, const char *tz, tc_error *err)
{
    int webhook = strcmp(channel, "webhook") == 0;
    int rc = tc_seat_name_check(seat, err);
    if (rc == 0)
        rc = webhook ? tc_contact_webhook_check(address, err) : tc_contact_email_check(address, err);
    if (rc == 0 && webhook)
        rc = tc_contact_format_check(format, err);
    else if (rc == 0 && format != NULL)
        rc = tc_error_set(err, TC_EINVAL, "--format is for webhooks (json or slack), not e-mail");
    if (rc == 0 && tz != NULL)
        rc = tc_contact_tz_check(tz, err);
    if (rc != 0)
        return rc;
    const char *params[5] = {seat, channel, address, format, tz};
    PGresult *res = tc_db_query(conn, "SELECT tocsin.contact_add($1, $2, $3, $4, $5)", 5, params,
                                "cannot add the contact", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    PQclear(res);
    return 0;
}

int tc_store_contact_remove(PGconn *conn, const char *seat, const char *address, int *removed, tc_error *err)
{
    int rc = tc_seat_name_check(seat, err);
    if (rc != 0)
        return rc;
    const char *params[2] = {seat, address};
    PGresult *res = tc_db_query(conn, "SELECT tocsin.contact_remove($1, $2)", 2, params,
                                "cannot remove the contact", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *removed = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

int tc_store_contact_list(PGconn *conn, const char *seat, json_t **out, tc_error *err)
{
    const char *params[1] = {seat};
    PGresult *res =
        tc_db_query(conn,
                    "SELECT coalesce(jsonb_agg(jsonb_build_object('seat', k.seat, 'channel', k.channel, "
                    "'address', k.address,"
                    "                          'format', k.format, 'tz', k.tz, 'added_by', k.added_by,"
                    "                          'added_at', to_char(k.added_at AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"
                    "                 ORDER BY k.seat, k.address), '[]')::text"
                    "  FROM tocsin.contacts k WHERE $1::text IS NULL OR k.seat = $1",
                    1, params, "cannot list contacts", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    return *out ? 0 : tc_error_set(err, TC_EFAILED, "cannot list contacts: unreadable answer");
}

int tc_store_notifications(PGconn *conn, int64_t crisis, json_t **out, tc_error *err)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)crisis);
    const char *params[1] = {id};
    PGresult *res = tc_db_query(
        conn,
        "SELECT coalesce(jsonb_agg(jsonb_build_object('id', n.delivery, 'at', "
        "  to_char(n.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'state', n.state, 'level', "
        "n.level,"
        "  'seat', n.seat, 'channel', n.channel, 'address', n.address, 'status', n.status, 'attempts', "
        "n.attempts,"
        "  'last_error', n.last_error, 'sent_at',"
        "  to_char(n.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))), '[]')::text"
        "  FROM tocsin.notifications_of($1::bigint) n",
        1, params, "cannot read the notifications", err);
    if (res == NULL)
        return err ? err->code : TC_EFAILED;
    *out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    return *out ? 0 : tc_error_set(err, TC_EFAILED, "cannot read the notifications: unreadable answer");
}
