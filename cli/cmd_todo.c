/* tocsin todo: what waits for the acting role, most urgent first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/input/printable.h"
#include "store/crises.h"
#include "store/db.h"
#include "times.h"

static const char usage[] =
    "usage: tocsin todo [--tz ZONE] [--json]\n"
    "\n"
    "Lists what waits for the acting role (the login role, or --as ROLE), most\n"
    "urgent first: every open vote and task part of each of its seats in the\n"
    "active crises it may read, with the crisis, the state, the seat, what is\n"
    "asked, the deadline (soonest first, then those without one), the escalation\n"
    "level, and the exact command that does it (tocsin vote, complete or ack).\n"
    "A seat that has voted or completed is done and not listed. Seats delegated\n"
    "to the role in a crisis (tocsin delegate) are listed with their holder.\n"
    "Nothing open is an empty list, exit 0.\n"
    "\n"
    "Options:\n"
    "  --tz ZONE          print deadlines in ZONE too (a name of /usr/share/zoneinfo,\n"
    "                     such as Asia/Dushanbe; default: $TZ); exit 3 when unknown\n"
    "\n"
    "--json prints {\"todo\": [{\"crisis\", \"title\", \"state\", \"path\", \"type\", \"seat\",\n"
    "\"asked\", \"deadline\", \"escalation_level\", \"act\"}]} (deadline null when none;\n"
    "\"holder\" beside the seat when it is delegated to the role).\n"
    "\n"
    "Example:\n"
    "  tocsin --as kz_delegate todo\n";

static const char *str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static void print_todo(json_t *items)
{
    size_t n = json_array_size(items);
    if (n == 0) {
        puts("nothing waits for you: no open vote or task part in any active crisis you may read");
        return;
    }
    printf("%zu open part%s, most urgent first:\n", n, n == 1 ? "" : "s");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        char rel[64], local[96];
        const char *deadline = json_string_value(json_object_get(item, "deadline"));
        printf("\n[%zu] %s\n", i + 1, str(item, "asked"));
        printf("    crisis   %lld: %s\n", (long long)json_integer_value(json_object_get(item, "crisis")),
               str(item, "title"));
        printf("    state    %s (%s), seat %s%s%s%s, escalation level %lld\n", str(item, "path"),
               str(item, "type"), str(item, "seat"), json_object_get(item, "holder") ? " (delegated by " : "",
               json_object_get(item, "holder") ? str(item, "holder") : "",
               json_object_get(item, "holder") ? ")" : "",
               (long long)json_integer_value(json_object_get(item, "escalation_level")));
        if (deadline != NULL)
            printf("    deadline %s%s%s\n", deadline, cli_time_local(deadline, local, sizeof local),
                   cli_time_relative(deadline, rel, sizeof rel));
        else
            printf("    deadline none\n");
        printf("    act      %s\n", str(item, "act"));
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        CLI_TZ_OPTION,
        {NULL, 0, NULL, 0},
    };
    const char *zone = NULL;
    int rc = cli_parse(argc, argv, &cli_cmd_todo, options, "h", globals, cli_tz_on_option, &zone);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind != argc)
        return cli_usage_error(&cli_cmd_todo, "unexpected argument '%s'", argv[optind]);
    tc_error err;
    tc_error_init(&err);
    if (cli_output_zone(zone, globals->json, &err) != 0)
        return cli_fail(&err);
    PGconn *conn = NULL;
    json_t *doc = NULL;
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_todo(conn, &doc, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (globals->json)
        return cli_print_json(doc);
    tc_printable_json(doc); /* titles are anyone's words */
    print_todo(json_object_get(doc, "todo"));
    json_decref(doc);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_todo = {
    .name = "todo",
    .run = run,
    .summary = "what waits for me: my open votes and tasks, most urgent first",
    .usage = usage,
};
