/* Option parsing, error printing and exit codes shared by all commands. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    }
    return 0;
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
    while ((c = getopt_long(argc, argv, spec, options, NULL)) != -1) {
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

int cli_number_option(const cli_command *cmd, const char *option, const char *arg, long min, long max,
                      int *out)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < min || n > max)
        return cli_usage_error(cmd, "%s takes a number from %ld to %ld, not '%s'", option, min, max, arg);
    *out = (int)n;
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
    int rc =
        json_dumpf(json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) == 0 ? 0 : 1;
    json_decref(json);
    if (rc == 0)
        fputc('\n', stdout);
    return rc;
}

int cli_wait_option(const char *arg, int *ms, const cli_command *cmd)
{
    char *end;
    double seconds = strtod(arg, &end);
    if (*arg == '\0' || *end != '\0' || seconds < 0 || seconds > 86400)
        return cli_usage_error(cmd, "--wait takes a number of seconds, not '%s'", arg);
    *ms = (int)(seconds * 1000);
    return 0;
}
