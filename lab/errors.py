"""Provides the errors the lab raises for things a user can cause.

Every error a learner, an instructor or a CI job can trigger is a ``LabError``; the command
line prints it as one line (or one line per diagnostic) and exits 2, never with a traceback.

    LabError
    ├── SourceError        one problem at file:line:col
    ├── SourceErrors       several SourceErrors found in one pass (printed one per line)
    ├── ClientException    AWS refused an API call (RegisterTaskDefinition, CreateService, ...)
    │   ├── AutoScalingValidationError  EC2 Auto Scaling's ValidationError
    │   ├── ValidationException         Application Auto Scaling's ValidationException
    │   └── ObjectNotFoundException     Application Auto Scaling found no such object
    └── UsageError         a command-line request that cannot be served (unknown id, bad flag)
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.safe_text import printable

__all__ = [
    "STRATEGY_AND_LAUNCH_TYPE",
    "STRATEGY_MIXED",
    "STRATEGY_NOT_ASSOCIATED",
    "AutoScalingValidationError",
    "ClientException",
    "ElbException",
    "InvalidParameterException",
    "LabError",
    "ObjectNotFoundException",
    "ServiceNotFoundException",
    "SourceError",
    "SourceErrors",
    "UsageError",
    "ValidationException",
]


class LabError(Exception):
    """Base of every error a user can cause; its ``str`` is the message to print."""


@dataclass(frozen=True)
class Diagnostic:
    """One positioned message about a file."""

    file: str
    """The file name as the user knows it (relative or as given)."""
    line: int
    """1-based line; 0 when the problem concerns the whole file."""
    col: int
    """1-based column; 0 when the problem concerns the whole file."""
    message: str
    """What is wrong and what was expected."""
    severity: str = "error"
    """``error`` or ``note`` (a note, such as "not simulated", never fails a load)."""

    def __str__(self) -> str:
        """``file:line:col: message`` on one line, the file's text shown escaped (``lab.safe_text``)."""
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return printable(f"{where}: {prefix}{self.message}")


class SourceError(LabError):
    """A problem at a position in a file: ``file:line:col: message``."""

    def __init__(self, file: str, line: int, col: int, message: str) -> None:
        self.diagnostic = Diagnostic(file, line, col, message)
        super().__init__(str(self.diagnostic))

    @property
    def file(self) -> str:
        """The file the problem is in."""
        return self.diagnostic.file

    @property
    def line(self) -> int:
        """1-based line of the problem."""
        return self.diagnostic.line

    @property
    def col(self) -> int:
        """1-based column of the problem."""
        return self.diagnostic.col

    @property
    def message(self) -> str:
        """The message without its position."""
        return self.diagnostic.message


class SourceErrors(LabError):
    """Several positioned problems found in one pass, reported together."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class ClientException(LabError):
    """An AWS API call refused with a ``ClientException``, worded as AWS words it.

    ``path`` names the field the refusal is about (a tuple of keys and indexes into the
    request), so a loader can turn it into a file position.
    """

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        self.message = message
        self.path = path
        super().__init__(f"ClientException: {message}")


STRATEGY_NOT_ASSOCIATED = (
    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the "
    "cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again."
)
"""ECS's refusal of a capacity provider strategy naming a provider the cluster lacks (wording UNCONFIRMED)."""

STRATEGY_AND_LAUNCH_TYPE = "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."
"""ECS's refusal of a CreateService or RunTask naming both (observed: pulumi/pulumi-awsx#599, terraform-linters/tflint-ruleset-aws#349)."""

STRATEGY_MIXED = (
    "The specified capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups "
    "and Fargate providers. Specify one or the other and try again."
)
"""ECS's refusal of a strategy mixing Fargate and Auto Scaling group providers (§7.2; wording UNCONFIRMED)."""


class InvalidParameterException(ClientException):
    """ECS refused a parameter (CreateService, UpdateService, ...), worded as its ``InvalidParameterException``."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, path)
        self.args = (f"InvalidParameterException: {message}",)


class ServiceNotFoundException(ClientException):
    """ECS found no service by the name a call gives (UpdateService...), worded as its ``ServiceNotFoundException``."""

    def __init__(self, message: str = "Service not found.", path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, path)
        self.args = (f"ServiceNotFoundException: {message}",)


class AutoScalingValidationError(ClientException):
    """EC2 Auto Scaling refused a call, worded as its ``ValidationError``."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, path)
        self.args = (f"ValidationError: {message}",)


class ElbException(ClientException):
    """Elastic Load Balancing refused a call, worded as its error ``code`` (``TargetGroupNotFound``,
    ``LoadBalancerNotFound``...: the ELB API's error codes, not ECS's ``ClientException``)."""

    def __init__(self, code: str, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, path)
        self.code = code
        self.args = (f"{code}: {message}",)


class ValidationException(ClientException):
    """Application Auto Scaling refused a request, worded as its ``ValidationException``."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, path)
        self.args = (f"ValidationException: {message}",)


class ObjectNotFoundException(ClientException):
    """Application Auto Scaling found no object the request names (``ObjectNotFoundException``)."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, path)
        self.args = (f"ObjectNotFoundException: {message}",)


class UsageError(LabError):
    """A command-line request that cannot be served, with a one-line reason."""
