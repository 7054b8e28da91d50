/*
 * The board: `tocsin serve`, a read-only web page and API for the operations
 * room (shared/design/operations.md, "The board").
 *
 * One libuv loop carries an h2o 2.2 context (Debian's libh2o, the libuv
 * flavour): h2o parses HTTP and writes responses; tocsin routes requests,
 * checks credentials and reads the database. Who sees what is the database's
 * decision: every signed-in user's reads run on connections logged in as that
 * user's own PostgreSQL role, with that role's password, so row-level
 * security answers exactly as for `tocsin --as ROLE`. The board's own login
 * (conninfo) only LISTENs for changes; it reads no crisis.
 *
 * libpq blocks, so each read runs on libuv's thread pool (uv_queue_work) on a
 * connection taken from the signed-in role's small pool; the loop only routes,
 * writes and keeps the event streams (engine/board/jobs.c says why).
 */
#ifndef TC_BOARD_BOARD_H
#define TC_BOARD_BOARD_H

#include <stddef.h>

#include "core/base/error.h"

#define TC_BOARD_DEFAULT_LISTEN "127.0.0.1:8080"

typedef struct tc_board_options {
    const char
        *conninfo;    /* NULL: $TOCSIN_DB or libpq's defaults (user and password are the signed-in user's) */
    const char *host; /* an IPv4 or IPv6 address to listen on */
    int port;         /* 1..65535 */
    int verbose;      /* log every request */
} tc_board_options;

/*
 * Parses "HOST:PORT" or "[IPv6]:PORT" into host (a buffer of size bytes) and
 * *port. 0, or TC_EINVAL with err saying why.
 */
int tc_board_parse_listen(const char *text, char *host, size_t size, int *port, tc_error *err);

/*
 * Serves until SIGINT or SIGTERM, then stops gracefully: stops listening,
 * ends the event streams, lets the reads in flight finish, closes every
 * connection, and returns 0. Errors before serving (the address cannot be
 * listened on): TC_EINVAL or TC_EFAILED with err saying why.
 */
int tc_board_run(const tc_board_options *options, tc_error *err);

#endif
