/* Ed25519 keys with libsodium (sign/key.h). */
#include "sign/key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

static const char public_prefix[] = "ed25519:";
static const char file_header[] = "# tocsin signing key (Ed25519): keep this file to yourself\n";

static int ready(tc_error *err)
{
    if (sodium_init() < 0)
        return tc_error_set(err, TC_EFAILED, "libsodium could not start");
    return 0;
}

static void public_text(tc_signing_key *key)
{
    memcpy(key->public_text, public_prefix, sizeof public_prefix - 1);
    sodium_bin2base64(key->public_text + sizeof public_prefix - 1, 45, key->public_key,
                      sizeof key->public_key, sodium_base64_VARIANT_ORIGINAL);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, key->public_key, sizeof key->public_key);
    sodium_bin2hex(key->id, sizeof key->id, digest, 8);
}

int tc_key_generate(const char *path, tc_signing_key *key, tc_error *err)
{
    int rc = ready(err);
    if (rc != 0)
        return rc;
    crypto_sign_keypair(key->public_key, key->secret_key);
    public_text(key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        tc_key_wipe(key);
        return tc_error_set(err, e == EEXIST ? TC_ECONFLICT : TC_EFAILED, "cannot create %s: %s%s", path,
                            strerror(e), e == EEXIST ? " (a key file is never overwritten)" : "");
    }
    char secret[89];
    sodium_bin2base64(secret, sizeof secret, key->secret_key, sizeof key->secret_key,
                      sodium_base64_VARIANT_ORIGINAL);
    char text[256];
    int n = snprintf(text, sizeof text, "%spublic %s\nsecret %s\n", file_header, key->public_text, secret);
    sodium_memzero(secret, sizeof secret);
    ssize_t written = write(fd, text, (size_t)n);
    int failed = written != n || fsync(fd) != 0;
    int e = errno;
    sodium_memzero(text, sizeof text);
    if (close(fd) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        unlink(path);
        tc_key_wipe(key);
        return tc_error_set(err, TC_EFAILED, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

/* The value of "NAME value" among the lines of text, into out (size bytes); 0, or -1 when missing. */
static int line_value(const char *text, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, n) != 0 || line[n] != ' ')
            continue;
        const char *value = line + n + 1;
        size_t length = strcspn(value, "\n");
        if (length >= size)
            return -1;
        memcpy(out, value, length);
        out[length] = '\0';
        return 0;
    }
    return -1;
}

int tc_key_load(const char *path, tc_signing_key *key, tc_error *err)
{
    int rc = ready(err);
    if (rc != 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tc_error_set(err, errno == ENOENT ? TC_ENOTFOUND : TC_EFAILED,
                            "cannot open the key file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tc_error_set(err, TC_EINVAL, "the key file %s is not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return tc_error_set(err, TC_EINVAL,
                            "the key file %s may be read or written by others (mode %04o): chmod 600 %s",
                            path, (unsigned)(st.st_mode & 07777), path);
    }
    char text[512];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        return tc_error_set(err, TC_EFAILED, "cannot read the key file %s: %s", path, strerror(errno));
    text[n] = '\0';
    char public[64], secret[128];
    size_t length = 0;
    rc = line_value(text, "public", public, sizeof public) != 0 ||
         line_value(text, "secret", secret, sizeof secret) != 0 ||
         tc_key_public_parse(public, key->public_key, key->id, NULL) != 0 ||
         sodium_base642bin(key->secret_key, sizeof key->secret_key, secret, strlen(secret), NULL, &length,
                           NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
         length != sizeof key->secret_key;
    sodium_memzero(text, sizeof text);
    sodium_memzero(secret, sizeof secret);
    if (rc)
        return tc_error_set(err, TC_EINVAL,
                            "%s is not a tocsin key file (tocsin key generate --out FILE makes one)", path);
    /* libsodium's secret key ends with its public key: a file whose two lines disagree is refused. */
    unsigned char derived[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_ed25519_sk_to_pk(derived, key->secret_key);
    if (sodium_memcmp(derived, key->public_key, sizeof derived) != 0) {
        tc_key_wipe(key);
        return tc_error_set(err, TC_EINVAL,
                            "the key file %s is damaged: its public key is not its secret key's", path);
    }
    public_text(key);
    return 0;
}

void tc_key_wipe(tc_signing_key *key)
{
    sodium_memzero(key->secret_key, sizeof key->secret_key);
}

int tc_key_public_parse(const char *text, unsigned char public_key[32], char id[TC_KEY_ID_SIZE],
                        tc_error *err)
{
    if (ready(err) != 0)
        return TC_EFAILED;
    size_t length = 0;
    const char *b64 = text + sizeof public_prefix - 1;
    if (text == NULL || strncmp(text, public_prefix, sizeof public_prefix - 1) != 0 || strlen(b64) != 44 ||
        sodium_base642bin(public_key, 32, b64, 44, NULL, &length, NULL, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        length != 32)
        return tc_error_set(err, TC_EINVAL, "a public key is ed25519: and the base64 of 32 bytes, not \"%s\"",
                            text ? text : "");
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, public_key, 32);
    sodium_bin2hex(id, TC_KEY_ID_SIZE, digest, 8);
    return 0;
}

void tc_key_sign(const tc_signing_key *key, const char *text, size_t size,
                 char signature[TC_SIGNATURE_TEXT_SIZE])
{
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, size, key->secret_key);
    sodium_bin2base64(signature, TC_SIGNATURE_TEXT_SIZE, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
}

int tc_key_verify(const char *public_text, const char *text, size_t size, const char *signature)
{
    unsigned char pk[32], sig[crypto_sign_BYTES];
    char id[TC_KEY_ID_SIZE];
    size_t length = 0;
    if (public_text == NULL || signature == NULL || tc_key_public_parse(public_text, pk, id, NULL) != 0 ||
        strlen(signature) != TC_SIGNATURE_TEXT_SIZE - 1 ||
        sodium_base642bin(sig, sizeof sig, signature, strlen(signature), NULL, &length, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != sizeof sig)
        return 0;
    return crypto_sign_verify_detached(sig, (const unsigned char *)text, size, pk) == 0;
}
