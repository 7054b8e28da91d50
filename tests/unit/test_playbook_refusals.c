/*
 * The playbook compiler's refusals, case by case: each case is a small
 * playbook and the exact list of problems the compiler reports for it
 * ("WHERE: MESSAGE", one a line, in the order reported), or "" when it must
 * compile. The fixtures of tests/data/playbooks/invalid pin one refusal each
 * as `tocsin playbook validate` prints it; these reach the rest: every key of
 * the wrong type, every range and every cross-reference the compiler checks,
 * and valid but unusual playbooks that take the other side of the same
 * branches (and how the graph draws them).
 *
 * Texts are written with ' for " (and ` for ') so that they read as JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "machine_fixture.h"

#include "core/base/strbuf.h"
#include "core/playbook/playbook.h"
#include "core/playbook/playbook_graph.h"

/* The top level every state case shares: three parties, an office and a per-party role. */
#define HEAD    "'format': 'tocsin-playbook/1', 'name': 't', 'title': 'T'"
#define PARTIES "'parties': ['AM', 'KZ', 'RU']"
#define ROLES   "'roles': {'office': {'title': 'Office'}, 'council': {'title': 'Council', 'per_party': true}}"
#define ONE_END "'start': 's', 'states': {'s': {'type': 'end'}}"
/* A playbook whose top level has extra keys, and one end state. */
#define WITH(extra) "{" HEAD ", " PARTIES ", " ROLES ", " extra ", " ONE_END "}"
/* A playbook of these states, starting at s. */
#define PB(states) "{" HEAD ", " PARTIES ", " ROLES ", 'start': 's', 'states': {" states "}}"
/* State s (that leads to e when its next says so), and e, an end. */
#define S(state) PB("'s': " state ", 'e': {'type': 'end'}")

typedef struct refusal {
    const char *text;     /* the playbook, ' for " */
    const char *expected; /* every problem, "WHERE: MESSAGE\n" each, ' for "; "" when it compiles */
} refusal;

/* A copy of s with ' turned into " and ` into '. */
static char *unquote(const char *s)
{
    char *copy = strdup(s);
    assert_non_null(copy);
    for (char *p = copy; *p; p++)
        *p = *p == '\'' ? '"' : *p == '`' ? '\'' : *p;
    return copy;
}

/* What the compiler says about text, as lines; "" when it compiles. */
static char *problems(const char *text)
{
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    tc_error err;
    tc_error_init(&err);
    int rc = tc_playbook_compile(text, strlen(text), &pb, &diags, &err);
    tc_strbuf got = TC_STRBUF_INIT;
    tc_strbuf_add(&got, "");
    for (size_t d = 0; d < diags.count; d++)
        if (diags.items[d].where != NULL)
            tc_strbuf_addf(&got, "%s: %s\n", diags.items[d].where, diags.items[d].message);
        else
            tc_strbuf_addf(&got, "line %d, column %d: %s\n", diags.items[d].line, diags.items[d].column,
                           diags.items[d].message);
    if (rc == 0) {
        assert_non_null(pb);
        assert_int_equal(diags.count, 0);
    } else {
        /* A refusal is always invalid input, counted in err's message. */
        char count[64];
        snprintf(count, sizeof count, "the playbook has %zu problem%s", diags.count,
                 diags.count == 1 ? "" : "s");
        assert_int_equal(err.code, TC_EINVAL);
        assert_null(pb);
        assert_true(diags.count > 0);
        if (diags.items[0].where != NULL)
            assert_string_equal(err.text, count);
    }
    tc_playbook_free(pb);
    tc_diags_clear(&diags);
    return tc_strbuf_take(&got);
}

/* Runs every case and fails once, listing each case whose problems differ. */
static void check_cases(const refusal *cases, size_t n)
{
    tc_strbuf report = TC_STRBUF_INIT;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char *text = unquote(cases[i].text), *expected = unquote(cases[i].expected);
        char *got = problems(text);
        if (strcmp(got, expected) != 0) {
            failed++;
            tc_strbuf_addf(&report, "case %zu: %s\nexpected:\n%sgot:\n%s\n", i, text, expected, got);
        }
        free(text);
        free(expected);
        free(got);
    }
    char *lines = tc_strbuf_take(&report);
    if (failed) {
        fprintf(stderr, "%s", lines); /* cmocka cuts long messages */
        free(lines);
        fail_msg("%d of %zu cases differ (above)", failed, n);
    }
    free(lines);
}

#define CHECK(cases) check_cases(cases, sizeof cases / sizeof cases[0])

/* A playbook written with ' for ", compiled (machine_fixture.h's compile: it must). */
static tc_playbook *compile_ok(const char *quoted)
{
    char *text = unquote(quoted);
    tc_playbook *pb = compile(text);
    free(text);
    return pb;
}

/* Fails, showing the whole text, when needle is not in text. */
static void assert_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) {
        fprintf(stderr, "%s\n", text); /* cmocka cuts long messages */
        fail_msg("not found: %s", needle);
    }
}

/* ---- the top level ---- */

static void test_refusals_top_level(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {"{}",
         "$: missing key 'format'\n$: missing key 'name'\n$: missing key 'title'\n"
         "$: missing key 'parties'\n$: missing key 'roles'\n$: missing key 'states'\n"
         "$: missing key 'start'\n"},
        {"[1]", "$: expected an object (a playbook is one JSON object)\n"},
        {"{'format': 1, 'name': 2, 'title': 3, 'description': 4, 'parties': {}, 'roles': [], " ONE_END "}",
         "$.format: expected a string\n$.name: expected a string\n$.title: expected a string\n"
         "$.description: expected a string\n$.parties: expected an array\n$.roles: expected an object\n"},
        /* a description, observers, a name of digits and dashes: all fine */
        {"{'format': 'tocsin-playbook/1', 'name': '0-a', 'title': 'T', 'description': 'd', " PARTIES
         ", 'observers': ['UNODC', 'OSCE'], " ROLES ", " ONE_END "}",
         ""},
        {"{'format': 'tocsin-playbook/1', 'name': '-a', 'title': 'T', " PARTIES ", " ROLES ", " ONE_END "}",
         "$.name: '-a' is not a valid name (a-z, 0-9 and -, starting with a letter or digit, up to 63)\n"},
        {"{'format': 'tocsin-playbook/1', 'name': "
         "'a234567890123456789012345678901234567890123456789012345678901234', 'title': 'T', " PARTIES
         ", " ROLES ", " ONE_END "}",
         "$.name: 'a234567890123456789012345678901234567890123456789012345678901234' is not a valid name "
         "(a-z, 0-9 and -, starting with a letter or digit, up to 63)\n"},
        {"{" HEAD ", 'parties': [1, 'A B', '', 'a23456789012345678901234567890123', 'ok-_1'], " ROLES
         ", " ONE_END "}",
         "$.parties[0]: expected a string\n"
         "$.parties[1]: 'A B' is not a valid party name (letters, digits, _ and -, up to 32)\n"
         "$.parties[2]: '' is not a valid party name (letters, digits, _ and -, up to 32)\n"
         "$.parties[3]: 'a23456789012345678901234567890123' is not a valid party name (letters, digits, _ "
         "and -, up to 32)\n"},
        {WITH("'observers': 'UNODC'"), "$.observers: expected an array\n"},
        /* keys that are plain words (a letter or _, then letters, digits or _) are not quoted */
        {WITH("'A': 1, '_x': 2, 'Ab_9': 3, '9a': 4, 'a-b': 5"),
         "$.A: unknown key\n$._x: unknown key\n$.Ab_9: unknown key\n$[`9a`]: unknown key\n$[`a-b`]: unknown "
         "key\n"},
        {"{'format': 'tocsin-playbook/1', 'name': 'a_b', 'title': 'T', " PARTIES ", " ROLES ", " ONE_END "}",
         "$.name: 'a_b' is not a valid name (a-z, 0-9 and -, starting with a letter or digit, up to 63)\n"},
        {"{'format': 'tocsin-playbook/1', 'name': 'Ab', 'title': 'T', " PARTIES ", " ROLES ", " ONE_END "}",
         "$.name: 'Ab' is not a valid name (a-z, 0-9 and -, starting with a letter or digit, up to 63)\n"},
        {"{" HEAD ", " PARTIES
         ", 'roles': {'o': {'title': 'O', 'per_party': false}}, 'start': 's', 'states': "
         "{'s': {'type': 'end'}, 'a~': {'type': 'end'}, 'aB': {'type': 'end'}}}",
         "$.states[`a~`]: 'a~' is not a valid state id (a-z, 0-9 and _, starting with a letter, up to 63)\n"
         "$.states.aB: 'aB' is not a valid state id (a-z, 0-9 and _, starting with a letter, up to 63)\n"},
        {WITH("'observers': ['UN ODC']"),
         "$.observers[0]: 'UN ODC' is not a valid observer name (letters, digits, _ and -, up to 32)\n"},
        /* roles: a bad id, a role that is not an object, an unknown key, per_party not a boolean */
        {"{" HEAD ", " PARTIES
         ", 'roles': {'Office': {'title': 'O'}, 'x': 1, 'y': {'title': 'Y', 'seats': 2},"
         " 'z': {'title': 'Z', 'per_party': 'yes'}, 'w': {'title': 7}}, " ONE_END "}",
         "$.roles.Office: 'Office' is not a valid role id (a-z, 0-9 and _, starting with a letter, up to "
         "63)\n"
         "$.roles.x: expected an object\n$.roles.y.seats: unknown key\n"
         "$.roles.z.per_party: expected true or false\n$.roles.w.title: expected a string\n"},
        /* a key that is not a plain word is quoted in the path, ' and \ escaped, control characters as \u */
        {"{" HEAD ", " PARTIES ", " ROLES ", 'a b`\\\\': 1, 'x\\ty': 2, " ONE_END "}",
         "$[`a b\\`\\\\`]: unknown key\n$[`x\\u0009y`]: unknown key\n"},
        {"{" HEAD ", " PARTIES ", " ROLES ", 'start': 1, 'states': {'s': {'type': 'end'}}}",
         "$.start: expected a string\n"},
        {"{" HEAD ", " PARTIES ", " ROLES ", 'start': 's', 'states': []}", "$.states: expected an object\n"},
        /* a key that starts past z is quoted; an id with a character before 0 is not an id */
        {WITH("'~x': 1, '{': 2"), "$[`~x`]: unknown key\n$[`{`]: unknown key\n"},
        {"{" HEAD ", " PARTIES ", 'roles': {'on-call': {'title': 'O'}, 'o': {'title': 'O'}}, " ONE_END "}",
         "$.roles[`on-call`]: 'on-call' is not a valid role id (a-z, 0-9 and _, starting with a letter, up "
         "to "
         "63)\n"},
        /* every problem is kept, past the first eight */
        {WITH("'k1': 1, 'k2': 2, 'k3': 3, 'k4': 4, 'k5': 5, 'k6': 6, 'k7': 7, 'k8': 8, 'k9': 9"),
         "$.k1: unknown key\n$.k2: unknown key\n$.k3: unknown key\n$.k4: unknown key\n$.k5: unknown key\n"
         "$.k6: unknown key\n$.k7: unknown key\n$.k8: unknown key\n$.k9: unknown key\n"},
    };
    CHECK(cases);
}

static void test_refusals_inputs(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {WITH("'inputs': []"), "$.inputs: expected an object\n"},
        {WITH("'inputs': {'Bad': {'type': 'string'}, 'x': 1, 'y': {}, 'z': {'type': 1}}"),
         "$.inputs.Bad: 'Bad' is not a valid input name (a-z, 0-9 and _, starting with a letter)\n"
         "$.inputs.x: expected an object\n$.inputs.y: missing key 'type'\n$.inputs.z.type: expected a "
         "string\n"},
        {WITH("'inputs': {'x': {'type': 'string', 'min': 1, 'max': 'a', 'size': 3, 'required': 'no', "
              "'title': 4}}"),
         "$.inputs.x.size: unknown key\n$.inputs.x.required: expected true or false\n"
         "$.inputs.x.title: expected a string\n$.inputs.x.min: only integer and number fields have bounds\n"
         "$.inputs.x.max: expected a number\n"},
        /* bounds of a field whose type is unknown are not judged: the type is the problem */
        {WITH("'inputs': {'x': {'type': 'date', 'min': 1, 'enum': [1], 'default': 2}}"),
         "$.inputs.x.type: unknown type 'date' (string, integer, number, boolean or party)\n"},
        {WITH("'inputs': {'x': {'type': 'integer', 'min': 5, 'max': 1}}"),
         "$.inputs.x.max: must not be below min\n"},
        {WITH("'inputs': {'x': {'type': 'integer', 'min': 0, 'max': 10, 'default': 11}, "
              "'y': {'type': 'number', 'min': 0.5, 'default': 0.25}, 'z': {'type': 'number', 'max': 2, "
              "'default': 2}}"),
         "$.inputs.x.default: 11 is out of the range from min to max\n"
         "$.inputs.y.default: 0.25 is out of the range from min to max\n"},
        {WITH("'inputs': {'x': {'type': 'integer', 'max': 10, 'default': 10}, 'y': {'type': 'number', 'min': "
              "0.5, "
              "'default': 7}, 'z': {'type': 'number', 'default': -1}}"),
         ""},
        {WITH("'inputs': {'x': {'type': 'string', 'enum': []}, 'y': {'type': 'string', 'enum': 'a'}}"),
         "$.inputs.x.enum: expected a non-empty array of allowed values\n"
         "$.inputs.y.enum: expected a non-empty array of allowed values\n"},
        {WITH("'inputs': {'a': {'type': 'string', 'enum': ['x', 1]}, 'b': {'type': 'integer', 'enum': [1, "
              "1.5]},"
              " 'c': {'type': 'number', 'enum': [1, 1.5, 'x']}, 'd': {'type': 'boolean', 'enum': [true, 0]},"
              " 'e': {'type': 'party', 'enum': ['KZ', 'XX', 3]}}"),
         "$.inputs.a.enum[1]: expected a string\n$.inputs.b.enum[1]: expected an integer\n"
         "$.inputs.c.enum[2]: expected a number\n$.inputs.d.enum[1]: expected true or false\n"
         "$.inputs.e.enum[1]: expected one of the playbook`s parties\n"
         "$.inputs.e.enum[2]: expected one of the playbook`s parties\n"},
        {WITH("'inputs': {'a': {'type': 'party', 'default': 'XX'}, 'b': {'type': 'boolean', 'default': 1}, "
              "'c': {'type': 'integer', 'default': 1.5}, 'd': {'type': 'party', 'enum': ['KZ'], 'default': "
              "'AM'}}"),
         "$.inputs.a.default: expected one of the playbook`s parties\n$.inputs.b.default: expected true or "
         "false\n"
         "$.inputs.c.default: expected an integer\n$.inputs.d.default: 'AM' is not one of the enum values\n"},
        /* every type with a fitting default, bounds, enum and title */
        {WITH("'inputs': {'a': {'type': 'party', 'default': 'KZ', 'enum': ['KZ', 'RU'], 'title': 'A'}, "
              "'b': {'type': 'boolean', 'default': false, 'required': true}, "
              "'c': {'type': 'integer', 'default': 3, 'min': 3, 'max': 3}, "
              "'d': {'type': 'number', 'default': 2.5, 'min': 1, 'max': 4}, 'e': {'type': 'string', "
              "'default': 'x'}}"),
         ""},
        /* permissions */
        {WITH("'permissions': []"), "$.permissions: expected an object\n"},
        {WITH("'permissions': {'trigger': 'office', 'escalate': [1, 'office'], 'cancel': ['office', "
              "'nobody'], "
              "'vote': []}"),
         "$.permissions.vote: unknown key\n$.permissions.trigger: expected an array of role ids\n"
         "$.permissions.escalate[0]: expected a role id\n$.permissions.cancel[1]: unknown role 'nobody'\n"},
        {WITH("'permissions': {'trigger': [], 'escalate': ['council'], 'cancel': ['office', 'council']}"),
         ""},
    };
    CHECK(cases);
}

/* ---- states, their keys and types ---- */

static void test_refusals_states(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {PB("'s': {'type': 'end'}, 'x': 1, 'y': {}, 'z': {'type': 2}, 'w': {'type': 'end', 'title': 3}"),
         "$.states.x: expected an object\n$.states.y: missing key 'type'\n$.states.z.type: expected a "
         "string\n"
         "$.states.w.title: expected a string\n"},
        /* a start inside a parallel is not a start of the top level */
        {"{" HEAD ", " PARTIES ", " ROLES
         ", 'start': 'p/b/x', 'states': {'p': {'type': 'parallel', 'branches': "
         "{'b': {'start': 'x', 'states': {'x': {'type': 'end'}}}}, 'next': 'e'}, 'e': {'type': 'end'}}}",
         "$.start: unknown state 'p/b/x'\n"},
        /* keys that belong to another type, and keys no type has */
        {S("{'type': 'choice', 'next': 'e', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': 'e', "
           "'note': 1}"),
         "$.states.s.next: not allowed on a choice state\n$.states.s.note: unknown key\n"},
        {S("{'type': 'wait', 'duration': 'PT1M', 'next': 'e', 'deadline': 'PT1H', 'outcome': 'x'}"),
         "$.states.s.deadline: not allowed on a wait state\n$.states.s.outcome: not allowed on a wait "
         "state\n"},
        {PB("'s': {'type': 'end', 'next': 's', 'run': []}"),
         "$.states.s.next: not allowed on an end state\n$.states.s.run: not allowed on an end state\n"},
        {S("{'type': 'action', 'run': ['x'], 'next': {'ok': 'e', 'failed': 'e'}, 'duration': 'PT1M'}"),
         "$.states.s.duration: not allowed on an action state\n"},
        {S("{'type': 'task', 'assignee': 'office', 'run': ['x'], 'next': 'e'}"),
         "$.states.s.run: not allowed on a task state\n"},
        /* a next names a state of its own machine: a path into a parallel is not one */
        {PB("'s': {'type': 'wait', 'duration': 'PT1M', 'next': 'p/b/x'}, 'p': {'type': 'parallel', "
            "'branches': "
            "{'b': {'start': 'x', 'states': {'x': {'type': 'end'}}}}, 'next': 'e'}, 'e': {'type': 'end'}"),
         "$.states.s.next: unknown state 'p/b/x'\n"},
        {S("{'type': 'approval', 'approvers': {'role': 'office'}, 'rule': 'any', 'next': {'approved': 'e', "
           "'rejected': 'e', 'timeout': 'e'}}"),
         "$.states.s.next.timeout: the state has no 'deadline', so it cannot time out\n"},
        {S("{'type': 'task', 'assignee': 'office', 'next': {'done': 'e', 'failed': 'e'}}"),
         "$.states.s.next.failed: a task state cannot produce outcome 'failed'\n"},
        {S("{'type': 'approval', 'approvers': {'role': 'office'}, 'rule': 'any', 'next': {'done': 'e'}}"),
         "$.states.s.next.done: an approval state cannot produce outcome 'done'\n"
         "$.states.s.next: no next state for outcome 'approved'\n$.states.s.next: no next state for outcome "
         "'rejected'\n"},
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'x', 'states': {'x': {'type': 'end'}}}}, "
           "'next': 'e', 'assignee': 'office'}"),
         "$.states.s.assignee: not allowed on a parallel state\n"},
        {S("{'type': 'approval', 'approvers': {'role': 'office'}, 'rule': 'any', 'next': {'approved': 'e', "
           "'rejected': 'e'}, 'choices': []}"),
         "$.states.s.choices: not allowed on an approval state\n"},
        /* next */
        /* a missing or malformed next is one problem, not followed by what it makes unreachable or unmapped
         */
        {S("{'type': 'wait', 'duration': 'PT1M'}"), "$.states.s: missing key 'next'\n"},
        {S("{'type': 'wait', 'duration': 'PT1M', 'next': 3}"),
         "$.states.s.next: expected a state id, or an object mapping each outcome to a state id\n"},
        {S("{'type': 'wait', 'duration': 'PT1M', 'next': {'done': 3}}"),
         "$.states.s.next.done: expected a state id\n"},
        {S("{'type': 'task', 'assignee': 'office', 'deadline': 'PT1H', 'next': {'done': 'e', 'timeout': "
           "['e']}}"),
         "$.states.s.next.timeout: expected a state id\n"},
        {S("{'type': 'action', 'run': ['x'], 'next': null}"),
         "$.states.s.next: expected a state id, or an object mapping each outcome to a state id\n"},
        {S("{'type': 'wait', 'duration': 'PT1M', 'next': {'done': 'e', 'ok': 'e'}}"),
         "$.states.s.next.ok: a wait state cannot produce outcome 'ok'\n"},
        {S("{'type': 'approval', 'approvers': {'role': 'office'}, 'rule': 'any', 'next': {'approved': 'e', "
           "'rejected': 'e', 'done': 'e'}}"),
         "$.states.s.next.done: an approval state cannot produce outcome 'done'\n"},
        {S("{'type': 'approval', 'approvers': {'role': 'office'}, 'rule': 'silence', 'deadline': 'P1D', "
           "'next': {'approved': 'e', 'rejected': 'e', 'timeout': 'e'}}"),
         "$.states.s.next.timeout: a silence procedure never times out (its deadline approves)\n"},
        {S("{'type': 'task', 'assignee': 'office', 'deadline': 'PT1H', 'next': 'e'}"),
         "$.states.s.next: no next state for outcome 'timeout'\n"},
        /* a deadline that does not parse still counts: its own problem is the only one */
        {S("{'type': 'task', 'assignee': 'office', 'deadline': 'soon', 'next': {'done': 'e', 'timeout': "
           "'e'}}"),
         "$.states.s.deadline: 'soon': not an ISO 8601 duration such as PT30M, P1DT12H or P2W\n"},
        {S("{'type': 'task', 'assignee': 'office', 'deadline': 60, 'next': 'e'}"),
         "$.states.s.deadline: expected an ISO 8601 duration such as 'PT4H'\n"
         "$.states.s.next: no next state for outcome 'timeout'\n"},
        /* end */
        {PB("'s': {'type': 'end', 'outcome': 'Bad'}"),
         "$.states.s.outcome: 'Bad' is not a valid outcome name (a-z, 0-9 and _, starting with a letter)\n"},
        {PB("'s': {'type': 'end', 'outcome': 1}"), "$.states.s.outcome: expected a string\n"},
        /* wait */
        {S("{'type': 'wait', 'duration': 'P1Y', 'next': 'e'}"),
         "$.states.s.duration: 'P1Y': years and months are not allowed (their length varies)\n"},
#define WAIT(duration) S("{'type': 'wait', 'duration': '" duration "', 'next': 'e'}")
#define NOT_ISO(duration)                                                                                    \
    "$.states.s.duration: '" duration "': not an ISO 8601 duration such as PT30M, P1DT12H or P2W\n"
#define TOO_LONG(duration) "$.states.s.duration: '" duration "': too long (at most 100 years)\n"
        {WAIT("PX"), NOT_ISO("PX")},
        {WAIT("P1"), NOT_ISO("P1")},
        {WAIT("PT1.S"), NOT_ISO("PT1.S")},
        {WAIT("PT1.5"), NOT_ISO("PT1.5")},
        {WAIT("PT1.5M"), NOT_ISO("PT1.5M")},
        {WAIT("PT1HT1M"), NOT_ISO("PT1HT1M")},
        {WAIT("PT1S1M"), NOT_ISO("PT1S1M")},
        {WAIT("P1W2D"), NOT_ISO("P1W2D")},
        {WAIT("P1D1W"), NOT_ISO("P1D1W")},
        {WAIT("P1H"), NOT_ISO("P1H")},
        {WAIT("PT1.2345S"), "$.states.s.duration: 'PT1.2345S': seconds may have at most three decimals\n"},
        {WAIT("P99999999999999999999D"), TOO_LONG("P99999999999999999999D")},
        {WAIT("P5229W"), TOO_LONG("P5229W")},
        {WAIT("P36600DT1S"), TOO_LONG("P36600DT1S")},
        {WAIT("P36600D"), ""},
        {WAIT("P5228W"), ""},
        {WAIT("PT0.001S"), ""},
        {WAIT("P1DT2H3M4.5S"), ""},
#undef WAIT
#undef NOT_ISO
#undef TOO_LONG
    };
    CHECK(cases);
}

static void test_refusals_tasks(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {S("{'type': 'task', 'next': 'e'}"), "$.states.s: missing key 'assignee'\n"},
        {S("{'type': 'task', 'assignee': 1, 'next': 'e'}"), "$.states.s.assignee: expected a string\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'some', 'next': 'e'}"),
         "$.states.s.parties: expected 'all' or a non-empty array of parties\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': [], 'next': 'e'}"),
         "$.states.s.parties: expected 'all' or a non-empty array of parties\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': [1, 'AM', 'AM', 'XX'], 'next': 'e'}"),
         "$.states.s.parties[0]: expected a party\n$.states.s.parties[2]: duplicate party 'AM'\n"
         "$.states.s.parties[3]: unknown party 'XX'\n"},
        /* complete */
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': 'any', 'next': 'e'}"), ""},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': 'all', 'next': 'e'}"), ""},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': 'most', 'next': 'e'}"),
         "$.states.s.complete: expected 'all', 'any' or {'min': k}\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': 2, 'next': 'e'}"),
         "$.states.s.complete: expected 'all', 'any' or {'min': k}\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': {'max': 1}, 'next': 'e'}"),
         "$.states.s.complete.max: unknown key\n$.states.s.complete: missing key 'min'\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': {'min': 0}, 'next': 'e'}"),
         "$.states.s.complete.min: must be between 1 and 1000000\n"},
        {S("{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': {'min': '2'}, 'next': "
           "'e'}"),
         "$.states.s.complete.min: expected an integer\n"},
        /* without parties the number of seats is unknown: only the missing parties are reported */
        {S("{'type': 'task', 'assignee': 'council', 'complete': {'min': 5}, 'next': 'e'}"),
         "$.states.s: role 'council' has a seat per party, so the task needs 'parties' ('all' or a list)\n"},
        /* an unknown assignee: only the role is reported */
        {S("{'type': 'task', 'assignee': 'nobody', 'parties': 'all', 'complete': 'any', 'next': 'e'}"),
         "$.states.s.assignee: unknown role 'nobody'\n"},
        /* outcomes */
        {S("{'type': 'task', 'assignee': 'office', 'outcomes': 'more', 'next': 'e'}"),
         "$.states.s.outcomes: expected an array\n"},
        {S("{'type': 'task', 'assignee': 'office', 'outcomes': [1, 'Bad', 'more', 'more', 'done'], "
           "'next': {'done': 'e', 'more': 'e'}}"),
         "$.states.s.outcomes[0]: expected an outcome name\n"
         "$.states.s.outcomes[1]: 'Bad' is not a valid outcome name (a-z, 0-9 and _, starting with a "
         "letter)\n"
         "$.states.s.outcomes[3]: duplicate outcome 'more'\n"
         "$.states.s.outcomes[4]: 'done' is a reserved outcome name\n"},
        /* outputs */
        {S("{'type': 'task', 'assignee': 'office', 'outputs': [], 'next': 'e'}"),
         "$.states.s.outputs: expected an object\n"},
        {S("{'type': 'task', 'assignee': 'office', 'outputs': {'Bad': {'type': 'string'}, 'x': 1, "
           "'y': {'type': 'string', 'default': 'a'}}, 'next': 'e'}"),
         "$.states.s.outputs.Bad: 'Bad' is not a valid output name (a-z, 0-9 and _, starting with a letter)\n"
         "$.states.s.outputs.x: expected an object\n$.states.s.outputs.y.default: unknown key\n"},
        /* signatures */
        {S("{'type': 'task', 'assignee': 'office', 'signatures': 'maybe', 'next': 'e'}"),
         "$.states.s.signatures: must be 'required' or 'optional', not 'maybe'\n"},
        {S("{'type': 'task', 'assignee': 'office', 'signatures': true, 'next': 'e'}"),
         "$.states.s.signatures: expected a string\n"},
        {S("{'type': 'task', 'assignee': 'office', 'signatures': 'optional', 'next': 'e'}"), ""},
    };
    CHECK(cases);
}

static void test_refusals_escalation(void **state)
{
    (void)state;
#define TASK_ESC(esc) S("{'type': 'task', 'assignee': 'office', 'escalation': " esc ", 'next': 'e'}")
    static const refusal cases[] = {
        {TASK_ESC("[]"), "$.states.s.escalation: expected an object\n"},
        {TASK_ESC("{'repeat': 1, 'after': 'PT1M'}"),
         "$.states.s.escalation.after: unknown key\n$.states.s.escalation: missing key 'levels'\n"},
        {TASK_ESC("{'levels': {}}"), "$.states.s.escalation.levels: expected an array\n"},
        {TASK_ESC("{'levels': []}"), "$.states.s.escalation.levels: expected at least one level\n"},
        {TASK_ESC("{'levels': [1, {'notify': ['office'], 'to': 1}, {'after': 'PT1M'}]}"),
         "$.states.s.escalation.levels[0]: expected an object with 'after' and 'notify'\n"
         "$.states.s.escalation.levels[1].to: unknown key\n"
         "$.states.s.escalation.levels[1]: missing key 'after'\n"
         "$.states.s.escalation.levels[2]: missing key 'notify'\n"},
        {TASK_ESC("{'levels': [{'after': 'PT0S', 'notify': ['office']}]}"),
         "$.states.s.escalation.levels[0].after: 'PT0S': a duration must be greater than zero\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': []}, {'after': 'PT2M', 'notify': 'office'}, "
                  "{'after': 'PT3M', 'notify': [2]}]}"),
         "$.states.s.escalation.levels[0].notify: expected at least one role to notify\n"
         "$.states.s.escalation.levels[1].notify: expected an array of role ids\n"
         "$.states.s.escalation.levels[2].notify[0]: expected a role id\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office'], 'severity': 3}]}"),
         "$.states.s.escalation.levels[0].severity: expected a string\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'repeat': 1001}"),
         "$.states.s.escalation.repeat: must be between 0 and 1000\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'repeat': -1}"),
         "$.states.s.escalation.repeat: must be between 0 and 1000\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'repeat': 1.5}"),
         "$.states.s.escalation.repeat: expected an integer\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'until': 'never'}"),
         "$.states.s.escalation.until: must be 'ack' or 'done', not 'never'\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'until': 0}"),
         "$.states.s.escalation.until: expected a string\n"},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'until': 'ack'}"), ""},
        {TASK_ESC("{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'until': 'done'}"), ""},
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'x', 'states': {'x': {'type': 'end'}}}}, "
           "'escalation': {'levels': [{'after': 'PT1M', 'notify': ['office']}], 'until': 'ack'}, 'next': "
           "'e'}"),
         "$.states.s.escalation.until: 'ack' is only for tasks (a parallel escalates until it is done)\n"},
    };
#undef TASK_ESC
    CHECK(cases);
}

static void test_refusals_approvals(void **state)
{
    (void)state;
#define NEXT_AR        "'next': {'approved': 'e', 'rejected': 'e'}"
#define APPROVAL(keys) S("{'type': 'approval', " keys ", " NEXT_AR "}")
#define COUNCIL        "'approvers': {'role': 'council', 'parties': 'all'}"
    static const refusal cases[] = {
        {APPROVAL("'rule': 'any'"), "$.states.s: missing key 'approvers'\n"},
        {APPROVAL("'approvers': ['office'], 'rule': 'any'"), "$.states.s.approvers: expected an object\n"},
        {APPROVAL("'approvers': {'roles': 'office'}, 'rule': 'any'"),
         "$.states.s.approvers.roles: unknown key\n$.states.s.approvers: missing key 'role'\n"},
        {APPROVAL("'approvers': {'role': 'nobody'}, 'rule': 'any'"),
         "$.states.s.approvers.role: unknown role 'nobody'\n"},
        {APPROVAL("'approvers': {'role': 'office'}"), "$.states.s: missing key 'rule'\n"},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': 2"),
         "$.states.s.rule: expected a rule such as 'consensus' or {'kind': 'quorum', 'min': 4}\n"},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': {'min': 1, 'quota': 2}"),
         "$.states.s.rule.quota: unknown key\n$.states.s.rule: missing key 'kind'\n"},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': {'kind': 5}"),
         "$.states.s.rule.kind: expected a string\n"},
        {APPROVAL(
             "'approvers': {'role': 'office'}, 'rule': {'kind': 'plurality', 'min': 1, 'fraction': '1/2'}"),
         "$.states.s.rule.kind: unknown rule 'plurality' (any, unanimous, consensus, majority, quorum or "
         "silence)\n"},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': {'kind': 'any'}"), ""},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': 'quorum'"),
         "$.states.s.rule: a quorum needs its threshold: {'kind': 'quorum', 'min': k}\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'quorum', 'min': 0}"),
         "$.states.s.rule.min: must be between 1 and 1000000\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'quorum', 'min': 3}"), ""},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': {'kind': 'quorum', 'min': 2}"),
         "$.states.s.rule.min: must be between 1 and 1 (the number of seats)\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'quorum', 'min': 2, 'fraction': '1/2'}"),
         "$.states.s.rule.fraction: only a majority takes 'fraction'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2/3'}"), ""},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '1/1'}"), ""},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': 0.5}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '0/3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2/3 '}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '1/1001'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': ' 2/3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '+2/3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2/ 3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2/+3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '99999999999/3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2/3/4'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '/3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2/'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '12345/20000'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '999/1000'}"), ""},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '2:3'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        {APPROVAL(COUNCIL ", 'rule': {'kind': 'majority', 'fraction': '1/0'}"),
         "$.states.s.rule.fraction: expected a fraction 'p/q' with 1 <= p <= q, such as '2/3'\n"},
        /* the position of a veto party that is not an approver skips what is not a party */
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': 'any', 'veto': [1, 'KZ']"),
         "$.states.s.veto[0]: expected a party\n$.states.s.veto[1]: party 'KZ' is not among the approvers\n"},
        /* without parties the number of seats is unknown: only the missing parties are reported */
        {APPROVAL("'approvers': {'role': 'council'}, 'rule': {'kind': 'quorum', 'min': 2}"),
         "$.states.s.approvers: role 'council' has a seat per party, so the approval needs 'parties' ('all' "
         "or a "
         "list)\n"},
        {APPROVAL(
             "'approvers': {'role': 'council', 'parties': 'some'}, 'rule': {'kind': 'quorum', 'min': 2}"),
         "$.states.s.approvers.parties: expected 'all' or a non-empty array of parties\n"},
        /* veto */
        {APPROVAL(COUNCIL ", 'rule': 'majority', 'veto': 'RU'"),
         "$.states.s.veto: expected an array of parties\n"},
        {APPROVAL(COUNCIL ", 'rule': 'majority', 'veto': ['RU', 'XX']"),
         "$.states.s.veto[1]: unknown party 'XX'\n"},
        {APPROVAL("'approvers': {'role': 'office'}, 'rule': 'any', 'veto': ['KZ', 'RU']"),
         "$.states.s.veto[0]: party 'KZ' is not among the approvers\n"
         "$.states.s.veto[1]: party 'RU' is not among the approvers\n"},
        /* an unknown approver: only the role is reported, not the veto */
        {APPROVAL("'approvers': {'role': 'nobody'}, 'rule': 'any', 'veto': ['KZ']"),
         "$.states.s.approvers.role: unknown role 'nobody'\n"},
        {APPROVAL("'approvers': {'role': 'council', 'parties': ['AM', 'KZ']}, 'rule': 'any', 'veto': ['KZ']"),
         ""},
        {APPROVAL(COUNCIL ", 'rule': 'unanimous', 'signatures': 'required', 'exclude_initiator': false"), ""},
    };
#undef APPROVAL
#undef COUNCIL
    CHECK(cases);
}

static void test_refusals_choices(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {S("{'type': 'choice', 'otherwise': 'e'}"), "$.states.s: missing key 'choices'\n"},
        {S("{'type': 'choice', 'choices': {}, 'otherwise': 'e'}"), "$.states.s.choices: expected an array\n"},
        {S("{'type': 'choice', 'choices': [], 'otherwise': 'e'}"),
         "$.states.s.choices: expected at least one choice\n"},
        {S("{'type': 'choice', 'choices': [1, {'next': 'e', 'if': true}, {'when': true}, {'when': true, "
           "'next': 2},"
           " {'when': true, 'next': 'nowhere'}], 'otherwise': 'e'}"),
         "$.states.s.choices[0]: expected an object with 'when' and 'next'\n"
         "$.states.s.choices[1].if: unknown key\n$.states.s.choices[1]: missing key 'when'\n"
         "$.states.s.choices[2]: missing key 'next'\n$.states.s.choices[3].next: expected a string\n"
         "$.states.s.choices[4].next: unknown state 'nowhere'\n"},
        {S("{'type': 'choice', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': 'nowhere'}"),
         "$.states.s.otherwise: unknown state 'nowhere'\n"},
        {S("{'type': 'choice', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': 1}"),
         "$.states.s.otherwise: expected a string\n"},
        /* a loop of three choices, entered from a fourth: the chain starts where the loop does */
        {PB("'s': {'type': 'choice', 'choices': [{'when': true, 'next': 'a'}], 'otherwise': 'e'},"
            " 'a': {'type': 'choice', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': 'b'},"
            " 'b': {'type': 'choice', 'choices': [{'when': false, 'next': 'c'}], 'otherwise': 'e'},"
            " 'c': {'type': 'choice', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': 'a'},"
            " 'e': {'type': 'end'}"),
         "$.states.a: choices loop without waiting (a -> b -> c -> a): one of them must lead out\n"},
        /* choices that lead to each other through a wait are fine */
        {PB("'s': {'type': 'choice', 'choices': [{'when': true, 'next': 'a'}], 'otherwise': 'b'},"
            " 'a': {'type': 'choice', 'choices': [{'when': true, 'next': 'c'}], 'otherwise': 'e'},"
            " 'b': {'type': 'choice', 'choices': [{'when': true, 'next': 'c'}], 'otherwise': 'e'},"
            " 'c': {'type': 'choice', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': 'e'},"
            " 'e': {'type': 'end'}"),
         ""},
        {PB("'s': {'type': 'choice', 'choices': [{'when': true, 'next': 'w'}], 'otherwise': 'e'},"
            " 'w': {'type': 'wait', 'duration': 'PT1M', 'next': 's'}, 'e': {'type': 'end'}"),
         ""},
    };
    CHECK(cases);
}

/*
 * A choice r whose first condition is w, after s, a task with a seat per party that reports n.
 * The compiler's other refusals of conditions are in test_condition.
 */
#define WHEN(w)                                                                                              \
    PB("'s': {'type': 'task', 'assignee': 'council', 'parties': 'all', 'outputs': {'n': {'type': "           \
       "'number'}}, 'next': 'r'}, 'r': {'type': 'choice', 'choices': [{'when': " w                           \
       ", 'next': 'e'}], "                                                                                   \
       "'otherwise': 'e'}, 'e': {'type': 'end'}")
#define AT_VAR "$.states.r.choices[0].when.var: "
#define A64    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_refusals_conditions(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {WHEN("{'var': 'crisis.severity.x'}"),
         AT_VAR "unknown crisis attribute in 'crisis.severity.x' (crisis.severity, crisis.mode or "
                "crisis.parties)\n"},
        {WHEN("{'var': 'approval.s.vote'}"),
         AT_VAR "expected approval.<state>.approve, .reject or .abstain, not 'approval.s.vote'\n"},
        {WHEN("{'var': 'data'}"),
         AT_VAR "unknown variable 'data' (it starts with inputs., data., crisis. or approval.)\n"},
        {WHEN("{'var': ['inputs.x', 1, 2]}"),
         AT_VAR "expected {'var': 'path'} or {'var': ['path', default]}\n"},
        /* more parts than any variable has, or a part longer than any name */
        {WHEN("{'var': 'data.s.KZ.n.x.y'}"), AT_VAR
         "unknown variable 'data.s.KZ.n.x.y' (more than 5 parts, or a part of 256 characters or more)\n"},
        {WHEN("{'var': 'data.s." A64 A64 A64 A64 "'}"),
         AT_VAR "unknown variable 'data.s." A64 A64 A64 A64
                "' (more than 5 parts, or a part of 256 characters or more)\n"},
        {WHEN("{'var': 'data.s." A64 A64 A64
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}"),
         AT_VAR "task 's' has a seat per party: write data.s.<party>." A64 A64 A64
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa or data.s.*." A64 A64 A64
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"},
        /* the whole data of a task with a seat per party, every party's */
        {WHEN("{'==': [{'var': 'data.s'}, 1]}"), ""},
    };
    CHECK(cases);
}

static void test_refusals_parallels(void **state)
{
    (void)state;
#define END_X "{'start': 'x', 'states': {'x': {'type': 'end'}}}"
    static const refusal cases[] = {
        {S("{'type': 'parallel', 'next': 'e'}"), "$.states.s: missing key 'branches'\n"},
        {S("{'type': 'parallel', 'branches': [], 'next': 'e'}"), "$.states.s.branches: expected an object\n"},
        {S("{'type': 'parallel', 'branches': {}, 'next': 'e'}"),
         "$.states.s.branches: a parallel needs at least one branch\n"},
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'x', 'states': []}}, 'next': 'e'}"),
         "$.states.s.branches.b.states: expected an object\n"},
        {S("{'type': 'parallel', 'branches': {'B': " END_X ", 'c': 1, 'd': {'start': 'x'}, "
           "'f': {'states': {'x': {'type': 'end'}}, 'end': 1}, 'g': {'start': 1, 'states': {'x': {'type': "
           "'end'}}}}, 'next': 'e'}"),
         "$.states.s.branches.B: 'B' is not a valid branch name (a-z, 0-9 and _, starting with a letter)\n"
         "$.states.s.branches.c: expected an object with 'start' and 'states'\n"
         "$.states.s.branches.d: missing key 'states'\n"
         "$.states.s.branches.f.end: unknown key\n$.states.s.branches.f: missing key 'start'\n"
         "$.states.s.branches.g.start: expected a string\n"},
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'x', 'states': {}}}, 'next': 'e'}"),
         "$.states.s.branches.b.states: expected at least one state\n"
         "$.states.s.branches.b.start: unknown state 'x'\n"},
        /* a branch's start cannot be a state of a parallel nested in it */
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'q/c/y', 'states': {'q': {'type': 'parallel', "
           "'branches': {'c': {'start': 'y', 'states': {'y': {'type': 'end'}}}}, 'next': 'z'}, 'z': {'type': "
           "'end'}}}}, 'next': 'e'}"),
         "$.states.s.branches.b.start: unknown state 'q/c/y'\n"},
        /* a nested parallel, each with a deadline: every outcome mapped */
        {S("{'type': 'parallel', 'deadline': 'PT1H', 'branches': {'b': {'start': 'q', 'states': {'q': "
           "{'type': "
           "'parallel', 'branches': {'c': {'start': 'y', 'states': {'y': {'type': 'end', 'outcome': "
           "'failed'}}}},"
           " 'next': {'done': 'z', 'failed': 'f'}}, 'z': {'type': 'end'}, 'f': {'type': 'end', 'outcome': "
           "'failed'}}}}, 'next': {'done': 'e', 'failed': 'e', 'timeout': 'e'}}"),
         ""},
        /* a branch that can fail, whose other references do not resolve, still makes the parallel able to
           fail */
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'x', 'states': {'x': {'type': 'wait', "
           "'duration': "
           "'PT1M', 'next': 'nowhere'}, 'f': {'type': 'end', 'outcome': 'failed'}}}}, 'next': 'e'}"),
         "$.states.s.branches.b.states.x.next: unknown state 'nowhere' in branch 'b'\n"
         "$.states.s.next: no next state for outcome 'failed'\n"},
        /* an end with outcome failed that no path reaches does not make the parallel able to fail */
        {S("{'type': 'parallel', 'branches': {'b': {'start': 'x', 'states': {'x': {'type': 'end'}, "
           "'f': {'type': 'end', 'outcome': 'failed'}}}}, 'next': 'e'}"),
         "$.states.s.branches.b.states.f: no path from the start state 'x' leads here\n"},
    };
#undef END_X
    CHECK(cases);
}

static void test_refusals_actions(void **state)
{
    (void)state;
#define OK_FAILED    "'next': {'ok': 'e', 'failed': 'e'}"
#define ACTION(keys) S("{'type': 'action', " keys ", " OK_FAILED "}")
    static const refusal cases[] = {
        {ACTION("'timeout': 'PT1M'"), "$.states.s: missing key 'run'\n"},
        {ACTION("'run': 'notify'"), "$.states.s.run: expected an array\n"},
        {ACTION("'run': []"),
         "$.states.s.run: expected the program and its arguments, such as ['notify-members', '--urgent']\n"},
        {ACTION("'run': [1, 2]"),
         "$.states.s.run[0]: expected a string\n$.states.s.run[1]: expected a string\n"},
        /* arguments after the program may be anything */
        {ACTION("'run': ['notify_1.sh', '-x', '../y', 'a b']"), ""},
        {ACTION("'run': ['Notify-2.SH']"), ""},
        {ACTION("'run': ['']"),
         "$.states.s.run[0]: '' must be a bare program name in the actions directory: letters, digits, '_', "
         "'-' "
         "and '.', not starting with '-' or '.' (at most 255)\n"},
        {ACTION(
             "'run': ['a23456789012345678901234567890123456789012345678901234567890123456789012345678901234"
             "56789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
             "01234567890123456789012345678901234567890123456789012345678901234567890123456']"),
         "$.states.s.run[0]: "
         "'a2345678901234567890123456789012345678901234567890123456789012345678901234567890123"
         "456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012"
         "3"
         "4567890123456789012345678901234567890123456789012345678901234567890123456' must be a bare program "
         "name in the actions directory: letters, digits, '_', '-' and '.', not starting with '-' or '.' (at "
         "most 255)\n"},
        {ACTION("'run': ['notify\\u007f']"),
         "$.states.s.run[0]: the program name has control characters; it must be a bare program name in the "
         "actions directory: letters, digits, '_', '-' and '.', not starting with '-' or '.' (at most "
         "255)\n"},
        {ACTION("'run': ['x'], 'timeout': 'PT'"),
         "$.states.s.timeout: 'PT': not an ISO 8601 duration such as PT30M, P1DT12H or P2W\n"},
        {ACTION("'run': ['x'], 'retry': 3"), "$.states.s.retry: expected an object\n"},
        {ACTION("'run': ['x'], 'retry': {'times': 3}"),
         "$.states.s.retry.times: unknown key\n$.states.s.retry: missing key 'max'\n"},
        {ACTION("'run': ['x'], 'retry': {'max': 101, 'backoff': 'P1M'}"),
         "$.states.s.retry.max: must be between 0 and 100\n"
         "$.states.s.retry.backoff: 'P1M': years and months are not allowed (their length varies)\n"},
        {ACTION("'run': ['x'], 'retry': {'max': 0}"), ""},
    };
#undef ACTION
    CHECK(cases);
}

/* ---- sizes the compiler must not cap ---- */

/* A task with n outcomes of its own besides done, each mapped to the end. */
static char *many_outcomes(size_t n)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{" HEAD ", " PARTIES ", " ROLES
                       ", 'start': 's', 'states': {'s': {'type': 'task', "
                       "'assignee': 'office', 'outcomes': [");
    for (size_t i = 0; i < n; i++)
        tc_strbuf_addf(&sb, "%s'o%zu'", i ? ", " : "", i);
    tc_strbuf_add(&sb, "], 'next': {'done': 'e'");
    for (size_t i = 0; i < n; i++)
        tc_strbuf_addf(&sb, ", 'o%zu': 'e'", i);
    tc_strbuf_add(&sb, "}}, 'e': {'type': 'end'}}}");
    char *quoted = tc_strbuf_take(&sb), *text = unquote(quoted);
    free(quoted);
    return text;
}

static void test_task_with_many_outcomes(void **state)
{
    (void)state;
    /* Regression: the outcomes a state can produce were kept in 64 slots, so outcome 62 on was refused. */
    char *text = many_outcomes(100), *got = problems(text);
    assert_string_equal(got, "");
    free(got);
    free(text);
}

/*
 * Choice a has n ways that lead to the end and then one to choice b, whose
 * otherwise goes back to a: a loop of choices however many ways come before.
 */
static char *loop_after_many_choices(size_t n)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{" HEAD ", " PARTIES ", " ROLES
                       ", 'start': 'a', 'states': {'a': {'type': 'choice', "
                       "'choices': [");
    for (size_t i = 0; i < n; i++)
        tc_strbuf_add(&sb, "{'when': false, 'next': 'e'}, ");
    tc_strbuf_add(&sb,
                  "{'when': true, 'next': 'b'}], 'otherwise': 'e'}, 'b': {'type': 'choice', 'choices': "
                  "[{'when': false, 'next': 'e'}], 'otherwise': 'a'}, 'e': {'type': 'end'}}}");
    char *quoted = tc_strbuf_take(&sb), *text = unquote(quoted);
    free(quoted);
    return text;
}

static void test_choice_loop_after_many_choices(void **state)
{
    (void)state;
    static const char loop[] =
        "$.states.a: choices loop without waiting (a -> b -> a): one of them must lead out\n";
    for (size_t n = 0; n <= 100; n += 50) {
        /* Regression: only the first 64 ways out of a choice were followed, so the loop went unseen. */
        char *text = loop_after_many_choices(n), *got = problems(text);
        assert_string_equal(got, loop);
        free(got);
        free(text);
    }
}

/* A chain of n choices, each leading to the next, the last to the end e; and e1, an end nothing reaches. */
static char *chain_of_choices(size_t n)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{" HEAD ", " PARTIES ", " ROLES ", 'start': 'c0', 'states': {");
    for (size_t i = 0; i < n; i++)
        tc_strbuf_addf(&sb,
                       "'c%zu':{'type':'choice','choices':[{'when':true,'next':'e'}],'otherwise':'%s%zu'},",
                       i, i + 1 < n ? "c" : "e", i + 1 < n ? i + 1 : 0);
    tc_strbuf_add(&sb, "'e0': {'type': 'end'}, 'e': {'type': 'end'}, 'e1': {'type': 'end'}}}");
    char *quoted = tc_strbuf_take(&sb), *text = unquote(quoted);
    free(quoted);
    return text;
}

static void test_long_chain_of_choices(void **state)
{
    (void)state;
    /*
     * Regression: the search for loops of choices recursed once per choice of a chain, with over a
     * kilobyte of stack each, and a playbook within the limit of 1 MiB holds some 12,000 choices.
     */
    char *text = chain_of_choices(12000);
    assert_true(strlen(text) < 1048576);
    char *got = problems(text);
    assert_string_equal(got, "$.states.e1: no path from the start state \"c0\" leads here\n");
    free(got);
    free(text);
}

static void test_long_loop_of_choices(void **state)
{
    (void)state;
    /* Sixteen choices of 63-character ids in a loop: the chain is cut before the message's 1,023 characters.
     */
    char ids[16][64];
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{" HEAD ", " PARTIES ", " ROLES ", 'start': '");
    for (int i = 0; i < 16; i++) {
        snprintf(ids[i], sizeof ids[i], "c%02d", i);
        memset(ids[i] + 3, 'x', 60);
        ids[i][63] = '\0';
    }
    tc_strbuf_addf(&sb, "%s', 'states': {", ids[0]);
    for (int i = 0; i < 16; i++)
        tc_strbuf_addf(
            &sb, "'%s': {'type': 'choice', 'choices': [{'when': true, 'next': 'e'}], 'otherwise': '%s'}, ",
            ids[i], ids[(i + 1) % 16]);
    tc_strbuf_add(&sb, "'e': {'type': 'end'}}}");
    char *quoted = tc_strbuf_take(&sb), *text = unquote(quoted);
    free(quoted);
    tc_diags diags = {0};
    tc_playbook *pb = NULL;
    assert_int_equal(tc_playbook_compile(text, strlen(text), &pb, &diags, NULL), TC_EINVAL);
    assert_int_equal(diags.count, 1);
    char where[80], start[200];
    snprintf(where, sizeof where, "$.states.%s", ids[0]);
    assert_string_equal(diags.items[0].where, where);
    snprintf(start, sizeof start, "choices loop without waiting (%s -> %s -> ", ids[0], ids[1]);
    assert_true(strncmp(diags.items[0].message, start, strlen(start)) == 0);
    /* the chain stops after fifteen ids, and the message is cut at 1,023 bytes, within the fifteenth */
    assert_non_null(strstr(diags.items[0].message, ids[13]));
    assert_null(strstr(diags.items[0].message, ids[15]));
    assert_int_equal(strlen(diags.items[0].message), 1023);
    assert_true(strncmp(diags.items[0].message + 1023 - 55, ids[14], 55) == 0);
    tc_diags_clear(&diags);
    free(text);
}

/* ---- paths longer than the compiler keeps ---- */

static void test_long_keys_in_paths(void **state)
{
    (void)state;
    /* A key that must be quoted is cut to its first 248 characters. */
    char quoted_key[400], plain_key[1200], text[2000];
    memset(quoted_key, 'q', sizeof quoted_key - 1);
    quoted_key[0] = ' ';
    quoted_key[sizeof quoted_key - 1] = '\0';
    snprintf(text, sizeof text, "{\"%s\": 1, \"format\": \"tocsin-playbook/1\"}", quoted_key);
    char *got = problems(text), expected[1100];
    snprintf(expected, sizeof expected, "$['%.248s']: unknown key\n$: missing key \"name\"\n", quoted_key);
    assert_true(strncmp(got, expected, strlen(expected)) == 0);
    free(got);

    /* A plain key that does not fit the path's 1,023 characters is cut there. */
    memset(plain_key, 'k', sizeof plain_key - 1);
    plain_key[sizeof plain_key - 1] = '\0';
    snprintf(text, sizeof text, "{\"%s\": 1, \"format\": \"tocsin-playbook/1\"}", plain_key);
    got = problems(text);
    snprintf(expected, sizeof expected, "$.%.1021s: unknown key\n", plain_key);
    assert_true(strncmp(got, expected, strlen(expected)) == 0);
    free(got);
}

/* ---- the small functions of the playbook's API ---- */

static void test_playbook_api_edges(void **state)
{
    (void)state;
    /* workflows/playbook.schema.json is told apart from a playbook, and so is what is not JSON */
    static const char schema[] = "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"}";
    assert_true(tc_playbook_is_json_schema(schema, strlen(schema)));
    static const char other[] = "{\"$schema\": \"https://example.org/schema\"}";
    assert_false(tc_playbook_is_json_schema(other, strlen(other)));
    static const char number[] = "{\"$schema\": 1}";
    assert_false(tc_playbook_is_json_schema(number, strlen(number)));
    assert_false(tc_playbook_is_json_schema("{", 1));
    assert_false(tc_playbook_is_json_schema("[]", 2));

    /* names, and "?" for what is out of range */
    assert_string_equal(tc_state_type_name(TC_STATE_WAIT), "wait");
    assert_string_equal(tc_state_type_name((tc_state_type)7), "?");
    assert_string_equal(tc_severity_name(TC_SEVERITY_EXTREME), "extreme");
    assert_string_equal(tc_severity_name((tc_severity)5), "?");
    assert_string_equal(tc_mode_name(TC_MODE_TEST), "test");
    assert_string_equal(tc_mode_name((tc_mode)3), "?");
    assert_string_equal(tc_value_type_name(TC_VALUE_PARTY), "party");
    assert_string_equal(tc_value_type_name((tc_value_type)5), "?");
    assert_string_equal(tc_rule_kind_name(TC_RULE_SILENCE), "silence");
    assert_string_equal(tc_rule_kind_name((tc_rule_kind)6), "?");
    assert_int_equal(tc_severity_parse("minor"), TC_SEVERITY_MINOR);
    assert_int_equal(tc_severity_parse(NULL), -1);
    assert_int_equal(tc_severity_parse("Minor"), -1);
    assert_int_equal(tc_mode_parse("exercise"), TC_MODE_EXERCISE);
    assert_int_equal(tc_mode_parse(NULL), -1);

    /* lookups of what a playbook does not have */
    tc_playbook *pb = compile_ok(S("{'type': 'wait', 'duration': 'PT1M', 'next': 'e'}"));
    assert_null(tc_playbook_state(pb, NULL));
    assert_null(tc_playbook_state(pb, "x"));
    assert_int_equal(tc_playbook_role(pb, NULL), -1);
    assert_int_equal(tc_playbook_party(pb, NULL), -1);
    assert_int_equal(tc_playbook_input(pb, "x"), -1);
    assert_null(tc_state_next(pb, tc_playbook_state(pb, "s"), "ok"));
    assert_string_equal(tc_state_next(pb, tc_playbook_state(pb, "s"), "done")->path, "e");
    tc_playbook_free(pb);
    tc_playbook_free(NULL);

    /* the names of operators, and of the two kinds of condition that have none in JSON Logic */
    assert_string_equal(tc_cond_op_name(TC_COND_GE), ">=");
    assert_string_equal(tc_cond_op_name(TC_COND_VAR), "var");
    assert_string_equal(tc_cond_op_name(TC_COND_LITERAL), "literal");
    assert_string_equal(tc_cond_op_name(TC_COND_ARRAY), "array");
    assert_string_equal(tc_cond_op_name((tc_cond_op)-1), "?");
}

/* ---- valid but unusual playbooks: the values they compile to, and their drawing ---- */

static const char unusual[] =
    "{" HEAD ", " PARTIES ", " ROLES
    ", 'inputs': {'level': {'type': 'boolean'}}, "
    "'start': 's', 'states': {"
    "'s': {'type': 'task', 'title': 'Say `hello` <now> | \\\\ later', 'assignee': 'council', 'parties': "
    "['KZ', "
    "'RU'], 'complete': 'any', 'outcomes': ['more'], 'outputs': {'n': {'type': 'integer'}, 'who': {'type': "
    "'party'}}, 'signatures': 'required', 'escalation': {'levels': [{'after': 'PT1M', 'notify': "
    "['office']}], "
    "'repeat': 1}, 'next': {'done': 'vote', 'more': 'route'}},"
    " 'route': {'type': 'choice', 'choices': ["
    "{'when': {'or': [{'and': [true, {'!': {'var': 'inputs.level'}}]}, {'in': [{'var': 'crisis.severity'}, "
    "['severe', 'extreme']]}]}, 'next': 'vote'},"
    "{'when': {'and': [{'>=': [{'count': {'var': 'data.s.*.n'}}, 1]}, {'<': [{'min': {'var': 'data.s.*.n'}}, "
    "{'max': {'var': ['data.s.*.n', 0]}}]}]}, 'next': 'vote'}], 'otherwise': 'run'},"
    " 'vote': {'type': 'approval', 'approvers': {'role': 'council', 'parties': 'all'}, 'rule': {'kind': "
    "'majority', 'fraction': '2/3'}, 'veto': ['AM'], 'exclude_initiator': true, 'signatures': 'required', "
    "'escalation': {'levels': [{'after': 'PT1H', 'notify': ['council'], 'severity': 'extreme'}]}, "
    "'next': {'approved': 'run', 'rejected': 'e'}},"
    " 'run': {'type': 'action', 'run': ['notify'], 'timeout': 'PT1.5S', 'retry': {'max': 1, 'backoff': "
    "'P2W'}, "
    "'next': {'ok': 'one', 'failed': 'e'}},"
    " 'one': {'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': {'min': 2}, "
    "'escalation': {'levels': [{'after': 'PT1M', 'notify': ['office']}], 'until': 'done'}, 'next': 'e'},"
    " 'e': {'type': 'end', 'outcome': 'declined'}}}";

static void test_unusual_playbook_compiles(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(unusual);
    const tc_state *s = tc_playbook_state(pb, "s");
    assert_int_equal(s->task.complete, TC_COMPLETE_ANY);
    assert_int_equal(s->task.parties.count, 2);
    assert_false(s->task.parties.all);
    assert_int_equal(s->task.outcome_count, 1);
    assert_true(s->signatures_required);
    assert_int_equal(s->escalation->until, TC_UNTIL_ACK);
    assert_int_equal(s->escalation->repeat, 1);
    const tc_state *vote = tc_playbook_state(pb, "vote");
    assert_int_equal(vote->approval.rule.kind, TC_RULE_MAJORITY);
    assert_int_equal(vote->approval.rule.numerator, 2);
    assert_int_equal(vote->approval.rule.denominator, 3);
    assert_int_equal(vote->escalation->until, TC_UNTIL_DONE);
    assert_int_equal(vote->escalation->levels[0].severity, TC_SEVERITY_EXTREME);
    const tc_state *run = tc_playbook_state(pb, "run");
    assert_int_equal(run->action.timeout, 1500);
    assert_int_equal(run->action.retry_max, 1);
    assert_int_equal(run->action.retry_backoff, 14LL * 86400 * 1000);
    assert_int_equal(tc_playbook_state(pb, "one")->escalation->until, TC_UNTIL_DONE);

    /* The seats each state needs: tasks and approvals only; signatures only when required. */
    json_t *seats = tc_playbook_seats_json(pb);
    char *text = json_dumps(seats, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text,
                        "{\"one\":{\"exclude_initiator\":false,\"per_party\":true,\"role\":\"council\"},"
                        "\"s\":{\"exclude_initiator\":false,\"per_party\":true,\"role\":\"council\","
                        "\"signatures\":\"required\"},"
                        "\"vote\":{\"exclude_initiator\":true,\"per_party\":true,\"role\":\"council\","
                        "\"signatures\":\"required\"}}");
    free(text);
    json_decref(seats);
    tc_playbook_free(pb);
}

static void test_unusual_playbook_drawn(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(unusual);
    char *dot = tc_playbook_graph(pb, TC_GRAPH_DOT);
    /* quotes and backslashes escaped in DOT */
    assert_has(dot,
               "label=\"Say 'hello' <now> | \\\\ later (s)\\ntask: council of KZ, RU (any one "
               "completes)\\nreports: n, who\\nlevel 1 at PT1M: notify office\\nrepeat 1 more "
               "time, until acknowledged\"");
    assert_has(dot,
               "approval: majority of 2/3 by council of every party\\nveto: AM\\nthe initiator "
               "does not vote\\nlevel 1 at PT1H: notify council; severity extreme");
    assert_has(dot, "run: notify\\ntimeout PT1.5S, 1 retries from P14D");
    assert_has(dot,
               "task: council of every party (2 must complete)\\nlevel 1 at PT1M: notify "
               "office\"");
    assert_has(dot, "end: declined");
    /* long edge labels are wrapped at the first space from the 40th character on */
    assert_has(dot,
               "\"route\" -> \"vote\" [label=\"when (true and not inputs.level) or crisis.severity\\nin "
               "[\\\"severe\\\", \\\"extreme\\\"]\"];");
    assert_has(dot,
               "\"route\" -> \"vote\" [label=\"when count(data.s.*.n) >= 1 and min(data.s.*.n)\\n< "
               "max(data.s.*.n)\"];");
    assert_has(dot, "\"route\" -> \"run\" [label=\"otherwise\", style=dotted];");
    free(dot);

    char *mermaid = tc_playbook_graph(pb, TC_GRAPH_MERMAID);
    /* ", <, > and | are entities in Mermaid; line breaks are <br/> */
    assert_has(mermaid,
               "n0(\"Say 'hello' #lt;now#gt; #124; \\ later (s)<br/>task: council of KZ, RU "
               "(any one completes)");
    assert_has(mermaid, "n1{\"route<br/>choice\"}:::st_choice");
    assert_has(mermaid, "n3[[\"run<br/>run: notify<br/>timeout PT1.5S, 1 retries from P14D\"]]");
    assert_has(mermaid, "n5(((\"e<br/>end: declined\")))");
    assert_has(mermaid,
               "n1 -->|\"when (true and not inputs.level) or crisis.severity in [#quot;severe"
               "#quot;, #quot;extreme#quot;]\"| n2");
    assert_has(mermaid, "n1 -.->|\"otherwise\"| n3");
    assert_has(mermaid,
               "n1 -->|\"when count(data.s.*.n) #gt;= 1 and min(data.s.*.n) #lt; max(data.s.*.n)\"| n2");
    free(mermaid);
    tc_playbook_free(pb);
}

/* A task every party must complete, and an escalation that repeats until the task is done. */
static void test_escalation_until_done_drawn(void **state)
{
    (void)state;
    tc_playbook *pb = compile_ok(S(
        "{'type': 'task', 'assignee': 'council', 'parties': 'all', 'complete': 'all', 'escalation': "
        "{'levels': [{'after': 'PT1M', 'notify': ['office']}], 'repeat': 2, 'until': 'done'}, 'next': 'e'}"));
    char *dot = tc_playbook_graph(pb, TC_GRAPH_DOT);
    assert_has(dot,
               "label=\"s\\ntask: council of every party\\nlevel 1 at PT1M: notify office\\nrepeat 2 "
               "more times\"];");
    free(dot);
    tc_playbook_free(pb);
}

/* The other side of the drawing's branches: no fraction, veto or exclusion, no retries, no repeat. */
static void test_plain_playbook_drawn(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb, "{" HEAD ", " PARTIES ", " ROLES
                       ", 'start': 's', 'states': {'s': {'type': 'task', "
                       "'title': 'Two\\nlines', 'assignee': 'office', 'escalation': {'levels': [");
    for (int i = 1; i <= 30; i++)
        tc_strbuf_addf(&sb, "%s{'after': 'PT%dM', 'notify': ['office', 'council']}", i > 1 ? ", " : "", i);
    tc_strbuf_add(&sb,
                  "]}, 'next': 'vote'},"
                  " 'vote': {'type': 'approval', 'approvers': {'role': 'office'}, 'rule': 'majority', "
                  "'escalation': {'levels': [{'after': 'PT1M', 'notify': ['office']}]}, 'next': {'approved': "
                  "'veto', 'rejected': 'e'}},"
                  " 'veto': {'type': 'approval', 'approvers': {'role': 'council', 'parties': 'all'}, 'rule': "
                  "'consensus', 'veto': ['KZ', 'RU'], 'next': {'approved': 'route', 'rejected': 'e'}},"
                  " 'route': {'type': 'choice', 'choices': [{'when': {'and': [{'or': [true, false]}, "
                  "{'==': [{'var': 'crisis.mode'}, 'test']}]}, 'next': 'run'}], 'otherwise': 'run'},"
                  " 'run': {'type': 'action', 'run': ['notify'], 'next': {'ok': 'e', 'failed': 'e'}},"
                  " 'e': {'type': 'end'}}}");
    char *text = tc_strbuf_take(&sb);
    tc_playbook *pb = compile_ok(text);
    free(text);
    char *dot = tc_playbook_graph(pb, TC_GRAPH_DOT);
    /* a label stops at 24 lines: the title, the task and 22 of the 30 levels */
    assert_has(dot, "label=\"Two\\nlines (s)\\ntask: office\\nlevel 1 at PT1M: notify office, council\\n");
    assert_has(dot, "\\nlevel 22 at PT22M: notify office, council\"];");
    assert_null(strstr(dot, "level 23"));
    assert_has(dot, "label=\"vote\\napproval: majority by office\\nlevel 1 at PT1M: notify office\"];");
    assert_has(dot, "label=\"veto\\napproval: consensus by council of every party\\nveto: KZ, RU\"];");
    assert_has(dot, "label=\"run\\nrun: notify\\ntimeout PT30S\"];");
    assert_has(dot, "label=\"e\\nend: resolved\"];");
    assert_has(dot, "[label=\"when (true or false) and crisis.mode == \\\"test\\\"\"];");
    free(dot);
    char *mermaid = tc_playbook_graph(pb, TC_GRAPH_MERMAID);
    /* a line break inside a line is a space in Mermaid */
    assert_has(mermaid,
               "n0(\"Two lines (s)<br/>task: office<br/>level 1 at PT1M: notify office, council<br/>");
    free(mermaid);
    tc_playbook_free(pb);

    /* a condition that is missing is drawn as "?" */
    tc_strbuf what = TC_STRBUF_INIT;
    tc_cond_describe(&what, NULL);
    char *described = tc_strbuf_take(&what);
    assert_string_equal(described, "?");
    free(described);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_top_level),
        cmocka_unit_test(test_refusals_inputs),
        cmocka_unit_test(test_refusals_states),
        cmocka_unit_test(test_refusals_tasks),
        cmocka_unit_test(test_refusals_escalation),
        cmocka_unit_test(test_refusals_approvals),
        cmocka_unit_test(test_refusals_choices),
        cmocka_unit_test(test_refusals_conditions),
        cmocka_unit_test(test_refusals_parallels),
        cmocka_unit_test(test_refusals_actions),
        cmocka_unit_test(test_unusual_playbook_compiles),
        cmocka_unit_test(test_unusual_playbook_drawn),
        cmocka_unit_test(test_plain_playbook_drawn),
        cmocka_unit_test(test_task_with_many_outcomes),
        cmocka_unit_test(test_choice_loop_after_many_choices),
        cmocka_unit_test(test_long_chain_of_choices),
        cmocka_unit_test(test_long_loop_of_choices),
        cmocka_unit_test(test_long_keys_in_paths),
        cmocka_unit_test(test_playbook_api_edges),
        cmocka_unit_test(test_escalation_until_done_drawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
