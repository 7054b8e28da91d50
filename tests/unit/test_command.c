/*
 * The vocabulary of commands and audit events (core/machine/command.h,
 * core/audit/audit_kind.h): every kind has a name that parses back to it, and a
 * command's arguments survive the codec's round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/audit/audit_kind.h"
#include "core/machine/command.h"

static void test_command_names_round_trip(void **state)
{
    (void)state;
    int commands = 0;
    for (int k = 0; k < TC_EVENT_KIND_COUNT; k++) {
        const char *name = tc_event_kind_name((tc_event_kind)k);
        assert_string_not_equal(name, "?");
        if (tc_event_is_command((tc_event_kind)k)) {
            assert_int_equal(tc_command_kind_parse(name), k);
            commands++;
        } else {
            assert_int_equal(tc_command_kind_parse(name), -1);
        }
    }
    assert_int_equal(commands, 9);
    assert_int_equal(tc_command_kind_parse("timer"), -1);
    assert_int_equal(tc_command_kind_parse(NULL), -1);
    assert_string_equal(tc_event_kind_name((tc_event_kind)TC_EVENT_KIND_COUNT), "?");
    assert_false(tc_event_is_command((tc_event_kind)TC_EVENT_KIND_COUNT));
    assert_false(tc_event_is_command((tc_event_kind)-1));
}

static void test_command_audit_names_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < TC_AUDIT_KIND_COUNT; k++) {
        const char *name = tc_audit_kind_name((tc_audit_kind)k);
        assert_string_not_equal(name, "?");
        assert_int_equal(tc_audit_kind_parse(name), k);
    }
    assert_int_equal(tc_audit_kind_parse("vot"), -1);
    assert_int_equal(tc_audit_kind_parse(NULL), -1);
}

static void test_command_codec_round_trip(void **state)
{
    (void)state;
    json_t *data = json_pack("{s:i}", "trucks", 12);
    tc_event ev = {.kind = TC_EVENT_VOTE,
                   .state = "council",
                   .party = "KZ",
                   .vote = TC_VOTE_REJECT,
                   .reason = "not yet",
                   .outcome = "done",
                   .data = data};
    json_t *args = tc_command_encode(&ev);
    char *text = json_dumps(args, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text,
                        "{\"data\":{\"trucks\":12},\"outcome\":\"done\",\"party\":\"KZ\",\"reason\":\"not "
                        "yet\",\"state\":\"council\",\"vote\":\"reject\"}");
    free(text);
    tc_event back = {0};
    assert_int_equal(tc_command_decode("vote", args, &back, NULL), 0);
    assert_int_equal(back.kind, TC_EVENT_VOTE);
    assert_string_equal(back.state, "council");
    assert_string_equal(back.party, "KZ");
    assert_int_equal(back.vote, TC_VOTE_REJECT);
    assert_string_equal(back.reason, "not yet");
    assert_string_equal(back.outcome, "done");
    assert_true(json_equal(back.data, data));
    assert_true(tc_command_args_same(args, args));
    json_decref(args);

    /* Only a vote carries its vote; what is not given is not written. */
    tc_event ack = {.kind = TC_EVENT_ACK, .vote = TC_VOTE_APPROVE};
    args = tc_command_encode(&ack);
    assert_int_equal(json_object_size(args), 0);
    json_decref(args);

    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_command_decode("timer", NULL, &back, &err), TC_EINVAL);
    assert_string_equal(err.text, "unknown command timer");
    tc_error_init(&err);
    assert_int_equal(tc_command_decode(NULL, NULL, &back, &err), TC_EINVAL);
    assert_string_equal(err.text, "unknown command (none)");
    json_decref(data);
}

static void test_command_args_same(void **state)
{
    (void)state;
    json_t *want = json_pack("{s:s, s:s}", "vote", "approve", "reason", "yes");
    /* state and party resolved by the dry run: the same command */
    json_t *resolved = json_pack("{s:s, s:s, s:s, s:s}", "vote", "approve", "reason", "yes", "state",
                                 "council", "party", "KZ");
    json_t *other = json_pack("{s:s, s:s}", "vote", "reject", "reason", "yes");
    json_t *more = json_pack("{s:s, s:s, s:s}", "vote", "approve", "reason", "yes", "outcome", "done");
    json_t *given = json_pack("{s:s, s:s, s:s}", "vote", "approve", "reason", "yes", "state", "other");
    json_t *want_state = json_pack("{s:s, s:s, s:s}", "vote", "approve", "reason", "yes", "state", "council");
    assert_true(tc_command_args_same(want, resolved));
    assert_false(tc_command_args_same(want, other));
    assert_false(tc_command_args_same(want, more));
    assert_true(tc_command_args_same(want, given));
    assert_false(tc_command_args_same(want_state, given));
    assert_true(tc_command_args_same(want_state, resolved));
    json_decref(want);
    json_decref(resolved);
    json_decref(other);
    json_decref(more);
    json_decref(given);
    json_decref(want_state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_names_round_trip),
        cmocka_unit_test(test_command_audit_names_round_trip),
        cmocka_unit_test(test_command_codec_round_trip),
        cmocka_unit_test(test_command_args_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
