/*
 * SHA-256 (FIPS 180-4), for content digests: migration files and playbook
 * versions are identified by the sha256 of their text, and the audit chain can
 * be checked outside the database with the same function.
 */
#ifndef TC_CORE_SHA256_H
#define TC_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define TC_SHA256_LENGTH     32
#define TC_SHA256_HEX_LENGTH 65 /* 64 hex digits and the terminating NUL */

typedef struct tc_sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
} tc_sha256;

void tc_sha256_init(tc_sha256 *ctx);
void tc_sha256_update(tc_sha256 *ctx, const void *data, size_t size);
void tc_sha256_final(tc_sha256 *ctx, uint8_t digest[TC_SHA256_LENGTH]);

/* One-shot digest of data as lowercase hex, written to hex (65 bytes). */
void tc_sha256_hex(const void *data, size_t size, char hex[TC_SHA256_HEX_LENGTH]);

#endif
