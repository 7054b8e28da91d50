/* tocsin show ID: one crisis, its active states, deadlines and tallies. */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/input/printable.h"
#include "store/crises.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin show ID [--json]\n"
    "\n"
    "Shows a crisis: its status, outcome, severity, mode and escalation level, the\n"
    "commands still pending (and why, when an engine has set the crisis aside\n"
    "because its transition fails), and each active state with its deadline; for an\n"
    "approval the tally against its rule, every seat's vote and why it is still\n"
    "open (a veto party that has not voted, a silence procedure's deadline), for a\n"
    "task each seat's part. --json prints the document of docs/cli.md.\n"
    "\n"
    "Example:\n"
    "  tocsin show 42\n";

/* "in 3h12m" or "overdue 5m" for an ISO time in UTC, against the clock of this machine. */
static const char *relative(const char *iso, char *buf, size_t size)
{
    struct tm tm = {0};
    if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return "";
    long long delta = (long long)timegm(&tm) - (long long)time(NULL);
    long long a = delta < 0 ? -delta : delta;
    char span[48];
    if (a >= 86400)
        snprintf(span, sizeof span, "%lldd%lldh", a / 86400, a % 86400 / 3600);
    else if (a >= 3600)
        snprintf(span, sizeof span, "%lldh%02lldm", a / 3600, a % 3600 / 60);
    else if (a >= 60)
        snprintf(span, sizeof span, "%lldm", a / 60);
    else
        snprintf(span, sizeof span, "%llds", a);
    snprintf(buf, size, delta < 0 ? " (overdue %s)" : " (in %s)", span);
    return buf;
}

static const char *s(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

static void print_crisis(json_t *c)
{
    printf("crisis %lld: %s\n", (long long)json_integer_value(json_object_get(c, "id")), s(c, "title"));
    printf("  playbook %s@%lld, status %s%s%s, severity %s, mode %s, escalation level %lld\n",
           s(c, "playbook"), (long long)json_integer_value(json_object_get(c, "version")), s(c, "status"),
           json_string_value(json_object_get(c, "outcome")) ? ", outcome " : "",
           json_string_value(json_object_get(c, "outcome")) ? s(c, "outcome") : "", s(c, "severity"),
           s(c, "mode"), (long long)json_integer_value(json_object_get(c, "escalation_level")));
    printf("  triggered by %s at %s", s(c, "initiator"), s(c, "created_at"));
    if (json_string_value(json_object_get(c, "closed_at")))
        printf(", closed at %s", s(c, "closed_at"));
    printf("; parties");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "parties"), i, v) printf(" %s", json_string_value(v));
    printf("\n");
    json_int_t pending = json_integer_value(json_object_get(c, "pending"));
    if (pending > 0)
        printf("  %lld command%s pending (no engine has applied them yet)\n", (long long)pending,
               pending == 1 ? "" : "s");
    json_t *aside = json_object_get(c, "set_aside");
    if (json_is_object(aside)) {
        char when[64];
        long long failures = (long long)json_integer_value(json_object_get(aside, "failures"));
        printf("  set aside by engine %s since %s, its transition fails: %s\n", s(aside, "engine"),
               s(aside, "since"), s(aside, "reason"));
        printf("    tried again at %s%s; set aside %lld time%s so far\n", s(aside, "until"),
               relative(s(aside, "until"), when, sizeof when), failures, failures == 1 ? "" : "s");
    }
    json_t *a;
    json_array_foreach(json_object_get(c, "active"), i, a)
    {
        char when[64];
        printf("\n  %s (%s, visit %lld), entered %s, deadline %s%s, escalation level %lld\n", s(a, "path"),
               s(a, "type"), (long long)json_integer_value(json_object_get(a, "visit")), s(a, "entered_at"),
               s(a, "deadline"),
               relative(json_string_value(json_object_get(a, "deadline")), when, sizeof when),
               (long long)json_integer_value(json_object_get(a, "escalation_level")));
        json_t *tally = json_object_get(a, "tally");
        if (tally != NULL)
            printf("    %s: %lld approve, %lld reject, %lld abstain, %lld pending\n", s(a, "rule"),
                   (long long)json_integer_value(json_object_get(tally, "approve")),
                   (long long)json_integer_value(json_object_get(tally, "reject")),
                   (long long)json_integer_value(json_object_get(tally, "abstain")),
                   (long long)json_integer_value(json_object_get(tally, "pending")));
        if (tally != NULL && strcmp(s(a, "rule"), "silence") == 0)
            printf("    silence procedure: adopted when the deadline passes, unless a seat rejects first\n");
        json_t *veto = json_object_get(a, "veto");
        if (json_array_size(veto) > 0) {
            printf("    veto:");
            size_t h;
            json_t *party;
            json_array_foreach(veto, h, party) printf(" %s", json_string_value(party));
            printf(" (a reject from %s rejects at once; no approval before %s voted or the deadline)\n",
                   json_array_size(veto) == 1 ? "it" : "any of them",
                   json_array_size(veto) == 1 ? "it has" : "they have");
        }
        size_t j;
        json_t *seat;
        if (json_array_size(json_object_get(a, "seats")) > 0)
            printf("    %-8s %-8s %-16s %s\n", "PARTY", tally ? "VOTE" : "PART", "BY", "AT");
        json_array_foreach(json_object_get(a, "seats"), j, seat)
        {
            if (tally != NULL)
                printf("    %-8s %-8s %-16s %s\n", s(seat, "party"), s(seat, "vote"), s(seat, "by"),
                       s(seat, "at"));
            else
                printf("    %-8s %-8s %-16s %s\n", s(seat, "party"),
                       json_is_true(json_object_get(seat, "done")) ? s(seat, "outcome") : "waiting",
                       s(seat, "by"), s(seat, "at"));
        }
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = cli_parse(argc, argv, &cli_cmd_show, options, "h", globals, NULL, NULL);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    int64_t id;
    if (optind + 1 != argc)
        return cli_usage_error(&cli_cmd_show, "show needs one crisis ID");
    if ((rc = cli_crisis_id(&cli_cmd_show, argv[optind], &id)) != 0)
        return rc;
    tc_error err;
    PGconn *conn = NULL;
    json_t *doc = NULL;
    tc_error_init(&err);
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_crisis_show(conn, id, &doc, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (globals->json)
        return cli_print_json(doc);
    tc_printable_json(doc); /* titles, reasons and data are anyone's words: nothing a terminal acts on */
    print_crisis(doc);
    json_decref(doc);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_show = {
    .name = "show",
    .run = run,
    .summary = "show a crisis: status, active states, deadlines, tallies",
    .usage = usage,
};
