/*
 * The pieces of an e-mail that must be exactly right, written by hand only
 * because each is a few lines of arithmetic (libcurl carries the message;
 * it does not write one): header fields that are safe whatever text they
 * carry (RFC 5322 and RFC 2047), a body in quoted-printable (RFC 2045), and
 * the date (RFC 5322, section 3.3). Pure: the time is given.
 *
 * Header injection is the attack these stop: a crisis title is written by
 * whoever triggers a crisis, and a title holding CR LF followed by `Bcc:` or
 * a blank line must not add a header field or start the body. Every control
 * character of a value (CR and LF among them) becomes a space before
 * anything else is done with it, so a value is always one logical line.
 */
#ifndef TC_CORE_NOTIFY_MIME_H
#define TC_CORE_NOTIFY_MIME_H

#include <stddef.h>

#include "core/base/strbuf.h"
#include "core/playbook/duration.h"

#define TC_MIME_LINE_MAX                                                                                     \
    76 /* a line holding an encoded word (RFC 2047, 2), and quoted-printable's (RFC 2045) */
#define TC_MIME_DATE_SIZE 32

/*
 * Appends the header field `name: value` and its CRLF to sb. name is ours
 * (ASCII letters, digits and '-'). value is any text: bytes that are not
 * UTF-8 become U+FFFD and control characters spaces; then, when it holds a
 * byte outside ASCII, something that reads like an encoded word ("=?"), or
 * would make the line longer than 76 characters, it is written as RFC 2047
 * encoded words (UTF-8, base64) of whole characters, one per line, folded
 * with CRLF SP, each line at most 76 characters; otherwise as it is.
 */
void tc_mime_header(tc_strbuf *sb, const char *name, const char *value);

/*
 * Appends text (UTF-8, lines separated by LF) to sb in quoted-printable:
 * LF becomes CRLF, '=', bytes outside printable ASCII and a space or tab
 * ending a line become =XX, and a line longer than 76 characters is broken
 * with soft line breaks ("=" CRLF), never inside an =XX. A CR in text is
 * encoded (=0D), so the body's lines are exactly the text's.
 */
void tc_mime_quoted_printable(tc_strbuf *sb, const char *text);

/*
 * Writes the RFC 5322 date of at (milliseconds since the epoch, UTC) to out:
 * "Sat, 05 Dec 2026 03:40:18 +0000". Dates before 1970 are not needed and
 * are written as the epoch.
 */
void tc_mime_date(tc_ms at, char out[TC_MIME_DATE_SIZE]);

/*
 * Whether address is an addr-spec that may stand in a header field and in
 * SMTP's MAIL FROM and RCPT TO as it is: printable ASCII without spaces,
 * '<', '>', '(', ')', ',', ';', '"' or '\', one '@' with something on
 * each side. Stricter than RFC 5321 (no quoted local parts): this decides
 * what tocsin writes into a message and a command, not what a mailbox may be.
 */
int tc_mime_address_ok(const char *address);

#endif
