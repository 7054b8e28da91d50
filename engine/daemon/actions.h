/*
 * Running action programs (and the notify program) with uv_spawn: only from
 * the actions directory, never through a shell, with the crisis as JSON on
 * stdin and a clean environment (PATH, HOME, LANG and the TOCSIN_* of the
 * format; never the database's connection string), each in a process group
 * of its own. stdout is kept up to 64 KiB (a JSON object there is the
 * action's data), the last 4 KiB of stdout and stderr as the output tail
 * (stored as text: see core/base/text.h). A program is judged by its exit: what
 * it left running in its group is killed then, and its pipes are not
 * waited for. When a program ends, done() receives its result.
 */
#ifndef TC_DAEMON_ACTIONS_H
#define TC_DAEMON_ACTIONS_H

#include <jansson.h>
#include <uv.h>

#include "daemon/apply.h"

typedef struct tc_actions tc_actions;

/*
 * The notify program's bounds. It receives every notification, and a slow
 * or hanging one must neither pile up processes (and open files) without
 * end nor lose what it has not received yet: at most `running` run at once,
 * each killed with its process group after timeout_ms; the notifications
 * beyond wait in memory, in order, up to `waiting`, and one past that is
 * dropped, logged at error level with its text.
 */
typedef struct tc_notify_limits {
    int running;         /* >= 1 */
    uint64_t timeout_ms; /* > 0 */
    size_t waiting;
} tc_notify_limits;

/*
 * Called on the loop when a program has ended: an action program with its
 * result (taken), a notify program with NULL (so that the caller may see
 * that nothing runs any more).
 */
typedef void (*tc_action_done)(tc_action_result *result, void *arg);

tc_actions *tc_actions_new(uv_loop_t *loop, const char *dir, const tc_notify_limits *limits,
                           tc_action_done done, void *arg);

/* Starts the program of start ({"crisis", "key", "state", "request": {"argv", "attempt", ...}, "document"}).
 */
void tc_actions_start(tc_actions *actions, json_t *start);

/* Kills the running attempt of an action key, if any, with its process group (it then ends as failed). */
void tc_actions_kill(tc_actions *actions, const char *key);

/*
 * Hands a notification to the notify program of the directory (a run of its
 * own, now or when one of those running ends), or logs it when there is none.
 */
void tc_actions_notify(tc_actions *actions, json_t *notice);

/* Programs still running (actions and notifications); none while notifications wait. */
size_t tc_actions_running(const tc_actions *actions);

/* Kills every running program with its process group, and drops (logs) the notifications that wait (at the
 * end of the grace period). */
void tc_actions_kill_all(tc_actions *actions);

/* Frees it once nothing runs any more (the caller waits for that). */
void tc_actions_free(tc_actions *actions);

#endif
