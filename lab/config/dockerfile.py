"""Provides the Dockerfiles learners edit: real Dockerfile syntax, parsed with positions.

A ``dockerfile`` file is a Dockerfile as ``docker build`` reads it (the Dockerfile reference,
https://docs.docker.com/reference/dockerfile/): parser directives at the top (``# syntax=``,
``# escape=``), ``#`` comment lines, instructions in any case with ``\\`` line continuations,
and the instructions FROM (``--platform``, ``AS name``), RUN (shell and exec form), COPY and
ADD (``--from``, ``--chown``, ``--chmod``, several sources), ENV, ARG (before and after
FROM), WORKDIR, USER, EXPOSE, CMD, ENTRYPOINT, LABEL, HEALTHCHECK, SHELL, STOPSIGNAL,
VOLUME, ONBUILD and MAINTAINER. Here-documents (``RUN <<EOF``) are refused with a positioned
"not supported" message. Errors are ``file:line:col: message``; an unknown instruction is an
error with BuildKit's wording and a did-you-mean (``unknown instruction: FORM (did you mean
FROM?)``). ``.dockerignore`` patterns are parsed by :func:`parse_dockerignore`.

The parser is our own (see pyproject.toml): the packages that parse Dockerfiles give lines
but no columns and accept any word as an instruction.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from lab.config.shapes import did_you_mean
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "INSTRUCTIONS",
    "DockerIgnore",
    "Dockerfile",
    "Instruction",
    "ParsedDockerfile",
    "Stage",
    "parse_dockerfile",
    "parse_dockerfile_text",
    "parse_dockerignore",
]

INSTRUCTIONS = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
)
"""Every instruction of the Dockerfile reference."""

_FLAGS: dict[str, tuple[str, ...]] = {
    "FROM": ("platform",),
    "RUN": ("mount", "network", "security"),
    "COPY": ("from", "chown", "chmod", "link", "parents", "exclude"),
    "ADD": ("chown", "chmod", "checksum", "keep-git-dir", "link", "exclude"),
    "HEALTHCHECK": ("interval", "timeout", "start-period", "start-interval", "retries"),
}
"""The flags each instruction takes (Dockerfile reference); others take none."""

_BOOLEAN_FLAGS = frozenset(("link", "parents", "keep-git-dir"))
"""Flags that may be written without a value (``--link``)."""

_HEREDOC = re.compile(r"<<(?!<)-?[\"']?([A-Za-z_][A-Za-z0-9_]*)")
"""``<<EOF``, ``<<-EOF``, ``<<"EOF"``: a here-document (BuildKit, dockerfile:1.4); not ``<<<``."""

_DIRECTIVE = re.compile(r"^#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$")
_PORT = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?(?:/(tcp|udp|sctp))?$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")


@dataclass(frozen=True)
class Instruction:
    """One instruction, as written and split into its parts."""

    keyword: str
    """The instruction in capitals (``RUN``)."""
    # Positions take no part in equality: the same Dockerfile read from a scenario (at an
    # offset) and from a learner's answer folder is the same file, and is not rebuilt.
    line: int = field(compare=False)
    """1-based line of the keyword."""
    col: int = field(compare=False)
    """1-based column of the keyword."""
    text: str
    """The arguments after the flags, continuation lines joined, as the builder compares them."""
    flags: tuple[tuple[str, str], ...] = ()
    """``--name=value`` flags in order (``("from", "build")``); a bare boolean flag has value ``"true"``."""
    exec_form: tuple[str, ...] | None = None
    """The JSON-array (exec) form's strings, or None for the shell form."""
    words: tuple[str, ...] = ()
    """The arguments split as the builder splits them (quotes removed; COPY/ADD sources and destination)."""
    pairs: tuple[tuple[str, str | None], ...] = ()
    """``key=value`` pairs of ENV, LABEL and ARG (an ARG without a default has None)."""
    end_line: int = field(default=0, compare=False)
    """The last line the instruction spans (continuations)."""
    arguments: str = ""
    """Everything after the keyword as written, flags included (continuations joined)."""

    def flag(self, name: str) -> str | None:
        """The value of a flag, or None when absent."""
        for key, value in self.flags:
            if key == name:
                return value
        return None

    @property
    def original(self) -> str:
        """The instruction as the builder prints it (``RUN --mount=... apt-get update``)."""
        return f"{self.keyword} {self.arguments or self.text}".rstrip()


@dataclass(frozen=True)
class Stage:
    """One build stage: a FROM and the instructions up to the next FROM."""

    index: int
    """0-based position among the stages."""
    base: str
    """The image reference FROM names, as written (may contain ``${ARG}``)."""
    name: str | None
    """The ``AS`` name (lower case), or None."""
    platform: str | None
    """``--platform``, as written."""
    source: Instruction
    """The FROM instruction."""
    instructions: tuple[Instruction, ...]
    """The instructions after FROM, in order."""


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile."""

    file: str = field(compare=False)
    """The file name used in messages (no part of equality, as positions are not)."""
    stages: tuple[Stage, ...]
    """The build stages in order (the last is the default target)."""
    global_args: tuple[Instruction, ...] = ()
    """ARG instructions before the first FROM (usable in FROM lines only)."""
    directives: tuple[tuple[str, str], ...] = ()
    """Parser directives (``("syntax", "docker/dockerfile:1")``), lower-case names."""

    def stage(self, ref: str) -> Stage | None:
        """The stage an ``AS`` name or a 0-based index names, or None."""
        lowered = ref.lower()
        for stage in self.stages:
            if stage.name == lowered:
                return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None


@dataclass(frozen=True)
class ParsedDockerfile:
    """A Dockerfile that passed the parser, plus notes about it."""

    dockerfile: Dockerfile
    """The parsed file."""
    notes: list[Diagnostic] = field(default_factory=list)
    """Notes (instructions accepted but not simulated)."""


# -- physical lines to logical instructions ----------------------------------------------------------


@dataclass
class _Logical:
    """One instruction's text with the (line, col) of every character."""

    chars: list[str]
    where: list[tuple[int, int]]
    line: int
    end_line: int

    @property
    def text(self) -> str:
        return "".join(self.chars)


class _Parser:
    def __init__(self, text: str, file: str, line_offset: int, col_offset: int) -> None:
        self.file = file
        self.line_offset = line_offset
        self.col_offset = col_offset
        # Lines end at \n only (a \r before it is dropped), as the builder reads them.
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        self.errors: list[Diagnostic] = []
        self.notes: list[Diagnostic] = []
        self.escape = "\\"
        self.directives: list[tuple[str, str]] = []
        self.flag_at: dict[str, int] = {}
        """Where each flag of the instruction being parsed starts (an index into its text)."""
        self.heredoc_end: str | None = None
        """The terminator of a refused here-document whose body lines are skipped."""

    def error(self, line: int, col: int, message: str) -> None:
        self.errors.append(Diagnostic(self.file, line + self.line_offset, col + self.col_offset, message))

    def error_at(self, logical: _Logical, index: int, message: str) -> None:
        line, col = logical.where[min(index, len(logical.where) - 1)] if logical.where else (logical.line, 1)
        self.error(line, col, message)

    # Parser directives: "# name=value" lines at the very top; the first line that is not one
    # (a comment, a blank line, an instruction) ends them, and unknown names are comments
    # (Dockerfile reference, "Parser directives").
    def _directives(self) -> int:
        seen: set[str] = set()
        for i, raw in enumerate(self.lines):
            match = _DIRECTIVE.fullmatch(raw.strip())
            if not match:
                return i
            name, value = match[1].lower(), match[2]
            if name not in ("syntax", "escape", "check"):
                return i
            if name in seen:
                self.error(i + 1, 1, f"only one {name} parser directive can be used")
            seen.add(name)
            if name == "escape":
                if value not in ("\\", "`"):
                    self.error(i + 1, 1, f"invalid escape token '{value}' does not match ` or \\")
                else:
                    self.escape = value
            self.directives.append((name, value))
        return len(self.lines)

    def logical_lines(self) -> list[_Logical]:
        start = self._directives()
        result: list[_Logical] = []
        current: _Logical | None = None
        continuation = re.compile(re.escape(self.escape) + r"[ \t]*$")
        for i in range(start, len(self.lines)):
            raw = self.lines[i]
            n = i + 1
            stripped = raw.lstrip()
            if stripped.startswith("#"):
                continue  # comment lines are removed, also inside a continued instruction
            if current is None and not stripped:
                continue
            if current is not None and not stripped:
                continue  # an empty continuation line is skipped (deprecated, still accepted)
            # A continuation line keeps its indentation: the builder joins the raw lines, so
            # "update \" + "  && install" compares (and prints) as "update   && install".
            indent = len(raw) - len(stripped) if current is None else 0
            body = stripped if current is None else raw
            cont = continuation.search(body)
            if cont:
                body = body[: cont.start()]
            if current is None:
                current = _Logical([], [], n, n)
            for j, ch in enumerate(body):
                current.chars.append(ch)
                current.where.append((n, indent + j + 1))
            current.end_line = n
            if cont:
                continue
            result.append(current)
            current = None
        if current is not None:
            result.append(current)
        return result

    # -- instructions ------------------------------------------------------------------------------

    def parse(self) -> Dockerfile:
        global_args: list[Instruction] = []
        stages: list[tuple[Instruction, list[Instruction]]] = []
        for logical in self.logical_lines():
            if self.heredoc_end is not None:
                if logical.text.strip() == self.heredoc_end:
                    self.heredoc_end = None
                continue
            instruction = self.instruction(logical)
            if instruction is None:
                continue
            if instruction.keyword == "FROM":
                stages.append((instruction, []))
            elif not stages:
                if instruction.keyword == "ARG":
                    global_args.append(instruction)
                else:
                    # BuildKit's text for an instruction before the first FROM.
                    self.error(instruction.line, instruction.col, "no build stage in current context")
            else:
                stages[-1][1].append(instruction)
        if not stages and not self.errors:
            self.error(1, 1, "the Dockerfile cannot be empty" if not global_args else "no build stage in current context")
        built: list[Stage] = []
        names: set[str] = set()
        for index, (source, body) in enumerate(stages):
            words = source.words
            base = words[0] if words else ""
            name = None
            if len(words) == 3 and words[1].lower() == "as":
                name = words[2].lower()
                if not _STAGE_NAME.fullmatch(name):
                    self.error(source.line, source.col, f"invalid name for build stage: \"{words[2]}\", name can't start with a number or contain symbols")
                elif name in names:
                    self.error(source.line, source.col, f"duplicate stage name \"{words[2]}\"")
                names.add(name)
            built.append(Stage(index, base, name, source.flag("platform"), source, tuple(body)))
        if self.errors:
            raise SourceErrors(self.errors)
        return Dockerfile(self.file, tuple(built), tuple(global_args), tuple(self.directives))

    def instruction(self, logical: _Logical) -> Instruction | None:
        text = logical.text
        match = re.match(r"\s*(\S+)", text)
        if match is None:
            return None
        word = match[1]
        keyword = word.upper()
        line, col = logical.where[match.start(1)]
        if keyword not in INSTRUCTIONS:
            guess = did_you_mean(keyword, INSTRUCTIONS)
            hint = f" (did you mean {guess}?)" if guess else ""
            self.error(line, col, f"unknown instruction: {word}{hint}")
            return None
        pos = match.end(1)
        flags: list[tuple[str, str]] = []
        self.flag_at = {}
        allowed = _FLAGS.get(keyword, ())
        # Flags come first: --name=value words (Dockerfile reference, each instruction's syntax).
        while True:
            m = re.compile(r"\s+(--([A-Za-z-]+)(?:=(\S*))?)(?=\s|$)").match(text, pos)
            if m is None:
                break
            name, value = m[2], m[3]
            if name not in allowed:
                guess = did_you_mean(name, allowed) if allowed else None
                hint = f" (did you mean --{guess}?)" if guess else ""
                self.error_at(logical, m.start(1), f"unknown flag: {name}{hint}")
            elif value is None and name not in _BOOLEAN_FLAGS:
                self.error_at(logical, m.start(1), f"missing a value on flag: {name}")
            elif value == "":
                self.error_at(logical, m.start(1), f"missing a value on flag: {name}")
            flags.append((name, value if value is not None else "true"))
            self.flag_at[name] = m.start(1)
            pos = m.end()
        rest_start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
        rest = text[rest_start:].rstrip()
        end = logical.end_line + self.line_offset
        arguments = text[match.end(1) :].strip()
        base = Instruction(keyword, line + self.line_offset, col + self.col_offset, rest, tuple(flags), end_line=end, arguments=arguments)
        if keyword in ("RUN", "COPY", "ADD") and (heredoc := _HEREDOC.search(rest)):
            self.error_at(logical, rest_start + heredoc.start(), f"here-documents (<<) in {keyword} are not supported by the lab; write the lines as a RUN with && or COPY a file")
            self.heredoc_end = heredoc[1]
            return None
        handler = getattr(self, f"_{keyword.lower()}", None)
        if handler is None:
            return base
        result: Instruction | None = handler(base, logical, rest_start)
        return result

    def _need(self, ins: Instruction, logical: _Logical, at: int, what: str) -> bool:
        if ins.text:
            return True
        self.error_at(logical, at - 1 if at else 0, f"{ins.keyword} requires {what}")
        return False

    def _words(self, ins: Instruction, logical: _Logical, at: int) -> tuple[str, ...] | None:
        try:
            return tuple(split_words(ins.text, self.escape))
        except ValueError as exc:
            self.error_at(logical, at, f"{ins.keyword}: {exc}")
            return None

    def _from(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        if not self._need(ins, logical, at, "either one or three arguments"):
            return None
        words = self._words(ins, logical, at)
        if words is None:
            return None
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            self.error_at(logical, at, "FROM requires either one or three arguments (FROM <image> [AS <name>])")
            return None
        return _replace(ins, words=words)

    def _exec_or_shell(self, ins: Instruction, logical: _Logical, at: int) -> Instruction:
        exec_form = _json_array(ins.text)
        return _replace(ins, exec_form=exec_form)

    def _run(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        if not self._need(ins, logical, at, "at least one argument"):
            return None
        for name, _ in ins.flags:
            if name in ("mount", "network", "security"):
                self.notes.append(Diagnostic(self.file, ins.line, ins.col, f"RUN --{name} is accepted but not simulated", "note"))
        return self._exec_or_shell(ins, logical, at)

    def _cmd(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        return self._exec_or_shell(ins, logical, at)

    def _entrypoint(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        return self._exec_or_shell(ins, logical, at)

    def _shell(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        exec_form = _json_array(ins.text)
        if exec_form is None:
            self.error_at(logical, at, "SHELL requires the arguments to be in JSON form")
            return None
        return _replace(ins, exec_form=exec_form)

    def _copy(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        exec_form = _json_array(ins.text)
        words = exec_form if exec_form is not None else self._words(ins, logical, at)
        if words is None:
            return None
        if len(words) < 2:
            self.error_at(logical, at if ins.text else max(at - 1, 0), f"{ins.keyword} requires at least two arguments, but only {len(words)} provided")
            return None
        if ins.keyword == "ADD" and ins.flag("checksum") is not None:
            self.notes.append(Diagnostic(self.file, ins.line, ins.col, "ADD --checksum is accepted but not simulated", "note"))
        return _replace(ins, exec_form=exec_form, words=tuple(words))

    _add = _copy

    def _pairs(self, ins: Instruction, logical: _Logical, at: int, *, legacy: bool) -> Instruction | None:
        words = self._words(ins, logical, at)
        if words is None:
            return None
        if not words:
            self.error_at(logical, max(at - 1, 0), f"{ins.keyword} requires at least one argument")
            return None
        pairs: list[tuple[str, str | None]] = []
        if legacy and "=" not in words[0]:
            # The legacy form "ENV key value": one pair, the value is the rest of the line.
            if len(words) < 2:
                self.error_at(logical, at, f"{ins.keyword} must have two arguments")
                return None
            value = ins.text[len(ins.text.split(None, 1)[0]):].strip()
            pairs.append((words[0], " ".join(split_words(value, self.escape))))
        else:
            for word in words:
                key, eq, value = word.partition("=")
                if not eq or not key:
                    self.error_at(logical, at, f"{ins.keyword} names can not be blank" if not key else f"Syntax error - can't find = in \"{word}\". Must be of the form: name=value")
                    return None
                pairs.append((key, value))
        return _replace(ins, words=words, pairs=tuple(pairs))

    def _env(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        return self._pairs(ins, logical, at, legacy=True)

    def _label(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        return self._pairs(ins, logical, at, legacy=False)

    def _arg(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        words = self._words(ins, logical, at)
        if words is None:
            return None
        if not words:
            self.error_at(logical, max(at - 1, 0), "ARG requires at least one argument")
            return None
        pairs: list[tuple[str, str | None]] = []
        for word in words:
            key, eq, value = word.partition("=")
            if not _NAME.fullmatch(key):
                self.error_at(logical, at, f"ARG: invalid name '{key}'")
                return None
            pairs.append((key, value if eq else None))
        return _replace(ins, words=words, pairs=tuple(pairs))

    def _single(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        if not self._need(ins, logical, at, "exactly one argument"):
            return None
        words = self._words(ins, logical, at)
        if words is None:
            return None
        return _replace(ins, words=words)

    _workdir = _single
    _user = _single
    _stopsignal = _single
    _maintainer = _single

    def _volume(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        exec_form = _json_array(ins.text)
        if exec_form is not None:
            return _replace(ins, exec_form=exec_form, words=exec_form)
        return self._single(ins, logical, at)

    def _expose(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        words = self._words(ins, logical, at)
        if not words:
            if words is not None:
                self.error_at(logical, max(at - 1, 0), "EXPOSE requires at least one argument")
            return None
        for word in words:
            m = _PORT.fullmatch(word)
            if "$" in word:
                continue  # expanded at build time
            if m is None or not 0 < int(m[1]) <= 65535 or (m[2] is not None and not int(m[1]) <= int(m[2]) <= 65535):
                self.error_at(logical, at + ins.text.find(word), f"invalid containerPort: {word}")
                return None
        return _replace(ins, words=words)

    def _healthcheck(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        first = ins.text.split(None, 1)
        if not first:
            self.error_at(logical, max(at - 1, 0), "HEALTHCHECK requires at least one argument")
            return None
        kind = first[0].upper()
        if kind == "NONE":
            if len(first) > 1 or ins.flags:
                self.error_at(logical, at, "HEALTHCHECK NONE takes no arguments")
                return None
            return _replace(ins, words=("NONE",))
        if kind != "CMD":
            self.error_at(logical, at, f"Unknown type \"{first[0]}\" in HEALTHCHECK (try CMD)")
            return None
        if len(first) < 2:
            self.error_at(logical, at, "HEALTHCHECK CMD requires a command")
            return None
        for name, value in ins.flags:
            if name == "retries":
                if not value.isdigit():
                    self.error_at(logical, self.flag_at[name], f"HEALTHCHECK --retries: expected a whole number, got '{value}'")
            elif not re.fullmatch(r"^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$", value):
                self.error_at(logical, self.flag_at[name], f"HEALTHCHECK --{name}: expected a duration such as 30s, got '{value}'")
        command = first[1]
        return _replace(ins, words=("CMD",), exec_form=_json_array(command), text=f"CMD {command}")

    def _onbuild(self, ins: Instruction, logical: _Logical, at: int) -> Instruction | None:
        inner = ins.text.split(None, 1)
        if not inner:
            self.error_at(logical, max(at - 1, 0), "ONBUILD requires at least one argument")
            return None
        if inner[0].upper() in ("ONBUILD", "FROM", "MAINTAINER"):
            self.error_at(logical, at, f"{inner[0].upper()} isn't allowed as an ONBUILD trigger")
            return None
        if inner[0].upper() not in INSTRUCTIONS:
            guess = did_you_mean(inner[0].upper(), INSTRUCTIONS)
            hint = f" (did you mean {guess}?)" if guess else ""
            self.error_at(logical, at, f"unknown instruction: {inner[0]}{hint}")
            return None
        self.notes.append(Diagnostic(self.file, ins.line, ins.col, "ONBUILD is accepted but not simulated (it runs when another image builds FROM this one)", "note"))
        return ins


def _replace(ins: Instruction, **changes: object) -> Instruction:
    return replace(ins, **changes)  # type: ignore[arg-type]


def _json_array(text: str) -> tuple[str, ...] | None:
    """The exec form's strings, or None: text that is not a JSON array of strings is the shell
    form, as the builder treats it (Dockerfile reference, "Shell and exec form")."""
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Split arguments as the builder does: whitespace separates, quotes group, ``escape`` escapes.

    Raises:
        ValueError: an unterminated quote.
    """
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None and ch.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
            continue
        in_word = True
        if ch == escape and quote != "'" and i + 1 < len(text):
            current.append(text[i + 1])
            i += 2
            continue
        if quote is None and ch in "\"'":
            quote = ch
        elif ch == quote:
            quote = None
        else:
            current.append(ch)
        i += 1
    if quote is not None:
        raise ValueError(f"unexpected end of statement while looking for matching {quote}")
    if in_word:
        words.append("".join(current))
    return words


def parse_dockerfile_text(text: str, file: str = "Dockerfile", *, line_offset: int = 0, col_offset: int = 0) -> ParsedDockerfile:
    """Parse the text of a Dockerfile.

    Raises:
        SourceErrors: every problem found, positioned.
    """
    parser = _Parser(text, file, line_offset, col_offset)
    dockerfile = parser.parse()
    return ParsedDockerfile(dockerfile, parser.notes)


def parse_dockerfile(doc: Document, path: Path_ = ()) -> ParsedDockerfile:
    """Load a Dockerfile from a document's text (the ``dockerfile`` file kind).

    Raises:
        SourceErrors: every problem found, positioned.
    """
    data = doc.get(path) if path else doc.data
    if path and not isinstance(data, str):
        line, col = doc.where(path)
        raise SourceErrors([Diagnostic(doc.file, line, col, "a Dockerfile is text: write it as a block (content: |)")])
    return parse_dockerfile_text(doc.text, doc.file, line_offset=doc.line_offset, col_offset=doc.col_offset)


# -- .dockerignore -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IgnorePattern:
    pattern: str
    exclusion: bool
    regex: re.Pattern[str]


@dataclass(frozen=True)
class DockerIgnore:
    """The patterns of a ``.dockerignore`` file, applied as Docker applies them.

    A pattern matches a path or any of its parent directories; the last matching line decides,
    so a later ``!`` line re-includes (https://docs.docker.com/build/concepts/context/#dockerignore-files).
    """

    patterns: tuple[_IgnorePattern, ...] = ()

    def excludes(self, path: str) -> bool:
        """Whether ``path`` (relative to the context root, ``/``-separated) is left out of the context."""
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for pattern in self.patterns:
            if any(pattern.regex.match(p) for p in prefixes):
                excluded = not pattern.exclusion
        return excluded


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match plus ``**`` (any number of directories), as moby's patternmatcher."""
    out = ["^"]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                raise ValueError("syntax error in pattern")
            body = pattern[i + 1 : end]
            negate = body.startswith("^")
            if negate:
                body = body[1:]
            out.append(f"[{'^' if negate else ''}{_class_members(body)}]")
            i = end
        elif ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 1
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out))
    except re.error:
        raise ValueError("syntax error in pattern") from None


def _class_members(body: str) -> str:
    """A character class body in Go's syntax (``c`` or ``lo-hi``, ``\\`` escapes) as regex
    members, each escaped so that nothing reads as regex syntax.

    Raises:
        ValueError: an empty class or a range that runs backwards.
    """
    chars: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            i += 1
        chars.append(body[i])
        i += 1
    if not chars:
        raise ValueError("syntax error in pattern")
    members: list[str] = []
    k = 0
    while k < len(chars):
        if k + 2 < len(chars) and chars[k + 1] == "-":
            lo, hi = chars[k], chars[k + 2]
            if lo > hi:
                raise ValueError("syntax error in pattern")
            members.append(f"{re.escape(lo)}-{re.escape(hi)}")
            k += 3
        else:
            members.append(re.escape(chars[k]))
            k += 1
    return "".join(members)


def parse_dockerignore(text: str, file: str = ".dockerignore") -> DockerIgnore:
    """Parse ``.dockerignore`` text: one pattern a line, ``#`` comments, ``!`` exceptions.

    Each pattern is trimmed and cleaned (``/foo``, ``./foo`` and ``foo/`` all mean ``foo``).

    Raises:
        SourceErrors: a line Docker refuses (a bare ``!``, a malformed ``[`` class), positioned.
    """
    patterns: list[_IgnorePattern] = []
    errors: list[Diagnostic] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("#"):
            continue
        line = raw.strip()
        if not line:
            continue
        exclusion = line.startswith("!")
        body = line[1:].strip() if exclusion else line
        col = len(raw) - len(raw.lstrip()) + 1
        if not body:
            errors.append(Diagnostic(file, n, col, "illegal exclusion pattern: \"!\""))
            continue
        cleaned = posixpath.normpath(body).lstrip("/")
        if cleaned in (".", ""):
            cleaned = "."
        try:
            regex = _glob_regex(cleaned)
        except ValueError as exc:
            errors.append(Diagnostic(file, n, col, f"{exc}: {body}"))
            continue
        patterns.append(_IgnorePattern(cleaned, exclusion, regex))
    if errors:
        raise SourceErrors(errors)
    return DockerIgnore(tuple(patterns))
