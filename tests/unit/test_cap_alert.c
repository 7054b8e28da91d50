/*
 * The CAP 1.2 alert of a crisis (core/cap), from the document of show --json
 * and the facts of its audit: the message type by the change it is, the
 * status by the mode, urgency and severity, the description of what waits,
 * inputs as parameters, and text escaped as XML. (test_cap checks whole
 * alerts from the binary against the schema.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cap/cap.h"

static const char active_show[] =
    "{\"id\": 12, \"playbook\": \"border-incident\", \"version\": 3, \"status\": \"active\", \"mode\": "
    "\"actual\","
    " \"severity\": \"severe\", \"title\": \"Shots <fired> & \\\"more\\\"\", \"created_at\": "
    "\"2026-12-05T08:00:00Z\","
    " \"escalation_level\": 2, \"parties\": [\"KZ\", \"TJ\"],"
    " \"inputs\": {\"sector\": \"Khatlon\", \"casualties\": 2, \"armed\": true},"
    " \"active\": [{\"path\": \"report\", \"type\": \"task\", \"title\": \"First report\","
    "               \"deadline\": \"2026-12-05T09:00:00Z\"},"
    "              {\"path\": \"deploy\", \"type\": \"approval\","
    "               \"tally\": {\"approve\": 2, \"reject\": 1, \"abstain\": 0, \"pending\": 3}}]}";

static char *alert(const char *show_text, int64_t first_seq, int64_t seq)
{
    json_t *show = json_loads(show_text, 0, NULL);
    assert_non_null(show);
    tc_cap_facts facts = {"tocsin@ops.example.org", first_seq, "2026-12-05T08:00:00+00:00", seq,
                          "2026-12-05T08:30:00+00:00"};
    char *xml = tc_cap_alert(show, &facts);
    json_decref(show);
    assert_non_null(xml);
    return xml;
}

static void has(const char *xml, const char *part)
{
    if (strstr(xml, part) == NULL)
        fail_msg("no %s in:\n%s", part, xml);
}

static void test_cap_alert_first_message(void **state)
{
    (void)state;
    char *xml = alert(active_show, 4, 4);
    has(xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert "
        "xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
    has(xml, "  <identifier>tocsin-crisis-12-4</identifier>\n");
    has(xml, "  <sender>tocsin@ops.example.org</sender>\n");
    has(xml, "  <sent>2026-12-05T08:30:00+00:00</sent>\n");
    has(xml, "  <status>Actual</status>\n  <msgType>Alert</msgType>\n");
    has(xml, "  <restriction>the parties of the crisis: KZ, TJ</restriction>\n");
    assert_null(strstr(xml, "<references>"));
    has(xml, "  <incidents>tocsin-crisis-12</incidents>\n");
    has(xml, "    <event>border-incident</event>\n    <urgency>Immediate</urgency>\n");
    has(xml, "    <severity>Severe</severity>\n");
    has(xml, "    <onset>2026-12-05T08:00:00+00:00</onset>\n");
    has(xml, "    <headline>Shots &lt;fired&gt; &amp; &quot;more&quot;</headline>\n");
    has(xml,
        "    <description>Active, escalation level 2.\nreport (task): First report; deadline "
        "2026-12-05T09:00:00Z\ndeploy (approval); 2 approve, 1 reject, 0 abstain, 3 not "
        "voted</description>\n");
    has(xml, "    <instruction>tocsin show 12</instruction>\n");
    has(xml, "      <valueName>tocsin:playbook</valueName>\n      <value>border-incident@3</value>\n");
    has(xml, "      <valueName>tocsin:input:sector</valueName>\n      <value>Khatlon</value>\n");
    has(xml, "      <valueName>tocsin:input:casualties</valueName>\n      <value>2</value>\n");
    has(xml, "      <valueName>tocsin:input:armed</valueName>\n      <value>true</value>\n");
    has(xml, "    <area>\n      <areaDesc>KZ, TJ</areaDesc>\n    </area>\n  </info>\n</alert>\n");
    free(xml);
}

static void test_cap_alert_updates_and_cancel(void **state)
{
    (void)state;
    char *xml = alert(active_show, 4, 9);
    has(xml, "<identifier>tocsin-crisis-12-9</identifier>");
    has(xml, "<msgType>Update</msgType>");
    has(xml, "<references>tocsin@ops.example.org,tocsin-crisis-12-4,2026-12-05T08:00:00+00:00</references>");
    free(xml);

    xml = alert(
        "{\"id\": 7, \"playbook\": \"p\", \"version\": 1, \"status\": \"cancelled\", \"mode\": \"exercise\","
        " \"severity\": \"minor\", \"title\": \"t\", \"created_at\": \"2026-12-05T08:00:00Z\", \"parties\": "
        "[]}",
        2, 5);
    has(xml, "<status>Exercise</status>");
    has(xml, "<msgType>Cancel</msgType>");
    has(xml, "<urgency>Past</urgency>");
    has(xml, "<severity>Minor</severity>");
    has(xml, "<description>The crisis is cancelled.</description>");
    has(xml, "<restriction>the parties of the crisis:</restriction>");
    assert_null(strstr(xml, "<area>"));
    free(xml);
}

static void test_cap_alert_closed_and_defaults(void **state)
{
    (void)state;
    char *xml = alert(
        "{\"id\": 3, \"playbook\": \"p\", \"version\": 2, \"status\": \"closed\", \"outcome\": "
        "\"resolved\", \"mode\": \"test\", \"severity\": \"moderate\", \"parties\": [\"AM\"]}",
        1, 6);
    has(xml, "<status>Test</status>");
    has(xml, "<msgType>Update</msgType>");
    has(xml, "<urgency>Past</urgency>");
    has(xml, "<description>The crisis is closed (outcome resolved).</description>");
    free(xml);

    /* Not opened yet, no severity: an Alert of sequence 0, severity Unknown, urgency Expected. */
    xml = alert("{\"id\": 1, \"status\": \"active\", \"mode\": \"actual\", \"parties\": [\"AM\"]}", 0, 0);
    has(xml, "<identifier>tocsin-crisis-1-0</identifier>");
    has(xml, "<msgType>Alert</msgType>");
    has(xml, "<urgency>Expected</urgency>");
    has(xml, "<severity>Unknown</severity>");
    has(xml, "<description>Active, escalation level 0.</description>");
    free(xml);
}

/* Anyone's words in the alert: escaped as XML, and what XML 1.0 may not hold at all left out. */
static void test_cap_alert_hostile_text(void **state)
{
    (void)state;
    char *xml = alert(
        "{\"id\": 5, \"playbook\": \"p<x>\", \"version\": 1, \"status\": \"active\", \"mode\": \"actual\","
        " \"severity\": \"extreme\", \"title\": \"a\\u0001b]]><script>c\\u001bd\\te\", \"created_at\": "
        "\"2026-12-05T08:00:00Z\", \"parties\": [\"K&Z\"], \"inputs\": {\"<k>\": \"</value><x>\", \"n\": "
        "null, \"o\": {\"a\": [1, \"'\"]}},"
        " \"active\": [{\"path\": \"a&b\", \"type\": \"task\", \"title\": \"<t>\", \"deadline\": \"d<\"}]}",
        1, 1);
    has(xml, "<urgency>Immediate</urgency>");
    has(xml, "<severity>Extreme</severity>");
    has(xml, "<event>p&lt;x&gt;</event>");
    has(xml, "<headline>ab]]&gt;&lt;script&gt;cd\te</headline>");
    has(xml, "<restriction>the parties of the crisis: K&amp;Z</restriction>");
    has(xml, "<valueName>tocsin:input:&lt;k&gt;</valueName>\n      <value>&lt;/value&gt;&lt;x&gt;</value>");
    has(xml, "<valueName>tocsin:input:n</valueName>\n      <value>null</value>");
    has(xml,
        "<valueName>tocsin:input:o</valueName>\n      <value>{&quot;a&quot;:[1,&quot;&#39;&quot;]}</value>");
    has(xml,
        "<description>Active, escalation level 0.\na&amp;b (task): &lt;t&gt;; deadline d&lt;</description>");
    has(xml, "<parameter>\n      <valueName>tocsin:playbook</valueName>\n      <value>p&lt;x&gt;@1</value>");
    assert_null(strstr(xml, "<script>"));
    assert_null(strstr(xml, "\x01"));
    assert_null(strstr(xml, "\x1b"));
    free(xml);
}

/* Severities as they come: a capital kept, anything else as it is; an outcome that is no text left out; a
 * party that is no text is no party (it was printed as "(null)"). */
static void test_cap_alert_odd_fields(void **state)
{
    (void)state;
    char *xml = alert(
        "{\"id\": 6, \"status\": \"active\", \"mode\": \"exercise\", \"severity\": \"Severe\", \"parties\": "
        "[5, \"KZ\", null, \"TJ\"]}",
        1, 2);
    has(xml, "<severity>Severe</severity>");
    has(xml, "<urgency>Expected</urgency>");
    has(xml, "<restriction>the parties of the crisis: KZ, TJ</restriction>");
    has(xml, "<areaDesc>KZ, TJ</areaDesc>");
    assert_null(strstr(xml, "(null)"));
    free(xml);
    xml = alert(
        "{\"id\": 6, \"status\": \"closed\", \"outcome\": null, \"mode\": \"actual\", \"severity\": \"9\", "
        "\"parties\": [7]}",
        1, 3);
    has(xml, "<severity>9</severity>");
    has(xml, "<description>The crisis is closed.</description>");
    has(xml, "<restriction>the parties of the crisis:</restriction>");
    assert_null(strstr(xml, "<area>"));
    free(xml);
}

/* A severity that starts with no lower-case letter, even one past 'z', is left as it is; a title or a
 * deadline that is null is left out of the description. */
static void test_cap_alert_severity_and_nulls(void **state)
{
    (void)state;
    char *xml = alert(
        "{\"id\": 6, \"status\": \"active\", \"mode\": \"actual\", \"severity\": \"~odd\", "
        "\"parties\": [], \"active\": [{\"path\": \"ask\", \"type\": \"approval\", \"title\": null, "
        "\"deadline\": null}]}",
        1, 4);
    has(xml, "<severity>~odd</severity>");
    has(xml, "<description>Active, escalation level 0.\nask (approval)</description>");
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_alert_first_message),
        cmocka_unit_test(test_cap_alert_updates_and_cancel),
        cmocka_unit_test(test_cap_alert_closed_and_defaults),
        cmocka_unit_test(test_cap_alert_hostile_text),
        cmocka_unit_test(test_cap_alert_odd_fields),
        cmocka_unit_test(test_cap_alert_severity_and_nulls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
