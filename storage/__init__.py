"""The warehouse: its interface (`storage.warehouse`), the table schemas and pandera models, and one package per
backend (`storage.duckdb`). Nothing outside this package writes SQL."""
