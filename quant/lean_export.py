"""Signals in QuantConnect LEAN's custom-data CSV layout: one file per strategy, no header, one line per signal,
`YYYYMMDD,SYMBOL,signal`, sorted by date then symbol.

The date is the signal's `timestamp`, the first session it may trade on, never the day it was computed from
(`signal_timestamp`), so a backtest reading the file sees nothing early. LEAN takes a custom-data bar's time as its
end time (BaseData.EndTime is Time) and emits the bar to the algorithm at that time; the reader below stamps a line
with midnight of its date (in the data's time zone, New York unless DataTimeZone says otherwise), so the signal
arrives before that session opens and not sooner. A later stamp (the session's close, say) would deliver it a
session late.

The LEAN PythonData reader these files match, with <export dir>/lean/lo_minvar.csv copied to
Data/custom/stratengine/ (one subscription per symbol, each reading its strategy's file):

    class StratEngineSignal(PythonData):
        def GetSource(self, config, date, isLiveMode):
            path = os.path.join(Globals.DataFolder, "custom", "stratengine", "lo_minvar.csv")
            return SubscriptionDataSource(path, SubscriptionTransportMedium.LocalFile)

        def Reader(self, config, line, date, isLiveMode):
            if not line.strip():
                return None
            day, symbol, value = line.split(",")
            if symbol != config.Symbol.Value:
                return None
            bar = StratEngineSignal()
            bar.Symbol = config.Symbol
            bar.Time = datetime.strptime(day, "%Y%m%d")
            bar.Value = float(value)
            return bar

    # in Initialize: self.AddData(StratEngineSignal, "AAPL", Resolution.Daily); newer LEAN also takes the
    # snake_case names (get_source, reader, add_data)
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

TICKER = re.compile(r"[A-Z0-9.\-]+")
COLUMNS = ["date", "symbol", "signal"]


def lean_rows(signals: pd.DataFrame) -> pd.DataFrame:
    """One strategy's signals (symbol, timestamp, signal) as LEAN lines' fields, text, sorted by date and symbol."""
    if signals.empty:
        return pd.DataFrame(columns=COLUMNS)
    _one_strategy(signals)
    rows = pd.DataFrame(
        {
            "day": pd.to_datetime(signals["timestamp"]).dt.normalize().to_numpy(),
            "symbol": _tickers(signals["symbol"]).to_numpy(),
            "value": _finite(signals) + 0.0,  # + 0.0: no "-0"
        }
    )
    _no_duplicates(rows)
    rows = rows.sort_values(["day", "symbol"], kind="stable", ignore_index=True)
    return pd.DataFrame(
        {
            "date": rows["day"].dt.strftime("%Y%m%d"),
            "symbol": rows["symbol"],
            "signal": rows["value"].map("{:.8g}".format),
        }
    )


def _one_strategy(signals: pd.DataFrame) -> None:
    if "strategy_id" in signals and signals["strategy_id"].nunique() > 1:
        found = sorted(signals["strategy_id"].unique())
        raise ValueError(f"LEAN export: one file per strategy; these signals hold {found}")


def _finite(signals: pd.DataFrame) -> np.ndarray:
    """The signal values, refused when any is NaN or infinite."""
    values = signals["signal"].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        shown = signals.loc[bad, ["symbol", "timestamp"]].astype(str).head(5).to_dict("records")
        raise ValueError(f"LEAN export: {int(bad.sum())} signals are NaN or infinite, e.g. {shown}")
    return values


def _tickers(symbols: pd.Series) -> pd.Series:
    """The symbols upper-case, refused when one is missing or holds a character outside A-Z, 0-9, '.' and '-'."""
    if symbols.isna().any():
        raise ValueError(f"LEAN export: {int(symbols.isna().sum())} signals have no symbol")
    upper = symbols.astype(str).str.strip().str.upper()
    wrong = sorted(set(upper[~upper.map(lambda s: bool(TICKER.fullmatch(s)))]))
    if wrong:
        raise ValueError(f"LEAN export: tickers may hold only A-Z, 0-9, '.' and '-'; refused {wrong[:10]}")
    return upper


def _no_duplicates(rows: pd.DataFrame) -> None:
    """LEAN would emit two bars for one symbol and day; refuse instead."""
    twice = rows[rows.duplicated(["day", "symbol"], keep=False)]
    if not twice.empty:
        shown = sorted({f"{day:%Y-%m-%d} {symbol}" for day, symbol in zip(twice["day"], twice["symbol"], strict=True)})
        raise ValueError(f"LEAN export: more than one signal for a symbol on a day: {shown[:5]}")


def write_lean_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write lean_rows' frame to `path` atomically: a temp file in the same folder, then os.replace."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{d},{s},{v}\n" for d, s, v in zip(frame["date"], frame["symbol"], frame["signal"], strict=True))
    temp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_text(text, encoding="ascii", newline="\n")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target
