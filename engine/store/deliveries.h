/*
 * The engine's side of delivering notifications, in the database: claiming
 * due deliveries from the outbox (tocsin.notifications) under a lease, and
 * recording how each attempt ended. The deliverer (daemon/deliver.c) sends
 * them; this is only what it reads and writes (docs/architecture.md,
 * "Notifications").
 */
#ifndef TC_STORE_DELIVERIES_H
#define TC_STORE_DELIVERIES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

/* One delivery to make. Strings and payload are owned (tc_outbox_deliveries_free). */
typedef struct tc_outbox_delivery {
    char *id; /* the delivery's uuid: the receiver's Message-ID or Idempotency-Key */
    int64_t crisis;
    char *channel; /* "email" or "webhook" (or "program") */
    char *address;
    char *format; /* "json" or "slack" for a webhook; NULL otherwise */
    char *tz;     /* the contact's IANA zone, or NULL */
    json_t *payload;
    int attempts; /* made before this one */
} tc_outbox_delivery;

/*
 * Claims up to limit queued deliveries that are due, oldest first, leased for
 * lease_seconds (tocsin.take_deliveries: another engine skips them until the
 * lease ends; one whose engine died is due again then). *out is a new array of
 * *count (possibly none: *out NULL), freed with tc_outbox_deliveries_free. Run it in
 * a transaction of its own, committed before delivering, or outside one.
 */
int tc_store_take_deliveries(PGconn *conn, int limit, int lease_seconds, tc_outbox_delivery **out,
                             size_t *count, tc_error *err);

void tc_outbox_deliveries_free(tc_outbox_delivery *deliveries, size_t count);

/* How one attempt of a delivery ended. */
typedef struct tc_delivery_outcome {
    const char *id; /* the delivery's uuid */
    int ok;
    const char *error;   /* why it failed; NULL when ok */
    int64_t retry_at_ms; /* when to try again (epoch milliseconds), or 0: failed for good */
} tc_delivery_outcome;

/*
 * Records how count attempts ended, in one statement (tocsin.record_deliveries):
 * sent, failed and tried again at retry_at_ms, or failed for good; each
 * appends `delivered` or `delivery_failed` to its crisis's audit. results (an
 * array of count) says for each whether it was recorded (code 0) or why not:
 * TC_ENOTFOUND for an unknown id, TC_ECONFLICT for a delivery no longer queued
 * (its lease ended and another engine recorded it); the others are recorded
 * all the same. Returns nonzero, with err set and nothing recorded, only when
 * the statement failed as a whole (TC_EUNAVAIL when the database is gone).
 */
int tc_store_record_deliveries(PGconn *conn, const tc_delivery_outcome *outcomes, size_t count,
                               tc_error *results, tc_error *err);

/* One outcome: its refusal, if any, is the returned code and err's text. */
int tc_store_record_delivery(PGconn *conn, const tc_delivery_outcome *outcome, tc_error *err);

#endif
