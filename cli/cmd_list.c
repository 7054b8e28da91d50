/* tocsin list [--status S] [--limit N]: crises, newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/input/printable.h"
#include "store/crises.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin list [--status active|closed|cancelled|all] [--limit N] [--json]\n"
    "\n"
    "Lists crises, newest first: id, playbook, status, severity, mode, escalation\n"
    "level, the active states with their deadlines, and the title. Shows active\n"
    "crises unless --status says otherwise, at most --limit of them (default 100).\n"
    "\n"
    "Example:\n"
    "  tocsin list --status all --limit 20\n";

enum { OPT_STATUS = CLI_OPT_FIRST_LOCAL, OPT_LIMIT };

typedef struct list_options {
    const char *status;
    int limit;
} list_options;

static int on_option(int c, const char *arg, void *ctx)
{
    list_options *o = ctx;
    if (c == OPT_STATUS) {
        if (strcmp(arg, "active") && strcmp(arg, "closed") && strcmp(arg, "cancelled") && strcmp(arg, "all"))
            return cli_usage_error(&cli_cmd_list, "--status is active, closed, cancelled or all, not '%s'",
                                   arg);
        o->status = arg;
        return 0;
    }
    if (c == OPT_LIMIT)
        return cli_number_option(&cli_cmd_list, "--limit", arg, 1, 100000, &o->limit);
    return CLI_EXIT_USAGE;
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
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"status", required_argument, NULL, OPT_STATUS},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    list_options o = {"active", 100};
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
        rc = tc_store_crisis_list(conn, o.status, o.limit, &doc, &err);
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
