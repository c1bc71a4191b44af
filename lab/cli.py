"""Provides the ``lab`` command line: argument parsing, output and exit codes only.

Exit codes: 0 success, 1 a graded failure, 2 bad input (a ``LabError``: the message is
printed as ``file:line:col: message`` lines, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from lab import __version__
from lab.errors import LabError, UsageError

__all__ = ["main"]


def _format_time(at: float) -> str:
    tenths = int(round(at * 10))
    whole, tenth = divmod(tenths, 10)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{tenth}"


def _cmd_sim(args: argparse.Namespace, out: TextIO) -> int:
    from lab.scenario.simdoc import build_world, load_sim_document
    from lab.sim.events import event_to_dict

    loaded = load_sim_document(args.file)
    seed = args.seed if args.seed is not None else loaded.spec.run.seeds[0]
    until = args.until if args.until is not None else loaded.spec.run.duration
    if until <= 0:
        raise UsageError("--until must be a positive number of seconds")
    for note in loaded.notes:
        print(str(note), file=sys.stderr)
    world = build_world(loaded, seed=seed)
    world.run(until=until)
    if args.json:
        for event in world.log:
            out.write(json.dumps(event_to_dict(event), sort_keys=True, separators=(",", ":")) + "\n")
        return 0
    type_width = max((len(type(e).__name__) for e in world.log), default=10)
    out.write(f"{'TIME':<10}  {'EVENT':<{type_width}}  MESSAGE\n")
    for event in world.log:
        out.write(f"{_format_time(event.at):<10}  {type(event).__name__:<{type_width}}  {event.message}\n")
    out.write(f"-- {len(world.log)} events, seed {seed}, simulated {until:g} s --\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lab",
        description="ECS Lab: learn Amazon ECS by fixing real-shaped configs on a simulated cluster.",
    )
    parser.add_argument("--version", action="version", version=f"lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sim = sub.add_parser("sim", help="run a simulation document headless and print its event log")
    sim.add_argument("file", help="a simulation document (YAML)")
    sim.add_argument("--seed", type=int, help="random seed (default: the document's first seed)")
    sim.add_argument("--until", type=float, help="simulated seconds to run (default: run.duration)")
    sim.add_argument("--json", action="store_true", help="print the events as JSON lines")
    sim.set_defaults(func=_cmd_sim)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lab`` command; return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 0
    out = sys.stdout
    try:
        return int(args.func(args, out))
    except LabError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of the user's.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in the lab, not the user's input: one clear line
        if os.environ.get("LAB_DEBUG"):
            raise
        print(f"lab: internal error: {type(exc).__name__}: {exc} (set LAB_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3
