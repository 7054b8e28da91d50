/* Bytes made into storable UTF-8 text: see text.h. */
#include "core/base/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

/*
 * The well-formed UTF-8 sequences (Unicode, table 3-7): by lead byte, how
 * many bytes follow and the range of the first of them (the others are
 * 80..BF). The narrower first ranges exclude overlong forms (E0, F0),
 * surrogates (ED) and code points past U+10FFFF (F4). 0 bytes: not a lead.
 */
static int sequence(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 1;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (lead == 0xE0)
            *lo = 0xA0;
        else if (lead == 0xED)
            *hi = 0x9F;
        return 2;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (lead == 0xF0)
            *lo = 0x90;
        else if (lead == 0xF4)
            *hi = 0x8F;
        return 3;
    }
    return 0;
}

/*
 * One pass over the bytes: writes the text into out when out is not NULL,
 * and returns its length either way (so the caller can size the buffer).
 */
static size_t sanitize(const unsigned char *in, size_t n, char *out)
{
    size_t len = 0, i = 0;
    while (i < n) {
        unsigned char c = in[i], lo, hi;
        size_t good = 1; /* bytes of a well-formed character at i, 0 when none */
        if (c == 0x00) {
            good = 0;
        } else if (c >= 0x80) {
            int follow = sequence(c, &lo, &hi);
            size_t k = 1;
            /* The maximal subpart: the lead and every following byte that could still continue it. */
            while (follow > 0 && k <= (size_t)follow && i + k < n && in[i + k] >= lo && in[i + k] <= hi) {
                lo = 0x80;
                hi = 0xBF;
                k++;
            }
            if (follow > 0 && k == (size_t)follow + 1) {
                good = k;
            } else {
                good = 0;
                i += k - 1; /* the subpart goes, the byte that broke it is read again */
            }
        }
        if (good == 0) {
            if (out)
                memcpy(out + len, TC_TEXT_REPLACEMENT, 3);
            len += 3;
            i++;
            continue;
        }
        if (out)
            memcpy(out + len, in + i, good);
        len += good;
        i += good;
    }
    return len;
}

char *tc_text_sanitize(const char *bytes, size_t n, size_t *length)
{
    const unsigned char *in = (const unsigned char *)bytes;
    size_t len = n ? sanitize(in, n, NULL) : 0;
    char *text = tc_xmalloc(len + 1);
    if (n)
        sanitize(in, n, text);
    text[len] = '\0';
    if (length != NULL)
        *length = len;
    return text;
}

size_t tc_text_cut(const char *text, size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    /* Back over up to three continuation bytes to the lead of the last character. */
    size_t start = n;
    while (start > 0 && n - start < 3 && (t[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0 || (t[start - 1] & 0xC0) != 0xC0)
        return n; /* ASCII last, or not UTF-8 anyway: nothing to cut */
    unsigned char lead = t[start - 1], lo, hi;
    int follow = sequence(lead, &lo, &hi);
    return n - start < (size_t)follow ? start - 1 : n;
}
