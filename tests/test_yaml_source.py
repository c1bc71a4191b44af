"""The YAML loader's safety guards (lab/yaml_source.py): what it refuses, where, and that it never crashes.

``load_text`` promises ``yaml.safe_load`` semantics with duplicate keys refused, alias expansion
bounded, nesting bounded, only plain tags, dates kept as text and keys kept as written, and any
problem reported as a ``SourceError`` at a line and column.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lab.yaml_source as yaml_source
from lab.errors import SourceError
from lab.yaml_source import MAX_NODES, load_text


@pytest.fixture(params=["default", "pure-python"])
def composer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the default parser (libyaml when present) and with PyYAML's own."""
    if request.param == "pure-python":
        monkeypatch.setattr(yaml_source, "_Composer", yaml_source._Loader)
    return str(request.param)


def refused(text: str) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_text(text, "f.yaml")
    return info.value


# -- duplicate keys ------------------------------------------------------------------------------


def test_a_duplicate_key_is_refused_at_the_second_key(composer: str) -> None:
    error = refused("a: 1\nb: 2\na: 3\n")
    assert (error.file, error.line, error.col, error.message) == ("f.yaml", 3, 1, "duplicate key 'a'")


def test_a_duplicate_key_in_a_nested_flow_mapping_is_refused_where_it_stands(composer: str) -> None:
    error = refused("top:\n  inner: {k: 1, k: 2}\n")
    assert (error.line, error.col, error.message) == (2, 17, "duplicate key 'k'")


def test_keys_equal_only_after_resolution_are_not_duplicates() -> None:
    # "1" and "01" would both be the int 1 to safe_load; as written they differ.
    assert load_text("1: a\n01: b\n", "f.yaml").data == {"1": "a", "01": "b"}


# -- aliases -------------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for prev, name in zip(names, names[1 : levels + 1]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_document_is_refused_not_expanded(composer: str) -> None:
    error = refused(billion_laughs())
    assert error.message == f"document expands to more than {MAX_NODES} nodes (too many aliases?)"
    assert error.line >= 1 and error.col >= 1


def test_a_few_aliases_expand_to_copies_of_their_anchor() -> None:
    doc = load_text("base: &b {cpu: 256}\none: *b\ntwo: *b\n", "f.yaml")
    assert doc.data == {"base": {"cpu": 256}, "one": {"cpu": 256}, "two": {"cpu": 256}}


def test_an_alias_inside_its_own_anchor_is_refused(composer: str) -> None:
    error = refused("a: &a [1, *a]\n")
    assert error.message == "an alias refers to a node that contains it (recursive document)"
    assert (error.line, error.col) == (1, 4)


# -- nesting -------------------------------------------------------------------------------------


def test_nesting_up_to_the_limit_loads() -> None:
    data = load_text("[" * 50 + "1" + "]" * 50, "f.yaml").data
    for _ in range(50):
        assert isinstance(data, list) and len(data) == 1
        data = data[0]
    assert data == 1


@pytest.mark.parametrize("text", ["[" * 150 + "]" * 150, "".join("  " * i + "k:\n" for i in range(150)) + "  " * 150 + "v\n"], ids=["flow", "block"])
def test_nesting_past_100_levels_is_refused_at_a_position(composer: str, text: str) -> None:
    error = refused(text)
    assert error.message == "document is nested more than 100 levels deep"
    assert error.line >= 1 and error.col > 1


@pytest.mark.slow
def test_very_deep_nesting_is_refused_cleanly(composer: str) -> None:
    # Deep enough to exhaust libyaml's own depth limit (1,000) and Python's recursion limit (the
    # pure-Python composer recurses per level); unwinding that takes about 2 s.
    error = refused("[" * 1_500 + "]" * 1_500)
    assert error.line >= 1 and error.col >= 1
    assert "nest" in error.message or "depth" in error.message


# -- tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x: !!python/object:os.system {}\n",
        "x: !!python/object/apply:os.system ['echo hi']\n",
        "x: !!python/object/new:builtins.dict {}\n",
        "x: !!python/name:os.system\n",
        "x: !!python/tuple [1, 2]\n",
        "x: !custom 1\n",
        "x: !custom {a: 1}\n",
        "x: !custom [1]\n",
        "x: !!set {a, b}\n",
        "x: !!omap [a: 1]\n",
    ],
)
def test_unsafe_and_custom_tags_are_refused_at_the_tagged_value(composer: str, text: str) -> None:
    error = refused(text)
    assert (error.line, error.col) == (1, 4)
    assert "tag" in error.message


def test_the_plain_tags_still_work() -> None:
    assert load_text("a: !!str 12\nb: !!int '7'\nc: !!float '1.5'\n", "f.yaml").data == {"a": "12", "b": 7, "c": 1.5}


# -- how values and keys read --------------------------------------------------------------------


def test_timestamps_stay_strings() -> None:
    doc = load_text("date: 2018-02-13\nwhen: 2001-12-14t21:59:43.10-05:00\nspaced: 2001-12-14 21:59:43.10 -5\n", "f.yaml")
    assert doc.data == {"date": "2018-02-13", "when": "2001-12-14t21:59:43.10-05:00", "spaced": "2001-12-14 21:59:43.10 -5"}


def test_other_scalars_are_resolved_as_safe_load_does() -> None:
    doc = load_text("n: 3\nf: 0.5\nb: true\nz: null\ns: text\n", "f.yaml")
    assert doc.data == {"n": 3, "f": 0.5, "b": True, "z": None, "s": "text"}


@pytest.mark.parametrize("key", ["on", "off", "yes", "no", "true", "null", "~", "1", "0.5"])
def test_keys_keep_the_text_written(key: str) -> None:
    doc = load_text(f"{key}: push\n", "f.yaml")
    assert doc.data == {key: "push"}
    assert doc.key_marks[(key,)] == (1, 1)


def test_on_stays_the_string_key_on_in_a_workflow() -> None:
    doc = load_text("name: ci\non:\n  push:\n    branches: [main]\n", "f.yaml")
    assert list(doc.data) == ["name", "on"]
    assert doc.data["on"] == {"push": {"branches": ["main"]}}


def test_a_non_scalar_key_is_refused() -> None:
    error = refused("? [a, b]\n: 1\n")
    assert (error.line, error.message) == (1, "mapping keys must be plain strings")


# -- any text: a document or a positioned SourceError -------------------------------------------


def _loads_or_refuses_with_a_position(text: str) -> None:
    try:
        load_text(text, "f.yaml")
    except SourceError as error:
        assert error.file == "f.yaml"
        assert error.line >= 1 and error.col >= 1, str(error)
        assert error.message


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("a: 1\na: 2\n")
@example("\x00")
@example("a: [")
@example("- a\nb: c\n")
def test_any_text_loads_or_raises_a_positioned_source_error(text: str) -> None:
    _loads_or_refuses_with_a_position(text)


# YAML-shaped text: tokens that exercise anchors, aliases, tags, flow and block collections,
# block scalars and documents. Explicit tags with values they cannot
# read (``!!int abc``) and merges of a scalar are known holes, tested on their own below.
_TOKENS = st.sampled_from(
    [
        "a", "b", "on", "1", "0.5", "true", "null", "2018-02-13", "'q'", '"d\\n"', "x y",
        ": ", ":", "- ", "-", "? ", ",", "[", "]", "{", "}", "&a ", "*a", "&b ", "*b",
        "!!str ", "!!map ", "!!seq ", "!t ", "!!python/object:os.system ", "|\n", ">-\n",
        "# c", "---\n", "...\n", "\n", "\n  ", "\n    ", "  ", "\t", "%YAML 1.1\n", "@", "`",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKENS, max_size=40).map("".join))
@example("a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n")
@example("&a a: *a\n")
def test_yaml_shaped_text_loads_or_raises_a_positioned_source_error(text: str) -> None:
    _loads_or_refuses_with_a_position(text)


@pytest.mark.parametrize("text", ["x: !!int abc\n", "x: !!float abc\n", "x: !!bool maybe\n", "x: !!timestamp nope\n"])
def test_a_standard_tag_on_an_unreadable_value_is_a_source_error(text: str) -> None:
    error = refused(text)
    assert (error.line, error.col) == (1, 4)


def test_merging_a_scalar_is_a_source_error() -> None:
    error = refused("x:\n  <<: 1\n")
    assert error.line == 2


def test_a_key_overriding_a_merged_key_is_not_a_duplicate() -> None:
    doc = load_text("base: &b {x: 1, y: 1}\nd:\n  <<: *b\n  x: 2\n", "f.yaml")
    assert doc.data["d"] == {"x": 2, "y": 1}
