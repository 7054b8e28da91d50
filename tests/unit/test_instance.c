/*
 * The two readers of a stored crisis (core/instance/instance.h): the fast
 * text reader the engine uses on every event and jansson's, which decides
 * whatever the first does not know. What the database holds is read by
 * both alike, and what neither can read is refused with a reason, never a
 * crash. Each case here is an input the fuzzer (tests/fuzz/fuzz_instance.c)
 * found or that writing it showed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/instance/instance.h"
#include "core/playbook/playbook.h"

/* Two parties, a task per party, a parallel of two branches. */
static const char playbook_text[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"readers\", \"title\": \"Readers\",\n"
    " \"parties\": [\"KZ\", \"TJ\"],\n"
    " \"roles\": {\"border\": {\"title\": \"Border\", \"per_party\": true}},\n"
    " \"start\": \"report\",\n"
    " \"states\": {\n"
    "  \"report\": {\"type\": \"task\", \"assignee\": \"border\", \"parties\": \"all\", \"next\": "
    "\"both\"},\n"
    "  \"both\": {\"type\": \"parallel\", \"branches\": {\n"
    "     \"a\": {\"start\": \"wa\", \"states\": {\"wa\": {\"type\": \"wait\", \"duration\": \"PT1H\", "
    "\"next\": "
    "\"ea\"},\n"
    "                                       \"ea\": {\"type\": \"end\"}}},\n"
    "     \"b\": {\"start\": \"wb\", \"states\": {\"wb\": {\"type\": \"wait\", \"duration\": \"PT2H\", "
    "\"next\": "
    "\"eb\"},\n"
    "                                       \"eb\": {\"type\": \"end\"}}}},\n"
    "     \"next\": \"closed\"},\n"
    "  \"closed\": {\"type\": \"end\"}}}\n";

#define HEAD                                                                                                 \
    "{\"v\":1,\"status\":\"active\",\"severity\":\"minor\",\"mode\":\"actual\",\"parties\":[\"KZ\",\"TJ\"]"
#define SEATS                                                                                                \
    "\"active\":[{\"state\":\"report\",\"visit\":1,\"entered_at\":5,\"seats\":[{\"party\":\"KZ\"},{"         \
    "\"party\":\"TJ\"}]}]"

static int setup(void **state)
{
    tc_playbook *pb = NULL;
    assert_int_equal(tc_playbook_compile(playbook_text, strlen(playbook_text), &pb, NULL, NULL), 0);
    *state = pb;
    return 0;
}

static int teardown(void **state)
{
    tc_playbook_free(*state);
    return 0;
}

/* Reads text through both readers: both succeed and read the same crisis (returned as text), or both
 * refuse (NULL). */
static char *read_both(const tc_playbook *pb, const char *text)
{
    tc_instance *fast = NULL, *slow = NULL;
    tc_error err;
    tc_error_init(&err);
    int rc = tc_instance_from_text(pb, text, strlen(text), &fast, &err);
    if (rc != 0)
        assert_true(err.text[0] != '\0');
    json_t *json = json_loads(text, 0, NULL);
    tc_error_init(&err);
    int rc_json = json ? tc_instance_from_json(pb, json, &slow, &err) : TC_EINVAL;
    json_decref(json);
    if ((rc == 0) != (rc_json == 0))
        fail_msg("the text reader %s, the JSON reader %s: %s", rc ? "refuses" : "accepts",
                 rc_json ? "refuses" : "accepts", text);
    char *result = NULL;
    if (rc == 0) {
        result = tc_instance_to_text(pb, fast);
        char *other = tc_instance_to_text(pb, slow);
        assert_string_equal(result, other);
        free(other);
    }
    tc_instance_free(fast);
    tc_instance_free(slow);
    return result;
}

static void test_instance_reads_what_it_writes(void **state)
{
    const tc_playbook *pb = *state;
    char *text = read_both(pb, HEAD
                           ",\"initiator\":\"tj_hq\",\"title\":\"T\\n\\\"x\\\"\",\"inputs\":{},"
                           "\"data\":{\"report\":{\"KZ\":{\"n\":1}}},\"escalation_level\":1,"
                           "\"triggered\":true,\"created_at\":5,\"visits\":{\"report\":1}," SEATS "}");
    assert_non_null(text);
    char *again = read_both(pb, text);
    assert_string_equal(text, again);
    free(again);
    free(text);
}

/* A key given twice (jsonb never does, JSON may) is read as jansson reads it, the last one winning, and
 * the first value is not leaked (fuzz_instance, LeakSanitizer). */
static void test_instance_duplicate_keys_read_as_the_last(void **state)
{
    const tc_playbook *pb = *state;
    char *text = read_both(pb, HEAD
                           ",\"initiator\":\"first\",\"initiator\":\"second\",\"outcome\":\"x\","
                           "\"outcome\":null,\"parties\":[\"TJ\"],\"visits\":{\"report\":1},"
                           "\"visits\":{\"report\":2}," SEATS "}");
    assert_non_null(text);
    assert_non_null(strstr(text, "\"initiator\":\"second\""));
    assert_null(strstr(text, "first"));
    assert_null(strstr(text, "\"outcome\""));
    assert_non_null(strstr(text, "\"parties\":[\"TJ\"]"));
    assert_non_null(strstr(text, "\"visits\":{\"report\":2}"));
    free(text);

    text = read_both(pb, HEAD
                     ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\",\"done_by\":\"a\","
                     "\"done_by\":\"b\"}],\"seats\":[{\"party\":\"TJ\"}]}]}");
    assert_non_null(text);
    assert_non_null(strstr(text, "\"seats\":[{\"party\":\"TJ\"}]"));
    free(text);
}

/* Text that is not UTF-8, or a control character unescaped, is not JSON: the fast reader took it, and
 * then the crisis could not be written as JSON (tc_instance_to_json failed: fuzz_instance). */
static void test_instance_refuses_what_is_not_json_text(void **state)
{
    const tc_playbook *pb = *state;
    assert_null(read_both(pb, HEAD ",\"title\":\"Incident \xfa\xfa on the border\"}"));
    assert_null(read_both(pb, HEAD ",\"title\":\"two\nlines\"}"));
    assert_null(read_both(pb, HEAD ",\"title\":\"tab \\t and \x01\"}"));
    assert_null(read_both(pb, HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\","
                                   "\"reason\":\"\xc0\xaf\"}]}]}"));
    char *text =
        read_both(pb, HEAD ",\"title\":\"Khatlon \xd0\xa5\xd0\xb0\xd1\x82\xd0\xbb\xd0\xbe\xd0\xbd\"}");
    assert_non_null(text);
    free(text);
}

/* A number beyond int64 is refused (it was summed past INT64_MAX: undefined behaviour). */
static void test_instance_refuses_numbers_beyond_int64(void **state)
{
    const tc_playbook *pb = *state;
    assert_null(read_both(pb, HEAD ",\"created_at\":99999999999999999999}"));
    assert_null(read_both(pb, HEAD ",\"id\":9223372036854775808}"));
    char *text = read_both(pb, HEAD ",\"id\":9223372036854775807}");
    assert_non_null(strstr(text, "\"id\":9223372036854775807"));
    free(text);
}

/* The version, status, severity and mode are required by both readers (the text reader took a crisis
 * without them that the JSON reader refuses: fuzz_instance). */
static void test_instance_requires_version_status_severity_mode(void **state)
{
    const tc_playbook *pb = *state;
    assert_null(read_both(pb, "{\"status\":\"active\",\"severity\":\"minor\",\"mode\":\"actual\"}"));
    assert_null(read_both(pb, "{\"v\":1,\"severity\":\"minor\",\"mode\":\"actual\"}"));
    assert_null(read_both(pb, "{\"v\":1,\"status\":\"active\",\"mode\":\"actual\"}"));
    assert_null(read_both(pb, "{\"v\":1,\"status\":\"active\",\"severity\":\"minor\"}"));
    assert_null(read_both(pb, "{\"v\":2,\"status\":\"active\",\"severity\":\"minor\",\"mode\":\"actual\"}"));
    char *text = read_both(pb, "{\"mode\":\"test\",\"severity\":\"minor\",\"status\":\"closed\",\"v\":1}");
    assert_non_null(text);
    free(text);
}

/* An activation without a state (or whose state is not a string) is refused; it crashed the JSON reader
 * (tc_playbook_state(pb, NULL): fuzz_instance). */
static void test_instance_activation_without_state(void **state)
{
    const tc_playbook *pb = *state;
    assert_null(read_both(pb, HEAD ",\"active\":[{\"visit\":2,\"seats\":[{\"party\":null}]}]}"));
    assert_null(read_both(pb, HEAD ",\"active\":[{\"state\":7}]}"));
    assert_null(read_both(pb, HEAD ",\"active\":[{\"state\":\"nowhere\"}]}"));
    assert_null(tc_playbook_state(pb, NULL));
    assert_int_equal(tc_playbook_party(pb, NULL), -1);
    assert_int_equal(tc_playbook_role(pb, NULL), -1);
    assert_int_equal(tc_playbook_input(pb, NULL), -1);
}

/* A parallel's branches: each at most once, by name; anything else is refused. */
static void test_instance_branches(void **state)
{
    const tc_playbook *pb = *state;
    char *text = read_both(pb, HEAD
                           ",\"active\":[{\"state\":\"both\",\"branches\":{\"a\":\"done\",\"b\":null}},"
                           "{\"state\":\"both/b/wb\"}]}");
    assert_non_null(text);
    assert_non_null(strstr(text, "\"branches\":{\"a\":\"done\",\"b\":null}"));
    free(text);
    assert_null(read_both(pb, HEAD ",\"active\":[{\"state\":\"both\",\"branches\":{\"c\":\"done\"}}]}"));
    assert_null(read_both(pb, HEAD ",\"active\":[{\"state\":\"report\",\"branches\":{\"a\":\"done\"}}]}"));
}

/* Whatever the spacing and key order (jsonb's), and refusals of what is not a crisis at all. */
static void test_instance_spacing_and_refusals(void **state)
{
    const tc_playbook *pb = *state;
    char *text = read_both(pb,
                           " { \"mode\" : \"exercise\" ,\t\"v\" : 1 , \"status\" : \"cancelled\" ,\r\n"
                           "\"severity\" : \"extreme\" , \"active\" : [ ] , \"visits\" : { } } ");
    assert_non_null(text);
    free(text);
    static const char *const refused[] = {
        "",
        "[]",
        "{",
        HEAD,
        HEAD ",\"status\":\"asleep\"}",
        HEAD ",\"parties\":[\"XX\"]}",
        HEAD ",\"inputs\":[]}",
        HEAD ",\"visits\":{\"nowhere\":1}}",
        HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"XX\"}]}]}",
        HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"vote\":\"maybe\"}]}]}",
        HEAD "} trailing",
    };
    /* A key neither reader knows (a newer engine's) is left to the JSON reader, which ignores it. */
    text = read_both(pb, HEAD
                     ",\"unknown\":1,\"active\":[{\"state\":\"report\",\"later\":[1,{}],"
                     "\"seats\":[{\"party\":\"KZ\",\"new\":\"x\"}]}]}");
    assert_non_null(text);
    assert_null(strstr(text, "unknown"));
    free(text);
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char *t = read_both(pb, refused[i]);
        if (t != NULL)
            fail_msg("accepted: %s", refused[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instance_reads_what_it_writes),
        cmocka_unit_test(test_instance_duplicate_keys_read_as_the_last),
        cmocka_unit_test(test_instance_refuses_what_is_not_json_text),
        cmocka_unit_test(test_instance_refuses_numbers_beyond_int64),
        cmocka_unit_test(test_instance_requires_version_status_severity_mode),
        cmocka_unit_test(test_instance_activation_without_state),
        cmocka_unit_test(test_instance_branches),
        cmocka_unit_test(test_instance_spacing_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
