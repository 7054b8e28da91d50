/*
 * Delivering notifications over the network without ever blocking the
 * engine's loop: e-mail by SMTP and webhooks by HTTP POST, both done by
 * libcurl (no protocol is written by hand), its multi interface driven by
 * the engine's libuv loop (daemon/deliver.c says how). A receiver that
 * hangs, answers slowly or refuses costs the loop nothing: every transfer
 * is asynchronous and ends by its timeout at the latest.
 *
 * What is sent is rendered before (core/notify/message.h); the deliverer
 * carries it and says how it went. Retrying is the caller's
 * (core/notify/retry.h): one send is one attempt.
 *
 * curl_global_init is not thread-safe and must run once before any thread
 * starts: tc_deliver_global_init, at the engine's start before its first
 * uv_queue_work (which starts libuv's threads), and tc_deliver_global_cleanup
 * after the loop has closed.
 */
#ifndef TC_DAEMON_DELIVER_H
#define TC_DAEMON_DELIVER_H

#include <stdint.h>
#include <uv.h>

#include "core/base/error.h"

#define TC_DELIVER_CONNECT_TIMEOUT_MS 5000  /* default: connecting, TLS included */
#define TC_DELIVER_TIMEOUT_MS         10000 /* default: the whole transfer */
#define TC_DELIVER_MAX_IN_FLIGHT      100   /* default: transfers at once; more wait in order */

typedef struct tc_deliverer tc_deliverer;

typedef struct tc_deliver_options {
    /*
     * The SMTP server: smtp://host[:port] (no TLS: a relay on the host or
     * the local network) or smtps://host[:port] (TLS, certificate verified);
     * user:password@ in it log in. NULL: e-mail deliveries fail ("no SMTP
     * server configured").
     */
    const char *smtp_url;
    const char *mail_from;       /* the envelope's MAIL FROM; required with smtp_url */
    uint64_t connect_timeout_ms; /* 0: TC_DELIVER_CONNECT_TIMEOUT_MS */
    uint64_t timeout_ms;         /* 0: TC_DELIVER_TIMEOUT_MS */
    int max_in_flight;           /* 0: TC_DELIVER_MAX_IN_FLIGHT */
} tc_deliver_options;

typedef enum tc_channel {
    TC_CHANNEL_EMAIL,  /* body: an RFC 5322 message with CRLF line ends (tc_notify_email) */
    TC_CHANNEL_WEBHOOK /* body: JSON (tc_notify_webhook_body), POSTed as application/json */
} tc_channel;

/* One attempt to deliver. The deliverer copies what it needs: the caller may free it when send returns. */
typedef struct tc_delivery {
    tc_channel channel;
    const char *address; /* the webhook's http:// or https:// URL, or the e-mail address */
    const char *id; /* the delivery's uuid: header Idempotency-Key (the message carries its Message-ID) */
    const char *body;
} tc_delivery;

typedef enum tc_delivery_status {
    TC_DELIVERY_SENT,   /* a 2xx answer; or the SMTP server took the message */
    TC_DELIVERY_FAILED, /* an attempt that failed: retry it (core/notify/retry.h) */
    TC_DELIVERY_ABORTED /* not tried to the end: the deliverer closed; not an attempt */
} tc_delivery_status;

/*
 * How a send ended. error is one line, lowercase, NULL when sent: "HTTP
 * 500", "timed out after 10 s", "timed out connecting after 5 s",
 * "connection refused", "cannot resolve the host", the SMTP server's reply
 * ("SMTP 550 5.1.1 no such user"), "aborted: the deliverer is closing". It
 * lives until the callback returns.
 */
typedef void (*tc_delivered_cb)(tc_delivery_status status, const char *error, void *data);

/*
 * A deliverer on loop. Copies opts. Returns NULL with err set when libcurl's
 * multi handle or the loop's timers cannot be made, or mail_from is missing
 * with smtp_url.
 */
tc_deliverer *tc_deliverer_new(uv_loop_t *loop, const tc_deliver_options *opts, tc_error *err);

/*
 * Starts one attempt (or queues it behind max_in_flight transfers) and
 * returns 0: cb is then called exactly once, on the loop, never inside this
 * call. Webhooks: POST with Content-Type: application/json, Idempotency-Key:
 * ID and User-Agent: tocsin/VERSION, to an http or https URL only, no
 * redirect followed (a 3xx is a failure). E-mail: MAIL FROM mail_from, RCPT
 * TO address, the body as DATA.
 *
 * Returns TC_EINVAL (cb never called) when the address holds a control
 * character or a space, an e-mail address is not one tc_mime_address_ok
 * takes, or the id is not a uuid; TC_EFAILED when the deliverer is closing.
 */
int tc_deliverer_send(tc_deliverer *d, const tc_delivery *delivery, tc_delivered_cb cb, void *data,
                      tc_error *err);

/* Transfers started and not yet ended, and those waiting for a place. */
size_t tc_deliverer_pending(const tc_deliverer *d);

/*
 * Aborts every transfer, in flight or waiting: their callbacks run inside
 * this call, with TC_DELIVERY_ABORTED. Then closes libcurl's handles and the
 * loop's, and when the last has closed, frees d and calls done(data) (NULL:
 * nothing) on a later turn of the loop. Called once; d may not be used after
 * this call (a callback it runs may not send or close again: send refuses).
 */
void tc_deliverer_close(tc_deliverer *d, void (*done)(void *data), void *data);

/* curl_global_init with tocsin's allocators (core/base/alloc.h); once, before any thread. */
int tc_deliver_global_init(tc_error *err);
void tc_deliver_global_cleanup(void);

#endif
