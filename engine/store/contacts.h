/*
 * Contacts of seats and the notifications of a crisis (tocsin contact,
 * tocsin notifications). Managing and reading contacts is tocsin_admin's: for
 * anyone else the database refuses (TC_EPERM).
 */
#ifndef TC_STORE_CONTACTS_H
#define TC_STORE_CONTACTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/error.h"

/*
 * Adds a contact to seat (ROLE or ROLE/PARTY): channel "email" or "webhook"
 * (format "json" or "slack", NULL for json), tz an IANA zone or NULL. Checked
 * first with core/input/contact.h and the seat rules (TC_EINVAL, nothing
 * asked); the database checks again, the zone too. TC_ECONFLICT when the seat
 * has that address already.
 */
int tc_store_contact_add(PGconn *conn, const char *seat, const char *channel, const char *address,
                         const char *format, const char *tz, tc_error *err);

/* Removes the seat's contact with address, or all its contacts (address NULL); *removed says how many.
 * TC_ENOTFOUND when there was none. */
int tc_store_contact_remove(PGconn *conn, const char *seat, const char *address, int *removed, tc_error *err);

/* [{"seat", "channel", "address", "format", "tz", "added_by", "added_at"}], of seat only when not NULL, by
 * seat and address. */
int tc_store_contact_list(PGconn *conn, const char *seat, json_t **out, tc_error *err);

/* [{"id", "at", "state", "level", "seat", "channel", "address", "status", "attempts", "last_error",
 * "sent_at"}] of crisis, oldest first (id: the delivery's uuid); a webhook's address redacted for anyone
 * but tocsin_admin. TC_ENOTFOUND "no crisis N" when the caller may not read it. */
int tc_store_notifications(PGconn *conn, int64_t crisis, json_t **out, tc_error *err);

#endif
