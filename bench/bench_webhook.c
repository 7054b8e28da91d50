#include "bench_webhook.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "bench_support.h"
#include "store/db.h"
#include "store/playbooks.h"

struct bench_receiver_shared {
    int port;        /* written once listening */
    int count;       /* requests answered (atomic) */
    int capacity;    /* arrivals kept */
    int connections; /* accepted (atomic) */
    bench_arrival arrivals[];
};

double bench_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the receiver, in its child process ---- */

typedef struct connection {
    uv_tcp_t tcp;
    char *buf;
    size_t len, cap;
} connection;

static struct bench_receiver_shared *shared;
static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

static void on_closed(uv_handle_t *h)
{
    connection *c = h->data;
    free(c->buf);
    free(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    connection *c = h->data;
    (void)suggested;
    if (c->cap - c->len < 65536) {
        c->cap = c->cap ? 2 * c->cap : 131072;
        c->buf = realloc(c->buf, c->cap);
        if (c->buf == NULL) {
            fprintf(stderr, "%s: the receiver is out of memory\n", bench_name);
            _exit(1);
        }
    }
    *out = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

/* The value of header name in the headers at h (up to end), or NULL; *length its length. */
static const char *header(const char *h, const char *end, const char *name, size_t *length)
{
    size_t n = strlen(name);
    for (const char *line = h; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - line) > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            const char *v = line + n + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *e = eol;
            while (e > v && (e[-1] == '\r' || e[-1] == ' '))
                e--;
            *length = (size_t)(e - v);
            return v;
        }
        line = eol + 1;
    }
    return NULL;
}

/* The end of the headers ("\r\n\r\n") in the len bytes at s, or NULL. */
static const char *headers_end(const char *s, size_t len)
{
    for (const char *p = s; (p = memchr(p, '\r', len - (size_t)(p - s))) != NULL; p++)
        if ((size_t)(s + len - p) >= 4 && memcmp(p, "\r\n\r\n", 4) == 0)
            return p;
    return NULL;
}

static void record(const char *key, size_t length, double at)
{
    int i = __atomic_load_n(&shared->count, __ATOMIC_RELAXED);
    if (i < shared->capacity) {
        bench_arrival *a = &shared->arrivals[i];
        a->at_ms = at;
        if (length >= BENCH_KEY_SIZE)
            length = BENCH_KEY_SIZE - 1;
        memcpy(a->key, key, length);
        a->key[length] = '\0';
    }
    __atomic_store_n(&shared->count, i + 1, __ATOMIC_RELEASE);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    connection *c = s->data;
    (void)buf;
    if (nread < 0) {
        uv_close((uv_handle_t *)s, on_closed);
        return;
    }
    c->len += (size_t)nread;
    double at = bench_wall_ms();
    size_t used = 0;
    for (;;) {
        const char *start = c->buf + used;
        size_t left = c->len - used;
        const char *end = headers_end(start, left);
        if (end == NULL)
            break;
        size_t n, body = 0;
        const char *v = header(start, end, "Content-Length", &n);
        if (v != NULL)
            body = strtoul(v, NULL, 10);
        size_t whole = (size_t)(end + 4 - start) + body;
        if (left < whole)
            break;
        const char *key = header(start, end, "Idempotency-Key", &n);
        record(key ? key : "", key ? n : 0, at);
        uv_buf_t b = uv_buf_init((char *)answer, sizeof answer - 1);
        int sent = uv_try_write(s, &b, 1);
        if (sent < (int)b.len) {
            if (sent > 0)
                b = uv_buf_init((char *)answer + sent, b.len - (unsigned)sent);
            uv_write_t *w = malloc(sizeof *w);
            if (w == NULL || uv_write(w, s, &b, 1, on_written) != 0) {
                free(w);
                uv_close((uv_handle_t *)s, on_closed);
                return;
            }
        }
        used += whole;
    }
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status != 0)
        return;
    connection *c = calloc(1, sizeof *c);
    if (c == NULL)
        _exit(1);
    uv_tcp_init(server->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    __atomic_add_fetch(&shared->connections, 1, __ATOMIC_RELEASE);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void serve(void)
{
    uv_loop_t loop;
    uv_tcp_t server;
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int size = sizeof bound;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &server);
    uv_ip4_addr("127.0.0.1", 0, &addr);
    if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) != 0 ||
        uv_listen((uv_stream_t *)&server, 1024, on_connection) != 0 ||
        uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &size) != 0) {
        fprintf(stderr, "%s: the receiver cannot listen\n", bench_name);
        _exit(1);
    }
    __atomic_store_n(&shared->port, ntohs(((struct sockaddr_in *)&bound)->sin_port), __ATOMIC_RELEASE);
    uv_run(&loop, UV_RUN_DEFAULT);
    _exit(0);
}

/* ---- the benchmark's side ---- */

void bench_receiver_start(bench_receiver *r, int capacity)
{
    r->size = sizeof *r->shared + (size_t)capacity * sizeof(bench_arrival);
    r->shared = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (r->shared == MAP_FAILED) {
        fprintf(stderr, "%s: cannot map the receiver's memory\n", bench_name);
        exit(1);
    }
    r->shared->capacity = capacity;
    if ((r->pid = bench_fork()) == 0) {
        shared = r->shared;
        signal(SIGPIPE, SIG_IGN);
        serve();
    }
    double until = bench_now() + 5;
    while ((r->port = __atomic_load_n(&r->shared->port, __ATOMIC_ACQUIRE)) == 0) {
        if (bench_now() > until || waitpid(r->pid, NULL, WNOHANG) == r->pid) {
            fprintf(stderr, "%s: the receiver did not start\n", bench_name);
            exit(1);
        }
        usleep(1000);
    }
}

int bench_receiver_count(const bench_receiver *r)
{
    return __atomic_load_n(&r->shared->count, __ATOMIC_ACQUIRE);
}

int bench_receiver_connections(const bench_receiver *r)
{
    return __atomic_load_n(&r->shared->connections, __ATOMIC_ACQUIRE);
}

const bench_arrival *bench_receiver_arrivals(const bench_receiver *r)
{
    return r->shared->arrivals;
}

void bench_receiver_stop(bench_receiver *r)
{
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    munmap(r->shared, r->size);
    r->shared = NULL;
}

/* ---- the escalations ---- */

const char bench_escalation_playbook[] =
    "{\"format\": \"tocsin-playbook/1\", \"name\": \"escalate\", \"title\": \"One escalation to a "
    "webhook\",\n"
    " \"parties\": [\"AM\"],\n"
    " \"roles\": {\"council\": {\"title\": \"Council\", \"per_party\": true}},\n"
    " \"start\": \"vote\",\n"
    " \"states\": {\n"
    "  \"vote\": {\"type\": \"approval\", \"title\": \"Deploy the force?\",\n"
    "           \"approvers\": {\"role\": \"council\", \"parties\": \"all\"}, \"rule\": \"consensus\",\n"
    "           \"deadline\": \"P1D\",\n"
    "           \"escalation\": {\"levels\": [{\"after\": \"PT1H\", \"notify\": [\"council\"]}]},\n"
    "           \"next\": {\"approved\": \"done\", \"rejected\": \"done\", \"timeout\": \"done\"}},\n"
    "  \"done\": {\"type\": \"end\"}}}\n";

void bench_escalations_seed(PGconn *conn, int count)
{
    tc_error err;
    tc_error_init(&err);
    char *loaded;
    int version, created;
    bench_must(tc_store_playbook_load(conn, bench_escalation_playbook, &loaded, &version, &created, &err),
               &err);
    free(loaded);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.trigger('escalate', NULL, NULL, NULL, ARRAY['AM'], '{}', NULL)"
             "  FROM generate_series(1, %d)",
             count);
    bench_must(tc_db_command(conn, sql, "seed the escalations", &err), &err);
}

void bench_escalations_contact(PGconn *conn, int port)
{
    tc_error err;
    tc_error_init(&err);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT tocsin.contact_add('council', 'webhook', 'http://127.0.0.1:%d/hook', 'json', NULL)",
             port);
    bench_must(tc_db_command(conn, sql, "add the webhook contact", &err), &err);
}

long long bench_escalations_due(PGconn *conn, double due_ms)
{
    tc_error err;
    tc_error_init(&err);
    char sql[256];
    snprintf(sql, sizeof sql,
             "WITH moved AS (UPDATE tocsin.timers SET due = to_timestamp(%.0f / 1000.0)"
             "  WHERE key LIKE '%%:level1' RETURNING 1) SELECT count(*) FROM moved",
             due_ms);
    PGresult *res = tc_db_query(conn, sql, 0, NULL, "move the escalations", &err);
    bench_must(res == NULL, &err);
    long long n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

static int by_key(const void *a, const void *b)
{
    const bench_arrival *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int bench_escalations_arrivals(PGconn *conn, const bench_receiver *r, double due_ms, double *late, int count,
                               long long *rows, long long *sent, int *repeats)
{
    tc_error err;
    tc_error_init(&err);
    int n = bench_receiver_count(r);
    if (n > r->shared->capacity)
        n = r->shared->capacity;
    bench_arrival *sorted = malloc(((size_t)n + 1) * sizeof *sorted);
    memcpy(sorted, bench_receiver_arrivals(r), (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, by_key);
    *repeats = 0;
    for (int i = 1; i < n; i++)
        *repeats += strcmp(sorted[i].key, sorted[i - 1].key) == 0;

    PGresult *res = tc_db_query(conn,
                                "SELECT delivery, status = 'sent' FROM tocsin.notifications"
                                " WHERE level = 1 AND channel = 'webhook'",
                                0, NULL, "read the outbox", &err);
    bench_must(res == NULL, &err);
    *rows = PQntuples(res);
    *sent = 0;
    int found = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        *sent += strcmp(PQgetvalue(res, i, 1), "t") == 0;
        bench_arrival probe = {0, ""};
        snprintf(probe.key, sizeof probe.key, "%s", PQgetvalue(res, i, 0));
        /* The first arrival of the key: the lowest index whose key matches. */
        int lo = 0, hi = n;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (strcmp(sorted[mid].key, probe.key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && strcmp(sorted[lo].key, probe.key) == 0 && found < count)
            late[found++] = sorted[lo].at_ms - due_ms;
    }
    PQclear(res);
    free(sorted);
    qsort(late, (size_t)found, sizeof *late, by_value);
    return found;
}
