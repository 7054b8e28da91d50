// One background sender of the latency scenario (bench_latency's `background`):
// its share of the load, `rate` votes a second for `seconds`, six votes to a
// crisis, on the crises load-first.. of its own, each a DBOSClient.send (one
// INSERT, committed, per vote). A process of its own, as in bench_latency,
// because one connection waiting on each commit cannot keep up the whole rate.
//
//   node loader.mjs '{"url": ..., "first": N, "rate": R, "seconds": S}'
//
// Sends {type: 'ready'} over IPC once connected, then starts at the wall-clock
// time that the {type: 'go', start: EPOCH_MS} message names, so that the
// loaders and the probes start together (Node takes a good part of a second to
// start, which would otherwise make each loader start late and then send in a
// burst to catch up).
import { DBOSClient } from '@dbos-inc/dbos-sdk';

import { APP_NAME, PARTIES, QUEUE, TOPIC, ballot, nowMs, sleepUntil, stderrLogger } from './lib.mjs';

const o = JSON.parse(process.argv[2]);
const client = await DBOSClient.create({
  systemDatabaseUrl: o.url,
  logger: stderrLogger,
  applicationName: APP_NAME,
  systemDatabasePoolSize: 1,
});
await client.retrieveQueue(QUEUE); // connected before the clock starts
const go = new Promise((resolve) => process.on('message', (m) => m.type === 'go' && resolve(m.start)));
process.send({ type: 'ready' });
const start = nowMs() + ((await go) - Date.now());
const total = Math.floor(o.rate * o.seconds);
for (let i = 0; i < total; i++) {
  await sleepUntil(start + (i * 1e3) / o.rate);
  await client.send(`load-${o.first + Math.floor(i / 6)}`, ballot(PARTIES[i % 6]), TOPIC);
}
await client.destroy();
process.exit(0);
