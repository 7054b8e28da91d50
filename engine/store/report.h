/* What `tocsin report` reads of one crisis, in one snapshot. */
#ifndef TC_STORE_REPORT_H
#define TC_STORE_REPORT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "core/base/error.h"

/*
 * The input of core/report/report.h for crisis id: {"crisis": the show
 * document (tc_store_crisis_show), "audit": its events (tc_store_audit),
 * "verify": {"valid", "broken"} (tc_store_audit_verify, for this crisis),
 * "generated_at": the server's time}, all read in one REPEATABLE READ, READ
 * ONLY transaction, so the three agree with each other. Row-level security
 * decides as for every read: a crisis the role may not read is
 * TC_ENOTFOUND, as one that does not exist. *out is the caller's.
 */
int tc_store_crisis_report(PGconn *conn, int64_t id, json_t **out, tc_error *err);

#endif
