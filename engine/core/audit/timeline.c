/* The words for each kind of audit event. */
#include "core/audit/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "core/audit/audit_kind.h"
#include "core/input/printable.h"

static const char *str(json_t *detail, const char *key)
{
    return json_string_value(json_object_get(detail, key));
}

/* A list's strings joined by sep; "?" for an item that is not a string. */
static void join_strings(tc_strbuf *sb, json_t *list, const char *sep)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *s = json_string_value(json_array_get(list, i));
        tc_strbuf_addf(sb, "%s%s", i ? sep : "", s ? s : "?");
    }
}

void tc_timeline_offset(tc_strbuf *sb, tc_ms offset)
{
    long long s = offset / 1000;
    tc_strbuf_addf(sb, "+%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

static void describe(tc_strbuf *sb, const char *kind, const char *state, const char *actor, json_t *detail)
{
    tc_strbuf_add(sb, state ? state : "crisis");
    tc_strbuf_add(sb, " ");
    int k = tc_audit_kind_parse(kind);
    if (k < 0) {
        tc_strbuf_add(sb, kind ? kind : "?"); /* an event with no kind (a report's input may lack it) */
        return;
    }
    switch ((tc_audit_kind)k) {
    case TC_AUDIT_TRIGGERED: {
        tc_strbuf_addf(sb, "triggered by %s (severity %s, mode %s, parties ", actor ? actor : "?",
                       str(detail, "severity") ? str(detail, "severity") : "?",
                       str(detail, "mode") ? str(detail, "mode") : "?");
        join_strings(sb, json_object_get(detail, "parties"), ", ");
        tc_strbuf_add(sb, ")");
        break;
    }
    case TC_AUDIT_ENTERED: {
        json_int_t visit = json_integer_value(json_object_get(detail, "visit"));
        tc_strbuf_add(sb, "entered");
        if (visit > 1)
            tc_strbuf_addf(sb, " (visit %lld)", (long long)visit);
        break;
    }
    case TC_AUDIT_LEFT: {
        if (str(detail, "next") != NULL) {
            json_t *choice = json_object_get(detail, "choice");
            if (json_is_integer(choice))
                tc_strbuf_addf(sb, "chose %s (condition %lld)", str(detail, "next"),
                               (long long)json_integer_value(choice) + 1);
            else
                tc_strbuf_addf(sb, "chose %s (otherwise)", str(detail, "next"));
        } else {
            tc_strbuf_addf(sb, "left: %s", str(detail, "outcome") ? str(detail, "outcome") : "?");
            json_t *tally = json_object_get(detail, "tally");
            if (str(detail, "vetoed_by"))
                tc_strbuf_addf(sb, " (vetoed by %s)", str(detail, "vetoed_by"));
            if (tally != NULL) {
                tc_strbuf_addf(sb, " (%s", str(detail, "rule") ? str(detail, "rule") : "rule");
                if (str(detail, "fraction"))
                    tc_strbuf_addf(sb, " of %s", str(detail, "fraction"));
                if (json_object_get(detail, "needed"))
                    tc_strbuf_addf(sb, ", %lld needed",
                                   (long long)json_integer_value(json_object_get(detail, "needed")));
                tc_strbuf_addf(sb, ": %lld approve, %lld reject, %lld abstain, %lld pending)",
                               (long long)json_integer_value(json_object_get(tally, "approve")),
                               (long long)json_integer_value(json_object_get(tally, "reject")),
                               (long long)json_integer_value(json_object_get(tally, "abstain")),
                               (long long)json_integer_value(json_object_get(tally, "pending")));
            }
        }
        break;
    }
    case TC_AUDIT_VOTE: {
        tc_strbuf_addf(sb, "vote %s %s by %s", str(detail, "seat") ? str(detail, "seat") : "?",
                       str(detail, "vote") ? str(detail, "vote") : "?", actor ? actor : "?");
        if (str(detail, "holder"))
            tc_strbuf_addf(sb, " for %s", str(detail, "holder"));
        if (str(detail, "changed_from"))
            tc_strbuf_addf(sb, " (was %s)", str(detail, "changed_from"));
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, ": %s", str(detail, "reason"));
        break;
    }
    case TC_AUDIT_COMPLETED: {
        const char *seat = str(detail, "seat") ? str(detail, "seat") : "?";
        const char *outcome = str(detail, "outcome") ? str(detail, "outcome") : "done";
        if (actor != NULL && str(detail, "holder"))
            tc_strbuf_addf(sb, "completed by %s for %s (%s's seat): %s", actor, seat, str(detail, "holder"),
                           outcome);
        else if (actor != NULL && strcmp(actor, seat) != 0)
            tc_strbuf_addf(sb, "completed by %s for %s: %s", actor, seat, outcome);
        else
            tc_strbuf_addf(sb, "completed for %s: %s", seat, outcome);
        json_t *data = json_object_get(detail, "data");
        if (json_object_size(data) > 0) {
            /* A dump of an object cannot fail (jansson holds nothing it cannot write). */
            char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
            tc_strbuf_addf(sb, " %s", text);
            free(text);
        }
        break;
    }
    case TC_AUDIT_ACKED: {
        const char *seat = str(detail, "seat") ? str(detail, "seat") : "?";
        if (actor != NULL && strcmp(actor, seat) != 0)
            tc_strbuf_addf(sb, "acknowledged by %s for %s", actor, seat);
        else
            tc_strbuf_addf(sb, "acknowledged for %s", seat);
        break;
    }
    case TC_AUDIT_ESCALATED: {
        tc_strbuf_addf(sb, "escalated to level %lld",
                       (long long)json_integer_value(json_object_get(detail, "level")));
        if (json_is_true(json_object_get(detail, "manual")))
            tc_strbuf_addf(sb, " by %s", actor ? actor : "?");
        if (str(detail, "severity"))
            tc_strbuf_addf(sb, ", severity raised to %s", str(detail, "severity"));
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, " (%s)", str(detail, "reason"));
        if (json_array_size(json_object_get(detail, "notify")) > 0) {
            tc_strbuf_add(sb, ": notify ");
            join_strings(sb, json_object_get(detail, "notify"), ", ");
        }
        break;
    }
    case TC_AUDIT_NOTIFIED: {
        tc_strbuf_addf(sb, "notified (%s): ", str(detail, "why") ? str(detail, "why") : "?");
        join_strings(sb, json_object_get(detail, "seats"), ", ");
        break;
    }
    case TC_AUDIT_TIMEOUT: {
        tc_strbuf_add(sb, "deadline passed");
        if (str(detail, "outcome") && strcmp(str(detail, "outcome"), "timeout") != 0)
            tc_strbuf_addf(sb, ": %s", str(detail, "outcome"));
        break;
    }
    case TC_AUDIT_ACTION_STARTED: {
        tc_strbuf_addf(sb, "action started (attempt %lld): ",
                       (long long)json_integer_value(json_object_get(detail, "attempt")));
        join_strings(sb, json_object_get(detail, "argv"), " ");
        break;
    }
    case TC_AUDIT_ACTION_FINISHED: {
        tc_strbuf_addf(sb, "action finished (attempt %lld): %s",
                       (long long)json_integer_value(json_object_get(detail, "attempt")),
                       str(detail, "outcome") ? str(detail, "outcome") : "?");
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, " (%s)", str(detail, "reason"));
        if (json_object_get(detail, "retry_at_ms"))
            tc_strbuf_add(sb, ", will retry");
        break;
    }
    case TC_AUDIT_REFUSED: {
        tc_strbuf_addf(sb, "refused %s: %s", str(detail, "command") ? str(detail, "command") : "command",
                       str(detail, "reason") ? str(detail, "reason") : "?");
        break;
    }
    case TC_AUDIT_CANCELLED: {
        tc_strbuf_addf(sb, "cancelled by %s", actor ? actor : "?");
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, ": %s", str(detail, "reason"));
        break;
    }
    case TC_AUDIT_CLOSED: {
        tc_strbuf_addf(sb, "closed: %s", str(detail, "outcome") ? str(detail, "outcome") : "?");
        break;
    }
    case TC_AUDIT_AMENDED: {
        tc_strbuf_addf(sb, "amended by %s:", actor ? actor : "?");
        json_t *changed = json_object_get(detail, "new");
        int first = 1;
        for (void *it = json_object_iter(changed); it != NULL; it = json_object_iter_next(changed, it)) {
            const char *key = json_object_iter_key(it);
            /* NULL for a field that had no value before; the new value is always there. */
            char *was = json_dumps(json_object_get(json_object_get(detail, "old"), key),
                                   JSON_ENCODE_ANY | JSON_COMPACT);
            char *now = json_dumps(json_object_iter_value(it), JSON_ENCODE_ANY | JSON_COMPACT);
            tc_strbuf_addf(sb, "%s %s %s -> %s", first ? "" : ",", key, was ? was : "(none)", now);
            free(was);
            free(now);
            first = 0;
        }
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, " (%s)", str(detail, "reason"));
        break;
    }
    case TC_AUDIT_DELEGATED: {
        tc_strbuf_addf(sb, "seat %s delegated by %s to %s until %s",
                       str(detail, "seat") ? str(detail, "seat") : "?", actor ? actor : "?",
                       str(detail, "to") ? str(detail, "to") : "?",
                       str(detail, "until") ? str(detail, "until") : "the crisis closes");
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, ": %s", str(detail, "reason"));
        break;
    }
    case TC_AUDIT_UNDELEGATED: {
        tc_strbuf_addf(sb, "delegation of seat %s ended by %s",
                       str(detail, "seat") ? str(detail, "seat") : "?", actor ? actor : "?");
        if (str(detail, "holder"))
            tc_strbuf_addf(sb, " (its delegate; the seat is %s's)", str(detail, "holder"));
        if (str(detail, "reason"))
            tc_strbuf_addf(sb, ": %s", str(detail, "reason"));
        break;
    }
    case TC_AUDIT_DELIVERED:
    case TC_AUDIT_DELIVERY_FAILED: {
        tc_strbuf_addf(sb, "%s %s to %s %s (attempt %lld)",
                       k == TC_AUDIT_DELIVERED ? "delivered" : "delivery failed",
                       str(detail, "channel") ? str(detail, "channel") : "?",
                       str(detail, "seat") ? str(detail, "seat") : "?",
                       str(detail, "address") ? str(detail, "address") : "",
                       (long long)json_integer_value(json_object_get(detail, "attempt")));
        if (str(detail, "error"))
            tc_strbuf_addf(sb, ": %s", str(detail, "error"));
        if (str(detail, "retry_at"))
            tc_strbuf_addf(sb, ", will retry at %s", str(detail, "retry_at"));
        break;
    }
    }
}

void tc_timeline_describe(tc_strbuf *sb, const char *kind, const char *state, const char *actor,
                          json_t *detail)
{
    /* Reasons, titles and data are anyone's words: one line, and nothing a terminal would act on. */
    size_t from = sb->length;
    describe(sb, kind, state, actor, detail);
    tc_printable_tail(sb, from);
}
