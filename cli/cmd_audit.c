/* tocsin audit ID [--format text|json|csv] and tocsin audit verify [ID]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/base/strbuf.h"
#include "core/audit/timeline.h"
#include "store/actors.h"
#include "store/crises.h"
#include "store/db.h"

static const char usage[] =
    "usage: tocsin audit ID [--format text|json|csv]\n"
    "       tocsin audit verify [ID]\n"
    "\n"
    "audit    prints a crisis's audit log, oldest first: who (the acting role, and the\n"
    "         role that logged in) decided what, when, and why. --format json prints\n"
    "         one object a line, with the hash chain; csv one row a line.\n"
    "verify   recomputes the hash chain of every crisis (or of one) and, without ID,\n"
    "         of the actor history (tocsin actor history), which must also match the\n"
    "         seats and observers held; exits 0 when every chain holds, 1 naming\n"
    "         the first broken event of each broken one. --json prints {\"valid\",\n"
    "         \"events\", \"crises\", \"broken\", \"actor_history\": {\"valid\",\n"
    "         \"changes\", \"broken\"}} (actor_history without ID only).\n"
    "         Each crisis also records the seq and hash of its chain's last event, so\n"
    "         events deleted from the end of a chain are found too (docs/security.md\n"
    "         says what verify can and cannot detect). No such crisis: exit 4.\n"
    "\n"
    "Each event's hash is the hex sha256 of its prev_hash (64 zeros for the first)\n"
    "followed by PostgreSQL's jsonb text of {seq, crisis, at, actor, login, kind,\n"
    "state, detail}, with at in UTC and microseconds: an exported audit can be\n"
    "checked by anyone (docs/architecture.md).\n"
    "\n"
    "Examples:\n"
    "  tocsin audit 42\n"
    "  tocsin audit 42 --format csv > crisis-42.csv\n"
    "  tocsin audit verify\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_LOCAL };

static int on_option(int c, const char *arg, void *ctx)
{
    if (c != OPT_FORMAT)
        return CLI_EXIT_USAGE;
    if (strcmp(arg, "text") && strcmp(arg, "json") && strcmp(arg, "csv"))
        return cli_usage_error(&cli_cmd_audit, "--format is text, json or csv, not '%s'", arg);
    *(const char **)ctx = arg;
    return 0;
}

static void csv_field(const char *text, int last)
{
    putchar('"');
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '"')
            putchar('"');
        putchar(*p);
    }
    putchar('"');
    putchar(last ? '\n' : ',');
}

static void print_events(json_t *events, const char *format)
{
    size_t i;
    json_t *e;
    if (strcmp(format, "csv") == 0)
        puts("seq,crisis,at,actor,login,kind,state,detail,prev_hash,hash");
    json_array_foreach(events, i, e)
    {
        if (strcmp(format, "json") == 0) {
            char *line = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
            puts(line ? line : "{}");
            free(line);
        } else if (strcmp(format, "csv") == 0) {
            char *detail = json_dumps(json_object_get(e, "detail"), JSON_COMPACT | JSON_SORT_KEYS);
            printf("%lld,%lld,", (long long)json_integer_value(json_object_get(e, "seq")),
                   (long long)json_integer_value(json_object_get(e, "crisis")));
            csv_field(json_string_value(json_object_get(e, "at")), 0);
            csv_field(json_string_value(json_object_get(e, "actor")), 0);
            csv_field(json_string_value(json_object_get(e, "login")), 0);
            csv_field(json_string_value(json_object_get(e, "kind")), 0);
            csv_field(json_string_value(json_object_get(e, "state")), 0);
            csv_field(detail, 0);
            csv_field(json_string_value(json_object_get(e, "prev_hash")), 0);
            csv_field(json_string_value(json_object_get(e, "hash")), 1);
            free(detail);
        } else {
            const char *actor = json_string_value(json_object_get(e, "actor"));
            const char *login = json_string_value(json_object_get(e, "login"));
            tc_strbuf sb = TC_STRBUF_INIT;
            tc_timeline_describe(&sb, json_string_value(json_object_get(e, "kind")),
                                 json_string_value(json_object_get(e, "state")), actor,
                                 json_object_get(e, "detail"));
            char *text = tc_strbuf_take(&sb);
            printf("%4lld  %.23s  %-16s %s", (long long)json_integer_value(json_object_get(e, "seq")),
                   json_string_value(json_object_get(e, "at")), actor, text ? text : "");
            if (login && actor && strcmp(login, actor) != 0)
                printf("  [logged in as %s]", login);
            putchar('\n');
            free(text);
        }
    }
}

/* The actor history's problems, one line each on stderr. */
static void print_actor_history_broken(json_t *broken)
{
    size_t i;
    json_t *b;
    json_array_foreach(broken, i, b)
    {
        long long seq = (long long)json_integer_value(json_object_get(b, "seq"));
        const char *stored = json_string_value(json_object_get(b, "stored"));
        const char *expected = json_string_value(json_object_get(b, "expected"));
        const char *problem = json_string_value(json_object_get(b, "problem"));
        if (strcmp(problem, "edited") == 0)
            fprintf(stderr, "broken chain: actor history, change %lld: its hash is %s, the chain gives %s\n",
                    seq, stored, expected);
        else if (strcmp(problem, "unrecorded") == 0)
            fprintf(stderr, "actor history: it says %s, but %s (a change made outside it)\n", expected,
                    stored);
        else
            fprintf(
                stderr,
                "broken chain: actor history %s: its head is change %lld with hash %s, the chain ends %s%s\n",
                strcmp(problem, "truncated") == 0 ? "lost changes" : "has changes past its head", seq,
                expected, *stored ? "with hash " : "with no change", stored);
    }
}

static int verify(PGconn *conn, long long id, int json)
{
    tc_error err;
    json_t *broken = NULL, *actors_broken = NULL;
    long long events = 0, crises = 0, changes = 0;
    tc_error_init(&err);
    if (tc_store_audit_verify(conn, id, &broken, &events, &crises, &err) != 0)
        return cli_fail(&err);
    /* Every chain: the actor history's too (one crisis's alone: that crisis's chain). */
    if (id == 0 && tc_store_actor_history_verify(conn, &actors_broken, &changes, &err) != 0) {
        json_decref(broken);
        return cli_fail(&err);
    }
    int ok = json_array_size(broken) == 0 && json_array_size(actors_broken) == 0;
    if (json) {
        json_t *doc = json_pack("{s:b, s:I, s:I, s:o}", "valid", ok, "events", (json_int_t)events, "crises",
                                (json_int_t)crises, "broken", broken);
        if (actors_broken != NULL)
            json_object_set_new(doc, "actor_history",
                                json_pack("{s:b, s:I, s:o}", "valid", json_array_size(actors_broken) == 0,
                                          "changes", (json_int_t)changes, "broken", actors_broken));
        cli_print_json(doc);
    } else {
        print_actor_history_broken(actors_broken);
        size_t i;
        json_t *b;
        json_array_foreach(broken, i, b)
        {
            long long crisis = (long long)json_integer_value(json_object_get(b, "crisis"));
            long long seq = (long long)json_integer_value(json_object_get(b, "seq"));
            const char *stored = json_string_value(json_object_get(b, "stored"));
            const char *expected = json_string_value(json_object_get(b, "expected"));
            const char *problem = json_string_value(json_object_get(b, "problem"));
            if (problem != NULL && strcmp(problem, "edited") == 0)
                fprintf(stderr, "broken chain: crisis %lld, event %lld: its hash is %s, the chain gives %s\n",
                        crisis, seq, stored, expected);
            else
                fprintf(
                    stderr,
                    "broken chain: crisis %lld %s: the crisis records its last event as %lld with hash %s, "
                    "the chain ends %s%s\n",
                    crisis,
                    strcmp(problem ? problem : "", "truncated") == 0 ? "lost events"
                                                                     : "has events past its head",
                    seq, expected, *stored ? "with hash " : "with no event", stored);
        }
        if (ok && actors_broken != NULL)
            printf("every chain holds: %lld event%s in %lld cris%s, and %lld change%s in the actor history\n",
                   events, events == 1 ? "" : "s", crises, crises == 1 ? "is" : "es", changes,
                   changes == 1 ? "" : "s");
        else if (ok)
            printf("every chain holds: %lld event%s in %lld cris%s\n", events, events == 1 ? "" : "s", crises,
                   crises == 1 ? "is" : "es");
        json_decref(broken);
        json_decref(actors_broken);
    }
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    const char *format = NULL;
    int rc = cli_parse(argc, argv, &cli_cmd_audit, options, "h", globals, on_option, &format);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    int verifying = optind < argc && strcmp(argv[optind], "verify") == 0;
    int first = optind + verifying;
    if (argc - first > 1 || (!verifying && argc - first != 1))
        return cli_usage_error(&cli_cmd_audit, verifying ? "audit verify takes at most one crisis ID"
                                                         : "audit needs one crisis ID (or: audit verify)");
    int64_t id = 0;
    if (first < argc && (rc = cli_crisis_id(&cli_cmd_audit, argv[first], &id)) != 0)
        return rc;
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    if (tc_db_connect(globals->db, globals->as, &conn, &err) != 0)
        return cli_fail(&err);
    if (verifying) {
        rc = verify(conn, id, globals->json);
    } else {
        json_t *events = NULL;
        rc = tc_store_audit(conn, id, &events, &err);
        if (rc == 0) {
            print_events(events, format ? format : globals->json ? "json" : "text");
            json_decref(events);
        } else {
            rc = cli_fail(&err);
        }
    }
    tc_db_close(conn);
    return rc;
}

const cli_command cli_cmd_audit = {
    .name = "audit",
    .run = run,
    .summary = "who decided what, when and why; audit verify checks the hash chains",
    .usage = usage,
};
