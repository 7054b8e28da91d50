/*
 * Benchmark: the board's event stream under load (issue 18). CLIENTS
 * server-sent-event clients on loopback (default 200) hold GET /api/events
 * open on `tocsin serve` while scenario 2 of bench_latency runs (background
 * votes at RATE a second from BENCH_LOADERS processes, and the benchmark's
 * own probe votes, 50 a second); how long from a probe vote's commit to its
 * event at the clients, and whether the board changes the vote latency.
 *
 * Each run is a pair, in the same minutes: scenario 2 without the board,
 * and scenario 2 with it (alternating which goes first). Each makes a fresh
 * database, tocsin_bench_board, with the playbook PLAYBOOK (the six-seat
 * consensus of tests/data/playbooks/valid/council.json), every council seat
 * for the benchmark's role, and the crises triggered and applied: one crisis
 * per probe vote (so a probe's crisis changes once in the run, and its first
 * event is that vote's), and the background's crises after them. The role
 * the clients sign in as, tocsin_bench_board (HTTP Basic, its password; a
 * member of tocsin_password_login, so the server asks for the password), is
 * an actor holding the six council seats: it sees every crisis, and every
 * committed vote is an event on each of its streams.
 *
 * The engine and `tocsin serve --listen 127.0.0.1:PORT` (tc_board_run) are
 * child processes; so are the clients: one process, a libuv loop with one
 * TCP connection each, which sends GET /api/events with the Authorization
 * header, reads `data: {"crisis": N}` lines, and records in memory shared
 * with the benchmark when each client read each probe crisis's first event
 * (CLOCK_REALTIME, once per read). A probe's commit time is when the
 * engine's NOTIFY tocsin_applied naming its crisis reached the benchmark's
 * own LISTEN connection (CLOCK_REALTIME too). Printed: p50, p99 and the
 * slowest of (event at a client - commit) over every (probe, client) pair,
 * and the probes' vote latency (submit returned to commit NOTIFY) p50 and
 * p99 without and with the board; medians of RUNS pairs, with their spread.
 * A run fails if a stream is refused; events that never arrived are counted
 * and printed.
 *
 *   bench_board ADMIN_CONNINFO PLAYBOOK.json [SECONDS] [RATE] [RUNS] [CLIENTS]
 *
 * Defaults: 10 s, 500 votes/s, 3 pairs, 200 clients.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "bench_support.h"
#include "bench_webhook.h"
#include "board/board.h"
#include "store/actors.h"
#include "store/crises.h"
#include "store/db.h"

#define DBNAME            "tocsin_bench_board"
#define ROLE              "tocsin_bench_board"
#define PASSWORD          "bench-board-secret"
#define PROBES_PER_SECOND 50
#define MAX_CLIENTS       250 /* the board holds 256 streams at once */
#define MAX_RUNS          16
#define SETTLE_MS         5000 /* after the last probe's commit: events later than this count as missing */

static void die(const char *message)
{
    fprintf(stderr, "bench_board: %s\n", message);
    exit(1);
}

/* ---- the clients, in their child process ---- */

typedef struct clients_shared {
    int ready;        /* streams open: answered 200, and the board's first comment read */
    int failed;       /* refused, or closed before they opened */
    int dropped;      /* closed after they opened */
    int crises;       /* probe crises 1..crises are recorded */
    long long events; /* events read in all, every crisis */
    double at[];      /* [client * (crises + 1) + id]: epoch ms of crisis id's first event there; 0: none */
} clients_shared;

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    int index;
    int status_seen, open;
    char line[256];
    size_t len;
    char buf[16384];
} client;

static clients_shared *clients_mem;
static char request[512];

static void client_closed(uv_handle_t *h)
{
    (void)h;
}

static void client_end(client *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    __atomic_add_fetch(c->open ? &clients_mem->dropped : &clients_mem->failed, 1, __ATOMIC_RELEASE);
    uv_close((uv_handle_t *)&c->tcp, client_closed);
}

static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    client *c = h->data;
    (void)suggested;
    *out = uv_buf_init(c->buf, sizeof c->buf);
}

static const char data_prefix[] = "data: {\"crisis\": ";

/* One line of the response, its \r\n or \n taken off. */
static void client_line(client *c, double at)
{
    const char *line = c->line;
    if (!c->status_seen) {
        c->status_seen = 1;
        if (strncmp(line, "HTTP/1.1 200 ", 13) != 0) {
            fprintf(stderr, "bench_board: a client was answered %s\n", line);
            client_end(c);
        }
    } else if (!c->open && strcmp(line, ": tocsin events") == 0) {
        c->open = 1;
        __atomic_add_fetch(&clients_mem->ready, 1, __ATOMIC_RELEASE);
    } else if (strncmp(line, data_prefix, sizeof data_prefix - 1) == 0) {
        long long id = strtoll(line + sizeof data_prefix - 1, NULL, 10);
        __atomic_add_fetch(&clients_mem->events, 1, __ATOMIC_RELAXED);
        if (id >= 1 && id <= clients_mem->crises) {
            double *slot =
                &clients_mem->at[(size_t)c->index * (size_t)(clients_mem->crises + 1) + (size_t)id];
            if (*slot == 0)
                *slot = at;
        }
    }
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    client *c = s->data;
    if (nread < 0) {
        client_end(c);
        return;
    }
    double at = bench_wall_ms();
    for (ssize_t i = 0; i < nread && !uv_is_closing((uv_handle_t *)s); i++) {
        char ch = buf->base[i];
        if (ch != '\n') {
            if (c->len < sizeof c->line - 1)
                c->line[c->len++] = ch;
            continue;
        }
        if (c->len > 0 && c->line[c->len - 1] == '\r')
            c->len--;
        c->line[c->len] = '\0';
        client_line(c, at);
        c->len = 0;
    }
}

static void on_client_written(uv_write_t *w, int status)
{
    client *c = w->data;
    if (status < 0)
        client_end(c);
}

static void on_client_connected(uv_connect_t *req, int status)
{
    client *c = req->data;
    if (status < 0) {
        client_end(c);
        return;
    }
    uv_buf_t b = uv_buf_init(request, (unsigned)strlen(request));
    c->write.data = c;
    if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, on_client_written) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_client_alloc, on_client_read) != 0)
        client_end(c);
}

/* The clients' process: count connections to 127.0.0.1:port, each streaming until killed. */
static void clients_main(int port, int count)
{
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        _exit(1);
    client *all = calloc((size_t)count, sizeof *all);
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    for (int i = 0; i < count; i++) {
        client *c = &all[i];
        c->index = i;
        c->tcp.data = c;
        c->connect.data = c;
        if (uv_tcp_init(&loop, &c->tcp) != 0 ||
            uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)&addr, on_client_connected) != 0)
            __atomic_add_fetch(&clients_mem->failed, 1, __ATOMIC_RELEASE);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    _exit(0);
}

static void base64(const char *in, char *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Starts the clients (the shared memory in *mem, size bytes) and waits until every stream is open. */
static pid_t clients_start(int port, int count, int crises, clients_shared **mem, size_t *size)
{
    *size = sizeof **mem + (size_t)count * (size_t)(crises + 1) * sizeof(double);
    *mem = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (*mem == MAP_FAILED)
        die("cannot map the clients' memory");
    (*mem)->crises = crises;
    clients_mem = *mem;
    char auth[128];
    base64(ROLE ":" PASSWORD, auth);
    snprintf(request, sizeof request,
             "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n"
             "Authorization: Basic %s\r\n\r\n",
             port, auth);
    fflush(stdout);
    pid_t pid = bench_fork();
    if (pid == 0)
        clients_main(port, count);
    double until = bench_now() + 30;
    while (__atomic_load_n(&(*mem)->ready, __ATOMIC_ACQUIRE) < count) {
        if (__atomic_load_n(&(*mem)->failed, __ATOMIC_ACQUIRE) > 0)
            die("an event stream was refused");
        if (bench_now() > until)
            die("the event streams did not all open within 30 s");
        usleep(10000);
    }
    return pid;
}

/* ---- the board ---- */

/* A port on loopback that nothing listens on just now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len))
        die("cannot find a free port");
    close(fd);
    return ntohs(a.sin_port);
}

/* `tocsin serve --listen 127.0.0.1:port` on db, in a child process, once it listens. */
static pid_t board_start(const char *db, int port)
{
    fflush(stdout);
    pid_t pid = bench_fork();
    if (pid == 0) {
        tc_board_options o = {.conninfo = db, .host = "127.0.0.1", .port = port};
        tc_error err;
        tc_error_init(&err);
        int rc = tc_board_run(&o, &err);
        if (rc != 0)
            fprintf(stderr, "bench_board: the board: %s\n", err.text);
        _exit(rc == 0 ? 0 : 1);
    }
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int up = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0)
            close(fd);
        if (up)
            return pid;
        usleep(50000);
    }
    die("the board did not listen within 10 s");
    return -1;
}

/* CPU seconds (user and system) a child used, from its rusage. */
static double cpu_seconds(const struct rusage *u)
{
    return (double)(u->ru_utime.tv_sec + u->ru_stime.tv_sec) +
           (u->ru_utime.tv_usec + u->ru_stime.tv_usec) / 1e6;
}

/* Stops pid with SIGTERM (it must exit 0); returns the CPU seconds it used. */
static double stop(pid_t pid, const char *what)
{
    int status;
    struct rusage u;
    kill(pid, SIGTERM);
    if (wait4(pid, &status, 0, &u) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_board: %s failed\n", what);
        exit(1);
    }
    return cpu_seconds(&u);
}

/* ---- a run ---- */

typedef struct figures {
    double p50, p99;               /* the probes' vote latency, submit returned to commit NOTIFY, ms */
    double applied_rate;           /* votes applied a second, in all */
    double ev_p50, ev_p99, ev_max; /* commit NOTIFY to the event at a client, every (probe, client) pair */
    long long missing;             /* pairs whose event never came */
} figures;

/* A fresh database: the council's crises (probes first, then the background's), the clients' role. */
static char *prepare(const char *admin, const char *text, int crises)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, DBNAME, text, NULL);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_council_seed(conn, crises);
    json_t *seats = json_pack("[ssssss]", "council/AM", "council/BY", "council/KZ", "council/KG",
                              "council/RU", "council/TJ");
    json_t *observes = json_array();
    int created;
    bench_must(tc_store_actor_add(conn, ROLE, seats, observes, 1, &created, &err), &err);
    json_decref(seats);
    json_decref(observes);
    bench_must(tc_db_command(conn,
                             "ALTER ROLE " ROLE " PASSWORD '" PASSWORD "';"
                             "GRANT tocsin_password_login TO " ROLE,
                             "role", &err),
               &err);
    tc_db_close(conn);
    bench_apply_triggers(db);
    return db;
}

static void run_once(const char *admin, const char *text, double seconds, double rate, int clients, int board,
                     figures *f)
{
    memset(f, 0, sizeof *f);
    int probes = (int)(PROBES_PER_SECOND * seconds);
    int share = bench_load_crises(rate, seconds);
    char *db = prepare(admin, text, probes + BENCH_LOADERS * share);

    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    bench_must(tc_store_listen(conn, "tocsin_applied", &err), &err);
    double mono0 = bench_now();
    pid_t engine = bench_spawn_engine(db, "bench-board", 0);
    pid_t server = -1, readers = -1;
    clients_shared *mem = NULL;
    size_t size = 0;
    if (board) {
        int port = free_port();
        server = board_start(db, port);
        readers = clients_start(port, clients, probes, &mem, &size);
    }
    bench_sleep_until(mono0 + 0.5); /* the engine connects and listens */

    double start = bench_now();
    pid_t load[BENCH_LOADERS];
    bench_load_start(db, probes + 1, share, rate, seconds, load);
    double *lat = calloc((size_t)probes, sizeof *lat);
    double *committed = calloc((size_t)probes, sizeof *committed);
    for (int j = 0; j < probes; j++) {
        bench_sleep_until(start + (double)j / PROBES_PER_SECOND);
        int64_t crisis = 1 + j;
        bench_vote(conn, crisis, j % 6);
        double returned = bench_now();
        lat[j] = (bench_wait_applied(conn, crisis) - returned) * 1e3;
        committed[j] = bench_wall_ms();
    }
    bench_load_wait(load);
    double elapsed = bench_now() - start;

    if (board) {
        /* Until every client has every probe's event, or SETTLE_MS after the last commit. */
        size_t stride = (size_t)probes + 1;
        long long pairs = (long long)probes * clients, arrived = 0;
        while (bench_wall_ms() < committed[probes - 1] + SETTLE_MS) {
            arrived = 0;
            for (int c = 0; c < clients; c++)
                for (int j = 0; j < probes; j++)
                    arrived += mem->at[(size_t)c * stride + 1 + (size_t)j] != 0;
            if (arrived == pairs)
                break;
            usleep(20000);
        }
        kill(readers, SIGKILL);
        struct rusage u;
        wait4(readers, NULL, 0, &u);
        double readers_cpu = cpu_seconds(&u), board_cpu = stop(server, "the board");
        double *late = calloc((size_t)pairs, sizeof *late);
        long long n = 0;
        for (int c = 0; c < clients; c++)
            for (int j = 0; j < probes; j++) {
                double at = mem->at[(size_t)c * stride + 1 + (size_t)j];
                if (at != 0)
                    late[n++] = at - committed[j];
            }
        f->missing = pairs - n;
        if (n == 0)
            die("no event reached any client");
        bench_sort(late, (int)n);
        f->ev_p50 = late[n / 2];
        f->ev_p99 = late[(long long)(n * 0.99)];
        f->ev_max = late[n - 1];
        fprintf(
            stderr,
            "bench_board: %d clients: commit to event p50 %.1f ms, p99 %.1f, max %.1f; %lld of %lld missing;"
            " %lld events read in all, %d streams dropped; CPU in %.1f s: the board %.2f s, the clients %.2f "
            "s\n",
            clients, f->ev_p50, f->ev_p99, f->ev_max, f->missing, pairs, mem->events, mem->dropped,
            bench_now() - start, board_cpu, readers_cpu);
        free(late);
        munmap(mem, size);
    }
    double engine_cpu = stop(engine, "the engine");
    PGresult *res =
        tc_db_query(conn, "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'", 0, NULL, "count", &err);
    bench_must(res == NULL, &err);
    f->applied_rate = atof(PQgetvalue(res, 0, 0)) / elapsed;
    PQclear(res);
    tc_db_close(conn);
    free(db);
    bench_sort(lat, probes);
    f->p50 = lat[probes / 2];
    f->p99 = lat[(int)(probes * 0.99)];
    fprintf(stderr,
            "bench_board: %s: vote latency p50 %.2f ms, p99 %.2f; %.0f votes/s applied; engine CPU %.2f s\n",
            board ? "with the board" : "without the board", f->p50, f->p99, f->applied_rate, engine_cpu);
    free(lat);
    free(committed);
}

/* Sorts the field at offset of each run's figures into out; returns out. */
static double *field(const figures *f, int runs, size_t offset, double *out)
{
    for (int r = 0; r < runs; r++)
        out[r] = *(const double *)((const char *)&f[r] + offset);
    bench_sort(out, runs);
    return out;
}

#define FIELD(f, runs, name, out) field(f, runs, offsetof(figures, name), out)

static void row(const char *what, const char *format, const double *v, int runs, const char *how)
{
    char median[32], low[32], high[32];
    snprintf(median, sizeof median, format, v[runs / 2]);
    snprintf(low, sizeof low, format, v[0]);
    snprintf(high, sizeof high, format, v[runs - 1]);
    printf("| %s | %s ms | %s–%s ms | %s |\n", what, median, low, high, how);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: bench_board ADMIN_CONNINFO PLAYBOOK.json [SECONDS] [RATE] [RUNS] [CLIENTS]\n");
        return 2;
    }
    bench_name = "bench_board";
    const char *admin = argv[1];
    double seconds = argc > 3 ? atof(argv[3]) : 10;
    double rate = argc > 4 ? atof(argv[4]) : 500;
    int runs = argc > 5 ? atoi(argv[5]) : 3;
    int clients = argc > 6 ? atoi(argv[6]) : 200;
    if (seconds < 1 || seconds > 600 || rate <= 0 || runs < 1 || runs > MAX_RUNS || clients < 1 ||
        clients > MAX_CLIENTS) {
        fprintf(stderr, "bench_board: SECONDS 1 to 600, RATE positive, RUNS 1 to %d, CLIENTS 1 to %d\n",
                MAX_RUNS, MAX_CLIENTS);
        return 2;
    }
    char *text = bench_read_file(argv[2]);
    signal(SIGPIPE, SIG_IGN);

    figures without[MAX_RUNS], with[MAX_RUNS];
    long long missing = 0;
    for (int r = 0; r < runs; r++) { /* alternating which of the pair goes first */
        run_once(admin, text, seconds, rate, clients, r % 2, r % 2 ? &with[r] : &without[r]);
        run_once(admin, text, seconds, rate, clients, !(r % 2), r % 2 ? &without[r] : &with[r]);
        missing += with[r].missing;
    }
    int probes = (int)(PROBES_PER_SECOND * seconds);
    double v[MAX_RUNS];
    char what[512], how[128];
    const char *plural = clients == 1 ? "" : "s";
    snprintf(how, sizeof how, "%d runs × %d probes × %d client%s", runs, probes, clients, plural);
    snprintf(what, sizeof what,
             "board: vote committed (engine's NOTIFY) to its event at the clients, p50 (%d SSE client%s on "
             "loopback, one role; scenario 2, background %.0f votes/s)",
             clients, plural, rate);
    row(what, "%.1f", FIELD(with, runs, ev_p50, v), runs, how);
    row("board: the same, p99 (same runs)", "%.1f", FIELD(with, runs, ev_p99, v), runs, how);
    row("board: the same, the slowest (same runs)", "%.1f", FIELD(with, runs, ev_max, v), runs, how);
    if (missing > 0)
        printf("| board: events that never arrived (within %d s of the last commit) | %lld | | %s |\n",
               SETTLE_MS / 1000, missing, how);
    snprintf(how, sizeof how, "%d pairs × %d probes", runs, probes);
    snprintf(what, sizeof what,
             "engine latency beside the board, submit returned to vote committed, p50, without the board "
             "(%.0f/s applied in all)",
             FIELD(without, runs, applied_rate, v)[runs / 2]);
    row(what, "%.2f", FIELD(without, runs, p50, v), runs, how);
    snprintf(what, sizeof what,
             "the same, p50, with the board and its %d client%s (the other run of each pair; %.0f/s applied)",
             clients, plural, FIELD(with, runs, applied_rate, v)[runs / 2]);
    row(what, "%.2f", FIELD(with, runs, p50, v), runs, how);
    row("the same, p99, without the board", "%.2f", FIELD(without, runs, p99, v), runs, how);
    row("the same, p99, with the board", "%.2f", FIELD(with, runs, p99, v), runs, how);
    bench_drop_database(admin, DBNAME);
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    if (tc_db_connect(admin, NULL, &conn, &err) == 0)
        tc_db_command(conn, "DROP ROLE IF EXISTS " ROLE, "drop role", NULL);
    tc_db_close(conn);
    free(text);
    return 0;
}
