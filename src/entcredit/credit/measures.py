"""The measures catalogue (联合惩戒措施清单) as data: ``measures.yaml`` beside this file, or the
operator's file (``ENTCREDIT_CREDIT_MEASURES_FILE``), validated on load into frozen
dataclasses. A broken catalogue refuses to load with a message naming the measure and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "OFFICER_ROLES",
    "Action",
    "Duration",
    "Measure",
    "MeasureCatalogue",
    "MeasuresFileError",
    "Trigger",
    "TriggerKind",
    "load_measures",
]

DEFAULT_PATH = Path(__file__).with_name("measures.yaml")
OFFICER_ROLES = frozenset({"legal_rep", "director", "supervisor", "manager"})


class TriggerKind(StrEnum):
    SERIOUS_LIST = "serious_list"
    ABNORMAL_LIST = "abnormal_list"
    SERIOUS_OFFICER = "serious_officer"
    REVOKED_OFFICER = "revoked_officer"
    RESTRICTION = "restriction"


PERSON_TRIGGERS = frozenset({TriggerKind.SERIOUS_OFFICER, TriggerKind.REVOKED_OFFICER})


class MeasuresFileError(ValueError):
    """The catalogue file is unreadable or invalid; the message names every fault."""


@dataclass(frozen=True, slots=True)
class Action:
    code: str
    label_zh: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: TriggerKind
    roles: frozenset[str] = frozenset()
    reason_codes: frozenset[str] = frozenset()  # empty: any reason

    def matches_reason(self, reason_code: str | None) -> bool:
        return not self.reason_codes or reason_code in self.reason_codes


@dataclass(frozen=True, slots=True)
class Duration:
    kind: Literal["while_in_force", "fixed_years"]
    years: int | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    code: str
    name_zh: str
    name_en: str
    trigger: Trigger
    actions: frozenset[str]
    basis: str
    requesting_dept: str
    executing_dept: str
    duration: Duration


@dataclass(frozen=True, slots=True)
class MeasureCatalogue:
    actions: tuple[Action, ...]
    measures: tuple[Measure, ...]
    # Lookups made once: the credit check asks them for every subject of a batch.
    action_codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _by_code: dict[str, Measure] = field(init=False, repr=False, compare=False)
    _by_action: dict[str, tuple[Measure, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes = tuple(a.code for a in self.actions)
        object.__setattr__(self, "action_codes", codes)
        object.__setattr__(self, "_by_code", {m.code: m for m in self.measures})
        by_action = {a: tuple(m for m in self.measures if a in m.actions) for a in codes}
        object.__setattr__(self, "_by_action", by_action)

    def measure(self, code: str) -> Measure | None:
        return self._by_code.get(code)

    def for_action(self, action: str) -> tuple[Measure, ...]:
        return self._by_action.get(action, ())


# -- the file's schema -------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Action(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)


class _Trigger(_Strict):
    kind: TriggerKind
    roles: list[str] = []
    reason_codes: list[str] = []

    @model_validator(mode="after")
    def _roles(self) -> _Trigger:
        unknown = set(self.roles) - OFFICER_ROLES
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)} (valid: {sorted(OFFICER_ROLES)})")
        if (self.kind in PERSON_TRIGGERS) != bool(self.roles):
            raise ValueError("roles are required for *_officer triggers and only for them")
        return self


class _Duration(_Strict):
    kind: Literal["while_in_force", "fixed_years"]
    years: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _years(self) -> _Duration:
        if (self.kind == "fixed_years") != (self.years is not None):
            raise ValueError("years is required for fixed_years and only for it")
        return self


class _Measure(_Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    trigger: _Trigger
    actions: list[str] = Field(min_length=1)
    basis: str = Field(min_length=1)
    requesting_dept: str = Field(min_length=1)
    executing_dept: str = Field(min_length=1)
    duration: _Duration

    @model_validator(mode="after")
    def _revocation_is_timed(self) -> _Measure:
        # A revocation has no end of its own: only a fixed period can end the measure.
        if self.trigger.kind is TriggerKind.REVOKED_OFFICER and self.duration.kind != "fixed_years":
            raise ValueError("a revoked_officer measure needs a fixed_years duration")
        return self


class _File(_Strict):
    version: Literal[1]
    actions: list[_Action] = Field(min_length=1)
    measures: list[_Measure] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> _File:
        problems: list[str] = []
        for kind, codes in (
            ("action", [a.code for a in self.actions]),
            ("measure", [m.code for m in self.measures]),
        ):
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                problems.append(f"duplicate {kind} codes: {', '.join(dupes)}")
        known = {a.code for a in self.actions}
        for m in self.measures:
            unknown = sorted(set(m.actions) - known)
            if unknown:
                problems.append(f"measure {m.code}: unknown actions {', '.join(unknown)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def parse_measures(text: str, source: str = "<measures>") -> MeasureCatalogue:
    try:
        raw = yaml.safe_load(text)
        data = _File.model_validate(raw)
    except yaml.YAMLError as exc:
        raise MeasuresFileError(f"{source}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        faults = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()
        )
        raise MeasuresFileError(f"{source}: {faults}") from exc
    return MeasureCatalogue(
        actions=tuple(Action(a.code, a.label_zh, a.label_en) for a in data.actions),
        measures=tuple(
            Measure(
                code=m.code,
                name_zh=m.name_zh,
                name_en=m.name_en,
                trigger=Trigger(
                    m.trigger.kind, frozenset(m.trigger.roles), frozenset(m.trigger.reason_codes)
                ),
                actions=frozenset(m.actions),
                basis=m.basis,
                requesting_dept=m.requesting_dept,
                executing_dept=m.executing_dept,
                duration=Duration(m.duration.kind, m.duration.years),
            )
            for m in data.measures
        ),
    )


@cache
def load_measures(path: Path | None = None) -> MeasureCatalogue:
    """The catalogue at ``path`` (default: the shipped one); cached per path."""
    target = path or DEFAULT_PATH
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise MeasuresFileError(f"{target}: cannot read: {exc}") from exc
    return parse_measures(text, str(target))
