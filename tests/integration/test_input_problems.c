/*
 * Input that does not validate is refused with every problem at once, one
 * line each, like playbook validate (exit 3), and nothing is recorded:
 * trigger's --input and --inputs, complete's --outcome and --data. Before,
 * each stopped at the first problem and the operator fixed one per try.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static char *db;

static void load(const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/workflows/%s", th_env("TOCSIN_SOURCE_DIR"), file);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"playbook", "load", path, NULL}, NULL, NULL);
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    load("collective-response.json");
    load("border-incident.json");
    th_exec(db, "INSERT INTO tocsin.seats VALUES (current_user, 'border_post/TJ')");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_db_drop(db);
    return 0;
}

static void expect_count(const char *sql, const char *count)
{
    char *value = th_query_value(db, sql);
    assert_string_equal(value, count);
    free(value);
}

static void test_input_problems_trigger_lists_every_one(void **state)
{
    (void)state;
    th_run r;
    th_tocsin(&r, db,
              (const char *[]){"trigger", "collective-response", "--input", "casualties_reported=many",
                               "--input", "requesting_state=XX", "--input", "request_type=invasion",
                               "--input", "descripton=typo", "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err,
                        "input casualties_reported must be an integer from -9223372036854775808 to "
                        "9223372036854775807, not 'many'\n"
                        "playbook collective-response has no input descripton\n"
                        "input requesting_state must be one of the playbook's parties\n"
                        "input description is required\n"
                        "input request_type must be one of [\"aggression\",\"terrorism\",\"mass_unrest\","
                        "\"natural_disaster\",\"man_made_emergency\"]\n");
    th_run_free(&r);
    /* --inputs too, with parties and severity; the value out of range names its range. */
    th_tocsin(&r, db,
              (const char *[]){"trigger", "border-incident", "--inputs",
                               "{\"sector\": 7, \"incident_type\": \"riot\", \"casualties\": -2}",
                               "--parties", "KZ,KG", "--severity", "dire", "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    assert_string_equal(r.err,
                        "unknown severity dire (extreme, severe, moderate, minor or unknown)\n"
                        "these parties leave task report with no seat: it needs TJ\n"
                        "these parties leave task national with no seat: it needs TJ\n"
                        "input sector must be a string\n"
                        "input incident_type must be one of [\"armed_clash\",\"shelling\",\"incursion\","
                        "\"smuggling\",\"mass_crossing\"]\n"
                        "input casualties must be at least 0, not -2\n");
    th_run_free(&r);
    expect_count("SELECT count(*) FROM tocsin.crises", "0");
}

static void test_input_problems_complete_lists_every_one(void **state)
{
    (void)state;
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"trigger", "border-incident", "--input", "sector=Khatlon", "--input",
                                      "incident_type=shelling", "--no-wait", NULL},
                     NULL, NULL);
    th_expect_tocsin(db, NULL, 0, (const char *[]){"engine", "--once", NULL}, NULL, NULL);
    char *id = th_query_value(db, "SELECT max(id) FROM tocsin.crises");
    th_run r;
    th_tocsin(&r, db,
              (const char *[]){"complete", id, "--data",
                               "{\"situation\": \"calm\", \"casualties\": \"two\", \"weather\": \"rain\"}",
                               "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    assert_string_equal(r.err,
                        "output situation must be one of [\"contained\",\"ongoing\"]\n"
                        "output casualties must be an integer\n"
                        "task report has no output weather (valid: situation, casualties, intruders, "
                        "notes)\n");
    th_run_free(&r);
    /* One problem is one line, as before; an outcome the task does not have names those it has. */
    th_tocsin(&r, db, (const char *[]){"complete", id, "--outcome", "escalate", "--no-wait", NULL});
    assert_int_equal(r.status, 3);
    assert_string_equal(r.err, "task report has no outcome escalate (valid: done)\n");
    th_run_free(&r);
    expect_count("SELECT count(*) FROM tocsin.commands WHERE kind = 'complete'", "0");
    /* Refusals name the fix: what is active, which seats a state has. */
    th_expect_tocsin(db, NULL, 6, (const char *[]){"approve", id, NULL}, NULL,
                     "no active state takes a vote (active: report (task))\n");
    th_expect_tocsin(db, NULL, 5, (const char *[]){"complete", id, "--party", "KZ", NULL}, NULL,
                     "state report has no seat for party KZ (its seats: border_post/TJ)\n");
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_problems_trigger_lists_every_one),
        cmocka_unit_test(test_input_problems_complete_lists_every_one),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
