/*
 * The report as Markdown (CommonMark with GitHub's tables). Every text that
 * is not the report's own goes into a code span, verbatim: a code span
 * shows its content literally (no emphasis, link, HTML or escape inside
 * it), and its fence is made one backtick longer than the longest run of
 * backticks in the content, so nothing closes it early. Line breaks and
 * what a terminal acts on are printed as visible escapes first
 * (core/input/printable.h), so a reason cannot end its line and start a
 * heading or a list of its own. Tables hold identifiers and numbers only:
 * GitHub splits a table's cell at a `|` even inside a code span.
 */
#include <stdlib.h>
#include <string.h>

#include "core/input/printable.h"
#include "core/report/report.h"
#include "core/report/report_internal.h"

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static size_t longest_backticks(const char *text)
{
    size_t longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    return longest;
}

/* Appends text as a code span, verbatim; "(none)" for NULL. In a table's cell (cell), `|` is escaped. */
static void code_span(tc_strbuf *sb, const char *text, int cell)
{
    if (text == NULL) {
        tc_strbuf_add(sb, "(none)");
        return;
    }
    if (*text == '\0') {
        tc_strbuf_add(sb, "(empty)");
        return;
    }
    tc_strbuf safe = TC_STRBUF_INIT;
    tc_printable_add(&safe, text);
    const char *t = safe.text; /* not NULL: text is not empty, nor is what is printed of it */
    size_t fence = longest_backticks(t) + 1;
    size_t n = strlen(t);
    /* CommonMark strips one space from each end when both ends have one: pad when an end is a space or a
     * backtick, and what was padded comes back exactly. */
    int pad = t[0] == '`' || t[0] == ' ' || t[n - 1] == '`' || t[n - 1] == ' ';
    for (size_t i = 0; i < fence; i++)
        tc_strbuf_add(sb, "`");
    if (pad)
        tc_strbuf_add(sb, " ");
    for (const char *p = t; *p; p++) {
        if (cell && *p == '|')
            tc_strbuf_add(sb, "\\");
        tc_strbuf_addn(sb, p, 1);
    }
    if (pad)
        tc_strbuf_add(sb, " ");
    for (size_t i = 0; i < fence; i++)
        tc_strbuf_add(sb, "`");
    tc_strbuf_release(&safe);
}

static void code(tc_strbuf *sb, const char *text)
{
    code_span(sb, text, 0);
}

/* A word of tocsin's own vocabulary ("approve", "truncated") as it is, anything else as a code span. */
static void word(tc_strbuf *sb, const char *text)
{
    if (text != NULL && *text && strspn(text, "abcdefghijklmnopqrstuvwxyz_") == strlen(text))
        tc_strbuf_add(sb, text);
    else
        code(sb, text);
}

static void when(tc_strbuf *sb, const char *iso)
{
    tc__report_when(sb, iso);
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
        code(sb, json_string_value(v));
        break;
    default: {
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
        code(sb, text);
        free(text);
    }
    }
}

static void banner(tc_strbuf *sb, json_t *model)
{
    json_t *crisis = json_object_get(model, "crisis");
    const char *status = str(crisis, "status");
    if (status != NULL && strcmp(status, "active") == 0) {
        tc_strbuf_add(sb,
                      "> **This crisis is still active. This report is provisional**: it says what was "
                      "recorded until ");
        when(sb, str(model, "generated_at"));
        tc_strbuf_add(sb, " UTC, and will change.\n\n");
    } else if (status != NULL && strcmp(status, "cancelled") == 0) {
        json_t *c = json_object_get(model, "cancel");
        tc_strbuf_add(sb, "> **This crisis was cancelled**");
        if (json_typeof(c) == JSON_OBJECT) { /* the model's "cancel" is an object or null, never missing */
            tc_strbuf_add(sb, " by ");
            code(sb, str(c, "by"));
            tc_strbuf_add(sb, " at ");
            when(sb, str(c, "at"));
            tc_strbuf_add(sb, " UTC. Reason: ");
            code(sb, str(c, "reason"));
        }
        tc_strbuf_add(sb, "\n\n");
    }
}

static void summary(tc_strbuf *sb, json_t *model)
{
    json_t *crisis = json_object_get(model, "crisis");
    tc_strbuf_add(sb, "## Summary\n\n- Title: ");
    code(sb, str(crisis, "title"));
    tc_strbuf_add(sb, "\n- Playbook: ");
    code(sb, str(crisis, "playbook"));
    tc_strbuf_addf(
        sb, ", version %lld\n- Parties: ", (long long)json_integer_value(json_object_get(crisis, "version")));
    json_t *parties = json_object_get(crisis, "parties");
    for (size_t i = 0; i < json_array_size(parties); i++) {
        if (i)
            tc_strbuf_add(sb, ", ");
        code(sb, json_string_value(json_array_get(parties, i)));
    }
    tc_strbuf_add(sb, "\n- Mode: ");
    code(sb, str(crisis, "mode"));
    tc_strbuf_add(sb, "; severity: ");
    code(sb, str(crisis, "severity"));
    tc_strbuf_add(sb, "\n- Triggered by ");
    code(sb, str(crisis, "initiator"));
    tc_strbuf_add(sb, " at ");
    when(sb, str(crisis, "created_at"));
    tc_strbuf_add(sb, " UTC\n- Status: ");
    code(sb, str(crisis, "status"));
    tc_strbuf_add(sb, "; outcome: ");
    code(sb, str(crisis, "outcome"));
    if (str(crisis, "closed_at")) {
        tc_strbuf_add(sb, "\n- Closed at ");
        when(sb, str(crisis, "closed_at"));
        tc_strbuf_add(sb, " UTC");
    }
    json_t *duration = json_object_get(crisis, "duration_seconds");
    if (json_is_integer(duration)) {
        tc_strbuf_add(sb, "\n- Duration: ");
        tc__report_duration(sb, (long long)json_integer_value(duration));
    } else {
        tc_strbuf_add(sb, "\n- Duration: none yet (still active)");
    }
    tc_strbuf_addf(sb, "\n- Decisions: %zu; escalations: %zu; audit events: %lld\n\n",
                   json_array_size(json_object_get(model, "decisions")),
                   json_array_size(json_object_get(model, "escalations")),
                   (long long)json_integer_value(json_object_get(model, "audit_events")));
}

static void timeline(tc_strbuf *sb, json_t *model)
{
    tc_strbuf block = TC_STRBUF_INIT;
    json_t *lines = json_object_get(model, "timeline");
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *e = json_array_get(lines, i);
        /* The model writes every line's offset ("" when unknown) and text. */
        tc_strbuf_addf(&block, "%4lld  ", (long long)json_integer_value(json_object_get(e, "seq")));
        when(&block, str(e, "at"));
        tc_strbuf_addf(&block, "  %-12s ", str(e, "offset"));
        tc_printable_add(&block, str(e, "actor") ? str(e, "actor") : "?");
        tc_strbuf_add(&block, "  ");
        tc_strbuf_add(&block, str(e, "text"));
        tc_strbuf_add(&block, "\n");
    }
    tc_strbuf_add(sb, "## Timeline\n\nTimes in UTC; the offset is from the trigger.\n\n");
    /* A fenced block: its text is verbatim, and no line of it can be a fence as long as this one. */
    size_t fence = block.text ? longest_backticks(block.text) + 1 : 3;
    if (fence < 3)
        fence = 3;
    for (size_t k = 0; k < fence; k++)
        tc_strbuf_add(sb, "`");
    tc_strbuf_add(sb, "text\n");
    tc_strbuf_add(sb, block.text ? block.text : "(no events)\n");
    for (size_t k = 0; k < fence; k++)
        tc_strbuf_add(sb, "`");
    tc_strbuf_add(sb, "\n\n");
    tc_strbuf_release(&block);
}

static void decisions(tc_strbuf *sb, json_t *model)
{
    tc_strbuf_add(sb, "## Decisions\n\n");
    json_t *list = json_object_get(model, "decisions");
    if (json_array_size(list) == 0)
        tc_strbuf_add(sb, "No approval was decided.\n\n");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *d = json_array_get(list, i);
        tc_strbuf_add(sb, "### ");
        code(sb, str(d, "state"));
        tc_strbuf_addf(sb, " (visit %lld): ", (long long)json_integer_value(json_object_get(d, "visit")));
        code(sb, str(d, "outcome"));
        tc_strbuf_add(sb, "\n\n");
        if (str(d, "title")) {
            tc_strbuf_add(sb, "- Title: ");
            code(sb, str(d, "title"));
            tc_strbuf_add(sb, "\n");
        }
        json_t *t = json_object_get(d, "tally");
        tc_strbuf_add(sb, "- Rule: ");
        code(sb, str(d, "rule"));
        tc_strbuf_addf(sb, "; tally: %lld approve, %lld reject, %lld abstain, %lld pending\n",
                       (long long)json_integer_value(json_object_get(t, "approve")),
                       (long long)json_integer_value(json_object_get(t, "reject")),
                       (long long)json_integer_value(json_object_get(t, "abstain")),
                       (long long)json_integer_value(json_object_get(t, "pending")));
        tc_strbuf_add(sb, "- Opened ");
        when(sb, str(d, "opened_at"));
        tc_strbuf_add(sb, ", decided ");
        when(sb, str(d, "decided_at"));
        if (json_typeof(json_object_get(d, "seconds")) ==
            JSON_INTEGER) { /* null when unknown, never missing */
            tc_strbuf_add(sb, ": ");
            tc__report_duration(sb, (long long)json_integer_value(json_object_get(d, "seconds")));
            tc_strbuf_add(sb, " from opening to decision");
        }
        tc_strbuf_add(sb, "\n- Votes:");
        json_t *votes = json_object_get(d, "votes");
        if (json_array_size(votes) == 0)
            tc_strbuf_add(sb, " none (decided by its deadline)");
        tc_strbuf_add(sb, "\n");
        for (size_t j = 0; j < json_array_size(votes); j++) {
            json_t *v = json_array_get(votes, j);
            tc_strbuf_add(sb, "  - ");
            code(sb, str(v, "seat"));
            tc_strbuf_add(sb, " **");
            word(sb, str(v, "vote"));
            tc_strbuf_add(sb, "**");
            if (str(v, "changed_from")) {
                tc_strbuf_add(sb, " (was ");
                code(sb, str(v, "changed_from"));
                tc_strbuf_add(sb, ")");
            }
            tc_strbuf_add(sb, " by ");
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
            tc_strbuf_add(sb, " at ");
            when(sb, str(v, "at"));
            tc_strbuf_add(sb, ": ");
            if (str(v, "reason"))
                code(sb, str(v, "reason"));
            else
                tc_strbuf_add(sb, "no reason given");
            tc_strbuf_add(sb, "\n");
        }
        tc_strbuf_add(sb, "\n");
    }
}

static void escalations(tc_strbuf *sb, json_t *model)
{
    tc_strbuf_add(sb, "## Escalations\n\n");
    json_t *list = json_object_get(model, "escalations");
    if (json_array_size(list) == 0)
        tc_strbuf_add(sb, "None.\n\n");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        tc_strbuf_add(sb, "- ");
        code(sb, str(e, "state"));
        tc_strbuf_addf(sb, " level %lld at ", (long long)json_integer_value(json_object_get(e, "level")));
        when(sb, str(e, "at"));
        if (json_typeof(json_object_get(e, "manual")) == JSON_TRUE) { /* the model writes true or false */
            tc_strbuf_add(sb, ", by ");
            code(sb, str(e, "by"));
            if (str(e, "reason")) {
                tc_strbuf_add(sb, ": ");
                code(sb, str(e, "reason"));
            }
        } else {
            tc_strbuf_add(sb, ", by its ladder");
        }
        if (str(e, "severity")) {
            tc_strbuf_add(sb, "; severity raised to ");
            code(sb, str(e, "severity"));
        }
        tc_strbuf_add(sb, "\n  - Notified: ");
        json_t *seats = json_object_get(e, "notified");
        if (json_array_size(seats) == 0)
            seats = json_object_get(e, "notify");
        if (json_array_size(seats) == 0)
            tc_strbuf_add(sb, "no one");
        for (size_t j = 0; j < json_array_size(seats); j++) {
            if (j)
                tc_strbuf_add(sb, ", ");
            code(sb, json_string_value(json_array_get(seats, j)));
        }
        tc_strbuf_add(sb, "\n  - Acted after: ");
        json_t *acted = json_object_get(e, "acted");
        if (json_array_size(acted) == 0)
            tc_strbuf_add(sb, "no one");
        for (size_t j = 0; j < json_array_size(acted); j++) {
            json_t *x = json_array_get(acted, j);
            if (j)
                tc_strbuf_add(sb, ", ");
            code(sb, str(x, "actor"));
            /* The model writes each act's kind, and its seconds (null when unknown). */
            tc_strbuf_addf(sb, " (%s", str(x, "kind"));
            if (json_typeof(json_object_get(x, "seconds")) == JSON_INTEGER) {
                tc_strbuf_add(sb, ", ");
                tc__report_duration(sb, (long long)json_integer_value(json_object_get(x, "seconds")));
                tc_strbuf_add(sb, " later");
            }
            tc_strbuf_add(sb, ")");
        }
        tc_strbuf_add(sb, "\n");
    }
    if (json_array_size(list) > 0)
        tc_strbuf_add(sb, "\n");
}

static void outputs(tc_strbuf *sb, json_t *model)
{
    json_t *out = json_object_get(model, "outputs");
    json_t *fields = json_object_get(out, "fields");
    json_t *parties = json_object_get(out, "parties");
    tc_strbuf_add(sb, "## Task outputs\n\n");
    if (json_array_size(parties) > 0) {
        tc_strbuf_add(
            sb, "Numeric outputs of each party's tasks, summed per party and in total:\n\n| Party | Tasks |");
        for (size_t j = 0; j < json_array_size(fields); j++) {
            tc_strbuf_add(sb, " ");
            code_span(sb, json_string_value(json_array_get(fields, j)), 1);
            tc_strbuf_add(sb, " |");
        }
        tc_strbuf_add(sb, "\n|---|--:|");
        for (size_t j = 0; j < json_array_size(fields); j++)
            tc_strbuf_add(sb, "--:|");
        tc_strbuf_add(sb, "\n");
        long long tasks = 0;
        for (size_t i = 0; i < json_array_size(parties); i++) {
            json_t *p = json_array_get(parties, i);
            tc_strbuf_add(sb, "| ");
            code_span(sb, str(p, "party"), 1);
            tc_strbuf_addf(sb, " | %lld |", (long long)json_integer_value(json_object_get(p, "tasks")));
            tasks += json_integer_value(json_object_get(p, "tasks"));
            for (size_t j = 0; j < json_array_size(fields); j++) {
                json_t *sum =
                    json_object_get(json_object_get(p, "sums"), json_string_value(json_array_get(fields, j)));
                tc_strbuf_add(sb, " ");
                if (sum != NULL)
                    tc__report_number(sb, sum);
                tc_strbuf_add(sb, " |");
            }
            tc_strbuf_add(sb, "\n");
        }
        tc_strbuf_addf(sb, "| **Total** | %lld |", tasks);
        for (size_t j = 0; j < json_array_size(fields); j++) {
            /* Every field has a total: the model lists a field when it adds it to the total. */
            tc_strbuf_add(sb, " **");
            tc__report_number(sb, json_object_get(json_object_get(out, "total"),
                                                  json_string_value(json_array_get(fields, j))));
            tc_strbuf_add(sb, "** |");
        }
        tc_strbuf_add(sb, "\n\n");
    }
    json_t *entries = json_object_get(out, "entries");
    if (json_array_size(entries) == 0) {
        tc_strbuf_add(sb, "No task reported outputs.\n\n");
        return;
    }
    tc_strbuf_add(
        sb, "Every task's outputs (the last report of each seat; tasks of no party are not summed):\n\n");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *p = json_array_get(entries, i);
        tc_strbuf_add(sb, "- ");
        code(sb, str(p, "state"));
        tc_strbuf_add(sb, " ");
        code(sb, str(p, "seat"));
        tc_strbuf_add(sb, " by ");
        code(sb, str(p, "actor"));
        tc_strbuf_add(sb, " at ");
        when(sb, str(p, "at"));
        tc_strbuf_add(sb, ":");
        json_t *data = json_object_get(p, "data"); /* an object or null, never missing */
        if (json_object_size(data) == 0)
            tc_strbuf_add(sb, " no outputs");
        /* In the order of the sorted keys, so that the report does not depend on a hash table. */
        char *sorted = json_dumps(data, JSON_ENCODE_ANY | JSON_SORT_KEYS);
        json_t *ordered = json_loads(sorted, JSON_DECODE_ANY, NULL);
        free(sorted);
        int first = 1;
        for (void *it = json_object_iter(ordered); it != NULL; it = json_object_iter_next(ordered, it)) {
            tc_strbuf_add(sb, first ? " " : ", ");
            code(sb, json_object_iter_key(it));
            tc_strbuf_add(sb, " ");
            value(sb, json_object_iter_value(it));
            first = 0;
        }
        json_decref(ordered);
        tc_strbuf_add(sb, "\n");
    }
    tc_strbuf_add(sb, "\n");
}

static void audit(tc_strbuf *sb, json_t *model)
{
    tc_strbuf_add(sb, "## Audit\n\n");
    tc_strbuf_addf(sb, "- Events: %lld\n- Final hash: ",
                   (long long)json_integer_value(json_object_get(model, "audit_events")));
    code(sb, str(model, "audit_hash"));
    int ok =
        json_typeof(json_object_get(model, "verified")) == JSON_TRUE; /* the model writes true or false */
    tc_strbuf_addf(sb, "\n- Chain verifies: %s\n", ok ? "yes" : "**no**");
    json_t *broken = json_object_get(model, "broken");
    for (size_t i = 0; i < json_array_size(broken); i++) {
        json_t *b = json_array_get(broken, i);
        tc_strbuf_addf(
            sb, "  - broken at event %lld: ", (long long)json_integer_value(json_object_get(b, "seq")));
        word(sb, str(b, "problem"));
        tc_strbuf_add(sb, "\n");
    }
    tc_strbuf_add(sb, "\n");
}

char *tc__report_markdown(json_t *model)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    json_t *crisis = json_object_get(model, "crisis");
    tc_strbuf_addf(&sb, "# Crisis %lld: report\n\n",
                   (long long)json_integer_value(json_object_get(crisis, "id")));
    banner(&sb, model);
    summary(&sb, model);
    timeline(&sb, model);
    decisions(&sb, model);
    escalations(&sb, model);
    outputs(&sb, model);
    audit(&sb, model);
    tc_strbuf_add(&sb, "Report made by tocsin at ");
    when(&sb, str(model, "generated_at"));
    tc_strbuf_add(&sb, " UTC.\n");
    return tc_strbuf_take(&sb); /* never NULL: the allocator aborts when memory runs out */
}
