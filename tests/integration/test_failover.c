/*
 * PostgreSQL failover under load (issue 20): a Patroni cluster of three
 * nodes in synchronous mode (scripts/ha.sh, on loopback ports of its own),
 * two engines and many CLIs on its multi-host conninfo with
 * target_session_attrs=read-write. While crises are triggered, voted on,
 * paused by timers and completed, the primary's postmaster is killed with
 * SIGKILL (one run) or switched over as planned (the other).
 *
 * The load is the drill's (tests/support/drill.h): CLIs that send a command
 * again, with the same idempotency key, until it is acknowledged. Then: every command
 * acknowledged is recorded once and applied once (its key's row, the votes,
 * the audit's events), every crisis reaches its end, every chain verifies,
 * and the time from the kill (or the switchover's request) to the first batch
 * an engine committed on the new primary is printed.
 *
 * Label ha: it needs Debian's etcd-server and patroni (scripts/deps.sh), and
 * takes some 40 s (the cluster's start is a third of it).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "drill.h"

#define CRISES   24 /* per run; every sixth ends by a timer alone */
#define PARALLEL 8  /* CLIs at once */
#define ENGINES  2
#define RUN_SECONDS                                                                                          \
    240 /* the most a run may take before the test gives up (an ASan build, a busy machine)                  \
         */

static char *dir; /* the cluster's directory */
static char *db;  /* its conninfo */
static th_proc *engines[ENGINES];

static void ha(const char *command)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/scripts/ha.sh' %s >/dev/null 2>>'%s/ha.err'", th_env("TOCSIN_SOURCE_DIR"),
             command, dir);
    if (system(cmd) != 0) {
        char path[4200];
        snprintf(path, sizeof path, "%s/ha.err", dir);
        char *text = th_read_file(path);
        fail_msg("scripts/ha.sh %s failed: %s", command, text);
    }
}

static int group_setup(void **state)
{
    (void)state;
    dir = th_server_tempdir();
    /* Ports of our own: other tests, other build trees and other checkouts may run a cluster too. */
    char port[16];
    snprintf(port, sizeof port, "%d", 20000 + (int)(getpid() % 250) * 40);
    setenv("TOCSIN_HADIR", dir, 1);
    setenv("TOCSIN_HA_PORT", port, 1);
    setenv("TOCSIN_HA_NODES", "3", 1);
    long began = th_now_ms();
    ha("start");
    fprintf(stderr, "the cluster started in %ld ms\n", th_now_ms() - began);
    db = malloc(4400);
    snprintf(db, 4400,
             "host=127.0.0.1,127.0.0.1,127.0.0.1 port=%d,%d,%d user=tocsin dbname=tocsin "
             "target_session_attrs=read-write passfile=%s/pgpass",
             atoi(port) + 11, atoi(port) + 12, atoi(port) + 13, dir);
    th_drill_prepare(db);
    return 0;
}

static void stop_engines(char **logs)
{
    for (int i = 0; i < ENGINES; i++) {
        if (engines[i] == NULL)
            continue;
        th_run r;
        th_signal(engines[i], logs ? SIGTERM : SIGKILL);
        th_wait(engines[i], &r);
        engines[i] = NULL;
        if (logs) {
            logs[i] = r.err;
            r.err = NULL;
        }
        th_run_free(&r);
    }
}

static int group_teardown(void **state)
{
    (void)state;
    stop_engines(NULL);
    if (dir != NULL) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "'%s/scripts/ha.sh' destroy >/dev/null 2>&1", th_env("TOCSIN_SOURCE_DIR"));
        if (system(cmd) != 0)
            fprintf(stderr, "scripts/ha.sh destroy failed\n");
        th_rmtree(dir);
        free(dir);
        dir = NULL;
    }
    free(db);
    db = NULL;
    return 0;
}

/* Runs a child shell command without waiting; its stdout goes to out. */
static pid_t spawn_shell(const char *command, const char *out)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char cmd[16384];
        snprintf(cmd, sizeof cmd, "%s >'%s' 2>>'%s/ha.err'", command, out, dir);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Epoch milliseconds of a log line's ts=2026-12-05T08:21:06.555Z. */
static long long line_ms(const char *line)
{
    struct tm tm = {0};
    int ms = 0;
    if (sscanf(line, "ts=%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

/*
 * From the engines' logs, after ms: when the first of them met the outage
 * (its first warning: a batch, the listener or the heartbeat that lost the
 * old primary), and the first batch that one of them committed after its
 * own first warning, which is on the new primary. Before the outage, a
 * switchover's old primary still commits; after it, nothing commits until
 * the new one does. -1 when not found.
 */
static void outage(char **logs, long long ms, long long *lost, long long *resumed)
{
    *lost = *resumed = -1;
    for (int i = 0; i < ENGINES; i++) {
        long long warned = -1;
        const char *line = logs[i];
        while (line != NULL && *line != '\0') {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            char buf[2048];
            snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
            line = end ? end + 1 : NULL;
            long long at = line_ms(buf);
            if (at < ms)
                continue;
            if (warned < 0 && (strstr(buf, "level=warn") || strstr(buf, "level=error"))) {
                warned = at;
                if (*lost < 0 || at < *lost)
                    *lost = at;
            } else if (warned >= 0 && strstr(buf, "msg=\"batch applied\"") != NULL) {
                if (*resumed < 0 || at < *resumed)
                    *resumed = at;
                break;
            }
        }
    }
}

/* The last third of the crises start once the disruption is over (a switchover takes seconds before the
 * primary goes), so that there is work for the new primary. */
typedef struct disruption {
    int started;
    pid_t pid; /* scripts/ha.sh under way */
} disruption;

static int held_for_later(const th_drill_op *o, void *arg)
{
    const disruption *dis = arg;
    return o->crisis >= CRISES * 2 / 3 && (!dis->started || dis->pid > 0);
}

static void drive(const char *name, const char *what)
{
    th_drill *d = th_drill_new(db, name, CRISES);
    for (int i = 0; i < ENGINES; i++) {
        char id[32];
        snprintf(id, sizeof id, "%s-%d", name, i);
        engines[i] = th_tocsin_start(db, (const char *[]){"engine", "--id", id, "--verbose", NULL});
    }

    char ha_cmd[4200], ha_out[4200];
    snprintf(ha_cmd, sizeof ha_cmd, "'%s/scripts/ha.sh' %s", th_env("TOCSIN_SOURCE_DIR"), what);
    snprintf(ha_out, sizeof ha_out, "%s/%s.out", dir, name);
    disruption dis = {0};
    long start = th_now_ms();
    while (d->acked < d->count) {
        if (th_now_ms() - start > RUN_SECONDS * 1000)
            fail_msg("%s: %d of %d commands acknowledged after %d s", name, d->acked, d->count, RUN_SECONDS);
        th_drill_step(d, PARALLEL, held_for_later, &dis);
        if (!dis.started && d->acked >= d->count / 3) {
            dis.pid = spawn_shell(ha_cmd, ha_out);
            dis.started = 1;
        }
        if (dis.pid > 0) {
            int status;
            if (waitpid(dis.pid, &status, WNOHANG) == dis.pid) {
                dis.pid = 0;
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                    fail_msg("scripts/ha.sh %s failed (see %s/ha.err)", what, dir);
            }
        }
        th_sleep_ms(10);
    }
    while (dis.pid > 0 && waitpid(dis.pid, &(int){0}, 0) < 0 && errno == EINTR)
        ;
    fprintf(stderr, "%s: every command acknowledged after %ld ms\n", name, th_now_ms() - start);

    /* Every crisis reaches its end: the timers of the pauses fire on the new primary too. */
    int closed = th_drill_await_closed(d, 30000);
    fprintf(stderr, "%s: every crisis closed after %ld ms\n", name, th_now_ms() - start);
    char *logs[ENGINES] = {NULL};
    stop_engines(logs);
    if (!closed)
        fail_msg("%s: crises did not reach their end; engine log:\n%s", name, logs[0]);
    th_drill_check_books(d);

    /* The figure: from the disruption to the first batch committed after it, on the new primary. */
    char *out = th_read_file(ha_out);
    char old[32] = "";
    long long at = 0;
    if (sscanf(out, "%31s %lld", old, &at) != 2)
        fail_msg("scripts/ha.sh %s printed %s", what, out);
    long long lost, resumed;
    outage(logs, at, &lost, &resumed);
    if (lost < 0 || resumed < 0)
        fail_msg("%s: no outage, or no batch after it, in the engines' logs:\n%s", name, logs[0]);
    printf(
        "%s: %s of %s: the engines lost it %lld ms later, and committed the first batch on the new "
        "primary %lld ms after the %s (%lld ms without a primary); %d commands acknowledged (%d crises), "
        "0 lost, 0 applied twice; %d tries refused as unavailable (exit 7), %d not yet there\n",
        name, what, old, lost - at, resumed - at, strcmp(name, "kill") == 0 ? "kill" : "request",
        resumed - lost, d->count, CRISES, d->unavailable, d->not_yet);
    fflush(stdout);
    free(out);
    for (int i = 0; i < ENGINES; i++)
        free(logs[i]);
    th_drill_free(d);
}

static void test_failover_primary_killed(void **state)
{
    (void)state;
    drive("kill", "kill-primary");
}

static void test_failover_planned_switchover(void **state)
{
    (void)state;
    drive("switchover", "switchover");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failover_primary_killed),
        cmocka_unit_test(test_failover_planned_switchover),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
