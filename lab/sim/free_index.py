"""Provides the fleet's instances kept in order of one free resource, per value of an attribute.

Placement's general path ranks every instance with numpy on each decision. For the commonest
ranked strategies — ``binpack`` alone, or ``spread`` over an attribute then ``binpack`` — the
best instance is the one with the least free CPU (or memory) that still fits, in the least
loaded attribute value: an index kept sorted as tasks come and go finds it by bisection and
a short scan, without looking at the rest of the fleet. ``lab.sim.placement`` decides when it
applies; this module only keeps the order.
"""

from __future__ import annotations

from bisect import bisect_left, insort

__all__ = ["POSITION_BITS", "FreeIndex"]

POSITION_BITS = 24
"""An entry is ``free << POSITION_BITS | position``: one int orders by free units, then by
position (fleets stay far below 2**24 instances; a negative ``free`` orders and decodes
the same way, the shift being arithmetic)."""


class FreeIndex:
    """Per attribute value (by its code plus one, 0: attribute missing), the instances by free units.

    ``free`` is the instance's free CPU units or MiB of memory. An index is built for one
    (attribute, resource) pair when placement first asks for it and then kept up to date by
    the fleet: ``moved`` when a task reserves or releases the resource, ``extend`` for
    instances registered since; a change of attributes makes the fleet drop it.
    """

    __slots__ = ("buckets", "codes", "free", "other", "resource")

    def __init__(self, resource: str) -> None:
        self.resource = resource
        """``cpu`` or ``memory``: which free column orders the buckets."""
        self.buckets: list[list[int]] = []
        """Shifted attribute code → that value's instances as ``free << POSITION_BITS | position``, ascending."""
        self.codes: list[int] = []
        """Position → its shifted attribute code (its bucket); positions 0 .. len - 1 are indexed."""
        self.free: list[int] = []
        """Position → its free units, as the index has it."""
        self.other: list[int] = []
        """Position → its free units of the other resource (memory for a CPU index), the check
        placement makes on each entry it looks at."""

    def extend(self, shifted: list[int], free: list[int], other: list[int]) -> None:
        """Add the instances not indexed yet; the lists cover the whole fleet."""
        buckets = self.buckets
        for i in range(len(self.codes), len(shifted)):
            code = shifted[i]
            while len(buckets) <= code:
                buckets.append([])
            insort(buckets[code], free[i] << POSITION_BITS | i)
        self.codes.extend(shifted[len(self.codes) :])
        self.free.extend(free[len(self.free) :])
        self.other.extend(other[len(self.other) :])

    def moved(self, i: int, delta: int, other_delta: int) -> None:
        """Instance ``i``'s free units change by ``delta`` (the other resource's by ``other_delta``)."""
        if i >= len(self.codes):
            return
        self.other[i] += other_delta
        if not delta:
            return
        old = self.free[i]
        self.free[i] = new = old + delta
        bucket = self.buckets[self.codes[i]]
        del bucket[bisect_left(bucket, old << POSITION_BITS | i)]
        insort(bucket, new << POSITION_BITS | i)
