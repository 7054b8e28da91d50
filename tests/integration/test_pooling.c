/*
 * tocsin through PgBouncer (issue 20): the CLI in transaction pooling mode,
 * the engine in session mode. The test starts a PgBouncer of its own on a
 * loopback port (Debian's pgbouncer, scripts/deps.sh) in front of the test
 * cluster's socket, with two entries for the test's database: `tx`
 * (pool_mode=transaction, two server connections for everyone of a login)
 * and `session` (pool_mode=session).
 *
 * What works in transaction mode, and is proved here: every command of the
 * CLI (its statements are unnamed, its transactions explicit), many at once
 * sharing two server connections, each delegate logged in as its own role;
 * a waiting command returns when the engine applied it (its LISTEN does not
 * follow it to the next server connection, but it reads again every second).
 * What does not, and is documented in docs/deployment.md instead: `--as`
 * (a session's SET ROLE), the engine (named prepared statements and LISTEN),
 * `migrate` (a session advisory lock) and the board (LISTEN); those use
 * session mode, as the engine does here, or connect directly.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CRISES   12
#define PARALLEL 8

static const char *const parties[] = {"KZ", "RU", "TJ"};

static char *dir;        /* pgbouncer's configuration, pid file and log */
static char *db;         /* the test's database, directly */
static int port;         /* pgbouncer's */
static th_proc *engine;  /* through pgbouncer, session mode */
static char dbname[256]; /* of db */

/* The value of keyword in conninfo, or "" (static). */
static const char *conninfo_value(const char *conninfo, const char *keyword)
{
    static char value[1024];
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    value[0] = '\0';
    for (PQconninfoOption *o = opts; o && o->keyword != NULL; o++)
        if (strcmp(o->keyword, keyword) == 0 && o->val)
            snprintf(value, sizeof value, "%s", o->val);
    PQconninfoFree(opts);
    PQfreemem(errmsg);
    return value;
}

/* A conninfo through pgbouncer's entry (tx or session), logged in as role. */
static char *through(const char *entry, const char *role)
{
    char *info = malloc(512);
    snprintf(info, 512, "host=127.0.0.1 port=%d dbname=%s user=%s", port, entry, role);
    return info;
}

static pid_t pgbouncer_pid(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/pgbouncer.pid", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int pid = 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

static void setup(void)
{
    db = th_db_create();
    snprintf(dbname, sizeof dbname, "%s", conninfo_value(db, "dbname"));
    char host[1024], server_port[32];
    snprintf(host, sizeof host, "%s", conninfo_value(db, "host"));
    snprintf(server_port, sizeof server_port, "%s", conninfo_value(db, "port"));
    if (server_port[0] == '\0')
        snprintf(server_port, sizeof server_port, "5432");

    char playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/failover/drill.json", th_env("TOCSIN_SOURCE_DIR"));
    th_run_ok(db, (const char *[]){"playbook", "load", playbook, NULL});
    /* Each delegation logs in as itself, as docs/security.md deploys them (no --as). */
    for (size_t i = 0; i < 3; i++) {
        char role[32], seat[32];
        snprintf(role, sizeof role, "pool_%s", parties[i]);
        snprintf(seat, sizeof seat, "council/%s", parties[i]);
        th_run_ok(db, (const char *[]){"actor", "add", role, "--seat", seat, "--login", NULL});
    }
    th_run_ok(db, (const char *[]){"actor", "add", "pool_sec", "--seat", "secretariat", "--login", NULL});

    dir = th_tempdir();
    char cmd[8192];
    /* pgbouncer refuses to run as root: then it runs as postgres, and writes its log and pid file here. */
    if (getuid() == 0) {
        snprintf(cmd, sizeof cmd, "chown postgres '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
    port = 20000 + (int)(getpid() % 250) * 40 + 35; /* beside test_failover's ports, not on them */
    char ini[16384];
    snprintf(ini, sizeof ini,
             "[databases]\n"
             "tx = host=%s port=%s dbname=%s pool_mode=transaction pool_size=2\n"
             "session = host=%s port=%s dbname=%s pool_mode=session pool_size=8\n"
             "[pgbouncer]\n"
             "listen_addr = 127.0.0.1\n"
             "listen_port = %d\n"
             "unix_socket_dir =\n"
             "auth_type = trust\n"
             "auth_file = %s/users.txt\n"
             "pidfile = %s/pgbouncer.pid\n"
             "logfile = %s/pgbouncer.log\n"
             "max_client_conn = 200\n"
             "default_pool_size = 2\n"
             "server_reset_query = DISCARD ALL\n"
             "verbose = 1\n",
             host, server_port, dbname, host, server_port, dbname, port, dir, dir, dir);
    th_write_file(dir, "pgbouncer.ini", ini);
    th_write_file(
        dir, "users.txt",
        "\"tocsin\" \"\"\n\"pool_KZ\" \"\"\n\"pool_RU\" \"\"\n\"pool_TJ\" \"\"\n\"pool_sec\" \"\"\n");
    snprintf(cmd, sizeof cmd, "%s /usr/sbin/pgbouncer -d -q '%s/pgbouncer.ini'",
             getuid() == 0 ? "runuser -u postgres --" : "", dir);
    if (system(cmd) != 0)
        fail_msg("cannot start pgbouncer (scripts/deps.sh installs it): %s", cmd);
    /* Ready when it answers. */
    char *probe = through("tx", "tocsin");
    int ready = 0;
    for (int i = 0; i < 100 && !ready; i++) {
        PGconn *c = PQconnectdb(probe);
        ready = PQstatus(c) == CONNECTION_OK;
        PQfinish(c);
        if (!ready)
            th_sleep_ms(50);
    }
    free(probe);
    if (!ready)
        fail_msg("pgbouncer does not answer on 127.0.0.1:%d", port);
}

static int teardown(void **state)
{
    (void)state;
    if (engine != NULL) {
        th_end(engine, SIGKILL);
        engine = NULL;
    }
    pid_t pid = dir ? pgbouncer_pid() : 0;
    if (pid > 0) {
        kill(pid, SIGTERM);
        for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
            th_sleep_ms(50);
        if (kill(pid, 0) == 0)
            kill(pid, SIGKILL);
    }
    if (dir != NULL) {
        th_rmtree(dir);
        free(dir);
        dir = NULL;
    }
    th_db_drop(db);
    db = NULL;
    return 0;
}

/* Runs `tocsin ARGS` through conninfo and returns its stdout (free()); fails the test unless it exits 0. */
static char *ok_through(const char *conninfo, const char *const *args)
{
    th_run r;
    th_tocsin(&r, conninfo, args);
    if (r.status != 0)
        fail_msg("tocsin %s %s through pgbouncer: exit %d: %s", args[0], args[1] ? args[1] : "", r.status,
                 r.err);
    char *out = r.out;
    r.out = NULL;
    th_run_free(&r);
    return out;
}

/*
 * The engine in session mode, the CLI in transaction mode: crises
 * triggered, voted on by three delegations and completed, PARALLEL CLIs at
 * once on two server connections; each command applied once, in the name of
 * the role that logged in; every crisis closed; the chains verify; and the
 * pool did not grow past its two server connections.
 */
static void test_pooling_cli_in_transaction_mode(void **state)
{
    (void)state;
    setup();
    char *session = through("session", "tocsin");
    engine = th_tocsin_start(session, (const char *[]){"engine", "--verbose", NULL});

    char *admin = through("tx", "tocsin");
    long long ids[CRISES];
    for (int c = 0; c < CRISES; c++) {
        char key[32];
        snprintf(key, sizeof key, "pool-%d", c);
        char *out = ok_through(admin, (const char *[]){"trigger", "drill", "--key", key, NULL});
        ids[c] = atoll(out);
        free(out);
    }

    /* The votes, PARALLEL at a time, each delegation logged in as itself; they wait until applied. */
    th_proc *running[CRISES * 3] = {NULL};
    char *as[3];
    for (int p = 0; p < 3; p++) {
        char role[32];
        snprintf(role, sizeof role, "pool_%s", parties[p]);
        as[p] = through("tx", role);
    }
    long began = th_now_ms();
    int next = 0, done = 0;
    while (done < CRISES * 3) {
        int busy = 0;
        for (int i = 0; i < next; i++)
            busy += running[i] != NULL;
        while (busy < PARALLEL && next < CRISES * 3) {
            char id[24];
            snprintf(id, sizeof id, "%lld", ids[next / 3]);
            running[next] =
                th_tocsin_start(as[next % 3], (const char *[]){"vote", id, "approve", "--json", NULL});
            next++;
            busy++;
        }
        for (int i = 0; i < next; i++) {
            if (running[i] == NULL || th_alive(th_pid(running[i])))
                continue;
            th_run r;
            th_wait(running[i], &r);
            running[i] = NULL;
            if (r.status != 0 || !th_contains(r.out, "\"applied\""))
                fail_msg("vote through transaction pooling: exit %d: %s%s", r.status, r.out, r.err);
            th_run_free(&r);
            done++;
        }
        th_sleep_ms(5);
    }
    long voting = th_now_ms() - began;

    /* The reports, once the pause after each approval is over. */
    char *sec = through("tx", "pool_sec");
    for (int c = 0; c < CRISES; c++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", ids[c]);
        th_run r;
        for (int tries = 0;; tries++) {
            th_tocsin(&r, sec, (const char *[]){"complete", id, "--state", "report", NULL});
            if (r.status != 6 || tries == 50)
                break;
            th_run_free(&r);
            th_sleep_ms(100);
        }
        if (r.status != 0)
            fail_msg("complete %s through transaction pooling: exit %d: %s", id, r.status, r.err);
        th_run_free(&r);
    }
    th_stop(engine);
    engine = NULL;

    /* Read commands through the pool too, and the chains. */
    char *list = ok_through(admin, (const char *[]){"list", "--status", "closed", NULL});
    assert_true(th_line_count(list) == CRISES + 1);
    free(list);
    char *verify = ok_through(admin, (const char *[]){"audit", "verify", NULL});
    free(verify);
    char first[24];
    snprintf(first, sizeof first, "%lld", ids[0]);
    char *show = ok_through(as[0], (const char *[]){"show", first, NULL});
    free(show);

    /* Each vote once, in the name of the delegation that logged in. */
    char expected[32];
    snprintf(expected, sizeof expected, "%d", CRISES);
    th_expect_value(db, expected,
                    "SELECT count(*) FROM tocsin.crises WHERE status = 'closed' AND outcome = 'resolved'");
    for (int p = 0; p < 3; p++)
        th_expect_value(db, expected,
                        "SELECT count(*) FROM tocsin.votes WHERE actor = 'pool_%s' AND party = '%s'",
                        parties[p], parties[p]);
    snprintf(expected, sizeof expected, "%d", CRISES * 3);
    th_expect_value(db, expected, "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'");
    th_expect_value(db, "0", "SELECT count(*) FROM tocsin.commands WHERE result IS DISTINCT FROM 'applied'");
    /* What pgbouncer said of its server connections (a LISTEN left on one, say). */
    char path[4200];
    snprintf(path, sizeof path, "%s/pgbouncer.log", dir);
    char *log = th_read_file(path);
    for (char *line = strtok(log, "\n"); line != NULL; line = strtok(NULL, "\n"))
        if (strstr(line, "S-") != NULL && strstr(line, "closing because") != NULL)
            fprintf(stderr, "pgbouncer: %s\n", line);
    free(log);
    printf("%d votes through transaction pooling, %d at once: %ld ms (each waits for the engine)\n",
           CRISES * 3, PARALLEL, voting);
    fflush(stdout);
    for (int p = 0; p < 3; p++)
        free(as[p]);
    free(sec);
    free(admin);
    free(session);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pooling_cli_in_transaction_mode, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
