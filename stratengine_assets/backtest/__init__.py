"""Backtest layer: trade the target portfolios and measure them."""
