/*
 * What a signed command says (docs/signatures.md, "A signed command"): its
 * text, read back, and compared with the command as the engine is about to
 * apply it. No cryptography here (engine/sign verifies the signature over the
 * text); this is the part that must agree with every verifier's, so it is
 * pure, and tested and fuzzed as such.
 */
#ifndef TC_CORE_SIGNATURE_H
#define TC_CORE_SIGNATURE_H

#include <jansson.h>

#include "core/base/error.h"
#include "core/machine/event.h"
#include "core/playbook/playbook.h"

#define TC_SIGNED_COMMAND_HEADER "tocsin-command/1"

typedef struct tc_signed_command {
    long long crisis;
    const char *playbook_sha256;
    const char *state; /* the state's path */
    long long visit;
    const char *seat;  /* council/KZ, secretariat */
    const char *kind;  /* vote, complete, ack */
    const char *value; /* the vote, the outcome (done when none was given), NULL for an acknowledgement */
    json_t *data;      /* a completion's outputs, or NULL */
    const char *reason;
    const char *key;       /* the idempotency key, or NULL */
    const char *signed_at; /* UTC, milliseconds */
} tc_signed_command;

/* The signed text of c (caller frees); never NULL. */
char *tc_signed_command_text(const tc_signed_command *c);

/*
 * Reads a signed text. Fills out with strings borrowed from *holder (a new
 * JSON object, caller decrefs, also on failure). TC_EINVAL naming the line
 * when it is not the form of docs/signatures.md: the header, the eleven
 * fields in order, each `name JSON`, and nothing after.
 */
int tc_signed_command_parse(const char *text, tc_signed_command *out, json_t **holder, tc_error *err);

/*
 * What a signature of ev must say, on inst of playbook whose version has
 * sha256 playbook_sha256, recorded with idempotency key key (or NULL):
 * ev's state (a path, active), its visit, the seat of ev->party (or the
 * office), the kind, value, data and reason. seat is a buffer of 160 bytes
 * that out->seat points into. TC_ENOTFOUND when ev's state is not active or
 * its party not one of the playbook's; TC_EINVAL for a kind that is not
 * signed (only vote, complete and ack are).
 */
int tc_signed_command_expect(const tc_playbook *playbook, const tc_instance *inst, const tc_event *ev,
                             const char *playbook_sha256, const char *key, tc_signed_command *out,
                             char seat[160], tc_error *err);

/* Whether signed says what expected says (every field but signed_at); TC_EPERM naming the first field
 * that differs, with both values, otherwise. */
int tc_signed_command_covers(const tc_signed_command *signed_, const tc_signed_command *expected,
                             tc_error *err);

#endif
