"""Provides ``Roles``: the account's IAM roles, their compiled policies and cached decisions.

What the agent, the scheduler and the apps ask IAM: may this role do that action on that
resource, can ECS assume a task's roles, can an instance profile register with the cluster.
Evaluation itself is ``lab.sim.iam`` (§8).
"""

from __future__ import annotations

from typing import Any

from lab.sim.iam import IamDecision, compile_policy, denial_message, evaluate
from lab.sim.kernel import Kernel
from lab.sim.model import IamRole, Revision

__all__ = ["Roles"]


class Roles:
    """IAM roles by name, with their identity policies compiled once."""

    __slots__ = ("_compiled", "_decisions", "kernel", "roles")

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.roles: dict[str, IamRole] = {}
        self._compiled: dict[str, list[Any]] = {}
        self._decisions: dict[tuple[str, str, str], IamDecision] = {}

    def arn(self, name: str) -> str:
        """The ARN of a role in this account."""
        return f"arn:aws:iam::{self.kernel.account}:role/{name}"

    def put(self, role: IamRole) -> None:
        """Create or replace a role (as CreateRole / Put*Policy / Attach*Policy would)."""
        self.roles[role.name] = role
        self._compiled[role.name] = [compile_policy(label, document) for label, document in role.policies]
        self._decisions.clear()

    def allows(self, role_name: str | None, action: str, resource: str = "*") -> IamDecision:
        """Evaluate ``action`` on ``resource`` for a role's identity policies."""
        if role_name is None or role_name not in self._compiled:
            return IamDecision(False, "implicit-deny", None, False)
        key = (role_name, action, resource)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decisions[key] = evaluate(self._compiled[role_name], action, resource)
        return decision

    @staticmethod
    def name(arn_or_name: str) -> str:
        """The role name from a role ARN (or the name itself)."""
        return arn_or_name.rsplit("/", 1)[-1]

    def refusal(self, rev: Revision) -> str | None:
        """ECS's refusal when it cannot assume a revision's execution or task role, else None.

        A role ECS can assume exists and trusts ``ecs-tasks.amazonaws.com`` (§8.2, §8.3).
        """
        for role_arn in (rev.execution_role, rev.task_role):
            if role_arn and not self._task_role_usable(role_arn):
                qualified = role_arn if role_arn.startswith("arn:") else self.arn(role_arn)
                return (
                    f"ECS was unable to assume the role '{qualified}' that was provided for this task. "
                    "Please verify that the role being passed has the proper trust relationship and permissions "
                    "and that your IAM user has permissions to pass this role."
                )
        return None

    def _task_role_usable(self, role_arn: str) -> bool:
        role = self.roles.get(self.name(role_arn))
        return role is not None and "ecs-tasks.amazonaws.com" in role.trusted_services

    def instance_problem(self, role: str, ec2_id: str) -> str | None:
        """Why an instance with this instance-profile role cannot register with the cluster, or None (§8.1)."""
        if role not in self.roles:
            return f"NoCredentialProviders: no instance profile role '{role}' is attached to {ec2_id}"
        if "ec2.amazonaws.com" not in self.roles[role].trusted_services:
            return (
                f"NoCredentialProviders: role '{role}' does not trust ec2.amazonaws.com, so the instance profile "
                "cannot deliver credentials"
            )
        for action in ("ecs:RegisterContainerInstance", "ecs:DiscoverPollEndpoint", "ecs:Poll"):
            resource = self.kernel.cluster_arn if action == "ecs:RegisterContainerInstance" else "*"
            decision = self.allows(role, action, resource)
            if not decision.allowed:
                session = f"arn:aws:sts::{self.kernel.account}:assumed-role/{role}/{ec2_id}"
                denial = denial_message(session, action, resource, explicit_deny=decision.reason == "explicit-deny")
                return f"AccessDeniedException: {denial}"
        return None
