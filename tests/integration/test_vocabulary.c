/*
 * The command and audit kinds as the SQL names them agree with the core's
 * tables (core/machine/command.h, core/audit/audit_kind.h), read from the migrated
 * database: the CHECK on tocsin.commands.kind lists exactly the core's
 * commands, and every kind a function of schema tocsin compares a command
 * (`p_kind`, `k.kind`) or an audit event (`->> 'kind'`) with is one the core
 * has. A kind added on one side only fails here. So do the label values
 * of /metrics (core/health/metrics.h): crises' statuses and modes, and the
 * outbox's statuses, against their CHECKs.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/audit/audit_kind.h"
#include "core/health/metrics.h"
#include "core/machine/command.h"
#include "harness.h"

#define MAX_NAMES 64

typedef struct names {
    char *items[MAX_NAMES];
    size_t count;
} names;

static void names_add(names *n, const char *start, size_t length)
{
    for (size_t i = 0; i < n->count; i++)
        if (strlen(n->items[i]) == length && strncmp(n->items[i], start, length) == 0)
            return;
    if (n->count == MAX_NAMES)
        fail_msg("more than %d names", MAX_NAMES);
    n->items[n->count++] = strndup(start, length);
}

static int names_have(const names *n, const char *name)
{
    for (size_t i = 0; i < n->count; i++)
        if (strcmp(n->items[i], name) == 0)
            return 1;
    return 0;
}

static void names_free(names *n)
{
    for (size_t i = 0; i < n->count; i++)
        free(n->items[i]);
    n->count = 0;
}

/* Reads a quoted literal at *p into out; returns 0 when *p is not at one. */
static int literal(const char **p, names *out)
{
    const char *s = *p;
    if (*s != '\'')
        return 0;
    const char *end = strchr(s + 1, '\'');
    if (end == NULL)
        return 0;
    names_add(out, s + 1, (size_t)(end - s - 1));
    *p = end + 1;
    return 1;
}

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/*
 * Every literal that text compares subject with: `subject = 'x'`, `<> 'x'`,
 * `IN ('x', 'y')`, `NOT IN (...)`. Comparisons with anything but literals
 * are passed over.
 */
static void compared_with(const char *text, const char *subject, names *out)
{
    static const char *const operators[] = {"NOT IN", "IN", "<>", "!=", "="};
    for (const char *at = strstr(text, subject); at != NULL; at = strstr(at + 1, subject)) {
        const char *p = skip_space(at + strlen(subject));
        size_t op = 0;
        while (op < sizeof operators / sizeof operators[0] &&
               !(strncasecmp(p, operators[op], strlen(operators[op])) == 0 &&
                 (isalpha((unsigned char)operators[op][0]) == 0 ||
                  !(isalnum((unsigned char)p[strlen(operators[op])]) || p[strlen(operators[op])] == '_'))))
            op++;
        if (op == sizeof operators / sizeof operators[0])
            continue;
        p = skip_space(p + strlen(operators[op]));
        if (*p != '(') {
            literal(&p, out);
            continue;
        }
        p = skip_space(p + 1);
        while (literal(&p, out)) {
            p = skip_space(p);
            if (*p != ',')
                break;
            p = skip_space(p + 1);
        }
    }
}

/* The definitions of every function of schema tocsin, one after the other. */
static char *function_sources(const char *db)
{
    char *text = th_query_value(db,
                                "SELECT string_agg(pg_get_functiondef(p.oid), E'\\n' ORDER BY p.oid)"
                                "  FROM pg_catalog.pg_proc p"
                                "  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                                " WHERE n.nspname = 'tocsin' AND p.prokind IN ('f', 'p')");
    assert_non_null(text);
    return text;
}

/* The literals of the CHECK on table.column alone (a CHECK that names other columns too is passed over). */
static void column_check(const char *db, const char *table, const char *column, names *out, char **check)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT pg_catalog.pg_get_constraintdef(c.oid)"
             "  FROM pg_catalog.pg_constraint c"
             "  JOIN pg_catalog.pg_attribute a"
             "    ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
             " WHERE c.conrelid = '%s'::regclass AND c.contype = 'c'"
             "   AND a.attname = '%s' AND cardinality(c.conkey) = 1",
             table, column);
    *check = th_query_value(db, sql);
    if (*check == NULL)
        fail_msg("%s.%s has no CHECK constraint", table, column);
    for (const char *p = strchr(*check, '\''); p != NULL; p = strchr(p, '\''))
        if (!literal(&p, out))
            break;
}

static void test_vocabulary_commands_check(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *check;
    names sql = {0};
    column_check(db, "tocsin.commands", "kind", &sql, &check);
    for (size_t i = 0; i < sql.count; i++)
        if (tc_command_kind_parse(sql.items[i]) < 0)
            fail_msg("the SQL's CHECK on tocsin.commands.kind allows %s, which is no command of the core: %s",
                     sql.items[i], check);
    size_t commands = 0;
    for (int k = 0; k < TC_EVENT_KIND_COUNT; k++) {
        if (!tc_event_is_command((tc_event_kind)k))
            continue;
        commands++;
        if (!names_have(&sql, tc_event_kind_name((tc_event_kind)k)))
            fail_msg("the core's command %s is missing from the CHECK on tocsin.commands.kind: %s",
                     tc_event_kind_name((tc_event_kind)k), check);
    }
    assert_int_equal(sql.count, commands);
    names_free(&sql);
    free(check);
    th_db_drop(db);
}

/* Fails unless the CHECK on table.column allows exactly the count names of the core. */
static void expect_check_is(const char *db, const char *table, const char *column, const char *const *core,
                            size_t count)
{
    char *check;
    names sql = {0};
    column_check(db, table, column, &sql, &check);
    for (size_t i = 0; i < count; i++)
        if (!names_have(&sql, core[i]))
            fail_msg("the core's %s is missing from the CHECK on %s.%s: %s", core[i], table, column, check);
    if (sql.count != count)
        fail_msg("the CHECK on %s.%s allows %zu values, the core has %zu: %s", table, column, sql.count,
                 count, check);
    names_free(&sql);
    free(check);
}

/* The label values of /metrics are every value the tables allow (core/health/metrics.h), so none is missed.
 */
static void test_vocabulary_metrics_labels(void **state)
{
    (void)state;
    char *db = th_db_create();
    const char *statuses[TC_METRICS_STATUSES], *modes[TC_METRICS_MODES], *outbox[TC_OUTBOX_STATUSES];
    for (int i = 0; i < TC_METRICS_STATUSES; i++)
        statuses[i] = tc_status_name((tc_status)i);
    for (int i = 0; i < TC_METRICS_MODES; i++)
        modes[i] = tc_mode_name((tc_mode)i);
    for (int i = 0; i < TC_OUTBOX_STATUSES; i++)
        outbox[i] = tc_outbox_status_name((tc_outbox_status)i);
    expect_check_is(db, "tocsin.crises", "status", statuses, TC_METRICS_STATUSES);
    expect_check_is(db, "tocsin.crises", "mode", modes, TC_METRICS_MODES);
    expect_check_is(db, "tocsin.notifications", "status", outbox, TC_OUTBOX_STATUSES);
    th_db_drop(db);
}

static void test_vocabulary_functions_name_core_kinds(void **state)
{
    (void)state;
    char *db = th_db_create();
    char *sources = function_sources(db);
    names commands = {0}, audit = {0};
    compared_with(sources, "p_kind", &commands);
    compared_with(sources, "k.kind", &commands);
    compared_with(sources, "->> 'kind'", &audit);
    /* Found at all: a rewrite that spells the comparisons differently must update this test. */
    if (commands.count == 0 || audit.count == 0)
        fail_msg("no command kinds (%zu) or audit kinds (%zu) found in the functions of schema tocsin",
                 commands.count, audit.count);
    for (size_t i = 0; i < commands.count; i++)
        if (tc_command_kind_parse(commands.items[i]) < 0)
            fail_msg("a function of schema tocsin names the command kind %s, which the core does not have",
                     commands.items[i]);
    for (size_t i = 0; i < audit.count; i++)
        if (tc_audit_kind_parse(audit.items[i]) < 0)
            fail_msg("a function of schema tocsin names the audit kind %s, which the core does not have",
                     audit.items[i]);
    /* commit_batch's records read these; a rename in the core that left the SQL behind fails above. */
    static const char *const read_back[] = {"vote",      "entered",        "left",           "escalated",
                                            "completed", "action_started", "action_finished"};
    for (size_t i = 0; i < sizeof read_back / sizeof read_back[0]; i++)
        if (!names_have(&audit, read_back[i]))
            fail_msg("commit_batch no longer compares audit kind %s: update this test", read_back[i]);
    names_free(&commands);
    names_free(&audit);
    free(sources);
    th_db_drop(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocabulary_commands_check),
        cmocka_unit_test(test_vocabulary_functions_name_core_kinds),
        cmocka_unit_test(test_vocabulary_metrics_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
