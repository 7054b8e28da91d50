/*
 * Events: what can happen to a crisis. Commands from actors (vote, complete,
 * ack, escalate, cancel, amend), the trigger, timers falling due and action programs
 * finishing. Every pointer is borrowed for the duration of tc_machine_apply().
 */
#ifndef TC_CORE_EVENT_H
#define TC_CORE_EVENT_H

#include <jansson.h>
#include <stddef.h>

#include "core/instance/instance.h"

typedef enum tc_event_kind {
    TC_EVENT_TRIGGER,       /* enter the start state of a prepared crisis */
    TC_EVENT_VOTE,          /* state, party, vote, reason */
    TC_EVENT_COMPLETE,      /* state, party, outcome (NULL: done), data */
    TC_EVENT_ACK,           /* state, party */
    TC_EVENT_ESCALATE,      /* state, reason: reach the next level at once */
    TC_EVENT_CANCEL,        /* reason */
    TC_EVENT_TIMER,         /* timer: the key of a timer that fell due */
    TC_EVENT_ACTION_RESULT, /* state, attempt, outcome "ok" or "failed", data, detail */
    TC_EVENT_AMEND,         /* data: the inputs corrected, by name; reason */
} tc_event_kind;

/* How many kinds there are; their names are core/machine/command.h's. */
#define TC_EVENT_KIND_COUNT (TC_EVENT_AMEND + 1)

/* Who acts: a PostgreSQL role and the seats it holds ("council/KZ", "secretariat"). */
typedef struct tc_actor {
    const char *role; /* NULL for the engine itself (timers, actions) */
    const char *const *seats;
    size_t seat_count;
    int admin;         /* a member of tocsin_admin: may trigger, escalate and cancel anything */
    const char *login; /* the role that logged in: the person, whatever role it acts as; NULL if unknown */
} tc_actor;

typedef struct tc_event {
    tc_event_kind kind;
    tc_actor actor;
    const char *state; /* a path, or a bare id unique among the active states; NULL to infer */
    const char *party; /* NULL to infer from the actor's seats */
    tc_vote vote;
    const char *reason;
    const char *outcome;
    json_t *data;
    const char *timer;
    int attempt;
    int final;      /* action result: no retry (the simulator's "failed after the last retry") */
    json_t *detail; /* action result: exit status, duration, output tail, for the audit */
} tc_event;

#endif
