/*
 * tocsin engine: the libuv runtime that applies commands and fires deadlines.
 *
 * The loop only dispatches. Database work runs in batches on worker threads,
 * each with its own connection (two batches in flight by default, so a
 * command that arrives while one batch commits starts the next at once:
 * they claim with SKIP LOCKED, as two engines do); the loop listens
 * for NOTIFY on a second, non-blocking connection (uv_poll on its socket),
 * keeps one uv timer armed for the earliest due deadline, runs action
 * programs (uv_spawn), and handles SIGINT/SIGTERM: stop claiming, finish the
 * batch in flight, give running actions a grace period, exit 0. While it
 * runs it records a heartbeat (daemon/heartbeat.h), removed when it stops;
 * --once records none. A lost connection is retried with capped exponential
 * backoff; nothing is lost, since commands and timers stay in the database
 * until a batch commits them.
 */
#ifndef TC_DAEMON_ENGINE_H
#define TC_DAEMON_ENGINE_H

#include "core/base/error.h"

/* The most batches one engine keeps in flight (--workers). */
#define TC_ENGINE_MAX_WORKERS 16

/*
 * The notify program (see tc_notify_limits in daemon/actions.h): how many
 * run at once (--notify-limit, default and most), how long each may run
 * (--notify-timeout, seconds, default and most), and how many notifications
 * may wait for one, beyond which they are dropped and logged.
 */
#define TC_ENGINE_NOTIFY_LIMIT       8
#define TC_ENGINE_NOTIFY_LIMIT_MAX   256
#define TC_ENGINE_NOTIFY_TIMEOUT     30
#define TC_ENGINE_NOTIFY_TIMEOUT_MAX 3600
#define TC_ENGINE_NOTIFY_WAITING     10000
#define TC_ENGINE_POLL               5 /* seconds between looks for work that no notification announced */
#define TC_ENGINE_POLL_MAX           3600

typedef struct tc_engine_options {
    const char *conninfo;    /* NULL: $TOCSIN_DB or libpq's defaults */
    const char *role;        /* SET ROLE, or NULL */
    const char *actions_dir; /* where action programs (and notify) live; NULL: none */
    const char *id;          /* this engine's name in logs */
    int once;                /* apply what is due now, follow its consequences, exit */
    int verbose;
    int batch_size;   /* crises per transaction (default 100) */
    int workers;      /* batches in flight at once, each on its own connection (default 2; 1 with once) */
    int grace_ms;     /* how long running actions may finish after a signal (default 10 s) */
    int notify_limit; /* notify programs running at once (default TC_ENGINE_NOTIFY_LIMIT) */
    int notify_timeout_ms; /* how long each may run (default TC_ENGINE_NOTIFY_TIMEOUT seconds) */
    const char *smtp_url;  /* where e-mail notifications go (smtp:// or smtps://); NULL: none */
    const char *mail_from; /* their From: address; NULL: tocsin@HOSTNAME */
    const char *board_url; /* the board's base URL, linked from every notification; NULL: none */
    int no_deliveries;     /* deliver no notification: another engine (one with a way out) does */
    int poll_ms;           /* a look for work now and then, in case a notification was missed
                            * (default TC_ENGINE_POLL seconds) */
} tc_engine_options;

/* Runs until a signal (or, with once, until nothing is left to do). Returns 0 or an error code. */
int tc_engine_run(const tc_engine_options *options, tc_error *err);

#endif
