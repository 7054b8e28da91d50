/*
 * The text a signed chain head covers (docs/signatures.md, "Heads"), in the
 * form of a signed command's (core/machine/signature.h): a header line
 * (`tocsin-head/1`), then one line per field
 * in a fixed order, each the field's name, one space and its value as compact
 * JSON; every line ends in "\n", the last one too.
 *
 * A verifier reads such a text back (tc_signed_text_parse) and compares the
 * values with what they vouch for, rather than rebuilding the text byte for
 * byte: JSON writers differ in how they escape (jansson writes \u001B, Node
 * \u001b), and the signature covers the bytes that were signed, whoever
 * wrote them.
 */
#ifndef TC_CORE_VERIFY_SIGNED_TEXT_H
#define TC_CORE_VERIFY_SIGNED_TEXT_H

#include <jansson.h>
#include <stddef.h>

#include "core/base/error.h"

#define TC_HEAD_HEADER "tocsin-head/1"

/*
 * Reads text (size bytes, no NUL needed) as a signed text whose first line is
 * header and whose other lines carry exactly the count names, in order.
 * Returns 0 and a new JSON array of the count values in *values, or TC_EINVAL
 * with err saying what is wrong ("line 3 is not \"seat VALUE\"").
 */
int tc_signed_text_parse(const char *text, size_t size, const char *header, const char *const *names,
                         size_t count, json_t **values, tc_error *err);

/*
 * The signed text of a head (docs/signatures.md, "Heads"): tocsin-head/1,
 * crisis, seq, hash and signed_at. Returns a new string (free()).
 */
char *tc_head_signed_text(long long crisis, long long seq, const char *hash, const char *signed_at);

/* The names of a head's signed text after its header, in order (4 of them). */
extern const char *const tc_head_signed_names[4];

#endif
