/*
 * The post-crisis report (`tocsin report`, docs/cli.md): what the store
 * gathered about one crisis, put in order and into words, as Markdown or as
 * a self-contained printable HTML page. Pure: the time the report was made
 * arrives in its input like everything else.
 *
 * The input (tc_store_crisis_report fills it):
 *   {"crisis": the document of `show --json`,
 *    "audit": the events of `audit --format json`, oldest first,
 *    "verify": {"valid": true|false, "broken": [...]} (`audit verify --json`),
 *    "generated_at": "2026-11-27T10:00:00Z"}
 *
 * The model (tc_report_model; what `report --json` prints) adds what the
 * renderers need, computed once:
 *   "decisions": each approval decided, with its rule, tally, "opened_at",
 *     "decided_at", "seconds" (from opening to decision) and its "votes",
 *     oldest first: {"at", "seat", "party", "vote", "actor", "login",
 *     "holder", "reason", "changed_from"} ("holder": the seat's holder when a
 *     delegate voted for it, from the vote event's detail; null until then);
 *   "escalations": {"state", "level", "at", "manual", "by", "reason",
 *     "severity", "notify" (roles), "notified" (seats), "acted": [{"actor",
 *     "kind", "at", "seconds"}]} (who acted on the state, or inside it for a
 *     parallel, after the level was reached and before it was left: each
 *     actor once, at their first act);
 *   "outputs": {"fields": the numeric fields, sorted, "parties": [{"party",
 *     "sums": {field: sum}, "tasks": n}] in the crisis's order of parties,
 *     "total": {field: sum over the parties}, "entries": [{"state", "party",
 *     "seat", "actor", "at", "data"}]}: the last completion of each seat of
 *     each task (a task done again replaces its data, as the crisis's data
 *     does), every output listed; sums are of the per-party tasks only, so
 *     a consolidated figure reported by a task of no party is listed, never
 *     added to the parties' own;
 *   "timeline": [{"seq", "at", "offset", "actor", "login", "text"}];
 *   "cancel": {"by", "login", "at", "reason"} or null;
 *   "audit_hash", "audit_events", "verified".
 */
#ifndef TC_CORE_REPORT_H
#define TC_CORE_REPORT_H

#include <jansson.h>

typedef enum tc_report_format {
    TC_REPORT_MARKDOWN,
    TC_REPORT_HTML,
} tc_report_format;

/* The format named name ("md" or "html"); -1 when name (may be NULL) names none. */
int tc_report_format_parse(const char *name);

/* The model of the report for input (above). A new reference; never NULL. */
json_t *tc_report_model(json_t *input);

/*
 * The report of input, as Markdown or HTML, NUL-terminated; the caller
 * frees it. Never NULL (memory: core/base/alloc.h).
 *
 * Markdown: identifiers, titles and reasons appear verbatim, each in a code
 * span long enough for the backticks inside it, so no text of a crisis can
 * open a heading, a list, a table, emphasis or HTML; characters a terminal
 * acts on (line breaks included) are printed as visible escapes
 * (core/input/printable.h), so a reason stays on its line. Text of people
 * never goes into a table. HTML: one page, CSS inline (with @media print),
 * no script, no external resource; every text is HTML-escaped.
 */
char *tc_report_render(json_t *input, tc_report_format format);

#endif
