/* Integration test harness: databases from a template, tocsin as a process. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

struct th_proc {
    pid_t pid;
    int out_fd, err_fd;
};

const char *th_env(const char *name)
{
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0')
        fail_msg(
            "%s is not set: run the tests through ctest after "
            "eval \"$(scripts/pg.sh start)\", or through scripts/test.sh",
            name);
    return value;
}

/* th_tocsin_start with stdin from the file input (NULL: /dev/null). */
static th_proc *start_with_input(const char *db, const char *const *args, const char *input)
{
    const char *bin = th_env("TOCSIN_BIN");
    int out[2], err[2];
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        size_t n = 0;
        while (args[n] != NULL)
            n++;
        char **argv = calloc(n + 2, sizeof *argv);
        argv[0] = (char *)bin;
        for (size_t i = 0; i < n; i++)
            argv[i + 1] = (char *)args[i];
        int devnull = open(input ? input : "/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        /* Only 0, 1 and 2: a copy of the pipes left open would pass to every program the engine starts, and
         * th_wait would wait for the last of them (an orphan of an action) to end. */
        int extra[] = {devnull, out[0], err[0], out[1], err[1]};
        for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
            if (extra[i] > 2)
                close(extra[i]);
        if (db != NULL)
            setenv("TOCSIN_DB", db, 1);
        else
            unsetenv("TOCSIN_DB");
        execv(bin, argv);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    th_proc *proc = calloc(1, sizeof *proc);
    proc->pid = pid;
    proc->out_fd = out[0];
    proc->err_fd = err[0];
    return proc;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

void th_wait(th_proc *proc, th_run *run)
{
    size_t out_len = 0, err_len = 0;
    char chunk[4096];
    struct pollfd fds[2] = {{proc->out_fd, POLLIN, 0}, {proc->err_fd, POLLIN, 0}};

    run->out = calloc(1, 1);
    run->err = calloc(1, 1);
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail_msg("poll: %s", strerror(errno));
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got > 0) {
                if (i == 0)
                    append(&run->out, &out_len, chunk, (size_t)got);
                else
                    append(&run->err, &err_len, chunk, (size_t)got);
            } else if (got == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
            }
        }
    }
    int status;
    while (waitpid(proc->pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    free(proc);
}

th_proc *th_tocsin_start(const char *db, const char *const *args)
{
    return start_with_input(db, args, NULL);
}

void th_tocsin(th_run *run, const char *db, const char *const *args)
{
    th_wait(th_tocsin_start(db, args), run);
}

void th_tocsin_input(th_run *run, const char *db, const char *const *args, const char *input)
{
    th_wait(start_with_input(db, args, input), run);
}

void th_signal(th_proc *proc, int sig)
{
    kill(proc->pid, sig);
}

void th_stop(th_proc *proc)
{
    th_signal(proc, SIGTERM);
    th_run r;
    th_wait(proc, &r);
    if (r.status != 0)
        fail_msg("the process stopped with SIGTERM exited %d: %s", r.status, r.err);
    th_run_free(&r);
}

void th_end(th_proc *proc, int sig)
{
    th_signal(proc, sig);
    th_run r;
    th_wait(proc, &r);
    th_run_free(&r);
}

pid_t th_pid(const th_proc *proc)
{
    return proc->pid;
}

/* The state letter and parent of process pid, from /proc/PID/stat; 0 when it is gone. */
static char proc_state(pid_t pid, pid_t *parent)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *end = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
    char state = 0;
    int ppid = 0;
    if (end == NULL || sscanf(end + 1, " %c %d", &state, &ppid) != 2)
        return 0;
    if (parent != NULL)
        *parent = (pid_t)ppid;
    return state;
}

int th_alive(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
        return 0;
    char state = proc_state(pid, NULL);
    return state != 0 && state != 'Z';
}

int th_children(pid_t parent)
{
    DIR *dir = opendir("/proc");
    if (dir == NULL)
        fail_msg("cannot read /proc: %s", strerror(errno));
    int count = 0;
    struct dirent *d;
    while ((d = readdir(dir)) != NULL) {
        pid_t pid = (pid_t)atoi(d->d_name), ppid = 0;
        if (pid <= 0)
            continue;
        char state = proc_state(pid, &ppid);
        count += state != 0 && state != 'Z' && ppid == parent;
    }
    closedir(dir);
    return count;
}

long th_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void th_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void th_run_free(th_run *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}

char *th_conninfo_with_db(const char *base, const char *dbname)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(base, &errmsg);
    if (opts == NULL)
        fail_msg("bad TOCSIN_TEST_DB: %s", errmsg ? errmsg : "out of memory");

    size_t size = 64 + strlen(dbname);
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (o->val != NULL)
            size += strlen(o->keyword) + 2 * strlen(o->val) + 8;
    char *out = malloc(size);
    size_t len = 0;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || strcmp(o->keyword, "dbname") == 0)
            continue;
        len += (size_t)sprintf(out + len, "%s='", o->keyword);
        for (const char *v = o->val; *v; v++) {
            if (*v == '\'' || *v == '\\')
                out[len++] = '\\';
            out[len++] = *v;
        }
        len += (size_t)sprintf(out + len, "' ");
    }
    sprintf(out + len, "dbname='%s'", dbname);
    PQconninfoFree(opts);
    return out;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *th_connect(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("cannot connect to %s: %s", conninfo, PQerrorMessage(conn));
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    return conn;
}

void th_exec(const char *conninfo, const char *sql)
{
    PGconn *conn = th_connect(conninfo);
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(conn);
}

char *th_query_value(const char *conninfo, const char *sql)
{
    PGconn *conn = th_connect(conninfo);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    char *value = NULL;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    return value;
}

static char *create_db(const char *template_name)
{
    static int counter;
    const char *admin = th_env("TOCSIN_TEST_DB");
    const char *tmpl = th_env("TOCSIN_TEST_TEMPLATE");
    char name[128], sql[512];

    snprintf(name, sizeof name, "%s_%ld_%d", tmpl, (long)getpid(), ++counter);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" TEMPLATE \"%s\"", name,
             template_name ? template_name : tmpl);
    th_exec(admin, sql);
    return th_conninfo_with_db(admin, name);
}

char *th_db_create(void)
{
    return create_db(NULL);
}

char *th_db_create_empty(void)
{
    return create_db("template0");
}

void th_db_drop(char *conninfo)
{
    if (conninfo == NULL)
        return;
    char *errmsg = NULL, *dbname = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    for (PQconninfoOption *o = opts; o && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "dbname") == 0 && o->val)
            dbname = strdup(o->val);
    PQconninfoFree(opts);
    if (dbname != NULL) {
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", dbname);
        th_exec(th_env("TOCSIN_TEST_DB"), sql);
    }
    free(dbname);
    free(conninfo);
}

char *th_tempdir(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tocsin-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(path) == NULL)
        fail_msg("mkdtemp: %s", strerror(errno));
    return strdup(path);
}

char *th_server_tempdir(void)
{
    char *dir = th_tempdir();
    if (chmod(dir, 0755) != 0)
        fail_msg("chmod %s: %s", dir, strerror(errno));
    return dir;
}

char *th_key_generate(const char *db, const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    th_run r;
    th_tocsin(&r, db, (const char *[]){"key", "generate", "--out", path, NULL});
    if (r.status != 0)
        fail_msg("tocsin key generate --out %s: exit %d: %s", path, r.status, r.err);
    char *end = r.out + strlen(r.out);
    while (end > r.out && end[-1] == '\n')
        *--end = '\0';
    char *last = strrchr(r.out, '\n');
    char *public_key = strdup(last ? last + 1 : r.out);
    th_run_free(&r);
    return public_key;
}

void th_rmtree(const char *dir)
{
    /* Test directories are flat: files directly inside dir. */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

void th_write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

int th_contains(const char *text, const char *needle)
{
    return text != NULL && strstr(text, needle) != NULL;
}

int th_line_count(const char *text)
{
    int lines = 0;
    for (const char *p = text; *p; p++)
        if (*p == '\n' || p[1] == '\0')
            lines++;
    return lines;
}

char *th_conninfo_as(const char *conninfo, const char *role)
{
    size_t size = strlen(conninfo) + strlen(role) + 8;
    char *info = malloc(size);
    if (info == NULL)
        fail_msg("out of memory");
    snprintf(info, size, "%s user=%s", conninfo, role);
    return info;
}

void th_expect_tocsin(const char *db, const char *role, int status, const char *const *args, const char *out,
                      const char *err)
{
    char *info = role ? th_conninfo_as(db, role) : strdup(db);
    th_run r;
    th_tocsin(&r, info, args);
    if (r.status != status || (out && !th_contains(r.out, out)) || (err && !th_contains(r.err, err)))
        fail_msg("as %s: tocsin %s %s %s: exit %d (expected %d)\nstdout: %s\nstderr: %s",
                 role ? role : "the test's login", args[0], args[1] ? args[1] : "",
                 args[1] && args[2] ? args[2] : "", r.status, status, r.out, r.err);
    th_run_free(&r);
    free(info);
}

char *th_sql_as(const char *db, const char *role, const char *setup, const char *sql, const char *fail_with)
{
    char *info = role ? th_conninfo_as(db, role) : strdup(db);
    PGconn *conn = th_connect(info);
    free(info);
    if (setup != NULL) {
        PGresult *res = PQexec(conn, setup);
        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
            fail_msg("as %s: %s: %s", role, setup, PQresultErrorMessage(res));
        PQclear(res);
    }
    PGresult *res = PQexec(conn, sql);
    char *value = NULL;
    if (fail_with != NULL) {
        if (PQresultStatus(res) != PGRES_FATAL_ERROR || !th_contains(PQresultErrorMessage(res), fail_with))
            fail_msg("as %s, expected to fail with \"%s\": %s\ngot: %s", role, fail_with, sql,
                     PQresultStatus(res) == PGRES_FATAL_ERROR ? PQresultErrorMessage(res) : "success");
    } else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fail_msg("as %s: %s: %s", role, sql, PQresultErrorMessage(res));
    } else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        value = strdup(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    PQfinish(conn);
    return value;
}

char *th_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    size_t used = 0, capacity = 8192;
    char *text = malloc(capacity);
    size_t got;
    while (text != NULL && (got = fread(text + used, 1, capacity - used - 1, f)) > 0) {
        used += got;
        if (capacity - used < 4096)
            text = realloc(text, capacity *= 2);
    }
    fclose(f);
    if (text == NULL)
        fail_msg("out of memory reading %s", path);
    text[used] = '\0';
    return text;
}

void th_expect_value(const char *db, const char *expected, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    char *got = th_query_value(db, sql);
    if (got == NULL || strcmp(got, expected) != 0)
        fail_msg("%s\n  expected: %s\n  got:      %s", sql, expected, got ? got : "(null)");
    free(got);
}

void th_await_value(const char *db, const char *expected, int timeout_ms, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    long deadline = th_now_ms() + timeout_ms;
    for (;;) {
        char *got = th_query_value(db, sql);
        int same = got != NULL && strcmp(got, expected) == 0;
        if (same || th_now_ms() >= deadline) {
            if (!same)
                fail_msg("%s\n  expected within %d ms: %s\n  got:      %s", sql, timeout_ms, expected,
                         got ? got : "(null)");
            free(got);
            return;
        }
        free(got);
        th_sleep_ms(50);
    }
}

void th_run_ok(const char *db, const char *const *args)
{
    th_run r;
    th_tocsin(&r, db, args);
    if (r.status != 0)
        fail_msg("tocsin %s %s: exit %d: %s", args[0], args[1] ? args[1] : "", r.status, r.err);
    th_run_free(&r);
}

void th_playbook_load(const char *db, const char *path)
{
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", th_env("TOCSIN_SOURCE_DIR"), path);
    th_run_ok(db, (const char *[]){"playbook", "load", full, NULL});
}

/* Runs promtool check metrics on text; fails the test unless it passes (or when promtool is missing). */
void th_expect_promtool_passes(const char *text)
{
    char *dir = th_tempdir();
    th_write_file(dir, "metrics.txt", text);
    char command[4300];
    snprintf(command, sizeof command, "promtool check metrics < %s/metrics.txt > %s/promtool.out 2>&1", dir,
             dir);
    int rc = system(command);
    char path[4200];
    snprintf(path, sizeof path, "%s/promtool.out", dir);
    char *said = th_read_file(path);
    if (rc != 0)
        fail_msg("promtool check metrics: %s%s\n%s",
                 WIFEXITED(rc) && WEXITSTATUS(rc) == 127
                     ? "promtool is missing (Debian's prometheus package; scripts/deps.sh installs it): "
                     : "",
                 said, text);
    free(said);
    th_rmtree(dir);
    free(dir);
}
