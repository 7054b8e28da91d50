/* tocsin playbook validate|graph: playbook files, checked and drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/base/alloc.h"
#include "core/input/limits.h"
#include "core/input/number.h"
#include "core/playbook/playbook.h"
#include "core/playbook/playbook_graph.h"
#include "files.h"
#include "store/db.h"
#include "store/playbooks.h"

static const char usage[] =
    "usage: tocsin playbook validate FILE...\n"
    "       tocsin playbook graph NAME[@VERSION]|FILE [--format dot|mermaid]\n"
    "       tocsin playbook load FILE...\n"
    "       tocsin playbook list\n"
    "       tocsin playbook show NAME[@VERSION]\n"
    "\n"
    "validate  checks each playbook file against the format (docs/playbook-format.md)\n"
    "          and prints every problem on stderr as 'FILE: $.json.path: what is wrong'\n"
    "          (syntax errors: 'FILE: line L, column C: ...'). Exit 0 when every file\n"
    "          is valid, 3 otherwise. No database is needed.\n"
    "graph     draws a playbook (a file, or a loaded NAME[@VERSION]): states by type,\n"
    "          outcomes on the edges, deadlines, escalation ladders, parallel branches\n"
    "          as clusters. --format dot (the default; render with dot -Tsvg) or mermaid.\n"
    "load      validates each file and stores it: the same content (as JSON) is the\n"
    "          same version, changed content the next; prints NAME@VERSION per file.\n"
    "          Running crises keep the version they started with.\n"
    "list      the loaded playbooks, latest version of each.\n"
    "show      a loaded playbook's content (the latest version unless @VERSION).\n"
    "\n"
    "A playbook file is at most 1 MiB (1048576 bytes); a larger one is refused,\n"
    "exit 3, before it is read to its end.\n"
    "\n"
    "Options:\n"
    "  --format dot|mermaid   the graph's language (graph only)\n"
    "  --json                 validate: one JSON document with every file's result\n"
    "\n"
    "Examples:\n"
    "  tocsin playbook validate workflows/*.json\n"
    "  tocsin playbook graph workflows/border-incident.json | dot -Tsvg > border.svg\n"
    "  tocsin playbook load workflows/*.json\n"
    "  tocsin playbook show collective-response@2\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_LOCAL };

typedef struct playbook_options {
    const char *format;
} playbook_options;

static int on_option(int c, const char *arg, void *ctx)
{
    playbook_options *o = ctx;
    if (c != OPT_FORMAT)
        return CLI_EXIT_USAGE;
    o->format = arg;
    return 0;
}

/* Reads and compiles path; on failure prints every problem (unless json) and fills report. */
/*
 * Reads path (- for standard input, which can be read only once) and compiles
 * it, reporting problems as compile_file says; keeps the text in *kept when
 * kept is not NULL (caller frees), for loading what was compiled.
 */
static int compile_kept(const char *path, tc_playbook **out, json_t *report, char **kept)
{
    tc_error err;
    tc_diags diags = {0};
    char *text = NULL;
    size_t length;
    int rc;

    tc_error_init(&err);
    rc = cli_read_file(path, TC_PLAYBOOK_MAX_BYTES, "a playbook", &text, &length, &err);
    if (rc == 0)
        rc = tc_playbook_compile(text, length, out, &diags, &err);
    if (kept != NULL && rc == 0)
        *kept = text;
    else
        free(text);

    json_t *errors = json_array();
    if (rc != 0 && diags.count == 0) {
        if (report == NULL)
            fprintf(stderr, "%s\n", err.text);
        json_array_append_new(errors, json_pack("{s:n, s:s}", "where", "message", err.text));
    }
    for (size_t i = 0; i < diags.count; i++) {
        const tc_diag *d = &diags.items[i];
        if (report == NULL && d->where != NULL)
            fprintf(stderr, "%s: %s: %s\n", path, d->where, d->message);
        else if (report == NULL)
            fprintf(stderr, "%s: line %d, column %d: %s\n", path, d->line, d->column, d->message);
        json_t *e = json_pack("{s:s?, s:s}", "where", d->where, "message", d->message);
        if (d->where == NULL) {
            json_object_set_new(e, "line", json_integer(d->line));
            json_object_set_new(e, "column", json_integer(d->column));
        }
        json_array_append_new(errors, e);
    }
    tc_diags_clear(&diags);
    if (report != NULL) {
        json_object_set_new(report, "file", json_string(path));
        json_object_set_new(report, "valid", json_boolean(rc == 0));
        if (rc == 0) {
            json_object_set_new(report, "name", json_string((*out)->name));
            json_object_set_new(report, "states", json_integer((json_int_t)(*out)->state_count));
        }
        json_object_set_new(report, "errors", errors);
    } else {
        json_decref(errors);
    }
    return rc;
}

static int compile_file(const char *path, tc_playbook **out, json_t *report)
{
    return compile_kept(path, out, report, NULL);
}

/* The JSON Schema that sits beside the playbooks in workflows/ is not one of them. Standard input ("-")
 * is a playbook: it can be read only once. */
static int is_schema_file(const char *path)
{
    char *text = NULL;
    size_t length;
    if (strcmp(path, "-") == 0)
        return 0;
    if (cli_read_file(path, TC_PLAYBOOK_MAX_BYTES, "a playbook", &text, &length, NULL) != 0)
        return 0;
    int is_schema = tc_playbook_is_json_schema(text, length);
    free(text);
    return is_schema;
}

static int validate(int argc, char **argv, int first, cli_globals *globals)
{
    if (first >= argc)
        return cli_usage_error(&cli_cmd_playbook, "playbook validate needs at least one FILE");
    int failed = 0;
    json_t *files = json_array();
    for (int i = first; i < argc; i++) {
        tc_playbook *pb = NULL;
        json_t *report = globals->json ? json_object() : NULL;
        if (is_schema_file(argv[i])) {
            if (report != NULL) {
                json_object_set_new(report, "file", json_string(argv[i]));
                json_object_set_new(report, "skipped", json_string("a JSON Schema, not a playbook"));
            } else {
                printf("%s: skipped (a JSON Schema, not a playbook)\n", argv[i]);
            }
        } else if (compile_file(argv[i], &pb, report) != 0) {
            failed = 1;
        } else if (!globals->json) {
            printf("%s: valid playbook %s (%zu states)\n", argv[i], pb->name, pb->state_count);
        }
        if (report != NULL)
            json_array_append_new(files, report);
        tc_playbook_free(pb);
    }
    if (globals->json)
        cli_print_json(json_pack("{s:b, s:o}", "valid", !failed, "files", files));
    else
        json_decref(files);
    return failed ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}

static int ends_with_json(const char *s)
{
    size_t n = strlen(s);
    return n > 5 && strcmp(s + n - 5, ".json") == 0;
}

/* NAME[@VERSION] into name (static buffer) and version (0: latest); -1 when malformed. */
static int parse_ref(const char *ref, char *name, size_t size, int *version)
{
    const char *at = strchr(ref, '@');
    size_t n = at ? (size_t)(at - ref) : strlen(ref);
    if (n == 0 || n >= size)
        return -1;
    memcpy(name, ref, n);
    name[n] = '\0';
    *version = 0;
    if (at != NULL) {
        long long v;
        if (tc_parse_integer(at + 1, 1, INT32_MAX, &v) != 0)
            return -1;
        *version = (int)v;
    }
    return 0;
}

/* Reads NAME[@VERSION] from the database and compiles it. */
static int compile_loaded(const char *ref, cli_globals *globals, tc_playbook **pb, tc_error *err)
{
    char name[128];
    int version, found;
    char *content = NULL;
    PGconn *conn = NULL;
    if (parse_ref(ref, name, sizeof name, &version) != 0)
        return tc_error_set(err, TC_EUSAGE, "'%s' is not NAME or NAME@VERSION", ref);
    int rc = tc_db_connect(globals->db, globals->as, &conn, err);
    if (rc == 0)
        rc = tc_store_playbook_get(conn, name, version, &content, &found, NULL, err);
    tc_db_close(conn);
    tc_error why;
    tc_error_init(&why);
    if (rc == 0 && tc_playbook_compile(content, strlen(content), pb, NULL, &why) != 0)
        rc = tc_error_set(err, TC_EFAILED, "stored playbook %s@%d does not compile: %s", name, found,
                          why.text);
    free(content);
    return rc;
}

static int load(int argc, char **argv, int first, cli_globals *globals)
{
    if (first >= argc)
        return cli_usage_error(&cli_cmd_playbook, "playbook load needs at least one FILE");
    /* Every file must compile before anything is stored; each is read once (- is standard input). */
    char **texts = tc_xcalloc((size_t)argc, sizeof *texts);
    for (int i = first; i < argc; i++) {
        tc_playbook *pb = NULL;
        if (is_schema_file(argv[i]))
            continue;
        if (compile_kept(argv[i], &pb, NULL, &texts[i]) != 0) {
            for (int j = first; j < i; j++)
                free(texts[j]);
            free(texts);
            return CLI_EXIT_INVALID;
        }
        tc_playbook_free(pb);
    }
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    json_t *loaded = json_array();
    int rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    for (int i = first; i < argc && rc == 0; i++) {
        char *name = NULL;
        int version, created;
        if (texts[i] == NULL) {
            if (!globals->json)
                printf("%s: skipped (a JSON Schema, not a playbook)\n", argv[i]);
            continue;
        }
        rc = tc_store_playbook_load(conn, texts[i], &name, &version, &created, &err);
        if (rc == 0) {
            if (!globals->json)
                printf("%s@%d%s\n", name, version, created ? "" : " (unchanged)");
            json_array_append_new(loaded, json_pack("{s:s, s:s, s:i, s:b}", "file", argv[i], "name", name,
                                                    "version", version, "created", created));
        }
        free(name);
    }
    tc_db_close(conn);
    for (int i = first; i < argc; i++)
        free(texts[i]);
    free(texts);
    if (rc != 0) {
        json_decref(loaded);
        return cli_fail(&err);
    }
    if (globals->json)
        return cli_print_json(json_pack("{s:o}", "loaded", loaded));
    json_decref(loaded);
    return CLI_EXIT_OK;
}

static int list(cli_globals *globals)
{
    tc_error err;
    PGconn *conn = NULL;
    json_t *list = NULL;
    tc_error_init(&err);
    int rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_playbook_list(conn, &list, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    if (globals->json)
        return cli_print_json(json_pack("{s:o}", "playbooks", list));
    if (json_array_size(list) == 0)
        puts("no playbooks loaded (tocsin playbook load FILE)");
    else
        printf("%-28s %-8s %-20s %s\n", "NAME", "VERSION", "LOADED", "TITLE");
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p) printf(
        "%-28s %-8lld %-20s %s\n", json_string_value(json_object_get(p, "name")),
        (long long)json_integer_value(json_object_get(p, "version")),
        json_string_value(json_object_get(p, "loaded_at")), json_string_value(json_object_get(p, "title")));
    json_decref(list);
    return CLI_EXIT_OK;
}

static int show(int argc, char **argv, int first, cli_globals *globals)
{
    char name[128];
    int version, found;
    if (first + 1 != argc || parse_ref(argv[first], name, sizeof name, &version) != 0)
        return cli_usage_error(&cli_cmd_playbook, "playbook show needs one NAME or NAME@VERSION");
    tc_error err;
    PGconn *conn = NULL;
    char *content = NULL;
    json_t *meta = NULL;
    tc_error_init(&err);
    int rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = tc_store_playbook_get(conn, name, version, &content, &found, &meta, &err);
    tc_db_close(conn);
    if (rc != 0)
        return cli_fail(&err);
    json_t *doc = json_loads(content, 0, NULL);
    free(content);
    json_object_set_new(meta, "content", doc);
    if (globals->json)
        return cli_print_json(meta);
    printf("%s@%d  sha256 %s  loaded by %s at %s\n", name, found,
           json_string_value(json_object_get(meta, "sha256")),
           json_string_value(json_object_get(meta, "loaded_by")),
           json_string_value(json_object_get(meta, "loaded_at")));
    rc = cli_print_json(json_incref(doc));
    json_decref(meta);
    return rc;
}

static int graph(int argc, char **argv, int first, const playbook_options *o, cli_globals *globals)
{
    tc_graph_format format;
    if (first + 1 != argc)
        return cli_usage_error(&cli_cmd_playbook, "playbook graph needs exactly one NAME[@VERSION] or FILE");
    if (o->format == NULL || strcmp(o->format, "dot") == 0)
        format = TC_GRAPH_DOT;
    else if (strcmp(o->format, "mermaid") == 0)
        format = TC_GRAPH_MERMAID;
    else
        return cli_usage_error(&cli_cmd_playbook, "unknown graph format '%s' (dot or mermaid)", o->format);

    tc_playbook *pb = NULL;
    tc_error err;
    tc_error_init(&err);
    if (access(argv[first], R_OK) != 0 && strchr(argv[first], '/') == NULL && !ends_with_json(argv[first])) {
        int rc = compile_loaded(argv[first], globals, &pb, &err);
        if (rc != 0)
            return cli_fail(&err);
    } else if (compile_file(argv[first], &pb, NULL) != 0) {
        return CLI_EXIT_INVALID;
    }
    char *text = tc_playbook_graph(pb, format);
    tc_playbook_free(pb);
    fputs(text, stdout);
    free(text);
    return CLI_EXIT_OK;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    playbook_options o = {0};
    int rc = cli_parse(argc, argv, &cli_cmd_playbook, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind >= argc)
        return cli_usage_error(&cli_cmd_playbook,
                               "playbook needs a subcommand (validate, graph, load, list or show)");
    const char *sub = argv[optind];
    if (strcmp(sub, "validate") == 0)
        return validate(argc, argv, optind + 1, globals);
    if (strcmp(sub, "graph") == 0)
        return graph(argc, argv, optind + 1, &o, globals);
    if (strcmp(sub, "load") == 0)
        return load(argc, argv, optind + 1, globals);
    if (strcmp(sub, "list") == 0)
        return optind + 1 == argc ? list(globals)
                                  : cli_usage_error(&cli_cmd_playbook, "playbook list takes no arguments");
    if (strcmp(sub, "show") == 0)
        return show(argc, argv, optind + 1, globals);
    return cli_usage_error(&cli_cmd_playbook, "unknown playbook subcommand '%s'", sub);
}

const cli_command cli_cmd_playbook = {
    .name = "playbook",
    .run = run,
    .summary = "check, draw, load, list and show playbooks",
    .usage = usage,
};
