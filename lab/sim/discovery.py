"""Provides ``Discovery``: AWS Cloud Map DNS registration of service tasks, Service Connect
endpoints, and the calls services make to each other by name.

Cloud Map (§14.1): a service with
``serviceRegistries`` has each task registered in its Cloud Map service when the task is
RUNNING, as an ``A`` record (the task's IP, awsvpc) or an ``SRV`` record (port and IP), and
deregistered when ECS stops it. Route 53 answers the name with up to eight records
(MULTIVALUE), and a resolver caches the answer for the record's TTL.

Service Connect (§14.2): a task of a service with
``serviceConnectConfiguration`` runs a proxy. The proxy learns the namespace's endpoints from
ECS, not from DNS, so it stops sending new requests to a task as soon as ECS stops it, and
drains the ones in flight. A client task can use an endpoint only when its own service has
Service Connect in that namespace and the endpoint existed when the client task started.

Calls between services (``WorldSpec.clients``) are modelled in aggregate, one step per
simulated second: each RUNNING task of the calling service sends an equal share of the
requests to an address it holds. A DNS client re-resolves the name when its cached answer is
older than the TTL; a request fails when no address of its answer has a running app behind it
(clients try the next address, as Route 53 advises). The counts are logged once a minute as
``ServiceCallsMinute``. A world without Cloud Map services, namespaces or clients subscribes
to nothing and schedules nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

import simpy

from lab.errors import InvalidParameterException
from lab.sim.app import app_up
from lab.sim.cluster import Cluster
from lab.sim.events import DiscoveryInstanceChanged, ServiceCallsMinute, TaskStateChanged
from lab.sim.kernel import Kernel
from lab.sim.model import Task
from lab.sim.registry import Ecr
from lab.sim.spec import ClientSpec, CloudMapServiceSpec
from lab.sim.timing import round_ms

__all__ = ["MAX_ANSWER_RECORDS", "Discovery", "cloud_map_service_arn", "cloud_map_service_id", "service_connect_names"]

MAX_ANSWER_RECORDS = 8
"""Records Route 53 returns for a MULTIVALUE name (§14.1)."""

_SERVICE_PREFIX = "service:"


def cloud_map_service_id(spec: CloudMapServiceSpec) -> str:
    """The Cloud Map service id: the spec's, or ``srv-`` and 16 characters derived from its DNS name."""
    if spec.id:
        return spec.id
    return "srv-" + hashlib.sha256(spec.dns_name.encode()).hexdigest()[:16]


def cloud_map_service_arn(spec: CloudMapServiceSpec, region: str, account: str) -> str:
    """The ARN ``serviceRegistries[].registryArn`` names."""
    return f"arn:aws:servicediscovery:{region}:{account}:service/{cloud_map_service_id(spec)}"


def service_connect_names(model: Any) -> tuple[str, tuple[str, ...]]:
    """(namespace, endpoint names) a service's Service Connect configuration offers clients.

    An alias's ``dnsName`` when given, else ``discoveryName.namespace``, else
    ``portName.namespace`` (API: ServiceConnectClientAlias).
    """
    config = getattr(model, "service_connect_configuration", None)
    if config is None or not config.enabled or not config.namespace:
        return "", ()
    names: list[str] = []
    for svc in config.services:
        default = f"{svc.discovery_name or svc.port_name}.{config.namespace}"
        aliases = [alias.dns_name or default for alias in svc.client_aliases] or [default]
        names.extend(name for name in aliases if name not in names)
    return config.namespace, tuple(names)


@dataclass
class _Record:
    task: Task
    value: str
    container: str | None


@dataclass
class _Caller:
    """What one client task holds: its Service Connect names and its cached DNS answer."""

    sc_names: frozenset[str]
    answer: list[Task] = field(default_factory=list)
    expires: float = -1.0


@dataclass
class _Minute:
    requests: float = 0.0
    failed: float = 0.0
    via: str = "dns"


class Discovery:
    """The world's Cloud Map services and Service Connect endpoints, and the calls between services."""

    def __init__(self, kernel: Kernel, cluster: Cluster, ecr: Ecr, cloud_map: Iterable[CloudMapServiceSpec], namespaces: Iterable[str], clients: Iterable[ClientSpec]) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.ecr = ecr
        self.services: dict[str, CloudMapServiceSpec] = {s.dns_name: s for s in cloud_map}
        """Cloud Map services by DNS name."""
        self.namespaces: set[str] = {s.namespace for s in self.services.values()} | set(namespaces)
        self.clients = list(clients)
        self.records: dict[str, dict[str, _Record]] = {name: {} for name in self.services}
        """Registered instances by Cloud Map DNS name, then task id (in registration order)."""
        self.endpoints: dict[str, dict[str, Task]] = {}
        """Service Connect endpoints by name, then task id: the tasks the proxies send requests to."""
        self._callers: dict[str, _Caller] = {}
        self._minutes: list[_Minute] = [_Minute() for _ in self.clients]
        self.active = bool(self.services or self.namespaces or self.clients)
        if self.active:
            kernel.log.subscribe(self._on_event)
        if self.clients:
            kernel.env.process(self._traffic())

    # -- CreateService / UpdateService -------------------------------------------------------

    def registry_for(self, arn_or_name: str) -> CloudMapServiceSpec | None:
        """The Cloud Map service a ``registryArn`` names (the lab also accepts its id or DNS name)."""
        for spec in self.services.values():
            if arn_or_name in (spec.dns_name, cloud_map_service_id(spec), cloud_map_service_arn(spec, self.kernel.region, self.kernel.account)):
                return spec
        return None

    def check(self, model: Any) -> None:
        """Refuse registries and namespaces that do not exist.

        Raises:
            InvalidParameterException: an unknown registry or Service Connect namespace (wording UNCONFIRMED).
        """
        for i, registry in enumerate(getattr(model, "service_registries", ()) or ()):
            if registry.registry_arn and self.registry_for(registry.registry_arn) is None:
                raise InvalidParameterException(
                    f"The service registry {registry.registry_arn} does not exist.", ("serviceRegistries", i, "registryArn")
                )  # wording UNCONFIRMED
        namespace, _ = service_connect_names(model)
        if namespace and namespace not in self.namespaces:
            raise InvalidParameterException(
                f"The namespace {namespace} does not exist.", ("serviceConnectConfiguration", "namespace")
            )  # wording UNCONFIRMED

    # -- registration ------------------------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        if type(event) is not TaskStateChanged or not event.group.startswith(_SERVICE_PREFIX):
            return
        task = self.cluster.tasks.get(event.task_id)
        if task is None:
            return
        if event.last_status == "RUNNING" and event.desired_status == "RUNNING" and task.id not in self._callers:
            # Once this instant's start is done: the agent hands out host ports (SRV) after logging RUNNING.
            self.kernel.at(0.0, lambda: self._running(task))
        elif event.desired_status == "STOPPED":
            self._stopping(task)

    def _running(self, task: Task) -> None:
        model = task.service.model if task.service is not None else None
        if model is None or task.stopping or task.last != "RUNNING" or task.id in self._callers:
            return
        for registry in getattr(model, "service_registries", ()) or ():
            spec = self.registry_for(registry.registry_arn or "")
            if spec is not None and task.id not in self.records[spec.dns_name]:
                self._register(spec, task, registry)
        _, names = service_connect_names(model)
        for name in names:
            self.endpoints.setdefault(name, {})[task.id] = task
        self._callers[task.id] = _Caller(self._visible_names(model))

    def _visible_names(self, model: Any) -> frozenset[str]:
        """Service Connect names a new task of ``model``'s service can use: those of every
        service in its namespace now (tasks started earlier keep the names they had)."""
        namespace, _ = service_connect_names(model)
        if not namespace:
            return frozenset()
        names: set[str] = set()
        for runtime in self.cluster.services.values():
            other_namespace, other_names = service_connect_names(runtime.model)
            if other_namespace == namespace:
                names.update(other_names)
        return frozenset(names)

    def _register(self, spec: CloudMapServiceSpec, task: Task, registry: Any) -> None:
        ip = _task_ip(task)
        container = registry.container_name
        if spec.record_type == "SRV":
            port = registry.port or task.host_ports.get((container, registry.container_port), registry.container_port) or 0
            value = f"1 1 {port} {ip}"
        else:
            value = ip
        if container is None:
            container = next((c.name for c in task.rev.containers if c.port_mappings), task.rev.containers[0].name)
        self.records[spec.dns_name][task.id] = _Record(task, value, container)
        self._log(spec, task, value, "registered")

    def _stopping(self, task: Task) -> None:
        for name, records in self.records.items():
            record = records.pop(task.id, None)
            if record is not None:
                self._log(self.services[name], task, record.value, "deregistered")
        for endpoints in self.endpoints.values():
            endpoints.pop(task.id, None)
        self._callers.pop(task.id, None)

    def _log(self, spec: CloudMapServiceSpec, task: Task, value: str, change: str) -> None:
        self.kernel.log.append(DiscoveryInstanceChanged(self.kernel.now, spec.dns_name, task.id, task.id, value, spec.record_type, change))

    # -- DNS ---------------------------------------------------------------------------------

    def resolve(self, name: str) -> list[Task]:
        """What Route 53 answers for ``name``: the registered tasks, up to eight (MULTIVALUE) or one (WEIGHTED)."""
        spec = self.services.get(name)
        if spec is None:
            return []
        tasks = [r.task for r in self.records[name].values()]
        return tasks[: MAX_ANSWER_RECORDS if spec.routing_policy == "MULTIVALUE" else 1]

    def _answers(self, task: Task) -> bool:
        """Whether a request to the task's address finds its app up."""
        if task.last != "RUNNING":
            return False
        now = self.kernel.now
        for container in task.rev.containers:
            if container.port_mappings:
                return app_up(now, task, container, self.ecr.app_for(task.pinned, container))
        return True

    # -- calls between services --------------------------------------------------------------

    def _traffic(self) -> Generator[simpy.Event, None, None]:
        env = self.kernel.env
        while True:
            yield env.timeout(1.0)
            for index, client in enumerate(self.clients):
                self._step(index, client)
            if int(env.now) % 60 == 0:
                self._emit_minutes()

    def _step(self, index: int, client: ClientSpec) -> None:
        runtime = self.cluster.services.get(client.service)
        if runtime is None:
            return
        callers = [t for t in runtime.tasks.values() if t.id in self._callers and not t.stopping]
        if not callers:
            return
        share = client.rps / len(callers)
        minute = self._minutes[index]
        spec = self.services.get(client.calls)
        for task in sorted(callers, key=lambda t: t.id):
            caller = self._callers[task.id]
            minute.requests += share
            if client.calls in caller.sc_names:
                minute.via = "service-connect"
                live = self.endpoints.get(client.calls, {}).values()
                if not any(self._answers(t) for t in live):
                    minute.failed += share
                continue
            now = self.kernel.now
            if now >= caller.expires:
                caller.answer = self.resolve(client.calls)
                # No answer (NXDOMAIN or no records): asked again at the next request.
                caller.expires = now + spec.ttl if spec is not None and caller.answer else now
            if not any(self._answers(t) for t in caller.answer):
                minute.failed += share

    def _emit_minutes(self) -> None:
        now = self.kernel.now
        for index, client in enumerate(self.clients):
            minute = self._minutes[index]
            if minute.requests > 0:
                self.kernel.log.append(ServiceCallsMinute(now, client.service, client.calls, minute.via, round_ms(minute.requests), round_ms(minute.failed)))
            self._minutes[index] = _Minute()


def _task_ip(task: Task) -> str:
    """The task's private IP (as ``lab.sim.agent.task_ip`` gives it: stable per task)."""
    digits = int(task.id[:6], 16)
    return f"10.0.{digits % 250 + 1}.{digits // 250 % 250 + 4}"
