// The StratEngine dashboard: every figure comes from the REST API of the same server (no other network).
"use strict";

const pct = (v, d = 2) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(d)}%`);
const num = (v, d = 2) => (v === null || v === undefined ? "—" : Number(v).toLocaleString(undefined, { maximumFractionDigits: d, minimumFractionDigits: d }));
const int = (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString());
const when = (t) => (t ? new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "never");
const signed = (v, fmt) => `<span class="${v < 0 ? "neg" : "pos"}">${fmt(v)}</span>`;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => `${d.loc.slice(-1)[0]}: ${d.msg}`).join("; ") : body.detail;
    throw new Error(detail || `${response.status} ${response.statusText}`);
  }
  return body;
}

function table(id, columns, rows, onClick) {
  const head = `<tr>${columns.map((c) => `<th class="${c.text ? "text" : ""}">${esc(c.label)}</th>`).join("")}</tr>`;
  const body = rows.map((row, i) => `<tr data-row="${i}" class="${onClick ? "clickable" : ""}">${columns
    .map((c) => `<td class="${c.text ? "text" : ""}">${c.html ? c.html(row) : esc(c.fmt ? c.fmt(row[c.key]) : row[c.key])}</td>`)
    .join("")}</tr>`).join("");
  $(id).innerHTML = head + (body || `<tr><td colspan="${columns.length}">nothing yet</td></tr>`);
  if (onClick) $(id).querySelectorAll("tr[data-row]").forEach((tr) => tr.addEventListener("click", () => onClick(rows[tr.dataset.row])));
}

function cards(id, items) {
  $(id).innerHTML = items.map(([label, value]) => `<div class="card"><b>${value}</b><span>${esc(label)}</span></div>`).join("");
}

const state = { strategies: [] };

async function loadOverview() {
  const rows = await api("/api/comparison");
  table("comparison", [
    { key: "strategy_id", label: "Strategy" },
    { key: "total_return", label: "Total return", html: (r) => signed(r.total_return, pct) },
    { key: "cagr", label: "CAGR", html: (r) => signed(r.cagr, pct) },
    { key: "annual_volatility", label: "Volatility", fmt: pct },
    { key: "sharpe", label: "Sharpe", fmt: num },
    { key: "sortino", label: "Sortino", fmt: num },
    { key: "max_drawdown", label: "Max drawdown", fmt: pct },
    { key: "alpha", label: "Alpha", fmt: pct },
    { key: "beta", label: "Beta", fmt: num },
    { key: "information_ratio", label: "Info ratio", fmt: num },
    { key: "avg_turnover", label: "Turnover / rebalance", fmt: pct },
    { key: "oos_passed", label: "Out of sample", html: (r) => (r.oos_status === "simulated" ? (r.oos_passed ? "PASS" : "FAIL") + ` (Sharpe ${num(r.oos_sharpe)})` : esc(r.oos_status ?? "—")) },
  ], rows, (r) => { $("strategy-select").value = r.strategy_id; show("strategy"); loadStrategy(); });
  const factors = await api("/api/factors/evaluation?horizon=21");
  factors.sort((a, b) => Math.abs(b.ic_ir ?? 0) - Math.abs(a.ic_ir ?? 0));
  table("evaluation", [
    { key: "factor", label: "Factor" },
    { key: "mean_spearman_ic", label: "Rank IC", fmt: (v) => num(v, 3) },
    { key: "ic_ir", label: "IC IR", fmt: num },
    { key: "top_minus_bottom", label: "Top − bottom", fmt: pct },
    { key: "rank_autocorrelation", label: "Rank autocorr.", fmt: num },
    { key: "days", label: "Days", fmt: int },
  ], factors);
}

async function loadStrategy() {
  const sid = $("strategy-select").value;
  const strategy = state.strategies.find((s) => s.strategy_id === sid);
  $("strategy-description").textContent = strategy ? strategy.description : "";
  const [perf, book, risk, grid] = await Promise.all([
    api(`/api/strategies/${sid}/performance`), api(`/api/strategies/${sid}/portfolio`),
    api(`/api/strategies/${sid}/risk`), api(`/api/strategies/${sid}/grid`),
  ]);
  const m = perf.metrics || {};
  cards("metrics", [["CAGR", pct(m.cagr)], ["Sharpe", num(m.sharpe)], ["Volatility", pct(m.annual_volatility)],
    ["Max drawdown", pct(m.max_drawdown)], [`Beta vs ${perf.benchmark}`, num(m.beta)], ["Alpha", pct(m.alpha)]]);
  Plotly.react("equity-chart", [
    { x: perf.dates, y: perf.equity, name: sid, line: { color: "#2a6fdb" } },
    { x: perf.dates, y: perf.benchmark_equity, name: perf.benchmark, line: { color: "#888" } },
    { x: perf.dates, y: perf.drawdown, name: "drawdown", fill: "tozeroy", yaxis: "y2", line: { color: "#b3261e", width: 1 } },
  ], {
    margin: { t: 20, r: 20, b: 30, l: 50 }, legend: { orientation: "h" },
    yaxis: { title: "growth of 1", domain: [0.32, 1] }, yaxis2: { title: "drawdown", domain: [0, 0.26], tickformat: ".0%" },
  }, { displaylogo: false, responsive: true });
  $("holdings-date").textContent = book.date ?? "—";
  table("holdings", [
    { key: "ticker", label: "Ticker" },
    { key: "name", label: "Name", text: true },
    { key: "sector", label: "Sector", text: true },
    { key: "weight", label: "Weight", html: (r) => signed(r.weight, pct) },
    { key: "signal", label: "Signal", fmt: num },
    { key: "contributions", label: "Why held (largest contributions)", text: true, html: (r) => rationale(r) },
  ], book.holdings);
  table("risk", [
    { key: "method", label: "Method" }, { key: "horizon_days", label: "Horizon (days)" },
    { key: "confidence", label: "Confidence", fmt: (v) => pct(v, 0) }, { key: "var", label: "VaR", fmt: pct },
    { key: "cvar", label: "CVaR", fmt: pct },
  ], risk.measures);
  const runs = grid.runs.map((r) => ({ ...r, params: JSON.stringify(r.hyperparameters) }));
  table("grid", [
    { key: "run_id", label: "Run" }, { key: "params", label: "Hyperparameters", text: true },
    { key: "sharpe", label: "Sharpe", fmt: num }, { key: "cagr", label: "CAGR", fmt: pct },
    { key: "max_drawdown", label: "Max drawdown", fmt: pct },
    { key: "passed", label: "Verdict", html: (r) => (r.selected ? "selected" : r.passed ? "pass" : "fail") + ` — ${esc(r.reason)}` },
  ], runs);
}

function rationale(row) {
  const parts = Object.entries(row.contributions || {});
  if (!parts.length) {
    const z = Object.entries(row.exposures || {}).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 3);
    return z.map(([f, v]) => `${esc(f)} z ${num(v)}`).join(", ") || "—";
  }
  return parts.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 3)
    .map(([f, v]) => `${esc(f)} ${signed(v, (x) => num(x, 3))}`).join(", ");
}

async function loadPipeline() {
  const p = await api("/api/pipeline");
  table("freshness", [
    { key: "dataset", label: "Dataset" }, { key: "first", label: "First" }, { key: "last", label: "Latest" },
    { key: "rows", label: "Rows", fmt: int }, { key: "last_materialized", label: "Last materialized", fmt: when },
  ], p.freshness);
  table("runs", [
    { key: "job", label: "Job" }, { key: "built", label: "Built", text: true }, { key: "status", label: "Status" },
    { key: "started", label: "Started", fmt: when }, { key: "run_id", label: "Run", fmt: (v) => v.slice(0, 8) },
  ], p.runs);
  table("quarantine", [
    { key: "dataset", label: "Dataset" }, { key: "reason", label: "Reason", text: true }, { key: "rows", label: "Rows", fmt: int },
  ], p.quarantine, showQuarantine);
  table("vendors", [
    { key: "vendor", label: "Vendor" }, { key: "raw_rows", label: "Raw rows", fmt: int }, { key: "names", label: "Names", fmt: int },
    { key: "days", label: "Days", fmt: int }, { key: "share_of_prices", label: "Share of kept bars", fmt: (v) => pct(v, 1) },
  ], p.vendors);
}

async function showQuarantine(row) {
  const q = new URLSearchParams({ dataset: row.dataset, reason: row.reason, limit: "50" });
  const page = await api(`/api/quarantine?${q}`);
  table("quarantine-rows", [
    { key: "date", label: "Date" }, { key: "ticker", label: "Ticker" }, { key: "reason", label: "Reason", text: true },
    { key: "vendor", label: "Vendor" }, { key: "source_file", label: "File", text: true }, { key: "source_line", label: "Line" },
  ], page.rows);
}

async function loadInvestor() {
  const sid = $("invest-strategy").value;
  const strategy = state.strategies.find((s) => s.strategy_id === sid) || {};
  const b = strategy.backtest || {};
  const o = strategy.out_of_sample || {};
  cards("invest-backtest", [["Backtest CAGR", pct(b.cagr)], ["Backtest Sharpe", num(b.sharpe)], ["Max drawdown", pct(b.max_drawdown)],
    ["Out of sample", o.status === "simulated" ? `${o.passed ? "PASS" : "FAIL"}, Sharpe ${num(o.sharpe)}` : esc(o.status ?? "—")]]);
}

function writeHeaders() {
  return { "Content-Type": "application/json", Authorization: `Bearer ${$("token").value}` };
}

async function simulate() {
  const body = { strategy_id: $("invest-strategy").value, universe: $("invest-universe").value, investor_id: $("investor-id").value };
  try {
    const started = await api("/api/simulations", { method: "POST", headers: writeHeaders(), body: JSON.stringify(body) });
    $("simulation").textContent = `run ${started.run_id.slice(0, 8)} queued`;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = await api(started.status_url);
      $("simulation").textContent = `run ${s.run_id.slice(0, 8)}: ${s.status}`;
      if (s.finished) {
        const r = s.result || {};
        $("simulation").textContent += r.status === "simulated"
          ? ` — out of sample ${r.start_date} .. ${r.end_date}: ${r.passed ? "PASS" : "FAIL"}, CAGR ${pct(r.cagr)}, Sharpe ${num(r.sharpe)}`
          : ` — ${r.reason ?? ""}`;
        break;
      }
    }
  } catch (error) {
    $("simulation").textContent = `refused: ${error.message}`;
  }
}

function parseHoldings(text) {
  const holdings = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const [ticker, shares] = line.split(",");
    holdings[ticker.trim()] = Number(shares);
  }
  return holdings;
}

async function allocate(event) {
  event.preventDefault();
  $("allocation-error").textContent = "";
  const body = {
    strategy_id: $("invest-strategy").value, universe: $("invest-universe").value, amount: Number($("amount").value),
    mode: $("mode").value, holdings: parseHoldings($("holdings-input").value),
  };
  try {
    const a = await api(`/api/investors/${encodeURIComponent($("investor-id").value)}/allocations`, { method: "POST", headers: writeHeaders(), body: JSON.stringify(body) });
    $("allocation").innerHTML = `<p class="ok">${esc(a.investor_id)}: ${esc(a.strategy_id)}, ${esc(a.mode.replace("_", " "))} of ${num(a.amount)} at the closes of ${esc(a.as_of)}; invested ${num(a.invested)}, cash left ${num(a.cash_left)}, hold until ${esc(a.hold_until)}</p><table id="allocation-table" data-testid="allocation-table"></table>`;
    table("allocation-table", [
      { key: "ticker", label: "Ticker" }, { key: "weight", label: "Target", fmt: pct }, { key: "price", label: "Price", fmt: num },
      { key: "shares", label: "Shares", fmt: (v) => num(v, 0) }, { key: "value", label: "Value", fmt: num },
      { key: "trade_shares", label: "Trade", fmt: (v) => num(v, 0) },
    ], a.holdings);
  } catch (error) {
    $("allocation-error").textContent = `refused: ${error.message}`;
  }
}

function show(tab) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.tab === tab));
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === tab));
  if (tab === "strategy") Plotly.Plots.resize("equity-chart");
}

async function main() {
  document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => { show(b.dataset.tab); if (b.dataset.tab === "strategy") loadStrategy(); }));
  try {
    const [health, strategies, universes] = await Promise.all([api("/api/health"), api("/api/strategies"), api("/api/universes")]);
    state.strategies = strategies;
    const options = strategies.map((s) => `<option value="${esc(s.strategy_id)}">${esc(s.strategy_id)}</option>`).join("");
    $("strategy-select").innerHTML = options;
    $("invest-strategy").innerHTML = options;
    $("invest-universe").innerHTML = universes.map((u) => `<option value="${esc(u.universe_id)}">${esc(u.universe_id)} (${int(u.members)} names on ${esc(u.date ?? "—")})</option>`).join("");
    $("strategy-select").addEventListener("change", loadStrategy);
    $("invest-strategy").addEventListener("change", loadInvestor);
    $("simulate").addEventListener("click", simulate);
    $("allocation-form").addEventListener("submit", allocate);
    await Promise.all([loadOverview(), loadStrategy(), loadPipeline(), loadInvestor()]);
    $("status").textContent = `${health.warehouse} · ${health.strategies} strategies · loaded`;
  } catch (error) {
    $("status").textContent = `error: ${error.message}`;
  }
}

main();
