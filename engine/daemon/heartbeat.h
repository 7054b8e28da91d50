/*
 * The engine's heartbeat (tocsin.engines; `tocsin status`, the board's
 * /metrics): the engine registers when it starts, beats every
 * TC_HEARTBEAT_INTERVAL_MS with the batches it has committed, and removes
 * its row when it stops cleanly. A killed engine's row goes stale: an engine
 * is alive while it was seen in the last 15 s, three beats' worth; a row not
 * seen for a day is removed by the next engine that registers.
 *
 * The beat never holds up a batch: it runs on a connection of its own, one
 * statement at a time on a worker thread, and a beat still running when the
 * next is due is not doubled. When the database cannot be reached the beat
 * fails, says so once in the log, and tries again (connecting anew) at the
 * next tick; when its row is gone (removed by hand, or as stale after a
 * long outage) it registers again, under a new id. An engine run with
 * --once, which exits as soon as what is due is done, has no heartbeat.
 */
#ifndef TC_DAEMON_HEARTBEAT_H
#define TC_DAEMON_HEARTBEAT_H

#include <stdint.h>
#include <uv.h>

/* At least every 5 s (shared/design/operations.md), with a second to spare for a slow round trip. */
#define TC_HEARTBEAT_INTERVAL_MS 4000

typedef struct tc_heartbeat tc_heartbeat;

/*
 * A heartbeat on loop that connects with conninfo and role (as the
 * engine's) and reports *batches, a count the engine keeps on the loop's
 * thread. It registers at once, then beats; its timer is a handle of loop,
 * which the engine closes with the rest when it finishes (uv_walk).
 */
tc_heartbeat *tc_heartbeat_start(uv_loop_t *loop, const char *conninfo, const char *role,
                                 const uint64_t *batches);

/*
 * After the loop has ended: removes the engine's row (one statement on the
 * heartbeat's connection, when it has one that works; otherwise the row
 * goes stale, and the log says so), closes the connection and frees hb.
 * NULL is a no-op.
 */
void tc_heartbeat_leave(tc_heartbeat *hb);

#endif
