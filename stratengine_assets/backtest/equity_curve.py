"""Pictures for the UI: a strategy's equity curve against the benchmark, as a markdown-embedded PNG."""

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
