/*
 * Drawing a compiled playbook as a graph for people: Graphviz DOT or Mermaid.
 * States are shaped by type and labelled with their title, who acts, the rule,
 * the deadline and the escalation ladder; edges carry outcomes (and, from
 * choices, their conditions); each parallel branch is a cluster between a fork
 * and a join node.
 */
#ifndef TC_CORE_PLAYBOOK_GRAPH_H
#define TC_CORE_PLAYBOOK_GRAPH_H

#include "core/playbook/playbook.h"
#include "core/base/strbuf.h"

typedef enum tc_graph_format { TC_GRAPH_DOT, TC_GRAPH_MERMAID } tc_graph_format;

/* The graph as text, owned by the caller (free()); never NULL. */
char *tc_playbook_graph(const tc_playbook *playbook, tc_graph_format format);

/*
 * Appends a condition of a compiled playbook in a readable infix form:
 * inputs.level == "severe" and count(...) > 2. NULL appends "?".
 */
void tc_cond_describe(tc_strbuf *sb, const tc_cond *cond);

#endif
