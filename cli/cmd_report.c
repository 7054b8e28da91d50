/* tocsin report ID [--format md|html]: the post-crisis report (core/report, store/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/report/report.h"
#include "store/db.h"
#include "store/report.h"

static const char usage[] =
    "usage: tocsin report ID [--format md|html]\n"
    "\n"
    "Prints the report of a crisis, after it or while it runs: its summary (playbook\n"
    "and version, parties, mode, outcome, duration), its timeline, every decision\n"
    "with its rule, tally and each vote (seat, who cast it, reason) and the time from\n"
    "opening to decision, its escalations (when, who was notified, who acted after),\n"
    "the outputs of its tasks summed per party and in total, and its audit chain's\n"
    "final hash and whether the chain verifies. A cancelled crisis says so, with the\n"
    "reason; an active one says at the top that the report is provisional.\n"
    "\n"
    "--format md     Markdown (the default): identifiers and reasons verbatim, in\n"
    "                code spans, so no reason can change the document's structure\n"
    "--format html   one self-contained printable HTML page (CSS inline, no script,\n"
    "                nothing fetched)\n"
    "--json          the report's data as one JSON document instead\n"
    "\n"
    "Reads as every read does: a crisis the acting role may not read is exit 4, as one\n"
    "that does not exist.\n"
    "\n"
    "Examples:\n"
    "  tocsin report 42 > crisis-42.md\n"
    "  tocsin report 42 --format html > crisis-42.html\n"
    "  chromium --headless --no-sandbox --print-to-pdf=crisis-42.pdf crisis-42.html\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_LOCAL };

static int on_option(int c, const char *arg, void *ctx)
{
    if (c != OPT_FORMAT)
        return CLI_EXIT_USAGE;
    int format = tc_report_format_parse(arg);
    if (format < 0)
        return cli_usage_error(&cli_cmd_report, "--format is md or html, not '%s'", arg);
    *(int *)ctx = format;
    return 0;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    int format = TC_REPORT_MARKDOWN;
    int rc = cli_parse(argc, argv, &cli_cmd_report, options, "h", globals, on_option, &format);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (argc - optind != 1)
        return cli_usage_error(&cli_cmd_report, "report needs one crisis ID");
    int64_t id = 0;
    if ((rc = cli_crisis_id(&cli_cmd_report, argv[optind], &id)) != 0)
        return rc;
    tc_error err;
    PGconn *conn = NULL;
    json_t *input = NULL;
    tc_error_init(&err);
    if (tc_db_connect(globals->db, globals->as, &conn, &err) != 0)
        return cli_fail(&err);
    rc = tc_store_crisis_report(conn, id, &input, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (globals->json) {
        json_t *model = tc_report_model(input);
        json_decref(input);
        return cli_print_json(model);
    }
    char *text = tc_report_render(input, (tc_report_format)format);
    json_decref(input);
    rc = fputs(text, stdout) < 0 || fflush(stdout) != 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
    free(text);
    return rc;
}

const cli_command cli_cmd_report = {
    .name = "report",
    .run = run,
    .summary = "the post-crisis report, as Markdown or a printable HTML page",
    .usage = usage,
};
