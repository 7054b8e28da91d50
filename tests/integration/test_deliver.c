/*
 * Delivering notifications (daemon/deliver.h) to real servers on loopback
 * that the test starts itself: a webhook receiver (Python's http.server,
 * tests/support/webhook_receiver.py) and an SMTP server (aiosmtpd,
 * tests/support/smtp_receiver.py), each writing what it received as JSON
 * lines. The deliverer runs on a libuv loop in this process; no database.
 *
 * What it proves: the webhook's JSON keys and headers (Idempotency-Key,
 * User-Agent, Content-Type), Slack's body, an e-mail's subject, Message-ID
 * and body as a mail reader decodes them, the errors a caller records (HTTP
 * 500, a redirect not followed, a timeout, a refused connection, an SMTP
 * refusal, a protocol that is not allowed), that a receiver that hangs does
 * not hold up another delivery meanwhile (the loop is never blocked), that
 * a crisis title holding CR LF adds no header, and that closing the
 * deliverer aborts what is in flight and leaves no handle open.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <uv.h>

#include "core/base/version.h"
#include "core/notify/message.h"
#include "daemon/deliver.h"
#include "harness.h"
#include "receivers.h"

#define TIMEOUT_MS 2000 /* the deliverer's total timeout in these tests */

static char *dir;
static th_receiver webhook, smtp;

static int setup(void **state)
{
    (void)state;
    tc_error err;
    tc_error_init(&err);
    if (tc_deliver_global_init(&err) != 0)
        fail_msg("%s", err.text);
    dir = th_tempdir();
    th_receiver_start(&webhook, dir, "webhook_receiver.py", "webhook", 1);
    th_receiver_start(&smtp, dir, "smtp_receiver.py", "smtp", 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_receiver_stop(&webhook);
    th_receiver_stop(&smtp);
    th_rmtree(dir);
    free(dir);
    tc_deliver_global_cleanup();
    return 0;
}

/* ---- a loop and a deliverer per test ---- */

typedef struct outcome {
    int done;
    int order; /* the how-manieth callback of the test */
    tc_delivery_status status;
    char error[TC_ERROR_TEXT_LENGTH];
} outcome;

static uv_loop_t loop;
static int callbacks;

static void on_delivered(tc_delivery_status status, const char *error, void *data)
{
    outcome *o = data;
    o->done = 1;
    o->order = ++callbacks;
    o->status = status;
    snprintf(o->error, sizeof o->error, "%s", error ? error : "");
}

static tc_deliverer *open_deliverer(int max_in_flight)
{
    assert_int_equal(uv_loop_init(&loop), 0);
    callbacks = 0;
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", smtp.port);
    tc_deliver_options opts = {url, "tocsin@example.org", 1000, TIMEOUT_MS, max_in_flight};
    tc_error err;
    tc_error_init(&err);
    tc_deliverer *d = tc_deliverer_new(&loop, &opts, &err);
    if (d == NULL)
        fail_msg("%s", err.text);
    return d;
}

static void on_closed(void *data)
{
    *(int *)data = 1;
}

/* Closes d and runs the loop until every handle has closed: none may be left. */
static void close_deliverer(tc_deliverer *d)
{
    int closed = 0;
    tc_deliverer_close(d, on_closed, &closed);
    assert_int_equal(closed, 0); /* done runs on a later turn */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(closed, 1);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* Runs the loop until o has its callback. */
static void wait_for(outcome *o)
{
    while (!o->done)
        if (uv_run(&loop, UV_RUN_ONCE) == 0 && !o->done)
            fail_msg("the loop ran dry before the delivery ended");
}

static void deliver(tc_deliverer *d, tc_channel channel, const char *address, const char *id,
                    const char *body, outcome *o)
{
    memset(o, 0, sizeof *o);
    tc_error err;
    tc_error_init(&err);
    if (tc_deliverer_send(d, &(tc_delivery){channel, address, id, body}, on_delivered, o, &err) != 0)
        fail_msg("%s", err.text);
    assert_int_equal(o->done, 0); /* never inside send */
}

static char *webhook_url(const char *path)
{
    char *url = malloc(128);
    snprintf(url, 128, "http://127.0.0.1:%d%s", webhook.port, path);
    return url;
}

static json_t *notice(const char *title, const char *mode)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "crisis", 7, "title",
                     title, "playbook", "council@1", "state", "decide", "state_title", "Decide", "seat",
                     "council/AM", "why", "escalated", "level", 1, "severity", "high", "mode", mode,
                     "deadline", "2026-12-05T06:30:00Z", "act", "tocsin vote 7 --state decide approve");
}

static char *webhook_body(const char *id, const char *format)
{
    json_t *n = notice("Border incident", "actual");
    char *body = NULL;
    assert_int_equal(tc_notify_webhook_body(n, &(tc_notify_extra){id, NULL, NULL}, format, &body, NULL), 0);
    json_decref(n);
    return body;
}

static char *email_message(const char *id, const char *title, const char *mode, const char *to)
{
    json_t *n = notice(title, mode);
    char *message = NULL;
    tc_notify_mail mail = {"tocsin@example.org", to, 1796442018000};
    assert_int_equal(tc_notify_email(n, &(tc_notify_extra){id, "07:30 CET", NULL}, &mail, &message, NULL), 0);
    json_decref(n);
    return message;
}

/* The entries of a receiver's log for which key (a JSON pointer of two steps at most) equals value. */
static json_t *entries(const th_receiver *r, const char *key, const char *subkey, const char *value)
{
    json_t *found = json_array(), *all = th_receiver_entries(r), *entry;
    size_t i;
    json_array_foreach(all, i, entry)
    {
        json_t *v = json_object_get(entry, key);
        if (subkey)
            v = json_object_get(v, subkey);
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            json_array_append(found, entry);
    }
    json_decref(all);
    return found;
}

/* The one request the webhook receiver got with Idempotency-Key id. */
static json_t *webhook_request(const char *id)
{
    json_t *found = entries(&webhook, "headers", "idempotency-key", id);
    assert_int_equal(json_array_size(found), 1);
    json_t *entry = json_incref(json_array_get(found, 0));
    json_decref(found);
    return entry;
}

static void set_control(const char *mode)
{
    th_receiver_control(&webhook, mode);
}

/* ---- the tests ---- */

static void test_deliver_webhook_json_with_its_headers(void **state)
{
    (void)state;
    const char *id = "11111111-1111-4111-8111-111111111111";
    tc_deliverer *d = open_deliverer(0);
    char *url = webhook_url("/ok"), *body = webhook_body(id, "json");
    outcome o;
    deliver(d, TC_CHANNEL_WEBHOOK, url, id, body, &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_SENT);
    assert_string_equal(o.error, "");
    json_t *req = webhook_request(id);
    assert_string_equal(json_string_value(json_object_get(req, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(req, "path")), "/ok");
    json_t *headers = json_object_get(req, "headers");
    assert_string_equal(json_string_value(json_object_get(headers, "content-type")), "application/json");
    char agent[64];
    snprintf(agent, sizeof agent, "tocsin/%s", tc_version());
    assert_string_equal(json_string_value(json_object_get(headers, "user-agent")), agent);
    json_t *doc = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
    static const char *const keys[] = {"id",          "crisis",   "title", "playbook", "state",
                                       "state_title", "seat",     "why",   "level",    "severity",
                                       "mode",        "deadline", "act"};
    assert_int_equal(json_object_size(doc), 13);
    for (size_t i = 0; i < 13; i++)
        assert_non_null(json_object_get(doc, keys[i]));
    assert_string_equal(json_string_value(json_object_get(doc, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(doc, "crisis")), 7);
    json_decref(doc);
    json_decref(req);
    free(url);
    free(body);
    close_deliverer(d);
}

static void test_deliver_webhook_slack(void **state)
{
    (void)state;
    const char *id = "22222222-2222-4222-8222-222222222222";
    tc_deliverer *d = open_deliverer(0);
    char *url = webhook_url("/slack"), *body = webhook_body(id, "slack");
    outcome o;
    deliver(d, TC_CHANNEL_WEBHOOK, url, id, body, &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_SENT);
    json_t *req = webhook_request(id);
    json_t *doc = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
    assert_int_equal(json_object_size(doc), 1);
    assert_true(
        th_contains(json_string_value(json_object_get(doc, "text")), "tocsin vote 7 --state decide approve"));
    json_decref(doc);
    json_decref(req);
    free(url);
    free(body);
    close_deliverer(d);
}

static void test_deliver_email(void **state)
{
    (void)state;
    const char *id = "33333333-3333-4333-8333-333333333333";
    tc_deliverer *d = open_deliverer(0);
    char *message = email_message(id, "Überschwemmung", "exercise", "am@example.org");
    outcome o;
    deliver(d, TC_CHANNEL_EMAIL, "am@example.org", id, message, &o);
    wait_for(&o);
    if (o.status != TC_DELIVERY_SENT)
        fail_msg("not sent: %s", o.error);
    json_t *found = entries(&smtp, "message_id", NULL, "<33333333-3333-4333-8333-333333333333@tocsin>");
    assert_int_equal(json_array_size(found), 1);
    json_t *mail = json_array_get(found, 0);
    assert_string_equal(json_string_value(json_object_get(mail, "mail_from")), "tocsin@example.org");
    json_t *rcpt = json_object_get(mail, "rcpt_tos");
    assert_int_equal(json_array_size(rcpt), 1);
    assert_string_equal(json_string_value(json_array_get(rcpt, 0)), "am@example.org");
    assert_string_equal(
        json_string_value(json_object_get(mail, "subject")),
        "[EXERCISE] Escalated (level 1) for council/AM: Decide, by 2026-12-05 06:30 UTC (07:30 "
        "CET) - crisis 7, Überschwemmung");
    const char *body = json_string_value(json_object_get(mail, "body"));
    assert_true(th_contains(body, "EXERCISE - this is an exercise"));
    assert_true(th_contains(body, "To act, run:\n\n    tocsin vote 7 --state decide approve\n"));
    assert_true(th_contains(body, "Deadline:   2026-12-05 06:30 UTC (07:30 CET)"));
    json_decref(found);
    free(message);
    close_deliverer(d);
}

/* A crisis title holding CR LF, a Bcc and a blank line: the message has its own nine fields, one recipient.
 */
static void test_deliver_email_title_cannot_inject_headers(void **state)
{
    (void)state;
    const char *id = "44444444-4444-4444-8444-444444444444";
    tc_deliverer *d = open_deliverer(0);
    char *message =
        email_message(id, "Flood\r\nBcc: everyone@example.org\r\n\r\nfake body", "actual", "am@example.org");
    outcome o;
    deliver(d, TC_CHANNEL_EMAIL, "am@example.org", id, message, &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_SENT);
    json_t *found = entries(&smtp, "message_id", NULL, "<44444444-4444-4444-8444-444444444444@tocsin>");
    assert_int_equal(json_array_size(found), 1);
    json_t *mail = json_array_get(found, 0);
    assert_int_equal(json_array_size(json_object_get(mail, "rcpt_tos")), 1);
    json_t *headers = json_object_get(mail, "headers");
    assert_int_equal(json_array_size(headers), 9);
    size_t i;
    json_t *h;
    json_array_foreach(headers, i, h)
    {
        const char *name = json_string_value(json_array_get(h, 0));
        assert_true(strcmp(name, "Bcc") != 0);
    }
    assert_true(th_contains(json_string_value(json_object_get(mail, "subject")),
                            "Flood  Bcc: everyone@example.org    fake body"));
    json_decref(found);
    free(message);
    close_deliverer(d);
}

static void test_deliver_errors(void **state)
{
    (void)state;
    tc_deliverer *d = open_deliverer(0);
    outcome o;

    /* A 500: a failed attempt, the status its error. */
    char *url = webhook_url("/fail");
    deliver(d, TC_CHANNEL_WEBHOOK, url, "55555555-5555-4555-8555-555555555551", "{}", &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_FAILED);
    assert_string_equal(o.error, "HTTP 500");
    free(url);

    /* A redirect is not followed: the receiver saw one request. */
    url = webhook_url("/status/302");
    deliver(d, TC_CHANNEL_WEBHOOK, url, "55555555-5555-4555-8555-555555555552", "{}", &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_FAILED);
    assert_string_equal(o.error, "HTTP 302");
    json_t *found = entries(&webhook, "headers", "idempotency-key", "55555555-5555-4555-8555-555555555552");
    assert_int_equal(json_array_size(found), 1);
    json_decref(found);
    free(url);

    /* Nobody listens: refused. A port just bound and closed again is free. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&addr, &len), 0);
    close(s);
    char refused[64];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/", ntohs(addr.sin_port));
    deliver(d, TC_CHANNEL_WEBHOOK, refused, "55555555-5555-4555-8555-555555555553", "{}", &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_FAILED);
    assert_string_equal(o.error, "connection refused");

    /* Only http and https: a contact's URL cannot make libcurl read a file. */
    deliver(d, TC_CHANNEL_WEBHOOK, "file:///etc/passwd", "55555555-5555-4555-8555-555555555554", "{}", &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_FAILED);
    assert_string_equal(o.error, "the URL's protocol is not allowed (http and https only)");

    /* The SMTP server's refusal is the error. */
    char *message =
        email_message("55555555-5555-4555-8555-555555555555", "t", "actual", "reject@example.org");
    deliver(d, TC_CHANNEL_EMAIL, "reject@example.org", "55555555-5555-4555-8555-555555555555", message, &o);
    wait_for(&o);
    assert_int_equal(o.status, TC_DELIVERY_FAILED);
    assert_string_equal(o.error, "SMTP 550 5.1.1 no such user here");
    free(message);

    /* Refused at once, never called back: an address that could inject a command or a header, a bad id. */
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_deliverer_send(d,
                                       &(tc_delivery){TC_CHANNEL_EMAIL, "am@example.org>\r\nRCPT TO:<x@y",
                                                      "55555555-5555-4555-8555-555555555556", "x"},
                                       on_delivered, &o, &err),
                     TC_EINVAL);
    assert_string_equal(err.text,
                        "address of delivery 55555555-5555-4555-8555-555555555556 is not an e-mail address");
    tc_error_init(&err);
    assert_int_equal(tc_deliverer_send(d, &(tc_delivery){TC_CHANNEL_WEBHOOK, "http://x/ y", "nope", "x"},
                                       on_delivered, &o, &err),
                     TC_EINVAL);
    assert_string_equal(err.text, "delivery id nope is not a uuid");
    close_deliverer(d);
}

/*
 * A receiver that never answers ends by the timeout, and meanwhile a
 * delivery to a healthy receiver, sent after it, completes: the loop is
 * not blocked. Then the receiver is turned down and up through its control
 * file: a dropped connection is an error, and the next attempt is delivered.
 */
static void test_deliver_hanging_receiver_blocks_nothing(void **state)
{
    (void)state;
    tc_deliverer *d = open_deliverer(0);
    char *hang = webhook_url("/hang"), *ok = webhook_url("/ok");
    outcome slow, fast;
    long start = th_now_ms();
    deliver(d, TC_CHANNEL_WEBHOOK, hang, "66666666-6666-4666-8666-666666666661", "{}", &slow);
    deliver(d, TC_CHANNEL_WEBHOOK, ok, "66666666-6666-4666-8666-666666666662", "{}", &fast);
    wait_for(&fast);
    assert_int_equal(fast.status, TC_DELIVERY_SENT);
    assert_int_equal(slow.done, 0);
    wait_for(&slow);
    assert_int_equal(fast.order, 1);
    assert_int_equal(slow.order, 2);
    assert_int_equal(slow.status, TC_DELIVERY_FAILED);
    assert_string_equal(slow.error, "timed out after 2 s");
    /* Not a measure of speed: the receiver never answers, so only the deliverer's timeout could end it. */
    assert_true(th_now_ms() - start < 60000);

    set_control("down");
    deliver(d, TC_CHANNEL_WEBHOOK, ok, "66666666-6666-4666-8666-666666666663", "{}", &fast);
    wait_for(&fast);
    assert_int_equal(fast.status, TC_DELIVERY_FAILED);
    set_control("");
    deliver(d, TC_CHANNEL_WEBHOOK, ok, "66666666-6666-4666-8666-666666666663", "{}", &fast);
    wait_for(&fast);
    assert_int_equal(fast.status, TC_DELIVERY_SENT);
    /*
     * Every attempt carried the same key, so a receiver can drop a repeat: the
     * one that failed, the one delivered, and (libcurl's own retry when a
     * reused connection is closed without an answer) perhaps one more.
     */
    json_t *found = entries(&webhook, "headers", "idempotency-key", "66666666-6666-4666-8666-666666666663");
    assert_true(json_array_size(found) >= 2);
    json_decref(found);
    free(hang);
    free(ok);
    close_deliverer(d);
}

/* Beyond max_in_flight deliveries wait, and start in order as places free. */
static void test_deliver_queue_beyond_max_in_flight(void **state)
{
    (void)state;
    tc_deliverer *d = open_deliverer(1);
    char *ok = webhook_url("/ok");
    outcome o[4];
    char id[40];
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "77777777-7777-4777-8777-77777777777%d", i);
        deliver(d, TC_CHANNEL_WEBHOOK, ok, id, "{}", &o[i]);
    }
    assert_int_equal(tc_deliverer_pending(d), 4);
    for (int i = 0; i < 4; i++) {
        wait_for(&o[i]);
        assert_int_equal(o[i].status, TC_DELIVERY_SENT);
        assert_int_equal(o[i].order, i + 1);
    }
    assert_int_equal(tc_deliverer_pending(d), 0);
    free(ok);
    close_deliverer(d);
}

static void on_tick(uv_timer_t *t)
{
    *(int *)t->data = 1;
}

/* Closing with a transfer in flight (a hanging receiver) and one waiting: both aborted, no handle left. */
static void test_deliver_close_aborts_in_flight(void **state)
{
    (void)state;
    tc_deliverer *d = open_deliverer(1);
    char *hang = webhook_url("/hang");
    outcome a, b;
    deliver(d, TC_CHANNEL_WEBHOOK, hang, "88888888-8888-4888-8888-888888888881", "{}", &a);
    deliver(d, TC_CHANNEL_WEBHOOK, hang, "88888888-8888-4888-8888-888888888882", "{}", &b);
    /* Let the first reach the receiver. */
    uv_timer_t tick;
    int ticked = 0;
    uv_timer_init(&loop, &tick);
    tick.data = &ticked;
    uv_timer_start(&tick, on_tick, 300, 0);
    while (!ticked)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    assert_int_equal(a.done, 0);
    int closed = 0;
    tc_deliverer_close(d, on_closed, &closed);
    assert_int_equal(a.status, TC_DELIVERY_ABORTED);
    assert_int_equal(b.status, TC_DELIVERY_ABORTED);
    assert_string_equal(a.error, "aborted: the deliverer is closing");
    assert_true(a.done && b.done);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(closed, 1);
    assert_int_equal(uv_loop_close(&loop), 0);
    free(hang);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deliver_webhook_json_with_its_headers),
        cmocka_unit_test(test_deliver_webhook_slack),
        cmocka_unit_test(test_deliver_email),
        cmocka_unit_test(test_deliver_email_title_cannot_inject_headers),
        cmocka_unit_test(test_deliver_errors),
        cmocka_unit_test(test_deliver_hanging_receiver_blocks_nothing),
        cmocka_unit_test(test_deliver_queue_beyond_max_in_flight),
        cmocka_unit_test(test_deliver_close_aborts_in_flight),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
