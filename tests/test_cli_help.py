"""``lab`` builds the arguments of the command given only: every help text is unchanged (issue 17).

The reference is the parser with every command's arguments (``_parser()``); ``main`` builds
the top level and the command named on its command line (every command's sub-parser, without
arguments, when it names none it knows).
"""

from __future__ import annotations

import pytest

from lab.cli import _COMMANDS, _parser, main


def _help(capsys: pytest.CaptureFixture[str], run: object) -> str:
    with pytest.raises(SystemExit) as exited:
        run()  # type: ignore[operator]
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_is_unchanged(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    full = _help(capsys, lambda: _parser().parse_args(["--help"]))
    assert main(["--help"]) == 0
    assert capsys.readouterr().out == full
    assert all(f"    {name}" in full for name in _COMMANDS)


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_each_command_help_is_unchanged(command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    full = _help(capsys, lambda: _parser().parse_args([command, "--help"]))
    assert main([command, "--help"]) == 0
    assert capsys.readouterr().out == full
    assert full.startswith(f"usage: lab {command} ")


def test_an_unknown_command_is_refused_as_before(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        _parser().parse_args(["nope"])
    full = capsys.readouterr().err
    assert main(["nope"]) == 2
    assert capsys.readouterr().err == full
    assert "invalid choice: 'nope'" in full


def test_a_command_without_its_arguments_is_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade"]) == 2  # its required scenario id is missing, as before
    assert "the following arguments are required: id" in capsys.readouterr().err
