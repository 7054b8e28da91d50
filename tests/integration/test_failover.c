/*
 * PostgreSQL failover under load (issue 20): a Patroni cluster of three
 * nodes in synchronous mode (scripts/ha.sh, on loopback ports of its own),
 * two engines and many CLIs on its multi-host conninfo with
 * target_session_attrs=read-write. While crises are triggered, voted on,
 * paused by timers and completed, the primary's postmaster is killed with
 * SIGKILL (one run) or switched over as planned (the other).
 *
 * The CLIs act as clients should: each command carries an idempotency key,
 * and a command that ended with "database unavailable" (exit 7) is sent
 * again with the same key until it is acknowledged. Then: every command
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
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CRISES   24 /* per run; every sixth ends by a timer alone */
#define PARALLEL 8  /* CLIs at once */
#define ENGINES  2
#define RUN_SECONDS                                                                                          \
    240 /* the most a run may take before the test gives up (an ASan build, a busy machine)                  \
         */

static char *dir; /* the cluster's directory */
static char *db;  /* its conninfo */
static th_proc *engines[ENGINES];

enum { OP_TRIGGER, OP_VOTE, OP_COMPLETE };
static const char *const parties[] = {"KZ", "RU", "TJ"};

typedef struct op {
    int crisis; /* index into the run's crises */
    int kind;
    int party;    /* OP_VOTE: index into parties */
    char key[64]; /* the idempotency key, the same for every try */
    int acked;    /* the CLI exited 0 */
    int tries;
    long not_before; /* the next try, th_now_ms() */
    th_proc *proc;   /* the try under way */
} op;

typedef struct run {
    const char *name;
    long long id[CRISES]; /* crisis ids, once triggered */
    op ops[CRISES * 5];
    int count;
    int retries_unavailable; /* tries that ended with exit 7 */
    int retries_not_yet;     /* tries refused because the crisis was not there yet (exit 6) */
} run;

static int timer_only(int crisis)
{
    return crisis % 6 == 5;
}

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
    dir = th_tempdir();
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "chmod 755 '%s'", dir); /* the servers run as postgres when we are root */
    assert_int_equal(system(cmd), 0);
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
    char playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/failover/drill.json", th_env("TOCSIN_SOURCE_DIR"));
    th_run_ok(db, (const char *[]){"migrate", NULL});
    th_run_ok(db, (const char *[]){"playbook", "load", playbook, NULL});
    for (size_t i = 0; i < 3; i++) {
        char role[32], seat[32];
        snprintf(role, sizeof role, "drill_%s", parties[i]);
        snprintf(seat, sizeof seat, "council/%s", parties[i]);
        th_run_ok(db, (const char *[]){"actor", "add", role, "--seat", seat, NULL});
    }
    th_run_ok(db, (const char *[]){"actor", "add", "drill_sec", "--seat", "secretariat", NULL});
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

static void add_op(run *r, int crisis, int kind, int party)
{
    op *o = &r->ops[r->count++];
    memset(o, 0, sizeof *o);
    o->crisis = crisis;
    o->kind = kind;
    o->party = party;
    snprintf(o->key, sizeof o->key, "%s-%d-%s%s", r->name, crisis,
             kind == OP_TRIGGER ? "trigger"
             : kind == OP_VOTE  ? "vote-"
                                : "complete",
             kind == OP_VOTE ? parties[party] : "");
}

/* Whether o may be sent: what it acts on was acknowledged. */
static int ready(const run *r, const op *o)
{
    if (o->kind == OP_TRIGGER)
        return 1;
    const op *trigger = &r->ops[0];
    while (trigger->crisis != o->crisis || trigger->kind != OP_TRIGGER)
        trigger++;
    if (!trigger->acked)
        return 0;
    if (o->kind == OP_VOTE)
        return 1;
    for (int i = 1; i <= 3; i++)
        if (!trigger[i].acked)
            return 0;
    return 1;
}

static th_proc *send_op(run *r, op *o)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", r->id[o->crisis]);
    o->tries++;
    if (o->kind == OP_TRIGGER)
        return th_tocsin_start(db,
                               (const char *[]){"trigger", "drill", "--key", o->key, "--input",
                                                timer_only(o->crisis) ? "path=timer" : "path=vote", NULL});
    if (o->kind == OP_VOTE) {
        char role[32];
        snprintf(role, sizeof role, "drill_%s", parties[o->party]);
        return th_tocsin_start(db, (const char *[]){"--as", role, "vote", id, "approve", "--state", "vote",
                                                    "--key", o->key, NULL});
    }
    return th_tocsin_start(db, (const char *[]){"--as", "drill_sec", "complete", id, "--state", "report",
                                                "--key", o->key, NULL});
}

/* A try ended: acknowledged, or to be sent again (with the same key), or a failure of the test. */
static void collect(run *r, op *o)
{
    th_run res;
    th_wait(o->proc, &res);
    o->proc = NULL;
    if (res.status == 0) {
        o->acked = 1;
        if (o->kind == OP_TRIGGER)
            r->id[o->crisis] = atoll(res.out);
    } else if (res.status == 7) {
        r->retries_unavailable++;
        o->not_before = th_now_ms() + 200;
    } else if (res.status == 6 && o->kind != OP_TRIGGER) {
        /* The crisis is not in that state yet: its trigger or its votes are recorded, not yet applied
         * (a CLI that waited 5 s acknowledges a command recorded and pending). Nothing was recorded. */
        r->retries_not_yet++;
        o->not_before = th_now_ms() + 300;
    } else {
        fail_msg("%s (try %d): exit %d: %s", o->key, o->tries, res.status, res.err);
    }
    th_run_free(&res);
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

/* th_expect_value for statements longer than its buffer. */
static void expect_long(const char *expected, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect_long(const char *expected, const char *fmt, ...)
{
    static char sql[65536];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof sql);
    char *got = th_query_value(db, sql);
    if (got == NULL || strcmp(got, expected) != 0)
        fail_msg("%s\n  expected: %s\n  got:      %s", sql, expected, got ? got : "(null)");
    free(got);
}

/*
 * Drives the load of one run and disrupts the primary (scripts/ha.sh
 * kill-primary or switchover) once a third of its commands are
 * acknowledged, holding the last third of the crises back until the
 * disruption is over, then checks the database as the issue asks.
 */
static void drive(const char *name, const char *disruption)
{
    run *r = calloc(1, sizeof *r);
    r->name = name;
    for (int c = 0; c < CRISES; c++) {
        add_op(r, c, OP_TRIGGER, 0);
        if (!timer_only(c)) {
            for (int p = 0; p < 3; p++)
                add_op(r, c, OP_VOTE, p);
            add_op(r, c, OP_COMPLETE, 0);
        }
    }
    for (int i = 0; i < ENGINES; i++) {
        char id[32];
        snprintf(id, sizeof id, "%s-%d", name, i);
        engines[i] = th_tocsin_start(db, (const char *[]){"engine", "--id", id, "--verbose", NULL});
    }

    char ha_cmd[4200], ha_out[4200];
    snprintf(ha_cmd, sizeof ha_cmd, "'%s/scripts/ha.sh' %s", th_env("TOCSIN_SOURCE_DIR"), disruption);
    snprintf(ha_out, sizeof ha_out, "%s/%s.out", dir, name);
    pid_t disrupting = 0;
    int disrupted = 0;
    long start = th_now_ms();
    int acked = 0, running = 0;
    while (acked < r->count) {
        if (th_now_ms() - start > RUN_SECONDS * 1000)
            fail_msg("%s: %d of %d commands acknowledged after %d s", name, acked, r->count, RUN_SECONDS);
        for (int i = 0; i < r->count; i++) {
            op *o = &r->ops[i];
            if (o->proc != NULL && !th_alive(th_pid(o->proc))) {
                collect(r, o);
                running--;
                acked += o->acked;
            }
        }
        for (int i = 0; i < r->count && running < PARALLEL; i++) {
            op *o = &r->ops[i];
            if (o->acked || o->proc != NULL || o->not_before > th_now_ms() || !ready(r, o))
                continue;
            /* The last third of the crises start once the disruption is over (a switchover takes seconds
             * before the primary goes), so that there is work for the new primary. */
            if (o->crisis >= CRISES * 2 / 3 && (!disrupted || disrupting > 0))
                continue;
            o->proc = send_op(r, o);
            running++;
        }
        if (!disrupted && acked >= r->count / 3) {
            disrupting = spawn_shell(ha_cmd, ha_out);
            disrupted = 1;
        }
        if (disrupting > 0) {
            int status;
            if (waitpid(disrupting, &status, WNOHANG) == disrupting) {
                disrupting = 0;
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                    fail_msg("scripts/ha.sh %s failed (see %s/ha.err)", disruption, dir);
            }
        }
        th_sleep_ms(10);
    }
    while (disrupting > 0 && waitpid(disrupting, &(int){0}, 0) < 0 && errno == EINTR)
        ;
    fprintf(stderr, "%s: every command acknowledged after %ld ms\n", name, th_now_ms() - start);

    /* Every crisis reaches its end: the timers of the pauses fire on the new primary too. */
    char *open = NULL;
    for (int i = 0; i < 300; i++) {
        free(open);
        open = th_query_value(db, "SELECT count(*) FROM tocsin.crises WHERE status <> 'closed'");
        if (open != NULL && strcmp(open, "0") == 0)
            break;
        th_sleep_ms(100);
    }
    fprintf(stderr, "%s: every crisis closed after %ld ms\n", name, th_now_ms() - start);
    char *logs[ENGINES] = {NULL};
    stop_engines(logs);
    if (open == NULL || strcmp(open, "0") != 0)
        fail_msg("%s: %s crises did not reach their end; engine log:\n%s", name, open ? open : "?", logs[0]);
    free(open);

    /*
     * Each acknowledged command is recorded once and applied once: its key's
     * row, applied; a trigger's crisis, the one the CLI printed; each crisis's
     * votes, completion and end, once each in its records and in its audit.
     * (In a few statements: a connection costs a try of each node.)
     */
    char *keys = calloc((size_t)r->count, 80), *ids = calloc(CRISES, 80);
    for (int i = 0; i < r->count; i++) {
        const op *o = &r->ops[i];
        sprintf(keys + strlen(keys), "%s'%s'", i ? "," : "", o->key);
    }
    for (int c = 0; c < CRISES; c++) {
        sprintf(ids + strlen(ids), "%s(%lld,'%s-%d-trigger',%s)", c ? "," : "", r->id[c], name, c,
                timer_only(c) ? "true" : "false");
    }
    expect_long("0",
                "SELECT count(*) FROM unnest(ARRAY[%s]) k(key)"
                " WHERE (SELECT count(*) FROM tocsin.commands c"
                "         WHERE c.idem_key = k.key AND c.result = 'applied') <> 1",
                keys);
    char expected[64];
    snprintf(expected, sizeof expected, "%d", CRISES);
    expect_long(expected,
                "SELECT count(*) FROM (VALUES %s) w(id, key, timer) JOIN tocsin.crises c ON c.id = w.id"
                " WHERE c.trigger_key = w.key AND c.status = 'closed'"
                "   AND c.outcome = CASE WHEN w.timer THEN 'lapsed' ELSE 'resolved' END"
                "   AND (SELECT count(*) FROM tocsin.votes v WHERE v.crisis = c.id)"
                "       = CASE WHEN w.timer THEN 0 ELSE 3 END"
                "   AND (SELECT count(*) FILTER (WHERE kind = 'vote') || ' ' ||"
                "               count(*) FILTER (WHERE kind = 'completed') || ' ' ||"
                "               count(*) FILTER (WHERE kind = 'closed') || ' ' ||"
                "               count(*) FILTER (WHERE kind = 'triggered')"
                "          FROM tocsin.audit a WHERE a.crisis = c.id)"
                "       = CASE WHEN w.timer THEN '0 0 1 1' ELSE '3 1 1 1' END",
                ids);
    th_expect_value(db, expected, "SELECT count(*) FROM tocsin.crises WHERE trigger_key LIKE '%s-%%'", name);
    free(keys);
    free(ids);
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.commands WHERE result IS DISTINCT FROM 'applied'");
    th_run v;
    th_tocsin(&v, db, (const char *[]){"audit", "verify", NULL});
    if (v.status != 0)
        fail_msg("%s: audit verify: exit %d: %s%s", name, v.status, v.out, v.err);
    th_run_free(&v);

    /* The figure: from the disruption to the first batch committed after it, on the new primary. */
    char *out = th_read_file(ha_out);
    char old[32] = "";
    long long at = 0;
    if (sscanf(out, "%31s %lld", old, &at) != 2)
        fail_msg("scripts/ha.sh %s printed %s", disruption, out);
    long long lost, resumed;
    outage(logs, at, &lost, &resumed);
    if (lost < 0 || resumed < 0)
        fail_msg("%s: no outage, or no batch after it, in the engines' logs:\n%s", name, logs[0]);
    printf(
        "%s: %s of %s: the engines lost it %lld ms later, and committed the first batch on the new "
        "primary %lld ms after the %s (%lld ms without a primary); %d commands acknowledged (%d crises), "
        "0 lost, 0 applied twice; %d tries refused as unavailable (exit 7), %d not yet there\n",
        name, disruption, old, lost - at, resumed - at, strcmp(name, "kill") == 0 ? "kill" : "request",
        resumed - lost, r->count, CRISES, r->retries_unavailable, r->retries_not_yet);
    fflush(stdout);
    free(out);
    for (int i = 0; i < ENGINES; i++)
        free(logs[i]);
    free(r);
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
