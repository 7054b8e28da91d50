/*
 * The board's one h2o handler: which path is what, who may ask, and the
 * headers every answer carries.
 *
 *   GET  /, /board.css, /board.js   the page (no data in it: it signs in, then reads /api/)
 *   GET  /api/crises                `tocsin list --json` (?status=, ?limit= as list's options)
 *   GET  /api/crises/ID             `tocsin show ID --json`; /audit and /playbook beside it
 *   GET  /api/events                server-sent events: {"crisis": ID} per change one may see
 *   GET  /api/session               {"role": ...}: who is signed in
 *   GET  /healthz                   200 "ok" when the database answers and an engine is alive, else 503
 *   GET  /metrics                   Prometheus's text format 0.0.4 (tocsin status --prometheus)
 *   POST /api/signin, /api/signout  the page's cookie session
 *
 * Every /api/ path but sign-in needs credentials (HTTP Basic, or the
 * cookie): none or wrong ones are 401; /healthz and /metrics need none (they
 * say counts, read on the board's own login). Anything else is 404.
 */
#include <stdio.h>
#include <string.h>

#include "board/board_internal.h"
#include "core/base/alloc.h"

void tc__add_header(h2o_req_t *req, const char *name, const char *value)
{
    /* h2o keeps the pointers: the name is a literal, the value is copied into the request's pool. */
    h2o_iovec_t v = h2o_strdup(&req->pool, value, SIZE_MAX);
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL, v.base, v.len);
}

const char *tc__header(h2o_req_t *req, const char *name, size_t *len)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    *len = req->headers.entries[i].value.len;
    return req->headers.entries[i].value.base;
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

void tc__respond(h2o_req_t *req, int status, const char *content_type, const char *body, size_t length)
{
    req->res.status = status;
    req->res.reason = reason_of(status);
    if (content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                       strlen(content_type));
    /* Data is personal and changes: nothing keeps it; the browser guesses no type and frames nothing. */
    tc__add_header(req, "cache-control", "no-store");
    tc__add_header(req, "x-content-type-options", "nosniff");
    tc__add_header(req, "x-frame-options", "DENY");
    tc__add_header(req, "referrer-policy", "no-referrer");
    if (h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("content-security-policy"), -1) < 0)
        tc__add_header(req, "content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    req->res.content_length = length;
    h2o_send_inline(req, body, length);
}

void tc__respond_error(h2o_req_t *req, int status, const char *message)
{
    json_t *doc = json_pack("{s:s}", "error", message);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(doc);
    size_t n = strlen(text);
    text = tc_xrealloc(text, n + 2);
    text[n++] = '\n';
    tc__respond(req, status, "application/json", text, n);
    free(text);
}

void tc__respond_unauthorized(h2o_req_t *req, const char *message)
{
    size_t len;
    /* The page's own requests (a session cookie, or its header) get a scheme browsers do not prompt for. */
    const char *cookie = tc__header(req, "cookie", &len);
    int page = tc__header(req, "x-tocsin-page", &len) != NULL ||
               (cookie != NULL && h2o_strstr(cookie, len, H2O_STRLIT("tocsin_session=")) != SIZE_MAX);
    tc__add_header(req, "www-authenticate",
                   page ? "Session realm=\"tocsin\"" : "Basic realm=\"tocsin\", charset=\"UTF-8\"");
    tc__respond_error(req, 401, message);
}

static int is(h2o_iovec_t v, const char *text)
{
    return h2o_memis(v.base, v.len, text, strlen(text));
}

static size_t header_bytes(h2o_req_t *req)
{
    size_t n = req->path.len;
    for (size_t i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    return n;
}

int tc__route(h2o_handler_t *self, h2o_req_t *req)
{
    tc__board *b = ((tc__handler *)self)->board;
    /* h2o refuses a request past its own limit (some 400 KiB) with 400; ours is lower. */
    if (header_bytes(req) > TC__BOARD_HEADERS_MAX) {
        tc__respond_error(req, 431, "request headers too large");
        return 0;
    }
    size_t query = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    const char *path = req->path.base;
    size_t len = query;
    int get = is(req->method, "GET") || is(req->method, "HEAD"), post = is(req->method, "POST");

    if ((len == 8 && memcmp(path, "/healthz", 8) == 0) || (len == 8 && memcmp(path, "/metrics", 8) == 0)) {
        if (!get) {
            tc__respond_error(req, 405, "the board is read-only");
            return 0;
        }
        return tc__health(b, req, path[1] == 'm');
    }
    if (len < 5 || memcmp(path, "/api/", 5) != 0) {
        if (!get) {
            tc__respond_error(req, 405, "the board is read-only");
            return 0;
        }
        return tc__page(req, path, len);
    }
    if (len == 11 && memcmp(path, "/api/signin", 11) == 0) {
        if (!post) {
            tc__respond_error(req, 405, "sign in with POST");
            return 0;
        }
        return tc__api_signin(b, req);
    }
    if (len == 12 && memcmp(path, "/api/signout", 12) == 0 && post) {
        tc__session_end(b, req);
        tc__add_header(req, "set-cookie", "tocsin_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        tc__respond(req, 204, NULL, "", 0);
        return 0;
    }
    const char *why = NULL;
    int unavailable = 0;
    tc__login *login = tc__login_of_request(b, req, &why, &unavailable);
    if (login == NULL) {
        if (unavailable)
            tc__respond_error(req, 503, why);
        else
            tc__respond_unauthorized(req, why);
        tc__log_request(b, req, unavailable ? 503 : 401, NULL);
        return 0;
    }
    int rc;
    if (!get) {
        tc__respond_error(req, 405, "the board is read-only");
        rc = 0;
    } else if (len == 11 && memcmp(path, "/api/crises", 11) == 0) {
        rc = tc__api_crises(b, req, login);
    } else if (len > 12 && memcmp(path, "/api/crises/", 12) == 0) {
        rc = tc__api_crisis(b, req, login, path + 12, len - 12);
    } else if (len == 11 && memcmp(path, "/api/events", 11) == 0) {
        rc = tc__events_open(b, req, login);
    } else if (len == 12 && memcmp(path, "/api/session", 12) == 0) {
        rc = tc__api_session(b, req, login);
    } else {
        tc__respond_error(req, 404, "no such path");
        rc = 0;
    }
    tc__login_unref(login);
    return rc;
}
