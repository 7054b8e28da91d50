/* Signed commands: their text, read back and compared (core/machine/signature.h). */
#include "core/machine/signature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"
#include "core/machine/machine_internal.h"

static const char *const field_names[] = {"crisis",   "playbook_sha256", "state", "visit",  "seat",
                                          "kind",     "value",           "data",  "reason", "key",
                                          "signed_at"};
#define FIELD_COUNT (sizeof field_names / sizeof field_names[0])

/* Appends "name VALUE\n", the value as compact JSON (taken). */
static void add_field(tc_strbuf *sb, const char *name, json_t *value)
{
    char *text = value ? json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    tc_strbuf_addf(sb, "%s %s\n", name, text ? text : "null");
    free(text);
    json_decref(value);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *tc_signed_command_text(const tc_signed_command *c)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "%s\n", TC_SIGNED_COMMAND_HEADER);
    add_field(&sb, "crisis", json_integer(c->crisis));
    add_field(&sb, "playbook_sha256", string_or_null(c->playbook_sha256));
    add_field(&sb, "state", string_or_null(c->state));
    add_field(&sb, "visit", json_integer(c->visit));
    add_field(&sb, "seat", string_or_null(c->seat));
    add_field(&sb, "kind", string_or_null(c->kind));
    add_field(&sb, "value", string_or_null(c->value));
    add_field(&sb, "data", c->data ? json_incref(c->data) : json_null());
    add_field(&sb, "reason", string_or_null(c->reason));
    add_field(&sb, "key", string_or_null(c->key));
    add_field(&sb, "signed_at", string_or_null(c->signed_at));
    return tc_strbuf_take(&sb);
}

/* A field's value (there: every field was read): a string, or NULL for null; TC_EINVAL for anything else. */
static int read_string(json_t *v, const char *name, const char **out, int nullable, tc_error *err)
{
    if (json_typeof(v) == JSON_STRING) {
        *out = json_string_value(v);
        return 0;
    }
    if (nullable && json_typeof(v) == JSON_NULL) {
        *out = NULL;
        return 0;
    }
    return tc_error_set(err, TC_EINVAL, "signed text: %s must be a string%s", name,
                        nullable ? " or null" : "");
}

int tc_signed_command_parse(const char *text, tc_signed_command *out, json_t **holder, tc_error *err)
{
    memset(out, 0, sizeof *out);
    *holder = json_object();
    size_t header = strlen(TC_SIGNED_COMMAND_HEADER);
    if (text == NULL || strncmp(text, TC_SIGNED_COMMAND_HEADER, header) != 0 || text[header] != '\n')
        return tc_error_set(err, TC_EINVAL, "signed text: it does not begin with %s",
                            TC_SIGNED_COMMAND_HEADER);
    const char *line = text + header + 1;
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        const char *end = strchr(line, '\n');
        size_t n = strlen(field_names[i]);
        if (end == NULL || strncmp(line, field_names[i], n) != 0 || line[n] != ' ')
            return tc_error_set(err, TC_EINVAL, "signed text: line %zu is not the field %s", i + 2,
                                field_names[i]);
        json_error_t jerr;
        json_t *value = json_loadb(line + n + 1, (size_t)(end - line - n - 1),
                                   JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
        if (value == NULL)
            return tc_error_set(err, TC_EINVAL, "signed text: the value of %s is not JSON: %s",
                                field_names[i], jerr.text);
        json_object_set_new(*holder, field_names[i], value);
        line = end + 1;
    }
    if (*line != '\0')
        return tc_error_set(err, TC_EINVAL, "signed text: something follows its last field");
    /* Every field was read, in its order: each is there. */
    json_t *h = *holder;
    json_t *crisis = json_object_get(h, "crisis"), *visit = json_object_get(h, "visit");
    json_t *data = json_object_get(h, "data");
    if (json_typeof(crisis) != JSON_INTEGER || json_typeof(visit) != JSON_INTEGER)
        return tc_error_set(err, TC_EINVAL, "signed text: crisis and visit must be whole numbers");
    out->crisis = (long long)json_integer_value(crisis);
    out->visit = (long long)json_integer_value(visit);
    if (json_typeof(data) != JSON_OBJECT && json_typeof(data) != JSON_NULL)
        return tc_error_set(err, TC_EINVAL, "signed text: data must be an object or null");
    out->data = json_typeof(data) == JSON_OBJECT ? data : NULL;
    int rc =
        read_string(json_object_get(h, "playbook_sha256"), "playbook_sha256", &out->playbook_sha256, 0, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "state"), "state", &out->state, 0, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "seat"), "seat", &out->seat, 0, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "kind"), "kind", &out->kind, 0, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "value"), "value", &out->value, 1, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "reason"), "reason", &out->reason, 1, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "key"), "key", &out->key, 1, err);
    if (rc == 0)
        rc = read_string(json_object_get(h, "signed_at"), "signed_at", &out->signed_at, 0, err);
    return rc;
}

int tc_signed_command_expect(const tc_playbook *pb, const tc_instance *inst, const tc_event *ev,
                             const char *playbook_sha256, const char *key, tc_signed_command *out,
                             char seat[160], tc_error *err)
{
    memset(out, 0, sizeof *out);
    const char *kind = ev->kind == TC_EVENT_VOTE       ? "vote"
                       : ev->kind == TC_EVENT_COMPLETE ? "complete"
                       : ev->kind == TC_EVENT_ACK      ? "ack"
                                                       : NULL;
    if (kind == NULL)
        return tc_error_set(err, TC_EINVAL, "only votes, completions and acknowledgements are signed");
    const tc_state *s = ev->state ? tc_playbook_state(pb, ev->state) : NULL;
    const tc_activation *a = s ? tc_instance_activation(inst, s->index) : NULL;
    if (a == NULL)
        return tc_error_set(err, TC_ENOTFOUND, "state %s is not active", ev->state ? ev->state : "(none)");
    int party = -1;
    if (ev->party != NULL && (party = tc_playbook_party(pb, ev->party)) < 0)
        return tc_error_set(err, TC_ENOTFOUND, "no party %s in playbook %s", ev->party, pb->name);
    tc__seat_name(pb, s, party, seat, 160);
    out->crisis = inst->id;
    out->playbook_sha256 = playbook_sha256;
    out->state = s->path;
    out->visit = a->visit;
    out->seat = seat;
    out->kind = kind;
    out->value = ev->kind == TC_EVENT_VOTE       ? tc_vote_name(ev->vote)
                 : ev->kind == TC_EVENT_COMPLETE ? (ev->outcome ? ev->outcome : "done")
                                                 : NULL;
    out->data = ev->kind == TC_EVENT_COMPLETE ? ev->data : NULL;
    out->reason = ev->reason;
    out->key = key;
    return 0;
}

static int same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int differs(tc_error *err, const char *field, const char *signed_, const char *expected)
{
    return tc_error_set(
        err, TC_EPERM,
        "the signature does not cover this command: it signs %s %s%s%s, the command's is %s%s%s", field,
        signed_ ? "\"" : "", signed_ ? signed_ : "null", signed_ ? "\"" : "", expected ? "\"" : "",
        expected ? expected : "null", expected ? "\"" : "");
}

int tc_signed_command_covers(const tc_signed_command *sig, const tc_signed_command *want, tc_error *err)
{
    char a[32], b[32];
    if (sig->crisis != want->crisis) {
        snprintf(a, sizeof a, "%lld", sig->crisis);
        snprintf(b, sizeof b, "%lld", want->crisis);
        return differs(err, "crisis", a, b);
    }
    if (!same_text(sig->playbook_sha256, want->playbook_sha256))
        return differs(err, "playbook_sha256", sig->playbook_sha256, want->playbook_sha256);
    if (!same_text(sig->state, want->state))
        return differs(err, "state", sig->state, want->state);
    if (sig->visit != want->visit) {
        snprintf(a, sizeof a, "%lld", sig->visit);
        snprintf(b, sizeof b, "%lld", want->visit);
        return differs(err, "visit", a, b);
    }
    if (!same_text(sig->seat, want->seat))
        return differs(err, "seat", sig->seat, want->seat);
    if (!same_text(sig->kind, want->kind))
        return differs(err, "kind", sig->kind, want->kind);
    if (!same_text(sig->value, want->value))
        return differs(err, "value", sig->value, want->value);
    int no_data = sig->data == NULL && (want->data == NULL || json_object_size(want->data) == 0);
    if (!no_data && !json_equal(sig->data, want->data))
        return tc_error_set(err, TC_EPERM, "the signature does not cover this command: it signs other data");
    if (!same_text(sig->reason, want->reason))
        return differs(err, "reason", sig->reason, want->reason);
    if (!same_text(sig->key, want->key))
        return differs(err, "key", sig->key, want->key);
    return 0;
}
