// What the DBOS peer's processes share: turning the admin conninfo of the
// cluster into the URL that DBOS and node-postgres take, a fresh database with
// the DBOS system tables, the council's parties and vote, pacing, medians, and
// a logger that keeps DBOS's messages off stdout (which carries only the rows
// of the table).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

export const PARTIES = ['AM', 'BY', 'KZ', 'KG', 'RU', 'TJ'];
export const APP_NAME = 'tocsin-bench';
export const QUEUE = 'council';
export const WORKFLOW = 'crisis';
export const TOPIC = 'vote';

const here = dirname(fileURLToPath(import.meta.url));

// The SDK's pool hook queues a SET on each new connection beside the borrower's
// first query, which pg 8.23 reports as a deprecation on every connection;
// harmless here, and it would bury the benchmark's own messages.
process.noDeprecation = true;

// The vote each party casts, as bench_engine and bench_latency submit it.
export function ballot(party) {
  return { party, vote: 'approve', reason: 'agreed in capital' };
}

export function die(msg) {
  process.stderr.write(`dbos peer: ${msg}\n`);
  process.exit(1);
}

// Milliseconds on the monotonic clock.
export const nowMs = () => performance.now();

// Milliseconds since the epoch, to a fraction: comparable between processes.
export const epochMs = () => performance.timeOrigin + performance.now();

export function sleepUntil(ms) {
  const left = ms - nowMs();
  return left > 0 ? new Promise((resolve) => setTimeout(resolve, left)) : Promise.resolve();
}

// libpq's key=value form (values may be single-quoted, with \' and \\), or a
// postgres:// URL, into an object of its keywords.
function parseConninfo(s) {
  if (/^postgres(ql)?:\/\//.test(s)) {
    const u = new URL(s);
    const o = {};
    if (u.hostname) o.host = decodeURIComponent(u.hostname);
    if (u.port) o.port = u.port;
    if (u.username) o.user = decodeURIComponent(u.username);
    if (u.password) o.password = decodeURIComponent(u.password);
    if (u.pathname.length > 1) o.dbname = decodeURIComponent(u.pathname.slice(1));
    for (const [k, v] of u.searchParams) o[k] = v;
    return o;
  }
  const o = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let m;
  let end = 0;
  while ((m = re.exec(s)) !== null) {
    o[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    end = re.lastIndex;
  }
  if (s.slice(end).trim() !== '') throw new Error(`cannot read conninfo: ${s}`);
  return o;
}

// The URL of database dbname on the server that conninfo names. A host that is
// a directory (a unix socket, as scripts/pg.sh gives) goes in the host query
// parameter, which node-postgres reads as the socket directory; the URL keeps
// a dummy authority so that DBOS's own `new URL()` accepts it.
export function databaseUrl(conninfo, dbname) {
  const o = parseConninfo(conninfo);
  const user = encodeURIComponent(o.user ?? process.env.USER ?? 'postgres');
  const pass = o.password ? `:${encodeURIComponent(o.password)}` : '';
  const port = o.port ?? '5432';
  const host = o.host ?? o.hostaddr ?? '/var/run/postgresql';
  if (host.startsWith('/')) {
    return `postgresql://${user}${pass}@localhost:${port}/${encodeURIComponent(dbname)}?host=${encodeURIComponent(host)}`;
  }
  return `postgresql://${user}${pass}@${host}:${port}/${encodeURIComponent(dbname)}`;
}

export async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// Drops and creates dbname, gives it the DBOS system tables (the SDK's own
// `dbos schema`, as a deployment would) and the application's table of
// decisions; returns its URL.
export async function freshDatabase(admin, dbname) {
  const adminUrl = databaseUrl(admin, parseConninfo(admin).dbname ?? 'postgres');
  await withClient(adminUrl, async (c) => {
    await c.query('SET client_min_messages = warning');
    await c.query(`DROP DATABASE IF EXISTS "${dbname}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${dbname}"`);
  });
  const url = databaseUrl(admin, dbname);
  await promisify(execFile)(process.execPath, [join(here, 'node_modules/@dbos-inc/dbos-sdk/dist/src/cli/cli.js'), 'schema', url], {
    cwd: here,
  }).catch((e) => die(`dbos schema failed: ${e.stderr || e.message}`));
  await withClient(url, (c) =>
    c.query(`CREATE SCHEMA bench;
             CREATE TABLE bench.decisions (crisis int PRIMARY KEY, outcome text NOT NULL, votes jsonb NOT NULL,
                                           decided_at timestamptz NOT NULL DEFAULT now())`),
  );
  return url;
}

export async function dropDatabase(admin, dbname) {
  const adminUrl = databaseUrl(admin, parseConninfo(admin).dbname ?? 'postgres');
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${dbname}" WITH (FORCE)`)).catch(() => {});
}

// DBOS logs through this instead of its console logger, which writes to stdout.
export const stderrLogger = {
  info() {},
  debug() {},
  warn(e) {
    const text = e instanceof Error ? e.message : String(e);
    // Expected after a latency run, whose last crises never get all their votes.
    if (text.startsWith('Shutting down while')) return;
    process.stderr.write(`dbos: warning: ${text}\n`);
  },
  error(e) {
    process.stderr.write(`dbos: error: ${e instanceof Error ? e.stack || e.message : String(e)}\n`);
  },
};

// Runs fn over items with at most `width` calls in flight.
export async function inParallel(items, width, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

export function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

// CPU seconds used so far by each server process connected to c's database,
// other than c's own, read from /proc (the server runs on this machine: the
// benchmark reaches it through a unix socket). Empty where /proc cannot tell.
export async function backendCpu(c) {
  const { rows } = await c.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 of /proc/PID/stat, after the parenthesised command name.
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu.set(pid, (Number(f[11]) + Number(f[12])) / 100); // USER_HZ is 100 on Linux
    } catch {
      // gone, or not ours to read
    }
  }
  return cpu;
}
