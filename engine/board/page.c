/*
 * The board's page: the files of engine/board/static/, built into the binary
 * by cmake/embed_static.cmake (no build step on the user's machine, no file
 * to find at run time). They hold no data: the page signs in and reads
 * /api/. Its Content-Security-Policy allows only its own script, style and
 * requests, so text of a crisis that slipped into the page as markup could
 * not run.
 */
#include <string.h>

#include "board/board_internal.h"

struct tc_board_file {
    const char *name;
    const unsigned char *bytes;
    size_t length;
};
extern const struct tc_board_file tc_board_files[];

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return "application/octet-stream";
}

int tc__page(h2o_req_t *req, const char *path, size_t len)
{
    if (len == 1 && path[0] == '/') {
        path = "/index.html";
        len = 11;
    }
    for (const struct tc_board_file *f = tc_board_files; f->name != NULL; f++) {
        if (len == strlen(f->name) + 1 && path[0] == '/' && memcmp(path + 1, f->name, len - 1) == 0) {
            tc__add_header(req, "content-security-policy",
                           "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                           "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
            tc__respond(req, 200, type_of(f->name), (const char *)f->bytes, f->length);
            return 0;
        }
    }
    tc__respond_error(req, 404, "no such path");
    return 0;
}
