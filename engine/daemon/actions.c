/*
 * Action programs as child processes. Each run owns a uv_process_t and three
 * pipes, and is freed in the last close callback (libuv's rule: memory
 * holding a handle is freed only after uv_close has called back).
 *
 * A program runs in a process group of its own (UV_PROCESS_DETACHED: libuv
 * calls setsid() in the child, so the group's id is the program's pid), and
 * is judged by its exit, not by its pipes: a program that starts `sleep 60 &`
 * and exits has a child holding its stdout open, and waiting for that pipe
 * to close ran the attempt into its timeout (then again as a retry) while
 * the child outlived it. So when the program exits, the engine kills its
 * group (whatever it left behind), reads what the pipes already hold,
 * without waiting, and closes them. A timeout, a kill and the end of the
 * shutdown's grace kill the whole group too. A descendant that leaves the
 * group on purpose (setsid, setpgid) escapes this; no pipe of ours waits for
 * it.
 *
 * The group's id stays valid while any member lives, after the program
 * itself has been reaped; it is killed only at once when the program's exit
 * is seen (a pid is reused only after the whole pid space has been cycled
 * through, never within that turn of the loop) or while the program runs.
 *
 * libuv's return codes, as in daemon/engine.c: uv_spawn, uv_write,
 * uv_read_start and uv_fileno can fail and are checked (a program that
 * cannot start ends as a failed attempt; a pipe that cannot be written or
 * read is closed, and the program is judged by its exit as ever). The
 * others are cast to (void): uv_pipe_init, uv_timer_init and uv_timer_stop
 * always return 0, and uv_timer_start fails only without a callback or on a
 * closing handle, and the deadline is started once, just initialised.
 */
#include "daemon/actions.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/alloc.h"
#include "core/base/text.h"
#include "daemon/log.h"

#define STDOUT_MAX (64 * 1024)
#define TAIL_MAX   4096

typedef struct run run;

/* A notification waiting for a notify program to end: its JSON text. */
typedef struct notice {
    struct notice *next;
    char *text;
} notice;

struct tc_actions {
    uv_loop_t *loop;
    char *dir;
    tc_action_done done;
    void *arg;
    run *runs; /* a list of what runs */
    size_t running;
    tc_notify_limits notify;
    size_t notifying;       /* notify programs running */
    notice *waiting, *last; /* notifications for the notify program, oldest first */
    size_t waiting_count;
    int stopped; /* kill_all was called: start no more notify programs */
};

struct run {
    tc_actions *owner;
    run *next;
    int is_notify;
    uv_process_t process;
    uv_pipe_t in, out, err;
    uv_timer_t deadline; /* kills the attempt at its timeout, even when the database is slow to say so */
    int has_deadline;
    int open_handles;
    char *input;
    uv_write_t write;
    char *stdout_buf;
    size_t stdout_len;
    int stdout_cut;
    char tail[TAIL_MAX];
    size_t tail_len;
    int spawned, exited, killed;
    int pid; /* the program's, and its process group's id; 0 until spawned */
    int64_t exit_status;
    uint64_t started;
    tc_action_result result;
    char *key;
};

tc_actions *tc_actions_new(uv_loop_t *loop, const char *dir, const tc_notify_limits *limits,
                           tc_action_done done, void *arg)
{
    tc_actions *a = tc_xcalloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->loop = loop;
    a->dir = dir ? tc_xstrdup(dir) : NULL;
    a->done = done;
    a->arg = arg;
    a->notify = *limits;
    if (a->notify.running < 1)
        a->notify.running = 1;
    return a;
}

/* Takes the oldest waiting notification's text (owned by the caller), or NULL. */
static char *next_notice(tc_actions *a)
{
    notice *n = a->waiting;
    if (n == NULL)
        return NULL;
    a->waiting = n->next;
    if (a->waiting == NULL)
        a->last = NULL;
    a->waiting_count--;
    char *text = n->text;
    free(n);
    return text;
}

/* Drops every waiting notification, logging each (its text is all that is left of it). */
static void drop_waiting(tc_actions *a, const char *why)
{
    char *text;
    while ((text = next_notice(a)) != NULL) {
        tc_log(TC_LOG_ERROR, "notification dropped", "reason", why, "notice", text, NULL);
        free(text);
    }
}

void tc_actions_free(tc_actions *a)
{
    if (a == NULL)
        return;
    drop_waiting(a, "the engine stopped");
    free(a->dir);
    free(a);
}

size_t tc_actions_running(const tc_actions *a)
{
    return a->running;
}

static tc_ms epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (tc_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unlink_run(run *r)
{
    run **p = &r->owner->runs;
    while (*p && *p != r)
        p = &(*p)->next;
    if (*p)
        *p = r->next;
}

static void start_notify(tc_actions *a, char *text);

static void finish(run *r)
{
    tc_actions *a = r->owner;
    int is_notify = r->is_notify;
    a->running--;
    unlink_run(r);
    if (is_notify) {
        a->notifying--;
        if (r->exit_status != 0 && !r->killed)
            tc_log(TC_LOG_WARN, "notify program failed", "exit", "non-zero", NULL);
        tc_action_result_clear(&r->result);
    } else {
        uv_update_time(a->loop);
        tc_ms duration = (tc_ms)(uv_now(a->loop) - r->started);
        r->result.at = epoch_ms();
        r->result.ok = r->exited && r->exit_status == 0 && !r->killed;
        json_t *detail = json_object();
        json_object_set_new(detail, "exit_status", json_integer(r->exit_status));
        json_object_set_new(detail, "duration_ms", json_integer(duration));
        /* Bytes, not text: NUL and what is not UTF-8 (the cut at the tail's start included) become U+FFFD,
         * or the database would refuse the write, and with it the batch. */
        size_t tail_len = 0;
        char *tail = tc_text_sanitize(r->tail, r->tail_len, &tail_len);
        json_object_set_new(detail, "output_tail", tail ? json_stringn(tail, tail_len) : json_string(""));
        free(tail);
        if (r->killed)
            json_object_set_new(detail, "reason", json_string("killed"));
        if (r->result.ok && r->stdout_len > 0 && !r->stdout_cut) {
            /* jansson refuses what is not UTF-8 and, without JSON_ALLOW_NUL, the escape \u0000 (in keys
             * too): an object it accepts is one the database accepts. */
            json_t *data = json_loadb(r->stdout_buf, r->stdout_len, 0, NULL);
            if (json_is_object(data))
                r->result.data = data;
            else
                json_decref(data);
        }
        r->result.detail = detail;
        tc_log(r->result.ok ? TC_LOG_INFO : TC_LOG_WARN, r->result.ok ? "action ended" : "action failed",
               "key", r->key, NULL);
        a->done(&r->result, a->arg);
    }
    free(r->input);
    free(r->stdout_buf);
    free(r->key);
    free(r);
    if (!is_notify)
        return;
    /* A notify program is free: the oldest notification that waits for one goes to it. */
    if (!a->stopped && a->notifying < (size_t)a->notify.running && a->waiting != NULL)
        start_notify(a, next_notice(a));
    a->done(NULL, a->arg);
}

static void on_close(uv_handle_t *h)
{
    run *r = h->data;
    if (--r->open_handles == 0)
        finish(r);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_close);
}

/*
 * Kills the run's process group: the program and everything it started that
 * stayed in its group. Before the child has called setsid() the group does
 * not exist yet; the program alone is killed then (it has started nothing).
 */
static void kill_group(run *r)
{
    if (r->pid <= 0)
        return;
    if (kill(-r->pid, SIGKILL) != 0 && errno == ESRCH && !r->exited)
        kill(r->pid, SIGKILL);
}

static void on_deadline(uv_timer_t *t)
{
    run *r = t->data;
    if (!r->exited) {
        r->killed = 1;
        kill_group(r);
        if (r->is_notify)
            tc_log(TC_LOG_WARN, "notify program timed out", NULL);
        else
            tc_log(TC_LOG_INFO, "action timed out", "key", r->key ? r->key : "", NULL);
    }
}

static void keep_tail(run *r, const char *data, size_t n);

/* Keeps n bytes that the program wrote on stdout (is_stdout) or stderr. */
static void take_output(run *r, int is_stdout, const char *data, size_t n)
{
    if (is_stdout) {
        size_t room = STDOUT_MAX - r->stdout_len;
        size_t take = n < room ? n : room;
        if (n > room)
            r->stdout_cut = 1;
        char *bigger = take ? tc_xrealloc(r->stdout_buf, r->stdout_len + take) : r->stdout_buf;
        if (bigger != NULL) {
            r->stdout_buf = bigger;
            memcpy(r->stdout_buf + r->stdout_len, data, take);
            r->stdout_len += take;
        }
    }
    keep_tail(r, data, n);
}

/*
 * Reads what a pipe already holds, without waiting: the program has exited
 * and its group is killed, so that is all it said. Bounded, in case a member
 * of the group is still writing while SIGKILL reaches it.
 */
static void drain(run *r, uv_pipe_t *p)
{
    uv_os_fd_t fd;
    if (uv_is_closing((uv_handle_t *)p) || uv_fileno((uv_handle_t *)p, &fd) != 0)
        return;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return;
    char buf[4096];
    for (size_t total = 0; total < STDOUT_MAX + TAIL_MAX;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        take_output(r, p == &r->out, buf, (size_t)n);
        total += (size_t)n;
    }
}

/*
 * The program has exited: that is its result. Whatever it left running in
 * its group is killed, what its pipes hold is read, and they are closed
 * without waiting for a descendant that still holds them.
 */
static void on_exit_cb(uv_process_t *p, int64_t status, int signal)
{
    run *r = p->data;
    if (r->has_deadline) {
        (void)uv_timer_stop(&r->deadline);
        close_handle((uv_handle_t *)&r->deadline);
    }
    r->exited = 1;
    r->exit_status = signal ? 128 + signal : status;
    if (signal)
        r->killed = 1;
    kill_group(r);
    drain(r, &r->out);
    drain(r, &r->err);
    close_handle((uv_handle_t *)&r->in);
    close_handle((uv_handle_t *)&r->out);
    close_handle((uv_handle_t *)&r->err);
    close_handle((uv_handle_t *)p);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = tc_xmalloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static void keep_tail(run *r, const char *data, size_t n)
{
    if (n >= TAIL_MAX) {
        memcpy(r->tail, data + n - TAIL_MAX, TAIL_MAX);
        r->tail_len = TAIL_MAX;
        return;
    }
    if (r->tail_len + n > TAIL_MAX) {
        size_t drop = r->tail_len + n - TAIL_MAX;
        memmove(r->tail, r->tail + drop, r->tail_len - drop);
        r->tail_len -= drop;
    }
    memcpy(r->tail + r->tail_len, data, n);
    r->tail_len += n;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    run *r = s->data;
    if (n > 0) {
        take_output(r, (uv_pipe_t *)s == &r->out, buf->base, (size_t)n);
    } else if (n < 0) {
        close_handle((uv_handle_t *)s);
    }
    free(buf->base);
}

static void on_written(uv_write_t *w, int status)
{
    run *r = w->data;
    (void)status;
    close_handle((uv_handle_t *)&r->in);
}

/*
 * Reads what the program writes on pipe p. When libuv cannot, the pipe is
 * closed: the program's writes there fail, and it is judged by its exit.
 */
static void read_from(uv_pipe_t *p, const char *program, const char *name)
{
    int rc = uv_read_start((uv_stream_t *)p, on_alloc, on_read);
    if (rc != 0) {
        tc_log(TC_LOG_WARN, "cannot read a program's output", "program", program, "stream", name, "reason",
               uv_strerror(rc), NULL);
        close_handle((uv_handle_t *)p);
    }
}

/* Ends a run that could not start, as a failure reported on the next loop turn. */
static void start_failed(tc_actions *a, run *r, const char *why)
{
    keep_tail(r, why, strlen(why));
    r->exit_status = 127;
    r->exited = 1;
    /* Closing every handle delivers the result through finish(), on a later turn of the loop. */
    close_handle((uv_handle_t *)&r->process);
    close_handle((uv_handle_t *)&r->in);
    close_handle((uv_handle_t *)&r->out);
    close_handle((uv_handle_t *)&r->err);
    (void)a;
}

/*
 * Starts argv[0] with input on stdin, in a process group of its own, killed
 * (with its group) after timeout_ms when that is not 0. A program that
 * cannot start ends as a failure on a later turn of the loop.
 */
static run *spawn(tc_actions *a, char **argv, char **env, const char *input, int is_notify,
                  uint64_t timeout_ms)
{
    run *r = tc_xcalloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->owner = a;
    r->is_notify = is_notify;
    r->started = uv_now(a->loop);
    r->next = a->runs;
    a->runs = r;
    a->running++;
    (void)uv_pipe_init(a->loop, &r->in, 0);
    (void)uv_pipe_init(a->loop, &r->out, 0);
    (void)uv_pipe_init(a->loop, &r->err, 0);
    r->in.data = r->out.data = r->err.data = r->process.data = r;
    r->open_handles = 3;

    uv_stdio_container_t stdio[3] = {
        {UV_CREATE_PIPE | UV_READABLE_PIPE, {.stream = (uv_stream_t *)&r->in}},
        {UV_CREATE_PIPE | UV_WRITABLE_PIPE, {.stream = (uv_stream_t *)&r->out}},
        {UV_CREATE_PIPE | UV_WRITABLE_PIPE, {.stream = (uv_stream_t *)&r->err}},
    };
    uv_process_options_t options = {0};
    options.exit_cb = on_exit_cb;
    options.file = argv[0];
    options.args = argv;
    options.env = env;
    options.stdio_count = 3;
    options.stdio = stdio;
    options.flags = UV_PROCESS_WINDOWS_HIDE | UV_PROCESS_DETACHED; /* setsid(): a process group of its own */
    int rc = uv_spawn(a->loop, &r->process, &options);
    r->open_handles++; /* the process handle: to be closed even when uv_spawn fails (libuv's rule) */
    if (rc != 0) {
        char why[256];
        snprintf(why, sizeof why, "cannot start %s: %s", argv[0], uv_strerror(rc));
        tc_log(TC_LOG_WARN, "cannot start program", "program", argv[0], "reason", uv_strerror(rc), NULL);
        start_failed(a, r, why);
        return r;
    }
    r->spawned = 1;
    r->pid = r->process.pid;
    if (timeout_ms > 0) {
        (void)uv_timer_init(a->loop, &r->deadline);
        r->deadline.data = r;
        r->has_deadline = 1;
        r->open_handles++;
        (void)uv_timer_start(&r->deadline, on_deadline, timeout_ms, 0);
    }
    r->input = tc_xstrdup(input ? input : "");
    uv_buf_t buf = uv_buf_init(r->input, (unsigned)strlen(r->input));
    r->write.data = r;
    if ((rc = uv_write(&r->write, (uv_stream_t *)&r->in, &buf, 1, on_written)) != 0) {
        tc_log(TC_LOG_WARN, "cannot write a program's input", "program", argv[0], "reason", uv_strerror(rc),
               NULL);
        close_handle((uv_handle_t *)&r->in);
    }
    read_from(&r->out, argv[0], "stdout");
    read_from(&r->err, argv[0], "stderr");
    return r;
}

/* dir/name when name is a bare name that exists there; NULL otherwise. */
static char *program_path(const tc_actions *a, const char *name)
{
    if (a->dir == NULL || name == NULL || name[0] == '\0' || strchr(name, '/') || strstr(name, ".."))
        return NULL;
    size_t size = strlen(a->dir) + strlen(name) + 2;
    char *path = tc_xmalloc(size);
    if (path != NULL)
        snprintf(path, size, "%s/%s", a->dir, name);
    return path;
}

void tc_actions_start(tc_actions *a, json_t *start)
{
    json_t *request = json_object_get(start, "request");
    json_t *argv_json = json_object_get(request, "argv");
    const char *state = json_string_value(json_object_get(start, "state"));
    const char *key = json_string_value(json_object_get(start, "key"));
    json_int_t crisis = json_integer_value(json_object_get(start, "crisis"));
    json_int_t attempt = json_integer_value(json_object_get(request, "attempt"));
    json_t *document = json_object_get(start, "document");

    size_t argc = json_array_size(argv_json);
    char **argv = tc_xcalloc(argc + 1, sizeof *argv);
    char *path = program_path(a, json_string_value(json_array_get(argv_json, 0)));
    char env_store[6][512];
    char *env[10];
    int e = 0;
    snprintf(env_store[0], sizeof env_store[0], "TOCSIN_CRISIS=%lld", (long long)crisis);
    snprintf(env_store[1], sizeof env_store[1], "TOCSIN_STATE=%s", state ? state : "");
    snprintf(env_store[2], sizeof env_store[2], "TOCSIN_ATTEMPT=%lld", (long long)attempt);
    snprintf(env_store[3], sizeof env_store[3], "TOCSIN_ACTION_KEY=%s", key ? key : "");
    snprintf(env_store[4], sizeof env_store[4], "TOCSIN_MODE=%s",
             json_string_value(json_object_get(document, "mode"))
                 ? json_string_value(json_object_get(document, "mode"))
                 : "actual");
    snprintf(env_store[5], sizeof env_store[5], "PATH=/usr/local/bin:/usr/bin:/bin");
    for (int i = 0; i < 6; i++)
        env[e++] = env_store[i];
    static char home[512], lang[128];
    snprintf(home, sizeof home, "HOME=%s", getenv("HOME") ? getenv("HOME") : "/");
    snprintf(lang, sizeof lang, "LANG=%s", getenv("LANG") ? getenv("LANG") : "C.UTF-8");
    env[e++] = home;
    env[e++] = lang;
    env[e] = NULL;

    json_t *input = json_pack("{s:O, s:s?, s:I, s:s?}", "crisis", document ? document : json_null(), "state",
                              state, "attempt", attempt, "key", key);
    char *text = input ? json_dumps(input, JSON_COMPACT) : NULL;
    json_decref(input);

    if (argv == NULL || path == NULL) {
        /* Not a program of the directory: the attempt fails like a missing program. */
        run *r = spawn(a, (char *[]){(char *)"/nonexistent/tocsin-action", NULL}, env, "", 0, 0);
        if (r != NULL) {
            r->key = key ? tc_xstrdup(key) : NULL;
            r->result.crisis = crisis;
            r->result.state = state ? tc_xstrdup(state) : NULL;
            r->result.attempt = (int)attempt;
        }
    } else {
        argv[0] = path;
        for (size_t i = 1; i < argc; i++)
            argv[i] = (char *)json_string_value(json_array_get(argv_json, i));
        tc_log(TC_LOG_INFO, "action starting", "key", key, "program", path, NULL);
        json_int_t timeout = json_integer_value(json_object_get(request, "timeout_ms"));
        run *r = spawn(a, argv, env, text, 0, timeout > 0 ? (uint64_t)timeout : 0);
        if (r != NULL) {
            r->key = key ? tc_xstrdup(key) : NULL;
            r->result.crisis = crisis;
            r->result.state = state ? tc_xstrdup(state) : NULL;
            r->result.attempt = (int)attempt;
        }
    }
    free(text);
    free(path);
    free(argv);
}

void tc_actions_kill(tc_actions *a, const char *key)
{
    for (run *r = a->runs; r; r = r->next)
        if (!r->is_notify && r->key && strcmp(r->key, key) == 0 && !r->exited) {
            r->killed = 1;
            kill_group(r);
            tc_log(TC_LOG_INFO, "action killed", "key", key, NULL);
        }
}

void tc_actions_kill_all(tc_actions *a)
{
    a->stopped = 1;
    drop_waiting(a, "the engine is stopping");
    for (run *r = a->runs; r; r = r->next)
        if (r->spawned && !r->exited) {
            r->killed = 1;
            kill_group(r);
        }
}

/* Runs the notify program with text on stdin (taken), killed with its group at the timeout. */
static void start_notify(tc_actions *a, char *text)
{
    char *path = program_path(a, "notify");
    char *env[] = {(char *)"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
    run *r = path ? spawn(a, (char *[]){path, NULL}, env, text, 1, a->notify.timeout_ms) : NULL;
    if (r != NULL)
        a->notifying++;
    else
        tc_log(TC_LOG_ERROR, "out of memory: a notification is lost", "notice", text, NULL);
    free(path);
    free(text);
}

void tc_actions_notify(tc_actions *a, json_t *notification)
{
    char *text = json_dumps(notification, JSON_COMPACT);
    char *path = program_path(a, "notify");
    struct stat st;
    int program = path != NULL && stat(path, &st) == 0 && (st.st_mode & S_IXUSR);
    free(path);
    if (text == NULL) {
        tc_log(TC_LOG_ERROR, "out of memory: a notification is lost", NULL);
        return;
    }
    if (!program) {
        tc_log(TC_LOG_INFO, "notification", "notice", text, NULL);
        free(text);
        return;
    }
    if (a->notifying < (size_t)a->notify.running && !a->stopped) {
        start_notify(a, text);
        return;
    }
    const char *why = a->stopped                              ? "the engine is stopping"
                      : a->waiting_count >= a->notify.waiting ? "too many wait for the notify program"
                                                              : NULL;
    notice *n = why == NULL ? tc_xmalloc(sizeof *n) : NULL;
    if (n == NULL) {
        char waiting[24];
        snprintf(waiting, sizeof waiting, "%zu", a->waiting_count);
        tc_log(TC_LOG_ERROR, "notification dropped", "reason", why ? why : "out of memory", "waiting",
               waiting, "notice", text, NULL);
        free(text);
        return;
    }
    *n = (notice){NULL, text};
    if (a->last != NULL)
        a->last->next = n;
    else
        a->waiting = n;
    a->last = n;
    a->waiting_count++;
}
