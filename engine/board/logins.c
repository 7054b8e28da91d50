/*
 * Credentials the board holds: for each (role, password) the database has
 * accepted, a small pool of connections logged in with them; and the page's
 * cookie sessions, each pointing at one.
 *
 * The board has no power of its own to read a crisis: a user's reads run on
 * connections logged in as the user's role, so row-level security sees that
 * role. Connecting is how a password is checked (the server checks it, with
 * whatever pg_hba.conf asks: scram-sha-256, say); a credential already
 * accepted is found again by role and by a keyed hash of role and password
 * compared in constant time, so a request with a wrong password never rides
 * a pool made with the right one, and timing does not tell how close it was.
 * The password itself is kept (more connections may be needed), zeroed when
 * forgotten, and never logged.
 *
 * Bounds: TC__BOARD_LOGINS credentials, each with at most
 * TC__BOARD_LOGIN_CONNS connections; an idle connection is closed after
 * TC__BOARD_IDLE_MS; a credential nothing holds and with no connection is
 * forgotten at the next sweep (at once when the server refused it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "board/board_internal.h"
#include "core/base/alloc.h"
#include "core/base/sha256.h"

static void key_of(const tc__board *b, const char *role, const char *password, uint8_t key[32])
{
    tc_sha256 ctx;
    tc_sha256_init(&ctx);
    tc_sha256_update(&ctx, b->salt, sizeof b->salt);
    tc_sha256_update(&ctx, role, strlen(role) + 1);
    tc_sha256_update(&ctx, password, strlen(password));
    tc_sha256_final(&ctx, key);
}

static int same(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

static void wipe(char *s)
{
    if (s == NULL)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = '\0';
    free(s);
}

static void login_free(tc__board *b, tc__login *l)
{
    for (tc__login **p = &b->logins; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    b->nlogins--;
    for (int i = 0; i < l->nidle; i++)
        PQfinish(l->idle[i]);
    free(l->role);
    wipe(l->password);
    free(l);
}

/* Forgotten when nothing holds it and no connection is left (or the server refused it). */
static void maybe_forget(tc__login *l)
{
    if (l->refs == 0 && l->open == l->nidle && (l->refused || l->nidle == 0))
        login_free(l->board, l);
}

void tc__login_ref(tc__login *l)
{
    l->refs++;
}

void tc__login_unref(tc__login *l)
{
    if (l != NULL && --l->refs == 0 && l->refused)
        maybe_forget(l);
}

tc__login *tc__login_get(tc__board *b, const char *role, const char *password)
{
    uint8_t key[32];
    key_of(b, role, password, key);
    for (tc__login *l = b->logins; l != NULL; l = l->next)
        if (!l->refused && strcmp(l->role, role) == 0 && same(l->key, key, sizeof key)) {
            l->refs++;
            return l;
        }
    if (b->nlogins >= TC__BOARD_LOGINS) {
        /* Room for one more: the first held by nothing goes, with its idle connections. */
        tc__login *victim = NULL;
        for (tc__login *l = b->logins; l != NULL; l = l->next)
            if (l->refs == 0 && l->open == l->nidle)
                victim = l;
        if (victim == NULL)
            return NULL;
        login_free(b, victim);
    }
    tc__login *l = tc_xcalloc(1, sizeof *l);
    l->board = b;
    l->role = tc_xstrdup(role);
    l->password = tc_xstrdup(password);
    memcpy(l->key, key, sizeof key);
    l->refs = 1;
    l->next = b->logins;
    b->logins = l;
    b->nlogins++;
    return l;
}

int tc__base64_decode(const char *in, size_t len, char *out, size_t size)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)in[i], v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= size)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return (int)n;
}

/* Printable, non-empty, NUL-free text of at most max bytes. */
static int acceptable(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max || memchr(s, '\0', len) != NULL)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static tc__login *from_basic(tc__board *b, const char *value, size_t len, const char **why, int *unavailable)
{
    char decoded[TC__BOARD_ROLE_MAX + TC__BOARD_PASSWORD_MAX + 2];
    if (len < 6 || strncasecmp(value, "Basic ", 6) != 0) {
        *why = "credentials are HTTP Basic (role and password)";
        return NULL;
    }
    int n = tc__base64_decode(value + 6, len - 6, decoded, sizeof decoded);
    char *colon = n > 0 ? memchr(decoded, ':', (size_t)n) : NULL;
    if (colon == NULL || !acceptable(decoded, (size_t)(colon - decoded), TC__BOARD_ROLE_MAX) ||
        !acceptable(colon + 1, (size_t)(decoded + n - colon - 1), TC__BOARD_PASSWORD_MAX)) {
        *why = "wrong role or password";
        memset(decoded, 0, sizeof decoded);
        return NULL;
    }
    *colon = '\0';
    tc__login *l = tc__login_get(b, decoded, colon + 1);
    memset(decoded, 0, sizeof decoded);
    if (l == NULL) {
        *why = "too many users signed in at once; try again later";
        *unavailable = 1;
    }
    return l;
}

static tc__session *session_of(tc__board *b, h2o_req_t *req)
{
    size_t len;
    const char *cookie = tc__header(req, "cookie", &len);
    if (cookie == NULL)
        return NULL;
    size_t at = h2o_strstr(cookie, len, H2O_STRLIT("tocsin_session="));
    if (at == SIZE_MAX || len - at - 15 < 64)
        return NULL;
    const char *token = cookie + at + 15;
    uint64_t now = uv_now(&b->loop);
    for (int i = 0; i < TC__BOARD_SESSIONS; i++) {
        tc__session *s = &b->sessions[i];
        if (s->token[0] != '\0' && same(s->token, token, 64) && s->expires > now)
            return s;
    }
    return NULL;
}

tc__login *tc__login_of_request(tc__board *b, h2o_req_t *req, const char **why, int *unavailable)
{
    size_t len;
    const char *auth = tc__header(req, "authorization", &len);
    if (auth != NULL)
        return from_basic(b, auth, len, why, unavailable);
    tc__session *s = session_of(b, req);
    if (s != NULL) {
        tc__login_ref(s->login);
        return s->login;
    }
    *why = "sign in: HTTP Basic with a PostgreSQL role and its password";
    return NULL;
}

int tc__session_new(tc__board *b, tc__login *l, char token[65])
{
    uint64_t now = uv_now(&b->loop);
    tc__session *free_slot = NULL;
    for (int i = 0; i < TC__BOARD_SESSIONS && free_slot == NULL; i++)
        if (b->sessions[i].token[0] == '\0' || b->sessions[i].expires <= now)
            free_slot = &b->sessions[i];
    if (free_slot == NULL)
        return -1;
    if (free_slot->token[0] != '\0')
        tc__login_unref(free_slot->login);
    uint8_t bytes[32];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(free_slot->token + 2 * i, 3, "%02x", bytes[i]);
    memcpy(token, free_slot->token, 65);
    free_slot->login = l;
    free_slot->expires = now + TC__BOARD_SESSION_MS;
    tc__login_ref(l);
    return 0;
}

static void session_end(tc__session *s)
{
    tc__login *l = s->login;
    memset(s, 0, sizeof *s);
    l->refused = 1; /* signed out: its connections go as soon as nothing else holds it */
    tc__login_unref(l);
}

void tc__session_end(tc__board *b, h2o_req_t *req)
{
    tc__session *s = session_of(b, req);
    if (s != NULL)
        session_end(s);
}

void tc__login_own(tc__board *b)
{
    b->own = tc_xcalloc(1, sizeof *b->own);
    b->own->board = b;
    b->own->refs = 1; /* the board's, until the end */
}

/* Closes l's connections idle for long enough (all, with everything). */
static void close_idle(tc__login *l, uint64_t now, int everything)
{
    int kept = 0;
    for (int i = 0; i < l->nidle; i++) {
        if (everything || now - l->idle_since[i] >= TC__BOARD_IDLE_MS) {
            PQfinish(l->idle[i]);
            l->open--;
        } else {
            l->idle[kept] = l->idle[i];
            l->idle_since[kept++] = l->idle_since[i];
        }
    }
    l->nidle = kept;
}

void tc__logins_sweep(tc__board *b, int everything)
{
    uint64_t now = uv_now(&b->loop);
    for (int i = 0; i < TC__BOARD_SESSIONS; i++)
        if (b->sessions[i].token[0] != '\0' && (everything || b->sessions[i].expires <= now))
            session_end(&b->sessions[i]);
    tc__login *next;
    for (tc__login *l = b->logins; l != NULL; l = next) {
        next = l->next;
        close_idle(l, now, everything);
        if (l->refs == 0 && l->open == 0)
            login_free(b, l);
    }
    if (b->own != NULL) {
        close_idle(b->own, now, everything);
        if (everything) {
            free(b->own);
            b->own = NULL;
        }
    }
}
