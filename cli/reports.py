"""What the command line prints: the warehouse's latest portfolios, backtests, factor evaluation and research."""

from __future__ import annotations

import pandas as pd

from resources.settings import calendar_start
from storage.warehouse import Warehouse, eq, isin
from stratengine_assets.ingestion.manifest import failed_files

SHOWN = 20
EVALUATION_COLUMNS = ["factor", "mean_spearman_ic", "ic_ir", "top_minus_bottom"]


def summarize(store: Warehouse) -> dict[str, pd.DataFrame]:
    """Latest target portfolio per strategy, backtest metrics, grid runs, out-of-sample results, evaluation."""
    evaluation = store.read("factor_evaluation", eq("horizon", 21), columns=EVALUATION_COLUMNS)
    return {
        "holdings": store.latest_holdings(),
        "metrics": store.read("backtest_metrics", order_by=["strategy_id"]).drop(columns="hyperparameters"),
        "grid": store.read("backtest_grid", order_by=["strategy_id", "run_id"]),
        "oos": store.read("oos_simulation", order_by=["strategy_id"]),
        "evaluation": evaluation.sort_values("ic_ir", key=abs, ascending=False, na_position="last", kind="stable"),
    }


def format_summary(summary: dict) -> str:
    lines = []
    for sid, group in summary["holdings"].groupby("strategy_id"):
        lines.append(f"\nTarget portfolio {sid} for {pd.Timestamp(group['date'].iloc[0]).date()} ({len(group)} names):")
        lines.append(group[["ticker", "weight"]].to_string(index=False, formatters={"weight": "{:.2%}".format}))
    for row in summary["metrics"].to_dict("records"):
        lines.append(
            f"\nBacktest {row['strategy_id']} {pd.Timestamp(row['start_date']).date()} .. "
            f"{pd.Timestamp(row['end_date']).date()} ({row['frequency']}):"
        )
        lines.append(
            f"  total return {row['total_return']:.2%}  CAGR {row['cagr']:.2%}  volatility "
            f"{row['annual_volatility']:.2%}  Sharpe {row['sharpe']:.2f}  max drawdown {row['max_drawdown']:.2%}"
        )
        lines.append(
            f"  Sortino {row['sortino']:.2f}  Calmar {row['calmar']:.2f}  hit rate {row['hit_rate']:.1%}  "
            f"vs {row['benchmark']}: alpha {row['alpha']:.2%}  beta {row['beta']:.2f}  "
            f"information ratio {row['information_ratio']:.2f}"
        )
        lines.append(
            f"  trades: {row['profitable_trades']} profitable, {row['losing_trades']} losing; "
            f"average turnover per rebalance {row['avg_turnover']:.2%}; costs paid "
            f"{row['total_commission']:.2%} commission + {row['total_slippage']:.2%} slippage"
        )
    lines += format_research(summary)
    return "\n".join(lines)


def format_research(summary: dict) -> list[str]:
    """Factor evaluation at 21 days, then per strategy the in-sample grid and the out-of-sample result."""
    lines = ["\nFactor evaluation, 21-day forward returns (rank IC, IC IR, top-minus-bottom quintile):"]
    for row in summary["evaluation"].to_dict("records"):
        lines.append(
            f"  {row['factor']:<28} IC {row['mean_spearman_ic']:+.3f}  IR {row['ic_ir']:+.2f}  "
            f"spread {row['top_minus_bottom']:+.2%}"
        )
    for sid, runs in summary["grid"].groupby("strategy_id"):
        first, end = pd.Timestamp(runs["start_date"].iloc[0]).date(), pd.Timestamp(runs["end_date"].iloc[0]).date()
        lines.append(f"\nGrid {sid}, in sample {first} .. {end}: {int(runs['passed'].sum())} of {len(runs)} passed")
        for run in runs.to_dict("records"):
            mark = "selected" if run["selected"] else ("PASS" if run["passed"] else "FAIL")
            lines.append(f"  run {run['run_id']} {run['hyperparameters']}: {mark}, {run['reason']}")
    for row in summary["oos"].to_dict("records"):
        verdict = "PASS" if row["passed"] else "FAIL"
        if row["status"] != "simulated":
            lines.append(f"\nOut of sample {row['strategy_id']}: not run: {row['reason']}")
            continue
        lines.append(
            f"\nOut of sample {row['strategy_id']} {pd.Timestamp(row['start_date']).date()} .. "
            f"{pd.Timestamp(row['end_date']).date()} with run {row['source_run_id']} {row['hyperparameters']}: "
            f"{verdict}, {row['reason']}; CAGR {row['cagr']:.2%}, in-sample Sharpe {row['in_sample_sharpe']:.2f}"
        )
    return lines


def land_summary(store: Warehouse, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The manifest rows of the landed keys, and their quarantined rows counted by reason."""
    columns = ["key", "status", "error", "row_count", "first_date", "last_date", "rows_before_start", "earliest_date"]
    manifest = store.read("landing_manifest", isin("key", keys), columns=columns)
    counts = store.count_by("quarantine", "reason", isin("source_file", keys))
    return manifest, pd.DataFrame({"reason": list(counts), "n": list(counts.values())})


def format_land_summary(summary: dict) -> str:
    manifest: pd.DataFrame = summary["manifest"]
    failed = manifest[manifest["status"] == "failed"]
    lines = [
        f"{len(summary['landed'])} files landed, {len(summary['refused'])} refused, "
        f"{int(manifest['row_count'].fillna(0).sum()):,} price rows registered, {summary['tickers']} tickers known"
    ]
    for _, row in summary["quarantined"].iterrows():
        lines.append(f"  quarantined {row['n']:,} rows: {row['reason']}")
    for key, error in [*summary["refused"].items(), *zip(failed["key"], failed["error"], strict=True)]:
        lines.append(f"  FAILED {key}: {error}")
    early = before_start_line(manifest)
    return "\n".join([*lines, *([f"  {early}"] if early else [])])


def update_report(store: Warehouse, outcome) -> list[str]:
    """What `stratengine update` did: files registered, the ranges built, days held back, failures, quarantine."""
    lines = [f"{len(outcome.registration.events)} landed files new, changed or removed"]
    lines += [f"  {event}" for event in outcome.registration.events[:SHOWN]]
    if len(outcome.registration.events) > SHOWN:
        lines.append(f"  ... and {len(outcome.registration.events) - SHOWN} more")
    lines += [f"  marked a run left behind by a killed process failed: {run_id}" for run_id in outcome.orphans]
    built = [step for plan in outcome.plans for step in plan.steps if step.name not in outcome.failed]
    if not built and not outcome.failed:
        lines.append("every landed trading day is materialized and no file changed since")
    for step in built:
        if step.name == "prices":
            lines.append("updated " + ", ".join(f"{first}..{last}" for first, last in step.ranges))
    lines += [f"  held back {day}: {why}" for day, why in sorted(outcome.held.items())[:SHOWN]]
    lines += [f"  FAILED {asset}: {why}" for asset, why in outcome.failed.items()]
    lines += [f"  skipped {asset}: built on {broken}, which failed" for asset, broken in outcome.skipped.items()]
    lines += [f"  FAILED {key}: {error}" for key, error in failed_files(store).items()]
    lines += [f"  {line}" for line in quarantine_lines(store)]
    early = before_start_line(store.read("landing_manifest", columns=["rows_before_start", "earliest_date"]))
    return lines + ([f"  {early}"] if early else [])


def before_start_line(manifest: pd.DataFrame) -> str | None:
    """One line for the price rows dated before the calendar start, which are counted, not ingested."""
    early = manifest[manifest["rows_before_start"].fillna(0) > 0]
    if early.empty:
        return None
    rows, earliest = int(early["rows_before_start"].sum()), pd.Timestamp(early["earliest_date"].min()).date()
    return (
        f"not ingested: {rows:,} price rows in {len(early):,} files dated before the calendar start "
        f"{calendar_start()} (earliest {earliest}); set STRATENGINE_START_DATE earlier to ingest them"
    )


def quarantine_lines(store: Warehouse) -> list[str]:
    """Quarantined rows by dataset and reason; reference rows also by file and line (they are few)."""
    rows = store.read("quarantine", columns=["dataset", "reason", "source_file", "source_line"])
    lines = [f"quarantined: {reason}: {n:,}" for reason, n in rows.groupby("reason").size().sort_index().items()]
    reference = rows[rows["dataset"].isin(["securities", "fundamentals", "corporate_actions"])].head(SHOWN)
    lines += [
        f"  {r.dataset} {r.reason}: {r.source_file} line {'?' if pd.isna(r.source_line) else int(r.source_line)}"
        for r in reference.itertuples()
    ]
    return lines
