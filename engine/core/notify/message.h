/*
 * What a person is told, in each channel: a notice (the payload of an
 * outbox row, one seat of one notification) rendered as a webhook's body
 * (format `json` or `slack`) or as an e-mail message. Pure: the date and
 * the deadline in the contact's time zone are given by the caller.
 *
 * A notice is a JSON object with the keys of the contract
 * (shared/design/operations.md, "Contacts and notification delivery"):
 *
 *   crisis (integer), title, playbook, state (its path), state_title, seat,
 *   why ("vote requested", "task assigned", "escalated"), level (integer,
 *   0 when not an escalation), severity, mode ("actual", "exercise",
 *   "test"), deadline (ISO 8601 in UTC, or null), act (the exact tocsin
 *   command to act)
 *
 * A key that is missing, or of another type, is rendered as null (in JSON)
 * or left out (in text): the notice comes from the engine's own outbox, and
 * a notification that says less is better than none.
 *
 * The message says the most important thing first, for whoever reads it at
 * 3 a.m.: an exercise or test says so before anything else; then what is
 * asked of the seat, in which state, by when (UTC, and local time when
 * given); then the crisis, level, severity, playbook; then the exact command.
 */
#ifndef TC_CORE_NOTIFY_MESSAGE_H
#define TC_CORE_NOTIFY_MESSAGE_H

#include <jansson.h>

#include "core/base/error.h"
#include "core/playbook/duration.h"

/* What a delivery adds to its notice. */
typedef struct tc_notify_extra {
    const char *id;             /* the delivery's id, a uuid: Idempotency-Key and Message-ID; required */
    const char *deadline_local; /* the deadline in the contact's time zone ("07:30 CET"), or NULL */
    const char *board;          /* the link to the crisis on the board (from --board-url), or NULL */
} tc_notify_extra;

/* An e-mail's envelope as its header says it. */
typedef struct tc_notify_mail {
    const char *from; /* --mail-from: an address (tc_mime_address_ok) */
    const char *to;   /* the contact's address */
    tc_ms date;       /* the Date: field, milliseconds since the epoch */
} tc_notify_mail;

/*
 * The body of a webhook POST, in *body (free()), for format "json" or
 * "slack":
 *
 *   json:  {"id", "crisis", "title", "playbook", "state", "state_title",
 *          "seat", "why", "level", "severity", "mode", "deadline", "act"},
 *          exactly these keys in this order, and "board" last when a link
 *          is given
 *   slack: {"text": ...}, one message in Slack's mrkdwn (also read by
 *          Mattermost and Rocket.Chat); '&', '<' and '>' of the notice's
 *          text are escaped as Slack asks, so that a title cannot ping
 *          `<!channel>` or hide a link
 *
 * Errors (TC_EINVAL, *body untouched): notice is not an object, the id is
 * not a uuid, the format is neither.
 */
int tc_notify_webhook_body(const json_t *notice, const tc_notify_extra *extra, const char *format,
                           char **body, tc_error *err);

/*
 * The e-mail, in *message (free()): the whole RFC 5322 message, lines ending
 * in CRLF, ready for SMTP's DATA (libcurl does the dot-stuffing). Header
 * fields: From, To, Subject, Date, Message-ID `<ID@tocsin>` (the same for
 * every attempt of one delivery, so a mailbox can drop a repeat),
 * Auto-Submitted: auto-generated (RFC 3834: no auto-reply), MIME-Version,
 * Content-Type text/plain; charset=utf-8, Content-Transfer-Encoding
 * quoted-printable. The subject starts with "[EXERCISE] " or "[TEST] " in
 * those modes. Every value goes through tc_mime_header: no text of the
 * notice can add a field (mime.h).
 *
 * Errors (TC_EINVAL, *message untouched): notice is not an object, the id
 * is not a uuid, from or to is not an address tc_mime_address_ok accepts.
 */
int tc_notify_email(const json_t *notice, const tc_notify_extra *extra, const tc_notify_mail *mail,
                    char **message, tc_error *err);

/* Whether id is a uuid in its text form: 36 characters, hex digits with '-' at 8, 13, 18 and 23. */
int tc_notify_id_ok(const char *id);

#endif
