/* Checking many signatures at once, on several threads (sign/verify_all.h). */
#include "sign/verify_all.h"

#include <string.h>

#include <uv.h>

#include "sign/key.h"

/* Below this many checks a second thread costs more than it saves (starting one is some 20 µs). */
#define CHECKS_PER_THREAD 16

typedef struct share {
    tc_key_check *checks;
    size_t count;
} share;

static void verify_share(void *arg)
{
    share *s = arg;
    for (size_t i = 0; i < s->count; i++) {
        tc_key_check *c = &s->checks[i];
        c->verdict = c->public_text && c->text && c->signature &&
                             tc_key_verify(c->public_text, c->text, strlen(c->text), c->signature)
                         ? 1
                         : -1;
    }
}

void tc_key_verify_all(tc_key_check *checks, size_t count, int threads)
{
    if (threads > TC_VERIFY_THREADS_MAX)
        threads = TC_VERIFY_THREADS_MAX;
    size_t n = threads < 1 ? 1 : (size_t)threads;
    if (n > count / CHECKS_PER_THREAD)
        n = count / CHECKS_PER_THREAD > 0 ? count / CHECKS_PER_THREAD : 1;
    share shares[TC_VERIFY_THREADS_MAX];
    uv_thread_t tids[TC_VERIFY_THREADS_MAX];
    int started[TC_VERIFY_THREADS_MAX] = {0};
    size_t from = 0;
    for (size_t t = 0; t < n; t++) {
        size_t len = count / n + (t < count % n);
        shares[t] = (share){checks + from, len};
        from += len;
    }
    /* Shares 1.. on threads of their own; a thread that cannot start leaves its share to the caller. */
    for (size_t t = 1; t < n; t++)
        started[t] = uv_thread_create(&tids[t], verify_share, &shares[t]) == 0;
    verify_share(&shares[0]);
    for (size_t t = 1; t < n; t++) {
        if (started[t])
            uv_thread_join(&tids[t]);
        else
            verify_share(&shares[t]);
    }
}

int tc_key_verify_threads(void)
{
    unsigned int cores = uv_available_parallelism();
    return cores < 1 ? 1 : cores > TC_VERIFY_THREADS_MAX ? TC_VERIFY_THREADS_MAX : (int)cores;
}
