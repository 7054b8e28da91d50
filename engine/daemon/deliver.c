/*
 * libcurl's multi interface on the engine's libuv loop (the pattern of
 * libcurl's docs/examples/multi-uv.c). libcurl does the protocols and never
 * blocks: it says which sockets to watch for what (CURLMOPT_SOCKETFUNCTION,
 * one uv_poll_t per socket here) and when to call it back at the latest
 * (CURLMOPT_TIMERFUNCTION, one uv_timer_t); the loop tells it what happened
 * (curl_multi_socket_action), and finished transfers are collected with
 * curl_multi_info_read after each call. Name resolution runs in libcurl's
 * own resolver thread (Debian's libcurl is built with the threaded
 * resolver), so a slow DNS does not block the loop either.
 *
 * Every transfer has a connect timeout and a total timeout, and a receiver
 * that accepts the connection and never answers ends at the latter.
 * Connections are kept and reused by the multi handle, so a burst of
 * webhooks to one receiver does not open a connection each.
 *
 * Webhooks follow no redirect: the URL is what an administrator configured
 * for a seat, and following would send a crisis's details wherever the
 * receiver points (a plain-http host, another organisation), the request
 * turned into a GET by a 302 besides. A 3xx is reported as a failure
 * ("HTTP 301"), which tells the administrator to fix the contact. The
 * protocols are restricted per transfer (http and https for webhooks, smtp
 * and smtps for e-mail), so a contact's URL cannot make libcurl read a file
 * or speak another protocol.
 *
 * Memory holding a handle is freed in its close callback only (libuv's
 * rule): a socket's uv_poll_t when libcurl says it is done with the socket
 * (CURL_POLL_REMOVE, before it closes it: libuv must stop polling a
 * descriptor before it is closed), and the deliverer itself when its timers
 * and every socket's handle have closed.
 *
 * libuv's return codes: uv_poll_init_socket and uv_poll_start can fail and
 * are checked (the transfer on that socket then fails with the reason);
 * uv_timer_init and uv_timer_stop always return 0, and uv_timer_start fails
 * only without a callback or on a closing handle (the timers are started
 * only while the deliverer is open), so those are cast to (void). libcurl's
 * are checked: a transfer whose options cannot be set, or that the multi
 * handle refuses, fails with the reason.
 */
#include "daemon/deliver.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/version.h"
#include "core/notify/message.h"
#include "core/notify/mime.h"
#include "daemon/log.h"

#define REPLY_MAX 200 /* of an SMTP server's refusal, kept for the error */

typedef struct transfer transfer;
typedef struct sock sock;

struct tc_deliverer {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer; /* libcurl's timeout */
    uv_timer_t later; /* ends the transfers that failed before libcurl had them, on a later turn */
    char *smtp_url, *mail_from, *user_agent;
    long connect_timeout_ms, timeout_ms;
    int max_in_flight;
    int in_flight;            /* transfers in the multi handle */
    transfer *running;        /* a list of those */
    transfer *waiting, *last; /* waiting for a place, oldest first */
    transfer *failed;         /* failed before or outside libcurl: ended by `later` */
    sock *socks;              /* the sockets polled */
    int open_handles;         /* the two timers and the sockets' polls, until closed */
    int closing;
    void (*done)(void *);
    void *done_data;
};

struct transfer {
    tc_deliverer *owner;
    transfer *next, *prev;
    tc_channel channel;
    char *address, *id, *body;
    size_t length, sent;
    CURL *easy;
    struct curl_slist *headers; /* HTTP headers, or the one recipient */
    char *mail_from;            /* "<addr>" */
    char *fail;                 /* why it failed outside libcurl, if it did */
    char errbuf[CURL_ERROR_SIZE];
    char reply[REPLY_MAX]; /* the last refusal (4xx or 5xx) an SMTP server sent */
    tc_delivered_cb cb;
    void *data;
};

struct sock {
    tc_deliverer *owner;
    sock *next, *prev;
    uv_poll_t poll;
    curl_socket_t fd;
};

static void check_done(tc_deliverer *d);
static void start_waiting(tc_deliverer *d);

/* ---- lists ---- */

static void list_push(transfer **head, transfer *t)
{
    t->prev = NULL;
    t->next = *head;
    if (*head)
        (*head)->prev = t;
    *head = t;
}

static void list_remove(transfer **head, transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        *head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
}

/* ---- handles ---- */

static void finish_close(tc_deliverer *d)
{
    void (*done)(void *) = d->done;
    void *data = d->done_data;
    free(d->smtp_url);
    free(d->mail_from);
    free(d->user_agent);
    free(d);
    if (done)
        done(data);
}

static void on_handle_closed(uv_handle_t *h)
{
    tc_deliverer *d = h->data;
    if (--d->open_handles == 0 && d->closing)
        finish_close(d);
}

static void on_sock_closed(uv_handle_t *h)
{
    sock *k = h->data;
    tc_deliverer *d = k->owner;
    free(k);
    if (--d->open_handles == 0 && d->closing)
        finish_close(d);
}

static void sock_close(sock *k)
{
    tc_deliverer *d = k->owner;
    if (k->prev)
        k->prev->next = k->next;
    else
        d->socks = k->next;
    if (k->next)
        k->next->prev = k->prev;
    k->next = k->prev = NULL;
    k->poll.data = k;
    uv_close((uv_handle_t *)&k->poll, on_sock_closed); /* stops polling now; frees on a later turn */
}

/* ---- ending a transfer ---- */

static void transfer_free(transfer *t)
{
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->address);
    free(t->id);
    free(t->body);
    free(t->mail_from);
    free(t->fail);
    free(t);
}

/* Makes text one line: control characters become spaces, and a final one is dropped. */
static void one_line(char *text)
{
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        text[--n] = '\0';
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
}

/* "10 s", "1.5 s" */
static void seconds(char *out, size_t size, long ms)
{
    if (ms % 1000 == 0)
        snprintf(out, size, "%ld s", ms / 1000);
    else
        snprintf(out, size, "%g s", (double)ms / 1000.0);
}

/* What went wrong, as one lowercase line, into out; or "" when the delivery succeeded. */
static void describe(const transfer *t, CURLcode code, char *out, size_t size)
{
    const tc_deliverer *d = t->owner;
    long status = 0;
    (void)curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    char s[32];
    out[0] = '\0';
    switch (code) {
    case CURLE_OK:
        if (t->channel == TC_CHANNEL_WEBHOOK && (status < 200 || status > 299))
            snprintf(out, size, "HTTP %ld", status);
        return;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected = 0;
        (void)curl_easy_getinfo(t->easy, CURLINFO_CONNECT_TIME_T, &connected);
        if (connected == 0) {
            seconds(s, sizeof s, d->connect_timeout_ms);
            snprintf(out, size, "timed out connecting after %s", s);
        } else {
            seconds(s, sizeof s, d->timeout_ms);
            snprintf(out, size, "timed out after %s", s);
        }
        return;
    }
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        (void)curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED) {
            snprintf(out, size, "connection refused");
        } else if (os_errno != 0) {
            snprintf(out, size, "cannot connect: %s", strerror((int)os_errno));
            out[16] = (char)tolower((unsigned char)out[16]);
        } else {
            snprintf(out, size, "cannot connect");
        }
        return;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(out, size, "cannot resolve the host");
        return;
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(out, size, "the URL's protocol is not allowed (%s only)",
                 t->channel == TC_CHANNEL_WEBHOOK ? "http and https" : "smtp and smtps");
        return;
    default:
        break;
    }
    if (t->channel == TC_CHANNEL_EMAIL && t->reply[0] != '\0') {
        snprintf(out, size, "SMTP %s", t->reply);
    } else if (t->errbuf[0] != '\0') {
        snprintf(out, size, "%s", t->errbuf);
        out[0] = (char)tolower((unsigned char)out[0]);
    } else {
        snprintf(out, size, "%s", curl_easy_strerror(code));
        out[0] = (char)tolower((unsigned char)out[0]);
    }
    one_line(out);
}

static void end(transfer *t, tc_delivery_status status, const char *error)
{
    tc_delivered_cb cb = t->cb;
    void *data = t->data;
    /* The transfer is gone before its callback runs, which may send again or close the deliverer. */
    char *copy = error ? tc_xstrdup(error) : NULL;
    transfer_free(t);
    cb(status, copy, data);
    free(copy);
}

/* A transfer libcurl has finished: out of the multi handle, then its callback. */
static void finished(tc_deliverer *d, transfer *t, CURLcode code)
{
    char error[TC_ERROR_TEXT_LENGTH];
    if (t->fail)
        snprintf(error, sizeof error, "%s", t->fail);
    else
        describe(t, code, error, sizeof error);
    (void)curl_multi_remove_handle(d->multi, t->easy); /* fails only for a handle not in it */
    list_remove(&d->running, t);
    d->in_flight--;
    end(t, error[0] ? TC_DELIVERY_FAILED : TC_DELIVERY_SENT, error[0] ? error : NULL);
}

/* ---- libcurl's callbacks ---- */

static size_t on_body(char *ptr, size_t size, size_t n, void *userp)
{
    (void)ptr;
    (void)userp;
    return size * n; /* a receiver's answer is not read: its status says it all */
}

static size_t on_upload(char *buf, size_t size, size_t n, void *userp)
{
    transfer *t = userp;
    size_t room = size * n, left = t->length - t->sent;
    size_t take = left < room ? left : room;
    memcpy(buf, t->body + t->sent, take);
    t->sent += take;
    return take;
}

/* SMTP's replies arrive here (as FTP's do): the last refusal is the error worth showing. */
static size_t on_header(char *line, size_t size, size_t n, void *userp)
{
    transfer *t = userp;
    size_t len = size * n;
    if (t->channel == TC_CHANNEL_EMAIL && len >= 3 && (line[0] == '4' || line[0] == '5') &&
        isdigit((unsigned char)line[1]) && isdigit((unsigned char)line[2])) {
        size_t keep = len < sizeof t->reply - 1 ? len : sizeof t->reply - 1;
        memcpy(t->reply, line, keep);
        t->reply[keep] = '\0';
        one_line(t->reply);
        if (t->reply[3] == '-') /* a line of a multi-line reply: "550-..." reads as "550 ..." */
            t->reply[3] = ' ';
    }
    return len;
}

/* Marks the transfer of easy as failed for why (ended after the current libcurl call returns). */
static void fail_easy(CURL *easy, const char *what, int rc)
{
    transfer *t = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t) != CURLE_OK || t == NULL || t->fail)
        return;
    char text[200];
    snprintf(text, sizeof text, "%s: %s", what, uv_strerror(rc));
    t->fail = tc_xstrdup(text);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock *k = h->data;
    tc_deliverer *d = k->owner;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    (void)curl_multi_socket_action(d->multi, k->fd, flags, &running);
    check_done(d);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    tc_deliverer *d = userp;
    sock *k = socketp;
    if (d->closing)
        return 0; /* close() closes every poll itself */
    if (what == CURL_POLL_REMOVE) {
        if (k) {
            (void)curl_multi_assign(d->multi, fd, NULL);
            sock_close(k);
        }
        return 0;
    }
    if (k == NULL) {
        k = tc_xcalloc(1, sizeof *k);
        k->owner = d;
        k->fd = fd;
        int rc = uv_poll_init_socket(d->loop, &k->poll, fd);
        if (rc != 0) {
            free(k);
            fail_easy(easy, "cannot watch the connection", rc);
            return 0;
        }
        k->poll.data = k;
        d->open_handles++;
        k->next = d->socks;
        if (d->socks)
            d->socks->prev = k;
        d->socks = k;
        (void)curl_multi_assign(d->multi, fd, k);
    }
    int events = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    int rc = uv_poll_start(&k->poll, events, on_poll);
    if (rc != 0)
        fail_easy(easy, "cannot watch the connection", rc);
    return 0;
}

static void on_timeout(uv_timer_t *timer)
{
    tc_deliverer *d = timer->data;
    int running;
    (void)curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(d);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    tc_deliverer *d = userp;
    (void)multi;
    if (d->closing)
        return 0;
    if (timeout_ms < 0)
        (void)uv_timer_stop(&d->timer);
    else /* 0 runs it on the next turn: libcurl must not be called back from inside itself */
        (void)uv_timer_start(&d->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/*
 * Ends what libcurl has finished, and what failed beside it (a socket that
 * could not be polled); then starts what waits, in the room they left.
 */
static void check_done(tc_deliverer *d)
{
    CURLMsg *msg;
    int left;
    while (!d->closing && (msg = curl_multi_info_read(d->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        transfer *t = NULL;
        (void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        finished(d, t, msg->data.result);
    }
    for (transfer *t = d->running, *next; !d->closing && t; t = next) {
        next = t->next;
        if (t->fail) {
            finished(d, t, CURLE_OK);
            next = d->running; /* the callback may have changed the list: from the start again */
        }
    }
    if (!d->closing)
        start_waiting(d);
}

/* ---- starting ---- */

static void on_later(uv_timer_t *timer)
{
    tc_deliverer *d = timer->data;
    while (!d->closing && d->failed) {
        transfer *t = d->failed;
        list_remove(&d->failed, t);
        char *why = t->fail;
        t->fail = NULL;
        end(t, TC_DELIVERY_FAILED, why);
        free(why);
    }
}

/* Ends t as failed for why, on a later turn of the loop (never inside send). */
static void fail_later(tc_deliverer *d, transfer *t, const char *why)
{
    if (t->fail == NULL)
        t->fail = tc_xstrdup(why);
    if (t->easy) {
        curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
    list_push(&d->failed, t);
    (void)uv_timer_start(&d->later, on_later, 0, 0);
}

#define SET(option, value)                                                                                   \
    do {                                                                                                     \
        CURLcode c_ = curl_easy_setopt(e, option, value);                                                    \
        if (c_ != CURLE_OK && bad == CURLE_OK)                                                               \
            bad = c_;                                                                                        \
    } while (0)

static void start(tc_deliverer *d, transfer *t)
{
    CURL *e = t->easy = curl_easy_init();
    if (e == NULL) {
        fail_later(d, t, "cannot start a transfer: libcurl could not make a handle");
        return;
    }
    CURLcode bad = CURLE_OK;
    SET(CURLOPT_PRIVATE, t);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_CONNECTTIMEOUT_MS, d->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, d->timeout_ms);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    if (t->channel == TC_CHANNEL_WEBHOOK) {
        char key[80];
        snprintf(key, sizeof key, "Idempotency-Key: %s", t->id);
        t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
        t->headers = curl_slist_append(t->headers, key);
        t->headers = curl_slist_append(t->headers, "Expect:"); /* no 100-continue round trip */
        SET(CURLOPT_URL, t->address);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_USERAGENT, d->user_agent);
        SET(CURLOPT_HTTPHEADER, t->headers);
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, t->body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->length);
    } else {
        size_t size = strlen(t->address) + 3;
        char *rcpt = tc_xmalloc(size);
        snprintf(rcpt, size, "<%s>", t->address);
        t->headers = curl_slist_append(t->headers, rcpt);
        free(rcpt);
        size = strlen(d->mail_from) + 3;
        t->mail_from = tc_xmalloc(size);
        snprintf(t->mail_from, size, "<%s>", d->mail_from);
        SET(CURLOPT_URL, d->smtp_url);
        SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        SET(CURLOPT_MAIL_FROM, t->mail_from);
        SET(CURLOPT_MAIL_RCPT, t->headers);
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_upload);
        SET(CURLOPT_READDATA, t);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->length);
    }
    if (t->headers == NULL) {
        fail_later(d, t, "cannot start a transfer: out of memory");
        return;
    }
    if (bad != CURLE_OK) {
        char why[200];
        snprintf(why, sizeof why, "cannot set up the transfer: %s", curl_easy_strerror(bad));
        fail_later(d, t, why);
        return;
    }
    CURLMcode mc = curl_multi_add_handle(d->multi, e);
    if (mc != CURLM_OK) {
        char why[200];
        snprintf(why, sizeof why, "cannot start the transfer: %s", curl_multi_strerror(mc));
        fail_later(d, t, why);
        return;
    }
    list_push(&d->running, t);
    d->in_flight++;
}

static void start_waiting(tc_deliverer *d)
{
    while (!d->closing && d->waiting && d->in_flight < d->max_in_flight) {
        transfer *t = d->waiting;
        d->waiting = t->next;
        if (d->waiting == NULL)
            d->last = NULL;
        t->next = NULL;
        start(d, t);
    }
}

/* ---- the API ---- */

tc_deliverer *tc_deliverer_new(uv_loop_t *loop, const tc_deliver_options *opts, tc_error *err)
{
    if (opts->smtp_url && !tc_mime_address_ok(opts->mail_from)) {
        tc_error_set(err, TC_EINVAL, "mail-from %s is not an e-mail address",
                     opts->mail_from ? opts->mail_from : "(none)");
        return NULL;
    }
    CURLM *multi = curl_multi_init();
    if (multi == NULL) {
        tc_error_set(err, TC_EFAILED, "cannot start delivering: libcurl could not make a multi handle");
        return NULL;
    }
    tc_deliverer *d = tc_xcalloc(1, sizeof *d);
    d->loop = loop;
    d->multi = multi;
    d->smtp_url = opts->smtp_url ? tc_xstrdup(opts->smtp_url) : NULL;
    d->mail_from = opts->mail_from ? tc_xstrdup(opts->mail_from) : NULL;
    d->connect_timeout_ms =
        opts->connect_timeout_ms ? (long)opts->connect_timeout_ms : TC_DELIVER_CONNECT_TIMEOUT_MS;
    d->timeout_ms = opts->timeout_ms ? (long)opts->timeout_ms : TC_DELIVER_TIMEOUT_MS;
    d->max_in_flight = opts->max_in_flight > 0 ? opts->max_in_flight : TC_DELIVER_MAX_IN_FLIGHT;
    size_t size = strlen("tocsin/") + strlen(tc_version()) + 1;
    d->user_agent = tc_xmalloc(size);
    snprintf(d->user_agent, size, "tocsin/%s", tc_version());
    (void)uv_timer_init(loop, &d->timer);
    (void)uv_timer_init(loop, &d->later);
    d->timer.data = d->later.data = d;
    d->open_handles = 2;
    if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, d) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, d) != CURLM_OK) {
        tc_error_set(err, TC_EFAILED, "cannot start delivering: libcurl refused its loop's callbacks");
        tc_deliverer_close(d, NULL, NULL);
        return NULL;
    }
    return d;
}

/* Whether text is a non-empty line without control characters and spaces. */
static int address_ok(const char *text)
{
    if (text == NULL || *text == '\0')
        return 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

int tc_deliverer_send(tc_deliverer *d, const tc_delivery *delivery, tc_delivered_cb cb, void *data,
                      tc_error *err)
{
    if (d->closing)
        return tc_error_set(err, TC_EFAILED, "delivery %s: the deliverer is closing",
                            delivery->id ? delivery->id : "(none)");
    if (!tc_notify_id_ok(delivery->id))
        return tc_error_set(err, TC_EINVAL, "delivery id %s is not a uuid",
                            delivery->id ? delivery->id : "(none)");
    if (!address_ok(delivery->address) ||
        (delivery->channel == TC_CHANNEL_EMAIL && !tc_mime_address_ok(delivery->address)))
        return tc_error_set(err, TC_EINVAL, "address of delivery %s is not an %s", delivery->id,
                            delivery->channel == TC_CHANNEL_EMAIL ? "e-mail address" : "URL");
    transfer *t = tc_xcalloc(1, sizeof *t);
    t->owner = d;
    t->channel = delivery->channel;
    t->address = tc_xstrdup(delivery->address);
    t->id = tc_xstrdup(delivery->id);
    t->body = tc_xstrdup(delivery->body ? delivery->body : "");
    t->length = strlen(t->body);
    t->cb = cb;
    t->data = data;
    if (t->channel == TC_CHANNEL_EMAIL && d->smtp_url == NULL) {
        fail_later(d, t, "no SMTP server configured (--smtp)");
        return 0;
    }
    /* Behind those that wait, so that deliveries start in the order they were sent. */
    if (d->last)
        d->last->next = t;
    else
        d->waiting = t;
    d->last = t;
    start_waiting(d);
    return 0;
}

size_t tc_deliverer_pending(const tc_deliverer *d)
{
    size_t n = (size_t)d->in_flight;
    for (const transfer *t = d->waiting; t; t = t->next)
        n++;
    for (const transfer *t = d->failed; t; t = t->next)
        n++;
    return n;
}

void tc_deliverer_close(tc_deliverer *d, void (*done)(void *data), void *data)
{
    d->closing = 1;
    d->done = done;
    d->done_data = data;
    static const char aborted[] = "aborted: the deliverer is closing";
    while (d->running) {
        transfer *t = d->running;
        list_remove(&d->running, t);
        d->in_flight--;
        (void)curl_multi_remove_handle(d->multi, t->easy);
        end(t, TC_DELIVERY_ABORTED, aborted);
    }
    while (d->waiting) {
        transfer *t = d->waiting;
        d->waiting = t->next;
        end(t, TC_DELIVERY_ABORTED, aborted);
    }
    d->last = NULL;
    while (d->failed) {
        transfer *t = d->failed;
        list_remove(&d->failed, t);
        end(t, TC_DELIVERY_ABORTED, aborted);
    }
    /* Polling stops before libcurl closes the sockets of its connection cache (curl_multi_cleanup). */
    while (d->socks)
        sock_close(d->socks);
    (void)curl_multi_cleanup(d->multi);
    d->multi = NULL;
    (void)uv_timer_stop(&d->timer);
    (void)uv_timer_stop(&d->later);
    uv_close((uv_handle_t *)&d->timer, on_handle_closed);
    uv_close((uv_handle_t *)&d->later, on_handle_closed);
}

int tc_deliver_global_init(tc_error *err)
{
    CURLcode rc =
        curl_global_init_mem(CURL_GLOBAL_DEFAULT, tc_xmalloc, free, tc_xrealloc, tc_xstrdup, tc_xcalloc);
    if (rc != CURLE_OK)
        return tc_error_set(err, TC_EFAILED, "cannot start libcurl: %s", curl_easy_strerror(rc));
    return 0;
}

void tc_deliver_global_cleanup(void)
{
    curl_global_cleanup();
}
