/*
 * The offline verifier (core/verify) without a database or libsodium: exports
 * built here line by line, their hashes computed with the core's sha256, and a
 * stand-in for Ed25519 whose "signature" of a text is a digest of the key and
 * the text. What a signed command must say (crisis, state, visit, seat, kind,
 * value, data, reason), whose key it must be and when, heads that match, that
 * pin a rewritten chain, that point past the export or at another crisis,
 * numbers compared as numbers, and the files refused as bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/base/sha256.h"
#include "core/base/strbuf.h"
#include "core/verify/offline.h"
#include "core/verify/signed_text.h"

/* ---- a stand-in for Ed25519 ---- */

static void fake_sign(const char *public_key, const char *text, char out[TC_SHA256_HEX_LENGTH])
{
    tc_sha256 ctx;
    uint8_t digest[TC_SHA256_LENGTH];
    tc_sha256_init(&ctx);
    tc_sha256_update(&ctx, public_key, strlen(public_key));
    tc_sha256_update(&ctx, text, strlen(text));
    tc_sha256_final(&ctx, digest);
    for (int i = 0; i < TC_SHA256_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static int fake_check(const char *public_key, const char *text, size_t size, const char *signature)
{
    char want[TC_SHA256_HEX_LENGTH];
    assert_int_equal(size, strlen(text));
    fake_sign(public_key, text, want);
    return strcmp(want, signature) == 0;
}

/* ---- keys ---- */

typedef struct test_key {
    char id[17];
    char public_key[53];
} test_key;

static void make_key(unsigned char seed, test_key *k)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char bytes[33] = {0};
    for (int i = 0; i < 32; i++)
        bytes[i] = (unsigned char)(seed * 7 + i);
    char hex[TC_SHA256_HEX_LENGTH];
    tc_sha256_hex(bytes, 32, hex);
    snprintf(k->id, sizeof k->id, "%.16s", hex);
    char *p = k->public_key + sprintf(k->public_key, "ed25519:");
    for (int i = 0; i < 33; i += 3) {
        uint32_t v = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | (i + 2 < 33 ? bytes[i + 2] : 0);
        *p++ = b64[v >> 18 & 63];
        *p++ = b64[v >> 12 & 63];
        *p++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
        *p++ = i + 2 < 32 ? b64[v & 63] : '=';
    }
    *p = '\0';
    assert_int_equal(strlen(k->public_key), 52);
}

static test_key kz_key, ru_key;

static char *keys_document(const char *kz_revoked)
{
    json_t *doc =
        json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s?}, {s:s, s:s, s:s, s:s, s:s, s:n}]}", "keys", "key_id",
                  kz_key.id, "role", "kz", "public_key", kz_key.public_key, "registered_at",
                  "2026-12-01T00:00:00.000000Z", "registered_by", "admin", "revoked_at", kz_revoked, "key_id",
                  ru_key.id, "role", "ru", "public_key", ru_key.public_key, "registered_at",
                  "2026-12-01T00:00:00.000000Z", "registered_by", "admin", "revoked_at");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* ---- exports ---- */

typedef struct chain {
    tc_strbuf sb;
    long long crisis, seq;
    char prev[TC_SHA256_HEX_LENGTH];
    char last[TC_SHA256_HEX_LENGTH];
} chain;

static void chain_start(chain *c, long long crisis)
{
    c->crisis = crisis;
    c->seq = 0;
    memset(c->prev, '0', 64);
    c->prev[64] = '\0';
}

/* Appends an event: its canonical text is jansson's (any JSON text will do), its hash over it. */
static void event(chain *c, const char *actor, const char *kind, const char *state, json_t *detail,
                  json_t *signature)
{
    c->seq++;
    json_t *e = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:o}", "seq", (json_int_t)c->seq, "crisis",
                          (json_int_t)c->crisis, "at", "2026-12-05T09:14:03.214511Z", "actor", actor, "login",
                          actor, "kind", kind, "state", state, "detail", detail);
    if (signature != NULL)
        json_object_set_new(e, "signature", signature);
    char *canonical = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
    tc_sha256 ctx;
    uint8_t digest[TC_SHA256_LENGTH];
    tc_sha256_init(&ctx);
    tc_sha256_update(&ctx, c->prev, 64);
    tc_sha256_update(&ctx, canonical, strlen(canonical));
    tc_sha256_final(&ctx, digest);
    char hash[TC_SHA256_HEX_LENGTH];
    for (int i = 0; i < TC_SHA256_LENGTH; i++)
        snprintf(hash + 2 * i, 3, "%02x", digest[i]);
    json_object_set_new(e, "prev_hash", json_string(c->prev));
    json_object_set_new(e, "hash", json_string(hash));
    json_object_set_new(e, "canonical", json_string(canonical));
    char *line = json_dumps(e, JSON_COMPACT);
    tc_strbuf_addf(&c->sb, "%s\n", line);
    memcpy(c->prev, hash, sizeof hash);
    memcpy(c->last, hash, sizeof hash);
    free(line);
    free(canonical);
    json_decref(e);
}

/* A command's signature object, its text as docs/signatures.md writes it. */
static json_t *signed_command(const test_key *k, long long crisis, const char *state, int visit,
                              const char *seat, const char *kind, const char *value, const char *data,
                              const char *reason)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "tocsin-command/1\ncrisis %lld\nplaybook_sha256 \"%064d\"\nstate \"%s\"\nvisit %d\n",
                   crisis, 0, state, visit);
    tc_strbuf_addf(&sb, "seat \"%s\"\nkind \"%s\"\nvalue %s\ndata %s\nreason %s\nkey null\n", seat, kind,
                   value, data, reason);
    tc_strbuf_add(&sb, "signed_at \"2026-12-05T09:14:03.100Z\"\n");
    char *text = tc_strbuf_take(&sb);
    char sig[TC_SHA256_HEX_LENGTH];
    fake_sign(k->public_key, text, sig);
    json_t *o = json_pack("{s:s, s:s, s:s}", "key_id", k->id, "signed", text, "signature", sig);
    free(text);
    return o;
}

/* triggered, entered council (visit), and a vote of kz signed with k, as given. */
static void council_vote(chain *c, int visit, const test_key *k, const char *vote, json_t *signature)
{
    event(c, "tocsin", "triggered", NULL, json_pack("{s:s}", "playbook", "council"), NULL);
    event(c, "tocsin", "entered", "council", json_pack("{s:i, s:s}", "visit", visit, "type", "approval"),
          NULL);
    (void)k;
    event(c, "kz", "vote", "council",
          json_pack("{s:s, s:s, s:s, s:s}", "vote", vote, "party", "KZ", "reason", "for Kazakhstan", "seat",
                    "council/KZ"),
          signature);
}

static int verify(const char *export_text, const char *keys, const char *heads, tc_offline_summary *s,
                  tc_error *err)
{
    tc_offline_file e = {"export.jsonl", export_text, strlen(export_text)};
    tc_offline_file k = {"keys.json", keys, keys ? strlen(keys) : 0};
    tc_offline_file h = {"heads.jsonl", heads, heads ? strlen(heads) : 0};
    tc_error_init(err);
    return tc_offline_verify(&e, &k, &h, fake_check, s, err);
}

static void expect_failure(const char *export_text, const char *keys, const char *heads, int code,
                           const char *needle)
{
    tc_offline_summary s;
    tc_error err;
    int rc = verify(export_text, keys, heads, &s, &err);
    if (rc != code || strstr(err.text, needle) == NULL)
        fail_msg("expected %d with \"%s\", got %d: %s", code, needle, rc, err.text);
}

static int setup(void **state)
{
    (void)state;
    make_key(1, &kz_key);
    make_key(2, &ru_key);
    return 0;
}

static void test_offline_verify_a_signed_vote_holds(void **state)
{
    (void)state;
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve",
                 signed_command(&kz_key, 42, "council", 1, "council/KZ", "vote", "\"approve\"", "null",
                                "\"for Kazakhstan\""));
    char *text = tc_strbuf_take(&c.sb);
    char *keys = keys_document(NULL);
    tc_offline_summary s;
    tc_error err;
    assert_int_equal(verify(text, keys, NULL, &s, &err), 0);
    assert_int_equal(s.events, 3);
    assert_int_equal(s.crises, 1);
    assert_int_equal(s.signatures, 1);
    assert_int_equal(s.unchecked, 0);
    /* Without keys the signature is counted, not checked. */
    assert_int_equal(verify(text, NULL, NULL, &s, &err), 0);
    assert_int_equal(s.signatures, 0);
    assert_int_equal(s.unchecked, 1);
    /* A key revoked after the event still vouches for it; one revoked before does not. */
    free(keys);
    keys = keys_document("2026-12-05T09:14:03.214512Z");
    assert_int_equal(verify(text, keys, NULL, &s, &err), 0);
    free(keys);
    keys = keys_document("2026-12-05T09:14:03.214511Z");
    expect_failure(text, keys, NULL, TC_EFAILED, "was revoked at 2026-12-05T09:14:03.214511Z, before");
    free(keys);
    free(text);
}

static void test_offline_verify_the_signed_command_must_say_what_the_event_says(void **state)
{
    (void)state;
    char *keys = keys_document(NULL);
    struct {
        long long crisis;
        int visit;
        const test_key *key;
        const char *seat, *kind, *value, *data, *reason, *failure;
    } cases[] = {
        /* The vote was approve when signed: rewritten to reject, chain recomputed. */
        {42, 1, &kz_key, "council/KZ", "vote", "\"reject\"", "null", "\"for Kazakhstan\"",
         "the signed command says value \"reject\", the event \"approve\""},
        /* A signature of another crisis, or of another visit, replayed. */
        {41, 1, &kz_key, "council/KZ", "vote", "\"approve\"", "null", "\"for Kazakhstan\"",
         "the signed command says crisis 41, the event 42"},
        {42, 2, &kz_key, "council/KZ", "vote", "\"approve\"", "null", "\"for Kazakhstan\"",
         "the signed command says visit 2, the event 1"},
        {42, 1, &kz_key, "council/RU", "vote", "\"approve\"", "null", "\"for Kazakhstan\"",
         "the signed command says seat \"council/RU\""},
        {42, 1, &kz_key, "council/KZ", "ack", "\"approve\"", "null", "\"for Kazakhstan\"",
         "the signed command says kind \"ack\", the event \"vote\""},
        {42, 1, &kz_key, "council/KZ", "vote", "\"approve\"", "{\"x\":1}", "\"for Kazakhstan\"",
         "the signed command says data {\"x\":1}"},
        {42, 1, &kz_key, "council/KZ", "vote", "\"approve\"", "null", "\"under pressure\"",
         "the signed command says reason \"under pressure\""},
        /* Another role's key. */
        {42, 1, &ru_key, "council/KZ", "vote", "\"approve\"", "null", "\"for Kazakhstan\"",
         "not a key of the event's actor kz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chain c = {.sb = TC_STRBUF_INIT};
        chain_start(&c, 42);
        council_vote(&c, 1, cases[i].key, "approve",
                     signed_command(cases[i].key, cases[i].crisis, "council", cases[i].visit, cases[i].seat,
                                    cases[i].kind, cases[i].value, cases[i].data, cases[i].reason));
        char *text = tc_strbuf_take(&c.sb);
        expect_failure(text, keys, NULL, TC_EFAILED, cases[i].failure);
        expect_failure(text, keys, NULL, TC_EFAILED, "crisis 42, event 3 (vote by kz, export.jsonl line 3)");
        free(text);
    }
    /* A forged signature, and a key the keys do not have. */
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    json_t *sig = signed_command(&kz_key, 42, "council", 1, "council/KZ", "vote", "\"approve\"", "null",
                                 "\"for Kazakhstan\"");
    json_object_set_new(sig, "signature", json_string("00"));
    council_vote(&c, 1, &kz_key, "approve", sig);
    char *text = tc_strbuf_take(&c.sb);
    expect_failure(text, keys, NULL, TC_EFAILED, "its signature does not hold with key");
    free(text);
    test_key stranger;
    make_key(3, &stranger);
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &stranger, "approve",
                 signed_command(&stranger, 42, "council", 1, "council/KZ", "vote", "\"approve\"", "null",
                                "\"for Kazakhstan\""));
    text = tc_strbuf_take(&c.sb);
    expect_failure(text, keys, NULL, TC_EFAILED, "which is not in keys.json");
    free(text);
    free(keys);
}

static void test_offline_verify_a_completion_without_data_signs_null(void **state)
{
    (void)state;
    char *keys = keys_document(NULL);
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 7);
    event(&c, "tocsin", "entered", "report", json_pack("{s:i}", "visit", 3), NULL);
    event(&c, "kz", "completed", "report",
          json_pack("{s:s, s:s, s:s, s:{}}", "party", "KZ", "seat", "report/KZ", "outcome", "done", "data"),
          signed_command(&kz_key, 7, "report", 3, "report/KZ", "complete", "\"done\"", "null", "null"));
    event(&c, "kz", "acked", "report", json_pack("{s:s, s:s}", "party", "KZ", "seat", "report/KZ"),
          signed_command(&kz_key, 7, "report", 3, "report/KZ", "ack", "null", "null", "null"));
    event(&c, "kz", "completed", "report",
          json_pack("{s:s, s:s, s:s, s:{s:f}}", "party", "KZ", "seat", "report/KZ", "outcome", "blocked",
                    "data", "casualties", 2.0),
          signed_command(&kz_key, 7, "report", 3, "report/KZ", "complete", "\"blocked\"",
                         "{\"casualties\":2}", "null"));
    char *text = tc_strbuf_take(&c.sb);
    tc_offline_summary s;
    tc_error err;
    assert_int_equal(verify(text, keys, NULL, &s, &err), 0);
    assert_int_equal(s.signatures, 3);
    free(text);
    free(keys);
}

/* A head of crisis at seq with hash, signed by k: its line. */
static char *head_line(const test_key *k, long long crisis, long long seq, const char *hash,
                       const char *signed_at)
{
    char *text = tc_head_signed_text(crisis, seq, hash, signed_at);
    char sig[TC_SHA256_HEX_LENGTH];
    fake_sign(k->public_key, text, sig);
    json_t *h =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "crisis", (json_int_t)crisis, "seq", (json_int_t)seq,
                  "hash", hash, "signed_at", signed_at, "key_id", k->id, "signed", text, "signature", sig);
    char *line = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    free(text);
    return line;
}

static void test_offline_verify_heads(void **state)
{
    (void)state;
    char *keys = keys_document(NULL);
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve", NULL);
    char head42[TC_SHA256_HEX_LENGTH];
    memcpy(head42, c.last, sizeof head42);
    chain_start(&c, 43);
    council_vote(&c, 1, &kz_key, "reject", NULL);
    char *text = tc_strbuf_take(&c.sb);

    char *good = head_line(&ru_key, 42, 3, head42, "2026-12-06T00:00:00.000Z");
    char *elsewhere = head_line(&kz_key, 44, 1, head42, "2026-12-06T00:00:00.000Z");
    char *heads = malloc(strlen(good) + strlen(elsewhere) + 3);
    sprintf(heads, "%s\n%s\n", good, elsewhere);
    tc_offline_summary s;
    tc_error err;
    assert_int_equal(verify(text, keys, heads, &s, &err), 0);
    assert_int_equal(s.crises, 2);
    assert_int_equal(s.heads, 1);
    assert_int_equal(s.heads_elsewhere, 1);
    free(heads);

    /* The chain of 42 recomputed after the head: its last hash differs. */
    char *rewritten =
        head_line(&ru_key, 42, 3, "ab00000000000000000000000000000000000000000000000000000000000000",
                  "2026-12-06T00:00:00.000Z");
    expect_failure(text, keys, rewritten, TC_EFAILED, "crisis 42, event 3: its hash is");
    expect_failure(text, keys, rewritten, TC_EFAILED, "the chain was rewritten");
    /* A head past the end of its crisis's chain. */
    char *past = head_line(&ru_key, 43, 9, head42, "2026-12-06T00:00:00.000Z");
    expect_failure(text, keys, past, TC_EFAILED, "crisis 43: the export ends at event 3");
    /* Signed before its key was registered; by a key revoked since (fine); forged. */
    char *early = head_line(&ru_key, 42, 3, head42, "2026-11-30T23:59:59.999Z");
    expect_failure(text, keys, early, TC_EFAILED, "was registered at 2026-12-01T00:00:00.000000Z, after");
    char *revoked = keys_document("2026-12-07T00:00:00.000000Z");
    char *by_kz = head_line(&kz_key, 42, 3, head42, "2026-12-06T00:00:00.000Z");
    assert_int_equal(verify(text, revoked, by_kz, &s, &err), 0);
    char *forged = strdup(by_kz);
    char *sig = strstr(forged, "\"signature\":\"") + strlen("\"signature\":\"");
    sig[0] = sig[0] == 'a' ? 'b' : 'a';
    expect_failure(text, keys, forged, TC_EFAILED, "its signature does not hold with key");
    /* Heads need keys. */
    expect_failure(text, NULL, good, TC_EUSAGE, "--heads needs --keys");
    free(forged);
    free(by_kz);
    free(revoked);
    free(early);
    free(past);
    free(rewritten);
    free(elsewhere);
    free(good);
    free(keys);
    free(text);
}

static void test_offline_verify_chains(void **state)
{
    (void)state;
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve", NULL);
    char *text = tc_strbuf_take(&c.sb);
    tc_offline_summary s;
    tc_error err;
    assert_int_equal(verify(text, NULL, NULL, &s, &err), 0);

    /* An edited line: its detail no longer what its canonical text says. */
    char *lying = strdup(text);
    char *at = strstr(lying, "\"vote\":\"approve\"");
    assert_non_null(at);
    memcpy(at + 8, "reject ", 7);
    expect_failure(lying, NULL, NULL, TC_EFAILED, "its detail is {");
    free(lying);
    /* An edited canonical text: the hash no longer holds. */
    char *edited = strdup(text);
    at = strstr(edited, "\\\"vote\\\":\\\"approve\\\"");
    assert_non_null(at);
    at[11] = 'A'; /* approve -> Approve */
    expect_failure(edited, NULL, NULL, TC_EFAILED, "crisis 42, event 3 (export.jsonl line 3): its hash is");
    free(edited);
    /* A line missing: the next follows the wrong event. */
    char *cut = strdup(text);
    char *second = strchr(cut, '\n') + 1;
    memmove(second, strchr(second, '\n') + 1, strlen(strchr(second, '\n') + 1) + 1);
    expect_failure(cut, NULL, NULL, TC_EFAILED, "event 3 (export.jsonl line 2): it follows event 1");
    free(cut);
    free(text);

    /* Numbers compared as numbers: 2 in the line, 2.0 in the canonical text. */
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 5);
    event(&c, "tocsin", "entered", "x", json_pack("{s:f}", "n", 2.0), NULL);
    text = tc_strbuf_take(&c.sb);
    assert_non_null(strstr(text, "\"n\":2.0"));
    at = strstr(text, "{\"n\":2.0}");
    assert_non_null(at);
    memmove(at + 6, at + 8, strlen(at + 8) + 1);
    assert_int_equal(verify(text, NULL, NULL, &s, &err), 0);
    free(text);
}

static void test_offline_verify_bad_files(void **state)
{
    (void)state;
    tc_offline_summary s;
    tc_error err;
    expect_failure("", NULL, NULL, TC_EINVAL, "export.jsonl holds no audit event");
    expect_failure("[1]\n", NULL, NULL, TC_EINVAL, "export.jsonl line 1 is not a JSON object");
    expect_failure("\n\n{\"seq\": 1}\n", NULL, NULL, TC_EINVAL, "export.jsonl line 3 is not an audit event");
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve", NULL);
    char *text = tc_strbuf_take(&c.sb);
    expect_failure(text, "{\"keys\": [{\"key_id\": \"x\"}]}", NULL, TC_EINVAL, "keys.json: key 1 is not");
    char bad[512];
    snprintf(bad, sizeof bad,
             "{\"keys\": [{\"key_id\": \"%s\", \"role\": \"kz\", \"public_key\": \"%s\", \"registered_at\": "
             "\"2026-12-01T00:00:00Z\", \"revoked_at\": null}]}",
             ru_key.id, kz_key.public_key);
    expect_failure(text, bad, NULL, TC_EINVAL, "its id is not its public key's");
    snprintf(bad, sizeof bad,
             "{\"keys\": [{\"key_id\": \"%s\", \"role\": \"kz\", \"public_key\": \"ed25519:AAAA\", "
             "\"registered_at\": \"2026-12-01T00:00:00Z\", \"revoked_at\": null}]}",
             kz_key.id);
    expect_failure(text, bad, NULL, TC_EINVAL, "is not ed25519: and the base64 of 32 bytes");
    snprintf(bad, sizeof bad,
             "{\"keys\": [{\"key_id\": \"%s\", \"role\": \"kz\", \"public_key\": \"%s\", \"registered_at\": "
             "\"2026-12-01T00:00:00Z\", \"revoked_at\": \"yesterday\"}]}",
             kz_key.id, kz_key.public_key);
    expect_failure(text, bad, NULL, TC_EINVAL, "with times in UTC");
    expect_failure(text, "{\"keys\": []}", "{\"crisis\": 42}\n", TC_EINVAL,
                   "heads.jsonl line 1 is not a head");
    expect_failure(text, "{\"keys\": [", NULL, TC_EINVAL, "keys.json is not JSON");
    assert_int_equal(verify(text, "{\"keys\": []}", "\n", &s, &err), 0);
    free(text);
}

static void test_offline_verify_signed_text(void **state)
{
    (void)state;
    json_t *values = NULL;
    tc_error err;
    char *text = tc_head_signed_text(42, 17, "ab", "2026-12-05T09:14:03.207Z");
    assert_string_equal(
        text, "tocsin-head/1\ncrisis 42\nseq 17\nhash \"ab\"\nsigned_at \"2026-12-05T09:14:03.207Z\"\n");
    tc_error_init(&err);
    assert_int_equal(
        tc_signed_text_parse(text, strlen(text), TC_HEAD_HEADER, tc_head_signed_names, 4, &values, &err), 0);
    assert_int_equal(json_integer_value(json_array_get(values, 1)), 17);
    json_decref(values);
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"tocsin-head/1\ncrisis 42\nseq 17\nhash \"ab\"\nsigned_at \"x\"", "does not end with a line break"},
        {"tocsin-head/2\ncrisis 42\n", "its first line is not tocsin-head/1"},
        {"tocsin-head/1\ncrisis 42\nseq 17\n", "it ends before its \"hash\" line"},
        {"tocsin-head/1\ncrisis 42\nhash 17\n", "line 3 is not \"seq VALUE\""},
        {"tocsin-head/1\ncrisis 42 43\n", "the value of \"crisis\" (line 2) is not JSON"},
        {"tocsin-head/1\ncrisis 42\nseq 1\nhash \"\"\nsigned_at \"\"\nextra 1\n",
         "a line after its \"signed_at\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_error_init(&err);
        assert_int_equal(tc_signed_text_parse(bad[i].text, strlen(bad[i].text), TC_HEAD_HEADER,
                                              tc_head_signed_names, 4, &values, &err),
                         TC_EINVAL);
        if (strstr(err.text, bad[i].why) == NULL)
            fail_msg("%s: %s", bad[i].why, err.text);
    }
    free(text);
}

/* Lines edited after export, one field at a time, and keys whose text is not a key: each named. */
static void test_offline_verify_each_field_of_a_line(void **state)
{
    (void)state;
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve", NULL);
    char *text = tc_strbuf_take(&c.sb);
    static const struct {
        const char *from, *to;
    } edits[] = {
        {"\"actor\":\"kz\"", "\"actor\":\"ru\""},
        {"\"kind\":\"entered\"", "\"kind\":\"left\""},
        {"\"state\":\"council\"", "\"state\":\"decide\""},
        {"\"seq\":2", "\"seq\":7"},
        {"\"crisis\":42", "\"crisis\":43"},
        {"\"prev_hash\":\"0", "\"prev_hash\":\"1"},
        {"\"login\":\"kz\"", "\"login\":\"root\""},
        {"\"at\":\"2026", "\"at\":\"2027"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *copy = strdup(text);
        char *at = strstr(copy, edits[i].from);
        if (at == NULL)
            fail_msg("no %s in the export", edits[i].from);
        size_t from = strlen(edits[i].from), to = strlen(edits[i].to);
        char *edited = malloc(strlen(copy) + to + 1);
        memcpy(edited, copy, (size_t)(at - copy));
        memcpy(edited + (at - copy), edits[i].to, to);
        strcpy(edited + (at - copy) + to, at + from);
        tc_offline_summary s;
        tc_error err;
        int rc = verify(edited, NULL, NULL, &s, &err);
        if (rc == 0)
            fail_msg("an export with %s changed to %s verified", edits[i].from, edits[i].to);
        free(edited);
        free(copy);
    }
    /* Keys whose public key is not base64 of 32 bytes, in each way it can fail. */
    static const char *const not_keys[] = {
        "ed25519:*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* not the alphabet */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", /* bits left over */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A=", /* padding inside */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* no padding: 33 bytes */
        "ed25519:AAAA",
    };
    for (size_t i = 0; i < sizeof not_keys / sizeof not_keys[0]; i++) {
        char keys[512];
        snprintf(
            keys, sizeof keys,
            "{\"keys\": [{\"key_id\": \"%s\", \"role\": \"kz\", \"public_key\": \"%s\", \"registered_at\": "
            "\"2026-12-01T00:00:00Z\", \"revoked_at\": null}]}",
            kz_key.id, not_keys[i]);
        expect_failure(text, keys, NULL, TC_EINVAL, "keys.json");
    }
    /* Times that are not UTC times as tocsin writes them. */
    static const char *const not_times[] = {"2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                                            "2026-12-01 00:00:00Z", "2026-12-01T24:00:00Z",
                                            "2026-12-01T00:00:00.5+01:00"};
    for (size_t i = 0; i < sizeof not_times / sizeof not_times[0]; i++) {
        char keys[512];
        snprintf(
            keys, sizeof keys,
            "{\"keys\": [{\"key_id\": \"%s\", \"role\": \"kz\", \"public_key\": \"%s\", \"registered_at\": "
            "\"%s\", \"revoked_at\": null}]}",
            kz_key.id, kz_key.public_key, not_times[i]);
        expect_failure(text, keys, NULL, TC_EINVAL, "keys.json");
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_verify_a_signed_vote_holds),
        cmocka_unit_test(test_offline_verify_the_signed_command_must_say_what_the_event_says),
        cmocka_unit_test(test_offline_verify_a_completion_without_data_signs_null),
        cmocka_unit_test(test_offline_verify_heads),
        cmocka_unit_test(test_offline_verify_chains),
        cmocka_unit_test(test_offline_verify_bad_files),
        cmocka_unit_test(test_offline_verify_signed_text),
        cmocka_unit_test(test_offline_verify_each_field_of_a_line),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
