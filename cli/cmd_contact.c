/* tocsin contact add|list|remove: whom to tell for a seat (e-mail, webhook). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/input/printable.h"
#include "store/contacts.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin contact add SEAT (--email ADDR | --webhook URL [--format json|slack]) [--tz ZONE]\n"
    "       tocsin contact list [SEAT]\n"
    "       tocsin contact remove SEAT [ADDR|URL]\n"
    "\n"
    "Whom the engine tells when a seat is notified (a task assigned, a vote\n"
    "requested, an escalation). SEAT is ROLE or ROLE/PARTY as in actor add: a\n"
    "contact on council/KZ is that delegation's, one on council every delegation's.\n"
    "Each notified seat gets one delivery per contact, recorded with the crisis\n"
    "(tocsin notifications ID). Only members of tocsin_admin manage and read\n"
    "contacts; who added one, and when, is kept with it.\n"
    "\n"
    "add       --email ADDR         an e-mail address (NAME@DOMAIN)\n"
    "          --webhook URL        an http:// or https:// URL that receives a POST\n"
    "          --format json|slack  the webhook's body (default json)\n"
    "          --tz ZONE            the contact's IANA time zone for deadlines\n"
    "list      the contacts, of SEAT only when given (--json for JSON)\n"
    "remove    the seat's contact ADDR|URL, or all its contacts\n"
    "\n"
    "A bad address, a URL that is not http:// or https://, an unknown format or\n"
    "time zone: exit 3, nothing stored. Webhook URLs are secrets (a Slack webhook\n"
    "URL is a bearer token): keep them out of shell history where you can.\n"
    "\n"
    "Examples:\n"
    "  tocsin contact add council/KZ --email duty@mfa.kz --tz Asia/Almaty\n"
    "  tocsin contact add secretariat --webhook https://hooks.slack.com/services/T/B/X --format slack\n"
    "  tocsin contact remove council/KZ duty@mfa.kz\n";

enum { OPT_EMAIL = CLI_OPT_FIRST_LOCAL, OPT_WEBHOOK, OPT_FORMAT, OPT_TZ };

typedef struct contact_options {
    const char *email, *webhook, *format, *tz;
} contact_options;

static int on_option(int c, const char *arg, void *ctx)
{
    contact_options *o = ctx;
    if (c == OPT_EMAIL)
        o->email = arg;
    else if (c == OPT_WEBHOOK)
        o->webhook = arg;
    else if (c == OPT_FORMAT)
        o->format = arg;
    else if (c == OPT_TZ)
        o->tz = arg;
    else
        return CLI_EXIT_USAGE;
    return 0;
}

static const char *field(json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s ? s : "-";
}

static void print_list(json_t *list)
{
    size_t i;
    json_t *k;
    if (json_array_size(list) == 0) {
        puts("no contacts (tocsin contact add SEAT --email ADDR)");
        return;
    }
    printf("%-24s %-8s %-6s %-20s %-20s %s\n", "SEAT", "CHANNEL", "FORMAT", "TZ", "ADDED BY", "ADDRESS");
    json_array_foreach(list, i, k)
    {
        printf("%-24s %-8s %-6s %-20s %-20s %s\n", field(k, "seat"), field(k, "channel"), field(k, "format"),
               field(k, "tz"), field(k, "added_by"), field(k, "address"));
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"email", required_argument, NULL, OPT_EMAIL},
        {"webhook", required_argument, NULL, OPT_WEBHOOK},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"tz", required_argument, NULL, OPT_TZ},
        {NULL, 0, NULL, 0},
    };
    contact_options o = {0};
    int rc = cli_parse(argc, argv, &cli_cmd_contact, options, "h", globals, on_option, &o);
    const char *sub = optind < argc ? argv[optind] : NULL;
    int operands = argc - optind - 1;
    if (rc == 0 && sub == NULL)
        rc = cli_usage_error(&cli_cmd_contact, "contact needs a subcommand (add, list or remove)");
    else if (rc == 0 && strcmp(sub, "add") == 0 && operands != 1)
        rc = cli_usage_error(&cli_cmd_contact, "contact add needs one SEAT");
    else if (rc == 0 && strcmp(sub, "add") == 0 && (o.email == NULL) == (o.webhook == NULL))
        rc = cli_usage_error(&cli_cmd_contact, "contact add needs one of --email or --webhook");
    else if (rc == 0 && strcmp(sub, "add") != 0 && (o.email || o.webhook || o.format || o.tz))
        rc = cli_usage_error(&cli_cmd_contact, "--email, --webhook, --format and --tz are for contact add");
    else if (rc == 0 && strcmp(sub, "list") == 0 && operands > 1)
        rc = cli_usage_error(&cli_cmd_contact, "contact list takes at most one SEAT");
    else if (rc == 0 && strcmp(sub, "remove") == 0 && (operands < 1 || operands > 2))
        rc = cli_usage_error(&cli_cmd_contact, "contact remove needs SEAT and at most one ADDR|URL");
    else if (rc == 0 && strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "remove"))
        rc = cli_usage_error(&cli_cmd_contact, "unknown contact subcommand '%s'", sub);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;

    tc_error err;
    PGconn *conn = NULL;
    json_t *list = NULL;
    int removed = 0;
    tc_error_init(&err);
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0 && strcmp(sub, "add") == 0)
        rc = tc_store_contact_add(conn, argv[optind + 1], o.email ? "email" : "webhook",
                                  o.email ? o.email : o.webhook, o.format, o.tz, &err);
    else if (rc == 0 && strcmp(sub, "list") == 0)
        rc = tc_store_contact_list(conn, operands == 1 ? argv[optind + 1] : NULL, &list, &err);
    else if (rc == 0)
        rc = tc_store_contact_remove(conn, argv[optind + 1], operands == 2 ? argv[optind + 2] : NULL,
                                     &removed, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (list != NULL) {
        if (globals->json)
            return cli_print_json(json_pack("{s:o}", "contacts", list));
        tc_printable_json(list);
        print_list(list);
        json_decref(list);
    } else if (strcmp(sub, "add") == 0) {
        printf("contact added for %s\n", argv[optind + 1]);
    } else {
        printf("%d contact%s removed from %s\n", removed, removed == 1 ? "" : "s", argv[optind + 1]);
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_contact = {
    .name = "contact",
    .run = run,
    .summary = "manage contacts: whom to tell for a seat, by e-mail or webhook",
    .usage = usage,
};
