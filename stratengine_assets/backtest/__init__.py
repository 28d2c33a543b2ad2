"""Backtest domain: the target portfolios traded and measured, the in-sample grid, out of sample."""
