"""Ingestion domain: vendor files to validated, point-in-time warehouse tables."""
