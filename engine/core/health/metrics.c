/* The board's metrics in Prometheus's text format 0.0.4 (metrics.h). */
#include "core/health/metrics.h"

#include <stdlib.h>
#include <string.h>

static const char *const outbox_names[TC_OUTBOX_STATUSES] = {"queued", "sent", "failed", "no contact"};

const char *tc_outbox_status_name(tc_outbox_status status)
{
    return (unsigned)status < TC_OUTBOX_STATUSES ? outbox_names[status] : "?";
}

int tc_outbox_status_parse(const char *word)
{
    for (int i = 0; word != NULL && i < TC_OUTBOX_STATUSES; i++)
        if (strcmp(word, outbox_names[i]) == 0)
            return i;
    return -1;
}

void tc_prometheus_label_value(tc_strbuf *sb, const char *value)
{
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\\')
            tc_strbuf_add(sb, "\\\\");
        else if (*p == '"')
            tc_strbuf_add(sb, "\\\"");
        else if (*p == '\n')
            tc_strbuf_add(sb, "\\n");
        else
            tc_strbuf_addn(sb, p, 1);
    }
}

/* The HELP and TYPE lines of a metric. */
static void header(tc_strbuf *sb, const char *name, const char *type, const char *help)
{
    tc_strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(tc_strbuf *sb, const char *name, int64_t value)
{
    tc_strbuf_addf(sb, "%s %lld\n", name, (long long)value);
}

/* name{label="value",...} value: labels and values alternate in pairs, count pairs. */
static void labelled(tc_strbuf *sb, const char *name, const char *const *pairs, int count, int64_t value)
{
    tc_strbuf_addf(sb, "%s{", name);
    for (int i = 0; i < count; i++) {
        tc_strbuf_addf(sb, "%s%s=\"", i ? "," : "", pairs[2 * i]);
        tc_prometheus_label_value(sb, pairs[2 * i + 1]);
        tc_strbuf_add(sb, "\"");
    }
    tc_strbuf_addf(sb, "} %lld\n", (long long)value);
}

char *tc_metrics_prometheus(const tc_metrics *m)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    header(&sb, "tocsin_crises", "gauge", "Crises by status and mode.");
    for (int s = 0; s < TC_METRICS_STATUSES; s++)
        for (int k = 0; k < TC_METRICS_MODES; k++)
            labelled(
                &sb, "tocsin_crises",
                (const char *[]){"status", tc_status_name((tc_status)s), "mode", tc_mode_name((tc_mode)k)}, 2,
                m->crises[s][k]);
    header(&sb, "tocsin_commands_pending", "gauge", "Commands recorded that no engine has applied yet.");
    sample(&sb, "tocsin_commands_pending", m->commands_pending);
    header(&sb, "tocsin_oldest_pending_command_seconds", "gauge",
           "Age of the oldest pending command in seconds, 0 when none is pending.");
    int64_t ms = m->oldest_pending_ms > 0 ? m->oldest_pending_ms : 0;
    tc_strbuf_addf(&sb, "tocsin_oldest_pending_command_seconds %lld.%03lld\n", (long long)(ms / 1000),
                   (long long)(ms % 1000));
    header(&sb, "tocsin_timers_overdue", "gauge",
           "Timers (deadlines, escalation levels, waits, timeouts, retries) due and not fired.");
    sample(&sb, "tocsin_timers_overdue", m->timers_overdue);
    header(&sb, "tocsin_engines_alive", "gauge", "Engines whose heartbeat was seen in the last 15 seconds.");
    sample(&sb, "tocsin_engines_alive", m->engines_alive);
    header(&sb, "tocsin_notifications", "gauge", "Deliveries of notifications in the outbox, by status.");
    for (int s = 0; s < TC_OUTBOX_STATUSES; s++)
        labelled(&sb, "tocsin_notifications", (const char *[]){"status", outbox_names[s]}, 1,
                 m->notifications[s]);
    header(&sb, "tocsin_escalations_total", "counter", "Escalations made, by a ladder or by hand.");
    sample(&sb, "tocsin_escalations_total", m->escalations_total);
    return tc_strbuf_take(&sb);
}
