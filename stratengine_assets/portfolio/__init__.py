"""Portfolio layer: risk estimates, the optimizer and the target portfolio per strategy."""
