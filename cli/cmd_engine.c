/* tocsin engine: run the engine (see engine/daemon/engine.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/notify/mime.h"
#include "daemon/engine.h"

/* The limits' numbers, from their one home (daemon/engine.h), in the text below. */
#define NUMBER_(n) #n
#define NUMBER(n)  NUMBER_(n)

static const char usage[] =
    "usage: tocsin engine [--actions-dir DIR] [--once] [--id NAME] [--batch N] [--workers N]\n"
    "                     [--notify-limit N] [--notify-timeout SECONDS] [--smtp URL]\n"
    "                     [--mail-from ADDR] [--board-url URL] [--no-deliveries] [--poll SECONDS]\n"
    "                     [--verbose]\n"
    "\n"
    "Applies recorded commands and fires due deadlines, escalations, waits and\n"
    "retries, in batches of crises claimed with SKIP LOCKED, so several engines\n"
    "(and several batches of one engine) may share one database; runs action\n"
    "programs from --actions-dir (a `notify` program there receives every\n"
    "notification as JSON on stdin, one run each; without one, notifications\n"
    "are logged). At most --notify-limit notify programs run at once, each\n"
    "killed after --notify-timeout; the notifications beyond wait in memory,\n"
    "in order (up to " NUMBER(TC_ENGINE_NOTIFY_WAITING) "; past that, each is dropped and logged).\n"
    "Notifications also go to the contacts of each notified seat (`tocsin\n"
    "contact add`): the transition writes them to an outbox in its own\n"
    "transaction, and the engine delivers them by e-mail (--smtp) and webhook\n"
    "without waiting on a receiver, retrying a failed one after 20 s, then\n"
    "40 s, ... for 7 attempts over some 21 minutes (`tocsin notifications ID`).\n"
    "Woken by NOTIFY; one timer for the earliest deadline. Each program runs in\n"
    "a process group of its own, killed when the program exits or times out.\n"
    "SIGINT or SIGTERM: finish the batches in flight, let running actions\n"
    "finish (10 s), then kill them with their groups, exit 0.\n"
    "A lost database connection is retried with backoff, and an engine that\n"
    "starts while the database cannot be reached (no primary that accepts\n"
    "writes yet) waits for it the same way; --once exits 7 instead.\n"
    "A crisis whose own transition fails (a state edited by hand, a row the\n"
    "database refuses, an action result it refuses) is set aside, logged, and\n"
    "tried again after a minute (then 2, 4, up to 10): the other crises and\n"
    "the other actions' results go on, and its work waits (`tocsin show`\n"
    "says why);\n"
    "with --once the engine finishes the rest and exits non-zero, naming it.\n"
    "A running engine records a heartbeat every 4 s (tocsin status) and\n"
    "removes it when it stops on a signal; --once records none.\n"
    "Logs are logfmt lines on stderr: warnings and errors, and with --verbose\n"
    "what the engine does.\n"
    "\n"
    "Options:\n"
    "  --actions-dir DIR  the only directory action programs are run from\n"
    "  --once             apply what is pending and due now, follow what it causes\n"
    "                     (choices, actions), then exit; later deadlines stay\n"
    "  --id NAME          this engine's name in the logs (default: host:pid)\n"
    "  --batch N          crises per transaction (default 100)\n"
    "  --workers N        batches in flight at once, each on its own connection\n"
    "                     (default 2, so work that arrives while a batch commits\n"
    "                     starts at once; --once uses one)\n"
    "  --notify-limit N   notify programs running at once (default " NUMBER(TC_ENGINE_NOTIFY_LIMIT) ", at most "
    NUMBER(TC_ENGINE_NOTIFY_LIMIT_MAX) ")\n"
    "  --notify-timeout SECONDS\n"
    "                     how long a notify program may run before it is killed\n"
    "                     with its process group (default " NUMBER(TC_ENGINE_NOTIFY_TIMEOUT) ", at most "
    NUMBER(TC_ENGINE_NOTIFY_TIMEOUT_MAX) ")\n"
    "  --smtp URL         the mail server for e-mail notifications: smtp://host:port\n"
    "                     or smtps://host:port (without it, e-mail deliveries fail\n"
    "                     and are retried, saying so)\n"
    "  --mail-from ADDR   their From: address (default: tocsin@HOSTNAME)\n"
    "  --board-url URL    the board's address, linked from every notification\n"
    "  --no-deliveries    deliver no notification (another engine does: one that\n"
    "                     may reach the mail server and the webhooks)\n"
    "  --poll SECONDS     how often to look for work no notification announced\n"
    "                     (default " NUMBER(TC_ENGINE_POLL) ", at most " NUMBER(TC_ENGINE_POLL_MAX) "; lower it where NOTIFY\n"
    "                     cannot reach the engine, as behind a transaction pooler)\n"
    "  --verbose          log every batch, action and notification\n"
    "\n"
    "Example:\n"
    "  tocsin engine --actions-dir /etc/tocsin/actions --id engine-a --verbose\n";

enum {
    OPT_ACTIONS = CLI_OPT_FIRST_LOCAL,
    OPT_ONCE,
    OPT_ID,
    OPT_BATCH,
    OPT_WORKERS,
    OPT_NOTIFY_LIMIT,
    OPT_NOTIFY_TIMEOUT,
    OPT_SMTP,
    OPT_MAIL_FROM,
    OPT_BOARD_URL,
    OPT_NO_DELIVERIES,
    OPT_POLL,
    OPT_VERBOSE
};

static int on_option(int c, const char *arg, void *ctx)
{
    tc_engine_options *o = ctx;
    switch (c) {
    case OPT_ACTIONS:
        o->actions_dir = arg;
        return 0;
    case OPT_ONCE:
        o->once = 1;
        return 0;
    case OPT_ID:
        o->id = arg;
        return 0;
    case OPT_VERBOSE:
        o->verbose = 1;
        return 0;
    case OPT_NO_DELIVERIES:
        o->no_deliveries = 1;
        return 0;
    case OPT_SMTP:
        if (strncmp(arg, "smtp://", 7) != 0 && strncmp(arg, "smtps://", 8) != 0)
            return cli_usage_error(&cli_cmd_engine,
                                   "--smtp takes smtp://HOST[:PORT] or smtps://HOST[:PORT], not %s", arg);
        o->smtp_url = arg;
        return 0;
    case OPT_MAIL_FROM:
        if (!tc_mime_address_ok(arg))
            return cli_usage_error(&cli_cmd_engine, "--mail-from takes an e-mail address, not %s", arg);
        o->mail_from = arg;
        return 0;
    case OPT_BOARD_URL:
        if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
            return cli_usage_error(&cli_cmd_engine, "--board-url takes an http:// or https:// URL, not %s",
                                   arg);
        o->board_url = arg;
        return 0;
    case OPT_BATCH:
        return cli_number_option(&cli_cmd_engine, "--batch", arg, 1, 10000, &o->batch_size);
    case OPT_WORKERS:
        return cli_number_option(&cli_cmd_engine, "--workers", arg, 1, TC_ENGINE_MAX_WORKERS, &o->workers);
    case OPT_NOTIFY_LIMIT:
        return cli_number_option(&cli_cmd_engine, "--notify-limit", arg, 1, TC_ENGINE_NOTIFY_LIMIT_MAX,
                                 &o->notify_limit);
    case OPT_NOTIFY_TIMEOUT: {
        int seconds = 0;
        int rc = cli_number_option(&cli_cmd_engine, "--notify-timeout", arg, 1, TC_ENGINE_NOTIFY_TIMEOUT_MAX,
                                   &seconds);
        o->notify_timeout_ms = seconds * 1000;
        return rc;
    }
    case OPT_POLL: {
        int seconds = 0;
        int rc = cli_number_option(&cli_cmd_engine, "--poll", arg, 1, TC_ENGINE_POLL_MAX, &seconds);
        o->poll_ms = seconds * 1000;
        return rc;
    }
    }
    return CLI_EXIT_USAGE;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"actions-dir", required_argument, NULL, OPT_ACTIONS},
        {"once", no_argument, NULL, OPT_ONCE},
        {"id", required_argument, NULL, OPT_ID},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"notify-limit", required_argument, NULL, OPT_NOTIFY_LIMIT},
        {"notify-timeout", required_argument, NULL, OPT_NOTIFY_TIMEOUT},
        {"smtp", required_argument, NULL, OPT_SMTP},
        {"mail-from", required_argument, NULL, OPT_MAIL_FROM},
        {"board-url", required_argument, NULL, OPT_BOARD_URL},
        {"no-deliveries", no_argument, NULL, OPT_NO_DELIVERIES},
        {"poll", required_argument, NULL, OPT_POLL},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {NULL, 0, NULL, 0},
    };
    tc_engine_options o = {0};
    int rc = cli_parse(argc, argv, &cli_cmd_engine, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind != argc)
        return cli_usage_error(&cli_cmd_engine, "unexpected argument '%s'", argv[optind]);
    char id[128];
    if (o.id == NULL) {
        char host[64] = "engine";
        gethostname(host, sizeof host - 1);
        snprintf(id, sizeof id, "%s:%d", host, (int)getpid());
        o.id = id;
    }
    if (o.actions_dir != NULL && access(o.actions_dir, X_OK) != 0) {
        fprintf(stderr, "cannot use actions directory %s: no such directory\n", o.actions_dir);
        return CLI_EXIT_USAGE;
    }
    o.conninfo = globals->db;
    o.role = globals->as;
    tc_error err;
    tc_error_init(&err);
    rc = tc_engine_run(&o, &err);
    return rc == 0 ? CLI_EXIT_OK : cli_fail(&err);
}

const cli_command cli_cmd_engine = {
    .name = "engine",
    .run = run,
    .summary = "run the engine: apply commands, fire deadlines, run actions",
    .usage = usage,
};
