/* Header fields, quoted-printable and dates for e-mail: see mime.h. */
#include "core/notify/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/text.h"

static const char base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex[] = "0123456789ABCDEF";

static void add_base64(tc_strbuf *sb, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char out[4] = {base64[v >> 18 & 63], base64[v >> 12 & 63], i + 1 < n ? base64[v >> 6 & 63] : '=',
                       i + 2 < n ? base64[v & 63] : '='};
        tc_strbuf_addn(sb, out, 4);
    }
}

/* The length of the UTF-8 character that starts with byte c (the text is valid UTF-8). */
static size_t char_length(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
}

void tc_mime_header(tc_strbuf *sb, const char *name, const char *value)
{
    size_t length = 0;
    char *text = tc_text_sanitize(value ? value : "", value ? strlen(value) : 0, &length);
    int encode = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7F)
            text[i] = ' '; /* CR, LF and the rest: a value is one line, whatever it holds */
        else if (c >= 0x80)
            encode = 1;
    }
    size_t prefix = strlen(name) + 2; /* "Name: " */
    if (strstr(text, "=?") != NULL || prefix + length > TC_MIME_LINE_MAX)
        encode = 1;
    tc_strbuf_add(sb, name);
    tc_strbuf_add(sb, ": ");
    if (!encode) {
        tc_strbuf_addn(sb, text, length);
        tc_strbuf_add(sb, "\r\n");
        free(text);
        return;
    }
    /*
     * One encoded word per line: "=?UTF-8?B?" and "?=" are 12 characters, and
     * base64 writes 4 for every 3 bytes, so a line of prefix characters has
     * room for (76 - prefix - 12) / 4 * 3 bytes of whole characters. A word
     * holds at least one character, so a very long header name still gets
     * its value (its line then passes 76, well within the 998 that is a must).
     */
    size_t at = 0;
    do {
        size_t room = prefix + 12 + 4 < TC_MIME_LINE_MAX ? (TC_MIME_LINE_MAX - prefix - 12) / 4 * 3 : 3;
        size_t n = 0;
        while (at + n < length) {
            size_t c = char_length((unsigned char)text[at + n]);
            if (n > 0 && n + c > room)
                break;
            n += c;
        }
        if (at > 0)
            tc_strbuf_add(sb, "\r\n ");
        tc_strbuf_add(sb, "=?UTF-8?B?");
        add_base64(sb, (const unsigned char *)text + at, n);
        tc_strbuf_add(sb, "?=");
        at += n;
        prefix = 1; /* a folded line starts with one space */
    } while (at < length);
    tc_strbuf_add(sb, "\r\n");
    free(text);
}

/* Appends piece (a literal byte or an =XX) to the current line, breaking it softly first when it would not
 * fit.
 */
static void qp_put(tc_strbuf *sb, size_t *column, const char *piece, size_t n)
{
    if (*column + n > TC_MIME_LINE_MAX - 1) { /* leave room for the "=" of a soft break */
        tc_strbuf_add(sb, "=\r\n");
        *column = 0;
    }
    tc_strbuf_addn(sb, piece, n);
    *column += n;
}

void tc_mime_quoted_printable(tc_strbuf *sb, const char *text)
{
    size_t column = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            tc_strbuf_add(sb, "\r\n");
            column = 0;
            continue;
        }
        int last = p[1] == '\n' || p[1] == '\0';
        if ((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !last)) {
            qp_put(sb, &column, (const char *)p, 1);
        } else {
            char esc[3] = {'=', hex[*p >> 4], hex[*p & 15]};
            qp_put(sb, &column, esc, 3);
        }
    }
}

void tc_mime_date(tc_ms at, char out[TC_MIME_DATE_SIZE])
{
    static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (at < 0)
        at = 0;
    if (at > 253402300799999) /* 9999-12-31T23:59:59.999Z: four digits of year */
        at = 253402300799999;
    long long seconds = at / 1000;
    long long z = seconds / 86400;
    long long rest = seconds % 86400;
    const char *weekday = days[z % 7]; /* 1970-01-01 was a Thursday */
    /* Days to a civil date (Howard Hinnant's days_from_civil, inverted), for z >= 0. */
    z += 719468;
    long long era = z / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2);
    snprintf(out, TC_MIME_DATE_SIZE, "%s, %02d %s %04d %02d:%02d:%02d +0000", weekday, (int)day % 100,
             months[month - 1], (int)year % 10000, (int)rest / 3600 % 24, (int)rest / 60 % 60,
             (int)rest % 60);
}

int tc_mime_address_ok(const char *address)
{
    if (address == NULL)
        return 0;
    const char *at = strchr(address, '@');
    if (at == NULL || at == address || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return 0;
    for (const unsigned char *p = (const unsigned char *)address; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F || strchr("<>(),;\"\\", *p) != NULL)
            return 0;
    return strlen(address) <= 254;
}
