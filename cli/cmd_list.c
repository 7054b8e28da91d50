/*
 * tocsin list [--status S] [--playbook NAME] [--party P] [--mode M] [--severity S] [--since TIME]
 * [--until TIME] [--limit N]: crises, newest first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/input/printable.h"
#include "core/instance/crisis_filter.h"
#include "store/crises.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin list [--status active|closed|cancelled|all] [--playbook NAME] [--party P]\n"
    "                   [--mode M] [--severity S] [--since TIME] [--until TIME] [--limit N] [--json]\n"
    "\n"
    "Lists crises, newest first: id, playbook, status, severity, mode, escalation\n"
    "level, the active states with their deadlines, and the title. Shows active\n"
    "crises unless --status says otherwise, at most --limit of them (default 100).\n"
    "The filters combine: every one given must hold.\n"
    "\n"
    "Options:\n"
    "  --status S         active (default), closed, cancelled or all\n"
    "  --playbook NAME    crises of that playbook (any version)\n"
    "  --party P          crises that concern party P\n"
    "  --mode M           actual, exercise or test\n"
    "  --severity S       extreme, severe, moderate, minor or unknown\n"
    "  --since TIME       opened at or after TIME: an ISO 8601 time (2026-12-01,\n"
    "                     2026-12-01T08:00Z, 2026-12-01T08:00+05:00) or a duration\n"
    "                     back from now (P7D, PT6H)\n"
    "  --until TIME       opened before TIME (the same forms)\n"
    "  --limit N          at most N crises (1 to 100000)\n"
    "\n"
    "A value a filter does not take: exit 2, saying what it takes.\n"
    "\n"
    "Examples:\n"
    "  tocsin list --status all --limit 20\n"
    "  tocsin list --status closed --party TJ --mode exercise --since P30D\n";

enum { OPT_FILTER = CLI_OPT_FIRST_LOCAL };

typedef struct list_options {
    tc_crisis_filter filter;
    const char *const *names; /* the filter each option sets, by option index */
    tc_ms now;
} list_options;

static tc_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (tc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_option(int c, const char *arg, void *ctx)
{
    list_options *o = ctx;
    if (c < OPT_FILTER)
        return CLI_EXIT_USAGE;
    tc_error err;
    tc_error_init(&err);
    if (tc_crisis_filter_set(&o->filter, o->names[c - OPT_FILTER], arg, o->now, &err) != 0)
        return cli_usage_error(&cli_cmd_list, "--%s", err.text);
    return 0;
}

static void print_table(json_t *crises)
{
    size_t i;
    json_t *c;
    if (json_array_size(crises) == 0) {
        puts("no crises");
        return;
    }
    printf("%-6s %-24s %-9s %-9s %-8s %-5s %-40s %s\n", "ID", "PLAYBOOK", "STATUS", "SEVERITY", "MODE",
           "LEVEL", "ACTIVE (DEADLINE)", "TITLE");
    json_array_foreach(crises, i, c)
    {
        char playbook[64], active[256] = "";
        snprintf(playbook, sizeof playbook, "%s@%lld", json_string_value(json_object_get(c, "playbook")),
                 (long long)json_integer_value(json_object_get(c, "version")));
        size_t j;
        json_t *a;
        json_array_foreach(json_object_get(c, "active"), j, a)
        {
            size_t used = strlen(active);
            const char *deadline = json_string_value(json_object_get(a, "deadline"));
            snprintf(active + used, sizeof active - used, "%s%s%s%s%s", used ? ", " : "",
                     json_string_value(json_object_get(a, "path")), deadline ? " (" : "",
                     deadline ? deadline : "", deadline ? ")" : "");
        }
        if (active[0] == '\0')
            snprintf(active, sizeof active, "%s",
                     json_is_string(json_object_get(c, "outcome"))
                         ? json_string_value(json_object_get(c, "outcome"))
                         : "-");
        printf("%-6lld %-24s %-9s %-9s %-8s %-5lld %-40s %s\n",
               (long long)json_integer_value(json_object_get(c, "id")), playbook,
               json_string_value(json_object_get(c, "status")),
               json_string_value(json_object_get(c, "severity")),
               json_string_value(json_object_get(c, "mode")),
               (long long)json_integer_value(json_object_get(c, "escalation_level")), active,
               json_string_value(json_object_get(c, "title")));
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const char *const names[] = {"status",   "playbook", "party", "mode",
                                        "severity", "since",    "until", "limit"};
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"status", required_argument, NULL, OPT_FILTER},
        {"playbook", required_argument, NULL, OPT_FILTER + 1},
        {"party", required_argument, NULL, OPT_FILTER + 2},
        {"mode", required_argument, NULL, OPT_FILTER + 3},
        {"severity", required_argument, NULL, OPT_FILTER + 4},
        {"since", required_argument, NULL, OPT_FILTER + 5},
        {"until", required_argument, NULL, OPT_FILTER + 6},
        {"limit", required_argument, NULL, OPT_FILTER + 7},
        {NULL, 0, NULL, 0},
    };
    list_options o = {.names = names, .now = now_ms()};
    tc_crisis_filter_init(&o.filter);
    int rc = cli_parse(argc, argv, &cli_cmd_list, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind != argc)
        return cli_usage_error(&cli_cmd_list, "unexpected argument '%s'", argv[optind]);
    tc_error err;
    PGconn *conn = NULL;
    json_t *doc = NULL;
    tc_error_init(&err);
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_crisis_list(conn, &o.filter, &doc, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (globals->json)
        return cli_print_json(doc);
    tc_printable_json(doc); /* titles are anyone's words */
    print_table(json_object_get(doc, "crises"));
    json_decref(doc);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_list = {
    .name = "list",
    .run = run,
    .summary = "list crises, newest first",
    .usage = usage,
};
