/*
 * Test harness for integration tests: a fresh database per test, created from
 * a template that the `db_template` fixture migrated with the tocsin under
 * test, and the tocsin binary run as a process with its output captured.
 *
 * ctest sets the environment: TOCSIN_TEST_DB (a conninfo of the server's
 * maintenance database, from scripts/pg.sh env), TOCSIN_TEST_TEMPLATE (the
 * template's name, one per build tree) and TOCSIN_BIN (the binary).
 * Every helper fails the test (cmocka's fail_msg) rather than return an error.
 */
#ifndef TC_TEST_HARNESS_H
#define TC_TEST_HARNESS_H

#include <libpq-fe.h>
#include <sys/types.h>

/* What a finished process left. */
typedef struct th_run {
    int status; /* exit code, or 128 + signal */
    char *out;  /* all of stdout, NUL-terminated */
    char *err;  /* all of stderr */
} th_run;

typedef struct th_proc th_proc;

/* The value of a required environment variable; fails the test when unset. */
const char *th_env(const char *name);

/*
 * Runs `tocsin ARGS...` (args NULL-terminated) with TOCSIN_DB set to db (unset
 * when db is NULL) and stdin from /dev/null, and waits for it.
 */
void th_tocsin(th_run *run, const char *db, const char *const *args);

/* The same with stdin from the file input. */
void th_tocsin_input(th_run *run, const char *db, const char *const *args, const char *input);

/* The same, started without waiting; th_wait collects it. */
th_proc *th_tocsin_start(const char *db, const char *const *args);
void th_wait(th_proc *proc, th_run *run);

void th_run_free(th_run *run);

/* Sends sig to a started process. */
void th_signal(th_proc *proc, int sig);

/* Sends sig to a started process, waits for it and forgets how it ended: for a teardown. */
void th_end(th_proc *proc, int sig);

/* Stops it as an operator would (SIGTERM), waits, and fails the test unless it exited 0. */
void th_stop(th_proc *proc);

/* The process id of a started process. */
pid_t th_pid(const th_proc *proc);

/* Whether process pid is alive: it exists and is not a zombie (which no one may have reaped yet). */
int th_alive(pid_t pid);

/* How many live processes (zombies left out) have parent as their parent, from /proc. */
int th_children(pid_t parent);

/* Milliseconds on a monotonic clock, to time what a test waits for. */
long th_now_ms(void);

/* Sleeps ms milliseconds. */
void th_sleep_ms(int ms);

/* A new database: migrated (from the template) or empty. Returns its conninfo (free with th_db_drop). */
char *th_db_create(void);
char *th_db_create_empty(void);
/* Drops the database of conninfo and frees conninfo. */
void th_db_drop(char *conninfo);

/* A conninfo like base with dbname replaced; owned by the caller (free()). */
char *th_conninfo_with_db(const char *base, const char *dbname);

/* conninfo logging in as role instead (user=role appended); free(). */
char *th_conninfo_as(const char *conninfo, const char *role);

/*
 * Runs `tocsin ARGS...` on db, logged in as role (NULL: the test's own
 * login), and fails the test unless it exits with status and its stdout and
 * stderr contain out and err (NULL: anything).
 */
void th_expect_tocsin(const char *db, const char *role, int status, const char *const *args, const char *out,
                      const char *err);

/*
 * Runs setup (NULL: nothing; it must succeed), then sql, on one connection
 * to db logged in as role (NULL: the test's own login). Without fail_with, sql must succeed and its first
 * value is returned (NULL for none; free()); with it, sql must fail with an
 * error containing fail_with ("" for any), and NULL is returned.
 */
char *th_sql_as(const char *db, const char *role, const char *setup, const char *sql, const char *fail_with);

/* Connects, failing the test if it cannot. */
PGconn *th_connect(const char *conninfo);

/* Runs sql on conninfo and returns the first column of the first row (NULL for none or NULL); free(). */
char *th_query_value(const char *conninfo, const char *sql);

/* Fails the test unless the first value of the query (printf-style) on db is expected. */
void th_expect_value(const char *db, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like th_expect_value, but waits up to timeout_ms for the value (an engine's work, say), asking every 50 ms.
 */
void th_await_value(const char *db, const char *expected, int timeout_ms, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Runs `tocsin ARGS...` on db and fails the test, with its stderr, unless it exits 0. */
void th_run_ok(const char *db, const char *const *args);

/* Loads the playbook at path, relative to the source tree (tests/data/..., workflows/...), into db; fails the
 * test unless it loads. */
void th_playbook_load(const char *db, const char *path);

/* Runs sql, failing the test unless it succeeds. */
void th_exec(const char *conninfo, const char *sql);

/* A new empty directory under $TMPDIR; free() the path after th_rmtree. */
char *th_tempdir(void);
void th_rmtree(const char *dir);
/* The same, which a server started as another user (postgres, when the tests run as root) may enter: for
 * a cluster of the test's own (scripts/pg.sh, scripts/ha.sh) inside it. */
char *th_server_tempdir(void);
void th_write_file(const char *dir, const char *name, const char *text);

/*
 * `tocsin key generate --out DIR/NAME` (on db, which it does not need):
 * the key file's path into path (size bytes), and its public key, the last
 * line printed (free()); fails the test unless it exits 0.
 */
char *th_key_generate(const char *db, const char *dir, const char *name, char *path, size_t size);

/* The whole of a file as NUL-terminated text (free()); fails the test when it cannot be read. */
char *th_read_file(const char *path);

/* Whether text contains needle; for readable assertions. */
int th_contains(const char *text, const char *needle);

/* Runs `promtool check metrics` on text; fails the test unless it passes (or when promtool is missing:
 * Debian's prometheus package, which scripts/deps.sh installs). */
void th_expect_promtool_passes(const char *text);

/* The number of lines of text (a final line without newline counts). */
int th_line_count(const char *text);

#endif
