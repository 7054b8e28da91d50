/*
 * tocsin: the command table and the global options, in the manner of git.c.
 * Every command lives in cli/cmd_<name>.c and is listed here once.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/base/version.h"

/* clang-format off */
static const cli_command *const commands[] = {
    &cli_cmd_migrate,
    &cli_cmd_playbook,
    &cli_cmd_simulate,
    &cli_cmd_trigger,
    &cli_cmd_list,
    &cli_cmd_show,
    &cli_cmd_todo,
    &cli_cmd_vote,
    &cli_cmd_approve,
    &cli_cmd_reject,
    &cli_cmd_abstain,
    &cli_cmd_complete,
    &cli_cmd_ack,
    &cli_cmd_escalate,
    &cli_cmd_cancel,
    &cli_cmd_amend,
    &cli_cmd_delegate,
    &cli_cmd_undelegate,
    &cli_cmd_audit,
    &cli_cmd_report,
    &cli_cmd_watch,
    &cli_cmd_actor,
    &cli_cmd_key,
    &cli_cmd_contact,
    &cli_cmd_notifications,
    &cli_cmd_engine,
    &cli_cmd_status,
    &cli_cmd_serve,
};
/* clang-format on */
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_help(void)
{
    fputs(
        "usage: tocsin [--db CONNINFO] [--as ROLE] [--json] COMMAND [ARGS]\n"
        "\n"
        "tocsin runs crisis-response playbooks: approvals among member states,\n"
        "deadlines and escalation ladders, with every decision kept in PostgreSQL.\n"
        "\n"
        "Commands:\n",
        stdout);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        printf("  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs(
        "\n"
        "Global options (before or after the command):\n"
        "  --db CONNINFO  libpq connection string or URI (default: $TOCSIN_DB, else libpq's\n"
        "                 PGHOST, PGDATABASE, ... defaults)\n"
        "  --as ROLE      act as this PostgreSQL role (SET ROLE; the login role must be a member)\n"
        "  --json         print one JSON document instead of text\n"
        "  --sign-with FILE  sign what you decide (vote, complete, ack; audit head) with\n"
        "                 the Ed25519 key in FILE (default: $TOCSIN_SIGNING_KEY; tocsin key)\n"
        "  -h, --help     help for tocsin, or for a command: tocsin COMMAND --help\n"
        "  --version      print the version\n"
        "\n"
        "Exit codes: 0 done, 1 failure, 2 usage, 3 invalid input, 4 not found,\n"
        "5 permission denied, 6 conflict, 7 database unavailable.\n"
        "\n"
        "Text given to tocsin must be UTF-8 and is limited in size (a reason 16 KiB,\n"
        "a title 1 KiB, JSON 64 KiB, a playbook 1 MiB: docs/cli.md); numbers are\n"
        "decimal and never clamped. Anything else is refused, exit 3, storing nothing.\n"
        "\n"
        "Example:\n"
        "  TOCSIN_DB='host=/srv/tocsin/run dbname=tocsin' tocsin migrate\n",
        stdout);
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    cli_globals globals = {0};
    int i = 1;

    /* Global options before the command; the command parses those after it. */
    while (i < argc && argv[i][0] == '-') {
        const char *opt = argv[i];
        if (strcmp(opt, "--version") == 0) {
            printf("tocsin %s\n", tc_version());
            return CLI_EXIT_OK;
        }
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
            print_help();
            return CLI_EXIT_OK;
        }
        if (strcmp(opt, "--json") == 0) {
            globals.json = 1;
            i++;
            continue;
        }
        if (strcmp(opt, "--sign-with") == 0 || strncmp(opt, "--sign-with=", 12) == 0) {
            const char *value = opt[11] == '=' ? opt + 12 : i + 1 < argc ? argv[i + 1] : NULL;
            if (value == NULL)
                return cli_usage_error(NULL, "option '--sign-with' needs a FILE");
            cli_global_option(CLI_OPT_SIGN_WITH, value, &globals);
            i += opt[11] == '=' ? 1 : 2;
            continue;
        }
        if (strcmp(opt, "--db") == 0 || strcmp(opt, "--as") == 0 || strncmp(opt, "--db=", 5) == 0 ||
            strncmp(opt, "--as=", 5) == 0) {
            const char *value = opt[4] == '=' ? opt + 5 : i + 1 < argc ? argv[i + 1] : NULL;
            if (value == NULL)
                return cli_usage_error(NULL, "option '%s' needs a value", opt);
            char name[3] = {opt[2], opt[3], '\0'};
            int rc = cli_option_text(name, value);
            if (rc != 0)
                return rc;
            cli_global_option(opt[2] == 'd' ? CLI_OPT_DB : CLI_OPT_AS, value, &globals);
            i += opt[4] == '=' ? 1 : 2;
            continue;
        }
        return cli_usage_error(NULL, "unknown option '%s'", opt);
    }
    if (i == argc) {
        print_help();
        return CLI_EXIT_USAGE;
    }

    const char *name = argv[i];
    if (strcmp(name, "help") == 0) {
        if (i + 1 == argc) {
            print_help();
            return CLI_EXIT_OK;
        }
        const cli_command *cmd = find_command(argv[i + 1]);
        if (cmd == NULL)
            return cli_usage_error(NULL, "unknown command '%s'", argv[i + 1]);
        fputs(cmd->usage, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "version") == 0) {
        printf("tocsin %s\n", tc_version());
        return CLI_EXIT_OK;
    }
    const cli_command *cmd = find_command(name);
    if (cmd == NULL)
        return cli_usage_error(NULL, "unknown command '%s'", name);
    return cmd->run(argc - i, argv + i, &globals);
}
