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

static const char zeros_for_test[] = "0000000000000000000000000000000000000000000000000000000000000000";

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

/* When the events that event() appends happened. */
static const char *event_at = "2026-12-05T09:14:03.214511Z";

/* A line of an export whose canonical text is given as it is (NULL: the line's own fields, as event() writes
 * them), its hash computed over it after c's last; e is taken. */
static void raw_event(chain *c, json_t *e, const char *canonical)
{
    char *own = canonical ? NULL : json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
    if (canonical == NULL)
        canonical = own;
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
    c->seq++;
    free(line);
    free(own);
    json_decref(e);
}

/* Appends an event: its canonical text is jansson's (any JSON text will do), its hash over it. */
static void event(chain *c, const char *actor, const char *kind, const char *state, json_t *detail,
                  json_t *signature)
{
    json_t *e = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:o}", "seq", (json_int_t)c->seq + 1,
                          "crisis", (json_int_t)c->crisis, "at", event_at, "actor", actor, "login", actor,
                          "kind", kind, "state", state, "detail", detail);
    if (signature != NULL)
        json_object_set_new(e, "signature", signature);
    raw_event(c, e, NULL);
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

/* A head whose signature holds over the text given. */
static char *head_signing(const test_key *k, long long crisis, long long seq, const char *hash,
                          const char *signed_at, const char *text)
{
    char sig[TC_SHA256_HEX_LENGTH];
    fake_sign(k->public_key, text, sig);
    json_t *h =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "crisis", (json_int_t)crisis, "seq", (json_int_t)seq,
                  "hash", hash, "signed_at", signed_at, "key_id", k->id, "signed", text, "signature", sig);
    char *line = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    return line;
}

/* A head of crisis at seq with hash, signed by k: its line. */
static char *head_line(const test_key *k, long long crisis, long long seq, const char *hash,
                       const char *signed_at)
{
    char *text = tc_head_signed_text(crisis, seq, hash, signed_at);
    char *line = head_signing(k, crisis, seq, hash, signed_at, text);
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

/* Each way a signed text is refused, with its whole message; and a text of no fields. */
static void test_offline_verify_signed_text_each_way(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t size; /* 0: strlen */
        const char *why;
    } bad[] = {
        {"", 0, "it does not end with a line break"},
        {"tocsin-head/1\n\0crisis 42\n", 25, "it holds a NUL byte"},
        {"tocsin-head/10\ncrisis 42\n", 0, "its first line is not tocsin-head/1"},
        {"tocsin-head/2\ncrisis 42\n", 0, "its first line is not tocsin-head/1"},
        {"tocsin-head/1\n", 0, "it ends before its \"crisis\" line"},
        {"tocsin-head/1\ncrisis \n", 0, "line 2 is not \"crisis VALUE\""},
        {"tocsin-head/1\ncrisis\n", 0, "line 2 is not \"crisis VALUE\""},
        {"tocsin-head/1\ncrisisX 42\n", 0, "line 2 is not \"crisis VALUE\""},
        {"tocsin-head/1\ncrisis 42\nseq17\n", 0, "line 3 is not \"seq VALUE\""},
        {"tocsin-head/1\ncrisis 42\nseq 17\nhash {\"a\": 1, \"a\": 2}\n", 0,
         "the value of \"hash\" (line 4) is not JSON"},
        {"tocsin-head/1\ncrisis 42\nseq 17\nhash \"ab\"\nsigned_at \"t\"\n\n", 0,
         "it has a line after its \"signed_at\" line"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *values = NULL;
        tc_error err;
        tc_error_init(&err);
        size_t size = bad[i].size ? bad[i].size : strlen(bad[i].text);
        assert_int_equal(
            tc_signed_text_parse(bad[i].text, size, TC_HEAD_HEADER, tc_head_signed_names, 4, &values, &err),
            TC_EINVAL);
        assert_null(values);
        assert_string_equal(err.text, bad[i].why);
    }
    /* A text of no fields: its header alone, and nothing after it. */
    json_t *values = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_signed_text_parse("x/1\n", 4, "x/1", NULL, 0, &values, &err), 0);
    assert_int_equal(json_array_size(values), 0);
    json_decref(values);
    values = NULL;
    assert_int_equal(tc_signed_text_parse("x/1\ny 1\n", 8, "x/1", NULL, 0, &values, &err), TC_EINVAL);
    assert_string_equal(err.text, "it has a line after its \"x/1\" line");
    assert_null(values);
    /* Values of any JSON, spaces after them; a hash and time not given are written as empty strings. */
    tc_error_init(&err);
    const char *text = "tocsin-head/1\ncrisis {\"n\": [1]}  \nseq null\nhash \"a\\u001Bb\"\nsigned_at 1.5\n";
    assert_int_equal(
        tc_signed_text_parse(text, strlen(text), TC_HEAD_HEADER, tc_head_signed_names, 4, &values, &err), 0);
    assert_string_equal(json_string_value(json_array_get(values, 2)),
                        "a\x1b"
                        "b");
    assert_true(json_is_null(json_array_get(values, 1)));
    json_decref(values);
    char *none = tc_head_signed_text(1, 2, NULL, NULL);
    assert_string_equal(none, "tocsin-head/1\ncrisis 1\nseq 2\nhash \"\"\nsigned_at \"\"\n");
    free(none);
    /* Text that is not UTF-8 is no JSON string: written as an empty one, as a missing text is. */
    none = tc_head_signed_text(1, 2, "\xff", "\xc0\xaf");
    assert_string_equal(none, "tocsin-head/1\ncrisis 1\nseq 2\nhash \"\"\nsigned_at \"\"\n");
    free(none);
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

/* ---- the refusals, one defect at a time, each with its words ---- */

#define NOT_A_KEY                                                                                            \
    "is not {\"key_id\", \"role\", \"public_key\", \"registered_at\", \"revoked_at\"} with times in UTC"
#define NOT_A_HEAD                                                                                           \
    "is not a head: {\"crisis\", \"seq\", \"hash\", \"signed_at\", \"key_id\", \"signed\", \"signature\"} "  \
    "(tocsin audit head makes them)"
#define NOT_AN_EVENT                                                                                         \
    "is not an audit event: {\"seq\", \"crisis\", \"at\", \"actor\", \"login\", \"kind\", \"state\", "       \
    "\"detail\", \"prev_hash\", \"hash\", \"canonical\"} (tocsin audit export makes them)"

/* The whole message, not a part of it. */
static void expect_message(const char *export_text, const char *keys, const char *heads, int code,
                           const char *message)
{
    tc_offline_summary s;
    tc_error err;
    int rc = verify(export_text, keys, heads, &s, &err);
    if (rc != code || strcmp(err.text, message) != 0)
        fail_msg("expected %d \"%s\", got %d \"%s\"", code, message, rc, err.text);
}

/* A keys document of one key, each field a JSON text or left out (NULL). */
static char *one_key(const char *id, const char *role, const char *public_key, const char *registered_at,
                     const char *revoked_at)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{\"keys\": [{\"registered_by\": \"admin\"");
    const char *names[] = {"key_id", "role", "public_key", "registered_at", "revoked_at"};
    const char *values[] = {id, role, public_key, registered_at, revoked_at};
    for (int i = 0; i < 5; i++)
        if (values[i] != NULL)
            tc_strbuf_addf(&sb, ", \"%s\": %s", names[i], values[i]);
    tc_strbuf_add(&sb, "}]}");
    return tc_strbuf_take(&sb);
}

static char *quoted(const char *s)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "\"%s\"", s);
    return tc_strbuf_take(&sb);
}

/* An export of one signed vote by kz, at event_at. */
static char *signed_vote_export(void)
{
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve",
                 signed_command(&kz_key, 42, "council", 1, "council/KZ", "vote", "\"approve\"", "null",
                                "\"for Kazakhstan\""));
    return tc_strbuf_take(&c.sb);
}

/* Times as tocsin writes them and not: read to the microsecond, the impossible ones refused. */
static void test_offline_verify_times(void **state)
{
    (void)state;
    char *text = signed_vote_export();
    char *id = quoted(kz_key.id), *pk = quoted(kz_key.public_key);
    static const char *const not_times[] = {
        "\"\"",
        "\"2026-12-01T00:00:00\"",    /* no Z, and short */
        "\"2026-12-01T00:00:00ZZ\"",  /* something after the Z */
        "\"2026-12-01T00:00:00z\"",   /* z */
        "\"2026-12-01T00:00:00+00\"", /* an offset */
        "\"x026-12-01T00:00:00Z\"",   /* each place in turn */
        "\"2026/12-01T00:00:00Z\"",
        "\"2026-1x-01T00:00:00Z\"",
        "\"2026-12/01T00:00:00Z\"",
        "\"2026-12-0xT00:00:00Z\"",
        "\"2026-12-01t00:00:00Z\"",
        "\"2026-12-01T0x:00:00Z\"",
        "\"2026-12-01T00-00:00Z\"",
        "\"2026-12-01T00:x0:00Z\"",
        "\"2026-12-01T00:00-00Z\"",
        "\"2026-12-01T00:00:0xZ\"",
        "\" 026-12-01T00:00:00Z\"", /* below '0' */
        "\"2026-12-01T00:00:0/Z\"",
        "\"2026-00-01T00:00:00Z\"", /* no month 0 or 13 */
        "\"2026-13-01T00:00:00Z\"",
        "\"2026-12-00T00:00:00Z\"", /* no day 0, 32, 31 April */
        "\"2026-12-32T00:00:00Z\"",
        "\"2026-04-31T00:00:00Z\"",
        "\"2026-02-29T00:00:00Z\"", /* 2026 is not a leap year */
        "\"2100-02-29T00:00:00Z\"", /* nor is 2100 */
        "\"2026-12-01T24:00:00Z\"",
        "\"2026-12-01T00:60:00Z\"",
        "\"2026-12-01T00:00:61Z\"",
        "\"2026-12-01T00:00:00.Z\"",           /* a point without digits */
        "\"2026-12-01T00:00:00.1234567890Z\"", /* ten places */
        "\"2026-12-01T00:00:00.5x\"",
        "1764547200", /* a number */
        "null",
    };
    for (size_t i = 0; i < sizeof not_times / sizeof not_times[0]; i++) {
        char *keys = one_key(id, "\"kz\"", pk, not_times[i], "null");
        expect_message(text, keys, NULL, TC_EINVAL, "keys.json: key 1 " NOT_A_KEY);
        free(keys);
        /* The same text as a revocation. */
        keys = one_key(id, "\"kz\"", pk, "\"2026-12-01T00:00:00Z\"", not_times[i]);
        if (strcmp(not_times[i], "null") != 0)
            expect_message(text, keys, NULL, TC_EINVAL, "keys.json: key 1 " NOT_A_KEY);
        free(keys);
    }
    /* A key registered at the event's time is in force at it; a microsecond later it is not. The same
     * time in other forms: more places (cut to microseconds), none, and dates on each side of a year's
     * end, a leap day, and before the year 1 (the calendar's arithmetic on its negative side). */
    static const struct {
        const char *registered, *at;
        int in_force;
    } times[] = {
        {"\"2026-12-05T09:14:03.214511Z\"", "2026-12-05T09:14:03.214511Z", 1},
        {"\"2026-12-05T09:14:03.214511999Z\"", "2026-12-05T09:14:03.214511Z", 1},
        {"\"2026-12-05T09:14:03.2145119Z\"", "2026-12-05T09:14:03.214511Z", 1},
        {"\"2026-12-05T09:14:03.214512Z\"", "2026-12-05T09:14:03.214511Z", 0},
        {"\"2026-12-05T09:14:03.3Z\"", "2026-12-05T09:14:03.299999Z", 0},
        {"\"2026-12-05T09:14:03Z\"", "2026-12-05T09:14:03.000000Z", 1},
        {"\"2026-12-31T23:59:59.999999Z\"", "2027-01-01T00:00:00Z", 1},
        {"\"2027-01-01T00:00:00Z\"", "2026-12-31T23:59:59.999999Z", 0},
        {"\"2024-02-29T00:00:00Z\"", "2024-02-28T23:59:59.999999Z", 0},
        {"\"2024-02-29T23:59:59.999999Z\"", "2024-03-01T00:00:00Z", 1},
        {"\"2000-02-29T12:00:00Z\"", "2000-03-01T00:00:00Z", 1},
        {"\"0000-01-01T00:00:00Z\"", "0000-01-01T00:00:00Z", 1},
        {"\"0000-01-02T00:00:00Z\"", "0000-01-01T23:59:59.999999Z", 0},
        {"\"0000-02-29T00:00:00Z\"", "0000-02-28T23:59:59Z", 0},
        {"\"1969-12-31T23:59:59Z\"", "1970-01-01T00:00:00Z", 1},
    };
    free(text);
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        event_at = times[i].at;
        text = signed_vote_export();
        char *keys = one_key(id, "\"kz\"", pk, times[i].registered, "null");
        tc_offline_summary s;
        tc_error err;
        int rc = verify(text, keys, NULL, &s, &err);
        if (times[i].in_force ? rc != 0 : rc != TC_EFAILED || strstr(err.text, "was registered at") == NULL)
            fail_msg("registered %s, event at %s: %d %s", times[i].registered, times[i].at, rc, err.text);
        free(keys);
        free(text);
    }
    event_at = "2026-12-05T09:14:03.214511Z";
    free(pk);
    free(id);
}

/* Keys files that are not what key list --json makes, each refused with what is wrong. */
static void test_offline_verify_bad_keys(void **state)
{
    (void)state;
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve", NULL);
    char *text = tc_strbuf_take(&c.sb);
    char *id = quoted(kz_key.id), *pk = quoted(kz_key.public_key);
    const char *at = "\"2026-12-01T00:00:00Z\"";
    expect_message(text, "[]", NULL, TC_EINVAL,
                   "keys.json is not {\"keys\": [...]} (tocsin key list --json makes it)");
    expect_message(text, "{\"keys\": {}}", NULL, TC_EINVAL,
                   "keys.json is not {\"keys\": [...]} (tocsin key list --json makes it)");
    expect_failure(text, "{\"keys\": [], \"keys\": []}", NULL, TC_EINVAL, "keys.json is not JSON (line 1: ");
    expect_failure(text, "{\"keys\": [], \"keys\": []}", NULL, TC_EINVAL, "duplicate object key");
    /* Each field left out, or of another type. */
    struct {
        char *keys;
    } missing[] = {
        {one_key(NULL, "\"kz\"", pk, at, "null")}, {one_key(id, NULL, pk, at, "null")},
        {one_key(id, "\"kz\"", NULL, at, "null")}, {one_key(id, "\"kz\"", pk, NULL, "null")},
        {one_key(id, "\"kz\"", pk, at, NULL)},     {one_key(id, "\"kz\"", pk, at, "5")},
        {one_key("7", "\"kz\"", pk, at, "null")},  {one_key(id, "[\"kz\"]", pk, at, "null")},
        {one_key(id, "\"kz\"", "{}", at, "null")},
    };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        expect_message(text, missing[i].keys, NULL, TC_EINVAL, "keys.json: key 1 " NOT_A_KEY);
        free(missing[i].keys);
    }
    /* The second key of two is the one named. */
    char *good = one_key(id, "\"kz\"", pk, at, "null");
    char two[1024];
    snprintf(two, sizeof two, "%.*s, {\"key_id\": \"x\"}]}", (int)(strlen(good) - 2), good);
    expect_message(text, two, NULL, TC_EINVAL, "keys.json: key 2 " NOT_A_KEY);
    /* Listed twice. */
    snprintf(two, sizeof two, "%.*s, %s]}", (int)(strlen(good) - 2), good, strchr(good, '[') + 1);
    two[strlen(two) - 2] = '\0';
    char message[256];
    snprintf(message, sizeof message, "keys.json: key %s is listed twice", kz_key.id);
    expect_message(text, two, NULL, TC_EINVAL, message);
    /* Public keys that are not ed25519: and base64 of 32 bytes. */
    static const char *const not_keys[] = {
        "ed448:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",   /* another algorithm */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A", /* padding, then more */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 31 bytes, padded */
        "ed25519:*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* not the alphabet */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", /* bits left over */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A=", /* padding inside */
        "ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* no padding: 33 bytes */
        "ed25519:AAAA",                                         /* short */
        "ed25519:",
    };
    for (size_t i = 0; i < sizeof not_keys / sizeof not_keys[0]; i++) {
        char *q = quoted(not_keys[i]);
        char *keys = one_key(id, "\"kz\"", q, at, "null");
        snprintf(message, sizeof message,
                 "keys.json: key %s: \"%s\" is not ed25519: and the base64 of 32 bytes", kz_key.id,
                 not_keys[i]);
        expect_message(text, keys, NULL, TC_EINVAL, message);
        free(keys);
        free(q);
    }
    /* Ids that are not the key's own: another key's, longer, upper case. */
    char hex[TC_SHA256_HEX_LENGTH];
    strcpy(hex, kz_key.id);
    char upper[17];
    for (int i = 0; i < 17; i++)
        upper[i] = (char)(kz_key.id[i] >= 'a' && kz_key.id[i] <= 'f' ? kz_key.id[i] - 32 : kz_key.id[i]);
    assert_string_not_equal(upper, kz_key.id);
    char longer[18];
    snprintf(longer, sizeof longer, "%s0", kz_key.id);
    const char *const ids[] = {ru_key.id, longer, upper};
    for (size_t i = 0; i < 3; i++) {
        char *q = quoted(ids[i]);
        char *keys = one_key(q, "\"kz\"", pk, at, "null");
        snprintf(message, sizeof message, "keys.json: key %s: its id is not its public key's (%s)", ids[i],
                 hex);
        expect_message(text, keys, NULL, TC_EINVAL, message);
        free(keys);
        free(q);
    }
    free(good);
    free(pk);
    free(id);
    free(text);
}

/* A head with one field set to a JSON text (NULL: left out). */
static char *head_with(const char *good, const char *field, const char *value)
{
    json_t *h = json_loads(good, 0, NULL);
    assert_non_null(h);
    if (value == NULL)
        json_object_del(h, field);
    else
        json_object_set_new(h, field, json_loads(value, JSON_DECODE_ANY, NULL));
    char *line = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    return line;
}

/* Heads that are not heads, and heads that do not hold, each way. */
static void test_offline_verify_bad_heads(void **state)
{
    (void)state;
    char *keys = keys_document(NULL);
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    council_vote(&c, 1, &kz_key, "approve", NULL);
    char *text = tc_strbuf_take(&c.sb);
    char hash[TC_SHA256_HEX_LENGTH];
    memcpy(hash, c.last, sizeof hash);
    const char *when = "2026-12-06T00:00:00.000Z";
    char *good = head_line(&ru_key, 42, 3, hash, when);
    static const struct {
        const char *field, *value;
    } not_heads[] = {
        {"crisis", "0"},
        {"crisis", "\"42\""},
        {"seq", NULL},
        {"seq", "-3"},
        {"hash", "\"AB00000000000000000000000000000000000000000000000000000000000000\""},
        {"hash", "\"ab0000000000000000000000000000000000000000000000000000000000000\""},
        {"hash", "\"ag00000000000000000000000000000000000000000000000000000000000000\""},
        {"hash", "\"/b00000000000000000000000000000000000000000000000000000000000000\""},
        {"hash", "\"a b0000000000000000000000000000000000000000000000000000000000000\""},
        {"hash", "null"},
        {"signed_at", "\"2026-12-06\""},
        {"key_id", NULL},
        {"signed", "1"},
        {"signature", NULL},
    };
    for (size_t i = 0; i < sizeof not_heads / sizeof not_heads[0]; i++) {
        char *line = head_with(good, not_heads[i].field, not_heads[i].value);
        expect_message(text, keys, line, TC_EINVAL, "heads.jsonl line 1 " NOT_A_HEAD);
        free(line);
    }
    /* Lines that are not JSON objects, after a good one. */
    char heads[4096];
    snprintf(heads, sizeof heads, "%s\n{\"crisis\": 42,\n", good);
    expect_failure(text, keys, heads, TC_EINVAL, "heads.jsonl line 2 is not a JSON object: ");
    snprintf(heads, sizeof heads, "%s\n[\"head\"]\n", good);
    expect_message(text, keys, heads, TC_EINVAL, "heads.jsonl line 2 is not a JSON object");
    /* The same head twice, blank lines of spaces, tabs and carriage returns between, and no final line
     * break: both heads checked. */
    snprintf(heads, sizeof heads, " \t\r\n%s\r\n\t\n%s", good, good);
    tc_offline_summary s;
    tc_error err;
    assert_int_equal(verify(text, keys, heads, &s, &err), 0);
    assert_int_equal(s.heads, 2);
    char what[256];
    snprintf(what, sizeof what, "the head of crisis 42 at event 3 (heads.jsonl line 1): ");
    char message[1024];
    /* Its key not in the keys. */
    test_key stranger;
    make_key(3, &stranger);
    char *line = head_line(&stranger, 42, 3, hash, when);
    snprintf(message, sizeof message, "%ssigned by key %s, which is not in keys.json", what, stranger.id);
    expect_message(text, keys, line, TC_EFAILED, message);
    free(line);
    /* Signed texts that are not a head's, or say something else than the head. */
    char *right = tc_head_signed_text(42, 3, hash, when);
    char *other_crisis = tc_head_signed_text(43, 3, hash, when);
    char *other_seq = tc_head_signed_text(42, 2, hash, when);
    char *other_hash = tc_head_signed_text(42, 3, zeros_for_test, when);
    char *other_time = tc_head_signed_text(42, 3, hash, "2026-12-06T00:00:00.001Z");
    char crisis_text[512];
    snprintf(crisis_text, sizeof crisis_text,
             "tocsin-head/1\ncrisis \"42\"\nseq 3\nhash \"%s\"\nsigned_at \"%s\"\n", hash, when);
    char seq_text[512];
    snprintf(seq_text, sizeof seq_text, "tocsin-head/1\ncrisis 42\nseq 3.0\nhash \"%s\"\nsigned_at \"%s\"\n",
             hash, when);
    char hash_text[512];
    snprintf(hash_text, sizeof hash_text, "tocsin-head/1\ncrisis 42\nseq 3\nhash null\nsigned_at \"%s\"\n",
             when);
    char time_text[512];
    snprintf(time_text, sizeof time_text, "tocsin-head/1\ncrisis 42\nseq 3\nhash \"%s\"\nsigned_at 0\n",
             hash);
    const char *const others[] = {other_crisis, other_seq, other_hash, other_time,
                                  crisis_text,  seq_text,  hash_text,  time_text};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        line = head_signing(&ru_key, 42, 3, hash, when, others[i]);
        snprintf(message, sizeof message, "%sits signed text says another crisis, seq, hash or time", what);
        expect_message(text, keys, line, TC_EFAILED, message);
        free(line);
    }
    line = head_signing(&ru_key, 42, 3, hash, when, right + 1);
    snprintf(message, sizeof message,
             "%sits signed text is not a head's: its first line is not tocsin-head/1", what);
    expect_message(text, keys, line, TC_EFAILED, message);
    free(line);
    /* Signed by a key revoked before. */
    char *revoked = keys_document("2026-12-05T23:59:59.999999Z");
    line = head_line(&kz_key, 42, 3, hash, when);
    snprintf(message, sizeof message,
             "%skey %s of kz was revoked at 2026-12-05T23:59:59.999999Z, before 2026-12-06T00:00:00.000Z",
             what, kz_key.id);
    expect_message(text, revoked, line, TC_EFAILED, message);
    free(line);
    /* Forged: the message names the head and its key. */
    line = head_signing(&ru_key, 42, 3, hash, when, other_crisis);
    json_t *h = json_loads(line, 0, NULL);
    json_object_set_new(h, "signed", json_string(right));
    free(line);
    line = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    snprintf(message, sizeof message, "%sits signature does not hold with key %s of ru (forged)", what,
             ru_key.id);
    expect_message(text, keys, line, TC_EFAILED, message);
    free(line);
    free(revoked);
    free(right);
    free(other_crisis);
    free(other_seq);
    free(other_hash);
    free(other_time);
    free(good);
    free(text);
    free(keys);
}

/* An event's fields (no hashes): entered state x with detail. */
static json_t *entered(long long seq, long long crisis, json_t *detail)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "seq", (json_int_t)seq, "crisis",
                     (json_int_t)crisis, "at", "2026-12-05T09:14:03.214511Z", "actor", "tocsin", "login",
                     "tocsin", "kind", "entered", "state", "x", "detail", detail);
}

/* Lines that are not audit events, one field at a time. */
static void test_offline_verify_bad_lines(void **state)
{
    (void)state;
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    event(&c, "tocsin", "entered", "x", json_pack("{s:i}", "visit", 1), NULL);
    char *good = tc_strbuf_take(&c.sb);
    good[strlen(good) - 1] = '\0';
    static const struct {
        const char *field, *value;
    } not_events[] = {
        {"seq", "0"},
        {"seq", "\"1\""},
        {"crisis", NULL},
        {"crisis", "-42"},
        {"at", "\"2026-12-05\""},
        {"actor", "null"},
        {"login", "1"},
        {"kind", NULL},
        {"state", "5"},
        {"state", NULL},
        {"detail", NULL},
        {"prev_hash", "\"000000000000000000000000000000000000000000000000000000000000000\""},
        {"prev_hash", "\"000000000000000000000000000000000000000000000000000000000000000A\""},
        {"hash", NULL},
        {"canonical", "5"},
        {"signature", "\"x\""},
        {"signature", "[]"},
    };
    for (size_t i = 0; i < sizeof not_events / sizeof not_events[0]; i++) {
        char *line = head_with(good, not_events[i].field, not_events[i].value);
        expect_message(line, NULL, NULL, TC_EINVAL, "export.jsonl line 1 " NOT_AN_EVENT);
        free(line);
    }
    expect_failure("\n{\"seq\": 1,\n", NULL, NULL, TC_EINVAL, "export.jsonl line 2 is not a JSON object: ");
    expect_message("\r\n \t\n", NULL, NULL, TC_EINVAL,
                   "export.jsonl holds no audit event (tocsin audit export ID makes one)");
    /* The line itself, with state null and a detail of any JSON, is one. */
    char *line = head_with(good, "state", "null");
    tc_offline_summary s;
    tc_error err;
    assert_int_equal(verify(line, NULL, NULL, &s, &err), TC_EFAILED); /* null is not what was hashed */
    assert_non_null(
        strstr(err.text, "its state is null, but its canonical text (what was hashed) says \"x\""));
    free(line);
    free(good);
}

/* Chains broken in each way, and lines whose canonical text is not what they show. */
static void test_offline_verify_broken_chains(void **state)
{
    (void)state;
    tc_offline_summary s;
    tc_error err;
    /* Crisis 42, then 43, then 42 again. */
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    raw_event(&c, entered(1, 42, json_object()), NULL);
    chain_start(&c, 43);
    raw_event(&c, entered(1, 43, json_object()), NULL);
    chain_start(&c, 42);
    raw_event(&c, entered(1, 42, json_object()), NULL);
    char *text = tc_strbuf_take(&c.sb);
    expect_message(text, NULL, NULL, TC_EFAILED,
                   "crisis 42, event 1 (export.jsonl line 3): crisis 42 appears again after crisis 43");
    free(text);
    /* An event twice. */
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    raw_event(&c, entered(1, 42, json_object()), NULL);
    char *first = strdup(c.sb.text);
    raw_event(&c, entered(2, 42, json_object()), NULL);
    tc_strbuf_add(&c.sb, first);
    text = tc_strbuf_take(&c.sb);
    expect_message(text, NULL, NULL, TC_EFAILED,
                   "crisis 42, event 1 (export.jsonl line 3): it follows event 2 (out of order, or twice)");
    free(text);
    free(first);
    /* A chain whose first events are missing. */
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    raw_event(&c, entered(2, 42, json_object()), NULL);
    text = tc_strbuf_take(&c.sb);
    expect_message(text, NULL, NULL, TC_EFAILED,
                   "crisis 42, event 2 (export.jsonl line 1): it follows event 0 (events are missing)");
    free(text);
    /* A NUL byte escaped in a string (which C would read as the string's end) is not read at all. */
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    raw_event(&c, entered(1, 42, json_object()), NULL);
    text = tc_strbuf_take(&c.sb);
    char *nul = malloc(strlen(text) + 8);
    char *tocsin = strstr(text, "\"login\":\"tocsin\"");
    assert_non_null(tocsin);
    sprintf(nul, "%.*s\"login\":\"toc\\u0000sin\"%s", (int)(tocsin - text), text,
            tocsin + strlen("\"login\":\"tocsin\""));
    expect_failure(nul, NULL, NULL, TC_EINVAL, "export.jsonl line 1 is not a JSON object: ");
    free(nul);
    free(text);
    /* A chain that does not start from zeros: its own hash holds, its prev_hash does not. */
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    memset(c.prev, '1', 64);
    raw_event(&c, entered(1, 42, json_object()), NULL);
    text = tc_strbuf_take(&c.sb);
    char message[1024];
    snprintf(message, sizeof message,
             "crisis 42, event 1 (export.jsonl line 1): its prev_hash is %.64s, but the hash before it is %s",
             "1111111111111111111111111111111111111111111111111111111111111111", zeros_for_test);
    expect_message(text, NULL, NULL, TC_EFAILED, message);
    free(text);
    /* Canonical texts, each hashed honestly, that are not what the line shows. */
    json_t *sig = json_pack("{s:s, s:s, s:s}", "key_id", kz_key.id, "signed", "x", "signature", "y");
    char long_text[128];
    memset(long_text, 'a', 100);
    long_text[100] = '\0';
    char canonical_long[512];
    snprintf(canonical_long, sizeof canonical_long,
             "{\"seq\":1,\"crisis\":42,\"at\":\"2026-12-05T09:14:03.214511Z\",\"actor\":\"tocsin\",\"login\":"
             "\"tocsin\",\"kind\":\"entered\",\"state\":\"x\",\"detail\":{\"text\":\"%sb\"}}",
             long_text);
    static const char *const base =
        "\"seq\":1,\"crisis\":42,\"at\":\"2026-12-05T09:14:03.214511Z\",\"actor\":"
        "\"tocsin\",\"kind\":\"entered\",\"state\":\"x\",\"detail\":{}";
    char no_login[512], extra[512], with_signature[512];
    snprintf(no_login, sizeof no_login, "{%s}", base);
    snprintf(extra, sizeof extra, "{%s,\"login\":\"tocsin\",\"extra\":1}", base);
    snprintf(with_signature, sizeof with_signature, "{%s,\"login\":\"tocsin\",\"signature\":{}}", base);
    struct {
        json_t *e;
        const char *canonical, *failure;
    } lies[] = {
        {entered(1, 42, json_object()), "[1]", "its canonical text is not a JSON object"},
        {entered(1, 42, json_object()), "{\"seq\":1,\"seq\":1}", "its canonical text is not a JSON object"},
        {entered(1, 42, json_object()), no_login,
         "its login is \"tocsin\", but its canonical text (what was hashed) says (none)"},
        {entered(1, 42, json_object()), extra, "its canonical text holds fields the line does not show"},
        {entered(1, 42, json_object()), with_signature,
         "its signature is not the one its canonical text holds"},
        {entered(1, 42, json_pack("{s:s}", "text", long_text)), canonical_long,
         "its detail is {\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..., "
         "but "
         "its canonical text (what was hashed) says "
         "{\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaa..."},
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        c = (chain){.sb = TC_STRBUF_INIT};
        chain_start(&c, 42);
        raw_event(&c, lies[i].e, lies[i].canonical);
        text = tc_strbuf_take(&c.sb);
        snprintf(message, sizeof message, "crisis 42, event 1 (export.jsonl line 1): %s", lies[i].failure);
        expect_message(text, NULL, NULL, TC_EFAILED, message);
        free(text);
    }
    /* A signature the line shows and its canonical text does not. */
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    json_t *e = entered(1, 42, json_object());
    char *own = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
    json_object_set(e, "signature", sig);
    raw_event(&c, e, own);
    free(own);
    text = tc_strbuf_take(&c.sb);
    expect_message(
        text, NULL, NULL, TC_EFAILED,
        "crisis 42, event 1 (export.jsonl line 1): its signature is not the one its canonical text "
        "holds");
    free(text);
    json_decref(sig);
    /* Details compared as JSON values: the same in another spelling holds, anything else does not. */
    static const struct {
        const char *line, *canonical;
        int holds;
    } details[] = {
        {"[1, [2, \"x\"], true, null, 2.5, {\"a\": 1}]", "[1.0, [2, \"x\"], true, null, 2.50, {\"a\": 1}]",
         1},
        {"[1]", "[1, 2]", 0},
        {"[1, 2]", "[1, 3]", 0},
        {"{\"a\": 1}", "{\"b\": 1}", 0},
        {"{\"a\": 1}", "{\"a\": 1, \"b\": 1}", 0},
        {"2.5", "2.6", 0},
        {"1", "\"1\"", 0},
        {"\"1\"", "1", 0},
        {"true", "false", 0},
        {"\"a\"", "\"ab\"", 0},
        {"\"ab\"", "\"ac\"", 0},
        {"[]", "{}", 0},
    };
    for (size_t i = 0; i < sizeof details / sizeof details[0]; i++) {
        c = (chain){.sb = TC_STRBUF_INIT};
        chain_start(&c, 42);
        json_t *d = json_loads(details[i].line, JSON_DECODE_ANY, NULL);
        json_t *hashed = json_loads(details[i].canonical, JSON_DECODE_ANY, NULL);
        assert_non_null(d);
        assert_non_null(hashed);
        json_t *canonical_event = entered(1, 42, hashed);
        own = json_dumps(canonical_event, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(canonical_event);
        raw_event(&c, entered(1, 42, d), own);
        free(own);
        text = tc_strbuf_take(&c.sb);
        int rc = verify(text, NULL, NULL, &s, &err);
        if (details[i].holds ? rc != 0 : rc != TC_EFAILED || strstr(err.text, "its detail is ") == NULL)
            fail_msg("detail %s hashed as %s: %d %s", details[i].line, details[i].canonical, rc, err.text);
        free(text);
    }
}

/* An event of kind, by kz, in state, with detail and signature (both taken). */
static void by_kz(chain *c, const char *kind, const char *state, json_t *detail, json_t *signature)
{
    event(c, "kz", kind, state, detail, signature);
}

/* Signatures on events, each way what they sign differs from what the event says, and what is fine. */
static void test_offline_verify_signatures_each_way(void **state)
{
    (void)state;
    char *keys = keys_document(NULL);
    const char *what = "crisis 42, event 3 (%s by kz, export.jsonl line 3): ";
    static const struct {
        const char *kind, *entered_visit; /* the entered event's detail.visit, or NULL: no entered event */
        const char *detail;
        const char *state, *signed_state, *signed_kind, *value, *data, *reason;
        const char *failure; /* NULL: it holds */
    } cases[] = {
        /* A refusal naming the command it refused: only the crisis is checked. */
        {"refused", "1", "{\"reason\": \"closed\"}", "council", "elsewhere", "vote", "\"approve\"", "null",
         "null", NULL},
        {"vote", "1", "{\"vote\": \"approve\", \"seat\": \"council/KZ\", \"reason\": \"r\"}", "council",
         "decide", "vote", "\"approve\"", "null", "\"r\"",
         "the signed command says state \"decide\", the event \"council\""},
        /* No entered event before it, or one whose visit is not a number: no visit to sign. */
        {"vote", NULL, "{\"vote\": \"approve\", \"seat\": \"council/KZ\"}", "council", "council", "vote",
         "\"approve\"", "null", "null", "the signed command says visit 1, the event null"},
        {"vote", "\"1\"", "{\"vote\": \"approve\", \"seat\": \"council/KZ\"}", "council", "council", "vote",
         "\"approve\"", "null", "null", "the signed command says visit 1, the event null"},
        {"vote", "1", "{\"vote\": \"approve\"}", "council", "council", "vote", "\"approve\"", "null", "null",
         "the signed command says seat \"council/KZ\", the event (none)"},
        /* A vote without a reason signs null; one that signs a reason is not it. */
        {"vote", "1", "{\"vote\": \"approve\", \"seat\": \"council/KZ\"}", "council", "council", "vote",
         "\"approve\"", "null", "null", NULL},
        {"vote", "1", "{\"vote\": \"approve\", \"seat\": \"council/KZ\"}", "council", "council", "vote",
         "\"approve\"", "null", "\"r\"", "the signed command says reason \"r\", the event null"},
        {"vote", "1", "{\"seat\": \"council/KZ\"}", "council", "council", "vote", "\"approve\"", "null",
         "null", "the signed command says value \"approve\", the event null"},
        {"completed", "1", "{\"outcome\": \"done\", \"seat\": \"council/KZ\", \"data\": {\"casualties\": 2}}",
         "council", "council", "complete", "\"done\"", "{\"casualties\":3}", "null",
         "the signed command says data {\"casualties\":3}, the event {\"casualties\":2}"},
        {"completed", "1", "{\"outcome\": \"done\", \"seat\": \"council/KZ\", \"data\": {\"casualties\": 2}}",
         "council", "council", "complete", "\"done\"", "null", "null",
         "the signed command says data null, the event {\"casualties\":2}"},
        {"completed", "1", "{\"outcome\": \"done\", \"seat\": \"council/KZ\"}", "council", "council",
         "complete", "\"done\"", "{}", "null", "the signed command says data {}, the event null"},
        /* A completion whose detail has no data signs null; its reason is not checked. */
        {"completed", "1", "{\"outcome\": \"done\", \"seat\": \"council/KZ\", \"reason\": \"x\"}", "council",
         "council", "complete", "\"done\"", "null", "\"y\"", NULL},
        {"completed", "1", "{\"outcome\": \"blocked\", \"seat\": \"council/KZ\"}", "council", "council",
         "complete", "\"done\"", "null", "null",
         "the signed command says value \"done\", the event \"blocked\""},
        {"acked", "1", "{\"seat\": \"council/KZ\"}", "council", "council", "ack", "\"x\"", "null", "null",
         "the signed command says value \"x\", the event null"},
        {"acked", "1", "{\"seat\": \"council/KZ\"}", "council", "council", "complete", "null", "null", "null",
         "the signed command says kind \"complete\", the event \"ack\""},
        {"acked", "1", "{\"seat\": \"council/KZ\"}", "council", "council", "ack", "null", "null", "null",
         NULL},
        /* Data that is not an object is not what a signed null stands for. */
        {"completed", "1", "{\"outcome\": \"done\", \"seat\": \"council/KZ\", \"data\": 5}", "council",
         "council", "complete", "\"done\"", "null", "null", "the signed command says data null, the event 5"},
        /* An event of no state (entered with none too): a signature of a state is not its. */
        {"vote", "1", "{\"vote\": \"approve\", \"seat\": \"council/KZ\"}", NULL, "council", "vote",
         "\"approve\"", "null", "null", "the signed command says state \"council\", the event null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chain c = {.sb = TC_STRBUF_INIT};
        chain_start(&c, 42);
        event(&c, "tocsin", "triggered", NULL, json_object(), NULL);
        if (cases[i].entered_visit != NULL) {
            char detail[64];
            snprintf(detail, sizeof detail, "{\"visit\": %s}", cases[i].entered_visit);
            event(&c, "tocsin", "entered", cases[i].state, json_loads(detail, 0, NULL), NULL);
        } else
            event(&c, "tocsin", "entered", NULL, json_pack("{s:i}", "visit", 1), NULL);
        by_kz(&c, cases[i].kind, cases[i].state, json_loads(cases[i].detail, 0, NULL),
              signed_command(&kz_key, 42, cases[i].signed_state, 1, "council/KZ", cases[i].signed_kind,
                             cases[i].value, cases[i].data, cases[i].reason));
        char *text = tc_strbuf_take(&c.sb);
        tc_offline_summary s;
        tc_error err;
        int rc = verify(text, keys, NULL, &s, &err);
        char message[1024];
        snprintf(message, sizeof message, what, cases[i].kind);
        if (cases[i].failure == NULL) {
            if (rc != 0 || s.signatures != 1)
                fail_msg("case %zu: %d %s", i, rc, err.text);
        } else {
            strcat(message, cases[i].failure);
            if (rc != TC_EFAILED || strcmp(err.text, message) != 0)
                fail_msg("case %zu: expected \"%s\", got %d \"%s\"", i, message, rc, err.text);
        }
        free(text);
    }
    /* A refusal whose signature is of another crisis; signatures not of the form; texts not a command's. */
    chain c = {.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    event(&c, "tocsin", "triggered", NULL, json_object(), NULL);
    event(&c, "tocsin", "entered", "council", json_pack("{s:i}", "visit", 1), NULL);
    by_kz(&c, "refused", "council", json_object(),
          signed_command(&kz_key, 41, "council", 1, "council/KZ", "vote", "\"approve\"", "null", "null"));
    char *text = tc_strbuf_take(&c.sb);
    expect_message(
        text, keys, NULL, TC_EFAILED,
        "crisis 42, event 3 (refused by kz, export.jsonl line 3): the signed command says crisis 41, "
        "the event 42");
    free(text);
    static const char *const missing[] = {"key_id", "signed", "signature"};
    for (size_t i = 0; i < 3; i++) {
        c = (chain){.sb = TC_STRBUF_INIT};
        chain_start(&c, 42);
        json_t *sig =
            signed_command(&kz_key, 42, "council", 1, "council/KZ", "vote", "\"approve\"", "null", "null");
        json_object_del(sig, missing[i]);
        by_kz(&c, "vote", "council", json_object(), sig);
        text = tc_strbuf_take(&c.sb);
        expect_message(
            text, keys, NULL, TC_EFAILED,
            "crisis 42, event 1 (vote by kz, export.jsonl line 1): its signature is not {\"key_id\", "
            "\"signed\", \"signature\"}");
        /* Without keys it is counted, not read. */
        tc_offline_summary s;
        tc_error err;
        assert_int_equal(verify(text, NULL, NULL, &s, &err), 0);
        assert_int_equal(s.unchecked, 1);
        free(text);
    }
    c = (chain){.sb = TC_STRBUF_INIT};
    chain_start(&c, 42);
    char sig[TC_SHA256_HEX_LENGTH];
    fake_sign(kz_key.public_key, "tocsin-command/1\nvisit 1\n", sig);
    by_kz(&c, "vote", "council", json_object(),
          json_pack("{s:s, s:s, s:s}", "key_id", kz_key.id, "signed", "tocsin-command/1\nvisit 1\n",
                    "signature", sig));
    text = tc_strbuf_take(&c.sb);
    expect_message(
        text, keys, NULL, TC_EFAILED,
        "crisis 42, event 1 (vote by kz, export.jsonl line 1): its signed text is not a command's: "
        "signed text: line 2 is not the field crisis");
    free(text);
    free(keys);
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
        cmocka_unit_test(test_offline_verify_signed_text_each_way),
        cmocka_unit_test(test_offline_verify_each_field_of_a_line),
        cmocka_unit_test(test_offline_verify_times),
        cmocka_unit_test(test_offline_verify_bad_keys),
        cmocka_unit_test(test_offline_verify_bad_heads),
        cmocka_unit_test(test_offline_verify_bad_lines),
        cmocka_unit_test(test_offline_verify_broken_chains),
        cmocka_unit_test(test_offline_verify_signatures_each_way),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
