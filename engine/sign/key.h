/*
 * Ed25519 signing keys, with libsodium (docs/signatures.md): generating a key
 * file, reading one (refusing a file others may read), the public key's text
 * and id, signing and verifying. Nothing here is hand-written cryptography:
 * libsodium signs, verifies, hashes and encodes.
 */
#ifndef TC_SIGN_KEY_H
#define TC_SIGN_KEY_H

#include <stddef.h>

#include "core/base/error.h"

#define TC_KEY_PUBLIC_TEXT_SIZE 53 /* "ed25519:" and 44 characters of base64, and the NUL */
#define TC_KEY_ID_SIZE          17 /* 16 hex digits and the NUL */
#define TC_SIGNATURE_TEXT_SIZE  89 /* 88 characters of base64, and the NUL */

typedef struct tc_signing_key {
    unsigned char public_key[32];
    unsigned char secret_key[64];
    char public_text[TC_KEY_PUBLIC_TEXT_SIZE]; /* ed25519:BASE64 */
    char id[TC_KEY_ID_SIZE];
} tc_signing_key;

/*
 * Makes a new key pair and writes it to path, created with mode 0600 (an
 * existing file is left alone: TC_ECONFLICT). TC_EFAILED naming the path
 * when it cannot be written.
 */
int tc_key_generate(const char *path, tc_signing_key *key, tc_error *err);

/*
 * Reads the key file at path. TC_EINVAL when the group or others may read
 * or write it (naming its mode), when it is not a key file, or when its
 * public key is not its secret key's; TC_ENOTFOUND when there is none.
 */
int tc_key_load(const char *path, tc_signing_key *key, tc_error *err);

/* Forgets the secret key (sodium_memzero). */
void tc_key_wipe(tc_signing_key *key);

/* Reads a public key's text (ed25519:BASE64) into its 32 bytes and its id. TC_EINVAL otherwise. */
int tc_key_public_parse(const char *text, unsigned char public_key[32], char id[TC_KEY_ID_SIZE],
                        tc_error *err);

/* The signature of the size bytes at text, as base64, into signature. */
void tc_key_sign(const tc_signing_key *key, const char *text, size_t size,
                 char signature[TC_SIGNATURE_TEXT_SIZE]);

/* Whether signature (base64) is the signature by public_text (ed25519:BASE64) of the size bytes at text. */
int tc_key_verify(const char *public_text, const char *text, size_t size, const char *signature);

#endif
