/* tocsin playbook validate|graph: playbook files, checked and drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/playbook.h"
#include "core/playbook_graph.h"
#include "files.h"

static const char usage[] =
    "usage: tocsin playbook validate FILE...\n"
    "       tocsin playbook graph FILE [--format dot|mermaid]\n"
    "\n"
    "validate  checks each playbook file against the format (docs/playbook-format.md)\n"
    "          and prints every problem on stderr as 'FILE: $.json.path: what is wrong'\n"
    "          (syntax errors: 'FILE: line L, column C: ...'). Exit 0 when every file\n"
    "          is valid, 3 otherwise. No database is needed.\n"
    "graph     draws a playbook: states by type, outcomes on the edges, deadlines,\n"
    "          escalation ladders, parallel branches as clusters. --format dot (the\n"
    "          default; render with dot -Tsvg) or mermaid.\n"
    "\n"
    "Options:\n"
    "  --format dot|mermaid   the graph's language (graph only)\n"
    "  --json                 validate: one JSON document with every file's result\n"
    "\n"
    "Examples:\n"
    "  tocsin playbook validate workflows/*.json\n"
    "  tocsin playbook graph workflows/border-incident.json | dot -Tsvg > border.svg\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_LOCAL };

typedef struct playbook_options {
    const char *format;
} playbook_options;

static int on_option(int c, const char *arg, void *ctx)
{
    playbook_options *o = ctx;
    if (c != OPT_FORMAT)
        return CLI_EXIT_USAGE;
    o->format = arg;
    return 0;
}

/* Reads and compiles path; on failure prints every problem (unless json) and fills report. */
static int compile_file(const char *path, tc_playbook **out, json_t *report)
{
    tc_error err;
    tc_diags diags = {0};
    char *text = NULL;
    size_t length;
    int rc;

    tc_error_init(&err);
    rc = cli_read_file(path, &text, &length, &err);
    if (rc == 0)
        rc = tc_playbook_compile(text, length, out, &diags, &err);
    free(text);

    json_t *errors = json_array();
    if (rc != 0 && diags.count == 0) {
        if (report == NULL)
            fprintf(stderr, "%s\n", err.text);
        json_array_append_new(errors, json_pack("{s:n, s:s}", "where", "message", err.text));
    }
    for (size_t i = 0; i < diags.count; i++) {
        const tc_diag *d = &diags.items[i];
        if (report == NULL && d->where != NULL)
            fprintf(stderr, "%s: %s: %s\n", path, d->where, d->message);
        else if (report == NULL)
            fprintf(stderr, "%s: line %d, column %d: %s\n", path, d->line, d->column, d->message);
        json_t *e = json_pack("{s:s?, s:s}", "where", d->where, "message", d->message);
        if (d->where == NULL) {
            json_object_set_new(e, "line", json_integer(d->line));
            json_object_set_new(e, "column", json_integer(d->column));
        }
        json_array_append_new(errors, e);
    }
    tc_diags_clear(&diags);
    if (report != NULL) {
        json_object_set_new(report, "file", json_string(path));
        json_object_set_new(report, "valid", json_boolean(rc == 0));
        if (rc == 0) {
            json_object_set_new(report, "name", json_string((*out)->name));
            json_object_set_new(report, "states", json_integer((json_int_t)(*out)->state_count));
        }
        json_object_set_new(report, "errors", errors);
    } else {
        json_decref(errors);
    }
    return rc;
}

/* The JSON Schema that sits beside the playbooks in workflows/ is not one of them. */
static int is_schema_file(const char *path)
{
    char *text = NULL;
    size_t length;
    if (cli_read_file(path, &text, &length, NULL) != 0)
        return 0;
    int is_schema = tc_playbook_is_json_schema(text, length);
    free(text);
    return is_schema;
}

static int validate(int argc, char **argv, int first, cli_globals *globals)
{
    if (first >= argc)
        return cli_usage_error(&cli_cmd_playbook, "playbook validate needs at least one FILE");
    int failed = 0;
    json_t *files = json_array();
    for (int i = first; i < argc; i++) {
        tc_playbook *pb = NULL;
        json_t *report = globals->json ? json_object() : NULL;
        if (is_schema_file(argv[i])) {
            if (report != NULL) {
                json_object_set_new(report, "file", json_string(argv[i]));
                json_object_set_new(report, "skipped", json_string("a JSON Schema, not a playbook"));
            } else {
                printf("%s: skipped (a JSON Schema, not a playbook)\n", argv[i]);
            }
        } else if (compile_file(argv[i], &pb, report) != 0) {
            failed = 1;
        } else if (!globals->json) {
            printf("%s: valid playbook %s (%zu states)\n", argv[i], pb->name, pb->state_count);
        }
        if (report != NULL)
            json_array_append_new(files, report);
        tc_playbook_free(pb);
    }
    if (globals->json)
        cli_print_json(json_pack("{s:b, s:o}", "valid", !failed, "files", files));
    else
        json_decref(files);
    return failed ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}

static int graph(int argc, char **argv, int first, const playbook_options *o)
{
    tc_graph_format format;
    if (first + 1 != argc)
        return cli_usage_error(&cli_cmd_playbook, "playbook graph needs exactly one FILE");
    if (o->format == NULL || strcmp(o->format, "dot") == 0)
        format = TC_GRAPH_DOT;
    else if (strcmp(o->format, "mermaid") == 0)
        format = TC_GRAPH_MERMAID;
    else
        return cli_usage_error(&cli_cmd_playbook, "unknown graph format '%s' (dot or mermaid)", o->format);

    tc_playbook *pb = NULL;
    tc_error err;
    tc_error_init(&err);
    if (compile_file(argv[first], &pb, NULL) != 0)
        return CLI_EXIT_INVALID;
    char *text = tc_playbook_graph(pb, format);
    tc_playbook_free(pb);
    if (text == NULL) {
        tc_error_set(&err, TC_ENOMEM, "cannot draw the graph: out of memory");
        return cli_fail(&err);
    }
    fputs(text, stdout);
    free(text);
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    playbook_options o = {0};
    int rc = cli_parse(argc, argv, &cli_cmd_playbook, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind >= argc)
        return cli_usage_error(&cli_cmd_playbook, "playbook needs a subcommand (validate or graph)");
    const char *sub = argv[optind];
    if (strcmp(sub, "validate") == 0)
        return validate(argc, argv, optind + 1, globals);
    if (strcmp(sub, "graph") == 0)
        return graph(argc, argv, optind + 1, &o);
    return cli_usage_error(&cli_cmd_playbook, "unknown playbook subcommand '%s'", sub);
}

const cli_command cli_cmd_playbook = {
    .name = "playbook",
    .run = run,
    .summary = "check (validate) and draw (graph) playbook files",
    .usage = usage,
};
