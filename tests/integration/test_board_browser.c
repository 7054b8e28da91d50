/*
 * The board in a browser (tests/browser/board.mjs: Debian's Chromium driven by
 * puppeteer-core, which scripts/deps.sh installs): this test makes the
 * database, the role with its password, an engine, an exercise crisis and
 * `tocsin serve`, then runs the script, which signs in (a wrong password
 * first), sees the crisis, casts a vote with the CLI and sees it on the page
 * within a second without a reload, and saves screenshots under the build
 * directory (TOCSIN_ARTIFACTS).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static const char password[] = "kz-secret";

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void wait_listening(int port)
{
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return;
        th_sleep_ms(50);
    }
    fail_msg("tocsin serve did not listen on port %d", port);
}

static void test_board_browser_sign_in_and_live_vote(void **state)
{
    (void)state;
    char *db = th_db_create();
    char kz[64], path[4096], sql[256], listen[32], url[64];
    snprintf(kz, sizeof kz, "browser_kz_%ld", (long)getpid());
    th_playbook_load(db, "tests/data/playbooks/valid/council.json");
    th_run_ok(db, (const char *[]){"actor", "add", kz, "--seat", "council/KZ", "--login", NULL});
    snprintf(sql, sizeof sql, "ALTER ROLE %s PASSWORD '%s'; GRANT tocsin_password_login TO %s", kz, password,
             kz);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    th_proc *engine = th_tocsin_start(db, (const char *[]){"engine", NULL});
    th_expect_tocsin(db, NULL, 0,
                     (const char *[]){"trigger", "council", "--title", "Border incident at Fergana",
                                      "--severity", "severe", "--mode", "exercise", "--wait", "10", NULL},
                     "1", NULL);
    int port = free_port();
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    th_proc *board = th_tocsin_start(db, (const char *[]){"serve", "--listen", listen, NULL});
    wait_listening(port);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("BOARD_URL", url, 1);
        setenv("BOARD_ROLE", kz, 1);
        setenv("BOARD_PASSWORD", password, 1);
        setenv("BOARD_CRISIS", "1", 1);
        setenv("TOCSIN_DB", db, 1);
        snprintf(path, sizeof path, "%s/tests/browser/board.mjs", th_env("TOCSIN_SOURCE_DIR"));
        execlp("node", "node", path, (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);

    th_run r;
    th_signal(board, SIGTERM);
    th_wait(board, &r);
    int board_status = r.status;
    char *board_err = strdup(r.err);
    th_run_free(&r);
    th_signal(engine, SIGTERM);
    th_wait(engine, &r);
    th_run_free(&r);
    th_db_drop(db);
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", kz);
    th_exec(th_env("TOCSIN_TEST_DB"), sql);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("tests/browser/board.mjs failed (status %d); tocsin serve said: %s", status, board_err);
    if (board_status != 0)
        fail_msg("tocsin serve exited %d: %s", board_status, board_err);
    free(board_err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_board_browser_sign_in_and_live_vote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
