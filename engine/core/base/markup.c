/* Text inside HTML or XML markup (core/base/markup.h). */
#include "core/base/markup.h"

void tc_markup_add(tc_strbuf *sb, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&':
            tc_strbuf_add(sb, "&amp;");
            break;
        case '<':
            tc_strbuf_add(sb, "&lt;");
            break;
        case '>':
            tc_strbuf_add(sb, "&gt;");
            break;
        case '"':
            tc_strbuf_add(sb, "&quot;");
            break;
        case '\'':
            tc_strbuf_add(sb, "&#39;");
            break;
        default:
            if ((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
                tc_strbuf_addn(sb, p, 1);
        }
    }
}
