/* The rules for role, seat and organisation names (the CHECKs of migrations/012_baseline.sql). */
#include "core/input/actor_names.h"

#include <string.h>

#include "core/input/limits.h"

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [A-Za-z0-9_-] */
static int is_party_char(char c)
{
    return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

/* The length of the run of [A-Za-z0-9_-] at s. */
static size_t party_span(const char *s)
{
    size_t n = 0;
    while (is_party_char(s[n]))
        n++;
    return n;
}

int tc_seat_name_check(const char *seat, tc_error *err)
{
    int rc = tc_limit_text("a seat", seat, TC_NAME_MAX_BYTES, err);
    if (rc != 0)
        return rc;
    size_t n = 0;
    if (is_lower(seat[0]))
        for (n = 1; is_lower(seat[n]) || is_digit(seat[n]) || seat[n] == '_'; n++)
            ;
    int ok = n >= 1 && n <= 63;
    if (ok && seat[n] == '/') {
        size_t party = party_span(seat + n + 1);
        ok = party >= 1 && party <= 32 && seat[n + 1 + party] == '\0';
    } else {
        ok = ok && seat[n] == '\0';
    }
    if (!ok)
        return tc_error_set(err, TC_EINVAL,
                            "'%s' is not a seat: ROLE or ROLE/PARTY, ROLE of a-z, 0-9 and _ starting with a "
                            "letter (at most 63), PARTY of A-Z, a-z, 0-9, _ and - (at most 32)",
                            seat);
    return 0;
}

int tc_organisation_check(const char *organisation, tc_error *err)
{
    int rc = tc_limit_text("an organisation", organisation, TC_NAME_MAX_BYTES, err);
    if (rc != 0)
        return rc;
    size_t n = party_span(organisation);
    if (n < 1 || n > 32 || organisation[n] != '\0')
        return tc_error_set(err, TC_EINVAL, "'%s' is not an organisation: 1 to 32 of A-Z, a-z, 0-9, _ and -",
                            organisation);
    return 0;
}

int tc_role_name_check(const char *role, tc_error *err)
{
    int rc = tc_limit_text("a role name", role, TC_ROLE_MAX_BYTES, err);
    if (rc != 0)
        return rc;
    if (role[0] == '\0')
        return tc_error_set(err, TC_EINVAL, "a role name cannot be empty");
    for (const char *p = role; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return tc_error_set(err, TC_EINVAL, "a role name cannot contain control characters");
    return 0;
}
