// The council approval scenario on DBOS Transact, beside tocsin's own
// benchmarks (bench/bench_engine.c and bench/bench_latency.c), against the same
// PostgreSQL. Prints Markdown rows `| what | median | spread | runs |`.
//
//   node bench.mjs ADMIN_CONNINFO [--runs 3] [--crises 1000] [--seconds 10] [--rate 500]
//                  [--only throughput|latency] [--pool N] [--polling N] [--closed-loop]
//
// ADMIN_CONNINFO names a maintenance database (postgres) of the server, in
// libpq's key=value form or as a URL (default: $TOCSIN_TEST_DB). The benchmark
// creates and drops its own databases, tocsin_bench_dbos and
// tocsin_bench_dbos_latency (kept after the last run when BENCH_KEEP_DB is
// set, for a look inside). --pool N sets the executor's system database
// pool (systemDatabasePoolSize; the SDK's default, 10, otherwise), --polling N
// how many of its connections recv's polling reads may hold at once
// (systemDatabasePollingConcurrency; half the pool by default, 0 for no
// limit); --closed-loop waits for each probe before the next, as
// bench_latency does (see the probe loop below).
//
// One crisis is one workflow (`crisis` in executor.mjs) that takes the six
// council votes with DBOS.recv and then records the decision in a step. A vote
// is a DBOS send to that workflow.
//
// 1. Throughput (bench_engine): one executor process runs with 1,000 crisis
//    workflows started and each waiting in its first recv (the counterpart of
//    bench_engine's crises triggered and applied before the clock); then the
//    6,000 votes are sent in one transaction (DBOSClient.sendInTransaction),
//    as bench_engine queues its votes with one INSERT. Timed from that commit
//    to the executor's 6,000th recv returning (votes applied per second) and
//    to its 1,000th decision step returning (crises decided per second). This
//    is the nearest reading of "votes queued first, then measured processing":
//    a send needs its destination workflow to exist, and a workflow created
//    with no process to run it (on a queue) would put the starting of all
//    1,000 workflows, some seconds of DBOS's dispatcher, inside the timing.
//    Unlike bench_engine's engine, the executor is launched before the clock.
//
// 2. Latency (bench_latency): one executor runs with every crisis already
//    started and waiting in its first recv; four loader processes send 500
//    votes a second between them to crises of their own, and this process sends
//    probe votes at 50 a second on their schedule (not waiting for the one
//    before), six to a crisis nobody else touches, each
//    timed from the return of DBOSClient.send to the commit of the transaction
//    in which the workflow's recv consumes that vote and checkpoints it. That
//    commit is observed as a NOTIFY sent by a trigger the benchmark adds to
//    dbos.notifications (fired by the consuming UPDATE, delivered at its
//    commit), the counterpart of the NOTIFY tocsin_applied that tocsin's
//    committing transaction sends.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';

import {
  APP_NAME,
  PARTIES,
  backendCpu,
  QUEUE,
  TOPIC,
  WORKFLOW,
  ballot,
  die,
  dropDatabase,
  freshDatabase,
  epochMs,
  inParallel,
  nowMs,
  sleepUntil,
  sorted,
  stderrLogger,
  withClient,
} from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PROBES_PER_SECOND = 50;
const LOADERS = 4;
// A probe not recorded by then fails the run.
const PROBE_TIMEOUT_MS = 120e3;

function parseArgs(argv) {
  const o = { admin: process.env.TOCSIN_TEST_DB, runs: 3, crises: 1000, seconds: 10, rate: 500, only: null, pool: 0, polling: undefined, closedLoop: false };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--runs') o.runs = Number(value());
    else if (a === '--crises') o.crises = Number(value());
    else if (a === '--seconds') o.seconds = Number(value());
    else if (a === '--rate') o.rate = Number(value());
    else if (a === '--only') o.only = value();
    else if (a === '--pool') o.pool = Number(value());
    else if (a === '--polling') o.polling = Number(value());
    else if (a === '--closed-loop') o.closedLoop = true;
    else if (a === '-h' || a === '--help') {
      process.stderr.write(
        'usage: node bench.mjs ADMIN_CONNINFO [--runs 3] [--crises 1000] [--seconds 10] [--rate 500]\n' +
          '                      [--only throughput|latency] [--pool N] [--polling N] [--closed-loop]\n',
      );
      process.exit(0);
    } else if (a.startsWith('--')) die(`unknown option ${a}`);
    else rest.push(a);
  }
  if (rest.length > 1) die('one ADMIN_CONNINFO only');
  if (rest.length === 1) o.admin = rest[0];
  if (!o.admin) die('no ADMIN_CONNINFO given and TOCSIN_TEST_DB is not set');
  if (!(o.runs >= 1 && o.runs <= 16) || !(o.crises >= 1) || !(o.seconds > 0) || !(o.rate > 0))
    die('RUNS must be 1 to 16; CRISES, SECONDS and RATE positive');
  if (o.only !== null && o.only !== 'throughput' && o.only !== 'latency') die(`--only takes throughput or latency`);
  return o;
}

function dbosClient(url, poolSize) {
  return DBOSClient.create({
    systemDatabaseUrl: url,
    logger: stderrLogger,
    applicationName: APP_NAME,
    systemDatabasePoolSize: poolSize,
  });
}

// Forks a child with its stdout sent to our stderr, so that stdout carries the rows only.
function spawn(script, args) {
  const child = fork(join(here, script), [JSON.stringify(args)], { stdio: ['ignore', 2, 2, 'ipc'] });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return child;
}

function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' from ${child.spawnargs[1]} within ${timeoutMs / 1e3} s`)), timeoutMs);
    const onMessage = (m) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${child.spawnargs[1]} exited (${code}) before '${type}'`));
    });
  });
}

async function stopExecutor(child) {
  child.send({ type: 'stop' });
  const code = await child.exited;
  if (code !== 0) die(`the executor failed (${code})`);
}

// Workflows created, as DBOS's queue holds them, ids prefix-1..prefix-count.
async function enqueueCrises(client, prefix, count) {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  await inParallel(ids, 8, (id) => client.enqueue({ queueName: QUEUE, workflowName: WORKFLOW, workflowID: `${prefix}-${id}` }, id));
  return ids;
}

const scalar = (c, sql) => c.query(sql).then((r) => Number(r.rows[0].n));

// Waits until every one of count crises has started and waits in its first
// recv, whose durable timeout (a DBOS.sleep checkpoint) is written just before
// it checks for messages and waits; then a second for those checks to end.
async function allWaiting(c, count) {
  for (;;) {
    const waiting = await scalar(c, "SELECT count(*) AS n FROM dbos.operation_outputs WHERE function_name = 'DBOS.sleep'");
    if (waiting === count) break;
    await sleepUntil(nowMs() + 100);
  }
  await sleepUntil(nowMs() + 1000);
}

async function throughputRun(admin, crises, tuning) {
  const url = await freshDatabase(admin, 'tocsin_bench_dbos');
  const client = await dbosClient(url, 8);
  await client.registerQueue(QUEUE);
  const ids = await enqueueCrises(client, 'crisis', crises);
  const executor = spawn('executor.mjs', { url, expect: crises, ...tuning });
  await nextMessage(executor, 'ready', 60e3);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await allWaiting(c, crises);

  // The votes, in the order bench_engine queues them (by crisis, then party),
  // all committed at once; ANALYZE in the same transaction, as bench_engine
  // analyzes after queueing, so that the planner knows the 6,000 messages.
  await c.query('BEGIN');
  for (const id of ids) for (const p of PARTIES) await client.sendInTransaction(c, `crisis-${id}`, ballot(p), TOPIC);
  await c.query('ANALYZE dbos.notifications');
  // Transaction ids count the writing transactions of the whole cluster: right
  // while nothing else writes to it (the private cluster of scripts/pg.sh).
  const xid0 = await scalar(c, 'SELECT txid_current() AS n');
  await c.query('COMMIT');
  const queued = epochMs();
  executor.send({ type: 'mark' });
  const cpuBefore = await backendCpu(c);
  const done = await nextMessage(executor, 'done', 600e3);
  let serverCpu = 0;
  for (const [pid, t] of await backendCpu(c)) serverCpu += t - (cpuBefore.get(pid) ?? 0);
  await stopExecutor(executor);

  const writes = (await scalar(c, 'SELECT txid_current() AS n')) - xid0 - 1;
  const consumed = await scalar(c, 'SELECT count(*) AS n FROM dbos.notifications WHERE consumed');
  const approved = await scalar(c, "SELECT count(*) AS n FROM bench.decisions WHERE outcome = 'approved'");
  const finished = await scalar(c, "SELECT count(*) AS n FROM dbos.workflow_status WHERE status = 'SUCCESS'");
  await c.end();
  await client.destroy();
  if (consumed !== 6 * crises || approved !== crises || finished !== crises)
    die(`${consumed} votes consumed, ${approved} crises approved, ${finished} workflows finished; expected ${6 * crises}, ${crises}, ${crises}`);
  const votesSeconds = (done.votesAt - queued) / 1e3;
  const decidedSeconds = (done.decidedAt - queued) / 1e3;
  process.stderr.write(
    `dbos peer: throughput run: ${((done.firstVoteAt - queued) / 1e3).toFixed(3)} s to the first vote, ` +
      `${votesSeconds.toFixed(3)} s to the last, ${decidedSeconds.toFixed(3)} s to the last decision; ` +
      `${writes} writing transactions (${(writes / (6 * crises)).toFixed(2)} a vote), ` +
      `CPU ${((1e3 * done.cpuSeconds) / (6 * crises)).toFixed(2)} ms a vote in the executor ` +
      `(${((100 * done.cpuSeconds) / decidedSeconds).toFixed(0)}% of one core), ` +
      `${((1e3 * serverCpu) / (6 * crises)).toFixed(2)} ms in its server processes\n`,
  );
  return { votes: (6 * crises) / votesSeconds, decided: crises / decidedSeconds };
}

// Waits for NOTIFY bench_vote_recorded naming a message: arm(id) before the
// send, then await the promise it returned, which gives the time it came.
function recordedWatcher(conn) {
  const waiting = new Map();
  conn.on('notification', (n) => {
    const w = waiting.get(n.payload);
    if (w) {
      waiting.delete(n.payload);
      w(nowMs());
    }
  });
  return (id) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no commit of vote ${id} within ${PROBE_TIMEOUT_MS / 1e3} s`)), PROBE_TIMEOUT_MS);
      waiting.set(id, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
}

async function latencyRun(admin, seconds, rate, tuning, closedLoop) {
  const probes = Math.floor(PROBES_PER_SECOND * seconds);
  const share = Math.floor(Math.floor((rate * seconds) / LOADERS) / 6) + 1; // crises per loader
  const loadCrises = LOADERS * share;
  const probeCrises = Math.floor(probes / 6) + 1;
  const url = await freshDatabase(admin, 'tocsin_bench_dbos_latency');
  await withClient(url, (c) =>
    c.query(`CREATE FUNCTION bench.vote_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN PERFORM pg_notify('bench_vote_recorded', NEW.message_uuid); RETURN NULL; END $$;
             CREATE TRIGGER bench_vote_recorded AFTER UPDATE OF consumed ON dbos.notifications FOR EACH ROW
               WHEN (NEW.consumed AND NOT OLD.consumed AND NEW.destination_uuid LIKE 'probe-%')
               EXECUTE FUNCTION bench.vote_recorded()`),
  );
  const client = await dbosClient(url, 4);
  await client.registerQueue(QUEUE);
  await enqueueCrises(client, 'probe', probeCrises);
  await enqueueCrises(client, 'load', loadCrises);
  await withClient(url, (c) => c.query('ANALYZE'));

  const executor = spawn('executor.mjs', { url, ...tuning });
  await nextMessage(executor, 'ready', 60e3);
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  await allWaiting(listener, probeCrises + loadCrises);
  await listener.query('LISTEN bench_vote_recorded');
  const armed = recordedWatcher(listener);

  const loaders = Array.from({ length: LOADERS }, (_, l) =>
    spawn('loader.mjs', { url, first: 1 + l * share, rate: rate / LOADERS, seconds }),
  );
  await Promise.all(loaders.map((l) => nextMessage(l, 'ready', 60e3)));
  // The probes' connections open before the clock starts, as the loaders' have.
  await Promise.all(Array.from({ length: 4 }, () => client.retrieveQueue(QUEUE)));
  const start = nowMs() + 50;
  for (const l of loaders) l.send({ type: 'go', start: Date.now() + 50 });
  // Each probe leaves on its schedule whether or not the ones before it have
  // been recorded. bench_latency waits for each (as --closed-loop does here),
  // which is the same while the engine keeps up; when it does not, waiting
  // slows the probes down to the engine's pace, so that most of them go out
  // after the background load has ended and the queue it built stays hidden.
  // The idempotency key names the
  // message (DBOS stores it as message_uuid KEY::DESTINATION), so that the
  // trigger's NOTIFY tells which probe was recorded.
  const pending = [];
  for (let j = 0; j < probes; j++) {
    await sleepUntil(start + (j * 1e3) / PROBES_PER_SECOND);
    const id = `probe-${1 + Math.floor(j / 6)}`;
    const recorded = armed(`p${j}::${id}`);
    recorded.catch(() => {}); // its failure is awaited below, not unhandled meanwhile
    const probe = client.send(id, ballot(PARTIES[j % 6]), TOPIC, `p${j}`).then(() => {
      const returned = nowMs();
      return recorded.then((at) => Math.max(0, at - returned));
    });
    pending.push(probe);
    if (closedLoop) await probe;
  }
  const lat = await Promise.all(pending);
  for (const l of loaders) if ((await l.exited) !== 0) die('a loader failed');
  const elapsed = (nowMs() - start) / 1e3;
  const applied = (await scalar(listener, 'SELECT count(*) AS n FROM dbos.notifications WHERE consumed')) / elapsed;
  await stopExecutor(executor);
  await listener.end();
  await client.destroy();
  const s = sorted(lat);
  const r = { p50: s[Math.floor(probes / 2)], p99: s[Math.floor(probes * 0.99)], applied };
  process.stderr.write(
    `dbos peer: latency run: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${s[probes - 1].toFixed(2)} ms, ` +
      `${applied.toFixed(0)} votes/s applied in all over ${elapsed.toFixed(1)} s\n`,
  );
  return r;
}

const o = parseArgs(process.argv.slice(2));
const tuning = { pool: o.pool, polling: o.polling };
const median = (s) => s[Math.floor(s.length / 2)];
const row = (what, fmt, values, runs) => {
  const s = sorted(values);
  console.log(`| ${what} | ${fmt(median(s))} | ${fmt(s[0], true)}–${fmt(s[s.length - 1])} | ${runs} |`);
};

try {
  if (o.only !== 'latency') {
    const results = [];
    for (let r = 0; r < o.runs; r++) results.push(await throughputRun(o.admin, o.crises, tuning));
    const perSecond = (v, bare) => (bare ? v.toFixed(0) : `${v.toFixed(0)}/s`);
    row(
      `DBOS peer: votes applied per second (${o.crises} crises, ${6 * o.crises} queued votes)`,
      perSecond,
      results.map((x) => x.votes),
      `${o.runs} runs`,
    );
    row('DBOS peer: crises decided per second', perSecond, results.map((x) => x.decided), `${o.runs} runs`);
    if (!process.env.BENCH_KEEP_DB) await dropDatabase(o.admin, 'tocsin_bench_dbos');
  }
  if (o.only !== 'throughput') {
    const results = [];
    for (let r = 0; r < o.runs; r++) results.push(await latencyRun(o.admin, o.seconds, o.rate, tuning, o.closedLoop));
    const probes = Math.floor(PROBES_PER_SECOND * o.seconds);
    const ms = (v, bare) => (bare ? v.toFixed(2) : `${v.toFixed(2)} ms`);
    const applied = median(sorted(results.map((x) => x.applied)));
    row(
      `DBOS peer latency, send returned to vote recorded, p50 (background ${o.rate} votes/s; ${applied.toFixed(0)}/s applied in all)`,
      ms,
      results.map((x) => x.p50),
      `${o.runs} × ${probes} probes`,
    );
    row('DBOS peer latency, send returned to vote recorded, p99 (same runs)', ms, results.map((x) => x.p99), `${o.runs} × ${probes} probes`);
    if (!process.env.BENCH_KEEP_DB) await dropDatabase(o.admin, 'tocsin_bench_dbos_latency');
  }
} catch (e) {
  die(e.stack || e.message);
}
process.exit(0);
