/* The board's page: signs in, reads /api/, draws each active crisis, and follows /api/events.
   Everything from the database is put in the page as text (textContent), never as markup. */
"use strict";

const $ = (id) => document.getElementById(id);
const playbooks = new Map(); /* "name@version" -> playbook JSON */
const crises = new Map();    /* id -> {doc, audit, element} */
let events = null;
let refreshTimer = null;

function el(tag, attrs, ...children) {
  const e = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
                                   : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(path, options) {
  const res = await fetch(path, Object.assign({credentials: "same-origin", headers: {"X-Tocsin-Page": "1"}}, options));
  if (res.status === 401) { showSignin(); throw new Error("signed out"); }
  if (!res.ok) throw new Error(path + ": " + res.status);
  return res.json();
}

function showSignin(message) {
  if (events) { events.close(); events = null; }
  $("board").hidden = true;
  $("who").hidden = true;
  $("signin").hidden = false;
  const e = $("signin-error");
  e.hidden = !message;
  e.textContent = message || "";
}

async function signin(ev) {
  ev.preventDefault();
  const body = new URLSearchParams({role: $("signin-role").value, password: $("signin-password").value});
  const res = await fetch("/api/signin", {method: "POST", body, credentials: "same-origin", headers: {"X-Tocsin-Page": "1"}});
  $("signin-password").value = "";
  if (res.status === 200) { start((await res.json()).role); return; }
  showSignin(res.status === 401 ? "Wrong role or password." : "The board cannot sign you in now (" + res.status + ").");
}

async function signout() {
  await fetch("/api/signout", {method: "POST", credentials: "same-origin", headers: {"X-Tocsin-Page": "1"}});
  crises.clear();
  $("crises").replaceChildren();
  showSignin();
}

function start(role) {
  $("signin").hidden = true;
  $("board").hidden = false;
  $("who").hidden = false;
  $("role").textContent = "signed in as " + role;
  follow();
  refreshAll();
}

function follow() {
  if (events) events.close();
  events = new EventSource("/api/events");
  events.onopen = () => { $("live").className = "live on"; $("live-text").textContent = "live"; };
  events.onerror = () => { $("live").className = "live off"; $("live-text").textContent = "reconnecting"; };
  events.onmessage = (m) => {
    let data;
    try { data = JSON.parse(m.data); } catch (e) { return; }
    if (crises.has(data.crisis)) refreshCrisis(data.crisis);
    else scheduleRefreshAll();
  };
}

function scheduleRefreshAll() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshAll, 100);
}

async function refreshAll() {
  const list = await api("/api/crises?status=active");
  const ids = list.crises.map((c) => c.id);
  for (const id of [...crises.keys()]) if (!ids.includes(id)) { crises.get(id).element.remove(); crises.delete(id); }
  $("empty").hidden = ids.length > 0;
  await Promise.all(ids.map((id) => refreshCrisis(id)));
  /* newest first, as the list */
  for (const id of ids) if (crises.has(id)) $("crises").append(crises.get(id).element);
}

async function refreshCrisis(id) {
  let doc, audit;
  try {
    [doc, audit] = await Promise.all([api("/api/crises/" + id), api("/api/crises/" + id + "/audit")]);
  } catch (e) { return; }
  const key = doc.playbook + "@" + doc.version;
  if (!playbooks.has(key)) {
    try { playbooks.set(key, (await api("/api/crises/" + id + "/playbook")).playbook); } catch (e) { playbooks.set(key, null); }
  }
  const old = crises.get(id);
  const element = drawCrisis(doc, audit.audit, playbooks.get(key));
  if (doc.status !== "active") { if (old) old.element.remove(); crises.delete(id); return; }
  if (old) old.element.replaceWith(element); else $("crises").append(element);
  crises.set(id, {doc, element});
  tick();
  $("empty").hidden = crises.size > 0;
}

const SEVERITY_SHAPE = {extreme: "\u25B2\u25B2", severe: "\u25B2", moderate: "\u25C6", minor: "\u25CF", unknown: "?"};

function drawCrisis(c, audit, playbook) {
  const card = el("article", {class: "crisis sev-" + c.severity, "data-crisis": c.id});
  if (c.mode !== "actual")
    card.append(el("div", {class: "banner"}, el("span", {}, c.mode === "test" ? "TEST \u2014 NOT AN ACTUAL CRISIS" : "EXERCISE \u2014 NOT AN ACTUAL CRISIS")));
  card.append(el("h2", {}, el("span", {class: "id"}, "#" + c.id + " "), c.title));
  card.append(el("div", {class: "facts"},
    el("span", {class: "badge sev-" + c.severity}, SEVERITY_SHAPE[c.severity] + " " + c.severity.toUpperCase()),
    el("span", {}, "mode ", el("b", {}, c.mode)),
    el("span", {}, "escalation level ", el("b", {class: "level"}, c.escalation_level)),
    el("span", {}, c.playbook + "@" + c.version),
    el("span", {}, "parties " + c.parties.join(" "))));
  const left = el("div", {}), right = el("div", {});
  for (const s of c.active) left.append(drawState(s));
  if (c.pending > 0) left.append(el("p", {}, c.pending + " command(s) waiting for an engine"));
  right.append(el("h4", {}, "Procedure"));
  if (playbook) right.append(drawGraph(playbook, c.active.map((s) => s.path.split("/")[0])));
  right.append(el("h4", {}, "Latest audit"));
  const lines = el("ul", {class: "audit"});
  for (const a of audit.slice(-8).reverse())
    lines.append(el("li", {}, a.at.replace("T", " ").slice(0, 19) + "  " + a.kind + (a.state ? " " + a.state : "") + "  " + a.actor + auditDetail(a)));
  right.append(lines);
  card.append(el("div", {class: "cols"}, left, right));
  return card;
}

function auditDetail(a) {
  const d = a.detail || {};
  if (a.kind === "vote") return ": " + d.vote + (d.party ? " (" + d.party + ")" : "") + (d.reason ? " \u201C" + d.reason + "\u201D" : "");
  return "";
}

function drawState(s) {
  const box = el("div", {class: "state", "data-state": s.path});
  box.append(el("h3", {}, (s.title || s.path) + " ", el("small", {}, "(" + s.type + (s.rule ? ", " + s.rule : "") + ")")));
  if (s.deadline) box.append(el("div", {}, "deadline ", el("span", {class: "deadline", "data-deadline": s.deadline}, "")));
  if (s.escalation_level) box.append(el("div", {}, "escalation level " + s.escalation_level));
  if (s.next_escalation) box.append(el("div", {}, "next escalation: level " + s.next_escalation.level + " at " + s.next_escalation.at.replace("T", " ").slice(0, 16) + " UTC"));
  if (s.tally) {
    const t = s.tally;
    box.append(el("div", {class: "tally"}, "\u2714 " + t.approve + " approve \u00B7 \u2716 " + t.reject + " reject \u00B7 \u2013 " + t.abstain + " abstain \u00B7 \u25CB " + t.pending + " not voted"));
  }
  if (s.seats) {
    const open = s.seats.filter((x) => !x.vote && !x.done);
    const done = s.seats.filter((x) => x.vote || x.done);
    const ul = el("ul", {class: "seats"});
    for (const x of open) ul.append(el("li", {class: "open"}, seatName(x) + " \u2014 waiting"));
    for (const x of done) ul.append(el("li", {class: "voted"}, seatName(x) + " \u2014 " + (x.vote || x.outcome || "done") + (x.by ? " by " + x.by : "")));
    box.append(ul);
  }
  return box;
}

function seatName(x) { return x.party ? x.role + "/" + x.party : x.role; }

/* The playbook's top-level states, in columns by distance from the start; the current ones highlighted. */
function drawGraph(pb, current) {
  const states = pb.states || {};
  const edges = [];
  const targets = (st) => {
    const out = [];
    if (typeof st.next === "string") out.push(st.next);
    else if (st.next && typeof st.next === "object") out.push(...Object.values(st.next));
    for (const ch of st.choices || []) if (ch.next) out.push(ch.next);
    if (st.otherwise) out.push(st.otherwise);
    return out.filter((t) => t in states);
  };
  for (const [name, st] of Object.entries(states)) for (const t of new Set(targets(st))) edges.push([name, t]);
  const depth = new Map([[pb.start, 0]]);
  const queue = [pb.start];
  while (queue.length) {
    const n = queue.shift();
    for (const [a, b] of edges) if (a === n && !depth.has(b)) { depth.set(b, depth.get(n) + 1); queue.push(b); }
  }
  for (const n of Object.keys(states)) if (!depth.has(n)) depth.set(n, 0);
  const columns = [];
  for (const [n, d] of depth) (columns[d] = columns[d] || []).push(n);
  const W = 150, H = 34, GX = 40, GY = 14;
  const pos = new Map();
  columns.forEach((col, i) => col.forEach((n, j) => pos.set(n, [i * (W + GX) + 10, j * (H + GY) + 10])));
  const width = columns.length * (W + GX) + 10, height = Math.max(...columns.map((c) => c.length)) * (H + GY) + 10;
  const svg = el("svg:svg", {class: "graph", viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "the playbook's states"});
  for (const [a, b] of edges) {
    const [x1, y1] = pos.get(a), [x2, y2] = pos.get(b);
    svg.append(el("svg:path", {d: "M" + (x1 + W) + "," + (y1 + H / 2) + " C" + (x1 + W + GX) + "," + (y1 + H / 2) + " " + (x2 - GX) + "," + (y2 + H / 2) + " " + x2 + "," + (y2 + H / 2)}));
  }
  for (const [n, [x, y]] of pos) {
    const isCurrent = current.includes(n);
    const g = el("svg:g", {class: isCurrent ? "current" : "", "data-node": n});
    g.append(el("svg:rect", {x, y, width: W, height: H, rx: states[n].type === "end" ? 17 : 4}));
    g.append(el("svg:text", {x: x + 8, y: y + 22}, (isCurrent ? "\u25B6 " : "") + (n.length > 19 ? n.slice(0, 18) + "\u2026" : n)));
    svg.append(g);
  }
  return svg;
}

/* Deadlines count down every second. */
function tick() {
  const now = Date.now();
  for (const e of document.querySelectorAll("[data-deadline]")) {
    const left = Math.round((Date.parse(e.dataset.deadline) - now) / 1000);
    const a = Math.abs(left);
    const text = (a >= 86400 ? Math.floor(a / 86400) + "d " : "") + String(Math.floor(a % 86400 / 3600)).padStart(2, "0") + ":" +
                 String(Math.floor(a % 3600 / 60)).padStart(2, "0") + ":" + String(a % 60).padStart(2, "0");
    e.textContent = left >= 0 ? text + " left" : "\u26A0 " + text + " overdue";
    e.className = "deadline" + (left < 0 ? " past" : left < 3600 ? " soon" : "");
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("signin").addEventListener("submit", signin);
  $("signout").addEventListener("click", signout);
  setInterval(tick, 1000);
  try {
    const who = await api("/api/session");
    start(who.role);
  } catch (e) {
    showSignin();
  }
});
