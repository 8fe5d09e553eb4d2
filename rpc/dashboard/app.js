// The seer dashboard (docs/dashboard.md). Plain JS, no framework, no build step. It reads only
// this node's REST routes (same origin) and its CometBFT websocket on the RPC listener, whose
// address GET /seer/node/v1/endpoints gives. Every string from the chain goes in as text
// (textContent), never as HTML: creators, handlers and monikers are anyone's to choose.
"use strict";

// Bounds: how much the page asks for and keeps.
const k_futures_page = 100;          // futures listed (newest first)
const k_block_time_cache = 2000;     // block times kept, by height
const k_poll_ms = 5000;              // refresh period while the websocket is down
const k_reconnect_max_ms = 10000;    // websocket reconnect backoff cap
const k_refresh_debounce_ms = 150;   // NewBlock bursts (catching up) refresh once
const k_statuses = ["PENDING", "EXECUTED", "VERIFIED", "FAILED", "TIMED_OUT"];

const state = {
  height: 0,
  lastBlockTimeMs: null,
  lastBlockHeight: 0,  // the height lastBlockTimeMs is the time of
  validators: [],          // from /seer/node/v1/validators
  totalPower: 0,
  names: new Map(),        // validator address (hex) -> short label
  selected: null,          // the future ID the timeline shows
  filter: { creator: "", handler: "", status: "" },
  blockTimes: new Map(),   // height -> ms since the epoch
  ws: null,
  wsLive: false,
  reconnectMs: 500,
  refreshTimer: null,
  pollTimer: null,
};

// ---- helpers ------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") e.className = v;
    else if (k === "onclick") e.addEventListener("click", v);
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function fillBody(table, rows) {
  const body = $(table).tBodies[0];
  body.replaceChildren(...rows);
}

async function getJson(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch (e) { /* not JSON: reported below */ }
  if (!r.ok) {
    const msg = body && body.message ? body.message : text.slice(0, 200);
    const err = new Error(`${path}: ${r.status} ${msg}`);
    err.status = r.status;
    throw err;
  }
  return body;
}

function showError(e) {
  $("error").textContent = e ? String(e.message || e) : "";
}

/// RFC 3339 with nanoseconds -> ms since the epoch (Date.parse wants at most milliseconds).
function parseTime(text) {
  if (!text) return null;
  const ms = Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? null : ms;
}

function fmtTime(ms) {
  if (ms === null || ms === undefined) return "–";
  const d = new Date(ms);
  return d.toISOString().replace("T", " ").replace("Z", " UTC");
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
  return ms.toFixed(ms < 10 ? 1 : 0) + " ms";
}

function pct(part, total) {
  if (!total) return "–";
  return (100 * part / total).toFixed(1) + "%";
}

/// Proto JSON bytes (base64) -> upper-case hex, as CometBFT prints addresses.
function b64ToHex(b64) {
  if (!b64) return "";
  const bin = atob(b64);
  let out = "";
  for (let i = 0; i < bin.length; i++) out += bin.charCodeAt(i).toString(16).padStart(2, "0");
  return out.toUpperCase();
}

function b64ToText(b64) {
  if (!b64) return "";
  try {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    return null;  // not UTF-8: shown as a size
  }
}

const shortStatus = (s) => String(s || "").replace(/^FUTURE_STATUS_/, "");
const shortVote = (v) => String(v || "").replace(/^VOTE_VALUE_/, "");
const shortAddr = (hex) => (hex ? hex.slice(0, 8) + "…" + hex.slice(-4) : "–");
const validatorLabel = (hex) => state.names.get(hex) || shortAddr(hex);

// ---- chain and validators -----------------------------------------------------------------

function setHeight(height, timeText) {
  if (!(height > state.height)) return;
  const ms = parseTime(timeText);
  if (ms !== null) {
    // The last interval; when the page saw a jump (a burst of blocks, or a REST refresh ahead of
    // the events), the mean over the heights it skipped.
    if (state.lastBlockTimeMs !== null && height > state.lastBlockHeight)
      $("interval").textContent =
          fmtMs((ms - state.lastBlockTimeMs) / (height - state.lastBlockHeight));
    state.lastBlockTimeMs = ms;
    state.lastBlockHeight = height;
    rememberBlockTime(height, ms);
    $("block-time").textContent = fmtTime(ms);
  }
  state.height = height;
  $("height").textContent = String(height);
}

function rememberBlockTime(height, ms) {
  state.blockTimes.set(height, ms);
  if (state.blockTimes.size > k_block_time_cache) {
    const oldest = state.blockTimes.keys().next().value;
    state.blockTimes.delete(oldest);
  }
}

async function refreshValidators() {
  const v = await getJson("/seer/node/v1/validators");
  setHeight(Number(v.height), v.time);
  state.validators = v.validators;
  state.totalPower = Number(v.total_voting_power);
  state.validators.forEach((val, i) => state.names.set(val.address, `val${i} ${shortAddr(val.address)}`));
  const w = v.window;
  $("validators-window").textContent =
      w.blocks ? `(last ${w.blocks} blocks: ${w.from_height}–${w.to_height})` : "";
  $("interval-window").textContent = w.blocks ? `(${w.blocks} blocks)` : "";
  $("avg-interval").textContent = fmtMs(w.avg_block_interval_ms);
  $("proposer").textContent = v.proposer ? validatorLabel(v.proposer) : "–";
  fillBody("validators", state.validators.map((val) => {
    const power = Number(val.voting_power);
    const isProposer = val.address === v.proposer;
    return el("tr", { "data-address": val.address, class: isProposer ? "selected" : "" },
      el("td", { class: "mono", title: val.address }, validatorLabel(val.address)),
      el("td", { class: "num power" }, String(power)),
      el("td", { class: "num" }, pct(power, state.totalPower)),
      el("td", { class: "num" }, String(val.proposed)),
      el("td", { class: "num missed" }, String(val.missed)),
      el("td", {}, isProposer ? "latest block" : ""));
  }));
}

// ---- futures ------------------------------------------------------------------------------

async function refreshStatusCounts() {
  const counts = await Promise.all(k_statuses.map((s) =>
    getJson(`/seer/async/v1/futures?status=${s}&pagination.limit=1&pagination.count_total=true`)
      .then((r) => Number(r.pagination && r.pagination.total || 0))));
  const chips = k_statuses.map((s, i) => el("button", {
    type: "button",
    class: "chip" + (state.filter.status === s ? " active" : ""),
    "data-status": s,
    onclick: () => { state.filter.status = state.filter.status === s ? "" : s;
                     $("search-status").value = state.filter.status; refreshFutures().catch(showError);
                     refreshStatusCounts().catch(showError); },
  }, el("span", { class: `status status-${s}` }, s), " ", el("b", { class: "count" }, String(counts[i]))));
  $("status-counts").replaceChildren(...chips);
}

function futureRow(f) {
  const status = shortStatus(f.status);
  return el("tr", {
    class: "clickable" + (String(f.id) === state.selected ? " selected" : ""),
    "data-id": String(f.id),
    "data-status": status,
    onclick: () => selectFuture(String(f.id)),
  },
    el("td", { class: "num mono" }, String(f.id)),
    el("td", { class: `status status-${status}` }, status),
    el("td", {}, f.handler),
    el("td", { class: "mono", title: f.creator }, f.creator),
    el("td", { class: "num" }, f.created_height),
    el("td", { class: "num" }, f.final_height !== "0" ? f.final_height : "–"),
    el("td", { class: "num" }, f.tally ? `${f.tally.verified_power}/${f.tally.total_power}` : "–"));
}

async function refreshFutures() {
  const { creator, handler, status } = state.filter;
  let path = `/seer/async/v1/futures?pagination.limit=${k_futures_page}&pagination.reverse=true`;
  if (creator) path += `&creator=${encodeURIComponent(creator)}`;
  if (status) path += `&status=${encodeURIComponent(status)}`;
  if (handler) path += `&handler=${encodeURIComponent(handler)}`;
  const r = await getJson(path);
  const list = r.futures || [];
  const what = [status && `status ${status}`, creator && `creator ${creator}`,
                handler && `handler ${handler}`].filter(Boolean).join(", ");
  $("futures-note").textContent =
      `${list.length} shown, newest first (at most ${k_futures_page})` + (what ? ` — ${what}` : "");
  fillBody("futures", list.map(futureRow));
}

// ---- one future's timeline ----------------------------------------------------------------

async function blockTime(height) {
  const h = Number(height);
  if (!(h > 0)) return null;
  if (state.blockTimes.has(h)) return state.blockTimes.get(h);
  try {
    const b = await getJson(`/cosmos/base/tendermint/v1beta1/blocks/${h}`);
    const ms = parseTime(b.block.header.time);
    if (ms !== null) rememberBlockTime(h, ms);
    return ms;
  } catch (e) {
    return null;  // pruned or not yet stored: the row shows no time
  }
}

function selectFuture(id) {
  state.selected = id;
  if (location.hash !== `#future=${id}`) history.replaceState(null, "", `#future=${id}`);
  for (const tr of $("futures").tBodies[0].rows) tr.classList.toggle("selected", tr.dataset.id === id);
  refreshTimeline().catch(showError);
}

function timelineRow(step, height, ms, who, value, share, extra) {
  return el("tr", Object.assign({ "data-step": step }, extra || {}),
    el("td", {}, step),
    el("td", { class: "num height" }, height ? String(height) : "–"),
    el("td", { class: "time" }, fmtTime(ms)),
    el("td", { class: "mono" }, who || ""),
    el("td", {}, value || ""),
    el("td", { class: "num" }, share || ""));
}

async function refreshTimeline() {
  const id = state.selected;
  if (!id) return;
  $("timeline-id").textContent = id;
  let r;
  try {
    r = await getJson(`/seer/async/v1/futures/${encodeURIComponent(id)}`);
  } catch (e) {
    $("timeline-summary").textContent = e.status === 404 ? `future ${id} not found` : String(e.message);
    $("timeline").dataset.status = "";
    fillBody("timeline", []);
    return;
  }
  if (state.selected !== id) return;  // another future was picked meanwhile
  const f = r.future;
  const status = shortStatus(f.status);
  const total = Number(f.tally && f.tally.total_power || state.totalPower);
  const rows = [];
  rows.push(timelineRow("created", f.created_height, await blockTime(f.created_height),
                        f.creator, `handler ${f.handler}`, "", {}));
  if (f.result && f.result.height !== "0") {
    const res = f.result;
    let value;
    if (res.error) value = `error: ${res.error}`;
    else if (res.output_sha256) value = `off chain, ${res.output_size} bytes`;
    else {
      const text = b64ToText(res.output);
      value = text === null ? `${atob(res.output || "").length} bytes` : `output "${text.slice(0, 80)}"`;
    }
    rows.push(timelineRow("result", res.height, await blockTime(res.height),
                          `submitter ${validatorLabel(b64ToHex(res.submitter))}`, value, "", {}));
  }
  const votes = (f.votes || []).slice().sort((a, b) => Number(a.height) - Number(b.height));
  for (const v of votes) {
    const addr = b64ToHex(v.validator);
    const value = shortVote(v.value);
    rows.push(timelineRow("vote", v.height, await blockTime(v.height), validatorLabel(addr),
                          el("span", { class: `value-${value}` }, value),
                          `${v.power} (${pct(Number(v.power), total)})`,
                          { "data-validator": addr, "data-value": value }));
  }
  const final = f.final_height && f.final_height !== "0";
  const verdict = final ? status : `${status} (not final; deadline ${f.deadline_height})`;
  const tally = f.tally ? `verified ${f.tally.verified_power}, rejected ${f.tally.rejected_power} of ${f.tally.total_power}` : "";
  rows.push(timelineRow("verdict", final ? f.final_height : null,
                        final ? await blockTime(f.final_height) : null, tally,
                        el("span", { class: `status status-${status}` }, verdict),
                        f.tally ? pct(Number(f.tally.verified_power), total) : "",
                        { "data-status": status }));
  if (state.selected !== id) return;
  $("timeline").dataset.status = status;
  $("timeline-summary").textContent =
      `${f.handler} by ${f.creator}, attempts ${f.attempts}` + (f.final_reason ? `: ${f.final_reason}` : "") +
      (r.pruned ? " (pruned from state; from the node's archive)" : "");
  fillBody("timeline", rows);
}

// ---- prophet and peers --------------------------------------------------------------------

async function refreshProphet() {
  const p = await getJson("/seer/node/v1/prophet");
  if (!p.enabled) {
    $("prophet-queues").replaceChildren(el("div", {}, el("dd", {}, "this node runs no prophet")));
    fillBody("handlers", []);
    return;
  }
  const fig = (label, value, id) => el("div", {}, el("dt", {}, label), el("dd", { id }, String(value)));
  $("prophet-queues").replaceChildren(
    fig("execution queue", `${p.execution_queue_depth} / ${p.queue_capacity}`, "exec-queue"),
    fig("verification queue", `${p.verification_queue_depth} / ${p.queue_capacity}`, "verify-queue"),
    fig("running", p.running, "prophet-running"),
    fig("dropped", p.dropped.queue_full + p.dropped.store_full + p.dropped.expired, "prophet-dropped"));
  const bound = (v) => (v === null ? `> ${fmtMs(p.latency_bounds_ms[p.latency_bounds_ms.length - 1])}` : `≤ ${fmtMs(v)}`);
  fillBody("handlers", p.handlers.map((h) => el("tr", { "data-handler": h.name },
    el("td", {}, h.name + (h.external ? " (external)" : "")),
    el("td", { class: "num" }, String(h.queued)),
    el("td", { class: "num" }, `${h.running}/${h.concurrency}`),
    el("td", { class: "num" }, String(h.executed)),
    el("td", { class: "num" }, String(h.failed)),
    el("td", { class: "num" }, h.latency_count ? bound(h.latency_p50_ms) : "–"),
    el("td", { class: "num" }, h.latency_count ? bound(h.latency_p95_ms) : "–"),
    el("td", { class: "num" }, fmtMs(h.latency_mean_ms)))));
}

async function refreshPeers() {
  const n = await getJson("/seer/node/v1/peers");
  $("peers-count").textContent = `(${n.n_peers})`;
  fillBody("peers", n.peers.map((p) => el("tr", { "data-node-id": p.node_id },
    el("td", {}, p.moniker),
    el("td", { class: "mono", title: p.node_id }, p.node_id.slice(0, 12) + "…"),
    el("td", { class: "mono" }, p.listen_addr || p.remote_ip),
    el("td", {}, p.outbound ? "outbound" : "inbound"))));
}

// ---- refresh and the websocket ------------------------------------------------------------

async function refreshAll() {
  const parts = [refreshValidators(), refreshStatusCounts(), refreshFutures(), refreshProphet(),
                 refreshPeers(), refreshTimeline()];
  const results = await Promise.allSettled(parts);
  const failed = results.find((r) => r.status === "rejected");
  showError(failed ? failed.reason : null);
  $("updated").textContent = `updated ${new Date().toLocaleTimeString()} at height ${state.height}`;
}

function scheduleRefresh() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    refreshAll();
  }, k_refresh_debounce_ms);
}

function setLive(s) {
  $("live").dataset.state = s;
  $("live").textContent = s;
}

/// The websocket's URL: the RPC listener's port on this page's host when the node listens on
/// every address (0.0.0.0), else the listen host itself.
function websocketUrl(endpoints) {
  const m = /^(?:tcp:\/\/)?\[?([^\]]*?)\]?:(\d+)$/.exec(endpoints.rpc.listen_addr || "");
  if (!m) return null;
  let host = m[1];
  if (host === "" || host === "0.0.0.0" || host === "::") host = location.hostname;
  if (host.includes(":")) host = `[${host}]`;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${host}:${m[2]}${endpoints.rpc.websocket_path}`;
}

function connect(url) {
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = () => {
    state.reconnectMs = 500;
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe",
                             params: { query: "tm.event='NewBlock'" } }));
  };
  ws.onmessage = (msg) => {
    let m;
    try { m = JSON.parse(msg.data); } catch (e) { return; }
    if (m.error) { showError(new Error(`websocket: ${m.error.message} ${m.error.data || ""}`)); return; }
    const data = m.result && m.result.data;
    if (!data) {  // the subscribe answer: live from now on
      if (m.id === 1 && m.result) { state.wsLive = true; setLive("live"); stopPolling(); }
      return;
    }
    if (data.type === "tendermint/event/NewBlock") {
      const header = data.value.block.header;
      setHeight(Number(header.height), header.time);
      scheduleRefresh();
    }
  };
  ws.onclose = () => {
    state.wsLive = false;
    setLive("polling");
    startPolling();
    setTimeout(() => connect(url), state.reconnectMs);
    state.reconnectMs = Math.min(state.reconnectMs * 2, k_reconnect_max_ms);
  };
}

function startPolling() {
  if (!state.pollTimer) state.pollTimer = setInterval(refreshAll, k_poll_ms);
}
function stopPolling() {
  if (state.pollTimer) clearInterval(state.pollTimer);
  state.pollTimer = null;
}

// ---- search -------------------------------------------------------------------------------

function onSearch(ev) {
  ev.preventDefault();
  const id = $("search-id").value.trim();
  state.filter = { creator: $("search-creator").value.trim(), handler: $("search-handler").value.trim(),
                   status: $("search-status").value };
  if (id) selectFuture(id);
  refreshFutures().catch(showError);
  refreshStatusCounts().catch(showError);
}

function fromHash() {
  const m = /^#future=(\d+)$/.exec(location.hash);
  if (m && m[1] !== state.selected) selectFuture(m[1]);
}

async function start() {
  $("search").addEventListener("submit", onSearch);
  $("search-clear").addEventListener("click", () => {
    $("search").reset();
    state.filter = { creator: "", handler: "", status: "" };
    refreshFutures().catch(showError);
    refreshStatusCounts().catch(showError);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
  startPolling();  // until the websocket is live
  await refreshAll();
  try {
    const e = await getJson("/seer/node/v1/endpoints");
    $("node-name").textContent = `${e.moniker} · ${e.network} · ${e.node_id.slice(0, 12)}… · v${e.version}`;
    $("endpoints").textContent = `REST ${e.rest.listen_addr || location.host} · RPC ${e.rpc.listen_addr}`;
    const url = websocketUrl(e);
    if (url) connect(url); else setLive("polling");
  } catch (err) {
    showError(err);
    setLive("polling");
  }
}

document.addEventListener("DOMContentLoaded", () => { start(); });
