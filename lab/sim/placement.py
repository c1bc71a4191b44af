"""Provides task placement: a pure function from (fleet snapshot, task needs) to a decision.

The order follows ECS (docs/ecs-facts.md §1.1): only ACTIVE instances with a
connected agent are candidates; each is filtered on resources (CPU, memory, ports, ENIs),
then on placement constraints (memberOf, distinctInstance); the survivors are ranked by the
placement strategies in order, each acting within the result of the previous one (a
lexicographic order, §1.2 — the exact ECS tie-break is UNCONFIRMED), and remaining ties are
broken with the world's seeded random generator.

Every rejected instance carries the first check it failed, so "why not placed?" can show it,
and a failed placement names the closest matching instance with ECS's wording.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from lab.config.placement import placement_constraint_errors, placement_strategy_errors
from lab.sim.fleet import ACTIVE, MAX_RESERVED_PORTS, STATUS_NAMES, Fleet
from lab.sim.free_index import POSITION_BITS

POSITION_MASK = (1 << POSITION_BITS) - 1

if TYPE_CHECKING:
    # The memberOf query language is imported by the first constraint that uses it.
    from lab.sim.query import Expression

__all__ = [
    "CODE_TEXT",
    "Constraint",
    "InstanceVerdict",
    "PlacementDecision",
    "PlacementError",
    "Strategy",
    "TaskNeeds",
    "explain",
    "place",
    "validate_constraints",
    "validate_strategies",
]

# Reason codes, in the order the checks run: an instance's code is the first check it
# failed, so a higher code means it came closer to matching.
# ECS filters on "CPU, memory, ports, container instance attributes" (§1.1), then
# on constraints; the ENI is a resource like the others.
OK, NOT_ACTIVE, AGENT, CPU, MEMORY, PORTS, ENI, ATTRIBUTE, MEMBER_OF, DISTINCT = range(10)

CODE_REASON = {
    NOT_ACTIVE: "NOT_ACTIVE",
    AGENT: "AGENT",
    ATTRIBUTE: "ATTRIBUTE",
    CPU: "RESOURCE:CPU",
    MEMORY: "RESOURCE:MEMORY",
    PORTS: "RESOURCE:PORTS",
    ENI: "RESOURCE:ENI",
    MEMBER_OF: "MemberOf placement constraint unsatisfied",
    DISTINCT: "DistinctInstance placement constraint unsatisfied",
}
"""API ``failures[].reason`` per code (§3.6: the memberOf text is AWS's; the distinctInstance
one is worded like it, UNCONFIRMED).
NOT_ACTIVE is the lab's own label for an instance that is not a candidate at all (DRAINING,
INACTIVE...); ECS does not report those."""

CODE_TEXT = {
    AGENT: "doesn't have the agent connected.",
    ATTRIBUTE: "is missing an attribute required by your task.",
    CPU: "has insufficient CPU units available.",
    MEMORY: "has insufficient memory available.",
    PORTS: "is already using a port required by your task.",
    ENI: 'encountered error "RESOURCE:ENI".',
    MEMBER_OF: 'encountered error "MemberOf placement constraint unsatisfied."',
    # No captured real text for distinctInstance; worded like the memberOf one (UNCONFIRMED).
    DISTINCT: 'encountered error "DistinctInstance placement constraint unsatisfied."',
}
"""The service-event wording after "The closest matching (container-instance <id>)"; §4.6."""

NO_INSTANCES_TEXT = "No Container Instances were found in your cluster."



class PlacementError(ValueError):
    """A placement strategy or constraint that ECS would refuse (InvalidParameterException)."""


class Strategy(NamedTuple):
    """One ``placementStrategy`` item."""

    type: str
    """``binpack``, ``spread`` or ``random``."""
    field: str | None = None
    """``cpu``/``memory`` for binpack; ``instanceId``, ``host`` or ``attribute:<name>`` for spread."""


class Constraint(NamedTuple):
    """One ``placementConstraints`` item."""

    type: str
    """``memberOf`` or ``distinctInstance``."""
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class TaskNeeds:
    """What one task asks of an instance (§2.1: what placement reserves)."""

    cpu: int
    memory_mib: int
    group: str
    ports: tuple[tuple[str, int], ...] = ()
    """Static host ports as (protocol, port)."""
    dynamic_ports: int = 0
    """Host ports to take from the ephemeral range (bridge mode, hostPort 0)."""
    eni: bool = False
    """awsvpc on EC2: the task needs its own ENI."""


class PlacementDecision:
    """The outcome of placing one task."""

    __slots__ = ("_candidates", "_checks", "_reasons", "_source", "closest", "index")

    def __init__(
        self,
        index: int | None,
        reasons: np.ndarray | None,
        candidates: int,
        closest: int | None,
        checks: tuple[tuple[np.ndarray, int], ...] = (),
        source: tuple[Fleet, TaskNeeds] | None = None,
    ) -> None:
        self.index = index
        """Position of the chosen instance in the fleet, or None when nothing fits."""
        self._candidates = candidates
        self.closest = closest
        """When nothing fits: the instance that came closest (None when there are no instances)."""
        self._reasons = reasons
        # A placed task rarely needs its reasons: ``place`` keeps the failed-check masks
        # (new arrays, not views of the fleet) and the reasons are built on first read.
        self._checks = checks
        # A decision found in a sorted index checked no other instance: its reasons are
        # those of the fleet and needs when first read.
        self._source = source

    @property
    def reasons(self) -> np.ndarray:
        """Per instance: 0 when eligible, else the code of the first failed check.

        For a decision ``place`` found in a sorted index, they are worked out on first read
        from the fleet as it is then: read them before the fleet changes.
        """
        if self._reasons is None:
            if self._source is not None:
                fleet, needs = self._source
                self._checks = tuple(_checks(fleet, needs, ()))
            self._reasons = _first_failed(self._checks, len(self._checks[0][0]))
        return self._reasons

    @property
    def candidates(self) -> int:
        """How many instances passed every check (see ``reasons`` for an indexed decision)."""
        if self._candidates < 0:
            self._candidates = int((self.reasons == OK).sum())
        return self._candidates

    @property
    def placed(self) -> bool:
        """True when an instance was chosen."""
        return self.index is not None

    @property
    def failure_reason(self) -> str | None:
        """The API failure reason (``RESOURCE:PORTS``...), or None when placed."""
        if self.index is not None:
            return None
        if self.closest is None:
            return "NoInstances"
        return CODE_REASON[int(self.reasons[self.closest])]

    @property
    def failure_detail(self) -> str | None:
        """The service-event wording for the failure, or None when placed."""
        if self.index is not None:
            return None
        if self.closest is None:
            return NO_INSTANCES_TEXT
        return CODE_TEXT[int(self.reasons[self.closest])]

    def rejection(self, i: int) -> str | None:
        """Return why instance ``i`` was rejected (``RESOURCE:CPU``...), or None if it was eligible."""
        code = int(self.reasons[i])
        return None if code == OK else CODE_REASON[code]


@dataclass(frozen=True, slots=True)
class InstanceVerdict:
    """One row of "why not placed?": an instance, its first failed check, or its rank."""

    index: int
    container_instance_id: str
    ec2_instance_id: str
    availability_zone: str
    status: str
    reason: str | None
    """API reason of the first failed check; None when the instance passed every check."""
    detail: str | None
    """A sentence for the learner about that check."""
    rank: int | None
    """1 = the strategies' first choice among eligible instances; None when rejected."""
    strategy_keys: tuple[int, ...]
    """The value each strategy ranked on (task count of the spread value, free units...)."""


class _Facts:
    """One fleet row seen through the query language's ``InstanceFacts`` protocol."""

    __slots__ = ("fleet", "i")

    def __init__(self, fleet: Fleet, i: int) -> None:
        self.fleet = fleet
        self.i = i

    @property
    def attributes(self) -> dict[str, str]:
        return self.fleet.attributes[self.i]

    @property
    def agent_connected(self) -> bool:
        return bool(self.fleet.connected[self.i])

    @property
    def agent_version(self) -> str:
        return self.fleet.agent_versions[self.i]

    @property
    def ec2_instance_id(self) -> str:
        return self.fleet.ec2_ids[self.i]

    @property
    def registered_at(self) -> str:
        return self.fleet.registered_at[self.i]

    @property
    def running_tasks_count(self) -> int:
        return int(self.fleet.running_count[self.i])

    @property
    def task_groups(self) -> list[str]:
        return self.fleet.task_groups(self.i)


def _member_of_mask(fleet: Fleet, expression: Expression) -> np.ndarray:
    """Evaluate a memberOf expression on every instance (cached while attributes are unchanged)."""
    if expression.is_static:
        cached = fleet.member_masks.get(expression.source)
        if cached is not None and cached[0] == fleet.version:
            return cached[1]
        mask = np.fromiter((expression.matches(_Facts(fleet, i)) for i in range(fleet.n)), np.bool_, fleet.n)
        fleet.member_masks[expression.source] = (fleet.version, mask)
        return mask
    return np.fromiter((expression.matches(_Facts(fleet, i)) for i in range(fleet.n)), np.bool_, fleet.n)


def validate_strategies(strategies: tuple[Strategy, ...]) -> None:
    """Refuse strategies ECS refuses, with the rules and texts a service's are held to (``lab.config.placement``).

    Raises:
        PlacementError: more than five rules, an unknown type or a field that does not fit it.
    """
    errors = placement_strategy_errors([(s.type, s.field) for s in strategies])
    if errors:
        raise PlacementError(errors[0].message)


def validate_constraints(constraints: tuple[Constraint, ...]) -> dict[str, Expression]:
    """Parse memberOf expressions and refuse what ECS refuses.

    Returns:
        The parsed expression of each memberOf constraint, by source text.

    Raises:
        PlacementError: too many constraints, an unknown type, or an expression that does not parse.
    """
    errors = placement_constraint_errors([(c.type, c.expression) for c in constraints])
    if errors:
        raise PlacementError(errors[0].message)
    parsed: dict[str, Expression] = {}
    for c in constraints:
        if c.type == "memberOf" and c.expression:
            from lab.sim.query import QueryError, parse

            try:
                parsed[c.expression] = parse(c.expression)
            except QueryError as exc:
                raise PlacementError(f"Invalid memberOf expression '{c.expression}': {exc}") from None
    return parsed


def _reasons(fleet: Fleet, needs: TaskNeeds, constraints: tuple[Constraint, ...]) -> np.ndarray:
    """Per instance, the code of the first check it fails (0 when it passes them all)."""
    return _first_failed(_checks(fleet, needs, constraints), fleet.n)


def _checks(fleet: Fleet, needs: TaskNeeds, constraints: tuple[Constraint, ...]) -> list[tuple[np.ndarray, int]]:
    """The checks in the order they run, each as (per-instance failed mask, reason code).

    The memory check is always there. Every mask is a new array (never a view of the fleet's
    columns), so a decision can keep them after the fleet changes.
    """
    n = fleet.n
    checks: list[tuple[np.ndarray, int]] = []
    if fleet.unavailable:
        checks.append((fleet.status[:n] != ACTIVE, NOT_ACTIVE))
        checks.append((~fleet.connected[:n], AGENT))
    if needs.cpu:
        checks.append((fleet.cpu_free[:n] < needs.cpu, CPU))
    checks.append((fleet.mem_free[:n] < needs.memory_mib, MEMORY))
    if needs.dynamic_ports and not needs.ports:
        checks.append((fleet.dyn_ports_free[:n] < needs.dynamic_ports, PORTS))
    elif needs.ports or needs.dynamic_ports:
        busy = np.zeros(n, np.bool_)
        for key in needs.ports:
            col = fleet.port_used.get(key)
            if col is not None:
                busy |= col[:n]
        if needs.ports:
            busy |= fleet.static_ports_count[:n] + len(needs.ports) > MAX_RESERVED_PORTS
        if needs.dynamic_ports:
            busy |= fleet.dyn_ports_free[:n] < needs.dynamic_ports
        checks.append((busy, PORTS))
    if needs.eni:
        checks.append((fleet.eni_free[:n] < 1, ENI))
        checks.append((~fleet.eni_capable[:n], ATTRIBUTE))
    if not constraints:
        return checks
    # memberOf before distinctInstance whatever order they are listed in, so the reason
    # codes keep meaning "how far the instance got".
    for c in constraints:
        if c.type == "memberOf" and c.expression:
            from lab.sim.query import parse

            checks.append((~_member_of_mask(fleet, parse(c.expression)), MEMBER_OF))
    if any(c.type == "distinctInstance" for c in constraints):
        col = fleet.group_counts.get(needs.group)
        if col is not None:
            checks.append((col[:n] > 0, DISTINCT))
    return checks


def _first_failed(checks: Sequence[tuple[np.ndarray, int]], n: int) -> np.ndarray:
    """Per instance, the code of the first check whose mask is set (0 when none is)."""
    reasons = np.zeros(n, np.int8)
    # Assign from the last check to the first, so the first failed check is what remains.
    for failed, code in reversed(checks):
        reasons[failed] = code
    return reasons


def _strategy_key(fleet: Fleet, needs: TaskNeeds, strategy: Strategy, cand: np.ndarray, rng: random.Random) -> np.ndarray:
    """Per-candidate key for one strategy: lower is better."""
    if strategy.type == "binpack":
        free = fleet.cpu_free if strategy.field == "cpu" else fleet.mem_free
        return free[cand]
    if strategy.type == "spread":
        group_col = fleet.group_counts.get(needs.group)
        if group_col is None:
            return np.zeros(len(cand), np.int64)
        if strategy.field in ("instanceId", "host"):
            return group_col[cand]
        # Every live task of the group counts, DRAINING instances' included: they still
        # run until their replacements are up.
        counts, shifted = fleet.value_counts_shifted(needs.group, (strategy.field or "").removeprefix("attribute:"))
        return counts[shifted[cand]]
    # random: a seeded permutation ranks the candidates
    order = list(range(len(cand)))
    rng.shuffle(order)
    return np.asarray(order, np.int64)


def place(
    fleet: Fleet,
    needs: TaskNeeds,
    *,
    strategies: tuple[Strategy, ...] = (Strategy("random"),),
    constraints: tuple[Constraint, ...] = (),
    rng: random.Random,
) -> PlacementDecision:
    """Choose an instance for one task without changing the fleet.

    Args:
        fleet: the container instances (read only).
        needs: the task's resources, ports, ENI and group.
        strategies: placement strategies in order; RunTask's default is random (§1.2).
        constraints: memberOf / distinctInstance constraints, already validated.
        rng: the world's seeded generator (ties and the random strategy use it).

    Returns:
        The decision, with the reason for every rejected instance.
    """
    if not constraints and not (needs.ports or needs.dynamic_ports or needs.eni):
        choice = _place_indexed(fleet, needs, strategies, rng)
        if choice is not None:
            return PlacementDecision(choice, None, -1, None, source=(fleet, needs))
    return _place_scan(fleet, needs, strategies, constraints, rng)


def _place_scan(
    fleet: Fleet, needs: TaskNeeds, strategies: tuple[Strategy, ...], constraints: tuple[Constraint, ...], rng: random.Random
) -> PlacementDecision:
    """``place`` by checking and ranking every instance (numpy columns): any request."""
    checks = _checks(fleet, needs, constraints)
    # Candidates from the failed-check masks alone: the reason array (which check failed
    # first) is only needed when nothing fits, or when someone reads it later.
    bad = checks[0][0]
    for failed, _ in checks[1:]:
        bad = bad | failed
    cand = (~bad).nonzero()[0]
    if len(cand):
        return _rank(fleet, needs, strategies, cand, rng, tuple(checks))
    reasons = _first_failed(checks, fleet.n)
    closest = None
    if (reasons > NOT_ACTIVE).any():
        # The instance that passed the most checks; the first registered wins a tie.
        closest = int(np.argmax(np.where(reasons > NOT_ACTIVE, reasons, -1)))
    return PlacementDecision(None, reasons, 0, closest)


SCAN_LIMIT = 64
"""Index entries ``_place_indexed`` looks at before it leaves the decision to the full scan (when
most instances with room for one resource lack the other, a scan over all is cheaper)."""


def _index_plan(strategies: tuple[Strategy, ...]) -> tuple[str | None, str] | None:
    """(spread attribute or None, binpack resource) when the strategies are ``[binpack]`` or
    ``[spread(attribute), binpack]``: the shapes a sorted index answers; else None."""
    if len(strategies) == 1 and strategies[0].type == "binpack":
        return None, "cpu" if strategies[0].field == "cpu" else "memory"
    if (
        len(strategies) == 2
        and strategies[1].type == "binpack"
        and strategies[0].type == "spread"
        and (strategies[0].field or "").startswith("attribute:")
    ):
        return (strategies[0].field or "").removeprefix("attribute:"), "cpu" if strategies[1].field == "cpu" else "memory"
    return None


def _place_indexed(fleet: Fleet, needs: TaskNeeds, strategies: tuple[Strategy, ...], rng: random.Random) -> int | None:
    """The instance ``_place_scan`` would choose, found in a sorted index; None to leave it to the scan.

    Applies to CPU and memory needs without constraints, under ``_index_plan``'s strategies.
    The scan's order is the pair (tasks of the group on the instance's attribute value, free
    units) lowest first, ties drawn by position: here the attribute values are visited by
    count, and in each value's bucket the first entries with room are the lowest free units.
    The generator is drawn from exactly as the scan does (once, and only among several ties),
    and not at all when None is returned.
    """
    plan = _index_plan(strategies)
    if plan is None:
        return None
    name, resource = plan
    index = fleet.free_index(name, resource)
    buckets = index.buckets
    order: Sequence[int]
    if name is None or fleet.group_counts.get(needs.group) is None:
        counts = [0] * len(buckets)
        order = range(len(buckets))
    else:
        counts = fleet.value_counts_shifted(needs.group, name)[0].tolist()
        order = sorted(range(len(buckets)), key=counts.__getitem__)
    # The checks besides the bisected resource: the other resource (CPU only when asked for,
    # as the scan), and ACTIVE with the agent connected while any instance is not.
    low: int | None
    other_need: int | None
    if resource == "cpu":
        low, other_need = (needs.cpu or None), needs.memory_mib
    else:
        low, other_need = needs.memory_mib, (needs.cpu or None)
    other = index.other
    # Both arrays, or neither: the availability check only runs while some instance is unavailable.
    status, connected = fleet.status, fleet.connected
    check_status = bool(fleet.unavailable)
    budget = SCAN_LIMIT
    level: int | None = None
    best = -1
    ties: list[int] = []
    for code in order:
        if counts[code] != level:
            if ties:
                break  # the least loaded value with room was the last level
            level = counts[code]
        bucket = buckets[code]
        for j in range(0 if low is None else bisect_left(bucket, low << POSITION_BITS), len(bucket)):
            entry = bucket[j]
            free = entry >> POSITION_BITS
            if ties and free > best:
                break
            budget -= 1
            if budget < 0:
                return None
            i = entry & POSITION_MASK
            if (other_need is not None and other[i] < other_need) or (
                check_status and (status[i] != ACTIVE or not connected[i])
            ):
                continue
            if not ties or free < best:
                best, ties = free, [i]
            else:
                ties.append(i)
    if not ties:
        return None
    if len(ties) == 1:
        return ties[0]
    ties.sort()
    return ties[rng.randrange(len(ties))]


_KEY_SHIFT = np.int64(1 << 32)
"""Two numeric strategy keys ranked as one: ``first * 2**32 + second``. Both keys are counts of
tasks or free CPU units / MiB of one instance, non-negative and far below 2**31 (the largest
instance has 25,165,824 MiB), so the pair's order is the one number's order."""


def _rank(
    fleet: Fleet,
    needs: TaskNeeds,
    strategies: tuple[Strategy, ...],
    cand: np.ndarray,
    rng: random.Random,
    checks: tuple[tuple[np.ndarray, int], ...],
) -> PlacementDecision:
    """Choose among the candidates (at least one) with the strategies, in order."""
    total = len(cand)
    i, count = 0, len(strategies)
    while i < count and len(cand) > 1:
        strategy = strategies[i]
        if strategy.type == "random":
            cand = cand[[rng.randrange(len(cand))]]
            break
        keys = _strategy_key(fleet, needs, strategy, cand, rng)
        i += 1
        if i < count and strategies[i].type != "random":
            # Spread then binpack (and the like) in one pass: the tasks left after the first
            # key's minimum and then the second's are those with the pair's minimum; neither
            # key draws from the generator, so the draws are the same as one key at a time.
            keys = keys * _KEY_SHIFT + _strategy_key(fleet, needs, strategies[i], cand, rng)
            i += 1
        # ``keys[keys.argmin()]``: the minimum without the ufunc reduction's set-up, a third
        # of its cost on a few hundred instances.
        cand = cand[keys == keys[keys.argmin()]]
    choice = int(cand[0]) if len(cand) == 1 else int(cand[rng.randrange(len(cand))])
    return PlacementDecision(choice, None, total, None, checks)


def explain(
    fleet: Fleet,
    needs: TaskNeeds,
    *,
    strategies: tuple[Strategy, ...] = (Strategy("random"),),
    constraints: tuple[Constraint, ...] = (),
    rng: random.Random | None = None,
) -> list[InstanceVerdict]:
    """Return "why not placed?" for every instance: its first failed check, or its rank.

    Ranking sorts the eligible instances lexicographically on the strategy keys (the first
    strategy decides, later ones break its ties). ``rng`` only orders random strategies; a
    private generator is used when it is None so the world's sequence is not disturbed.
    """
    rng = rng or random.Random(0)
    reasons = _reasons(fleet, needs, constraints)
    cand = np.flatnonzero(reasons == OK)
    keys = [_strategy_key(fleet, needs, s, cand, rng) for s in strategies]
    ranks: dict[int, tuple[int, tuple[int, ...]]] = {}
    if len(cand):
        # np.lexsort sorts by its last key first: the first strategy goes last, and the
        # instance position breaks what every strategy leaves tied.
        order = np.lexsort([cand, *reversed(keys)])
        for rank, pos in enumerate(order, start=1):
            ranks[int(cand[pos])] = (rank, tuple(int(k[pos]) for k in keys))
    verdicts = []
    for i in range(fleet.n):
        code = int(reasons[i])
        verdict_rank, skeys = ranks.get(i, (None, ()))
        detail: str | None
        if code == NOT_ACTIVE:
            detail = f"is {STATUS_NAMES[int(fleet.status[i])]}: it receives no new tasks."
        else:
            detail = CODE_TEXT.get(code)
        verdicts.append(
            InstanceVerdict(
                index=i,
                container_instance_id=fleet.ids[i],
                ec2_instance_id=fleet.ec2_ids[i],
                availability_zone=fleet.az_names[int(fleet.az[i])],
                status=STATUS_NAMES[int(fleet.status[i])],
                reason=None if code == OK else CODE_REASON[code],
                detail=detail,
                rank=verdict_rank,
                strategy_keys=skeys,
            )
        )
    return verdicts
