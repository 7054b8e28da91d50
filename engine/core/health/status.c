/* `tocsin status` as JSON and as text (status.h). */
#include "core/health/status.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/base/strbuf.h"
#include "core/input/printable.h"

size_t tc_health_alive(const tc_health_status *status)
{
    size_t alive = 0;
    for (size_t i = 0; i < status->engine_count; i++)
        alive += status->engines[i].alive != 0;
    return alive;
}

void tc_health_status_clear(tc_health_status *status)
{
    for (size_t i = 0; i < status->engine_count; i++) {
        tc_health_engine *e = &status->engines[i];
        free(e->id);
        free(e->host);
        free(e->version);
        free(e->started_at);
        free(e->last_seen);
    }
    free(status->engines);
    *status = (tc_health_status){0};
}

/* Whole seconds of an age in ms, or null when there is none (-1). */
static json_t *seconds_or_null(int64_t ms)
{
    return ms < 0 ? json_null() : json_integer(ms / 1000);
}

json_t *tc_health_status_json(const tc_health_status *status)
{
    json_t *engines = json_array();
    for (size_t i = 0; i < status->engine_count; i++) {
        const tc_health_engine *e = &status->engines[i];
        if (!e->alive)
            continue;
        json_array_append_new(engines,
                              json_pack("{s:s, s:s?, s:o, s:s, s:s, s:s}", "id", e->id, "host", e->host,
                                        "pid", e->host ? json_integer(e->pid) : json_null(), "version",
                                        e->version, "started_at", e->started_at, "last_seen", e->last_seen));
    }
    return json_pack("{s:o, s:I, s:o, s:I, s:o, s:I, s:I}", "engines", engines, "pending_commands",
                     (json_int_t)status->pending_commands, "oldest_pending_seconds",
                     seconds_or_null(status->oldest_pending_ms), "overdue_timers",
                     (json_int_t)status->overdue_timers, "most_overdue_seconds",
                     seconds_or_null(status->most_overdue_ms), "notifications_queued",
                     (json_int_t)status->notifications_queued, "notifications_failed",
                     (json_int_t)status->notifications_failed);
}

/* An age as a person reads it: "42s", "4m05s", "3h12m", "2d04h" (whole units, toward zero). */
static void add_span(tc_strbuf *sb, int64_t ms)
{
    long long s = ms < 0 ? 0 : (long long)(ms / 1000);
    if (s >= 86400)
        tc_strbuf_addf(sb, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        tc_strbuf_addf(sb, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        tc_strbuf_addf(sb, "%lldm%02llds", s / 60, s % 60);
    else
        tc_strbuf_addf(sb, "%llds", s);
}

static void add_engine(tc_strbuf *sb, const tc_health_engine *e)
{
    tc_strbuf_add(sb, "  ");
    tc_printable_add(sb, e->id);
    if (e->host != NULL) {
        tc_strbuf_add(sb, " on ");
        tc_printable_add(sb, e->host);
        tc_strbuf_addf(sb, " pid %lld", (long long)e->pid);
    }
    tc_strbuf_add(sb, ", tocsin ");
    tc_printable_add(sb, e->version);
    tc_strbuf_add(sb, ", started ");
    tc_printable_add(sb, e->started_at);
    if (e->alive) {
        tc_strbuf_add(sb, ", seen ");
        add_span(sb, e->seen_ms_ago);
        tc_strbuf_addf(sb, " ago, %lld batch%s\n", (long long)e->batches, e->batches == 1 ? "" : "es");
    } else {
        tc_strbuf_add(sb, ": NOT ALIVE, last seen ");
        add_span(sb, e->seen_ms_ago);
        tc_strbuf_add(sb, " ago\n");
    }
}

char *tc_health_status_text(const tc_health_status *status)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    size_t alive = tc_health_alive(status);
    if (alive == 0)
        tc_strbuf_add(&sb,
                      "no engine is alive: commands wait and deadlines do not fire until one runs "
                      "(tocsin engine)\n");
    else
        tc_strbuf_addf(&sb, "engines: %zu alive\n", alive);
    /* The live ones first, then those that stopped beating. */
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < status->engine_count; i++)
            if ((status->engines[i].alive != 0) == pass)
                add_engine(&sb, &status->engines[i]);

    tc_strbuf_addf(&sb, "commands: %lld pending", (long long)status->pending_commands);
    if (status->pending_commands > 0 && status->oldest_pending_ms >= 0) {
        tc_strbuf_add(&sb, ", the oldest recorded ");
        add_span(&sb, status->oldest_pending_ms);
        tc_strbuf_add(&sb, " ago");
    }
    tc_strbuf_add(&sb, "\n");
    if (status->overdue_timers > 0) {
        /* The count even when the age is unknown (-1): "none overdue" would deny the count. */
        tc_strbuf_addf(&sb, "timers: %lld overdue (due and not fired)", (long long)status->overdue_timers);
        if (status->most_overdue_ms >= 0) {
            tc_strbuf_add(&sb, ", the most overdue ");
            add_span(&sb, status->most_overdue_ms);
            tc_strbuf_add(&sb, " late");
        }
        tc_strbuf_add(&sb, "\n");
    } else {
        tc_strbuf_add(&sb, "timers: none overdue\n");
    }
    tc_strbuf_addf(&sb, "notifications: %lld queued, %lld failed\n", (long long)status->notifications_queued,
                   (long long)status->notifications_failed);
    return tc_strbuf_take(&sb);
}
