/*
 * libFuzzer harness for the playbook compiler: any bytes in, no crash, no
 * leak, no undefined behaviour out. A playbook that compiles is also drawn in
 * both graph languages, which walks every part of the compiled graph.
 * Run it with scripts/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/playbook/playbook.h"
#include "core/playbook/playbook_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tc_playbook *pb = NULL;
    tc_diags diags = {0};
    if (tc_playbook_compile((const char *)data, size, &pb, &diags, NULL) == 0) {
        free(tc_playbook_graph(pb, TC_GRAPH_DOT));
        free(tc_playbook_graph(pb, TC_GRAPH_MERMAID));
        tc_playbook_free(pb);
    }
    tc_diags_clear(&diags);
    return 0;
}
