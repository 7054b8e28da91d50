/*
 * Signed chain heads (docs/signatures.md, "Heads"): the last seq and hash of
 * a crisis's audit chain, signed with a member state's key, to be published
 * (mailed to every member state, printed in the minutes) so that a chain
 * rewritten after it no longer verifies offline, whoever recomputed it.
 */
#ifndef TC_SIGN_HEAD_H
#define TC_SIGN_HEAD_H

#include <jansson.h>

#include "sign/key.h"

#define TC_SIGNED_AT_SIZE 25 /* "2026-12-05T09:14:03.207Z" and the NUL */

/* Now, by this machine's clock, in UTC with milliseconds, as signed texts write it. */
void tc_sign_now(char signed_at[TC_SIGNED_AT_SIZE]);

/*
 * The head of crisis's chain at seq (whose event has hash), signed by key at
 * signed_at: a new {"crisis", "seq", "hash", "signed_at", "key_id", "signed",
 * "signature"}, the line `audit head` prints and `audit verify --heads` reads.
 */
json_t *tc_head_sign(const tc_signing_key *key, long long crisis, long long seq, const char *hash,
                     const char *signed_at);

#endif
