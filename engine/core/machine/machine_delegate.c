/*
 * Delegating a seat for one crisis (docs/architecture.md, "Delegation"): the
 * seat's holder lets another role act for it, until a time, for a while, or
 * until the crisis closes; the holder, the delegate or an administrator ends
 * it. The engine audits both (`delegated`, `undelegated`); which commands a
 * delegation covers is the store's to say (the delegations in force when each
 * was recorded come with the actor), so nothing here changes the instance.
 */
#include <stdio.h>
#include <string.h>

#include "core/instance/crisis_filter.h"
#include "core/machine/machine_internal.h"
#include "core/machine/view.h"

/* Whether seat is a seat of this crisis: a role of the playbook, with a party of the crisis when the role
 * has one seat per party, without one when it is an office. */
static int check_seat(const run *r, const char *seat)
{
    char role[160];
    const char *slash = strchr(seat, '/');
    size_t n = slash ? (size_t)(slash - seat) : strlen(seat);
    if (n == 0 || n >= sizeof role)
        return tc_error_set(r->err, TC_EINVAL, "invalid seat \"%s\": a playbook role, optionally /PARTY",
                            seat);
    memcpy(role, seat, n);
    role[n] = '\0';
    int index = tc_playbook_role(r->pb, role);
    if (index < 0)
        return tc_error_set(r->err, TC_ENOTFOUND, "no role %s in playbook %s", role, r->pb->name);
    if (!r->pb->roles[index].per_party && slash != NULL)
        return tc_error_set(r->err, TC_ENOTFOUND, "role %s is an office: its seat is %s, without a party",
                            role, role);
    if (r->pb->roles[index].per_party) {
        int party = slash ? tc_playbook_party(r->pb, slash + 1) : -1;
        int in_crisis = 0;
        for (size_t i = 0; party >= 0 && i < r->inst->party_count; i++)
            in_crisis |= r->inst->parties[i] == party;
        if (!in_crisis)
            return tc_error_set(r->err, TC_ENOTFOUND,
                                "crisis %lld has no seat %s (role %s has one per party: %s/PARTY)",
                                (long long)r->inst->id, seat, role, role);
    }
    return 0;
}

/* The end of the delegation as an ISO 8601 time into buf, or "" for none (until the crisis closes). */
static int delegation_end(const run *r, char *buf, size_t size)
{
    const tc_event *ev = r->ev;
    buf[0] = '\0';
    if (ev->until != NULL && ev->for_s > 0)
        return tc_error_set(r->err, TC_EINVAL, "a delegation ends at one time: --for or --until, not both");
    tc_ms end = 0;
    if (ev->until != NULL && tc_time_parse(ev->until, &end) != 0)
        return tc_error_set(r->err, TC_EINVAL, "the end of the delegation, \"%s\", is not an ISO 8601 time",
                            ev->until);
    if (ev->for_s < 0 || ev->for_s > 366LL * 24 * 3600)
        return tc_error_set(r->err, TC_EINVAL, "a delegation lasts from a second to a year");
    if (ev->for_s > 0)
        end = r->now + ev->for_s * 1000;
    if (ev->until != NULL && end <= r->now)
        return tc_error_set(r->err, TC_EINVAL, "the delegation would end (%s) before it begins", ev->until);
    if (end > 0)
        tc_view_time(end, buf, size);
    return 0;
}

int tc__delegate(run *r)
{
    const tc_event *ev = r->ev;
    const char *who = ev->actor.role ? ev->actor.role : "?";
    if (ev->seat == NULL || ev->seat[0] == '\0')
        return tc_error_set(r->err, TC_EINVAL, "a delegation names its seat (--seat ROLE/PARTY)");
    if (ev->to == NULL || ev->to[0] == '\0')
        return tc_error_set(r->err, TC_EINVAL, "a delegation names the role that is to act (--to ROLE)");
    if (ev->reason == NULL || ev->reason[0] == '\0')
        return tc_error_set(r->err, TC_EINVAL, "a delegation needs a reason (--reason TEXT)");
    int rc = check_seat(r, ev->seat);
    if (rc != 0)
        return rc;
    if (!tc_actor_holds_own(&ev->actor, ev->seat))
        return tc_error_set(r->err, TC_EPERM, "%s does not hold seat %s: only its holder may delegate it",
                            who, ev->seat);
    if (ev->actor.role != NULL && strcmp(ev->to, ev->actor.role) == 0)
        return tc_error_set(r->err, TC_EINVAL, "%s holds seat %s already: delegate it to another role", who,
                            ev->seat);
    char end[40];
    if ((rc = delegation_end(r, end, sizeof end)) != 0)
        return rc;
    tc__audit(r, TC_AUDIT_DELEGATED, NULL,
              json_pack("{s:s, s:s, s:s?, s:s}", "seat", ev->seat, "to", ev->to, "until", end[0] ? end : NULL,
                        "reason", ev->reason));
    return 0;
}

int tc__undelegate(run *r)
{
    const tc_event *ev = r->ev;
    if (ev->seat == NULL || ev->seat[0] == '\0')
        return tc_error_set(r->err, TC_EINVAL, "undelegate names the seat (--seat ROLE/PARTY)");
    if (ev->reason == NULL || ev->reason[0] == '\0')
        return tc_error_set(r->err, TC_EINVAL, "ending a delegation needs a reason (--reason TEXT)");
    int rc = check_seat(r, ev->seat);
    if (rc != 0)
        return rc;
    if (!ev->actor.admin && !tc_actor_holds(&ev->actor, ev->seat))
        return tc_error_set(r->err, TC_EPERM,
                            "%s may not end the delegation of seat %s (its holder, its delegate and "
                            "administrators may)",
                            ev->actor.role ? ev->actor.role : "?", ev->seat);
    json_t *detail = json_pack("{s:s, s:s}", "seat", ev->seat, "reason", ev->reason);
    tc__note_holder(r, detail, ev->seat);
    tc__audit(r, TC_AUDIT_UNDELEGATED, NULL, detail);
    return 0;
}
