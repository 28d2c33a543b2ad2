"""Sensors that keep the warehouse current."""
