/*
 * tocsin audit ID [--format text|json|csv], audit verify [ID], and what
 * checks a crisis's record without trusting the database (docs/signatures.md):
 * audit export ID, audit head [ID] --sign-with FILE, and audit verify --file
 * EXPORT [--keys KEYS] [--heads HEADS], which connects to no database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/audit/timeline.h"
#include "core/base/strbuf.h"
#include "core/input/limits.h"
#include "core/verify/offline.h"
#include "files.h"
#include "sign/head.h"
#include "sign/key.h"
#include "store/actors.h"
#include "store/audit_export.h"
#include "store/crises.h"
#include "store/db.h"
#include "store/keys.h"

static const char usage[] =
    "usage: tocsin audit ID [--format text|json|csv]\n"
    "       tocsin audit verify [ID]\n"
    "       tocsin audit export ID\n"
    "       tocsin audit head [ID] --sign-with FILE\n"
    "       tocsin audit verify --file EXPORT [--keys KEYS] [--heads HEADS]\n"
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
    "export   prints the audit of crisis ID to be checked elsewhere: one object a\n"
    "         line, the --format json one plus \"canonical\", the exact text its\n"
    "         hash covers, and \"signature\" where the event is signed. No such\n"
    "         crisis (or one the role may not read): exit 4.\n"
    "head     prints the head (last seq and hash) of the chain of crisis ID, or of\n"
    "         every crisis the role may read, one JSON line each, signed with the\n"
    "         key of --sign-with FILE (or $TOCSIN_SIGNING_KEY), which must be\n"
    "         registered and in force (exit 5; a FILE others may read: exit 3).\n"
    "         Publish them: a chain rewritten after its head was published no\n"
    "         longer verifies with --heads, whoever recomputed it. A chain that\n"
    "         does not verify in the database is not signed (exit 1).\n"
    "verify --file  checks an export with no database: every chain (seq, prev_hash,\n"
    "         hash over prev_hash and canonical), that canonical says what the line\n"
    "         says, every signature against KEYS (tocsin key list --json: the key\n"
    "         must be the actor's, and in force at the event), and every head of\n"
    "         HEADS (its signature by a key of KEYS, and the export's event of its\n"
    "         seq has exactly its hash; heads of crises not in the export are\n"
    "         counted, not checked). Exit 0 with a summary, 1 naming the first\n"
    "         failure, 3 for a file that is not an export, keys or heads, 4 for\n"
    "         none. --json prints {\"valid\", \"events\", \"crises\", \"signatures\",\n"
    "         \"unchecked_signatures\", \"heads\", \"heads_elsewhere\", \"failure\"}.\n"
    "\n"
    "Each event's hash is the hex sha256 of its prev_hash (64 zeros for the first)\n"
    "followed by PostgreSQL's jsonb text of {seq, crisis, at, actor, login, kind,\n"
    "state, detail}, with at in UTC and microseconds, and the event's signature when\n"
    "it has one: docs/signatures.md gives the exact forms, so that anyone can\n"
    "write a verifier of their own.\n"
    "\n"
    "Examples:\n"
    "  tocsin audit 42\n"
    "  tocsin audit 42 --format csv > crisis-42.csv\n"
    "  tocsin audit verify\n"
    "  tocsin audit export 42 > crisis-42.jsonl\n"
    "  tocsin --json key list > keys.json\n"
    "  tocsin audit head 42 --sign-with ~/.tocsin/kz.key >> heads.jsonl\n"
    "  tocsin audit verify --file crisis-42.jsonl --keys keys.json --heads heads.jsonl\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_LOCAL, OPT_FILE, OPT_KEYS, OPT_HEADS };

typedef struct options {
    const char *format, *file, *keys, *heads;
} options;

static int on_option(int c, const char *arg, void *ctx)
{
    options *o = ctx;
    switch (c) {
    case OPT_FORMAT:
        if (strcmp(arg, "text") && strcmp(arg, "json") && strcmp(arg, "csv"))
            return cli_usage_error(&cli_cmd_audit, "--format is text, json or csv, not '%s'", arg);
        o->format = arg;
        return 0;
    case OPT_FILE:
        o->file = arg;
        return 0;
    case OPT_KEYS:
        o->keys = arg;
        return 0;
    case OPT_HEADS:
        o->heads = arg;
        return 0;
    default:
        return CLI_EXIT_USAGE;
    }
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

/* audit export ID: one line per event. */
static int export_audit(PGconn *conn, int64_t id)
{
    tc_error err;
    json_t *events = NULL;
    tc_error_init(&err);
    if (tc_store_audit_export(conn, id, &events, &err) != 0)
        return cli_fail(&err);
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        char *line = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(line ? line : "{}");
        free(line);
    }
    json_decref(events);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* audit head [ID]: the heads, signed with the key file, which must be registered and in force. */
static int sign_heads(const cli_globals *globals, int64_t id)
{
    const char *path = cli_signing_key(globals);
    if (path == NULL)
        return cli_usage_error(&cli_cmd_audit, "audit head needs --sign-with FILE (or $TOCSIN_SIGNING_KEY)");
    tc_error err;
    tc_signing_key key;
    tc_error_init(&err);
    if (tc_key_load(path, &key, &err) != 0)
        return cli_fail(&err);
    PGconn *conn = NULL;
    json_t *heads = NULL;
    char registered[TC_KEY_PUBLIC_TEXT_SIZE] = "";
    char *role = NULL;
    int found = 0;
    int rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_key_in_force(conn, key.id, registered, &role, &found, &err);
    if (rc == 0 && (!found || strcmp(registered, key.public_text) != 0))
        rc =
            tc_error_set(&err, TC_EPERM,
                         "key %s of %s is not registered, or was revoked: a head is signed by a key in force "
                         "(tocsin key list)",
                         key.id, path);
    if (rc == 0)
        rc = tc_store_audit_heads(conn, id, &heads, &err);
    tc_db_close(conn);
    free(role);
    if (rc != 0) {
        tc_key_wipe(&key);
        return cli_fail(&err);
    }
    char now[TC_SIGNED_AT_SIZE];
    tc_sign_now(now);
    size_t i;
    json_t *h;
    json_array_foreach(heads, i, h)
    {
        json_t *line = tc_head_sign(&key, (long long)json_integer_value(json_object_get(h, "crisis")),
                                    (long long)json_integer_value(json_object_get(h, "seq")),
                                    json_string_value(json_object_get(h, "hash")), now);
        char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(text ? text : "{}");
        free(text);
        json_decref(line);
    }
    tc_key_wipe(&key);
    if (json_array_size(heads) == 0)
        fprintf(stderr, "no crisis with an audit event to sign a head of\n");
    json_decref(heads);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

static int check_signature(const char *public_key, const char *text, size_t size, const char *signature)
{
    return tc_key_verify(public_key, text, size, signature);
}

static const char *plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* audit verify --file EXPORT [--keys KEYS] [--heads HEADS]: no database. */
static int verify_offline(const options *o, int json)
{
    tc_error err;
    tc_error_init(&err);
    tc_offline_file files[3] = {{.name = o->file}, {.name = o->keys}, {.name = o->heads}};
    char *texts[3] = {NULL, NULL, NULL};
    static const size_t limits[3] = {TC_EXPORT_MAX_BYTES, TC_KEYS_MAX_BYTES, TC_KEYS_MAX_BYTES};
    static const char *const what[3] = {"an export", "a file of keys", "a file of heads"};
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        if (files[i].name != NULL &&
            (rc = cli_read_file(files[i].name, limits[i], what[i], &texts[i], &files[i].size, &err)) == 0)
            files[i].text = texts[i];
    tc_offline_summary s;
    if (rc == 0)
        rc = tc_offline_verify(&files[0], &files[1], &files[2], check_signature, &s, &err);
    for (int i = 0; i < 3; i++)
        free(texts[i]);
    if (rc != 0 && rc != TC_EFAILED)
        return rc == TC_EUSAGE ? cli_usage_error(&cli_cmd_audit, "%s", err.text) : cli_fail(&err);
    if (json) {
        json_t *doc = rc == 0 ? json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:n}", "valid", 1, "events",
                                          (json_int_t)s.events, "crises", (json_int_t)s.crises, "signatures",
                                          (json_int_t)s.signatures, "unchecked_signatures",
                                          (json_int_t)s.unchecked, "heads", (json_int_t)s.heads,
                                          "heads_elsewhere", (json_int_t)s.heads_elsewhere, "failure")
                              : json_pack("{s:b, s:s}", "valid", 0, "failure", err.text);
        cli_print_json(doc);
    }
    if (rc != 0)
        return cli_fail(&err);
    if (json)
        return CLI_EXIT_OK;
    printf("every chain holds offline: %lld event%s in %lld cris%s", s.events, plural(s.events, "", "s"),
           s.crises, plural(s.crises, "is", "es"));
    if (o->keys != NULL)
        printf(", %lld signature%s by the keys in force", s.signatures, plural(s.signatures, "", "s"));
    else if (s.unchecked > 0)
        printf(", %lld signature%s not checked (no --keys)", s.unchecked, plural(s.unchecked, "", "s"));
    if (o->heads != NULL) {
        printf(", %lld head%s matched", s.heads, plural(s.heads, "", "s"));
        if (s.heads_elsewhere > 0)
            printf(" (%lld of crises not in the export not checked)", s.heads_elsewhere);
    } else {
        printf(" (no --heads: a chain recomputed whole would pass)");
    }
    putchar('\n');
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option long_options[] = {
        CLI_GLOBAL_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"file", required_argument, NULL, OPT_FILE},
        {"keys", required_argument, NULL, OPT_KEYS},
        {"heads", required_argument, NULL, OPT_HEADS},
        {NULL, 0, NULL, 0},
    };
    options o = {0};
    int rc = cli_parse(argc, argv, &cli_cmd_audit, long_options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    const char *sub = optind < argc ? argv[optind] : "";
    int verifying = strcmp(sub, "verify") == 0, exporting = strcmp(sub, "export") == 0,
        heading = strcmp(sub, "head") == 0;
    int first = optind + (verifying || exporting || heading);
    int operands = argc - first;
    if (o.format != NULL && (verifying || exporting || heading))
        return cli_usage_error(&cli_cmd_audit, "--format is for audit ID");
    if ((o.keys != NULL || o.heads != NULL) && o.file == NULL)
        return cli_usage_error(&cli_cmd_audit, "--keys and --heads are for audit verify --file EXPORT");
    if (o.file != NULL && (!verifying || operands != 0))
        return cli_usage_error(&cli_cmd_audit, "--file is for audit verify, without an ID");
    if (verifying && o.file != NULL)
        return verify_offline(&o, globals->json);
    if (verifying && operands > 1)
        return cli_usage_error(&cli_cmd_audit, "audit verify takes at most one crisis ID");
    if (heading && operands > 1)
        return cli_usage_error(&cli_cmd_audit, "audit head takes at most one crisis ID");
    if (exporting && operands != 1)
        return cli_usage_error(&cli_cmd_audit, "audit export needs one crisis ID");
    if (!verifying && !exporting && !heading && operands != 1)
        return cli_usage_error(&cli_cmd_audit, "audit needs one crisis ID (or: audit verify, export, head)");
    int64_t id = 0;
    if (operands == 1 && (rc = cli_crisis_id(&cli_cmd_audit, argv[first], &id)) != 0)
        return rc;
    if (heading)
        return sign_heads(globals, id);
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    if (tc_db_connect(globals->db, globals->as, &conn, &err) != 0)
        return cli_fail(&err);
    if (verifying) {
        rc = verify(conn, id, globals->json);
    } else if (exporting) {
        rc = export_audit(conn, id);
    } else {
        json_t *events = NULL;
        rc = tc_store_audit(conn, id, &events, &err);
        if (rc == 0) {
            print_events(events, o.format ? o.format : globals->json ? "json" : "text");
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
    .summary = "who decided what, when and why; verify the hash chains, export them, sign their heads",
    .usage = usage,
};
