"""Provides ``WorldSpec``: what a simulated world is built from (the ``world:`` part of a scenario).

The world is what the learner does not edit: region and account, the cluster, its container
instances, the images in ECR with how their apps behave, fixed IAM roles, traffic and a
timeline of operations and faults. Field names are snake_case (instructor-facing); operations
on the timeline that mirror an AWS API call take that call's camelCase parameters.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lab.config.capacity_strategy import CapacityProviderStrategyItem
from lab.config.defaults import new_list
from lab.config.quotas import MAX_TASK_GROUP_LENGTH
from lab.config.tagged import ByTag

AvailabilityZone = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")]
"""An Availability Zone name (``us-east-1a``): a Region name and a zone letter."""

__all__ = [
    "FAULT_ENTRIES",
    "FunctionSpec",
    "SmokeTestSpec",
    "AddInstances",
    "AmiRollingUpdate",
    "AzOutage",
    "BuildSpec",
    "ClientSpec",
    "CloudMapServiceSpec",
    "ContextFileSpec",
    "CreateDeployment",
    "FargateSpotInterruption",
    "FunctionSpec",
    "InstanceFailure",
    "SpotInterruption",
    "DrainInstances",
    "LoadBalancerSpec",
    "RequestClass",
    "SetDesiredCapacity",
    "SetTraffic",
    "UpdateService",
    "AppSpec",
    "ClusterSpec",
    "ImageSpec",
    "InstanceGroupSpec",
    "LaunchTemplateSpec",
    "PushImage",
    "PutAttributes",
    "RegisterTaskDefinition",
    "RunTask",
    "StopTask",
    "TimelineEntry",
    "WorldSpec",
]


class _Spec(BaseModel):
    # Built at first use: a world's timeline builds only the events it uses (``TimelineEntryByEvent``).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True, allow_inf_nan=False)


class ClusterSpec(_Spec):
    """The ECS cluster."""

    name: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,255}$")
    """Cluster name (letters, digits, hyphens, underscores; up to 255)."""


class InstanceGroupSpec(_Spec):
    """A batch of identical container instances (an Auto Scaling group's worth, without scaling)."""

    count: int = Field(default=1, ge=0, le=5000)
    """How many instances; ECS allows 5,000 per cluster (§1.7)."""
    type: str = "t3.medium"
    """EC2 instance type from the catalogue (``lab/config/data/instance_types.json``)."""
    azs: list[AvailabilityZone] = Field(default_factory=lambda: ["us-east-1a", "us-east-1b", "us-east-1c"], min_length=1)
    """Availability Zones, filled round-robin."""
    role: str = "ecsInstanceRole"
    """The instance profile's IAM role name (a world role or a learner's iam-role file)."""
    attributes: dict[str, str] = Field(default_factory=dict)
    """Custom attributes, as with ``aws ecs put-attributes``."""
    ami: str = "ami-0a9e1f3c5b7d20486"
    """Value of ``ecs.ami-id``."""
    os_type: Literal["linux", "windows"] = "linux"
    agent_version: str = "1.89.0"
    trunking: bool = False
    """Launched after opting in to awsvpcTrunking (more awsvpc tasks per instance; §2.4)."""
    reserved_memory_mib: int = Field(default=0, ge=0)
    """``ECS_RESERVED_MEMORY``: memory the agent keeps out of what it registers (§2.1)."""
    stop_timeout_s: float = Field(default=30.0, ge=0)
    """``ECS_CONTAINER_STOP_TIMEOUT`` (default 30 s; §3.1)."""
    volume_gib: int = Field(default=30, ge=1, le=16384)
    """Root volume size in GiB: the OS and Docker's images share it (the ECS-optimized AMI's 30 GiB; §12.6)."""
    image_cleanup_disabled: bool = False
    """``ECS_DISABLE_IMAGE_CLEANUP`` (default false; §12.6)."""
    image_cleanup_interval_s: float = Field(default=1800.0, ge=600)
    """``ECS_IMAGE_CLEANUP_INTERVAL`` (default 30 min, at least 10 min; §12.6)."""
    image_minimum_cleanup_age_s: float = Field(default=3600.0, ge=0)
    """``ECS_IMAGE_MINIMUM_CLEANUP_AGE`` (default 1 h; §12.6)."""
    num_images_delete_per_cycle: int = Field(default=5, ge=1)
    """``ECS_NUM_IMAGES_DELETE_PER_CYCLE`` (default 5; §12.6)."""
    task_cleanup_wait_s: float = Field(default=10800.0, ge=1)
    """``ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION`` (default 3 h, at least 1 s; §12.6)."""
    at: float | None = Field(default=None, ge=0)
    """Launch time. None: already registered when the world starts."""
    security_groups: list[str] = Field(default_factory=new_list)
    """Security groups (by GroupName) on the instances' primary network interface."""

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for name, val in value.items():
            if not re.fullmatch(r"[A-Za-z0-9_./\\-]{1,128}", name):
                raise ValueError(f"invalid attribute name '{name}': 1-128 letters, digits, -, _, /, \\ or .")
            if not re.fullmatch(r"[A-Za-z0-9_./\\@: -]{1,128}", str(val)) or str(val) != str(val).strip():
                raise ValueError(f"invalid value for attribute '{name}': 1-128 characters, no leading or trailing space")
        return value


class LaunchTemplateSpec(_Spec):
    """An EC2 launch template: what an Auto Scaling group's instances are launched with."""

    name: str = Field(pattern=r"^[A-Za-z0-9()./_-]{3,128}$")
    """``LaunchTemplateName``, as an Auto Scaling group names it."""
    type: str = "t3.medium"
    """EC2 instance type from the catalogue."""
    role: str = "ecsInstanceRole"
    """The instance profile's IAM role name."""
    ami: str = "ami-0a9e1f3c5b7d20486"
    """Value of ``ecs.ami-id`` on the instances."""
    attributes: dict[str, str] = Field(default_factory=dict)
    """Custom attributes the instances register with."""
    agent_version: str = "1.89.0"
    """The ECS agent version the AMI ships."""
    reserved_memory_mib: int = Field(default=0, ge=0)
    """``ECS_RESERVED_MEMORY`` (§2.1)."""
    stop_timeout_s: float = Field(default=30.0, ge=0)
    """``ECS_CONTAINER_STOP_TIMEOUT`` (§3.1)."""
    volume_gib: int = Field(default=30, ge=1, le=16384)
    """Root EBS volume size in GiB (the block device mapping; the AMI's 30 GiB by default; §12.6)."""
    security_groups: list[str] = Field(default_factory=new_list)
    """Security groups (by GroupName) on the instances."""
    spot: bool = False
    """Launch Spot instances (billed at the Spot share of the on-demand price)."""

    def instance_group(self, az: str) -> InstanceGroupSpec:
        """The single-instance group the world registers one launched instance from."""
        return InstanceGroupSpec(
            count=1, type=self.type, azs=[az], role=self.role, attributes=self.attributes, ami=self.ami,
            agent_version=self.agent_version, reserved_memory_mib=self.reserved_memory_mib,
            stop_timeout_s=self.stop_timeout_s, security_groups=self.security_groups, volume_gib=self.volume_gib,
        )


class AppSpec(_Spec):
    """How the application inside an image behaves once its container starts."""

    boot_s: float = Field(default=5.0, ge=0)
    """Seconds from container start until the app serves (health endpoint answers)."""
    memory_mib: int = Field(default=128, ge=0)
    """Resident memory right after boot."""
    memory_growth_mib_per_min: float = Field(default=0.0, ge=0)
    """Leak rate; passing the container's hard limit gets it OOM-killed (exit 137)."""
    exit_after_s: float | None = Field(default=None, ge=0)
    """The process exits on its own this long after start (None: it keeps running)."""
    exit_code: int = 1
    """Exit code used by ``exit_after_s`` and by missing requirements."""
    shutdown_s: float = Field(default=1.0, ge=0)
    """Time to exit after SIGTERM; past the stop timeout the agent sends SIGKILL."""
    requires_env: list[str] = Field(default_factory=new_list)
    """Environment variables the app needs; without them it exits after boot."""
    requires_actions: list[str] = Field(default_factory=new_list)
    """IAM actions (``action`` or ``action@resource``) the app calls with the task role at start."""
    cpu_units_per_rps: float = Field(default=2.0, ge=0)
    """CPU units one request per second keeps busy (1024 units = one vCPU)."""
    idle_cpu_units: float = Field(default=5.0, ge=0)
    """CPU units the app uses with no traffic."""
    error_rate: float = Field(default=0.0, ge=0, le=1)
    """Fraction of requests the app answers with a 5xx (HTTPCode_Target_5XX)."""
    request_s: float = Field(default=0.05, ge=0)
    """Modelled duration of one request."""
    health_path: str = "/"
    """The path that answers 200 once booted; any other path answers 404."""
    hang_after_s: float | None = Field(default=None, ge=0)
    """The process stays up but stops answering (health checks fail) this long after start."""


class ImageSpec(_Spec):
    """An image in the account's ECR registry (or a public image when ``public``)."""

    repository: str = Field(pattern=r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*$")
    tag: str = "latest"
    size_mb: float = Field(default=100.0, gt=0)
    """Compressed size, what a pull downloads when nothing is cached."""
    base: str | None = None
    """A base image from the catalogue (``python-3.12-slim``...); its layers are shared."""
    layers: int = Field(default=3, ge=1, le=127)
    """Layers of the image's own (on top of the base)."""
    architecture: Literal["x86_64", "arm64", "multi"] = "multi"
    public: bool = False
    """A public image (Docker Hub or public.ecr.aws): pulled without ECR permissions."""
    app: AppSpec = Field(default_factory=AppSpec)


class RunTask(_Spec):
    """A ``RunTask`` call on the timeline (camelCase, as the API)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["run-task"]
    taskDefinition: str
    """``family``, ``family:revision`` or a task-definition ARN."""
    count: int = Field(default=1, ge=1, le=10)
    """Tasks to start; RunTask takes at most 10 per call (§1.7, §11.1)."""
    launchType: Literal["EC2", "FARGATE"] | None = None
    """None: ``capacityProviderStrategy``, else the cluster's default capacity provider strategy,
    or EC2 without one (as RunTask)."""
    capacityProviderStrategy: list[CapacityProviderStrategyItem] = Field(default_factory=new_list)
    """``{capacityProvider, weight, base}`` items, instead of ``launchType``; checked when the call
    is made, as RunTask checks it (§4.7, §7.2)."""
    placementStrategy: list[dict[str, str]] = Field(default_factory=new_list)
    placementConstraints: list[dict[str, str]] = Field(default_factory=new_list)
    group: str | None = Field(default=None, max_length=MAX_TASK_GROUP_LENGTH)
    """The task group (default ``family:<family>``); at most 255 characters (§1.6)."""
    startedBy: str | None = None
    networkConfiguration: dict[str, Any] | None = None
    repeat: int = Field(default=1, ge=1, le=1000)
    """Make the call this many times, ``every`` seconds apart."""
    every: float = Field(default=60.0, gt=0)


class StopTask(_Spec):
    """A ``StopTask`` call: stops the live tasks of a group (or family), oldest first."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["stop-task"]
    group: str
    """``family:<name>``, ``service:<name>`` or a custom group."""
    count: int | None = Field(default=None, ge=1)
    """How many to stop (None: all)."""
    reason: str = "Task stopped by user"


class AddInstances(InstanceGroupSpec):
    """Launch more container instances (they take boot and agent-registration time)."""

    event: Literal["add-instances"]


class PutAttributes(_Spec):
    """``PutAttributes`` on instances selected by type and/or AZ."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["put-attributes"]
    attributes: dict[str, str | None]
    """Name → value (None deletes the attribute)."""
    type: str | None = None
    az: str | None = None


class UpdateService(_Spec):
    """An ``UpdateService`` call made by someone else (an operator, a pipeline) on the timeline."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["update-service"]
    service: str
    desiredCount: int | None = Field(default=None, ge=0)
    taskDefinition: str | None = None
    """``family`` (latest revision) or ``family:revision``."""
    forceNewDeployment: bool = False


class CreateDeployment(_Spec):
    """A CodeDeploy ``CreateDeployment`` made by someone else (a pipeline) on the timeline: the
    deployment group deploys the ``appspec`` file in force (docs/ecs-facts.md §4.10)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["create-deployment"]
    deployment_group: str | None = None
    """``DeploymentGroupName``; default: the world's only deployment group."""


class RegisterTaskDefinition(_Spec):
    """A ``RegisterTaskDefinition`` call made by someone else (a pipeline) on the timeline.

    ``content`` is a task definition exactly as a ``task-definition`` file holds it; the
    document loader parses it with ``lab.config`` (positions, refusals), and the timeline
    registers it as the family's next revision at ``at``. Follow it with ``update-service``
    naming the family to deploy it: a pipeline deploy.
    """

    at: float = Field(default=0.0, ge=0)
    event: Literal["register-task-definition"]
    content: str | dict[str, Any]
    """RegisterTaskDefinition input: YAML/JSON text or an inline mapping."""


class DrainInstances(_Spec):
    """``UpdateContainerInstancesState`` to DRAINING (or back to ACTIVE) for matching instances."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["drain-instances", "activate-instances"]
    az: str | None = None
    type: str | None = None
    count: int | None = Field(default=None, ge=1)
    """How many of the matching instances, in registration order (None: all)."""


class RequestClass(_Spec):
    """One kind of request clients send to a load balancer, and its share of the traffic."""

    path: str = Field(default="/", pattern=r"^/")
    host: str | None = None
    """The Host header (None: clients use the load balancer's DNS name, which no host rule names)."""
    method: str = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    share: float = Field(default=1.0, gt=0)
    """Relative weight among the entry's request classes."""

    def label(self) -> str:
        """``GET app.example.com/api`` (the host left out when there is none)."""
        return f"{self.method} {self.host or ''}{self.path}"


class SetTraffic(_Spec):
    """Change the requests per second a target group, or a load balancer's listener, receives.

    With ``target_group`` the requests go straight to the group (as a listener whose only action
    forwards there). With ``load_balancer`` they arrive at a listener (``port``, default its
    first) from ``source`` and are routed by its rules (docs/ecs-facts.md §6.4): each request
    class gets its ``share`` of ``rps``.
    """

    at: float = Field(default=0.0, ge=0)
    event: Literal["traffic"]
    target_group: str | None = None
    load_balancer: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    source: Literal["internet", "vpc"] = "internet"
    """Where the clients are: on the internet, or inside the VPC (other services, a VPN)."""
    requests: list[RequestClass] = Field(default_factory=new_list)
    """The request classes (default: one, ``GET /``); only with ``load_balancer``."""
    rps: float = Field(ge=0)
    request_s: float | None = Field(default=None, ge=0)
    """Duration of one request (default: the app's ``request_s``)."""

    @model_validator(mode="after")
    def _one_destination(self) -> SetTraffic:
        if (self.target_group is None) == (self.load_balancer is None):
            raise ValueError("give exactly one of 'target_group' or 'load_balancer'")
        if self.load_balancer is None and (self.requests or self.port is not None or self.source != "internet"):
            raise ValueError("'requests', 'port' and 'source' go with 'load_balancer'")
        return self


class PushImage(_Spec):
    """A new image pushed to ECR (a new tag, or the same tag moved to new content)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["push-image"]
    image: ImageSpec


class SetDesiredCapacity(_Spec):
    """An EC2 Auto Scaling ``SetDesiredCapacity`` call on the timeline (camelCase parameters)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["set-desired-capacity"]
    autoScalingGroupName: str
    """The group."""
    desiredCapacity: int = Field(ge=0)
    """The new desired capacity (refused outside MinSize..MaxSize)."""


class AzOutage(_Spec):
    """An Availability Zone goes down: its instances (and Fargate tasks) are lost; nothing launches there."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["az-outage"]
    az: str
    """The zone, e.g. ``us-east-1a``."""


class InstanceFailure(_Spec):
    """Container instances fail without warning (their tasks stop with the host)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["instance-failure"]
    count: int = Field(default=1, ge=1)
    """How many of the matching instances, in registration order."""
    az: str | None = None
    """Only instances in this zone."""
    type: str | None = None
    """Only instances of this type."""
    service: str | None = None
    """Only instances running a task of this service (the host of its task)."""


class SpotInterruption(_Spec):
    """EC2 reclaims Spot instances of Auto Scaling groups after the two-minute notice (§5.2)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["spot-interruption"]
    count: int = Field(default=1, ge=1)
    """How many Spot instances, in launch order."""
    group: str | None = None
    """Only this Auto Scaling group's instances."""
    az: str | None = None
    """Only instances in this zone."""


class FargateSpotInterruption(_Spec):
    """Fargate reclaims Spot tasks after the two-minute warning (§9.3)."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["fargate-spot-interruption"]
    count: int = Field(default=1, ge=1)
    """How many FARGATE_SPOT tasks, oldest first."""
    service: str | None = None
    """Only this service's tasks."""


class AmiRollingUpdate(_Spec):
    """An instance refresh of an Auto Scaling group to its launch template with a new AMI."""

    at: float = Field(default=0.0, ge=0)
    event: Literal["ami-rolling-update"]
    group: str
    """The Auto Scaling group."""
    ami: str
    """The new ``ecs.ami-id``."""
    min_healthy_percentage: int = Field(default=90, ge=0, le=100)
    """StartInstanceRefresh ``MinHealthyPercentage`` (default 90): sets the batch size."""


FAULT_ENTRIES = (AzOutage, InstanceFailure, SpotInterruption, FargateSpotInterruption, AmiRollingUpdate)
"""Timeline entries that inject faults (applied by ``lab.sim.faults``)."""

TimelineEntry = Annotated[
    RunTask | StopTask | AddInstances | PutAttributes | PushImage | RegisterTaskDefinition | UpdateService | DrainInstances | SetTraffic
    | SetDesiredCapacity | CreateDeployment | AzOutage | InstanceFailure | SpotInterruption | FargateSpotInterruption | AmiRollingUpdate,
    Field(discriminator="event"),
]

TimelineEntryByEvent = Annotated[TimelineEntry, ByTag(TimelineEntry, "event", get_args(get_args(TimelineEntry)[0]))]
"""``TimelineEntry`` validated by event: only the events a world's timeline uses are built."""


class ContextFileSpec(_Spec):
    """A file of a build context given by its size (a big asset, a vendored archive)."""

    text: str = ""
    """What the build reads (requirements.txt, package.json); its checksum is what the cache compares."""
    size_mb: float = Field(default=0.0, ge=0, le=10_000)
    """What the file weighs in a layer (default: the size of ``text``)."""


class BuildSpec(_Spec):
    """A ``docker build`` + ``docker push`` of a ``dockerfile`` file: what it is tagged and built from."""

    dockerfile: str = Field(min_length=1)
    """The name of the ``dockerfile`` file (a key of ``files``) this build uses."""
    image: str = Field(pattern=r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
    """``repository:tag`` in the account's ECR (``web:2.0.0``), as ``docker build -t`` names it."""
    context: dict[str, str | ContextFileSpec] = Field(default_factory=dict)
    """The build context: path → text (or ``{text, size_mb}``); a ``.dockerignore`` here is read."""
    build_args: dict[str, str] = Field(default_factory=dict)
    """``--build-arg`` values."""
    target: str | None = None
    """``--target``: the stage to build (default: the last)."""
    architecture: Literal["x86_64", "arm64", "multi"] = "multi"
    app: AppSpec = Field(default_factory=AppSpec)
    """How the built application behaves when its container runs."""

    @property
    def repository(self) -> str:
        """The ECR repository."""
        return self.image.rpartition(":")[0]

    @property
    def tag(self) -> str:
        """The tag."""
        return self.image.rpartition(":")[2]


class LoadBalancerSpec(_Spec):
    """An Application or Network Load Balancer in front of target groups."""

    name: str = Field(pattern=r"^[A-Za-z0-9-]{1,32}$")
    type: Literal["application", "network"] = "application"
    azs: list[AvailabilityZone] = Field(default_factory=lambda: ["us-east-1a", "us-east-1b", "us-east-1c"], min_length=1)
    """Availability Zones the load balancer is enabled in (its subnets)."""
    security_groups: list[str] = Field(default_factory=new_list)
    """Its security groups (an NLB may have none: then health checks come from the VPC CIDR)."""
    target_groups: list[str] = Field(default_factory=new_list)
    """Target groups its listeners forward to, by name."""


class CloudMapServiceSpec(_Spec):
    """An AWS Cloud Map service in a private DNS namespace: ECS registers a service's tasks in it
    (``serviceRegistries``) and Route 53 answers its name with their records (§14.1)."""

    name: str = Field(pattern=r"^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$")
    """The service's name: the first label of its DNS name (``payments``)."""
    namespace: str = Field(pattern=r"^[a-z0-9]([a-z0-9.-]{0,253}[a-z0-9])?$")
    """The private DNS namespace (``internal``): the DNS name is ``<name>.<namespace>``."""
    id: str | None = Field(default=None, pattern=r"^srv-[a-z0-9]{16}$")
    """The Cloud Map service id (``srv-…``) its ARN ends with; default: derived from the name."""
    record_type: Literal["A", "SRV"] = "A"
    """The DNS record each task gets: ``A`` (awsvpc) or ``SRV`` (any network mode, with a port)."""
    ttl: int = Field(default=60, ge=0, le=2_147_483_647)
    """``DnsConfig.DnsRecords[].TTL``: seconds resolvers cache the answer (the CLI and API have no
    default; 60 is the console's and the CDK's)."""
    routing_policy: Literal["MULTIVALUE", "WEIGHTED"] = "MULTIVALUE"
    """MULTIVALUE answers with up to eight healthy records; WEIGHTED with one."""

    @property
    def dns_name(self) -> str:
        """The name clients resolve."""
        return f"{self.name}.{self.namespace}"


class ClientSpec(_Spec):
    """Requests one ECS service's tasks make to another by name (the callers' outbound traffic)."""

    service: str
    """The calling ECS service; its RUNNING tasks share the requests."""
    calls: str = Field(min_length=1)
    """The name it calls: a Cloud Map DNS name (``payments.internal``) or a Service Connect alias."""
    rps: float = Field(default=10.0, ge=0)
    """Requests per second, all caller tasks together."""


class SmokeTestSpec(_Spec):
    """What a hook function checks: one request class sent through a load balancer's listener.

    The function answers FAILED when the request reaches no target group, no registered target,
    or targets whose app answers more than ``max_error_percent`` of requests with a 5xx.
    """

    load_balancer: str
    port: int | None = Field(default=None, ge=1, le=65535)
    """The listener's port (default: its first listener)."""
    request: RequestClass = Field(default_factory=RequestClass)
    max_error_percent: float = Field(default=0.0, ge=0, le=100)


class FunctionSpec(_Spec):
    """A Lambda function that hooks invoke: ECS lifecycle hooks (docs/ecs-facts.md §4.9) and the
    AppSpec hooks of CodeDeploy deployments (§4.10).

    Each invocation runs ``duration_s`` and then answers ``status``. For an ECS hook that is the
    ``hookStatus`` it returns: IN_PROGRESS first for ``in_progress`` invocations of a stage (each
    re-invoked after ``call_back_delay``, ECS's default 30 s when unset), then ``status`` or what
    ``smoke_test`` finds. For a CodeDeploy hook it is the status the function reports with
    PutLifecycleEventHookExecutionStatus (``Succeeded``/``Failed``).
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    """FunctionName; its ARN is ``arn:aws:lambda:<region>:<account>:function:<name>``."""
    duration_s: float = Field(default=1.0, ge=0, le=3600)
    """Seconds from the invocation to the answer (a Lambda runs at most 15 minutes; a CodeDeploy
    hook's function may report later through another process, up to the hook's hour)."""
    in_progress: int = Field(default=0, ge=0, le=100)
    call_back_delay: int | None = Field(default=None, ge=0)
    status: Literal["SUCCEEDED", "FAILED"] | None = "SUCCEEDED"
    """None: it never answers — a CodeDeploy hook then times out after an hour; an ECS hook reads no
    hookStatus and fails (the lab's choice, UNCONFIRMED)."""
    smoke_test: SmokeTestSpec | None = None


class WorldSpec(_Spec):
    """Everything a world is built from."""

    region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    account: str = Field(default="123456789012", pattern=r"^\d{12}$")
    start: str = "2026-01-05T09:00:00Z"
    """The calendar time of simulated second 0 (``registeredAt`` and event times use it)."""
    cluster: ClusterSpec = Field(default_factory=ClusterSpec)
    instances: list[InstanceGroupSpec] = Field(default_factory=new_list)
    registry: list[ImageSpec] = Field(default_factory=new_list)
    builds: list[BuildSpec] = Field(default_factory=new_list)
    """Images built from ``dockerfile`` files and pushed to ECR when the file is applied."""
    roles: list[dict[str, Any]] = Field(default_factory=new_list)
    """Fixed IAM roles in the CloudFormation ``AWS::IAM::Role`` shape (parsed by lab.config)."""
    load_balancers: list[LoadBalancerSpec] = Field(default_factory=new_list)
    target_groups: list[dict[str, Any]] = Field(default_factory=new_list)
    """Fixed target groups in the ``AWS::ElasticLoadBalancingV2::TargetGroup`` shape."""
    security_groups: list[dict[str, Any]] = Field(default_factory=new_list)
    """Fixed security groups in the ``AWS::EC2::SecurityGroup`` shape."""
    timeline: list[TimelineEntryByEvent] = Field(default_factory=new_list)
    launch_templates: list[LaunchTemplateSpec] = Field(default_factory=new_list)
    """Launch templates Auto Scaling groups launch instances from."""
    auto_scaling_groups: list[dict[str, Any]] = Field(default_factory=new_list)
    """Fixed Auto Scaling groups in the ``AWS::AutoScaling::AutoScalingGroup`` shape."""
    cloud_map: list[CloudMapServiceSpec] = Field(default_factory=new_list)
    """AWS Cloud Map services (DNS) that services register their tasks in."""
    namespaces: list[str] = Field(default_factory=new_list)
    """Further Cloud Map namespaces (for Service Connect); those of ``cloud_map`` exist anyway."""
    clients: list[ClientSpec] = Field(default_factory=new_list)
    """Calls between services by name (measured as ServiceCallsMinute events)."""
    functions: list[FunctionSpec] = Field(default_factory=new_list)
    """Lambda functions that ECS lifecycle hooks (§4.9) and CodeDeploy's AppSpec hooks (§4.10) invoke."""
    metrics: bool = False
    """Sample CloudWatch-style metrics every minute from the start (``world.cloudwatch``); scaling
    files turn sampling on by themselves."""
