"""Research domain: universe, factors, signals, their evaluation, fractional differences."""
