"""Provides the ECS agent configuration learners edit: ``/etc/ecs/ecs.config`` lines.

An ``agent-config`` file is what a launch template's user data writes to ``/etc/ecs/ecs.config``:
``KEY=value`` lines, ``#`` comments and blank lines. Keys are the agent's (AGENT:agent/config),
checked strictly: an unknown key is an error with a did-you-mean (``ECS_ENABLE_SPOT_DRAINING`` →
``ECS_ENABLE_SPOT_INSTANCE_DRAINING``), booleans must be ``true`` or ``false``, numbers numbers.
Keys the lab does not act on come back as "not simulated" notes. The lab applies the file to
every instance its Auto Scaling groups launch. Section numbers (§) refer to
docs/ecs-facts.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lab.config.shapes import did_you_mean
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = ["AGENT_KEYS", "SIMULATED_AGENT_KEYS", "AgentConfig", "ParsedAgentConfig", "parse_agent_config"]

AGENT_KEYS: dict[str, str] = {
    "ECS_CLUSTER": "string",
    "ECS_RESERVED_MEMORY": "int",
    "ECS_CONTAINER_STOP_TIMEOUT": "duration",
    "ECS_ENABLE_SPOT_INSTANCE_DRAINING": "bool",
    "ECS_RESERVED_PORTS": "string",
    "ECS_RESERVED_PORTS_UDP": "string",
    "ECS_DYNAMIC_HOST_PORT_RANGE": "string",
    "ECS_WARM_POOLS_CHECK": "bool",
    "ECS_AWSVPC_BLOCK_IMDS": "bool",
    "ECS_ENABLE_TASK_IAM_ROLE": "bool",
    "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST": "bool",
    "ECS_ENABLE_TASK_ENI": "bool",
    "ECS_ENABLE_CONTAINER_METADATA": "bool",
    "ECS_ENABLE_TASK_CPU_MEM_LIMIT": "bool",
    "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": "duration",
    "ECS_IMAGE_CLEANUP_INTERVAL": "duration",
    "ECS_IMAGE_MINIMUM_CLEANUP_AGE": "duration",
    "ECS_IMAGE_PULL_BEHAVIOR": "string",
    "ECS_DISABLE_IMAGE_CLEANUP": "bool",
    "ECS_LOGLEVEL": "string",
    "ECS_LOGFILE": "string",
    "ECS_AVAILABLE_LOGGING_DRIVERS": "string",
    "ECS_INSTANCE_ATTRIBUTES": "string",
    "ECS_CONTAINER_START_TIMEOUT": "duration",
    "ECS_CONTAINER_CREATE_TIMEOUT": "duration",
    "ECS_ENABLE_GPU_SUPPORT": "bool",
    "ECS_AWSVPC_ADDITIONAL_LOCAL_ROUTES": "string",
    "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE": "bool",
    "ECS_DATADIR": "string",
    "ECS_UPDATES_ENABLED": "bool",
    "ECS_SELINUX_CAPABLE": "bool",
    "ECS_APPARMOR_CAPABLE": "bool",
    "ECS_NUM_IMAGES_DELETE_PER_CYCLE": "int",
    "ECS_CHECKPOINT": "bool",
    "ECS_POLL_METRICS": "bool",
}
"""Agent configuration keys the lab knows, with their value kind (AGENT:agent/config/types.go)."""

SIMULATED_AGENT_KEYS = frozenset(
    {
        "ECS_CLUSTER", "ECS_RESERVED_MEMORY", "ECS_CONTAINER_STOP_TIMEOUT", "ECS_ENABLE_SPOT_INSTANCE_DRAINING",
        "ECS_DISABLE_IMAGE_CLEANUP", "ECS_IMAGE_CLEANUP_INTERVAL", "ECS_IMAGE_MINIMUM_CLEANUP_AGE",
        "ECS_NUM_IMAGES_DELETE_PER_CYCLE", "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION",
    }
)
"""Keys the simulator acts on; the others are accepted as notes."""

_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$")
_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class AgentConfig:
    """The agent settings in force on the instances the lab launches."""

    values: tuple[tuple[str, str], ...] = ()
    """(key, value) pairs as written, in file order (a repeated key: the last one wins)."""

    def get(self, key: str) -> str | None:
        """The value of ``key`` (the last line setting it), or None."""
        found = None
        for name, value in self.values:
            if name == key:
                found = value
        return found

    @property
    def cluster(self) -> str | None:
        """``ECS_CLUSTER``: the cluster the agent registers with (None: ``default``)."""
        return self.get("ECS_CLUSTER")

    @property
    def spot_instance_draining(self) -> bool:
        """``ECS_ENABLE_SPOT_INSTANCE_DRAINING`` (default false, §5.2)."""
        return self.get("ECS_ENABLE_SPOT_INSTANCE_DRAINING") == "true"

    @property
    def reserved_memory_mib(self) -> int | None:
        """``ECS_RESERVED_MEMORY`` in MiB (§2.1), or None."""
        value = self.get("ECS_RESERVED_MEMORY")
        return int(value) if value is not None else None

    @property
    def stop_timeout_s(self) -> float | None:
        """``ECS_CONTAINER_STOP_TIMEOUT`` in seconds (§3.1), or None."""
        value = self.get("ECS_CONTAINER_STOP_TIMEOUT")
        return _seconds(value) if value is not None else None


    def image_cleanup_updates(self) -> dict[str, float | int | bool]:
        """The task and image cleanup settings this file sets, as instance-group fields (§12.6).

        As the agent does, a value under its minimum (interval 10 min, task cleanup wait 1 s,
        images per cycle 1) is replaced by the default, not by the minimum.
        """
        updates: dict[str, float | int | bool] = {}
        if self.get("ECS_DISABLE_IMAGE_CLEANUP") is not None:
            updates["image_cleanup_disabled"] = self.get("ECS_DISABLE_IMAGE_CLEANUP") == "true"
        durations = (
            ("ECS_IMAGE_CLEANUP_INTERVAL", "image_cleanup_interval_s", 600.0, 1800.0),
            ("ECS_IMAGE_MINIMUM_CLEANUP_AGE", "image_minimum_cleanup_age_s", 0.0, 3600.0),
            ("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION", "task_cleanup_wait_s", 1.0, 10800.0),
        )
        for key, field_name, minimum, default in durations:
            value = self.get(key)
            if value is not None:
                seconds = _seconds(value)
                updates[field_name] = seconds if seconds >= minimum else default
        count = self.get("ECS_NUM_IMAGES_DELETE_PER_CYCLE")
        if count is not None:
            updates["num_images_delete_per_cycle"] = int(count) if int(count) >= 1 else 5
        return updates


@dataclass(frozen=True)
class ParsedAgentConfig:
    """An agent configuration that passed validation, plus the notes about it."""

    agent_config: AgentConfig
    """The validated settings."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at their lines."""


def _seconds(text: str) -> float:
    total = 0.0
    for number, _, unit in re.findall(r"(\d+(\.\d+)?)(ns|us|ms|s|m|h)", text):
        total += float(number) * _UNITS[unit]
    return total


def parse_agent_config(doc: Document, path: Path_ = ()) -> ParsedAgentConfig:
    """Load ``ecs.config`` lines: the file's text (``content: |``) or an inline mapping of keys.

    Raises:
        SourceErrors: every unknown key, malformed line or bad value, positioned at its line.
    """
    data = doc.get(path) if path else doc.data
    errors: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    entries: list[tuple[str, str, int, int]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            line, col = doc.where((*path, key), key=True)
            text = "true" if value is True else "false" if value is False else str(value)
            entries.append((str(key), text, line, col))
    else:
        for n, raw in enumerate(doc.text.splitlines(), start=1):
            line_text = raw.strip()
            if not line_text or line_text.startswith("#"):
                continue
            line, col = n + doc.line_offset, len(raw) - len(raw.lstrip()) + 1 + doc.col_offset
            key, eq, value = line_text.partition("=")
            if not eq:
                errors.append(Diagnostic(doc.file, line, col, f"expected KEY=value, got '{line_text}'"))
                continue
            entries.append((key.strip(), value.strip(), line, col))
    values = []
    for key, value, line, col in entries:
        kind = AGENT_KEYS.get(key)
        if kind is None:
            guess = did_you_mean(key, AGENT_KEYS)
            hint = f"; did you mean '{guess}'?" if guess else ""
            errors.append(Diagnostic(doc.file, line, col, f"unknown ECS agent setting '{key}'{hint}"))
            continue
        problem = _value_problem(kind, value)
        if problem is not None:
            errors.append(Diagnostic(doc.file, line, col, f"{key}: {problem}, got '{value}'"))
            continue
        if key not in SIMULATED_AGENT_KEYS:
            notes.append(Diagnostic(doc.file, line, col, f"'{key}' is accepted but not simulated", "note"))
        values.append((key, value))
    if errors:
        raise SourceErrors(errors)
    return ParsedAgentConfig(AgentConfig(tuple(values)), notes)


def _value_problem(kind: str, value: str) -> str | None:
    if kind == "bool" and value not in ("true", "false"):
        return "expected true or false"
    if kind == "int" and not value.isdigit():
        return "expected a whole number"
    if kind == "duration" and not _DURATION.fullmatch(value):
        return "expected a duration such as 30s, 2m or 1h30m"
    return None
