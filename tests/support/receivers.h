/*
 * Receivers for notification tests, started by the tests themselves on
 * loopback: tests/support/webhook_receiver.py (an HTTP server) and
 * smtp_receiver.py (Debian's python3-aiosmtpd). Each logs what it received
 * as JSON lines in its log file; the webhook receiver answers as its control
 * file says ("ok", "fail", "hang", "down"; see the script).
 */
#ifndef TC_TEST_RECEIVERS_H
#define TC_TEST_RECEIVERS_H

#include <jansson.h>
#include <sys/types.h>

typedef struct th_receiver {
    pid_t pid;
    int port;
    char log[4096];
    char control[4096];
} th_receiver;

/* Starts script (a file of tests/support) with its log (and control file, if control) in dir as NAME.log. */
void th_receiver_start(th_receiver *r, const char *dir, const char *script, const char *name, int control);
void th_receiver_stop(th_receiver *r);

/* Writes mode to the receiver's control file. */
void th_receiver_control(const th_receiver *r, const char *mode);

/* Every entry of the log so far, as a JSON array (an empty one when none). */
json_t *th_receiver_entries(const th_receiver *r);

#endif
