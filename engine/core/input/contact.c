/* The rules for a contact's address, format and time zone (contact.h). */
#include "core/input/contact.h"

#include <string.h>

#include "core/input/limits.h"

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext, and the dot. */
static int is_local_char(char c)
{
    return is_alnum(c) || (c != '\0' && strchr(".!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/* A DNS label of at most 63 at s: letters and digits, inner hyphens; its length, or 0. */
static size_t label(const char *s)
{
    size_t n = 0;
    while (is_alnum(s[n]) || s[n] == '-')
        n++;
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    return n;
}

int tc_contact_email_check(const char *address, tc_error *err)
{
    int rc = tc_limit_text("an e-mail address", address, TC_ADDRESS_MAX_BYTES, err);
    if (rc != 0)
        return rc;
    size_t n = 0;
    while (is_local_char(address[n]))
        n++;
    int ok = n >= 1 && n <= 64 && address[n] == '@';
    const char *d = address + n + 1;
    while (ok) {
        size_t m = label(d);
        if (m == 0) {
            ok = 0;
            break;
        }
        d += m;
        if (*d == '\0')
            break;
        if (*d++ != '.')
            ok = 0;
    }
    if (!ok)
        return tc_error_set(err, TC_EINVAL,
                            "invalid e-mail address \"%s\": NAME@DOMAIN, no spaces or display name", address);
    return 0;
}

/* Printable ASCII but the space: what a URL's path, query and fragment may hold as written. */
static int is_url_char(char c)
{
    return c > ' ' && c < 0x7f;
}

static int is_host_char(char c)
{
    return is_alnum(c) || (c != '\0' && strchr("._~%!$&'()*+,;=:[]-", c) != NULL);
}

int tc_contact_webhook_check(const char *url, tc_error *err)
{
    int rc = tc_limit_text("a webhook URL", url, TC_ADDRESS_MAX_BYTES, err);
    if (rc != 0)
        return rc;
    size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    size_t n = scheme;
    while (scheme && is_host_char(url[n]))
        n++;
    int ok = scheme && n > scheme && (url[n] == '\0' || url[n] == '/' || url[n] == '?' || url[n] == '#');
    for (size_t i = n; ok && url[i] != '\0'; i++)
        ok = is_url_char(url[i]);
    if (!ok) {
        if (!scheme)
            return tc_error_set(err, TC_EINVAL,
                                "invalid webhook URL: it must start with http:// or https://");
        /* Name the scheme and host only: past the host a webhook URL is a secret. */
        return tc_error_set(
            err, TC_EINVAL,
            "invalid webhook URL %.*s/…: a host (no user:password@), then a path of printable "
            "characters without spaces",
            (int)(n < 200 ? n : 200), url);
    }
    return 0;
}

int tc_contact_format_check(const char *format, tc_error *err)
{
    if (format == NULL || strcmp(format, "json") == 0 || strcmp(format, "slack") == 0)
        return 0;
    return tc_error_set(err, TC_EINVAL, "unknown --format \"%.64s\": json or slack", format);
}

int tc_contact_tz_check(const char *tz, tc_error *err)
{
    size_t n = 0;
    int ok = tz != NULL && ((tz[0] >= 'a' && tz[0] <= 'z') || (tz[0] >= 'A' && tz[0] <= 'Z'));
    while (ok && tz[n] != '\0') {
        ok = n < 64 && (is_alnum(tz[n]) || tz[n] == '_' || tz[n] == '+' || tz[n] == '/' || tz[n] == '-');
        n++;
    }
    if (!ok)
        return tc_error_set(err, TC_EINVAL, "unknown time zone \"%.64s\": an IANA name such as Europe/Moscow",
                            tz ? tz : "");
    return 0;
}
