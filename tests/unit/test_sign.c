/*
 * engine/sign/key.c: a key file is made with mode 0600 and never overwritten;
 * one others may read, one whose lines disagree, or one that is no key file
 * is refused; a signature verifies with its public key and with no other,
 * and not over other bytes; a public key's text and id are as
 * docs/signatures.md writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/base/sha256.h"
#include "sign/key.h"
#include "sign/verify_all.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tocsin-sign-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static void test_sign_generate_load_sign_verify(void **state)
{
    (void)state;
    char path[128];
    path_of(path, sizeof path, "a.key");
    tc_signing_key made, loaded;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_key_generate(path, &made, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* Never overwritten. */
    tc_signing_key again;
    assert_int_equal(tc_key_generate(path, &again, &err), TC_ECONFLICT);
    assert_int_equal(tc_key_load(path, &loaded, &err), 0);
    assert_string_equal(loaded.public_text, made.public_text);
    assert_string_equal(loaded.id, made.id);
    /* The text and the id as documented: ed25519: and 44 characters of base64; 16 hex of its sha256. */
    assert_int_equal(strlen(loaded.public_text), 52);
    assert_memory_equal(loaded.public_text, "ed25519:", 8);
    char hex[TC_SHA256_HEX_LENGTH];
    tc_sha256_hex(loaded.public_key, 32, hex);
    assert_memory_equal(loaded.id, hex, 16);
    unsigned char bytes[32];
    char id[TC_KEY_ID_SIZE];
    assert_int_equal(tc_key_public_parse(loaded.public_text, bytes, id, &err), 0);
    assert_string_equal(id, loaded.id);
    assert_int_equal(tc_key_public_parse("ed25519:short", bytes, id, &err), TC_EINVAL);
    assert_int_equal(tc_key_public_parse("rsa:AAAA", bytes, id, &err), TC_EINVAL);

    static const char text[] = "tocsin-command/1\ncrisis 42\n";
    char sig[TC_SIGNATURE_TEXT_SIZE];
    tc_key_sign(&loaded, text, strlen(text), sig);
    assert_int_equal(strlen(sig), 88);
    assert_true(tc_key_verify(loaded.public_text, text, strlen(text), sig));
    assert_false(tc_key_verify(loaded.public_text, "tocsin-command/1\ncrisis 43\n", strlen(text), sig));
    /* Another key's signature, a signature changed in one character, garbage. */
    char other_path[128];
    path_of(other_path, sizeof other_path, "b.key");
    tc_signing_key other;
    assert_int_equal(tc_key_generate(other_path, &other, &err), 0);
    assert_false(tc_key_verify(other.public_text, text, strlen(text), sig));
    char changed[TC_SIGNATURE_TEXT_SIZE];
    memcpy(changed, sig, sizeof changed);
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    assert_false(tc_key_verify(loaded.public_text, text, strlen(text), changed));
    assert_false(tc_key_verify(loaded.public_text, text, strlen(text), "not base64"));
    assert_false(tc_key_verify("ed25519:nope", text, strlen(text), sig));
    tc_key_wipe(&loaded);
    tc_key_wipe(&other);
}

/* Many signatures checked on several threads: each verdict is its own, whatever the threads. */
static void test_sign_verify_all_on_threads(void **state)
{
    (void)state;
    char path[128];
    path_of(path, sizeof path, "many.key");
    tc_signing_key key;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_key_generate(path, &key, &err), 0);
    enum { COUNT = 203 }; /* not a multiple of any thread count */
    static char texts[COUNT][32], sigs[COUNT][TC_SIGNATURE_TEXT_SIZE];
    tc_key_check checks[COUNT];
    for (int i = 0; i < COUNT; i++) {
        snprintf(texts[i], sizeof texts[i], "text %d", i);
        tc_key_sign(&key, texts[i], strlen(texts[i]), sigs[i]);
        if (i % 5 == 1) /* signed, then changed */
            texts[i][0] = 'T';
        checks[i] =
            (tc_key_check){i % 7 == 3 ? NULL : key.public_text, texts[i], i % 11 == 4 ? "short" : sigs[i], 0};
    }
    static const int threads[] = {0, 1, 2, 3, 8, 64};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        for (int i = 0; i < COUNT; i++)
            checks[i].verdict = 0;
        tc_key_verify_all(checks, COUNT, threads[t]);
        for (int i = 0; i < COUNT; i++)
            assert_int_equal(checks[i].verdict, i % 5 == 1 || i % 7 == 3 || i % 11 == 4 ? -1 : 1);
    }
    tc_key_verify_all(checks, 0, 4); /* nothing to check */
    assert_true(tc_key_verify_threads() >= 1 && tc_key_verify_threads() <= TC_VERIFY_THREADS_MAX);
    tc_key_wipe(&key);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_sign_refuses_bad_key_files(void **state)
{
    (void)state;
    char path[128], text[512];
    tc_signing_key key, other;
    tc_error err;
    tc_error_init(&err);
    path_of(path, sizeof path, "open.key");
    assert_int_equal(tc_key_generate(path, &key, &err), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(tc_key_load(path, &key, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "mode 0640"));
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(tc_key_load(path, &key, &err), TC_EINVAL);

    /* A file whose public line is another key's. */
    char other_path[128];
    path_of(other_path, sizeof other_path, "other.key");
    assert_int_equal(tc_key_generate(other_path, &other, &err), 0);
    assert_int_equal(chmod(path, 0600), 0);
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *public_line = strstr(text, "public ");
    memcpy(public_line + 7, other.public_text, 52);
    char swapped[128];
    path_of(swapped, sizeof swapped, "swapped.key");
    write_file(swapped, text, 0600);
    tc_error_init(&err); /* the first error is kept: start afresh */
    assert_int_equal(tc_key_load(swapped, &key, &err), TC_EINVAL);
    if (strstr(err.text, "damaged") == NULL)
        fail_msg("%s", err.text);

    char junk[128];
    path_of(junk, sizeof junk, "junk.key");
    write_file(junk, "hello\n", 0600);
    assert_int_equal(tc_key_load(junk, &key, &err), TC_EINVAL);
    path_of(junk, sizeof junk, "missing.key");
    assert_int_equal(tc_key_load(junk, &key, &err), TC_ENOTFOUND);
    assert_int_equal(tc_key_load(dir, &key, &err), TC_EINVAL); /* a directory */
    tc_key_wipe(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_generate_load_sign_verify),
        cmocka_unit_test(test_sign_refuses_bad_key_files),
        cmocka_unit_test(test_sign_verify_all_on_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
