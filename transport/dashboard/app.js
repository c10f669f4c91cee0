// hearth dashboard: one WebSocket (JSON frames, see PROTOCOL.md), live
// topics per page, charts drawn on canvas. No dependencies.
"use strict";

const $ = (sel, el = document) => el.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmt = (n, d = 2) => (typeof n === "number" && isFinite(n) ? (Math.abs(n) >= 1e4 ? n.toExponential(2) : +n.toFixed(d)) : "–");
const bytes = (n) => (n > 1 << 20 ? fmt(n / (1 << 20), 1) + " MiB" : fmt(n / 1024, 1) + " KiB");

// ---- connection ---------------------------------------------------------

const tokenInput = $("#token");
tokenInput.value = localStorage.getItem("hearthToken") || "";
tokenInput.addEventListener("change", () => {
  localStorage.setItem("hearthToken", tokenInput.value.trim());
  conn.restart();
});

const conn = {
  ws: null,
  handlers: new Map(), // topic → function(payload)
  errors: new Map(), // topic → function(message)
  open() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws`, "hearth.json");
    this.ws = ws;
    ws.onopen = () => this.send({ kind: "hello", payload: { version: 1, client: "dashboard/1" } });
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data));
    ws.onclose = () => {
      setStatus("down", "disconnected, retrying…");
      if (this.ws === ws) setTimeout(() => this.open(), 1000);
    };
  },
  restart() {
    const old = this.ws;
    this.ws = null;
    if (old) old.close();
    this.open();
  },
  send(f) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  },
  receive(f) {
    switch (f.kind) {
      case "welcome":
        setStatus("live", "live");
        for (const topic of this.handlers.keys()) this.subscribe(topic);
        break;
      case "update": {
        const h = this.handlers.get(f.object);
        if (h) h(f.payload);
        break;
      }
      case "error": {
        const h = this.errors.get(f.object);
        if (h) h(f.payload.message);
        else setStatus("down", f.payload.message);
        break;
      }
    }
  },
  subscribe(topic) {
    const payload = {};
    const tok = localStorage.getItem("hearthToken");
    if (tok) payload.token = tok;
    this.send({ kind: "subscribe", object: topic, payload });
  },
  watch(topic, onUpdate, onError) {
    this.handlers.set(topic, onUpdate);
    this.errors.set(topic, onError || ((m) => setStatus("down", `${topic}: ${m}`)));
    this.subscribe(topic);
  },
  unwatchAll() {
    for (const topic of this.handlers.keys()) this.send({ kind: "unsubscribe", object: topic });
    this.handlers.clear();
    this.errors.clear();
  },
};

function setStatus(state, text) {
  const el = $("#status");
  el.dataset.state = state;
  el.textContent = text;
}

async function api(method, path) {
  const headers = {};
  const tok = localStorage.getItem("hearthToken");
  if (tok) headers.Authorization = "Bearer " + tok;
  const r = await fetch(path, { method, headers });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

// ---- pages --------------------------------------------------------------

const view = $("#view");
let timers = [];

function route() {
  conn.unwatchAll();
  timers.forEach(clearInterval);
  timers = [];
  const [, page, ...rest] = location.hash.replace(/^#\/?/, "/").split("/");
  const name = rest.map(decodeURIComponent).join("/");
  if (page === "group" && name) groupPage(name);
  else if (page === "room" && name) roomPage(name);
  else overview();
}

function overview() {
  view.innerHTML = `
    <section class="wide" id="server"><h2>Server</h2><p class="empty">waiting…</p></section>
    <section id="rooms"><h2>Rooms</h2><p class="empty">waiting…</p></section>
    <section id="groups"><h2>Device groups</h2><p class="empty">waiting…</p></section>
    <section class="wide" id="alerts"><h2>Open alerts</h2><p class="empty">waiting…</p></section>`;
  conn.watch("server", renderServer);
  conn.watch("rooms", renderRooms);
  conn.watch("alerts/*", (v) => renderAlerts($("#alerts"), v.alerts, true));
  const groups = () => api("GET", "/api/iot/groups").then(renderGroups, (e) => renderGroups({ error: e.message }));
  groups();
  timers.push(setInterval(groups, 5000));
}

function renderServer(s) {
  const objs = Object.entries(s.objects || {})
    .map(([k, v]) => `${esc(k)}: ${v.Active} active, ${v.Hibernated} hibernated`)
    .join("<br>");
  $("#server").innerHTML = `<h2>Server</h2><div class="kv">
    <div><b>${s.connections}</b><span>connections</span></div>
    <div><b>${fmt(s.ingest_per_s, 0)}</b><span>readings / s</span></div>
    <div><b>${fmt(s.tick_lateness_p99_ms, 2)} ms</b><span>tick lateness p99</span></div>
    <div><b>${fmt(s.tick_lateness_p50_ms, 2)} ms</b><span>tick lateness p50</span></div>
    <div><b>${bytes(s.rss_bytes)}</b><span>resident memory</span></div>
    <div><b>${s.goroutines}</b><span>goroutines</span></div>
    <div><b>${fmt(s.uptime_s, 0)} s</b><span>uptime</span></div>
    <div><span>${objs || "no objects"}</span></div></div>`;
}

function renderRooms(v) {
  const rooms = v.rooms || [];
  const el = $("#rooms");
  if (!rooms.length) {
    el.innerHTML = `<h2>Rooms</h2><p class="empty">no rooms</p>`;
    return;
  }
  const rows = rooms
    .map((r) => {
      const name = r.room.split("/").slice(1).join("/");
      return `<tr><td><a href="#/room/${encodeURIComponent(name)}">${esc(name)}</a></td>
        <td>${r.players}/${r.max_players}</td><td>${r.spectators}</td><td>${r.tick_hz} Hz</td>
        <td>${r.ticking ? "ticking" : "idle"}</td><td>${r.ticks_skipped}</td></tr>`;
    })
    .join("");
  el.innerHTML = `<h2>Rooms</h2><div class="scroll"><table>
    <tr><th>room</th><th>players</th><th>spectators</th><th>rate</th><th>state</th><th>skipped</th></tr>${rows}</table></div>`;
}

function renderGroups(v) {
  const el = $("#groups");
  if (!el) return;
  if (v.error) {
    el.innerHTML = `<h2>Device groups</h2><p class="error">${esc(v.error)}</p>`;
    return;
  }
  const gs = (v.groups || []).slice().sort();
  el.innerHTML = `<h2>Device groups</h2>` +
    (gs.length ? `<ul>${gs.map((g) => `<li><a href="#/group/${encodeURIComponent(g)}">${esc(g)}</a></li>`).join("")}</ul>`
      : `<p class="empty">no device groups yet: publish to iot.&lt;group&gt;.&lt;device&gt;</p>`);
}

function renderAlerts(el, alerts, withGroup) {
  alerts = (alerts || []).filter((a) => a.state !== "cleared");
  if (!alerts.length) {
    el.innerHTML = `<h2>Open alerts</h2><p class="empty">no open alerts</p>`;
    return;
  }
  const rows = alerts
    .map((a) => {
      const f = a.finding || {};
      const g = a.group || el.dataset.group;
      const ack = a.state === "open" ? `<button data-ack="${esc(a.id)}" data-group="${esc(g)}">Ack</button>` : esc(a.acked_by || "");
      return `<tr class="alert">${withGroup ? `<td><a href="#/group/${encodeURIComponent(g)}">${esc(g)}</a></td>` : ""}
        <td>${esc(a.device)}</td><td>${esc(a.metric)}</td><td class="sev-${esc(a.state)}">${esc(a.state)}</td>
        <td>${esc(f.detector)}</td><td>${fmt(f.value)}</td><td>${fmt(f.expected_low)} … ${fmt(f.expected_high)}</td>
        <td>${fmt(a.worst_score)}</td><td>${a.count}</td><td title="${esc(f.reason || "")}">${esc(f.reason || "")}</td><td>${ack}</td></tr>`;
    })
    .join("");
  el.innerHTML = `<h2>Open alerts</h2><div class="scroll"><table>
    <tr>${withGroup ? "<th>group</th>" : ""}<th>device</th><th>metric</th><th>state</th><th>detector</th><th>value</th>
    <th>expected</th><th>score</th><th>count</th><th>why</th><th></th></tr>${rows}</table></div>`;
  el.querySelectorAll("button[data-ack]").forEach((b) =>
    b.addEventListener("click", () => {
      b.disabled = true;
      const path = `/api/iot/groups/${encodeURIComponent(b.dataset.group)}/alerts/${encodeURIComponent(b.dataset.ack)}/ack`;
      api("POST", path).then(() => (b.textContent = "acked"), (e) => { b.textContent = "failed"; b.title = e.message; });
    }),
  );
}

// ---- device group page ----------------------------------------------------

const windowNames = ["10s", "1m0s", "5m0s", "1h0m0s"];

function groupPage(g) {
  view.innerHTML = `
    <section class="wide"><h2>Group ${esc(g)}</h2><div id="summary" class="kv"></div>
      <p>Window: <span id="windows"></span></p></section>
    <section class="wide" id="charts"></section>
    <section class="wide" id="galerts" data-group="${esc(g)}"><h2>Open alerts</h2></section>`;
  const series = new Map(); // metric → [{t, mean, min, max}]
  let win = localStorage.getItem("hearthWindow") || "1m0s";
  const drawWindows = () => {
    $("#windows").innerHTML = windowNames
      .map((w) => `<button class="${w === win ? "on" : ""}" data-w="${w}">${w}</button>`)
      .join(" ");
    $("#windows").querySelectorAll("button").forEach((b) =>
      b.addEventListener("click", () => {
        win = b.dataset.w;
        localStorage.setItem("hearthWindow", win);
        series.clear();
        drawWindows();
      }),
    );
  };
  drawWindows();
  conn.watch(`iot/${g}`, (v) => {
    const c = v.counts || {};
    $("#summary").innerHTML = `
      <div><b>${v.devices}</b><span>devices</span></div>
      <div><b>${c.readings}</b><span>readings</span></div>
      <div><b>${c.late}</b><span>late</span></div>
      <div><b>${c.duplicates || 0}</b><span>duplicates</span></div>
      <div><b>${Object.values(c.rejected || {}).reduce((a, b) => a + b, 0)}</b><span>rejected</span></div>`;
    const now = Date.now();
    for (const [metric, wins] of Object.entries(v.metrics || {})) {
      const s = wins[win];
      if (!s || !s.count) continue;
      if (!series.has(metric)) series.set(metric, []);
      const pts = series.get(metric);
      pts.push({ t: now, mean: s.mean, min: s.min, max: s.max, p50: s.p50, p99: s.p99, s });
      if (pts.length > 600) pts.shift();
    }
    drawCharts($("#charts"), series);
    renderAlerts($("#galerts"), v.alerts, false);
  }, (msg) => { view.innerHTML = `<section class="wide"><h2>Group ${esc(g)}</h2><p class="error">${esc(msg)}</p></section>`; });
}

function drawCharts(el, series) {
  for (const [metric, pts] of [...series.entries()].sort()) {
    let box = el.querySelector(`[data-metric="${CSS.escape(metric)}"]`);
    if (!box) {
      box = document.createElement("div");
      box.className = "chart";
      box.dataset.metric = metric;
      box.innerHTML = `<h3></h3><canvas height="160"></canvas>`;
      el.appendChild(box);
    }
    const last = pts[pts.length - 1].s;
    box.querySelector("h3").textContent =
      `${metric}: mean ${fmt(last.mean)}, min ${fmt(last.min)}, max ${fmt(last.max)}, σ ${fmt(last.stddev)}` +
      (last.p99 ? `, p50 ${fmt(last.p50)}, p99 ${fmt(last.p99)}` : "") + ` (n=${last.count})`;
    lineChart(box.querySelector("canvas"), pts);
  }
}

// lineChart draws the mean as a line over a min–max band.
function lineChart(cv, pts) {
  const dpr = window.devicePixelRatio || 1;
  const w = cv.clientWidth, h = cv.clientHeight || 160;
  cv.width = w * dpr;
  cv.height = h * dpr;
  const ctx = cv.getContext("2d");
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  if (pts.length < 1) return;
  let lo = Infinity, hi = -Infinity;
  for (const p of pts) { lo = Math.min(lo, p.min); hi = Math.max(hi, p.max); }
  if (hi === lo) { hi += 1; lo -= 1; }
  const pad = 24, t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  const x = (t) => pad + ((t - t0) / (t1 - t0)) * (w - pad - 4);
  const y = (v) => h - 14 - ((v - lo) / (hi - lo)) * (h - 24);
  ctx.fillStyle = "rgba(240,136,62,0.18)";
  ctx.beginPath();
  pts.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.max)) : ctx.moveTo(x(p.t), y(p.max))));
  for (let i = pts.length - 1; i >= 0; i--) ctx.lineTo(x(pts[i].t), y(pts[i].min));
  ctx.fill();
  ctx.strokeStyle = ctx.fillStyle = "#f0883e";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  pts.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.mean)) : ctx.moveTo(x(p.t), y(p.mean))));
  ctx.stroke();
  const last = pts[pts.length - 1]; // the newest point, also the only one at first
  ctx.beginPath();
  ctx.arc(x(last.t), y(last.mean), 3, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = "#8d94a0";
  ctx.font = "11px system-ui";
  ctx.fillText(fmt(hi), 2, 10);
  ctx.fillText(fmt(lo), 2, h - 2);
}

// ---- room page ------------------------------------------------------------

function roomPage(name) {
  view.innerHTML = `
    <section><h2>Room ${esc(name)}</h2><div id="rstats" class="kv"></div><div id="players"></div></section>
    <section><h2>Arena</h2><canvas class="arena" id="arena" width="600" height="600"></canvas></section>
    <section><h2>Play</h2><p><button id="wt-join">Join over WebTransport</button></p>
      <p id="wt-status" data-snapshots="0" class="empty">not joined</p></section>`;
  $("#wt-join").addEventListener("click", () => joinOverWebTransport(name));
  conn.watch(`rooms/${name}`, (v) => {
    $("#rstats").innerHTML = `
      <div><b>${v.players.length}</b><span>players</span></div>
      <div><b>${v.spectators}</b><span>spectators</span></div>
      <div><b>${v.tick}</b><span>tick</span></div>
      <div><b>${v.tick_hz} Hz</b><span>${v.ticking ? "ticking" : "idle"}</span></div>
      <div><b>${v.ticks_skipped}</b><span>ticks skipped</span></div>`;
    $("#players").innerHTML = v.players.length
      ? `<table><tr><th>player</th><th>connected</th></tr>${v.players.map((p) => `<tr><td>${esc(p.id)}</td><td>${p.connected ? "yes" : "resuming"}</td></tr>`).join("")}</table>`
      : `<p class="empty">no players</p>`;
    drawArena($("#arena"), v.entities);
  }, (msg) => { view.innerHTML = `<section class="wide"><h2>Room ${esc(name)}</h2><p class="error">${esc(msg)}</p></section>`; });
}

// joinOverWebTransport plays in the room from this browser, as a game
// client would, and counts the snapshots it receives.
async function joinOverWebTransport(name) {
  const status = $("#wt-status");
  const button = $("#wt-join");
  button.disabled = true;
  let snapshots = 0;
  const show = (text) => { if (status.isConnected) status.textContent = text; };
  try {
    const close = await playOverWebTransport(`room/${name}`, localStorage.getItem("hearthToken"), (f) => {
      const [kind, , seq, , payload] = f;
      if (kind === KIND.joined) show(`joined as ${payload.player}`);
      if (kind === KIND.error) show(`error: ${payload.code}: ${payload.message}`);
      if (kind === KIND.snapshot) {
        snapshots++;
        status.dataset.snapshots = String(snapshots);
        show(`joined; ${snapshots} snapshots over WebTransport (last #${seq})`);
      }
    });
    window.addEventListener("hashchange", close, { once: true });
  } catch (e) {
    show("WebTransport failed: " + e.message);
    button.disabled = false;
  }
}

function drawArena(cv, ents) {
  const ctx = cv.getContext("2d");
  let size = 100; // the arena demo's field
  for (const e of ents) size = Math.max(size, e.x, e.y);
  const k = cv.width / size;
  ctx.fillStyle = "#14161a";
  ctx.fillRect(0, 0, cv.width, cv.height);
  for (const e of ents) {
    ctx.fillStyle = e.kind === 1 ? "#f0883e" : "#58a6ff";
    ctx.beginPath();
    ctx.arc(e.x * k, cv.height - e.y * k, Math.max(3, k), 0, 2 * Math.PI);
    ctx.fill();
  }
  cv.dataset.entities = String(ents.length);
}

window.addEventListener("hashchange", route);
conn.open();
route();
