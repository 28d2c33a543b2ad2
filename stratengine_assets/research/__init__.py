"""Research layer: universe, factors and signals, one row set per trading day."""
