/*
 * libFuzzer harness for what the CLI reads from its arguments, through the
 * pure functions it parses them with (cli/ itself connects to the database
 * as soon as its options are read, so its getopt loops and their callbacks
 * in cli/cmd_*.c are not reachable without I/O; they only hand the text to
 * these):
 *   0  whole and real numbers: crisis IDs, --limit, --wait (core/input/number.h)
 *   1  list's filters, NAME=VALUE per line: --status --playbook --party --mode
 *      --severity --since --until --limit (core/instance/crisis_filter.h)
 *   2  trigger's and amend's inputs: the first line --inputs JSON (empty: none),
 *      then one --input K=V per line (client/inputs.h), then the trigger's checks
 *   3  complete's --data JSON on the first line, then --state, --party and
 *      --outcome, checked against a crisis as the client checks them
 *      (core/machine/machine.h) and applied
 *   4  serve's --listen HOST:PORT (board/board.h)
 *   5  free text given as options (UTF-8, size), and the words of --format,
 *      votes, --severity, --mode and command kinds
 * The input is one byte choosing the function (modulo 6: the digits 0 to 5
 * choose themselves), the name of the playbook for 2 and 3 and a newline
 * (fuzz_support.h), then the arguments, one per line. Any bytes in: no
 * crash, leak or undefined behaviour, and every refusal says why. The seeds
 * (tests/fuzz/seeds/cli) are the arguments of README.md and docs/cli.md.
 */
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "client/inputs.h"
#include "core/input/limits.h"
#include "core/input/number.h"
#include "core/instance/crisis_filter.h"
#include "core/machine/command.h"
#include "core/machine/machine.h"
#include "core/report/report.h"
#include "fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_load_playbooks();
    return 0;
}

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_cli: %s\n", what);
        abort();
    }
}

static void numbers(char **args, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        long long n = 42;
        if (tc_parse_integer(args[i], 1, INT64_MAX, &n) == 0)
            must(n >= 1, "a crisis ID below 1");
        else
            must(n == 42, "a refused number written");
        if (tc_parse_integer(args[i], 0, 100000, &n) == 0)
            must(n >= 0 && n <= 100000, "a --limit out of its range");
        double d = 0.5;
        if (tc_parse_real(args[i], &d) == 0)
            must(d == d && d - d == 0, "a real that is NaN or infinite");
    }
}

static void filters(char **args, size_t count)
{
    tc_crisis_filter filter;
    tc_crisis_filter_init(&filter);
    for (size_t i = 0; i < count; i++) {
        char *eq = strchr(args[i], '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        tc_error err;
        tc_error_init(&err);
        if (tc_crisis_filter_set(&filter, args[i], eq + 1, (tc_ms)1796000000000, &err) != 0)
            must(err.text[0] != '\0', "a filter refused without a reason");
        tc_ms at;
        (void)tc_time_parse(eq + 1, &at);
        must(filter.limit >= 1 && filter.limit <= TC_CRISIS_LIST_MAX, "a limit out of its range");
    }
}

static void inputs(const tc_playbook *pb, char **args, size_t count)
{
    tc_diags problems = {0};
    json_t *reported = json_object();
    const char *json = count > 0 && args[0][0] != '\0' ? args[0] : NULL;
    json_t *in = tc_inputs_gather(pb, json, (const char *const *)args + (count > 0), count ? count - 1 : 0,
                                  reported, &problems);
    must(json_is_object(in), "the inputs are not an object");
    tc_trigger trigger = {.inputs = in};
    tc_diags more = {0};
    size_t n = tc_trigger_problems(pb, &trigger, reported, &more);
    if (problems.count == 0 && n == 0) {
        tc_instance *inst = tc_instance_new(pb);
        tc_actor admin = {.role = "fuzz", .admin = 1};
        tc_error err;
        tc_error_init(&err);
        must(tc_trigger_prepare(pb, inst, &trigger, &admin, 0, &err) == 0,
             "a trigger without problems is refused");
        tc_instance_free(inst);
    }
    tc_diags_clear(&more);
    tc_diags_clear(&problems);
    json_decref(reported);
    json_decref(in);
}

static void complete_data(const tc_playbook *pb, char **args, size_t count)
{
    json_t *data = count > 0 ? json_loads(args[0], JSON_REJECT_DUPLICATES, NULL) : NULL;
    tc_error err;
    tc_error_init(&err);
    if (!json_is_object(data) || tc_limit_json("--data", data, TC_JSON_ARG_MAX_BYTES, &err) != 0) {
        json_decref(data);
        return;
    }
    tc_instance *inst = tc_instance_new(pb);
    tc_actor admin = {.role = "fuzz", .admin = 1};
    tc_trigger trigger = {.inputs = NULL};
    tc_effects fx = {0};
    tc_event start = {.kind = TC_EVENT_TRIGGER, .actor = admin};
    if (tc_trigger_prepare(pb, inst, &trigger, &admin, 0, NULL) == 0 &&
        tc_machine_apply(pb, inst, &start, 0, &fx, NULL) == 0) {
        tc_effects_clear(&fx);
        tc_event ev = {.kind = TC_EVENT_COMPLETE,
                       .actor = admin,
                       .state = count > 1 && args[1][0] ? args[1] : NULL,
                       .party = count > 2 && args[2][0] ? args[2] : NULL,
                       .outcome = count > 3 && args[3][0] ? args[3] : NULL,
                       .data = data};
        tc_diags problems = {0};
        tc_machine_problems(pb, inst, &ev, &problems);
        tc_diags_clear(&problems);
        tc_error_init(&err);
        if (tc_machine_apply(pb, inst, &ev, 1000, &fx, &err) != 0)
            must(err.text[0] != '\0', "a completion refused without a reason");
        /* What the client records and the engine reads back. */
        json_t *args_json = tc_command_encode(&ev);
        tc_event back = {0};
        must(tc_command_decode("complete", args_json, &back, NULL) == 0, "a completion does not decode");
        must(tc_command_args_same(args_json, args_json), "a command's arguments differ from themselves");
        json_decref(args_json);
    }
    tc_effects_clear(&fx);
    tc_instance_free(inst);
    json_decref(data);
}

static void listen_address(char **args, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char host[256];
        int port = 0;
        tc_error err;
        tc_error_init(&err);
        if (tc_board_parse_listen(args[i], host, sizeof host, &port, &err) == 0)
            must(port >= 1 && port <= 65535 && strlen(host) < sizeof host, "a --listen out of range");
        else
            must(err.text[0] != '\0', "a --listen refused without a reason");
    }
}

static void words(char **args, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        tc_error err;
        tc_error_init(&err);
        if (tc_limit_text("--reason", args[i], TC_REASON_MAX_BYTES, &err) != 0)
            must(err.text[0] != '\0', "a text refused without a reason");
        (void)tc_report_format_parse(args[i]);
        (void)tc_vote_parse(args[i]);
        (void)tc_severity_parse(args[i]);
        (void)tc_mode_parse(args[i]);
        (void)tc_command_kind_parse(args[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 6;
    const char *rest;
    size_t rest_size;
    const tc_playbook *pb = fuzz_pick_playbook(data + 1, size - 1, &rest, &rest_size);
    char *text = fuzz_text(rest, rest_size); /* the arguments, one per line */
    char *args[MAX_ARGS];
    size_t count = 0;
    for (char *p = text; p != NULL && count < MAX_ARGS;) {
        args[count++] = p;
        p = strchr(p, '\n');
        if (p != NULL)
            *p++ = '\0';
    }
    switch (mode) {
    case 0:
        numbers(args, count);
        break;
    case 1:
        filters(args, count);
        break;
    case 2:
        inputs(pb, args, count);
        break;
    case 3:
        complete_data(pb, args, count);
        break;
    case 4:
        listen_address(args, count);
        break;
    default:
        words(args, count);
        break;
    }
    free(text);
    return 0;
}
