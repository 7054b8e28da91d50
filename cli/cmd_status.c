/* tocsin status: whether an engine is alive, and what waits (for people and monitoring scripts). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "core/health/metrics.h"
#include "core/health/status.h"
#include "store/db.h"
#include "store/health.h"

static const char usage[] =
    "usage: tocsin status [--json | --prometheus]\n"
    "\n"
    "Whether tocsin is working: the engines alive (each records a heartbeat\n"
    "every few seconds; alive means seen in the last 15 s), the commands\n"
    "recorded and not yet applied and the age of the oldest, the timers due and\n"
    "not fired (deadlines, escalations, waits) and the most overdue, and the\n"
    "notifications queued and failed. Engines that stopped beating are listed\n"
    "with when they were last seen (a row not seen for a day is removed).\n"
    "Every tocsin role may run it; the host and pid of the engines are shown to\n"
    "tocsin_admin and the engines only.\n"
    "\n"
    "--json        {\"engines\": [{\"id\", \"host\", \"pid\", \"version\", \"started_at\",\n"
    "              \"last_seen\"}], \"pending_commands\", \"oldest_pending_seconds\",\n"
    "              \"overdue_timers\", \"most_overdue_seconds\", \"notifications_queued\",\n"
    "              \"notifications_failed\"} (the engines alive; ages in whole\n"
    "              seconds, null when there is nothing)\n"
    "--prometheus  the board's /metrics, in Prometheus's text format 0.0.4\n"
    "              (tocsin_crises{status,mode}, tocsin_commands_pending,\n"
    "              tocsin_oldest_pending_command_seconds, tocsin_timers_overdue,\n"
    "              tocsin_engines_alive, tocsin_notifications{status},\n"
    "              tocsin_escalations_total)\n"
    "\n"
    "Exit 0 when at least one engine is alive, 1 when none is (in every format),\n"
    "7 when the database cannot be reached, 5 for a role that is not tocsin's.\n"
    "\n"
    "Examples:\n"
    "  tocsin status || page-the-duty-officer 'no tocsin engine is alive'\n"
    "  tocsin status --prometheus | promtool check metrics\n";

enum { OPT_PROMETHEUS = CLI_OPT_FIRST_LOCAL };

static int on_option(int c, const char *arg, void *ctx)
{
    (void)arg;
    if (c != OPT_PROMETHEUS)
        return CLI_EXIT_USAGE;
    *(int *)ctx = 1;
    return 0;
}

/* Prints text (NULL: memory ran out) and frees it. */
static int print_text(char *text)
{
    if (text == NULL)
        return CLI_EXIT_FAILED;
    fputs(text, stdout);
    free(text);
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"prometheus", no_argument, NULL, OPT_PROMETHEUS},
        {NULL, 0, NULL, 0},
    };
    int prometheus = 0;
    int rc = cli_parse(argc, argv, &cli_cmd_status, options, "h", globals, on_option, &prometheus);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind != argc)
        return cli_usage_error(&cli_cmd_status, "unexpected argument '%s'", argv[optind]);
    if (prometheus && globals->json)
        return cli_usage_error(&cli_cmd_status, "--json and --prometheus are two formats: choose one");

    tc_error err;
    PGconn *conn = NULL;
    tc_health_status status = {0};
    tc_metrics metrics;
    tc_error_init(&err);
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = prometheus ? tc_store_metrics(conn, &metrics, &err) : tc_store_status(conn, &status, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);

    int alive;
    if (prometheus) {
        alive = metrics.engines_alive > 0;
        rc = print_text(tc_metrics_prometheus(&metrics));
    } else {
        alive = tc_health_alive(&status) > 0;
        rc = globals->json ? cli_print_json(tc_health_status_json(&status))
                           : print_text(tc_health_status_text(&status));
        tc_health_status_clear(&status);
    }
    return rc != CLI_EXIT_OK ? rc : alive ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

const cli_command cli_cmd_status = {
    .name = "status",
    .run = run,
    .summary = "whether an engine is alive, and what waits (commands, timers, notifications)",
    .usage = usage,
};
