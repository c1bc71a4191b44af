"""Provides safe YAML/JSON loading that keeps the line and column of every key and value.

Only ``yaml.safe_load`` semantics are used (no Python tags, no object construction), with two
deliberate differences: timestamps stay strings (``registeredAt < 2018-02-13`` is a date a
learner typed, not a ``datetime``), and mapping keys keep the text the author wrote (``on:``
stays ``"on"``, not ``True``). Duplicate keys are an error, as in JSON parsers AWS uses; a key
given beside a merge (``<<: *base``) overrides the merged one, as YAML's merge key defines.
Alias expansion is bounded, so a "billion laughs" document is refused instead of eating memory.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lab.errors import SourceError

__all__ = ["MAX_READ_BYTES", "Document", "Path_", "UnsafeFile", "is_file", "load_path", "load_text", "read_regular"]

Path_ = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indexes, outermost first."""

MAX_NODES = 200_000
"""Most nodes one document may expand to (aliases included)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver, so dates stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_Composer: type = _Loader
"""What parses and composes: libyaml's C parser when PyYAML has it (several times faster, with
the same node marks, and a nesting limit of its own), else the pure-Python one."""
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """``_Loader``'s resolvers on libyaml's parser."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

    _Composer = _CLoader


@dataclass
class Document:
    """A loaded document: its data plus where every key and value stands in the file."""

    file: str
    """The file name used in messages."""
    data: Any
    """The plain data (dicts, lists, str, int, float, bool, None)."""
    text: str = ""
    """The source text (used to map embedded documents back to lines)."""
    value_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, col) of each value, by path."""
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """1-based (line, col) of each mapping key, by the path of its value."""
    block_styles: dict[Path_, str] = field(default_factory=dict)
    """Paths of string values written as block scalars (``|`` or ``>``), with the style."""
    line_offset: int = 0
    """Added to every line (for a document embedded in another file)."""
    col_offset: int = 0
    """Added to every column (for a document embedded in another file)."""

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Return the 1-based (line, col) of ``path``, or of its nearest ancestor that has one.

        Args:
            path: keys and indexes from the root.
            key: point at the key of a mapping entry rather than at its value.
        """
        marks = self.key_marks if key else self.value_marks
        probe = tuple(path)
        while True:
            if probe in marks:
                line, col = marks[probe]
                return line + self.line_offset, col + self.col_offset
            if key and probe in self.value_marks:
                line, col = self.value_marks[probe]
                return line + self.line_offset, col + self.col_offset
            if not probe:
                return 1 + self.line_offset, 1 + self.col_offset
            probe = probe[:-1]

    def error(self, path: Path_, message: str, *, key: bool = False) -> SourceError:
        """Build a ``SourceError`` located at ``path``."""
        line, col = self.where(path, key=key)
        return SourceError(self.file, line, col, message)

    def get(self, path: Path_, default: Any = None) -> Any:
        """Return the value at ``path`` or ``default`` when any step is missing."""
        node = self.data
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    def embedded(self, path: Path_, *, file: str | None = None) -> Document:
        """Parse the string at ``path`` as a document of its own, keeping file positions.

        A block scalar (``content: |``) maps line for line back to this file; any other
        string is located at the value's own position.

        Raises:
            SourceError: the embedded text is not valid YAML/JSON.
        """
        text = self.get(path)
        if not isinstance(text, str):
            raise self.error(path, "expected a string holding YAML or JSON")
        line, col = self.where(path)
        if self.block_styles.get(tuple(path)):
            # A block scalar's content starts on the line after the indicator, at the
            # block's indentation, which is the first content line's leading spaces.
            src_lines = self.text.splitlines()
            indent = 0
            for raw in src_lines[line - self.line_offset :]:
                if raw.strip():
                    indent = len(raw) - len(raw.lstrip(" "))
                    break
            return load_text(text, file or self.file, line_offset=line, col_offset=indent)
        return load_text(text, file or self.file, line_offset=line - 1, col_offset=col - 1)


def load_text(
    text: str,
    file: str,
    *,
    max_bytes: int | None = None,
    line_offset: int = 0,
    col_offset: int = 0,
) -> Document:
    """Parse YAML (or JSON) text into a ``Document``.

    Args:
        text: the source text.
        file: the name used in messages.
        max_bytes: refuse text larger than this many UTF-8 bytes.
        line_offset: added to every reported line (embedded documents).
        col_offset: added to every reported column (embedded documents).

    Raises:
        SourceError: the text is too large or not valid YAML, or has duplicate keys,
            non-scalar keys or too many alias expansions.
    """
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise SourceError(file, 0, 0, f"file is larger than the {max_bytes // 1024} KiB limit")
    doc = Document(file=file, data=None, text=text, line_offset=line_offset, col_offset=col_offset)
    try:
        try:
            root = yaml.compose(text, Loader=_Composer)
        except yaml.YAMLError:
            if _Composer is _Loader:
                raise
            # The pure-Python parser words its errors better ("expected ',' or '}', but got
            # ':'"): broken text is parsed again by it, for the message and position.
            root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        raise SourceError(file, line + line_offset, col + col_offset, problem) from None
    except yaml.YAMLError as exc:
        raise SourceError(file, 1 + line_offset, 1 + col_offset, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SourceError(file, 1 + line_offset, 1 + col_offset, "document is nested too deeply") from None
    if root is None:
        return doc
    builder = _Builder(doc)
    doc.data = builder.build(root, ())
    return doc


MAX_READ_BYTES = 4 * 1024 * 1024
"""Largest file read when the caller gives no limit of its own."""

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


class UnsafeFile(OSError):
    """A file refused before reading: not a regular file, too large, or a symbolic link."""


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False, not an ``OSError``, for a name the file system
    refuses (longer than its limit, say), as for a name that is not there."""
    try:
        return path.is_file()
    except OSError:
        return False


def read_regular(path: Path | str, *, max_bytes: int = MAX_READ_BYTES, follow_symlinks: bool = True, dir_fd: int | None = None) -> bytes:
    """The bytes of a regular file, opened once and checked on the opened file.

    The file is opened non-blocking (a FIFO with no writer does not hang the open), then
    ``fstat`` of that very descriptor must say "regular file" and at most ``max_bytes``;
    at most ``max_bytes + 1`` bytes are read (a file growing meanwhile is refused too). With
    ``follow_symlinks=False`` a symbolic link is refused (``O_NOFOLLOW``), so nothing is read
    through a link swapped in after a check.

    Raises:
        UnsafeFile: a special file, a symbolic link (when not followed) or too large.
        OSError: the file cannot be opened (missing, no permission, a symlink loop).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise UnsafeFile(errno.ELOOP, "is a symbolic link") from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
            raise UnsafeFile(errno.EINVAL, f"is {kind}, not a regular file")
        if info.st_size > max_bytes:
            raise UnsafeFile(errno.EFBIG, f"is larger than the {_size(max_bytes)} limit")
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise UnsafeFile(errno.EFBIG, f"is larger than the {_size(max_bytes)} limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n // 1024} KiB"


def load_path(path: Path | str, *, display: str | None = None, max_bytes: int | None = None) -> Document:
    """Read and parse a file (opened once: special files, and files over the limit, refused first).

    ``max_bytes`` defaults to ``MAX_READ_BYTES``: every read has a limit.

    Raises:
        SourceError: the file cannot be read, is not a regular file, is too large, is not
            UTF-8 or not valid YAML.
    """
    name = display or str(path)
    limit = MAX_READ_BYTES if max_bytes is None else max_bytes
    try:
        raw = read_regular(path, max_bytes=limit)
    except UnsafeFile as exc:
        if exc.errno == errno.EFBIG:
            raise SourceError(name, 0, 0, f"file is larger than the {limit // 1024} KiB limit") from None
        raise SourceError(name, 0, 0, str(exc.strerror)) from None
    except FileNotFoundError:
        raise SourceError(name, 0, 0, "no such file") from None
    except IsADirectoryError:
        raise SourceError(name, 0, 0, "is a directory, expected a file") from None
    except OSError as exc:
        why = "a symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror
        raise SourceError(name, 0, 0, f"cannot read file: {why}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(name, 0, 0, f"not UTF-8 text (byte {exc.start})") from None
    return load_text(text, name, max_bytes=limit)


class _Builder:
    """Turns a composed node tree into plain data while recording positions."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0
        self.constructor = _Loader("")
        self.open_nodes: set[int] = set()

    def _fail(self, node: yaml.Node, message: str) -> SourceError:
        d = self.doc
        return SourceError(
            d.file, node.start_mark.line + 1 + d.line_offset, node.start_mark.column + 1 + d.col_offset, message
        )

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if id(node) in self.open_nodes:
            raise self._fail(node, "an alias refers to a node that contains it (recursive document)")
        if len(path) > 100:
            raise self._fail(node, "document is nested more than 100 levels deep")
        self.open_nodes.add(id(node))
        try:
            return self._build(node, path)
        finally:
            self.open_nodes.discard(id(node))

    def _build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._fail(node, f"document expands to more than {MAX_NODES} nodes (too many aliases?)")
        self.doc.value_marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise self._fail(node, f"unsupported tag {node.tag!r}: only plain mappings are allowed")
            own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
            try:
                self.constructor.flatten_mapping(node)
            except yaml.constructor.ConstructorError as exc:
                # ``<<: 1``: a merge key takes a mapping or a list of mappings.
                raise self._fail(node, exc.problem or "a merge key (<<) takes a mapping or a list of mappings") from None
            # flatten_mapping puts the merged pairs first; the mapping's own keys follow. As
            # YAML 1.1's merge key says, an own key overrides a merged one (no duplicate), and
            # of several merged mappings the first listed wins (flatten lists it last).
            merged, own_pairs = node.value[: len(node.value) - own], node.value[len(node.value) - own :]
            chosen: dict[str, tuple[yaml.Node, yaml.Node]] = {}
            for key_node, value_node in merged:
                if isinstance(key_node, yaml.ScalarNode):
                    chosen.pop(key_node.value, None)
                    chosen[key_node.value] = (key_node, value_node)
            seen: set[str] = set()
            for key_node, value_node in own_pairs:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self._fail(key_node, "mapping keys must be plain strings")
                key = key_node.value
                if key in seen:
                    raise self._fail(key_node, f"duplicate key '{key}'")
                seen.add(key)
                chosen.pop(key, None)
                chosen[key] = (key_node, value_node)
            for key_node, _ in merged:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self._fail(key_node, "mapping keys must be plain strings")
            out: dict[str, Any] = {}
            for key, (key_node, value_node) in chosen.items():
                child = (*path, key)
                self.doc.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._fail(node, f"unsupported tag {node.tag!r}: only plain lists are allowed")
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                self.doc.block_styles[path] = node.style
            try:
                return self.constructor.construct_object(node, deep=True)
            except yaml.constructor.ConstructorError as exc:
                raise self._fail(node, exc.problem or "cannot read this value") from None
            except (ValueError, KeyError, AttributeError, TypeError):
                digits = sum(ch.isdigit() for ch in node.value)
                if digits > 4300:
                    # int() refuses more than 4,300 digits (CPython's guard against slow conversion).
                    raise self._fail(node, f"a number of {digits} digits is too long (at most 4,300)") from None
                # A standard tag on a value it cannot read (``!!int abc``, ``!!bool maybe``).
                raise self._fail(node, f"cannot read {node.value!r} as {node.tag.rsplit(':', 1)[-1]}") from None
        raise self._fail(node, "unsupported YAML node")



def validation_diagnostics(doc: Document, root: Path_, exc: Any, model: Any = None) -> list[Any]:
    """Turn a pydantic ``ValidationError`` for the data at ``root`` into positioned diagnostics.

    Each error's ``loc`` is walked through the data (union tags and validator names that are
    not keys are skipped), so the message lands on the key or value it is about.

    Args:
        doc: the document the data came from.
        root: where the validated data sits in ``doc``.
        exc: the ``pydantic.ValidationError``.
        model: the model class validated, used to suggest keys for unknown ones.
    """
    import difflib

    from lab.errors import Diagnostic

    out: list[Diagnostic] = []
    for err in exc.errors():
        path: list[str | int] = list(root)
        node = doc.get(root)
        kind = err["type"]
        loc = err.get("loc", ())
        for i, step in enumerate(loc):
            if isinstance(node, dict) and step in node:
                node = node[step]
                path.append(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
                path.append(step)
            elif kind == "missing" and isinstance(node, dict) and isinstance(step, str) and i == len(loc) - 1:
                # The missing key is the last step; a union tag before it is no key.
                path.append(step)
                break
        name = str(path[-1]) if len(path) > len(root) else "document"
        if kind == "missing":
            line, col = doc.where(tuple(path[:-1]))
            message = f"missing required key '{name}'"
        elif kind == "extra_forbidden":
            line, col = doc.where(tuple(path), key=True)
            allowed = _allowed_keys(model, doc.get(root), path[len(root) : -1])
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean '{close[0]}'?"
            elif allowed and len(allowed) <= 14:
                hint = f"; expected one of: {', '.join(allowed)}"
            else:
                hint = ""
            message = f"unknown key '{name}'{hint}"
        elif kind == "union_tag_invalid":
            # An unknown tag (check kind, timeline event, ...): point at it, suggest the nearest.
            ctx = err.get("ctx", {})
            tag, field = str(ctx.get("tag", "")), str(ctx.get("discriminator", "kind")).strip("'")
            expected = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()]
            if isinstance(node, dict) and field in node:
                path.append(field)
            line, col = doc.where(tuple(path))
            close = difflib.get_close_matches(tag, expected, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(expected)}"
            message = f"unknown {field} '{tag}'{hint}"
        else:
            line, col = doc.where(tuple(path))
            # A validator's own words, without pydantic's "Value error, " in front of them.
            text = str(err["ctx"]["error"]) if kind == "value_error" and "error" in err.get("ctx", {}) else err["msg"]
            # A list index or the whole document is no name: the position says where.
            unnamed = kind.startswith("union_tag") or name == "document" or isinstance(path[-1], int)
            message = text if unnamed else f"'{name}': {text}"
        out.append(Diagnostic(doc.file, line, col, message))
    return out


def _models_in(annotation: Any) -> list[Any]:
    """The pydantic model classes inside a field annotation (through lists, unions, Annotated)."""
    from typing import get_args

    found: list[Any] = []
    stack = [annotation]
    while stack:
        ann = stack.pop(0)
        if hasattr(ann, "model_fields"):
            found.append(ann)
        else:
            stack.extend(get_args(ann))
    return found


def _tag_matches(model: Any, node: dict[str, Any]) -> bool:
    """True when every Literal-typed field present in ``node`` holds one of its literal values."""
    from typing import Literal, get_args, get_origin

    for fname, finfo in model.model_fields.items():
        key = finfo.alias or fname
        if get_origin(finfo.annotation) is Literal and key in node and node[key] not in get_args(finfo.annotation):
            return False
    return True


def _allowed_keys(model: Any, data: Any, rel: list[str | int]) -> list[str]:
    """The keys accepted where an unknown key was found, or [] when that cannot be told."""
    if model is None:
        return []
    models = [model]
    node = data
    for step in rel:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and step < len(node) else None
            continue
        following: list[Any] = []
        for m in models:
            for fname, finfo in m.model_fields.items():
                if step in (fname, finfo.alias):
                    following.extend(_models_in(finfo.annotation))
        models = following
        node = node.get(step) if isinstance(node, dict) else None
    if isinstance(node, dict) and len(models) > 1:
        models = [m for m in models if _tag_matches(m, node)] or models
    if not models:
        return []
    return sorted({finfo.alias or fname for fname, finfo in models[0].model_fields.items()})
