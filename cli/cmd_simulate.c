/* tocsin simulate FILE --script SCRIPT.json: rehearse a playbook offline with a virtual clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/input/limits.h"
#include "core/playbook/playbook.h"
#include "core/simulate/simulate.h"
#include "core/base/strbuf.h"
#include "core/audit/timeline.h"
#include "files.h"

static const char usage[] =
    "usage: tocsin simulate FILE --script SCRIPT.json [--json]\n"
    "\n"
    "Runs a playbook with a virtual clock and no database: the script triggers a\n"
    "crisis and plays commands at virtual times since the trigger; deadlines,\n"
    "escalations, waits and retries fire when virtual time reaches them. Actions\n"
    "are not run: each ends ok at once unless an \"action\" event names it. A\n"
    "command that cannot apply shows as refused, and the run goes on.\n"
    "\n"
    "Prints one line per audit event, +HH:MM:SS since the trigger, then the final\n"
    "status and outcome; --json prints {\"status\", \"outcome\", \"severity\",\n"
    "\"escalation_level\", \"active\", \"data\", \"timeline\"}. The script's keys:\n"
    "inputs, parties, severity, mode, initiator, actors, events, until (docs/cli.md).\n"
    "\n"
    "The playbook and the script are at most 1 MiB each, and a key given twice in\n"
    "one object of the script is refused.\n"
    "\n"
    "Exit codes: 0 the run completed (whatever the crisis outcome), 1 it could not\n"
    "go on (more than 20,000 events and timers before \"until\", a loop of actions\n"
    "the script does not name; the message says which), 3 the playbook or the\n"
    "script is invalid.\n"
    "\n"
    "Example:\n"
    "  tocsin simulate workflows/border-incident.json --script "
    "tests/data/simulate/border-incident-veto-silence-broken.json\n";

enum { OPT_SCRIPT = CLI_OPT_FIRST_LOCAL };

static int on_option(int c, const char *arg, void *ctx)
{
    if (c != OPT_SCRIPT)
        return CLI_EXIT_USAGE;
    *(const char **)ctx = arg;
    return 0;
}

static void print_timeline(json_t *result)
{
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(result, "timeline"), i, line)
    {
        tc_strbuf sb = TC_STRBUF_INIT;
        double t = json_number_value(json_object_get(line, "t"));
        tc_timeline_offset(&sb, (tc_ms)(t * 1000));
        tc_strbuf_add(&sb, " ");
        tc_timeline_describe(&sb, json_string_value(json_object_get(line, "kind")),
                             json_string_value(json_object_get(line, "state")),
                             json_string_value(json_object_get(line, "actor")),
                             json_object_get(line, "detail"));
        char *text = tc_strbuf_take(&sb);
        if (text != NULL)
            puts(text);
        free(text);
    }
    const char *outcome = json_string_value(json_object_get(result, "outcome"));
    printf("status %s, outcome %s, severity %s, escalation level %lld\n",
           json_string_value(json_object_get(result, "status")), outcome ? outcome : "none",
           json_string_value(json_object_get(result, "severity")),
           (long long)json_integer_value(json_object_get(result, "escalation_level")));
    json_t *active = json_object_get(result, "active");
    if (json_array_size(active) > 0) {
        fputs("still active:", stdout);
        json_array_foreach(active, i, line) printf(" %s", json_string_value(line));
        fputs("\n", stdout);
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"script", required_argument, NULL, OPT_SCRIPT},
        {NULL, 0, NULL, 0},
    };
    const char *script_path = NULL;
    int rc = cli_parse(argc, argv, &cli_cmd_simulate, options, "h", globals, on_option, &script_path);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind + 1 != argc)
        return cli_usage_error(&cli_cmd_simulate, "simulate needs exactly one playbook FILE");
    if (script_path == NULL)
        return cli_usage_error(&cli_cmd_simulate, "simulate needs --script SCRIPT.json");

    tc_error err;
    tc_diags diags = {0};
    tc_playbook *pb = NULL;
    char *text = NULL;
    size_t length;
    tc_error_init(&err);
    if (cli_read_file(argv[optind], TC_PLAYBOOK_MAX_BYTES, "a playbook", &text, &length, &err) != 0) {
        fprintf(stderr, "%s\n", err.text);
        return CLI_EXIT_INVALID;
    }
    rc = tc_playbook_compile(text, length, &pb, &diags, &err);
    free(text);
    text = NULL;
    if (rc != 0) {
        for (size_t i = 0; i < diags.count; i++)
            if (diags.items[i].where)
                fprintf(stderr, "%s: %s: %s\n", argv[optind], diags.items[i].where, diags.items[i].message);
            else
                fprintf(stderr, "%s: line %d, column %d: %s\n", argv[optind], diags.items[i].line,
                        diags.items[i].column, diags.items[i].message);
        if (diags.count == 0)
            fprintf(stderr, "%s: %s\n", argv[optind], err.text);
        tc_diags_clear(&diags);
        return cli_exit_code(rc);
    }

    json_error_t jerr;
    json_t *script = NULL, *result = NULL;
    rc = cli_read_file(script_path, TC_SCRIPT_MAX_BYTES, "a simulate script", &text, &length, &err);
    if (rc == 0 && (script = json_loadb(text, length, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
        fprintf(stderr, "%s: line %d, column %d: %s\n", script_path, jerr.line, jerr.column, jerr.text);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err.text);
        rc = CLI_EXIT_INVALID;
    } else if (script == NULL) {
        rc = CLI_EXIT_INVALID;
    } else if ((rc = tc_simulate(pb, script, &result, &err)) != 0) {
        fprintf(stderr, "%s: %s\n", script_path, err.text);
        rc = cli_exit_code(rc);
    } else if (globals->json) {
        rc = cli_print_json(result);
        result = NULL;
    } else {
        print_timeline(result);
    }
    json_decref(result);
    json_decref(script);
    tc_playbook_free(pb);
    return rc;
}

const cli_command cli_cmd_simulate = {
    .name = "simulate",
    .run = run,
    .summary = "rehearse a playbook offline with a virtual clock and a script",
    .usage = usage,
};
