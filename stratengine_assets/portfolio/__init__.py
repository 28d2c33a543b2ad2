"""Portfolio domain: target portfolios, their risk, the investor portfolio, the daily job."""
