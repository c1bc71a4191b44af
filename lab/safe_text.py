"""Provides escaping for text a user controls before it reaches a terminal or a CI log.

A learner's file can hold anything a YAML string can: terminal escapes (a title change, a
colour, a cleared screen), an 8-bit CSI, bidirectional overrides that make a line read
differently than it is, carriage returns, and GitHub Actions workflow commands (a line
starting with ``::error`` or holding a legacy ``##[error]``, which the runner executes).
Every output format passes user text through here:

- :func:`printable` shows control and bidi characters as Python-style escapes (``\\x1b``,
  ``\\n``, ``\\u202e``) so the text stays readable and can do nothing;
- :func:`defuse_line` makes one output line inert for the GitHub runner, which runs a line
  that starts (after blanks) with ``::`` and any ``##[`` command anywhere in a line
  (actions/runner ``ActionCommand.TryParseV2`` and the legacy ``TryParse``);
- :func:`safe_line` and :func:`safe_block` do both, to one line (a path, a message) and to
  plain text of several lines (a briefing, a question).
"""

from __future__ import annotations

import re

__all__ = ["defuse_json", "defuse_line", "defuse_lines", "printable", "safe_block", "safe_line"]

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def printable(text: str, *, keep: str = "") -> str:
    """``text`` with every control, bidi and line-separator character shown as an escape.

    ``keep`` lists characters left as they are (``"\\n"`` for text whose lines are meant).
    Idempotent: escaping twice changes nothing more.
    """
    if keep:
        return "".join(ch if ch in keep else _UNSAFE.sub(_escape, ch) for ch in text)
    return _UNSAFE.sub(_escape, text)


def defuse_line(line: str) -> str:
    """One output line the GitHub runner will not run as a workflow command."""
    line = line.replace("##[", "##\\[")
    stripped = line.lstrip()
    if stripped.startswith("::"):
        line = line[: len(line) - len(stripped)] + ":\\:" + stripped[2:]
    return line


def defuse_lines(text: str) -> str:
    """:func:`defuse_line` on every line of ``text``."""
    return "\n".join(defuse_line(line) for line in text.split("\n"))


def safe_line(text: str) -> str:
    """One line for a terminal or a CI log: every control (a line break too) and bidi
    character escaped, and not a workflow command."""
    return defuse_line(printable(text))


def safe_block(text: str) -> str:
    """Text of one or more lines for a terminal or a CI log: its line breaks kept, every other
    control and bidi character escaped (:func:`printable`), no line a workflow command."""
    return defuse_lines(printable(text, keep="\n"))


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|##\\[")


def defuse_json(text: str) -> str:
    """JSON text with the same value but nothing a terminal or a CI log acts on.

    ``json.dumps`` already escapes C0 controls; this escapes DEL, C1, bidi and line
    separators as ``\\uXXXX`` and writes ``##[`` as ``##\\u005b`` (the parsed value is the same).
    """
    return _JSON_UNSAFE.sub(lambda m: "##\\u005b" if m.group() == "##[" else f"\\u{ord(m.group()):04x}", text)
