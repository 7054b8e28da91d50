/*
 * `tocsin key` against a real server: generate writes a key file of mode
 * 0600 (never over another) and prints the public key last; register (only
 * tocsin_admin), revoke (an administrator or the key's own role), list; each
 * registration and revocation in the actor history; keys are never changed
 * or deleted, even by a superuser's UPDATE; every refusal's exit code.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db;
static char role[64], other[64], dir[64];

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    snprintf(role, sizeof role, "key_kz_%ld", (long)getpid());
    snprintf(other, sizeof other, "key_ru_%ld", (long)getpid());
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", role, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", other, "--seat", "council/RU", "--login", NULL}, NULL,
                     NULL);
    snprintf(dir, sizeof dir, "/tmp/tocsin-keys-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_db_drop(db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Generates FILE in the test's directory: its public key. */
static char *generate(const char *name, char *path, size_t size)
{
    return th_key_generate(db, dir, name, path, size);
}

static void test_keys_generate_register_revoke(void **state)
{
    (void)state;
    char path[128];
    char *public_key = generate("kz.key", path, sizeof path);
    assert_int_equal(strlen(public_key), 52);
    assert_memory_equal(public_key, "ed25519:", 8);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    th_expect_tocsin(db, NULL, 6, (const char *[]){"key", "generate", "--out", path, NULL}, NULL,
                     "never overwritten");

    /* Only tocsin_admin registers; the id is printed. */
    th_expect_tocsin(db, role, 5, (const char *[]){"key", "register", role, public_key, NULL}, NULL,
                     "permission denied");
    th_run r;
    th_tocsin(&r, db, (const char *[]){"key", "register", role, public_key, NULL});
    assert_int_equal(r.status, 0);
    char id[32];
    snprintf(id, sizeof id, "%.*s", (int)strcspn(r.out, "\n"), r.out);
    assert_int_equal(strlen(id), 16);
    th_run_free(&r);
    th_expect_tocsin(db, NULL, 6, (const char *[]){"key", "register", other, public_key, NULL}, NULL,
                     "registered already");
    th_expect_tocsin(db, NULL, 3, (const char *[]){"key", "register", role, "ed25519:AAAA", NULL}, NULL,
                     "base64 of 32 bytes");
    th_expect_tocsin(db, NULL, 4, (const char *[]){"key", "register", "no_such_actor_x", public_key, NULL},
                     NULL, "no actor");

    /* The list, as --keys reads it. */
    th_tocsin(&r, db, (const char *[]){"--json", "key", "list", NULL});
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    json_t *k = json_array_get(json_object_get(doc, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(k, "key_id")), id);
    assert_string_equal(json_string_value(json_object_get(k, "role")), role);
    assert_string_equal(json_string_value(json_object_get(k, "public_key")), public_key);
    assert_true(json_is_null(json_object_get(k, "revoked_at")));
    json_decref(doc);
    th_run_free(&r);

    /* Another actor may not revoke it; the role itself may, once. */
    th_expect_tocsin(db, other, 5, (const char *[]){"key", "revoke", role, id, NULL}, NULL, "may not revoke");
    th_expect_tocsin(db, role, 0, (const char *[]){"key", "revoke", role, id, NULL}, "revoked", NULL);
    th_expect_tocsin(db, NULL, 6, (const char *[]){"key", "revoke", role, id, NULL}, NULL, "revoked already");
    th_expect_tocsin(db, NULL, 4, (const char *[]){"key", "revoke", other, id, NULL}, NULL, "has no key");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"key", "list", NULL}, "revoked 20", NULL);

    /* In the actor history, by whom; the chain holds. */
    char *me = th_query_value(db, "SELECT current_user");
    char want[256];
    snprintf(want, sizeof want, "key_registered:%s:%s key_revoked:%s:%s", id, me, id, role);
    th_expect_value(
        db, want,
        "SELECT string_agg(kind || ':' || (detail ->> 'key_id') || ':' || changed_by, ' ' ORDER BY seq)"
        "  FROM tocsin.actor_history WHERE kind LIKE 'key%%' AND actor = '%s'",
        role);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", NULL}, "every chain holds", NULL);

    /* Nobody changes a key: not the public key, not its revocation, not by deleting it. */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE tocsin.keys SET revoked_at = NULL WHERE key_id = '%s'", id);
    free(th_sql_as(db, NULL, NULL, sql, "never changed"));
    snprintf(sql, sizeof sql, "DELETE FROM tocsin.keys WHERE key_id = '%s'", id);
    free(th_sql_as(db, NULL, NULL, sql, "never changed"));
    free(th_sql_as(db, role, NULL,
                   "INSERT INTO tocsin.keys (key_id, role, public_key, registered_by)"
                   " VALUES ('0123456789abcdef', 'x', 'y', 'z')",
                   "permission denied"));
    free(me);
    free(public_key);
}

static void test_keys_usage(void **state)
{
    (void)state;
    th_expect_tocsin(db, NULL, 2, (const char *[]){"key", NULL}, NULL, "needs a subcommand");
    th_expect_tocsin(db, NULL, 2, (const char *[]){"key", "generate", NULL}, NULL, "--out FILE");
    th_expect_tocsin(db, NULL, 2, (const char *[]){"key", "register", role, NULL}, NULL,
                     "ROLE and PUBLIC_KEY");
    th_expect_tocsin(db, NULL, 2, (const char *[]){"key", "shred", NULL}, NULL, "unknown key subcommand");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_generate_register_revoke),
        cmocka_unit_test(test_keys_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
