// A second, independent verifier of an exported tocsin audit, written from
// docs/signatures.md alone, with Node's built-in crypto (Ed25519, SHA-256)
// and no package: proof that the page says enough for a member state to write
// its own. Same verdicts as `tocsin audit verify --file`: exit 0 and a summary
// when everything holds, 1 naming the first failure, 3 for a file that is not
// what it should be.
//
//   node verify.mjs --file EXPORT.jsonl [--keys KEYS.json] [--heads HEADS.jsonl]
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

class Bad extends Error {} // a file that is not what it should be: exit 3
class Fail extends Error {} // a record that does not hold: exit 1

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

const lines = (path) =>
  readFileSync(path, 'utf8').split('\n').map((text, i) => [text, i + 1]).filter(([text]) => text.trim() !== '')
    .map(([text, n]) => {
      let v;
      try { v = JSON.parse(text); } catch { throw new Bad(`${path} line ${n} is not JSON`); }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Bad(`${path} line ${n} is not an object`);
      return [v, n];
    });

// Equal as JSON values; numbers compare as numbers, which JavaScript does anyway.
const same = (a, b) => {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
};

// UTC times, "2026-12-05T09:14:03.214511Z", as microseconds.
const micros = (t) => {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t ?? '');
  if (!m) return NaN;
  const ms = Date.parse(m[1] + 'Z');
  // Date.parse rolls 30 February over into March: a date that does not exist is refused.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== m[1]) return NaN;
  return ms * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
};

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hex64 = (s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

// A signed text: header, then "name JSON" lines in this order, each ending in "\n".
const parseSigned = (text, header, names) => {
  if (typeof text !== 'string' || !text.endsWith('\n')) return null;
  const ls = text.slice(0, -1).split('\n');
  if (ls[0] !== header || ls.length !== names.length + 1) return null;
  const out = {};
  for (let i = 0; i < names.length; i++) {
    if (!ls[i + 1].startsWith(names[i] + ' ')) return null;
    try { out[names[i]] = JSON.parse(ls[i + 1].slice(names[i].length + 1)); } catch { return null; }
  }
  return out;
};

const keys = new Map();
const checkSignature = (k, text, signature) => {
  const raw = Buffer.from(k.public_key.slice('ed25519:'.length), 'base64');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  try {
    return verify(null, Buffer.from(text, 'utf8'), createPublicKey({ key: spki, format: 'der', type: 'spki' }),
      Buffer.from(signature, 'base64'));
  } catch { return false; }
};
const inForce = (k, when, what) => {
  if (micros(when) < micros(k.registered_at)) throw new Fail(`${what}: key ${k.key_id} was registered after ${when}`);
  if (k.revoked_at !== null && micros(when) >= micros(k.revoked_at)) throw new Fail(`${what}: key ${k.key_id} was revoked before ${when}`);
};

function main() {
  if (!args.file) throw new Bad('usage: verify.mjs --file EXPORT [--keys KEYS] [--heads HEADS]');
  if (args.keys) {
    let doc;
    try { doc = JSON.parse(readFileSync(args.keys, 'utf8')); } catch { throw new Bad(`${args.keys} is not JSON`); }
    if (!Array.isArray(doc?.keys)) throw new Bad(`${args.keys} has no "keys"`);
    for (const k of doc.keys) {
      if (typeof k.public_key !== 'string' || !/^ed25519:[A-Za-z0-9+/]{43}=$/.test(k.public_key) ||
          Number.isNaN(micros(k.registered_at)) || (k.revoked_at !== null && Number.isNaN(micros(k.revoked_at))))
        throw new Bad(`${args.keys}: key ${k.key_id} is not a key`);
      if (sha256(Buffer.from(k.public_key.slice(8), 'base64')).slice(0, 16) !== k.key_id)
        throw new Bad(`${args.keys}: key ${k.key_id}: its id is not its public key's`);
      keys.set(k.key_id, k);
    }
  }
  if (args.heads && !args.keys) throw new Bad('--heads needs --keys');

  // Heads: each signed by a key of the keys, in force, over a text that says what the head says.
  const heads = args.heads ? lines(args.heads).map(([h, n]) => {
    const what = `the head of crisis ${h.crisis} at event ${h.seq} (${args.heads} line ${n})`;
    if (!Number.isInteger(h.crisis) || !Number.isInteger(h.seq) || !hex64(h.hash) || Number.isNaN(micros(h.signed_at)) ||
        typeof h.signed !== 'string' || typeof h.signature !== 'string')
      throw new Bad(`${args.heads} line ${n} is not a head`);
    const k = keys.get(h.key_id);
    if (!k) throw new Fail(`${what}: key ${h.key_id} is not in ${args.keys}`);
    if (!checkSignature(k, h.signed, h.signature)) throw new Fail(`${what}: its signature does not hold (forged)`);
    const s = parseSigned(h.signed, 'tocsin-head/1', ['crisis', 'seq', 'hash', 'signed_at']);
    if (!s || s.crisis !== h.crisis || s.seq !== h.seq || s.hash !== h.hash || s.signed_at !== h.signed_at)
      throw new Fail(`${what}: its signed text says something else`);
    inForce(k, h.signed_at, what);
    return { ...h, line: n, matched: false };
  }) : [];

  // The export, chain after chain.
  const seen = new Map(); // crisis -> its last seq
  let crisis = null, prev = null, last = 0, visits = new Map();
  const stats = { events: 0, signatures: 0, unchecked: 0, heads: 0, elsewhere: 0 };
  const fields = ['seq', 'crisis', 'at', 'actor', 'login', 'kind', 'state', 'detail'];
  for (const [e, n] of lines(args.file)) {
    if (!Number.isInteger(e.seq) || !Number.isInteger(e.crisis) || Number.isNaN(micros(e.at)) || !hex64(e.prev_hash) ||
        !hex64(e.hash) || typeof e.canonical !== 'string' || !('detail' in e) || typeof e.actor !== 'string' ||
        typeof e.kind !== 'string')
      throw new Bad(`${args.file} line ${n} is not an audit event`);
    stats.events++;
    const what = `crisis ${e.crisis}, event ${e.seq} (${args.file} line ${n})`;
    if (e.crisis !== crisis) {
      if (seen.has(e.crisis)) throw new Fail(`${what}: crisis ${e.crisis} appears again`);
      crisis = e.crisis; prev = '0'.repeat(64); last = 0; visits = new Map();
    }
    if (e.seq !== last + 1) throw new Fail(`${what}: it follows event ${last}`);
    if (e.prev_hash !== prev) throw new Fail(`${what}: its prev_hash is not the hash before it`);
    if (sha256(Buffer.from(e.prev_hash + e.canonical, 'utf8')) !== e.hash) throw new Fail(`${what}: its hash does not hold (the event was edited)`);
    let c;
    try { c = JSON.parse(e.canonical); } catch { throw new Fail(`${what}: its canonical text is not JSON`); }
    const want = [...fields, ...('signature' in e ? ['signature'] : [])];
    if (Object.keys(c).length !== want.length || !want.every((f) => Object.hasOwn(c, f) && same(c[f], e[f])))
      throw new Fail(`${what}: the line does not say what its canonical text says`);

    if ('signature' in e && !args.keys) stats.unchecked++;
    else if ('signature' in e) {
      const sig = e.signature, k = keys.get(sig?.key_id), d = e.detail ?? {};
      const who = `${what} (${e.kind} by ${e.actor})`;
      if (!k) throw new Fail(`${who}: signed by key ${sig?.key_id}, which is not in ${args.keys}`);
      if (k.role !== e.actor) throw new Fail(`${who}: signed by a key of ${k.role}, not of ${e.actor}`);
      inForce(k, e.at, who);
      if (typeof sig.signed !== 'string' || !checkSignature(k, sig.signed, sig.signature)) throw new Fail(`${who}: its signature does not hold`);
      const s = parseSigned(sig.signed, 'tocsin-command/1', ['crisis', 'playbook_sha256', 'state', 'visit', 'seat', 'kind',
        'value', 'data', 'reason', 'key', 'signed_at']);
      if (!s) throw new Fail(`${who}: its signed text is not a command's`);
      if (s.crisis !== e.crisis) throw new Fail(`${who}: signed for crisis ${s.crisis}`);
      const kind = { vote: 'vote', completed: 'complete', acked: 'ack' }[e.kind];
      if (kind) {
        const value = kind === 'vote' ? d.vote : kind === 'complete' ? d.outcome : null;
        const data = d.data ?? null;
        const dataSame = same(s.data, data) || (s.data === null && kind === 'complete' && same(data, {}));
        const wrong = s.state !== e.state ? 'state' : s.visit !== (visits.get(e.state) ?? null) ? 'visit'
          : s.seat !== d.seat ? 'seat' : s.kind !== kind ? 'kind' : !same(s.value, value ?? null) ? 'value'
          : !dataSame ? 'data' : kind === 'vote' && !same(s.reason, d.reason ?? null) ? 'reason' : null;
        if (wrong) throw new Fail(`${who}: the signed command's ${wrong} is not the event's`);
      }
      stats.signatures++;
    }
    if (e.kind === 'entered' && Number.isInteger(e.detail?.visit)) visits.set(e.state, e.detail.visit);
    for (const h of heads.filter((h) => h.crisis === e.crisis && h.seq === e.seq)) {
      if (h.hash !== e.hash) throw new Fail(`${what}: its hash is not the one the head of ${args.heads} line ${h.line} pins: the chain was rewritten`);
      h.matched = true; stats.heads++;
    }
    prev = e.hash; last = e.seq; seen.set(crisis, last);
  }
  if (stats.events === 0) throw new Bad(`${args.file} holds no audit event`);
  for (const h of heads.filter((h) => !h.matched)) {
    if (!seen.has(h.crisis)) { stats.elsewhere++; continue; }
    throw new Fail(`crisis ${h.crisis}: the export ends at event ${seen.get(h.crisis)}, before the head of ${args.heads} line ${h.line}`);
  }
  console.log(`holds: ${stats.events} events in ${seen.size} crises, ${stats.signatures} signatures checked, ` +
    `${stats.unchecked} not, ${stats.heads} heads matched, ${stats.elsewhere} of other crises`);
}

try {
  main();
} catch (e) {
  if (!(e instanceof Bad || e instanceof Fail)) throw e;
  console.error(e.message);
  process.exit(e instanceof Bad ? 3 : 1);
}
