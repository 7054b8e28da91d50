/* Receivers for notification tests: see receivers.h. */
#include "receivers.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

void th_receiver_start(th_receiver *r, const char *dir, const char *script, const char *name, int control)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/support/%s", th_env("TOCSIN_SOURCE_DIR"), script);
    snprintf(r->log, sizeof r->log, "%s/%s.log", dir, name);
    snprintf(r->control, sizeof r->control, "%s/%s.control", dir, name);
    int out[2];
    assert_int_equal(pipe(out), 0);
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        if (control)
            execl(path, path, r->log, "--control", r->control, (char *)NULL);
        else
            execl(path, path, r->log, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[64] = "";
    if (fgets(line, sizeof line, f) == NULL)
        fail_msg("%s did not start (is python3-aiosmtpd installed? scripts/deps.sh)", script);
    fclose(f);
    r->port = atoi(line);
    assert_true(r->port > 0);
}

void th_receiver_stop(th_receiver *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

void th_receiver_control(const th_receiver *r, const char *mode)
{
    FILE *f = fopen(r->control, "w");
    assert_non_null(f);
    fputs(mode, f);
    fclose(f);
}

json_t *th_receiver_entries(const th_receiver *r)
{
    json_t *all = json_array();
    if (access(r->log, F_OK) != 0)
        return all;
    char *text = th_read_file(r->log);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *entry = json_loads(line, 0, NULL);
        assert_non_null(entry);
        json_array_append_new(all, entry);
    }
    free(text);
    return all;
}
