/* Option parsing, error printing and exit codes shared by all commands. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json_strings.h"
#include "core/input/limits.h"
#include "core/input/number.h"

/*
 * What each option that takes a value may be given (core/input/limits.h). Every
 * option's value is text that tocsin stores, shows or matches, so it must be
 * valid UTF-8 of a bounded size; the limit is looked up here by the option's
 * name, the one place where they are checked. A limit of 0 marks a value that
 * is not text: a path (bytes, the system's business) or the conninfo (libpq's).
 * An option not listed is a word: at most TC_NAME_MAX_BYTES.
 */
static const struct {
    const char *option;
    size_t max;
} option_limits[] = {
    {"reason", TC_REASON_MAX_BYTES},
    {"title", TC_TITLE_MAX_BYTES},
    {"key", TC_KEY_MAX_BYTES},
    {"input", TC_JSON_ARG_MAX_BYTES},
    {"inputs", TC_JSON_ARG_MAX_BYTES},
    {"data", TC_JSON_ARG_MAX_BYTES},
    {"parties", TC_JSON_ARG_MAX_BYTES},
    {"as", TC_ROLE_MAX_BYTES},
    {"email", TC_ADDRESS_MAX_BYTES},
    {"webhook", TC_ADDRESS_MAX_BYTES},
    {"db", 0},
    {"dir", 0},
    {"actions-dir", 0},
    {"script", 0},
    {"file", 0},
    {"keys", 0},
    {"heads", 0},
};

int cli_check_text(const char *what, const char *text, size_t max_bytes)
{
    tc_error err;
    tc_error_init(&err);
    return tc_limit_text(what, text, max_bytes, &err) == 0 ? 0 : cli_fail(&err);
}

int cli_option_text(const char *option, const char *arg)
{
    size_t max = TC_NAME_MAX_BYTES;
    for (size_t i = 0; i < sizeof option_limits / sizeof option_limits[0]; i++)
        if (strcmp(option_limits[i].option, option) == 0)
            max = option_limits[i].max;
    if (max == 0)
        return 0;
    char what[64];
    snprintf(what, sizeof what, "--%s", option);
    return cli_check_text(what, arg, max);
}

int cli_global_option(int c, const char *arg, cli_globals *globals)
{
    switch (c) {
    case CLI_OPT_DB:
        globals->db = arg;
        return 1;
    case CLI_OPT_AS:
        globals->as = arg;
        return 1;
    case CLI_OPT_JSON:
        globals->json = 1;
        return 1;
    case CLI_OPT_SIGN_WITH:
        globals->sign_with = arg;
        return 1;
    }
    return 0;
}

const char *cli_signing_key(const cli_globals *globals)
{
    if (globals->sign_with != NULL)
        return globals->sign_with;
    const char *env = getenv("TOCSIN_SIGNING_KEY");
    return env != NULL && env[0] != '\0' ? env : NULL;
}

int cli_parse(int argc, char **argv, const cli_command *cmd, const struct option *options,
              const char *short_opts, cli_globals *globals,
              int (*on_option)(int c, const char *arg, void *ctx), void *ctx)
{
    int c;
    /* '+' would stop at the first operand; we let GNU getopt permute so that
     * `tocsin show 42 --json` works like `tocsin show --json 42`. ':' first
     * makes a missing argument return ':' rather than print getopt's own text. */
    char spec[64];
    snprintf(spec, sizeof spec, ":%s", short_opts);
    opterr = 0;
    optind = 0; /* 0, not 1: makes GNU getopt forget the previous argv */
    int index = -1;
    while ((c = getopt_long(argc, argv, spec, options, &index)) != -1) {
        /* index: the long option found (getopt_long leaves it alone for a short one). */
        const struct option *found = index >= 0 ? &options[index] : NULL;
        index = -1;
        if (c == 'h') {
            fputs(cmd->usage, stdout);
            return -1;
        }
        if (c == '?') {
            if (optopt != 0)
                return cli_usage_error(cmd, "unknown option '-%c'", optopt);
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
        if (c == ':')
            return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        if (found != NULL && found->has_arg != no_argument && optarg != NULL) {
            int rc = cli_option_text(found->name, optarg);
            if (rc != 0)
                return rc;
        }
        if (cli_global_option(c, optarg, globals))
            continue;
        int rc = on_option ? on_option(c, optarg, ctx) : CLI_EXIT_USAGE;
        if (rc != 0)
            return rc;
    }
    return 0;
}

int cli_exit_code(int code)
{
    switch (code) {
    case TC_OK:
        return CLI_EXIT_OK;
    case TC_EUSAGE:
        return CLI_EXIT_USAGE;
    case TC_EINVAL:
        return CLI_EXIT_INVALID;
    case TC_ENOTFOUND:
        return CLI_EXIT_NOT_FOUND;
    case TC_EPERM:
        return CLI_EXIT_PERMISSION;
    case TC_ECONFLICT:
        return CLI_EXIT_CONFLICT;
    case TC_EUNAVAIL:
        return CLI_EXIT_UNAVAILABLE;
    }
    return CLI_EXIT_FAILED;
}

int cli_fail(const tc_error *err)
{
    fprintf(stderr, "%s\n", err->text[0] ? err->text : tc_strerror(err->code));
    return cli_exit_code(err->code);
}

int cli_number_option(const cli_command *cmd, const char *option, const char *arg, int min, int max, int *out)
{
    long long n;
    if (tc_parse_integer(arg, min, max, &n) != 0)
        return cli_usage_error(cmd, "%s takes a number from %d to %d, not '%s'", option, min, max, arg);
    *out = (int)n;
    return 0;
}

int cli_crisis_id(const cli_command *cmd, const char *arg, int64_t *id)
{
    long long n;
    if (tc_parse_integer(arg, 1, INT64_MAX, &n) != 0)
        return cli_usage_error(cmd, "'%s' is not a crisis ID (a whole number from 1 to %lld)", arg,
                               (long long)INT64_MAX);
    *id = n;
    return 0;
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd != NULL)
        fprintf(stderr, "; see 'tocsin %s --help'\n", cmd->name);
    else
        fputs("; see 'tocsin --help'\n", stderr);
    return CLI_EXIT_USAGE;
}

int cli_print_json(json_t *json)
{
    int rc = json_dumpf(json, stdout, TC_JSON_DOCUMENT_FLAGS) == 0 ? 0 : 1;
    json_decref(json);
    if (rc == 0)
        fputc('\n', stdout);
    return rc;
}

int cli_wait_option(const char *arg, int *ms, const cli_command *cmd)
{
    double seconds;
    if (tc_parse_real(arg, &seconds) != 0 || seconds < 0 || seconds > 86400)
        return cli_usage_error(cmd, "--wait takes a number of seconds from 0 to 86400, not '%s'", arg);
    *ms = (int)(seconds * 1000);
    return 0;
}
