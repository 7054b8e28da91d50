/*
 * Escalation ladders. Levels are numbered across rounds: with n levels and
 * `repeat` k, levels 1..n(k+1) exist, and level r*n + i (round r from 0, level
 * i from 1) falls due at entry + r * after(n) + after(i): each round starts
 * where the previous one's last level stood. One timer is armed at a time, for
 * the next level not yet reached; a manual escalation reaches that level at
 * once and leaves the schedule of the later ones as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "core/machine/machine_internal.h"

int tc__escalation_levels(const tc_state *s)
{
    return (int)s->escalation->level_count * (s->escalation->repeat + 1);
}

tc_ms tc__escalation_due(const tc_state *s, const tc_activation *a, int level)
{
    const tc_escalation *e = s->escalation;
    int n = (int)e->level_count;
    int round = (level - 1) / n, i = (level - 1) % n;
    return a->entered_at + (tc_ms)round * e->levels[n - 1].after + e->levels[i].after;
}

void tc__escalation_schedule(run *r, const tc_state *s, const tc_activation *a)
{
    if (a->level >= tc__escalation_levels(s))
        return;
    if (s->escalation->until == TC_UNTIL_ACK && tc__task_all_acked(a))
        return;
    char purpose[32];
    snprintf(purpose, sizeof purpose, "level%d", a->level + 1);
    tc__timer_set(r, s, a->visit, purpose, tc__escalation_due(s, a, a->level + 1));
}

void tc__escalation_reach(run *r, const tc_state *s, tc_activation *a, int manual)
{
    const tc_escalation *e = s->escalation;
    int level = a->level + 1;
    const tc_level *def = &e->levels[(level - 1) % (int)e->level_count];
    char purpose[32];

    if (manual) {
        snprintf(purpose, sizeof purpose, "level%d", level);
        tc__timer_clear(r, s, a->visit, purpose);
    }
    a->level = level;
    if (level > r->inst->escalation_level)
        r->inst->escalation_level = level;

    json_t *roles = json_array();
    for (size_t i = 0; i < def->notify.count; i++)
        json_array_append_new(roles, json_string(r->pb->roles[def->notify.index[i]].id));
    json_t *detail = json_pack("{s:i, s:b, s:o}", "level", level, "manual", manual, "notify", roles);
    if (manual && r->ev->reason != NULL)
        json_object_set_new(detail, "reason", json_string(r->ev->reason));
    if (def->severity >= 0 && def->severity > (int)r->inst->severity) {
        json_object_set_new(detail, "severity_from", json_string(tc_severity_name(r->inst->severity)));
        r->inst->severity = (tc_severity)def->severity;
        json_object_set_new(detail, "severity", json_string(tc_severity_name(r->inst->severity)));
    }
    tc__audit(r, TC_AUDIT_ESCALATED, s, detail);
    tc__notify(r, s, "escalated", level, tc__notify_seats(r->pb, r->inst, s, a, &def->notify));
    tc__escalation_schedule(r, s, a);
}
