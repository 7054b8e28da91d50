/*
 * A notice in words: the webhook bodies and the e-mail of message.h. The
 * three share one reading of the notice (view) and one headline, so every
 * channel says the same thing in the same order.
 */
#include "core/notify/message.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/strbuf.h"
#include "core/notify/mime.h"

/* The keys of the webhook's JSON body, in their order (the contract's). */
static const char *const webhook_keys[] = {"crisis", "title", "playbook", "state", "state_title", "seat",
                                           "why",    "level", "severity", "mode",  "deadline",    "act"};

/* A notice read once: its texts with control characters made spaces (NULL when absent). */
typedef struct view {
    json_int_t crisis;
    int has_crisis;
    json_int_t level;
    char *title, *playbook, *state, *state_title, *seat, *why, *severity, *mode, *deadline, *act;
    char deadline_utc[40];      /* "2026-12-05 06:30 UTC" when the deadline is ISO 8601 */
    const char *deadline_shown; /* deadline_utc, or the deadline as given (whole) when it is not ISO 8601 */
} view;

/* A copy of the notice's string key with control characters as spaces, or NULL. jansson's strings are UTF-8.
 */
static char *text_of(const json_t *notice, const char *key)
{
    const char *s = json_string_value(json_object_get(notice, key));
    if (s == NULL || *s == '\0')
        return NULL;
    char *copy = tc_xstrdup(s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
    return copy;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/*
 * "2026-12-05T06:30:00Z" (or with a fraction, or +00:00) as "2026-12-05 06:30 UTC" in out (seconds only
 * when not 0), and out; iso itself when it is not such a time (never copied into out: cut at out's size,
 * it could end inside a character, and Slack's JSON text would then be refused as not UTF-8).
 */
static const char *format_deadline(const char *iso, char *out, size_t size)
{
    size_t n = strlen(iso);
    if (n >= 16 && digits(iso, 4) && iso[4] == '-' && digits(iso + 5, 2) && iso[7] == '-' &&
        digits(iso + 8, 2) && (iso[10] == 'T' || iso[10] == ' ') && digits(iso + 11, 2) && iso[13] == ':' &&
        digits(iso + 14, 2)) {
        int seconds = n >= 19 && iso[16] == ':' && digits(iso + 17, 2) && memcmp(iso + 17, "00", 2) != 0;
        snprintf(out, size, "%.10s %.5s%s%.*s UTC", iso, iso + 11, seconds ? ":" : "", seconds ? 2 : 0,
                 iso + 17);
        return out;
    }
    return iso;
}

static void view_read(view *v, const json_t *notice)
{
    memset(v, 0, sizeof *v);
    json_t *crisis = json_object_get(notice, "crisis");
    v->has_crisis = json_is_integer(crisis);
    v->crisis = json_integer_value(crisis);
    v->level = json_integer_value(json_object_get(notice, "level"));
    v->title = text_of(notice, "title");
    v->playbook = text_of(notice, "playbook");
    v->state = text_of(notice, "state");
    v->state_title = text_of(notice, "state_title");
    v->seat = text_of(notice, "seat");
    v->why = text_of(notice, "why");
    v->severity = text_of(notice, "severity");
    v->mode = text_of(notice, "mode");
    v->deadline = text_of(notice, "deadline");
    v->act = text_of(notice, "act");
    if (v->deadline)
        v->deadline_shown = format_deadline(v->deadline, v->deadline_utc, sizeof v->deadline_utc);
}

static void view_free(view *v)
{
    char *texts[] = {v->title, v->playbook, v->state, v->state_title, v->seat,
                     v->why,   v->severity, v->mode,  v->deadline,    v->act};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        free(texts[i]);
}

/* "[EXERCISE] ", "[TEST] " or "". */
static const char *mode_prefix(const view *v)
{
    if (v->mode && strcmp(v->mode, "exercise") == 0)
        return "[EXERCISE] ";
    if (v->mode && strcmp(v->mode, "test") == 0)
        return "[TEST] ";
    return "";
}

/* What is asked, of whom, where: "Vote requested (level 2) for council/AM: Council decision". */
static void add_asked(tc_strbuf *sb, const view *v)
{
    const char *why = v->why ? v->why : "notification";
    char first = (char)toupper((unsigned char)why[0]);
    tc_strbuf_addn(sb, &first, 1);
    tc_strbuf_add(sb, why + 1);
    if (v->level > 0)
        tc_strbuf_addf(sb, " (level %lld)", (long long)v->level);
    if (v->seat)
        tc_strbuf_addf(sb, " for %s", v->seat);
    if (v->state_title || v->state)
        tc_strbuf_addf(sb, ": %s", v->state_title ? v->state_title : v->state);
}

/* ", by 2026-12-05 06:30 UTC (07:30 CET)" or ", no deadline". */
static void add_by(tc_strbuf *sb, const view *v, const tc_notify_extra *extra)
{
    if (v->deadline == NULL) {
        tc_strbuf_add(sb, ", no deadline");
        return;
    }
    tc_strbuf_addf(sb, ", by %s", v->deadline_shown);
    if (extra->deadline_local)
        tc_strbuf_addf(sb, " (%s)", extra->deadline_local);
}

/* "crisis 12, Border incident" */
static void add_crisis(tc_strbuf *sb, const view *v)
{
    if (v->has_crisis)
        tc_strbuf_addf(sb, "crisis %lld", (long long)v->crisis);
    else
        tc_strbuf_add(sb, "a crisis");
    if (v->title)
        tc_strbuf_addf(sb, ", %s", v->title);
}

/* The headline that every channel starts with, after the mode. */
static void add_headline(tc_strbuf *sb, const view *v, const tc_notify_extra *extra)
{
    add_asked(sb, v);
    add_by(sb, v, extra);
    tc_strbuf_add(sb, " - ");
    add_crisis(sb, v);
}

static int check_id(const tc_notify_extra *extra, tc_error *err)
{
    if (!tc_notify_id_ok(extra->id))
        return tc_error_set(err, TC_EINVAL, "delivery id %s is not a uuid", extra->id ? extra->id : "(none)");
    return 0;
}

int tc_notify_id_ok(const char *id)
{
    if (id == NULL || strlen(id) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !isxdigit((unsigned char)id[i]))
            return 0;
    }
    return 1;
}

/* Appends text with Slack's three escapes (https://api.slack.com/reference/surfaces/formatting#escaping). */
static void add_slack_escaped(tc_strbuf *sb, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '&')
            tc_strbuf_add(sb, "&amp;");
        else if (*p == '<')
            tc_strbuf_add(sb, "&lt;");
        else if (*p == '>')
            tc_strbuf_add(sb, "&gt;");
        else
            tc_strbuf_addn(sb, p, 1);
    }
}

static char *slack_text(const view *v, const tc_notify_extra *extra)
{
    tc_strbuf line = TC_STRBUF_INIT, sb = TC_STRBUF_INIT;
    add_headline(&line, v, extra);
    char *headline = tc_strbuf_take(&line);
    const char *prefix = mode_prefix(v);
    if (*prefix)
        tc_strbuf_addf(&sb, "*%.*s* ", (int)strlen(prefix) - 1, prefix);
    tc_strbuf_add(&sb, "*");
    add_slack_escaped(&sb, headline);
    tc_strbuf_add(&sb, "*");
    free(headline);
    tc_strbuf_addf(&sb, "\nEscalation level %lld", (long long)v->level);
    if (v->severity) {
        tc_strbuf_add(&sb, " · severity ");
        add_slack_escaped(&sb, v->severity);
    }
    if (v->playbook) {
        tc_strbuf_add(&sb, " · playbook ");
        add_slack_escaped(&sb, v->playbook);
    }
    if (v->act) {
        tc_strbuf_add(&sb, "\nTo act: `");
        add_slack_escaped(&sb, v->act);
        tc_strbuf_add(&sb, "`");
    }
    if (extra->board) {
        tc_strbuf_add(&sb, "\nBoard: ");
        add_slack_escaped(&sb, extra->board);
    }
    return tc_strbuf_take(&sb);
}

int tc_notify_webhook_body(const json_t *notice, const tc_notify_extra *extra, const char *format,
                           char **body, tc_error *err)
{
    if (!json_is_object(notice))
        return tc_error_set(err, TC_EINVAL, "notification of delivery %s is not a JSON object",
                            extra->id ? extra->id : "(none)");
    int rc = check_id(extra, err);
    if (rc != 0)
        return rc;
    int slack = format != NULL && strcmp(format, "slack") == 0;
    if (!slack && (format == NULL || strcmp(format, "json") != 0))
        return tc_error_set(err, TC_EINVAL, "webhook format %s of delivery %s is not json or slack",
                            format ? format : "(none)", extra->id);
    json_t *out = json_object();
    if (slack) {
        view v;
        view_read(&v, notice);
        char *text = slack_text(&v, extra);
        view_free(&v);
        json_object_set_new(out, "text", json_string(text));
        free(text);
    } else {
        json_object_set_new(out, "id", json_string(extra->id));
        for (size_t i = 0; i < sizeof webhook_keys / sizeof webhook_keys[0]; i++) {
            const char *key = webhook_keys[i];
            json_t *value = json_object_get(notice, key);
            int integer = strcmp(key, "crisis") == 0 || strcmp(key, "level") == 0;
            if (integer ? json_is_integer(value) : json_is_string(value))
                json_object_set(out, key, value);
            else if (strcmp(key, "level") == 0)
                json_object_set_new(out, key, json_integer(0)); /* not an escalation */
            else
                json_object_set_new(out, key, json_null());
        }
        if (extra->board)
            json_object_set_new(out, "board", json_string(extra->board));
    }
    *body = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return 0;
}

/* The body of the e-mail, as text (LF line ends); the caller encodes it. */
static char *email_text(const view *v, const tc_notify_extra *extra)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    if (v->mode && strcmp(v->mode, "exercise") == 0)
        tc_strbuf_add(&sb, "EXERCISE - this is an exercise, not a real crisis.\n\n");
    else if (v->mode && strcmp(v->mode, "test") == 0)
        tc_strbuf_add(&sb, "TEST - this is a test, not a real crisis.\n\n");
    add_headline(&sb, v, extra);
    tc_strbuf_add(&sb, ".\n\n");
    if (v->act)
        tc_strbuf_addf(&sb, "To act, run:\n\n    %s\n\n", v->act);
    tc_strbuf_add(&sb, "Crisis:     ");
    if (v->has_crisis)
        tc_strbuf_addf(&sb, "%lld", (long long)v->crisis);
    if (v->title)
        tc_strbuf_addf(&sb, "%s%s", v->has_crisis ? ", " : "", v->title);
    tc_strbuf_add(&sb, "\nAsked:      ");
    add_asked(&sb, v);
    tc_strbuf_add(&sb, "\nDeadline:   ");
    if (v->deadline) {
        tc_strbuf_add(&sb, v->deadline_shown);
        if (extra->deadline_local)
            tc_strbuf_addf(&sb, " (%s)", extra->deadline_local);
    } else {
        tc_strbuf_add(&sb, "none");
    }
    if (v->level > 0)
        tc_strbuf_addf(&sb, "\nEscalation: level %lld", (long long)v->level);
    else
        tc_strbuf_add(&sb, "\nEscalation: level 0 (not an escalation)");
    tc_strbuf_addf(&sb, "\nSeverity:   %s", v->severity ? v->severity : "not given");
    if (v->state)
        tc_strbuf_addf(&sb, "\nState:      %s%s%s%s", v->state_title ? v->state_title : v->state,
                       v->state_title ? " (" : "", v->state_title ? v->state : "", v->state_title ? ")" : "");
    if (v->playbook)
        tc_strbuf_addf(&sb, "\nPlaybook:   %s", v->playbook);
    if (v->mode)
        tc_strbuf_addf(&sb, "\nMode:       %s", v->mode);
    if (extra->board)
        tc_strbuf_addf(&sb, "\n\nOn the board: %s", extra->board);
    tc_strbuf_addf(&sb, "\n\n-- \ntocsin, delivery %s\n", extra->id);
    return tc_strbuf_take(&sb);
}

int tc_notify_email(const json_t *notice, const tc_notify_extra *extra, const tc_notify_mail *mail,
                    char **message, tc_error *err)
{
    if (!json_is_object(notice))
        return tc_error_set(err, TC_EINVAL, "notification of delivery %s is not a JSON object",
                            extra->id ? extra->id : "(none)");
    int rc = check_id(extra, err);
    if (rc != 0)
        return rc;
    if (!tc_mime_address_ok(mail->from))
        return tc_error_set(err, TC_EINVAL, "mail-from address of delivery %s is not an e-mail address",
                            extra->id);
    if (!tc_mime_address_ok(mail->to))
        return tc_error_set(err, TC_EINVAL, "address of delivery %s is not an e-mail address", extra->id);

    view v;
    view_read(&v, notice);
    tc_strbuf subject = TC_STRBUF_INIT;
    tc_strbuf_add(&subject, mode_prefix(&v));
    add_headline(&subject, &v, extra);
    char *subject_text = tc_strbuf_take(&subject);
    char date[TC_MIME_DATE_SIZE];
    tc_mime_date(mail->date, date);
    char message_id[64];
    snprintf(message_id, sizeof message_id, "<%s@tocsin>", extra->id);

    tc_strbuf sb = TC_STRBUF_INIT;
    tc_mime_header(&sb, "From", mail->from);
    tc_mime_header(&sb, "To", mail->to);
    tc_mime_header(&sb, "Subject", subject_text);
    tc_mime_header(&sb, "Date", date);
    tc_mime_header(&sb, "Message-ID", message_id);
    tc_mime_header(&sb, "Auto-Submitted", "auto-generated");
    tc_mime_header(&sb, "MIME-Version", "1.0");
    tc_mime_header(&sb, "Content-Type", "text/plain; charset=utf-8");
    tc_mime_header(&sb, "Content-Transfer-Encoding", "quoted-printable");
    tc_strbuf_add(&sb, "\r\n");
    char *text = email_text(&v, extra);
    tc_mime_quoted_printable(&sb, text);
    free(text);
    free(subject_text);
    view_free(&v);
    *message = tc_strbuf_take(&sb);
    return 0;
}
