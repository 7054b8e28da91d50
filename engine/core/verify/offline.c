/*
 * Offline verification of an exported audit (verify/offline.h).
 *
 * The verifier reads the keys, then checks each head on its own (its
 * signature and its signed text), then walks the export line by line, one
 * chain after another, keeping only what the next line needs: the current
 * chain's last hash and seq, the visit of each state entered so far (a signed
 * command names the visit it was made in), and which crises it has seen. The
 * heads are indexed by "crisis:seq", so each event finds the heads that pin
 * it as it goes; those left over at the end either name a crisis the export
 * holds but ends before (a failure) or one it does not hold (counted).
 *
 * Every failure stops the walk: the first one is the one named. A file that
 * is not what it should be is TC_EINVAL (exit 3), a record that does not hold
 * TC_EFAILED (exit 1): the line of an export whose hash was edited is a
 * well-formed line that lies, not bad input.
 */
#include "core/verify/offline.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base/alloc.h"
#include "core/base/sha256.h"
#include "core/machine/signature.h"
#include "core/verify/signed_text.h"

typedef struct key {
    const char *id, *role, *public_key; /* borrowed from the keys document */
    const char *registered_at, *revoked_at;
    int64_t registered_us, revoked_us; /* revoked_us: INT64_MAX while in force */
} key;

typedef struct head {
    long long crisis, seq, line;
    const char *hash, *signed_at, *key_id; /* borrowed from the head's JSON, kept in heads_json */
    int matched;
} head;

typedef struct verifier {
    const tc_offline_file *export_file, *keys_file, *heads_file;
    tc_signature_check check;
    json_t *keys_json;
    key *keys;
    size_t key_count;
    json_t *heads_json; /* the heads' documents, which their fields point into */
    head *heads;
    size_t head_count;
    json_t *heads_at; /* "crisis:seq" -> [index of a head] */
    /* The walk of the export. */
    long long line;
    long long crisis; /* the chain being read; 0 before the first line */
    long long seq;    /* its last event's */
    char prev[TC_SHA256_HEX_LENGTH];
    json_t *visits; /* state path -> visit, of the chain being read */
    json_t *crises; /* crisis id -> its last seq, every chain read */
    tc_offline_summary summary;
} verifier;

static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- small readers ---- */

static int is_hex64(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * A UTC time as tocsin writes them, "2026-12-05T09:14:03.214511Z" (the
 * fraction may have 0 to 9 digits): microseconds since 1970 into *us, or -1.
 */
static int parse_utc(const char *s, int64_t *us)
{
    int y, mo, d, h, mi, se;
    if (s == NULL || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
        digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
        mi > 59 || se > 60)
        return -1;
    const char *p = s + 19;
    int64_t fraction = 0;
    int places = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, places++)
            if (places < 6)
                fraction = fraction * 10 + (*p - '0');
        if (places == 0 || places > 9)
            return -1;
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return -1;
    for (; places < 6; places++)
        fraction *= 10;
    *us = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * INT64_C(60000000) + se * INT64_C(1000000) +
          fraction;
    return 0;
}

/* Standard base64 with its padding, exactly out_size bytes: 0, or -1. */
static int base64_decode(const char *s, unsigned char *out, size_t out_size)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t length = strlen(s);
    if (length != (out_size + 2) / 3 * 4)
        return -1;
    size_t n = 0;
    uint32_t bits = 0;
    int count = 0;
    for (size_t i = 0; i < length; i++) {
        if (s[i] == '=') {
            if (i < length - 2 || (i == length - 2 && s[i + 1] != '='))
                return -1;
            break;
        }
        const char *at = strchr(alphabet, s[i]);
        if (at == NULL)
            return -1;
        bits = bits << 6 | (uint32_t)(at - alphabet);
        if ((count += 6) >= 8) {
            count -= 8;
            if (n == out_size)
                return -1;
            out[n++] = (unsigned char)(bits >> count);
        }
    }
    /* The bits left over must be zero, or two texts would read as the same key. */
    return n == out_size && (bits & ((1u << count) - 1)) == 0 ? 0 : -1;
}

static int is_number(json_type type)
{
    return type == JSON_INTEGER || type == JSON_REAL;
}

/* Whether a and b are the same JSON value, numbers compared as numbers (1 and 1.0 alike). */
static int same(const json_t *a, const json_t *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (is_number(json_typeof(a)) && is_number(json_typeof(b))) {
        if (json_typeof(a) == JSON_INTEGER && json_typeof(b) == JSON_INTEGER)
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return 0;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        for (void *it = json_object_iter((json_t *)a); it != NULL;
             it = json_object_iter_next((json_t *)a, it))
            if (!same(json_object_iter_value(it), json_object_get(b, json_object_iter_key(it))))
                return 0;
        return 1;
    }
    default: /* true, false, null: their type says it all */
        return 1;
    }
}

/* A JSON value in a message: compact, cut at 80 bytes. */
static void shown(const json_t *value, char *buf, size_t size)
{
    char *text = value ? json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL && strlen(text) > 80)
        snprintf(buf, size, "%.77s...", text);
    else
        snprintf(buf, size, "%s", text ? text : "(none)");
    free(text);
}

static const char *str(const json_t *object, const char *name)
{
    return json_string_value(json_object_get(object, name));
}

static int positive(const json_t *object, const char *name, long long *out)
{
    const json_t *v = json_object_get(object, name);
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return -1;
    *out = (long long)json_integer_value(v);
    return 0;
}

/* ---- the keys ---- */

/* id is never NULL: keys, heads and signatures without one are refused before they are looked up. */
static const key *find_key(const verifier *v, const char *id)
{
    for (size_t i = 0; i < v->key_count; i++)
        if (strcmp(v->keys[i].id, id) == 0)
            return &v->keys[i];
    return NULL;
}

static int read_keys(verifier *v, tc_error *err)
{
    const tc_offline_file *f = v->keys_file;
    json_error_t jerr;
    v->keys_json = json_loadb(f->text, f->size, JSON_REJECT_DUPLICATES, &jerr);
    if (v->keys_json == NULL)
        return tc_error_set(err, TC_EINVAL, "%s is not JSON (line %d: %s)", f->name, jerr.line, jerr.text);
    json_t *list = json_object_get(v->keys_json, "keys");
    if (!json_is_array(list))
        return tc_error_set(err, TC_EINVAL, "%s is not {\"keys\": [...]} (tocsin key list --json makes it)",
                            f->name);
    v->key_count = json_array_size(list);
    v->keys = tc_xcalloc(v->key_count ? v->key_count : 1, sizeof *v->keys);
    for (size_t i = 0; i < v->key_count; i++) {
        json_t *k = json_array_get(list, i);
        key *out = &v->keys[i];
        out->id = str(k, "key_id");
        out->role = str(k, "role");
        out->public_key = str(k, "public_key");
        out->registered_at = str(k, "registered_at");
        json_t *revoked = json_object_get(k, "revoked_at");
        out->revoked_at = json_string_value(revoked);
        out->revoked_us = INT64_MAX;
        if (out->id == NULL || out->role == NULL || out->public_key == NULL ||
            parse_utc(out->registered_at, &out->registered_us) != 0 ||
            !(json_is_null(revoked) || parse_utc(out->revoked_at, &out->revoked_us) == 0))
            return tc_error_set(
                err, TC_EINVAL,
                "%s: key %zu is not {\"key_id\", \"role\", \"public_key\", \"registered_at\", "
                "\"revoked_at\"} with times in UTC",
                f->name, i + 1);
        /* The id is the key's own (docs/signatures.md): a file that names a key by another's id is refused.
         */
        unsigned char bytes[32];
        char hex[TC_SHA256_HEX_LENGTH];
        if (strncmp(out->public_key, "ed25519:", 8) != 0 ||
            base64_decode(out->public_key + 8, bytes, 32) != 0)
            return tc_error_set(err, TC_EINVAL,
                                "%s: key %s: \"%s\" is not ed25519: and the base64 of 32 bytes", f->name,
                                out->id, out->public_key);
        tc_sha256_hex(bytes, sizeof bytes, hex);
        if (strlen(out->id) != 16 || strncmp(hex, out->id, 16) != 0)
            return tc_error_set(err, TC_EINVAL, "%s: key %s: its id is not its public key's (%.16s)", f->name,
                                out->id, hex);
        if (find_key(v, out->id) != out)
            return tc_error_set(err, TC_EINVAL, "%s: key %s is listed twice", f->name, out->id);
    }
    return 0;
}

/*
 * Whether k was in force at the time when (an event's at, a head's
 * signed_at): 0, or TC_EFAILED naming what, with the message's start.
 */
static int key_in_force(const key *k, const char *when, int64_t when_us, const char *what, tc_error *err)
{
    if (when_us < k->registered_us)
        return tc_error_set(err, TC_EFAILED, "%s: key %s of %s was registered at %s, after %s", what, k->id,
                            k->role, k->registered_at, when);
    if (when_us >= k->revoked_us)
        return tc_error_set(err, TC_EFAILED, "%s: key %s of %s was revoked at %s, before %s", what, k->id,
                            k->role, k->revoked_at, when);
    return 0;
}

/* ---- the heads ---- */

static int read_head(verifier *v, json_t *doc, long long line, tc_error *err)
{
    const tc_offline_file *f = v->heads_file;
    head h = {.line = line};
    const char *signed_text = str(doc, "signed"), *signature = str(doc, "signature");
    h.hash = str(doc, "hash");
    h.signed_at = str(doc, "signed_at");
    h.key_id = str(doc, "key_id");
    int64_t signed_us;
    if (positive(doc, "crisis", &h.crisis) || positive(doc, "seq", &h.seq) || !is_hex64(h.hash) ||
        parse_utc(h.signed_at, &signed_us) || h.key_id == NULL || signed_text == NULL || signature == NULL)
        return tc_error_set(err, TC_EINVAL,
                            "%s line %lld is not a head: {\"crisis\", \"seq\", \"hash\", \"signed_at\", "
                            "\"key_id\", \"signed\", \"signature\"} (tocsin audit head makes them)",
                            f->name, line);
    char what[384];
    snprintf(what, sizeof what, "the head of crisis %lld at event %lld (%s line %lld)", h.crisis, h.seq,
             f->name, line);
    const key *k = find_key(v, h.key_id);
    if (k == NULL)
        return tc_error_set(err, TC_EFAILED, "%s: signed by key %s, which is not in %s", what, h.key_id,
                            v->keys_file->name);
    if (!v->check(k->public_key, signed_text, strlen(signed_text), signature))
        return tc_error_set(err, TC_EFAILED, "%s: its signature does not hold with key %s of %s (forged)",
                            what, k->id, k->role);
    json_t *values = NULL;
    tc_error why;
    tc_error_init(&why);
    if (tc_signed_text_parse(signed_text, strlen(signed_text), TC_HEAD_HEADER, tc_head_signed_names, 4,
                             &values, &why) != 0)
        return tc_error_set(err, TC_EFAILED, "%s: its signed text is not a head's: %s", what, why.text);
    /* The four values the parse found, none of them NULL. */
    json_t *crisis = json_array_get(values, 0), *seq = json_array_get(values, 1),
           *hash = json_array_get(values, 2), *signed_at = json_array_get(values, 3);
    int ok = json_typeof(crisis) == JSON_INTEGER && json_integer_value(crisis) == h.crisis &&
             json_typeof(seq) == JSON_INTEGER && json_integer_value(seq) == h.seq &&
             json_typeof(hash) == JSON_STRING && strcmp(json_string_value(hash), h.hash) == 0 &&
             json_typeof(signed_at) == JSON_STRING && strcmp(json_string_value(signed_at), h.signed_at) == 0;
    json_decref(values);
    if (!ok)
        return tc_error_set(err, TC_EFAILED, "%s: its signed text says another crisis, seq, hash or time",
                            what);
    int rc = key_in_force(k, h.signed_at, signed_us, what, err);
    if (rc != 0)
        return rc;
    v->heads = tc_xrealloc(v->heads, (v->head_count + 1) * sizeof *v->heads);
    v->heads[v->head_count] = h;
    char at[48];
    snprintf(at, sizeof at, "%lld:%lld", h.crisis, h.seq);
    json_t *list = json_object_get(v->heads_at, at);
    if (list == NULL)
        json_object_set_new(v->heads_at, at, list = json_array());
    json_array_append_new(list, json_integer((json_int_t)v->head_count));
    v->head_count++;
    return 0;
}

/* Calls each(v, doc, line number) for each line of f that is not blank; TC_EINVAL for one that is not an
 * object. */
static int each_line(verifier *v, const tc_offline_file *f,
                     int (*each)(verifier *, json_t *, long long, tc_error *), tc_error *err)
{
    const char *p = f->text, *end = f->text + f->size;
    long long number = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        number++;
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < stop) {
            json_error_t jerr;
            json_t *doc = json_loadb(p, (size_t)(stop - p), JSON_REJECT_DUPLICATES, &jerr);
            if (!json_is_object(doc)) {
                json_decref(doc);
                return tc_error_set(err, TC_EINVAL, "%s line %lld is not a JSON object%s%s", f->name, number,
                                    doc == NULL ? ": " : "", doc == NULL ? jerr.text : "");
            }
            int rc = each(v, doc, number, err);
            if (f == v->heads_file)
                json_array_append_new(v->heads_json, doc); /* the head points into it */
            else
                json_decref(doc);
            if (rc != 0)
                return rc;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* ---- the export ---- */

/* The field a signed command names beside the event's own, for a message. */
static int mismatch(const char *what, const char *field, const json_t *signed_value,
                    const json_t *event_value, tc_error *err)
{
    char a[96], b[96];
    shown(signed_value, a, sizeof a);
    shown(event_value, b, sizeof b);
    return tc_error_set(err, TC_EFAILED, "%s: the signed command says %s %s, the event %s", what, field, a,
                        b);
}

/* A signature on an event (docs/signatures.md, "A signed command"). */
static int check_signature(verifier *v, json_t *e, json_t *signature, const char *what, tc_error *err)
{
    if (v->keys_file->text == NULL) {
        v->summary.unchecked++;
        return 0;
    }
    const char *key_id = str(signature, "key_id"), *signed_text = str(signature, "signed"),
               *sig = str(signature, "signature");
    if (key_id == NULL || signed_text == NULL || sig == NULL)
        return tc_error_set(err, TC_EFAILED,
                            "%s: its signature is not {\"key_id\", \"signed\", \"signature\"}", what);
    const key *k = find_key(v, key_id);
    if (k == NULL)
        return tc_error_set(err, TC_EFAILED, "%s: signed by key %s, which is not in %s", what, key_id,
                            v->keys_file->name);
    const char *actor = str(e, "actor");
    if (strcmp(k->role, actor) != 0)
        return tc_error_set(err, TC_EFAILED, "%s: signed by key %s of %s, not a key of the event's actor %s",
                            what, k->id, k->role, actor);
    int64_t at_us = 0;
    parse_utc(str(e, "at"), &at_us); /* read when the line was */
    int rc = key_in_force(k, str(e, "at"), at_us, what, err);
    if (rc != 0)
        return rc;
    if (!v->check(k->public_key, signed_text, strlen(signed_text), sig))
        return tc_error_set(err, TC_EFAILED,
                            "%s: its signature does not hold with key %s of %s (forged, or the "
                            "signed text was changed)",
                            what, k->id, k->role);
    /* Read back by the engine's own reader (core/machine/signature.h): one home for the form. */
    tc_signed_command parsed;
    json_t *fields = NULL;
    tc_error why;
    tc_error_init(&why);
    if (tc_signed_command_parse(signed_text, &parsed, &fields, &why) != 0) {
        json_decref(fields);
        return tc_error_set(err, TC_EFAILED, "%s: its signed text is not a command's: %s", what, why.text);
    }
    json_t *detail = json_object_get(e, "detail");
    const char *kind = str(e, "kind");
    const char *command = strcmp(kind, "vote") == 0        ? "vote"
                          : strcmp(kind, "completed") == 0 ? "complete"
                          : strcmp(kind, "acked") == 0     ? "ack"
                                                           : NULL;
    json_t *state = json_object_get(e, "state");
    /* The line was read first: its state is a string or null, never missing. */
    json_t *visit =
        json_typeof(state) == JSON_STRING ? json_object_get(v->visits, json_string_value(state)) : NULL;
    json_t *null = json_null();
    rc = 0;
    if (!same(json_object_get(fields, "crisis"), json_object_get(e, "crisis")))
        rc = mismatch(what, "crisis", json_object_get(fields, "crisis"), json_object_get(e, "crisis"), err);
    else if (command == NULL) {
        /* Another kind of event (a refusal) may carry the signature of the command it is about: the
         * signature and its crisis are checked, what it says is the refusal's business. */
    } else if (!same(json_object_get(fields, "state"), state))
        rc = mismatch(what, "state", json_object_get(fields, "state"), state, err);
    else if (!same(json_object_get(fields, "visit"), visit ? visit : null))
        rc = mismatch(what, "visit", json_object_get(fields, "visit"), visit ? visit : null, err);
    else if (!same(json_object_get(fields, "seat"), json_object_get(detail, "seat")))
        rc = mismatch(what, "seat", json_object_get(fields, "seat"), json_object_get(detail, "seat"), err);
    else if (strcmp(parsed.kind, command) != 0) { /* a string: the reader refuses any other kind */
        json_t *want = json_string(command);
        rc = mismatch(what, "kind", json_object_get(fields, "kind"), want, err);
        json_decref(want);
    } else {
        json_t *value = strcmp(command, "vote") == 0       ? json_object_get(detail, "vote")
                        : strcmp(command, "complete") == 0 ? json_object_get(detail, "outcome")
                                                           : null;
        json_t *data = json_object_get(detail, "data");
        json_t *signed_data = json_object_get(fields, "data");
        /* A completion without data is audited with {}: signed as null. The signed text always has its data
         * (an object or null: the parse refuses anything else); an event without data is the same as a
         * null, so the second test only sees data that is there. */
        int data_same = same(signed_data, data ? data : null) ||
                        (json_typeof(signed_data) == JSON_NULL && json_typeof(data) == JSON_OBJECT &&
                         json_object_size(data) == 0);
        json_t *reason = json_object_get(detail, "reason");
        if (!same(json_object_get(fields, "value"), value ? value : null))
            rc = mismatch(what, "value", json_object_get(fields, "value"), value ? value : null, err);
        else if (!data_same)
            rc = mismatch(what, "data", signed_data, data ? data : null, err);
        else if (strcmp(command, "vote") == 0 &&
                 !same(json_object_get(fields, "reason"), reason ? reason : null))
            rc = mismatch(what, "reason", json_object_get(fields, "reason"), reason ? reason : null, err);
    }
    json_decref(null);
    json_decref(fields);
    if (rc == 0)
        v->summary.signatures++;
    return rc;
}

/* The heads that pin this event: each must name its hash. */
static int check_heads(verifier *v, long long crisis, long long seq, const char *hash, tc_error *err)
{
    char at[48];
    snprintf(at, sizeof at, "%lld:%lld", crisis, seq);
    json_t *list = json_object_get(v->heads_at, at);
    for (size_t i = 0; i < json_array_size(list); i++) {
        head *h = &v->heads[json_integer_value(json_array_get(list, i))];
        const key *k = find_key(v, h->key_id);
        if (strcmp(h->hash, hash) != 0)
            return tc_error_set(
                err, TC_EFAILED,
                "crisis %lld, event %lld: its hash is %s, but the head signed by %s (key %s) at %s "
                "says %s (%s line %lld): the chain was rewritten",
                crisis, seq, hash, k->role, k->id, h->signed_at, h->hash, v->heads_file->name, h->line);
        h->matched = 1;
        v->summary.heads++;
    }
    return 0;
}

static const char *const canonical_names[] = {"seq",   "crisis", "at",    "actor",
                                              "login", "kind",   "state", "detail"};

static int read_event(verifier *v, json_t *e, long long line, tc_error *err)
{
    const tc_offline_file *f = v->export_file;
    long long seq, crisis;
    const char *prev_hash = str(e, "prev_hash"), *hash = str(e, "hash"), *canonical = str(e, "canonical");
    json_t *state = json_object_get(e, "state"), *signature = json_object_get(e, "signature");
    int64_t at_us;
    if (positive(e, "seq", &seq) || positive(e, "crisis", &crisis) || parse_utc(str(e, "at"), &at_us) ||
        str(e, "actor") == NULL || str(e, "login") == NULL || str(e, "kind") == NULL ||
        !(json_is_string(state) || json_is_null(state)) || json_object_get(e, "detail") == NULL ||
        !is_hex64(prev_hash) || !is_hex64(hash) || canonical == NULL ||
        !(signature == NULL || json_typeof(signature) == JSON_OBJECT))
        return tc_error_set(
            err, TC_EINVAL,
            "%s line %lld is not an audit event: {\"seq\", \"crisis\", \"at\", \"actor\", "
            "\"login\", \"kind\", \"state\", \"detail\", \"prev_hash\", \"hash\", \"canonical\"} "
            "(tocsin audit export makes them)",
            f->name, line);
    v->summary.events++;
    char what[384];
    snprintf(what, sizeof what, "crisis %lld, event %lld (%s line %lld)", crisis, seq, f->name, line);

    /* Its place in a chain. */
    char id[24];
    if (crisis != v->crisis) {
        snprintf(id, sizeof id, "%lld", crisis);
        if (json_object_get(v->crises, id) != NULL)
            return tc_error_set(err, TC_EFAILED, "%s: crisis %lld appears again after crisis %lld", what,
                                crisis, v->crisis);
        v->crisis = crisis;
        v->seq = 0;
        memcpy(v->prev, zeros, sizeof zeros);
        json_object_clear(v->visits);
        v->summary.crises++;
    }
    if (seq != v->seq + 1)
        return tc_error_set(err, TC_EFAILED, "%s: it follows event %lld (%s)", what, v->seq,
                            seq <= v->seq ? "out of order, or twice" : "events are missing");
    if (strcmp(prev_hash, v->prev) != 0)
        return tc_error_set(err, TC_EFAILED, "%s: its prev_hash is %s, but the hash before it is %s", what,
                            prev_hash, v->prev);
    char computed[TC_SHA256_HEX_LENGTH];
    tc_sha256 ctx;
    tc_sha256_init(&ctx);
    tc_sha256_update(&ctx, prev_hash, 64);
    tc_sha256_update(&ctx, canonical, strlen(canonical));
    uint8_t digest[TC_SHA256_LENGTH];
    tc_sha256_final(&ctx, digest);
    for (int i = 0; i < TC_SHA256_LENGTH; i++)
        snprintf(computed + 2 * i, 3, "%02x", digest[i]);
    if (strcmp(computed, hash) != 0)
        return tc_error_set(
            err, TC_EFAILED,
            "%s: its hash is %s, but the sha256 of its prev_hash and canonical text is %s (the "
            "event was edited)",
            what, hash, computed);

    /* What was hashed is what the line says. */
    json_t *c = json_loads(canonical, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(c)) {
        json_decref(c);
        return tc_error_set(err, TC_EFAILED, "%s: its canonical text is not a JSON object", what);
    }
    int rc = 0;
    size_t expected = sizeof canonical_names / sizeof canonical_names[0] + (signature != NULL);
    for (size_t i = 0; rc == 0 && i < sizeof canonical_names / sizeof canonical_names[0]; i++)
        if (!same(json_object_get(c, canonical_names[i]), json_object_get(e, canonical_names[i]))) {
            char a[96], b[96];
            shown(json_object_get(c, canonical_names[i]), a, sizeof a);
            shown(json_object_get(e, canonical_names[i]), b, sizeof b);
            rc = tc_error_set(err, TC_EFAILED,
                              "%s: its %s is %s, but its canonical text (what was hashed) says %s", what,
                              canonical_names[i], b, a);
        }
    if (rc == 0 && !same(json_object_get(c, "signature"), signature))
        rc = tc_error_set(err, TC_EFAILED, "%s: its signature is not the one its canonical text holds", what);
    if (rc == 0 && json_object_size(c) != expected)
        rc =
            tc_error_set(err, TC_EFAILED, "%s: its canonical text holds fields the line does not show", what);
    json_decref(c);
    if (rc != 0)
        return rc;

    snprintf(what, sizeof what, "crisis %lld, event %lld (%s by %s, %s line %lld)", crisis, seq,
             str(e, "kind"), str(e, "actor"), f->name, line);
    if (signature != NULL && (rc = check_signature(v, e, signature, what, err)) != 0)
        return rc;
    /* A signed command names the visit of its state: the last entered event of it says which. */
    if (strcmp(str(e, "kind"), "entered") == 0 && json_typeof(state) == JSON_STRING &&
        json_is_integer(json_object_get(json_object_get(e, "detail"), "visit")))
        json_object_set(v->visits, json_string_value(state),
                        json_object_get(json_object_get(e, "detail"), "visit"));

    v->seq = seq;
    memcpy(v->prev, hash, sizeof v->prev);
    snprintf(id, sizeof id, "%lld", crisis);
    json_object_set_new(v->crises, id, json_integer((json_int_t)seq));
    return check_heads(v, crisis, seq, hash, err);
}

/* The heads no event met: of a crisis the export holds (it ends before them), or of another. */
static int unmet_heads(verifier *v, tc_error *err)
{
    for (size_t i = 0; i < v->head_count; i++) {
        const head *h = &v->heads[i];
        if (h->matched)
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", h->crisis);
        json_t *last = json_object_get(v->crises, id);
        if (last == NULL) {
            v->summary.heads_elsewhere++;
            continue;
        }
        const key *k = find_key(v, h->key_id);
        return tc_error_set(
            err, TC_EFAILED,
            "crisis %lld: the export ends at event %lld, but the head signed by %s (key %s) at %s "
            "pins event %lld (%s line %lld): events were removed",
            h->crisis, (long long)json_integer_value(last), k->role, k->id, h->signed_at, h->seq,
            v->heads_file->name, h->line);
    }
    return 0;
}

int tc_offline_verify(const tc_offline_file *export_file, const tc_offline_file *keys,
                      const tc_offline_file *heads, tc_signature_check check, tc_offline_summary *summary,
                      tc_error *err)
{
    if (heads->text != NULL && keys->text == NULL)
        return tc_error_set(err, TC_EUSAGE,
                            "--heads needs --keys: a head is only as good as its signer's key");
    verifier v = {
        .export_file = export_file,
        .keys_file = keys,
        .heads_file = heads,
        .check = check,
        .heads_json = json_array(),
        .heads_at = json_object(),
        .visits = json_object(),
        .crises = json_object(),
    };
    int rc = 0;
    if (keys->text != NULL)
        rc = read_keys(&v, err);
    if (rc == 0 && heads->text != NULL)
        rc = each_line(&v, heads, read_head, err);
    if (rc == 0)
        rc = each_line(&v, export_file, read_event, err);
    if (rc == 0 && v.summary.events == 0)
        rc = tc_error_set(err, TC_EINVAL, "%s holds no audit event (tocsin audit export ID makes one)",
                          export_file->name);
    if (rc == 0)
        rc = unmet_heads(&v, err);
    if (rc == 0)
        *summary = v.summary;
    json_decref(v.keys_json);
    free(v.keys);
    json_decref(v.heads_json);
    free(v.heads);
    json_decref(v.heads_at);
    json_decref(v.visits);
    json_decref(v.crises);
    return rc;
}
