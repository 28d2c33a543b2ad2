"""The quant core: calendar, factors, evaluation, models, risk, optimizer, construction, backtest, VaR, the investor
plan. Plain numpy, pandas, scikit-learn and cvxpy on in-memory data: it imports neither dagster nor duckdb."""
