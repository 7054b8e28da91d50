/*
 * A contact's address, format and time zone (tocsin contact add), checked with
 * the rules the database enforces (the CHECKs of migrations/014_notifications.sql),
 * so that a bad one is refused at once, naming it (exit 3, nothing stored).
 */
#ifndef TC_CORE_CONTACT_H
#define TC_CORE_CONTACT_H

#include "core/base/error.h"

/*
 * An e-mail address: LOCAL@DOMAIN, LOCAL 1 to 64 of RFC 5322's atext and dots,
 * DOMAIN labels of letters, digits and inner hyphens separated by dots; no
 * spaces, no control characters, no display name. Returns 0 or TC_EINVAL.
 */
int tc_contact_email_check(const char *address, tc_error *err);

/*
 * A webhook URL: http:// or https://, a host (no user:password@), then an
 * optional path, query or fragment of printable ASCII without spaces.
 * Returns 0 or TC_EINVAL naming its scheme and host only (the rest of a
 * webhook URL is a secret).
 */
int tc_contact_webhook_check(const char *url, tc_error *err);

/* A webhook's format: json or slack. Returns 0 or TC_EINVAL. */
int tc_contact_format_check(const char *format, tc_error *err);

/*
 * The shape of an IANA time zone name (Europe/Moscow, UTC, Etc/GMT+3): a
 * letter, then letters, digits, _ + / -, at most 64. Whether the zone exists is
 * the database's to say (pg_timezone_names). Returns 0 or TC_EINVAL.
 */
int tc_contact_tz_check(const char *tz, tc_error *err);

#endif
