"""Provides the durations the simulator uses, with where each comes from.

Seconds throughout. Ranges are drawn uniformly from the world's seeded generator. Values
marked UNCONFIRMED are typical observations, not AWS-documented numbers; the docs say so
and no check grades on them.
"""

from __future__ import annotations

from math import copysign, floor

__all__ = [
    "AGENT_REGISTER_S",
    "AUTH_FAILURE_S",
    "CONTAINER_START_S",
    "EC2_BOOT_S",
    "EC2_PULL_MB_PER_S",
    "ENI_ATTACH_S",
    "ENI_DETACH_S",
    "EXTRACT_MB_PER_S",
    "FARGATE_AUTH_RETRY_S",
    "FARGATE_PROVISION_S",
    "FARGATE_PULL_MB_PER_S",
    "FARGATE_STOP_TIMEOUT_MAX_S",
    "IMAGE_CLEANUP_INTERVAL_S",
    "IMAGE_MINIMUM_CLEANUP_AGE_S",
    "LAYER_OVERHEAD_S",
    "PULL_OVERHEAD_S",
    "STOP_TIMEOUT_S",
    "TASK_CLEANUP_WAIT_S",
    "round_ms",
]


def round_ms(x: float) -> float:
    """``round(x, 3)``, the same float (sign of zero included), in half its time.

    ``round`` with digits goes through a correctly rounded decimal string; the simulator
    rounds every drawn duration and wait, and the log every time, so it shows in long runs.
    Here ``x * 1000`` is rounded to the nearest integer and divided back (one correctly
    rounded division gives the float nearest the 3-decimal value, as ``round`` returns).
    Rounding the product is monotonic and every half-way point below 2**52 is a float, so
    the rounded product lies on the same side of each half-way point as the exact one, or
    exactly on it: that case (exact ties included) and larger values go to ``round``.
    """
    y = x * 1000.0
    if -4503599627370496.0 < y < 4503599627370496.0:
        below = floor(y)
        fraction = y - below  # exact: the fraction of a float below 2**52 is a float
        if fraction != 0.5:
            return (below + (fraction > 0.5)) / 1000.0 or copysign(0.0, x)
    return round(x, 3)

STOP_TIMEOUT_S = 30.0
"""Default time between SIGTERM and SIGKILL (ECS_CONTAINER_STOP_TIMEOUT); §3.1."""
FARGATE_STOP_TIMEOUT_MAX_S = 120.0
"""Largest stopTimeout Fargate allows; §3.1."""

TASK_CLEANUP_WAIT_S = 3 * 3600.0
"""ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION: a stopped task's containers stay this long (3 h; at
least 1 s, a smaller value gives the default); an image they use cannot be removed; §12.6."""
IMAGE_CLEANUP_INTERVAL_S = 30 * 60.0
"""ECS_IMAGE_CLEANUP_INTERVAL: the agent's image cleanup cycle (30 min; at least 10 min); §12.6."""
IMAGE_MINIMUM_CLEANUP_AGE_S = 3600.0
"""ECS_IMAGE_MINIMUM_CLEANUP_AGE: an image pulled more recently is never removed (1 h); §12.6."""

ENI_ATTACH_S = (3.0, 8.0)
"""awsvpc on EC2: creating and attaching the task ENI during PROVISIONING (UNCONFIRMED)."""
ENI_DETACH_S = (2.0, 6.0)
"""Detaching and deleting the task ENI during DEPROVISIONING (UNCONFIRMED)."""
FARGATE_PROVISION_S = (12.0, 30.0)
"""Fargate capacity plus ENI before PENDING; Fargate tasks commonly take 30-60 s to start
in total (UNCONFIRMED)."""

PULL_OVERHEAD_S = 0.6
"""Registry auth plus manifest fetch per image pull (UNCONFIRMED)."""
LAYER_OVERHEAD_S = 0.15
"""Per uncached layer: request and verification (UNCONFIRMED)."""
EC2_PULL_MB_PER_S = 80.0
"""Download rate from ECR to an EC2 instance (UNCONFIRMED; varies with instance size)."""
FARGATE_PULL_MB_PER_S = 40.0
"""Download rate into a Fargate task, which never has a layer cache (UNCONFIRMED)."""
EXTRACT_MB_PER_S = 150.0
"""Decompressing and writing layers to disk (UNCONFIRMED)."""
CONTAINER_START_S = (0.5, 1.5)
"""Creating and starting a container once its image is local (UNCONFIRMED)."""
AUTH_FAILURE_S = (0.5, 2.0)
"""An ECR call refused with AccessDenied fails fast on EC2 (UNCONFIRMED)."""
FARGATE_AUTH_RETRY_S = (15.0, 30.0)
"""Fargate retries registry-auth retrieval before ResourceInitializationError (UNCONFIRMED)."""

EC2_BOOT_S = (30.0, 50.0)
"""A launched EC2 instance until the ECS agent starts (UNCONFIRMED)."""
AGENT_REGISTER_S = (3.0, 8.0)
"""Agent start until the container instance is ACTIVE (UNCONFIRMED)."""
