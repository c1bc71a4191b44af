"""The editor schemas in the editor's own language server: completion and validation, for real.

``lab start`` and ``lab new`` write files whose first line is a
``# yaml-language-server: $schema=...`` modeline. Editors with YAML support (VS Code's YAML
extension, Neovim, Helix, Emacs, Zed, …) run yaml-language-server, which reads that line. Here
the same server (pinned in ``tools/node``) is started over stdio and asked, as an editor asks:
the completions at a position in a task definition and in a scenario, and the diagnostics of
a file with a wrong type, an unknown key and a bad enum value.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from lab.scenario.loader import load_scenario
from lab.scenario.workspace import write_start
from tests.node_tools import node_tools

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


class LanguageServer:
    """A minimal LSP client: JSON-RPC with Content-Length framing over the server's stdio."""

    def __init__(self, root: Path) -> None:
        server = node_tools() / "yaml-language-server" / "bin" / "yaml-language-server"
        self.proc = subprocess.Popen(["node", str(server), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.opened = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": False}}, "publishDiagnostics": {}}},
            },
        )
        self.notify("initialized", {})
        # What an editor sends from its settings: validation and completion on, schemas from the modeline.
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}}})

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            self.messages.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        while True:
            msg = self._next()
            if msg.get("id") == self.next_id and "method" not in msg:
                assert "error" not in msg, msg
                return msg.get("result")

    def _next(self) -> dict[str, Any]:
        msg = self.messages.get(timeout=120)
        if "method" in msg and "id" in msg:  # a request from the server (configuration, registration): answer it
            result: Any = [{"validate": True, "completion": True, "schemaStore": {"enable": False}}] if msg["method"] == "workspace/configuration" else None
            self._send({"id": msg["id"], "result": result})
        elif msg.get("method") == "textDocument/publishDiagnostics":
            self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]
        return msg

    def open(self, path: Path, text: str | None = None) -> str:
        """Open ``path`` (or, with ``text``, a new unsaved document beside it with that text)."""
        if text is not None:
            # A document of its own, so no diagnostics of an earlier version can be taken for its own.
            self.opened += 1
            path = path.with_name(f"{path.stem}-{self.opened}{path.suffix}")
        else:
            text = path.read_text(encoding="utf-8")
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        return uri

    def diagnostics_of(self, uri: str) -> list[dict[str, Any]]:
        """The diagnostics the server publishes for ``uri`` (waits for its first publication)."""
        while uri not in self.diagnostics:
            self._next()
        return self.diagnostics[uri]

    def completion_labels(self, uri: str, line: int, character: int) -> set[str]:
        result = self.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        items = result["items"] if isinstance(result, dict) else result or []
        return {item["label"] for item in items}

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    pipe.close()


@pytest.fixture
def started(tmp_path: Path) -> Path:
    """A learner's folder as ``lab start ecr-pull-denied`` writes it (modelines and .schemas/)."""
    write_start(load_scenario(REPO / "scenarios" / "ecr-pull-denied.yaml"), tmp_path / "answer")
    return tmp_path / "answer"


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    ls = LanguageServer(tmp_path)
    try:
        yield ls
    finally:
        ls.close()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


def test_a_started_task_definition_validates_clean_and_completes_keys(started: Path, server: LanguageServer) -> None:
    path = started / "task-definition.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=.schemas/task-definition.schema.json\n")
    uri = server.open(path)
    assert server.diagnostics_of(uri) == []
    # A new key at the top level of the task definition: the server offers the model's fields.
    with_blank = text + "\n"
    uri = server.open(path, with_blank)
    top = server.completion_labels(uri, len(with_blank.splitlines()), 0)
    assert {"executionRoleArn", "taskRoleArn", "cpu", "memory", "volumes"} <= top, sorted(top)
    assert "family" not in top and "networkMode" not in top, "keys the file already has are not offered again"
    # Inside a container definition: the container's fields.
    line = _line_of(text, "image:")
    indent = len(text.splitlines()[line]) - len(text.splitlines()[line].lstrip())
    lines = text.splitlines()
    lines.insert(line + 1, " " * indent)
    uri = server.open(path, "\n".join(lines) + "\n")
    inner = server.completion_labels(uri, line + 1, indent)
    assert {"logConfiguration", "healthCheck", "environment", "memory", "command"} <= inner, sorted(inner)
    assert "image" not in inner and "essential" not in inner


def test_the_server_flags_what_the_loader_refuses(started: Path, server: LanguageServer) -> None:
    path = started / "task-definition.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("networkMode: bridge", "networkMode: bridged") + "memroy: 512\n"
    uri = server.open(path, broken)
    found = {(d["range"]["start"]["line"], d["message"].split("\n")[0]) for d in server.diagnostics_of(uri)}
    lines = broken.splitlines()
    assert any(line == _line_of(broken, "networkMode:") and "bridge" in msg for line, msg in found), found
    assert any(line == len(lines) - 1 and "memroy" in msg for line, msg in found), found


def test_a_new_scenario_completes_and_validates(tmp_path: Path, server: LanguageServer) -> None:
    proc = subprocess.run([str(Path(sys.executable).parent / "lab"), "new", "my-first", "--dir", str(tmp_path / "s")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = tmp_path / "s" / "my-first.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    uri = server.open(path)
    assert server.diagnostics_of(uri) == [], "the scaffold is valid against its schema"
    uri = server.open(path, text + "\n")
    top = server.completion_labels(uri, len(text.splitlines()) + 1, 0)
    # The scaffold has every required key; the server offers the optional ones it lacks.
    assert {"track", "covers", "lesson", "mutations"} <= top, sorted(top)
    assert "briefing" not in top and "checks" not in top
    broken = text + "time_limit: soon\nchekcs: []\n"
    uri = server.open(path, broken)
    messages = " | ".join(d["message"] for d in server.diagnostics_of(uri))
    assert "chekcs" in messages, messages
