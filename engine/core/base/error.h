/*
 * Error codes and error detail shared by every layer of libtocsin.
 *
 * Functions return int: 0 on success, a negative TC_E* code otherwise. Detail
 * travels in an optional last parameter `tc_error *err` (may be NULL), in the
 * manner of jansson's json_error_t: the first error recorded wins, so a low
 * layer's precise message is not overwritten by a caller's vaguer one.
 *
 * The codes are chosen so that the command line can map each to one of the
 * exit codes of the contract (docs/cli.md) without knowing where it came from.
 */
#ifndef TC_CORE_ERROR_H
#define TC_CORE_ERROR_H

#include <stdarg.h>

enum {
    TC_OK = 0,
    TC_EFAILED = -1,   /* anything not covered below (exit 1) */
    TC_EUSAGE = -2,    /* bad command line: unknown option, missing argument (exit 2) */
    TC_EINVAL = -3,    /* invalid input: playbook, JSON, value, migration file (exit 3) */
    TC_ENOTFOUND = -4, /* no such crisis, playbook, state or role (exit 4) */
    TC_EPERM = -5,     /* the acting role may not do this (exit 5) */
    TC_ECONFLICT = -6, /* nothing active could take the command (exit 6) */
    TC_EUNAVAIL = -7,  /* the database cannot be reached, or cannot work: no disk, memory, I/O (exit 7) */
    TC_ENOMEM = -8,    /* out of memory (exit 1) */
    TC_EIO = -9,       /* a file or pipe failed (exit 1) */
};

#define TC_ERROR_TEXT_LENGTH 512

typedef struct tc_error {
    int code;                        /* 0 until an error is recorded */
    char text[TC_ERROR_TEXT_LENGTH]; /* one line, lowercase, no final full stop */
} tc_error;

/* Clears err (a no-op when err is NULL). */
void tc_error_init(tc_error *err);

/*
 * Records an error in err unless one is recorded already (first error wins) and
 * returns code, so that a failing function can say `return tc_error_set(...)`.
 * err may be NULL. Newlines in the formatted text are turned into spaces, so the
 * text is always one line.
 */
int tc_error_set(tc_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tc_error_setv(tc_error *err, int code, const char *fmt, va_list ap);

/* A short static name for a code ("invalid input"); never NULL. */
const char *tc_strerror(int code);

#endif
