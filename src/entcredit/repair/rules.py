"""Credit repair, the pure rules (rules.md §5 with §§3-4): who may apply for what, and the
review's states and time limits. No database, clock or network: every rule takes ``as_of``.

Three kinds of application, each decided by the department that owns the target:

- ``abnormal``: removal from the abnormal operations list (or an individual business's mark)
  once the listing reason is corrected; only from the ``listed`` state (an objection or a
  removal already under way must finish first).
- ``serious``: early removal from the serious illegal dishonest list, by
  ``lists.serious.early_removal_eligibility`` (1 year listed, obligations, harm, no new
  heavier penalty, no running ban).
- ``penalty``: early end of a penalty's publicity, by ``publicity.early_stop_eligibility``
  (6 months, 12 for food, drug and special equipment; never for the forbidden kinds).

Review states::

    submitted ──accept──► accepted ──approve / refuse──► approved | refused
    submitted ──approve / refuse──► approved | refused   (accepted and decided the same day)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.config import ListRules
from entcredit.lists.serious import RepairFacts as SeriousRepairFacts
from entcredit.lists.serious import SeriousEntry, early_removal_eligibility
from entcredit.publicity.config import DEFAULT_CONFIG, PublicityConfig
from entcredit.publicity.rules import RepairFacts, early_stop_eligibility

__all__ = [
    "OPEN_STATES",
    "AppState",
    "RepairEligibility",
    "RepairKind",
    "ReviewError",
    "ReviewLimits",
    "Why",
    "abnormal_eligibility",
    "after_review",
    "due_date",
    "is_overdue",
    "penalty_eligibility",
    "serious_eligibility",
]


class RepairKind(StrEnum):
    ABNORMAL = "abnormal"
    SERIOUS = "serious"
    PENALTY = "penalty"


class AppState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    REFUSED = "refused"


OPEN_STATES = frozenset({AppState.SUBMITTED, AppState.ACCEPTED})


@dataclass(frozen=True, slots=True)
class ReviewLimits:
    """rules.md §5 [open]: accept within 2 working days, decide within 15."""

    accept_working_days: int = 2
    decide_working_days: int = 15


@dataclass(frozen=True, slots=True)
class Why:
    """One reason of an eligibility answer, in both languages."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class RepairEligibility:
    eligible: bool
    reasons: tuple[Why, ...]  # every unmet condition (empty when eligible)
    earliest_on: date | None = None  # first day the time condition holds, if one applies


def penalty_eligibility(
    fields: Mapping[str, object],
    *,
    published_on: date | None,
    produced_on: date,
    entity_type: str | None,
    facts: RepairFacts,
    as_of: date,
    config: PublicityConfig = DEFAULT_CONFIG,
) -> RepairEligibility:
    """Early end of a penalty's publicity: ``publicity.early_stop_eligibility``, verbatim."""
    e = early_stop_eligibility(
        fields,
        published_on,
        as_of,
        facts,
        config,
        produced_on=produced_on,
        entity_type=entity_type,
    )
    if e.eligible:
        return RepairEligibility(True, (), e.earliest_date)
    reasons = tuple(Why(r.code.value, r.zh, r.en) for r in e.reasons)
    return RepairEligibility(False, reasons, e.earliest_date)


_NOT_CORRECTED = Why(
    "not_corrected",
    "经营异常名录列入事由尚未改正",
    "The reason for the listing has not been corrected",
)
_ABNORMAL_STATE: Mapping[str, Why] = {
    "objection_filed": Why(
        "objection_pending", "异议正在处理中", "An objection to the listing is being handled"
    ),
    "objection_verifying": Why(
        "objection_pending", "异议正在处理中", "An objection to the listing is being handled"
    ),
    "removal_pending": Why(
        "removal_pending", "移出申请正在处理中", "A removal is already being decided"
    ),
}
_NOT_LISTED = Why("not_listed", "该记录不在名录中", "The entry is not on the list")


def abnormal_eligibility(state: str, *, corrected: bool) -> RepairEligibility:
    """Removal on repair (rules.md §3): the entry is listed (or marked) and the enterprise
    declares the reason corrected (filed, published, corrected, re-registered); the
    department verifies that before deciding."""
    reasons: list[Why] = []
    if state != "listed":
        reasons.append(_ABNORMAL_STATE.get(state, _NOT_LISTED))
    if not corrected:
        reasons.append(_NOT_CORRECTED)
    return RepairEligibility(not reasons, tuple(reasons))


# ``early_removal_eligibility`` explains in English; these are its conditions' Chinese names,
# matched by the beginning of its sentences.
_SERIOUS_ZH: tuple[tuple[str, str, str], ...] = (
    ("the entry is", "not_listed", "该记录不在严重违法失信名单中"),
    ("listed on", "min_period_not_met", "列入未满 1 年，不得提前移出"),
    ("the penalty's obligations", "obligations_unfulfilled", "未履行行政处罚决定规定的义务"),
    ("the harm", "harm_not_remedied", "社会不良影响未消除"),
    ("a new heavier penalty", "new_heavier_penalty", "列入后又受到较重行政处罚"),
    ("a statutory ban", "ban_running", "法定禁入期尚未届满"),
)


def _serious_why(text: str) -> Why:
    for prefix, code, zh in _SERIOUS_ZH:
        if text.startswith(prefix):
            return Why(code, f"{zh}（{text}）", text)
    return Why("other", text, text)


def serious_eligibility(
    entry: SeriousEntry, facts: SeriousRepairFacts, as_of: date, rules: ListRules
) -> RepairEligibility:
    """Early removal from the serious list: ``lists.serious.early_removal_eligibility``."""
    e = early_removal_eligibility(entry, facts, as_of, rules)
    return RepairEligibility(e.eligible, tuple(_serious_why(r) for r in e.reasons), e.earliest_on)


# -- review -----------------------------------------------------------------------------------


class ReviewError(ValueError):
    """An impossible review step; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def after_review(state: AppState, action: str) -> AppState:
    """The state after ``action`` (accept / approve / refuse), or ``ReviewError``."""
    if state not in OPEN_STATES:
        raise ReviewError("application_closed", f"the application is already {state.value}")
    if action == "accept":
        if state is not AppState.SUBMITTED:
            raise ReviewError("already_accepted", "the application is already accepted")
        return AppState.ACCEPTED
    if action == "approve":
        return AppState.APPROVED
    if action == "refuse":
        return AppState.REFUSED
    raise ReviewError("unknown_action", f"unknown review action {action!r}")


def due_date(start: date, working_days: int, calendar: WorkCalendar) -> tuple[date, bool]:
    """The ``working_days``-th working day after ``start`` on the official calendar, and
    whether it is provisional (it runs into a year the calendar does not cover)."""
    deadline = calendar.add_working_days(start, working_days)
    return deadline.due, deadline.provisional


def is_overdue(state: AppState, accept_due: date, decide_due: date | None, as_of: date) -> bool:
    """An open application past the deadline of its current step."""
    if state is AppState.SUBMITTED:
        return as_of > accept_due
    if state is AppState.ACCEPTED:
        return decide_due is not None and as_of > decide_due
    return False
