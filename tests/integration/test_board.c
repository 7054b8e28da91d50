/*
 * tocsin serve (the board's HTTP API and event stream) against a real server
 * with an engine running, driven with libcurl and, where a client must
 * misbehave (never read, stay idle, stream), with plain sockets.
 *
 * The roles sign in with passwords: they are members of
 * tocsin_password_login, which scripts/pg.sh's pg_hba.conf makes give a
 * password (scram-sha-256) even on the trusted socket, so a wrong password
 * is refused by the server itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"

static char *db;
static th_proc *engine, *board;
static char kz[64], observer[64], url[64];
static int port;
static const char kz_password[] = "kz-secret: with spaces & symbols";
static const char observer_password[] = "unodc-secret";

typedef struct response {
    long status;
    char *body;
    size_t length;
    char *headers;
    size_t headers_length;
} response;

typedef struct buffer {
    char *text;
    size_t length;
} buffer;

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    buffer *b = arg;
    b->text = realloc(b->text, b->length + size * n + 1);
    memcpy(b->text + b->length, data, size * n);
    b->length += size * n;
    b->text[b->length] = '\0';
    return size * n;
}

/* GET path as user (NULL: no credentials) with password, and an extra header (or NULL). */
static response get(const char *path, const char *user, const char *password, const char *header)
{
    response r = {0, strdup(""), 0, strdup(""), 0};
    CURL *curl = curl_easy_init();
    char where[512];
    snprintf(where, sizeof where, "%s%s", url, path);
    curl_easy_setopt(curl, CURLOPT_URL, where);
    buffer body = {NULL, 0}, head = {NULL, 0};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (user != NULL) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
    }
    struct curl_slist *headers = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK)
        fail_msg("GET %s: %s", path, curl_easy_strerror(rc));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(r.body);
    free(r.headers);
    r.body = body.text ? body.text : strdup("");
    r.length = body.length;
    r.headers = head.text ? head.text : strdup("");
    return r;
}

static void response_free(response *r)
{
    free(r->body);
    free(r->headers);
}

static void expect_status(const char *path, const char *user, const char *password, long status,
                          const char *body)
{
    response r = get(path, user, password, NULL);
    if (r.status != status || (body && !th_contains(r.body, body)))
        fail_msg("GET %s as %s: %ld %s, expected %ld %s", path, user ? user : "nobody", r.status, r.body,
                 status, body ? body : "");
    response_free(&r);
}

/* The CLI's --json output of args, acting as role. */
static char *cli_json(const char *role, const char *const *args)
{
    const char *argv[16] = {"--as", role};
    int n = 2;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    th_run r;
    th_tocsin(&r, db, argv);
    if (r.status != 0)
        fail_msg("tocsin %s: exit %d: %s", args[0], r.status, r.err);
    char *out = strdup(r.out);
    th_run_free(&r);
    return out;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int connect_board(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Starts `tocsin serve` on a free port of loopback, with db as its database, and waits until it answers. */
static th_proc *start_board(const char *on_db)
{
    port = free_port();
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    th_proc *p = th_tocsin_start(on_db, (const char *[]){"serve", "--listen", listen, NULL});
    for (int i = 0; i < 200; i++) {
        int fd = connect_board();
        if (fd >= 0) {
            close(fd);
            return p;
        }
        th_sleep_ms(50);
    }
    fail_msg("tocsin serve did not listen on %s", listen);
    return NULL;
}

/* Stops the board with SIGTERM; it must exit 0 (under ASan: nothing leaked). */
static void stop_board(th_proc *p)
{
    th_signal(p, SIGTERM);
    th_run r;
    th_wait(p, &r);
    if (r.status != 0)
        fail_msg("tocsin serve exited %d: %s", r.status, r.err);
    th_run_free(&r);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const char *in, char *out)
{
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

/* A raw connection that has sent GET path as user. */
static int send_get(const char *path, const char *user, const char *password)
{
    char pair[256], auth[400], request[1024];
    snprintf(pair, sizeof pair, "%s:%s", user, password);
    base64(pair, auth);
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n\r\n",
                     path, auth);
    int fd = connect_board();
    assert_true(fd >= 0);
    assert_int_equal(send(fd, request, (size_t)n, 0), n);
    return fd;
}

/* Reads from fd into *text until it holds needle or ms pass; whether it did. */
static int read_until(int fd, char **text, size_t *length, const char *needle, int ms)
{
    long until = th_now_ms() + ms;
    while (*text == NULL || strstr(*text, needle) == NULL) {
        long left = until - th_now_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return 0;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return 0;
        *text = realloc(*text, *length + (size_t)n + 1);
        memcpy(*text + *length, buf, (size_t)n);
        *length += (size_t)n;
        (*text)[*length] = '\0';
    }
    return 1;
}

static void sql(const char *fmt, const char *a, const char *b)
{
    char text[512];
    snprintf(text, sizeof text, fmt, a, b);
    th_exec(th_env("TOCSIN_TEST_DB"), text);
}

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    db = th_db_create();
    long pid = (long)getpid();
    snprintf(kz, sizeof kz, "board_kz_%ld", pid);
    snprintf(observer, sizeof observer, "board_unodc_%ld", pid);
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_playbook_load(db, "workflows/counter-narcotics.json");
    th_run_ok(db, (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL});
    th_run_ok(db, (const char *[]){"actor", "add", observer, "--observer", "UNODC", "--login", NULL});
    sql("ALTER ROLE %s PASSWORD '%s'", kz, "kz-secret: with spaces & symbols");
    sql("ALTER ROLE %s PASSWORD '%s'", observer, observer_password);
    sql("GRANT tocsin_password_login TO %s, %s", kz, observer);
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    /* 1: council of all (KZ sees it); 2: council of RU and AM (KZ does not); 3: counter-narcotics (UNODC). */
    th_expect_tocsin(db, NULL, 0, (const char *[]){"trigger", "council", "--wait", "10", NULL}, "1", NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"trigger", "council", "--parties", "RU,AM", "--wait", "10", NULL}, "2",
                     NULL);
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"trigger", "counter-narcotics", "--input", "area=Fergana valley",
                                      "--parties", "KZ,KG,TJ", "--wait", "10", NULL},
                     "3", NULL);
    board = start_board(db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    stop_board(board);
    th_end(engine, SIGTERM);
    th_db_drop(db);
    sql("DROP ROLE IF EXISTS %s, %s", kz, observer);
    curl_global_cleanup();
    return 0;
}

/* No credentials, a wrong password, an unknown role: 401 with WWW-Authenticate; the right ones: 200. */
static void test_board_credentials(void **state)
{
    (void)state;
    response r = get("/api/crises", NULL, NULL, NULL);
    assert_int_equal(r.status, 401);
    assert_true(th_contains(r.headers, "www-authenticate: Basic realm=\"tocsin\""));
    response_free(&r);
    r = get("/api/crises", kz, "not the password", NULL);
    assert_int_equal(r.status, 401);
    assert_true(th_contains(r.headers, "www-authenticate: Basic"));
    assert_true(th_contains(r.body, "wrong role or password"));
    response_free(&r);
    expect_status("/api/crises", "no_such_role_at_all", "x", 401, "wrong role or password");
    expect_status("/api/events", kz, "wrong", 401, NULL);
    expect_status("/api/crises/1", NULL, NULL, 401, NULL);
    /* The right password, then the wrong one again: a pool made with the right one is not for the wrong. */
    expect_status("/api/crises", kz, kz_password, 200, "\"crises\"");
    expect_status("/api/crises", kz, "not the password", 401, NULL);
    expect_status("/api/crises", kz, kz_password, 200, NULL);
    /* The page asks with its header: a scheme the browser does not prompt for. */
    r = get("/api/crises", NULL, NULL, "X-Tocsin-Page: 1");
    assert_int_equal(r.status, 401);
    assert_true(th_contains(r.headers, "www-authenticate: Session"));
    response_free(&r);
}

/* /api/crises and /api/crises/ID are the CLI's documents, byte for byte, for the same role. */
static void test_board_documents_are_the_clis(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        const char *args[10];
    } cases[] = {
        {"/api/crises", {"list", "--json", NULL}},
        {"/api/crises?status=all&limit=1", {"list", "--status", "all", "--limit", "1", "--json"}},
        {"/api/crises?status=all&party=KZ&playbook=council&since=P1D",
         {"list", "--status", "all", "--party", "KZ", "--playbook", "council", "--since", "P1D", "--json"}},
        {"/api/crises/1", {"show", "1", "--json", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[12] = {0};
        for (int j = 0; j < 10 && cases[i].args[j]; j++)
            args[j] = cases[i].args[j];
        char *want = cli_json(kz, args);
        response r = get(cases[i].path, kz, kz_password, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, want);
        assert_true(th_contains(r.headers, "content-type: application/json"));
        assert_true(th_contains(r.headers, "x-content-type-options: nosniff"));
        response_free(&r);
        free(want);
    }
    char *want = cli_json(observer, (const char *[]){"list", "--json", NULL});
    response r = get("/api/crises", observer, observer_password, NULL);
    assert_string_equal(r.body, want);
    response_free(&r);
    free(want);
    expect_status("/api/crises?status=nope", kz, kz_password, 400, "status is");
    expect_status("/api/crises?limit=0", kz, kz_password, 400, "limit takes a number");
    expect_status("/api/crises?severity=loud", kz, kz_password, 400, "severity is extreme, severe");
    expect_status("/api/crises?since=yesterday", kz, kz_password, 400, "since takes an ISO 8601 time");
    expect_status("/api/crises?weather=fog", kz, kz_password, 400, "takes status, playbook, party");
    expect_status("/api/crises?colour=red", kz, kz_password, 400, NULL);
}

/* Row-level security decides: an observer sees what it observes; what one may not see is 404, as unknown. */
static void test_board_who_sees_what(void **state)
{
    (void)state;
    response r = get("/api/crises", observer, observer_password, NULL);
    assert_int_equal(r.status, 200);
    assert_true(th_contains(r.body, "\"id\": 3"));
    assert_false(th_contains(r.body, "\"id\": 1"));
    assert_false(th_contains(r.body, "\"id\": 2"));
    response_free(&r);
    expect_status("/api/crises/3", observer, observer_password, 200, "counter-narcotics");
    expect_status("/api/crises/1", observer, observer_password, 404, "no crisis 1");
    expect_status("/api/crises/2", kz, kz_password, 404, "no crisis 2");
    expect_status("/api/crises/99", kz, kz_password, 404, "no crisis 99");
    expect_status("/api/crises/x", kz, kz_password, 404, NULL);
    expect_status("/api/crises/1/audit", kz, kz_password, 200, "\"triggered\"");
    expect_status("/api/crises/2/audit", kz, kz_password, 404, NULL);
    expect_status("/api/crises/1/playbook", kz, kz_password, 200, "\"council\"");
    expect_status("/api/nothing", kz, kz_password, 404, NULL);
    expect_status("/nothing", NULL, NULL, 404, NULL);
    expect_status("/api/session", kz, kz_password, 200, kz);
}

/* Headers past the board's limit are 431, past h2o's own 400; the board goes on answering. */
static void test_board_oversized_headers(void **state)
{
    (void)state;
    char *big = malloc(40000);
    memcpy(big, "X-Big: ", 7);
    memset(big + 7, 'a', 32000);
    big[32007] = '\0';
    response r = get("/api/crises", kz, kz_password, big);
    assert_int_equal(r.status, 431);
    response_free(&r);
    free(big);

    int fd = connect_board();
    char line[8200];
    memset(line, 'b', sizeof line);
    const char *start = "GET / HTTP/1.1\r\nHost: x\r\n";
    send(fd, start, strlen(start), 0);
    for (int i = 0; i < 60; i++) { /* some 480 KiB of headers, never ended */
        memcpy(line, "X-A: ", 5);
        memcpy(line + sizeof line - 2, "\r\n", 2);
        if (send(fd, line, sizeof line, MSG_NOSIGNAL) < 0)
            break;
    }
    char *text = NULL;
    size_t length = 0;
    assert_true(read_until(fd, &text, &length, "400", 10000));
    free(text);
    close(fd);
    expect_status("/api/crises", kz, kz_password, 200, NULL);
}

/* 200 idle connections and a client that never reads what it asked for hold up no one else. */
static void test_board_idle_and_stuck_clients(void **state)
{
    (void)state;
    int idle[200];
    for (int i = 0; i < 200; i++)
        assert_true((idle[i] = connect_board()) >= 0);
    /* The stuck one asks for the page a thousand times in one go, and reads nothing. */
    int stuck = connect_board();
    static char burst[1000 * 48];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(burst + n, sizeof burst - n, "GET /board.js HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(send(stuck, burst, n, MSG_NOSIGNAL) > 0);
    /* And a stream that never reads. */
    int stream = send_get("/api/events", kz, kz_password);
    long before = th_now_ms();
    expect_status("/api/crises", kz, kz_password, 200, "\"crises\"");
    expect_status("/", NULL, NULL, 200, NULL);
    long took = th_now_ms() - before;
    /* Well before h2o's 10 s idle timeout would have closed the idle ones: they did not stand in the way. */
    if (took > 5000)
        fail_msg("answered after %ld ms beside idle and stuck clients", took);
    for (int i = 0; i < 200; i++)
        close(idle[i]);
    close(stuck);
    close(stream);
}

/* A vote cast with the CLI arrives on the streams of those who may see the crisis, and no one else's. */
static void test_board_events(void **state)
{
    (void)state;
    int mine = send_get("/api/events", kz, kz_password);
    int theirs = send_get("/api/events", observer, observer_password);
    char *text = NULL, *other = NULL;
    size_t length = 0, other_length = 0;
    assert_true(read_until(mine, &text, &length, "retry:", 10000));
    assert_true(read_until(theirs, &other, &other_length, "retry:", 10000));
    assert_true(th_contains(text, "text/event-stream"));
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"--as", kz, "vote", "1", "approve", "--state", "consensus", "--party",
                                      "KZ", "--wait", "10", NULL},
                     NULL, NULL);
    if (!read_until(mine, &text, &length, "data: {\"crisis\": 1}", 10000))
        fail_msg("no event for crisis 1 after the vote: %s", text);
    /* The observer may not see crisis 1: its stream got nothing of it (a heartbeat at most). */
    read_until(theirs, &other, &other_length, "data:", 300);
    assert_false(th_contains(other, "data:"));
    free(text);
    free(other);
    close(mine);
    close(theirs);
}

/* /healthz and /metrics answer without credentials: ok while an engine is alive, 503 once the last one
 * stopped; the metrics pass promtool. */
static void test_board_health_and_metrics(void **state)
{
    (void)state;
    /* The engine's first heartbeat may be a moment away. */
    response r = {0};
    for (int i = 0; i < 100; i++) {
        r = get("/healthz", NULL, NULL, NULL);
        if (r.status == 200)
            break;
        response_free(&r);
        th_sleep_ms(100);
    }
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
    response_free(&r);
    r = get("/metrics", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(th_contains(r.headers, "text/plain; version=0.0.4"));
    assert_true(th_contains(r.body, "tocsin_engines_alive 1\n"));
    assert_true(th_contains(r.body, "tocsin_crises{status=\"active\",mode=\"actual\"} 3\n"));
    th_expect_promtool_passes(r.body);
    response_free(&r);
    expect_status("/metrics", kz, "wrong", 200, "tocsin_commands_pending"); /* credentials play no part */

    /* The last engine stops: 503, saying why; another starts: ok again. */
    th_stop(engine);
    expect_status("/healthz", NULL, NULL, 503, "no engine is alive");
    expect_status("/metrics", NULL, NULL, 200, "tocsin_engines_alive 0\n");
    engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
}

/* A database that cannot be reached is 503 with one line saying so; the board stays up and stops cleanly. */
static void test_board_database_down(void **state)
{
    (void)state;
    int main_port = port;
    th_proc *down = start_board("host=/nonexistent/tocsin dbname=tocsin connect_timeout=2");
    response r = get("/api/crises", kz, kz_password, NULL);
    assert_int_equal(r.status, 503);
    assert_true(th_contains(r.body, "cannot connect to database"));
    assert_int_equal(th_line_count(r.body), 1);
    response_free(&r);
    expect_status("/healthz", NULL, NULL, 503, "database unavailable: ");
    expect_status("/metrics", NULL, NULL, 503, "database unavailable: ");
    int stream = send_get("/api/events", kz, kz_password);
    stop_board(down);
    close(stream);
    port = main_port; /* back to the board of the other tests */
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_board_credentials),
        cmocka_unit_test(test_board_documents_are_the_clis),
        cmocka_unit_test(test_board_who_sees_what),
        cmocka_unit_test(test_board_oversized_headers),
        cmocka_unit_test(test_board_idle_and_stuck_clients),
        cmocka_unit_test(test_board_events),
        cmocka_unit_test(test_board_health_and_metrics),
        cmocka_unit_test(test_board_database_down),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
