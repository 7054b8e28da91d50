/*
 * The failover drill's load, shared by the tests that hurt the database and
 * the engines under it (test_failover, test_faults): crises of
 * tests/data/failover/drill.json, each triggered, voted on by three council
 * seats and completed by the secretariat (every sixth ends by a timer alone),
 * sent by many CLI processes at once.
 *
 * The CLIs act as clients should: each command carries an idempotency key,
 * and one that ended with "database unavailable" (exit 7), or was refused
 * because its crisis was not in that state yet (exit 6: its trigger or votes
 * were recorded, not yet applied), is sent again with the same key. Any other
 * failure fails the test.
 */
#ifndef TC_TEST_DRILL_H
#define TC_TEST_DRILL_H

#include "harness.h"

enum { TH_DRILL_TRIGGER, TH_DRILL_VOTE, TH_DRILL_COMPLETE };

typedef struct th_drill_op {
    int crisis; /* index into the drill's crises */
    int first;  /* the index of the crisis's trigger in ops */
    int kind;
    int party;    /* TH_DRILL_VOTE: the seat, 0..2 */
    char key[64]; /* the idempotency key, the same for every try: NAME-CRISIS-trigger, ... */
    int acked;    /* the CLI exited 0 */
    int tries;
    long not_before; /* the next try, th_now_ms() */
    th_proc *proc;   /* the try under way */
} th_drill_op;

typedef struct th_drill {
    const char *db;
    char name[32]; /* the keys' prefix */
    int crises;
    long long *ids; /* crisis ids, once triggered */
    th_drill_op *ops;
    int count;       /* ops */
    int acked;       /* ops acknowledged */
    int running;     /* CLIs under way */
    int lowest;      /* no op below it is waiting */
    int unavailable; /* tries that ended with exit 7 */
    int not_yet;     /* tries refused as their crisis was not there yet (exit 6) */
} th_drill;

/* Migrates db, loads the drill's playbook and adds its actors (drill_KZ, drill_RU, drill_TJ, drill_sec). */
void th_drill_prepare(const char *db);

/* The commands of crises crises on db, none sent yet; keys named after name. th_drill_free() it. */
th_drill *th_drill_new(const char *db, const char *name, int crises);
void th_drill_free(th_drill *d);

/* Whether a crisis ends by its timer alone (no votes, no completion). */
int th_drill_timer_only(int crisis);

/*
 * One turn of the load: collects the CLIs that ended and starts, up to
 * parallel at a time, the commands that may go (what they act on
 * acknowledged, their retry's time come), but those held(o, arg) says to
 * keep back (held NULL: none).
 */
void th_drill_step(th_drill *d, int parallel, int (*held)(const th_drill_op *o, void *arg), void *arg);

/* Waits up to timeout_ms for every crisis of the database to be closed; whether they all were. */
int th_drill_await_closed(const th_drill *d, int timeout_ms);

/*
 * The books, once the engines stopped: every acknowledged command recorded
 * once and applied once under its key, nothing left unapplied; each trigger's
 * crisis the one its CLI printed, closed with the outcome its path leads to,
 * with its votes, and its votes, completion, close and trigger in its audit
 * once each; `tocsin audit verify` passes.
 */
void th_drill_check_books(const th_drill *d);

#endif
