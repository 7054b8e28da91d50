/*
 * The tocsin command line: shared pieces of the commands in cli/cmd_*.c.
 *
 * The CLI parses arguments, calls libtocsin and prints what it returns, as text
 * or (with --json) as one JSON document; it holds no logic of its own. Errors are
 * printed as one line on stderr and turned into the exit codes of docs/cli.md.
 */
#ifndef TC_CLI_H
#define TC_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

/* Exit codes of the contract. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INVALID = 3,
    CLI_EXIT_NOT_FOUND = 4,
    CLI_EXIT_PERMISSION = 5,
    CLI_EXIT_CONFLICT = 6,
    CLI_EXIT_UNAVAILABLE = 7,
};

/* Options every command takes. */
typedef struct cli_globals {
    const char *db;        /* --db, else NULL: $TOCSIN_DB or libpq's defaults */
    const char *as;        /* --as ROLE, else NULL */
    int json;              /* --json */
    const char *sign_with; /* --sign-with FILE, else NULL ($TOCSIN_SIGNING_KEY: cli_signing_key) */
} cli_globals;

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv, cli_globals *globals);
    const char *summary; /* one line for `tocsin --help` */
    const char *usage;   /* the whole --help text, ending with an example */
} cli_command;

/* getopt_long codes of the global options, past any character. */
enum { CLI_OPT_DB = 0x100, CLI_OPT_AS, CLI_OPT_JSON, CLI_OPT_HELP, CLI_OPT_SIGN_WITH, CLI_OPT_FIRST_LOCAL };

/* clang-format off */
#define CLI_GLOBAL_OPTIONS                                                                         \
    {"db", required_argument, NULL, CLI_OPT_DB}, {"as", required_argument, NULL, CLI_OPT_AS},      \
        {"json", no_argument, NULL, CLI_OPT_JSON}, {"help", no_argument, NULL, 'h'},                 \
        {"sign-with", required_argument, NULL, CLI_OPT_SIGN_WITH}
/* clang-format on */

/*
 * Handles a global option found by a command's getopt_long loop. Returns 1 when
 * c was a global option (recorded in globals), 0 otherwise.
 */
int cli_global_option(int c, const char *arg, cli_globals *globals);

/* The signing key file to use: --sign-with, else $TOCSIN_SIGNING_KEY, else NULL. */
const char *cli_signing_key(const cli_globals *globals);

/*
 * Parses a command's options with getopt_long: options, a NULL-terminated
 * array that must include CLI_GLOBAL_OPTIONS, and short, its short options
 * (always containing "h"). Calls on_option for every option that is not global;
 * it returns 0 or an exit code. Prints usage on -h (returning -1 so that the
 * command exits 0) and a usage error on an unknown option (returning 2).
 */
int cli_parse(int argc, char **argv, const cli_command *cmd, const struct option *options,
              const char *short_opts, cli_globals *globals,
              int (*on_option)(int c, const char *arg, void *ctx), void *ctx);

/* The exit code for a tc_* error code. */
int cli_exit_code(int code);

/* Prints err's one line to stderr and returns its exit code. */
int cli_fail(const tc_error *err);

/* Prints a usage error (one line, then where to look) and returns 2. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads the whole number arg of option (say "--limit") into *out: 0, or a usage error when it is not a
 * number from min to max (core/input/number.h: digits only, nothing clamped). */
int cli_number_option(const cli_command *cmd, const char *option, const char *arg, int min, int max,
                      int *out);

/* Reads a crisis ID (1 to INT64_MAX, core/input/number.h) into *id: 0, or a usage error (exit 2). */
int cli_crisis_id(const cli_command *cmd, const char *arg, int64_t *id);

/*
 * Checks text given on the command line (core/input/limits.h): 0, or prints why it
 * is refused, "WHAT is not valid UTF-8 (byte N)" or "WHAT is N bytes, more
 * than the M allowed", and returns exit code 3.
 */
int cli_check_text(const char *what, const char *text, size_t max_bytes);

/*
 * Checks the value of --option (its name without the dashes) against the
 * limit cli.c's table gives it: cli_parse calls it for every option it
 * parses, main.c for the global options before the command. 0 or exit code 3.
 */
int cli_option_text(const char *option, const char *arg);

/* Parses --wait SECONDS into *ms; prints a usage error (returning 2) when it is not a number >= 0. */
int cli_wait_option(const char *arg, int *ms, const cli_command *cmd);

/* Prints json to stdout as one document and frees it; returns exit code 0 (1 if it cannot). */
int cli_print_json(json_t *json);

/* The commands, defined in cli/cmd_*.c. */
extern const cli_command cli_cmd_migrate;
extern const cli_command cli_cmd_playbook;
extern const cli_command cli_cmd_simulate;
extern const cli_command cli_cmd_trigger;
extern const cli_command cli_cmd_list;
extern const cli_command cli_cmd_show;
extern const cli_command cli_cmd_todo;
extern const cli_command cli_cmd_engine;
extern const cli_command cli_cmd_vote, cli_cmd_approve, cli_cmd_reject, cli_cmd_abstain;
extern const cli_command cli_cmd_complete, cli_cmd_ack, cli_cmd_escalate, cli_cmd_cancel, cli_cmd_amend;
extern const cli_command cli_cmd_delegate, cli_cmd_undelegate, cli_cmd_key;
extern const cli_command cli_cmd_audit;
extern const cli_command cli_cmd_report;
extern const cli_command cli_cmd_watch;
extern const cli_command cli_cmd_actor;
extern const cli_command cli_cmd_contact;
extern const cli_command cli_cmd_notifications;
extern const cli_command cli_cmd_status;
extern const cli_command cli_cmd_serve;

#endif
