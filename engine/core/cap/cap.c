/* A crisis as a CAP 1.2 alert (core/cap/cap.h). */
#include "core/cap/cap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/markup.h"
#include "core/base/strbuf.h"

static const char *str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static void element(tc_strbuf *sb, int depth, const char *name, const char *text)
{
    tc_strbuf_addf(sb, "%*s<%s>", depth * 2, "", name);
    tc_markup_add(sb, text);
    tc_strbuf_addf(sb, "</%s>\n", name);
}

static void parameter(tc_strbuf *sb, const char *name, const char *value)
{
    tc_strbuf_add(sb, "    <parameter>\n");
    element(sb, 3, "valueName", name);
    element(sb, 3, "value", value);
    tc_strbuf_add(sb, "    </parameter>\n");
}

/* "2026-12-05T08:00:00Z" as CAP writes it, "2026-12-05T08:00:00+00:00", into buf. */
static const char *cap_time(const char *iso, char *buf, size_t size)
{
    snprintf(buf, size, "%.19s+00:00", iso);
    return buf;
}

static const char *capitalised(const char *word, char *buf, size_t size)
{
    snprintf(buf, size, "%s", word);
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

/* What the crisis is waiting for, one line per active state, for the description. */
static void describe(tc_strbuf *sb, json_t *show)
{
    const char *status = str(show, "status");
    if (strcmp(status, "active") != 0) {
        tc_strbuf_addf(sb, "The crisis is %s", status);
        if (json_is_string(json_object_get(show, "outcome")))
            tc_strbuf_addf(sb, " (outcome %s)", str(show, "outcome"));
        tc_strbuf_add(sb, ".");
        return;
    }
    tc_strbuf_addf(sb, "Active, escalation level %lld.",
                   (long long)json_integer_value(json_object_get(show, "escalation_level")));
    json_t *active = json_object_get(show, "active");
    for (size_t i = 0; i < json_array_size(active); i++) {
        json_t *a = json_array_get(active, i);
        tc_strbuf_addf(sb, "\n%s (%s)", str(a, "path"), str(a, "type"));
        if (json_is_string(json_object_get(a, "title")))
            tc_strbuf_addf(sb, ": %s", str(a, "title"));
        if (json_is_string(json_object_get(a, "deadline")))
            tc_strbuf_addf(sb, "; deadline %s", str(a, "deadline"));
        json_t *tally = json_object_get(a, "tally");
        if (tally != NULL)
            tc_strbuf_addf(sb, "; %lld approve, %lld reject, %lld abstain, %lld not voted",
                           (long long)json_integer_value(json_object_get(tally, "approve")),
                           (long long)json_integer_value(json_object_get(tally, "reject")),
                           (long long)json_integer_value(json_object_get(tally, "abstain")),
                           (long long)json_integer_value(json_object_get(tally, "pending")));
    }
}

char *tc_cap_alert(json_t *show, const tc_cap_facts *f)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    long long id = (long long)json_integer_value(json_object_get(show, "id"));
    const char *status = str(show, "status");
    const char *mode = str(show, "mode");
    char buf[64], first[64], identifier[64];
    int64_t seq = f->seq > 0 ? f->seq : 0;
    snprintf(identifier, sizeof identifier, "tocsin-crisis-%lld-%lld", id, (long long)seq);
    snprintf(first, sizeof first, "tocsin-crisis-%lld-%lld", id,
             (long long)(f->first_seq > 0 ? f->first_seq : 0));
    const char *msg_type = strcmp(status, "cancelled") == 0 ? "Cancel"
                           : seq <= f->first_seq            ? "Alert"
                                                            : "Update";

    tc_strbuf_add(&sb,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
    element(&sb, 1, "identifier", identifier);
    element(&sb, 1, "sender", f->sender);
    element(&sb, 1, "sent", f->sent);
    element(&sb, 1, "status",
            strcmp(mode, "exercise") == 0 ? "Exercise"
            : strcmp(mode, "test") == 0   ? "Test"
                                          : "Actual");
    element(&sb, 1, "msgType", msg_type);
    element(&sb, 1, "source", "tocsin");
    element(&sb, 1, "scope", "Restricted");
    tc_strbuf sub = TC_STRBUF_INIT;
    tc_strbuf_add(&sub, "the parties of the crisis:");
    json_t *parties = json_object_get(show, "parties");
    size_t named = 0; /* the parties that are strings: anything else is no party's name */
    for (size_t i = 0; i < json_array_size(parties); i++)
        if (json_string_value(json_array_get(parties, i)) != NULL)
            tc_strbuf_addf(&sub, "%s %s", named++ ? "," : "", json_string_value(json_array_get(parties, i)));
    element(&sb, 1, "restriction", sub.text);
    if (strcmp(msg_type, "Alert") != 0) {
        char references[512];
        snprintf(references, sizeof references, "%s,%s,%s", f->sender, first, f->first_sent);
        element(&sb, 1, "references", references);
    }
    char incident[32];
    snprintf(incident, sizeof incident, "tocsin-crisis-%lld", id);
    element(&sb, 1, "incidents", incident);

    tc_strbuf_add(&sb, "  <info>\n");
    element(&sb, 2, "language", "en");
    element(&sb, 2, "category", "Security");
    element(&sb, 2, "event", str(show, "playbook"));
    const char *severity = str(show, "severity");
    int active = strcmp(status, "active") == 0;
    element(&sb, 2, "urgency",
            !active                                                               ? "Past"
            : strcmp(severity, "extreme") == 0 || strcmp(severity, "severe") == 0 ? "Immediate"
                                                                                  : "Expected");
    element(&sb, 2, "severity", capitalised(severity[0] ? severity : "unknown", buf, sizeof buf));
    element(&sb, 2, "certainty", "Observed");
    element(&sb, 2, "onset", cap_time(str(show, "created_at"), buf, sizeof buf));
    element(&sb, 2, "senderName", "tocsin");
    element(&sb, 2, "headline", str(show, "title"));
    tc_strbuf_release(&sub);
    describe(&sub, show); /* never empty: it says at least whether the crisis is active */
    element(&sb, 2, "description", sub.text);
    char instruction[64];
    snprintf(instruction, sizeof instruction, "tocsin show %lld", id);
    element(&sb, 2, "instruction", instruction);
    snprintf(buf, sizeof buf, "%lld", id);
    parameter(&sb, "tocsin:crisis", buf);
    tc_strbuf_release(&sub);
    tc_strbuf_addf(&sub, "%s@%lld", str(show, "playbook"),
                   (long long)json_integer_value(json_object_get(show, "version")));
    parameter(&sb, "tocsin:playbook", sub.text);
    json_t *inputs = json_object_get(show, "inputs");
    for (void *it = json_object_iter(inputs); it != NULL; it = json_object_iter_next(inputs, it)) {
        json_t *value = json_object_iter_value(it);
        tc_strbuf_release(&sub);
        tc_strbuf_addf(&sub, "tocsin:input:%s", json_object_iter_key(it));
        char *text =
            json_typeof(value) == JSON_STRING ? NULL : json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        parameter(&sb, sub.text, text ? text : json_string_value(value));
        free(text);
    }
    tc_strbuf_release(&sub);
    named = 0;
    for (size_t i = 0; i < json_array_size(parties); i++)
        if (json_string_value(json_array_get(parties, i)) != NULL)
            tc_strbuf_addf(&sub, "%s%s", named++ ? ", " : "", json_string_value(json_array_get(parties, i)));
    if (named > 0) {
        tc_strbuf_add(&sb, "    <area>\n");
        element(&sb, 3, "areaDesc", sub.text);
        tc_strbuf_add(&sb, "    </area>\n");
    }
    tc_strbuf_add(&sb, "  </info>\n</alert>\n");
    tc_strbuf_release(&sub);
    return tc_strbuf_take(&sb);
}
