/*
 * The out-of-memory policy (core/base/alloc.h): allocation never returns NULL to a
 * caller; when memory runs out the process prints one line and aborts. Death
 * tests in the manner of jansson's test_chaos: a child process installs an
 * allocator that fails the n-th call, runs a whole simulation of a shipped
 * playbook (compiling it, applying events through the machine, writing the
 * timeline of audit events with jansson), and must either finish with every
 * line of the timeline or die by SIGABRT having said so on stderr, never
 * finish with lines lost.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "child.h"
#include "read_text.h"

#include "core/base/alloc.h"
#include "core/playbook/playbook.h"
#include "core/simulate/simulate.h"

static long calls, fail_at = -1;

static void *counting_malloc(size_t size)
{
    return calls++ == fail_at ? NULL : malloc(size);
}

static void *counting_realloc(void *ptr, size_t size)
{
    return calls++ == fail_at ? NULL : realloc(ptr, size);
}

static char *source_path(const char *relative)
{
    static char path[4096];
    const char *root = getenv("TOCSIN_SOURCE_DIR");
    assert_non_null(root);
    snprintf(path, sizeof path, "%s/%s", root, relative);
    return path;
}

/* Compiles the playbook and runs the script; returns the number of timeline lines, -1 on an error. */
static long simulate(const char *playbook_text, const char *script_text)
{
    tc_playbook *pb = NULL;
    json_t *script = json_loads(script_text, 0, NULL), *out = NULL;
    long lines = -1;
    if (script != NULL && tc_playbook_compile(playbook_text, strlen(playbook_text), &pb, NULL, NULL) == 0 &&
        tc_simulate(pb, script, &out, NULL) == 0)
        lines = (long)json_array_size(json_object_get(out, "timeline"));
    json_decref(out);
    json_decref(script);
    tc_playbook_free(pb);
    return lines;
}

static void test_alloc_wrappers(void **state)
{
    (void)state;
    char *s = tc_xstrdup("vote");
    assert_string_equal(s, "vote");
    char *n = tc_xstrndup("escalated", 8);
    assert_string_equal(n, "escalate");
    int *zeros = tc_xcalloc(4, sizeof *zeros);
    assert_int_equal(zeros[0] | zeros[1] | zeros[2] | zeros[3], 0);
    zeros = tc_xrealloc(zeros, 64 * sizeof *zeros);
    void *empty = tc_xmalloc(0); /* not NULL: NULL means no memory, and there is never none */
    assert_non_null(empty);
    empty = tc_xrealloc(empty, 0);
    assert_non_null(empty);
    free(empty);
    empty = tc_xcalloc(4, 0);
    assert_non_null(empty);
    free(empty);

    /* NULL for either function restores the C library's: then nothing goes through the other one. */
    calls = 0;
    tc_alloc_set_functions(counting_malloc, NULL);
    free(tc_xmalloc(8));
    tc_alloc_set_functions(NULL, counting_realloc);
    free(tc_xrealloc(NULL, 8));
    assert_int_equal(calls, 0);
    tc_alloc_set_functions(counting_malloc, counting_realloc);
    free(tc_xrealloc(tc_xmalloc(8), 16));
    tc_alloc_set_functions(NULL, NULL);
    assert_int_equal(calls, 2);
    free(s);
    free(n);
    free(zeros);
}

/* A whole simulation, with the allocator failing at call fail_at: in a child (run_failing_at). */
typedef struct failing_run {
    long n;
    const char *pb, *script;
    long expected_lines;
} failing_run;

static int simulate_failing(void *arg)
{
    const failing_run *f = arg;
    calls = 0;
    fail_at = f->n;
    tc_alloc_set_functions(counting_malloc, counting_realloc);
    /* Survived: every line must be there, and the failure must never have come. */
    return simulate(f->pb, f->script) == f->expected_lines ? 0 : 1;
}

/* Runs the simulation in a child whose allocator fails at call n; fills its stderr and how it ended. */
static int run_failing_at(long n, const char *pb, const char *script, long expected_lines, char *err,
                          size_t err_size)
{
    failing_run f = {n, pb, script, expected_lines};
    return run_in_child(simulate_failing, &f, err, err_size);
}

static void test_alloc_failure_aborts_with_one_line(void **state)
{
    (void)state;
    char *pb = read_text(source_path("workflows/border-incident.json"));
    char *script = read_text(source_path("tests/data/simulate/border-incident-slow-alert.json"));

    /* How many allocations a whole run makes, and what it produces. */
    calls = 0;
    fail_at = -1;
    tc_alloc_set_functions(counting_malloc, counting_realloc);
    long lines = simulate(pb, script);
    long total = calls;
    tc_alloc_set_functions(NULL, NULL);
    assert_true(lines > 10);
    assert_true(total > 100);

    /* Fail each of 60 allocations spread over the run, the first and the last included. */
    long step = total / 60 > 0 ? total / 60 : 1;
    for (long n = 0; n < total + step; n += step) {
        long at = n < total ? n : total - 1;
        char err[4096];
        int status = run_failing_at(at, pb, script, lines, err, sizeof err);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("allocation %ld of %ld failed: the child should abort, it %s %d; stderr: %s", at, total,
                     WIFEXITED(status) ? "exited" : "was killed by",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), err);
        if (strncmp(err, "tocsin: out of memory (allocating ", 34) != 0 || strchr(err, '\n') == NULL ||
            strchr(err, '\n')[1] != '\0')
            fail_msg("allocation %ld of %ld failed: stderr should be one line, it is: %s", at, total, err);
    }
    /* Past the last allocation nothing fails: the child finishes with the whole timeline. */
    char err[4096];
    int status = run_failing_at(total + 1, pb, script, lines, err, sizeof err);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(pb);
    free(script);
}

/* An audit event appended with the allocator failing at call *n: in a child. */
static int append_failing(void *arg)
{
    json_t *audit = json_array(); /* before the allocator fails */
    calls = 0;
    fail_at = *(const long *)arg;
    tc_alloc_set_functions(counting_malloc, counting_realloc);
    json_array_append_new(audit, json_pack("{s:s, s:s}", "kind", "vote", "state", "council"));
    return json_array_size(audit) == 1 ? 0 : 1;
}

/* The unchecked append that could lose an audit event: now it cannot return with the event missing. */
static void test_alloc_failure_in_jansson_aborts(void **state)
{
    (void)state;
    char err[4096];
    for (long n = 0; n < 4; n++) {
        int status = run_in_child(append_failing, &n, err, sizeof err);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("json_pack with allocation %ld failing should abort (status %d, stderr %s)", n, status,
                     err);
        assert_true(strncmp(err, "tocsin: out of memory", 21) == 0);
    }
}

/* The C library's allocator, but for requests no machine can meet (which ASan would report rather than
 * refuse). */
static void *refusing_malloc(size_t size)
{
    return size > SIZE_MAX / 2 ? NULL : malloc(size);
}

static void *refusing_realloc(void *ptr, size_t size)
{
    return size > SIZE_MAX / 2 ? NULL : realloc(ptr, size);
}

/* Request *which of the impossible ones, with the C library's allocator refusing them: in a child. */
static int request_impossible(void *arg)
{
    int which = *(const int *)arg;
    tc_alloc_set_functions(refusing_malloc, refusing_realloc);
    void *p = which == 0   ? tc_xmalloc(SIZE_MAX)
              : which == 1 ? tc_xrealloc(NULL, SIZE_MAX)
              : which == 2 ? tc_xcalloc(SIZE_MAX, 1)
                           : tc_xcalloc(SIZE_MAX / 2 + 2, 2); /* wraps to 2 */
    return p != NULL ? 0 : 1;
}

/* Asking for more than any memory holds: each wrapper aborts, naming the size; a count times a size that
 * overflows asks for SIZE_MAX, never for the small product it wraps to. */
static void test_alloc_impossible_sizes_abort(void **state)
{
    (void)state;
    char expected[128];
    snprintf(expected, sizeof expected, "tocsin: out of memory (allocating %zu bytes)\n", (size_t)SIZE_MAX);
    for (int which = 0; which < 4; which++) {
        char err[256];
        int status = run_in_child(request_impossible, &which, err, sizeof err);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("request %d should abort (status %d, stderr %s)", which, status, err);
        assert_string_equal(err, expected);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_wrappers),
        cmocka_unit_test(test_alloc_failure_aborts_with_one_line),
        cmocka_unit_test(test_alloc_failure_in_jansson_aborts),
        cmocka_unit_test(test_alloc_impossible_sizes_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
