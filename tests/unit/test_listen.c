/*
 * tocsin serve --listen HOST:PORT, as the board reads it
 * (tc_board_parse_listen: pure, though it lives with the board).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "board/board.h"

static int parse(const char *text, char *host, size_t size, int *port, tc_error *err)
{
    tc_error_init(err);
    *port = 0;
    return tc_board_parse_listen(text, host, size, port, err);
}

static void test_listen_addresses(void **state)
{
    (void)state;
    char host[64];
    int port;
    tc_error err;
    assert_int_equal(parse("127.0.0.1:8080", host, sizeof host, &port, &err), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    assert_int_equal(parse("[::1]:65535", host, sizeof host, &port, &err), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 65535);
}

static void test_listen_refusals(void **state)
{
    (void)state;
    char host[64];
    int port;
    tc_error err;
    assert_int_equal(parse("8080", host, sizeof host, &port, &err), TC_EINVAL);
    assert_string_equal(err.text, "--listen takes HOST:PORT, not '8080'");
    assert_int_equal(parse("[::1:80", host, sizeof host, &port, &err), TC_EINVAL);
    assert_string_equal(err.text, "--listen takes [IPv6]:PORT, not '[::1:80'");
    assert_int_equal(parse("127.0.0.1:0", host, sizeof host, &port, &err), TC_EINVAL);
    assert_string_equal(err.text, "--listen: the port is a number from 1 to 65535, not '0'");
    assert_int_equal(parse("[]:80", host, sizeof host, &port, &err), TC_EINVAL);
    assert_string_equal(err.text, "--listen: no address in '[]:80'");
    assert_int_equal(parse("localhost:80", host, sizeof host, &port, &err), TC_EINVAL);
    assert_string_equal(err.text, "--listen: 'localhost' is not an IPv4 or IPv6 address");
    assert_int_equal(port, 0);
}

/* An address longer than the function's own 64-byte buffer, given a larger host buffer: it was copied
 * past the end of that buffer (a stack overflow, fuzz_cli). */
static void test_listen_long_address(void **state)
{
    (void)state;
    char text[200], host[256];
    memset(text, '1', 100);
    strcpy(text + 100, ":8080");
    int port;
    tc_error err;
    assert_int_equal(parse(text, host, sizeof host, &port, &err), TC_EINVAL);
    assert_non_null(strstr(err.text, "is not an IPv4 or IPv6 address"));
    /* and one that fits the address buffer but not the caller's */
    assert_int_equal(parse("127.0.0.1:80", host, 9, &port, &err), TC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_addresses),
        cmocka_unit_test(test_listen_refusals),
        cmocka_unit_test(test_listen_long_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
