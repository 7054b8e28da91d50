/*
 * Checking many signatures at once, on several threads: the Ed25519 curve
 * is the one costly step of applying a signed vote (some 45 µs of CPU on
 * this project's machines, more than the rest of its application), and the
 * signatures of a batch do not depend on each other, nor on the order the
 * batch applies its commands. So the batch checks them all first, on as many
 * threads as the machine has cores (the calling thread among them), and the
 * core reads each verdict as it applies the command.
 */
#ifndef TC_SIGN_VERIFY_ALL_H
#define TC_SIGN_VERIFY_ALL_H

#include <stddef.h>

/* One signature to check: tc_key_verify's arguments, and its verdict. */
typedef struct tc_key_check {
    const char *public_text; /* ed25519:BASE64 */
    const char *text;        /* what was signed, NUL-terminated */
    const char *signature;   /* base64 */
    int verdict;             /* out: 1 when the signature holds, -1 when not */
} tc_key_check;

/*
 * Fills in the verdict of each of the count checks, on up to threads threads
 * (at least one: the caller's; fewer when there are few checks, or when a
 * thread cannot be started).
 */
void tc_key_verify_all(tc_key_check *checks, size_t count, int threads);

/* The threads worth using here: the cores this process may run on, at most TC_VERIFY_THREADS_MAX. */
#define TC_VERIFY_THREADS_MAX 8
int tc_key_verify_threads(void);

#endif
