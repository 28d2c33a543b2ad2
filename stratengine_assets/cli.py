"""The `stratengine` command line: demo, land, fetch, synth, update, research, portfolio."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def say(line: str) -> None:
    print(line, flush=True)


def _context():
    from dagster import DagsterInstance

    from stratengine_assets.settings import build_resources, ensure_dagster_home

    ensure_dagster_home()
    return DagsterInstance.get(), build_resources(), build_resources(direct=True)


def land(paths: list[Path], vendor: str | None) -> int:
    from stratengine_assets.landing import format_land_summary, land_files

    instance, _, direct = _context()
    say(f"landing into {direct['landing_zone'].describe()}")
    summary = land_files(paths, direct, instance, vendor)
    say(format_land_summary(summary))
    return 1 if summary["refused"] else 0


def fetch(tickers: list[str]) -> int:
    from resources.vendors.stooq_api import StooqDownloader

    _, _, direct = _context()
    keys, failures = StooqDownloader.from_env().land(tickers, direct["landing_zone"])
    say(f"{len(keys)} files fetched from stooq_api into {direct['landing_zone'].describe()}")
    for ticker, error in failures.items():
        say(f"  FAILED {ticker}: {error}")
    return 1 if failures else 0


def synth(names: int, days: int, seed: int) -> int:
    from resources.vendors.synthetic import SyntheticMarket

    _, _, direct = _context()
    market = SyntheticMarket(names, days, seed)
    with tempfile.TemporaryDirectory() as scratch:
        written = [
            *market.write_history(Path(scratch)),
            market.write_securities(Path(scratch)),
            market.write_fundamentals(Path(scratch)),
        ]
        for path in written:
            direct["landing_zone"].land(path, path.parent.parent.name, path.parent.name)
    say(
        f"synthetic vendor: {names:,} names x {days:,} days from {market.history_days[0].date()} "
        f"to {market.history_days[-1].date()} (seed {seed}), {len(written)} files landed"
    )
    return 0


def portfolio(strategy_id: str, amount: float, mode: str, holdings: Path | None) -> int:
    from stratengine_assets.portfolio.generator import investor_plan, read_holdings
    from stratengine_assets.strategies import strategy_book

    _, _, direct = _context()
    strategies = strategy_book().strategies
    if strategy_id not in strategies:
        say(f"unknown strategy {strategy_id!r}; configured: {', '.join(strategies)}")
        return 2
    current = read_holdings(holdings) if holdings else None
    with direct["warehouse"].get_connection() as conn:
        result = investor_plan(conn, strategies[strategy_id], amount, mode, current)
    say(f"{strategy_id}, {mode.replace('_', ' ')} of {amount:,.2f}:")
    say(result.summary())
    return 0


def update() -> int:
    from stratengine_assets.update import run_update

    instance, resources, direct = _context()
    if not direct["landing_zone"].files("prices"):
        say(
            f"no price files in the landing zone {direct['landing_zone'].describe()}: "
            "add some with `stratengine land PATH` (or `stratengine synth`), then run update again"
        )
        return 1
    outcome = run_update(instance, resources, direct, say)
    if not outcome["ranges"]:
        say("every landed trading day is materialized and no file changed since")
    else:
        say("updated " + ", ".join(f"{a}..{b}" for a, b in outcome["ranges"]))
    for _, row in outcome["summary"].iterrows():
        say(f"  {row['what']}: {row['rows']:,}")
    for key, error in outcome["failed"].items():
        say(f"  FAILED {key}: {error}")
    return 0


def research() -> int:
    from stratengine_assets.demo import format_research, summarize
    from stratengine_assets.update import run_research

    instance, resources, direct = _context()
    run_research(instance, resources, say)
    summary = summarize(str(direct["warehouse"].database))
    if summary["grid"].empty:
        say("nothing to research yet: no signals and prices; run `stratengine update` (or `demo`) first")
        return 1
    say("\n".join(format_research(summary)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stratengine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="land the bundled real sample and materialize every asset over it")
    landing = commands.add_parser("land", help="copy vendor files (or folders of them) into the landing zone")
    landing.add_argument("paths", nargs="+", type=Path)
    landing.add_argument("--vendor", help="vendor layout, when it cannot be told from the file")
    commands.add_parser("update", help="materialize every missing or stale partition, then the backtest")
    commands.add_parser(
        "research", help="backtest every strategy's grid in sample, then the selected run out of sample"
    )
    investor = commands.add_parser("portfolio", help="whole shares of a strategy's latest portfolio for an amount")
    investor.add_argument("--strategy", default="lo_minvar")
    investor.add_argument("--amount", type=float, required=True)
    investor.add_argument("--mode", choices=["lump_sum", "sip"], default="lump_sum")
    investor.add_argument("--holdings", type=Path, help="CSV ticker,shares of what you hold now")
    synthetic = commands.add_parser("synth", help="land a deterministic synthetic market (N names x T days)")
    synthetic.add_argument("--names", type=int, default=100)
    synthetic.add_argument("--days", type=int, default=500)
    synthetic.add_argument("--seed", type=int, default=2010)
    fetching = commands.add_parser("fetch", help="download daily history from Stooq's CSV API into the landing zone")
    fetching.add_argument("tickers", nargs="+")
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except (ValueError, FileNotFoundError) as exc:
        say(f"stratengine {args.command}: {exc}")
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from stratengine_assets.demo import run_demo

        run_demo(say=say)
        return 0
    if args.command == "land":
        return land(args.paths, args.vendor)
    if args.command == "fetch":
        return fetch(args.tickers)
    if args.command == "portfolio":
        return portfolio(args.strategy, args.amount, args.mode, args.holdings)
    if args.command == "synth":
        return synth(args.names, args.days, args.seed)
    if args.command == "research":
        return research()
    return update()


if __name__ == "__main__":
    sys.exit(main())
