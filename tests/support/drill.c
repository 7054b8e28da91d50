/* The failover drill's load: see drill.h. */
#include "drill.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const parties[] = {"KZ", "RU", "TJ"};

void th_drill_prepare(const char *db)
{
    char playbook[4096];
    snprintf(playbook, sizeof playbook, "%s/tests/data/failover/drill.json", th_env("TOCSIN_SOURCE_DIR"));
    th_run_ok(db, (const char *[]){"migrate", NULL});
    th_run_ok(db, (const char *[]){"playbook", "load", playbook, NULL});
    for (size_t i = 0; i < 3; i++) {
        char role[32], seat[32];
        snprintf(role, sizeof role, "drill_%s", parties[i]);
        snprintf(seat, sizeof seat, "council/%s", parties[i]);
        th_run_ok(db, (const char *[]){"actor", "add", role, "--seat", seat, NULL});
    }
    th_run_ok(db, (const char *[]){"actor", "add", "drill_sec", "--seat", "secretariat", NULL});
}

int th_drill_timer_only(int crisis)
{
    return crisis % 6 == 5;
}

static void add_op(th_drill *d, int crisis, int first, int kind, int party)
{
    th_drill_op *o = &d->ops[d->count++];
    o->crisis = crisis;
    o->first = first;
    o->kind = kind;
    o->party = party;
    snprintf(o->key, sizeof o->key, "%s-%d-%s%s", d->name, crisis,
             kind == TH_DRILL_TRIGGER ? "trigger"
             : kind == TH_DRILL_VOTE  ? "vote-"
                                      : "complete",
             kind == TH_DRILL_VOTE ? parties[party] : "");
}

th_drill *th_drill_new(const char *db, const char *name, int crises)
{
    th_drill *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->db = db;
    snprintf(d->name, sizeof d->name, "%s", name);
    d->crises = crises;
    d->ids = calloc((size_t)crises, sizeof *d->ids);
    d->ops = calloc((size_t)crises * 5, sizeof *d->ops);
    assert_true(d->ids != NULL && d->ops != NULL);
    for (int c = 0; c < crises; c++) {
        int first = d->count;
        add_op(d, c, first, TH_DRILL_TRIGGER, 0);
        if (!th_drill_timer_only(c)) {
            for (int p = 0; p < 3; p++)
                add_op(d, c, first, TH_DRILL_VOTE, p);
            add_op(d, c, first, TH_DRILL_COMPLETE, 0);
        }
    }
    return d;
}

void th_drill_free(th_drill *d)
{
    if (d == NULL)
        return;
    for (int i = 0; i < d->count; i++) {
        if (d->ops[i].proc != NULL) { /* a test that failed half-way: its CLIs end on their own */
            th_run r;
            th_wait(d->ops[i].proc, &r);
            th_run_free(&r);
        }
    }
    free(d->ops);
    free(d->ids);
    free(d);
}

/* Whether o may be sent: what it acts on was acknowledged (the trigger; for the completion, the votes). */
static int ready(const th_drill *d, const th_drill_op *o)
{
    if (o->kind == TH_DRILL_TRIGGER)
        return 1;
    if (!d->ops[o->first].acked)
        return 0;
    if (o->kind == TH_DRILL_VOTE)
        return 1;
    for (int i = 1; i <= 3; i++)
        if (!d->ops[o->first + i].acked)
            return 0;
    return 1;
}

static th_proc *send_op(th_drill *d, th_drill_op *o)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", d->ids[o->crisis]);
    o->tries++;
    if (o->kind == TH_DRILL_TRIGGER)
        return th_tocsin_start(
            d->db, (const char *[]){"trigger", "drill", "--key", o->key, "--input",
                                    th_drill_timer_only(o->crisis) ? "path=timer" : "path=vote", NULL});
    if (o->kind == TH_DRILL_VOTE) {
        char role[32];
        snprintf(role, sizeof role, "drill_%s", parties[o->party]);
        return th_tocsin_start(d->db, (const char *[]){"--as", role, "vote", id, "approve", "--state", "vote",
                                                       "--key", o->key, NULL});
    }
    return th_tocsin_start(d->db, (const char *[]){"--as", "drill_sec", "complete", id, "--state", "report",
                                                   "--key", o->key, NULL});
}

/* A try ended: acknowledged, or to be sent again with the same key, or a failure of the test. */
static void collect(th_drill *d, th_drill_op *o)
{
    th_run res;
    th_wait(o->proc, &res);
    o->proc = NULL;
    if (res.status == 0) {
        o->acked = 1;
        d->acked++;
        if (o->kind == TH_DRILL_TRIGGER)
            d->ids[o->crisis] = atoll(res.out);
    } else if (res.status == 7) {
        d->unavailable++;
        o->not_before = th_now_ms() + 200;
    } else if (res.status == 6 && o->kind != TH_DRILL_TRIGGER) {
        /* A CLI that waited 5 s acknowledges a command recorded and pending; the next may find its crisis
         * not yet in the state it acts on. Nothing was recorded. */
        d->not_yet++;
        o->not_before = th_now_ms() + 300;
    } else {
        fail_msg("%s (try %d): exit %d: %s", o->key, o->tries, res.status, res.err);
    }
    th_run_free(&res);
}

void th_drill_step(th_drill *d, int parallel, int (*held)(const th_drill_op *o, void *arg), void *arg)
{
    for (int i = d->lowest; i < d->count; i++) {
        th_drill_op *o = &d->ops[i];
        if (o->proc != NULL && !th_alive(th_pid(o->proc))) {
            collect(d, o);
            d->running--;
        }
    }
    while (d->lowest < d->count && d->ops[d->lowest].acked)
        d->lowest++;
    for (int i = d->lowest; i < d->count && d->running < parallel; i++) {
        th_drill_op *o = &d->ops[i];
        if (o->acked || o->proc != NULL || o->not_before > th_now_ms() || !ready(d, o))
            continue;
        if (held != NULL && held(o, arg))
            continue;
        o->proc = send_op(d, o);
        d->running++;
    }
}

int th_drill_await_closed(const th_drill *d, int timeout_ms)
{
    long until = th_now_ms() + timeout_ms;
    for (;;) {
        char *open = th_query_value(d->db, "SELECT count(*) FROM tocsin.crises WHERE status <> 'closed'");
        int closed = open != NULL && strcmp(open, "0") == 0;
        free(open);
        if (closed || th_now_ms() >= until)
            return closed;
        th_sleep_ms(100);
    }
}

/* th_expect_value for statements longer than its buffer. */
static void expect_long(const char *db, const char *expected, const char *sql)
{
    char *got = th_query_value(db, sql);
    if (got == NULL || strcmp(got, expected) != 0)
        fail_msg("%.2000s\n  expected: %s\n  got:      %s", sql, expected, got ? got : "(null)");
    free(got);
}

void th_drill_check_books(const th_drill *d)
{
    /* Every acknowledged command recorded once and applied once, under its key. (In few statements: on a
     * multi-host conninfo a connection costs a try of each node.) */
    char *sql = malloc((size_t)d->count * 80 + 512), *p = sql;
    assert_non_null(sql);
    p += sprintf(p, "SELECT count(*) FROM unnest(ARRAY[");
    for (int i = 0; i < d->count; i++)
        p += sprintf(p, "%s'%s'", i ? "," : "", d->ops[i].key);
    sprintf(p,
            "]) k(key) WHERE (SELECT count(*) FROM tocsin.commands c"
            " WHERE c.idem_key = k.key AND c.result = 'applied') <> 1");
    expect_long(d->db, "0", sql);
    free(sql);
    th_expect_value(d->db, "0",
                    "SELECT count(*) FROM tocsin.commands WHERE result IS DISTINCT FROM 'applied'");

    /* Each trigger's crisis the one its CLI printed, closed with the outcome its path leads to, with its
     * votes; its votes, completion, close and trigger in its audit once each. */
    sql = malloc((size_t)d->crises * 96 + 2048);
    assert_non_null(sql);
    p = sql;
    p += sprintf(p, "SELECT count(*) FROM (VALUES ");
    for (int c = 0; c < d->crises; c++)
        p += sprintf(p, "%s(%lld,'%s-%d-trigger',%s)", c ? "," : "", d->ids[c], d->name, c,
                     th_drill_timer_only(c) ? "true" : "false");
    sprintf(p,
            ") w(id, key, timer) JOIN tocsin.crises c ON c.id = w.id"
            " WHERE c.trigger_key = w.key AND c.status = 'closed'"
            "   AND c.outcome = CASE WHEN w.timer THEN 'lapsed' ELSE 'resolved' END"
            "   AND (SELECT count(*) FROM tocsin.votes v WHERE v.crisis = c.id)"
            "       = CASE WHEN w.timer THEN 0 ELSE 3 END"
            "   AND (SELECT count(*) FILTER (WHERE kind = 'vote') || ' ' ||"
            "               count(*) FILTER (WHERE kind = 'completed') || ' ' ||"
            "               count(*) FILTER (WHERE kind = 'closed') || ' ' ||"
            "               count(*) FILTER (WHERE kind = 'triggered')"
            "          FROM tocsin.audit a WHERE a.crisis = c.id)"
            "       = CASE WHEN w.timer THEN '0 0 1 1' ELSE '3 1 1 1' END");
    char expected[32];
    snprintf(expected, sizeof expected, "%d", d->crises);
    expect_long(d->db, expected, sql);
    free(sql);
    th_expect_value(d->db, expected, "SELECT count(*) FROM tocsin.crises WHERE trigger_key LIKE '%s-%%'",
                    d->name);

    th_run v;
    th_tocsin(&v, d->db, (const char *[]){"audit", "verify", NULL});
    if (v.status != 0)
        fail_msg("%s: audit verify: exit %d: %s%s", d->name, v.status, v.out, v.err);
    th_run_free(&v);
}
