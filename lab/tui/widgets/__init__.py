"""Widgets of the lab, one per module."""
