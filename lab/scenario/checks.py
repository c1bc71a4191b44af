"""Provides the check vocabulary a scenario's ``checks:`` list is written in.

Each kind is a strict pydantic model with ``kind`` as its tag, so an unknown kind or a
parameter a kind does not take is reported at its line. What each kind means is in
``docs/checks.md``; how it is judged is in ``lab/grading/checks.py``. Times are simulated
seconds from the start of the run.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from lab.config.tagged import ByTag

__all__ = ["CHECK_KINDS", "CheckSpec", "CheckSpecByKind", "Pattern", "author_pattern", "check_models", "event_types"]


class Pattern(Protocol):
    """A compiled author's pattern: what the judging functions call."""

    def search(self, text: str) -> object | None: ...


@functools.lru_cache(maxsize=256)
def author_pattern(text: str) -> Pattern:
    """Compile a scenario author's regular expression on RE2 (Google's linear-time engine).

    A backtracking engine can take hours on a pattern such as ``(\\w|\\w)+Z`` against a long
    message; RE2's time is linear in the text. RE2 has no backreferences and no lookaround.

    Raises:
        ValueError: RE2 cannot compile the pattern (the message says why, in RE2's words).
    """
    # Imported here: only a pattern needs it (20 of the 44 shipped scenarios' grades load none).
    import re2

    options = re2.Options()
    options.log_errors = False  # the error becomes a positioned diagnostic instead
    try:
        compiled: Pattern = re2.compile(text, options)
        return compiled
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"regular expression {text!r} is not RE2 syntax ({reason}): checks use RE2, which has no "
            "backreferences and no lookaround (see docs/checks.md)"
        ) from None


def _re2_or_none(value: str | None) -> str | None:
    """A field validator's body: refuse a pattern RE2 cannot compile when the scenario loads."""
    if value is not None:
        author_pattern(value)
    return value


def event_types() -> dict[str, tuple[str, ...]]:
    """Every event record type the simulator logs → its field names (for event checks)."""
    from lab.sim import events, scaling_events

    found: dict[str, tuple[str, ...]] = {}
    for module in (events, scaling_events):
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and hasattr(cls, "_fields"):
                found[name] = tuple(cls._fields)
    return found


class _Check(BaseModel):
    # Built at first use: a scenario validates only the kinds it uses (``CheckSpecByKind``).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    """Stable identifier, unique within the scenario (kebab-case)."""
    title: str | None = None
    """The objective as the learner reads it; a default is written from the parameters."""
    points: int = Field(default=10, ge=0, le=1000)
    required: bool = True
    """A required check must pass on every seed for the scenario to pass."""

    def describe(self) -> str:
        """The objective's text (the title, or one made from the parameters)."""
        return self.title or self.default_title()

    def default_title(self) -> str:
        return self.id


class _Window(BaseModel):
    """Mixin: a time window ``after`` ≤ t ≤ ``before`` (None: the run's start / end)."""

    after: float | None = Field(default=None, ge=0)
    before: float | None = Field(default=None, ge=0)


class ServiceRunning(_Check):
    kind: Literal["service-running"]
    service: str
    count: int | None = Field(default=None, ge=0)
    """Exactly this many tasks RUNNING."""
    minimum: int | None = Field(default=None, ge=0)
    """At least this many tasks RUNNING."""
    by: float | None = Field(default=None, ge=0)
    """Reached at this time at the latest (default: the end of the run)."""
    stay: bool = False
    """Once reached (by ``by``), it must hold until the end of the run."""

    @model_validator(mode="after")
    def _one_bound(self) -> ServiceRunning:
        if (self.count is None) == (self.minimum is None):
            raise ValueError("give exactly one of 'count' or 'minimum'")
        return self

    def default_title(self) -> str:
        n = f"{self.count}" if self.count is not None else f"at least {self.minimum}"
        when = f" by {self.by:g} s" if self.by is not None else ""
        return f"{self.service} runs {n} tasks{when}" + (" and keeps them" if self.stay else "")


class ServiceSteadyState(_Check):
    kind: Literal["service-steady-state"]
    service: str
    by: float | None = Field(default=None, ge=0)
    """The service reports "has reached a steady state" by this time (default: the end)."""

    def default_title(self) -> str:
        return f"{self.service} reaches a steady state" + (f" by {self.by:g} s" if self.by is not None else "")


class NoTaskStopped(_Check, _Window):
    kind: Literal["no-task-stopped"]
    reason: str = ".*"
    """Regular expression searched in the stoppedReason (e.g. ``CannotPullContainerError``)."""
    service: str | None = None
    """Only this service's tasks (default: every task)."""
    stop_codes: list[str] = Field(default_factory=lambda: ["TaskFailedToStart", "EssentialContainerExited"])
    """Stop codes that count (scheduler scale-ins and user stops are not failures)."""

    @field_validator("reason")
    @classmethod
    def _reason_is_re2(cls, value: str) -> str:
        author_pattern(value)
        return value

    def default_title(self) -> str:
        what = "" if self.reason == ".*" else f" with {self.reason}"
        return f"no task stops{what}" + (f" after {self.after:g} s" if self.after else "")


class TasksSpread(_Check):
    kind: Literal["tasks-spread"]
    service: str
    min_azs: int | None = Field(default=None, ge=1)
    min_instances: int | None = Field(default=None, ge=1)
    at: float | None = Field(default=None, ge=0)
    """Judged at this time (default: the end of the run)."""
    always_after: float | None = Field(default=None, ge=0)
    """Instead of one moment: from this time to the end, whenever tasks run."""

    @model_validator(mode="after")
    def _one_bound(self) -> TasksSpread:
        if self.min_azs is None and self.min_instances is None:
            raise ValueError("give 'min_azs' or 'min_instances'")
        return self

    def default_title(self) -> str:
        parts = []
        if self.min_azs:
            parts.append(f"{self.min_azs} Availability Zones")
        if self.min_instances:
            parts.append(f"{self.min_instances} instances")
        return f"{self.service} is spread over at least " + " and ".join(parts)


class HealthyTargets(_Check, _Window):
    kind: Literal["healthy-targets"]
    target_group: str
    minimum: int = Field(ge=0)
    always: bool = False
    """Hold for the whole window (default: at the window's end)."""

    def default_title(self) -> str:
        return f"at least {self.minimum} healthy targets in {self.target_group}" + (" throughout" if self.always else "")


class FailedRequests(_Check, _Window):
    kind: Literal["failed-requests"]
    target_group: str | None = None
    """One target group (default: all of them)."""
    maximum: float | None = Field(default=None, ge=0)
    """Most failed requests (5xx) in the window."""
    max_percent: float | None = Field(default=None, ge=0, le=100)
    """Most failed requests as a percentage of all requests in the window."""
    source: Literal["elb", "target", "any"] = "any"
    """HTTPCode_ELB_5XX, HTTPCode_Target_5XX, or both."""

    @model_validator(mode="after")
    def _one_bound(self) -> FailedRequests:
        if (self.maximum is None) == (self.max_percent is None):
            raise ValueError("give exactly one of 'maximum' or 'max_percent'")
        return self

    def default_title(self) -> str:
        bound = f"{self.maximum:g}" if self.maximum is not None else f"{self.max_percent:g}%"
        return f"at most {bound} failed requests"


class FailedCalls(_Check, _Window):
    kind: Literal["failed-calls"]
    client: str
    """The calling service (``world.clients[].service``)."""
    calls: str | None = None
    """One name it calls (default: every name)."""
    maximum: float | None = Field(default=None, ge=0)
    """Most failed calls in the window."""
    max_percent: float | None = Field(default=None, ge=0, le=100)
    """Most failed calls as a percentage of all its calls in the window."""

    @model_validator(mode="after")
    def _one_bound(self) -> FailedCalls:
        if (self.maximum is None) == (self.max_percent is None):
            raise ValueError("give exactly one of 'maximum' or 'max_percent'")
        return self

    def default_title(self) -> str:
        bound = f"{self.maximum:g}" if self.maximum is not None else f"{self.max_percent:g}%"
        return f"at most {bound} failed calls from {self.client}"


class DeploymentCompleted(_Check):
    kind: Literal["deployment-completed"]
    service: str
    within: float | None = Field(default=None, gt=0)
    """Seconds from the answer being applied (``run.apply_at``)."""
    by: float | None = Field(default=None, ge=0)
    """An absolute deadline instead."""

    def default_title(self) -> str:
        limit = f" within {self.within:g} s" if self.within else (f" by {self.by:g} s" if self.by else "")
        return f"{self.service}'s deployment completes{limit}"


class InstanceCount(_Check):
    kind: Literal["instance-count"]
    minimum: int | None = Field(default=None, ge=0)
    maximum: int | None = Field(default=None, ge=0)
    status: Literal["ACTIVE", "DRAINING", "any"] = "ACTIVE"
    at: float | None = Field(default=None, ge=0)
    always_after: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_bound(self) -> InstanceCount:
        if self.minimum is None and self.maximum is None:
            raise ValueError("give 'minimum' and/or 'maximum'")
        return self

    def default_title(self) -> str:
        low = "" if self.minimum is None else f"at least {self.minimum}"
        high = "" if self.maximum is None else f"at most {self.maximum}"
        return f"{' and '.join(x for x in (low, high) if x)} {self.status} container instances"


class DaemonCoverage(_Check, _Window):
    kind: Literal["daemon-coverage"]
    service: str
    """The service name (its tasks are the group ``service:<name>``)."""
    grace: float = Field(default=0.0, ge=0)
    """Seconds an ACTIVE instance may go without the service's task at a stretch (a new
    instance pulling and starting it, a daemon deployment replacing it)."""

    def default_title(self) -> str:
        return f"{self.service} runs exactly one task on every ACTIVE container instance"


class PolicyAllows(_Check):
    kind: Literal["policy-allows"]
    file: str
    """A learner file of kind iam-role."""
    action: str
    resource: str = "*"

    def default_title(self) -> str:
        return f"{self.file} allows {self.action}"


class PolicyNotAllows(_Check):
    kind: Literal["policy-not-allows"]
    file: str
    action: str
    """An action, or a wildcard such as ``*`` or ``ecr:*``: the role must not grant it."""
    resource: str = "*"
    any_wildcard: bool = False
    """Also fail on any ``service:*``/``*`` Allow, NotAction or NotResource (least privilege)."""

    def default_title(self) -> str:
        return f"{self.file} does not allow {self.action}"


class IngressAllows(_Check):
    kind: Literal["ingress-allows"]
    file: str
    """A learner file of kind ``security-group``."""
    source_group: str
    """The sending security group, by name or id."""
    protocol: Literal["tcp", "udp"] = "tcp"
    from_port: int = Field(ge=0, le=65535)
    to_port: int = Field(ge=0, le=65535)
    """Every port from ``from_port`` to ``to_port`` must be let in (by one rule or several)."""

    @model_validator(mode="after")
    def _ordered(self) -> IngressAllows:
        if self.from_port > self.to_port:
            raise ValueError(f"'from_port' ({self.from_port}) is above 'to_port' ({self.to_port})")
        return self

    def default_title(self) -> str:
        return f"{self.file} lets {self.source_group} in on {self.protocol} {self.from_port}-{self.to_port}"


_FIELD_PATH = re.compile(r"(?:[^.\[\]]+|\[\d+\])(?:\.[^.\[\]]+|\[\d+\])*")
"""A ``config-field`` path: keys joined by dots, list indexes in brackets (``a.b[0].c``)."""


class ConfigField(_Check):
    kind: Literal["config-field"]
    file: str
    path: str
    """Where in the file: ``containerDefinitions[0].portMappings[0].hostPort``."""
    equals: Any = None
    one_of: list[Any] | None = None
    matches: str | None = None
    """Regular expression (RE2) the value (as text) must match."""
    not_matches: str | None = None
    """Regular expression (RE2) the value (as text) must not match (RE2 has no lookahead for ``^(?!...)``)."""
    present: bool | None = None
    """True: the field must be there; False: it must not."""
    at_least: float | None = None
    """The value, a number, must be at least this."""
    at_most: float | None = None
    """The value, a number, must be at most this (with ``at_least``: a range)."""

    @field_validator("matches", "not_matches")
    @classmethod
    def _patterns_are_re2(cls, value: str | None) -> str | None:
        return _re2_or_none(value)

    @field_validator("path")
    @classmethod
    def _path_is_well_formed(cls, value: str) -> str:
        # A malformed path names no field, so the check would judge "not set" whatever the answer.
        if not _FIELD_PATH.fullmatch(value):
            raise ValueError(f"{value!r} is not a field path: keys joined by dots and list indexes in brackets, such as containerDefinitions[0].portMappings[0].hostPort")
        return value

    @model_validator(mode="after")
    def _one_test(self) -> ConfigField:
        numeric = self.at_least is not None or self.at_most is not None
        tests = [
            self.equals is not None,
            self.one_of is not None,
            self.matches is not None,
            self.not_matches is not None,
            self.present is not None,
            numeric,
        ]
        if sum(tests) != 1:
            raise ValueError("give exactly one of 'equals', 'one_of', 'matches', 'not_matches', 'present', or 'at_least'/'at_most'")
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError(f"'at_least' ({self.at_least:g}) is above 'at_most' ({self.at_most:g}): no value can pass")
        return self

    def default_title(self) -> str:
        bounds = [f"at least {self.at_least:g}" if self.at_least is not None else "", f"at most {self.at_most:g}" if self.at_most is not None else ""]
        if any(bounds):
            return f"{self.file}: {self.path} is {' and '.join(b for b in bounds if b)}"
        return f"{self.file}: {self.path} is set right"


class Cost(_Check):
    kind: Literal["cost"]
    maximum_usd: float = Field(gt=0)
    """Most the run may cost (instance-hours on demand, Fargate vCPU- and GB-hours)."""

    def default_title(self) -> str:
        return f"the run costs at most ${self.maximum_usd:,.2f}"


_IMAGE = r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"


class ImageSize(_Check):
    kind: Literal["image-size"]
    image: str = Field(pattern=_IMAGE)
    """``repository:tag`` of a ``world.builds`` entry."""
    maximum_mb: float = Field(gt=0)
    """Largest compressed size (MB, 10^6 bytes) the last build of the image may have."""

    def default_title(self) -> str:
        return f"{self.image} weighs at most {self.maximum_mb:g} MB"


class ImageLayers(_Check):
    kind: Literal["image-layers"]
    image: str = Field(pattern=_IMAGE)
    """``repository:tag`` of a ``world.builds`` entry."""
    maximum: int = Field(ge=1)
    """Most filesystem layers (base image's included) the last build may have."""

    def default_title(self) -> str:
        return f"{self.image} has at most {self.maximum} layers"


class BuildCacheCheck(_Check):
    kind: Literal["build-cache"]
    image: str = Field(pattern=_IMAGE)
    """``repository:tag`` of a ``world.builds`` entry."""
    change: dict[str, str] = Field(min_length=1)
    """Context files a developer then changes (path → new text): the last-built Dockerfile is
    rebuilt with them on a copy of the world's build cache."""
    max_rebuilt: int | None = Field(default=None, ge=0)
    """Most steps (FROM aside) the rebuild may run instead of reusing."""
    cached: str | None = None
    """Regular expression (RE2): every step whose instruction it matches must be CACHED, and one must match."""

    @field_validator("cached")
    @classmethod
    def _cached_is_re2(cls, value: str | None) -> str | None:
        return _re2_or_none(value)

    @model_validator(mode="after")
    def _one_bound(self) -> BuildCacheCheck:
        if self.max_rebuilt is None and self.cached is None:
            raise ValueError("give 'max_rebuilt' and/or 'cached'")
        return self

    def default_title(self) -> str:
        what = ", ".join(self.change)
        parts = [f"at most {self.max_rebuilt} steps rebuilt"] if self.max_rebuilt is not None else []
        if self.cached is not None:
            parts.append(f"'{self.cached}' CACHED")
        return f"after a change to {what}, a rebuild of {self.image} has {' and '.join(parts)}"


class ImageRollout(_Check):
    kind: Literal["image-rollout"]
    image: str = Field(pattern=_IMAGE)
    """``repository:tag`` of a ``world.builds`` entry."""
    service: str
    """The service (or task group) whose tasks run the image."""
    within: float = Field(gt=0)
    """Most seconds from the image's last push to the last of those tasks reaching RUNNING."""
    minimum: int = Field(default=1, ge=1)
    """At least this many of the service's tasks must pull the pushed image and reach RUNNING."""

    def default_title(self) -> str:
        return f"{self.minimum}+ tasks of {self.service} run {self.image} within {self.within:g} s of its push"


class RoutedRequests(_Check, _Window):
    kind: Literal["routed-requests"]
    load_balancer: str
    path_prefix: str = "/"
    """Count the request classes whose path starts with this."""
    exclude_prefix: str | None = None
    """Leave out the request classes whose path starts with this."""
    host: str | None = None
    """Only the request classes with this Host header."""
    target_group: str | None = None
    """Where the requests must go: forwarded to this target group ..."""
    destination: str | None = None
    """... or this outcome: ``fixed-response 404``, ``redirect 301``, ``connection failed``."""
    min_percent: float | None = Field(default=None, ge=0, le=100)
    max_percent: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_each(self) -> RoutedRequests:
        if (self.target_group is None) == (self.destination is None):
            raise ValueError("give exactly one of 'target_group' or 'destination'")
        if self.min_percent is None and self.max_percent is None:
            raise ValueError("give 'min_percent', 'max_percent' or both")
        return self

    @property
    def wanted(self) -> str:
        """The destination text the load balancer's counts use."""
        return f"target group {self.target_group}" if self.target_group is not None else str(self.destination)

    def default_title(self) -> str:
        bounds = " and ".join(b for b in (
            f"at least {self.min_percent:g}%" if self.min_percent is not None else "",
            f"at most {self.max_percent:g}%" if self.max_percent is not None else "",
        ) if b)
        return f"{bounds} of {self.load_balancer}'s requests for {self.path_prefix}... go to {self.wanted}"


class EventOccurred(_Check, _Window):
    kind: Literal["event-occurred", "event-not-occurred"]
    type: str
    """An event record type: ServiceEvent, TaskStateChanged, TargetHealthChanged, ..."""
    where: dict[str, Any] = Field(default_factory=dict)
    """Field values the event must have (e.g. ``{service: web, kind: steady-state}``)."""
    message: str | None = None
    """Regular expression (RE2) searched in the event's message."""
    min_count: int = Field(default=1, ge=1)

    @field_validator("message")
    @classmethod
    def _message_is_re2(cls, value: str | None) -> str | None:
        return _re2_or_none(value)

    @field_validator("where")
    @classmethod
    def _known_service_event_kind(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # A kind the scheduler never posts matches nothing: event-not-occurred on it would
        # pass whatever the answer does (a guard on "unable-to-place" once scored a cheat 100/100).
        import difflib

        from lab.sim.events import SERVICE_EVENT_KINDS

        if info.data.get("type") != "ServiceEvent" or "kind" not in value:
            return value
        kind = str(value["kind"])
        if kind not in SERVICE_EVENT_KINDS:
            close = difflib.get_close_matches(kind, SERVICE_EVENT_KINDS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(SERVICE_EVENT_KINDS)})"
            extra = "; a placement failure is a PlacementFailed event, not a ServiceEvent" if "place" in kind else ""
            raise ValueError(f"unknown ServiceEvent kind '{kind}'{hint}{extra}")
        return value

    @model_validator(mode="after")
    def _known_type_and_fields(self) -> EventOccurred:
        # A misspelt type or field would match nothing, and event-not-occurred would pass.
        import difflib

        types = event_types()
        fields = types.get(self.type)
        if fields is None:
            close = difflib.get_close_matches(self.type, list(types), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(types))})"
            raise ValueError(f"unknown event type '{self.type}'{hint}")
        for key in self.where:
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f" (its fields: {', '.join(fields)})"
                raise ValueError(f"{self.type} has no field '{key}'{hint}")
        return self

    def default_title(self) -> str:
        text = self.message or ", ".join(f"{k}={v}" for k, v in self.where.items()) or self.type
        return f"{'a' if self.kind == 'event-occurred' else 'no'} {self.type} ({text})"


_MODELS = (
    ServiceRunning,
    ServiceSteadyState,
    NoTaskStopped,
    TasksSpread,
    HealthyTargets,
    FailedRequests,
    FailedCalls,
    DeploymentCompleted,
    InstanceCount,
    DaemonCoverage,
    PolicyAllows,
    PolicyNotAllows,
    IngressAllows,
    ConfigField,
    Cost,
    ImageSize,
    ImageLayers,
    BuildCacheCheck,
    ImageRollout,
    EventOccurred,
    RoutedRequests,
)

CheckSpec = Annotated[
    ServiceRunning
    | ServiceSteadyState
    | NoTaskStopped
    | TasksSpread
    | HealthyTargets
    | FailedRequests
    | FailedCalls
    | DeploymentCompleted
    | InstanceCount
    | DaemonCoverage
    | PolicyAllows
    | PolicyNotAllows
    | IngressAllows
    | ConfigField
    | Cost
    | ImageSize
    | ImageLayers
    | BuildCacheCheck
    | ImageRollout
    | EventOccurred
    | RoutedRequests,
    Field(discriminator="kind"),
]

CHECK_KINDS: tuple[str, ...] = tuple(
    sorted(kind for model in _MODELS for kind in model.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]
)
"""Every check kind, sorted."""


def check_models() -> tuple[type[BaseModel], ...]:
    """The model classes of the check kinds (for docs and the schema reference)."""
    return _MODELS



CheckSpecByKind = Annotated[CheckSpec, ByTag(CheckSpec, "kind", _MODELS)]
"""``CheckSpec`` validated by kind (what a scenario's ``checks:`` list holds): only the kinds a scenario uses are built."""
