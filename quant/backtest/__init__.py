"""Backtests: the trading simulation, empyrical's metrics, and one strategy's results row."""
