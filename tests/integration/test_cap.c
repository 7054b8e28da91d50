/*
 * `tocsin show ID --format cap` against a real server: each alert validates
 * against the CAP 1.2 schema (tests/data/cap/CAP-v1.2.xsd) with xmllint; the
 * crisis as opened is an Alert, a later change an Update referencing it, a
 * cancelled crisis a Cancel; the same state gives the same identifier; the
 * mode is the status; a hostile title is escaped; an unknown crisis is exit
 * 4 and an unknown format exit 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "harness.h"

static char *db, *dir;

static int setup(void **state)
{
    (void)state;
    setenv("TOCSIN_CAP_SENDER", "ops@secretariat.example.org", 1);
    db = th_db_create();
    dir = th_tempdir();
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_exec(db, "INSERT INTO tocsin.seats VALUES (current_user, 'council/KZ')");
    th_run_ok(db, (const char *[]){"trigger", "council", "--title", "Incursion <near> Panj & \"post 12\"\x01",
                                   "--severity", "severe", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"trigger", "council", "--mode", "exercise", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_db_drop(db);
    th_rmtree(dir);
    free(dir);
    return 0;
}

/* The alert of crisis id; fails unless it validates against the schema. */
static char *alert(const char *id)
{
    th_run r;
    th_tocsin(&r, db, (const char *[]){"show", id, "--format", "cap", NULL});
    if (r.status != 0)
        fail_msg("show %s --format cap: exit %d: %s", id, r.status, r.err);
    th_write_file(dir, "alert.xml", r.out);
    char command[8400];
    snprintf(command, sizeof command,
             "xmllint --noout --schema %s/tests/data/cap/CAP-v1.2.xsd %s/alert.xml 2>&1",
             th_env("TOCSIN_SOURCE_DIR"), dir);
    FILE *p = popen(command, "r");
    char said[4096] = "";
    size_t n = fread(said, 1, sizeof said - 1, p);
    said[n] = '\0';
    int rc = pclose(p);
    if (rc != 0)
        fail_msg("the alert does not validate (xmllint exit %d%s): %s\n%s", WEXITSTATUS(rc),
                 WEXITSTATUS(rc) == 127 ? ", xmllint is missing: Debian's libxml2-utils" : "", said, r.out);
    char *out = strdup(r.out);
    th_run_free(&r);
    return out;
}

/* The text of the first <name> element of xml; "" when none. */
static char *element(const char *xml, const char *name)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *from = strstr(xml, open), *to = from ? strstr(from, close) : NULL;
    if (from == NULL || to == NULL)
        return strdup("");
    from += strlen(open);
    return strndup(from, (size_t)(to - from));
}

static void expect_element(const char *xml, const char *name, const char *want)
{
    char *got = element(xml, name);
    if (strcmp(got, want) != 0)
        fail_msg("<%s> is '%s', expected '%s':\n%s", name, got, want, xml);
    free(got);
}

static void test_cap_alert_then_update(void **state)
{
    (void)state;
    char *first = alert("1");
    expect_element(first, "msgType", "Alert");
    expect_element(first, "status", "Actual");
    expect_element(first, "scope", "Restricted");
    expect_element(first, "severity", "Severe");
    expect_element(first, "urgency", "Immediate");
    expect_element(first, "sender", "ops@secretariat.example.org");
    expect_element(first, "headline", "Incursion &lt;near&gt; Panj &amp; &quot;post 12&quot;");
    assert_null(strstr(first, "<references>"));
    char *identifier = element(first, "identifier"), *sent = element(first, "sent");
    assert_true(strncmp(identifier, "tocsin-crisis-1-", 16) == 0);
    /* The same state: the same message. */
    char *again = alert("1");
    assert_string_equal(again, first);
    free(again);

    th_run_ok(db, (const char *[]){"vote", "1", "approve", "--party", "KZ", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", NULL});
    char *update = alert("1");
    expect_element(update, "msgType", "Update");
    char *next = element(update, "identifier");
    assert_string_not_equal(next, identifier);
    char want[512];
    snprintf(want, sizeof want, "ops@secretariat.example.org,%s,%s", identifier, sent);
    expect_element(update, "references", want);
    assert_non_null(strstr(update, "1 approve, 0 reject, 0 abstain, 5 not voted"));

    th_run_ok(db, (const char *[]){"cancel", "1", "--reason", "drill over", "--no-wait", NULL});
    th_run_ok(db, (const char *[]){"engine", "--once", NULL});
    char *cancel = alert("1");
    expect_element(cancel, "msgType", "Cancel");
    expect_element(cancel, "urgency", "Past");
    expect_element(cancel, "references", want);
    free(first);
    free(update);
    free(cancel);
    free(identifier);
    free(sent);
    free(next);
}

static void test_cap_modes_and_refusals(void **state)
{
    (void)state;
    char *exercise = alert("2");
    expect_element(exercise, "status", "Exercise");
    expect_element(exercise, "severity", "Unknown");
    free(exercise);
    th_expect_tocsin(db, NULL, 4, (const char *[]){"show", "99", "--format", "cap", NULL}, NULL,
                     "no crisis 99");
    th_expect_tocsin(db, NULL, 2, (const char *[]){"show", "1", "--format", "pdf", NULL}, NULL,
                     "--format is text, json or cap, not 'pdf'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_alert_then_update),
        cmocka_unit_test(test_cap_modes_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
