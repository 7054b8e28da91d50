/* The `tocsin-*\/1` texts that signatures cover (verify/signed_text.h). */
#include "core/verify/signed_text.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/strbuf.h"

const char *const tc_head_signed_names[4] = {"crisis", "seq", "hash", "signed_at"};

int tc_signed_text_parse(const char *text, size_t size, const char *header, const char *const *names,
                         size_t count, json_t **values, tc_error *err)
{
    if (size == 0 || text[size - 1] != '\n')
        return tc_error_set(err, TC_EINVAL, "it does not end with a line break");
    if (memchr(text, '\0', size) != NULL)
        return tc_error_set(err, TC_EINVAL, "it holds a NUL byte");
    const char *line = text, *end = text + size;
    size_t length = (size_t)((const char *)memchr(line, '\n', (size_t)(end - line)) - line);
    if (length != strlen(header) || memcmp(line, header, length) != 0)
        return tc_error_set(err, TC_EINVAL, "its first line is not %s", header);
    line += length + 1;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        if (line == end) {
            json_decref(list);
            return tc_error_set(err, TC_EINVAL, "it ends before its \"%s\" line", names[i]);
        }
        length = (size_t)((const char *)memchr(line, '\n', (size_t)(end - line)) - line);
        size_t name = strlen(names[i]);
        if (length <= name + 1 || memcmp(line, names[i], name) != 0 || line[name] != ' ') {
            json_decref(list);
            return tc_error_set(err, TC_EINVAL, "line %zu is not \"%s VALUE\"", i + 2, names[i]);
        }
        /* The value takes the rest of the line: jansson refuses anything but spaces after it. */
        json_t *value =
            json_loadb(line + name + 1, length - name - 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        if (value == NULL) {
            json_decref(list);
            return tc_error_set(err, TC_EINVAL, "the value of \"%s\" (line %zu) is not JSON", names[i],
                                i + 2);
        }
        json_array_append_new(list, value);
        line += length + 1;
    }
    if (line != end) {
        json_decref(list);
        return tc_error_set(err, TC_EINVAL, "it has a line after its \"%s\" line",
                            count > 0 ? names[count - 1] : header);
    }
    *values = list;
    return 0;
}

static void add_json_string(tc_strbuf *sb, const char *text)
{
    json_t *s = json_string(text ? text : "");
    char *dumped = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
    tc_strbuf_add(sb, dumped ? dumped : "\"\"");
    free(dumped);
    json_decref(s);
}

char *tc_head_signed_text(long long crisis, long long seq, const char *hash, const char *signed_at)
{
    tc_strbuf sb = TC_STRBUF_INIT;
    tc_strbuf_addf(&sb, "%s\ncrisis %lld\nseq %lld\nhash ", TC_HEAD_HEADER, crisis, seq);
    add_json_string(&sb, hash);
    tc_strbuf_add(&sb, "\nsigned_at ");
    add_json_string(&sb, signed_at);
    tc_strbuf_add(&sb, "\n");
    return tc_strbuf_take(&sb);
}
