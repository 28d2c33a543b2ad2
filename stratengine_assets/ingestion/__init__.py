"""Ingestion layer: vendor files to validated, point-in-time warehouse tables."""
