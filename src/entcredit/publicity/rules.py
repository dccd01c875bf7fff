"""What is public, and until when: the pure publicity rules (rules.md sections 1, 3-5).

``visibility`` is the ONE decision of whether a record is shown to the public. The portal
pages, the open API, the PDF credit report and the open-data exports must all call it (and
``public_fields`` for what of a visible record they show); none of them may filter records by
its own test. Nothing here reads the clock, a database or the network: the day of the question
is always the explicit ``as_of`` argument, and the numbers come from ``PublicityConfig``.

Periods are counted as the Civil Code counts them (arts. 201-203): the start day is not
counted and a period of months ends on the corresponding day of the last month (the month's
last day when there is none). ``public_until`` is the last day a record is shown.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from pydantic import JsonValue

from entcredit.catalog.loader import load_catalog
from entcredit.catalog.model import Catalog, Category
from entcredit.core.dates import parse_date
from entcredit.core.idnum import mask_id
from entcredit.core.text import to_halfwidth
from entcredit.publicity.config import DEFAULT_CONFIG, PublicityConfig

__all__ = [
    "Eligibility",
    "PenaltyPeriod",
    "Reason",
    "ReasonCode",
    "RecordView",
    "RepairFacts",
    "Visibility",
    "add_months",
    "early_stop_eligibility",
    "mask_digit_runs",
    "mask_person_name",
    "penalty_period",
    "penalty_publicity_end",
    "public_fields",
    "visibility",
]

PENALTY = "penalty"
_HASH_SUFFIX = "_hash"
# Field types whose values are identifiers of entities, checked by their own type at ingest;
# a USCC or a legacy 15-digit registration number is public and must not be masked.
_UNMASKED_TYPES = frozenset({"uscc", "reg_no"})


class ReasonCode(StrEnum):
    VISIBLE = "visible"
    UNKNOWN_CATEGORY = "unknown_category"
    CATEGORY_NOT_PUBLIC = "category_not_public"
    WITHDRAWN = "withdrawn"
    UNKNOWN_STATUS = "unknown_status"
    WARNING_ONLY = "warning_only"
    NOT_YET_PUBLISHED = "not_yet_published"
    REPAIRED_ENTRY_HIDDEN = "repaired_entry_hidden"
    STOPPED_EARLY = "stopped_early"
    PERIOD_ENDED = "period_ended"
    # Early-stop eligibility
    NOT_PUBLISHED = "not_published"
    FORBIDDEN_KIND = "forbidden_kind"
    MIN_PERIOD_NOT_MET = "min_period_not_met"
    ENDS_BEFORE_MINIMUM = "ends_before_minimum"
    ALREADY_ENDED = "already_ended"
    OBLIGATIONS_UNFULFILLED = "obligations_unfulfilled"
    HARM_NOT_REMEDIED = "harm_not_remedied"
    NEW_PENALTY_SAME_TYPE = "new_penalty_same_type"
    ON_A_LIST = "on_a_list"
    ELIGIBLE = "eligible"


_TEXTS: Mapping[ReasonCode, tuple[str, str]] = MappingProxyType(
    {
        ReasonCode.VISIBLE: ("公示中", "Publicly shown"),
        ReasonCode.UNKNOWN_CATEGORY: ("未知信息类别，不予公示", "Unknown category, not shown"),
        ReasonCode.CATEGORY_NOT_PUBLIC: ("该类信息不向社会公示", "This category is not public"),
        ReasonCode.WITHDRAWN: ("信息已撤回，停止公示", "Withdrawn from publicity"),
        ReasonCode.UNKNOWN_STATUS: ("记录状态未知，不予公示", "Unknown record status, not shown"),
        ReasonCode.WARNING_ONLY: (
            "仅受到警告行政处罚的不予公示",
            "A warning alone is not published",
        ),
        ReasonCode.NOT_YET_PUBLISHED: ("尚未公示", "Not yet published"),
        ReasonCode.REPAIRED_ENTRY_HIDDEN: (
            "已信用修复提前移出，列入及移出信息均不再公示",
            "Removed early by credit repair: neither listing nor removal is shown",
        ),
        ReasonCode.STOPPED_EARLY: (
            "已信用修复，提前停止公示",
            "Publicity stopped early after credit repair",
        ),
        ReasonCode.PERIOD_ENDED: ("公示期届满，停止公示", "Publicity period ended"),
        ReasonCode.NOT_PUBLISHED: ("行政处罚信息未公示", "The penalty is not published"),
        ReasonCode.FORBIDDEN_KIND: (
            "该类行政处罚不得提前停止公示",
            "Publicity of this kind of penalty cannot be stopped early",
        ),
        ReasonCode.MIN_PERIOD_NOT_MET: ("未满最短公示期", "Minimum publicity period not yet met"),
        ReasonCode.ENDS_BEFORE_MINIMUM: (
            "公示期短于最短公示期，届满自动停止公示",
            "The publicity period ends before the minimum; it ends by itself",
        ),
        ReasonCode.ALREADY_ENDED: ("已停止公示", "Publicity has already ended"),
        ReasonCode.OBLIGATIONS_UNFULFILLED: (
            "未履行行政处罚决定规定的义务",
            "The penalty's obligations are not fulfilled",
        ),
        ReasonCode.HARM_NOT_REMEDIED: ("社会不良影响未消除", "The harm has not been remedied"),
        ReasonCode.NEW_PENALTY_SAME_TYPE: (
            "受到同一类别行政处罚",
            "A new penalty of the same type was imposed",
        ),
        ReasonCode.ON_A_LIST: (
            "被列入经营异常名录或严重违法失信名单",
            "On the abnormal operations list or the serious illegal dishonest list",
        ),
        ReasonCode.ELIGIBLE: ("符合提前停止公示条件", "Eligible for an early stop"),
    }
)


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    zh: str
    en: str

    @classmethod
    def of(cls, code: ReasonCode) -> Reason:
        return _REASONS[code]


# Reasons are immutable: one instance per code, not one per record judged.
_REASONS: Mapping[ReasonCode, Reason] = MappingProxyType(
    {code: Reason(code, zh, en) for code, (zh, en) in _TEXTS.items()}
)


@dataclass(frozen=True, slots=True)
class RecordView:
    """What the publicity rules need to know of one record; the store fills it from ``Record``.

    ``fields`` are the category's own canonical values (``Record.fields``). ``entity_type`` is
    the subject's register type (``enterprise`` / ``individual`` / ``cooperative``) or None when
    unknown. ``repaired_on`` is the day a credit repair decision took effect for this record:
    the early stop of a penalty's publicity, or the early removal of the list entry this record
    belongs to (listing and removal records alike). ``chosen_public`` names the optional fields
    the filer chose to publish (annual reports).
    """

    category: str
    status: str
    published_on: date | None
    produced_on: date
    fields: Mapping[str, JsonValue] = field(default_factory=dict)
    entity_type: str | None = None
    repaired_on: date | None = None
    chosen_public: frozenset[str] = frozenset()

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


@dataclass(frozen=True, slots=True)
class Visibility:
    visible: bool
    reason: Reason
    public_from: date | None = None
    public_until: date | None = None  # last day shown; None: no end (or never shown)


@dataclass(frozen=True, slots=True)
class PenaltyPeriod:
    kind: Literal["never", "short", "standard", "ban"]
    public_until: date | None  # None when never published


@dataclass(frozen=True, slots=True)
class RepairFacts:
    """Facts of an early-stop application the caller establishes (rules.md section 5)."""

    obligations_fulfilled: bool
    harm_remedied: bool
    new_penalty_same_type: bool
    on_any_list: bool


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    reasons: list[Reason]
    # The first day the time condition is met; None when an early stop can never be granted.
    earliest_date: date | None


# ----------------------------------------------------------------------------- helpers

# isinstance targets as tuples: an ``int | float`` union is built anew at every call, and
# these run for every field of every record exported.
_NUMBERS = (int, float)
_DECIMAL_LIKE = (int, float, Decimal, str)
_SEQUENCES = (list, tuple)
_COLLECTIONS = (list, tuple, set, frozenset)
_NOTHING: frozenset[str] = frozenset()  # shared, not built per call


@lru_cache(maxsize=4096)  # pure, and bulk reads ask it for the same few days over and over
def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later, or that month's last day when there is none."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValueError:
            return None
    return None


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, _DECIMAL_LIKE):
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


_SEPARATORS = re.compile(r"[;；,，、\s]+")


def _kinds(fields: Mapping[str, object]) -> frozenset[str]:
    raw = fields.get("penalty_kinds")
    items: Collection[object]
    if isinstance(raw, str):
        items = _SEPARATORS.split(raw)
    elif isinstance(raw, _COLLECTIONS):
        items = raw
    else:
        return frozenset()
    return frozenset(k.strip().lower() for k in items if isinstance(k, str) and k.strip())


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _domain(fields: Mapping[str, object]) -> str | None:
    value = fields.get("domain")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


# ---------------------------------------------------------------------- penalty periods


def _is_warning_only(kinds: frozenset[str], config: PublicityConfig) -> bool:
    return bool(kinds) and kinds <= config.penalty.never_alone_kinds


def _is_low_fine(
    fields: Mapping[str, object], entity_type: str | None, config: PublicityConfig
) -> bool:
    rule = config.penalty
    amount = _as_decimal(fields.get("fine_amount"))
    if amount is None:  # a fine of unknown amount cannot be shown to be low
        return False
    threshold = rule.low_fine_below_wan.get(entity_type or "", rule.low_fine_below_wan_default)
    return amount < threshold


def penalty_period(
    fields: Mapping[str, object],
    start: date,
    config: PublicityConfig = DEFAULT_CONFIG,
    *,
    entity_type: str | None = None,
) -> PenaltyPeriod:
    """The publicity period of a penalty whose period runs from ``start`` (Order 45 art. 13).

    ``start`` is the publication day (SAMR) or the decision day (NDRC), per
    ``config.penalty.period_start``; ``visibility`` picks it. Short (3 months): only criticism
    and/or a fine below the threshold (a warning beside them does not matter), no ban, not
    marked ``heavier``. Otherwise 3 years, extended to ``ban_until`` when that is later.
    """
    return _penalty_period(_kinds(fields), fields, start, config, entity_type)


def _penalty_period(
    kinds: frozenset[str],
    fields: Mapping[str, object],
    start: date,
    config: PublicityConfig,
    entity_type: str | None,
) -> PenaltyPeriod:
    """``penalty_period`` with the penalty's kinds already read (``visibility`` reads them
    first for the warning-only test)."""
    rule = config.penalty
    if _is_warning_only(kinds, config):
        return PenaltyPeriod("never", None)
    ban_until = _as_date(fields.get("ban_until"))
    light = kinds - rule.neutral_kinds
    short = (
        bool(light)
        and light <= rule.short_kinds
        and ban_until is None
        and not _is_true(fields.get("heavier"))
        and ("fine" not in light or _is_low_fine(fields, entity_type, config))
    )
    if short:
        return PenaltyPeriod("short", add_months(start, rule.short_months))
    end = add_months(start, rule.standard_months)
    if rule.ban_extends_period and ban_until is not None and ban_until > end:
        return PenaltyPeriod("ban", ban_until)
    return PenaltyPeriod("standard", end)


def penalty_publicity_end(
    fields: Mapping[str, object],
    start: date,
    config: PublicityConfig = DEFAULT_CONFIG,
    *,
    entity_type: str | None = None,
) -> date | None:
    """Last day of a penalty's publicity (see ``penalty_period``); None: never published."""
    return penalty_period(fields, start, config, entity_type=entity_type).public_until


def _period_start(record: RecordView, config: PublicityConfig) -> date | None:
    if config.penalty.period_start == "decided":
        return record.produced_on
    return record.published_on


# ---------------------------------------------------------------------------- visibility


def _hidden(code: ReasonCode, until: date | None = None, start: date | None = None) -> Visibility:
    return Visibility(False, Reason.of(code), start, until)


def visibility(
    record: RecordView,
    as_of: date,
    config: PublicityConfig = DEFAULT_CONFIG,
    catalog: Catalog | None = None,
) -> Visibility:
    """Whether ``record`` is shown to the public on ``as_of``, why, and until when.

    In order: the category must be known and public in the catalogue; the record not withdrawn
    (any status other than ``active`` hides it); a penalty that is a warning alone is never
    shown; then the record must be published (``published_on <= as_of``); a list entry removed
    early by credit repair vanishes from ``repaired_on``; a penalty leaves view after its period
    or, after an approved early stop, from ``repaired_on``; other categories follow
    ``config.period_months`` (none by default).
    """
    cat = catalog if catalog is not None else load_catalog()
    if record.category not in cat:
        return _hidden(ReasonCode.UNKNOWN_CATEGORY)
    if not cat.category(record.category).public:
        return _hidden(ReasonCode.CATEGORY_NOT_PUBLIC)
    if record.withdrawn:
        return _hidden(ReasonCode.WITHDRAWN)
    if record.status != "active":
        return _hidden(ReasonCode.UNKNOWN_STATUS)
    is_penalty = record.category == PENALTY
    kinds = _kinds(record.fields) if is_penalty else _NOTHING
    if is_penalty and _is_warning_only(kinds, config):
        return _hidden(ReasonCode.WARNING_ONLY)

    published = record.published_on
    until: date | None = None
    ended = ReasonCode.PERIOD_ENDED
    if is_penalty:
        start = _period_start(record, config)
        if start is not None:
            until = _penalty_period(
                kinds, record.fields, start, config, record.entity_type
            ).public_until
        if record.repaired_on is not None:
            stop = record.repaired_on - timedelta(days=1)
            if until is None or stop < until:
                until, ended = stop, ReasonCode.STOPPED_EARLY
    elif record.category in config.period_months and published is not None:
        until = add_months(published, config.period_months[record.category])
    if (
        record.repaired_on is not None
        and record.category in config.hide_on_repair
        and not is_penalty
    ):
        stop = record.repaired_on - timedelta(days=1)
        if until is None or stop < until:
            until, ended = stop, ReasonCode.REPAIRED_ENTRY_HIDDEN

    if published is None or published > as_of:
        return _hidden(ReasonCode.NOT_YET_PUBLISHED, until, published)
    if until is not None and as_of > until:
        return _hidden(ended, until, published)
    return Visibility(True, Reason.of(ReasonCode.VISIBLE), published, until)


# ------------------------------------------------------------------------ public fields

# Runs of Unicode digits (full-width and other scripts too: a number is a number whoever
# typed it), optionally ending in X, as long as an ID number or longer.
_DIGIT_RUNS: dict[int, re.Pattern[str]] = {}


def _digit_run(min_len: int) -> re.Pattern[str]:
    pattern = _DIGIT_RUNS.get(min_len)
    if pattern is None:
        pattern = re.compile(rf"\d{{{min_len - 1},}}(?:\d|[XxＸｘ])")
        _DIGIT_RUNS[min_len] = pattern
    return pattern


def _mask_run(match: re.Match[str]) -> str:
    run = to_halfwidth(match.group(0)).upper()
    if run.isascii() and len(run) in (15, 18):
        return mask_id(run)
    # Longer runs may hold an ID number anywhere: keep 6 + 4, so no 15-character window of
    # the result is free of stars.
    return run[:6] + "*" * (len(run) - 10) + run[-4:]


def mask_digit_runs(text: str, min_len: int = 15) -> str:
    """Mask every run of ``min_len`` or more digits (optionally ending in X) in free text."""
    if len(text) < min_len:  # too short to hold a run: most values
        return text
    pattern = _digit_run(min_len)
    # search is cheaper than a sub that finds nothing, the fate of nearly every value
    return text if pattern.search(text) is None else pattern.sub(_mask_run, text)


def mask_person_name(name: str) -> str:
    """``张三`` -> ``张*``, ``张三丰`` -> ``张*丰``, ``欧阳娜娜`` -> ``欧**娜``; Latin names keep
    the first letter of each word. Not applied by default (see ``masked_name_fields``)."""
    s = name.strip()
    if not s:
        return s
    if s.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in s.split())
    if len(s) <= 2:
        return s[0] + "*" * (len(s) - 1)
    return s[0] + "*" * (len(s) - 2) + s[-1]


def _mask_value(value: object, min_len: int) -> JsonValue:
    if isinstance(value, str):
        return mask_digit_runs(value, min_len)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, _NUMBERS):
        text = str(value)
        masked = mask_digit_runs(text, min_len)
        return value if masked == text else masked
    if isinstance(value, _SEQUENCES):
        return [_mask_value(v, min_len) for v in value]
    if isinstance(value, Mapping):
        return {
            str(k): _mask_value(v, min_len)
            for k, v in value.items()
            if not str(k).endswith(_HASH_SUFFIX)
        }
    return mask_digit_runs(str(value), min_len)


def _mask_pii(value: object, min_len: int) -> JsonValue:
    if isinstance(value, str) and value and "*" not in value:
        return mask_id(value)
    # Already masked at ingest (records keep ``mask_id`` forms), or not a string.
    return _mask_value(value, min_len)


def public_fields(
    category: str | Category,
    fields: Mapping[str, object],
    catalog: Catalog | None = None,
    *,
    chosen_public: Collection[str] = (),
    config: PublicityConfig = DEFAULT_CONFIG,
) -> dict[str, JsonValue]:
    """The part of a record's fields the public may see, in catalogue order.

    Keeps the fields the catalogue marks public, plus the opt-in fields the filer chose to
    publish (``config.opt_in_fields``). Never returns a PII field (except the masked forms of
    ``config.masked_pii_fields``) nor a ``*_hash`` key, and masks every run of 15+ digits in
    the values (an ID number pasted into free text), except in USCC and registration-number
    fields. Keys not in the catalogue are dropped.
    """
    if isinstance(category, Category):
        cat = category
    else:
        cat = (catalog if catalog is not None else load_catalog()).category(category)
    opt_in = config.opt_in_fields.get(cat.name, _NOTHING)
    if opt_in:
        opt_in &= frozenset(chosen_public)
    min_len = config.mask_digit_runs_from
    out: dict[str, JsonValue] = {}
    for code, show in _field_plan(cat, config, opt_in).steps:
        if code in fields:
            out[code] = show(fields[code], min_len)
    return out


def _show_identifier(value: object, min_len: int) -> JsonValue:
    """A USCC or registration number, as is."""
    return value if isinstance(value, str) else _mask_value(value, min_len)


def _show_name(value: object, min_len: int) -> JsonValue:
    """A person's name through ``mask_person_name`` (``config.masked_name_fields``)."""
    if isinstance(value, str):
        return mask_digit_runs(mask_person_name(value), min_len)
    return _mask_value(value, min_len)


_Show = Callable[[object, int], JsonValue]


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    """Which fields of a category ``public_fields`` keeps, and how, for one config and one
    set of opt-in fields: decided once per category, not once per record. Holds the category
    and config it was built for, so their ids (the cache key) stay theirs while cached."""

    category: Category
    config: PublicityConfig
    steps: tuple[tuple[str, _Show], ...]  # field code, how its value is shown


_PLANS: dict[tuple[int, int, frozenset[str]], _FieldPlan] = {}
_MAX_PLANS = 256  # categories x configs x opt-in choices in use: a handful in practice


def _field_plan(cat: Category, config: PublicityConfig, opt_in: frozenset[str]) -> _FieldPlan:
    key = (id(cat), id(config), opt_in)
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        plan = _PLANS[key] = _FieldPlan(cat, config, _plan_steps(cat, config, opt_in))
    return plan


def _plan_steps(
    cat: Category, config: PublicityConfig, opt_in: frozenset[str]
) -> tuple[tuple[str, _Show], ...]:
    if not cat.public:
        return ()
    masked_pii = config.masked_pii_fields.get(cat.name, frozenset())
    masked_names = config.masked_name_fields.get(cat.name, frozenset())
    steps: list[tuple[str, _Show]] = []
    for f in cat.fields:
        if f.code.endswith(_HASH_SUFFIX):
            continue
        if f.pii:
            if f.code in masked_pii:
                steps.append((f.code, _mask_pii))
            continue
        if not (f.public or f.code in opt_in):
            continue
        if f.type in _UNMASKED_TYPES:
            steps.append((f.code, _show_identifier))
        elif f.code in masked_names:
            steps.append((f.code, _show_name))
        else:
            steps.append((f.code, _mask_value))
    return tuple(steps)


# ------------------------------------------------------------------------- early stop


def early_stop_eligibility(
    fields: Mapping[str, object],
    published_on: date | None,
    as_of: date,
    facts: RepairFacts,
    config: PublicityConfig = DEFAULT_CONFIG,
    *,
    produced_on: date | None = None,
    entity_type: str | None = None,
) -> Eligibility:
    """May the publicity of this penalty be stopped early on ``as_of``? (rules.md section 5)

    Needs: a published penalty of no forbidden kind, at least the minimum publicity (6 months,
    12 for food, drug and special equipment by default, counted like the period from
    ``config.penalty.period_start``), still in its period, obligations fulfilled, harm
    remedied, no new penalty of the same type and not on either list. Every unmet condition is
    a reason. ``earliest_date`` is the first day the time condition holds, or None when an early
    stop can never be granted (forbidden kind, warning only, unpublished, or the period ends
    first).
    """
    reasons: list[Reason] = []
    kinds = _kinds(fields)
    rule = config.early_stop
    never = False
    if _is_warning_only(kinds, config):
        reasons.append(Reason.of(ReasonCode.WARNING_ONLY))
        never = True
    if published_on is None or published_on > as_of:
        reasons.append(Reason.of(ReasonCode.NOT_PUBLISHED))
        never = True
    if kinds & rule.forbidden_kinds:
        reasons.append(Reason.of(ReasonCode.FORBIDDEN_KIND))
        never = True

    if config.penalty.period_start == "decided":
        if produced_on is None:
            raise ValueError("this regime counts from the decision date: pass produced_on")
        start: date | None = produced_on
    else:
        start = published_on
    earliest: date | None = None
    if start is not None and not never:
        earliest = add_months(start, rule.min_months_for(_domain(fields)))
        end = penalty_publicity_end(fields, start, config, entity_type=entity_type)
        if end is not None and earliest > end:
            reasons.append(Reason.of(ReasonCode.ENDS_BEFORE_MINIMUM))
            earliest = None
        elif end is not None and as_of > end:
            reasons.append(Reason.of(ReasonCode.ALREADY_ENDED))
            earliest = None
        elif as_of < earliest:
            reasons.append(Reason.of(ReasonCode.MIN_PERIOD_NOT_MET))

    if not facts.obligations_fulfilled:
        reasons.append(Reason.of(ReasonCode.OBLIGATIONS_UNFULFILLED))
    if not facts.harm_remedied:
        reasons.append(Reason.of(ReasonCode.HARM_NOT_REMEDIED))
    if facts.new_penalty_same_type:
        reasons.append(Reason.of(ReasonCode.NEW_PENALTY_SAME_TYPE))
    if facts.on_any_list:
        reasons.append(Reason.of(ReasonCode.ON_A_LIST))
    if reasons:
        return Eligibility(False, reasons, None if never else earliest)
    return Eligibility(True, [Reason.of(ReasonCode.ELIGIBLE)], earliest)
