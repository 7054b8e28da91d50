/*
 * The offline half of issue 21 against a real server: `audit export`, `audit
 * head --sign-with` and `audit verify --file --keys --heads`, which must need
 * no database (each run here points at a server that does not exist). Every
 * verdict is given twice, by tocsin and by tests/verifier/verify.mjs, a second
 * verifier in Node written from docs/signatures.md alone, and both must agree.
 *
 * A superuser who edits an event in place is caught by a new export; one who
 * recomputes the whole chain and the crisis's recorded head passes `audit
 * verify` in the database and an export without heads, and is caught by a
 * head published before the edit; one who turns a signed approve into a
 * reject and recomputes the chain is caught by the signature, without any
 * head. Forged heads, heads by a key the keys do not list, a truncated export
 * and bad files fail as they should.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db, *dir;
static th_proc *engine;
static char kz[64], ru[64], stranger[64];
static char kz_key[4200], late_key[4200];

/* No server answers here: a verifier that tried to connect would fail. */
static const char nowhere[] = "host=/nonexistent/tocsin-offline dbname=none connect_timeout=1";

static char *path_of(const char *name)
{
    static char path[8][4200];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

/* Generates a key file in dir: its public key. */
static char *generate(const char *name, char *path, size_t size)
{
    return th_key_generate(db, dir, name, path, size);
}

/* Runs tocsin ARGS on db (as role) and writes its stdout to dir/name, failing unless it exits 0. */
static void save(const char *role, const char *name, const char *const *args)
{
    th_run r;
    char *info = role ? th_conninfo_as(db, role) : strdup(db);
    th_tocsin(&r, info, args);
    free(info);
    if (r.status != 0)
        fail_msg("tocsin %s %s: exit %d: %s", args[0], args[1], r.status, r.err);
    th_write_file(dir, name, r.out);
    th_run_free(&r);
}

static void export_to(const char *id, const char *name)
{
    save(NULL, name, (const char *[]){"audit", "export", id, NULL});
}

/*
 * Verifies dir/export with dir/keys and dir/heads (NULL: not given) with
 * tocsin, no database reachable, and with the Node verifier: both must exit
 * status, tocsin's stderr containing err (NULL: anything) and stdout out.
 */
static void verdict(const char *export_name, const char *keys, const char *heads, int status, const char *out,
                    const char *err)
{
    const char *args[16] = {"--db", nowhere, "audit", "verify", "--file", path_of(export_name)};
    int n = 6;
    if (keys) {
        args[n++] = "--keys";
        args[n++] = path_of(keys);
    }
    if (heads) {
        args[n++] = "--heads";
        args[n++] = path_of(heads);
    }
    args[n] = NULL;
    th_run r;
    th_tocsin(&r, NULL, args);
    if (r.status != status || (err && !th_contains(r.err, err)) || (out && !th_contains(r.out, out)))
        fail_msg("audit verify --file %s: exit %d (expected %d), stdout: %s, stderr: %s (expected %s)",
                 export_name, r.status, status, r.out, r.err, err ? err : "anything");
    th_run_free(&r);

    char command[20000];
    snprintf(command, sizeof command, "node %s/tests/verifier/verify.mjs --file %s%s%s%s%s > %s 2>&1",
             th_env("TOCSIN_SOURCE_DIR"), path_of(export_name), keys ? " --keys " : "",
             keys ? path_of(keys) : "", heads ? " --heads " : "", heads ? path_of(heads) : "",
             path_of("node.out"));
    int rc = system(command);
    char *said = th_read_file(path_of("node.out"));
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != status)
        fail_msg("verify.mjs --file %s: exit %d, tocsin's %d: %s", export_name,
                 WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, status, said);
    free(said);
}

/* A council crisis among KZ and RU that both approve (the engine closes it): its id. */
static char *decided_crisis(void)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"trigger", "council", "--parties", "KZ,RU", NULL});
    assert_int_equal(r.status, 0);
    char *id = strndup(r.out, strcspn(r.out, "\n"));
    th_run_free(&r);
    th_expect_tocsin(db, kz, 0, (const char *[]){"approve", id, "--reason", "for Kazakhstan", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, ru, 0, (const char *[]){"approve", id, "--reason", "for Russia", NULL}, NULL, NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"show", id, NULL}, "status       closed", NULL);
    return id;
}

/* As a superuser: the audit's immutability trigger off, sql, on again. */
static void superuser_edit(const char *sql)
{
    char all[4096];
    snprintf(all, sizeof all,
             "ALTER TABLE tocsin.audit DISABLE TRIGGER audit_immutable; %s;"
             " ALTER TABLE tocsin.audit ENABLE TRIGGER audit_immutable",
             sql);
    th_exec(db, all);
}

/* The SQL that recomputes crisis id's whole chain from its rows as they are, and its recorded head. */
static const char *recompute(const char *id)
{
    static char sql[1024];
    snprintf(sql, sizeof sql,
             "DO $$ DECLARE e record; prev text := repeat('0', 64); h text; BEGIN"
             "  FOR e IN SELECT * FROM tocsin.audit WHERE crisis = %s ORDER BY seq LOOP"
             "   h := tocsin.audit_hash(prev, tocsin.audit_canonical(e.seq, e.crisis, e.at, e.actor, e.login,"
             "                                                  e.kind, e.state, e.detail, e.signature));"
             "   UPDATE tocsin.audit SET prev_hash = prev, hash = h WHERE crisis = e.crisis AND seq = e.seq;"
             "   prev := h;"
             "  END LOOP;"
             "  UPDATE tocsin.crises SET audit_hash = prev WHERE id = %s;"
             " END $$",
             id, id);
    return sql;
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    dir = th_tempdir();
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_playbook_load(db, "tests/data/playbooks/valid/signed.json");
    snprintf(kz, sizeof kz, "off_kz_%ld", (long)getpid());
    snprintf(ru, sizeof ru, "off_ru_%ld", (long)getpid());
    snprintf(stranger, sizeof stranger, "off_x_%ld", (long)getpid());
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"actor", "add", ru, "--seat", "council/RU", "--login", NULL}, NULL,
                     NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"actor", "add", stranger, "--login", NULL}, NULL, NULL);
    char *public_key = generate("kz.key", kz_key, sizeof kz_key);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"key", "register", kz, public_key, NULL}, NULL, NULL);
    free(public_key);
    /* The keys as published before the late key was registered. */
    save(NULL, "keys.json", (const char *[]){"--json", "key", "list", NULL});
    public_key = generate("late.key", late_key, sizeof late_key);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"key", "register", ru, public_key, NULL}, NULL, NULL);
    free(public_key);
    save(NULL, "keys-all.json", (const char *[]){"--json", "key", "list", NULL});
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_stop(engine);
    th_db_drop(db);
    th_rmtree(dir);
    free(dir);
    return 0;
}

static void test_audit_offline_export_verifies_without_a_database(void **state)
{
    (void)state;
    char *id = decided_crisis();
    export_to(id, "a.jsonl");
    char *text = th_read_file(path_of("a.jsonl"));
    /* One line per event: the audit --format json object, with canonical. */
    json_t *first = json_loadb(text, strcspn(text, "\n"), 0, NULL);
    assert_non_null(first);
    assert_int_equal(json_integer_value(json_object_get(first, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "triggered");
    assert_string_equal(json_string_value(json_object_get(first, "prev_hash")),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_non_null(
        strstr(json_string_value(json_object_get(first, "canonical")), "\"kind\": \"triggered\""));
    json_decref(first);
    th_run r;
    th_tocsin(&r, db, (const char *[]){"audit", "verify", id, NULL});
    assert_int_equal(r.status, 0);
    th_run_free(&r);
    th_tocsin(&r, db, (const char *[]){"audit", id, "--format", "json", NULL});
    assert_int_equal(th_line_count(r.out), th_line_count(text));
    th_run_free(&r);
    verdict("a.jsonl", NULL, NULL, 0, "events in 1 crisis", NULL);
    verdict("a.jsonl", "keys.json", NULL, 0, "0 signatures by the keys in force", NULL);

    /* Several crises, one after the other; heads of each and of every crisis. */
    char *other = decided_crisis();
    export_to(other, "b.jsonl");
    char *second = th_read_file(path_of("b.jsonl"));
    char *both = malloc(strlen(text) + strlen(second) + 1);
    strcpy(both, text);
    strcat(both, second);
    th_write_file(dir, "ab.jsonl", both);
    save(kz, "heads-all.jsonl", (const char *[]){"audit", "head", "--sign-with", kz_key, NULL});
    char *heads = th_read_file(path_of("heads-all.jsonl"));
    assert_true(th_line_count(heads) >= 2);
    free(heads);
    verdict("ab.jsonl", "keys.json", "heads-all.jsonl", 0, "events in 2 crises", NULL);
    /* Heads of crises the export does not hold are counted, not checked. */
    verdict("a.jsonl", "keys.json", "heads-all.jsonl", 0, "not in the export not checked", NULL);
    /* A crisis twice, or its events out of order. */
    char *twice = malloc(strlen(both) + strlen(text) + 1);
    strcpy(twice, both);
    strcat(twice, text);
    th_write_file(dir, "aba.jsonl", twice);
    verdict("aba.jsonl", NULL, NULL, 1, NULL, "appears again");
    th_write_file(dir, "ba.jsonl", strchr(text, '\n') + 1);
    verdict("ba.jsonl", NULL, NULL, 1, NULL, "it follows event 0 (events are missing)");
    free(twice);
    free(both);
    free(second);
    free(text);

    /* An unknown crisis, or one the role may not read: exit 4. */
    th_expect_tocsin(db, NULL, 4, (const char *[]){"audit", "export", "999999", NULL}, NULL,
                     "no crisis 999999");
    th_expect_tocsin(db, stranger, 4, (const char *[]){"audit", "export", id, NULL}, NULL, "no crisis");
    th_expect_tocsin(db, kz, 0, (const char *[]){"audit", "export", id, NULL}, "\"canonical\"", NULL);
    free(other);
    free(id);
}

static void test_audit_offline_an_edit_in_place_is_named(void **state)
{
    (void)state;
    char *id = decided_crisis();
    char query[256];
    snprintf(query, sizeof query,
             "SELECT seq FROM tocsin.audit WHERE crisis = %s AND kind = 'vote' AND actor = '%s'", id, kz);
    char *vote = th_query_value(db, query);
    export_to(id, "intact.jsonl");

    /* A line whose detail was changed but not its canonical text: the hash holds, the line lies. */
    char *text = th_read_file(path_of("intact.jsonl"));
    char *lying = strdup(text);
    char *reason = strstr(lying, "\"reason\":\"for Kazakhstan\"");
    assert_non_null(reason);
    memcpy(reason + strlen("\"reason\":\"for "), "Kyrgyzstan", strlen("Kazakhstan"));
    th_write_file(dir, "lying.jsonl", lying);
    char want[160];
    snprintf(want, sizeof want, "crisis %s, event %s (%s/lying.jsonl line %s): its detail is ", id, vote, dir,
             vote);
    verdict("lying.jsonl", NULL, NULL, 1, NULL, want);
    verdict("lying.jsonl", NULL, NULL, 1, NULL, "but its canonical text (what was hashed) says");
    free(lying);
    free(text);

    /* A superuser edits the stored event: a new export names it. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE tocsin.audit SET detail = jsonb_set(detail, '{reason}', '\"under pressure\"')"
             " WHERE crisis = %s AND kind = 'vote' AND actor = '%s'",
             id, kz);
    superuser_edit(sql);
    export_to(id, "edited.jsonl");
    snprintf(want, sizeof want, "crisis %s, event %s (", id, vote);
    verdict("edited.jsonl", "keys.json", NULL, 1, NULL, want);
    verdict("edited.jsonl", NULL, NULL, 1, NULL, "(the event was edited)");
    /* The database says so too, and a head of a broken chain is not signed. */
    th_expect_tocsin(db, NULL, 1, (const char *[]){"audit", "verify", id, NULL}, NULL, "broken chain");
    th_expect_tocsin(db, kz, 1, (const char *[]){"audit", "head", id, "--sign-with", kz_key, NULL}, NULL,
                     "does not verify");
    free(vote);
    free(id);
}

static void test_audit_offline_a_chain_recomputed_whole_needs_a_head(void **state)
{
    (void)state;
    char *id = decided_crisis();
    export_to(id, "before.jsonl");
    save(kz, "heads.jsonl", (const char *[]){"audit", "head", id, "--sign-with", kz_key, NULL});
    verdict("before.jsonl", "keys.json", "heads.jsonl", 0, "1 head matched", NULL);

    /* A superuser changes RU's reason and recomputes every hash after it, and the crisis's head. */
    char sql[2048];
    snprintf(sql, sizeof sql,
             "UPDATE tocsin.audit SET detail = jsonb_set(detail, '{reason}', '\"against\"')"
             " WHERE crisis = %s AND kind = 'vote' AND actor = '%s'; %s",
             id, ru, recompute(id));
    superuser_edit(sql);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", id, NULL}, "every chain holds", NULL);
    export_to(id, "after.jsonl");
    verdict("after.jsonl", "keys.json", NULL, 0, "a chain recomputed whole would pass", NULL);
    char want[64];
    snprintf(want, sizeof want, "crisis %s, event ", id);
    verdict("after.jsonl", "keys.json", "heads.jsonl", 1, NULL, "the chain was rewritten");
    verdict("after.jsonl", "keys.json", "heads.jsonl", 1, NULL, want);

    /* Events cut from the end, past the head: removed, whatever the chain says. */
    char *text = th_read_file(path_of("before.jsonl"));
    char *cut = text + strlen(text) - 1;
    while (cut > text && cut[-1] != '\n')
        cut--;
    *cut = '\0';
    th_write_file(dir, "cut.jsonl", text);
    verdict("cut.jsonl", "keys.json", "heads.jsonl", 1, NULL, "events were removed");
    free(text);
    free(id);
}

/* The head's line with its field name's string value replaced by value. */
static void rewrite_head(const char *from, const char *to, const char *field, const char *value)
{
    char *text = th_read_file(path_of(from));
    json_t *head = json_loads(text, 0, NULL);
    assert_non_null(head);
    json_object_set_new(head, field, json_string(value));
    char *line = json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *withnl = malloc(strlen(line) + 2);
    sprintf(withnl, "%s\n", line);
    th_write_file(dir, to, withnl);
    free(withnl);
    free(line);
    json_decref(head);
    free(text);
}

static void test_audit_offline_forged_and_unknown_heads_fail(void **state)
{
    (void)state;
    char *id = decided_crisis();
    export_to(id, "c.jsonl");
    save(kz, "c-heads.jsonl", (const char *[]){"audit", "head", id, "--sign-with", kz_key, NULL});
    verdict("c.jsonl", "keys.json", "c-heads.jsonl", 0, "1 head matched", NULL);

    /* Another hash, signed text and all, under the old signature: forged. */
    char *text = th_read_file(path_of("c-heads.jsonl"));
    json_t *head = json_loads(text, 0, NULL);
    assert_non_null(head);
    char *hash = strdup(json_string_value(json_object_get(head, "hash")));
    char *forged = strdup(json_string_value(json_object_get(head, "signed")));
    char *at = strstr(forged, hash);
    assert_non_null(at);
    hash[0] = at[0] = hash[0] == 'a' ? 'b' : 'a';
    json_object_set_new(head, "hash", json_string(hash));
    json_object_set_new(head, "signed", json_string(forged));
    char *line = json_dumps(head, JSON_COMPACT);
    th_write_file(dir, "forged.jsonl", line);
    free(line);
    free(forged);
    free(hash);
    json_decref(head);
    free(text);
    verdict("c.jsonl", "keys.json", "forged.jsonl", 1, NULL, "its signature does not hold");
    /* The signature of another head. */
    rewrite_head("c-heads.jsonl", "swapped.jsonl", "signature",
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
    verdict("c.jsonl", "keys.json", "swapped.jsonl", 1, NULL, "its signature does not hold");
    /* A signed head whose fields were changed: the signature holds, the text does not say it. */
    rewrite_head("c-heads.jsonl", "moved.jsonl", "hash",
                 "0000000000000000000000000000000000000000000000000000000000000000");
    verdict("c.jsonl", "keys.json", "moved.jsonl", 1, NULL, "its signed text says another");

    /* A head by a key registered after the keys were published: not in them. */
    save(ru, "late-heads.jsonl", (const char *[]){"audit", "head", id, "--sign-with", late_key, NULL});
    verdict("c.jsonl", "keys-all.json", "late-heads.jsonl", 0, "1 head matched", NULL);
    verdict("c.jsonl", "keys.json", "late-heads.jsonl", 1, NULL, "which is not in");
    /* Heads need keys. */
    th_expect_tocsin(nowhere, NULL, 2,
                     (const char *[]){"--db", nowhere, "audit", "verify", "--file", path_of("c.jsonl"),
                                      "--heads", path_of("c-heads.jsonl"), NULL},
                     NULL, "--heads needs --keys");
    free(id);
}

static void test_audit_offline_head_refusals(void **state)
{
    (void)state;
    char *id = decided_crisis();
    /* No key: usage. A key file others may read: 3. An unregistered key, or a revoked one: 5. */
    th_expect_tocsin(db, kz, 2, (const char *[]){"audit", "head", id, NULL}, NULL, "needs --sign-with");
    char path[4200];
    snprintf(path, sizeof path, "%s/open.key", dir);
    char *public_key = generate("open.key", path, sizeof path);
    chmod(path, 0644);
    th_expect_tocsin(db, kz, 3, (const char *[]){"audit", "head", id, "--sign-with", path, NULL}, NULL,
                     "may be read or written by others");
    chmod(path, 0600);
    th_expect_tocsin(db, kz, 5, (const char *[]){"audit", "head", id, "--sign-with", path, NULL}, NULL,
                     "is not registered, or was revoked");
    th_run r;
    th_tocsin(&r, db, (const char *[]){"key", "register", stranger, public_key, NULL});
    assert_int_equal(r.status, 0);
    char key_id[32];
    snprintf(key_id, sizeof key_id, "%.*s", (int)strcspn(r.out, "\n"), r.out);
    th_run_free(&r);
    /* Any registered key in force signs a head, also of a role with no seat in the crisis. */
    th_expect_tocsin(db, kz, 0, (const char *[]){"audit", "head", id, "--sign-with", path, NULL},
                     "\"signed\":\"tocsin-head/1\\ncrisis ", NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"key", "revoke", stranger, key_id, NULL}, NULL, NULL);
    th_expect_tocsin(db, kz, 5, (const char *[]){"audit", "head", id, "--sign-with", path, NULL}, NULL,
                     "is not registered, or was revoked");
    /* A crisis the role may not read: 4. One with no event yet: 6. */
    th_expect_tocsin(db, stranger, 4, (const char *[]){"audit", "head", id, "--sign-with", kz_key, NULL},
                     NULL, "no crisis");
    th_expect_tocsin(db, NULL, 4, (const char *[]){"audit", "head", "999999", "--sign-with", kz_key, NULL},
                     NULL, "no crisis 999999");
    free(public_key);
    free(id);
}

static void test_audit_offline_bad_files(void **state)
{
    (void)state;
    th_write_file(dir, "not-json.jsonl", "{\"seq\": 1,\n");
    verdict("not-json.jsonl", NULL, NULL, 3, NULL, "line 1 is not a JSON object");
    th_write_file(dir, "empty.jsonl", "\n");
    verdict("empty.jsonl", NULL, NULL, 3, NULL, "holds no audit event");
    th_write_file(dir, "not-event.jsonl", "{\"seq\": 1, \"crisis\": 1}\n");
    verdict("not-event.jsonl", NULL, NULL, 3, NULL, "is not an audit event");
    char *id = decided_crisis();
    export_to(id, "d.jsonl");
    th_write_file(dir, "keys-bad.json", "{\"keys\": 3}");
    verdict("d.jsonl", "keys-bad.json", NULL, 3, NULL, "is not {\"keys\": [...]}");
    th_write_file(dir, "heads-bad.jsonl", "{\"crisis\": 1}\n");
    verdict("d.jsonl", "keys.json", "heads-bad.jsonl", 3, NULL, "is not a head");
    /* A key listed under another key's id. */
    char *keys = th_read_file(path_of("keys.json"));
    json_t *doc = json_loads(keys, 0, NULL);
    json_object_set_new(json_array_get(json_object_get(doc, "keys"), 0), "key_id",
                        json_string("0123456789abcdef"));
    char *swapped = json_dumps(doc, JSON_COMPACT);
    th_write_file(dir, "keys-swapped.json", swapped);
    verdict("d.jsonl", "keys-swapped.json", NULL, 3, NULL, "its id is not its public key's");
    free(swapped);
    json_decref(doc);
    /* A key registered on a day that does not exist (29 February 2026): refused by both, not rolled over. */
    doc = json_loads(keys, 0, NULL);
    json_object_set_new(json_array_get(json_object_get(doc, "keys"), 0), "registered_at",
                        json_string("2026-02-29T10:00:00.000000Z"));
    swapped = json_dumps(doc, JSON_COMPACT);
    th_write_file(dir, "keys-no-such-day.json", swapped);
    verdict("d.jsonl", "keys-no-such-day.json", NULL, 3, NULL, "is not {\"key_id\"");
    free(swapped);
    json_decref(doc);
    free(keys);
    /* No such file: 4. Usage: --keys without --file, --file with an ID. */
    th_expect_tocsin(
        nowhere, NULL, 4,
        (const char *[]){"--db", nowhere, "audit", "verify", "--file", path_of("none.jsonl"), NULL}, NULL,
        "cannot open");
    th_expect_tocsin(nowhere, NULL, 2,
                     (const char *[]){"audit", "verify", "--keys", path_of("keys.json"), NULL}, NULL,
                     "--keys and --heads are for audit verify --file");
    th_expect_tocsin(nowhere, NULL, 2,
                     (const char *[]){"audit", "verify", "1", "--file", path_of("d.jsonl"), NULL}, NULL,
                     "without an ID");
    th_expect_tocsin(nowhere, NULL, 2, (const char *[]){"audit", "export", NULL}, NULL,
                     "needs one crisis ID");
    free(id);
}

static void test_audit_offline_a_signed_vote_rewritten_is_caught_without_heads(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, db, (const char *[]){"trigger", "signed", "--parties", "KZ,RU", NULL});
    assert_int_equal(r.status, 0);
    char *id = strndup(r.out, strcspn(r.out, "\n"));
    th_run_free(&r);
    th_expect_tocsin(
        db, kz, 0, (const char *[]){"--sign-with", kz_key, "approve", id, "--reason", "for Kazakhstan", NULL},
        NULL, NULL);
    th_expect_tocsin(db, ru, 0,
                     (const char *[]){"--sign-with", late_key, "approve", id, "--reason", "for Russia", NULL},
                     NULL, NULL);
    /* The events carry their signatures, in the export and in audit --format json alike. */
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", id, "--format", "json", NULL},
                     "\"signature\":{\"key_id\":", NULL);
    export_to(id, "signed.jsonl");
    verdict("signed.jsonl", "keys-all.json", NULL, 0, "2 signatures by the keys in force", NULL);
    verdict("signed.jsonl", NULL, NULL, 0, "2 signatures not checked (no --keys)", NULL);
    /* The keys as published before RU's key was registered do not vouch for RU's vote. */
    verdict("signed.jsonl", "keys.json", NULL, 1, NULL, "which is not in");

    /* A superuser turns KZ's approve into a reject and recomputes the whole chain and its head: the
     * database finds nothing, and no head was published; the signature still says approve. */
    char sql[2048];
    snprintf(sql, sizeof sql,
             "UPDATE tocsin.audit SET detail = jsonb_set(detail, '{vote}', '\"reject\"')"
             " WHERE crisis = %s AND kind = 'vote' AND actor = '%s'; %s",
             id, kz, recompute(id));
    superuser_edit(sql);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"audit", "verify", id, NULL}, "every chain holds", NULL);
    export_to(id, "signed-after.jsonl");
    char want[160];
    snprintf(want, sizeof want, "(vote by %s, ", kz);
    verdict("signed-after.jsonl", "keys-all.json", NULL, 1, NULL,
            "the signed command says value \"approve\", the event \"reject\"");
    verdict("signed-after.jsonl", "keys-all.json", NULL, 1, NULL, want);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_offline_export_verifies_without_a_database),
        cmocka_unit_test(test_audit_offline_an_edit_in_place_is_named),
        cmocka_unit_test(test_audit_offline_a_chain_recomputed_whole_needs_a_head),
        cmocka_unit_test(test_audit_offline_forged_and_unknown_heads_fail),
        cmocka_unit_test(test_audit_offline_head_refusals),
        cmocka_unit_test(test_audit_offline_bad_files),
        cmocka_unit_test(test_audit_offline_a_signed_vote_rewritten_is_caught_without_heads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
