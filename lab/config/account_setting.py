"""Provides the ECS account setting learners edit: ``PutAccountSetting`` input.

An ``account-setting`` file is ``aws ecs put-account-setting --cli-input-yaml`` input:
``name``, ``value`` and optionally ``principalArn``. The lab simulates ``awsvpcTrunking``:
container instances that register after it is ``enabled`` get a trunk ENI (on instance
types that support trunking), so they run many more ``awsvpc`` tasks; instances already
registered keep their ENI limit (docs/ecs-facts.md §2.4). Every other setting ECS knows is
accepted with a ``not simulated`` note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lab.config.shapes import positioned, validate_mapping
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = ["SETTING_NAMES", "AccountSetting", "ParsedAccountSetting", "account_setting_json_schema", "parse_account_setting"]

SETTING_NAMES = (
    "serviceLongArnFormat", "taskLongArnFormat", "containerInstanceLongArnFormat", "awsvpcTrunking", "containerInsights",
    "fargateFIPSMode", "tagResourceAuthorization", "fargateTaskRetirementWaitPeriod", "guardDutyActivate",
    "defaultLogDriverMode", "fargateEventWindows",
)
"""The setting names PutAccountSetting accepts (API: PutAccountSetting, ``SettingName``)."""

SIMULATED = ("awsvpcTrunking",)
"""The settings the lab acts on."""


class AccountSetting(BaseModel):
    """One account setting (PutAccountSetting)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid", allow_inf_nan=False)

    name: Literal[
        "serviceLongArnFormat", "taskLongArnFormat", "containerInstanceLongArnFormat", "awsvpcTrunking", "containerInsights",
        "fargateFIPSMode", "tagResourceAuthorization", "fargateTaskRetirementWaitPeriod", "guardDutyActivate",
        "defaultLogDriverMode", "fargateEventWindows",
    ]
    """The setting."""
    value: str
    """``enabled`` or ``disabled`` for most settings."""
    principalArn: str | None = None
    """The user or role the setting is for (default: the caller); the lab has one account-wide caller."""

    @property
    def enabled(self) -> bool:
        """Whether the value turns the setting on."""
        return self.value == "enabled"


@dataclass(frozen=True)
class ParsedAccountSetting:
    """An account setting that passed validation, plus the notes about it."""

    account_setting: AccountSetting
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes."""


_ON_OFF = frozenset(("enabled", "disabled"))
_VALUES = {"fargateTaskRetirementWaitPeriod": frozenset(("0", "7", "14")), "containerInsights": frozenset(("enabled", "disabled", "enhanced"))}
"""Values a setting takes when it is not simply enabled/disabled."""


def parse_account_setting(doc: Document, path: Path_ = ()) -> ParsedAccountSetting:
    """Load a PutAccountSetting input from ``doc``.

    Raises:
        SourceErrors: every problem, positioned.
    """
    data, setting = validate_mapping(doc, path, AccountSetting, "PutAccountSetting parameters")
    allowed = _VALUES.get(setting.name, _ON_OFF)
    if setting.value not in allowed:
        # The API's wording for a value a setting does not take (UNCONFIRMED).
        message = f"InvalidParameterException: {setting.value} is not a valid value for {setting.name}; expected one of {', '.join(sorted(allowed))}"
        raise SourceErrors([positioned(doc, (*path, "value"), message)])
    notes = []
    if setting.name not in SIMULATED:
        notes.append(positioned(doc, (*path, "name"), f"account setting '{setting.name}' is accepted but not simulated", severity="note"))
    if "principalArn" in data:
        notes.append(positioned(doc, (*path, "principalArn"), "'principalArn' is accepted but not simulated: the setting applies to the whole account", key=True, severity="note"))
    return ParsedAccountSetting(setting, notes)


# -- editor schema (lab schema) ------------------------------------------------------------


def account_setting_json_schema() -> dict[str, Any]:
    """The JSON Schema of an account-setting file: PutAccountSetting input, with the values each setting takes."""
    from lab.config.json_schema import model_schema

    schema = model_schema(AccountSetting)
    # The values each setting takes (the loader refuses others in the API's words).
    on_off = sorted(_ON_OFF)
    values = {name: sorted(_VALUES.get(name, on_off)) for name in SETTING_NAMES}
    schema["properties"]["value"]["enum"] = sorted({v for vs in values.values() for v in vs})
    schema["allOf"] = [
        {"if": {"properties": {"name": {"const": name}}, "required": ["name"]}, "then": {"properties": {"value": {"enum": allowed}}}}
        for name, allowed in values.items()
        if allowed != on_off
    ] + [
        {
            "if": {"properties": {"name": {"enum": [n for n, a in values.items() if a == on_off]}}, "required": ["name"]},
            "then": {"properties": {"value": {"enum": on_off}}},
        }
    ]
    return schema
