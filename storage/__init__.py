"""The warehouse: its interface (`storage.warehouse`), the table schemas and pandera models, and one package per
backend (`storage.duckdb_backend`). Nothing outside this package writes SQL."""
