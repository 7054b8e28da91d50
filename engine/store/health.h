/*
 * What `tocsin status` and the board's /metrics read, each in one round trip
 * (tocsin.status() and tocsin.metrics(), repeatable/75_health.sql). Every
 * tocsin role may read them: the counts are over every crisis and say how
 * much waits, not what; host and pid of the engines are left out for anyone
 * but tocsin_admin and the engines. Others: TC_EPERM.
 */
#ifndef TC_STORE_HEALTH_H
#define TC_STORE_HEALTH_H

#include <libpq-fe.h>

#include "core/base/error.h"
#include "core/health/metrics.h"
#include "core/health/status.h"

/* Fills *out (clear it with tc_health_status_clear); on failure *out is left empty. */
int tc_store_status(PGconn *conn, tc_health_status *out, tc_error *err);

/* Fills *out: every count, zeros included. */
int tc_store_metrics(PGconn *conn, tc_metrics *out, tc_error *err);

#endif
