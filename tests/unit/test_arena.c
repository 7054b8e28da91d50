/*
 * The compiler's memory (core/base/arena.h, core/base/diag.h): the arena and
 * the list of problems allocate through tc_x* and never return NULL. A
 * request no memory could hold must not wrap into a small allocation that
 * its caller would overrun: it reaches the allocator as SIZE_MAX bytes, which
 * tc_xmalloc refuses with its abort (test_alloc tests that part). The request
 * is made in a child whose allocator ends it, with exit() so that the
 * child's coverage counts, when asked for SIZE_MAX bytes.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include <cmocka.h>

#include "child.h"

#include "core/base/alloc.h"
#include "core/base/arena.h"
#include "core/base/diag.h"

static void test_arena_allocations(void **state)
{
    (void)state;
    tc_arena *arena = tc_arena_new();
    assert_int_equal(tc_arena_used(arena), 0);

    /* zeroed, aligned for any type, and counted rounded up to that alignment */
    unsigned char *bytes = tc_arena_alloc(arena, 3);
    assert_int_equal(bytes[0] | bytes[1] | bytes[2], 0);
    assert_int_equal((uintptr_t)bytes % alignof(max_align_t), 0);
    assert_int_equal(tc_arena_used(arena), alignof(max_align_t));

    /* an array of elements of no size is still a pointer of its own */
    void *none = tc_arena_array(arena, 5, 0);
    assert_non_null(none);
    assert_ptr_not_equal(none, bytes);

    /* more than the first chunk holds comes from a new one; what came before stays */
    memcpy(bytes, "ab", 3);
    char *big = tc_arena_array(arena, 3, 4096);
    assert_int_equal(big[0] | big[3 * 4096 - 1], 0);
    assert_string_equal((char *)bytes, "ab");

    assert_string_equal(tc_arena_strdup(arena, "quorum"), "quorum");
    assert_null(tc_arena_strdup(arena, NULL));
    assert_string_equal(tc_arena_strndup(arena, "majority", 5), "major");
    tc_arena_free(arena);
    tc_arena_free(NULL); /* a no-op, as free(NULL) */
}

#define ASKED_FOR_SIZE_MAX 42

/* The allocator beneath tc_x* in the child. */
static void *watching_malloc(size_t size)
{
    if (size == SIZE_MAX)
        exit(ASKED_FOR_SIZE_MAX);
    return malloc(size);
}

enum request { HUGE_SIZE, SIZE_PAST_HEADER, HUGE_ARRAY };

/* Makes the request *arg with watching_malloc beneath: in a child (exits ASKED_FOR_SIZE_MAX when asked). */
static int request(void *arg)
{
    enum request request = *(const enum request *)arg;
    tc_arena *arena = tc_arena_new();
    tc_alloc_set_functions(watching_malloc, realloc);
    void *p = request == HUGE_SIZE          ? tc_arena_alloc(arena, SIZE_MAX)
              : request == SIZE_PAST_HEADER ? tc_arena_alloc(arena, SIZE_MAX - 2 * alignof(max_align_t))
                                            : tc_arena_array(arena, SIZE_MAX / 2, 3);
    return p != NULL ? 0 : 1; /* reached only when the request wrapped into one that was met */
}

static void test_arena_request_too_large_asks_for_size_max(void **state)
{
    (void)state;
    /* rounding the size up wraps; the chunk's header on top wraps; count times size wraps */
    static const enum request requests[] = {HUGE_SIZE, SIZE_PAST_HEADER, HUGE_ARRAY};
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        char err[256];
        enum request r = requests[i];
        int status = run_in_child(request, &r, err, sizeof err);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != ASKED_FOR_SIZE_MAX)
            fail_msg("request %zu should ask the allocator for SIZE_MAX bytes; status %d, stderr: %s", i,
                     status, err);
    }
}

static void test_diags_keep_every_problem(void **state)
{
    (void)state;
    tc_diags diags = {0};
    /* past the first eight, the list grows */
    for (int i = 0; i < 20; i++)
        tc_diags_add(&diags, i % 2 ? "$.states.s" : NULL, i, i + 1, "problem %d of %s", i, "twenty");
    assert_int_equal(diags.count, 20);
    assert_null(diags.items[0].where);
    assert_int_equal(diags.items[0].line, 0);
    assert_string_equal(diags.items[0].message, "problem 0 of twenty");
    assert_string_equal(diags.items[19].where, "$.states.s");
    assert_int_equal(diags.items[19].column, 20);
    assert_string_equal(diags.items[19].message, "problem 19 of twenty");

    /* arguments vsnprintf cannot print (a wide character outside the C locale): the format is kept */
    static const wchar_t accented[] = {0xe9, 0};
    tc_diags_add(&diags, "$.title", 0, 0, "title %ls", accented);
    assert_int_equal(diags.count, 21);
    assert_string_equal(diags.items[20].where, "$.title");
    assert_string_equal(diags.items[20].message, "title %ls");

    tc_diags_clear(&diags);
    assert_int_equal(diags.count, 0);
    assert_null(diags.items);
    tc_diags_clear(NULL); /* a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_allocations),
        cmocka_unit_test(test_arena_request_too_large_asks_for_size_max),
        cmocka_unit_test(test_diags_keep_every_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
