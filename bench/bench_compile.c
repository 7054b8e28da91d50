/*
 * Benchmark: compiling a generated 1,000-state playbook (tasks with ladders
 * and outputs, approvals, choices on task data, waits, actions, and a parallel
 * in every block). Prints one Markdown table row: the median, minimum and
 * maximum over the runs, in milliseconds.
 *
 *   bench_compile [RUNS] [STATES]     defaults: 30 runs of 1000 states
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/playbook/playbook.h"
#include "core/base/strbuf.h"

/* Blocks of ten states; the last block is cut to fit, then an end. */
static char *generate(int states)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_add(&sb,
                  "{\"format\": \"tocsin-playbook/1\", \"name\": \"bench\", \"title\": \"Benchmark\","
                  " \"parties\": [\"AM\", \"BY\", \"KZ\", \"KG\", \"RU\", \"TJ\"],"
                  " \"roles\": {\"secretariat\": {\"title\": \"Secretariat\"},"
                  " \"council\": {\"title\": \"Council\", \"per_party\": true},"
                  " \"border\": {\"title\": \"Border\", \"per_party\": true}},"
                  " \"inputs\": {\"level\": {\"type\": \"integer\", \"default\": 1}},"
                  " \"start\": \"s0\", \"states\": {");
    int n = 0;
    while (n < states - 1) {
        int b = n;
        const char *kinds[] = {"task", "approval", "choice",   "parallel", "action",
                               "wait", "task",     "approval", "choice",   "task"};
        for (int k = 0; k < 10 && n < states - 1; k++, n++) {
            int next = n + 1 < states - 1 ? n + 1 : -1;
            char target[32];
            if (next < 0)
                snprintf(target, sizeof target, "end");
            else
                snprintf(target, sizeof target, "s%d", next);
            const char *kind = kinds[k];
            /* A parallel counts as its own state plus two branch states each side. */
            if (strcmp(kind, "parallel") == 0 && n + 5 >= states - 1)
                kind = "wait";
            tc_strbuf_addf(&sb, "%s\"s%d\": ", n == 0 ? "" : ", ", n);
            if (strcmp(kind, "task") == 0)
                tc_strbuf_addf(
                    &sb,
                    "{\"type\": \"task\", \"assignee\": \"border\", \"parties\": \"all\", \"deadline\": "
                    "\"PT4H\", \"outputs\": {\"kg\": {\"type\": \"number\"}}, \"escalation\": {\"levels\": "
                    "[{\"after\": \"PT1H\", \"notify\": [\"secretariat\"]}, {\"after\": \"PT2H\", "
                    "\"notify\": [\"council\"], \"severity\": \"severe\"}], \"repeat\": 1}, \"next\": "
                    "{\"done\": \"%s\", \"timeout\": \"%s\"}}",
                    target, target);
            else if (strcmp(kind, "approval") == 0)
                tc_strbuf_addf(
                    &sb,
                    "{\"type\": \"approval\", \"approvers\": {\"role\": \"council\", \"parties\": "
                    "\"all\"}, \"rule\": \"consensus\", \"veto\": [\"RU\"], \"deadline\": \"P1D\", "
                    "\"next\": {\"approved\": \"%s\", \"rejected\": \"%s\", \"timeout\": \"%s\"}}",
                    target, target, target);
            else if (strcmp(kind, "choice") == 0)
                tc_strbuf_addf(
                    &sb,
                    "{\"type\": \"choice\", \"choices\": [{\"when\": {\"and\": [{\">\": [{\"sum\": "
                    "{\"var\": \"data.s%d.*.kg\"}}, 10]}, {\"==\": [{\"var\": \"inputs.level\"}, 2]}]}, "
                    "\"next\": \"%s\"}], \"otherwise\": \"%s\"}",
                    b, target, target);
            else if (strcmp(kind, "parallel") == 0) {
                tc_strbuf_addf(
                    &sb,
                    "{\"type\": \"parallel\", \"deadline\": \"P2D\", \"branches\": {"
                    "\"a\": {\"start\": \"work\", \"states\": {\"work\": {\"type\": \"task\", "
                    "\"assignee\": \"secretariat\", \"next\": \"over\"}, \"over\": {\"type\": \"end\"}}},"
                    "\"b\": {\"start\": \"work\", \"states\": {\"work\": {\"type\": \"task\", "
                    "\"assignee\": \"secretariat\", \"next\": \"over\"}, \"over\": {\"type\": \"end\"}}}},"
                    " \"next\": {\"done\": \"%s\", \"timeout\": \"%s\"}}",
                    target, target);
                states -= 4; /* the four branch states count towards the total */
            } else if (strcmp(kind, "action") == 0)
                tc_strbuf_addf(&sb,
                               "{\"type\": \"action\", \"run\": [\"notify-members\", \"--block\", \"%d\"], "
                               "\"retry\": {\"max\": 2}, \"next\": {\"ok\": \"%s\", \"failed\": \"%s\"}}",
                               b, target, target);
            else
                tc_strbuf_addf(&sb, "{\"type\": \"wait\", \"duration\": \"PT1H\", \"next\": \"%s\"}", target);
        }
    }
    tc_strbuf_add(&sb, ", \"end\": {\"type\": \"end\"}}}");
    return tc_strbuf_take(&sb);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 30;
    int states = argc > 2 ? atoi(argv[2]) : 1000;
    if (runs < 3 || states < 10) {
        fprintf(stderr, "usage: bench_compile [RUNS >= 3] [STATES >= 10]\n");
        return 2;
    }
    char *text = generate(states);
    double *times = calloc((size_t)runs, sizeof *times);
    size_t compiled_states = 0;
    for (int i = 0; i < runs; i++) {
        tc_playbook *pb = NULL;
        tc_diags diags = {0};
        double start = now_ms();
        if (tc_playbook_compile(text, strlen(text), &pb, &diags, NULL) != 0) {
            fprintf(stderr, "the generated playbook does not compile: %s: %s\n",
                    diags.count ? diags.items[0].where : "?", diags.count ? diags.items[0].message : "?");
            return 1;
        }
        times[i] = now_ms() - start;
        compiled_states = pb->state_count;
        tc_playbook_free(pb);
        tc_diags_clear(&diags);
    }
    qsort(times, (size_t)runs, sizeof *times, by_value);
    printf("| compile a %zu-state playbook (%zu KiB of JSON) | %.2f ms | %.2f–%.2f ms | %d runs |\n",
           compiled_states, strlen(text) / 1024, times[runs / 2], times[0], times[runs - 1], runs);
    free(times);
    free(text);
    return 0;
}
