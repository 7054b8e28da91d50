/*
 * The names tocsin actor takes: PostgreSQL role names, seats and observed
 * organisations, checked with the rules the database enforces (the CHECKs of
 * migrations/012_baseline.sql), so that a bad name is refused at once with a
 * clear message (exit 3) rather than by a constraint of the server.
 */
#ifndef TC_CORE_ACTOR_NAMES_H
#define TC_CORE_ACTOR_NAMES_H

#include "core/base/error.h"

/*
 * A seat: ROLE or ROLE/PARTY, as
 *   ^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$
 * Returns 0 or TC_EINVAL naming it.
 */
int tc_seat_name_check(const char *seat, tc_error *err);

/* An organisation an observer observes: ^[A-Za-z0-9_-]{1,32}$. Returns 0 or TC_EINVAL naming it. */
int tc_organisation_check(const char *organisation, tc_error *err);

/*
 * A PostgreSQL role name: 1 to TC_ROLE_MAX_BYTES (63) bytes of UTF-8 with no
 * control characters. The server would cut a longer name short without a word
 * and create, or find, another role. Returns 0 or TC_EINVAL naming it.
 */
int tc_role_name_check(const char *role, tc_error *err);

#endif
