/* tocsin show ID: one crisis, who must act on it, by when, and what happens next; or as a CAP alert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/cap/cap.h"
#include "core/input/printable.h"
#include "store/alerts.h"
#include "store/crises.h"
#include "store/db.h"
#include "times.h"

static const char usage[] =
    "usage: tocsin show ID [--tz ZONE] [--json | --format text|json|cap]\n"
    "\n"
    "Shows a crisis: who must act, by when, and what happens next. Its status,\n"
    "severity, mode, parties and inputs; the seats delegated in it (tocsin delegate);\n"
    "the commands still pending (and why, when\n"
    "an engine has set the crisis aside because its transition fails); each active\n"
    "state with its title, type, entry and deadline, the next escalation (when, and\n"
    "whom it notifies), and its seats: for an approval the tally against its rule,\n"
    "every seat's vote with its reason and why it is still open (a veto party that\n"
    "has not voted, a silence procedure's deadline), for a task each seat's part,\n"
    "done or not and acknowledged or not, and by whom. Then the data reported so\n"
    "far and the decisions taken with their tallies; a closed or cancelled crisis\n"
    "opens with a summary (outcome, duration, decisions).\n"
    "\n"
    "Options:\n"
    "  --tz ZONE          print times in ZONE too, beside UTC (a name of\n"
    "                     /usr/share/zoneinfo, such as Asia/Dushanbe; default: $TZ);\n"
    "                     exit 3 when the zone is unknown\n"
    "  --format cap       the crisis as a CAP 1.2 alert (OASIS Common Alerting\n"
    "                     Protocol, XML): status Actual, Exercise or Test from the\n"
    "                     mode; msgType Alert for the crisis as opened, Update\n"
    "                     after that, Cancel once cancelled; identifier\n"
    "                     tocsin-crisis-ID-SEQ, the same for the same state; sender\n"
    "                     $TOCSIN_CAP_SENDER, else tocsin@HOSTNAME\n"
    "  --format json      the same as --json; text is the default\n"
    "\n"
    "--json prints the document of docs/cli.md.\n"
    "\n"
    "Example:\n"
    "  tocsin show 42 --tz Asia/Dushanbe\n";

static const char *s(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

static long long n(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* "2026-11-27T10:00:00Z (2026-11-27 15:00 +05) (in 3h12m)": UTC, the zone's time when one is set, and how
 * far from now when relative. */
static void print_time(const char *iso, int relative)
{
    char local[96], rel[64];
    printf("%s%s%s", iso, cli_time_local(iso, local, sizeof local),
           relative ? cli_time_relative(iso, rel, sizeof rel) : "");
}

/* "2h13m" */
static void print_duration(long long seconds)
{
    if (seconds >= 86400)
        printf("%lldd%lldh%02lldm", seconds / 86400, seconds % 86400 / 3600, seconds % 3600 / 60);
    else if (seconds >= 3600)
        printf("%lldh%02lldm", seconds / 3600, seconds % 3600 / 60);
    else if (seconds >= 60)
        printf("%lldm%02llds", seconds / 60, seconds % 60);
    else
        printf("%llds", seconds);
}

/* A value of inputs or data: a string as it is (already made printable), anything else as JSON. */
static void print_value(json_t *v)
{
    if (json_is_string(v)) {
        fputs(json_string_value(v), stdout);
        return;
    }
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
    fputs(text ? text : "?", stdout);
    free(text);
}

/* "situation contained, casualties 0" */
static void print_fields(json_t *o)
{
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(o, key, v)
    {
        printf("%s%s ", first ? "" : ", ", key);
        print_value(v);
        first = 0;
    }
    if (first)
        fputs("(nothing reported)", stdout);
}

static int key_width(json_t *o, int min)
{
    const char *key;
    json_t *v;
    int w = min;
    json_object_foreach(o, key, v) if ((int)strlen(key) > w) w = (int)strlen(key);
    (void)v;
    return w;
}

static void print_tally(json_t *tally)
{
    printf("%lld approve, %lld reject, %lld abstain", n(tally, "approve"), n(tally, "reject"),
           n(tally, "abstain"));
    if (n(tally, "pending") > 0)
        printf(", %lld not voted", n(tally, "pending"));
}

static void print_summary(json_t *c)
{
    const char *status = s(c, "status");
    printf("\nSummary\n");
    printf("  %-12s %s\n", "outcome", strcmp(status, "cancelled") == 0 ? "cancelled" : s(c, "outcome"));
    printf("  %-12s ", "duration");
    if (json_is_integer(json_object_get(c, "duration_seconds")))
        print_duration(n(c, "duration_seconds"));
    else
        fputs("-", stdout);
    printf(", from ");
    print_time(s(c, "created_at"), 0);
    printf(" to ");
    print_time(s(c, "closed_at"), 0);
    printf("\n");
    size_t count = json_array_size(json_object_get(c, "decisions"));
    printf("  %-12s %s\n", "decisions", count == 0 ? "none" : "below");
}

static void print_header(json_t *c)
{
    printf("crisis %lld: %s\n", n(c, "id"), s(c, "title"));
    printf("  %-12s %s@%lld\n", "playbook", s(c, "playbook"), n(c, "version"));
    printf("  %-12s %s", "status", s(c, "status"));
    if (json_is_string(json_object_get(c, "outcome")))
        printf(", outcome %s", s(c, "outcome"));
    printf("; severity %s; mode %s; escalation level %lld\n", s(c, "severity"), s(c, "mode"),
           n(c, "escalation_level"));
    if (strcmp(s(c, "mode"), "actual") != 0)
        printf("  %-12s THIS IS %s, NOT AN ACTUAL CRISIS\n", "",
               strcmp(s(c, "mode"), "test") == 0 ? "A TEST" : "AN EXERCISE");
    printf("  %-12s by %s at ", "triggered", s(c, "initiator"));
    print_time(s(c, "created_at"), 0);
    printf("\n");
    if (json_is_string(json_object_get(c, "closed_at"))) {
        printf("  %-12s ", "closed");
        print_time(s(c, "closed_at"), 0);
        printf("\n");
    }
    printf("  %-12s", "parties");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "parties"), i, v) printf(" %s", json_string_value(v));
    printf("\n");
    json_int_t pending = json_integer_value(json_object_get(c, "pending"));
    if (pending > 0)
        printf("  %-12s %lld command%s pending: no engine has applied %s yet\n", "pending",
               (long long)pending, pending == 1 ? "" : "s", pending == 1 ? "it" : "them");
    json_array_foreach(json_object_get(c, "delegations"), i, v)
    {
        printf("  %-12s %s acts for %s of %s until ", i == 0 ? "delegated" : "", s(v, "delegate"),
               s(v, "seat"), s(v, "holder"));
        if (s(v, "until") != NULL)
            print_time(s(v, "until"), 0);
        else
            printf("the crisis closes");
        printf("\n");
    }
    json_t *aside = json_object_get(c, "set_aside");
    if (json_is_object(aside)) {
        long long failures = n(aside, "failures");
        printf("  set aside by engine %s since %s, its transition fails: %s\n", s(aside, "engine"),
               s(aside, "since"), s(aside, "reason"));
        printf("    tried again at ");
        print_time(s(aside, "until"), 1);
        printf("; set aside %lld time%s so far\n", failures, failures == 1 ? "" : "s");
    }
}

static void print_inputs(json_t *c)
{
    json_t *inputs = json_object_get(c, "inputs");
    if (json_object_size(inputs) == 0)
        return;
    printf("\nInputs\n");
    int w = key_width(inputs, 10);
    const char *key;
    json_t *v;
    json_object_foreach(inputs, key, v)
    {
        printf("  %-*s  ", w, key);
        print_value(v);
        printf("\n");
    }
}

static int seat_width(json_t *seats)
{
    int w = 4;
    size_t j;
    json_t *seat;
    json_array_foreach(seats, j, seat)
    {
        int len = (int)strlen(s(seat, "role")) +
                  (json_is_string(json_object_get(seat, "party")) ? 1 + (int)strlen(s(seat, "party")) : 0);
        if (len > w)
            w = len;
    }
    return w;
}

static void print_seat_name(json_t *seat, int w)
{
    char name[256];
    if (json_is_string(json_object_get(seat, "party")))
        snprintf(name, sizeof name, "%s/%s", s(seat, "role"), s(seat, "party"));
    else
        snprintf(name, sizeof name, "%s", s(seat, "role"));
    printf("      %-*s  ", w, name);
}

static void print_approval(json_t *a)
{
    json_t *tally = json_object_get(a, "tally");
    printf("    %-10s %s: ", "rule", s(a, "rule"));
    print_tally(tally);
    printf("\n");
    if (strcmp(s(a, "rule"), "silence") == 0)
        printf("    %-10s silence procedure: adopted when the deadline passes, unless a seat rejects first\n",
               "");
    json_t *veto = json_object_get(a, "veto");
    if (json_array_size(veto) > 0) {
        printf("    %-10s veto:", "");
        size_t h;
        json_t *party;
        json_array_foreach(veto, h, party) printf(" %s", json_string_value(party));
        printf(" (a reject from %s rejects at once; no approval before %s voted or the deadline)\n",
               json_array_size(veto) == 1 ? "it" : "any of them",
               json_array_size(veto) == 1 ? "it has" : "they have");
    }
    json_t *seats = json_object_get(a, "seats");
    int w = seat_width(seats);
    printf("    votes\n");
    size_t j;
    json_t *seat;
    json_array_foreach(seats, j, seat)
    {
        print_seat_name(seat, w);
        if (!json_is_string(json_object_get(seat, "vote"))) {
            printf("has not voted\n");
            continue;
        }
        printf("%-8s by %s at ", s(seat, "vote"), s(seat, "by"));
        print_time(s(seat, "at"), 0);
        if (json_is_string(json_object_get(seat, "reason")))
            printf(": \"%s\"", s(seat, "reason"));
        printf("\n");
    }
}

static void print_task(json_t *a)
{
    json_t *seats = json_object_get(a, "seats");
    int w = seat_width(seats);
    json_t *outcomes = json_object_get(a, "outcomes");
    if (json_array_size(outcomes) > 1) {
        printf("    %-10s", "outcomes");
        size_t h;
        json_t *o;
        json_array_foreach(outcomes, h, o) printf(" %s", json_string_value(o));
        printf("\n");
    }
    printf("    seats\n");
    size_t j;
    json_t *seat;
    json_array_foreach(seats, j, seat)
    {
        print_seat_name(seat, w);
        if (json_is_true(json_object_get(seat, "done"))) {
            printf("done (%s) by %s at ", s(seat, "outcome"), s(seat, "by"));
            print_time(s(seat, "at"), 0);
        } else {
            printf("not done yet");
        }
        if (json_is_string(json_object_get(seat, "acked_by"))) {
            printf("; acknowledged by %s at ", s(seat, "acked_by"));
            print_time(s(seat, "acked_at"), 0);
        } else if (!json_is_true(json_object_get(seat, "done"))) {
            printf(", not acknowledged");
        }
        printf("\n");
    }
}

static void print_active(json_t *c)
{
    json_t *active = json_object_get(c, "active");
    size_t count = json_array_size(active);
    if (count == 0) {
        if (strcmp(s(c, "status"), "active") == 0)
            printf("\nNo active state yet: no engine has applied the trigger.\n");
        return;
    }
    printf("\nWaiting on (%zu active state%s)\n", count, count == 1 ? "" : "s");
    size_t i;
    json_t *a;
    json_array_foreach(active, i, a)
    {
        printf("\n  %s", s(a, "path"));
        if (json_is_string(json_object_get(a, "title")))
            printf(": %s", s(a, "title"));
        printf("\n    %-10s %s, visit %lld", "type", s(a, "type"), n(a, "visit"));
        if (json_is_integer(json_object_get(a, "attempt")))
            printf(", attempt %lld", n(a, "attempt"));
        printf("\n    %-10s ", "entered");
        print_time(s(a, "entered_at"), 0);
        printf("\n    %-10s ", "deadline");
        if (json_is_string(json_object_get(a, "deadline")))
            print_time(s(a, "deadline"), 1);
        else
            printf("none");
        printf("\n");
        if (json_is_integer(json_object_get(a, "escalation_levels"))) {
            printf("    %-10s level %lld of %lld", "escalation", n(a, "escalation_level"),
                   n(a, "escalation_levels"));
            json_t *next = json_object_get(a, "next_escalation");
            if (json_is_object(next)) {
                printf("; next: level %lld at ", n(next, "level"));
                print_time(s(next, "at"), 1);
                printf(", notifies");
                size_t h;
                json_t *seat;
                json_array_foreach(json_object_get(next, "seats"), h, seat)
                    printf("%s %s", h ? "," : "", json_string_value(seat));
                if (json_array_size(json_object_get(next, "seats")) == 0)
                    printf(" no one (every seat named has acted)");
                if (json_is_string(json_object_get(next, "severity")))
                    printf(", severity %s", s(next, "severity"));
            } else if (n(a, "escalation_level") < n(a, "escalation_levels")) {
                printf("; stopped: every seat has acknowledged");
            } else {
                printf("; no level left");
            }
            printf("\n");
        }
        if (json_object_get(a, "tally") != NULL)
            print_approval(a);
        else if (json_object_get(a, "seats") != NULL)
            print_task(a);
    }
}

static void print_data(json_t *c)
{
    json_t *data = json_object_get(c, "data");
    if (json_object_size(data) == 0)
        return;
    printf("\nReported\n");
    const char *path;
    json_t *v;
    json_object_foreach(data, path, v)
    {
        /* A task of several parties reports per party: {"KZ": {...}, "TJ": {...}}. */
        int per_party = json_is_object(v) && json_object_size(v) > 0;
        const char *key;
        json_t *inner;
        json_object_foreach(v, key, inner) if (!json_is_object(inner)) per_party = 0;
        if (!per_party) {
            printf("  %s: ", path);
            if (json_is_object(v))
                print_fields(v);
            else
                print_value(v);
            printf("\n");
            continue;
        }
        printf("  %s\n", path);
        int w = key_width(v, 2);
        json_object_foreach(v, key, inner)
        {
            printf("    %-*s  ", w, key);
            print_fields(inner);
            printf("\n");
        }
    }
}

static void print_decisions(json_t *c)
{
    json_t *decisions = json_object_get(c, "decisions");
    if (json_array_size(decisions) == 0)
        return;
    printf("\nDecisions\n");
    size_t i;
    json_t *d;
    json_array_foreach(decisions, i, d)
    {
        printf("  %s", s(d, "state"));
        if (json_is_string(json_object_get(d, "title")))
            printf(": %s", s(d, "title"));
        printf("\n    %s by %s (", s(d, "outcome"), s(d, "rule"));
        print_tally(json_object_get(d, "tally"));
        printf(") at ");
        print_time(s(d, "at"), 0);
        printf("\n");
    }
}

static void print_crisis(json_t *c)
{
    print_header(c);
    if (strcmp(s(c, "status"), "active") != 0) {
        print_summary(c); /* what it came to first: the outcome and the decisions */
        print_decisions(c);
        print_inputs(c);
        print_data(c);
        return;
    }
    print_inputs(c);
    print_active(c);
    print_data(c);
    print_decisions(c);
}

enum { OPT_FORMAT = CLI_OPT_TZ + 1 };

typedef struct show_options {
    const char *zone;
    const char *format; /* text, json or cap */
} show_options;

static int on_option(int c, const char *arg, void *ctx)
{
    show_options *o = ctx;
    if (c != OPT_FORMAT)
        return cli_tz_on_option(c, arg, &o->zone);
    if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0 && strcmp(arg, "cap") != 0)
        return cli_usage_error(&cli_cmd_show, "--format is text, json or cap, not '%s'", arg);
    o->format = arg;
    return 0;
}

/* The crisis as a CAP alert on stdout. */
static int show_cap(const cli_globals *globals, int64_t id)
{
    char sender[320];
    const char *given = getenv("TOCSIN_CAP_SENDER");
    if (given != NULL && given[0] != '\0') {
        snprintf(sender, sizeof sender, "%s", given);
    } else {
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        snprintf(sender, sizeof sender, "tocsin@%s", host);
    }
    tc_error err;
    tc_error_init(&err);
    if (cli_check_text("TOCSIN_CAP_SENDER", sender, 256) != 0)
        return CLI_EXIT_USAGE;
    PGconn *conn = NULL;
    tc_alert_facts facts;
    int rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_alert_facts(conn, id, &facts, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    tc_cap_facts f = {sender, facts.first_seq, facts.first_sent, facts.seq, facts.sent};
    char *xml = tc_cap_alert(facts.show, &f);
    tc_alert_facts_clear(&facts);
    fputs(xml, stdout);
    free(xml);
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        CLI_TZ_OPTION,
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    show_options o = {NULL, "text"};
    int rc = cli_parse(argc, argv, &cli_cmd_show, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (strcmp(o.format, "json") == 0)
        globals->json = 1;
    const char *zone = o.zone;
    int64_t id;
    if (optind + 1 != argc)
        return cli_usage_error(&cli_cmd_show, "show needs one crisis ID");
    if ((rc = cli_crisis_id(&cli_cmd_show, argv[optind], &id)) != 0)
        return rc;
    if (strcmp(o.format, "cap") == 0)
        return show_cap(globals, id);
    tc_error err;
    PGconn *conn = NULL;
    json_t *doc = NULL;
    tc_error_init(&err);
    if (cli_output_zone(zone, globals->json, &err) != 0)
        return cli_fail(&err);
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
    .summary = "show a crisis: who must act, by when, and what happens next",
    .usage = usage,
};
