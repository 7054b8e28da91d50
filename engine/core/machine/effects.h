/*
 * Effects: what applying an event asks the world to do. The core decides; the
 * engine (or the simulator) carries them out: writes audit events, sets and
 * clears timers, delivers notifications, starts and kills action programs.
 * Effects come out in the order they happened, which is the audit's order.
 */
#ifndef TC_CORE_EFFECTS_H
#define TC_CORE_EFFECTS_H

#include <jansson.h>
#include <stddef.h>

#include "core/audit/audit_kind.h"
#include "core/playbook/duration.h"

typedef enum tc_effect_kind {
    TC_EFFECT_AUDIT,       /* audit: the audit kind, name: its name ("vote", ...); detail: its detail */
    TC_EFFECT_TIMER_SET,   /* key, due: call back with a timer event at due */
    TC_EFFECT_TIMER_CLEAR, /* key: that timer is no longer wanted */
    TC_EFFECT_NOTIFY, /* detail: {"level", "seats": ["council/KZ", ...], "roles", "why", "severity", "mode"}
                       */
    TC_EFFECT_ACTION_START, /* key: the action key; detail: {"argv", "attempt", "timeout_ms"} */
    TC_EFFECT_ACTION_KILL,  /* key: the action key of the attempt to kill */
    TC_EFFECT_CLOSED,       /* name: the outcome; the crisis is over (closed or cancelled) */
} tc_effect_kind;

typedef struct tc_effect {
    tc_effect_kind kind;
    tc_audit_kind audit; /* AUDIT: which (name is its name) */
    const char *name;    /* static, or borrowed from the playbook: never from the stack */
    const char *state;   /* path of the state concerned, borrowed from the playbook; NULL for the crisis */
    char *actor;         /* the acting role, for audit events caused by a command; NULL otherwise */
    json_t *detail;      /* owned; NULL when none */
    char *key;           /* owned: timer or action key */
    tc_ms due;           /* TIMER_SET */
    tc_ms at;            /* the time of the event that caused it */
} tc_effect;

typedef struct tc_effects {
    tc_effect *items;
    size_t count;
    size_t capacity;
} tc_effects;

/* Appends an effect; takes detail. Returns the new item (never NULL: core/base/alloc.h). */
tc_effect *tc_effects_add(tc_effects *fx, tc_effect_kind kind, const char *name, const char *state,
                          json_t *detail);

/* Frees every effect, leaving an empty list; NULL is a no-op. */
void tc_effects_clear(tc_effects *fx);

const char *tc_effect_kind_name(tc_effect_kind kind);

#endif
