/*
 * What `tocsin status` says (shared/design/operations.md, "Health and
 * status"): the engines and whether each is alive, the commands no engine has
 * applied yet, the timers due and not fired, the deliveries queued and
 * failed. The store fills a tc_health_status from one round trip
 * (store/health.h), ages measured by the database's clock; this renders it,
 * as the contract's JSON or as text, with no clock of its own.
 */
#ifndef TC_CORE_HEALTH_STATUS_H
#define TC_CORE_HEALTH_STATUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One row of tocsin.engines. Strings owned by the status that holds it. */
typedef struct tc_health_engine {
    char *id;         /* its uuid */
    char *host;       /* NULL when the reader may not see it (only tocsin_admin and engines may) */
    int64_t pid;      /* 0 likewise */
    char *version;    /* tocsin's version that it runs */
    char *started_at; /* ISO 8601 UTC, "2026-11-27T10:00:00.000Z" */
    char *last_seen;  /* ... its last heartbeat */
    int64_t seen_ms_ago;
    int64_t batches; /* batches with work it has committed since it started */
    int alive;       /* seen in the last 15 s */
} tc_health_engine;

typedef struct tc_health_status {
    tc_health_engine *engines; /* alive or not, oldest first */
    size_t engine_count;
    int64_t pending_commands;
    int64_t oldest_pending_ms; /* the age of the oldest pending command; -1 when none */
    int64_t overdue_timers;
    int64_t most_overdue_ms; /* how late the latest overdue timer is; -1 when none */
    int64_t notifications_queued;
    int64_t notifications_failed;
} tc_health_status;

/* How many of its engines are alive. */
size_t tc_health_alive(const tc_health_status *status);

/* Frees what status holds and zeroes it. */
void tc_health_status_clear(tc_health_status *status);

/*
 * The contract's document: {"engines": [{"id", "host", "pid", "version",
 * "started_at", "last_seen"}] (the alive ones only), "pending_commands",
 * "oldest_pending_seconds", "overdue_timers", "most_overdue_seconds",
 * "notifications_queued", "notifications_failed"}; ages in whole seconds,
 * null when there is nothing; host and pid null when not shown. A new
 * reference.
 */
json_t *tc_health_status_json(const tc_health_status *status);

/*
 * The text, for a person woken at 3 a.m.: whether any engine is alive (and
 * when the others were last seen), then one line each for commands, timers
 * and notifications. Text from the database is made printable. A new string
 * (free()).
 */
char *tc_health_status_text(const tc_health_status *status);

#endif
