"""Screens of the lab."""

from pathlib import Path

from textual.binding import Binding

LAB_CSS = str(Path(__file__).resolve().parent.parent / "lab.tcss")
"""The styles of every screen but the catalogue: each names it as its ``CSS_PATH``, so Textual parses it when the first of them is shown."""

HELP_BINDING = Binding("question_mark,f1", "app.help", "Help", id="help")
"""The key list's keys: ``?``, and F1, which an editor does not take as text (the footer shows the first that works)."""
