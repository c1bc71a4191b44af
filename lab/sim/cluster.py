"""Provides ``Cluster``: the control plane's records — container instances, task definitions, tasks, services.

What DescribeContainerInstances, DescribeTaskDefinition and DescribeTasks read, and the
calls that change it: registering instances (their instance-profile role is checked, §8.1),
PutAttributes, RegisterTaskDefinition, UpdateContainerInstancesState. Services are kept
here by name so that anything changing capacity can ask their schedulers for a pass; the
schedulers themselves live in ``lab.sim.service``, above.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Protocol

from lab.config.instance_types import instance_type as lookup_instance_type
from lab.config.instance_types import registered_memory_mib
from lab.errors import ClientException
from lab.sim import timing
from lab.sim.events import ContainerInstanceStateChanged, InstanceRegistrationFailed
from lab.sim.fleet import ACTIVE, DRAINING, STATUS_NAMES, Fleet
from lab.sim.kernel import Kernel
from lab.sim.model import ContainerInstance, ImageCleanup, Revision, Task
from lab.sim.placement import TaskNeeds
from lab.sim.roles import Roles
from lab.sim.spec import InstanceGroupSpec

__all__ = ["Cluster", "Scheduler"]


class Scheduler(Protocol):
    """What the cluster needs of a service: a scheduler pass when capacity changed."""

    def kick(self) -> None: ...


class Cluster:
    """The cluster's instances, task-definition families, tasks and services."""

    def __init__(self, kernel: Kernel, roles: Roles) -> None:
        self.kernel = kernel
        self.roles = roles
        self.fleet = Fleet()
        self.instances: list[ContainerInstance] = []
        """Registered container instances, in fleet order (``instances[i].index == i``)."""
        self.families: dict[str, list[Revision]] = {}
        self.tasks: dict[str, Task] = {}
        self.services: dict[str, Any] = {}
        """Service schedulers by name (``lab.sim.service.ServiceRuntime``)."""
        self.waiters: list[Scheduler] = []
        """Other schedulers with tasks waiting for capacity (RunTask's PROVISIONING tasks), asked after the services."""
        self.account_settings: dict[str, str] = {}
        """PutAccountSetting values by setting name (the account's default caller)."""

    def put_account_setting(self, name: str, value: str) -> None:
        """PutAccountSetting: ``awsvpcTrunking`` applies to instances that register from now on (§2.4)."""
        self.account_settings[name] = value

    def kick_services(self) -> None:
        """Ask every service's scheduler, then every other waiting scheduler, for a pass (capacity changed)."""
        for service in self.services.values():
            service.kick()
        for waiter in self.waiters:
            waiter.kick()

    # -- container instances ---------------------------------------------------------------

    def add_instances(self, group: InstanceGroupSpec, *, at: float | None = None) -> None:
        """Launch a group of instances; with ``at`` None they are registered right away.

        Raises:
            ClientException: unknown instance type.
        """
        k = self.kernel
        try:
            itype = lookup_instance_type(group.type)
        except LookupError as exc:
            raise ClientException(str(exc)) from None
        for n in range(group.count):
            az = group.azs[n % len(group.azs)]
            ec2_id = f"i-0{k.hex(64)}"
            if at is None:
                self.register_instance(group, itype, az, ec2_id)
            else:
                boot = k.jitter(timing.EC2_BOOT_S) + k.jitter(timing.AGENT_REGISTER_S)
                launch = max(at, k.now)
                k.at(max(0.0, at - k.now) + boot, partial(self.register_instance, group, itype, az, ec2_id, launch))

    def register_instance(self, group: InstanceGroupSpec, itype: Any, az: str, ec2_id: str, launched_at: float | None = None) -> None:
        """RegisterContainerInstance from a booted EC2 instance (refused without a usable instance role)."""
        k = self.kernel
        role = Roles.name(group.role)
        problem = self.roles.instance_problem(role, ec2_id)
        if problem is not None:
            k.log.append(InstanceRegistrationFailed(k.now, ec2_id, k.cluster, problem))
            return
        ci_id = k.hex()
        arn = k.arn("ecs", f"container-instance/{k.cluster}/{ci_id}")
        attributes = {
            "ecs.availability-zone": az,
            "ecs.instance-type": itype.name,
            "ecs.ami-id": group.ami,
            "ecs.os-type": group.os_type,
            "ecs.os-family": "LINUX" if group.os_type == "linux" else "WINDOWS_SERVER_2022_FULL",
            "ecs.cpu-architecture": itype.architecture,
            "ecs.vpc-id": "vpc-0lab0000000000001",
            "ecs.subnet-id": f"subnet-0lab{az[-1]}",
            "ecs.capability.task-eni": "true",
        }
        trunking = group.trunking or self.account_settings.get("awsvpcTrunking") == "enabled"
        if trunking and itype.trunk_tasks:
            attributes["ecs.awsvpc-trunk-id"] = f"eni-0{k.hex(64)}"
        attributes.update(group.attributes)
        eni_slots = itype.trunk_tasks if (trunking and itype.trunk_tasks) else max(0, itype.max_enis - 1)
        memory = registered_memory_mib(itype, group.reserved_memory_mib)
        index = self.fleet.add(
            container_instance_id=ci_id,
            arn=arn,
            ec2_instance_id=ec2_id,
            instance_type=itype.name,
            availability_zone=az,
            cpu=itype.vcpus * 1024,
            memory_mib=memory,
            eni_slots=eni_slots,
            attributes=attributes,
            registered_at=k.iso(),
            agent_version=group.agent_version,
        )
        ci = ContainerInstance(index, ci_id, arn, ec2_id, itype.name, az, role, group.stop_timeout_s)
        ci.security_groups = tuple(group.security_groups)
        ci.launched_at = k.now if launched_at is None else launched_at
        ci.registered_at = k.now
        ci.disk_bytes = group.volume_gib * 1024**3
        ci.cleanup = ImageCleanup(
            group.image_cleanup_disabled, group.image_cleanup_interval_s, group.image_minimum_cleanup_age_s,
            group.num_images_delete_per_cycle, group.task_cleanup_wait_s,
        )
        self.instances.append(ci)
        self.kick_services()
        k.log.append(ContainerInstanceStateChanged(k.now, ci_id, ec2_id, "ACTIVE", True, az, itype.name, f"registered with {itype.vcpus * 1024} CPU units and {memory} MiB"))

    def put_attributes(self, attributes: dict[str, str | None], *, instance_type: str | None = None, az: str | None = None) -> int:
        """PutAttributes / DeleteAttributes on the matching instances; returns how many matched."""
        matched = 0
        for ci in self.instances:
            if instance_type and ci.instance_type != instance_type:
                continue
            if az and ci.az != az:
                continue
            self.fleet.set_attributes(ci.index, attributes)
            matched += 1
        return matched

    def set_instance_state(self, index: int, status: str) -> None:
        """UpdateContainerInstancesState: DRAINING or ACTIVE.

        Raises:
            ClientException: the instance is not in a state that allows the change.
        """
        code = {"ACTIVE": ACTIVE, "DRAINING": DRAINING}[status]
        current = int(self.fleet.status[index])
        if current == code:
            return
        if current not in (ACTIVE, DRAINING):
            raise ClientException(f"Container instance is {STATUS_NAMES[current]}; only ACTIVE and DRAINING can change state.")
        self.fleet.set_status(index, code)
        ci = self.instances[index]
        k = self.kernel
        k.log.append(ContainerInstanceStateChanged(k.now, ci.id, ci.ec2_id, status, bool(self.fleet.connected[index]), ci.az, ci.instance_type))
        self.kick_services()

    def drain_instances(self, *, az: str | None = None, instance_type: str | None = None, count: int | None = None, status: str = "DRAINING") -> int:
        """Set matching instances DRAINING (or ACTIVE); returns how many changed."""
        matched = [ci for ci in self.instances if (az is None or ci.az == az) and (instance_type is None or ci.instance_type == instance_type)]
        if count is not None:
            matched = matched[:count]
        for ci in matched:
            self.set_instance_state(ci.index, status)
        return len(matched)

    # -- task definitions ------------------------------------------------------------------

    def register_task_definition(self, definition: Any) -> Revision:
        """Register a new revision of ``definition.family`` (already validated by lab.config)."""
        revisions = self.families.setdefault(definition.family, [])
        number = len(revisions) + 1
        rev = Revision(definition, number, self.kernel.arn("ecs", f"task-definition/{definition.family}:{number}"))
        revisions.append(rev)
        return rev

    def resolve_task_definition(self, ref: str) -> Revision:
        """Find a revision by ``family``, ``family:revision`` or ARN (latest when no revision).

        Raises:
            ClientException: no such task definition.
        """
        name = ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref
        family, _, number = name.partition(":")
        revisions = self.families.get(family)
        if revisions:
            if not number:
                return revisions[-1]
            if number.isdigit() and 1 <= int(number) <= len(revisions):
                return revisions[int(number) - 1]
        raise ClientException("TaskDefinition not found.", ("taskDefinition",))

    # -- tasks -----------------------------------------------------------------------------

    def new_task(self, rev: Revision, group: str, launch_type: str, needs: TaskNeeds, started_by: str | None) -> Task:
        """Record a new task (not yet placed or started)."""
        k = self.kernel
        task_id = k.hex()
        task = Task(task_id, k.arn("ecs", f"task/{k.cluster}/{task_id}"), rev, group, launch_type, needs, k.now)
        task.started_by = started_by
        self.tasks[task_id] = task
        return task

    def place_task(self, task: Task, index: int) -> None:
        """Reserve a task's resources on fleet position ``index`` and put it there."""
        ci = self.instances[index]
        needs = task.needs
        self.fleet.reserve(
            ci.index, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=needs.ports,
            dynamic_ports=needs.dynamic_ports, eni=needs.eni, group=needs.group,
        )
        task.instance = ci
        task.az = ci.az

    def fargate_az(self, group: str) -> str:
        """The Availability Zone Fargate puts a group's next task in."""
        azs = sorted({ci.az for ci in self.instances}) or [f"{self.kernel.region}{s}" for s in "abc"]
        counts = {az: 0 for az in azs}
        for t in self.tasks.values():
            if t.launch_type == "FARGATE" and t.group == group and t.last != "STOPPED" and t.az in counts:
                counts[t.az] += 1
        low = min(counts.values())
        # Fargate spreads tasks over the AZs of its subnets by itself (§1.1).
        return self.kernel.rng.choice([az for az in azs if counts[az] == low])

    def stop_group_candidates(self, group: str, count: int | None) -> list[Task]:
        """A group's live tasks, oldest first (at most ``count``)."""
        live = [t for t in self.tasks.values() if t.group == group and t.desired != "STOPPED"]
        live.sort(key=lambda t: t.created_at)
        return live if count is None else live[:count]
