/*
 * The kinds of audit event, in one place: what the machine records
 * (tocsin.audit.kind), what the timeline puts into words and what the SQL
 * reads back to fill its records (commit_batch: votes, approvals,
 * escalations, action runs). test_vocabulary fails when the SQL names a kind
 * this table does not.
 */
#ifndef TC_CORE_AUDIT_KIND_H
#define TC_CORE_AUDIT_KIND_H

typedef enum tc_audit_kind {
    TC_AUDIT_TRIGGERED, /* the crisis started: playbook, initiator, title, severity, mode, parties */
    TC_AUDIT_ENTERED,   /* a state was entered: visit, type */
    TC_AUDIT_LEFT,      /* a state was left: outcome, visit (a choice: choice, next; an approval: tally) */
    TC_AUDIT_VOTE,      /* a seat voted: vote, party, reason, seat, changed_from */
    TC_AUDIT_COMPLETED, /* a seat completed its part of a task: party, outcome, seat, data */
    TC_AUDIT_ACKED,     /* a seat acknowledged a task: party, seat */
    TC_AUDIT_ESCALATED, /* a ladder reached a level: level, manual, notify, reason, severity */
    TC_AUDIT_NOTIFIED,  /* seats were notified: why, seats, severity, mode, level */
    TC_AUDIT_TIMEOUT,   /* a deadline passed: visit (an approval's: outcome, tally) */
    TC_AUDIT_ACTION_STARTED,  /* an action's attempt started: attempt, visit, argv */
    TC_AUDIT_ACTION_FINISHED, /* an attempt ended: attempt, outcome, visit, reason, retry_at_ms... */
    TC_AUDIT_REFUSED,         /* a command was refused (by the engine or the simulator): command, reason */
    TC_AUDIT_CANCELLED,       /* the crisis was cancelled: reason */
    TC_AUDIT_CLOSED,          /* the crisis reached an end: outcome */
    TC_AUDIT_AMENDED,         /* inputs were corrected: old and new (the inputs changed, by name), reason */
    TC_AUDIT_DELEGATED, /* a seat's holder let another role act for it in this crisis: seat, to, until, reason
                         */
    TC_AUDIT_UNDELEGATED, /* a seat's delegation ended before its time: seat, reason, holder (when the
                             delegate ended it) */
    /* A delivery of a notification (tocsin.notifications) was made, or an attempt failed: notification (its
     * uuid), seat, channel, address (a webhook's to its host), attempt, level, error, retry_at. Written by
     * record_deliveries, not by the machine. */
    TC_AUDIT_DELIVERED,
    TC_AUDIT_DELIVERY_FAILED,
} tc_audit_kind;

#define TC_AUDIT_KIND_COUNT (TC_AUDIT_DELIVERY_FAILED + 1)

/* The name of kind as the audit records it ("vote"); "?" for a value outside the enum. Static. */
const char *tc_audit_kind_name(tc_audit_kind kind);

/* The kind named name; -1 when name (may be NULL) names none. */
int tc_audit_kind_parse(const char *name);

#endif
