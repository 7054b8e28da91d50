/*
 * What the files of engine/board share, and nothing else calls (tc__ names).
 *
 *   board.c     the loop, the listener, HTTP connections, signals, the stop
 *   route.c     one h2o handler: paths to handlers, the headers every response carries
 *   logins.c    credentials held: per (role, password) a pool of connections, and cookie sessions
 *   jobs.c      a read on the thread pool, on a connection of a login, answered on the loop
 *   api.c       /api/crises, /api/crises/ID (and its audit and playbook), sign-in and sign-out
 *   events.c    /api/events: LISTEN tocsin_applied, and a server-sent event stream per client
 *   page.c      the page's files, built into the binary
 */
#ifndef TC_BOARD_INTERNAL_H
#define TC_BOARD_INTERNAL_H

#include <h2o.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <uv.h>

#include "board/board.h"
#include "core/instance/crisis_filter.h"

#define TC__BOARD_CONNECTIONS  1024     /* HTTP connections at once; one more is closed at once */
#define TC__BOARD_LOGINS       32       /* credentials held at once (each with its pool) */
#define TC__BOARD_LOGIN_CONNS  4        /* database connections per credential */
#define TC__BOARD_IDLE_MS      60000    /* an idle database connection is closed after this */
#define TC__BOARD_SESSIONS     256      /* cookie sessions at once */
#define TC__BOARD_SESSION_MS   43200000 /* a session lasts 12 hours */
#define TC__BOARD_SSE_CLIENTS  256      /* event streams at once */
#define TC__BOARD_SSE_BUFFER   65536    /* bytes an event stream may owe its client before it is dropped */
#define TC__BOARD_HEARTBEAT_MS 15000    /* a comment on every event stream this often */
#define TC__BOARD_HEADERS_MAX  16384    /* request header bytes; more is 431 */
#define TC__BOARD_ROLE_MAX     63       /* PostgreSQL's NAMEDATALEN - 1 */
#define TC__BOARD_PASSWORD_MAX 1024

typedef struct tc__board tc__board;
typedef struct tc__login tc__login;
typedef struct tc__job tc__job;
typedef struct tc__conn tc__conn;
typedef struct tc__stream tc__stream;

/* One accepted TCP connection (h2o owns the socket made on it). */
struct tc__conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
    tc__board *board;
    tc__conn *prev, *next;
};

/*
 * A credential the database accepted (or is being asked about): a role and
 * its password, with the connections logged in with them. The password is
 * kept because more connections may be needed; it is zeroed when freed and
 * never logged. Found by role and by key, sha256(salt || role || NUL ||
 * password), compared in constant time.
 */
struct tc__login {
    tc__login *next;
    tc__board *board;
    char *role;
    char *password;
    uint8_t key[32];
    int verified; /* a connection has been made with it */
    int refused;  /* the server refused it: forgotten when nothing holds it */
    int refs;     /* jobs, sessions and event streams holding it */
    PGconn *idle[TC__BOARD_LOGIN_CONNS];
    uint64_t idle_since[TC__BOARD_LOGIN_CONNS];
    int nidle;
    int open; /* idle, in use, and being made */
    tc__job *waiting, *waiting_tail;
    int streams;        /* event streams of this login */
    int checks_pending; /* visibility checks queued for it */
};

typedef struct tc__session {
    char token[65]; /* 32 random bytes, hex; "" when free */
    tc__login *login;
    uint64_t expires; /* uv_now */
} tc__session;

struct tc__board {
    tc_board_options opts;
    const char *conninfo;
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm;
    uv_timer_t sweep;     /* idle connections, expired sessions */
    uv_timer_t heartbeat; /* comments on event streams */
    uv_timer_t relisten;  /* LISTEN again after the connection was lost */
    uv_poll_t listen_poll;
    PGconn *listen_conn;
    int listen_state; /* 0 none, 1 connecting (on a worker), 2 polling, 3 closing */
    uv_work_t listen_work;
    int listen_failures; /* in a row, to log the first only */
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    tc__conn *conns;
    int nconns;
    tc__login *logins;
    tc__login *own; /* the board's own login (--db): /healthz and /metrics; in no list, never matched */
    int nlogins;
    tc__session sessions[TC__BOARD_SESSIONS];
    uint8_t salt[32];
    tc__stream *streams;
    int nstreams;
    int jobs; /* in flight on the thread pool, and waiting for a connection */
    int stopping;
    int finished;
    int listening;
};

/* The one h2o handler, and the board it serves. */
typedef struct tc__handler {
    h2o_handler_t super;
    tc__board *board;
} tc__handler;

/* board.c */
/* Shuts down the TCP connection that carries req (its event stream owes too much): h2o closes it. */
void tc__board_drop(tc__board *b, h2o_req_t *req);
/* Ends the stop once nothing is left in flight. */
void tc__board_maybe_finish(tc__board *b);
void tc__log_request(tc__board *b, h2o_req_t *req, int status, const char *role);

/* route.c */
int tc__route(h2o_handler_t *self, h2o_req_t *req);
/* Sends status with body (copied) and the headers every answer carries. */
void tc__respond(h2o_req_t *req, int status, const char *content_type, const char *body, size_t length);
/* Sends {"error": message}. */
void tc__respond_error(h2o_req_t *req, int status, const char *message);
/* 401 with WWW-Authenticate (Basic for tools; Session for the page, so the browser shows no prompt). */
void tc__respond_unauthorized(h2o_req_t *req, const char *message);
void tc__add_header(h2o_req_t *req, const char *name, const char *value);
/* The value of a request header (name lowercase), or NULL; *len its length. */
const char *tc__header(h2o_req_t *req, const char *name, size_t *len);

/* logins.c */
/*
 * The login of the request's credentials: HTTP Basic, else the session
 * cookie. NULL when there are none or they are malformed (*why says why), or
 * no room is left for another (*why, *unavailable set). The login is held
 * (tc__login_unref).
 */
tc__login *tc__login_of_request(tc__board *b, h2o_req_t *req, const char **why, int *unavailable);
/* The login for role and password (found, or made unverified); NULL when none is free. Held. */
tc__login *tc__login_get(tc__board *b, const char *role, const char *password);
void tc__login_ref(tc__login *l);
void tc__login_unref(tc__login *l);
/* A new session for l (held by it); writes its token (65 bytes). 0, or -1 when none is free. */
int tc__session_new(tc__board *b, tc__login *l, char token[65]);
/* Ends the session of the request's cookie, if any. */
void tc__session_end(tc__board *b, h2o_req_t *req);
/* Closes idle connections unused for a while and forgets expired sessions and unheld logins. */
void tc__logins_sweep(tc__board *b, int everything);
/* The board's own login (b->own), made at start; freed by tc__logins_sweep(b, 1). */
void tc__login_own(tc__board *b);
/* Decodes standard base64 into out (size bytes, NUL-terminated): its length, or -1. */
int tc__base64_decode(const char *in, size_t len, char *out, size_t size);

/* jobs.c */
typedef void (*tc__job_fn)(tc__job *job);
struct tc__job {
    uv_work_t work;
    tc__board *board;
    tc__login *login; /* held */
    PGconn *conn;     /* taken from the login's pool, or made by the worker */
    h2o_req_t *req;   /* NULL for a job of no request, or once the request is gone */
    void *guard;      /* in the request's pool: clears req when the request goes */
    tc__job_fn run;   /* on a worker thread, with conn */
    tc__job_fn done;  /* on the loop, after run (or after the connection failed: code says) */
    tc__job *next_waiting;
    int code;          /* tc error code of connecting or of run */
    char message[512]; /* its one line */
    /* what run reads and writes */
    int64_t crisis;
    tc_crisis_filter filter; /* /api/crises */
    int64_t alive;           /* /healthz: engines alive */
    char *text;              /* a NOTIFY payload, or a response body (malloc) */
    json_t *result;
};
/* A job for req (may be NULL) on login (held by the job from now). */
tc__job *tc__job_new(tc__board *b, h2o_req_t *req, tc__login *login, tc__job_fn run, tc__job_fn done);
/* Queues it: now when the login has a connection free, else when one is. */
void tc__job_start(tc__job *job);
/* The HTTP status for a job's code (401, 404, 503, ...). */
int tc__job_status(const tc__job *job);

/* api.c */
int tc__api_crises(tc__board *b, h2o_req_t *req, tc__login *login);
int tc__api_crisis(tc__board *b, h2o_req_t *req, tc__login *login, const char *rest, size_t len);
int tc__api_signin(tc__board *b, h2o_req_t *req);
int tc__api_session(tc__board *b, h2o_req_t *req, tc__login *login);

/* events.c */
int tc__events_open(tc__board *b, h2o_req_t *req, tc__login *login);
void tc__events_start(tc__board *b); /* LISTEN, and the heartbeat */
void tc__events_stop(tc__board *b);  /* ends every stream, stops listening */
void tc__events_heartbeat(tc__board *b);

/* health.c: GET /healthz and /metrics, on the board's own login, with no credentials asked */
int tc__health(tc__board *b, h2o_req_t *req, int metrics);

/* page.c */
int tc__page(h2o_req_t *req, const char *path, size_t len);

#endif
