"""Provides the valid Fargate task sizes (Linux) and Fargate on-demand and Spot prices."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "FARGATE_CPU_UNITS",
    "FARGATE_GB_HOUR_USD",
    "FARGATE_PROVIDERS",
    "FARGATE_SPOT_DISCOUNT",
    "FARGATE_VCPU_HOUR_USD",
    "fargate_hourly_price_usd",
    "fargate_memory_options",
    "is_valid_fargate_size",
    "mixes_fargate_and_groups",
    "valid_fargate_sizes",
]

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
"""The capacity providers every account has (§9.3)."""


def mixes_fargate_and_groups(providers: Iterable[str]) -> bool:
    """Whether a capacity provider strategy names Fargate and Auto Scaling group providers together (refused, §7.2)."""
    fargate = [name in FARGATE_PROVIDERS for name in providers]
    return any(fargate) and not all(fargate)


_GIB = 1024
"""MiB per GB, as the Fargate table counts it (1 GB = 1024 MiB)."""

# Valid Linux task sizes; see docs/ecs-facts.md §9.1 (DG/AWS_Fargate.md,
# DG/task-cpu-memory-error.md). 8 and 16 vCPU need Linux platform version 1.4.0.
_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1 * _GIB, 2 * _GIB),
    512: tuple(range(1 * _GIB, 4 * _GIB + 1, 1 * _GIB)),
    1024: tuple(range(2 * _GIB, 8 * _GIB + 1, 1 * _GIB)),
    2048: tuple(range(4 * _GIB, 16 * _GIB + 1, 1 * _GIB)),
    4096: tuple(range(8 * _GIB, 30 * _GIB + 1, 1 * _GIB)),
    8192: tuple(range(16 * _GIB, 60 * _GIB + 1, 4 * _GIB)),
    16384: tuple(range(32 * _GIB, 120 * _GIB + 1, 8 * _GIB)),
}

FARGATE_CPU_UNITS: tuple[int, ...] = tuple(sorted(_MEMORY_BY_CPU))
"""The task-level ``cpu`` values Fargate accepts, in CPU units (1 vCPU = 1024)."""

FARGATE_VCPU_HOUR_USD = 0.04048
"""On-demand price per vCPU-hour, us-east-1, Linux/x86_64."""

FARGATE_GB_HOUR_USD = 0.004445
"""On-demand price per GB-hour of memory, us-east-1, Linux/x86_64."""

FARGATE_SPOT_DISCOUNT = 0.70
"""Fraction taken off the on-demand price on Fargate Spot. UNCONFIRMED-approximate: Spot prices
float; AWS advertises "up to 70%" off."""


def valid_fargate_sizes() -> tuple[tuple[int, int], ...]:
    """Return every valid Linux Fargate size as ``(cpu_units, memory_mib)``, smallest first."""
    return tuple((cpu, memory) for cpu in FARGATE_CPU_UNITS for memory in _MEMORY_BY_CPU[cpu])


def fargate_memory_options(cpu_units: int) -> tuple[int, ...]:
    """Return the memory sizes (MiB) Fargate allows with ``cpu_units``; empty when none."""
    return _MEMORY_BY_CPU.get(cpu_units, ())


def is_valid_fargate_size(cpu_units: int, memory_mib: int) -> bool:
    """Tell whether ``cpu_units``/``memory_mib`` is a task size Fargate runs (Linux)."""
    return memory_mib in _MEMORY_BY_CPU.get(cpu_units, ())


def fargate_hourly_price_usd(cpu_units: int, memory_mib: int, *, spot: bool = False) -> float:
    """Return the hourly price of one task of this size (us-east-1, Linux/x86_64).

    Args:
        cpu_units: task-level CPU units.
        memory_mib: task-level memory in MiB.
        spot: price on Fargate Spot (approximate, see ``FARGATE_SPOT_DISCOUNT``).
    """
    on_demand = cpu_units / 1024 * FARGATE_VCPU_HOUR_USD + memory_mib / _GIB * FARGATE_GB_HOUR_USD
    return on_demand * (1 - FARGATE_SPOT_DISCOUNT) if spot else on_demand
