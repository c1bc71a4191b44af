"""Provides the simulator's typed, immutable event records and the append-only event log.

Every state change in a world is recorded as one event. Shells (TUI, CLI, grader) read only
these records and snapshots. Each record is a ``NamedTuple`` (immutable and cheap to build on
the hot path) whose first field is ``at`` (simulated seconds) and whose ``message`` property
is the text a user of the ECS console or CLI would read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol

from lab.sim.timing import round_ms

__all__ = [
    "SERVICE_EVENT_KINDS",
    "TROUBLESHOOTING",
    "ApiCallFailed",
    "AppLogged",
    "CodeDeployDeploymentStateChanged",
    "CodeDeployLifecycleEvent",
    "ContainerHealthChanged",
    "ContainerInstanceStateChanged",
    "ContainerStateChanged",
    "DiscoveryInstanceChanged",
    "DeploymentLifecycleStageChanged",
    "Event",
    "EventLog",
    "EventRuleMatched",
    "ImageBuilt",
    "ImagePullFailed",
    "ImagePullFinished",
    "ImagePullStarted",
    "ImagePushed",
    "ImageRemoved",
    "InstanceRegistrationFailed",
    "LifecycleHookInvoked",
    "ListenerRouted",
    "PlacementFailed",
    "RunTaskCompleted",
    "ServiceDeploymentStateChanged",
    "ServiceCallsMinute",
    "ServiceEvent",
    "TargetHealthChanged",
    "TargetInvocationFailed",
    "TaskStateChanged",
    "TrafficShifted",
    "event_to_dict",
]

TROUBLESHOOTING = "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
"""The sentence that ends ECS's placement-failure and start-impaired service events (§4.6)."""


class Event(Protocol):
    """What every event record offers."""

    at: float

    @property
    def message(self) -> str: ...

    def _asdict(self) -> dict[str, Any]: ...


class ContainerInstanceStateChanged(NamedTuple):
    """A container instance registered, changed status, or lost / regained its agent."""

    at: float
    container_instance_id: str
    ec2_instance_id: str
    status: str
    """REGISTERING, ACTIVE, DRAINING, DEREGISTERING or INACTIVE (§5.1)."""
    agent_connected: bool
    availability_zone: str
    instance_type: str
    reason: str = ""

    @property
    def message(self) -> str:
        agent = "agent connected" if self.agent_connected else "agent disconnected"
        text = (
            f"container instance {self.container_instance_id} ({self.ec2_instance_id}, "
            f"{self.instance_type}, {self.availability_zone}) is {self.status}, {agent}"
        )
        return f"{text}: {self.reason}" if self.reason else text


class InstanceRegistrationFailed(NamedTuple):
    """An EC2 instance booted but its ECS agent could not join the cluster."""

    at: float
    ec2_instance_id: str
    cluster: str
    reason: str

    @property
    def message(self) -> str:
        return f"ecs-agent on {self.ec2_instance_id} could not register with cluster {self.cluster}: {self.reason}"


class TaskStateChanged(NamedTuple):
    """A task's lastStatus or desiredStatus changed (an ECS Task State Change event)."""

    at: float
    task_id: str
    task_definition: str
    """``family:revision``."""
    group: str
    last_status: str
    desired_status: str
    launch_type: str
    container_instance_id: str | None
    ec2_instance_id: str | None
    availability_zone: str | None
    stop_code: str | None = None
    stopped_reason: str | None = None

    @property
    def message(self) -> str:
        where = f" on {self.ec2_instance_id}" if self.ec2_instance_id else ""
        text = f"task {self.task_id} ({self.task_definition}){where} {self.last_status}"
        if self.desired_status != self.last_status and self.last_status != "STOPPED":
            text += f" (desired {self.desired_status})"
        if self.stopped_reason and self.last_status in ("STOPPED", "STOPPING", "DEACTIVATING"):
            code = f" [{self.stop_code}]" if self.stop_code else ""
            text += f"{code}: {self.stopped_reason}"
        return text


class ContainerStateChanged(NamedTuple):
    """A container inside a task started or exited."""

    at: float
    task_id: str
    container: str
    last_status: str
    exit_code: int | None = None
    reason: str | None = None

    @property
    def message(self) -> str:
        text = f"container {self.container} of task {self.task_id} {self.last_status}"
        if self.exit_code is not None:
            text += f" (exit code {self.exit_code})"
        if self.reason:
            text += f": {self.reason}"
        return text


class PlacementFailed(NamedTuple):
    """No container instance met all of a task's requirements."""

    at: float
    group: str
    """``service:<name>`` or ``family:<family>`` (or a custom RunTask group)."""
    reason: str
    """The API failure reason: RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:PORTS, RESOURCE:ENI,
    AGENT, ATTRIBUTE, ``MemberOf placement constraint unsatisfied``, ``DistinctInstance placement
    constraint unsatisfied`` or NoInstances (§3.6)."""
    container_instance_arn: str | None
    """The closest matching container instance, when there is one."""
    detail: str
    """The service-event sentence that follows "The closest matching ...", or the reason."""
    service: str | None = None
    repeated: bool = False
    """The scheduler failed again for the same cause within 6 hours: ECS does not post the
    message to the service's events again (§4.6), but the task is still not placed."""

    @property
    def message(self) -> str:
        if self.container_instance_arn is None:
            body = f"was unable to place a task because no container instance met all of its requirements. Reason: {self.detail} {TROUBLESHOOTING}"
        else:
            ci_id = self.container_instance_arn.rsplit("/", 1)[-1]
            body = (
                "was unable to place a task because no container instance met all of its requirements. "
                f"The closest matching (container-instance {ci_id}) {self.detail} {TROUBLESHOOTING}"
            )
        if self.service:
            return f"(service {self.service}) {body}"
        return f"({self.group}) [{self.reason}] {body}"


class RunTaskCompleted(NamedTuple):
    """The result of one RunTask call: the tasks started and the failures list."""

    at: float
    task_definition: str
    count: int  # type: ignore[assignment]  # the RunTask field, shadowing tuple.count
    task_ids: tuple[str, ...]
    failures: tuple[tuple[str, str], ...]
    """``(arn, reason)`` pairs, as in the API response."""

    @property
    def message(self) -> str:
        text = f"RunTask {self.task_definition} count={self.count}: started {len(self.task_ids)} task(s)"
        if self.failures:
            listed = ", ".join(f'{{"arn": "{arn}", "reason": "{reason}"}}' for arn, reason in self.failures)
            text += f"; failures: [{listed}]"
        return text


class ApiCallFailed(NamedTuple):
    """An API call made on the timeline was refused (ClientException, InvalidParameter...)."""

    at: float
    operation: str
    error: str

    @property
    def message(self) -> str:
        return f"{self.operation} failed: {self.error}"


class ImagePullStarted(NamedTuple):
    """The agent began pulling a container's image."""

    at: float
    task_id: str
    container: str
    image: str
    ec2_instance_id: str | None
    layers_total: int
    layers_cached: int
    bytes_to_fetch: int
    identity: str
    """The IAM role ARN whose credentials the pull uses."""

    @property
    def message(self) -> str:
        mb = self.bytes_to_fetch / 1_000_000
        return (
            f"pulling {self.image} for container {self.container} of task {self.task_id}: "
            f"{self.layers_total - self.layers_cached} of {self.layers_total} layers to fetch ({mb:.1f} MB)"
        )


class ImagePullFinished(NamedTuple):
    """An image pull completed."""

    at: float
    task_id: str
    container: str
    image: str
    ec2_instance_id: str | None
    duration_s: float
    bytes_fetched: int

    @property
    def message(self) -> str:
        return f"pulled {self.image} for container {self.container} of task {self.task_id} in {self.duration_s:.1f} s"


class ImageRemoved(NamedTuple):
    """The agent's automated image cleanup removed an unused image from an instance (§12.6)."""

    at: float
    ec2_instance_id: str
    image: str
    bytes_freed: int
    """Bytes of the layers no other image on the instance uses (shared layers stay)."""
    disk_used_bytes: int
    """Bytes in use on the instance's volume afterwards."""

    @property
    def message(self) -> str:
        return (
            f"image cleanup on {self.ec2_instance_id} removed {self.image}: freed {self.bytes_freed / 1e6:,.0f} MB, "
            f"{self.disk_used_bytes / 1024**3:.1f} GiB in use"
        )


class ImagePullFailed(NamedTuple):
    """An image pull failed; ``reason`` is the CannotPullContainerError-family text."""

    at: float
    task_id: str
    container: str
    image: str
    ec2_instance_id: str | None
    reason: str

    @property
    def message(self) -> str:
        return f"pull of {self.image} for container {self.container} of task {self.task_id} failed: {self.reason}"


class ImageBuilt(NamedTuple):
    """A ``dockerfile`` file was built (``docker build -t <image>``): its layers and the cache's part.

    The build is instant in simulated time (build times are not modelled, docs/dockerfiles.md).
    """

    at: float
    image: str
    """``repository:tag``."""
    dockerfile: str
    """The file built."""
    layers: tuple[tuple[str, int, bool], ...]
    """Bottom first: (instruction that made it, compressed bytes, reused from the cache); the
    base image's layers say ``FROM <image>``."""
    steps: tuple[tuple[int, str, bool], ...]
    """Every instruction but FROM, in build order: (line, instruction, cached)."""
    size_bytes: int
    """The image's compressed size: the sum of its layers."""

    @property
    def cached_steps(self) -> int:
        """Steps reused from the cache (``CACHED`` in the build output)."""
        return sum(1 for _, _, cached in self.steps if cached)

    @property
    def message(self) -> str:
        run = len(self.steps) - self.cached_steps
        return (
            f"built {self.image} from {self.dockerfile}: {len(self.layers)} layers, {self.size_bytes / 1_000_000:.1f} MB; "
            f"{self.cached_steps} steps CACHED, {run} run"
        )


class ImagePushed(NamedTuple):
    """A built image was pushed to the account's ECR repository (``docker push``)."""

    at: float
    image: str
    """The pushed reference, ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>``."""
    layers_total: int
    layers_existing: int
    """Layers the registry already had ("Layer already exists"): not uploaded again."""
    bytes_uploaded: int
    size_bytes: int

    @property
    def message(self) -> str:
        return (
            f"pushed {self.image}: {self.layers_total - self.layers_existing} of {self.layers_total} layers uploaded "
            f"({self.bytes_uploaded / 1_000_000:.1f} MB), {self.layers_existing} already existed"
        )


class DiscoveryInstanceChanged(NamedTuple):
    """ECS registered a task in an AWS Cloud Map service, or deregistered it (its DNS record
    appears in or leaves the answers to ``<service>.<namespace>``)."""

    at: float
    service: str
    """The Cloud Map service's DNS name (``payments.internal``)."""
    instance_id: str
    """The Cloud Map instance id: the task id."""
    task_id: str
    record: str
    """The record's value: ``10.0.3.7`` (A) or ``1 1 32768 10.0.3.7`` (SRV: priority weight port target)."""
    record_type: str
    """``A`` or ``SRV``."""
    change: str
    """``registered`` or ``deregistered``."""

    @property
    def message(self) -> str:
        return f"{self.change} instance {self.instance_id} in Cloud Map service {self.service} ({self.record_type} {self.record})"


class ServiceCallsMinute(NamedTuple):
    """One minute of the requests a service's tasks made to another by name, and how many failed."""

    at: float
    """The end of the minute."""
    client: str
    """The calling ECS service."""
    calls: str
    """The name it calls (a Cloud Map DNS name or a Service Connect alias)."""
    via: str
    """``dns`` (the tasks resolve the name and cache the answer for its TTL) or ``service-connect``
    (the tasks' Service Connect proxy)."""
    requests: float
    failed: float
    """Requests sent to an address no running task answers at (connection refused or timed out),
    or that could not be resolved."""

    @property
    def message(self) -> str:
        return f"{self.client} -> {self.calls} via {self.via}: {self.requests:.0f} requests, {self.failed:.0f} failed"


def event_to_dict(event: Event) -> dict[str, Any]:
    """Return a JSON-ready dict: ``at`` (rounded to ms), ``type``, the fields and ``message``."""
    data: dict[str, Any] = {"at": round_ms(event.at), "type": type(event).__name__}
    for key, value in event._asdict().items():
        if key == "at":
            continue
        data[key] = list(value) if isinstance(value, tuple) else value
    data["message"] = event.message
    return data


class EventLog:
    """An append-only list of events in the order they happened."""

    __slots__ = ("_events", "_listeners", "append")

    def __init__(self) -> None:
        self._events: list[Any] = []
        self._listeners: list[Callable[[Any], None]] = []
        self.append: Callable[[Any], None] = self._events.append
        """Record one event (the world calls this; shells never do), then tell the listeners.

        While nobody listens this is the list's own ``append``: a world logs tens of
        thousands of events, and a Python-level method per event cost 2 % of a churn run."""

    def _append_and_tell(self, event: Any) -> None:
        self._events.append(event)
        for listener in self._listeners:
            listener(event)

    def subscribe(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener`` with every event appended from now on (EventBridge rules listen)."""
        self._listeners.append(listener)
        self.append = self._append_and_tell

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._events)

    def __getitem__(self, index: int) -> Any:
        return self._events[index]

    def since(self, cursor: int) -> list[Any]:
        """Return the events from position ``cursor`` on (a reader keeps its own cursor)."""
        return self._events[cursor:]

    def of_type(self, *types: type) -> list[Any]:
        """Return the events of the given record types, in order."""
        return [e for e in self._events if isinstance(e, types)]

    def to_jsonl(self) -> str:
        """Serialise the log as JSON lines with sorted keys (byte-identical for equal runs)."""
        return "".join(json.dumps(event_to_dict(e), sort_keys=True, separators=(",", ":")) + "\n" for e in self._events)


class AppLogged(NamedTuple):
    """A line the application wrote (what CloudWatch Logs would show for the container)."""

    at: float
    task_id: str
    container: str
    line: str

    @property
    def message(self) -> str:
        return f"[{self.container} {self.task_id[:8]}] {self.line}"


SERVICE_EVENT_KINDS: tuple[str, ...] = (
    "steady-state",
    "started-tasks",
    "stopped-tasks",
    "registered-targets",
    "deregistered-targets",
    "draining-connections",
    "unhealthy-target",
    "failed-health-checks",
    "throttled",
    "launch-failed",
    "deployment-blocked",
    "deployment-completed",
    "deployment-failed",
    "rolling-back",
)
"""Every ``ServiceEvent.kind`` the service scheduler posts (``lab.sim.service``). "Unable to
place a task" is not among them: a placement failure is a ``PlacementFailed`` event."""


class ServiceEvent(NamedTuple):
    """A message in a service's Events tab, with the exact ECS wording (§4.6)."""

    at: float
    service: str
    kind: str
    """One of ``SERVICE_EVENT_KINDS``."""
    text: str

    @property
    def message(self) -> str:
        return self.text


class TrafficShifted(NamedTuple):
    """A blue/green, linear or canary deployment changed the weights of a listener rule's
    forward action between its two target groups (docs/ecs-facts.md §4.9)."""

    at: float
    service: str
    deployment_id: str
    rule: str
    """The production (or test) listener rule, as the service names it."""
    traffic: str
    """``production`` or ``test``."""
    weights: tuple[tuple[str, float], ...]
    """(target group name, percent of the rule's requests), in the service's order."""

    @property
    def message(self) -> str:
        shares = ", ".join(f"{name} {weight:g}%" for name, weight in self.weights)
        return f"(service {self.service}) (deployment {self.deployment_id}) {self.traffic} traffic on {self.rule}: {shares}"


class DeploymentLifecycleStageChanged(NamedTuple):
    """A blue/green, linear or canary deployment entered a lifecycle stage (ServiceDeployment.lifecycleStage, §4.9)."""

    at: float
    service: str
    deployment_id: str
    stage: str
    """SCALE_UP, TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP..."""

    @property
    def message(self) -> str:
        return f"(service {self.service}) (deployment {self.deployment_id}) lifecycle stage {self.stage}"


class LifecycleHookInvoked(NamedTuple):
    """ECS invoked a deployment lifecycle hook's Lambda function and got its answer (§4.9).

    ``status`` is the ``hookStatus`` it returned (SUCCEEDED, FAILED or IN_PROGRESS), or FAILED
    when ECS could not invoke it (``reason`` says why: the role, a missing function).
    """

    at: float
    service: str
    deployment_id: str
    stage: str
    """The lifecycle stage the hook ran at (POST_TEST_TRAFFIC_SHIFT...)."""
    function: str
    """The hook's target, as the service names it (hookTargetArn)."""
    status: str
    reason: str = ""
    """Why the function failed or could not be invoked; for IN_PROGRESS, the callBackDelay."""

    @property
    def message(self) -> str:
        why = f": {self.reason}" if self.reason else ""
        return f"(service {self.service}) (deployment {self.deployment_id}) lifecycle hook {self.function} at {self.stage}: {self.status}{why}"


class ServiceDeploymentStateChanged(NamedTuple):
    """An EventBridge "ECS Deployment State Change" (SERVICE_DEPLOYMENT_IN_PROGRESS / _COMPLETED / _FAILED)."""

    at: float
    service: str
    deployment_id: str
    state: str
    task_definition: str
    reason: str = ""

    @property
    def message(self) -> str:
        text = f"(service {self.service}) (deployment {self.deployment_id}) {self.state} for {self.task_definition}"
        return f"{text}: {self.reason}" if self.reason else text


class TargetHealthChanged(NamedTuple):
    """A target's state in a target group changed (initial, healthy, unhealthy, draining, unused)."""

    at: float
    target_group: str
    target_id: str
    """The instance id (instance targets) or the task's IP (ip targets)."""
    port: int
    task_id: str
    state: str
    reason: str = ""
    """The ELB reason code (``Target.Timeout``...), empty when healthy."""
    description: str = ""
    """The reason's description (``Request timed out``...)."""

    @property
    def message(self) -> str:
        text = f"target {self.target_id}:{self.port} (task {self.task_id}) in {self.target_group} is {self.state}"
        return f"{text}: {self.description}" if self.description else text


class ListenerRouted(NamedTuple):
    """A load balancer's listener routes a request class somewhere new (its rules, scheme or traffic changed).

    One event per request class whose destination changed; ``routed_to`` is
    ``target group <name>`` (``, <name> (weight w)`` for a weighted split), ``fixed-response <code>``,
    ``redirect <code>`` or ``connection failed`` (an internal load balancer given internet
    traffic, or no listener on the port).
    """

    at: float
    load_balancer: str
    port: int
    request: str
    """The request class: ``GET app.example.com/api/orders``."""
    rule: str
    """``priority 10`` or ``default``; empty when no listener answered."""
    routed_to: str
    rps: float

    @property
    def message(self) -> str:
        where = f" by rule {self.rule}" if self.rule else ""
        return f"{self.load_balancer}:{self.port} routes {self.request} ({self.rps:g} req/s){where} to {self.routed_to}"


class ContainerHealthChanged(NamedTuple):
    """A container's Docker health check changed status (HEALTHY / UNHEALTHY)."""

    at: float
    task_id: str
    container: str
    status: str

    @property
    def message(self) -> str:
        return f"container {self.container} of task {self.task_id} is {self.status}"


class EventRuleMatched(NamedTuple):
    """An ECS event matched an ENABLED EventBridge rule, which sends it to its targets."""

    at: float
    rule: str
    detail_type: str
    """The EventBridge ``detail-type`` (``ECS Service Action``, ``ECS Task State Change``...)."""
    summary: str
    """A short line about the event (``SERVICE_TASK_PLACEMENT_FAILURE for service web (RESOURCE:MEMORY)``)."""
    targets: tuple[str, ...]
    """The Ids of the rule's targets (empty: the rule matched but sends the event nowhere)."""
    event_id: str
    """The EventBridge event's ``id``."""

    @property
    def message(self) -> str:
        sent = f"sent to {', '.join(self.targets)}" if self.targets else "no targets: sent nowhere"
        return f"rule {self.rule} matched {self.detail_type}: {self.summary}; {sent}"


class TargetInvocationFailed(NamedTuple):
    """EventBridge could not invoke a rule's target (its FailedInvocations metric counts one).

    For an ECS task target: the target's role cannot be assumed, does not allow ``ecs:RunTask``
    or ``iam:PassRole`` on the task's roles, or RunTask refused the request (docs/ecs-facts.md §13.5).
    """

    at: float
    rule: str
    target: str
    """The target's Id."""
    error: str
    """Why: the refusal EventBridge got (AccessDenied, ClientException...)."""

    @property
    def message(self) -> str:
        return f"rule {self.rule} could not invoke target {self.target}: {self.error}"


class CodeDeployDeploymentStateChanged(NamedTuple):
    """A CodeDeploy deployment of an ECS service changed state (docs/ecs-facts.md §4.10)."""

    at: float
    service: str
    deployment_id: str
    """``d-`` and nine characters, as CodeDeploy names deployments."""
    deployment_group: str
    state: str
    """CodeDeploy's deployment status: ``Created``, ``InProgress``, ``Succeeded``, ``Failed``, ``Stopped``."""
    task_definition: str
    """The revision the AppSpec deploys (``family:revision``)."""
    reason: str = ""
    """Why it failed or stopped (the lab's wording unless §4.10 cites CodeDeploy's)."""
    rollback: bool = False
    """Failed or Stopped with automatic rollback: production went back to the original task set."""

    @property
    def message(self) -> str:
        text = f"CodeDeploy deployment {self.deployment_id} ({self.deployment_group}, {self.task_definition}) of service {self.service}: {self.state}"
        if self.reason:
            text += f" ({self.reason})"
        if self.rollback:
            text += "; rolled back to the original task set"
        return text


class CodeDeployLifecycleEvent(NamedTuple):
    """A lifecycle event of a CodeDeploy ECS deployment ended (§4.10).

    Events in order: ``BeforeInstall``, ``Install``, ``AfterInstall``, ``AllowTestTraffic``,
    ``AfterAllowTestTraffic``, ``BeforeAllowTraffic``, ``AllowTraffic``, ``AfterAllowTraffic``;
    hook events appear only when the AppSpec names a hook for them.
    """

    at: float
    service: str
    deployment_id: str
    event: str
    status: str
    """``Succeeded`` or ``Failed`` (CodeDeploy's lifecycle event statuses)."""
    hook: str = ""
    """The Lambda function the AppSpec names for a hook event."""
    detail: str = ""

    @property
    def message(self) -> str:
        hook = f" hook {self.hook}" if self.hook else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"CodeDeploy deployment {self.deployment_id} of service {self.service}: {self.event}{hook} {self.status}{detail}"
