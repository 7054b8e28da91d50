/*
 * The engine's notifier: it empties the outbox (tocsin.notifications, written
 * by commit_batch in the transition's transaction) through the deliverer
 * (daemon/deliver.h), and records how each attempt ended.
 *
 * Two connections of its own, each used on a worker thread one job at a
 * time: one takes the due deliveries under a lease (tocsin.take_deliveries:
 * another engine skips them; those of an engine that died are due again when
 * the lease ends), the other records the outcomes ended so far
 * (tocsin.record_deliveries: sent, queued again at the retry schedule's time,
 * or failed; each in its crisis's audit, all in one statement), so that the next
 * take is made and sent while earlier outcomes are recorded (with one
 * connection, recording a take's 100 outcomes held up the next take: 1,000
 * escalations due at once reached their receiver in 0.7 s instead of 0.3,
 * bench_notify). Between take and record, on the loop, each delivery is
 * put into words (core/notify/message.h, the deadline in the contact's time
 * zone) and handed to the deliverer, which never blocks the loop. A delivery is made
 * at least once: one whose outcome cannot be recorded, or that the engine
 * drops on its way out, is due again when its lease ends, with the same id
 * for the receiver to drop the repeat.
 *
 * It takes when kicked (a batch wrote notifications), when a take came back
 * full, and every poll interval (retries and leases that ended fall due
 * without anyone saying so).
 */
#ifndef TC_DAEMON_NOTIFIER_H
#define TC_DAEMON_NOTIFIER_H

#include <uv.h>

#include "core/base/error.h"

#define TC_NOTIFIER_LEASE_SECONDS 60   /* a taken delivery is this engine's for so long */
#define TC_NOTIFIER_TAKE          100  /* deliveries taken at once, and the most in flight */
#define TC_NOTIFIER_POLL_MS       1000 /* the slow look for deliveries due without a kick */

typedef struct tc_notifier tc_notifier;

typedef struct tc_notifier_options {
    const char *conninfo;  /* as the engine's */
    const char *role;      /* SET ROLE, or NULL */
    const char *smtp_url;  /* smtp:// or smtps://; NULL: e-mail deliveries fail, saying so */
    const char *mail_from; /* the From: address; NULL: tocsin@HOSTNAME */
    const char *board_url; /* the board's base URL, for a link to the crisis; NULL: none */
    int once;              /* no poll: take when kicked only (engine --once) */
    /* Called (with the data of tc_notifier_new) after outcomes were recorded: recording appends to crises'
     * audits under their rows' locks, and a batch that claimed meanwhile skipped those crises, work and
     * all; the engine looks again. NULL: nobody. */
    void (*recorded)(void *data);
} tc_notifier_options;

/*
 * A notifier on loop; idle(data) is called whenever it is settled (below:
 * nothing on its way to the database), so that a stopping engine can look
 * whether it may finish. NULL with err set when the deliverer cannot be made (a bad
 * --mail-from, say).
 */
tc_notifier *tc_notifier_new(uv_loop_t *loop, const tc_notifier_options *opts, void (*idle)(void *data),
                             void *data, tc_error *err);

/* Something may be due: take as soon as the connection is free. */
void tc_notifier_kick(tc_notifier *n);

/* Takes nothing more (the engine is stopping): what is in flight ends and is recorded. */
void tc_notifier_drain(tc_notifier *n);

/* Whether it has nothing to do: no job on its connection, nothing in flight, nothing to record or take. */
int tc_notifier_idle(const tc_notifier *n);

/*
 * Whether nothing is on its way to the database: no job on its connection and
 * no outcome waiting to be recorded (sends may be in flight). A stopping
 * engine closes it then, without waiting for a receiver that hangs: what is
 * in flight is due again when its lease ends.
 */
int tc_notifier_settled(const tc_notifier *n);

/*
 * Closes the deliverer and the timer (what is still in flight is dropped:
 * due again when its lease ends), then the connection, frees n and calls
 * done(data). Only when settled: a job on the connection must end first.
 */
void tc_notifier_close(tc_notifier *n, void (*done)(void *data), void *data);

#endif
