/*
 * What the libFuzzer harnesses share: the playbooks of the repository
 * (workflows/ and tests/data/playbooks/valid/), compiled once, and the split
 * of an input into the name of one of them and the rest.
 *
 * Inputs that concern a crisis start with a line naming its playbook
 * ("border-incident\n{...}"): the harness reads the rest against that
 * playbook, or against the first one when the line names none, so that a
 * seed written from a file of the repository starts on the right playbook
 * and the fuzzer can still wander to any other. TOCSIN_SOURCE_DIR is set by
 * CMake.
 */
#ifndef TC_FUZZ_SUPPORT_H
#define TC_FUZZ_SUPPORT_H

#include <glob.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/playbook/playbook.h"

#define FUZZ_PLAYBOOKS_MAX 32

static tc_playbook *fuzz_playbooks[FUZZ_PLAYBOOKS_MAX];
static char *fuzz_playbook_sources[FUZZ_PLAYBOOKS_MAX]; /* the text each was compiled from */
static size_t fuzz_playbook_count;

static inline char *fuzz_read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        text = realloc(text, size + n + 1);
        if (text == NULL)
            abort();
        memcpy(text + size, chunk, n);
        size += n;
    }
    fclose(f);
    if (text != NULL)
        text[size] = '\0';
    *length = size;
    return text;
}

/* Compiles every playbook of the repository that compiles; aborts when none does. */
static inline void fuzz_load_playbooks(void)
{
    static const char *const patterns[] = {TOCSIN_SOURCE_DIR "/workflows/*.json",
                                           TOCSIN_SOURCE_DIR "/workflows/drills/*.json",
                                           TOCSIN_SOURCE_DIR "/tests/data/playbooks/valid/*.json"};
    for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
        glob_t g;
        if (glob(patterns[p], 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc && fuzz_playbook_count < FUZZ_PLAYBOOKS_MAX; i++) {
            size_t length = 0;
            char *text = fuzz_read_file(g.gl_pathv[i], &length);
            tc_playbook *pb = NULL;
            tc_diags diags = {0};
            if (text != NULL && tc_playbook_compile(text, length, &pb, &diags, NULL) == 0) {
                fuzz_playbook_sources[fuzz_playbook_count] = text;
                fuzz_playbooks[fuzz_playbook_count++] = pb;
            } else {
                free(text);
            }
            tc_diags_clear(&diags);
        }
        globfree(&g);
    }
    if (fuzz_playbook_count == 0) {
        fprintf(stderr, "fuzz: no playbook compiles under %s\n", TOCSIN_SOURCE_DIR);
        abort();
    }
}

/* The index of the playbook the input's first line names (0 when it names none); as fuzz_pick_playbook. */
static inline size_t fuzz_pick_index(const uint8_t *data, size_t size, const char **rest, size_t *rest_size)
{
    const uint8_t *newline = memchr(data, '\n', size);
    size_t index = 0;
    if (newline == NULL) {
        *rest = (const char *)data;
        *rest_size = size;
        return index;
    }
    size_t name_length = (size_t)(newline - data);
    for (size_t i = 0; i < fuzz_playbook_count; i++)
        if (strlen(fuzz_playbooks[i]->name) == name_length &&
            memcmp(fuzz_playbooks[i]->name, data, name_length) == 0)
            index = i;
    *rest = (const char *)newline + 1;
    *rest_size = size - name_length - 1;
    return index;
}

/*
 * The playbook the input's first line names (the first playbook when it names
 * none); *rest and *rest_size are what follows that line.
 */
static inline const tc_playbook *fuzz_pick_playbook(const uint8_t *data, size_t size, const char **rest,
                                                    size_t *rest_size)
{
    return fuzz_playbooks[fuzz_pick_index(data, size, rest, rest_size)];
}

/* A NUL-terminated copy of size bytes of data (free it). */
static inline char *fuzz_text(const void *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
