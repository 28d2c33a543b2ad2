"""Lineage: which partitions a change makes stale, through the assets' declared partition mappings, and the plan
that brings every asset up to date. The command line, the sensor and the tests all plan through here."""
