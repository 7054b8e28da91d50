/*
 * The report's model: the crisis's show document and audit events put in
 * the order a reader needs (report.h says what each part holds). Votes are
 * matched to their decision by where they stand in the audit: between the
 * approval's "entered" and "left" events of the same visit. Escalations
 * find whom they notified in the "notified" event that follows them, and
 * who acted in the events of the state until it was left.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/audit/audit_kind.h"
#include "core/audit/timeline.h"
#include "core/report/report.h"
#include "core/report/report_internal.h"

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* ---- times ---- */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* The number written by the n digits at p. */
static int number_at(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

int tc__report_time(const char *iso, long long *ms)
{
    /* Digits where digits go (the NUL of a shorter text fails the test before anything past it is read). */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (iso == NULL)
        return -1;
    for (int i = 0; i < 19; i++)
        if (shape[i] == 'd' ? !(iso[i] >= '0' && iso[i] <= '9') : iso[i] != shape[i])
            return -1;
    int y = number_at(iso, 4), mo = number_at(iso + 5, 2), d = number_at(iso + 8, 2);
    int h = number_at(iso + 11, 2), mi = number_at(iso + 14, 2), s = number_at(iso + 17, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    long long frac = 0;
    const char *p = iso + 19;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                frac = frac * 10 + (*p - '0');
        for (; digits < 3; digits++)
            frac *= 10;
    }
    if (strcmp(p, "Z") != 0)
        return -1;
    *ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60000LL + s * 1000LL + frac;
    return 0;
}

/* Seconds from a to b, both ISO times; -1 when either is missing or b is before a. */
static long long seconds_between(const char *a, const char *b)
{
    long long x, y;
    if (tc__report_time(a, &x) != 0 || tc__report_time(b, &y) != 0 || y < x)
        return -1;
    return (y - x) / 1000;
}

void tc__report_duration(tc_strbuf *sb, long long s)
{
    if (s < 60)
        tc_strbuf_addf(sb, "%llds", s);
    else if (s < 3600)
        tc_strbuf_addf(sb, "%lldm %02llds", s / 60, s % 60);
    else if (s < 86400)
        tc_strbuf_addf(sb, "%lldh %02lldm", s / 3600, s / 60 % 60);
    else
        tc_strbuf_addf(sb, "%lldd %02lldh %02lldm", s / 86400, s / 3600 % 24, s / 60 % 60);
}

void tc__report_when(tc_strbuf *sb, const char *iso)
{
    long long ms;
    if (tc__report_time(iso, &ms) != 0) {
        tc_strbuf_add(sb, "?");
        return;
    }
    tc_strbuf_addf(sb, "%.10s %.8s", iso, iso + 11);
}

void tc__report_number(tc_strbuf *sb, json_t *number)
{
    if (json_typeof(number) == JSON_INTEGER) { /* never NULL: a sum the model holds */
        tc_strbuf_addf(sb, "%lld", (long long)json_integer_value(number));
        return;
    }
    double v = json_number_value(number);
    char buf[40];
    /* The shortest of %.15g..%.17g that reads back as v: 40 + 0.1 prints 40.1, not 40.100000000000001;
     * 17 digits always read back. */
    for (int precision = 15;; precision++) {
        snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (precision == 17 || strtod(buf, NULL) == v)
            break;
    }
    tc_strbuf_add(sb, buf);
}

/* ---- the audit ---- */

/* The first event at or after index from with kind, state (NULL: any) and detail.visit (0: any); -1 if none.
 */
static long find_event(json_t *audit, size_t from, const char *kind, const char *state, json_int_t visit)
{
    for (size_t i = from; i < json_array_size(audit); i++) {
        json_t *e = json_array_get(audit, i);
        if (!same(str(e, "kind"), kind) || (state != NULL && !same(str(e, "state"), state)))
            continue;
        if (visit > 0 && json_integer_value(json_object_get(json_object_get(e, "detail"), "visit")) != visit)
            continue;
        return (long)i;
    }
    return -1;
}

/* Whether state is inside (or is) scope: "operate/border/interdict" is inside "operate". */
static int within(const char *state, const char *scope)
{
    if (scope == NULL)
        return 0; /* an escalation of no state (not one the machine records): no state is inside it */
    size_t n = strlen(scope);
    return state != NULL && strncmp(state, scope, n) == 0 && (state[n] == '\0' || state[n] == '/');
}

static json_t *vote_of(json_t *e)
{
    json_t *d = json_object_get(e, "detail");
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "at", str_or_null(str(e, "at")), "seat",
                     str_or_null(str(d, "seat")), "party", str_or_null(str(d, "party")), "vote",
                     str_or_null(str(d, "vote")), "actor", str_or_null(str(e, "actor")), "login",
                     str_or_null(str(e, "login")), "holder", str_or_null(str(d, "holder")), "reason",
                     str_or_null(str(d, "reason")), "changed_from", str_or_null(str(d, "changed_from")));
}

static json_t *decisions(json_t *crisis, json_t *audit)
{
    json_t *list = json_array();
    json_t *all = json_object_get(crisis, "decisions");
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *dec = json_array_get(all, i);
        const char *state = str(dec, "state");
        json_int_t visit = json_integer_value(json_object_get(dec, "visit"));
        long opened = find_event(audit, 0, "entered", state, visit);
        long left = find_event(audit, opened < 0 ? 0 : (size_t)opened, "left", state, visit);
        json_t *votes = json_array();
        for (long j = opened < 0 ? 0 : opened; opened >= 0 && left >= 0 && j < left; j++) {
            json_t *e = json_array_get(audit, (size_t)j);
            if (same(str(e, "kind"), "vote") && same(str(e, "state"), state))
                json_array_append_new(votes, vote_of(e));
        }
        const char *opened_at = opened >= 0 ? str(json_array_get(audit, (size_t)opened), "at") : NULL;
        const char *decided_at = left >= 0 ? str(json_array_get(audit, (size_t)left), "at") : str(dec, "at");
        long long seconds = seconds_between(opened_at, decided_at);
        json_t *o = json_deep_copy(dec);
        json_object_set_new(o, "opened_at", str_or_null(opened_at));
        json_object_set_new(o, "decided_at", str_or_null(decided_at));
        json_object_set_new(o, "seconds", seconds >= 0 ? json_integer(seconds) : json_null());
        json_object_set_new(o, "votes", votes);
        json_array_append_new(list, o);
    }
    return list;
}

static json_t *escalations(json_t *audit)
{
    json_t *list = json_array();
    for (size_t i = 0; i < json_array_size(audit); i++) {
        json_t *e = json_array_get(audit, i);
        if (!same(str(e, "kind"), "escalated"))
            continue;
        const char *state = str(e, "state");
        json_t *d = json_object_get(e, "detail");
        json_int_t level = json_integer_value(json_object_get(d, "level"));
        int manual = json_is_true(json_object_get(d, "manual"));
        json_t *notified = json_array();
        json_t *acted = json_array();
        for (size_t j = i + 1; j < json_array_size(audit); j++) {
            json_t *f = json_array_get(audit, j);
            const char *kind = str(f, "kind");
            const char *at = str(f, "state");
            if (same(kind, "notified") && same(at, state) && json_array_size(notified) == 0 &&
                json_integer_value(json_object_get(json_object_get(f, "detail"), "level")) == level) {
                json_t *seats = json_object_get(json_object_get(f, "detail"), "seats");
                if (json_is_array(seats))
                    json_array_extend(notified, seats);
                continue;
            }
            if ((same(kind, "left") && same(at, state)) || same(kind, "closed") || same(kind, "cancelled"))
                break; /* the state (or the crisis) is over: no one acts on this level any more */
            if (!within(at, state) || !(same(kind, "vote") || same(kind, "completed") || same(kind, "acked")))
                continue;
            const char *actor = str(f, "actor");
            int seen = 0;
            for (size_t k = 0; k < json_array_size(acted); k++)
                seen |= same(str(json_array_get(acted, k), "actor"), actor);
            if (seen || actor == NULL)
                continue;
            long long seconds = seconds_between(str(e, "at"), str(f, "at"));
            json_array_append_new(acted, json_pack("{s:s, s:s, s:o, s:o}", "actor", actor, "kind", kind, "at",
                                                   str_or_null(str(f, "at")), "seconds",
                                                   seconds >= 0 ? json_integer(seconds) : json_null()));
        }
        json_t *notify = json_object_get(d, "notify");
        json_t *o = json_object();
        json_object_set_new(o, "state", str_or_null(state));
        json_object_set_new(o, "level", json_integer(level));
        json_object_set_new(o, "at", str_or_null(str(e, "at")));
        json_object_set_new(o, "manual", json_boolean(manual));
        json_object_set_new(o, "by", manual ? str_or_null(str(e, "actor")) : json_null());
        json_object_set_new(o, "reason", str_or_null(str(d, "reason")));
        json_object_set_new(o, "severity", str_or_null(str(d, "severity")));
        json_object_set_new(o, "notify", json_is_array(notify) ? json_incref(notify) : json_array());
        json_object_set_new(o, "notified", notified);
        json_object_set_new(o, "acted", acted);
        json_array_append_new(list, o);
    }
    return list;
}

/* Adds number to sums[field], keeping an integer while every addend is one. */
static void add_to(json_t *sums, const char *field, json_t *number)
{
    json_t *sum = json_object_get(sums, field);
    if (sum == NULL) {
        json_object_set_new(sums, field, json_copy(number));
    } else if (json_typeof(sum) == JSON_INTEGER && json_typeof(number) == JSON_INTEGER) {
        json_integer_set(sum, json_integer_value(sum) + json_integer_value(number));
    } else {
        json_object_set_new(sums, field, json_real(json_number_value(sum) + json_number_value(number)));
    }
}

static json_t *outputs(json_t *crisis, json_t *audit)
{
    /* The last completion of each seat of each task: a task done again replaces its data. */
    json_t *entries = json_array();
    json_t *last = json_object(); /* "state\nseat" -> index in entries */
    for (size_t i = 0; i < json_array_size(audit); i++) {
        json_t *e = json_array_get(audit, i);
        if (!same(str(e, "kind"), "completed"))
            continue;
        json_t *d = json_object_get(e, "detail");
        json_t *data = json_object_get(d, "data");
        json_t *entry = json_pack("{s:o, s:o, s:o, s:o, s:o, s:O}", "state", str_or_null(str(e, "state")),
                                  "party", str_or_null(str(d, "party")), "seat", str_or_null(str(d, "seat")),
                                  "actor", str_or_null(str(e, "actor")), "at", str_or_null(str(e, "at")),
                                  "data", json_is_object(data) ? data : json_null());
        tc_strbuf key = TC_STRBUF_INIT;
        tc_strbuf_addf(&key, "%s\n%s", str(e, "state") ? str(e, "state") : "",
                       str(d, "seat") ? str(d, "seat") : "");
        json_t *at = json_object_get(last, key.text);
        if (at != NULL) {
            json_array_set_new(entries, (size_t)json_integer_value(at), entry);
        } else {
            json_object_set_new(last, key.text, json_integer((json_int_t)json_array_size(entries)));
            json_array_append_new(entries, entry);
        }
        tc_strbuf_release(&key);
    }
    json_decref(last);

    /* Per party, in the crisis's order of parties (then any other a completion names). */
    json_t *per_party = json_object(); /* party -> {"party", "sums", "tasks"} */
    json_t *order = json_array();
    json_t *named = json_object_get(crisis, "parties");
    for (size_t i = 0; i < json_array_size(named); i++)
        if (json_string_value(json_array_get(named, i)) != NULL) /* a party that is not a string is skipped */
            json_array_append(order, json_array_get(named, i));
    json_t *fields = json_object();
    json_t *total = json_object();
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        const char *party = str(e, "party");
        if (party == NULL)
            continue; /* a task of no party: listed, not added (a consolidated figure would count twice) */
        json_t *row = json_object_get(per_party, party);
        if (row == NULL) {
            row = json_pack("{s:s, s:o, s:i}", "party", party, "sums", json_object(), "tasks", 0);
            json_object_set_new(per_party, party, row);
            int listed = 0;
            for (size_t k = 0; k < json_array_size(order); k++)
                listed |= same(json_string_value(json_array_get(order, k)), party);
            if (!listed)
                json_array_append_new(order, json_string(party));
        }
        json_object_set_new(row, "tasks",
                            json_integer(json_integer_value(json_object_get(row, "tasks")) + 1));
        json_t *data = json_object_get(e, "data");
        for (void *it = json_object_iter(data); it != NULL; it = json_object_iter_next(data, it)) {
            const char *field = json_object_iter_key(it);
            json_t *value = json_object_iter_value(it);
            if (json_typeof(value) != JSON_INTEGER && json_typeof(value) != JSON_REAL)
                continue;
            add_to(json_object_get(row, "sums"), field, value);
            add_to(total, field, value);
            json_object_set_new(fields, field, json_true());
        }
    }
    json_t *parties = json_array();
    for (size_t i = 0; i < json_array_size(order); i++) {
        json_t *row = json_object_get(per_party, json_string_value(json_array_get(order, i)));
        if (row != NULL)
            json_array_append(parties, row);
    }
    json_t *names = json_array();
    for (void *it = json_object_iter(fields); it != NULL; it = json_object_iter_next(fields, it))
        json_array_append_new(names, json_string(json_object_iter_key(it)));
    /* Sorted, so that the columns do not depend on the order of a hash table. */
    size_t n = json_array_size(names);
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && strcmp(json_string_value(json_array_get(names, b - 1)),
                                           json_string_value(json_array_get(names, b))) > 0;
             b--) {
            json_t *x = json_incref(json_array_get(names, b - 1));
            json_array_set(names, b - 1, json_array_get(names, b));
            json_array_set_new(names, b, x);
        }
    json_decref(fields);
    json_decref(per_party);
    json_decref(order);
    return json_pack("{s:o, s:o, s:o, s:o}", "fields", names, "parties", parties, "total", total, "entries",
                     entries);
}

static json_t *timeline(json_t *crisis, json_t *audit)
{
    json_t *list = json_array();
    long long start = -1;
    if (tc__report_time(str(crisis, "created_at"), &start) != 0 &&
        tc__report_time(str(json_array_get(audit, 0), "at"), &start) != 0)
        start = -1;
    for (size_t i = 0; i < json_array_size(audit); i++) {
        json_t *e = json_array_get(audit, i);
        tc_strbuf text = TC_STRBUF_INIT;
        tc_timeline_describe(&text, str(e, "kind"), str(e, "state"), str(e, "actor"),
                             json_object_get(e, "detail"));
        tc_strbuf offset = TC_STRBUF_INIT;
        long long at;
        if (start >= 0 && tc__report_time(str(e, "at"), &at) == 0 && at >= start)
            tc_timeline_offset(&offset, at - start);
        /* The text is never empty (it starts with the state, or "crisis") and is printable ASCII or UTF-8
         * (core/input/printable.h), so the pack cannot fail. */
        json_array_append_new(list,
                              json_pack("{s:O?, s:o, s:s, s:o, s:o, s:s}", "seq", json_object_get(e, "seq"),
                                        "at", str_or_null(str(e, "at")), "offset",
                                        offset.text ? offset.text : "", "actor", str_or_null(str(e, "actor")),
                                        "login", str_or_null(str(e, "login")), "text", text.text));
        tc_strbuf_release(&text);
        tc_strbuf_release(&offset);
    }
    return list;
}

static json_t *cancel(json_t *audit)
{
    long i = find_event(audit, 0, "cancelled", NULL, 0);
    if (i < 0)
        return json_null();
    json_t *e = json_array_get(audit, (size_t)i);
    return json_pack("{s:o, s:o, s:o, s:o}", "by", str_or_null(str(e, "actor")), "login",
                     str_or_null(str(e, "login")), "at", str_or_null(str(e, "at")), "reason",
                     str_or_null(str(json_object_get(e, "detail"), "reason")));
}

json_t *tc_report_model(json_t *input)
{
    json_t *crisis = json_object_get(input, "crisis");
    json_t *audit = json_object_get(input, "audit");
    if (!json_is_object(crisis))
        crisis = NULL; /* every lookup below finds nothing */
    if (!json_is_array(audit))
        audit = NULL;
    json_t *verify = json_object_get(input, "verify");
    json_t *last = json_array_get(audit, json_array_size(audit) ? json_array_size(audit) - 1 : 0);
    json_t *model = json_object();
    json_object_set_new(model, "crisis", crisis ? json_incref(crisis) : json_object());
    json_object_set_new(model, "generated_at", str_or_null(str(input, "generated_at")));
    json_object_set_new(model, "timeline", timeline(crisis, audit));
    json_object_set_new(model, "decisions", decisions(crisis, audit));
    json_object_set_new(model, "escalations", escalations(audit));
    json_object_set_new(model, "outputs", outputs(crisis, audit));
    json_object_set_new(model, "cancel", cancel(audit));
    json_object_set_new(model, "audit_events", json_integer((json_int_t)json_array_size(audit)));
    json_object_set_new(model, "audit_hash", str_or_null(str(last, "hash")));
    json_object_set_new(model, "verified", json_boolean(json_is_true(json_object_get(verify, "valid"))));
    json_t *broken = json_object_get(verify, "broken");
    json_object_set_new(model, "broken", json_is_array(broken) ? json_incref(broken) : json_array());
    return model;
}

int tc_report_format_parse(const char *name)
{
    if (same(name, "md"))
        return TC_REPORT_MARKDOWN;
    if (same(name, "html"))
        return TC_REPORT_HTML;
    return -1;
}

char *tc_report_render(json_t *input, tc_report_format format)
{
    json_t *model = tc_report_model(input);
    char *text = format == TC_REPORT_HTML ? tc__report_html(model) : tc__report_markdown(model);
    json_decref(model);
    return text;
}
