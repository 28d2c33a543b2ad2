"""Vendor file layouts: each turns one landed file into canonical rows with file and line provenance.

`vendors.registry.LAYOUTS` holds one record per layout; adding a layout is one module plus one entry there.
"""
