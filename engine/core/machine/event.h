/*
 * Events: what can happen to a crisis. Commands from actors (vote, complete,
 * ack, escalate, cancel, amend, delegate, undelegate), the trigger, timers falling due and action programs
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
    TC_EVENT_DELEGATE,      /* seat, to, until or for_s, reason: to acts for seat in this crisis */
    TC_EVENT_UNDELEGATE,    /* seat, reason: the seat's delegation ends */
} tc_event_kind;

/* How many kinds there are; their names are core/machine/command.h's. */
#define TC_EVENT_KIND_COUNT (TC_EVENT_UNDELEGATE + 1)

/* A seat an actor holds in one crisis by delegation, and the role that holds it and delegated it. */
typedef struct tc_delegation {
    const char *seat;
    const char *holder;
} tc_delegation;

/*
 * Who acts: a PostgreSQL role, the seats it holds ("council/KZ",
 * "secretariat") and, in the crisis at hand, the seats delegated to it
 * (core/machine/actor.h).
 */
typedef struct tc_actor {
    const char *role; /* NULL for the engine itself (timers, actions) */
    const char *const *seats;
    size_t seat_count;
    int admin;         /* a member of tocsin_admin: may trigger, escalate and cancel anything */
    const char *login; /* the role that logged in: the person, whatever role it acts as; NULL if unknown */
    const tc_delegation *delegated; /* in force for this command, in this crisis */
    size_t delegated_count;
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
    int final;         /* action result: no retry (the simulator's "failed after the last retry") */
    json_t *detail;    /* action result: exit status, duration, output tail, for the audit */
    const char *seat;  /* delegate, undelegate: "council/KZ" */
    const char *to;    /* delegate: the role that is to act for the seat */
    const char *until; /* delegate: the end, an ISO 8601 time; NULL with for_s, or for until the close */
    long long for_s;   /* delegate: the end, in seconds from the command; 0 when not given */
    /* vote, complete, ack: whether it comes signed (docs/signatures.md), as its caller checked it:
     * 0 not signed, 1 signed with a registered, unrevoked key of the actor over what it does,
     * -1 signed but not so, signature_problem saying why. */
    int signature;
    const char *signature_problem;
} tc_event;

#endif
