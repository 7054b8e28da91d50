/*
 * What waits for a role (`tocsin todo`): the open parts of its seats in a
 * crisis, computed from the instance and the playbook alone. The store reads
 * the crises the role may read, in one query, and calls this for each; the
 * CLI prints what comes back.
 *
 * A part is open while its seat has not acted: an approval's seat that has
 * not voted (a vote may still change, but the role has answered), a task's
 * seat that has not completed. Its act is the command that does it, with
 * --state and --party always given, so that it can be pasted as it is even
 * when the role holds several seats.
 */
#include "core/machine/view.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/strbuf.h"
#include "core/machine/machine_internal.h"

/* The state's title, or its path when it has none. */
static const char *state_title(const tc_state *s)
{
    return s->title != NULL ? s->title : s->path;
}

/* " --party KZ" for a per-party seat, "" for an office. */
static void add_target(tc_strbuf *sb, const tc_playbook *pb, const tc_state *s, int party)
{
    tc_strbuf_addf(sb, " --state %s", s->path);
    if (party >= 0)
        tc_strbuf_addf(sb, " --party %s", pb->parties[party]);
}

static char *asked_vote(const tc_playbook *pb, const tc_state *s, const tc_activation *a)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "vote on: %s (%s", state_title(s), tc_rule_kind_name(s->approval.rule.kind));
    int vetoes = 0;
    for (size_t v = 0; v < s->approval.veto.count; v++)
        for (size_t i = 0; i < a->seat_count; i++)
            if (a->seats[i].party == s->approval.veto.index[v])
                tc_strbuf_addf(&sb, "%s%s", vetoes++ ? ", " : "; veto ", pb->parties[a->seats[i].party]);
    tc_strbuf_add(&sb, ")");
    return tc_strbuf_take(&sb);
}

static char *asked_task(const tc_state *s, int ack)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "%s: %s", ack ? "acknowledge" : "complete", state_title(s));
    if (ack) {
        tc_strbuf_add(&sb, " (its escalation stops once every seat has acknowledged)");
        return tc_strbuf_take(&sb);
    }
    /* "(must report situation, casualties; may report notes)" */
    const char *sep = " (";
    for (int required = 1; required >= 0; required--) {
        int n = 0;
        for (size_t i = 0; i < s->task.output_count; i++)
            if (s->task.outputs[i].required == required) {
                tc_strbuf_addf(&sb, "%s%s%s", n ? ", " : sep,
                               n          ? ""
                               : required ? "must report "
                                          : "may report ",
                               s->task.outputs[i].name);
                n++;
                sep = "; ";
            }
    }
    if (s->task.output_count > 0)
        tc_strbuf_add(&sb, ")");
    return tc_strbuf_take(&sb);
}

static char *act_vote(const tc_playbook *pb, const tc_instance *inst, const tc_state *s, int party)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "tocsin vote %lld approve|reject|abstain", (long long)inst->id);
    add_target(&sb, pb, s, party);
    return tc_strbuf_take(&sb);
}

static char *act_task(const tc_playbook *pb, const tc_instance *inst, const tc_state *s, int party, int ack)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "tocsin %s %lld", ack ? "ack" : "complete", (long long)inst->id);
    add_target(&sb, pb, s, party);
    if (ack)
        return tc_strbuf_take(&sb);
    int required = 0;
    for (size_t i = 0; i < s->task.output_count; i++)
        required |= s->task.outputs[i].required;
    if (s->task.output_count > 0)
        tc_strbuf_add(&sb, required ? " --data JSON" : " [--data JSON]");
    for (size_t i = 0; i < s->task.outcome_count; i++)
        tc_strbuf_addf(&sb, "%s%s", i ? "|" : " [--outcome ", s->task.outcomes[i]);
    if (s->task.outcome_count > 0)
        tc_strbuf_add(&sb, "]");
    return tc_strbuf_take(&sb);
}

static void append(json_t *items, const tc_instance *inst, const tc_state *s, const tc_activation *a,
                   const char *seat, char *asked, char *act)
{
    char deadline[40];
    json_t *item = json_pack(
        "{s:I, s:s?, s:s, s:s, s:s, s:s, s:s?, s:o, s:i, s:s?}", "crisis", (json_int_t)inst->id, "title",
        inst->title, "state", s->path, "path", s->path, "type", tc_state_type_name(s->type), "seat", seat,
        "asked", asked, "deadline",
        s->deadline ? json_string(tc_view_time(a->entered_at + s->deadline, deadline, sizeof deadline))
                    : json_null(),
        "escalation_level", a->level, "act", act);
    json_array_append_new(items, item);
    free(asked);
    free(act);
}

size_t tc_view_todo(const tc_playbook *pb, const tc_instance *inst, const tc_actor *actor, json_t *items)
{
    size_t before = json_array_size(items);
    if (inst->status != TC_STATUS_ACTIVE)
        return 0;
    for (size_t i = 0; i < inst->active_count; i++) {
        const tc_activation *a = &inst->active[i];
        const tc_state *s = &pb->states[a->state];
        if (s->type != TC_STATE_APPROVAL && s->type != TC_STATE_TASK)
            continue;
        if (s->type == TC_STATE_APPROVAL && s->approval.exclude_initiator &&
            tc__is_initiator_person(inst, actor))
            continue; /* the machine would refuse its vote */
        for (size_t j = 0; j < a->seat_count; j++) {
            const tc_seat *seat = &a->seats[j];
            char name[160];
            tc__seat_name(pb, s, seat->party, name, sizeof name);
            if (!tc__actor_holds(actor, name))
                continue;
            size_t first = json_array_size(items);
            const char *holder = tc_actor_holder(actor, name);
            if (s->type == TC_STATE_APPROVAL) {
                if (seat->vote == TC_VOTE_NONE)
                    append(items, inst, s, a, name, asked_vote(pb, s, a), act_vote(pb, inst, s, seat->party));
            } else if (!seat->done) {
                if (s->escalation != NULL && s->escalation->until == TC_UNTIL_ACK && seat->acked_by == NULL)
                    append(items, inst, s, a, name, asked_task(s, 1), act_task(pb, inst, s, seat->party, 1));
                append(items, inst, s, a, name, asked_task(s, 0), act_task(pb, inst, s, seat->party, 0));
            }
            for (size_t k = first; holder != NULL && k < json_array_size(items); k++) /* a delegated seat */
                json_object_set_new(json_array_get(items, k), "holder", json_string(holder));
        }
    }
    return json_array_size(items) - before;
}

/*
 * Compares two times of tc_view_time ("...T10:00:00Z" or "...T10:00:00.250Z"):
 * the seconds as text, then the milliseconds (a plain strcmp would put
 * ".250Z" before "Z").
 */
static int compare_times(const char *a, const char *b)
{
    int c = strncmp(a, b, 19);
    if (c != 0)
        return c;
    int ma = a[19] == '.' ? atoi(a + 20) : 0, mb = b[19] == '.' ? atoi(b + 20) : 0;
    return (ma > mb) - (ma < mb);
}

static int compare_items(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    const char *da = json_string_value(json_object_get(a, "deadline"));
    const char *db = json_string_value(json_object_get(b, "deadline"));
    if (da != NULL && db != NULL) {
        int c = compare_times(da, db);
        if (c != 0)
            return c;
    } else if (da != NULL || db != NULL) {
        return da != NULL ? -1 : 1; /* a deadline comes before none */
    }
    json_int_t ca = json_integer_value(json_object_get(a, "crisis"));
    json_int_t cb = json_integer_value(json_object_get(b, "crisis"));
    if (ca != cb)
        return ca < cb ? -1 : 1;
    static const char *const keys[] = {"path", "seat", "act"}; /* "tocsin ack" before "tocsin complete" */
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int c = strcmp(json_string_value(json_object_get(a, keys[i])),
                       json_string_value(json_object_get(b, keys[i])));
        if (c != 0)
            return c;
    }
    return 0;
}

void tc_view_todo_sort(json_t *items)
{
    size_t n = json_array_size(items);
    if (n < 2)
        return;
    json_t **sorted = tc_xmalloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_incref(json_array_get(items, i));
    qsort(sorted, n, sizeof *sorted, compare_items);
    json_array_clear(items);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, sorted[i]);
    free(sorted);
}
