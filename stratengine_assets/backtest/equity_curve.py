"""Pictures for the UI: equity curves against the benchmark, as markdown-embedded PNGs."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def equity_curve_markdown(strategy_id: str, daily: pd.DataFrame, benchmark: pd.Series) -> str:
    """Growth of 1 for the strategy (net of costs) and the benchmark over the same days, as a markdown image."""
    days = pd.DatetimeIndex(daily["date"])
    strategy = np.cumprod(1.0 + daily["net_return"].to_numpy())
    reference = np.cumprod(1.0 + np.nan_to_num(benchmark.reindex(days).to_numpy()))
    figure, axis = plt.subplots(figsize=(7, 3), dpi=90)
    axis.plot(days, strategy, label=strategy_id, linewidth=1.4)
    axis.plot(days, reference, label=benchmark.name or "benchmark", linewidth=1.0, color="grey")
    axis.set_ylabel("growth of 1")
    axis.grid(alpha=0.3)
    axis.legend(loc="upper left", frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return f"![{strategy_id} vs {benchmark.name}](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"


def equity_curves_markdown(curves: dict[str, pd.DataFrame], benchmark: pd.Series) -> str:
    """Every strategy's growth of 1 (net of costs) in one chart, with the benchmark over the longest of them."""
    figure, axis = plt.subplots(figsize=(8, 3.6), dpi=90)
    longest = pd.DatetimeIndex([])
    for sid, daily in curves.items():
        days = pd.DatetimeIndex(daily["date"])
        longest = days if len(days) > len(longest) else longest
        axis.plot(days, np.cumprod(1.0 + daily["net_return"].to_numpy()), label=sid, linewidth=1.2)
    reference = np.cumprod(1.0 + np.nan_to_num(benchmark.reindex(longest).to_numpy()))
    axis.plot(longest, reference, label=benchmark.name or "benchmark", linewidth=1.0, color="black", alpha=0.6)
    axis.set_ylabel("growth of 1")
    axis.grid(alpha=0.3)
    axis.legend(loc="upper left", frameon=False, fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return f"![equity curves](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"
