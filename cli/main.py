"""The `stratengine` command line: demo, land, fetch, synth, update, research, portfolio, serve."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd


def say(line: str) -> None:
    print(line, flush=True)


def _context():
    """The Dagster instance, the code location's resources, and the same resources resolved for direct use."""
    from dagster import DagsterInstance

    from resources.settings import build_resources, ensure_dagster_home, resolved_resources

    ensure_dagster_home()
    return DagsterInstance.get(), build_resources(), resolved_resources()


def land(paths: list[Path], vendor: str | None) -> int:
    from cli.landing import land_files
    from cli.reports import format_land_summary

    instance, _, resolved = _context()
    say(f"landing into {resolved['landing_zone'].describe()}")
    summary = land_files(paths, resolved, instance, vendor)
    say(format_land_summary(summary))
    return 1 if summary["refused"] else 0


def fetch(tickers: list[str]) -> int:
    from resources.settings import stooq_downloader

    _, _, resolved = _context()
    keys, failures = stooq_downloader().land(tickers, resolved["landing_zone"])
    say(f"{len(keys)} files fetched from stooq_api into {resolved['landing_zone'].describe()}")
    for ticker, error in failures.items():
        say(f"  FAILED {ticker}: {error}")
    return 1 if failures else 0


def synth(names: int, days: int, seed: int) -> int:
    from vendors.synthetic import SyntheticMarket

    _, _, resolved = _context()
    market = SyntheticMarket(names, days, seed)
    with tempfile.TemporaryDirectory() as scratch:
        written = [
            *market.write_history(Path(scratch)),
            market.write_securities(Path(scratch)),
            market.write_fundamentals(Path(scratch)),
        ]
        for path in written:
            resolved["landing_zone"].land(path, path.parent.parent.name, path.parent.name)
    say(
        f"synthetic vendor: {names:,} names x {days:,} days from {market.history_days[0].date()} "
        f"to {market.history_days[-1].date()} (seed {seed}), {len(written)} files landed"
    )
    return 0


def read_holdings(path: Path) -> pd.Series:
    """A CSV with columns ticker,shares."""
    frame = pd.read_csv(path)
    if list(frame.columns[:2]) != ["ticker", "shares"]:
        raise ValueError(f"{path}: expected columns ticker,shares")
    return frame.set_index("ticker")["shares"].astype(float)


def portfolio(strategy_id: str, amount: float, mode: str, holdings: Path | None) -> int:
    from stratengine_assets.portfolio.investor_portfolio import investor_plan

    _, _, resolved = _context()
    strategies = resolved["settings"].strategy_book().strategies
    if strategy_id not in strategies:
        say(f"unknown strategy {strategy_id!r}; configured: {', '.join(strategies)}")
        return 2
    current = read_holdings(holdings) if holdings else None
    with resolved["warehouse"].session() as store:
        result = investor_plan(store, strategies[strategy_id], amount, mode, current)
    say(f"{strategy_id}, {mode.replace('_', ' ')} of {amount:,.2f}:")
    say(result.summary())
    return 0


def update() -> int:
    from cli.reports import update_report
    from cli.update import run_update

    instance, resources, resolved = _context()
    zone = resolved["landing_zone"]
    if not zone.files("prices") and not zone.refused():
        say(
            f"no price files in the landing zone {zone.describe()}: "
            "add some with `stratengine land PATH` (or `stratengine synth`), then run update again"
        )
        return 1
    outcome = run_update(instance, resources, resolved, say)
    with resolved["warehouse"].session() as store:
        say("\n".join(update_report(store, outcome)))
    return 1 if outcome.failed else 0


def research() -> int:
    from cli.reports import format_research, summarize
    from cli.runs import run_research

    instance, resources, resolved = _context()
    run_research(instance, resources, say)
    with resolved["warehouse"].session() as store:
        summary = summarize(store)
    if summary["grid"].empty:
        say("nothing to research yet: no signals and prices; run `stratengine update` (or `demo`) first")
        return 1
    say("\n".join(format_research(summary)))
    return 0


def serve() -> int:
    from resources.settings import api_settings
    from web.server import serve as run_server

    settings = api_settings()
    writes = "token set: writes allowed" if settings.token else "no STRATENGINE_API_TOKEN: read only"
    say(f"dashboard http://{settings.host}:{settings.port}/  API docs /docs  ({writes}); Ctrl-C stops")
    run_server(settings)
    return 0


def demo() -> int:
    from cli.demo import run_demo

    run_demo(say=say)
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stratengine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="land the bundled real sample and materialize every asset over it")
    landing = commands.add_parser("land", help="copy vendor files (or folders of them) into the landing zone")
    landing.add_argument("paths", nargs="+", type=Path)
    landing.add_argument("--vendor", help="vendor layout, when it cannot be told from the file")
    commands.add_parser("serve", help="the REST API and web dashboard over the warehouse (STRATENGINE_API_*)")
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
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    commands = {
        "demo": demo,
        "land": lambda: land(args.paths, args.vendor),
        "fetch": lambda: fetch(args.tickers),
        "portfolio": lambda: portfolio(args.strategy, args.amount, args.mode, args.holdings),
        "synth": lambda: synth(args.names, args.days, args.seed),
        "research": research,
        "update": update,
        "serve": serve,
    }
    return commands[args.command]()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _dispatch(args)
    except (ValueError, FileNotFoundError) as exc:
        say(f"stratengine {args.command}: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
