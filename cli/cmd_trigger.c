/* tocsin trigger NAME [...]: start a crisis of the latest version of a playbook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client/inputs.h"
#include "core/base/alloc.h"
#include "core/base/json_strings.h"
#include "core/input/limits.h"
#include "core/machine/machine.h"
#include "store/crises.h"
#include "store/db.h"
#include "store/playbooks.h"

static const char usage[] =
    "usage: tocsin trigger NAME [--input K=V]... [--inputs JSON] [--title T] [--severity S]\n"
    "                      [--mode actual|exercise|test] [--parties A,B,...] [--key KEY]\n"
    "                      [--wait SECONDS | --no-wait]\n"
    "\n"
    "Starts a crisis of the latest version of playbook NAME and prints its id. The\n"
    "inputs (defaults filled in), the parties and the severity are checked at once\n"
    "(exit 3 when they do not validate, 5 when the acting role may not trigger);\n"
    "then an engine applies the trigger: it enters the start state. The command\n"
    "waits up to --wait seconds (default 5) for that; if no engine applied it in\n"
    "time it exits 0 saying the crisis is recorded and pending.\n"
    "\n"
    "Options:\n"
    "  --input K=V        one input (typed as the playbook declares it: an integer is a\n"
    "                     whole number in 64 bits, a number a finite decimal number)\n"
    "  --inputs JSON      inputs as a JSON object (--input values win)\n"
    "  --title T          the crisis title (default: the playbook's; at most 1 KiB)\n"
    "  --severity S       extreme, severe, moderate, minor or unknown (default)\n"
    "  --mode M           actual (default), exercise or test\n"
    "  --parties A,B      narrow the crisis to these parties\n"
    "  --key KEY          idempotency key: the same key again gives the same crisis\n"
    "                     (at most 256 bytes)\n"
    "\n"
    "Every problem of the inputs, parties, severity and mode is printed at once, one\n"
    "line each (exit 3, nothing recorded).\n"
    "\n"
    "Text must be UTF-8; --input, --inputs and --parties take at most 64 KiB each,\n"
    "and the inputs together 64 KiB as stored. A key given twice (in --inputs, or\n"
    "by two --input) is refused.\n"
    "\n"
    "Example:\n"
    "  tocsin trigger collective-response --input requesting_state=TJ --severity severe \\\n"
    "      --title 'Armed incursion, Khatlon region' --mode exercise\n";

enum {
    OPT_INPUT = CLI_OPT_FIRST_LOCAL,
    OPT_INPUTS,
    OPT_TITLE,
    OPT_SEVERITY,
    OPT_MODE,
    OPT_PARTIES,
    OPT_KEY,
    OPT_WAIT,
    OPT_NO_WAIT
};

typedef struct trigger_options {
    const char *assignments[64];
    int assignment_count;
    const char *inputs, *title, *severity, *mode, *parties, *key;
    int wait_ms;
} trigger_options;

static int on_option(int c, const char *arg, void *ctx)
{
    trigger_options *o = ctx;
    switch (c) {
    case OPT_INPUT:
        if (o->assignment_count == 64)
            return cli_usage_error(&cli_cmd_trigger, "too many --input options");
        o->assignments[o->assignment_count++] = arg;
        return 0;
    case OPT_INPUTS:
        o->inputs = arg;
        return 0;
    case OPT_TITLE:
        o->title = arg;
        return 0;
    case OPT_SEVERITY:
        o->severity = arg;
        return 0;
    case OPT_MODE:
        o->mode = arg;
        return 0;
    case OPT_PARTIES:
        o->parties = arg;
        return 0;
    case OPT_KEY:
        o->key = arg;
        return 0;
    case OPT_WAIT:
        return cli_wait_option(arg, &o->wait_ms, &cli_cmd_trigger);
    case OPT_NO_WAIT:
        o->wait_ms = 0;
        return 0;
    }
    return CLI_EXIT_USAGE;
}

/* Prints every problem, one line each, and returns exit code 3. */
static int print_problems(const tc_diags *problems)
{
    for (size_t i = 0; i < problems->count; i++)
        fprintf(stderr, "%s\n", problems->items[i].message);
    return CLI_EXIT_INVALID;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"input", required_argument, NULL, OPT_INPUT},
        {"inputs", required_argument, NULL, OPT_INPUTS},
        {"title", required_argument, NULL, OPT_TITLE},
        {"severity", required_argument, NULL, OPT_SEVERITY},
        {"mode", required_argument, NULL, OPT_MODE},
        {"parties", required_argument, NULL, OPT_PARTIES},
        {"key", required_argument, NULL, OPT_KEY},
        {"wait", required_argument, NULL, OPT_WAIT},
        {"no-wait", no_argument, NULL, OPT_NO_WAIT},
        {NULL, 0, NULL, 0},
    };
    trigger_options o = {.wait_ms = 5000};
    int rc = cli_parse(argc, argv, &cli_cmd_trigger, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind + 1 != argc)
        return cli_usage_error(&cli_cmd_trigger, "trigger needs one playbook NAME");
    const char *name = argv[optind];
    if ((rc = cli_check_text("the playbook name", name, TC_NAME_MAX_BYTES)) != 0)
        return rc;

    tc_error err;
    PGconn *conn = NULL;
    char *content = NULL, *role = NULL;
    json_t *seats = NULL, *inputs = NULL, *parties = json_array();
    tc_playbook *pb = NULL;
    tc_instance *inst = NULL;
    int version, admin = 0;
    tc_error_init(&err);

    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_playbook_get(conn, name, 0, &content, &version, NULL, &err);
    if (rc == 0 && tc_playbook_compile(content, strlen(content), &pb, NULL, &err) != 0)
        rc = tc_error_set(&err, TC_EFAILED, "stored playbook %s@%d does not compile", name, version);
    tc_diags problems = {0};
    json_t *reported = json_object();
    if (rc == 0)
        inputs =
            tc_inputs_gather(pb, o.inputs, o.assignments, (size_t)o.assignment_count, reported, &problems);
    if (rc == 0)
        rc = tc_store_actor(conn, &role, &seats, &admin, NULL, &err);

    /* Check everything the core checks, so that a refusal is immediate. */
    size_t party_count = 0, seat_count = 0;
    char *party_list = o.parties ? tc_xstrdup(o.parties) : NULL;
    const char **party_names =
        party_list ? tc_xcalloc(strlen(party_list) / 2 + 1, sizeof *party_names) : NULL;
    for (char *p = party_names ? strtok(party_list, ",") : NULL; p; p = strtok(NULL, ","))
        party_names[party_count++] = p; /* at most one party every two characters */
    const char **seat_names = rc == 0 ? tc_json_strings(seats, &seat_count) : NULL;
    if (rc == 0)
        inst = tc_instance_new(pb);
    int invalid = 0; /* every problem of the trigger was printed */
    if (rc == 0) {
        tc_trigger t = {inputs, o.title, o.severity, o.mode, party_list ? party_names : NULL, party_count};
        tc_actor actor = {role, seat_names, seat_count, admin, NULL, NULL, 0};
        /* Every problem at once, one line each, like playbook validate; nothing is recorded. */
        if (tc_trigger_problems(pb, &t, reported, &problems) > 0 || problems.count > 0)
            invalid = 1;
        else
            rc = tc_trigger_prepare(pb, inst, &t, &actor, 0, &err);
    }
    int64_t id = 0, command = 0;
    int duplicate = 0, state = 0;
    char *refusal = NULL;
    if (rc == 0 && !invalid) {
        for (size_t i = 0; i < inst->party_count; i++)
            json_array_append_new(parties, json_string(pb->parties[inst->parties[i]]));
        tc_store_trigger t = {name, o.title, o.severity, o.mode, parties, inst->inputs, o.key};
        rc = tc_store_crisis_trigger(conn, &t, &id, &version, &duplicate, &command, &err);
    }
    if (rc == 0 && !invalid && o.wait_ms > 0)
        rc = tc_store_wait_applied(conn, id, command, o.wait_ms, &state, &refusal, &err);

    if (rc == 0 && invalid) {
        rc = print_problems(&problems);
    } else if (rc == 0) {
        const char *status = state == 1 ? "applied" : state == 2 ? "refused" : "pending";
        if (globals->json) {
            cli_print_json(json_pack("{s:I, s:s, s:i, s:s, s:b, s:s?}", "id", (json_int_t)id, "playbook",
                                     name, "version", version, "status", status, "duplicate", duplicate,
                                     "error", refusal));
        } else {
            printf("%lld\n", (long long)id);
            if (state == 0 && o.wait_ms > 0)
                fprintf(stderr, "crisis %lld is recorded; no engine has applied its trigger yet (pending)\n",
                        (long long)id);
            if (state == 0 && refusal != NULL)
                fprintf(stderr, "crisis %lld is set aside by the engine, its transition fails: %s\n",
                        (long long)id, refusal);
            else if (state == 2)
                fprintf(stderr, "crisis %lld was refused by the engine: %s\n", (long long)id,
                        refusal ? refusal : "?");
        }
        rc = state == 2 ? CLI_EXIT_CONFLICT : CLI_EXIT_OK;
    } else {
        rc = cli_fail(&err);
    }
    tc_diags_clear(&problems);
    json_decref(reported);
    free(refusal);
    free(party_list);
    free(party_names);
    free(seat_names);
    free(role);
    free(content);
    json_decref(seats);
    json_decref(inputs);
    json_decref(parties);
    tc_instance_free(inst);
    tc_playbook_free(pb);
    tc_db_close(conn);
    return rc;
}

const cli_command cli_cmd_trigger = {
    .name = "trigger",
    .run = run,
    .summary = "start a crisis of a playbook",
    .usage = usage,
};
