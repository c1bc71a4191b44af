"""Provides the judging of each check kind over a whole run (one function per kind).

Checks read the run's event log, the world's read-only views (snapshot, target-group
metrics, cost) and, for static checks, the learner's files. They judge the whole history
(windows, "always", "never"), not only the final state, and explain a failure with what
happened: counts, times, reasons and instance ids from the run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from lab.scenario.checks import CHECK_KINDS, author_pattern
from lab.scenario.simdoc import ConfigFile, iam_role
from lab.sim.events import (
    ContainerInstanceStateChanged,
    ImageBuilt,
    ImagePullStarted,
    ImagePushed,
    PlacementFailed,
    ServiceCallsMinute,
    ServiceEvent,
    TargetHealthChanged,
    TaskStateChanged,
)
from lab.sim.iam import evaluate, is_wildcard_grant
from lab.sim.world import World

__all__ = ["CHECKS", "RunView", "Verdict", "judge"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check on one run."""

    passed: bool
    message: str
    file: str | None = None
    line: int | None = None


class RunView:
    """What checks may look at after a run: events, views, and the files in force."""

    def __init__(self, world: World, files: dict[str, ConfigFile], *, duration: float, apply_at: float) -> None:
        self.world = world
        self.events = list(world.log)
        self.files = files
        self.duration = duration
        self.apply_at = apply_at
        self._changes: dict[str, list[TaskStateChanged]] = {}
        self._series: dict[str, list[tuple[float, int]]] = {}

    # -- task series ---------------------------------------------------------------------------

    @staticmethod
    def group_of(service: str) -> str:
        """A service name, or a task group given as ``family:x`` / ``service:x``."""
        return service if ":" in service else f"service:{service}"

    def task_changes(self, service: str) -> list[TaskStateChanged]:
        """The task state changes of one service (or group), in order."""
        group = self.group_of(service)
        cached = self._changes.get(group)
        if cached is None:
            cached = self._changes[group] = [e for e in self.events if isinstance(e, TaskStateChanged) and e.group == group]
        return cached

    def running_series(self, service: str) -> list[tuple[float, int]]:
        """(time, RUNNING tasks) at every change of the count for one service (or group).

        Counts, not the tasks themselves: a live objective re-reads this after every tick,
        and copying 5,000 running tasks at each of 5,000 starts would take seconds.
        """
        group = self.group_of(service)
        cached = self._series.get(group)
        if cached is not None:
            return cached
        running: set[str] = set()
        series: list[tuple[float, int]] = [(0.0, 0)]
        for e in self.task_changes(service):
            before = len(running)
            if e.last_status == "RUNNING":
                running.add(e.task_id)
            else:
                running.discard(e.task_id)
            if len(running) != before:
                if series[-1][0] == e.at:
                    series[-1] = (e.at, len(running))
                else:
                    series.append((e.at, len(running)))
        self._series[group] = series
        return series

    def running_at(self, service: str, t: float) -> dict[str, TaskStateChanged]:
        """The service's RUNNING tasks at time ``t`` (each by its latest event up to then)."""
        running: dict[str, TaskStateChanged] = {}
        for e in self.task_changes(service):
            if e.at > t:
                break
            if e.last_status == "RUNNING":
                running[e.task_id] = e
            else:
                running.pop(e.task_id, None)
        return running

    def waiting_summary(self, service: str, t: float) -> str:
        """``"; 2 tasks waiting in PROVISIONING"`` at time ``t`` (empty when none wait)."""
        last: dict[str, str] = {}
        for e in self.task_changes(service):
            if e.at > t:
                break
            last[e.task_id] = e.last_status
        waiting = Counter(status for status in last.values() if status in ("PROVISIONING", "PENDING"))
        parts = [f"{n} task{'s' if n != 1 else ''} waiting in {status}" for status, n in sorted(waiting.items(), key=lambda kv: kv[0] != "PROVISIONING")]
        return "".join(f"; {part}" for part in parts)

    def placement_summary(self, service: str, until: float) -> str:
        """``"; 3 placements failed with RESOURCE:PORTS on i-0a1b…"`` (empty when none failed)."""
        name = self.group_of(service).partition(":")[2]
        fails = [e for e in self.events if isinstance(e, PlacementFailed) and e.at <= until and (e.service == name or e.group == self.group_of(service))]
        if not fails:
            return ""
        reasons = Counter(e.reason for e in fails)
        reason, _ = reasons.most_common(1)[0]
        arn = next((e.container_instance_arn for e in fails if e.reason == reason and e.container_instance_arn), None)
        where = ""
        if arn:
            ci_id = arn.rsplit("/", 1)[-1]
            ec2 = next((e.ec2_instance_id for e in self.events if isinstance(e, ContainerInstanceStateChanged) and e.container_instance_id == ci_id), ci_id)
            where = f" on {ec2}"
        count = len(fails)
        return f"; {count} placement{'s' if count != 1 else ''} failed with {reason}{where}"

    def stopped_summary(self, service: str | None, until: float, codes: Collection[str | None] = ("TaskFailedToStart", "EssentialContainerExited", "ServiceSchedulerInitiated")) -> str:
        """``"; 4 tasks stopped: CannotPullContainerError: …"`` for the most common failure."""
        group = self.group_of(service) if service else None
        stops = [
            e for e in self.events
            if isinstance(e, TaskStateChanged) and e.last_status == "STOPPED" and e.at <= until and e.stop_code in codes
            and (group is None or e.group == group) and not (e.stopped_reason or "").startswith("Scaling activity")
        ]
        if not stops:
            return ""
        reason, _ = Counter(e.stopped_reason for e in stops).most_common(1)[0]
        return f"; {len(stops)} task{'s' if len(stops) != 1 else ''} stopped: {_short(reason or '')}"


def _short(text: str, limit: int = 480) -> str:
    # Long enough for ECS's longest texts (a CannotPull… with its ARNs, a placement failure
    # with its closest match): the words that name the cause come last in them.
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _t(seconds: float) -> str:
    return f"{seconds:g} s"


# -- one function per kind ------------------------------------------------------------------------


def check_service_running(c: Any, run: RunView) -> Verdict:
    deadline = c.by if c.by is not None else run.duration
    want = c.count if c.count is not None else c.minimum

    def ok(n: int) -> bool:
        return n == c.count if c.count is not None else n >= c.minimum

    series = run.running_series(c.service)
    reached = next((t for t, n in series if t <= deadline and ok(n)), None)
    at_deadline = len(run.running_at(c.service, deadline))
    context = run.waiting_summary(c.service, deadline) + run.placement_summary(c.service, deadline) + run.stopped_summary(c.service, deadline)
    bound = f"{want}" if c.count is not None else f"at least {want}"
    if reached is None:
        return Verdict(False, f"{c.service} had {at_deadline} of {bound} tasks running at {_t(deadline)}{context}")
    if c.stay:
        if not ok(at_deadline):
            return Verdict(False, f"{c.service} had {at_deadline} tasks running at {_t(deadline)}, not {bound}{context}")
        for t, n in series:
            if deadline < t <= run.duration and not ok(n):
                later = run.placement_summary(c.service, run.duration) + run.stopped_summary(c.service, run.duration)
                return Verdict(False, f"{c.service} dropped to {n} running tasks at {_t(t)} (needed {bound} from {_t(deadline)} on){later}")
    return Verdict(True, f"{c.service} had {bound} tasks running at {_t(reached)}")


def check_service_steady_state(c: Any, run: RunView) -> Verdict:
    deadline = c.by if c.by is not None else run.duration
    steady = [e for e in run.events if isinstance(e, ServiceEvent) and e.service == c.service and e.kind == "steady-state" and e.at <= deadline]
    if steady:
        return Verdict(True, f"{c.service} reached a steady state at {_t(steady[0].at)}")
    # The service's Events tab: its messages, and "was unable to place a task" (a PlacementFailed).
    last = [
        e for e in run.events
        if isinstance(e, (ServiceEvent, PlacementFailed)) and e.service == c.service and e.at <= deadline
        and not getattr(e, "repeated", False)
    ]
    tail = f"; its last event: {_short(last[-1].message)}" if last else ""
    return Verdict(False, f"{c.service} did not reach a steady state by {_t(deadline)}{tail}")


def check_no_task_stopped(c: Any, run: RunView) -> Verdict:
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    pattern = author_pattern(c.reason)  # RE2: linear in the text, checked when the scenario loads
    group = run.group_of(c.service) if c.service else None
    stops = [
        e for e in run.events
        if isinstance(e, TaskStateChanged) and e.last_status == "STOPPED" and start <= e.at <= end
        and e.stop_code in c.stop_codes and pattern.search(e.stopped_reason or "")
        and (group is None or e.group == group)
    ]
    window = f" between {_t(start)} and {_t(end)}"
    if not stops:
        return Verdict(True, f"no task stopped{window}" + ("" if c.reason == ".*" else f" with {c.reason}"))
    first = stops[0]
    return Verdict(False, f"{len(stops)} task{'s' if len(stops) != 1 else ''} stopped{window}; the first at {_t(first.at)}: {_short(first.stopped_reason or '')}")


def check_tasks_spread(c: Any, run: RunView) -> Verdict:
    def spread(tasks: dict[str, TaskStateChanged]) -> tuple[int, int]:
        return len({t.availability_zone for t in tasks.values()}), len({t.ec2_instance_id or t.task_id for t in tasks.values()})

    def fine(azs: int, hosts: int) -> bool:
        return (c.min_azs is None or azs >= c.min_azs) and (c.min_instances is None or hosts >= c.min_instances)

    need = " and ".join(x for x in (f"{c.min_azs} AZs" if c.min_azs else "", f"{c.min_instances} instances" if c.min_instances else "") if x)
    if c.always_after is not None:
        checkpoints = [c.always_after] + [t for t, _ in run.running_series(c.service) if t > c.always_after]
        # One pass over the changes, counting tasks per AZ and per host as they come and go.
        running: dict[str, TaskStateChanged] = {}
        per_az: Counter[str | None] = Counter()
        per_host: Counter[str | None] = Counter()

        def count(e: TaskStateChanged, step: int) -> None:
            for counter, key in ((per_az, e.availability_zone), (per_host, e.ec2_instance_id or e.task_id)):
                counter[key] += step
                if counter[key] == 0:
                    del counter[key]

        changes = run.task_changes(c.service)
        i = 0
        for t in checkpoints:
            while i < len(changes) and changes[i].at <= t:
                e = changes[i]
                i += 1
                old = running.pop(e.task_id, None)
                if old is not None:
                    count(old, -1)
                if e.last_status == "RUNNING":
                    running[e.task_id] = e
                    count(e, 1)
            azs, hosts = len(per_az), len(per_host)
            if running and not fine(azs, hosts):
                return Verdict(False, f"{c.service} ran on {azs} AZs and {hosts} instances at {_t(t)} (needed {need})")
        return Verdict(True, f"{c.service} stayed spread over {need} from {_t(c.always_after)} on")
    at = c.at if c.at is not None else run.duration
    azs, hosts = spread(run.running_at(c.service, at))
    if fine(azs, hosts):
        return Verdict(True, f"{c.service} ran on {azs} AZs and {hosts} instances at {_t(at)}")
    return Verdict(False, f"{c.service} ran on {azs} AZs and {hosts} instances at {_t(at)} (needed {need})")


def _healthy_series(run: RunView, target_group: str) -> list[tuple[float, int]]:
    states: dict[tuple[str, int], str] = {}
    series: list[tuple[float, int]] = [(0.0, 0)]
    for e in run.events:
        if isinstance(e, TargetHealthChanged) and e.target_group == target_group:
            states[(e.target_id, e.port)] = e.state
            count = sum(1 for s in states.values() if s == "healthy")
            if series[-1][0] == e.at:
                series[-1] = (e.at, count)
            elif series[-1][1] != count:
                series.append((e.at, count))
    return series


def check_healthy_targets(c: Any, run: RunView) -> Verdict:
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    series = _healthy_series(run, c.target_group)

    def at(t: float) -> int:
        value = 0
        for when, n in series:
            if when > t:
                break
            value = n
        return value

    if c.always:
        worst_t, worst = start, at(start)
        for when, n in series:
            if start < when <= end and n < worst:
                worst_t, worst = when, n
        if worst < c.minimum:
            return Verdict(False, f"{c.target_group} had {worst} healthy targets at {_t(worst_t)} (needed {c.minimum} from {_t(start)} to {_t(end)})")
        return Verdict(True, f"{c.target_group} kept at least {c.minimum} healthy targets from {_t(start)} to {_t(end)}")
    n = at(end)
    if n < c.minimum:
        reasons = Counter(e.description for e in run.events if isinstance(e, TargetHealthChanged) and e.target_group == c.target_group and e.state == "unhealthy")
        why = f"; targets were unhealthy: {reasons.most_common(1)[0][0]}" if reasons else ""
        return Verdict(False, f"{c.target_group} had {n} healthy targets at {_t(end)} (needed {c.minimum}){why}")
    return Verdict(True, f"{c.target_group} had {n} healthy targets at {_t(end)}")


def check_failed_requests(c: Any, run: RunView) -> Verdict:
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    total = failed = 0.0
    for _name, minutes in run.world.traffic(c.target_group):
        for minute, bucket in minutes.items():
            if start <= minute * 60 < end:
                total += bucket.request_count
                if c.source in ("elb", "any"):
                    failed += bucket.elb_5xx
                if c.source in ("target", "any"):
                    failed += bucket.target_5xx
    failed_n = round(failed)
    share = 100.0 * failed / total if total else 0.0
    where = f" in {c.target_group}" if c.target_group else ""
    text = f"{failed_n} of {round(total)} requests failed{where} between {_t(start)} and {_t(end)} ({share:.2f}%)"
    if c.maximum is not None:
        return Verdict(failed_n <= c.maximum, text + ("" if failed_n <= c.maximum else f"; at most {c.maximum:g} allowed"))
    ok = share <= c.max_percent
    return Verdict(ok, text + ("" if ok else f"; at most {c.max_percent:g}% allowed"))


def check_failed_calls(c: Any, run: RunView) -> Verdict:
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    total = failed = 0.0
    for e in run.events:
        # Each ServiceCallsMinute closes the minute that started 60 s before it.
        if isinstance(e, ServiceCallsMinute) and e.client == c.client and c.calls in (None, e.calls) and start <= e.at - 60 < end:
            total += e.requests
            failed += e.failed
    failed_n = round(failed)
    share = 100.0 * failed / total if total else 0.0
    text = f"{failed_n} of {round(total)} calls from {c.client} failed between {_t(start)} and {_t(end)} ({share:.2f}%)"
    if c.maximum is not None:
        return Verdict(failed_n <= c.maximum, text + ("" if failed_n <= c.maximum else f"; at most {c.maximum:g} allowed"))
    ok = share <= c.max_percent
    return Verdict(ok, text + ("" if ok else f"; at most {c.max_percent:g}% allowed"))


def check_deployment_completed(c: Any, run: RunView) -> Verdict:
    deadline = c.by if c.by is not None else (run.apply_at + c.within if c.within else run.duration)
    done = [e for e in run.events if isinstance(e, ServiceEvent) and e.service == c.service and e.kind == "deployment-completed" and e.at >= run.apply_at]
    if done and done[0].at <= deadline:
        return Verdict(True, f"{c.service}'s deployment completed at {_t(done[0].at)}")
    if done:
        return Verdict(False, f"{c.service}'s deployment completed at {_t(done[0].at)}, after the {_t(deadline)} limit")
    failed = [e for e in run.events if isinstance(e, ServiceEvent) and e.service == c.service and e.kind in ("deployment-failed", "deployment-blocked") and e.at >= run.apply_at]
    why = f"; {_short(failed[0].text)}" if failed else run.placement_summary(c.service, deadline) + run.stopped_summary(c.service, deadline)
    return Verdict(False, f"no deployment of {c.service} completed between {_t(run.apply_at)} and {_t(deadline)}{why}")


def check_instance_count(c: Any, run: RunView) -> Verdict:
    status: dict[str, str] = {}
    series: list[tuple[float, int]] = [(0.0, 0)]
    for e in run.events:
        if isinstance(e, ContainerInstanceStateChanged):
            status[e.container_instance_id] = e.status
            n = sum(1 for s in status.values() if c.status == "any" and s in ("ACTIVE", "DRAINING") or s == c.status)
            series.append((e.at, n))

    def at(t: float) -> int:
        value = 0
        for when, n in series:
            if when > t:
                break
            value = n
        return value

    def fine(n: int) -> bool:
        return (c.minimum is None or n >= c.minimum) and (c.maximum is None or n <= c.maximum)

    if c.always_after is not None:
        for when, n in [(c.always_after, at(c.always_after))] + [(w, n) for w, n in series if w > c.always_after]:
            if not fine(n):
                return Verdict(False, f"{n} {c.status} container instances at {_t(when)}")
        return Verdict(True, f"the {c.status} container instances stayed within bounds from {_t(c.always_after)} on")
    when = c.at if c.at is not None else run.duration
    n = at(when)
    return Verdict(fine(n), f"{n} {c.status} container instances at {_t(when)}")


def check_daemon_coverage(c: Any, run: RunView) -> Verdict:
    """Every ACTIVE instance runs exactly one RUNNING task of the service, from the event log alone."""
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    group = run.group_of(c.service)
    # Per instance, the stretches of (ACTIVE?, RUNNING tasks of the service), each opened when
    # one of the two changes. Events of one instant are applied together: a task replaced in
    # the same instant leaves no gap.
    active: dict[str, bool] = {}
    ec2: dict[str, str] = {}
    running: dict[str, str] = {}  # task id → container instance id
    opened: dict[str, tuple[float, bool, int]] = {}
    stretches: list[tuple[str, float, float, bool, int]] = []

    def count(ci: str) -> int:
        return sum(1 for where in running.values() if where == ci)

    def settle(t: float, touched: set[str]) -> None:
        for ci in sorted(touched):
            state = (active.get(ci, False), count(ci))
            before = opened.get(ci)
            if before is not None and (before[1], before[2]) == state:
                continue
            if before is not None:
                stretches.append((ci, before[0], t, before[1], before[2]))
            opened[ci] = (t, *state)

    touched: set[str] = set()
    now: float | None = None
    for e in run.events:
        if e.at > end:
            break
        if not isinstance(e, (ContainerInstanceStateChanged, TaskStateChanged)):
            continue
        if now is not None and e.at != now:
            settle(now, touched)
            touched = set()
        now = e.at
        if isinstance(e, ContainerInstanceStateChanged):
            ec2[e.container_instance_id] = e.ec2_instance_id
            active[e.container_instance_id] = e.status == "ACTIVE"
            touched.add(e.container_instance_id)
        elif e.group == group and e.container_instance_id:
            old = running.pop(e.task_id, None)
            if old is not None:
                touched.add(old)
            if e.last_status == "RUNNING":
                running[e.task_id] = e.container_instance_id
                touched.add(e.container_instance_id)
    if now is not None:
        settle(now, touched)
    # The log ends at run.duration (the current time of a live run): what comes after is unknown.
    stretches.extend((ci, since, max(run.duration, since), is_active, n) for ci, (since, is_active, n) in opened.items())

    worst: tuple[float, str, str] | None = None
    for ci, since, until, is_active, n in stretches:
        if not is_active or n == 1:
            continue
        # A stretch with no task is allowed ``grace`` seconds; two or more never are.
        moment = max(since + (c.grace if n == 0 else 0.0), start)
        if moment > end or moment >= until:
            continue
        name = ec2.get(ci, ci)
        if n == 0:
            gap = f" (for more than {_t(c.grace)})" if c.grace else ""
            text = f"{name} was ACTIVE with no {c.service} task running at {_t(moment)}{gap}"
        else:
            text = f"{name} ran {n} {c.service} tasks at {_t(moment)}"
        if worst is None or (moment, name) < (worst[0], worst[1]):
            worst = (moment, name, text)
    window = f"from {_t(start)} to {_t(end)}"
    if worst is not None:
        return Verdict(False, f"{worst[2]} (needed exactly one on every ACTIVE instance {window})")
    seen = len({ci for ci, since, until, is_active, _ in stretches if is_active and since <= end and until > start})
    return Verdict(True, f"every ACTIVE instance ran exactly one {c.service} task {window} ({seen} instance{'s' if seen != 1 else ''})")


def _role_file(c: Any, run: RunView) -> ConfigFile:
    return run.files[c.file]


def _statement_line(f: ConfigFile, matched: tuple[str, int] | None) -> int | None:
    if matched is None or f.document is None:
        return None
    label, index = matched
    if not label.startswith("inline:"):
        for i, arn in enumerate(f.model.managed_policy_arns):
            if arn == label:
                return f.document.where((*f.path, "ManagedPolicyArns", i))[0]
        return None
    name = label.removeprefix("inline:")
    for i, policy in enumerate(f.model.policies):
        if policy.policy_name == name:
            statements = f.document.get((*f.path, "Policies", i, "PolicyDocument", "Statement"))
            where = (*f.path, "Policies", i, "PolicyDocument", "Statement")
            if isinstance(statements, list):
                where = (*where, index)
            return f.document.where(where)[0]
    return None


def check_policy_allows(c: Any, run: RunView) -> Verdict:
    f = _role_file(c, run)
    decision = evaluate(iam_role(f.model).policies, c.action, c.resource)
    line = _statement_line(f, decision.matched)
    if decision.allowed:
        return Verdict(True, f"{c.file} allows {c.action} on {c.resource}", c.file, line)
    why = "an explicit Deny" if decision.reason == "explicit-deny" else "no statement allows it"
    return Verdict(False, f"{c.file} does not allow {c.action} on {c.resource}: {why}", c.file, line)


def check_policy_not_allows(c: Any, run: RunView) -> Verdict:
    f = _role_file(c, run)
    policies = iam_role(f.model).policies
    decision = evaluate(policies, c.action, c.resource)
    if decision.allowed:
        label = decision.matched[0] if decision.matched else "a policy"
        return Verdict(False, f"{c.file} allows {c.action} on {c.resource} (through {label}): grant only the actions the task needs", c.file, _statement_line(f, decision.matched))
    if c.any_wildcard and is_wildcard_grant(policies):
        return Verdict(False, f"{c.file} grants a wildcard (service:* or *, NotAction or NotResource): grant only the actions the task needs", c.file, None)
    return Verdict(True, f"{c.file} does not allow {c.action}", c.file, None)


def check_ingress_allows(c: Any, run: RunView) -> Verdict:
    from lab.config.security_group import allows_ingress  # only where a scenario has a security group

    group = run.files[c.file].model
    # Whether a port is let in changes only where a rule's range starts or ends, so one port
    # per stretch between those edges decides the whole stretch (not 28,000 lookups).
    edges = {c.from_port, c.to_port + 1}
    for rule in group.ingress:
        edges.update(p for p in (rule.from_port, rule.to_port + 1) if c.from_port < p <= c.to_port)
    cuts = sorted(edges)
    blocked = [
        (start, end - 1) for start, end in zip(cuts, cuts[1:])
        if not allows_ingress(group, protocol=c.protocol, port=start, source_group=c.source_group)
    ]
    what = f"{c.protocol} {c.from_port}-{c.to_port} from {c.source_group}"
    if not blocked:
        return Verdict(True, f"{c.file}: SecurityGroupIngress lets in {what}", c.file, None)
    count = sum(end - start + 1 for start, end in blocked)
    return Verdict(False, f"{c.file}: SecurityGroupIngress does not let in {what}: {count} port(s) blocked, the first {blocked[0][0]}", c.file, None)


_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _walk(data: Any, path: str) -> tuple[bool, Any, tuple[Any, ...]]:
    steps: list[Any] = []
    for name, index in _PATH_STEP.findall(path):
        steps.append(int(index) if index else name)
    node = data
    for step in steps:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False, None, tuple(steps)
    return True, node, tuple(steps)


def check_config_field(c: Any, run: RunView) -> Verdict:
    f = run.files[c.file]
    doc = f.document
    data = doc.get(f.path) if doc is not None else None
    present, value, steps = _walk(data, c.path)
    line = doc.where((*f.path, *steps))[0] if doc is not None else None
    shown = repr(value) if present else "not set"
    if c.present is not None:
        ok = present == c.present
        want = "set" if c.present else "not set"
        return Verdict(ok, f"{c.file}: {c.path} is {'set' if present else 'not set'}" + ("" if ok else f" (it must be {want})"), c.file, line)
    if not present:
        return Verdict(False, f"{c.file}: {c.path} is not set", c.file, line)
    if c.equals is not None:
        ok = value == c.equals or str(value) == str(c.equals)
        return Verdict(ok, f"{c.file}: {c.path} is {shown}" + ("" if ok else f", expected {c.equals!r}"), c.file, line)
    if c.one_of is not None:
        ok = value in c.one_of or str(value) in [str(v) for v in c.one_of]
        return Verdict(ok, f"{c.file}: {c.path} is {shown}" + ("" if ok else f", expected one of {c.one_of!r}"), c.file, line)
    if c.at_least is not None or c.at_most is not None:
        return _numeric_field(c, value, shown, line)
    if c.not_matches is not None:
        ok = author_pattern(c.not_matches).search(str(value)) is None
        return Verdict(ok, f"{c.file}: {c.path} is {shown}" + ("" if ok else f", expected not to match {c.not_matches!r}"), c.file, line)
    ok = author_pattern(c.matches).search(str(value)) is not None
    return Verdict(ok, f"{c.file}: {c.path} is {shown}" + ("" if ok else f", expected to match {c.matches!r}"), c.file, line)


def _numeric_field(c: Any, value: Any, shown: str, line: int | None) -> Verdict:
    """``at_least`` / ``at_most``: the value must be a number (or a numeric string) in range."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        # AWS shapes carry some numbers as strings (TargetGroupAttributes' Value: "30").
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or number != number:  # NaN compares with nothing
        return Verdict(False, f"{c.file}: {c.path} is {shown}, not a number", c.file, line)
    low = c.at_least is None or number >= c.at_least
    high = c.at_most is None or number <= c.at_most
    if low and high:
        return Verdict(True, f"{c.file}: {c.path} is {shown}", c.file, line)
    bound = f"at least {c.at_least:g}" if not low else f"at most {c.at_most:g}"
    return Verdict(False, f"{c.file}: {c.path} is {shown}, expected {bound}", c.file, line)


def check_cost(c: Any, run: RunView) -> Verdict:
    cost = run.world.cost_usd()
    ok = cost <= c.maximum_usd
    return Verdict(ok, f"the run cost ${cost:,.2f}" + ("" if ok else f", over the ${c.maximum_usd:,.2f} cap"))


def _last_build(run: RunView, image: str) -> ImageBuilt | None:
    builds = [e for e in run.events if isinstance(e, ImageBuilt) and e.image == image]
    return builds[-1] if builds else None


def check_image_size(c: Any, run: RunView) -> Verdict:
    built = _last_build(run, c.image)
    if built is None:
        return Verdict(False, f"{c.image} was never built")
    mb = built.size_bytes / 1_000_000
    ok = mb <= c.maximum_mb
    return Verdict(ok, f"{c.image} weighs {mb:.1f} MB" + ("" if ok else f", over {c.maximum_mb:g} MB") + f" ({len(built.layers)} layers)")


def check_image_layers(c: Any, run: RunView) -> Verdict:
    built = _last_build(run, c.image)
    if built is None:
        return Verdict(False, f"{c.image} was never built")
    ok = len(built.layers) <= c.maximum
    return Verdict(ok, f"{c.image} has {len(built.layers)} layers" + ("" if ok else f", over {c.maximum}"))


def check_build_cache(c: Any, run: RunView) -> Verdict:
    from lab.errors import SourceError

    try:
        rebuilt = run.world.rebuild_after(c.image, c.change)
    except SourceError as exc:
        return Verdict(False, f"the rebuild of {c.image} fails: {exc.diagnostic.message}")
    if rebuilt is None:
        return Verdict(False, f"{c.image} was never built")
    steps = [s for s in rebuilt.steps if not s.instruction.startswith("FROM")]
    run_steps = [s for s in steps if not s.cached]
    problems = []
    if c.max_rebuilt is not None and len(run_steps) > c.max_rebuilt:
        problems.append(f"{len(run_steps)} steps rebuilt, over {c.max_rebuilt}")
    if c.cached is not None:
        pattern = author_pattern(c.cached)
        named = [s for s in steps if pattern.search(s.instruction)]
        if not named:
            problems.append(f"no step matches {c.cached!r}")
        problems += [f"line {s.line} `{_short(s.instruction)}` is rebuilt" for s in named if not s.cached]
    first = f"; first rebuilt: line {run_steps[0].line} `{_short(run_steps[0].instruction)}`" if run_steps else ""
    summary = f"after changing {', '.join(c.change)}: {len(steps) - len(run_steps)} steps CACHED, {len(run_steps)} rebuilt{first}"
    return Verdict(not problems, summary + ("" if not problems else "; " + "; ".join(problems)))


def check_image_rollout(c: Any, run: RunView) -> Verdict:
    suffix = f"/{c.image}"
    pushes = [e for e in run.events if isinstance(e, ImagePushed) and e.image.endswith(suffix)]
    if not pushes:
        return Verdict(False, f"{c.image} was never pushed")
    pushed_at = pushes[-1].at
    group = run.task_changes(c.service)
    tasks = {e.task_id for e in group}
    pulled = {e.task_id for e in run.events if isinstance(e, ImagePullStarted) and e.image.endswith(suffix) and e.at >= pushed_at and e.task_id in tasks}
    running: dict[str, float] = {}
    for e in group:
        if e.task_id in pulled and e.last_status == "RUNNING" and e.task_id not in running:
            running[e.task_id] = e.at
    late = [t for t, at in running.items() if at - pushed_at > c.within]
    last = max(running.values(), default=None)
    when = f", the last {last - pushed_at:.1f} s after the push at {_t(pushed_at)}" if last is not None else ""
    summary = f"{len(running)} of {len(pulled)} tasks of {c.service} that pulled {c.image} reached RUNNING{when}"
    ok = len(running) >= c.minimum and not late
    if len(running) < c.minimum:
        summary += f"; fewer than {c.minimum}"
    if late:
        summary += f"; over {c.within:g} s"
    return Verdict(ok, summary)


def check_event(c: Any, run: RunView) -> Verdict:
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    pattern = author_pattern(c.message) if c.message else None
    matches = []
    for e in run.events:
        if type(e).__name__ != c.type or not start <= e.at <= end:
            continue
        fields = e._asdict()
        if any(str(fields.get(k)) != str(v) for k, v in c.where.items()):
            continue
        if pattern is not None and not pattern.search(e.message):
            continue
        matches.append(e)
    what = c.message or ", ".join(f"{k}={v}" for k, v in c.where.items()) or c.type
    if c.kind == "event-occurred":
        ok = len(matches) >= c.min_count
        first = f", first at {_t(matches[0].at)}" if matches else ""
        return Verdict(ok, f"{len(matches)} {c.type} event(s) matching {what!r} between {_t(start)} and {_t(end)}{first}")
    if matches:
        return Verdict(False, f"{len(matches)} {c.type} event(s) matching {what!r}; the first at {_t(matches[0].at)}: {_short(matches[0].message)}")
    return Verdict(True, f"no {c.type} event matching {what!r} between {_t(start)} and {_t(end)}")


def check_routed_requests(c: Any, run: RunView) -> Verdict:
    start, end = c.after or 0.0, c.before if c.before is not None else run.duration
    total = wanted = 0.0
    elsewhere: dict[str, float] = {}
    for minute, counts in run.world.load_balancer_requests(c.load_balancer).items():
        if not start <= minute * 60 < end:
            continue
        for (label, destination), n in counts.items():
            method_host_path = label.partition(" ")[2]
            cut = method_host_path.find("/")
            host, path = method_host_path[:cut], method_host_path[cut:]
            if not path.startswith(c.path_prefix) or (c.exclude_prefix and path.startswith(c.exclude_prefix)):
                continue
            if c.host is not None and host.lower() != c.host.lower():
                continue
            total += n
            if destination == c.wanted:
                wanted += n
            else:
                elsewhere[destination] = elsewhere.get(destination, 0.0) + n
    what = f"requests for {c.path_prefix}..." + (f" (not {c.exclude_prefix}...)" if c.exclude_prefix else "") + (f" to {c.host}" if c.host else "")
    if total == 0:
        return Verdict(False, f"{c.load_balancer} received no {what} between {_t(start)} and {_t(end)}")
    share = 100.0 * wanted / total
    text = f"{share:.1f}% of {round(total)} {what} at {c.load_balancer} went to {c.wanted} between {_t(start)} and {_t(end)}"
    if elsewhere:
        text += f"; the most of the rest to {max(elsewhere, key=lambda d: elsewhere[d])}"
    ok = (c.min_percent is None or share >= c.min_percent) and (c.max_percent is None or share <= c.max_percent)
    if not ok:
        bounds = ", ".join(b for b in (f"at least {c.min_percent:g}%" if c.min_percent is not None else "", f"at most {c.max_percent:g}%" if c.max_percent is not None else "") if b)
        text += f" ({bounds} needed)"
    return Verdict(ok, text)


CHECKS: dict[str, Callable[[Any, RunView], Verdict]] = {
    "service-running": check_service_running,
    "service-steady-state": check_service_steady_state,
    "no-task-stopped": check_no_task_stopped,
    "tasks-spread": check_tasks_spread,
    "healthy-targets": check_healthy_targets,
    "failed-requests": check_failed_requests,
    "failed-calls": check_failed_calls,
    "deployment-completed": check_deployment_completed,
    "instance-count": check_instance_count,
    "daemon-coverage": check_daemon_coverage,
    "policy-allows": check_policy_allows,
    "policy-not-allows": check_policy_not_allows,
    "ingress-allows": check_ingress_allows,
    "config-field": check_config_field,
    "cost": check_cost,
    "image-size": check_image_size,
    "image-layers": check_image_layers,
    "build-cache": check_build_cache,
    "image-rollout": check_image_rollout,
    "event-occurred": check_event,
    "event-not-occurred": check_event,
    "routed-requests": check_routed_requests,
}
"""Check kind → judging function (every kind of ``lab.scenario.checks`` has one)."""

assert tuple(sorted(CHECKS)) == CHECK_KINDS, "every check kind needs a judging function"


def failure_is_final(check: Any) -> bool:
    """Whether a failed verdict stays failed however much longer the run goes on.

    True for the checks that count what must never happen — a task stopping, an event,
    failed requests (by count, not by share), the cost — once it happened. Used to tell a
    learner watching a run "failed" rather than "not yet".
    """
    if check.kind in ("no-task-stopped", "event-not-occurred", "cost", "daemon-coverage"):
        return True
    return check.kind in ("failed-requests", "failed-calls") and check.maximum is not None


def judge(check: Any, run: RunView) -> Verdict:
    """Judge one check on a finished run."""
    return CHECKS[check.kind](check, run)
