"""Provides the schema of the files instructors write: simulation documents (and scenarios).

A simulation document is a world plus the config files that run in it: ``world`` (what
exists), ``files`` (name → kind and content, the real AWS shapes a learner edits) and ``run``
(how long, which seeds). Scenarios add the teaching parts around the same three.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lab.sim.spec import WorldSpec

__all__ = ["FILE_KINDS", "FileSpec", "RunSpec", "SimDocument"]

FILE_KINDS = ("task-definition", "iam-role", "service", "target-group", "security-group")
"""File kinds a document may declare, and the AWS shape each holds."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSpec(_Model):
    """One config file: its kind and its content (YAML/JSON text, or an inline mapping)."""

    kind: Literal["task-definition", "iam-role", "service", "target-group", "security-group"]
    """``task-definition``: RegisterTaskDefinition input; ``service``: CreateService input;
    ``iam-role``, ``target-group``, ``security-group``: the CloudFormation resource properties
    of AWS::IAM::Role, AWS::ElasticLoadBalancingV2::TargetGroup and AWS::EC2::SecurityGroup."""
    content: str | dict[str, Any]


class RunSpec(_Model):
    """How a document is simulated."""

    duration: float = Field(default=600.0, gt=0, le=7 * 24 * 3600)
    """Simulated seconds."""
    apply_at: float = Field(default=0.0, ge=0)
    """When a learner's answer is applied (the starting files run before it)."""
    seeds: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=20)


class SimDocument(_Model):
    """A world, the config files that run in it, and how long to run."""

    description: str | None = None
    world: WorldSpec = Field(default_factory=WorldSpec)
    files: dict[str, FileSpec] = Field(default_factory=dict)
    run: RunSpec = Field(default_factory=RunSpec)
