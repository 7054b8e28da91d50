/*
 * Writes the seed corpus of fuzz_instance: crisis states as the engine
 * stores them (tc_instance_to_text), for each script of tests/data/simulate,
 * on its playbook. The crisis is triggered with the script's inputs,
 * initiator and parties, then left to its clock: every timer fires in turn
 * (deadlines, escalation ladders, retries) and every action ends ok, each
 * state written as "PLAYBOOK-NAME\nSTATE" (fuzz_support.h), until the crisis
 * closes or 40 states are written. scripts/fuzz.sh runs it.
 *
 *   seed_instances OUTPUT-DIR
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json_strings.h"
#include "core/instance/instance.h"
#include "core/machine/effects.h"
#include "core/machine/machine.h"
#include "fuzz_support.h"

typedef struct pending {
    char *key;   /* a timer's key, or NULL for an action's end */
    char *state; /* an action's path */
    int attempt;
    tc_ms due;
} pending;

static void take(tc_effects *fx, pending *list, size_t *count, size_t max, tc_ms now)
{
    for (size_t i = 0; i < fx->count; i++) {
        tc_effect *e = &fx->items[i];
        if (*count == max)
            break;
        if (e->kind == TC_EFFECT_TIMER_SET)
            list[(*count)++] = (pending){strdup(e->key), NULL, 0, e->due};
        else if (e->kind == TC_EFFECT_ACTION_START)
            list[(*count)++] = (pending){NULL, strdup(e->state),
                                         (int)json_integer_value(json_object_get(e->detail, "attempt")), now};
    }
    tc_effects_clear(fx);
}

static void write_seed(const char *dir, const char *script, int step, const tc_playbook *pb,
                       const tc_instance *inst)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/instance-%s-%02d", dir, script, step);
    FILE *f = fopen(path, "wb");
    char *text = tc_instance_to_text(pb, inst);
    if (f == NULL || text == NULL) {
        fprintf(stderr, "seed_instances: cannot write %s\n", path);
        exit(1);
    }
    fprintf(f, "%s\n%s", pb->name, text);
    fclose(f);
    free(text);
}

static void play(const char *dir, const char *script_path)
{
    const char *base = strrchr(script_path, '/') ? strrchr(script_path, '/') + 1 : script_path;
    const tc_playbook *pb = NULL;
    for (size_t i = 0; i < fuzz_playbook_count; i++) {
        size_t n = strlen(fuzz_playbooks[i]->name);
        if (strncmp(base, fuzz_playbooks[i]->name, n) == 0 && base[n] == '-')
            pb = fuzz_playbooks[i];
    }
    json_t *script = json_load_file(script_path, 0, NULL);
    if (pb == NULL || script == NULL) {
        json_decref(script);
        return;
    }
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 5), base);

    json_t *actors = json_object_get(script, "actors");
    const char *initiator = json_string_value(json_object_get(script, "initiator"));
    json_t *parties = json_object_get(script, "parties");
    size_t seat_count = 0, party_count = 0;
    const char **seats = tc_json_strings(initiator ? json_object_get(actors, initiator) : NULL, &seat_count);
    const char **party_names = tc_json_strings(parties, &party_count);
    tc_actor actor = {.role = initiator ? initiator : "simulate",
                      .seats = seats,
                      .seat_count = seat_count,
                      .admin = initiator == NULL};
    tc_trigger trigger = {.inputs = json_object_get(script, "inputs"),
                          .severity = json_string_value(json_object_get(script, "severity")),
                          .mode = json_string_value(json_object_get(script, "mode")),
                          .parties = parties ? party_names : NULL,
                          .party_count = party_count};
    tc_instance *inst = tc_instance_new(pb);
    tc_effects fx = {0};
    pending list[256];
    size_t count = 0;
    tc_event start = {.kind = TC_EVENT_TRIGGER, .actor = actor};
    if (tc_trigger_prepare(pb, inst, &trigger, &actor, 0, NULL) == 0 &&
        tc_machine_apply(pb, inst, &start, 0, &fx, NULL) == 0) {
        take(&fx, list, &count, 256, 0);
        for (int step = 0; step < 40 && inst->status == TC_STATUS_ACTIVE && count > 0; step++) {
            write_seed(dir, name, step, pb, inst);
            size_t next = 0; /* the earliest, the first set among equals */
            for (size_t i = 1; i < count; i++)
                if (list[i].due < list[next].due)
                    next = i;
            pending p = list[next];
            memmove(list + next, list + next + 1, (count - next - 1) * sizeof *list);
            count--;
            tc_event ev = p.key ? (tc_event){.kind = TC_EVENT_TIMER, .timer = p.key}
                                : (tc_event){.kind = TC_EVENT_ACTION_RESULT,
                                             .state = p.state,
                                             .outcome = "ok",
                                             .attempt = p.attempt};
            if (tc_machine_apply(pb, inst, &ev, p.due, &fx, NULL) == 0)
                take(&fx, list, &count, 256, p.due);
            else
                tc_effects_clear(&fx);
            free(p.key);
            free(p.state);
        }
        write_seed(dir, name, 99, pb, inst);
    }
    for (size_t i = 0; i < count; i++) {
        free(list[i].key);
        free(list[i].state);
    }
    tc_effects_clear(&fx);
    tc_instance_free(inst);
    free(seats);
    free(party_names);
    json_decref(script);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seed_instances OUTPUT-DIR\n");
        return 2;
    }
    fuzz_load_playbooks();
    glob_t g;
    if (glob(TOCSIN_SOURCE_DIR "/tests/data/simulate/*.json", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            play(argv[1], g.gl_pathv[i]);
        globfree(&g);
    }
    for (size_t i = 0; i < fuzz_playbook_count; i++)
        tc_playbook_free(fuzz_playbooks[i]);
    return 0;
}
