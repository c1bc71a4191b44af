"""A grade's start-up imports only what its scenario uses, and the program's process settings.

Each case runs ``lab grade`` in a fresh interpreter (``sys.modules`` and the collector are
per process) and reads back what it imported. No timing: the figures are in
benchmarks/README.md (session 14).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import contextlib, gc, io, json, os, sys
import lab.cli
argv = {argv!r}
sys.argv = ["lab", *argv]
with contextlib.redirect_stdout(io.StringIO()):
    code = lab.cli.main() if {as_program!r} else lab.cli.main(argv)
from lab.scenario.schema import SimDocument
print(json.dumps({{
    "code": code,
    "modules": sorted(m for m in sys.modules if m == "lab" or m.startswith("lab.")),
    "frozen": gc.get_freeze_count(),
    "gc_enabled": gc.isenabled(),
    "env": {{k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "PYDANTIC_DISABLE_PLUGINS")}},
    "sim_document_built": SimDocument.__pydantic_complete__,
}}))
"""

# Imported by no grade of a scenario without Dockerfiles, load balancers, security groups,
# memberOf constraints, CodeDeploy or Auto Scaling groups.
NOT_FOR_A_SMALL_GRADE = (
    "lab.config.auto_scaling_group",
    "lab.config.codedeploy",
    "lab.config.dockerfile",
    "lab.config.load_balancer",
    "lab.config.security_group",
    "lab.config.target_group",
    "lab.grading.gradebook",
    "lab.grading.gradebook_render",
    "lab.grading.mutate",
    "lab.grading.plot",
    "lab.practice.bank",
    "lab.sim.build",
    "lab.sim.query",
    "lab.sim.series",
)


def _grade(argv: list[str], *, as_program: bool = True, env: dict[str, str] | None = None) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "PYDANTIC_DISABLE_PLUGINS")}
    run = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv, as_program=as_program)],
        cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True, check=True, timeout=120,
    )
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_a_small_grade_imports_only_what_its_scenario_uses() -> None:
    result = _grade(["grade", "ecr-pull-denied", "--solution"])
    assert result["code"] == 0
    assert [m for m in NOT_FOR_A_SMALL_GRADE if m in result["modules"]] == []
    # The catalogue of base images is read (the world pushes images), not the builder.
    assert "lab.sim.catalogue" in result["modules"]
    assert result["sim_document_built"] is False


def test_a_scenario_with_a_target_group_and_a_security_group_imports_their_models() -> None:
    result = _grade(["grade", "sg-blocks-alb", "--solution"])
    assert result["code"] == 0
    assert {"lab.config.target_group", "lab.config.security_group"} <= set(result["modules"])


def test_the_program_freezes_its_start_up_and_sets_its_defaults() -> None:
    result = _grade(["grade", "ecr-pull-denied", "--solution"])
    assert result["frozen"] > 0 and result["gc_enabled"]
    assert result["env"] == {"OPENBLAS_NUM_THREADS": "1", "PYDANTIC_DISABLE_PLUGINS": "1"}


def test_the_users_thread_count_and_plugin_choice_are_kept() -> None:
    result = _grade(["grade", "ecr-pull-denied", "--solution"], env={"OMP_NUM_THREADS": "2", "PYDANTIC_DISABLE_PLUGINS": "logfire"})
    assert result["env"] == {"OPENBLAS_NUM_THREADS": None, "PYDANTIC_DISABLE_PLUGINS": "logfire"}


def test_a_call_from_python_changes_no_process_setting() -> None:
    result = _grade(["grade", "ecr-pull-denied", "--solution"], as_program=False)
    assert result["code"] == 0
    assert result["frozen"] == 0 and result["gc_enabled"]
    assert result["env"] == {"OPENBLAS_NUM_THREADS": None, "PYDANTIC_DISABLE_PLUGINS": None}


def test_lab_sim_freezes_its_start_up_too_and_only_as_a_program() -> None:
    """``lab sim`` loads and builds its world with the collector paused, then frozen."""
    program = _grade(["sim", "ecr-pull-denied", "--until", "60"])
    assert program["code"] == 0 and program["frozen"] > 0 and program["gc_enabled"]
    call = _grade(["sim", "ecr-pull-denied", "--until", "60"], as_program=False)
    assert call["code"] == 0 and call["frozen"] == 0 and call["gc_enabled"]
