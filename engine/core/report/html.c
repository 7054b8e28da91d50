/*
 * The report as one printable HTML page: its CSS inline (with @media print
 * and @page for A4), no script, no image, no font or anything else fetched,
 * so the file can be mailed, archived and printed as it is. Every text is
 * HTML-escaped (core/base/markup.h), after what a terminal acts on is made visible
 * (core/input/printable.h), as in the other formats: a reason is anyone's
 * words, and the page must show them, never run them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/base/markup.h"
#include "core/input/printable.h"
#include "core/report/report.h"
#include "core/report/report_internal.h"

static const char style[] =
    "*{box-sizing:border-box}"
    "body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;font-size:11pt;line-height:1.45;"
    "color:#1b1f24;background:#fff;max-width:64rem;margin:1.5rem auto;padding:0 1.5rem}"
    "header{border-bottom:3px solid #1f3a5f;padding-bottom:.4rem;margin-bottom:1rem}"
    "h1{font-size:1.7rem;margin:0 0 .2rem;color:#1f3a5f}"
    ".subtitle{font-size:1.05rem;color:#3a4350;margin:0}"
    "h2{font-size:1.2rem;color:#1f3a5f;border-bottom:1px solid #c9d1dc;margin:1.6rem 0 .6rem;"
    "padding-bottom:.15rem;break-after:avoid}"
    "h3{font-size:1.02rem;margin:1rem 0 .3rem;break-after:avoid}"
    "table{border-collapse:collapse;width:100%;margin:.3rem 0 .8rem;font-size:.95em}"
    "th,td{border:1px solid #d3d9e2;padding:.22rem .45rem;text-align:left;vertical-align:top}"
    "th{background:#eef2f7;font-weight:600}"
    "tr{break-inside:avoid}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "tr.total td{font-weight:700;background:#f6f8fb}"
    "table.facts{width:auto}table.facts th{background:none;border:none;padding-left:0;white-space:nowrap;"
    "color:#4a5563;font-weight:600}table.facts td{border:none}"
    "code,.mono{font-family:'DejaVu Sans Mono','Liberation Mono',monospace;font-size:.9em}"
    ".when{white-space:nowrap;font-family:'DejaVu Sans Mono','Liberation Mono',monospace;font-size:.88em}"
    ".banner{border-left:6px solid;padding:.55rem .9rem;margin:1rem 0;font-size:1.02rem}"
    ".banner.active{background:#fff6d9;border-color:#d49b00}"
    ".banner.cancelled{background:#fdeaea;border-color:#b3261e}"
    ".decision{margin-bottom:1rem;break-inside:avoid}"
    ".meta{margin:.1rem 0 .4rem;color:#3a4350}"
    ".reason{white-space:pre-wrap;overflow-wrap:anywhere}"
    ".none{color:#6b7380;font-style:italic}"
    ".approve{color:#1e6b34;font-weight:600}.reject{color:#a3261e;font-weight:600}"
    ".abstain{color:#5b6470;font-weight:600}"
    ".ok{color:#1e6b34;font-weight:700}.bad{color:#b3261e;font-weight:700}"
    ".hash{overflow-wrap:anywhere;font-family:'DejaVu Sans Mono','Liberation Mono',monospace;font-size:.9em}"
    "footer{margin-top:2rem;border-top:1px solid #c9d1dc;padding-top:.4rem;color:#6b7380;font-size:.85em}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{margin:0;max-width:none;padding:0;font-size:9.5pt}"
    "thead{display:table-header-group}.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "th,tr.total td{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}}";

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Appends text HTML-escaped, with what a terminal acts on made visible first; "(none)" for NULL. */
static void text(tc_strbuf *sb, const char *t)
{
    if (t == NULL) {
        tc_strbuf_add(sb, "<span class=\"none\">(none)</span>");
        return;
    }
    tc_strbuf safe = TC_STRBUF_INIT;
    tc_printable_add(&safe, t);
    tc_markup_add(sb, safe.text ? safe.text : "");
    tc_strbuf_release(&safe);
}

static void code(tc_strbuf *sb, const char *t)
{
    tc_strbuf_add(sb, "<code>");
    text(sb, t);
    tc_strbuf_add(sb, "</code>");
}

static void when(tc_strbuf *sb, const char *iso)
{
    tc_strbuf_add(sb, "<span class=\"when\">");
    tc__report_when(sb, iso);
    tc_strbuf_add(sb, "</span>");
}

/* seconds is never NULL: the model writes every "seconds" it holds, null when it knows none. */
static void duration(tc_strbuf *sb, json_t *seconds)
{
    if (json_typeof(seconds) == JSON_INTEGER)
        tc__report_duration(sb, (long long)json_integer_value(seconds));
    else
        tc_strbuf_add(sb, "<span class=\"none\">-</span>");
}

/* A value of a task's outputs (never NULL). */
static void value(tc_strbuf *sb, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER:
    case JSON_REAL:
        tc__report_number(sb, v);
        break;
    case JSON_STRING:
        text(sb, json_string_value(v));
        break;
    default: {
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
        code(sb, t);
        free(t);
    }
    }
}

static void fact(tc_strbuf *sb, const char *name)
{
    tc_strbuf_addf(sb, "<tr><th>%s</th><td>", name);
}

static void banner(tc_strbuf *sb, json_t *model)
{
    json_t *crisis = json_object_get(model, "crisis");
    const char *status = str(crisis, "status");
    if (status != NULL && strcmp(status, "active") == 0) {
        tc_strbuf_add(sb,
                      "<p class=\"banner active\"><strong>This crisis is still active. This report is "
                      "provisional:</strong> it says what was recorded until ");
        when(sb, str(model, "generated_at"));
        tc_strbuf_add(sb, " UTC, and will change.</p>\n");
    } else if (status != NULL && strcmp(status, "cancelled") == 0) {
        json_t *c = json_object_get(model, "cancel");
        tc_strbuf_add(sb, "<p class=\"banner cancelled\"><strong>This crisis was cancelled</strong>");
        if (json_typeof(c) == JSON_OBJECT) { /* the model's "cancel" is an object or null, never missing */
            tc_strbuf_add(sb, " by ");
            code(sb, str(c, "by"));
            tc_strbuf_add(sb, " at ");
            when(sb, str(c, "at"));
            tc_strbuf_add(sb, " UTC. Reason: <span class=\"reason\">");
            text(sb, str(c, "reason"));
            tc_strbuf_add(sb, "</span>");
        }
        tc_strbuf_add(sb, "</p>\n");
    }
}

static void summary(tc_strbuf *sb, json_t *model)
{
    json_t *crisis = json_object_get(model, "crisis");
    tc_strbuf_add(sb, "<section><h2>Summary</h2>\n<table class=\"facts\">\n");
    fact(sb, "Playbook");
    code(sb, str(crisis, "playbook"));
    tc_strbuf_addf(sb, ", version %lld</td></tr>\n",
                   (long long)json_integer_value(json_object_get(crisis, "version")));
    fact(sb, "Parties");
    json_t *parties = json_object_get(crisis, "parties");
    for (size_t i = 0; i < json_array_size(parties); i++) {
        if (i)
            tc_strbuf_add(sb, ", ");
        text(sb, json_string_value(json_array_get(parties, i)));
    }
    tc_strbuf_add(sb, "</td></tr>\n");
    fact(sb, "Mode");
    text(sb, str(crisis, "mode"));
    tc_strbuf_add(sb, "; severity ");
    text(sb, str(crisis, "severity"));
    tc_strbuf_add(sb, "</td></tr>\n");
    fact(sb, "Triggered");
    when(sb, str(crisis, "created_at"));
    tc_strbuf_add(sb, " UTC by ");
    code(sb, str(crisis, "initiator"));
    tc_strbuf_add(sb, "</td></tr>\n");
    fact(sb, "Status");
    tc_strbuf_add(sb, "<strong>");
    text(sb, str(crisis, "status"));
    tc_strbuf_add(sb, "</strong>");
    if (str(crisis, "outcome")) {
        tc_strbuf_add(sb, ", outcome <strong>");
        text(sb, str(crisis, "outcome"));
        tc_strbuf_add(sb, "</strong>");
    }
    if (str(crisis, "closed_at")) {
        tc_strbuf_add(sb, ", at ");
        when(sb, str(crisis, "closed_at"));
        tc_strbuf_add(sb, " UTC");
    }
    tc_strbuf_add(sb, "</td></tr>\n");
    fact(sb, "Duration");
    if (json_is_integer(json_object_get(crisis, "duration_seconds")))
        duration(sb, json_object_get(crisis, "duration_seconds"));
    else
        tc_strbuf_add(sb, "<span class=\"none\">none yet: still active</span>");
    tc_strbuf_add(sb, "</td></tr>\n");
    fact(sb, "Record");
    tc_strbuf_addf(sb, "%zu decisions, %zu escalations, %lld audit events</td></tr>\n",
                   json_array_size(json_object_get(model, "decisions")),
                   json_array_size(json_object_get(model, "escalations")),
                   (long long)json_integer_value(json_object_get(model, "audit_events")));
    tc_strbuf_add(sb, "</table></section>\n");
}

static void timeline(tc_strbuf *sb, json_t *model)
{
    tc_strbuf_add(sb,
                  "<section><h2>Timeline</h2>\n<table>\n<thead><tr><th class=\"n\">#</th><th>Time (UTC)</th>"
                  "<th class=\"n\">Since trigger</th><th>Actor</th><th>Event</th></tr></thead>\n<tbody>\n");
    json_t *lines = json_object_get(model, "timeline");
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *e = json_array_get(lines, i);
        tc_strbuf_addf(sb, "<tr><td class=\"n\">%lld</td><td>",
                       (long long)json_integer_value(json_object_get(e, "seq")));
        when(sb, str(e, "at"));
        tc_strbuf_add(sb, "</td><td class=\"n mono\">");
        text(sb, str(e, "offset"));
        tc_strbuf_add(sb, "</td><td>");
        code(sb, str(e, "actor"));
        if (str(e, "login") && str(e, "actor") && strcmp(str(e, "login"), str(e, "actor")) != 0) {
            tc_strbuf_add(sb, " (as ");
            code(sb, str(e, "login"));
            tc_strbuf_add(sb, ")");
        }
        tc_strbuf_add(sb, "</td><td class=\"reason\">");
        text(sb, str(e, "text"));
        tc_strbuf_add(sb, "</td></tr>\n");
    }
    tc_strbuf_add(sb, "</tbody></table></section>\n");
}

static void vote_class(tc_strbuf *sb, const char *vote)
{
    const char *cls = vote == NULL                   ? "none"
                      : strcmp(vote, "approve") == 0 ? "approve"
                      : strcmp(vote, "reject") == 0  ? "reject"
                      : strcmp(vote, "abstain") == 0 ? "abstain"
                                                     : "none";
    tc_strbuf_addf(sb, "<span class=\"%s\">", cls);
    text(sb, vote);
    tc_strbuf_add(sb, "</span>");
}

static void decisions(tc_strbuf *sb, json_t *model)
{
    tc_strbuf_add(sb, "<section><h2>Decisions</h2>\n");
    json_t *list = json_object_get(model, "decisions");
    if (json_array_size(list) == 0)
        tc_strbuf_add(sb, "<p class=\"none\">No approval was decided.</p>\n");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *d = json_array_get(list, i);
        json_t *t = json_object_get(d, "tally");
        tc_strbuf_add(sb, "<div class=\"decision\"><h3>");
        code(sb, str(d, "state"));
        if (str(d, "title")) {
            tc_strbuf_add(sb, " ");
            text(sb, str(d, "title"));
        }
        tc_strbuf_add(sb, ": <strong>");
        text(sb, str(d, "outcome"));
        tc_strbuf_add(sb, "</strong></h3>\n<p class=\"meta\">Rule <strong>");
        text(sb, str(d, "rule"));
        tc_strbuf_addf(sb,
                       "</strong>, visit %lld; tally %lld approve, %lld reject, %lld abstain, %lld pending. "
                       "Opened ",
                       (long long)json_integer_value(json_object_get(d, "visit")),
                       (long long)json_integer_value(json_object_get(t, "approve")),
                       (long long)json_integer_value(json_object_get(t, "reject")),
                       (long long)json_integer_value(json_object_get(t, "abstain")),
                       (long long)json_integer_value(json_object_get(t, "pending")));
        when(sb, str(d, "opened_at"));
        tc_strbuf_add(sb, ", decided ");
        when(sb, str(d, "decided_at"));
        tc_strbuf_add(sb, ": <strong>");
        duration(sb, json_object_get(d, "seconds"));
        tc_strbuf_add(sb, "</strong> from opening to decision.</p>\n");
        json_t *votes = json_object_get(d, "votes");
        if (json_array_size(votes) == 0) {
            tc_strbuf_add(sb, "<p class=\"none\">No vote was cast: decided by its deadline.</p></div>\n");
            continue;
        }
        tc_strbuf_add(sb,
                      "<table><thead><tr><th>Seat</th><th>Vote</th><th>Cast by</th><th>Time (UTC)</th>"
                      "<th>Reason</th></tr></thead><tbody>\n");
        for (size_t j = 0; j < json_array_size(votes); j++) {
            json_t *v = json_array_get(votes, j);
            tc_strbuf_add(sb, "<tr><td>");
            code(sb, str(v, "seat"));
            tc_strbuf_add(sb, "</td><td>");
            vote_class(sb, str(v, "vote"));
            if (str(v, "changed_from")) {
                tc_strbuf_add(sb, " (was ");
                text(sb, str(v, "changed_from"));
                tc_strbuf_add(sb, ")");
            }
            tc_strbuf_add(sb, "</td><td>");
            code(sb, str(v, "actor"));
            if (str(v, "holder")) {
                tc_strbuf_add(sb, " for the seat's holder ");
                code(sb, str(v, "holder"));
            }
            if (str(v, "login") && str(v, "actor") && strcmp(str(v, "login"), str(v, "actor")) != 0) {
                tc_strbuf_add(sb, " (logged in as ");
                code(sb, str(v, "login"));
                tc_strbuf_add(sb, ")");
            }
            tc_strbuf_add(sb, "</td><td>");
            when(sb, str(v, "at"));
            tc_strbuf_add(sb, "</td><td class=\"reason\">");
            if (str(v, "reason"))
                text(sb, str(v, "reason"));
            else
                tc_strbuf_add(sb, "<span class=\"none\">no reason given</span>");
            tc_strbuf_add(sb, "</td></tr>\n");
        }
        tc_strbuf_add(sb, "</tbody></table></div>\n");
    }
    tc_strbuf_add(sb, "</section>\n");
}

static void escalations(tc_strbuf *sb, json_t *model)
{
    tc_strbuf_add(sb, "<section><h2>Escalations</h2>\n");
    json_t *list = json_object_get(model, "escalations");
    if (json_array_size(list) == 0) {
        tc_strbuf_add(sb, "<p class=\"none\">None.</p></section>\n");
        return;
    }
    tc_strbuf_add(sb,
                  "<table><thead><tr><th>State</th><th class=\"n\">Level</th><th>Time (UTC)</th><th>How</th>"
                  "<th>Notified</th><th>Acted after</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        tc_strbuf_add(sb, "<tr><td>");
        code(sb, str(e, "state"));
        tc_strbuf_addf(sb, "</td><td class=\"n\">%lld</td><td>",
                       (long long)json_integer_value(json_object_get(e, "level")));
        when(sb, str(e, "at"));
        tc_strbuf_add(sb, "</td><td>");
        if (json_typeof(json_object_get(e, "manual")) == JSON_TRUE) { /* the model writes true or false */
            tc_strbuf_add(sb, "by ");
            code(sb, str(e, "by"));
            if (str(e, "reason")) {
                tc_strbuf_add(sb, ": <span class=\"reason\">");
                text(sb, str(e, "reason"));
                tc_strbuf_add(sb, "</span>");
            }
        } else {
            tc_strbuf_add(sb, "its ladder");
        }
        if (str(e, "severity")) {
            tc_strbuf_add(sb, "; severity raised to ");
            text(sb, str(e, "severity"));
        }
        tc_strbuf_add(sb, "</td><td>");
        json_t *seats = json_object_get(e, "notified");
        if (json_array_size(seats) == 0)
            seats = json_object_get(e, "notify");
        if (json_array_size(seats) == 0)
            tc_strbuf_add(sb, "<span class=\"none\">no one</span>");
        for (size_t j = 0; j < json_array_size(seats); j++) {
            if (j)
                tc_strbuf_add(sb, ", ");
            code(sb, json_string_value(json_array_get(seats, j)));
        }
        tc_strbuf_add(sb, "</td><td>");
        json_t *acted = json_object_get(e, "acted");
        if (json_array_size(acted) == 0)
            tc_strbuf_add(sb, "<span class=\"none\">no one</span>");
        for (size_t j = 0; j < json_array_size(acted); j++) {
            json_t *x = json_array_get(acted, j);
            if (j)
                tc_strbuf_add(sb, "<br>");
            code(sb, str(x, "actor"));
            tc_strbuf_add(sb, " ");
            text(sb, str(x, "kind"));
            if (json_typeof(json_object_get(x, "seconds")) == JSON_INTEGER) {
                tc_strbuf_add(sb, ", ");
                duration(sb, json_object_get(x, "seconds"));
                tc_strbuf_add(sb, " later");
            }
        }
        tc_strbuf_add(sb, "</td></tr>\n");
    }
    tc_strbuf_add(sb, "</tbody></table></section>\n");
}

static void outputs(tc_strbuf *sb, json_t *model)
{
    json_t *out = json_object_get(model, "outputs");
    json_t *fields = json_object_get(out, "fields");
    json_t *parties = json_object_get(out, "parties");
    tc_strbuf_add(sb, "<section><h2>Task outputs</h2>\n");
    if (json_array_size(parties) > 0) {
        tc_strbuf_add(sb,
                      "<p>Numeric outputs of each party's tasks, summed per party and in total.</p>\n"
                      "<table><thead><tr><th>Party</th><th class=\"n\">Tasks</th>");
        for (size_t j = 0; j < json_array_size(fields); j++) {
            tc_strbuf_add(sb, "<th class=\"n\">");
            text(sb, json_string_value(json_array_get(fields, j)));
            tc_strbuf_add(sb, "</th>");
        }
        tc_strbuf_add(sb, "</tr></thead><tbody>\n");
        long long tasks = 0;
        for (size_t i = 0; i < json_array_size(parties); i++) {
            json_t *p = json_array_get(parties, i);
            tc_strbuf_add(sb, "<tr><td>");
            text(sb, str(p, "party"));
            tc_strbuf_addf(sb, "</td><td class=\"n\">%lld</td>",
                           (long long)json_integer_value(json_object_get(p, "tasks")));
            tasks += json_integer_value(json_object_get(p, "tasks"));
            for (size_t j = 0; j < json_array_size(fields); j++) {
                json_t *sum =
                    json_object_get(json_object_get(p, "sums"), json_string_value(json_array_get(fields, j)));
                tc_strbuf_add(sb, "<td class=\"n\">");
                if (sum != NULL)
                    tc__report_number(sb, sum);
                tc_strbuf_add(sb, "</td>");
            }
            tc_strbuf_add(sb, "</tr>\n");
        }
        tc_strbuf_addf(sb, "<tr class=\"total\"><td>Total</td><td class=\"n\">%lld</td>", tasks);
        for (size_t j = 0; j < json_array_size(fields); j++) {
            /* Every field has a total: the model lists a field when it adds it to the total. */
            tc_strbuf_add(sb, "<td class=\"n\">");
            tc__report_number(sb, json_object_get(json_object_get(out, "total"),
                                                  json_string_value(json_array_get(fields, j))));
            tc_strbuf_add(sb, "</td>");
        }
        tc_strbuf_add(sb, "</tr>\n</tbody></table>\n");
    }
    json_t *entries = json_object_get(out, "entries");
    if (json_array_size(entries) == 0) {
        tc_strbuf_add(sb, "<p class=\"none\">No task reported outputs.</p></section>\n");
        return;
    }
    tc_strbuf_add(
        sb,
        "<h3>Every task's outputs</h3>\n<p class=\"meta\">The last report of each seat; tasks of no "
        "party are listed, not summed.</p>\n<table><thead><tr><th>Task</th><th>Seat</th>"
        "<th>Reported by</th><th>Time (UTC)</th><th>Outputs</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *p = json_array_get(entries, i);
        tc_strbuf_add(sb, "<tr><td>");
        code(sb, str(p, "state"));
        tc_strbuf_add(sb, "</td><td>");
        code(sb, str(p, "seat"));
        tc_strbuf_add(sb, "</td><td>");
        code(sb, str(p, "actor"));
        tc_strbuf_add(sb, "</td><td>");
        when(sb, str(p, "at"));
        tc_strbuf_add(sb, "</td><td class=\"reason\">");
        /* The model's data (an object or null, never missing), read back in the order of its sorted keys. */
        char *sorted = json_dumps(json_object_get(p, "data"), JSON_ENCODE_ANY | JSON_SORT_KEYS);
        json_t *ordered = json_loads(sorted, JSON_DECODE_ANY, NULL);
        free(sorted);
        if (json_object_size(ordered) == 0)
            tc_strbuf_add(sb, "<span class=\"none\">none</span>");
        int first = 1;
        for (void *it = json_object_iter(ordered); it != NULL; it = json_object_iter_next(ordered, it)) {
            if (!first)
                tc_strbuf_add(sb, "<br>");
            code(sb, json_object_iter_key(it));
            tc_strbuf_add(sb, " ");
            value(sb, json_object_iter_value(it));
            first = 0;
        }
        json_decref(ordered);
        tc_strbuf_add(sb, "</td></tr>\n");
    }
    tc_strbuf_add(sb, "</tbody></table></section>\n");
}

static void audit(tc_strbuf *sb, json_t *model)
{
    int ok =
        json_typeof(json_object_get(model, "verified")) == JSON_TRUE; /* the model writes true or false */
    tc_strbuf_add(sb, "<section><h2>Audit</h2>\n<table class=\"facts\">\n");
    fact(sb, "Events");
    tc_strbuf_addf(sb, "%lld</td></tr>\n",
                   (long long)json_integer_value(json_object_get(model, "audit_events")));
    fact(sb, "Final hash");
    tc_strbuf_add(sb, "<span class=\"hash\">");
    text(sb, str(model, "audit_hash"));
    tc_strbuf_add(sb, "</span></td></tr>\n");
    fact(sb, "Chain verifies");
    tc_strbuf_add(sb, ok ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">no</span>");
    json_t *broken = json_object_get(model, "broken");
    for (size_t i = 0; i < json_array_size(broken); i++) {
        json_t *b = json_array_get(broken, i);
        tc_strbuf_addf(
            sb, "<br>broken at event %lld: ", (long long)json_integer_value(json_object_get(b, "seq")));
        text(sb, str(b, "problem"));
    }
    tc_strbuf_add(sb, "</td></tr>\n</table></section>\n");
}

char *tc__report_html(json_t *model)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    json_t *crisis = json_object_get(model, "crisis");
    long long id = (long long)json_integer_value(json_object_get(crisis, "id"));
    tc_strbuf_addf(&sb,
                   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>Crisis %lld: ",
                   id);
    text(&sb, str(crisis, "title"));
    tc_strbuf_addf(&sb,
                   "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>Crisis %lld: report</h1>\n"
                   "<p class=\"subtitle\">",
                   style, id);
    text(&sb, str(crisis, "title"));
    tc_strbuf_add(&sb, "</p></header>\n");
    banner(&sb, model);
    summary(&sb, model);
    timeline(&sb, model);
    decisions(&sb, model);
    escalations(&sb, model);
    outputs(&sb, model);
    audit(&sb, model);
    tc_strbuf_add(&sb, "<footer>Report made by tocsin at ");
    when(&sb, str(model, "generated_at"));
    tc_strbuf_add(&sb, " UTC.</footer>\n</body>\n</html>\n");
    return tc_strbuf_take(&sb); /* never NULL: the allocator aborts when memory runs out */
}
