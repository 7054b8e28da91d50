// The DBOS executor of the peer: one process (Node, one thread) running the
// council's crisis workflow, the counterpart of one tocsin engine. Forked by
// bench.mjs, which talks to it over IPC:
//
//   node executor.mjs '{"url": ..., "expect": N, "pool": N, "polling": N}'
//
// It launches DBOS against url and sends {type: 'ready'} once launched. When
// `expect` is set (the throughput scenario), {type: 'mark'} tells it that the
// votes were just queued (it takes its CPU time then), and it sends
// {type: 'done', ...} once expect crises are decided, with the times (epochMs)
// of the first vote received, of the expect*6-th, and of the expect-th
// decision, and the CPU seconds used since the mark. On {type: 'stop'} it shuts
// DBOS down and exits.
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';

import { APP_NAME, PARTIES, TOPIC, WORKFLOW, die, epochMs, stderrLogger } from './lib.mjs';

const opts = JSON.parse(process.argv[2]);

// How long a crisis waits for each vote. DBOS.recv always has a timeout (60 s
// by default) and records its deadline durably before it waits; an approval
// waits for days, so the benchmark gives it an hour.
const RECV_TIMEOUT_SECONDS = 3600;

// The application's own database access: the decision is written to
// bench.decisions, the counterpart of the crisis closing in tocsin's tables.
const app = new pg.Pool({ connectionString: opts.url, max: 4 });

let votes = 0;
let decided = 0;
let firstVoteAt = 0;
let votesAt = 0;
let cpuAtMark = process.cpuUsage();

function voteReceived() {
  votes++;
  if (votes === 1) firstVoteAt = epochMs();
  if (opts.expect && votes === opts.expect * PARTIES.length) votesAt = epochMs();
}

function crisisDecided() {
  decided++;
  if (opts.expect && decided === opts.expect) {
    const cpu = process.cpuUsage(cpuAtMark);
    process.send({ type: 'done', firstVoteAt, votesAt, decidedAt: epochMs(), cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  }
}

// The step that records the outcome. A step may run again if the process dies
// between its commit and DBOS's checkpoint of it, hence ON CONFLICT.
async function recordDecision(crisis, outcome, votes) {
  await app.query(
    'INSERT INTO bench.decisions (crisis, outcome, votes) VALUES ($1, $2, $3) ON CONFLICT (crisis) DO NOTHING',
    [crisis, outcome, JSON.stringify(votes)],
  );
  return outcome;
}

// One crisis: a consensus of the six parties. Each recv takes one vote off the
// crisis's messages in a transaction that also checkpoints it, so once recv
// returns the vote is durably part of the workflow's history; a party that
// votes again replaces its earlier vote, as in tocsin.
async function crisis(id) {
  const ballots = {};
  while (Object.keys(ballots).length < PARTIES.length) {
    const m = await DBOS.recv(TOPIC, { timeoutSeconds: RECV_TIMEOUT_SECONDS });
    if (m === null) throw new Error(`crisis ${id}: no vote within ${RECV_TIMEOUT_SECONDS} s`);
    ballots[m.party] = m;
    voteReceived();
  }
  const outcome = Object.values(ballots).every((b) => b.vote === 'approve') ? 'approved' : 'rejected';
  await DBOS.runStep(() => recordDecision(id, outcome, ballots), { name: 'decide' });
  crisisDecided();
  return outcome;
}

DBOS.registerWorkflow(crisis, { name: WORKFLOW });

DBOS.setConfig({
  name: APP_NAME,
  systemDatabaseUrl: opts.url,
  logger: stderrLogger,
  applicationVersion: 'bench',
  // The SDK's defaults otherwise (a pool of 10 connections, LISTEN/NOTIFY on)
  // unless bench.mjs was given --pool or --polling.
  ...(opts.pool ? { systemDatabasePoolSize: opts.pool } : {}),
  ...(opts.polling !== undefined ? { systemDatabasePollingConcurrency: opts.polling } : {}),
});

process.on('message', async (m) => {
  if (m.type === 'mark') {
    cpuAtMark = process.cpuUsage();
  } else if (m.type === 'stop') {
    // After the throughput run, let each workflow write its final status; in the
    // latency run the crises that did not get all their votes are left waiting.
    await DBOS.shutdown(opts.expect ? { workflowCompletionTimeoutMS: 10000 } : {});
    await app.end();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(1));

try {
  await DBOS.launch();
} catch (e) {
  die(`DBOS.launch failed: ${e.message}`);
}
process.send({ type: 'ready' });
