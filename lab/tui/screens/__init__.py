"""Screens of the lab."""

from pathlib import Path

LAB_CSS = str(Path(__file__).resolve().parent.parent / "lab.tcss")
"""The styles of every screen but the catalogue: each names it as its ``CSS_PATH``, so Textual parses it when the first of them is shown."""
