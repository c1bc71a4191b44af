"""Provides the EC2 instance-type catalogue: sizes, ENI limits, trunking, prices, registered resources."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from lab.config.shapes import did_you_mean

__all__ = [
    "InstanceType",
    "UnknownInstanceType",
    "all_instance_types",
    "instance_type",
    "registered_cpu_units",
    "registered_memory_mib",
]

INSTANCE_TYPES_FILE = Path(__file__).parent / "data" / "instance_types.json"
"""The committed catalogue."""

CPU_UNITS_PER_VCPU = 1024
"""ECS CPU units per vCPU; see docs/ecs-facts.md §2.1."""

KERNEL_FIXED_MIB = 2
"""Fixed part of the memory the OS keeps from MemTotal (fitted, see ``registered_memory_mib``)."""

KERNEL_SHARE_PER_10K = 182
"""Proportional part of the memory the OS keeps, in parts per 10,000 (1.82%; fitted)."""


@dataclass(frozen=True)
class InstanceType:
    """One EC2 instance type as the simulator sees it."""

    name: str
    """The API name, e.g. ``t3.medium``."""
    family: str
    """The family, e.g. ``t3``."""
    vcpus: int
    """Number of vCPUs."""
    memory_mib: int
    """Nominal memory in MiB (the EC2 specification, e.g. 4096 for t3.medium)."""
    max_enis: int
    """Most network interfaces EC2 attaches, the primary one included."""
    trunk_tasks: int | None
    """awsvpc tasks per instance with ENI trunking; None when trunking is unsupported."""
    price_usd_hour: float
    """On-demand Linux price per hour in us-east-1 (approximate)."""
    architecture: str
    """``x86_64`` or ``arm64`` (the ``ecs.cpu-architecture`` attribute)."""
    notes: str = ""
    """Caveats about this entry (previous generation, UNCONFIRMED values)."""

    @property
    def registered_cpu_units(self) -> int:
        """CPU units the ECS agent registers: vCPUs × 1024 (§2.1)."""
        return self.vcpus * CPU_UNITS_PER_VCPU

    @property
    def awsvpc_tasks(self) -> int:
        """awsvpc tasks per instance without trunking: max ENIs − 1 for the primary (§2.4)."""
        return self.max_enis - 1


class UnknownInstanceType(KeyError):
    """An instance type the catalogue does not know; the message suggests the closest name."""

    def __init__(self, name: str, known: list[str]) -> None:
        guess = did_you_mean(name, known)
        hint = f"; did you mean '{guess}'?" if guess else f"; known types: {', '.join(known)}"
        self.name = name
        self.message = f"unknown instance type '{name}'{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@functools.cache
def _catalogue() -> dict[str, InstanceType]:
    raw = json.loads(INSTANCE_TYPES_FILE.read_text(encoding="utf-8"))["types"]
    return {name: InstanceType(name=name, **fields) for name, fields in sorted(raw.items())}


def instance_type(name: str) -> InstanceType:
    """Return the catalogue entry for ``name``.

    Raises:
        UnknownInstanceType: the name is not in the catalogue (a ``KeyError``/``LookupError``).
    """
    catalogue = _catalogue()
    try:
        return catalogue[name]
    except KeyError:
        raise UnknownInstanceType(name, list(catalogue)) from None


def all_instance_types() -> tuple[InstanceType, ...]:
    """Return every catalogue entry, sorted by name."""
    return tuple(_catalogue().values())


def registered_cpu_units(kind: InstanceType | str) -> int:
    """Return the CPU units the ECS agent registers for an instance type (vCPUs × 1024, §2.1)."""
    entry = instance_type(kind) if isinstance(kind, str) else kind
    return entry.registered_cpu_units


def registered_memory_mib(kind: InstanceType | str, reserved_mib: int = 0) -> int:
    """Return the memory (MiB) the ECS agent registers for an instance type.

    The agent registers the OS's MemTotal minus ``ECS_RESERVED_MEMORY`` (§2.1).
    MemTotal is the nominal size minus what the kernel keeps for itself (page tables, the
    ``struct page`` array, crash kernel and firmware areas), which grows with the memory size.
    The lab models it as::

        registered = nominal - (2 + ceil(nominal × 1.82%)) - reserved_mib

    fitted to the published examples: c4.large 3840 → 3768 and c4.4xlarge 30720 → 30158
    (both exact) and m4.large 8192 → about 7985 (the model gives 8040, 0.7% high).

    Args:
        kind: the instance type or its name.
        reserved_mib: the agent's ``ECS_RESERVED_MEMORY`` (default 0).

    Raises:
        UnknownInstanceType: ``kind`` is a name the catalogue does not know.
    """
    entry = instance_type(kind) if isinstance(kind, str) else kind
    nominal = entry.memory_mib
    kernel_mib = KERNEL_FIXED_MIB + -(-nominal * KERNEL_SHARE_PER_10K // 10_000)
    return nominal - kernel_mib - reserved_mib
