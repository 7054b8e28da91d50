/*
 * Running action programs (and the notify program) with uv_spawn: only from
 * the actions directory, never through a shell, with the crisis as JSON on
 * stdin and a clean environment (PATH, HOME, LANG and the TOCSIN_* of the
 * format; never the database's connection string), each in a process group
 * of its own. stdout is kept up to 64 KiB (a JSON object there is the
 * action's data), the last 4 KiB of stdout and stderr as the output tail
 * (stored as text: see core/text.h). A program is judged by its exit: what
 * it left running in its group is killed then, and its pipes are not
 * waited for. When a program ends, done() receives its result.
 */
#ifndef TC_DAEMON_ACTIONS_H
#define TC_DAEMON_ACTIONS_H

#include <jansson.h>
#include <uv.h>

#include "daemon/apply.h"

typedef struct tc_actions tc_actions;

/* Called on the loop when an action program has ended; takes result. */
typedef void (*tc_action_done)(tc_action_result *result, void *arg);

tc_actions *tc_actions_new(uv_loop_t *loop, const char *dir, tc_action_done done, void *arg);

/* Starts the program of start ({"crisis", "key", "state", "request": {"argv", "attempt", ...}, "document"}).
 */
void tc_actions_start(tc_actions *actions, json_t *start);

/* Kills the running attempt of an action key, if any, with its process group (it then ends as failed). */
void tc_actions_kill(tc_actions *actions, const char *key);

/* Hands a notification to the notify program of the directory, or logs it when there is none. */
void tc_actions_notify(tc_actions *actions, json_t *notice);

/* Programs still running (actions and notifications). */
size_t tc_actions_running(const tc_actions *actions);

/* Kills every running program with its process group (at the end of the grace period). */
void tc_actions_kill_all(tc_actions *actions);

/* Frees it once nothing runs any more (the caller waits for that). */
void tc_actions_free(tc_actions *actions);

#endif
