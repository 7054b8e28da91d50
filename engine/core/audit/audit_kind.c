/* Audit kinds by name (core/audit/audit_kind.h). */
#include "core/audit/audit_kind.h"

#include <string.h>

static const char *const names[TC_AUDIT_KIND_COUNT] = {
    [TC_AUDIT_TRIGGERED] = "triggered",
    [TC_AUDIT_ENTERED] = "entered",
    [TC_AUDIT_LEFT] = "left",
    [TC_AUDIT_VOTE] = "vote",
    [TC_AUDIT_COMPLETED] = "completed",
    [TC_AUDIT_ACKED] = "acked",
    [TC_AUDIT_ESCALATED] = "escalated",
    [TC_AUDIT_NOTIFIED] = "notified",
    [TC_AUDIT_TIMEOUT] = "timeout",
    [TC_AUDIT_ACTION_STARTED] = "action_started",
    [TC_AUDIT_ACTION_FINISHED] = "action_finished",
    [TC_AUDIT_REFUSED] = "refused",
    [TC_AUDIT_CANCELLED] = "cancelled",
    [TC_AUDIT_CLOSED] = "closed",
    [TC_AUDIT_AMENDED] = "amended",
    [TC_AUDIT_DELEGATED] = "delegated",
    [TC_AUDIT_UNDELEGATED] = "undelegated",
    [TC_AUDIT_DELIVERED] = "delivered",
    [TC_AUDIT_DELIVERY_FAILED] = "delivery_failed",
};

const char *tc_audit_kind_name(tc_audit_kind kind)
{
    return (unsigned)kind < TC_AUDIT_KIND_COUNT ? names[kind] : "?";
}

int tc_audit_kind_parse(const char *name)
{
    for (int k = 0; name != NULL && k < TC_AUDIT_KIND_COUNT; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    return -1;
}
