/*
 * The fast path of instance serialisation: the instance's own structure is
 * written and read directly as text, without building a jansson tree, since
 * the engine pays this round trip on every event. Only the free-form values
 * (inputs, data, tallies) go through jansson, and an empty object not even
 * that. The text is the same JSON document as tc_instance_to_json() gives
 * (keys in the same order), and the reader accepts any JSON with that
 * content in any key order and spacing, as PostgreSQL's jsonb prints it;
 * anything it does not expect sends it back to the jansson path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/strbuf.h"
#include "core/base/utf8.h"
#include "core/instance/instance.h"

/* ---- writing ---- */

static void put_string(tc_strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    /* 1 for the bytes JSON needs escaped: control characters, '"' and '\\'. */
    static const unsigned char needs_escape[256] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1,
    };
    const char *run = s;
    tc_strbuf_addn(sb, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (!needs_escape[*p])
            continue;
        tc_strbuf_addn(sb, run, (size_t)((const char *)p - run));
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            tc_strbuf_addn(sb, esc, 2);
        } else if (*p == '\n') {
            tc_strbuf_addn(sb, "\\n", 2);
        } else if (*p == '\t') {
            tc_strbuf_addn(sb, "\\t", 2);
        } else if (*p == '\r') {
            tc_strbuf_addn(sb, "\\r", 2);
        } else if (*p == '\b') {
            tc_strbuf_addn(sb, "\\b", 2);
        } else if (*p == '\f') {
            tc_strbuf_addn(sb, "\\f", 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            tc_strbuf_addn(sb, esc, 6);
        }
        run = (const char *)p + 1;
    }
    tc_strbuf_add(sb, run);
    tc_strbuf_addn(sb, "\"", 1);
}

static void put_int(tc_strbuf *sb, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    tc_strbuf_addn(sb, p, (size_t)(buf + sizeof buf - p));
}

/* ,"key": — first tells whether a comma is due. */
static void put_key(tc_strbuf *sb, int *first, const char *key)
{
    if (!*first)
        tc_strbuf_addn(sb, ",", 1);
    *first = 0;
    put_string(sb, key);
    tc_strbuf_addn(sb, ":", 1);
}

static void put_string_field(tc_strbuf *sb, int *first, const char *key, const char *value)
{
    if (value == NULL)
        return;
    put_key(sb, first, key);
    put_string(sb, value);
}

static void put_int_field(tc_strbuf *sb, int *first, const char *key, int64_t value)
{
    if (value == 0)
        return;
    put_key(sb, first, key);
    put_int(sb, value);
}

/* Any JSON value, written as jansson's compact dump would write it (insertion order, %.17g reals). */
static void put_json(tc_strbuf *sb, json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        int first = 1;
        tc_strbuf_addn(sb, "{", 1);
        for (void *it = json_object_iter(value); it != NULL; it = json_object_iter_next(value, it)) {
            put_key(sb, &first, json_object_iter_key(it));
            put_json(sb, json_object_iter_value(it));
        }
        tc_strbuf_addn(sb, "}", 1);
        return;
    }
    case JSON_ARRAY: {
        tc_strbuf_addn(sb, "[", 1);
        for (size_t i = 0; i < json_array_size(value); i++) {
            if (i)
                tc_strbuf_addn(sb, ",", 1);
            put_json(sb, json_array_get(value, i));
        }
        tc_strbuf_addn(sb, "]", 1);
        return;
    }
    case JSON_STRING:
        put_string(sb, json_string_value(value));
        return;
    case JSON_INTEGER:
        put_int(sb, json_integer_value(value));
        return;
    case JSON_REAL: {
        /* As jansson writes a real (a dump of a real cannot fail: jansson holds no NaN or infinity). */
        char *text = json_dumps(value, JSON_ENCODE_ANY);
        tc_strbuf_add(sb, text);
        free(text);
        return;
    }
    case JSON_TRUE:
        tc_strbuf_addn(sb, "true", 4);
        return;
    case JSON_FALSE:
        tc_strbuf_addn(sb, "false", 5);
        return;
    case JSON_NULL:
        tc_strbuf_addn(sb, "null", 4);
        return;
    }
}

static void put_seat(tc_strbuf *sb, const tc_playbook *pb, const tc_seat *s)
{
    int first = 1;
    tc_strbuf_addn(sb, "{", 1);
    put_key(sb, &first, "party");
    if (s->party >= 0)
        put_string(sb, pb->parties[s->party]);
    else
        tc_strbuf_add(sb, "null");
    if (s->vote != TC_VOTE_NONE)
        put_string_field(sb, &first, "vote", tc_vote_name(s->vote));
    put_string_field(sb, &first, "vote_by", s->vote_by);
    put_int_field(sb, &first, "vote_at", s->vote_at);
    put_string_field(sb, &first, "reason", s->reason);
    if (s->done) {
        put_key(sb, &first, "done");
        tc_strbuf_add(sb, "true");
    }
    put_string_field(sb, &first, "outcome", s->outcome);
    put_string_field(sb, &first, "done_by", s->done_by);
    put_int_field(sb, &first, "done_at", s->done_at);
    put_string_field(sb, &first, "acked_by", s->acked_by);
    put_int_field(sb, &first, "acked_at", s->acked_at);
    tc_strbuf_addn(sb, "}", 1);
}

static void put_activation(tc_strbuf *sb, const tc_playbook *pb, const tc_activation *a)
{
    const tc_state *state = &pb->states[a->state];
    int first = 1;
    tc_strbuf_addn(sb, "{", 1);
    put_string_field(sb, &first, "state", state->path);
    put_key(sb, &first, "visit");
    put_int(sb, a->visit);
    put_key(sb, &first, "entered_at");
    put_int(sb, a->entered_at);
    put_int_field(sb, &first, "level", a->level);
    if (a->seat_count > 0) {
        put_key(sb, &first, "seats");
        tc_strbuf_addn(sb, "[", 1);
        for (size_t i = 0; i < a->seat_count; i++) {
            if (i)
                tc_strbuf_addn(sb, ",", 1);
            put_seat(sb, pb, &a->seats[i]);
        }
        tc_strbuf_addn(sb, "]", 1);
    }
    put_int_field(sb, &first, "attempt", a->attempt);
    if (a->running) {
        put_key(sb, &first, "running");
        tc_strbuf_add(sb, "true");
    }
    if (a->branch_count > 0) {
        int inner = 1;
        put_key(sb, &first, "branches");
        tc_strbuf_addn(sb, "{", 1);
        for (size_t i = 0; i < a->branch_count; i++) {
            put_key(sb, &inner, state->parallel.branches[i]->name);
            if (a->branch_outcomes[i])
                put_string(sb, a->branch_outcomes[i]);
            else
                tc_strbuf_add(sb, "null");
        }
        tc_strbuf_addn(sb, "}", 1);
    }
    tc_strbuf_addn(sb, "}", 1);
}

char *tc_instance_to_text(const tc_playbook *pb, const tc_instance *inst)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    int first = 1;
    tc_strbuf_reserve(&sb, 1024);
    tc_strbuf_add(&sb, "{\"v\":1");
    first = 0;
    put_int_field(&sb, &first, "id", inst->id);
    put_string_field(&sb, &first, "status", tc_status_name(inst->status));
    put_string_field(&sb, &first, "outcome", inst->outcome);
    put_string_field(&sb, &first, "severity", tc_severity_name(inst->severity));
    put_string_field(&sb, &first, "mode", tc_mode_name(inst->mode));
    put_key(&sb, &first, "parties");
    tc_strbuf_addn(&sb, "[", 1);
    for (size_t i = 0; i < inst->party_count; i++) {
        if (i)
            tc_strbuf_addn(&sb, ",", 1);
        put_string(&sb, pb->parties[inst->parties[i]]);
    }
    tc_strbuf_addn(&sb, "]", 1);
    put_string_field(&sb, &first, "initiator", inst->initiator);
    put_string_field(&sb, &first, "initiator_login", inst->initiator_login);
    put_string_field(&sb, &first, "title", inst->title);
    put_key(&sb, &first, "inputs");
    put_json(&sb, inst->inputs);
    put_key(&sb, &first, "data");
    put_json(&sb, inst->data);
    if (json_object_size(inst->tallies) > 0) {
        put_key(&sb, &first, "tallies");
        put_json(&sb, inst->tallies);
    }
    put_int_field(&sb, &first, "escalation_level", inst->escalation_level);
    if (inst->triggered) {
        put_key(&sb, &first, "triggered");
        tc_strbuf_add(&sb, "true");
    }
    put_int_field(&sb, &first, "created_at", inst->created_at);
    put_int_field(&sb, &first, "closed_at", inst->closed_at);
    put_key(&sb, &first, "visits");
    tc_strbuf_addn(&sb, "{", 1);
    int inner = 1;
    for (size_t i = 0; i < inst->state_count; i++)
        if (inst->visits[i]) {
            put_key(&sb, &inner, pb->states[i].path);
            put_int(&sb, inst->visits[i]);
        }
    tc_strbuf_addn(&sb, "}", 1);
    put_key(&sb, &first, "active");
    tc_strbuf_addn(&sb, "[", 1);
    for (size_t i = 0; i < inst->active_count; i++) {
        if (i)
            tc_strbuf_addn(&sb, ",", 1);
        put_activation(&sb, pb, &inst->active[i]);
    }
    tc_strbuf_add(&sb, "]}");
    return tc_strbuf_take(&sb);
}

/* ---- reading ---- */

typedef struct scan {
    const char *p, *end;
    int bad;
} scan;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

static int eat(scan *s, char c)
{
    ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

static int peek(scan *s, char c)
{
    ws(s);
    return s->p < s->end && *s->p == c;
}

/*
 * Whether the length bytes of a string's source are text as JSON allows it:
 * no control character unescaped, and UTF-8 (jansson refuses the rest, and
 * what it could not read it could not write back either).
 */
static int plain_text(const char *p, size_t length)
{
    int ascii = 1;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20)
            return 0;
        ascii &= c < 0x80;
    }
    return ascii || tc_utf8_valid(p, length, NULL);
}

/* A string into buf (size bytes), decoding escapes; returns its length or -1. */
static long read_string(scan *s, char *buf, size_t size)
{
    size_t n = 0;
    if (!eat(s, '"'))
        return s->bad = 1, -1;
    /* The common case: no escapes before the closing quote. */
    const char *quote = memchr(s->p, '"', (size_t)(s->end - s->p));
    if (quote != NULL && memchr(s->p, '\\', (size_t)(quote - s->p)) == NULL) {
        size_t len = (size_t)(quote - s->p);
        if (len + 1 > size || !plain_text(s->p, len))
            return s->bad = 1, -1;
        memcpy(buf, s->p, len);
        buf[len] = '\0';
        s->p = quote + 1;
        return (long)len;
    }
    while (s->p < s->end && *s->p != '"') {
        char c = *s->p++;
        if ((unsigned char)c < 0x20)
            return s->bad = 1, -1;
        if (c == '\\') {
            if (s->p >= s->end)
                return s->bad = 1, -1;
            c = *s->p++;
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case '"':
            case '\\':
            case '/':
                break;
            default:
                return s->bad = 1, -1; /* \u: leave it to jansson */
            }
        }
        if (n + 1 >= size)
            return s->bad = 1, -1;
        buf[n++] = c;
    }
    if (!eat(s, '"') || !tc_utf8_valid(buf, n, NULL))
        return s->bad = 1, -1;
    buf[n] = '\0';
    return (long)n;
}

static char *read_string_copy(scan *s)
{
    char buf[4096];
    ws(s);
    if (s->end - s->p >= 4 && memcmp(s->p, "null", 4) == 0) {
        s->p += 4;
        return NULL;
    }
    long n = read_string(s, buf, sizeof buf);
    if (n < 0)
        return NULL;
    char *copy = tc_xmalloc((size_t)n + 1);
    memcpy(copy, buf, (size_t)n + 1);
    return copy;
}

static int64_t read_int(scan *s)
{
    ws(s);
    int negative = s->p < s->end && *s->p == '-';
    if (negative)
        s->p++;
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return s->bad = 1, 0;
    int64_t v = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        int digit = *s->p++ - '0';
        if (v > (INT64_MAX - digit) / 10)
            return s->bad = 1, 0; /* beyond int64, which jansson refuses too */
        v = v * 10 + digit;
    }
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
        return s->bad = 1, 0;
    return negative ? -v : v;
}

static int read_bool(scan *s)
{
    ws(s);
    if (s->end - s->p >= 4 && memcmp(s->p, "true", 4) == 0)
        return s->p += 4, 1;
    if (s->end - s->p >= 5 && memcmp(s->p, "false", 5) == 0)
        return s->p += 5, 0;
    return s->bad = 1, 0;
}

/* Skips one JSON value, returning where it started (strings and nesting aware). */
static const char *skip_value(scan *s)
{
    ws(s);
    const char *start = s->p;
    int depth = 0;
    while (s->p < s->end) {
        char c = *s->p++;
        if (c == '"') {
            while (s->p < s->end && *s->p != '"')
                s->p += *s->p == '\\' ? 2 : 1;
            s->p++;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
        if (depth == 0) {
            /* a scalar runs to the next delimiter */
            if (c != '"' && c != '}' && c != ']')
                while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ')
                    s->p++;
            break;
        }
    }
    if (s->p > s->end || depth != 0)
        s->bad = 1;
    return start;
}

static json_t *read_json(scan *s)
{
    ws(s);
    if (s->end - s->p >= 2 && s->p[0] == '{' && s->p[1] == '}') {
        s->p += 2;
        return json_object();
    }
    const char *start = skip_value(s);
    if (s->bad)
        return NULL;
    json_t *v = json_loadb(start, (size_t)(s->p - start), JSON_DECODE_ANY, NULL);
    if (v == NULL)
        s->bad = 1;
    return v;
}

/*
 * Whether key, one of names (NULL-terminated), comes for the first time in its
 * object (the bits of *seen). A key given twice is left to the jansson path,
 * which takes the last, as jsonb does; a key that is not in names is the
 * caller's to refuse.
 */
static int once(scan *s, unsigned *seen, const char *key, const char *const *names)
{
    for (unsigned i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], key) == 0) {
            if (*seen & (1u << i))
                return s->bad = 1, 0;
            *seen |= 1u << i;
            return 1;
        }
    return 1;
}

/* Iterates over an object's keys: for (key...; next_key(s, key, sizeof key);) */
static int next_key(scan *s, char *key, size_t size, int *first)
{
    if (*first) {
        *first = 0;
        if (!eat(s, '{'))
            return s->bad = 1, 0;
        if (eat(s, '}'))
            return 0;
    } else {
        if (eat(s, '}'))
            return 0;
        if (!eat(s, ','))
            return s->bad = 1, 0;
    }
    if (read_string(s, key, size) < 0 || !eat(s, ':'))
        return s->bad = 1, 0;
    return !s->bad;
}

static void read_seat(scan *s, const tc_playbook *pb, tc_seat *seat)
{
    static const char *const keys[] = {"party",   "vote",    "vote_by", "vote_at",  "reason",   "done",
                                       "outcome", "done_by", "done_at", "acked_by", "acked_at", NULL};
    char key[32], buf[256];
    int first = 1;
    unsigned seen = 0;
    buf[0] = '\0';
    seat->party = -1;
    while (!s->bad && next_key(s, key, sizeof key, &first) && once(s, &seen, key, keys)) {
        if (strcmp(key, "party") == 0) {
            if (peek(s, 'n')) {
                skip_value(s);
            } else if (read_string(s, buf, sizeof buf) >= 0) {
                seat->party = tc_playbook_party(pb, buf);
                s->bad |= seat->party < 0;
            }
        } else if (strcmp(key, "vote") == 0) {
            int v = read_string(s, buf, sizeof buf) >= 0 ? tc_vote_parse(buf) : -1;
            s->bad |= v < 0;
            seat->vote = v < 0 ? TC_VOTE_NONE : (tc_vote)v;
        } else if (strcmp(key, "vote_by") == 0) {
            seat->vote_by = read_string_copy(s);
        } else if (strcmp(key, "vote_at") == 0) {
            seat->vote_at = read_int(s);
        } else if (strcmp(key, "reason") == 0) {
            seat->reason = read_string_copy(s);
        } else if (strcmp(key, "done") == 0) {
            seat->done = read_bool(s);
        } else if (strcmp(key, "outcome") == 0) {
            seat->outcome = read_string_copy(s);
        } else if (strcmp(key, "done_by") == 0) {
            seat->done_by = read_string_copy(s);
        } else if (strcmp(key, "done_at") == 0) {
            seat->done_at = read_int(s);
        } else if (strcmp(key, "acked_by") == 0) {
            seat->acked_by = read_string_copy(s);
        } else if (strcmp(key, "acked_at") == 0) {
            seat->acked_at = read_int(s);
        } else {
            s->bad = 1;
        }
    }
}

static void read_activation(scan *s, const tc_playbook *pb, tc_activation *a)
{
    static const char *const keys[] = {"state",   "visit", "entered_at", "level", "attempt",
                                       "running", "seats", "branches",   NULL};
    char key[32], buf[1024];
    int first = 1;
    unsigned seen = 0;
    const tc_state *state = NULL;
    while (!s->bad && next_key(s, key, sizeof key, &first) && once(s, &seen, key, keys)) {
        if (strcmp(key, "state") == 0) {
            if (read_string(s, buf, sizeof buf) >= 0 && (state = tc_playbook_state(pb, buf)) != NULL)
                a->state = state->index;
            else
                s->bad = 1;
        } else if (strcmp(key, "visit") == 0) {
            a->visit = (int)read_int(s);
        } else if (strcmp(key, "entered_at") == 0) {
            a->entered_at = read_int(s);
        } else if (strcmp(key, "level") == 0) {
            a->level = (int)read_int(s);
        } else if (strcmp(key, "attempt") == 0) {
            a->attempt = (int)read_int(s);
        } else if (strcmp(key, "running") == 0) {
            a->running = read_bool(s);
        } else if (strcmp(key, "seats") == 0) {
            size_t capacity = 8;
            if (!eat(s, '[')) {
                s->bad = 1;
                break;
            }
            a->seats = tc_xcalloc(capacity, sizeof *a->seats);
            while (!s->bad && !eat(s, ']')) {
                if (a->seat_count > 0 && !eat(s, ','))
                    s->bad = 1;
                if (a->seat_count == capacity) {
                    tc_seat *more = tc_xrealloc(a->seats, 2 * capacity * sizeof *more);
                    memset(more + capacity, 0, capacity * sizeof *more);
                    a->seats = more;
                    capacity *= 2;
                }
                read_seat(s, pb, &a->seats[a->seat_count++]);
            }
        } else if (strcmp(key, "branches") == 0 && state != NULL && state->type == TC_STATE_PARALLEL) {
            int inner = 1;
            char name[128];
            size_t named = 0;
            a->branch_count = state->parallel.count;
            a->branch_outcomes = tc_xcalloc(a->branch_count, sizeof *a->branch_outcomes);
            char *seen_branch = tc_xcalloc(a->branch_count, 1);
            while (!s->bad && next_key(s, name, sizeof name, &inner)) {
                size_t b = 0;
                while (b < a->branch_count && strcmp(state->parallel.branches[b]->name, name) != 0)
                    b++;
                if (b == a->branch_count || seen_branch[b]) {
                    s->bad = 1;
                } else {
                    seen_branch[b] = 1;
                    named++;
                    a->branch_outcomes[b] = read_string_copy(s);
                }
            }
            free(seen_branch);
            /* Every branch once, one not ended as null: the JSON reader refuses the rest. */
            if (named != a->branch_count)
                s->bad = 1;
        } else {
            s->bad = 1; /* anything else: the jansson path */
        }
    }
    if (state == NULL)
        s->bad = 1;
}

int tc_instance_from_text(const tc_playbook *pb, const char *text, size_t length, tc_instance **out,
                          tc_error *err)
{
    scan s = {text, text + length, 0};
    static const char *const keys[] = {
        "v",          "id",        "status",    "outcome",          "severity",
        "mode",       "parties",   "initiator", "initiator_login",  "title",
        "inputs",     "data",      "tallies",   "escalation_level", "triggered",
        "created_at", "closed_at", "visits",    "active",           NULL};
    char key[32], buf[1024];
    int first = 1;
    unsigned seen = 0;
    buf[0] = '\0';
    tc_instance *inst = tc_instance_new(pb);

    while (!s.bad && next_key(&s, key, sizeof key, &first) && once(&s, &seen, key, keys)) {
        if (strcmp(key, "v") == 0) {
            s.bad |= read_int(&s) != 1;
        } else if (strcmp(key, "id") == 0) {
            inst->id = read_int(&s);
        } else if (strcmp(key, "status") == 0) {
            read_string(&s, buf, sizeof buf);
            inst->status = !strcmp(buf, "active")   ? TC_STATUS_ACTIVE
                           : !strcmp(buf, "closed") ? TC_STATUS_CLOSED
                                                    : TC_STATUS_CANCELLED;
            s.bad |= strcmp(buf, "active") && strcmp(buf, "closed") && strcmp(buf, "cancelled");
        } else if (strcmp(key, "outcome") == 0) {
            inst->outcome = read_string_copy(&s);
        } else if (strcmp(key, "severity") == 0 || strcmp(key, "mode") == 0) {
            int v = read_string(&s, buf, sizeof buf) < 0 ? -1
                    : key[0] == 's'                      ? tc_severity_parse(buf)
                                                         : tc_mode_parse(buf);
            s.bad |= v < 0;
            if (key[0] == 's')
                inst->severity = (tc_severity)(v < 0 ? 0 : v);
            else
                inst->mode = (tc_mode)(v < 0 ? 0 : v);
        } else if (strcmp(key, "parties") == 0) {
            if (!eat(&s, '['))
                s.bad = 1;
            while (!s.bad && !eat(&s, ']')) {
                if (inst->party_count > 0 && !eat(&s, ','))
                    s.bad = 1;
                int p = read_string(&s, buf, sizeof buf) >= 0 ? tc_playbook_party(pb, buf) : -1;
                if (p < 0 || inst->party_count >= pb->party_count)
                    s.bad = 1;
                else
                    inst->parties[inst->party_count++] = p;
            }
        } else if (strcmp(key, "initiator") == 0) {
            inst->initiator = read_string_copy(&s);
        } else if (strcmp(key, "initiator_login") == 0) {
            inst->initiator_login = read_string_copy(&s);
        } else if (strcmp(key, "title") == 0) {
            inst->title = read_string_copy(&s);
        } else if (strcmp(key, "inputs") == 0 || strcmp(key, "data") == 0 || strcmp(key, "tallies") == 0) {
            json_t **target = key[0] == 'i' ? &inst->inputs : key[0] == 'd' ? &inst->data : &inst->tallies;
            json_t *v = read_json(&s);
            if (!json_is_object(v)) {
                json_decref(v);
                s.bad = 1;
            } else {
                json_decref(*target);
                *target = v;
            }
        } else if (strcmp(key, "escalation_level") == 0) {
            inst->escalation_level = (int)read_int(&s);
        } else if (strcmp(key, "triggered") == 0) {
            inst->triggered = read_bool(&s);
        } else if (strcmp(key, "created_at") == 0) {
            inst->created_at = read_int(&s);
        } else if (strcmp(key, "closed_at") == 0) {
            inst->closed_at = read_int(&s);
        } else if (strcmp(key, "visits") == 0) {
            int inner = 1;
            char path[1024];
            while (!s.bad && next_key(&s, path, sizeof path, &inner)) {
                const tc_state *st = tc_playbook_state(pb, path);
                int64_t n = read_int(&s);
                if (st == NULL)
                    s.bad = 1;
                else
                    inst->visits[st->index] = (int)n;
            }
        } else if (strcmp(key, "active") == 0) {
            if (!eat(&s, '['))
                s.bad = 1;
            while (!s.bad && !eat(&s, ']')) {
                if (inst->active_count > 0 && !eat(&s, ','))
                    s.bad = 1;
                if (inst->active_count == inst->active_capacity) {
                    size_t capacity = inst->active_capacity ? 2 * inst->active_capacity : 4;
                    inst->active = tc_xrealloc(inst->active, capacity * sizeof *inst->active);
                    inst->active_capacity = capacity;
                }
                tc_activation *a = &inst->active[inst->active_count++];
                memset(a, 0, sizeof *a);
                read_activation(&s, pb, a);
            }
        } else {
            s.bad = 1;
        }
    }
    ws(&s);
    /* v, status, severity and mode are required (the first, the third, the fifth and the sixth keys):
     * without one of them, the jansson path says what is missing. */
    if ((seen & 0x35u) != 0x35u)
        s.bad = 1;
    if (!s.bad && s.p == s.end) {
        *out = inst;
        return 0;
    }
    /* Not the shape this reader knows (or not valid): the general path decides. */
    tc_instance_free(inst);
    json_error_t jerr;
    json_t *json = json_loadb(text, length, 0, &jerr);
    if (json == NULL)
        return tc_error_set(err, TC_EINVAL, "stored crisis state is not JSON: %s", jerr.text);
    int rc = tc_instance_from_json(pb, json, out, err);
    json_decref(json);
    return rc;
}
