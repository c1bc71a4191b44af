"""The simulator: an ECS cluster as a one-way stack of SimPy subsystems (see docs/architecture.md).

The public surface, what shells, grading and scenario code may use:

- ``World`` (``lab.sim.world``): build a world, call its ECS-shaped API, ``run(until=...)``;
- the read-only views it returns (``WorldSnapshot``, ``InstanceView``, ``TaskView``,
  ``MetricsView``, ``ServiceCounts``, ``TargetGroupCounts``) and ``IamRole``;
- the typed events of ``lab.sim.events`` and ``lab.sim.scaling_events``, the only record of
  what happened;
- ``lab.sim.spec`` (the world a document describes), ``lab.sim.iam`` (policy evaluation, for
  checks on policies), ``lab.sim.registry.BASE_IMAGES`` (the base-image catalogue) and
  ``lab.sim.build`` (the simulated image build: a Dockerfile and a context become layers);
- ``lab.sim.series`` (a run's views and events as time series and markers, for charts).

Everything else is the simulator's inside; ``tests/test_architecture.py`` keeps code outside
``lab/sim`` to these modules. Names are imported on first use, so ``import lab.sim.events``
does not build the whole simulator.
"""

from __future__ import annotations

import importlib
from typing import Any

PUBLIC_MODULES = ("lab.sim.world", "lab.sim.events", "lab.sim.scaling_events", "lab.sim.spec", "lab.sim.iam", "lab.sim.registry", "lab.sim.build", "lab.sim.series")
"""The modules code outside the simulator may import."""

_NAMES = {
    "World": "lab.sim.world",
    "IamRole": "lab.sim.world",
    "WorldSnapshot": "lab.sim.world",
    "InstanceView": "lab.sim.world",
    "TaskView": "lab.sim.world",
    "MetricsView": "lab.sim.world",
    "ServiceCounts": "lab.sim.world",
    "TargetGroupCounts": "lab.sim.world",
    "RunTaskResult": "lab.sim.world",
    "EventLog": "lab.sim.events",
    "WorldSpec": "lab.sim.spec",
}

__all__ = ["PUBLIC_MODULES", *_NAMES]


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'lab.sim' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)
