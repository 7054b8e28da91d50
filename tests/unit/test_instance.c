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

/* What the text reader refuses, the JSON reader refuses too, with the same words: returns them. */
static const char *refusal(const tc_playbook *pb, const char *text)
{
    static char message[512];
    tc_instance *inst = NULL;
    tc_error err;
    tc_error_init(&err);
    if (tc_instance_from_text(pb, text, strlen(text), &inst, &err) == 0)
        fail_msg("accepted: %s", text);
    assert_null(inst);
    snprintf(message, sizeof message, "%s", err.text);
    json_t *json = json_loads(text, 0, NULL);
    if (json != NULL) {
        tc_error_init(&err);
        assert_int_equal(tc_instance_from_json(pb, json, &inst, &err), TC_EINVAL);
        assert_string_equal(err.text, message);
        json_decref(json);
    }
    return message;
}

/* The text writer writes what jansson's compact dump of tc_instance_to_json writes, whatever the values. */
static void assert_writers_agree(const tc_playbook *pb, const char *text)
{
    tc_instance *inst = NULL;
    assert_int_equal(tc_instance_from_text(pb, text, strlen(text), &inst, NULL), 0);
    json_t *tree = tc_instance_to_json(pb, inst);
    char *compact = json_dumps(tree, JSON_COMPACT);
    char *fast = tc_instance_to_text(pb, inst);
    assert_string_equal(fast, compact);
    tc_instance *copy = tc_instance_copy(pb, inst);
    assert_non_null(copy);
    char *again = tc_instance_to_text(pb, copy);
    assert_string_equal(again, fast);
    free(again);
    tc_instance_free(copy);
    free(fast);
    free(compact);
    json_decref(tree);
    tc_instance_free(inst);
}

/* Every kind of value in inputs, data and tallies, negative numbers, and every character a string escapes:
 * written as jansson writes them, and read back the same by both readers. The text writer wrote a
 * backspace and a form feed as \u0008 and \u000c, where jansson writes \b and \f: the two writers
 * differed on a title with either. */
static void test_instance_values_of_every_kind(void **state)
{
    const tc_playbook *pb = *state;
    const char *text = HEAD
        ",\"outcome\":\"x\",\"initiator\":\"a\\r\\u0001\\\\b\",\"initiator_login\":\"ivanov\","
        "\"title\":\"tab\\tquote\\\" slash\\/ bell\\b feed\\f\","
        "\"inputs\":{\"list\":[1,-2,[],{},[true,false,null]],\"real\":-1.5e3,\"s\":\"a,}]\\\"b\"},"
        "\"data\":{\"empty\":[],\"n\":-9223372036854775807},\"tallies\":{\"vote\":{\"approve\":1}},"
        "\"escalation_level\":-2,\"created_at\":-5,\"closed_at\":7,\"visits\":{\"report\":1,\"both\":-1},"
        "\"active\":[{\"state\":\"report\",\"visit\":1,\"entered_at\":-5,\"level\":2,\"seats\":["
        "{\"party\":\"KZ\",\"vote\":\"approve\",\"vote_by\":\"k\",\"vote_at\":1,\"reason\":null,"
        "\"done\":true,\"outcome\":\"done\",\"done_by\":\"k\",\"done_at\":2,\"acked_by\":\"k\","
        "\"acked_at\":3},{\"party\":null,\"done\":false,\"vote\":\"abstain\"}],\"attempt\":3,"
        "\"running\":false},{\"state\":\"both\",\"running\":true,\"branches\":{\"b\":null,\"a\":\"x\"}}]}";
    char *read = read_both(pb, text);
    assert_non_null(read);
    assert_non_null(strstr(read, "\"initiator\":\"a\\r\\u0001\\\\b\""));
    assert_non_null(strstr(read, "\"title\":\"tab\\tquote\\\" slash/ bell\\b feed\\f\""));
    assert_non_null(strstr(read, "\"list\":[1,-2,[],{},[true,false,null]]"));
    assert_non_null(strstr(read, "\"real\":-1500.0"));
    assert_non_null(strstr(read, "\"tallies\":{\"vote\":{\"approve\":1}}"));
    assert_non_null(strstr(read, "\"created_at\":-5"));
    assert_non_null(strstr(read, "\"visits\":{\"report\":1,\"both\":-1}"));
    assert_non_null(strstr(read, "{\"party\":null,\"vote\":\"abstain\"}"));
    assert_non_null(strstr(read, "\"branches\":{\"a\":\"x\",\"b\":null}"));
    assert_writers_agree(pb, read);
    free(read);
}

/* Strings the fast reader leaves to jansson: \u escapes, keys longer than it reads, escaped text longer
 * than its buffer; both read them alike. */
static void test_instance_strings_left_to_jansson(void **state)
{
    const tc_playbook *pb = *state;
    char *text = read_both(pb, HEAD ",\"title\":\"caf\\u00e9\",\"a_key_longer_than_thirty_two_bytes\":1}");
    assert_non_null(strstr(text, "\"title\":\"caf\xc3\xa9\""));
    free(text);
    /* 1,100 bytes of title, escaped: longer than the fast reader's buffer. */
    char long_text[1400];
    int n = snprintf(long_text, sizeof long_text, "%s,\"title\":\"\\\"", HEAD);
    memset(long_text + n, 'y', 1100);
    strcpy(long_text + n + 1100, "\"}");
    text = read_both(pb, long_text);
    assert_non_null(text);
    json_t *json = json_loads(text, 0, NULL);
    assert_int_equal(strlen(json_string_value(json_object_get(json, "title"))), 1101);
    json_decref(json);
    free(text);
    /* An unescaped title of 1,100 bytes, a seat's party name too long for its buffer. */
    n = snprintf(long_text, sizeof long_text, "%s,\"title\":\"", HEAD);
    memset(long_text + n, 'z', 1100);
    strcpy(long_text + n + 1100, "\"}");
    text = read_both(pb, long_text);
    assert_non_null(text);
    free(text);
    n = snprintf(long_text, sizeof long_text, "%s,\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"",
                 HEAD);
    memset(long_text + n, 'K', 300);
    strcpy(long_text + n + 300, "\"}]}]}");
    assert_string_equal(refusal(pb, long_text),
                        "stored crisis state does not fit playbook readers: unknown party");
}

/* Nine seats and five activations: more than the readers' first allocations. */
static void test_instance_many_seats_and_activations(void **state)
{
    const tc_playbook *pb = *state;
    char text[2048];
    int n = snprintf(text, sizeof text, "%s,\"active\":[{\"state\":\"report\",\"seats\":[", HEAD);
    for (int i = 0; i < 9; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s{\"party\":\"%s\",\"done_at\":%d}", i ? "," : "",
                      i % 2 ? "TJ" : "KZ", i + 1);
    n += snprintf(text + n, sizeof text - (size_t)n, "]}");
    static const char *const states[] = {"both", "both/a/wa", "both/b/wb", "closed", "both/a/ea"};
    for (int i = 0; i < 5; i++)
        n +=
            snprintf(text + n, sizeof text - (size_t)n, ",{\"state\":\"%s\",\"visit\":%d}", states[i], i + 1);
    snprintf(text + n, sizeof text - (size_t)n, "]}");
    char *read = read_both(pb, text);
    assert_non_null(read);
    assert_non_null(strstr(read, "{\"party\":\"KZ\",\"done_at\":9}]"));
    assert_non_null(strstr(read, "{\"state\":\"both/a/ea\",\"visit\":5,\"entered_at\":0}]}"));
    assert_writers_agree(pb, read);
    free(read);
}

/* Shapes the fast reader does not take but JSON allows, read by jansson as it reads them. */
static void test_instance_shapes_jansson_decides(void **state)
{
    const tc_playbook *pb = *state;
    static const struct {
        const char *text, *contains;
    } cases[] = {
        /* More parties than the playbook has: the JSON reader takes the first ones. */
        {HEAD ",\"parties\":[\"TJ\",\"KZ\",\"TJ\"]}", "\"parties\":[\"TJ\",\"KZ\"]"},
        /* A boolean that is not one: not true. */
        {HEAD ",\"triggered\":\"yes\",\"active\":[{\"state\":\"both\",\"running\":1,\"branches\":"
              "{\"a\":null,\"b\":null}}]}",
         "{\"state\":\"both\",\"visit\":0,\"entered_at\":0,\"branches\":"},
        {HEAD ",\"triggered\":false}", "\"parties\":[\"KZ\",\"TJ\"],\"inputs\""},
        /* branches before state; a branch named twice (the last wins). */
        {HEAD ",\"active\":[{\"branches\":{\"a\":\"x\",\"b\":null},\"state\":\"both\"}]}", "\"a\":\"x\""},
        {HEAD ",\"active\":[{\"state\":\"both\",\"branches\":{\"a\":\"x\",\"a\":\"y\",\"b\":null}}]}",
         "\"a\":\"y\""},
        /* seats that are not an array: none. */
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":{}}]}", "{\"state\":\"report\",\"visit\":0"},
        /* visits that are not an object: none. */
        {HEAD ",\"visits\":[1],\"done\":1}", "\"visits\":{},\"active\":[]"},
        /* Numbers as jsonb may print them, with a sign or not. */
        {HEAD ",\"id\":-0,\"created_at\":0}", "\"inputs\":{},\"data\":{},\"visits\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = read_both(pb, cases[i].text);
        if (text == NULL)
            fail_msg("case %zu refused: %s", i, cases[i].text);
        if (strstr(text, cases[i].contains) == NULL)
            fail_msg("case %zu: %s", i, text);
        free(text);
    }
}

/* Every field of the wrong type or form is refused by both readers, naming the field. */
static void test_instance_refusals_name_the_field(void **state)
{
    const tc_playbook *pb = *state;
#define FIT "stored crisis state does not fit playbook readers: "
    static const struct {
        const char *text, *message;
    } cases[] = {
        {HEAD ",\"title\":5}", FIT "title"},
        {HEAD ",\"outcome\":[]}", FIT "outcome"},
        {HEAD ",\"initiator\":true}", FIT "initiator"},
        {HEAD ",\"initiator_login\":{}}", FIT "initiator_login"},
        {HEAD ",\"id\":\"7\"}", FIT "id"},
        {HEAD ",\"created_at\":1.5}", FIT "created_at"},
        {HEAD ",\"closed_at\":1e3}", FIT "closed_at"},
        {HEAD ",\"escalation_level\":1E3}", FIT "escalation_level"},
        {HEAD ",\"data\":5}", FIT "data"},
        {HEAD ",\"tallies\":\"x\"}", FIT "tallies"},
        {HEAD ",\"inputs\":null}", FIT "inputs"},
        {HEAD ",\"visits\":{\"report\":\"1\"}}", FIT "visits"},
        {HEAD ",\"visits\":{\"report\":-}}", NULL},
        {HEAD ",\"parties\":[5]}", FIT "unknown party"},
        {HEAD ",\"parties\":[\"KZ\" \"TJ\"]}", NULL},
        {HEAD ",\"parties\":\"KZ\"}", NULL}, /* not a list: read as none by JSON; see below */
        {"{\"v\":1,\"status\":5,\"severity\":\"minor\",\"mode\":\"actual\"}", FIT "status"},
        {"{\"v\":1,\"status\":\"closed\",\"severity\":7,\"mode\":\"actual\"}", FIT "severity or mode"},
        {"{\"v\":1,\"status\":\"closed\",\"severity\":\"minor\",\"mode\":\"drill\"}", FIT "severity or mode"},
        {"{\"v\":\"1\",\"status\":\"closed\",\"severity\":\"minor\",\"mode\":\"actual\"}",
         "stored crisis state is not a tocsin instance of version 1"},
        {"{\"v\":1 \"status\":\"closed\"}", NULL},
        {"{\"v\" 1}", NULL},
        {"{\"v\":1,\"status\":\"closed\",\"title\":\"unterminated}", NULL},
        {"{\"v\":1,\"status\":\"closed\",\"title\":\"ends in a backslash\\", NULL},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":5}]}]}", FIT "unknown party"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\",\"vote\":5}]}]}", FIT "vote"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\",\"vote_at\":\"1\"}]}]}",
         FIT "vote_at"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\",\"acked_by\":1}]}]}",
         FIT "acked_by"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\"}{\"party\":\"TJ\"}]}]}", NULL},
        {HEAD ",\"active\":[{\"state\":\"report\",\"visit\":\"1\"}]}", FIT "visit"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"level\":true}]}", FIT "level"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"attempt\":[]}]}", FIT "attempt"},
        {HEAD ",\"active\":[{\"state\":\"report\"}{\"state\":\"both\"}]}", NULL},
        {HEAD ",\"active\":[5]}", FIT "unknown state"},
        /* A branch left out: the text reader took it as not ended; the JSON reader refused it. */
        {HEAD ",\"active\":[{\"state\":\"both\",\"branches\":{\"a\":null}}]}", FIT "branches"},
        {HEAD ",\"active\":[{\"state\":\"both\",\"branches\":{\"a\":null,\"a\":\"x\"}}]}", FIT "branches"},
        {HEAD ",\"active\":[{\"state\":\"both\",\"branches\":{\"a\":1,\"b\":null}}]}", FIT "a"},
        {HEAD ",\"inputs\":{\"a\":}}", NULL},
        {HEAD ",\"inputs\":{\"a\":[1,2}}", NULL},
        {HEAD ",\"inputs\":5}", FIT "inputs"},
        /* Several fields wrong: the first the reader meets is named. */
        {HEAD ",\"title\":5,\"id\":\"x\",\"closed_at\":[]}", FIT "id"},
        {HEAD ",\"active\":[{\"state\":\"nowhere\"},{\"state\":\"report\",\"visit\":\"x\"}]}",
         FIT "unknown state"},
        {HEAD ",\"inputs\":\"{}\"}", FIT "inputs"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].message == NULL && strcmp(cases[i].text, HEAD ",\"parties\":\"KZ\"}") == 0) {
            char *text = read_both(pb, cases[i].text);
            assert_non_null(strstr(text, "\"parties\":[]"));
            free(text);
            continue;
        }
        const char *said = refusal(pb, cases[i].text);
        if (cases[i].message != NULL && strcmp(said, cases[i].message) != 0)
            fail_msg("case %zu: %s\n  said: %s", i, cases[i].text, said);
        if (cases[i].message == NULL && strncmp(said, "stored crisis state is not JSON: ", 33) != 0)
            fail_msg("case %zu: %s\n  said: %s", i, cases[i].text, said);
    }
#undef FIT
}

/* Text that is not UTF-8 cannot be written as JSON: tc_instance_to_json gives NULL, whichever field holds
 * it, and so does a copy (the machine refuses such text before it comes this far). */
static void test_instance_to_json_refuses_text_not_utf8(void **state)
{
    const tc_playbook *pb = *state;
    static const char text[] = HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\"}]}]}";
    for (int field = 0; field < 3; field++) {
        tc_instance *inst = NULL;
        assert_int_equal(tc_instance_from_text(pb, text, strlen(text), &inst, NULL), 0);
        char **target = field == 0   ? &inst->title
                        : field == 1 ? &inst->active[0].seats[0].vote_by
                                     : &inst->active[0].seats[0].acked_by;
        *target = strdup("caf\xe9");
        assert_null(tc_instance_to_json(pb, inst));
        assert_null(tc_instance_copy(pb, inst));
        free(*target);
        *target = strdup("caf\xc3\xa9");
        json_t *json = tc_instance_to_json(pb, inst);
        assert_non_null(json);
        tc_instance *copy = tc_instance_copy(pb, inst);
        assert_non_null(copy);
        tc_instance_free(copy);
        json_decref(json);
        tc_instance_free(inst);
    }
}

/* The head of a crisis without its parties, for the cases of parties that the fast reader reads first. */
#define HEAD0 "{\"v\":1,\"status\":\"active\",\"severity\":\"minor\",\"mode\":\"actual\""

/*
 * The text reader's edges, byte by byte: escapes it decodes itself (\b, \f, \/), escaped text longer than
 * its buffer or not UTF-8 once decoded, a skipped value with an escaped quote, keys it does not know or
 * meets twice inside a seat or an activation, parties and activations of the wrong shape, and text cut
 * short inside every kind of value. Each is read by both readers alike, or refused by both.
 */
static void test_instance_text_edges(void **state)
{
    const tc_playbook *pb = *state;
    static const struct {
        const char *text, *contains;
    } read[] = {
        {HEAD ",\"title\":\"b\\bf\\fs\\/\"}", "\"title\":\"b\\bf\\fs/\""},
        {HEAD ",\"inputs\":{\"s\":\"x\\\"}y\"}}", "\"inputs\":{\"s\":\"x\\\"}y\"}"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":\"KZ\",\"extra\":1}]}]}",
         "\"seats\":[{\"party\":\"KZ\"}]"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"visit\":1,\"visit\":2}]}", "\"visit\":2"},
        {HEAD ",\"active\":[{\"state\":\"report\",\"extra\":1}]}", "\"active\":[{\"state\":\"report\""},
        {HEAD ",\"active\":{}}", "\"active\":[]"},
        {HEAD0 ",\"parties\":\"KZ\"}", "\"parties\":[]"},
        {HEAD0 ",\"parties\":[\"TJ\",\"KZ\",\"TJ\"]}", "\"parties\":[\"TJ\",\"KZ\"]"},
    };
    for (size_t i = 0; i < sizeof read / sizeof read[0]; i++) {
        char *text = read_both(pb, read[i].text);
        if (text == NULL || strstr(text, read[i].contains) == NULL)
            fail_msg("case %zu: %s\n  read: %s", i, read[i].text, text ? text : "(refused)");
        free(text);
    }

    static const struct {
        const char *text, *message; /* NULL: not JSON */
    } refused[] = {
        {HEAD0 ",\"parties\":[5]}", "stored crisis state does not fit playbook readers: unknown party"},
        {HEAD0 ",\"parties\":[\"KZ\" \"TJ\"]}", NULL},
        {HEAD ",\"title\":\"\\n\xff\"}", NULL},
        {HEAD ",\"inputs\":5 }", "stored crisis state does not fit playbook readers: inputs"},
        {HEAD ",\"inputs\":5]}", NULL},
        {HEAD ",\"inputs\":5,\"id\":1}", "stored crisis state does not fit playbook readers: inputs"},
        /* Cut short. */
        {HEAD ",\"id\":", NULL},
        {HEAD ",\"id\":-", NULL},
        {HEAD ",\"id\":5", NULL},
        {HEAD ",\"triggered\":tr", NULL},
        {HEAD ",\"triggered\":fals", NULL},
        {HEAD ",\"inputs\":5", NULL},
        {HEAD ",\"inputs\":{\"a\":[1", NULL},
        {HEAD ",\"inputs\":{\"a\":\"xx", NULL},
        {HEAD ",\"active\":[{\"state\":\"report\",\"seats\":[{\"party\":", NULL},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *said = refusal(pb, refused[i].text);
        if (refused[i].message != NULL ? strcmp(said, refused[i].message) != 0
                                       : strncmp(said, "stored crisis state is not JSON: ", 33) != 0)
            fail_msg("case %zu: %s\n  said: %s", i, refused[i].text, said);
    }

    /* 4,200 bytes of escaped title: more than the fast reader's buffer of a string, left to jansson. */
    size_t n = strlen(HEAD ",\"title\":\"\\n");
    char *long_text = malloc(n + 4200 + 3);
    memcpy(long_text, HEAD ",\"title\":\"\\n", n);
    memset(long_text + n, 'y', 4200);
    strcpy(long_text + n + 4200, "\"}");
    char *text = read_both(pb, long_text);
    assert_non_null(text);
    json_t *json = json_loads(text, 0, NULL);
    assert_int_equal(strlen(json_string_value(json_object_get(json, "title"))), 4201);
    json_decref(json);
    free(text);
    free(long_text);
}

/* Fields at their default given as null, a crisis that is no object, and names of values out of range. */
static void test_instance_nulls_and_names(void **state)
{
    const tc_playbook *pb = *state;
    char *text = read_both(pb, HEAD
                           ",\"created_at\":null,\"title\":null,\"active\":[{\"state\":\"report\","
                           "\"seats\":[{\"party\":\"KZ\",\"vote_at\":null}]}]}");
    assert_non_null(strstr(text, "\"seats\":[{\"party\":\"KZ\"}]"));
    assert_null(strstr(text, "created_at"));
    free(text);

    tc_instance *inst = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_instance_from_json(pb, NULL, &inst, &err), TC_EINVAL);
    assert_string_equal(err.text, "stored crisis state is not a tocsin instance of version 1");
    assert_null(inst);

    assert_string_equal(tc_status_name(TC_STATUS_CANCELLED), "cancelled");
    assert_string_equal(tc_status_name((tc_status)3), "?");
    assert_string_equal(tc_vote_name(TC_VOTE_ABSTAIN), "abstain");
    assert_string_equal(tc_vote_name((tc_vote)4), "?");
}

/* A playbook of no parties: a crisis of it has none, and is read and written all the same. */
static void test_instance_of_a_playbook_without_parties(void **state)
{
    (void)state;
    static const char text[] =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"alone\", \"title\": \"Alone\","
        " \"parties\": [], \"roles\": {\"hq\": {\"title\": \"HQ\"}}, \"start\": \"done\","
        " \"states\": {\"done\": {\"type\": \"end\"}}}";
    tc_playbook *pb = NULL;
    tc_error err;
    tc_error_init(&err);
    if (tc_playbook_compile(text, strlen(text), &pb, NULL, &err) != 0)
        fail_msg("%s", err.text);
    tc_instance *inst = tc_instance_new(pb);
    assert_int_equal(inst->party_count, 0);
    char *written = tc_instance_to_text(pb, inst);
    assert_non_null(strstr(written, "\"parties\":[]"));
    char *read = read_both(pb, written);
    assert_string_equal(read, written);
    free(read);
    free(written);
    tc_instance_free(inst);
    tc_playbook_free(pb);
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
        cmocka_unit_test(test_instance_values_of_every_kind),
        cmocka_unit_test(test_instance_strings_left_to_jansson),
        cmocka_unit_test(test_instance_many_seats_and_activations),
        cmocka_unit_test(test_instance_shapes_jansson_decides),
        cmocka_unit_test(test_instance_refusals_name_the_field),
        cmocka_unit_test(test_instance_to_json_refuses_text_not_utf8),
        cmocka_unit_test(test_instance_text_edges),
        cmocka_unit_test(test_instance_nulls_and_names),
        cmocka_unit_test(test_instance_of_a_playbook_without_parties),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
