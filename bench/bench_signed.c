/*
 * Benchmark: signed votes applied per second by one engine, beside unsigned
 * ones, in the same run (issue 21's target: >= 5,000 signed votes a second).
 * Both on a six-seat consensus of 1,000 crises with 6,000 queued votes: the
 * unsigned on tests/data/playbooks/valid/council.json, the signed on
 * signed.json, whose approval requires signatures; each vote signed by its
 * seat's own Ed25519 key (registered), so the engine checks the key, the
 * signature and the signed text of every one. Timed from the engine's start
 * (a child process) until no vote is pending: as a service (two batches in
 * flight, as engines run) and with --once (one batch at a time, as
 * bench_engine measures); median of RUNS runs, alternating.
 *
 *   bench_signed ADMIN_CONNINFO COUNCIL.json SIGNED.json [RUNS] [CRISES]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench_support.h"
#include "core/machine/signature.h"
#include "sign/key.h"
#include "store/db.h"

static const char *const parties[] = {"AM", "BY", "KZ", "KG", "RU", "TJ"};

static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *params)
{
    tc_error err;
    tc_error_init(&err);
    PGresult *res = tc_db_query(conn, sql, n, params, "query", &err);
    bench_must(res == NULL, &err);
    return res;
}

/* A fresh database with the crises applied and 6 votes each queued; signed with a key per seat when keys. */
static char *prepare(const char *admin, const char *text, int crises, int sign, const char *dir)
{
    tc_error err;
    tc_error_init(&err);
    char *db = bench_fresh_database(admin, "tocsin_bench", text, NULL);
    PGconn *conn = NULL;
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    char sql[512];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO tocsin.seats SELECT lower(p), 'council/' || p FROM "
        "unnest(ARRAY['AM','BY','KZ','KG','RU','TJ']) p;"
        "SELECT tocsin.trigger(p.name, NULL, NULL, NULL, ARRAY['AM','BY','KZ','KG','RU','TJ'], '{}', NULL)"
        "  FROM tocsin.playbooks p, generate_series(1, %d)",
        crises);
    bench_must(tc_db_command(conn, sql, "seed", &err), &err);
    tc_db_close(conn);
    bench_apply_triggers(db);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);

    tc_signing_key keys[6];
    for (int p = 0; sign && p < 6; p++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s-%d.key", dir, parties[p], getpid());
        unlink(path);
        bench_must(tc_key_generate(path, &keys[p], &err), &err);
        unlink(path);
        const char *params[3] = {keys[p].id, parties[p], keys[p].public_text};
        PQclear(query(conn,
                      "INSERT INTO tocsin.keys (key_id, role, public_key, registered_by)"
                      " VALUES ($1, lower($2), $3, current_user)",
                      3, params));
    }
    PGresult *res = query(conn,
                          "SELECT c.id, p.sha256 FROM tocsin.crises c JOIN tocsin.playbooks p"
                          "  ON p.name = c.playbook AND p.version = c.version ORDER BY c.id",
                          0, NULL);
    json_t *rows = json_array();
    for (int i = 0; i < PQntuples(res); i++)
        for (int p = 0; p < 6; p++) {
            long long id = atoll(PQgetvalue(res, i, 0));
            char seat[32];
            snprintf(seat, sizeof seat, "council/%s", parties[p]);
            json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "state", sign ? "decide" : "consensus", "party",
                                     parties[p], "vote", "approve", "reason", "agreed in capital");
            json_t *signature = json_null();
            if (sign) {
                tc_signed_command c = {.crisis = id,
                                       .playbook_sha256 = PQgetvalue(res, i, 1),
                                       .state = "decide",
                                       .visit = 1,
                                       .seat = seat,
                                       .kind = "vote",
                                       .value = "approve",
                                       .reason = "agreed in capital",
                                       .signed_at = "2026-12-05T00:00:00.000Z"};
                char *signed_text = tc_signed_command_text(&c), sig[TC_SIGNATURE_TEXT_SIZE];
                tc_key_sign(&keys[p], signed_text, strlen(signed_text), sig);
                json_decref(signature);
                signature = json_pack("{s:s, s:s, s:s}", "key_id", keys[p].id, "signed", signed_text,
                                      "signature", sig);
                free(signed_text);
            }
            json_array_append_new(rows, json_pack("{s:I, s:s, s:o, s:o}", "crisis", (json_int_t)id, "party",
                                                  parties[p], "args", args, "signature", signature));
        }
    PQclear(res);
    char *batch = json_dumps(rows, JSON_COMPACT);
    const char *params[1] = {batch};
    PQclear(query(
        conn,
        "INSERT INTO tocsin.commands (crisis, kind, actor, login, args, signature)"
        " SELECT (r ->> 'crisis')::bigint, 'vote', lower(r ->> 'party'), lower(r ->> 'party'), r -> 'args',"
        "        nullif(r -> 'signature', 'null')"
        "   FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x (r, n) ORDER BY n",
        1, params));
    PQclear(query(conn, "ANALYZE", 0, NULL));
    free(batch);
    json_decref(rows);
    for (int p = 0; sign && p < 6; p++)
        tc_key_wipe(&keys[p]);
    tc_db_close(conn);
    return db;
}

/* Seconds from the engine's start until no command is pending: --once (one batch at a time, to its exit),
 * or as a service (two batches in flight, as it runs in production), polled every 10 ms, then stopped. */
static double run_engine(const char *db, int once)
{
    double start = bench_now();
    pid_t pid = bench_spawn_engine(db, "bench-signed", once);
    int status;
    if (!once) {
        tc_error err;
        tc_error_init(&err);
        PGconn *conn = NULL;
        bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
        for (;;) {
            PGresult *res = query(
                conn,
                "SELECT EXISTS (SELECT 1 FROM tocsin.commands WHERE applied_at IS NULL ORDER BY seq LIMIT 1)",
                0, NULL);
            int pending = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
            PQclear(res);
            if (!pending)
                break;
            usleep(10000);
        }
        double seconds = bench_now() - start;
        tc_db_close(conn);
        kill(pid, SIGTERM);
        waitpid(pid, &status, 0);
        return seconds;
    }
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_signed: the engine failed\n");
        exit(1);
    }
    return bench_now() - start;
}

static void check_applied(const char *db, int votes, int sign)
{
    tc_error err;
    PGconn *conn = NULL;
    tc_error_init(&err);
    bench_must(tc_db_connect(db, NULL, &conn, &err), &err);
    PGresult *res =
        query(conn,
              sign ? "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote' AND signature IS NOT NULL"
                   : "SELECT count(*) FROM tocsin.audit WHERE kind = 'vote'",
              0, NULL);
    int applied = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    tc_db_close(conn);
    if (applied != votes) {
        fprintf(stderr, "bench_signed: %d %svotes applied, %d expected\n", applied, sign ? "signed " : "",
                votes);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_signed ADMIN_CONNINFO COUNCIL.json SIGNED.json [RUNS] [CRISES]\n");
        return 2;
    }
    bench_name = "bench_signed";
    int runs = argc > 4 ? atoi(argv[4]) : 3;
    int crises = argc > 5 ? atoi(argv[5]) : 1000;
    if (runs < 1 || runs > 16 || crises < 1) {
        fprintf(stderr, "bench_signed: RUNS must be 1 to 16, CRISES positive\n");
        return 2;
    }
    char *texts[2] = {bench_read_file(argv[2]), bench_read_file(argv[3])};
    char dir[] = "/tmp/tocsin-bench-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("bench_signed: mkdtemp");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    /* [once][sign][run]: the service first (how an engine runs), then --once (the figure of bench_engine) */
    double rates[2][2][16];
    for (int r = 0; r < runs; r++)
        for (int once = 0; once <= 1; once++)
            for (int sign = 0; sign <= 1; sign++) {
                char *db = prepare(argv[1], texts[sign], crises, sign, dir);
                double seconds = run_engine(db, once);
                check_applied(db, 6 * crises, sign);
                rates[once][sign][r] = 6 * crises / seconds;
                free(db);
            }
    for (int once = 0; once <= 1; once++)
        for (int sign = 0; sign <= 1; sign++) {
            double *rate = rates[once][sign];
            bench_sort(rate, runs);
            printf(
                "| engine: %s votes applied per second, 1 engine%s (%d crises, %d queued votes) | %.0f/s | "
                "%.0f–%.0f/s | %d runs |\n",
                sign ? "signed" : "unsigned",
                once ? " `--once`, one batch at a time" : ", two batches in flight", crises, 6 * crises,
                rate[runs / 2], rate[0], rate[runs - 1], runs);
        }
    bench_drop_database(argv[1], "tocsin_bench");
    rmdir(dir);
    free(texts[0]);
    free(texts[1]);
    return 0;
}
