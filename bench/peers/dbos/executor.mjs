// The DBOS executor of the peer: one process (Node, one thread) running the
// council's crisis workflow, the counterpart of one tocsin engine. Forked by
// bench.mjs, which talks to it over IPC:
//
//   node executor.mjs '{"url": ..., "expect": N}'
//
// It launches DBOS against url and sends {type: 'ready'} when launched. When
// `expect` is set (the throughput scenario) it sends {type: 'done', ...} with
// the seconds from launch to the expect*6-th vote received and to the
// expect-th decision recorded. On {type: 'stop'} it shuts DBOS down (letting
// running workflows finish their current step) and exits.
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';

import { APP_NAME, PARTIES, QUEUE, TOPIC, WORKFLOW, die, nowMs, stderrLogger } from './lib.mjs';

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
let launched = 0;
let cpuAtLaunch;
let votesAt = 0;

function voteReceived() {
  votes++;
  if (opts.expect && votes === opts.expect * PARTIES.length) votesAt = nowMs();
}

function crisisDecided() {
  decided++;
  if (opts.expect && decided === opts.expect) {
    const cpu = process.cpuUsage(cpuAtLaunch);
    process.send({
      type: 'done',
      votesSeconds: (votesAt - launched) / 1e3,
      decidedSeconds: (nowMs() - launched) / 1e3,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
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
  if (m.type !== 'stop') return;
  // After the throughput run, let each workflow write its final status; in the
  // latency run the crises that did not get all their votes are left waiting.
  await DBOS.shutdown(opts.expect ? { workflowCompletionTimeoutMS: 10000 } : {});
  await app.end();
  process.exit(0);
});
process.on('disconnect', () => process.exit(1));

try {
  await DBOS.launch();
} catch (e) {
  die(`DBOS.launch failed: ${e.message}`);
}
launched = nowMs();
cpuAtLaunch = process.cpuUsage();
process.send({ type: 'ready' });
