/*
 * Text inside HTML or XML markup: the report's page and the CAP alert write
 * anyone's words (titles, reasons, inputs) between tags, and must show them,
 * never let them open a tag or an entity.
 */
#ifndef TC_CORE_MARKUP_H
#define TC_CORE_MARKUP_H

#include "core/base/strbuf.h"

/*
 * Appends text with & < > " ' as character references (valid in HTML and
 * XML alike), and without the control characters XML 1.0 may not hold at all
 * (below 0x20 but tab, newline and return), which a caller that wants them
 * seen makes visible first (core/input/printable.h).
 */
void tc_markup_add(tc_strbuf *sb, const char *text);

#endif
