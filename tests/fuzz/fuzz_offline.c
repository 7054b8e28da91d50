/*
 * libFuzzer harness for the offline verifier (core/verify): any bytes in, no
 * crash, no leak, no undefined behaviour out. The input is an export, a keys
 * document and a file of heads, separated by form feeds (\f); a signature
 * holds when it is "good", so the fuzzer can reach what follows a valid one.
 * Run it with scripts/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/verify/offline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const char *public_key, const char *text, size_t length, const char *signature)
{
    (void)public_key;
    (void)text;
    (void)length;
    return strcmp(signature, "good") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_offline_file files[3] = {{.name = "export"}, {.name = "keys"}, {.name = "heads"}};
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 3 && p <= end; i++) {
        const char *ff = i < 2 ? memchr(p, '\f', (size_t)(end - p)) : NULL;
        files[i].text = p;
        files[i].size = (size_t)((ff ? ff : end) - p);
        p = ff ? ff + 1 : end + 1;
    }
    tc_offline_summary summary;
    tc_offline_verify(&files[0], &files[1], &files[2], check, &summary, NULL);
    return 0;
}
