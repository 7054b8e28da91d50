/*
 * A notice rendered for each channel (core/notify/message.h, mime.h): the
 * webhook's JSON with exactly the contract's keys, Slack's text, and the
 * e-mail: its header fields, RFC 2047 words, quoted-printable body, the
 * exercise and test subjects, and a title that tries to inject a header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/notify/message.h"
#include "core/notify/mime.h"

#define ID "0b5e1a4c-7d2f-4e8a-9c3b-1f2e3d4c5b6a"

static const tc_notify_extra plain = {ID, NULL, NULL};
static const tc_notify_mail mail = {"tocsin@example.org", "am@example.org", 1796442018000};

static json_t *notice(const char *mode, const char *title, const char *deadline, int level)
{
    json_t *n = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "crisis", 12, "title",
                          title, "playbook", "border-incident@1", "state", "council", "state_title",
                          "Council decision", "seat", "council/AM", "why", "vote requested", "level", level,
                          "severity", "high", "mode", mode, "act", "tocsin vote 12 --state council approve");
    json_object_set_new(n, "deadline", deadline ? json_string(deadline) : json_null());
    return n;
}

static char *webhook(json_t *n, const tc_notify_extra *extra, const char *format)
{
    char *body = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(n, extra, format, &body, &err), 0);
    json_decref(n);
    return body;
}

static char *email(json_t *n, const tc_notify_extra *extra)
{
    char *message = NULL;
    tc_error err;
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(n, extra, &mail, &message, &err), 0);
    json_decref(n);
    return message;
}

/* The header section of a message: up to the first empty line (a copy, NUL-terminated). */
static char *headers_of(const char *message)
{
    const char *end = strstr(message, "\r\n\r\n");
    assert_non_null(end);
    return strndup(message, (size_t)(end - message) + 2);
}

static int b64(char c)
{
    const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(set, c);
    return p && c ? (int)(p - set) : -1;
}

/*
 * The value of header field name, unfolded and with its RFC 2047 words
 * (UTF-8, B) decoded, as a reader shows it: the test's own small decoder.
 */
static char *header_value(const char *message, const char *name)
{
    char *headers = headers_of(message);
    size_t n = strlen(name);
    char *line = headers;
    char *found = NULL;
    while (*line) {
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            found = line + n + 2;
            break;
        }
        line = strstr(line, "\r\n") + 2;
    }
    assert_non_null(found);
    char *out = calloc(1, strlen(found) + 1);
    size_t o = 0;
    for (const char *p = found; *p;) {
        if (strncmp(p, "\r\n ", 3) == 0 || strncmp(p, "\r\n\t", 3) == 0) {
            p += 3; /* folding between encoded words is not part of the text (RFC 2047, 6.2) */
            continue;
        }
        if (strncmp(p, "\r\n", 2) == 0)
            break;
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            p += 10;
            unsigned acc = 0;
            int bits = 0;
            for (; *p && *p != '?'; p++) {
                if (*p == '=')
                    continue;
                int v = b64(*p);
                assert_true(v >= 0);
                acc = acc << 6 | (unsigned)v;
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    out[o++] = (char)(acc >> bits & 0xFF);
                }
            }
            assert_true(strncmp(p, "?=", 2) == 0);
            p += 2;
            continue;
        }
        out[o++] = *p++;
    }
    free(headers);
    return out;
}

/* The body decoded from quoted-printable, with CRLF as LF. */
static char *body_of(const char *message)
{
    const char *p = strstr(message, "\r\n\r\n") + 4;
    char *out = calloc(1, strlen(p) + 1);
    size_t o = 0;
    while (*p) {
        if (strncmp(p, "=\r\n", 3) == 0) {
            p += 3;
        } else if (*p == '=') {
            char hex[3] = {p[1], p[2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            p += 3;
        } else if (strncmp(p, "\r\n", 2) == 0) {
            out[o++] = '\n';
            p += 2;
        } else {
            out[o++] = *p++;
        }
    }
    return out;
}

static void test_notify_message_json_has_exactly_the_contract_keys(void **state)
{
    (void)state;
    char *body = webhook(notice("actual", "Border incident", "2026-12-05T06:30:00Z", 2), &plain, "json");
    json_t *doc = json_loads(body, 0, NULL);
    assert_non_null(doc);
    static const char *const keys[] = {"id",          "crisis",   "title", "playbook", "state",
                                       "state_title", "seat",     "why",   "level",    "severity",
                                       "mode",        "deadline", "act"};
    assert_int_equal(json_object_size(doc), sizeof keys / sizeof keys[0]);
    /* In the contract's order, too: jansson keeps the order of insertion. */
    void *it = json_object_iter(doc);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++, it = json_object_iter_next(doc, it))
        assert_string_equal(json_object_iter_key(it), keys[i]);
    assert_string_equal(json_string_value(json_object_get(doc, "id")), ID);
    assert_int_equal(json_integer_value(json_object_get(doc, "crisis")), 12);
    assert_int_equal(json_integer_value(json_object_get(doc, "level")), 2);
    assert_string_equal(json_string_value(json_object_get(doc, "deadline")), "2026-12-05T06:30:00Z");
    assert_string_equal(json_string_value(json_object_get(doc, "act")),
                        "tocsin vote 12 --state council approve");
    assert_null(json_object_get(doc, "board"));
    json_decref(doc);
    free(body);
}

static void test_notify_message_json_null_deadline_level_zero_and_board(void **state)
{
    (void)state;
    json_t *n = notice("actual", "Border incident", NULL, 0);
    json_object_del(n, "level"); /* a notice without level is not an escalation */
    json_object_del(n, "severity");
    tc_notify_extra extra = {ID, NULL, "https://board.example.org/crises/12"};
    char *body = webhook(n, &extra, "json");
    json_t *doc = json_loads(body, 0, NULL);
    assert_true(json_is_null(json_object_get(doc, "deadline")));
    assert_true(json_is_integer(json_object_get(doc, "level")));
    assert_int_equal(json_integer_value(json_object_get(doc, "level")), 0);
    assert_true(json_is_null(json_object_get(doc, "severity")));
    assert_string_equal(json_string_value(json_object_get(doc, "board")),
                        "https://board.example.org/crises/12");
    assert_int_equal(json_object_size(doc), 14);
    json_decref(doc);
    free(body);
}

static void test_notify_message_refuses_bad_input(void **state)
{
    (void)state;
    char *out = NULL;
    tc_error err;
    json_t *n = notice("actual", "t", NULL, 0);
    tc_notify_extra bad_id = {"12", NULL, NULL};
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(n, &bad_id, "json", &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "delivery id 12 is not a uuid");
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(n, &plain, "xml", &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "webhook format xml of delivery " ID " is not json or slack");
    json_t *array = json_array();
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(array, &plain, "json", &out, &err), TC_EINVAL);
    json_decref(array);
    tc_notify_mail bad = {"tocsin@example.org", "am@example.org\r\nRCPT TO:<x@evil>", 0};
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(n, &plain, &bad, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "address of delivery " ID " is not an e-mail address");
    assert_null(out);
    json_decref(n);
}

static void test_notify_message_slack_is_one_escaped_text(void **state)
{
    (void)state;
    tc_notify_extra extra = {ID, "07:30 CET", NULL};
    char *body =
        webhook(notice("exercise", "Flood <!channel> & co", "2026-12-05T06:30:00Z", 1), &extra, "slack");
    json_t *doc = json_loads(body, 0, NULL);
    assert_int_equal(json_object_size(doc), 1);
    const char *text = json_string_value(json_object_get(doc, "text"));
    assert_non_null(text);
    /* The exercise first; then what is asked, by when in UTC and local time. */
    assert_true(
        strncmp(text,
                "*[EXERCISE]* *Vote requested (level 1) for council/AM: Council decision, by "
                "2026-12-05 06:30 UTC (07:30 CET) - crisis 12, Flood &lt;!channel&gt; &amp; co*",
                strlen("*[EXERCISE]* *Vote requested (level 1) for council/AM: Council decision, by "
                       "2026-12-05 06:30 UTC (07:30 CET) - crisis 12, Flood &lt;!channel&gt; &amp; co*")) ==
        0);
    assert_non_null(strstr(text, "\nTo act: `tocsin vote 12 --state council approve`"));
    assert_non_null(strstr(text, "severity high"));
    assert_null(strstr(text, "<!channel>"));
    json_decref(doc);
    free(body);
}

static void test_notify_message_email_headers_and_body(void **state)
{
    (void)state;
    tc_notify_extra extra = {ID, "07:30 CET", "https://board.example.org/crises/12"};
    char *m = email(notice("actual", "Border incident", "2026-12-05T06:30:00Z", 0), &extra);
    char *v;
    assert_string_equal(v = header_value(m, "From"), "tocsin@example.org");
    free(v);
    assert_string_equal(v = header_value(m, "To"), "am@example.org");
    free(v);
    assert_string_equal(v = header_value(m, "Message-ID"), "<" ID "@tocsin>");
    free(v);
    assert_string_equal(v = header_value(m, "Date"), "Sat, 05 Dec 2026 03:40:18 +0000");
    free(v);
    assert_string_equal(v = header_value(m, "Content-Type"), "text/plain; charset=utf-8");
    free(v);
    assert_string_equal(v = header_value(m, "Content-Transfer-Encoding"), "quoted-printable");
    free(v);
    assert_string_equal(v = header_value(m, "MIME-Version"), "1.0");
    free(v);
    assert_string_equal(
        v = header_value(m, "Subject"),
        "Vote requested for council/AM: Council decision, by 2026-12-05 06:30 UTC (07:30 CET) - "
        "crisis 12, Border incident");
    free(v);
    char *body = body_of(m);
    /* The most important first: what is asked and by when, then the command. */
    assert_true(
        strncmp(body,
                "Vote requested for council/AM: Council decision, by 2026-12-05 06:30 UTC (07:30 CET) - "
                "crisis 12, Border incident.\n\nTo act, run:\n\n    tocsin vote 12 --state council approve\n",
                strlen("Vote requested for council/AM: Council decision, by 2026-12-05 06:30 UTC (07:30 "
                       "CET) - crisis 12, Border incident.\n\nTo act, run:\n\n    tocsin vote 12 --state "
                       "council approve\n")) == 0);
    assert_non_null(strstr(body, "\nDeadline:   2026-12-05 06:30 UTC (07:30 CET)\n"));
    assert_non_null(strstr(body, "\nEscalation: level 0 (not an escalation)\n"));
    assert_non_null(strstr(body, "\nSeverity:   high\n"));
    assert_non_null(strstr(body, "\nOn the board: https://board.example.org/crises/12\n"));
    free(body);
    /* Every line ends in CRLF, and no line is longer than quoted-printable's 76 characters. */
    for (const char *p = m; *p;) {
        const char *end = strstr(p, "\r\n");
        assert_non_null(end);
        assert_true(end - p <= 76);
        assert_null(memchr(p, '\n', (size_t)(end - p)));
        p = end + 2;
    }
    free(m);
}

static void test_notify_message_exercise_and_test_subjects(void **state)
{
    (void)state;
    char *m = email(notice("exercise", "Border incident", NULL, 3), &plain);
    char *v = header_value(m, "Subject");
    assert_string_equal(v,
                        "[EXERCISE] Vote requested (level 3) for council/AM: Council decision, no deadline - "
                        "crisis 12, Border incident");
    free(v);
    char *body = body_of(m);
    assert_true(strncmp(body, "EXERCISE - this is an exercise", 30) == 0);
    assert_non_null(strstr(body, "\nDeadline:   none\n"));
    assert_non_null(strstr(body, "\nEscalation: level 3\n"));
    free(body);
    free(m);
    m = email(notice("test", "Border incident", NULL, 0), &plain);
    v = header_value(m, "Subject");
    assert_true(strncmp(v, "[TEST] Vote requested", 21) == 0);
    free(v);
    free(m);
    m = email(notice("actual", "Border incident", NULL, 0), &plain);
    v = header_value(m, "Subject");
    assert_true(strncmp(v, "Vote requested", 14) == 0);
    free(v);
    free(m);
}

/* A title holding CR LF and a header of its own, or a blank line and a body of its own, adds nothing. */
static void test_notify_message_title_cannot_inject_headers(void **state)
{
    (void)state;
    const char *title = "Flood\r\nBcc: everyone@example.org\r\n\r\nFake body\nX-Evil: 1";
    char *m = email(notice("actual", title, NULL, 0), &plain);
    char *headers = headers_of(m);
    static const char *const allowed[] = {"From:",         "To:",           "Subject:",
                                          "Date:",         "Message-ID:",   "Auto-Submitted:",
                                          "MIME-Version:", "Content-Type:", "Content-Transfer-Encoding:"};
    int fields = 0;
    for (char *line = headers; *line; line = strstr(line, "\r\n") + 2) {
        if (*line == ' ')
            continue; /* a folded line */
        int known = 0;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            known |= strncmp(line, allowed[i], strlen(allowed[i])) == 0;
        assert_true(known);
        fields++;
    }
    assert_int_equal(fields, 9);
    assert_null(strstr(headers, "Bcc"));
    assert_null(strstr(headers, "X-Evil"));
    char *v = header_value(m, "Subject");
    assert_non_null(strstr(v, "Flood  Bcc: everyone@example.org    Fake body X-Evil: 1"));
    free(v);
    /* In the body too, the title stays on its line. */
    char *body = body_of(m);
    assert_null(strstr(body, "\nBcc:"));
    assert_null(strstr(body, "\nX-Evil"));
    free(body);
    free(headers);
    free(m);
}

static void test_notify_message_rfc2047_words(void **state)
{
    (void)state;
    /* Non-ASCII: encoded words of whole characters, each line at most 76, decoding to the text. */
    const char *title = "Überschwemmung in Zürich – Évacuation d'urgence 緊急 🚨 and a long tail of words";
    char *m = email(notice("actual", title, NULL, 0), &plain);
    char *v = header_value(m, "Subject");
    assert_non_null(strstr(v, title));
    free(v);
    char *headers = headers_of(m);
    assert_non_null(strstr(headers, "Subject: =?UTF-8?B?"));
    for (const unsigned char *p = (const unsigned char *)headers; *p; p++)
        assert_true(*p < 0x80);
    free(headers);
    free(m);

    /* One short ASCII value stays as it is; "=?" is encoded, lest a reader decode it. */
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_mime_header(&sb, "Subject", "plain words");
    tc_mime_header(&sb, "X", "=?UTF-8?B?QQ==?=");
    tc_mime_header(&sb, "Y", "é");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(text,
                        "Subject: plain words\r\n"
                        "X: =?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PQ==?=\r\n"
                        "Y: =?UTF-8?B?w6k=?=\r\n");
    free(text);

    /* A character is never cut between two words: 30 three-byte characters, 13 to the first word, 15 after.
     */
    char wide[91] = "";
    for (int i = 0; i < 30; i++)
        strcat(wide, "€");
    tc_mime_header(&sb, "Subject", wide);
    text = tc_strbuf_take(&sb);
    const char *second = strstr(text, "\r\n =?UTF-8?B?");
    assert_non_null(second);
    assert_int_equal(second - text, (long)strlen("Subject: =?UTF-8?B?") + 52 + 2); /* 39 bytes = 52 base64 */
    free(text);
}

static void test_notify_message_quoted_printable(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_mime_quoted_printable(&sb, "a=b \nc\td\t\né\r.\n");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(text, "a=3Db=20\r\nc\td=09\r\n=C3=A9=0D.\r\n");
    free(text);
    /* 100 'x': broken softly at 75 characters plus '='. */
    char line[101];
    memset(line, 'x', 100);
    line[100] = 0;
    tc_mime_quoted_printable(&sb, line);
    text = tc_strbuf_take(&sb);
    assert_int_equal(strlen(text), 100 + 3);
    assert_int_equal(strstr(text, "=\r\n") - text, 75);
    free(text);
    /* An =XX is never cut: 74 'x' then 'é' puts the soft break before it. */
    memset(line, 'x', 74);
    strcpy(line + 74, "é");
    tc_mime_quoted_printable(&sb, line);
    text = tc_strbuf_take(&sb);
    assert_string_equal(text + 74, "=\r\n=C3=A9");
    free(text);
}

static void test_notify_message_dates_and_addresses(void **state)
{
    (void)state;
    char date[TC_MIME_DATE_SIZE];
    tc_mime_date(0, date);
    assert_string_equal(date, "Thu, 01 Jan 1970 00:00:00 +0000");
    tc_mime_date(951782400000, date);
    assert_string_equal(date, "Tue, 29 Feb 2000 00:00:00 +0000");
    tc_mime_date(4107542399999, date);
    assert_string_equal(date, "Sun, 28 Feb 2100 23:59:59 +0000");
    assert_true(tc_mime_address_ok("am@example.org"));
    assert_false(tc_mime_address_ok("am@example.org\r\nDATA"));
    assert_false(tc_mime_address_ok("a m@example.org"));
    assert_false(tc_mime_address_ok("<am@example.org>"));
    assert_false(tc_mime_address_ok("example.org"));
    assert_false(tc_mime_address_ok("@example.org"));
    assert_false(tc_mime_address_ok("a@b@c"));
    assert_false(tc_mime_address_ok("ü@example.org"));
    assert_true(tc_notify_id_ok(ID));
    assert_false(tc_notify_id_ok("0b5e1a4c-7d2f-4e8a-9c3b-1f2e3d4c5b6"));
    assert_false(tc_notify_id_ok("0b5e1a4c+7d2f-4e8a-9c3b-1f2e3d4c5b6a"));
}

/* The words of a notice that says less than the contract's keys, or says them oddly, in each channel. */
typedef struct words_case {
    const char *notice; /* JSON text */
    const char *deadline_local, *board;
    const char *subject; /* the e-mail's, decoded */
    const char *slack;   /* Slack's whole text */
    const char *body;    /* the e-mail's whole body, decoded */
} words_case;

static const words_case words[] = {
    /* Nothing at all: still a notification, of a crisis. */
    {"{}", NULL, NULL, "Notification, no deadline - a crisis",
     "*Notification, no deadline - a crisis*\nEscalation level 0",
     "Notification, no deadline - a crisis.\n\nCrisis:     \nAsked:      Notification\nDeadline:   none\n"
     "Escalation: level 0 (not an escalation)\nSeverity:   not given\n\n-- \ntocsin, delivery " ID "\n"},
    /* A crisis id that is no integer, a seat that is empty, a state with no title, a deadline with seconds,
     * a test, a board link with what Slack must not read as markup. */
    {"{\"crisis\": \"12\", \"title\": \"Flood\", \"state\": \"report\", \"seat\": \"\", \"why\": \"task "
     "assigned\", "
     "\"level\": 1, \"mode\": \"test\", \"severity\": \"high\", \"deadline\": \"2026-12-05T06:30:15Z\"}",
     NULL, "https://board.example.org/?a=1&b=<2>",
     "[TEST] Task assigned (level 1): report, by 2026-12-05 06:30:15 UTC - a crisis, Flood",
     "*[TEST]* *Task assigned (level 1): report, by 2026-12-05 06:30:15 UTC - a crisis, Flood*\nEscalation "
     "level 1 · severity high"
     "\nBoard: https://board.example.org/?a=1&amp;b=&lt;2&gt;",
     "TEST - this is a test, not a real crisis.\n\nTask assigned (level 1): report, by 2026-12-05 06:30:15 "
     "UTC - a "
     "crisis, Flood.\n\nCrisis:     Flood\nAsked:      Task assigned (level 1): report\nDeadline:   "
     "2026-12-05 "
     "06:30:15 UTC\nEscalation: level 1\nSeverity:   high\nState:      report\nMode:       test\n\nOn the "
     "board: "
     "https://board.example.org/?a=1&b=<2>\n\n-- \ntocsin, delivery " ID "\n"},
    /* Every key, in an actual crisis: no prefix, DEL as a space; the state named by its title, then its path.
     */
    {"{\"crisis\": 3, \"title\": \"Qu\\u007fake\", \"playbook\": \"quake@2\", \"state\": \"operate/border\", "
     "\"state_title\": "
     "\"Close the border\", \"seat\": \"border/KZ\", \"why\": \"escalated\", \"level\": 2, \"severity\": "
     "\"extreme\", "
     "\"mode\": \"actual\", \"deadline\": \"2026-12-05 06:30\", \"act\": \"tocsin complete 3 --state "
     "operate/border "
     "--party KZ\"}",
     "07:30 CET", NULL,
     "Escalated (level 2) for border/KZ: Close the border, by 2026-12-05 06:30 UTC (07:30 CET) - crisis 3, "
     "Qu ake",
     "*Escalated (level 2) for border/KZ: Close the border, by 2026-12-05 06:30 UTC (07:30 CET) - crisis 3, "
     "Qu ake*"
     "\nEscalation level 2 · severity extreme · playbook quake@2\nTo act: `tocsin complete 3 --state "
     "operate/border "
     "--party KZ`",
     "Escalated (level 2) for border/KZ: Close the border, by 2026-12-05 06:30 UTC (07:30 CET) - crisis 3, "
     "Qu ake.\n\nTo act, run:\n\n    tocsin complete 3 --state operate/border --party KZ\n\nCrisis:     3, "
     "Qu ake\nAsked:      Escalated (level 2) for border/KZ: Close the border\nDeadline:   2026-12-05 06:30 "
     "UTC "
     "(07:30 CET)\nEscalation: level 2\nSeverity:   extreme\nState:      Close the border (operate/border)\n"
     "Playbook:   quake@2\nMode:       actual\n\n-- \ntocsin, delivery " ID "\n"},
};

static void test_notify_message_words_of_partial_notices(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const words_case *c = &words[i];
        tc_notify_extra extra = {ID, c->deadline_local, c->board};
        json_t *n = json_loads(c->notice, 0, NULL);
        assert_non_null(n);
        char *m = email(json_incref(n), &extra);
        char *v = header_value(m, "Subject");
        if (strcmp(v, c->subject) != 0)
            fail_msg("case %zu: subject\n %s\nnot\n %s", i, v, c->subject);
        free(v);
        char *body = body_of(m);
        if (strcmp(body, c->body) != 0)
            fail_msg("case %zu: body\n%s\nnot\n%s", i, body, c->body);
        free(body);
        free(m);
        char *hook = webhook(n, &extra, "slack");
        json_t *doc = json_loads(hook, 0, NULL);
        assert_non_null(doc);
        if (strcmp(json_string_value(json_object_get(doc, "text")), c->slack) != 0)
            fail_msg("case %zu: slack\n%s\nnot\n%s", i, json_string_value(json_object_get(doc, "text")),
                     c->slack);
        json_decref(doc);
        free(hook);
    }
}

/* A deadline as the message says it: ISO 8601 shortened to the minute (seconds when not 0), anything else as
 * given, whole. */
static void test_notify_message_deadlines(void **state)
{
    (void)state;
    static const struct {
        const char *deadline, *shown;
    } cases[] = {
        {"2026-12-05T06:30:00Z", "2026-12-05 06:30 UTC"},
        {"2026-12-05T06:30:00.000+00:00", "2026-12-05 06:30 UTC"},
        {"2026-12-05T06:30:59Z", "2026-12-05 06:30:59 UTC"},
        {"2026-12-05 06:30", "2026-12-05 06:30 UTC"},
        {"2026-12-05T06:30:5", "2026-12-05 06:30 UTC"},
        {"2026-12-05T06:30-07", "2026-12-05 06:30 UTC"},
        {"2026-12-05T06:30:x5Z", "2026-12-05 06:30 UTC"},
        {"2026-12-05X06:30:00Z", "2026-12-05X06:30:00Z"},
        {"20x6-12-05T06:30:00Z", "20x6-12-05T06:30:00Z"},
        {"2026/12-05T06:30:00Z", "2026/12-05T06:30:00Z"},
        {"2026-1x-05T06:30:00Z", "2026-1x-05T06:30:00Z"},
        {"2026-12/05T06:30:00Z", "2026-12/05T06:30:00Z"},
        {"2026-12-x5T06:30:00Z", "2026-12-x5T06:30:00Z"},
        {"2026-12-05T0x:30:00Z", "2026-12-05T0x:30:00Z"},
        {"2026-12-05T06-30:00Z", "2026-12-05T06-30:00Z"},
        {"2026-12-05T06:3x:00Z", "2026-12-05T06:3x:00Z"},
        {"tomorrow", "tomorrow"},
        /* Longer than the 40 bytes kept for an ISO time, with characters of three bytes: whole, never cut
         * inside a character (which made Slack's text invalid UTF-8: json_string() refused it, and the
         * body was {}). */
        {"before the third day of the month of Décembre, at dawn, ≈ 06:30 local time",
         "before the third day of the month of Décembre, at dawn, ≈ 06:30 local time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *n = json_pack("{s:s}", "deadline", cases[i].deadline);
        char *hook = webhook(json_incref(n), &plain, "slack");
        json_t *doc = json_loads(hook, 0, NULL);
        assert_non_null(doc);
        char expected[300];
        snprintf(expected, sizeof expected, "*Notification, by %s - a crisis*\nEscalation level 0",
                 cases[i].shown);
        const char *text = json_string_value(json_object_get(doc, "text"));
        if (text == NULL || strcmp(text, expected) != 0)
            fail_msg("%s: %s", cases[i].deadline, hook);
        json_decref(doc);
        free(hook);
        char *m = email(n, &plain);
        char *body = body_of(m);
        snprintf(expected, sizeof expected, "\nDeadline:   %s\n", cases[i].shown);
        if (strstr(body, expected) == NULL)
            fail_msg("%s: %s", cases[i].deadline, body);
        free(body);
        free(m);
    }
}

/* Keys of the wrong type are null in the webhook's JSON (level 0), as missing ones are. */
static void test_notify_message_json_of_wrong_types(void **state)
{
    (void)state;
    json_t *n =
        json_pack("{s:s, s:i, s:s, s:b, s:[]}", "crisis", "12", "title", 5, "level", "2", "act", 1, "seat");
    char *body = webhook(n, &plain, "json");
    assert_string_equal(body, "{\"id\":\"" ID
                              "\",\"crisis\":null,\"title\":null,\"playbook\":null,\"state\":null,"
                              "\"state_title\":null,\"seat\":null,\"why\":null,\"level\":0,\"severity\":null,"
                              "\"mode\":null,\"deadline\":null,\"act\":null}");
    free(body);
}

/* Each refusal, with its words. */
static void test_notify_message_refusals(void **state)
{
    (void)state;
    char *out = NULL;
    tc_error err;
    json_t *n = notice("actual", "t", NULL, 0);
    json_t *array = json_array();
    tc_notify_extra no_id = {NULL, NULL, NULL};
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(n, &no_id, "json", &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "delivery id (none) is not a uuid");
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(array, &no_id, "json", &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "notification of delivery (none) is not a JSON object");
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(n, &plain, NULL, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "webhook format (none) of delivery " ID " is not json or slack");
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(array, &plain, &mail, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "notification of delivery " ID " is not a JSON object");
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(array, &no_id, &mail, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "notification of delivery (none) is not a JSON object");
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(n, &no_id, &mail, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "delivery id (none) is not a uuid");
    tc_notify_mail bad_from = {"tocsin", "am@example.org", 0};
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(n, &plain, &bad_from, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "mail-from address of delivery " ID " is not an e-mail address");
    tc_error_init(&err);
    assert_int_equal(tc_notify_webhook_body(NULL, &plain, "slack", &out, &err), TC_EINVAL);
    tc_error_init(&err);
    assert_int_equal(tc_notify_email(NULL, &plain, &mail, &out, &err), TC_EINVAL);
    assert_string_equal(err.text, "notification of delivery " ID " is not a JSON object");
    assert_null(out);
    json_decref(array);
    json_decref(n);
}

/* Header fields at their edges: no value, a name too long for a word's room, what is not a character. */
static void test_notify_message_header_edges(void **state)
{
    (void)state;
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_mime_header(&sb, "X-None", NULL);
    tc_mime_header(&sb, "X-Controls",
                   "a\x7f"
                   "b\tc");
    char *text = tc_strbuf_take(&sb);
    assert_string_equal(text, "X-None: \r\nX-Controls: a b c\r\n");
    free(text);
    /* A name of 70 characters leaves no room: one character per word, each word whole. */
    char name[71];
    memset(name, 'N', 70);
    name[70] = '\0';
    tc_mime_header(&sb, name, "éé");
    text = tc_strbuf_take(&sb);
    char expected[200];
    snprintf(expected, sizeof expected, "%s: =?UTF-8?B?w6k=?=\r\n =?UTF-8?B?w6k=?=\r\n", name);
    assert_string_equal(text, expected);
    free(text);
    /* Bytes that are not UTF-8 are not passed on as they are. */
    tc_mime_header(&sb, "X", "a\xff");
    text = tc_strbuf_take(&sb);
    assert_null(strchr(text, '\xff'));
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        assert_true(*p < 0x80);
    free(text);
}

static void test_notify_message_date_and_address_edges(void **state)
{
    (void)state;
    char date[TC_MIME_DATE_SIZE];
    tc_mime_date(-86400000, date); /* before the epoch: the epoch */
    assert_string_equal(date, "Thu, 01 Jan 1970 00:00:00 +0000");
    tc_mime_date(INT64_MAX, date); /* past year 9999: its last second */
    assert_string_equal(date, "Fri, 31 Dec 9999 23:59:59 +0000");
    assert_false(tc_mime_address_ok(NULL));
    assert_false(tc_mime_address_ok("am@"));
    assert_false(tc_mime_address_ok("am@exa(mple).org"));
    char longest[300] = "a@";
    memset(longest + 2, 'x', 252);
    longest[254] = '\0';
    assert_true(tc_mime_address_ok(longest)); /* 254 characters */
    longest[254] = 'x';
    longest[255] = '\0';
    assert_false(tc_mime_address_ok(longest));
    assert_false(tc_notify_id_ok(NULL));
    assert_false(tc_notify_id_ok("0b5e1a4c-7d2f-4e8a-9c3b-1f2e3d4c5b6g"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify_message_json_has_exactly_the_contract_keys),
        cmocka_unit_test(test_notify_message_json_null_deadline_level_zero_and_board),
        cmocka_unit_test(test_notify_message_refuses_bad_input),
        cmocka_unit_test(test_notify_message_slack_is_one_escaped_text),
        cmocka_unit_test(test_notify_message_email_headers_and_body),
        cmocka_unit_test(test_notify_message_exercise_and_test_subjects),
        cmocka_unit_test(test_notify_message_title_cannot_inject_headers),
        cmocka_unit_test(test_notify_message_rfc2047_words),
        cmocka_unit_test(test_notify_message_quoted_printable),
        cmocka_unit_test(test_notify_message_dates_and_addresses),
        cmocka_unit_test(test_notify_message_words_of_partial_notices),
        cmocka_unit_test(test_notify_message_deadlines),
        cmocka_unit_test(test_notify_message_json_of_wrong_types),
        cmocka_unit_test(test_notify_message_refusals),
        cmocka_unit_test(test_notify_message_header_edges),
        cmocka_unit_test(test_notify_message_date_and_address_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
