/*
 * The operators' commands on a crisis: vote (and approve, reject, abstain),
 * complete, ack, escalate, cancel, amend, delegate, undelegate. Each is checked against the crisis as it
 * stands (a refusal is immediate), recorded, and followed until an engine has
 * applied it (engine/client/command.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client/amend.h"
#include "client/command.h"
#include "core/input/limits.h"
#include "core/base/strbuf.h"
#include "core/audit/timeline.h"
#include "core/instance/crisis_filter.h"
#include "core/machine/view.h"
#include "core/playbook/duration.h"
#include "sign/key.h"
#include "store/db.h"

enum {
    OPT_STATE = CLI_OPT_FIRST_LOCAL,
    OPT_PARTY,
    OPT_REASON,
    OPT_KEY,
    OPT_WAIT,
    OPT_NO_WAIT,
    OPT_OUTCOME,
    OPT_DATA,
    OPT_INPUT,
    OPT_INPUTS,
    OPT_SEAT,
    OPT_TO,
    OPT_FOR,
    OPT_UNTIL
};

typedef struct command_options {
    const cli_command *cmd;
    tc_command_request q;
    const char *data_text;
    const char *assignments[64]; /* amend's --input K=V */
    size_t assignment_count;
    const char *inputs; /* amend's --inputs JSON */
    char until[40];     /* delegate's --until, as an ISO 8601 time in UTC */
} command_options;

static int on_option(int c, const char *arg, void *ctx)
{
    command_options *o = ctx;
    switch (c) {
    case OPT_STATE:
        o->q.state = arg;
        return 0;
    case OPT_PARTY:
        o->q.party = arg;
        return 0;
    case OPT_REASON:
        o->q.reason = arg;
        return 0;
    case OPT_KEY:
        o->q.key = arg;
        return 0;
    case OPT_WAIT:
        return cli_wait_option(arg, &o->q.wait_ms, o->cmd);
    case OPT_NO_WAIT:
        o->q.wait_ms = 0;
        return 0;
    case OPT_OUTCOME:
        o->q.outcome = arg;
        return 0;
    case OPT_DATA:
        o->data_text = arg;
        return 0;
    case OPT_INPUT:
        if (o->assignment_count == 64)
            return cli_usage_error(o->cmd, "too many --input options");
        o->assignments[o->assignment_count++] = arg;
        return 0;
    case OPT_INPUTS:
        o->inputs = arg;
        return 0;
    case OPT_SEAT:
        o->q.seat = arg;
        return 0;
    case OPT_TO:
        o->q.to = arg;
        return 0;
    case OPT_FOR: {
        tc_ms ms = 0;
        const char *why = NULL;
        if (tc_duration_parse(arg, &ms, &why) != 0 || ms % 1000 != 0 || ms > 366LL * 86400 * 1000)
            return cli_usage_error(o->cmd,
                                   "--for takes an ISO 8601 duration of whole seconds up to a year "
                                   "(PT8H, P2D), not '%s'%s%s",
                                   arg, why ? ": " : "", why ? why : "");
        o->q.for_s = ms / 1000;
        return 0;
    }
    case OPT_UNTIL: {
        tc_ms ms = 0;
        if (tc_time_parse(arg, &ms) != 0)
            return cli_usage_error(o->cmd,
                                   "--until takes an ISO 8601 time with its zone "
                                   "(2026-12-01T18:00Z, 2026-12-01T23:00+05:00), not '%s'",
                                   arg);
        o->q.until = tc_view_time(ms, o->until, sizeof o->until);
        return 0;
    }
    }
    return CLI_EXIT_USAGE;
}

static void print_result(const tc_command_request *q, const tc_command_result *r, int json)
{
    if (json) {
        cli_print_json(json_pack("{s:I, s:s, s:I, s:s, s:b, s:s?, s:s?, s:s?, s:O}", "crisis",
                                 (json_int_t)q->crisis, "command", tc_event_kind_name(q->kind), "seq",
                                 (json_int_t)r->seq, "status", r->status, "duplicate", r->duplicate, "state",
                                 r->state, "party", r->party, "error", r->error, "effects",
                                 r->effects ? r->effects : json_null()));
        return;
    }
    if (strcmp(r->status, "refused") == 0) {
        fprintf(stderr, "refused by the engine: %s\n", r->error ? r->error : "no reason given");
        return;
    }
    if (strcmp(r->status, "pending") == 0) {
        printf("recorded as command %lld on crisis %lld; no engine has applied it yet (pending)\n",
               (long long)r->seq, (long long)q->crisis);
        if (r->error != NULL)
            fprintf(stderr, "crisis %lld is set aside by the engine, its transition fails: %s\n",
                    (long long)q->crisis, r->error);
        return;
    }
    if (r->duplicate && json_array_size(r->effects) == 0) {
        printf("already applied (command %lld, the same key)\n", (long long)r->seq);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(r->effects, i, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        if (strcmp(kind, "notified") == 0)
            continue;
        tc_strbuf sb = TC_STRBUF_INIT;
        tc_timeline_describe(&sb, kind, json_string_value(json_object_get(e, "state")),
                             json_string_value(json_object_get(e, "actor")), json_object_get(e, "detail"));
        char *line = tc_strbuf_take(&sb);
        if (line)
            puts(line);
        free(line);
    }
}

static int run_command(int argc, char **argv, cli_globals *globals, const cli_command *cmd,
                       tc_event_kind kind, tc_vote preset)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"state", required_argument, NULL, OPT_STATE},
        {"party", required_argument, NULL, OPT_PARTY},
        {"reason", required_argument, NULL, OPT_REASON},
        {"key", required_argument, NULL, OPT_KEY},
        {"wait", required_argument, NULL, OPT_WAIT},
        {"no-wait", no_argument, NULL, OPT_NO_WAIT},
        {"outcome", required_argument, NULL, OPT_OUTCOME},
        {"data", required_argument, NULL, OPT_DATA},
        {"input", required_argument, NULL, OPT_INPUT},
        {"inputs", required_argument, NULL, OPT_INPUTS},
        {"seat", required_argument, NULL, OPT_SEAT},
        {"to", required_argument, NULL, OPT_TO},
        {"for", required_argument, NULL, OPT_FOR},
        {"until", required_argument, NULL, OPT_UNTIL},
        {NULL, 0, NULL, 0},
    };
    command_options o = {.cmd = cmd, .q = {.kind = kind, .vote = preset, .wait_ms = 5000}};
    int rc = cli_parse(argc, argv, cmd, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;

    int operands = argc - optind, want = kind == TC_EVENT_VOTE && preset == TC_VOTE_NONE ? 2 : 1;
    if (operands != want)
        return cli_usage_error(
            cmd, want == 2 ? "%s needs a crisis ID and approve, reject or abstain" : "%s needs one crisis ID",
            cmd->name);
    if ((rc = cli_crisis_id(cmd, argv[optind], &o.q.crisis)) != 0)
        return rc;
    if (want == 2) {
        int v = tc_vote_parse(argv[optind + 1]);
        if (v < 0)
            return cli_usage_error(cmd, "the vote is approve, reject or abstain, not '%s'", argv[optind + 1]);
        o.q.vote = (tc_vote)v;
    }
    int delegation = kind == TC_EVENT_DELEGATE || kind == TC_EVENT_UNDELEGATE;
    if ((kind == TC_EVENT_CANCEL || kind == TC_EVENT_AMEND || delegation) &&
        (o.q.reason == NULL || o.q.reason[0] == '\0'))
        return cli_usage_error(cmd, "%s needs --reason TEXT", cmd->name);
    if (delegation && o.q.seat == NULL)
        return cli_usage_error(cmd, "%s needs --seat ROLE/PARTY", cmd->name);
    if (kind == TC_EVENT_DELEGATE && o.q.to == NULL)
        return cli_usage_error(cmd, "delegate needs --to ROLE: the role that is to act for the seat");
    if (o.q.until != NULL && o.q.for_s > 0)
        return cli_usage_error(cmd, "a delegation ends at one time: --for or --until, not both");
    if (!delegation && o.q.seat != NULL)
        return cli_usage_error(
            cmd, "--seat is for delegate and undelegate (a vote's seat is --state and --party)");
    if (kind != TC_EVENT_DELEGATE && (o.q.to || o.q.until || o.q.for_s))
        return cli_usage_error(cmd, "--to, --for and --until are for delegate");
    if (delegation && (o.q.state || o.q.party))
        return cli_usage_error(cmd, "%s takes --seat ROLE/PARTY, not --state or --party", cmd->name);
    if ((o.q.outcome || o.data_text) && kind != TC_EVENT_COMPLETE)
        return cli_usage_error(cmd, "--outcome and --data are for complete");
    if ((o.inputs || o.assignment_count) && kind != TC_EVENT_AMEND)
        return cli_usage_error(cmd, "--input and --inputs are for amend");
    if (kind == TC_EVENT_AMEND && o.inputs == NULL && o.assignment_count == 0)
        return cli_usage_error(cmd, "amend needs the inputs to correct: --input K=V or --inputs JSON");
    if (kind == TC_EVENT_AMEND && (o.q.state || o.q.party))
        return cli_usage_error(cmd, "amend takes no --state or --party: it corrects the crisis's inputs");
    tc_error err;
    tc_error_init(&err);
    if (o.data_text != NULL) {
        json_error_t jerr;
        o.q.data = json_loads(o.data_text, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(o.q.data))
            tc_error_set(&err, TC_EINVAL, "--data must be a JSON object%s%s", o.q.data ? "" : ": ",
                         o.q.data ? "" : jerr.text);
        else
            tc_limit_json("--data", o.q.data, TC_JSON_ARG_MAX_BYTES, &err);
        if (err.code != 0) {
            json_decref(o.q.data);
            return cli_fail(&err);
        }
    }

    /* Votes, completions and acknowledgements are signed with --sign-with or $TOCSIN_SIGNING_KEY; the
     * other commands sign nothing (an explicit --sign-with on them is a mistake worth saying). */
    int signs = kind == TC_EVENT_VOTE || kind == TC_EVENT_COMPLETE || kind == TC_EVENT_ACK;
    tc_signing_key key;
    const char *key_file = signs ? cli_signing_key(globals) : NULL;
    if (!signs && globals->sign_with != NULL) {
        json_decref(o.q.data);
        return cli_usage_error(cmd, "--sign-with signs votes, completions and acknowledgements, not %s",
                               cmd->name);
    }
    if (key_file != NULL) {
        if (tc_key_load(key_file, &key, &err) != 0) {
            json_decref(o.q.data);
            return cli_fail(&err);
        }
        o.q.sign_with = &key;
    }

    PGconn *conn = NULL;
    tc_command_result r = {0};
    rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0 && kind == TC_EVENT_AMEND) {
        tc_amend_request amend = {o.q.crisis, o.inputs, o.assignments, o.assignment_count,
                                  o.q.reason, o.q.key,  o.q.wait_ms};
        rc = tc_amend_run(conn, &amend, &r, &err);
    } else if (rc == 0) {
        rc = tc_command_run(conn, &o.q, &r, &err);
    }
    tc_db_close(conn);
    json_decref(o.q.data);
    if (key_file != NULL)
        tc_key_wipe(&key);
    if (rc != 0 && r.problems.count > 1) { /* every problem of the data or the inputs, one line each */
        for (size_t i = 0; i < r.problems.count; i++)
            fprintf(stderr, "%s\n", r.problems.items[i].message);
        tc_command_result_clear(&r);
        return cli_exit_code(rc);
    }
    if (rc != 0) {
        tc_command_result_clear(&r);
        return cli_fail(&err);
    }
    print_result(&o.q, &r, globals->json);
    rc = strcmp(r.status, "refused") == 0 ? CLI_EXIT_CONFLICT : CLI_EXIT_OK;
    tc_command_result_clear(&r);
    return rc;
}

#define SIGN_OPTION                                                                                          \
    "  --sign-with FILE   sign it with the Ed25519 key in FILE (default $TOCSIN_SIGNING_KEY; tocsin key):\n" \
    "                     required by states with \"signatures\": \"required\" (docs/signatures.md); the "   \
    "key\n"                                                                                                  \
    "                     must be registered to the acting role; a FILE others may read is exit 3\n"

#define COMMON_OPTIONS                                                                                       \
    "  --key KEY          idempotency key (per role and crisis, at most 256 bytes): repeating the\n"         \
    "                     command with it has no second effect and gives the first one's result\n"           \
    "  --wait SECONDS     wait this long for an engine to apply it (default 5); if none did, exit 0\n"       \
    "                     saying it is recorded and pending. --no-wait returns at once.\n"                   \
    "\n"                                                                                                     \
    "Text must be UTF-8 (a reason at most 16 KiB, --data at most 64 KiB); ID is a whole number.\n"           \
    "\n"                                                                                                     \
    "Exit codes: 0 applied (or pending), 2 --state/--party ambiguous, or ID not a number, 3 invalid\n"       \
    "input, 4 no such crisis, state or party, 5 the acting role holds no seat for it, 6 nothing active\n"    \
    "could take it (also: refused by the engine because the crisis moved on), 7 database unavailable.\n"

#define STATE_PARTY_OPTIONS                                                                                  \
    "  --state S          the state (its path, or an id unique among the active states); may be\n"           \
    "                     left out when exactly one active state could take the command\n"                   \
    "  --party P          the seat's party; may be left out when the acting role holds exactly one\n"        \
    "                     seat that the state waits for\n"

static const char vote_usage[] =
    "usage: tocsin vote ID approve|reject|abstain [--state S] [--party P] [--reason TEXT] [--key K]\n"
    "       tocsin approve|reject|abstain ID [...]\n"
    "\n"
    "Casts the vote of a seat on an approval. A seat may change its vote until the\n"
    "approval closes; the last vote counts, and every vote stays in the audit with\n"
    "the role that cast it. The approval closes the moment its outcome is certain.\n"
    "\n"
    "Options:\n" STATE_PARTY_OPTIONS
    "  --reason TEXT      why (kept in the audit)\n" SIGN_OPTION COMMON_OPTIONS
    "\n"
    "Examples:\n"
    "  tocsin vote 42 approve --reason 'border closures confirmed by the capital'\n"
    "  tocsin --as kz_delegate abstain 42 --state council\n";

static const char complete_usage[] =
    "usage: tocsin complete ID [--state S] [--party P] [--outcome O] [--data JSON] [--key K]\n"
    "\n"
    "Reports a seat's part of a task as done (or with one of the task's declared\n"
    "outcomes), with the outputs the task declares as a JSON object. Outputs that do\n"
    "not validate are refused with every problem at once, one line each (exit 3).\n"
    "\n"
    "Options:\n" STATE_PARTY_OPTIONS
    "  --outcome O        done (the default) or one of the task's outcomes\n"
    "  --data JSON        the outputs, validated against the task's declaration\n" SIGN_OPTION COMMON_OPTIONS
    "\n"
    "Example:\n"
    "  tocsin complete 42 --state operate/border/interdict --data '{\"drugs_seized_kg\": 12.5}'\n";

static const char ack_usage[] =
    "usage: tocsin ack ID [--state S] [--party P] [--key K]\n"
    "\n"
    "Acknowledges a seat's part of a task: its escalation ladder (until: ack) stops\n"
    "once every seat of the task has acknowledged.\n"
    "\n"
    "Options:\n" STATE_PARTY_OPTIONS SIGN_OPTION COMMON_OPTIONS
    "\n"
    "Example:\n"
    "  tocsin ack 42 --state report\n";

static const char escalate_usage[] =
    "usage: tocsin escalate ID [--state S] [--reason TEXT] [--key K]\n"
    "\n"
    "Reaches the next escalation level of a state at once: its notifications go\n"
    "out; the automatic schedule of the later levels stays as it was.\n"
    "\n"
    "Options:\n"
    "  --state S          the state (may be left out when one active state has a ladder)\n"
    "  --reason TEXT      why (kept in the audit)\n" COMMON_OPTIONS
    "\n"
    "Example:\n"
    "  tocsin escalate 42 --state assess --reason 'no answer from the duty officer'\n";

static const char cancel_usage[] =
    "usage: tocsin cancel ID --reason TEXT [--key K]\n"
    "\n"
    "Closes the crisis as cancelled: its timers are dropped and running actions\n"
    "killed. By default only the initiator may cancel (and members of\n"
    "tocsin_admin); a playbook may name other roles.\n"
    "\n"
    "Options:\n"
    "  --reason TEXT      why (required; kept in the audit)\n" COMMON_OPTIONS
    "\n"
    "Example:\n"
    "  tocsin cancel 42 --reason 'false alarm: the report was an exercise'\n";

static const char amend_usage[] =
    "usage: tocsin amend ID (--input K=V... | --inputs JSON) --reason TEXT [--key K]\n"
    "\n"
    "Corrects inputs of an active crisis (the sector, the number of casualties).\n"
    "Only its initiator and members of tocsin_admin may. The new values are checked\n"
    "as trigger checks them, every problem at once, one line each (exit 3); null\n"
    "returns an input to its default. The audit keeps the old and the new values\n"
    "with the reason (`amended`). Choices made from now on read the new values;\n"
    "decisions already taken stand.\n"
    "\n"
    "Options:\n"
    "  --input K=V        one input (typed as the playbook declares it)\n"
    "  --inputs JSON      inputs as a JSON object (--input values win)\n"
    "  --reason TEXT      why (required; kept in the audit)\n" COMMON_OPTIONS
    "\n"
    "Example:\n"
    "  tocsin amend 42 --input sector=Khatlon --input casualties=3 --reason 'second report from the post'\n";

static const char delegate_usage[] =
    "usage: tocsin delegate ID --seat ROLE/PARTY --to ROLE [--for DURATION | --until TIME] --reason TEXT\n"
    "       [--key K]\n"
    "\n"
    "Lets another role act for a seat you hold, in this crisis only: a deputy votes,\n"
    "completes and acknowledges for the seat while its holder travels. It lasts\n"
    "until the time given (--for PT8H from now, or --until a time), or until the\n"
    "crisis closes, or until undelegate. The holder keeps the seat and may still act\n"
    "for it. The audit records `delegated`, and each vote, completion and\n"
    "acknowledgement of the delegate names both: the delegate who acted and the\n"
    "holder whose seat it is. One delegation per seat and crisis at a time. The\n"
    "delegate needs no seat of its own but must be an actor (tocsin actor add), and\n"
    "it reads the crisis, also after the delegation ends.\n"
    "\n"
    "Options:\n"
    "  --seat ROLE/PARTY  the seat (ROLE alone for an office), which you must hold\n"
    "  --to ROLE          the role that is to act for it\n"
    "  --for DURATION     for this long from now, an ISO 8601 duration (PT8H, P2D), at most a year\n"
    "  --until TIME       until this time, ISO 8601 with its zone (2026-12-01T18:00Z)\n"
    "  --reason TEXT      why (required; kept in the audit)\n" COMMON_OPTIONS
    "\n"
    "Delegating a seat you do not hold is exit 5, and so is a delegate acting after\n"
    "its delegation ended; a seat already delegated in the crisis is exit 6.\n"
    "\n"
    "Example:\n"
    "  tocsin --as kz_delegate delegate 42 --seat council/KZ --to kz_deputy --for PT12H \\\n"
    "      --reason 'travelling to the summit; the deputy votes for Kazakhstan'\n";

static const char undelegate_usage[] =
    "usage: tocsin undelegate ID --seat ROLE/PARTY --reason TEXT [--key K]\n"
    "\n"
    "Ends the delegation of a seat in a crisis before its time. The seat's holder,\n"
    "the delegate (giving it back) and members of tocsin_admin may. Audited as\n"
    "`undelegated`. A command the delegate recorded before it still counts.\n"
    "\n"
    "Options:\n"
    "  --seat ROLE/PARTY  the delegated seat\n"
    "  --reason TEXT      why (required; kept in the audit)\n" COMMON_OPTIONS
    "\n"
    "No delegation of the seat in force is exit 4; anyone else ending it, exit 5.\n"
    "\n"
    "Example:\n"
    "  tocsin --as kz_delegate undelegate 42 --seat council/KZ --reason 'back from the summit'\n";

static int run_delegate(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_delegate, TC_EVENT_DELEGATE, TC_VOTE_NONE);
}

static int run_undelegate(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_undelegate, TC_EVENT_UNDELEGATE, TC_VOTE_NONE);
}

static int run_amend(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_amend, TC_EVENT_AMEND, TC_VOTE_NONE);
}

static int run_vote(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_vote, TC_EVENT_VOTE, TC_VOTE_NONE);
}
static int run_approve(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_approve, TC_EVENT_VOTE, TC_VOTE_APPROVE);
}
static int run_reject(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_reject, TC_EVENT_VOTE, TC_VOTE_REJECT);
}
static int run_abstain(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_abstain, TC_EVENT_VOTE, TC_VOTE_ABSTAIN);
}
static int run_complete(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_complete, TC_EVENT_COMPLETE, TC_VOTE_NONE);
}
static int run_ack(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_ack, TC_EVENT_ACK, TC_VOTE_NONE);
}
static int run_escalate(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_escalate, TC_EVENT_ESCALATE, TC_VOTE_NONE);
}
static int run_cancel(int argc, char **argv, cli_globals *g)
{
    return run_command(argc, argv, g, &cli_cmd_cancel, TC_EVENT_CANCEL, TC_VOTE_NONE);
}

const cli_command cli_cmd_vote = {"vote", run_vote, "vote on an approval: approve, reject or abstain",
                                  vote_usage};
const cli_command cli_cmd_approve = {"approve", run_approve, "vote approve (short for vote ID approve)",
                                     vote_usage};
const cli_command cli_cmd_reject = {"reject", run_reject, "vote reject", vote_usage};
const cli_command cli_cmd_abstain = {"abstain", run_abstain, "vote abstain", vote_usage};
const cli_command cli_cmd_complete = {"complete", run_complete, "report a seat's part of a task",
                                      complete_usage};
const cli_command cli_cmd_ack = {"ack", run_ack, "acknowledge a seat's part of a task", ack_usage};
const cli_command cli_cmd_escalate = {"escalate", run_escalate, "reach the next escalation level now",
                                      escalate_usage};
const cli_command cli_cmd_cancel = {"cancel", run_cancel, "cancel a crisis", cancel_usage};
const cli_command cli_cmd_amend = {"amend", run_amend, "correct inputs of an active crisis", amend_usage};
const cli_command cli_cmd_delegate = {"delegate", run_delegate,
                                      "let another role act for your seat in a crisis", delegate_usage};
const cli_command cli_cmd_undelegate = {"undelegate", run_undelegate, "end a seat's delegation in a crisis",
                                        undelegate_usage};
