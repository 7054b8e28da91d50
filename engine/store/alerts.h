/*
 * What a CAP alert of a crisis needs from the database (core/cap/cap.h):
 * the crisis as `show --json` has it, and which change of its audit it has
 * reached, and when, beside the change that completed its opening.
 */
#ifndef TC_STORE_ALERTS_H
#define TC_STORE_ALERTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/error.h"

typedef struct tc_alert_facts {
    json_t *show;        /* the document of show --json (owned) */
    int64_t first_seq;   /* the last audit event of the trigger's application (0: not applied yet) */
    char first_sent[32]; /* its time, CCYY-MM-DDThh:mm:ss+00:00 (the crisis's creation before that) */
    int64_t seq;         /* the crisis's audit head */
    char sent[32];       /* the time of that event, in the same form */
} tc_alert_facts;

/* Fills *out for crisis id as the acting role may read it (TC_ENOTFOUND otherwise). */
int tc_store_alert_facts(PGconn *conn, int64_t id, tc_alert_facts *out, tc_error *err);

void tc_alert_facts_clear(tc_alert_facts *facts);

#endif
