// negsim serve: the page's script. Everything it shows comes from this server's /api.
"use strict";
const state = {
  info: null, edits: {}, fullRuns: 10000, dragRuns: 2000,
  inFlight: false, pending: null, last: null, lines: [], timings: [],
};
window.negsim = state; // read by the browser test: timings, last reply
const $ = (id) => document.getElementById(id);
const fmt = (x) => (x == null ? "–" : x.toFixed(3));
const pm = (x) => (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(3);

async function post(url, body) {
  const r = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) {
    let msg = text;
    try { msg = JSON.parse(text).error; } catch (e) { /* plain text */ }
    throw new Error(msg);
  }
  return text;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}

// One slider and number field per editable number, grouped by agent.
function buildSliders() {
  const box = $("sliders");
  box.innerHTML = "";
  const groups = {};
  let term = null;
  state.info.sliders.forEach((s, i) => {
    if (!groups[s.agent]) {
      const d = el("details", {}, el("summary", {}, s.agent));
      if (Object.keys(groups).length === 0) d.open = true;
      groups[s.agent] = d;
      box.append(d);
      term = null;
    }
    if (s.term && s.term !== term) groups[s.agent].append(el("h3", {}, s.term));
    term = s.term;
    const range = el("input", { type: "range", min: s.min, max: s.max, step: s.step,
      value: s.value, id: "s" + i, "data-path": s.path, "aria-label": s.path });
    const num = el("input", { type: "number", min: s.min, max: s.max, step: s.step,
      value: s.value, "data-path": s.path });
    const lab = el("label", { for: "s" + i, title: s.path + " (file: " + s.file + ")" },
      s.label);
    const row = el("div", { class: "slider", id: "row-" + s.path }, lab, range, num);
    const set = (v, runs) => {
      state.edits[s.path] = Number(v);
      row.classList.add("edited");
      schedule(runs);
    };
    range.addEventListener("input", () => { num.value = range.value; set(range.value, state.dragRuns); });
    range.addEventListener("change", () => set(range.value, state.fullRuns));
    num.addEventListener("change", () => { range.value = num.value; set(num.value, state.fullRuns); });
    groups[s.agent].append(row);
  });
}

// At most one request in flight: a newer request replaces the one waiting.
function schedule(runs) {
  const t0 = performance.now();
  if (state.inFlight) {
    // A full-count run asked while dragging must not be lost to a later drag step.
    if (!state.pending || runs >= state.pending.runs) state.pending = { runs, t0 };
    else state.pending.t0 = t0;
    return;
  }
  send({ runs, t0 });
}

async function send(job) {
  state.inFlight = true;
  $("status").textContent = "running " + job.runs.toLocaleString() + " runs…";
  try {
    const t1 = performance.now();
    const text = await post("/api/run", { edits: state.edits, runs: job.runs });
    const server = performance.now() - t1;
    state.last = JSON.parse(text);
    render(state.last);
    const total = performance.now() - job.t0;
    state.timings.push({ runs: job.runs, server_ms: server, redraw_ms: total });
    $("status").textContent = job.runs.toLocaleString() + " runs per deadline, redrawn in " +
      Math.round(total) + " ms";
    $("status").classList.remove("error");
  } catch (e) {
    $("status").textContent = String(e.message || e);
    $("status").classList.add("error");
  }
  state.inFlight = false;
  if (state.pending) {
    const next = state.pending;
    state.pending = null;
    send(next);
  }
}

const NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// A chart of series [{name, color, points: [{x, y, lo, hi}]}] over categorical x.
function chart(box, xs, series, yMin, yMax, yLabel) {
  const W = 720, H = 320, L = 56, R = 130, T = 12, B = 40;
  const s = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img" });
  const xAt = (i) => L + (xs.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (xs.length - 1));
  const yAt = (v) => T + ((yMax - v) * (H - T - B)) / (yMax - yMin);
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    s.append(svg("line", { x1: L, x2: W - R, y1: yAt(v), y2: yAt(v), stroke: "#eee" }));
    s.append(svg("text", { x: L - 6, y: yAt(v) + 4, "text-anchor": "end", "font-size": 11 },
      v.toFixed(2)));
  }
  if (yMin < 0) s.append(svg("line", { x1: L, x2: W - R, y1: yAt(0), y2: yAt(0), stroke: "#999" }));
  xs.forEach((x, i) => s.append(svg("text", { x: xAt(i), y: H - B + 16, "text-anchor": "middle",
    "font-size": 11 }, x)));
  s.append(svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12 },
    yLabel));
  series.forEach((se, j) => {
    const g = svg("g", { class: "series", "data-name": se.name,
      "data-values": se.points.map((p) => p.y.toFixed(4)).join(",") });
    const off = (j - (series.length - 1) / 2) * 6;
    g.append(svg("polyline", { fill: "none", stroke: se.color, "stroke-width": 2,
      points: se.points.map((p, i) => `${xAt(i) + off},${yAt(p.y)}`).join(" ") }));
    se.points.forEach((p, i) => {
      g.append(svg("line", { x1: xAt(i) + off, x2: xAt(i) + off, y1: yAt(p.lo), y2: yAt(p.hi),
        stroke: se.color, "stroke-width": 1.5 }));
      g.append(svg("circle", { cx: xAt(i) + off, cy: yAt(p.y), r: 3.5, fill: se.color }));
    });
    g.append(svg("text", { x: W - R + 8, y: T + 14 + 18 * j, fill: se.color, "font-size": 12 },
      se.name));
    s.append(g);
  });
  box.replaceChildren(s);
}

function render(c) {
  const rl = state.info.round_label;
  const xs = c.deadlines.map((d) => String(d.deadline));
  const edited = Object.keys(state.edits).length > 0;
  const series = [{ name: "the file", color: "#999",
    points: c.deadlines.map((d) => ({ y: d.p_a, lo: d.ci95_a[0], hi: d.ci95_a[1] })) }];
  if (edited) series.push({ name: "edited", color: "#1f5fbf",
    points: c.deadlines.map((d) => ({ y: d.p_b, lo: d.ci95_b[0], hi: d.ci95_b[1] })) });
  chart($("chart"), xs, series, 0, 1, "deadline (" + rl + "s)");
  // The server renders the answer block through maud, which escapes every text in it.
  $("answer").innerHTML = c.answer_html;
  $("edits").textContent = edited
    ? "Edits: " + Object.entries(state.edits).map(([p, v]) => p + " = " + v).join(", ")
    : "No edits: this is the file.";
  // Top deals of the edited scenario at the last deadline.
  const last = c.b.deadlines[c.b.deadlines.length - 1];
  const deals = $("deals");
  deals.innerHTML = "";
  const terms = last.top_packages.length ? Object.keys(last.top_packages[0].package) : [];
  deals.append(el("tr", {}, el("th", {}, "share"), ...terms.map((t) => el("th", { class: "left" }, t))));
  last.top_packages.slice(0, 5).forEach((p) => deals.append(el("tr", {},
    el("td", {}, (100 * p.share).toFixed(1) + "%"),
    ...terms.map((t) => el("td", { class: "left" }, p.package[t])))));
  if (!last.top_packages.length) deals.append(el("tr", {}, el("td", {}, "no agreements")));
  // The paired differences.
  const diffs = $("diffs");
  diffs.innerHTML = "";
  diffs.append(el("tr", {}, el("th", {}, "by " + rl), el("th", {}, "P(file)"),
    el("th", {}, "P(edited)"), el("th", {}, "edited − file [95%]"),
    el("th", {}, "runs agreeing only edited / only file")));
  c.deadlines.forEach((d) => diffs.append(el("tr", {}, el("td", {}, d.deadline),
    el("td", {}, fmt(d.p_a)), el("td", {}, fmt(d.p_b)),
    el("td", {}, pm(d.diff) + " [" + pm(d.ci95_diff[0]) + ", " + pm(d.ci95_diff[1]) + "]"),
    el("td", {}, d.only_b + " / " + d.only_a))));
  const big = Math.max(0.05, ...c.deadlines.map((d) => Math.max(Math.abs(d.ci95_diff[0]), Math.abs(d.ci95_diff[1]))));
  chart($("diff-chart"), xs, [{ name: "edited − file", color: "#b5442a",
    points: c.deadlines.map((d) => ({ y: d.diff, lo: d.ci95_diff[0], hi: d.ci95_diff[1] })) }],
  -big, big, "deadline (" + rl + "s)");
}

async function download() {
  try {
    const text = await post("/api/toml", { edits: state.edits });
    const url = URL.createObjectURL(new Blob([text], { type: "application/toml" }));
    const a = el("a", { href: url, download: "edited.toml" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (e) {
    $("status").textContent = String(e.message || e);
  }
}

async function playStep() {
  const body = { agent: $("play-agent").value, deadline: Number($("play-deadline").value),
    run: Number($("play-run").value), edits: state.edits, lines: state.lines,
    hints: $("play-hints").checked };
  try {
    const r = JSON.parse(await post("/api/play", body));
    const out = $("play-out");
    out.textContent = r.transcript;
    out.scrollTop = out.scrollHeight;
    $("play-input").disabled = r.over;
    $("play-send").disabled = r.over;
    out.dataset.over = r.over;
    out.dataset.moves = state.lines.length;
  } catch (e) {
    $("play-out").textContent += "\n" + (e.message || e) + "\n";
  }
}

// A shared table (two tabs, one game): the server holds the moves; this tab is one seat.
const table = { id: null, seat: null, timer: null };

async function tableView(line) {
  const body = { table: table.id, seat: table.seat };
  if (line != null) body.line = line;
  try {
    showTable(JSON.parse(await post("/api/table", body)));
  } catch (e) {
    $("table-status").textContent = String(e.message || e);
  }
}

function showTable(r) {
  const out = $("table-out");
  if (out.textContent !== r.transcript) {
    out.textContent = r.transcript;
    out.scrollTop = out.scrollHeight;
  }
  $("table-status").textContent = r.over ? "The game is over: the debrief is below."
    : r.your_turn ? "Your move, " + r.seat + "."
      : "You are " + r.seat + ". Waiting for " + r.waiting + "…";
  $("table-input").disabled = !r.your_turn;
  $("table-send").disabled = !r.your_turn;
  out.dataset.over = r.over;
  out.dataset.yourTurn = r.your_turn;
  out.dataset.moves = r.moves;
  clearTimeout(table.timer);
  // Polls only while the other player is to move; no script runs otherwise.
  if (!r.over && !r.your_turn) table.timer = setTimeout(() => tableView(), 2000);
}

function joinTable(id, seat) {
  table.id = id;
  table.seat = seat;
  $("table-box").classList.remove("hidden");
  showTab("play");
  tableView();
}

async function openTable() {
  const body = { seats: [$("table-a").value, $("table-b").value],
    deadline: Number($("play-deadline").value), run: Number($("play-run").value),
    edits: state.edits, hints: $("play-hints").checked };
  const links = $("table-links");
  try {
    const r = JSON.parse(await post("/api/table/new", body));
    links.replaceChildren("Table " + r.table + ": this tab plays " + r.seats[0] +
      "; open the other player's tab: ");
    r.seats.slice(1).forEach((s) => links.append(el("a", { id: "table-link-" + s,
      href: "/?table=" + r.table + "&seat=" + encodeURIComponent(s), target: "_blank" }, s)));
    joinTable(r.table, r.seats[0]);
  } catch (e) {
    links.textContent = String(e.message || e);
  }
}

function showTab(name) {
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("hidden", p.id !== name));
}

async function init() {
  state.info = await (await fetch("/api/scenario")).json();
  const i = state.info;
  state.fullRuns = Math.min(i.runs, 100000);
  state.dragRuns = Math.min(state.fullRuns, 2000);
  document.title = "negsim: " + i.name;
  $("title").textContent = i.name;
  $("origin").textContent = i.origin + " · seed " + i.seed + " · " + i.sliders.length + " numbers to edit";
  document.querySelectorAll(".rl").forEach((e) => (e.textContent = i.round_label));
  $("runs").value = state.fullRuns;
  $("drag-runs").textContent = state.dragRuns.toLocaleString();
  $("runs").addEventListener("change", () => {
    state.fullRuns = Math.max(1, Math.min(100000, Number($("runs").value) || 1));
    state.dragRuns = Math.min(state.fullRuns, 2000);
    $("drag-runs").textContent = state.dragRuns.toLocaleString();
    schedule(state.fullRuns);
  });
  $("reset").addEventListener("click", () => { state.edits = {}; buildSliders(); schedule(state.fullRuns); });
  $("download").addEventListener("click", download);
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  i.agents.forEach(([id, name]) => $("play-agent").append(el("option", { value: id }, name)));
  $("play-deadline").value = i.play_deadline;
  $("play-start").addEventListener("click", () => { state.lines = []; playStep(); });
  $("play-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.lines.push($("play-input").value);
    $("play-input").value = "";
    playStep();
  });
  i.agents.forEach(([id, name], k) => {
    $("table-a").append(el("option", { value: id }, name));
    $("table-b").append(el("option", { value: id }, name));
    if (k === 1) $("table-b").value = id;
  });
  $("table-start").addEventListener("click", openTable);
  $("table-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const line = $("table-input").value;
    $("table-input").value = "";
    tableView(line);
  });
  buildSliders();
  schedule(state.fullRuns);
  // A tab opened from a table's link joins that table as its seat.
  const q = new URLSearchParams(location.search);
  if (q.has("table") && q.has("seat")) joinTable(Number(q.get("table")), q.get("seat"));
}
init();
