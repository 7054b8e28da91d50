/*
 * Offline verification of an exported audit (`tocsin audit verify --file`,
 * docs/signatures.md): no database, only the export, and optionally the
 * registered keys (`tocsin key list --json`) and published chain heads
 * (`tocsin audit head`).
 *
 * What it checks, in the order of the files:
 *
 *   - every head (before the export): its key is in the keys, in force when
 *     the head says it was signed, the signature holds over its signed text,
 *     and that text says what the head says;
 *   - every line of the export, chain by chain (an export may hold several
 *     crises, one after the other): seq counts from 1, prev_hash is the hash
 *     before it (64 zeros first), hash is the sha256 of prev_hash followed by
 *     canonical, and canonical, read as JSON, says what the line says (seq,
 *     crisis, at, actor, login, kind, state, detail, signature; numbers
 *     compared as numbers);
 *   - every signature on an event, when keys are given: its key is in the
 *     keys, belongs to the event's actor, was registered before the event and
 *     not revoked before it, the signature holds, and the signed text says
 *     what the event says (crisis, state, visit, seat, kind, value, data, and
 *     for a vote its reason);
 *   - every head against the export: the export's event of the head's crisis
 *     and seq has exactly the head's hash. A head of a crisis the export does
 *     not hold is counted, not checked (a file of heads may cover every
 *     crisis); one whose crisis the export holds but ends before is a failure.
 *
 * Pure: the Ed25519 check is a function the caller passes (the CLI passes
 * engine/sign's tc_key_verify; tests and the fuzzer pass their own), and the
 * files arrive as text.
 */
#ifndef TC_CORE_VERIFY_OFFLINE_H
#define TC_CORE_VERIFY_OFFLINE_H

#include <stddef.h>

#include "core/base/error.h"

/*
 * Whether signature (base64 of 64 bytes) is the Ed25519 signature by
 * public_key (ed25519:BASE64, docs/signatures.md) of the size bytes at text.
 * 1 or 0.
 */
typedef int (*tc_signature_check)(const char *public_key, const char *text, size_t size,
                                  const char *signature);

/* A file given to the verifier: its name for messages, and its text (NULL when not given). */
typedef struct tc_offline_file {
    const char *name;
    const char *text;
    size_t size;
} tc_offline_file;

/* What a verification that held covered. */
typedef struct tc_offline_summary {
    long long events;          /* lines of the export */
    long long crises;          /* chains in it */
    long long signatures;      /* signatures on events checked against the keys */
    long long unchecked;       /* signatures on events not checked: no keys given */
    long long heads;           /* heads checked against the export */
    long long heads_elsewhere; /* heads of crises the export does not hold */
} tc_offline_summary;

/*
 * Verifies the export against keys and heads (their text NULL when not
 * given; heads need keys). Returns 0 and fills *summary when everything
 * holds; TC_EFAILED with err naming the first failure, in one line ("crisis
 * 42, event 7: its hash is ..., but the sha256 of its prev_hash and canonical
 * text is ..."); TC_EINVAL when a file is not what it should be (not JSON, a
 * field missing or of the wrong type, an export with no event, a key whose id
 * is not its public key's), naming the file and line; TC_EUSAGE for heads
 * without keys.
 */
int tc_offline_verify(const tc_offline_file *export_file, const tc_offline_file *keys,
                      const tc_offline_file *heads, tc_signature_check check, tc_offline_summary *summary,
                      tc_error *err);

#endif
