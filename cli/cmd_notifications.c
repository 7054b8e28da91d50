/* tocsin notifications ID: the deliveries of a crisis's notifications, and where each stands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/input/printable.h"
#include "store/contacts.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin notifications ID [--json]\n"
    "\n"
    "Every delivery of the crisis's notifications, oldest first: when, the state\n"
    "and escalation level, the seat, the channel (email, webhook, program, or none\n"
    "for a seat with no contact), the address, its status (queued, sent, failed,\n"
    "no contact), attempts so far and the last error. A webhook's URL shows only\n"
    "its scheme and host to anyone but tocsin_admin: the rest is a secret.\n"
    "\n"
    "--json: {\"notifications\": [{\"id\", \"at\", \"state\", \"level\", \"seat\",\n"
    "\"channel\", \"address\", \"status\", \"attempts\", \"last_error\", \"sent_at\"}]}\n"
    "(id: the delivery's stable id, its Message-ID or Idempotency-Key).\n"
    "\n"
    "Example:\n"
    "  tocsin notifications 42\n";

static int no_option(int c, const char *arg, void *ctx)
{
    (void)c;
    (void)arg;
    (void)ctx;
    return CLI_EXIT_USAGE;
}

static const char *field(json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s ? s : "-";
}

static void print_table(json_t *list)
{
    size_t i;
    json_t *n;
    if (json_array_size(list) == 0) {
        puts("no notifications");
        return;
    }
    printf("%-24s %-24s %-5s %-20s %-8s %-10s %-8s %s\n", "AT", "STATE", "LEVEL", "SEAT", "CHANNEL", "STATUS",
           "ATTEMPTS", "ADDRESS / LAST ERROR");
    json_array_foreach(list, i, n)
    {
        printf("%-24s %-24s %-5lld %-20s %-8s %-10s %-8lld %s", field(n, "at"), field(n, "state"),
               (long long)json_integer_value(json_object_get(n, "level")), field(n, "seat"),
               field(n, "channel"), field(n, "status"),
               (long long)json_integer_value(json_object_get(n, "attempts")), field(n, "address"));
        if (json_is_string(json_object_get(n, "last_error")))
            printf(" (%s)", field(n, "last_error"));
        putchar('\n');
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int rc = cli_parse(argc, argv, &cli_cmd_notifications, options, "h", globals, no_option, NULL);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (argc - optind != 1)
        return cli_usage_error(&cli_cmd_notifications, "notifications needs one crisis ID");
    int64_t id;
    if ((rc = cli_crisis_id(&cli_cmd_notifications, argv[optind], &id)) != 0)
        return rc;

    tc_error err;
    PGconn *conn = NULL;
    json_t *list = NULL;
    tc_error_init(&err);
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_notifications(conn, id, &list, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (globals->json)
        return cli_print_json(json_pack("{s:o}", "notifications", list));
    tc_printable_json(list);
    print_table(list);
    json_decref(list);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_notifications = {
    .name = "notifications",
    .run = run,
    .summary = "the deliveries of a crisis's notifications and their status",
    .usage = usage,
};
