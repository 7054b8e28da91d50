/* tocsin actor add|list|grant|revoke|history: the roles that act, their seats, and who changed them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/input/printable.h"
#include "store/actors.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin actor add ROLE [--seat ROLE[/PARTY]]... [--observer ORG]... [--login]\n"
    "       tocsin actor list\n"
    "       tocsin actor grant ROLE SEAT\n"
    "       tocsin actor revoke ROLE SEAT\n"
    "       tocsin actor history [ROLE] [--json]\n"
    "\n"
    "Actors are PostgreSQL roles. A seat is a playbook role, for a per-party role\n"
    "with its party: council/KZ is the delegation of Kazakhstan on the council, in\n"
    "every playbook that has a council. Seat holders act (vote, complete, ack) for\n"
    "their seats and read the crises whose playbooks have their role; an observer\n"
    "of an organisation reads the crises of playbooks that list it in observers,\n"
    "and nothing else. Only members of tocsin_admin manage actors.\n"
    "\n"
    "add       creates ROLE when it does not exist (NOLOGIN unless --login; set a\n"
    "          password or certificate with PostgreSQL's own tools) and gives it\n"
    "          the seats (--seat, repeated) and organisations (--observer, repeated);\n"
    "          an actor with no seat yet may be delegated one in a crisis\n"
    "          (tocsin delegate)\n"
    "list      the actors with their seats and organisations\n"
    "grant     gives ROLE one more seat; revoke takes one back\n"
    "history   every change of an actor, seat or observer, oldest first (of ROLE\n"
    "          alone when given): what changed, when, by which role and login.\n"
    "          The changes form a sha256 hash chain of their own, recorded by the\n"
    "          database whoever makes them (also an owner writing the tables\n"
    "          directly); tocsin audit verify checks it. --json prints\n"
    "          {\"history\": [{\"seq\", \"at\", \"by\", \"login\", \"kind\", \"actor\",\n"
    "          \"detail\", \"prev_hash\", \"hash\"}]}; kind is actor_added,\n"
    "          login_allowed, seat_granted, seat_revoked, observer_added,\n"
    "          observer_removed, key_registered or key_revoked (tocsin key).\n"
    "\n"
    "Names (exit 3 otherwise, nothing stored): ROLE is 1 to 63 bytes of UTF-8\n"
    "without control characters (PostgreSQL would cut a longer one short); a\n"
    "SEAT is ROLE or ROLE/PARTY, its ROLE of a-z, 0-9 and _ starting with a letter\n"
    "(at most 63), its PARTY of A-Z, a-z, 0-9, _ and - (at most 32); an ORG is\n"
    "1 to 32 of A-Z, a-z, 0-9, _ and -.\n"
    "\n"
    "Examples:\n"
    "  tocsin actor add kz_delegate --seat council/KZ --login\n"
    "  tocsin actor add unodc_liaison --observer UNODC --login\n"
    "  tocsin actor grant kz_delegate border_service/KZ\n"
    "  tocsin actor history kz_delegate\n";

enum { OPT_SEAT = CLI_OPT_FIRST_LOCAL, OPT_OBSERVER, OPT_LOGIN };

typedef struct actor_options {
    json_t *seats, *observes;
    int login;
} actor_options;

static int on_option(int c, const char *arg, void *ctx)
{
    actor_options *o = ctx;
    if (c == OPT_SEAT)
        json_array_append_new(o->seats, json_string(arg));
    else if (c == OPT_OBSERVER)
        json_array_append_new(o->observes, json_string(arg));
    else if (c == OPT_LOGIN)
        o->login = 1;
    else
        return CLI_EXIT_USAGE;
    return 0;
}

static void print_list(json_t *list)
{
    size_t i;
    json_t *a;
    if (json_array_size(list) == 0) {
        puts("no actors (tocsin actor add ROLE --seat ROLE/PARTY)");
        return;
    }
    printf("%-24s %-6s %s\n", "ROLE", "LOGIN", "SEATS / OBSERVES");
    json_array_foreach(list, i, a)
    {
        printf("%-24s %-6s", json_string_value(json_object_get(a, "actor")),
               json_is_true(json_object_get(a, "login")) ? "yes" : "no");
        size_t j;
        json_t *s;
        json_array_foreach(json_object_get(a, "seats"), j, s) printf(" %s", json_string_value(s));
        json_array_foreach(json_object_get(a, "observes"), j, s) printf(" observer:%s", json_string_value(s));
        putchar('\n');
    }
}

/* "seat council/KZ", "observer of UNODC", "with login": what a change is about. */
static void print_history(json_t *list)
{
    size_t i;
    json_t *h;
    if (json_array_size(list) == 0) {
        puts("no changes recorded");
        return;
    }
    json_array_foreach(list, i, h)
    {
        json_t *detail = json_object_get(h, "detail");
        const char *seat = json_string_value(json_object_get(detail, "seat"));
        const char *org = json_string_value(json_object_get(detail, "organisation"));
        if (org == NULL) /* a key's change names the key */
            org = json_string_value(json_object_get(detail, "key_id"));
        printf("%5lld  %s  %-16s %-20s %s%s%s  by %s",
               (long long)json_integer_value(json_object_get(h, "seq")),
               json_string_value(json_object_get(h, "at")), json_string_value(json_object_get(h, "kind")),
               json_string_value(json_object_get(h, "actor")), seat ? seat : "", org ? org : "",
               json_is_true(json_object_get(detail, "login")) ? "with login" : "",
               json_string_value(json_object_get(h, "by")));
        if (strcmp(json_string_value(json_object_get(h, "by")),
                   json_string_value(json_object_get(h, "login"))))
            printf(" (logged in as %s)", json_string_value(json_object_get(h, "login")));
        if (json_is_true(json_object_get(detail, "found")))
            printf(" (found when migrating: made before the history, or outside it)");
        putchar('\n');
    }
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"seat", required_argument, NULL, OPT_SEAT},
        {"observer", required_argument, NULL, OPT_OBSERVER},
        {"login", no_argument, NULL, OPT_LOGIN},
        {NULL, 0, NULL, 0},
    };
    actor_options o = {json_array(), json_array(), 0};
    int rc = cli_parse(argc, argv, &cli_cmd_actor, options, "h", globals, on_option, &o);
    const char *sub = optind < argc ? argv[optind] : NULL;
    int operands = argc - optind - 1;
    if (rc == 0 && sub == NULL)
        rc =
            cli_usage_error(&cli_cmd_actor, "actor needs a subcommand (add, list, grant, revoke or history)");
    else if (rc == 0 && strcmp(sub, "add") == 0 && operands != 1)
        rc = cli_usage_error(&cli_cmd_actor, "actor add needs one ROLE");
    else if (rc == 0 && strcmp(sub, "list") == 0 && operands != 0)
        rc = cli_usage_error(&cli_cmd_actor, "actor list takes no arguments");
    else if (rc == 0 && (strcmp(sub, "grant") == 0 || strcmp(sub, "revoke") == 0) && operands != 2)
        rc = cli_usage_error(&cli_cmd_actor, "actor %s needs ROLE and SEAT", sub);
    else if (rc == 0 && strcmp(sub, "history") == 0 && operands > 1)
        rc = cli_usage_error(&cli_cmd_actor, "actor history takes at most one ROLE");
    else if (rc == 0 && strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "grant") &&
             strcmp(sub, "revoke") && strcmp(sub, "history"))
        rc = cli_usage_error(&cli_cmd_actor, "unknown actor subcommand '%s'", sub);
    if (rc != 0) {
        json_decref(o.seats);
        json_decref(o.observes);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    tc_error err;
    PGconn *conn = NULL;
    json_t *list = NULL;
    int created = 0;
    tc_error_init(&err);
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0 && strcmp(sub, "add") == 0)
        rc = tc_store_actor_add(conn, argv[optind + 1], o.seats, o.observes, o.login, &created, &err);
    else if (rc == 0 && strcmp(sub, "list") == 0)
        rc = tc_store_actor_list(conn, &list, &err);
    else if (rc == 0 && strcmp(sub, "history") == 0)
        rc = tc_store_actor_history(conn, operands == 1 ? argv[optind + 1] : NULL, &list, &err);
    else if (rc == 0)
        rc = tc_store_actor_seat(conn, argv[optind + 1], argv[optind + 2], strcmp(sub, "grant") == 0, &err);
    tc_db_close(conn);
    json_decref(o.seats);
    json_decref(o.observes);
    if (rc != 0)
        return cli_fail(&err);
    if (list != NULL) {
        int history = strcmp(sub, "history") == 0;
        if (globals->json)
            return cli_print_json(json_pack("{s:o}", history ? "history" : "actors", list));
        tc_printable_json(list);
        if (history)
            print_history(list);
        else
            print_list(list);
        json_decref(list);
    } else if (strcmp(sub, "add") == 0) {
        printf("%s %s\n", argv[optind + 1], created ? "created" : "updated");
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_actor = {
    .name = "actor",
    .run = run,
    .summary = "manage actors: roles, their seats, what they observe",
    .usage = usage,
};
