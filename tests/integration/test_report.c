/*
 * `tocsin report` against a real server and a running engine: a small
 * counter-narcotics operation (tests/data/report/interdiction.json) with an
 * escalation, votes with reasons (one cast through --as, one hostile), task
 * outputs from two parties and a consolidated figure, closed: the report's
 * numbers add up, its hash is the crisis's chain head and the chain verifies;
 * the HTML page escapes what it must and prints in headless Chromium to PDF
 * and PNG; a cancelled crisis and an active one say so; an unknown crisis is
 * exit 4, a bad --format 2, a database that does not answer 7.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"

static char *db;
static th_proc *engine;
static char head[64]; /* a head of authority holding council/KZ, who votes through --as */

#define HOSTILE "<script>alert('x')</script> & \"more\""
#define TRICKY  "sound plan | go\n# not a heading `really`"

static void run_ok(const char *const *args)
{
    th_run r;
    th_tocsin(&r, db, args);
    if (r.status != 0)
        fail_msg("tocsin %s %s: exit %d\n%s%s", args[0], args[1] ? args[1] : "", r.status, r.out, r.err);
    th_run_free(&r);
}

/* `tocsin report ARGS` must exit 0; its stdout (free()). */
static char *report(const char *const *args)
{
    th_run r;
    th_tocsin(&r, db, args);
    if (r.status != 0)
        fail_msg("tocsin report: exit %d\n%s", r.status, r.err);
    char *out = r.out;
    r.out = NULL;
    th_run_free(&r);
    return out;
}

static void expect_contains(const char *text, const char *const *wants)
{
    for (size_t i = 0; wants[i] != NULL; i++)
        if (!th_contains(text, wants[i]))
            fail_msg("the report does not say \"%s\":\n%s", wants[i], text);
}

static int setup(void **state)
{
    (void)state;
    db = th_db_create();
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/report/interdiction.json", th_env("TOCSIN_SOURCE_DIR"));
    run_ok((const char *[]){"playbook", "load", path, NULL});
    th_exec(db,
            "INSERT INTO tocsin.seats SELECT current_user, unnest(ARRAY['hq', 'council/TJ',"
            " 'border_service/KZ', 'border_service/TJ'])");
    snprintf(head, sizeof head, "kz_head_%ld", (long)getpid());
    run_ok((const char *[]){"actor", "add", head, "--seat", "council/KZ", NULL});
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_stop(engine);
    th_db_drop(db);
    char sql[128];
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", head);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    return 0;
}

/* The operation, to its end: crisis 1. */
static void run_operation(void)
{
    run_ok((const char *[]){"trigger", "interdiction", "--parties", "KZ,TJ", "--title",
                            "Operation *Channel* 2026", NULL});
    run_ok((const char *[]){"escalate", "1", "--state", "approve_plan", "--reason", "the council is slow",
                            NULL});
    run_ok((const char *[]){"approve", "1", "--party", "KZ", "--as", head, "--reason", TRICKY, NULL});
    run_ok((const char *[]){"approve", "1", "--party", "TJ", "--reason", HOSTILE, NULL});
    run_ok((const char *[]){"complete", "1", "--state", "interdict", "--party", "KZ", "--data",
                            "{\"drugs_seized_kg\": 120.5, \"crimes_stopped\": 4, \"note\": \"two couriers\"}",
                            NULL});
    run_ok((const char *[]){"complete", "1", "--state", "interdict", "--party", "TJ", "--data",
                            "{\"drugs_seized_kg\": 80.25, \"crimes_stopped\": 3}", NULL});
    run_ok((const char *[]){"complete", "1", "--state", "consolidate", "--data",
                            "{\"total_seized_kg\": 200.75}", NULL});
    char *status = th_query_value(db, "SELECT status || ' ' || outcome FROM tocsin.crises WHERE id = 1");
    assert_string_equal(status, "closed resolved");
    free(status);
}

static void test_report_closed_crisis_adds_up(void **state)
{
    (void)state;
    run_operation();
    char *hash = th_query_value(db, "SELECT audit_hash FROM tocsin.crises WHERE id = 1");
    char *md = report((const char *[]){"report", "1", NULL});
    char hash_line[128];
    snprintf(hash_line, sizeof hash_line, "- Final hash: `%s`\n", hash);
    char vote_line[256];
    snprintf(vote_line, sizeof vote_line, "  - `council/KZ` **approve** by `%s` (logged in as `", head);
    expect_contains(
        md, (const char *[]){
                "# Crisis 1: report\n", "- Title: `Operation *Channel* 2026`\n",
                "- Playbook: `interdiction`, version 1\n", "- Parties: `KZ`, `TJ`\n",
                "- Status: `closed`; outcome: `resolved`\n",
                "- Duration: ", "### `approve_plan` (visit 1): `approved`\n",
                "- Rule: `unanimous`; tally: 2 approve, 0 reject, 0 abstain, 0 pending\n",
                " from opening to decision\n", vote_line,
                /* verbatim, in a code span its backticks cannot close, on one line */
                ": `` sound plan | go\\n# not a heading `really` ``\n",
                ": `<script>alert('x')</script> & \"more\"`\n", "- `approve_plan` level 1 at ", ", by `",
                ": `the council is slow`\n", "  - Notified: `hq`\n", "  - Acted after: `",
                "| Party | Tasks | `crimes_stopped` | `drugs_seized_kg` |\n", "| `KZ` | 1 | 4 | 120.5 |\n",
                "| `TJ` | 1 | 3 | 80.25 |\n", "| **Total** | 2 | **7** | **200.75** |\n",
                "`note` `two couriers`", "`consolidate` `hq` by `", "`total_seized_kg` 200.75", hash_line,
                "- Chain verifies: yes\n", NULL});
    /* Nothing from a reason starts a line of its own. */
    assert_false(th_contains(md, "\n# not a heading"));
    assert_false(th_contains(md, "provisional"));
    assert_false(th_contains(md, "cancelled"));

    /* The data behind it. */
    char *text = report((const char *[]){"report", "1", "--json", NULL});
    json_t *model = json_loads(text, 0, NULL);
    assert_non_null(model);
    json_t *total = json_object_get(json_object_get(model, "outputs"), "total");
    assert_int_equal(json_integer_value(json_object_get(total, "crimes_stopped")), 7);
    assert_true(json_real_value(json_object_get(total, "drugs_seized_kg")) == 200.75);
    assert_null(json_object_get(total, "total_seized_kg")); /* a task of no party: listed, not summed */
    json_t *decision = json_array_get(json_object_get(model, "decisions"), 0);
    assert_int_equal(json_array_size(json_object_get(decision, "votes")), 2);
    assert_true(json_integer_value(json_object_get(decision, "seconds")) >= 0);
    assert_true(json_is_true(json_object_get(model, "verified")));
    assert_string_equal(json_string_value(json_object_get(model, "audit_hash")), hash);
    json_decref(model);
    free(text);
    free(md);
    free(hash);
}

static int png_size(const char *path, unsigned *width, unsigned *height)
{
    FILE *f = fopen(path, "rb");
    unsigned char b[24];
    int ok = f != NULL && fread(b, 1, sizeof b, f) == sizeof b && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
    if (f != NULL)
        fclose(f);
    if (ok) {
        *width = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
        *height = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    }
    return ok;
}

static void chromium(const char *dir, const char *what)
{
    char command[16384];
    snprintf(command, sizeof command,
             "chromium --headless --no-sandbox --disable-gpu --user-data-dir='%s/profile' %s "
             "'file://%s/report.html' >'%s/chromium.log' 2>&1",
             dir, what, dir, dir);
    int status = system(command);
    if (status != 0) {
        char log[4096];
        snprintf(log, sizeof log, "%s/chromium.log", dir);
        char *text = th_read_file(log);
        fail_msg("chromium %s: status %d\n%s", what, status, text);
    }
}

static void test_report_html_escapes_and_prints(void **state)
{
    (void)state;
    char *html = report((const char *[]){"report", "1", "--format", "html", NULL});
    expect_contains(html,
                    (const char *[]){"<!DOCTYPE html>", "@media print",
                                     "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;",
                                     "<tr class=\"total\"><td>Total</td><td class=\"n\">2</td>"
                                     "<td class=\"n\">7</td><td class=\"n\">200.75</td></tr>",
                                     "<span class=\"ok\">yes</span>", NULL});
    assert_false(th_contains(html, "<script"));
    assert_false(th_contains(html, "http://"));
    assert_false(th_contains(html, "https://"));

    /* Printed by headless Chromium: a PDF and a screenshot that are not empty pages. */
    char *dir = th_tempdir();
    th_write_file(dir, "report.html", html);
    char pdf[4096], png[4096], option[4200];
    snprintf(pdf, sizeof pdf, "%s/report.pdf", dir);
    snprintf(png, sizeof png, "%s/report.png", dir);
    snprintf(option, sizeof option, "--no-pdf-header-footer --print-to-pdf='%s'", pdf);
    chromium(dir, option);
    snprintf(option, sizeof option, "--hide-scrollbars --window-size=1100,1500 --screenshot='%s'", png);
    chromium(dir, option);
    struct stat st;
    assert_int_equal(stat(pdf, &st), 0);
    assert_true(st.st_size > 10000);
    char *text = th_read_file(pdf);
    assert_memory_equal(text, "%PDF-", 5);
    free(text);
    unsigned width = 0, height = 0;
    assert_true(png_size(png, &width, &height));
    assert_int_equal(width, 1100);
    assert_int_equal(height, 1500);
    assert_int_equal(stat(png, &st), 0);
    assert_true(st.st_size > 20000); /* text and tables, not a blank page */
    const char *artifacts = getenv("TOCSIN_ARTIFACTS");
    if (artifacts != NULL && *artifacts) {
        char command[16384];
        snprintf(command, sizeof command, "mkdir -p '%s' && cp '%s' '%s' '%s/report.html' '%s/'", artifacts,
                 pdf, png, dir, artifacts);
        assert_int_equal(system(command), 0);
    }
    th_rmtree(dir);
    free(dir);
    free(html);
}

static void test_report_cancelled_and_active(void **state)
{
    (void)state;
    run_ok((const char *[]){"trigger", "interdiction", "--parties", "KZ,TJ", NULL});
    run_ok((const char *[]){"cancel", "2", "--reason", "the route was closed by floods", NULL});
    char *md = report((const char *[]){"report", "2", NULL});
    expect_contains(md, (const char *[]){"> **This crisis was cancelled** by `",
                                         " UTC. Reason: `the route was closed by floods`\n",
                                         "- Status: `cancelled`", "No approval was decided.\n",
                                         "- Chain verifies: yes\n", NULL});
    assert_false(th_contains(md, "provisional"));
    free(md);
    char *html = report((const char *[]){"report", "2", "--format", "html", NULL});
    expect_contains(html, (const char *[]){"<p class=\"banner cancelled\"><strong>This crisis was cancelled",
                                           "the route was closed by floods", NULL});
    free(html);

    run_ok((const char *[]){"trigger", "interdiction", "--parties", "KZ,TJ", NULL});
    run_ok((const char *[]){"approve", "3", "--party", "TJ", "--reason", "ready", NULL});
    md = report((const char *[]){"report", "3", NULL});
    expect_contains(md,
                    (const char *[]){"# Crisis 3: report\n\n> **This crisis is still active. This report is "
                                     "provisional**",
                                     "- Duration: none yet (still active)\n", "No approval was decided.\n",
                                     "approve_plan vote council/TJ approve by ", NULL});
    free(md);
    html = report((const char *[]){"report", "3", "--format", "html", NULL});
    expect_contains(
        html, (const char *[]){"<p class=\"banner active\"><strong>This crisis is still active.", NULL});
    free(html);
}

static void test_report_refusals(void **state)
{
    (void)state;
    th_expect_tocsin(db, NULL, 4, (const char *[]){"report", "99", NULL}, "", "no crisis 99");
    th_expect_tocsin(db, NULL, 2, (const char *[]){"report", "1", "--format", "pdf", NULL}, "",
                     "--format is md or html, not 'pdf'");
    th_expect_tocsin(db, NULL, 2, (const char *[]){"report", NULL}, "", "report needs one crisis ID");
    th_expect_tocsin(db, NULL, 0, (const char *[]){"report", "--help", NULL}, "usage: tocsin report ID",
                     NULL);
    th_run r;
    th_tocsin(&r, "host=/nonexistent/socket dbname=none connect_timeout=2",
              (const char *[]){"report", "1", NULL});
    assert_int_equal(r.status, 7);
    th_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_closed_crisis_adds_up),
        cmocka_unit_test(test_report_html_escapes_and_prints),
        cmocka_unit_test(test_report_cancelled_and_active),
        cmocka_unit_test(test_report_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
