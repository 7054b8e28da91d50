/*
 * Death tests: a piece of code run in a child process, to see how it ended
 * and what it said on stderr (the out-of-memory policy aborts the process,
 * so it cannot be tested in the test's own).
 *
 * gcov writes a process's counters when it exits, and a child that aborts
 * never does: under the coverage build (where tests/CMakeLists.txt links
 * libgcov's __gcov_dump into the tests that need it) such a child writes them
 * as it aborts, so that the paths it took and the test checked are counted
 * too. Elsewhere __gcov_dump is absent and nothing changes.
 */
#ifndef TC_TEST_CHILD_H
#define TC_TEST_CHILD_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern void __gcov_dump(void) __attribute__((weak));

static void child_dump_then_abort(int sig)
{
    /* The test reads the child's stderr: what libgcov might say there (a stale build) is not the child's. */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, STDERR_FILENO);
    __gcov_dump();
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Runs body(arg) in a child process with its stderr read into err (err_size
 * bytes, NUL-terminated); the child exits 0 when body returns 0, 1 when it
 * returns anything else, unless it dies first. Returns its wait status.
 */
static inline int run_in_child(int (*body)(void *arg), void *arg, char *err, size_t err_size)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        if (__gcov_dump != NULL)
            signal(SIGABRT, child_dump_then_abort);
        _exit(body(arg) == 0 ? 0 : 1);
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t got;
    while (used < err_size - 1 && (got = read(fds[0], err + used, err_size - 1 - used)) > 0)
        used += (size_t)got;
    err[used] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

#endif
