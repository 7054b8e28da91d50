/*
 * Benchmark: events applied per second by the state machine on one core,
 * including the JSON round trip of the instance that the engine pays for
 * every event (text -> instance, apply, instance -> text), on a six-seat
 * consensus approval: each crisis takes six votes and closes.
 *
 *   bench_machine [RUNS] [CRISES]     defaults: 5 runs of 20000 crises (120,000 votes each)
 *
 * Prints one Markdown table row: median, minimum and maximum events per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/machine/machine.h"

static const char playbook[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"bench-consensus\", \"title\": \"Consensus\","
    " \"parties\": [\"AM\", \"BY\", \"KZ\", \"KG\", \"RU\", \"TJ\"],"
    " \"roles\": {\"council\": {\"title\": \"Council\", \"per_party\": true}},"
    " \"start\": \"decide\", \"states\": {"
    "  \"decide\": {\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": \"all\"},"
    "   \"rule\": \"consensus\", \"deadline\": \"P1D\","
    "   \"escalation\": {\"levels\": [{\"after\": \"PT12H\", \"notify\": [\"council\"]}]},"
    "   \"next\": {\"approved\": \"done\", \"rejected\": \"no\", \"timeout\": \"no\"}},"
    "  \"done\": {\"type\": \"end\"}, \"no\": {\"type\": \"end\", \"outcome\": \"declined\"}}}";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A triggered crisis, as the text the store would hold. */
static char *fresh_crisis(const tc_playbook *pb)
{
    tc_instance *inst = tc_instance_new(pb);
    tc_trigger t = {0};
    tc_actor admin = {"admin", NULL, 0, 1, NULL, NULL, 0};
    tc_effects fx = {0};
    tc_trigger_prepare(pb, inst, &t, &admin, 0, NULL);
    tc_event ev = {.kind = TC_EVENT_TRIGGER, .actor = admin};
    tc_machine_apply(pb, inst, &ev, 0, &fx, NULL);
    json_t *json = tc_instance_to_json(pb, inst);
    char *text = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    tc_effects_clear(&fx);
    tc_instance_free(inst);
    return text;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    int crises = argc > 2 ? atoi(argv[2]) : 20000;
    static const char *const parties[] = {"AM", "BY", "KZ", "KG", "RU", "TJ"};
    static const char *const seats[] = {"council/AM", "council/BY", "council/KZ",
                                        "council/KG", "council/RU", "council/TJ"};
    tc_playbook *pb = NULL;
    if (runs < 3 || crises < 1 || tc_playbook_compile(playbook, strlen(playbook), &pb, NULL, NULL) != 0) {
        fprintf(stderr, "usage: bench_machine [RUNS >= 3] [CRISES >= 1]\n");
        return 2;
    }
    char *start = fresh_crisis(pb);
    double *rates = calloc((size_t)runs, sizeof *rates);
    long events = 0;

    for (int run = 0; run < runs; run++) {
        double t0 = now_s();
        events = 0;
        for (int c = 0; c < crises; c++) {
            char *text = strdup(start);
            for (int v = 0; v < 6; v++) {
                tc_instance *inst = NULL;
                if (tc_instance_from_text(pb, text, strlen(text), &inst, NULL) != 0) {
                    fprintf(stderr, "cannot read the instance back\n");
                    return 1;
                }
                tc_effects fx = {0};
                tc_event ev = {.kind = TC_EVENT_VOTE,
                               .actor = {seats[v], &seats[v], 1, 0, NULL, NULL, 0},
                               .state = "decide",
                               .party = parties[v],
                               .vote = v == 3 ? TC_VOTE_ABSTAIN : TC_VOTE_APPROVE,
                               .reason = "agreed in capital"};
                if (tc_machine_apply(pb, inst, &ev, 60000 * (v + 1), &fx, NULL) != 0) {
                    fprintf(stderr, "a vote was refused\n");
                    return 1;
                }
                free(text);
                text = tc_instance_to_text(pb, inst);
                tc_effects_clear(&fx);
                tc_instance_free(inst);
                events++;
            }
            if (strstr(text, "\"closed\"") == NULL) {
                fprintf(stderr, "the approval did not close\n");
                return 1;
            }
            free(text);
        }
        rates[run] = events / (now_s() - t0);
    }
    qsort(rates, (size_t)runs, sizeof *rates, by_value);
    printf(
        "| state machine: votes applied per second, one core, with the instance's JSON round trip "
        "(six-seat consensus) | %.0f/s | %.0f–%.0f/s | %d × %ld votes |\n",
        rates[runs / 2], rates[0], rates[runs - 1], runs, events);
    free(rates);
    free(start);
    tc_playbook_free(pb);
    return 0;
}
