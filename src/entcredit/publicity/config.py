"""Publicity rules as data: the numbers of ``shared/domain/rules.md`` sections 1, 3-5.

Every number here can change by province or by revision, so it is configuration with these
values as the shipped defaults (``PublicityConfig()``); an operator file is read with
``parse_publicity_config(text)`` (YAML; unknown keys refuse to load). Confidence marks follow
rules.md: [law], [practice], [open].

Several entries are per-category attributes that belong in the information catalogue
(``catalog/categories.yaml``) and live here only until the catalogue grows them: they are
marked ``CATALOGUE:``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "DEFAULT_CONFIG",
    "NDRC_CONFIG",
    "NDRC_EARLY_STOP",
    "EarlyStopRule",
    "PenaltyPeriodRule",
    "PublicityConfig",
    "PublicityConfigError",
    "parse_publicity_config",
]

PeriodStart = Literal["published", "decided"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PenaltyPeriodRule(_Strict):
    """How long a penalty stays public (SAMR Order 45 art. 13) [law].

    "仅受到通报批评或者较低数额罚款的行政处罚信息自公示之日起届满三个月的，停止公示。其他行政
    处罚信息自公示之日起届满三年的，停止公示。" A ban (限制开展生产经营活动、限制从业) longer
    than three years is public for its full length. A warning alone is never published
    (art. 2).
    """

    # Order 45 counts from the day of publication; NDRC Order 58 from the decision date.
    period_start: PeriodStart = "published"
    short_months: int = Field(default=3, ge=0)
    standard_months: int = Field(default=36, ge=0)
    # Kinds that make a penalty "light": criticism, and a fine below the threshold.
    short_kinds: frozenset[str] = frozenset({"criticism", "fine"})
    # Kinds that neither qualify nor disqualify the short period: a warning is lighter than a
    # public criticism, so "warning + low fine" is still a low-fine penalty (decision: rules.md
    # is silent on combinations; "仅" is read as "nothing heavier").
    neutral_kinds: frozenset[str] = frozenset({"warning"})
    # A penalty whose kinds are all in this set is never published (Order 45 art. 2) [law].
    never_alone_kinds: frozenset[str] = frozenset({"warning"})
    # 较低数额罚款 is set by each province (Order 45 art. 13 para. 2) [open]. Default: below
    # 0.5 万元 for natural persons (个体工商户 included: the Civil Code places them under
    # 自然人) and below 5 万元 for legal persons and other organisations, both exclusive
    # ("不含本数"), as Guizhou set it from 2024. Amounts in 万元, keyed by entity_type.
    low_fine_below_wan: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "individual": Decimal("0.5"),
            "enterprise": Decimal("5"),
            "cooperative": Decimal("5"),
        }
    )
    # Subject of unknown type (no register entry, e.g. a natural person): the lower threshold,
    # so the short period is only granted when the fine is low for anyone.
    low_fine_below_wan_default: Decimal = Decimal("0.5")
    # A ban (ban_until) that outlasts the standard period extends publicity to its end [law].
    ban_extends_period: bool = True


class EarlyStopRule(_Strict):
    """Early stop of a penalty's publicity (信用修复, 国市监信规〔2021〕3号) [law]."""

    min_months: int = Field(default=6, ge=0)
    # Longer minimum for some domains (the penalty's ``domain`` field).
    min_months_by_domain: dict[str, int] = Field(
        default_factory=lambda: {"food": 12, "drug": 12, "special_equipment": 12}
    )
    # Never eligible for these kinds. rules.md names suspension (责令停产停业), restricted
    # business, employment bans, downgraded qualifications, revoked licences and revoked
    # business licences (the exchange standard's ``revoke_license`` covers both). ``close``
    # (责令关闭) is added: it is the heavier sibling of 责令停产停业 in the Administrative
    # Penalty Law art. 9(4) and rules.md is silent [open]. ``suspend_license`` (暂扣许可证件)
    # is not named by rules.md and is left eligible [open].
    forbidden_kinds: frozenset[str] = frozenset(
        {
            "suspend_business",
            "restrict_business",
            "employment_ban",
            "downgrade",
            "revoke_license",
            "close",
        }
    )

    def min_months_for(self, domain: str | None) -> int:
        if domain is None:
            return self.min_months
        return self.min_months_by_domain.get(domain, self.min_months)


# NDRC Order 58 (2023) variant for the 信用中国 regime: minimum 3 months, 1 year for food,
# drug, special equipment, work safety and fire safety [law].
NDRC_EARLY_STOP = EarlyStopRule(
    min_months=3,
    min_months_by_domain={
        "food": 12,
        "drug": 12,
        "special_equipment": 12,
        "work_safety": 12,
        "fire_safety": 12,
    },
)


class PublicityConfig(_Strict):
    penalty: PenaltyPeriodRule = Field(default_factory=PenaltyPeriodRule)
    early_stop: EarlyStopRule = Field(default_factory=EarlyStopRule)
    # CATALOGUE: categories whose records leave view entirely once the list entry they belong
    # to is removed early by credit repair. Serious list: "the public page shows neither the
    # listing nor the removal" [law]. Abnormal list: rules.md is silent; included because the
    # caller passes ``repaired_on`` only for entries the repair decision takes off view [open].
    hide_on_repair: frozenset[str] = frozenset({"serious_list", "abnormal_list"})
    # CATALOGUE: publicity period in months for categories other than penalties, counted from
    # publication. rules.md gives none, so none by default: those records stay public [open].
    period_months: dict[str, int] = Field(default_factory=dict)
    # CATALOGUE: fields the filer chooses to publish (企业信息公示暂行条例 art. 9: 从业人数,
    # 营业总收入, 纳税总额 ... "由企业选择是否向社会公示"; 个体工商户年度报告 likewise). Hidden
    # unless the record says the filer chose to publish them; any entity type [law].
    opt_in_fields: dict[str, frozenset[str]] = Field(
        default_factory=lambda: {
            "annual_report": frozenset({"employees", "revenue", "tax_paid", "social_insured"})
        }
    )
    # CATALOGUE: PII fields shown in masked form (``mask_id``) instead of being dropped. Issue 3
    # shows key personnel "ID numbers masked"; every other ID number is dropped.
    masked_pii_fields: dict[str, frozenset[str]] = Field(
        default_factory=lambda: {"person_role": frozenset({"person_id"})}
    )
    # CATALOGUE: person-name fields shown through ``mask_person_name``. Empty: the national
    # system shows legal representatives and key personnel by full name (企业信息公示暂行条例
    # art. 6 publicises them as registration information).
    masked_name_fields: dict[str, frozenset[str]] = Field(default_factory=dict)
    # A run of at least this many digits (optionally ending in X) inside a public value is
    # masked: it may be a resident ID number (18) or a legacy one (15) pasted into free text.
    mask_digit_runs_from: int = Field(default=15, ge=15, le=18)

    @model_validator(mode="after")
    def _check(self) -> PublicityConfig:
        if self.penalty.short_months > self.penalty.standard_months:
            raise ValueError("penalty.short_months is longer than penalty.standard_months")
        return self


DEFAULT_CONFIG = PublicityConfig()
# The whole NDRC regime: its period counts from the decision date (Order 58) and its early
# stop minimums differ. Periods (3 months / 3 years) are the same.
NDRC_CONFIG = PublicityConfig(
    penalty=PenaltyPeriodRule(period_start="decided"), early_stop=NDRC_EARLY_STOP
)


class PublicityConfigError(ValueError):
    """The operator's publicity rules file is broken; the message says where and why."""


def parse_publicity_config(text: str, source: str = "<publicity rules>") -> PublicityConfig:
    """Read an operator file (YAML mapping, every key optional, defaults as above)."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PublicityConfigError(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise PublicityConfigError(f"{source}: expected a mapping at the top level")
    try:
        return PublicityConfig.model_validate(data)
    except ValidationError as exc:
        parts = [
            f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
        raise PublicityConfigError(f"{source}: {'; '.join(parts)}") from None
