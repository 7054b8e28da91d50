/*
 * A crisis as a CAP 1.2 alert (OASIS Common Alerting Protocol): what `tocsin
 * show ID --format cap` prints, for the systems that already read alerts
 * (national warning platforms, other organisations' dashboards). Pure: the
 * crisis comes as the document of `show --json`, the facts of its audit
 * (which change it is, and when) from the store.
 *
 * Each change of the crisis is one message: the identifier is
 * tocsin-crisis-ID-SEQ, SEQ the audit event the crisis had reached, so the
 * same state always gives the same identifier. The first message (the crisis
 * as its trigger opened it) is an Alert; later ones are Updates, and a
 * cancelled crisis's is a Cancel, each referencing the first. status follows
 * the mode (Actual, Exercise, Test); scope is Restricted to the crisis's
 * parties. tests/data/cap/CAP-v1.2.xsd is the schema the tests check it with.
 */
#ifndef TC_CORE_CAP_H
#define TC_CORE_CAP_H

#include <jansson.h>
#include <stdint.h>

typedef struct tc_cap_facts {
    const char *sender;     /* who sends it: an address, "tocsin@ops.example.org" */
    int64_t first_seq;      /* the audit event the crisis's opening reached (0: not opened yet) */
    const char *first_sent; /* when, CCYY-MM-DDThh:mm:ss+00:00 */
    int64_t seq;            /* the audit event the crisis has reached now */
    const char *sent;       /* when, in the same form */
} tc_cap_facts;

/* The alert as an XML document (UTF-8, with its declaration); a new string, free(). */
char *tc_cap_alert(json_t *show, const tc_cap_facts *facts);

#endif
