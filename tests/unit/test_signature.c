/*
 * core/machine/signature.c: the signed text of docs/signatures.md, built and
 * read back; every field compared (a signature of another crisis, visit,
 * seat, value, data, reason or key does not cover the command); texts that
 * are not of the form refused; and the machine refusing an unsigned or
 * badly signed command where the state requires a signature.
 */
#include "core/machine/signature.h"
#include "machine_fixture.h"

static tc_signed_command sample(json_t *data)
{
    return (tc_signed_command){.crisis = 42,
                               .playbook_sha256 = "9f2c",
                               .state = "council",
                               .visit = 1,
                               .seat = "council/KZ",
                               .kind = "vote",
                               .value = "approve",
                               .data = data,
                               .reason = "line one\nline \"two\"",
                               .key = NULL,
                               .signed_at = "2026-12-05T09:14:03.207Z"};
}

static void test_signature_text_round_trip(void **state)
{
    (void)state;
    tc_signed_command c = sample(NULL);
    char *text = tc_signed_command_text(&c);
    assert_string_equal(text,
                        "tocsin-command/1\n"
                        "crisis 42\n"
                        "playbook_sha256 \"9f2c\"\n"
                        "state \"council\"\n"
                        "visit 1\n"
                        "seat \"council/KZ\"\n"
                        "kind \"vote\"\n"
                        "value \"approve\"\n"
                        "data null\n"
                        "reason \"line one\\nline \\\"two\\\"\"\n"
                        "key null\n"
                        "signed_at \"2026-12-05T09:14:03.207Z\"\n");
    tc_signed_command back;
    json_t *holder = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_parse(text, &back, &holder, &err), 0);
    assert_int_equal(back.crisis, 42);
    assert_string_equal(back.reason, c.reason);
    assert_null(back.key);
    assert_null(back.data);
    assert_int_equal(tc_signed_command_covers(&back, &c, &err), 0);
    json_decref(holder);
    free(text);
}

static void test_signature_covers_every_field(void **state)
{
    (void)state;
    json_t *data = json_pack("{s:f, s:s}", "drugs_seized_kg", 12.5, "where", "Panj");
    tc_signed_command want = sample(data), got;
    want.kind = "complete";
    want.value = "done";
    tc_error err;
    tc_error_init(&err);
#define DIFFERS(field, value, name)                                                                          \
    do {                                                                                                     \
        got = want;                                                                                          \
        got.field = value;                                                                                   \
        tc_error_init(&err);                                                                                 \
        assert_int_equal(tc_signed_command_covers(&got, &want, &err), TC_EPERM);                             \
        if (strstr(err.text, name) == NULL)                                                                  \
            fail_msg("%s: %s", name, err.text);                                                              \
    } while (0)
    DIFFERS(crisis, 43, "crisis");
    DIFFERS(playbook_sha256, "0000", "playbook_sha256");
    DIFFERS(state, "other", "state");
    DIFFERS(visit, 2, "visit");
    DIFFERS(seat, "council/RU", "seat");
    DIFFERS(kind, "ack", "kind");
    DIFFERS(value, "blocked", "value");
    DIFFERS(reason, NULL, "reason");
    DIFFERS(key, "k1", "key");
    json_t *other = json_pack("{s:f, s:s}", "drugs_seized_kg", 125.0, "where", "Panj");
    DIFFERS(data, other, "other data");
    DIFFERS(data, NULL, "other data");
    /* The same data in another order, and 12.5 written 12.50, is the same data. */
    json_t *same = json_loads("{\"where\": \"Panj\", \"drugs_seized_kg\": 12.50}", 0, NULL);
    got = want;
    got.data = same;
    assert_int_equal(tc_signed_command_covers(&got, &want, &err), 0);
    /* signed_at is the signer's and is not compared. */
    got.signed_at = "1999-01-01T00:00:00.000Z";
    assert_int_equal(tc_signed_command_covers(&got, &want, &err), 0);
#undef DIFFERS
    json_decref(same);
    json_decref(other);
    json_decref(data);
}

static void test_signature_parse_refuses_other_forms(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "tocsin-command/2\ncrisis 1\n",
        "tocsin-command/1\ncrisis 1\n",      /* fields missing */
        "tocsin-command/1\nkind \"vote\"\n", /* out of order */
        "tocsin-command/1\ncrisis one\nplaybook_sha256 \"a\"\nstate \"s\"\nvisit 1\nseat \"c\"\nkind "
        "\"vote\"\n"
        "value null\ndata null\nreason null\nkey null\nsigned_at \"t\"\n", /* not JSON */
        "tocsin-command/1\ncrisis 1\nplaybook_sha256 \"a\"\nstate \"s\"\nvisit 1\nseat \"c\"\nkind \"vote\"\n"
        "value null\ndata null\nreason null\nkey null\nsigned_at \"t\"\nmore 1\n", /* something after */
        "tocsin-command/1\ncrisis 1\nplaybook_sha256 \"a\"\nstate \"s\"\nvisit 1\nseat \"c\"\nkind \"vote\"\n"
        "value null\ndata [1]\nreason null\nkey null\nsigned_at \"t\"\n", /* data not an object */
        "tocsin-command/1\ncrisis 1\nplaybook_sha256 \"a\"\nstate \"s\"\nvisit 1\nseat \"c\"\nkind \"vote\"\n"
        "value 7\ndata null\nreason null\nkey null\nsigned_at \"t\"\n", /* value not a string */
        "tocsin-command/1\ncrisis 1\nplaybook_sha256 \"a\"\nstate \"s\"\nvisit 1\nseat \"c\"\nkind \"vote\"\n"
        "value null\ndata null\nreason null\nkey null\nsigned_at \"t\"", /* no final line break */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_signed_command c;
        json_t *holder = NULL;
        tc_error err;
        tc_error_init(&err);
        if (tc_signed_command_parse(bad[i], &c, &holder, &err) != TC_EINVAL)
            fail_msg("accepted text %zu", i);
        json_decref(holder);
    }
}

/* A signed text with one line replaced: field i (0 the header, 1 crisis, ... 11 signed_at) by line. */
static char *with_line(size_t i, const char *line)
{
    static const char *const lines[] = {"tocsin-command/1", "crisis 1",   "playbook_sha256 \"a\"",
                                        "state \"s\"",      "visit 1",    "seat \"c\"",
                                        "kind \"vote\"",    "value null", "data null",
                                        "reason null",      "key null",   "signed_at \"t\""};
    tc_strbuf sb = TC_STRBUF_INIT;
    for (size_t j = 0; j < sizeof lines / sizeof lines[0]; j++)
        tc_strbuf_addf(&sb, "%s\n", j == i ? line : lines[j]);
    return tc_strbuf_take(&sb);
}

/* Each way a signed text can be wrong, and the words that say so. */
static void test_signature_parse_names_what_is_wrong(void **state)
{
    (void)state;
    static const struct {
        size_t line;
        const char *text, *why;
    } bad[] = {
        {0, "tocsin-command/1 ", "signed text: it does not begin with tocsin-command/1"},
        {0, "tocsin-command/10", "signed text: it does not begin with tocsin-command/1"},
        {1, "crisis1", "signed text: line 2 is not the field crisis"},
        {1, "seq 1", "signed text: line 2 is not the field crisis"},
        {4, "visit  ", "signed text: the value of visit is not JSON: "},
        {1, "crisis \"1\"", "signed text: crisis and visit must be whole numbers"},
        {1, "crisis 1.0", "signed text: crisis and visit must be whole numbers"},
        {4, "visit null", "signed text: crisis and visit must be whole numbers"},
        {8, "data \"x\"", "signed text: data must be an object or null"},
        {2, "playbook_sha256 null", "signed text: playbook_sha256 must be a string"},
        {3, "state 7", "signed text: state must be a string"},
        {5, "seat null", "signed text: seat must be a string"},
        {6, "kind [\"vote\"]", "signed text: kind must be a string"},
        {7, "value 7", "signed text: value must be a string or null"},
        {9, "reason {}", "signed text: reason must be a string or null"},
        {10, "key false", "signed text: key must be a string or null"},
        {11, "signed_at null", "signed text: signed_at must be a string"},
        {9, "reason \"a\" \"b\"", "signed text: the value of reason is not JSON: "},
        {8, "data {\"a\": 1, \"a\": 2}", "signed text: the value of data is not JSON: "},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = with_line(bad[i].line, bad[i].text);
        tc_signed_command c;
        json_t *holder = NULL;
        tc_error err;
        tc_error_init(&err);
        if (tc_signed_command_parse(text, &c, &holder, &err) != TC_EINVAL ||
            strncmp(err.text, bad[i].why, strlen(bad[i].why)) != 0)
            fail_msg("%s: expected \"%s\", got \"%s\"", bad[i].text, bad[i].why, err.text);
        json_decref(holder);
        free(text);
    }
    tc_signed_command c;
    json_t *holder = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_parse(NULL, &c, &holder, &err), TC_EINVAL);
    assert_string_equal(err.text, "signed text: it does not begin with tocsin-command/1");
    json_decref(holder);
    /* The accepting side: strings where null may be, an object for data, a key. */
    char *text = with_line(8, "data {\"posts\": 3}");
    holder = NULL;
    assert_int_equal(tc_signed_command_parse(text, &c, &holder, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(c.data, "posts")), 3);
    assert_string_equal(c.state, "s");
    assert_null(c.value);
    json_decref(holder);
    free(text);
}

/* A command with data, an outcome and a key: its text and back, and data {} covered by a signed null. */
static void test_signature_text_with_data(void **state)
{
    (void)state;
    json_t *data = json_pack("{s:i}", "posts", 3);
    tc_signed_command c = sample(data);
    c.kind = "complete";
    c.value = "done";
    c.reason = NULL;
    c.key = "k-1";
    char *text = tc_signed_command_text(&c);
    assert_non_null(strstr(text, "\ndata {\"posts\":3}\nreason null\nkey \"k-1\"\n"));
    tc_signed_command back;
    json_t *holder = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_parse(text, &back, &holder, &err), 0);
    assert_string_equal(back.key, "k-1");
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_covers(&back, &c, &err), 0);
    json_decref(holder);
    free(text);
    /* A completion without data is recorded with {}: a signature of data null covers it, not of other data.
     */
    json_t *empty = json_object();
    tc_signed_command want = c, got = c;
    want.data = empty;
    got.data = NULL;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_covers(&got, &want, &err), 0);
    got.data = data;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_covers(&got, &want, &err), TC_EPERM);
    assert_string_equal(err.text, "the signature does not cover this command: it signs other data");
    /* The message names both values, null as null. */
    got = want;
    got.key = NULL;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_covers(&got, &want, &err), TC_EPERM);
    assert_string_equal(err.text,
                        "the signature does not cover this command: it signs key null, the "
                        "command's is \"k-1\"");
    got = want;
    got.crisis = 41;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_covers(&got, &want, &err), TC_EPERM);
    assert_string_equal(
        err.text,
        "the signature does not cover this command: it signs crisis \"41\", the command's is \"42\"");
    json_decref(empty);
    json_decref(data);
}

/* What a signature must say for each kind of command, and the commands that are not signed. */
static void test_signature_expected_of_each_kind(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "signed", NULL);
    f.inst->id = 9;
    json_t *data = json_pack("{s:i}", "posts", 3);
    tc_event ev = {.kind = TC_EVENT_COMPLETE,
                   .actor = ACTOR("kz", "council/KZ"),
                   .state = "decide",
                   .party = "KZ",
                   .data = data};
    tc_signed_command want;
    char seat[160];
    tc_error err;
    tc_error_init(&err);
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err), 0);
    assert_string_equal(want.kind, "complete");
    assert_string_equal(want.value, "done");
    assert_ptr_equal(want.data, data);
    assert_string_equal(want.state, "decide");
    ev.outcome = "blocked";
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err), 0);
    assert_string_equal(want.value, "blocked");
    ev = (tc_event){.kind = TC_EVENT_ACK,
                    .actor = ACTOR("kz", "council/KZ"),
                    .state = "decide",
                    .party = "KZ",
                    .data = data};
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err), 0);
    assert_string_equal(want.kind, "ack");
    assert_null(want.value);
    assert_null(want.data);
    assert_string_equal(want.seat, "council/KZ");
    ev.party = NULL; /* the office's seat, not a party's */
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err), 0);
    assert_string_equal(want.seat, "council");
    ev.party = "XX";
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err),
                     TC_ENOTFOUND);
    assert_string_equal(err.text, "no party XX in playbook signed");
    ev.party = "KZ";
    ev.state = NULL;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err),
                     TC_ENOTFOUND);
    assert_string_equal(err.text, "state (none) is not active");
    ev.state = "nowhere";
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err),
                     TC_ENOTFOUND);
    assert_string_equal(err.text, "state nowhere is not active");
    ev = (tc_event){.kind = TC_EVENT_ESCALATE, .actor = ACTOR("kz", "council/KZ"), .state = "decide"};
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ev, "abc", NULL, &want, seat, &err), TC_EINVAL);
    assert_string_equal(err.text, "only votes, completions and acknowledgements are signed");
    json_decref(data);
    finish(&f);
}

/* The machine: a state that requires signatures refuses a command without one, or with one that does not
 * hold, naming why; a signed command on any state applies. */
static void test_signature_required_by_the_state(void **state)
{
    (void)state;
    fixture f;
    start_named(&f, "signed", NULL);
    tc_event v = {.kind = TC_EVENT_VOTE,
                  .actor = ACTOR("kz", "council/KZ"),
                  .state = "decide",
                  .party = "KZ",
                  .vote = TC_VOTE_APPROVE};
    assert_int_equal(act(&f, v, M), TC_EPERM);
    assert_non_null(strstr(f.err.text, "takes only signed commands"));
    v.signature = -1;
    v.signature_problem = "the signature by key 0123 does not verify";
    assert_int_equal(act(&f, v, M), TC_EPERM);
    assert_non_null(strstr(f.err.text, "does not verify"));
    v.signature = 1;
    assert_int_equal(act(&f, v, M), 0);
    /* What a signature of this command must say, from the crisis as it stands. */
    tc_event ru = v;
    ru.actor = ACTOR("ru", "council/RU");
    ru.party = "RU";
    f.inst->id = 7;
    tc_signed_command want;
    char seat[160];
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ru, "abc", "k", &want, seat, &err), 0);
    assert_int_equal(want.crisis, 7);
    assert_string_equal(want.seat, "council/RU");
    assert_int_equal(want.visit, 1);
    assert_string_equal(want.value, "approve");
    assert_string_equal(want.key, "k");
    ru.state = "report"; /* not active */
    assert_int_equal(tc_signed_command_expect(f.pb, f.inst, &ru, "abc", NULL, &want, seat, &err),
                     TC_ENOTFOUND);
    finish(&f);
}

/*
 * Text that is not UTF-8 cannot be a JSON string: the signed text says null for it, and such a signature
 * does not cover the command that carries the text (the machine refuses that text anyway).
 */
static void test_signature_text_not_utf8(void **state)
{
    (void)state;
    tc_signed_command c = sample(NULL);
    c.reason = "caf\xe9";
    char *text = tc_signed_command_text(&c);
    assert_non_null(strstr(text, "\nreason null\n"));
    tc_signed_command back;
    json_t *holder = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_signed_command_parse(text, &back, &holder, &err), 0);
    assert_null(back.reason);
    assert_int_equal(tc_signed_command_covers(&back, &c, &err), TC_EPERM);
    static const char prefix[] = "the signature does not cover this command: it signs reason null";
    assert_int_equal(strncmp(err.text, prefix, sizeof prefix - 1), 0);
    json_decref(holder);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_text_round_trip),
        cmocka_unit_test(test_signature_covers_every_field),
        cmocka_unit_test(test_signature_parse_refuses_other_forms),
        cmocka_unit_test(test_signature_required_by_the_state),
        cmocka_unit_test(test_signature_parse_names_what_is_wrong),
        cmocka_unit_test(test_signature_text_with_data),
        cmocka_unit_test(test_signature_expected_of_each_kind),
        cmocka_unit_test(test_signature_text_not_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
