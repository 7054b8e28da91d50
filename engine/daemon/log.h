/*
 * Structured log lines on stderr, logfmt: `ts=... level=info engine=a msg="..." crisis=42`.
 * Quiet by default (warnings and errors); --verbose adds what the engine does.
 */
#ifndef TC_DAEMON_LOG_H
#define TC_DAEMON_LOG_H

typedef enum tc_log_level { TC_LOG_ERROR, TC_LOG_WARN, TC_LOG_INFO, TC_LOG_DEBUG } tc_log_level;

/* Sets the engine name printed on every line and the most verbose level printed. */
void tc_log_setup(const char *engine, tc_log_level level);

/*
 * Logs msg with key=value pairs given as a NULL-terminated list of
 * alternating keys and values (values are quoted when they need it).
 */
void tc_log(tc_log_level level, const char *msg, ...);

#endif
