/* UTF-8 validation, byte by byte, as RFC 3629 (and PostgreSQL's pg_utf8_islegal) define it. */
#include "core/base/utf8.h"

/* The length of the sequence that starts with lead, or 0 when no sequence starts with it. */
static size_t sequence_length(unsigned char lead)
{
    if (lead >= 0x01 && lead <= 0x7f)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        return 2;
    if (lead >= 0xe0 && lead <= 0xef)
        return 3;
    if (lead >= 0xf0 && lead <= 0xf4)
        return 4;
    return 0; /* NUL, a continuation byte, an overlong lead (c0, c1) or beyond U+10FFFF (f5..ff) */
}

int tc_utf8_valid(const char *text, size_t length, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        size_t n = sequence_length(s[i]);
        int ok = n > 0 && n <= length - i;
        /* The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF. */
        if (ok && n > 1) {
            unsigned char lo = 0x80, hi = 0xbf;
            if (s[i] == 0xe0)
                lo = 0xa0;
            else if (s[i] == 0xed)
                hi = 0x9f;
            else if (s[i] == 0xf0)
                lo = 0x90;
            else if (s[i] == 0xf4)
                hi = 0x8f;
            ok = s[i + 1] >= lo && s[i + 1] <= hi;
            for (size_t k = 2; ok && k < n; k++)
                ok = s[i + k] >= 0x80 && s[i + k] <= 0xbf;
        }
        if (!ok) {
            if (bad != NULL)
                *bad = i;
            return 0;
        }
        i += n;
    }
    return 1;
}
