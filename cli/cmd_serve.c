/* tocsin serve: the board, a read-only web page and API (see engine/board/board.h). */
#include <stdio.h>
#include <string.h>

#include "board/board.h"
#include "cli.h"

static const char usage[] =
    "usage: tocsin serve [--listen HOST:PORT] [--verbose]\n"
    "\n"
    "Serves the board: a read-only web page for the operations room (active\n"
    "crises, their states on the playbook's graph, open approvals with tally\n"
    "and the seats that have not voted, deadlines counting down, escalation\n"
    "levels, the latest audit lines), updated live, and its API:\n"
    "  GET /api/crises[?status=S&party=P&since=P7D...]\n"
    "                                       the document of `tocsin list --json`, with\n"
    "                                       list's filters as query parameters\n"
    "  GET /api/crises/ID                   the document of `tocsin show ID --json`\n"
    "  GET /api/events                      server-sent events, data {\"crisis\": ID}\n"
    "                                       per committed change to a crisis you may see\n"
    "  GET /healthz                         200 ok when the database answers and an engine\n"
    "                                       is alive, else 503 saying why (no sign-in)\n"
    "  GET /metrics                         Prometheus text, as `tocsin status --prometheus`\n"
    "                                       (no sign-in: counts only)\n"
    "A user signs in as a PostgreSQL role with that role's own password (HTTP\n"
    "Basic on /api/, or the page's form and a cookie), and sees exactly what\n"
    "`tocsin --as ROLE list/show` shows that role: the board reads on a\n"
    "connection logged in as that role, and row-level security decides. The\n"
    "board's own login (--db, $TOCSIN_DB) LISTENs and reads the counts of\n"
    "/healthz and /metrics; for the rest its user and password\n"
    "are replaced by the signed-in user's. No credentials or wrong ones: 401;\n"
    "the database down: 503. SIGINT or SIGTERM: stop listening, end the event\n"
    "streams, finish the reads in flight, exit 0.\n"
    "\n"
    "Options:\n"
    "  --listen HOST:PORT  the address to serve on (default " TC_BOARD_DEFAULT_LISTEN
    "; [::1]:8080\n"
    "                      for IPv6). The board speaks plain HTTP: put it behind a\n"
    "                      TLS proxy before it leaves the machine\n"
    "  --verbose           log every request (never a password)\n"
    "\n"
    "Example:\n"
    "  tocsin serve --listen 127.0.0.1:8080\n";

enum { OPT_LISTEN = CLI_OPT_FIRST_LOCAL, OPT_VERBOSE };

typedef struct serve_options {
    const char *listen;
    int verbose;
} serve_options;

static int on_option(int c, const char *arg, void *ctx)
{
    serve_options *o = ctx;
    if (c == OPT_LISTEN) {
        o->listen = arg;
        return 0;
    }
    if (c == OPT_VERBOSE) {
        o->verbose = 1;
        return 0;
    }
    return CLI_EXIT_USAGE;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {NULL, 0, NULL, 0},
    };
    serve_options o = {TC_BOARD_DEFAULT_LISTEN, 0};
    int rc = cli_parse(argc, argv, &cli_cmd_serve, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind != argc)
        return cli_usage_error(&cli_cmd_serve, "unexpected argument '%s'", argv[optind]);
    if (globals->as != NULL)
        return cli_usage_error(&cli_cmd_serve, "serve takes no --as: each user signs in as their own role");
    char host[64];
    tc_board_options b = {globals->db, host, 0, o.verbose};
    tc_error err;
    tc_error_init(&err);
    if (tc_board_parse_listen(o.listen, host, sizeof host, &b.port, &err) != 0)
        return cli_usage_error(&cli_cmd_serve, "%s", err.text);
    rc = tc_board_run(&b, &err);
    return rc == 0 ? CLI_EXIT_OK : cli_fail(&err);
}

const cli_command cli_cmd_serve = {
    .name = "serve",
    .run = run,
    .summary = "serve the board: a live, read-only web page and API",
    .usage = usage,
};
