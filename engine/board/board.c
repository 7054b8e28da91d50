/*
 * The board's loop: an h2o context on a libuv loop, the listener, the TCP
 * connections h2o serves, the signals and the stop.
 *
 * h2o 2.2's HTTP/1 has no graceful shutdown of its own (its request_shutdown
 * callback is NULL; a context's shutdown_requested only turns keep-alive off),
 * so the stop is ours: stop listening, end every event stream, wait for the
 * reads in flight (a worker cannot be interrupted, and each answers within
 * libpq's timeouts), then shut down the sockets still open (idle keep-alive
 * connections see the end of their input and h2o closes them), and once the
 * last one has closed, dispose of the context so that the loop ends with no
 * handle left.
 *
 * libuv's return codes: uv_loop_init, uv_tcp_init, uv_tcp_bind, uv_listen,
 * uv_signal_init, uv_signal_start and uv_timer_init at the start end the run
 * with one line saying which; uv_accept's failure closes that connection;
 * uv_timer_start (only fails without a callback or on a closing handle),
 * uv_timer_stop and uv_signal_stop (always 0) are cast to (void); uv_fileno
 * and uv_tcp_getpeername are checked where used.
 */
#include "board/board.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "board/board_internal.h"
#include "core/base/alloc.h"
#include "core/input/number.h"
#include "daemon/log.h"

int tc_board_parse_listen(const char *text, char *host, size_t size, int *port, tc_error *err)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text)
        return tc_error_set(err, TC_EINVAL, "--listen takes HOST:PORT, not '%s'", text);
    const char *start = text, *end = colon;
    if (*start == '[') {
        if (end[-1] != ']')
            return tc_error_set(err, TC_EINVAL, "--listen takes [IPv6]:PORT, not '%s'", text);
        start++, end--;
    }
    long long p;
    if (tc_parse_integer(colon + 1, 1, 65535, &p) != 0)
        return tc_error_set(err, TC_EINVAL, "--listen: the port is a number from 1 to 65535, not '%s'",
                            colon + 1);
    char addr[64]; /* INET6_ADDRSTRLEN (46) and more */
    if (end == start)
        return tc_error_set(err, TC_EINVAL, "--listen: no address in '%s'", text);
    if ((size_t)(end - start) >= size || (size_t)(end - start) >= sizeof addr)
        return tc_error_set(err, TC_EINVAL, "--listen: '%.*s' is not an IPv4 or IPv6 address",
                            (int)(end - start), start);
    memcpy(addr, start, (size_t)(end - start));
    addr[end - start] = '\0';
    unsigned char probe[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, addr, probe) != 1 && inet_pton(AF_INET6, addr, probe) != 1)
        return tc_error_set(err, TC_EINVAL, "--listen: '%s' is not an IPv4 or IPv6 address", addr);
    memcpy(host, addr, strlen(addr) + 1);
    *port = (int)p;
    return 0;
}

void tc__log_request(tc__board *b, h2o_req_t *req, int status, const char *role)
{
    if (!b->opts.verbose)
        return;
    char path[256], code[8];
    snprintf(path, sizeof path, "%.*s", (int)(req->path.len < 200 ? req->path.len : 200), req->path.base);
    snprintf(code, sizeof code, "%d", status);
    char method[16];
    snprintf(method, sizeof method, "%.*s", (int)(req->method.len < 15 ? req->method.len : 15),
             req->method.base);
    tc_log(TC_LOG_INFO, "request", "method", method, "path", path, "status", code, "role", role ? role : "-",
           NULL);
}

static void on_conn_close(uv_handle_t *handle)
{
    tc__conn *c = (tc__conn *)handle;
    tc__board *b = c->board;
    if (c->prev)
        c->prev->next = c->next;
    else
        b->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    b->nconns--;
    free(c);
    tc__board_maybe_finish(b);
}

static void free_handle(uv_handle_t *handle)
{
    free(handle);
}

static void on_accept(uv_stream_t *listener, int status)
{
    tc__board *b = listener->data;
    if (status != 0) {
        tc_log(TC_LOG_WARN, "cannot accept a connection", "error", uv_strerror(status), NULL);
        return;
    }
    tc__conn *c = tc_xcalloc(1, sizeof *c);
    int rc = uv_tcp_init(&b->loop, &c->tcp);
    if (rc != 0) {
        free(c);
        tc_log(TC_LOG_WARN, "cannot accept a connection", "error", uv_strerror(rc), NULL);
        return;
    }
    if ((rc = uv_accept(listener, (uv_stream_t *)&c->tcp)) != 0 || b->stopping ||
        b->nconns >= TC__BOARD_CONNECTIONS) {
        /* Too many at once: the newcomer is closed, and those being served go on. */
        if (rc == 0 && !b->stopping)
            tc_log(TC_LOG_WARN, "too many connections: one closed", NULL);
        uv_close((uv_handle_t *)&c->tcp, free_handle); /* tcp is c's first member */
        return;
    }
    c->board = b;
    c->next = b->conns;
    if (b->conns)
        b->conns->prev = c;
    b->conns = c;
    b->nconns++;
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_close);
    h2o_accept(&b->accept_ctx, sock);
}

static void shutdown_conn(tc__conn *c)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
        shutdown(fd, SHUT_RDWR);
}

void tc__board_drop(tc__board *b, h2o_req_t *req)
{
    struct sockaddr_storage want, have;
    socklen_t want_len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&want);
    for (tc__conn *c = b->conns; c != NULL; c = c->next) {
        int len = sizeof have;
        if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&have, &len) == 0 && (socklen_t)len == want_len &&
            memcmp(&have, &want, (size_t)len) == 0) {
            shutdown_conn(c);
            return;
        }
    }
}

static void finish(tc__board *b)
{
    b->finished = 1;
    tc__logins_sweep(b, 1);
    uv_close((uv_handle_t *)&b->sweep, NULL);
    uv_close((uv_handle_t *)&b->heartbeat, NULL);
    uv_close((uv_handle_t *)&b->relisten, NULL);
    uv_close((uv_handle_t *)&b->sigint, NULL);
    uv_close((uv_handle_t *)&b->sigterm, NULL);
    h2o_context_dispose(&b->ctx);
}

void tc__board_maybe_finish(tc__board *b)
{
    if (!b->stopping || b->finished || b->jobs > 0 || b->listen_state != 0)
        return;
    if (b->nconns > 0) {
        /* Nothing is read for them any more: idle keep-alive connections see their input end. */
        for (tc__conn *c = b->conns; c != NULL; c = c->next)
            shutdown_conn(c);
        return;
    }
    finish(b);
}

static void stop(tc__board *b)
{
    if (b->stopping)
        return;
    b->stopping = 1;
    tc_log(TC_LOG_INFO, "stopping", NULL);
    if (b->listening)
        uv_close((uv_handle_t *)&b->listener, NULL);
    b->listening = 0;
    (void)uv_signal_stop(&b->sigint);
    (void)uv_signal_stop(&b->sigterm);
    (void)uv_timer_stop(&b->sweep);
    (void)uv_timer_stop(&b->heartbeat);
    (void)uv_timer_stop(&b->relisten);
    /* What h2o_context_request_shutdown does for HTTP/1: no more keep-alive. (It would also arm HTTP/2's
     * GOAWAY timer, which h2o_context_dispose then finds linked; the board speaks no HTTP/2.) */
    b->ctx.shutdown_requested = 1;
    tc__events_stop(b);
    tc__board_maybe_finish(b);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stop(s->data);
}

static void on_sweep(uv_timer_t *t)
{
    tc__logins_sweep(t->data, 0);
}

static void on_heartbeat(uv_timer_t *t)
{
    tc__events_heartbeat(t->data);
}

static int start_listening(tc__board *b, tc_error *err)
{
    struct sockaddr_storage addr;
    int rc = strchr(b->opts.host, ':') ? uv_ip6_addr(b->opts.host, b->opts.port, (struct sockaddr_in6 *)&addr)
                                       : uv_ip4_addr(b->opts.host, b->opts.port, (struct sockaddr_in *)&addr);
    if (rc == 0)
        rc = uv_tcp_init(&b->loop, &b->listener);
    if (rc != 0)
        return tc_error_set(err, TC_EFAILED, "cannot listen on %s:%d: %s", b->opts.host, b->opts.port,
                            uv_strerror(rc));
    b->listening = 1;
    b->listener.data = b;
    if ((rc = uv_tcp_bind(&b->listener, (struct sockaddr *)&addr, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&b->listener, 511, on_accept)) != 0)
        return tc_error_set(err, TC_EFAILED, "cannot listen on %s:%d: %s", b->opts.host, b->opts.port,
                            uv_strerror(rc));
    return 0;
}

static int init_handles(tc__board *b, tc_error *err)
{
    int rc;
    if ((rc = uv_signal_init(&b->loop, &b->sigint)) != 0 ||
        (rc = uv_signal_init(&b->loop, &b->sigterm)) != 0 ||
        (rc = uv_signal_start(&b->sigint, on_signal, SIGINT)) != 0 ||
        (rc = uv_signal_start(&b->sigterm, on_signal, SIGTERM)) != 0 ||
        (rc = uv_timer_init(&b->loop, &b->sweep)) != 0 ||
        (rc = uv_timer_init(&b->loop, &b->heartbeat)) != 0 ||
        (rc = uv_timer_init(&b->loop, &b->relisten)) != 0)
        return tc_error_set(err, TC_EFAILED, "cannot start the board: %s", uv_strerror(rc));
    b->sigint.data = b->sigterm.data = b->sweep.data = b->heartbeat.data = b->relisten.data = b;
    (void)uv_timer_start(&b->sweep, on_sweep, 10000, 10000);
    (void)uv_timer_start(&b->heartbeat, on_heartbeat, TC__BOARD_HEARTBEAT_MS, TC__BOARD_HEARTBEAT_MS);
    return 0;
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int tc_board_run(const tc_board_options *options, tc_error *err)
{
    tc__board *b = tc_xcalloc(1, sizeof *b);
    b->opts = *options;
    b->conninfo = options->conninfo;
    tc_log_setup("serve", options->verbose ? TC_LOG_INFO : TC_LOG_WARN);
    if (getrandom(b->salt, sizeof b->salt, 0) != (ssize_t)sizeof b->salt) {
        free(b);
        return tc_error_set(err, TC_EFAILED, "cannot read random bytes for the board");
    }
    int rc = uv_loop_init(&b->loop);
    if (rc != 0) {
        free(b);
        return tc_error_set(err, TC_EFAILED, "cannot start the board: %s", uv_strerror(rc));
    }
    signal(SIGPIPE, SIG_IGN); /* a client that goes away is a failed write, not the end of the board */
    tc__login_own(b);

    h2o_config_init(&b->config);
    b->config.server_name = h2o_iovec_init(H2O_STRLIT("tocsin"));
    b->config.max_request_entity_size = TC__BOARD_HEADERS_MAX; /* a sign-in form is all that is posted */
    b->config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *host = h2o_config_register_host(&b->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    tc__handler *handler = (tc__handler *)h2o_create_handler(path, sizeof *handler);
    handler->super.on_req = tc__route;
    handler->board = b;
    h2o_context_init(&b->ctx, &b->loop, &b->config);
    b->accept_ctx.ctx = &b->ctx;
    b->accept_ctx.hosts = b->config.hosts;

    rc = init_handles(b, err);
    if (rc == 0)
        rc = start_listening(b, err);
    if (rc == 0) {
        char where[128];
        snprintf(where, sizeof where, "http://%s%s%s:%d/", strchr(b->opts.host, ':') ? "[" : "", b->opts.host,
                 strchr(b->opts.host, ':') ? "]" : "", b->opts.port);
        tc_log(TC_LOG_WARN, "serving", "url", where, NULL);
        tc__events_start(b);
        (void)uv_run(&b->loop, UV_RUN_DEFAULT);
    } else {
        /* Nothing was served: close what was opened. */
        b->stopping = 1;
        h2o_context_dispose(&b->ctx);
        uv_walk(&b->loop, close_any, NULL);
        (void)uv_run(&b->loop, UV_RUN_DEFAULT);
    }
    h2o_config_dispose(&b->config);
    int closed = uv_loop_close(&b->loop);
    if (closed != 0)
        tc_log(TC_LOG_WARN, "handles left open at exit", "error", uv_strerror(closed), NULL);
    free(b);
    return rc;
}
