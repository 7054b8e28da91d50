/* tocsin watch ID [--json]: follow a crisis live, event by event, until it closes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/base/strbuf.h"
#include "core/audit/timeline.h"
#include "store/crises.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin watch ID [--json]\n"
    "\n"
    "Prints a crisis's audit events as they happen (woken by NOTIFY, not by\n"
    "polling), starting with those already recorded, and exits 0 when the crisis\n"
    "closes or is cancelled; Ctrl-C stops it earlier. --json prints one JSON\n"
    "object a line, as audit --format json does.\n"
    "\n"
    "Example:\n"
    "  tocsin watch 42\n";

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void print_event(json_t *e, int json)
{
    if (json) {
        char *line = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(line ? line : "{}");
        free(line);
    } else {
        tc_strbuf sb = TC_STRBUF_INIT;
        tc_timeline_describe(&sb, json_string_value(json_object_get(e, "kind")),
                             json_string_value(json_object_get(e, "state")),
                             json_string_value(json_object_get(e, "actor")), json_object_get(e, "detail"));
        char *text = tc_strbuf_take(&sb);
        printf("%.19s  %s\n", json_string_value(json_object_get(e, "at")), text ? text : "");
        free(text);
    }
    fflush(stdout);
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0}};
    int rc = cli_parse(argc, argv, &cli_cmd_watch, options, "h", globals, NULL, NULL);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    int64_t id;
    if (optind + 1 != argc)
        return cli_usage_error(&cli_cmd_watch, "watch needs one crisis ID");
    if ((rc = cli_crisis_id(&cli_cmd_watch, argv[optind], &id)) != 0)
        return rc;

    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    if ((rc = tc_db_connect(globals->db, globals->as, &conn, &err)) != 0)
        return cli_fail(&err);
    struct sigaction sa = {0};
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll() returns and we leave */
    sigaction(SIGTERM, &sa, NULL);

    /* LISTEN before reading, so nothing committed in between is missed. */
    rc = tc_store_listen(conn, "tocsin_applied", &err);
    long long last = 0;
    json_t *events = NULL;
    char *status = NULL;
    if (rc == 0)
        rc = tc_store_audit(conn, id, &events, &err); /* also: no such crisis is exit 4 */
    json_decref(events);
    while (rc == 0 && !interrupted) {
        events = NULL;
        free(status);
        status = NULL;
        if ((rc = tc_store_audit_since(conn, id, last, &events, &status, &err)) != 0)
            break;
        size_t i;
        json_t *e;
        json_array_foreach(events, i, e)
        {
            print_event(e, globals->json);
            last = json_integer_value(json_object_get(e, "seq"));
        }
        json_decref(events);
        if (strcmp(status, "active") != 0)
            break;
        rc = tc_store_wait_notification(conn, 60000, &err);
    }
    free(status);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_watch = {
    .name = "watch",
    .run = run,
    .summary = "follow a crisis live until it closes",
    .usage = usage,
};
