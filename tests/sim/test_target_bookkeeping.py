"""A target group's live targets and healthy count are kept as targets change, not recounted (issue 17).

``TargetGroupRuntime`` keeps its live targets (listed, neither draining nor unused) by
``seq`` and its count of healthy targets where a target's state changes; after any sequence
of registrations, health rounds, deregistrations, drains and drops (a host gone), both must equal
a recount over the listed targets.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.sim.elb import Target, TargetGroupRuntime
from lab.sim.kernel import Kernel


class _Routing:
    """Every target reachable and its app up exactly when ``up`` says so."""

    def __init__(self) -> None:
        self.up: dict[int, bool] = {}

    def reachable(self, tg: TargetGroupRuntime, target: Target) -> bool:
        return True

    def responds(self, tg: TargetGroupRuntime, target: Target) -> tuple[bool, int]:
        return self.up.get(target.seq, True), 200

    def profile(self, tg: TargetGroupRuntime, target: Target) -> tuple[float, float] | None:
        return None

    def fixed_profile(self, tg: TargetGroupRuntime, target: Target) -> tuple[float, float, float] | None:
        return None

    def settings(self) -> object:
        return 0

    def lasting(self, tg: TargetGroupRuntime, target: Target) -> bool:
        return False

    def answer_until(self, tg: TargetGroupRuntime, target: Target) -> float:
        return float("inf")

    def load_changed(self, tg: TargetGroupRuntime, targets: Any = None) -> None:
        return None


def _group() -> tuple[Kernel, _Routing, TargetGroupRuntime]:
    kernel = Kernel(seed=1, cluster="prod", region="us-east-1", account="123456789012", start="2026-12-03T09:00:00Z")
    routing = _Routing()
    model = SimpleNamespace(
        name="web", health_check_interval_s=10, healthy_threshold=2, unhealthy_threshold=2,
        deregistration_delay_s=5, matches=lambda code: True,
    )
    tg = TargetGroupRuntime(kernel, routing, model, "arn", load_balancer=None, lb_azs=frozenset({"us-east-1a"}))
    tg.set_load(100.0)
    return kernel, routing, tg


_OPS = st.lists(
    st.tuples(st.sampled_from(["register", "check", "deregister", "drop", "wait"]), st.integers(0, 1000), st.booleans()),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_OPS)
def test_live_targets_and_healthy_count_equal_a_recount(ops: list[tuple[str, int, bool]]) -> None:
    kernel, routing, tg = _group()
    for op, pick, flag in ops:
        listed = list(tg.targets)
        live = [t for t in listed if t.state not in ("draining", "unused")]
        if op == "register":
            task = SimpleNamespace(id=f"task-{pick}", service=None, last="RUNNING", exited=())
            tg.register(task, f"i-{pick}", 8080, "us-east-1a")  # type: ignore[arg-type]
        elif op == "check":
            for t in live:
                routing.up[t.seq] = flag or (t.seq + pick) % 3 != 0
            tg.check_all()
        elif op == "deregister" and live:
            tg.deregister(live[pick % len(live)])
        elif op == "drop" and listed:
            tg.drop(listed[pick % len(listed)])
        elif op == "wait":
            kernel.env.run(until=kernel.now + 1 + pick % 8)
        assert list(tg._live.values()) == [t for t in tg.targets if t.state not in ("draining", "unused")]
        assert tg.healthy_count() == sum(1 for t in tg.targets if t.state == "healthy")
