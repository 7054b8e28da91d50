/*
 * What the board's /metrics says (shared/design/operations.md, "The board"),
 * and its rendering in Prometheus's text format 0.0.4: a HELP and a TYPE
 * line for every metric, and every label value, zeros included, so a series
 * never vanishes when its count falls to nothing. The store fills a
 * tc_metrics from one round trip (store/health.h); `tocsin status
 * --prometheus` prints it, as the board will.
 *
 *   tocsin_crises{status,mode}             gauge: crises by status and mode
 *   tocsin_commands_pending                gauge: commands no engine has applied yet
 *   tocsin_oldest_pending_command_seconds  gauge: the oldest one's age (0 when none)
 *   tocsin_timers_overdue                  gauge: timers due and not fired
 *   tocsin_engines_alive                   gauge: engines seen in the last 15 s
 *   tocsin_notifications{status}           gauge: deliveries in the outbox by status
 *   tocsin_escalations_total               counter: escalations made, by a ladder or by hand
 */
#ifndef TC_CORE_HEALTH_METRICS_H
#define TC_CORE_HEALTH_METRICS_H

#include <stdint.h>

#include "core/base/strbuf.h"
#include "core/instance/instance.h"
#include "core/playbook/playbook.h"

/* The crisis statuses and modes (core/instance/instance.h, core/playbook/playbook.h), counted. */
#define TC_METRICS_STATUSES (TC_STATUS_CANCELLED + 1)
#define TC_METRICS_MODES    (TC_MODE_TEST + 1)

/*
 * Where a delivery of the outbox stands: the CHECK on
 * tocsin.notifications.status names the same (test_vocabulary compares them).
 */
typedef enum tc_outbox_status {
    TC_OUTBOX_QUEUED,
    TC_OUTBOX_SENT,
    TC_OUTBOX_FAILED,
    TC_OUTBOX_NO_CONTACT,
    TC_OUTBOX_STATUSES /* how many */
} tc_outbox_status;

/* "queued", "sent", "failed", "no contact"; "?" for anything else. */
const char *tc_outbox_status_name(tc_outbox_status status);

/* The status named word, or -1. */
int tc_outbox_status_parse(const char *word);

typedef struct tc_metrics {
    int64_t crises[TC_METRICS_STATUSES][TC_METRICS_MODES]; /* by tc_status, then tc_mode */
    int64_t commands_pending;
    int64_t oldest_pending_ms; /* 0 when none */
    int64_t timers_overdue;
    int64_t engines_alive;
    int64_t notifications[TC_OUTBOX_STATUSES]; /* by tc_outbox_status */
    int64_t escalations_total;
} tc_metrics;

/* The metrics in Prometheus's text format 0.0.4 (promtool check metrics accepts it); a new string, free(). */
char *tc_metrics_prometheus(const tc_metrics *metrics);

/* Appends a label value as the text format writes it between its quotes: \ " and newline escaped. */
void tc_prometheus_label_value(tc_strbuf *sb, const char *value);

#endif
