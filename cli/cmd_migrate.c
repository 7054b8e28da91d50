/* tocsin migrate [--status] [--dir DIR]: bring the database schema up to date. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store/db.h"
#include "store/migrate.h"

static const char usage[] =
    "usage: tocsin migrate [--status] [--dir DIR] [--db CONNINFO] [--json]\n"
    "\n"
    "Applies the schema migrations that the database has not applied yet, in\n"
    "order, each in its own transaction, and records each with its sha256 in\n"
    "tocsin.schema_migrations. Then, when any of the repeatable files\n"
    "(repeatable/*.sql: the functions, triggers, policies and privileges) is not\n"
    "what the database last ran, it runs them all again, in name order, in one\n"
    "transaction (tocsin.schema_repeatables). Running it again does nothing. Two\n"
    "runs at once are safe: the second waits for the first.\n"
    "\n"
    "012_baseline.sql folds the first twelve migrations of tocsin: a database\n"
    "that applied all twelve counts it as applied, and is brought up to date from\n"
    "there; one that applied only some of them is refused (exit 3).\n"
    "\n"
    "A migration edited after it was applied is refused (exit 3) and nothing is\n"
    "applied: add a new migration instead. A database that has migrations this\n"
    "tocsin does not know is refused too (exit 6): use a newer tocsin.\n"
    "\n"
    "Options:\n"
    "  --status     list every migration and whether it is applied; change nothing\n"
    "  --dir DIR    use the NNN_name.sql files of DIR (and DIR/repeatable/*.sql)\n"
    "               instead of the migrations built into tocsin (for migration\n"
    "               authors and tests)\n"
    "  --db, --json as for every command (tocsin --help)\n"
    "\n"
    "Examples:\n"
    "  tocsin migrate --db 'host=/srv/tocsin/run dbname=tocsin'\n"
    "  tocsin migrate --status --json\n";

typedef struct migrate_options {
    int status;
    const char *dir;
} migrate_options;

enum { OPT_STATUS = CLI_OPT_FIRST_LOCAL, OPT_DIR };

static int on_option(int c, const char *arg, void *ctx)
{
    migrate_options *o = ctx;
    if (c == OPT_STATUS)
        o->status = 1;
    else if (c == OPT_DIR)
        o->dir = arg;
    else
        return CLI_EXIT_USAGE;
    return 0;
}

static json_t *entry_json(const tc_migration_entry *e)
{
    const char *name = e->file ? e->file->name : e->record->name;
    json_t *o = json_pack("{s:i, s:s, s:s}", "version", e->version, "name", name, "state",
                          tc_migration_state_name(e->state));
    json_object_set_new(o, "sha256", json_string(e->file ? e->file->sha256 : e->record->sha256));
    json_object_set_new(o, "applied_at", e->record ? json_string(e->record->applied_at) : json_null());
    json_object_set_new(o, "applied_by", e->record ? json_string(e->record->applied_by) : json_null());
    return o;
}

/* {"files": N, "current": bool}: whether the database last ran these repeatable files. */
static json_t *repeatable_json(const tc_migration_report *report)
{
    return json_pack("{s:I, s:b}", "files", (json_int_t)report->repeatable_count, "current",
                     report->repeatable_current);
}

static int print_status(const tc_migration_report *report, int json)
{
    if (json) {
        json_t *list = json_array();
        for (size_t i = 0; i < report->count; i++)
            json_array_append_new(list, entry_json(&report->entries[i]));
        return cli_print_json(
            json_pack("{s:o, s:o}", "migrations", list, "repeatable", repeatable_json(report)));
    }
    if (report->count == 0) {
        puts("no migrations");
        return 0;
    }
    printf("%-7s %-40s %-12s %-20s %s\n", "NUMBER", "FILE", "STATE", "APPLIED AT", "BY");
    for (size_t i = 0; i < report->count; i++) {
        const tc_migration_entry *e = &report->entries[i];
        printf("%03d     %-40s %-12s %-20s %s\n", e->version, e->file ? e->file->name : e->record->name,
               tc_migration_state_name(e->state), e->record ? e->record->applied_at : "-",
               e->record ? e->record->applied_by : "-");
    }
    printf("-       repeatable/ (%zu files)%*s %s\n", report->repeatable_count, 19, "",
           report->repeatable_current ? "applied" : "pending");
    return 0;
}

static int print_applied(const tc_migration_report *report, int json)
{
    if (json) {
        json_t *applied = json_array();
        for (size_t i = 0; i < report->applied_count; i++)
            json_array_append_new(applied, json_string(report->applied[i]->name));
        json_t *list = json_array();
        for (size_t i = 0; i < report->count; i++)
            json_array_append_new(list, entry_json(&report->entries[i]));
        return cli_print_json(json_pack("{s:o, s:o, s:o}", "applied", applied, "migrations", list,
                                        "repeatable", repeatable_json(report)));
    }
    for (size_t i = 0; i < report->applied_count; i++)
        printf("applied %s\n", report->applied[i]->name);
    if (report->repeatables_applied > 0)
        printf("applied repeatable/ (%zu files: functions, triggers, policies, privileges)\n",
               report->repeatables_applied);
    if (report->applied_count == 0)
        printf("already up to date (%zu migrations applied)\n", report->count);
    else
        printf("up to date (%zu migrations applied)\n", report->count);
    return 0;
}

static int run(int argc, char **argv, cli_globals *globals)
{
    static const struct option options[] = {
        CLI_GLOBAL_OPTIONS,
        {"status", no_argument, NULL, OPT_STATUS},
        {"dir", required_argument, NULL, OPT_DIR},
        {NULL, 0, NULL, 0},
    };
    migrate_options o = {0};
    tc_error err;
    tc_migration_set *set = NULL;
    tc_migration_report *report = NULL;
    PGconn *conn = NULL;
    int rc;

    rc = cli_parse(argc, argv, &cli_cmd_migrate, options, "h", globals, on_option, &o);
    if (rc != 0)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (optind < argc)
        return cli_usage_error(&cli_cmd_migrate, "unexpected argument '%s'", argv[optind]);

    tc_error_init(&err);
    rc = o.dir ? tc_migration_set_load_dir(o.dir, &set, &err) : tc_migration_set_builtin(&set, &err);
    if (rc == 0)
        rc = tc_db_connect(globals->db, globals->as, &conn, &err);
    if (rc == 0)
        rc = o.status ? tc_migrate_status(conn, set, &report, &err) : tc_migrate(conn, set, &report, &err);
    if (rc == 0) {
        if (report->waited)
            fputs("waited for another tocsin migrate to finish\n", stderr);
        rc = o.status ? print_status(report, globals->json) : print_applied(report, globals->json);
    } else {
        rc = cli_fail(&err);
    }
    tc_migration_report_free(report);
    tc_db_close(conn);
    tc_migration_set_free(set);
    return rc;
}

const cli_command cli_cmd_migrate = {
    .name = "migrate",
    .run = run,
    .summary = "bring the database schema up to date (--status: show it)",
    .usage = usage,
};
