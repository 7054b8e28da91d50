/*
 * The pieces of delegation and signatures around the machine: the command
 * codec of delegate's arguments, reading the delegations the store gives,
 * what an actor holds, the timeline's words for delegated, undelegated and
 * a delegate's vote, and the seats map that tells the database which states
 * require signatures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/audit/timeline.h"
#include "core/base/strbuf.h"
#include "core/machine/actor.h"
#include "core/machine/command.h"
#include "core/playbook/playbook.h"

static void test_delegation_codec(void **state)
{
    (void)state;
    tc_event ev = {.kind = TC_EVENT_DELEGATE,
                   .seat = "council/KZ",
                   .to = "kz_deputy",
                   .until = "2026-12-05T18:00:00Z",
                   .reason = "summit"};
    json_t *args = tc_command_encode(&ev);
    tc_event back = {0};
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_command_decode("delegate", args, &back, &err), 0);
    assert_int_equal(back.kind, TC_EVENT_DELEGATE);
    assert_string_equal(back.seat, "council/KZ");
    assert_string_equal(back.to, "kz_deputy");
    assert_string_equal(back.until, "2026-12-05T18:00:00Z");
    assert_int_equal(back.for_s, 0);
    /* The same request is the same command; another end is not. */
    assert_true(tc_command_args_same(args, args));
    tc_event other = ev;
    other.until = NULL;
    other.for_s = 3600;
    json_t *for_args = tc_command_encode(&other);
    assert_int_equal(json_integer_value(json_object_get(for_args, "for")), 3600);
    assert_false(tc_command_args_same(for_args, args));
    assert_int_equal(tc_command_decode("delegate", for_args, &back, &err), 0);
    assert_int_equal(back.for_s, 3600);
    /* "for" that is not a whole number reads as absent. */
    json_object_set_new(for_args, "for", json_string("PT1H"));
    tc_command_decode_args(for_args, &back);
    assert_int_equal(back.for_s, 0);
    assert_int_equal(tc_command_kind_parse("undelegate"), TC_EVENT_UNDELEGATE);
    json_decref(args);
    json_decref(for_args);
}

static void test_delegation_actor_holds(void **state)
{
    (void)state;
    json_t *list = json_loads(
        "[{\"seat\": \"council/KZ\", \"holder\": \"kz\"}, {\"seat\": 7}, {\"holder\": \"x\"},"
        " \"junk\", {\"seat\": \"secretariat\", \"holder\": \"duty\"}, {\"seat\": \"council/AM\"}]",
        0, NULL);
    size_t n = 99;
    tc_delegation *d = tc_delegations_read(list, &n);
    assert_non_null(d);
    assert_int_equal(n, 2);
    const char *const own[] = {"council/RU"};
    tc_actor actor = {"deputy", own, 1, 0, NULL, d, n};
    assert_true(tc_actor_holds(&actor, "council/KZ"));
    assert_true(tc_actor_holds(&actor, "council/RU"));
    assert_false(tc_actor_holds(&actor, "council/AM"));
    assert_true(tc_actor_holds_own(&actor, "council/RU"));
    assert_false(tc_actor_holds_own(&actor, "council/KZ"));
    assert_string_equal(tc_actor_holder(&actor, "council/KZ"), "kz");
    assert_string_equal(tc_actor_holder(&actor, "secretariat"), "duty");
    assert_null(tc_actor_holder(&actor, "council/RU")); /* its own: no holder beside it */
    assert_null(tc_actor_holder(&actor, "council/AM"));
    free(d);
    d = tc_delegations_read(NULL, &n);
    assert_non_null(d);
    assert_int_equal(n, 0);
    free(d);
    json_decref(list);
}

static char *describe(const char *kind, const char *actor, const char *detail_text)
{
    json_t *detail = json_loads(detail_text, 0, NULL);
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_timeline_describe(&sb, kind, NULL, actor, detail);
    json_decref(detail);
    return tc_strbuf_take(&sb);
}

static void test_delegation_timeline_words(void **state)
{
    (void)state;
    char *line = describe("delegated", "kz",
                          "{\"seat\": \"council/KZ\", \"to\": \"dep\", \"until\": null, \"reason\": \"r\"}");
    assert_non_null(strstr(line, "seat council/KZ delegated by kz to dep until the crisis closes: r"));
    free(line);
    line = describe("delegated", "kz",
                    "{\"seat\": \"council/KZ\", \"to\": \"dep\", \"until\": \"2026-12-05T18:00:00Z\"}");
    assert_non_null(strstr(line, "until 2026-12-05T18:00:00Z"));
    free(line);
    line = describe("undelegated", "dep",
                    "{\"seat\": \"council/KZ\", \"holder\": \"kz\", \"reason\": \"back\"}");
    assert_non_null(strstr(line, "ended by dep (its delegate; the seat is kz's): back"));
    free(line);
    line = describe("undelegated", "kz", "{\"seat\": \"council/KZ\"}");
    assert_non_null(strstr(line, "delegation of seat council/KZ ended by kz"));
    assert_null(strstr(line, "delegate;"));
    free(line);
    line = describe("vote", "dep", "{\"seat\": \"council/KZ\", \"vote\": \"approve\", \"holder\": \"kz\"}");
    assert_non_null(strstr(line, "vote council/KZ approve by dep for kz"));
    free(line);
    line =
        describe("completed", "dep", "{\"seat\": \"border/KZ\", \"outcome\": \"done\", \"holder\": \"kz\"}");
    assert_non_null(strstr(line, "completed by dep for border/KZ (kz's seat): done"));
    free(line);
}

static void test_delegation_seats_map_names_required_signatures(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/playbooks/valid/signed.json", getenv("TOCSIN_SOURCE_DIR"));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    tc_playbook *pb = NULL;
    assert_int_equal(tc_playbook_compile(text, n, &pb, NULL, NULL), 0);
    json_t *seats = tc_playbook_seats_json(pb);
    assert_string_equal(json_string_value(json_object_get(json_object_get(seats, "decide"), "signatures")),
                        "required");
    assert_string_equal(json_string_value(json_object_get(json_object_get(seats, "decide"), "role")),
                        "council");
    assert_true(json_is_true(json_object_get(json_object_get(seats, "decide"), "per_party")));
    assert_false(json_is_true(json_object_get(json_object_get(seats, "report"), "per_party")));
    assert_null(json_object_get(seats, "done")); /* no seat acts on an end */
    json_decref(seats);
    tc_playbook_free(pb);
    /* "signatures" takes required or optional, and only on tasks and approvals. */
    static const char bad[] =
        "{\"format\": \"tocsin-playbook/1\", \"name\": \"x\", \"title\": \"x\", \"parties\": [\"KZ\"],"
        " \"roles\": {\"s\": {\"title\": \"s\"}}, \"start\": \"t\","
        " \"states\": {\"t\": {\"type\": \"task\", \"assignee\": \"s\", \"signatures\": \"always\", "
        "\"next\": \"e\"},"
        " \"e\": {\"type\": \"end\", \"signatures\": \"required\"}}}";
    tc_diags diags = {0};
    assert_int_not_equal(tc_playbook_compile(bad, strlen(bad), &pb, &diags, NULL), 0);
    int said_value = 0, said_key = 0;
    for (size_t i = 0; i < diags.count; i++) {
        said_value |= strstr(diags.items[i].message, "\"required\" or \"optional\"") != NULL;
        said_key |= strstr(diags.items[i].where ? diags.items[i].where : "", "$.states.e") != NULL;
    }
    assert_true(said_value);
    assert_true(said_key);
    tc_diags_clear(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delegation_codec),
        cmocka_unit_test(test_delegation_actor_holds),
        cmocka_unit_test(test_delegation_timeline_words),
        cmocka_unit_test(test_delegation_seats_map_names_required_signatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
