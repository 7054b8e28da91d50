/*
 * The limits on what tocsin takes in: one home for each number, cited by the
 * SQL that enforces the same limits in the database, by docs/cli.md ("Beyond
 * the contract") and by each command's --help.
 *
 * Sizes are bytes of UTF-8, not characters. Text must be valid UTF-8 (with no
 * NUL) whatever its size: PostgreSQL stores nothing else, and a JSON document
 * cannot carry anything else (core/base/utf8.h).
 *
 * The CLI checks what it is given against these before it connects (cli/cli.c
 * for every option), so a refusal is immediate (exit 3) and nothing is stored;
 * the database checks again (migrations/repeatable/50_commands.sql), for callers that are not the CLI. A JSON
 * value is measured as PostgreSQL prints the jsonb it becomes (tc_json_size below), so that what the CLI
 * accepts the database accepts too.
 */
#ifndef TC_CORE_LIMITS_H
#define TC_CORE_LIMITS_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/error.h"

/* A playbook's source, as written by its author (playbook validate, load, graph, simulate): 1 MiB. */
#define TC_PLAYBOOK_MAX_BYTES 1048576

/* A simulate script file: 1 MiB. */
#define TC_SCRIPT_MAX_BYTES 1048576

/* A JSON argument as given (--inputs, --data), each --input K=V, --parties; and, once parsed and measured
 * with tc_json_size, the inputs of a trigger as a whole and the data of a completion: 64 KiB. */
#define TC_JSON_ARG_MAX_BYTES 65536

/* A crisis title (trigger --title): 1 KiB. */
#define TC_TITLE_MAX_BYTES 1024

/* A reason (vote, escalate, cancel --reason): 16 KiB. */
#define TC_REASON_MAX_BYTES 16384

/* An idempotency key (--key): stored and indexed with its command. */
#define TC_KEY_MAX_BYTES 256

/* Any other word given on the command line: a state path, a party, an outcome, a playbook name, an
 * engine's --id... (each is matched against the playbook, or refused, too). */
#define TC_NAME_MAX_BYTES 1024

/* A contact's address (contact add --email, --webhook): an e-mail address or a URL, at most 2 KiB
 * (migrations/014_notifications.sql). */
#define TC_ADDRESS_MAX_BYTES 2048

/* A PostgreSQL role name (actor add ROLE): NAMEDATALEN - 1. A longer name would be cut short by the
 * server, silently, and name another role than the one asked for. */
#define TC_ROLE_MAX_BYTES 63

/* An exported audit that audit verify --file reads (audit export ID, or several concatenated): 256 MiB.
 * Read whole into memory; a crisis's audit is rarely a megabyte. */
#define TC_EXPORT_MAX_BYTES 268435456

/* A file of keys (--keys, key list --json) or of published heads (--heads): 16 MiB each. */
#define TC_KEYS_MAX_BYTES 16777216

/*
 * Checks a text argument: valid UTF-8 (core/base/utf8.h) of at most max_bytes.
 * Returns 0, or TC_EINVAL with err naming it by what ("--reason"): "--reason
 * is not valid UTF-8 (byte 3)", "--reason is 20000 bytes, more than the 16384
 * allowed".
 */
int tc_limit_text(const char *what, const char *text, size_t max_bytes, tc_error *err);

/*
 * An upper bound of the size of value as PostgreSQL prints the jsonb it
 * becomes (octet_length(value::text)): ", " and ": " between members, strings
 * escaped as jsonb escapes them, and a real counted as numeric prints it, with
 * every digit of its exponent written out (1e300 is 301 bytes there).
 */
size_t tc_json_size(const json_t *value);

/* Checks that tc_json_size(value) is at most max_bytes: 0, or TC_EINVAL naming it by what. */
int tc_limit_json(const char *what, const json_t *value, size_t max_bytes, tc_error *err);

#endif
