"""Provides the container-instance table that placement reads: one column array per resource.

A cluster of 5,000 instances must answer "which instances can take this task?" thousands of
times per simulated second, so the fleet is stored column-wise (numpy arrays indexed by
instance position) with the indexes placement asks for: free CPU and memory, free ENI slots,
a port-in-use mask per host port, live tasks per task group. Only the world mutates it;
placement treats it as a read-only snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from lab.sim.free_index import FreeIndex

__all__ = [
    "ACTIVE",
    "DEFAULT_RESERVED_PORTS",
    "DRAINING",
    "DYNAMIC_PORT_RANGE",
    "Fleet",
    "INACTIVE",
    "MAX_RESERVED_PORTS",
    "REGISTERING",
    "STATUS_NAMES",
]

ACTIVE, DRAINING, INACTIVE, REGISTERING, DEREGISTERING = 0, 1, 2, 3, 4
STATUS_NAMES = ("ACTIVE", "DRAINING", "INACTIVE", "REGISTERING", "DEREGISTERING")
"""Container-instance statuses by code (§5.1)."""

DEFAULT_RESERVED_PORTS = (22, 2375, 2376, 51678, 51679)
"""The agent's default reserved TCP ports; see docs/ecs-facts.md §2.3."""
DYNAMIC_PORT_RANGE = (32768, 60999)
"""The agent's default ephemeral host-port range, inclusive; §2.3."""
MAX_RESERVED_PORTS = 100
"""Most reserved host ports an instance can hold, defaults included; §2.3."""


class Fleet:
    """Column-wise table of container instances (append-only; instances never move)."""

    def __init__(self, capacity: int = 64) -> None:
        self.n = 0
        """Number of instances ever registered (positions 0..n-1)."""
        self.ids: list[str] = []
        """Container-instance ids (32 hex characters)."""
        self.arns: list[str] = []
        self.ec2_ids: list[str] = []
        self.instance_types: list[str] = []
        self.attributes: list[dict[str, str]] = []
        self.registered_at: list[str] = []
        self.agent_versions: list[str] = []
        self.reserved_ports: list[frozenset[tuple[str, int]]] = []
        """Each instance's agent-reserved ports as (protocol, port)."""
        self.az_names: list[str] = []
        self._az_codes: dict[str, int] = {}
        self._capacity = 0
        self.az = np.zeros(0, np.int32)
        self.status = np.zeros(0, np.int8)
        self.connected = np.zeros(0, np.bool_)
        self.cpu_registered = np.zeros(0, np.int64)
        self.cpu_free = np.zeros(0, np.int64)
        self.mem_registered = np.zeros(0, np.int64)
        self.mem_free = np.zeros(0, np.int64)
        self.eni_capable = np.zeros(0, np.bool_)
        self.eni_free = np.zeros(0, np.int32)
        self.dyn_ports_free = np.zeros(0, np.int32)
        self.static_ports_count = np.zeros(0, np.int32)
        self.task_count = np.zeros(0, np.int32)
        """Tasks holding resources (not yet STOPPED) per instance."""
        self.running_count = np.zeros(0, np.int32)
        """Tasks whose desiredStatus is RUNNING per instance: the API's runningTasksCount."""
        self.port_used: dict[tuple[str, int], np.ndarray] = {}
        """(protocol, host port) → bool per instance: the port is reserved or bound."""
        self.group_counts: dict[str, np.ndarray] = {}
        """Task group → live tasks of that group per instance."""
        self.version = 0
        """Bumped whenever attributes change or an instance is added (cache key)."""
        self._attr_columns: dict[str, tuple[int, np.ndarray, list[str]]] = {}
        self.member_masks: dict[str, tuple[int, np.ndarray]] = {}
        """Cache for placement: memberOf expression → (fleet version, per-instance match)."""
        self.unavailable = 0
        """Instances that are not ACTIVE or whose agent is disconnected (placement skips two
        checks while this is 0)."""
        self._value_counts: dict[str, dict[str, tuple[int, np.ndarray, np.ndarray]]] = {}
        """Spread placement's counts: task group → attribute name → (fleet version, the group's
        live tasks per value code plus one, each instance's value code plus one)."""
        self._free_indexes: dict[tuple[str | None, str], FreeIndex] = {}
        """Placement's sorted indexes: (attribute name or None, ``cpu``/``memory``) → the index."""
        self._grow(capacity)

    # -- construction -------------------------------------------------------------------

    def _grow(self, capacity: int) -> None:
        def grown(arr: np.ndarray) -> np.ndarray:
            out = np.zeros(capacity, arr.dtype)
            out[: len(arr)] = arr
            return out

        for name in (
            "az",
            "status",
            "connected",
            "cpu_registered",
            "cpu_free",
            "mem_registered",
            "mem_free",
            "eni_capable",
            "eni_free",
            "dyn_ports_free",
            "static_ports_count",
            "task_count",
            "running_count",
        ):
            setattr(self, name, grown(getattr(self, name)))
        for key, arr in self.port_used.items():
            self.port_used[key] = grown(arr)
        for group, counts in self.group_counts.items():
            self.group_counts[group] = grown(counts)
        self._capacity = capacity

    def az_code(self, name: str) -> int:
        """Return the integer code of an Availability Zone name (assigned on first use)."""
        code = self._az_codes.get(name)
        if code is None:
            code = self._az_codes[name] = len(self.az_names)
            self.az_names.append(name)
        return code

    def add(
        self,
        *,
        container_instance_id: str,
        arn: str,
        ec2_instance_id: str,
        instance_type: str,
        availability_zone: str,
        cpu: int,
        memory_mib: int,
        eni_slots: int,
        eni_capable: bool = True,
        attributes: Mapping[str, str] | None = None,
        registered_at: str = "2026-01-01T00:00:00Z",
        agent_version: str = "1.89.0",
        status: int = ACTIVE,
        connected: bool = True,
        reserved_ports: Iterable[int] = DEFAULT_RESERVED_PORTS,
        reserved_udp_ports: Iterable[int] = (),
        dynamic_ports: int = DYNAMIC_PORT_RANGE[1] - DYNAMIC_PORT_RANGE[0] + 1,
    ) -> int:
        """Register an instance and return its position.

        Args:
            eni_slots: awsvpc tasks the instance can hold (max ENIs - 1, or the trunking limit).
            attributes: every attribute, built-in (``ecs.*``) and custom.
        """
        if self.n == self._capacity:
            self._grow(max(8, self._capacity * 2))
        i = self.n
        self.n += 1
        self.ids.append(container_instance_id)
        self.arns.append(arn)
        self.ec2_ids.append(ec2_instance_id)
        self.instance_types.append(instance_type)
        self.attributes.append(dict(attributes or {}))
        self.registered_at.append(registered_at)
        self.agent_versions.append(agent_version)
        self.az[i] = self.az_code(availability_zone)
        self.status[i] = status
        self.connected[i] = connected
        if status != ACTIVE or not connected:
            self.unavailable += 1
        self.cpu_registered[i] = self.cpu_free[i] = cpu
        self.mem_registered[i] = self.mem_free[i] = memory_mib
        self.eni_capable[i] = eni_capable
        self.eni_free[i] = eni_slots
        self.dyn_ports_free[i] = dynamic_ports
        reserved = frozenset([("tcp", p) for p in reserved_ports] + [("udp", p) for p in reserved_udp_ports])
        self.reserved_ports.append(reserved)
        self.static_ports_count[i] = len(reserved)
        for key in reserved:
            self._port_column(key)[i] = True
        self.version += 1
        return i

    def _port_column(self, key: tuple[str, int]) -> np.ndarray:
        col = self.port_used.get(key)
        if col is None:
            col = np.zeros(self._capacity, np.bool_)
            self.port_used[key] = col
        return col

    def group_column(self, group: str) -> np.ndarray:
        """Return (creating it) the live-task count per instance for a task group."""
        col = self.group_counts.get(group)
        if col is None:
            col = np.zeros(self._capacity, np.int32)
            self.group_counts[group] = col
        return col

    # -- mutation by the world ----------------------------------------------------------

    def set_status(self, i: int, status: int) -> None:
        """Change an instance's status (ACTIVE, DRAINING, ...)."""
        before = self.status[i] != ACTIVE or not self.connected[i]
        self.status[i] = status
        self.unavailable += int(status != ACTIVE or not self.connected[i]) - int(before)

    def set_connected(self, i: int, connected: bool) -> None:
        """Record the agent connecting or disconnecting."""
        before = self.status[i] != ACTIVE or not self.connected[i]
        self.connected[i] = connected
        self.unavailable += int(self.status[i] != ACTIVE or not connected) - int(before)

    def reserve(
        self,
        i: int,
        *,
        cpu: int,
        memory_mib: int,
        ports: Iterable[tuple[str, int]],
        dynamic_ports: int,
        eni: bool,
        group: str,
    ) -> None:
        """Account a task placed on instance ``i``."""
        if self._free_indexes:
            self._reindex(i, -cpu, -memory_mib)
        self.cpu_free[i] -= cpu
        self.mem_free[i] -= memory_mib
        for key in ports:
            self._port_column(key)[i] = True
            self.static_ports_count[i] += 1
        if dynamic_ports:
            self.dyn_ports_free[i] -= dynamic_ports
        if eni:
            self.eni_free[i] -= 1
        self.group_column(group)[i] += 1
        self.task_count[i] += 1
        self.running_count[i] += 1
        self._count_value(group, i, 1)

    def release(
        self,
        i: int,
        *,
        cpu: int,
        memory_mib: int,
        ports: Iterable[tuple[str, int]],
        dynamic_ports: int,
        eni: bool,
        group: str,
    ) -> None:
        """Give back what ``reserve`` took, when the task reaches STOPPED."""
        if self._free_indexes:
            self._reindex(i, cpu, memory_mib)
        self.cpu_free[i] += cpu
        self.mem_free[i] += memory_mib
        for key in ports:
            self.port_used[key][i] = False
            self.static_ports_count[i] -= 1
        if dynamic_ports:
            self.dyn_ports_free[i] += dynamic_ports
        if eni:
            self.eni_free[i] += 1
        self.group_counts[group][i] -= 1
        self.task_count[i] -= 1
        self._count_value(group, i, -1)

    def stop_requested(self, i: int) -> None:
        """A task on instance ``i`` got desiredStatus STOPPED (it still holds its resources)."""
        self.running_count[i] -= 1

    def set_attributes(self, i: int, attributes: Mapping[str, str | None]) -> None:
        """Put (value) or delete (None) custom attributes on instance ``i``."""
        attrs = self.attributes[i]
        for name, value in attributes.items():
            if value is None:
                attrs.pop(name, None)
            else:
                attrs[name] = value
        self.version += 1
        # Attribute codes may be renumbered: the indexes are rebuilt on their next use.
        self._free_indexes.clear()

    def _reindex(self, i: int, cpu: int, memory_mib: int) -> None:
        """Move instance ``i`` in the sorted indexes: its free units change by the deltas."""
        for index in self._free_indexes.values():
            if index.resource == "cpu":
                index.moved(i, cpu, memory_mib)
            else:
                index.moved(i, memory_mib, cpu)

    def free_index(self, name: str | None, resource: str) -> FreeIndex:
        """The instances per value of attribute ``name`` (one bucket when None), by free ``cpu``/``memory``."""
        key = (name, resource)
        index = self._free_indexes.get(key)
        if index is None:
            index = self._free_indexes[key] = FreeIndex(resource)
        if len(index.codes) < self.n:
            shifted = [0] * self.n if name is None else (self.attribute_column(name)[0] + 1).tolist()
            cpu, memory = self.cpu_free[: self.n].tolist(), self.mem_free[: self.n].tolist()
            index.extend(shifted, *((cpu, memory) if resource == "cpu" else (memory, cpu)))
        return index

    # -- read helpers for placement ------------------------------------------------------

    def attribute_column(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Return per-instance integer codes of attribute ``name`` (-1 when missing) and the values."""
        cached = self._attr_columns.get(name)
        if cached is not None and cached[0] == self.version:
            return cached[1], cached[2]
        if name == "ecs.availability-zone":
            codes = self.az[: self.n].astype(np.int32)
            values = list(self.az_names)
        else:
            index: dict[str, int] = {}
            values = []
            codes = np.full(self.n, -1, np.int32)
            for i, attrs in enumerate(self.attributes):
                value = attrs.get(name)
                if value is None:
                    continue
                code = index.get(value)
                if code is None:
                    code = index[value] = len(values)
                    values.append(value)
                codes[i] = code
        self._attr_columns[name] = (self.version, codes, values)
        return codes, values

    def value_counts(self, group: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Live tasks of ``group`` per value of attribute ``name``, for spread placement.

        Returns:
            (counts, codes): ``counts[code + 1]`` is the number of the group's tasks on
            instances whose attribute has that value code (``counts[0]``: attribute missing);
            ``codes`` is the per-instance value code (-1 when missing). Counts are kept up to
            date by ``reserve``/``release`` and rebuilt when attributes change.
        """
        counts, shifted = self.value_counts_shifted(group, name)
        return counts, shifted - 1

    def value_counts_shifted(self, group: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``value_counts`` with the codes shifted by one: ``counts[shifted[i]]`` is instance ``i``'s count."""
        per_group = self._value_counts.get(group)
        if per_group is None:
            per_group = self._value_counts[group] = {}
        cached = per_group.get(name)
        if cached is not None and cached[0] == self.version:
            return cached[1], cached[2]
        codes, values = self.attribute_column(name)
        shifted = codes + 1
        col = self.group_column(group)[: self.n]
        counts = np.bincount(shifted, weights=col, minlength=len(values) + 1).astype(np.int64)
        per_group[name] = (self.version, counts, shifted)
        return counts, shifted

    def _count_value(self, group: str, i: int, delta: int) -> None:
        per_group = self._value_counts.get(group)
        if not per_group:
            return
        for version, counts, shifted in per_group.values():
            if version == self.version:
                counts[shifted[i]] += delta

    def task_groups(self, i: int) -> list[str]:
        """Return the task groups with at least one live task on instance ``i``."""
        return [g for g, col in self.group_counts.items() if col[i] > 0]
