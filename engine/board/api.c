/*
 * The board's API: the CLI's documents over HTTP, read on the signed-in
 * role's own connection by the store's functions that `tocsin list --json`
 * and `tocsin show --json` call, printed the same way (TC_JSON_DOCUMENT_FLAGS
 * and a newline), so that each is the same document byte for byte. And the
 * page's sign-in, which is the database accepting a connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board_internal.h"
#include "core/base/alloc.h"
#include "core/base/json_strings.h"
#include "core/input/number.h"
#include "store/crises.h"

/* The document as the CLI prints it, into job->text; or the error into job->code and message. */
static void keep(tc__job *job, int rc, json_t *doc, const tc_error *err)
{
    if (rc != 0) {
        job->code = rc;
        snprintf(job->message, sizeof job->message, "%s", err->text);
        return;
    }
    char *text = json_dumps(doc, TC_JSON_DOCUMENT_FLAGS);
    json_decref(doc);
    size_t n = strlen(text);
    job->text = tc_xrealloc(text, n + 2);
    job->text[n] = '\n';
    job->text[n + 1] = '\0';
}

static void list_run(tc__job *job)
{
    tc_error err;
    json_t *doc = NULL;
    tc_error_init(&err);
    int rc = tc_store_crisis_list(job->conn, &job->filter, &doc, &err);
    keep(job, rc, doc, &err);
}

static void show_run(tc__job *job)
{
    tc_error err;
    json_t *doc = NULL;
    tc_error_init(&err);
    int rc = tc_store_crisis_show(job->conn, job->crisis, &doc, &err);
    keep(job, rc, doc, &err);
}

/* {"audit": [the last 20 events, oldest first]}; a crisis one may not read is 404, as for show. */
static void audit_run(tc__job *job)
{
    tc_error err;
    json_t *events = NULL, *doc = NULL;
    tc_error_init(&err);
    int rc = tc_store_crisis_show(job->conn, job->crisis, &doc, &err);
    json_decref(doc);
    doc = NULL;
    if (rc == 0 && (rc = tc_store_audit(job->conn, job->crisis, &events, &err)) == 0) {
        while (json_array_size(events) > 20)
            json_array_remove(events, 0);
        doc = json_pack("{s:o}", "audit", events);
    }
    keep(job, rc, doc, &err);
}

/* The crisis's playbook as loaded, for drawing its graph: {"playbook": {...}}. */
static void playbook_run(tc__job *job)
{
    tc_error err;
    char *source = NULL, *state = NULL, *status = NULL;
    json_t *doc = NULL;
    tc_error_init(&err);
    int rc = tc_store_crisis_load(job->conn, job->crisis, &source, &state, &status, &err);
    if (rc == 0) {
        json_t *playbook = json_loads(source, 0, NULL);
        doc = json_pack("{s:o*}", "playbook", playbook);
    }
    free(source);
    free(state);
    free(status);
    keep(job, rc, doc, &err);
}

static void answer(tc__job *job)
{
    if (job->req == NULL)
        return;
    int status = tc__job_status(job);
    if (status == 200)
        tc__respond(job->req, 200, "application/json", job->text, strlen(job->text));
    else if (status == 401)
        tc__respond_unauthorized(job->req, "wrong role or password");
    else
        tc__respond_error(job->req, status, job->message);
    tc__log_request(job->board, job->req, status, job->login->role);
}

static int nibble(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The value of name in a query or form (a=b&c=d), percent-decoded into out: 1, 0 when absent, -1 when bad. */
static int param(const char *query, size_t len, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = query, *end = query + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t n = 0;
            for (const char *q = p + nlen + 1; q < stop; q++) {
                int c = (unsigned char)*q;
                if (c == '+')
                    c = ' ';
                else if (c == '%') {
                    int hi, lo;
                    if (stop - q < 3 || (hi = nibble(q[1])) == -1 || (lo = nibble(q[2])) == -1)
                        return -1;
                    c = hi * 16 + lo;
                    q += 2;
                }
                if (c == 0 || n + 1 >= size)
                    return -1;
                out[n++] = (char)c;
            }
            out[n] = '\0';
            return 1;
        }
        p = stop + 1;
    }
    return 0;
}

/* Whether every parameter of query is one of names. */
static int only(const char *query, size_t len, const char *const *names)
{
    const char *p = query, *end = query + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        size_t n = (size_t)((eq ? eq : stop) - p);
        int known = n == 0;
        for (int i = 0; names[i] && !known; i++)
            known = strlen(names[i]) == n && memcmp(names[i], p, n) == 0;
        if (!known)
            return 0;
        p = stop + 1;
    }
    return 1;
}

int tc__api_crises(tc__board *b, h2o_req_t *req, tc__login *login)
{
    const char *query = "";
    size_t qlen = 0;
    if (req->query_at != SIZE_MAX) {
        query = req->path.base + req->query_at + 1;
        qlen = req->path.len - req->query_at - 1;
    }
    /* tocsin list's options, by the same names, read by the same function. */
    static const char *const names[] = {"status", "playbook", "party", "mode", "severity",
                                        "since",  "until",    "limit", NULL};
    if (!only(query, qlen, names)) {
        tc__respond_error(
            req, 400,
            "/api/crises takes status, playbook, party, mode, severity, since, until and limit, "
            "as tocsin list does");
        return 0;
    }
    tc_crisis_filter filter;
    tc_crisis_filter_init(&filter);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tc_ms now = (tc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    for (int i = 0; names[i] != NULL; i++) {
        char value[300];
        int found = param(query, qlen, names[i], value, sizeof value);
        tc_error err;
        tc_error_init(&err);
        if (found < 0)
            tc_error_set(&err, TC_EINVAL, "%s is not a well-formed value (at most %zu bytes)", names[i],
                         sizeof value - 1);
        else if (found > 0)
            tc_crisis_filter_set(&filter, names[i], value, now, &err);
        if (err.code != 0) {
            tc__respond_error(req, 400, err.text);
            return 0;
        }
    }
    tc__login_ref(login);
    tc__job *job = tc__job_new(b, req, login, list_run, answer);
    job->filter = filter;
    tc__job_start(job);
    return 0;
}

int tc__api_crisis(tc__board *b, h2o_req_t *req, tc__login *login, const char *rest, size_t len)
{
    char id[24];
    const char *slash = memchr(rest, '/', len);
    size_t idlen = slash ? (size_t)(slash - rest) : len;
    long long n;
    tc__job_fn run = show_run;
    if (slash != NULL) {
        size_t tail = len - idlen;
        if (tail == 6 && memcmp(slash, "/audit", 6) == 0)
            run = audit_run;
        else if (tail == 9 && memcmp(slash, "/playbook", 9) == 0)
            run = playbook_run;
        else
            run = NULL;
    }
    if (idlen == 0 || idlen >= sizeof id || run == NULL) {
        tc__respond_error(req, 404, "no such path");
        return 0;
    }
    memcpy(id, rest, idlen);
    id[idlen] = '\0';
    if (tc_parse_integer(id, 1, INT64_MAX, &n) != 0) {
        tc__respond_error(req, 404, "no such crisis");
        return 0;
    }
    tc__login_ref(login);
    tc__job *job = tc__job_new(b, req, login, run, answer);
    job->crisis = n;
    tc__job_start(job);
    return 0;
}

static void signin_run(tc__job *job)
{
    (void)job; /* the connection made is the check */
}

static void signin_done(tc__job *job)
{
    if (job->req == NULL)
        return;
    int status = tc__job_status(job);
    char token[65];
    if (status == 200 && tc__session_new(job->board, job->login, token) != 0) {
        status = 503;
        snprintf(job->message, sizeof job->message, "too many sessions at once; try again later");
    }
    if (status == 200) {
        char cookie[160];
        snprintf(cookie, sizeof cookie, "tocsin_session=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict",
                 token, TC__BOARD_SESSION_MS / 1000);
        tc__add_header(job->req, "set-cookie", cookie);
        json_t *doc = json_pack("{s:s}", "role", job->login->role);
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        tc__respond(job->req, 200, "application/json", text, strlen(text));
        free(text);
    } else if (status == 401) {
        tc__respond_error(job->req, 401, "wrong role or password");
    } else {
        tc__respond_error(job->req, status, job->message);
    }
    tc__log_request(job->board, job->req, status, job->login->role);
}

/* A form's POST from another site (login CSRF) is refused: a browser says where it comes from. */
static int same_origin(h2o_req_t *req)
{
    size_t len;
    const char *origin = tc__header(req, "origin", &len);
    if (origin == NULL)
        return 1;
    const char *host = req->authority.base;
    size_t hlen = req->authority.len;
    return (len == hlen + 7 && memcmp(origin, "http://", 7) == 0 && memcmp(origin + 7, host, hlen) == 0) ||
           (len == hlen + 8 && memcmp(origin, "https://", 8) == 0 && memcmp(origin + 8, host, hlen) == 0);
}

int tc__api_signin(tc__board *b, h2o_req_t *req)
{
    char role[TC__BOARD_ROLE_MAX + 1], password[TC__BOARD_PASSWORD_MAX + 1];
    if (!same_origin(req)) {
        tc__respond_error(req, 403, "sign in from the board's own page");
        return 0;
    }
    const char *body = req->entity.base ? req->entity.base : "";
    size_t len = req->entity.len;
    if (param(body, len, "role", role, sizeof role) != 1 ||
        param(body, len, "password", password, sizeof password) != 1 || role[0] == '\0' ||
        password[0] == '\0') {
        memset(password, 0, sizeof password);
        tc__respond_error(req, 401, "wrong role or password");
        return 0;
    }
    tc__login *login = tc__login_get(b, role, password);
    memset(password, 0, sizeof password);
    if (login == NULL) {
        tc__respond_error(req, 503, "too many users signed in at once; try again later");
        return 0;
    }
    tc__job *job = tc__job_new(b, req, login, signin_run, signin_done);
    tc__job_start(job);
    return 0;
}

int tc__api_session(tc__board *b, h2o_req_t *req, tc__login *login)
{
    (void)b;
    json_t *doc = json_pack("{s:s}", "role", login->role);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    tc__respond(req, 200, "application/json", text, strlen(text));
    free(text);
    return 0;
}
