"""Provides ``Kernel``: the simulated clock, the seeded random generator, the event log and ids.

The bottom of the simulator: every subsystem takes the kernel (and the few collaborators
it really uses), never the whole world. A kernel owns a ``simpy.Environment``, one seeded
``random.Random`` and an append-only ``EventLog``; nothing in it reads the wall clock, so
the same inputs and seed give the same log byte for byte. It also knows the cluster's
identity (name, Region, account), from which ARNs are made.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import simpy
from simpy.core import URGENT

from lab.errors import LabError
from lab.sim.events import EventLog
from lab.sim.timing import round_ms

__all__ = ["MAX_LOG_EVENTS", "RUN_SLICE_S", "Kernel", "SimulationBudgetExceeded"]

MAX_LOG_EVENTS = 2_000_000
"""Most events one run may log: a world past it is ended with a clear message (a learner's
desiredCount of thousands of failing tasks must not take minutes and gigabytes per seed). The
ECS quota world of ``benchmarks/bench_scale.py`` logs 128,713 events in its hour at 0.3 scale."""

RUN_SLICE_S = 3600.0
"""``run`` advances in slices this long, checking the budget between them. Events at a slice's
end run in the next slice, in the same order: the log is the same as one uninterrupted run."""


class _Urgent(simpy.Event):
    """An event scheduled now, ahead of normal ones, that calls ``then``: how a SimPy process
    starts (``simpy.events.Initialize``, whose fields this sets the same way)."""

    def __init__(self, env: simpy.Environment, then: Callable[[simpy.Event], None]) -> None:
        self.env = env
        self.callbacks = [then]
        self._value = None
        self._ok = True
        env.schedule(self, URGENT)


class SimulationBudgetExceeded(LabError):
    """A run logged more events than ``MAX_LOG_EVENTS``."""


class Kernel:
    """Clock, randomness, event log and identity of one simulated cluster."""

    __slots__ = ("_depth", "_paused", "_should_yield", "account", "cluster", "cluster_arn", "env", "log", "region", "rng", "start")

    def __init__(self, *, seed: int, cluster: str, region: str, account: str, start: str) -> None:
        """Start at simulated time 0.

        Args:
            seed: seeds the world's only random generator.
            cluster: the cluster's name.
            region: the AWS Region ARNs are made in.
            account: the account id ARNs are made in.
            start: the calendar time of simulated second 0 (ISO-8601, ``Z`` allowed).
        """
        self.env = simpy.Environment(initial_time=0.0)
        self.rng = random.Random(seed)
        self.log = EventLog()
        self.cluster = cluster
        self.region = region
        self.account = account
        self.cluster_arn = f"arn:aws:ecs:{region}:{account}:cluster/{cluster}"
        self.start = datetime.fromisoformat(start.replace("Z", "+00:00"))
        self._paused: Iterator[None] | None = None
        """A long pass paused by the shell's ``should_yield``: resumed before any other event."""
        self._should_yield: Callable[[], bool] | None = None
        self._depth = 0

    @property
    def now(self) -> float:
        """Simulated seconds since the world started."""
        return float(self.env.now)

    def run(self, until: float) -> None:
        """Advance the simulation to ``until`` seconds (no-op if already there).

        Raises:
            SimulationBudgetExceeded: the run logged more than ``MAX_LOG_EVENTS`` events.
        """
        if self._paused is not None:
            self._resume()
        env = self.env
        while until > env.now:
            env.run(until=min(until, env.now + RUN_SLICE_S))
            if len(self.log) > MAX_LOG_EVENTS:
                raise SimulationBudgetExceeded(
                    f"the simulation stopped at {env.now:.0f} s: it logged more than {MAX_LOG_EVENTS:,} events "
                    "(a runaway world: thousands of tasks failing and restarting?)"
                )

    def step(self, should_yield: Callable[[], bool] | None = None) -> None:
        """Process the next scheduled SimPy event (one tick of the simulation), or go on with a paused pass.

        ``should_yield`` comes from the shell (the core never reads a clock): a long pass
        (a scheduler pass placing thousands of tasks) asks it between units of work and,
        when it says so, pauses there; the next ``step`` or ``run`` goes on with it before
        any other event, so the log is the same as when it runs in one go.
        """
        self._should_yield = should_yield
        try:
            if self._paused is not None:
                self._resume()
            else:
                self.env.step()
        finally:
            self._should_yield = None

    def peek(self) -> float:
        """Time of the next scheduled SimPy event (``inf`` when nothing is scheduled; now while a pass is paused)."""
        if self._paused is not None:
            return float(self.env.now)
        return float(self.env.peek())

    @property
    def pausing(self) -> bool:
        """A long pass is paused halfway (the next ``step`` goes on with it)."""
        return self._paused is not None

    def drive(self, steps: Iterator[None]) -> None:
        """Run a pass that yields between units of work to its end, or pause it (see ``step``).

        Only the outermost pass pauses (a pass started inside another runs to its end), and
        at least one unit of work is done before a pause, so every ``step`` moves the run on.
        """
        self._depth += 1
        try:
            for _ in steps:
                if self._depth == 1 and self._paused is None and self._should_yield is not None and self._should_yield():
                    self._paused = steps
                    return
        finally:
            self._depth -= 1

    def _resume(self) -> None:
        steps, self._paused = self._paused, None
        assert steps is not None
        self.drive(steps)

    def at(self, delay: float, action: Callable[[], object]) -> None:
        """Call ``action`` after ``delay`` simulated seconds."""
        env = self.env
        # In the order of a SimPy process that waits ``delay`` and then calls ``action`` (what
        # this was): an urgent event now, as a process's start, schedules the timeout, so an
        # event scheduled for the same instant in between keeps its place. A process would
        # add a generator and a completion event per call; nothing waits on either.

        def call(_: simpy.Event) -> None:
            action()

        _Urgent(env, lambda _: env.timeout(delay).callbacks.append(call))

    def iso(self, t: float | None = None) -> str:
        """Calendar time of simulated second ``t`` (default: now), ISO-8601 UTC."""
        moment = self.start + timedelta(seconds=self.now if t is None else t)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def jitter(self, bounds: tuple[float, float]) -> float:
        """A duration drawn uniformly from ``bounds``, to the millisecond."""
        low, high = bounds
        # ``random.Random.uniform``'s own formula, without its Python call (a draw per pull).
        return round_ms(low + (high - low) * self.rng.random())

    def hex(self, bits: int = 128) -> str:
        """A random id of ``bits`` bits, as lower-case hex (task and instance ids)."""
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def arn(self, service: str, resource: str) -> str:
        """An ARN of this Region and account (``arn(\"ecs\", \"task/prod/abc\")``)."""
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"
