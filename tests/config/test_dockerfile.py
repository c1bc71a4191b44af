"""The Dockerfile parser: real syntax with positions, errors as file:line:col (lab/config/dockerfile.py).

Rules from the Dockerfile reference, https://docs.docker.com/reference/dockerfile/, and the
.dockerignore section of https://docs.docker.com/build/concepts/context/.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config.dockerfile import INSTRUCTIONS, parse_dockerfile, parse_dockerfile_text, parse_dockerignore
from lab.errors import SourceErrors
from lab.yaml_source import load_text


def parse(text: str):  # noqa: ANN201 - a test helper
    return parse_dockerfile_text(text).dockerfile


def errors(text: str) -> list[str]:
    with pytest.raises(SourceErrors) as info:
        parse_dockerfile_text(text)
    return [str(d) for d in info.value.diagnostics]


def test_stages_with_names_platform_and_global_args() -> None:
    """FROM [--platform] <image> [AS <name>]; an ARG before the first FROM is a global one."""
    df = parse("ARG PY=3.12\nFROM --platform=linux/amd64 python:${PY}-slim AS Build\nRUN make\nFROM alpine:3.20\nCOPY --from=build /out /out\n")
    assert [s.base for s in df.stages] == ["python:${PY}-slim", "alpine:3.20"]
    assert df.stages[0].name == "build"  # stage names are case-insensitive
    assert df.stages[0].platform == "linux/amd64"
    assert df.global_args[0].pairs == (("PY", "3.12"),)
    assert df.stage("build") is df.stages[0] and df.stage("1") is df.stages[1]
    assert df.stages[1].instructions[0].flag("from") == "build"


def test_continuations_and_comments_inside_them_are_joined_with_positions() -> None:
    """A line ending in the escape character continues; comment lines inside are removed."""
    df = parse("FROM debian:bookworm\nRUN apt-get update \\\n  # why\n  && apt-get install -y curl\nCMD x\n")
    run = df.stages[0].instructions[0]
    assert run.text == "apt-get update   && apt-get install -y curl"
    assert (run.line, run.col, run.end_line) == (2, 1, 4)
    assert df.stages[0].instructions[1].line == 5


def test_escape_directive_changes_the_continuation_character() -> None:
    """``# escape=`` ` `` (a parser directive at the top) makes the backtick the escape."""
    df = parse("# escape=`\nFROM alpine:3.20\nRUN echo a `\n b\n")
    assert df.directives == (("escape", "`"),)
    assert df.stages[0].instructions[0].text == "echo a  b"


def test_a_directive_after_a_comment_is_a_comment() -> None:
    """Directives end at the first comment, blank line or instruction."""
    df = parse("# hello\n# escape=`\nFROM alpine:3.20\n")
    assert df.directives == ()


def test_exec_and_shell_forms() -> None:
    """A JSON array is the exec form; anything else (even a broken array) is the shell form."""
    df = parse('FROM alpine:3.20\nCMD ["python", "app.py"]\nENTRYPOINT [\'bad\']\nRUN echo hi\n')
    cmd, entrypoint, run = df.stages[0].instructions
    assert cmd.exec_form == ("python", "app.py")
    assert entrypoint.exec_form is None
    assert run.exec_form is None and run.text == "echo hi"


def test_copy_and_add_flags_and_several_sources() -> None:
    """COPY [--from] [--chown] [--chmod] <src>... <dest>; ADD likewise."""
    df = parse("FROM alpine:3.20\nCOPY --chown=app:app --chmod=755 a.txt b.txt /dst/\nADD https://example.com/x.tar.gz /opt/\n")
    copy, add = df.stages[0].instructions
    assert copy.words == ("a.txt", "b.txt", "/dst/")
    assert copy.flags == (("chown", "app:app"), ("chmod", "755"))
    assert add.words == ("https://example.com/x.tar.gz", "/opt/")


def test_env_label_and_arg_pairs() -> None:
    """ENV key=value (quotes group), the legacy ENV key value, LABEL pairs, ARG with and without default."""
    df = parse('FROM alpine:3.20\nENV A=1 B="two words"\nENV OLD hello world\nLABEL org.opencontainers.image.title="web"\nARG V\nARG W=2\n')
    env, legacy, label, arg, arg2 = df.stages[0].instructions
    assert env.pairs == (("A", "1"), ("B", "two words"))
    assert legacy.pairs == (("OLD", "hello world"),)
    assert label.pairs == (("org.opencontainers.image.title", "web"),)
    assert arg.pairs == (("V", None),) and arg2.pairs == (("W", "2"),)


def test_expose_workdir_user_healthcheck() -> None:
    """REF "EXPOSE", "WORKDIR", "USER", "HEALTHCHECK": their arguments and options."""
    df = parse("FROM nginx:1.27\nEXPOSE 80 443/tcp 53/udp\nWORKDIR /app\nUSER 1000:1000\nHEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK NONE\n")
    expose, workdir, user, health, none = df.stages[0].instructions
    assert expose.words == ("80", "443/tcp", "53/udp")
    assert workdir.words == ("/app",) and user.words == ("1000:1000",)
    assert health.flag("interval") == "30s" and health.text.startswith("CMD curl")
    assert none.words == ("NONE",)


def test_instructions_are_case_insensitive() -> None:
    """REF "Format": instructions are not case-sensitive."""
    df = parse("from alpine:3.20\nrun echo hi\n")
    assert df.stages[0].instructions[0].keyword == "RUN"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FORM alpine\n", "Dockerfile:1:1: unknown instruction: FORM (did you mean FROM?)"),
        ("FROM alpine:3.20\nCOPY --frm=build a b\n", "Dockerfile:2:6: unknown flag: frm (did you mean --from?)"),
        ("FROM alpine:3.20\nRUN --platform=x echo\n", "Dockerfile:2:5: unknown flag: platform"),
        ("RUN echo hi\n", "Dockerfile:1:1: no build stage in current context"),
        ("", "Dockerfile:1:1: the Dockerfile cannot be empty"),
        ("FROM a b\n", "Dockerfile:1:6: FROM requires either one or three arguments (FROM <image> [AS <name>])"),
        ("FROM alpine:3.20\nEXPOSE 80 99999\n", "Dockerfile:2:11: invalid containerPort: 99999"),
        ("FROM alpine:3.20\nCOPY onlyone\n", "Dockerfile:2:6: COPY requires at least two arguments, but only 1 provided"),
        ("FROM alpine:3.20\nENV lonely\n", "Dockerfile:2:5: ENV must have two arguments"),
        ("FROM a AS x\nFROM b AS X\n", 'Dockerfile:2:1: duplicate stage name "X"'),
        ("FROM alpine:3.20\nSHELL /bin/bash -c\n", "Dockerfile:2:7: SHELL requires the arguments to be in JSON form"),
        ("FROM alpine:3.20\nHEALTHCHECK --interval=soon CMD true\n", "Dockerfile:2:13: HEALTHCHECK --interval: expected a duration such as 30s, got 'soon'"),
        ('FROM alpine:3.20\nENV A="open\n', "Dockerfile:2:5: ENV: unexpected end of statement while looking for matching \""),
    ],
)
def test_errors_are_positioned(text: str, message: str) -> None:
    """Every problem is file:line:col: message; BuildKit's wording where it has one."""
    assert message in errors(text)


def test_heredoc_is_refused_at_its_position_and_its_body_skipped() -> None:
    """Here-documents (dockerfile:1.4) are not simulated: one positioned error, not one per body line."""
    found = errors("FROM alpine:3.20\nRUN <<EOF\napk add curl\nEOF\nCMD x\n")
    assert found == ["Dockerfile:2:5: here-documents (<<) in RUN are not supported by the lab; write the lines as a RUN with && or COPY a file"]


def test_here_string_is_not_a_heredoc() -> None:
    """A shell here-string (<<<) is not a here-document."""
    parse("FROM debian:bookworm\nRUN cat <<< hello\n")


def test_embedded_dockerfile_positions_are_those_of_the_scenario_file() -> None:
    """A Dockerfile written as a block in a YAML file reports lines of the YAML file."""
    doc = load_text("kind: dockerfile\ncontent: |\n  FROM alpine:3.20\n  RUNN echo\n", "lab.yaml")
    with pytest.raises(SourceErrors) as info:
        parse_dockerfile(doc.embedded(("content",)))
    assert [str(d) for d in info.value.diagnostics] == ["lab.yaml:4:3: unknown instruction: RUNN (did you mean RUN?)"]


def test_not_simulated_flags_are_notes() -> None:
    """RUN --mount is real syntax the lab does not simulate: a note, never an error."""
    parsed = parse_dockerfile_text("FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.cache pip install x\n")
    assert [d.message for d in parsed.notes] == ["RUN --mount is accepted but not simulated"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("FROMRUNCOPYADDENVARG fromas-=:/\\`#\"'[]{}$<>.\n\t 01x")), max_size=120))
def test_any_text_parses_or_gives_positioned_errors(text: str) -> None:
    """Never a traceback: either a Dockerfile or SourceErrors, each at a line and column."""
    try:
        parse_dockerfile_text(text)
    except SourceErrors as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.line >= 1 and d.col >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_text_parses_or_gives_positioned_errors(text: str) -> None:
    """Never a traceback, whatever follows a FROM line."""
    try:
        parse_dockerfile_text("FROM alpine:3.20\n" + text)
    except SourceErrors as exc:
        assert all(d.line >= 1 and d.col >= 1 for d in exc.diagnostics)


def test_crlf_line_endings_are_read_as_lf() -> None:
    """A Dockerfile saved with Windows line endings reads as with \\n."""
    df = parse("FROM alpine:3.20\r\nRUN echo \\\r\n  hi\r\n")
    assert df.stages[0].instructions[0].text == "echo   hi"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*INSTRUCTIONS, "FROM alpine:3.20", "--from=x", "a=b", "[\"x\"]", "\\", "<<EOF", "AS", "x"]), max_size=12))
def test_instruction_soup_parses_or_gives_positioned_errors(words: list[str]) -> None:
    """Keywords, flags and brackets in any order: a Dockerfile or positioned errors."""
    text = "\n".join(" ".join(words[i : i + 3]) for i in range(0, len(words), 3))
    try:
        parse_dockerfile_text(text)
    except SourceErrors as exc:
        assert all(d.line >= 1 and d.col >= 1 for d in exc.diagnostics)


# -- .dockerignore ----------------------------------------------------------------------------------


def test_dockerignore_patterns_exceptions_and_double_star() -> None:
    """Go filepath.Match plus ``**``; a pattern excludes a path or any parent; the last match wins."""
    ignore = parse_dockerignore("# comment\nnode_modules\n*.md\n!README.md\n**/*.pyc\n/.git\ntemp?\n")
    assert ignore.excludes("node_modules/express/index.js")
    assert ignore.excludes("CHANGES.md") and not ignore.excludes("README.md")
    assert ignore.excludes("src/deep/x.pyc") and ignore.excludes("x.pyc")
    assert ignore.excludes(".git/HEAD")
    assert ignore.excludes("tempa") and not ignore.excludes("temp")
    assert not ignore.excludes("docs/guide.md")  # *.md matches only at the root
    assert not ignore.excludes("src/app.py")


def test_dockerignore_exception_order_matters() -> None:
    """Docker's own example: the last line matching a file decides."""
    first = parse_dockerignore("*.md\n!README*.md\nREADME-secret.md\n")
    assert first.excludes("README-secret.md") and not first.excludes("README.md")
    second = parse_dockerignore("*.md\nREADME-secret.md\n!README*.md\n")
    assert not second.excludes("README-secret.md")


def test_dockerignore_bad_lines_are_positioned() -> None:
    """Docker refuses a bare "!" and a malformed character class; each error names its line."""
    with pytest.raises(SourceErrors) as info:
        parse_dockerignore("ok\n  !\n[abc\n")
    assert [str(d) for d in info.value.diagnostics] == [
        '.dockerignore:2:3: illegal exclusion pattern: "!"',
        ".dockerignore:3:1: syntax error in pattern: [abc",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab*?[]!^\\/.#\n -")), max_size=40), st.text(alphabet="ab/.", max_size=12))
def test_any_dockerignore_parses_or_gives_positioned_errors(text: str, path: str) -> None:
    """Any .dockerignore text parses or gives positioned errors; matching never raises."""
    try:
        ignore = parse_dockerignore(text)
    except SourceErrors as exc:
        assert all(d.line >= 1 and d.col >= 1 for d in exc.diagnostics)
    else:
        ignore.excludes(path or "a")


def test_original_is_the_instruction_as_written() -> None:
    """The step text shown to a learner keeps the flags and spacing written (the keyword in capitals)."""
    df = parse("FROM alpine:3.20\ncopy --link --chown=1:1 a  b\n")
    assert df.stages[0].instructions[0].original == "COPY --link --chown=1:1 a  b"
