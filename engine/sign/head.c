/* Signed chain heads (sign/head.h). */
#include "sign/head.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/verify/signed_text.h"

void tc_sign_now(char signed_at[TC_SIGNED_AT_SIZE])
{
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    char seconds[20];
    if (strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        seconds[0] = '\0';
    snprintf(signed_at, TC_SIGNED_AT_SIZE, "%s.%03uZ", seconds, (unsigned)(now.tv_nsec / 1000000) % 1000u);
}

json_t *tc_head_sign(const tc_signing_key *key, long long crisis, long long seq, const char *hash,
                     const char *signed_at)
{
    char *text = tc_head_signed_text(crisis, seq, hash, signed_at);
    char signature[TC_SIGNATURE_TEXT_SIZE];
    tc_key_sign(key, text, strlen(text), signature);
    json_t *head = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "crisis", (json_int_t)crisis, "seq",
                             (json_int_t)seq, "hash", hash, "signed_at", signed_at, "key_id", key->id,
                             "signed", text, "signature", signature);
    free(text);
    return head;
}
