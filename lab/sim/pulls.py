"""Provides image-pull planning: which identity pulls, what IAM allows, what is cached, how long.

Which role pulls (docs/ecs-facts.md §8.4): on Fargate always the execution role;
on EC2 the execution role when the task definition has one, else the instance profile role.
A private ECR pull needs ``ecr:GetAuthorizationToken`` (on ``*``), ``ecr:BatchGetImage`` for
the manifest and ``ecr:GetDownloadUrlForLayer`` for each layer not yet on the host (§8.1).
Failures carry the error texts of §3.5: the Docker daemon's wording on EC2, containerd's on
Fargate platform version 1.4.
"""

from __future__ import annotations

from typing import NamedTuple

from lab.sim import timing
from lab.sim.timing import round_ms
from lab.sim.iam import denial_message
from lab.sim.kernel import Kernel
from lab.sim.model import Container, Task
from lab.sim.registry import Ecr, Image, Layer, nominal_pull_s
from lab.sim.roles import Roles

__all__ = ["PullPlan", "pull_identity", "plan_pull"]


class PullPlan(NamedTuple):
    """What one pull will do: fail with ``error`` or fetch ``bytes_to_fetch`` in ``duration_s``."""

    duration_s: float
    error: str | None = None
    layers_total: int = 0
    layers_cached: int = 0
    bytes_to_fetch: int = 0
    identity: str = ""
    layers: tuple[str, ...] = ()
    """The image's layer digests, bottom first (a successful pull)."""


def pull_identity(roles: Roles, task: Task) -> tuple[str | None, str]:
    """Return (role name or None, STS session name) whose credentials pull the image."""
    if task.rev.execution_role:
        return roles.name(task.rev.execution_role), task.id
    if task.launch_type == "EC2" and task.instance is not None:
        return task.instance.role, task.instance.ec2_id
    return None, task.id


def plan_pull(kernel: Kernel, roles: Roles, ecr: Ecr, task: Task, container: Container) -> PullPlan:
    """Decide the outcome and duration of pulling ``container``'s image for ``task``."""
    fargate = task.launch_type == "FARGATE"
    image, repository, tag, private = ecr.registry.resolve(container.image)
    pinned = task.pinned.get(container.name)
    if pinned is not None:
        # The digest its deployment resolved (§4): pulled whatever the tag names now; the lab
        # deletes no images, so it is still there.
        image = pinned
    uri = container.image
    role, session = pull_identity(roles, task)
    principal = f"arn:aws:sts::{kernel.account}:assumed-role/{role}/{session}" if role else ""
    if private:
        fast = kernel.jitter(timing.AUTH_FAILURE_S)
        if role is None:
            return PullPlan(fast, "CannotPullContainerError: NoCredentialProviders: no valid providers in chain", identity="")
        decision = roles.allows(role, "ecr:GetAuthorizationToken", "*")
        if not decision.allowed:
            denial = denial_message(principal, "ecr:GetAuthorizationToken", "*", explicit_deny=decision.reason == "explicit-deny")
            if fargate:
                return PullPlan(
                    kernel.jitter(timing.FARGATE_AUTH_RETRY_S),
                    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                    "retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): "
                    f"AccessDeniedException: {denial}",
                    identity=principal,
                )
            return PullPlan(fast, f"CannotPullECRContainerError: AccessDeniedException: {denial}", identity=principal)
        host = uri.partition("/")[0]
        repo_arn = ecr.registry.repository_arn(repository)
        decision = roles.allows(role, "ecr:BatchGetImage", repo_arn)
        if not decision.allowed:
            denial = denial_message(principal, "ecr:BatchGetImage", repo_arn, explicit_deny=decision.reason == "explicit-deny")
            if fargate:
                text = (
                    f'CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "{uri}": '
                    f"unexpected status code [manifests {tag}]: 403 Forbidden"
                )
            else:
                text = (
                    f"CannotPullContainerError: Error response from daemon: pull access denied for {host}/{repository}, "
                    f"repository does not exist or may require 'docker login': denied: {denial}"
                )
            return PullPlan(fast, text, identity=principal)
        # ECR authorises before it looks the repository up: no rights means AccessDenied,
        # even for a repository that does not exist.
        if host != ecr.registry.host or not ecr.registry.repository_exists(repository):
            return PullPlan(fast, f"CannotPullContainerError: API error (404): repository {host}/{repository} not found", identity=principal)
        if image is None:
            if fargate:
                text = (
                    f'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "{uri}": '
                    f"{uri}: not found"
                )
            else:
                text = f"CannotPullContainerError: Error response from daemon: manifest for {uri} not found: manifest unknown: Requested image not found"
            return PullPlan(fast, text, identity=principal)
    elif image is None:
        image = ecr.public_image(repository, tag)
    return _transfer(kernel, roles, ecr, task, image, role, principal, private, fargate)


def _transfer(kernel: Kernel, roles: Roles, ecr: Ecr, task: Task, image: Image, role: str | None, principal: str, private: bool, fargate: bool) -> PullPlan:
    """Time the layer downloads, sharing layers already on (or arriving at) the host."""
    now = kernel.now
    ci = task.instance if not fargate else None
    known = ci.image_ready.get(id(image)) if ci is not None else None
    if known is not None and known[0] is image and ci is not None and ci.disk_used_bytes() <= ci.disk_bytes:
        # Every layer is on (or arriving at) this host: nothing to fetch or authorise, and
        # the wait is for the last layer still arriving (the same sums as the loop below).
        last_ready, digests = known[1], known[2]
        own = nominal_pull_s(0, 0, fargate=False)
        own *= 0.9 + (1.1 - 0.9) * kernel.rng.random()  # rng.uniform(0.9, 1.1)'s formula
        duration = round_ms(max(own, max(now, last_ready) - now))
        return PullPlan(duration, None, len(digests), len(digests), 0, principal or "anonymous", digests)
    cache: dict[str, float] = ci.layers if ci is not None else {}
    to_fetch: list[Layer] = []
    wait_until = now
    cached = 0
    for layer in image.layers:
        ready = cache.get(layer.digest)
        if ready is None:
            to_fetch.append(layer)
        else:
            cached += 1
            wait_until = max(wait_until, ready)
    if to_fetch and private and role is not None:
        repo_arn = ecr.registry.repository_arn(image.repository)
        decision = roles.allows(role, "ecr:GetDownloadUrlForLayer", repo_arn)
        if not decision.allowed:
            denial = denial_message(principal, "ecr:GetDownloadUrlForLayer", repo_arn, explicit_deny=decision.reason == "explicit-deny")
            if fargate:
                text = (
                    "CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReaderSeeker: "
                    f"failed open: unexpected status code https://{ecr.registry.host}/v2/{image.repository}/blobs/"
                    f"{to_fetch[0].digest}: 403 Forbidden"
                )
            else:
                text = f"CannotPullContainerError: Error response from daemon: error pulling image configuration: denied: {denial}"
            return PullPlan(kernel.jitter(timing.AUTH_FAILURE_S), text, len(image.layers), cached, 0, principal)
    fetch_bytes = sum(layer.size_bytes for layer in to_fetch)
    if ci is not None and ci.disk_used_bytes() + fetch_bytes > ci.disk_bytes:
        # Docker writes each blob to a temporary file first: the write that meets the full
        # volume fails the pull (§3.5), after what still fitted came down (EC2: no Fargate here).
        free_mb = max(0, ci.disk_bytes - ci.disk_used_bytes()) / 1_000_000
        took = timing.PULL_OVERHEAD_S + free_mb / timing.EC2_PULL_MB_PER_S
        blob = kernel.rng.randrange(100_000_000, 4_294_967_296)
        text = f"CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob{blob}: no space left on device"
        return PullPlan(round_ms(took), text, len(image.layers), cached, 0, principal or "anonymous")
    own = nominal_pull_s(fetch_bytes, len(to_fetch), fargate=fargate)
    own *= 0.9 + (1.1 - 0.9) * kernel.rng.random()  # rng.uniform(0.9, 1.1)'s formula
    duration = round_ms(max(own, wait_until - now))
    digests = tuple(layer.digest for layer in image.layers)
    if ci is not None:
        for layer in to_fetch:
            ci.add_layer(layer.digest, layer.size_bytes, now + duration)
        ci.image_ready[id(image)] = (image, max(wait_until, now + duration), digests)
    else:
        for layer in to_fetch:
            cache[layer.digest] = now + duration
    return PullPlan(duration, None, len(image.layers), cached, fetch_bytes, principal or "anonymous", digests)
