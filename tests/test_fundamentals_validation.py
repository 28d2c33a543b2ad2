"""Share counts and per-share figures are validated before any factor reads them (issue 10): a count that is not
positive, one that jumps away from both neighbours and back, and an EPS on another basis than its report's count
are quarantined with their reason; a genuine split (a lasting step) is kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from quant.fundamentals import fact_problems
from vendors.annual_csv import parse_facts


def facts(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ticker", "metric", "period_end", "value"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame.assign(known_at=frame["period_end"] + pd.Timedelta(days=90))


def shares(ticker: str, counts: list[float]) -> list[tuple[str, str, str, float]]:
    return [(ticker, "shares_outstanding", f"{2012 + k}-12-31", c) for k, c in enumerate(counts)]


def test_share_counts_that_are_not_positive_or_spike_are_quarantined():
    frame = facts(
        shares("NEG", [4.6e8, -4.5e8, 4.4e8])
        + shares("SPIKE", [3.9e9, 0.9e9, 3.9e9, 4.0e9])  # F's x0.23 then x4.3 (a bad figure)
        + shares("SPLIT", [1.0e9, 1.0e9, 4.0e9, 4.1e9])  # a 4:1 split: the count steps once and stays
    )
    reasons = fact_problems(frame)
    flagged = frame.assign(reason=reasons)[reasons.notna()]
    assert flagged[["ticker", "reason"]].values.tolist() == [
        ["NEG", "non_positive_shares"],
        ["SPIKE", "implausible_share_jump"],
    ]
    assert flagged["period_end"].dt.year.tolist() == [2013, 2013]


def test_an_eps_off_its_report_share_basis_is_quarantined():
    frame = facts(
        [
            ("A", "net_income", "2014-12-31", 4.0e9),
            ("A", "shares_outstanding", "2014-12-31", 1.0e9),
            ("A", "eps", "2014-12-31", 16.0),  # pre-split EPS against a post-split count: 4x off
            ("B", "net_income", "2014-12-31", 4.0e9),
            ("B", "shares_outstanding", "2014-12-31", 1.0e9),
            ("B", "eps", "2014-12-31", 3.9),  # diluted vs basic: close enough
            ("C", "net_income", "2014-12-31", -1.0e9),
            ("C", "shares_outstanding", "2014-12-31", 1.0e9),
            ("C", "eps", "2014-12-31", -1.0),  # a loss is not a bad figure
        ]
    )
    reasons = fact_problems(frame)
    assert frame.assign(reason=reasons).dropna(subset=["reason"])[["ticker", "metric", "reason"]].values.tolist() == [
        ["A", "eps", "eps_off_share_basis"]
    ]


def test_the_real_file_share_counts(real_data: Path):
    """F's count jumps x0.23 and back in ../shared/data/real; any non-positive count (PRU, FTR in the wider
    drop) is flagged."""
    parsed = parse_facts(real_data / "fundamentals_annual.csv").rows
    parsed = parsed.assign(known_at=parsed["period_end"] + pd.Timedelta(days=90))
    flagged = parsed.assign(reason=fact_problems(parsed)).dropna(subset=["reason"])
    if "F" not in set(parsed["ticker"]):
        pytest.skip("the sample lacks F")
    negative = parsed[(parsed["metric"] == "shares_outstanding") & (parsed["value"] <= 0)]
    assert set(negative.index) <= set(flagged[flagged["reason"] == "non_positive_shares"].index)
    spikes = flagged[flagged["reason"] == "implausible_share_jump"]
    print(f"\nquarantined share and per-share facts by reason: {flagged['reason'].value_counts().to_dict()}")
    print(spikes[["ticker", "period_end", "value"]].to_string(index=False))
    assert "F" in set(spikes["ticker"])
