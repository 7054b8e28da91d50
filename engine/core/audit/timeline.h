/*
 * Audit events in words, one line each, for people: the timeline of
 * `tocsin simulate` and the lines of `tocsin watch`.
 *   council vote KZ approve by kz_delegate: "border closures confirmed"
 *   assess escalated to level 1 (severity severe)
 */
#ifndef TC_CORE_TIMELINE_H
#define TC_CORE_TIMELINE_H

#include <jansson.h>

#include "core/playbook/duration.h"
#include "core/base/strbuf.h"

/*
 * Appends "<state or crisis> <what happened>" for an audit event of kind with detail, on one line:
 * control and bidi characters in it (a reason's, say) are escaped (core/input/printable.h).
 */
void tc_timeline_describe(tc_strbuf *sb, const char *kind, const char *state, const char *actor,
                          json_t *detail);

/* Appends "+HH:MM:SS" for an offset (hours go past 24). */
void tc_timeline_offset(tc_strbuf *sb, tc_ms offset);

#endif
